// 产品追溯 (Product traceability): the public page a consumer opens by scanning a label's QR code
// (#/trace-code/<code>: the batch's story, origin map, age, certificates, recall status, scans),
// the regulator's desk (#/trace: counts and charts, recalls and their deadlines, inspections and
// certificates, sites, counterfeit signals, imports, the parameters), a batch (#/trace-batch/<id>)
// and a desk per enterprise actor (growers, processors, warehouses, packing and sales, logistics).
// Loaded by the console shell from the registry (this folder). Writes are `contract.call`
// transactions signed in this page by the signed-in member; every read here is public
// (/v1/trace/...: organisations, sites, towns, codes, grams and dates, no person).

import { getLang, t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { go } from "/console/static/js/app.js";
import { card } from "/console/static/js/ui.js";
import {
  apiList, callContract, committed, flashBox, fmtTime, gate, getPlain, h, hashInput, hasRole, input, kv,
  link, paramsCard, qrSvg, registerParams, say, sbadge, select, table, txButton, txForm,
} from "/console/static/js/scenarios-kit.js";
import { session } from "/console/static/js/api.js";
import "./i18n.js";

const C = "product_trace";
const enc = encodeURIComponent;
const CITIES = ["4407", "4401", "4403", "4406", "4420", "4404", "8100", "8200", "1100", "3101", "3301"];

// -- formatting ----------------------------------------------------------------------------------

/** A label of `prefix.value` if there is one, the value as data otherwise. */
function lbl(prefix, v) {
  const key = `${prefix}.${v}`;
  return t(key) === key ? h("code", String(v)) : t(key);
}
const kg = (g) => `${(Number(g) / 1000).toLocaleString(getLang() === "en" ? "en" : "zh-CN", { maximumFractionDigits: 3 })} ${t("tr.kg")}`;
const town = (x) => lbl("town", x);
const code = (x) => h("code", String(x));
const org = (x) => h("code.tag", String(x));
const bid = (x) => link(`#/trace-batch/${enc(x)}`, x, "mono");
const step = (s) => lbl("tr.step", s);
const mu = (a) => `${(Number(a) / 100).toFixed(2)} ${t("tr.mu")}`;
const member = () => session.member || null;
const myOrg = () => (member() ? member().org : "");

function ageText(a) {
  if (!a) return t("tr.notageing");
  const src = a.source === "legacy" ? t("tr.source.legacy") : t("tr.source.chain");
  return h("span", { "data-testid": "tr-age" },
    h("strong", `${a.years} ${t("tr.years")}`), ` (${a.days} ${t("tr.days")}) · ${t("tr.since")} ${a.since}`,
    h("div.small.muted", src),
    a.broken ? h("div.small", { "data-testid": "tr-broken" }, t("tr.broken"), ": ", lbl("tr.broken", a.broken.reason.split(" ")[0]),
      " · ", code(a.broken.location), " · ", fmtTime(a.broken.time)) : null);
}

function recallLine(r) {
  if (!r) return t("tr.none");
  return h("span", code(r.id), " ", lbl("tr.rs", r.status), " · ", lbl("tr.kind", r.kind), ` · ${t("tr.level")} ${r.level}`);
}

function flagsOf(b) {
  return (b.flags || []).map((f) => h("span.badge.b-warn", lbl("tr.flag", f.kind)));
}

function batchesTable(list, testid, extra) {
  return table(
    [t("tr.batch"), t("tr.product"), t("tr.qty"), t("tr.holder"), t("tr.where"), t("common.status"), t("tr.flags"), ""],
    list.map((b) => [bid(b.id), code(b.product), kg(b.qty_g), org(b.org), b.location ? code(b.location) : "—",
      lbl("tr.st", b.status), h("span", flagsOf(b), b.recall ? h("span.badge.b-revoked", t("tr.recall")) : null, b.hold ? h("span.badge.b-revoked", t("tr.result.non_conformant")) : null),
      extra ? extra(b) : null]),
    { "data-testid": testid });
}

function eventsTable(events, testid) {
  return table(
    [t("tr.step"), t("tr.claimed"), t("tr.recorded"), t("tr.by"), t("tr.where"), t("tr.qty")],
    events.map((e) => [step(e.step), h("span", fmtTime(e.event_time), h("span.small.muted", t("tr.claimednote"))),
      link(`#/explorer/block/${e.height}`, fmtTime(e.record_time), "small"), org(e.org),
      e.biz_location || e.read_point ? code(e.biz_location || e.read_point) : "—",
      (e.quantities || []).map((q) => h("div.small", code(q.batch), " ", kg(q.qty_g)))]),
    { "data-testid": testid });
}

// -- the origin map: a schematic of the protected towns with the plots and warehouses -------------

function originMap(area, plots, locations) {
  const towns = (area && area.towns) || [];
  const marked = new Set([...plots.map((p) => p.town), ...locations.map((l) => l.town)]);
  const all = [...towns, ...[...marked].filter((x) => !towns.includes(x) && x !== "mobile")];
  const cols = Math.min(4, Math.max(1, all.length));
  const W = 140, H = 64, NS = "http://www.w3.org/2000/svg";
  const rows = Math.ceil(all.length / cols) || 1;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${cols * W + 8} ${rows * H + 8}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("tr.map"));
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
  };
  all.forEach((tw, i) => {
    const x = 4 + (i % cols) * W, y = 4 + Math.floor(i / cols) * H;
    const inside = towns.includes(tw);
    add("rect", { x, y, width: W - 6, height: H - 6, rx: 6, fill: inside ? "#d7e6f5" : "#f4f4f4", stroke: inside ? "#1f5fa8" : "#bbb", "stroke-dasharray": inside ? "" : "4 3" });
    const name = t(`town.${tw}`) === `town.${tw}` ? tw : t(`town.${tw}`);
    add("text", { x: x + 8, y: y + 18, "font-size": 13 }, name + (inside ? "" : ` (${t("tr.outside")})`));
    const here = [...plots.filter((p) => p.town === tw).map((p) => `● ${p.id}`), ...locations.filter((l) => l.town === tw && l.kind === "warehouse").map((l) => `■ ${l.id}`)];
    here.slice(0, 2).forEach((s, j) => add("text", { x: x + 8, y: y + 36 + j * 14, "font-size": 11, fill: s[0] === "●" ? "#1d7a3a" : "#8a4b00" }, s));
  });
  return h("figure", { "data-testid": "tr-map" }, svg, h("figcaption.small.muted", t("tr.mapnote")));
}

// -- the public page: what a scan of a label shows ------------------------------------------------

export async function codePage(view, args) {
  const given = args[0] || "";
  view.append(h("h1", t("tr.pubtitle")), h("p.muted", t("tr.pubintro")));
  const box = input("tr-code-in", { placeholder: t("tr.codeph"), value: given, class: "mono" });
  const qrFile = h("input", { type: "file", accept: "image/*", "data-testid": "tr-qr-file" });
  const msg = h("div.msg");
  const open = () => { const v = box.value.trim(); if (v) go(`#/trace-code/${enc(v)}`); };
  qrFile.addEventListener("change", async () => {
    const text = await qrText(qrFile.files[0]).catch(() => null);
    const m = text && /([A-Z0-9]{2,8}-\d{6}-\d{5})/.exec(text);
    if (m) go(`#/trace-code/${enc(m[1])}`); else say(msg, "err", t("tr.badqr"));
  });
  view.append(h("div.card", h("div.inline", box, h("button.primary", { "data-testid": "tr-code-go", onclick: open }, t("tr.go"))),
    h("div.small", t("tr.byqr"), " ", qrFile), msg));
  if (!given) return;
  const s = await getPlain(`/v1/trace/codes/${enc(given)}`);
  const b = s.batch, p = s.product || {}, lab = s.label || {};
  const story = h("div", { "data-testid": "trace-story" });
  view.append(story);
  if (s.recall && s.recall.status !== "completed") {
    story.append(h("div.msg.err", { "data-testid": "tr-recalled" }, h("strong", t("tr.recalled")), " · ", recallLine(s.recall)));
  } else if (s.recall) {
    story.append(h("div.msg", { "data-testid": "tr-recalled" }, t("tr.recalldone"), " · ", recallLine(s.recall)));
  }
  if (s.scans && s.scans.signal) story.append(h("div.msg.err", { "data-testid": "tr-fake" }, t("tr.fake")));
  story.append(card(t("tr.labelinfo"),
    h("div.inline", h("div", { html: qrSvg(`${location.origin}/console/#/trace-code/${enc(s.code)}`), class: "qr", "data-testid": "tr-qr" }),
      kv([
        [t("tr.product"), h("span", h("strong", p.name || b.product), " ", code(b.product),
          p.gi ? h("span.badge.b-active", `${t("tr.gibadge")} · ${t(`tr.gi.${p.gi}`)}`) : null)],
        [t("tr.labels"), code(s.code)],
        [t("tr.batch"), code(b.id)],
        [t("tr.issuedon"), lab.on || "—"],
        [t("tr.labelyear"), lab.label_year ? `${lab.label_year} ${t("tr.years")}` : t("tr.none")],
        [t("tr.ageatlabel"), lab.age_days === null || lab.age_days === undefined ? t("tr.none") : `${lab.age_days} ${t("tr.days")}`],
        [t("tr.agenow"), p.gi === "chenpi" ? ageText(b.age) : t("tr.none")],
        [t("tr.producer"), org(b.producer)],
        [t("tr.holder"), org(b.org)],
        [t("tr.recall"), recallLine(s.recall)],
        [t("tr.retain"), lab.retain_until || b.retain_until || "—"],
      ])),
    h("p.small.muted", t("tr.thisqr"))));
  story.append(card(t("tr.origin"),
    kv([[t("tr.plots"), s.plots.map((x) => h("div", code(x.id), " · ", town(x.town), " · ", lbl("variety", x.variety), " · ", mu(x.area), " · ", org(x.org)))],
      [t("tr.gi"), p.gi ? h("span", t(`tr.gi.${p.gi}`), s.area && s.area.min_age_years ? ` · ${t("tr.needyears")} ${s.area.min_age_years} ${t("tr.years")}` : "") : t("tr.none")]]),
    h("h3", t("tr.map")), originMap(s.area, s.plots, s.locations)));
  story.append(card(t("tr.story"), h("p.small.muted", t("tr.storynote")), h("ol.timeline", { "data-testid": "tr-timeline" },
    s.events.map((e) => h("li", h("strong", step(e.step)), " · ", fmtTime(e.event_time), h("span.small.muted", t("tr.claimednote")),
      " · ", org(e.org), e.biz_location || e.read_point ? h("span", " · ", code(e.biz_location || e.read_point)) : null,
      e.result ? h("span", " · ", lbl("tr.result", e.result)) : null,
      (e.sensors || []).length ? h("span.small", ` · ${t("tr.sensors")}: `, e.sensors.map((x) => `${(x.value / 10).toFixed(1)}℃`).join(", ")) : null,
      h("div.small.muted", `${t("tr.recorded")}: `, link(`#/explorer/block/${e.height}`, fmtTime(e.record_time), "small")))))));
  story.append(card(t("tr.certs"), table([t("tr.certs"), t("tr.batch"), t("tr.qty"), t("common.status"), t("tr.commitment")],
    s.certificates.map((c) => [code(c.id), code(c.fields.batch), kg(c.fields.qty_g), sbadge(c.status), h("code.small", c.commitment.slice(0, 16) + "…")]),
    { "data-testid": "tr-certs" })));
  const cityIn = select("tr-city", [["0000", t("tr.unknowncity")], ...CITIES.map((c) => [c, t(`city.${c}`)])], "0000");
  const scanMsg = h("div.msg", { "data-testid": "tr-scan-msg" });
  const sc = s.scans || { count: 0, cities: {} };
  story.append(card(t("tr.scans"), h("p.small.muted", t("tr.scansnote")),
    kv([[t("tr.scancount"), String(sc.count)], [t("tr.cities"), Object.entries(sc.cities).map(([c, n]) => `${t(`city.${c}`)} ${n}`).join("，") || t("tr.none")]]),
    h("label", h("span", t("tr.yourcity")), " ", cityIn), " ",
    h("button", { "data-testid": "tr-scan", onclick: async () => {
      try {
        const r = await (await fetch("/v1/trace/scans", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: s.code, city: cityIn.value }) })).json();
        say(scanMsg, r.counted ? "ok" : "", r.counted ? t("tr.counted") : r.counted === false ? t("tr.notcounted") : `${t("tr.scanerr")}: ${r.detail || ""}`);
      } catch (err) { say(scanMsg, "err", `${t("tr.scanerr")}: ${err.message}`); }
    } }, t("tr.go")), scanMsg));
}

/** The text of a QR code in an image file (jsQR, loaded by the console page), or null. */
async function qrText(file) {
  if (!file || !window.jsQR) return null;
  const bmp = await createImageBitmap(file);
  const cv = document.createElement("canvas");
  cv.width = bmp.width; cv.height = bmp.height;
  const ctx = cv.getContext("2d");
  ctx.drawImage(bmp, 0, 0);
  const img = ctx.getImageData(0, 0, cv.width, cv.height);
  const r = window.jsQR(img.data, img.width, img.height);
  return r ? r.data : null;
}

// -- a batch ----------------------------------------------------------------------------------------

export async function batchPage(view, args) {
  const b = await getPlain(`/v1/trace/batches/${enc(args[0] || "")}`);
  view.append(h("h1", t("tr.batch"), " ", code(b.id)));
  view.append(card(t("tr.batch"), kv([
    [t("tr.product"), code(b.product)], [t("tr.qty"), kg(b.qty_g)], [t("tr.holder"), org(b.org)],
    [t("tr.producer"), org(b.producer)], [t("tr.where"), b.location ? code(b.location) : "—"],
    [t("common.status"), lbl("tr.st", b.status)], [t("tr.origin"), h("span", b.origin.plots.map((x) => code(x)), " ", b.origin.towns.map((x) => h("span", " ", town(x))))],
    [t("tr.age"), b.ageing ? ageText(b.age) : t("tr.none")], [t("tr.certified"), kg(b.certified_g)],
    [t("tr.labelled"), `${b.labels.count} · ${kg(b.labels.grams)}`], [t("tr.sold"), String(b.sold)],
    [t("tr.recall"), recallLine(b.recall_record)], [t("tr.flags"), flagsOf(b).length ? flagsOf(b) : t("tr.none")],
    [t("tr.retain"), b.retain_until || "—"],
  ]), h("p", h("a", { href: `/v1/trace/batches/${enc(b.id)}/epcis`, target: "_blank", "data-testid": "tr-epcis" }, h("code", "EPCIS"), " ", t("tr.epcis")))));
  view.append(card(t("tr.lineage"), kv([[t("tr.ancestors"), b.lineage.ancestors.length ? b.lineage.ancestors.map((x) => h("span", bid(x), " ")) : t("tr.none")],
    [t("tr.descendants"), b.lineage.descendants.length ? b.lineage.descendants.map((x) => h("span", bid(x), " ")) : t("tr.none")]])));
  view.append(card(t("tr.labels"), table([t("tr.codes"), t("tr.packg"), t("tr.labelyear"), t("tr.issuedon"), ""],
    b.label_ranges.map((r) => [h("span", code(r.first), " – ", code(r.last)), String(r.package_g), String(r.label_year), r.on,
      link(`#/trace-code/${enc(r.first)}`, t("tr.open"))]), { "data-testid": "tr-labels" })));
  view.append(card(t("tr.events"), eventsTable(b.events, "tr-events")));
}

// -- the regulator's desk (市场监管局) --------------------------------------------------------------

export async function deskPage(view) {
  const redraw = () => { view.replaceChildren(); return deskPage(view); };
  view.append(flashBox(), h("h1", t("tr.desk")), h("p.muted", t("tr.deskintro")));
  const [d, recalls, signals, batches, locations] = await Promise.all([
    getPlain("/v1/trace/dashboard"), apiList("/v1/trace/recalls"), apiList("/v1/trace/signals"),
    apiList("/v1/trace/batches?limit=200", 1000), apiList("/v1/trace/locations")]);
  const nBatches = Object.values(d.batches).reduce((a, x) => a + x, 0);
  const nEvents = Object.values(d.steps).reduce((a, x) => a + x, 0);
  const nRecalls = Object.values(d.recalls).reduce((a, x) => a + x, 0);
  view.append(h("div.stats", { "data-testid": "tr-stats" }, [[nBatches, "tr.stat.batches"], [nEvents, "tr.stat.events"], [d.labels, "tr.stat.labels"],
    [d.scans, "tr.stat.scans"], [d.signals, "tr.stat.signals"], [nRecalls, "tr.stat.recalls"]]
    .map(([n, k]) => h("div.stat", h("div.big", String(n)), h("div.small.muted", t(k))))));
  view.append(h("div.grid2",
    card(t("tr.chart.steps"), chart(Object.entries(d.steps).map(([k, v]) => ({ x: t(`tr.step.${k}`), y: v })), { integer: true, label: t("tr.chart.steps") })),
    card(t("tr.chart.products"), chart(Object.entries(d.products).map(([k, v]) => ({ x: k, y: v })), { integer: true, label: t("tr.chart.products") })),
    card(t("tr.chart.ageing"), chart(d.ageing.map((a) => ({ x: a.batch, y: a.days })), { unit: "", label: t("tr.chart.ageing") }))));
  // recalls
  const inspector = !gate("inspector", "scjgj");
  view.append(card(t("tr.recalls"), table(
    [t("tr.recall"), t("tr.batch"), t("tr.level"), t("common.status"), t("tr.startdue"), t("tr.finishdue"), t("tr.reached"), t("tr.recovered"), t("tr.overdue"), ""],
    recalls.map((r) => [code(r.id), bid(r.batch), String(r.level), lbl("tr.rs", r.status), fmtTime(r.start_due),
      r.finish_due || `${r.finish_days} ${t("tr.workingdays")}`, String(r.reached.length), `${Object.keys(r.recovered).length} / ${r.batches.length}`,
      r.overdue.length ? r.overdue.map((k) => h("span.badge.b-revoked", t(`tr.overdue.${k}`))) : t("tr.none"),
      member() && r.overdue.some((k) => !r.alerts.includes(k))
        ? txButton(`tr-flag-${r.id}`, t("tr.flagoverdue"), async () => committed((await callContract(C, "flag_overdue", { recall_id: r.id })).res, t("tr.flagged")), redraw, "ghost")
        : r.alerts.length ? t("tr.flagged") : null]),
    { "data-testid": "tr-recalls" })));
  if (inspector) {
    const rb = input("tr-recall-batch", { placeholder: "XHCP-000001", class: "mono" });
    const lv = select("tr-recall-level", [["1", "1"], ["2", "2"], ["3", "3"]], "2");
    const rs = input("tr-recall-reason", { placeholder: "JMSJ-2026-0001", class: "mono" });
    view.append(card(t("tr.order"), h("p.small.muted", t("tr.ordernote")), txForm("tr-recall",
      [[t("tr.batch"), rb], [t("tr.level"), lv], [t("tr.reason"), rs]], t("tr.order"),
      async () => committed((await callContract(C, "order_recall", { batch_id: rb.value.trim(), level: Number(lv.value), reason: rs.value.trim() })).res, t("tr.ordered")), redraw)));
    const ib = input("tr-insp-batch", { placeholder: "XHCP-000001", class: "mono" });
    const ok = select("tr-insp-result", [["1", t("tr.result.conformant")], ["0", t("tr.result.non_conformant")]], "1");
    const cg = input("tr-insp-kg", { value: "0" });
    const rep = hashInput("tr-insp-report");
    view.append(card(t("tr.inspect"), h("p.small.muted", t("tr.inspectnote")), txForm("tr-insp",
      [[t("tr.batch"), ib], [t("tr.result"), ok], [t("tr.certifykg"), cg], [t("tr.report"), rep]], t("tr.inspect"),
      async () => committed((await callContract(C, "inspect", { batch_id: ib.value.trim(), conformant: ok.value === "1", report_hash: rep.value(),
        certify_g: Math.round(Number(cg.value) * 1000), event_time: Date.now() })).res, t("tr.inspected")), redraw)));
  }
  view.append(card(t("tr.sites"), table([t("tr.site"), t("tr.holder"), t("tr.kind"), t("tr.town"), t("tr.verified"), ""],
    locations.map((l) => [code(l.id), org(l.org), lbl("tr.site", l.kind), town(l.town),
      l.verified ? h("span", sbadge("active"), " ", fmtTime(l.verified.time)) : t("tr.claimedsite"),
      inspector && !l.verified ? txButton(`tr-verify-${l.id}`, t("tr.verify"), async () => committed((await callContract(C, "verify_location", { loc_id: l.id })).res, t("tr.verifiedok")), redraw, "ghost") : null]),
    { "data-testid": "tr-sites" })));
  view.append(card(t("tr.signals"), h("p.small.muted", t("tr.signalnote")), table([t("tr.labels"), t("tr.batch"), t("tr.scancount"), t("tr.cities"), ""],
    signals.map((x) => [code(x.code), bid(x.batch), String(x.count), Object.entries(x.cities).map(([c, n]) => `${t(`city.${c}`)} ${n}`).join("，"),
      link(`#/trace-code/${enc(x.code)}`, t("tr.open"))]), { "data-testid": "tr-signals" })));
  if (hasRole("scan_recorder")) {
    view.append(card(t("tr.anchor"), h("p.small.muted", t("tr.anchornote")), txButton("tr-anchor", t("tr.anchor"), async () => {
      const pend = await (await fetch("/v1/trace/scans/pending", { method: "POST" })).json();
      if (!pend.batches.length) return t("tr.nothing");
      let last = null;
      for (const b of pend.batches) last = (await callContract(C, "record_scans", { anchor: b.anchor, items: b.items })).res;
      return committed(last, t("tr.anchored"));
    }, redraw)));
  }
  if (inspector) {
    const f = { ref: input("tr-imp-ref", { class: "mono" }), since: input("tr-imp-since", { placeholder: "2021-12-06" }), kg: input("tr-imp-kg"),
      plot: input("tr-imp-plot", { class: "mono" }), org: input("tr-imp-org", { class: "mono" }), loc: input("tr-imp-loc", { class: "mono" }) };
    view.append(card(t("tr.import"), h("p.small.muted", t("tr.importnote")), txForm("tr-imp",
      [[t("tr.ref"), f.ref], [t("tr.storedsince"), f.since], [t("tr.qtykg"), f.kg], [t("tr.plot"), f.plot], [t("tr.org"), f.org], [t("tr.site"), f.loc]], t("tr.import"),
      async () => committed((await callContract(C, "import_stock", { product_code: "XHCP", qty_g: Math.round(Number(f.kg.value) * 1000), since: f.since.value.trim(),
        ref: f.ref.value.trim(), plot_id: f.plot.value.trim(), org: f.org.value.trim(), location_id: f.loc.value.trim() })).res, t("tr.imported")), redraw)));
  }
  view.append(card(t("tr.batches"), batchesTable(batches, "tr-batches")));
  view.append(await paramsCard(C));
}

// -- the enterprises' desks ----------------------------------------------------------------------

async function mine() {
  return myOrg() ? apiList(`/v1/trace/batches?org=${enc(myOrg())}&limit=200`, 1000) : [];
}
const live = (list) => list.filter((b) => !["consumed", "sold"].includes(b.status));
const opts = (list) => list.map((b) => [b.id, `${b.id} · ${b.product}`]);

function redrawer(view, fn) { return () => { view.replaceChildren(); return fn(view); }; }

export async function farmPage(view) {
  const redraw = redrawer(view, farmPage);
  view.append(flashBox(), h("h1", t("nav.trace-farm")), h("p.muted", t("tr.farmintro")));
  const [plots, batches] = await Promise.all([apiList("/v1/trace/plots"), mine()]);
  const ours = plots.filter((p) => p.org === myOrg());
  view.append(card(t("tr.myplots"), table([t("tr.plot"), t("tr.town"), t("tr.variety"), t("tr.area")],
    (ours.length ? ours : plots).map((p) => [code(p.id), town(p.town), lbl("variety", p.variety), mu(p.area)]), { "data-testid": "tr-plots" })));
  const why = gate("grower");
  if (why) view.append(why);
  else {
    const pl = select("tr-plant-plot", ours.map((p) => [p.id, p.id]));
    view.append(card(t("tr.plant"), txForm("tr-plant", [[t("tr.plot"), pl]], t("tr.plant"),
      async () => committed((await callContract(C, "plant", { plot_id: pl.value, event_time: Date.now() })).res, t("tr.planted")), redraw)));
    const hp = select("tr-harvest-plot", ours.map((p) => [p.id, p.id]));
    const pr = input("tr-harvest-product", { value: "XHG", class: "mono" });
    const q = input("tr-harvest-kg");
    view.append(card(t("tr.harvest"), txForm("tr-harvest", [[t("tr.plot"), hp], [t("tr.product"), pr], [t("tr.qtykg"), q]], t("tr.harvest"),
      async () => {
        const r = await callContract(C, "harvest", { plot_id: hp.value, product_code: pr.value.trim(), qty_g: Math.round(Number(q.value) * 1000), event_time: Date.now() });
        return committed(r.res, `${t("tr.harvested")} ${r.value.id}`);
      }, redraw)));
  }
  if (hasRole("plot_registrar")) {
    const f = { id: input("tr-plot-id", { class: "mono" }), org: input("tr-plot-org", { class: "mono" }), town: input("tr-plot-town", { class: "mono" }),
      area: input("tr-plot-area"), variety: input("tr-plot-variety", { class: "mono", value: "chazhigan" }) };
    view.append(card(t("tr.regplot"), txForm("tr-plot", [[t("tr.plotid"), f.id], [t("tr.org"), f.org], [t("tr.town"), f.town], [t("tr.areamu"), f.area], [t("tr.variety"), f.variety]],
      t("tr.regplot"), async () => committed((await callContract(C, "register_plot", { plot_id: f.id.value.trim(), org: f.org.value.trim(), town: f.town.value.trim(),
        area: Math.round(Number(f.area.value) * 100), variety: f.variety.value.trim() })).res, t("tr.plotok")), redraw)));
  }
  view.append(card(t("tr.mine"), batchesTable(batches, "tr-mine")));
}

function lines(text, what) {
  return text.split(/\n+/).map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([A-Z0-9-]{2,24})\s*=\s*([\d.]+)$/.exec(s);
    if (!m) throw new Error(t("tr.badlines"));
    return { [what]: m[1], qty_g: Math.round(Number(m[2]) * 1000) };
  });
}

export async function processPage(view) {
  const redraw = redrawer(view, processPage);
  view.append(flashBox(), h("h1", t("nav.trace-process")), h("p.muted", t("tr.processintro")));
  const batches = await mine();
  const why = gate(["processor", "warehouse", "packer"]);
  if (why) view.append(why);
  else {
    const kind = select("tr-tf-kind", [["processing", t("tr.step.processing")], ["repackaging", t("tr.step.repackaging")]], "processing");
    const ins = h("textarea", { "data-testid": "tr-tf-in", rows: 3, placeholder: t("tr.inputsph") });
    const outs = h("textarea", { "data-testid": "tr-tf-out", rows: 3, placeholder: t("tr.outputsph") });
    const site = input("tr-tf-site", { class: "mono" });
    view.append(card(t("tr.transform"), txForm("tr-tf", [[t("tr.kind"), kind], [t("tr.inputs"), ins], [t("tr.outputs"), outs], [t("tr.site"), site]], t("tr.transform"),
      async () => {
        const r = await callContract(C, "transform", { step: kind.value, inputs: lines(ins.value, "batch"), outputs: lines(outs.value, "product"),
          location_id: site.value.trim(), event_time: Date.now() });
        return committed(r.res, `${t("tr.transformed")} ${r.value.outputs.join(", ")}`);
      }, redraw)));
  }
  view.append(card(t("tr.mine"), batchesTable(batches, "tr-mine")));
}

export async function storePage(view) {
  const redraw = redrawer(view, storePage);
  view.append(flashBox(), h("h1", t("nav.trace-store")), h("p.muted", t("tr.storeintro")));
  const [batches, transit] = await Promise.all([mine(), apiList("/v1/trace/batches?status=in_transit&limit=200", 1000)]);
  const incoming = transit.filter((b) => b.transit && b.transit.to === myOrg());
  const can = !gate(["warehouse", "processor", "packer", "retailer"]);
  const here = live(batches).filter((b) => b.status === "active");
  const send = (fn, args, text) => async () => committed((await callContract(C, fn, { ...args, event_time: Date.now() })).res, text);
  if (can) {
    const sb = select("tr-store-batch", opts(here.filter((b) => !b.stored)));
    const sl = input("tr-store-site", { class: "mono" });
    view.append(card(t("tr.store"), txForm("tr-store", [[t("tr.batch"), sb], [t("tr.site"), sl]], t("tr.store"),
      async () => send("store", { batch_id: sb.value, location_id: sl.value.trim() }, t("tr.stored"))(), redraw)));
    const shb = select("tr-ship-batch", opts(here));
    const to = input("tr-ship-to", { class: "mono" });
    const carrier = input("tr-ship-carrier", { class: "mono", placeholder: t("tr.ownshipping") });
    view.append(card(t("tr.ship"), txForm("tr-ship", [[t("tr.batch"), shb], [t("tr.to"), to], [t("tr.carrier"), carrier]], t("tr.ship"),
      async () => send("ship", { items: [shb.value], to_org: to.value.trim(), carrier: carrier.value.trim() }, t("tr.shipped"))(), redraw)));
  } else view.append(gate(["warehouse", "processor", "packer", "retailer"]));
  const site = input("tr-recv-site", { class: "mono" });
  view.append(card(t("tr.incoming"), h("label", h("span", t("tr.site")), " ", site), table([t("tr.batch"), t("tr.product"), t("tr.qty"), t("tr.holder"), t("tr.carrier"), ""],
    incoming.map((b) => [bid(b.id), code(b.product), kg(b.qty_g), org(b.transit.from), b.transit.carrier ? org(b.transit.carrier) : t("tr.ownshipping"),
      can ? txButton(`tr-recv-${b.id}`, t("tr.receive"), async () => send("receive", { items: [b.id], location_id: site.value.trim() }, t("tr.received"))(), redraw) : null]),
    { "data-testid": "tr-incoming" })));
  view.append(card(t("tr.mine"), batchesTable(batches, "tr-mine", (b) => can && b.stored
    ? txButton(`tr-pick-${b.id}`, t("tr.pick"), async () => send("pick", { batch_id: b.id }, t("tr.picked"))(), redraw, "ghost") : null)));
}

export async function sellPage(view) {
  const redraw = redrawer(view, sellPage);
  view.append(flashBox(), h("h1", t("nav.trace-sell")), h("p.muted", t("tr.sellintro")));
  const [batches, recalls] = await Promise.all([mine(), apiList("/v1/trace/recalls")]);
  const here = live(batches);
  if (hasRole("packer")) {
    const lb = select("tr-label-batch", opts(here));
    const n = input("tr-label-count", { value: "10" });
    const g = input("tr-label-g", { value: "250" });
    const y = input("tr-label-year", { value: "0" });
    const checkMsg = h("div.msg", { "data-testid": "tr-check-msg" });
    const check = h("button", { type: "button", "data-testid": "tr-check", onclick: async () => {
      const r = await getPlain(`/v1/trace/batches/${enc(lb.value)}`);
      const c = await callView("label_check", { batch_id: lb.value, label_year: Number(y.value) });
      say(checkMsg, c.failed.length ? "err" : "ok", c.failed.length ? c.failed.join("；") : `${t("tr.checkok")} · ${t("tr.certleft")} ${r.certified_g - r.labels.grams}`);
    } }, t("tr.check"));
    view.append(card(t("tr.issue"), txForm("tr-label", [[t("tr.batch"), lb], [t("tr.count"), n], [t("tr.packg"), g], [t("tr.labelyear"), y]], t("tr.issue"),
      async () => {
        const r = await callContract(C, "issue_labels", { batch_id: lb.value, count: Number(n.value), package_g: Number(g.value), label_year: Number(y.value), event_time: Date.now() });
        return committed(r.res, `${t("tr.issued")} ${r.value.first} – ${r.value.last}`);
      }, redraw), check, checkMsg));
    const pid = input("tr-pack-id", { class: "mono", placeholder: "SSCC-…" });
    const pb = select("tr-pack-batch", opts(here.filter((b) => !b.pallet)));
    view.append(card(t("tr.pack"), txForm("tr-pack", [[t("tr.palletid"), pid], [t("tr.batch"), pb]], t("tr.pack"),
      async () => committed((await callContract(C, "pack", { pallet_id: pid.value.trim(), batches: [pb.value], event_time: Date.now() })).res, t("tr.packed")), redraw)));
  }
  if (hasRole("retailer")) {
    const sb = select("tr-sell-batch", opts(here.filter((b) => b.labels.count > b.sold)));
    const n = input("tr-sell-count", { value: "1" });
    view.append(card(t("tr.sell"), txForm("tr-sell", [[t("tr.batch"), sb], [t("tr.count"), n]], t("tr.sell"),
      async () => committed((await callContract(C, "sell", { batch_id: sb.value, count: Number(n.value), event_time: Date.now() })).res, t("tr.soldok")), redraw)));
  }
  if (!hasRole("packer") && !hasRole("retailer")) view.append(gate(["packer", "retailer"]));
  // recalled batches this organisation holds: report what came back
  const ids = new Set(batches.map((b) => b.id));
  const todo = recalls.filter((r) => r.status === "started").flatMap((r) => r.batches.filter((x) => ids.has(x) && !r.recovered[x]).map((x) => [r, x]));
  view.append(card(t("tr.myrecalls"), table([t("tr.recall"), t("tr.batch"), t("tr.finishdue"), ""],
    todo.map(([r, x]) => [code(r.id), bid(x), r.finish_due || "—", member() ? txButton(`tr-recovered-${x}`, t("tr.report_recovered"), async () => {
      const b = batches.find((y) => y.id === x);
      return committed((await callContract(C, "report_recovered", { recall_id: r.id, batch_id: x, qty_g: b.qty_g, event_time: Date.now() })).res, t("tr.recoveredok"));
    }, redraw) : null]), { "data-testid": "tr-myrecalls" })));
  // the labels' QR codes (first of each range; the public page opens without sign-in)
  const labelled = here.filter((b) => b.labels.count > 0).slice(0, 6);
  const qrs = await Promise.all(labelled.map((b) => getPlain(`/v1/trace/batches/${enc(b.id)}`)));
  view.append(card(t("tr.qrs"), h("p.small.muted", t("tr.qrnote")), h("div.inline", { "data-testid": "tr-qrs" },
    qrs.flatMap((b) => b.label_ranges.slice(0, 1).map((r) => h("div.qrbox",
      h("div.qr", { html: qrSvg(`${location.origin}/console/#/trace-code/${enc(r.first)}`) }), link(`#/trace-code/${enc(r.first)}`, r.first, "mono.small")))))));
  view.append(card(t("tr.mine"), batchesTable(batches, "tr-mine")));
}

async function callView(method, args) {
  const r = await fetch(`/v1/contracts/${C}/query`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ method, args }) });
  const doc = await r.json();
  if (!r.ok) throw new Error(doc.detail || String(r.status));
  return doc.value;
}

export async function carryPage(view) {
  const redraw = redrawer(view, carryPage);
  view.append(flashBox(), h("h1", t("nav.trace-carry")), h("p.muted", t("tr.carryintro")));
  const transit = await apiList("/v1/trace/batches?status=in_transit&limit=200", 1000);
  const ours = transit.filter((b) => b.transit && b.transit.carrier === myOrg());
  const why = gate("logistics");
  const temps = input("tr-temps", { placeholder: "4.5, 6.1" });
  const vehicle = input("tr-vehicle", { class: "mono" });
  view.append(card(t("tr.intransit"), why || h("div.inline", h("label", h("span", t("tr.temps")), " ", temps), h("label", h("span", t("tr.vehicle")), " ", vehicle)),
    table([t("tr.batch"), t("tr.product"), t("tr.qty"), t("tr.holder"), t("tr.to"), ""],
      ours.map((b) => [bid(b.id), code(b.product), kg(b.qty_g), org(b.transit.from), org(b.transit.to), why ? null : txButton(`tr-transport-${b.id}`, t("tr.transport"), async () => {
        const now = Date.now();
        const sensors = temps.value.split(/[,，\s]+/).filter(Boolean).map((v) => ({ type: "temperature", value: Math.round(Number(v) * 10), time: now }));
        return committed((await callContract(C, "transport", { items: [b.id], sensors, read_point: vehicle.value.trim(), event_time: now })).res, t("tr.transported"));
      }, redraw)]), { "data-testid": "tr-transit" })));
}

registerParams(C, "scjgj");

export const routes = {
  trace: [deskPage, "member"],
  "trace-batch": [batchPage, "public"],
  "trace-farm": [farmPage, "member"],
  "trace-process": [processPage, "member"],
  "trace-store": [storePage, "member"],
  "trace-sell": [sellPage, "member"],
  "trace-carry": [carryPage, "member"],
  "trace-code": [codePage, "public"],
};
export const nav = [
  ["trace-code", "nav.trace-code", "public"],
  ["trace", "nav.trace", "member"],
  ["trace-farm", "nav.trace-farm", "member"],
  ["trace-process", "nav.trace-process", "member"],
  ["trace-store", "nav.trace-store", "member"],
  ["trace-sell", "nav.trace-sell", "member"],
  ["trace-carry", "nav.trace-carry", "member"],
];
export const who = {
  trace: (m, r) => m.org === "scjgj" || r.includes("scan_recorder"),
  "trace-farm": (m, r) => r.includes("grower") || r.includes("plot_registrar"),
  "trace-process": (m, r) => r.includes("processor"),
  "trace-store": (m, r) => r.includes("warehouse") || r.includes("retailer"),
  "trace-sell": (m, r) => r.includes("packer") || r.includes("retailer"),
  "trace-carry": (m, r) => r.includes("logistics"),
};
