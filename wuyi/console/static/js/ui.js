// Small DOM helpers and formatters.

import { getLang, t, ts } from "./i18n.js";

/** h("div.card#x", {attrs}, ...children): an element. */
export function h(tag, attrs, ...children) {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(tag);
  const el = document.createElement(m ? m[1] : tag);
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g)) {
      if (part[0] === ".") el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else if (k === "html") el.innerHTML = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(visible(String(c))));
  }
  return el;
}

// Bidirectional-text controls (U+202A–202E, U+2066–2069, U+200E/200F, U+061C) in chain data
// could reorder what a reader sees ("txt.exe" shown as "exe.txt"): every text the pages put on
// screen shows them as a visible mark instead.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each bidi control shown as ⟦U+202E⟧. */
export function visible(text) {
  return text.replace(BIDI, (c) => `⟦U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟧`);
}

/** Chain data shown as it is (a name, an id, a description written by a member): marked
 *  ``.data`` so that readers and the language check tell it from the console's own labels. */
export const data = (text, tag = "span") => h(`${tag}.data`, text);

/** A "中文 / English" text in the reader's language (the whole text if it has no " / "). */
export function bi(text) {
  const s = String(text ?? "");
  const m = /\s\/\s|）\/\s/.exec(s);
  if (!m) return s;
  return getLang() === "en" ? s.slice(m.index + m[0].length) : s.slice(0, m.index + (m[0][0] === "）" ? 1 : 0));
}

export function fmtTime(ms) {
  if (!ms) return "—";
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const short = (s, n = 10) => (s && s.length > 2 * n + 1 ? `${s.slice(0, n)}…${s.slice(-6)}` : s || "");

export function badge(status) {
  return h(`span.badge.b-${String(status).replace(/[^\w-]/g, "")}`, ts(status));
}

export function dot(up) {
  return h(`span.dot.${up ? "up" : "down"}`, { title: up ? t("overview.up") : t("overview.down") });
}

export function link(hash, text, cls) {
  return h(`a${cls ? "." + cls : ""}`, { href: hash }, text);
}

export function table(headers, rows, attrs) {
  return h("table.tbl", attrs || {},
    h("thead", h("tr", headers.map((x) => h("th", x)))),
    h("tbody", rows.length ? rows.map((r) => h("tr", r.map((c) => h("td", c))))
      : h("tr", h("td.muted", { colspan: headers.length }, t("common.none")))));
}

export function kv(pairs) {
  return h("dl.kv", pairs.filter(Boolean).map(([k, v]) => [h("dt", k), h("dd", v)]));
}

export function errorBox(err) {
  return h("div.alert.err", { role: "alert" }, `${t("common.error")}: ${err && err.message ? err.message : err}`);
}

export function card(title, ...body) {
  return h("section.card", title ? h("h2", title) : null, ...body);
}

/** The JSON form's {"$bytes": hex} shown as hex. */
export function plain(v) {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    if (Object.keys(v).length === 1 && "$bytes" in v) return v.$bytes;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

export function pre(obj) {
  return h("pre.json", JSON.stringify(plain(obj), null, 2)); // h() makes bidi controls visible
}
