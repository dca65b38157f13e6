// Hand-made SVG charts: no library, readable at a glance.

const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** points: [{x: label, y: number}] → an SVG bar (kind "bar") or line chart. */
export function chart(points, { kind = "bar", unit = "", color = "#1f5fa8", height = 160, label = "", integer = false } = {}) {
  const W = 560, H = height, L = 44, B = 22, T = 10, R = 8;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label });
  const top = Math.max(0, ...points.map((p) => p.y));
  // counts: whole-number gridlines (0, 1, 2, 3, 4 … in steps of max/4)
  const max = integer ? 4 * Math.max(1, Math.ceil(top / 4)) : niceMax(top);
  const iw = W - L - R, ih = H - T - B;
  for (let i = 0; i <= 4; i++) {
    const y = T + ih - (ih * i) / 4;
    svg.append(el("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    const v = (max * i) / 4;
    svg.append(el("text", { x: L - 6, y: y + 4, class: "axis", "text-anchor": "end" }, (v >= 100 ? Math.round(v) : +v.toFixed(1)) + unit));
  }
  const n = points.length;
  if (!n) return svg;
  const step = iw / n;
  const xs = (i) => L + step * i + step / 2;
  const ys = (v) => T + ih - (ih * v) / max;
  if (kind === "bar") {
    points.forEach((p, i) => {
      const y = ys(p.y);
      const r = el("rect", { x: L + step * i + step * 0.15, y, width: Math.max(1, step * 0.7), height: T + ih - y, fill: color, rx: 1.5 });
      r.append(el("title", {}, `#${p.x}: ${p.y}${unit}`));
      svg.append(r);
      if (integer && p.y) svg.append(el("text", { x: xs(i), y: y - 3, class: "axis", "text-anchor": "middle" }, String(p.y)));
    });
  } else {
    const d = points.map((p, i) => `${i ? "L" : "M"}${xs(i).toFixed(1)},${ys(p.y).toFixed(1)}`).join(" ");
    svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2 }));
    points.forEach((p, i) => {
      const c = el("circle", { cx: xs(i), cy: ys(p.y), r: 2.5, fill: color });
      c.append(el("title", {}, `#${p.x}: ${p.y}${unit}`));
      svg.append(c);
    });
  }
  const every = Math.max(1, Math.ceil(n / 8));
  points.forEach((p, i) => {
    const last = i === n - 1 && (n - 1) % every >= every / 2; // the last one, unless it would overlap
    if (i % every === 0 || last) svg.append(el("text", { x: xs(i), y: H - 6, class: "axis", "text-anchor": "middle" }, p.x));
  });
  return svg;
}

const PALETTE = ["#1f5fa8", "#e07b24", "#2e9e5b", "#b8457a", "#7a5cc2", "#8c8c2a", "#3a9bb5", "#c24a3a"];

/** A stacked bar chart: `groups` [{x: label, ys: [number per series]}], `series` [name] (a
 *  legend under the chart); a bar's title lists its parts. E.g. financing by sector (bars)
 *  and bank (colours). */
export function stacked(groups, series, { unit = "", height = 200, label = "", format = (v) => String(v) } = {}) {
  const W = 560, H = height, L = 44, B = 22, T = 10, R = 8;
  const box = document.createElement("div");
  box.className = "chartbox";
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart stacked", role: "img", "aria-label": label });
  const top = Math.max(0, ...groups.map((g) => g.ys.reduce((a, b) => a + b, 0)));
  const max = niceMax(top);
  const iw = W - L - R, ih = H - T - B;
  for (let i = 0; i <= 4; i++) {
    const y = T + ih - (ih * i) / 4;
    svg.append(el("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    svg.append(el("text", { x: L - 6, y: y + 4, class: "axis", "text-anchor": "end" }, format((max * i) / 4) + unit));
  }
  const step = groups.length ? iw / groups.length : iw;
  groups.forEach((g, i) => {
    let base = T + ih;
    const x = L + step * i + step * 0.2;
    const parts = [];
    g.ys.forEach((v, s) => {
      if (!v) return;
      const hgt = (ih * v) / max;
      const r = el("rect", { x, y: base - hgt, width: Math.max(1, step * 0.6), height: hgt, fill: PALETTE[s % PALETTE.length], "data-series": series[s] });
      r.append(el("title", {}, `${g.x} · ${series[s]}: ${format(v)}${unit}`));
      svg.append(r);
      base -= hgt;
      parts.push(`${series[s]} ${format(v)}${unit}`);
    });
    svg.append(el("text", { x: L + step * i + step / 2, y: H - 6, class: "axis", "text-anchor": "middle" }, g.x));
  });
  const legend = document.createElement("div");
  legend.className = "legend small";
  series.forEach((name, s) => {
    const item = document.createElement("span");
    item.className = "legend-item";
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = PALETTE[s % PALETTE.length];
    item.append(sw, document.createTextNode(` ${name} `));
    legend.append(item);
  });
  box.append(svg, legend);
  return box;
}
