// What the scenario pages share (each scenario's page module is in its folder,
// wuyi/scenarios/<name>/console/page.js, loaded by scenarios.js): reads of the scenario API,
// signed contract calls, money/area/district formatting, forms and buttons that sign a
// transaction, a contract's governed parameters with their history, a certificate's QR code,
// and the registry of what the scenario modules contribute to the shared pages (e-certificate
// kinds for the public check, cards for the citizen's page, who sets which parameters).
//
// Reads use the scenario API (/v1/<scenario>/…, /v1/certs/…, /v1/scenarios/…) and the
// generic read-only contract query (POST /v1/contracts/{name}/query) and state by prefix
// (GET /v1/contracts/{name}/state), signed when the console holds a key: a contract whose
// state is personal (Scenario.personal_state) answers those only to a member's signed read,
// so a page for the public keeps to the scenario API. Writes are `contract.call` transactions signed in this
// page with the member's key (or a citizen's wallet DID key) and authorised by the contract.

import { ApiError, chainStatus, get, readGet, readPost, session } from "./api.js";
import { roleText } from "./pages.js";
import { getLang, t, ts } from "./i18n.js";
import { fromHex, toHex } from "./cbor.js";
import { keyDialog, keyForm, sendTx } from "./app.js";
import { hash, openWallet } from "./keys.js";
import { setOpenedWallet } from "./wallet.js";
import { orgLabel, orgNames } from "./data.js";
import { badge, bi, data, fmtTime, h, kv, link, plain, short, table } from "./ui.js";
import "./scenarios-i18n.js";

// -- what the scenario modules contribute -----------------------------------------------------------

/** Registered by the scenario modules: e-certificate kinds ({type, title (label key), idRe,
 *  facts(c, names) → kv rows}), cards of the citizen's page (async (wallet, ctx) → element),
 *  parameter owners ({contract: org}). */
export const contributed = { certificates: [], citizenCards: [], paramOwners: {} };

export function registerCertificate(kind) { contributed.certificates.push(kind); }
export function registerCitizenCard(card) { contributed.citizenCards.push(card); }
export function registerParams(contract, owner) { contributed.paramOwners[contract] = owner; }

/** The registered kind of a certificate (by its credential type, or its id's form). */
export function certificateKind(c) {
  const kinds = contributed.certificates;
  return kinds.find((k) => k.type === c.type) || kinds.find((k) => k.idRe.test(String(c.id || ""))) || null;
}

// -- reads ----------------------------------------------------------------------------------------

/** A contract's read-only method (its value, bytes as hex): a signed read when the console
 *  holds a key, like stateList and getPlain — a contract whose state is personal
 *  (Scenario.personal_state) answers only a member's signed, logged read. A page for the
 *  public reads the scenario's own routes instead (they withhold the personal part). */
export async function query(contract, method, args = {}) {
  const r = await readPost(`/v1/contracts/${encodeURIComponent(contract)}/query`, { method, args }, "控制台办理 / console");
  return plain(r.value);
}

/** Every state entry of `contract` under `prefix` ([{key, value}]), at most `max`. */
export async function stateList(contract, prefix, max = 2000) {
  const out = [];
  let cursor = null;
  do {
    const q = `prefix=${encodeURIComponent(prefix)}&limit=500${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`;
    const doc = await readGet(`/v1/contracts/${encodeURIComponent(contract)}/state?${q}`, "控制台办理 / console");
    for (const e of doc.entries || []) out.push({ key: e.key, value: plain(e.value) });
    cursor = doc.next;
  } while (cursor && out.length < max);
  return out;
}

/** GET `path` as plain data: a signed read when the console holds a key (the signed-in member's,
 *  or the opened wallet's) — the scenarios' records are personal (docs/api.md, signed reads). */
export const getPlain = async (path) => plain(await readGet(path, "控制台办理 / console"));

/** Every item of a paged scenario API list (following `next`, at most `max`). */
export async function apiList(path, max = 2000) {
  const first = await getPlain(path);
  const out = [...items(first)];
  let next = first.next;
  while (next && out.length < max) {
    const doc = await getPlain(`${path}${path.includes("?") ? "&" : "?"}cursor=${enc(next)}`);
    out.push(...items(doc));
    next = doc.next;
  }
  return out;
}

const enc = encodeURIComponent;
const items = (doc) => (Array.isArray(doc) ? doc : (doc && (doc.items || doc.entries)) || []);
export const notFound = (what) => new ApiError(404, { detail: `${t("sc.notfound")}: ${what}` });

/** A certificate record as /v1/certs/{id} and /v1/certs/verify render it, flattened: the
 *  record's fields plus `contract`, `type`, `title`, `status` (active | superseded),
 *  `holders` and `credentials` [{holder, org, idx, status}] (the linked e-certificates). */
export function flatCertificate(doc) {
  if (!doc) return null;
  if (!doc.record) return doc;
  if (doc.record.withheld) {  // an unsigned read: the certificate's validity, not its holders
    return { id: doc.id, contract: doc.contract, type: doc.type, title: doc.title,
      status: doc.status || "active", holders: [], credentials: doc.credentials || [], withheld: true };
  }
  return { ...doc.record, id: doc.id, contract: doc.contract, type: doc.type, title: doc.title,
    status: doc.status || doc.record.status || "active", holders: doc.holders, credentials: doc.credentials || [] };
}

/** A certificate of any registered kind (flatCertificate). */
export async function certificate(id) {
  return flatCertificate(await getPlain(`/v1/certs/${enc(id)}`));
}

// -- parameters -------------------------------------------------------------------------------------

/** {name, value (in force now), record (latest change: value, effective_height, set_by, org,
 *  height, reason, basis, previous)} for each parameter of `contract`. */
export async function params(contract) {
  const doc = await getPlain(`/v1/scenarios/${contract}/params`);
  return (doc.params || []).map((p) => ({ name: p.name, value: p.value, record: p.latest }));
}

export async function paramHistory(contract, name) {
  return items(await getPlain(`/v1/scenarios/${contract}/params/${enc(name)}/history`));
}

// -- writes ---------------------------------------------------------------------------------------

/** A `contract.call` signed here (member key, or `key`: a wallet's DID key), with the private
 *  side-cars its arguments reference (`sidecars`: a presentation's bytes); waits for the
 *  commit. Returns {res, value}: the committed transaction and the method's return value.
 *  A refusal throws with the contract's message (it names the rule). */
export async function callContract(contract, method, args, key, sidecars = []) {
  const res = await sendTx("contract.call", { contract, method, args }, key, sidecars);
  const ev = (res.receipt.events || []).find((e) => e.type === "contract.returned");
  return { res, value: ev ? plain(ev.attrs.value) : null };
}

/** The chain suite's hash of a file's bytes or of a text (hex). */
export async function hashOf(data) {
  const st = await chainStatus();
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
  return toHex(await hash(st.suite, bytes));
}

export { fromHex };

// -- who may do what --------------------------------------------------------------------------------

export function hasRole(role) {
  return !!session.member && session.member.roles.includes(role);
}

export function inOrg(org) {
  return !!session.member && session.member.org === org;
}

/** null when the signed-in member may act (role `role`, optionally of `org`, with the key
 *  loaded); otherwise a note saying why not (or a button to load the key). */
export function gate(role, org) {
  if (!session.member) return h("p.muted.small", t("sc.signin"));
  const roles = Array.isArray(role) ? role : [role];
  if (!roles.some(hasRole) || (org && !inOrg(org))) {
    return h("p.muted.small", { "data-testid": "gate" }, `${t("sc.needrole")}: `,
      roles.map((r, i) => [i ? " / " : "", roleText(r)]), org ? h("span", " · ", h("code", org)) : null);
  }
  if (!session.key) return h("button.link", { onclick: () => keyDialog() }, t("gov.needkey"));
  return null;
}

/** null when the console holds the signed-in member's key; otherwise a card asking for it: a
 *  page that reads a personal contract's raw state (Scenario.personal_state) needs a member's
 *  signed read, which the node logs. */
export function keyFirst() {
  if (session.key) return null;
  return h("section.card", { "data-testid": "needs-key" }, h("p.muted.small", t("sc.readkey")),
    h("button.link", { onclick: () => keyDialog(), "data-testid": "read-load-key" }, t("gov.needkey")));
}

// -- formatting -----------------------------------------------------------------------------------

export const DISTRICTS = {
  440703: ["蓬江区", "Pengjiang"], 440704: ["江海区", "Jianghai"], 440705: ["新会区", "Xinhui"],
  440781: ["台山市", "Taishan"], 440783: ["开平市", "Kaiping"], 440784: ["鹤山市", "Heshan"], 440785: ["恩平市", "Enping"],
};

export function districtName(code) {
  const d = DISTRICTS[code];
  if (!d) return String(code || "—");
  return `${getLang() === "en" ? d[1] : d[0]} ${code}`;
}

/** fen → "¥1,234,567.89" (元). */
export function yuan(fen) {
  if (fen === null || fen === undefined || fen === "") return "—";
  const n = Number(fen);
  const sign = n < 0 ? "-" : "";
  const abs = Math.abs(n);
  const y = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}¥${y}.${String(abs % 100).padStart(2, "0")}`;
}

/** "1,500,000.5" 元 → fen (integer); throws a clear error on bad input. */
export function toFen(text, what = t("sc.amount")) {
  const s = String(text).replace(/[,\s¥]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(s)) throw new Error(`${what}: ${t("sc.badamount")}`);
  const [i, f = ""] = s.split(".");
  const fen = Number(i) * 100 + Number(f.padEnd(2, "0"));
  if (!Number.isSafeInteger(fen) || fen <= 0) throw new Error(`${what}: ${t("sc.badamount")}`);
  return fen;
}

/** 0.01 m² → "89.50 m²". */
export const area = (a) => (a === null || a === undefined ? "—" : `${(Number(a) / 100).toFixed(2)} m²`);
export const pct = (bp) => `${(Number(bp) / 100).toFixed(bp % 100 ? 2 : 0)}%`;

export const UNIT_RE = /^\d{6}-\d{3}-\d{4}$/;
export const DID_RE = /^did:wuyi:[\w:.-]{3,71}$/;
export const HEX64 = /^[0-9a-f]{64}$/i;

export function checkUnitId(id) {
  if (!UNIT_RE.test(id)) throw new Error(`${t("sc.unit")} '${id}': ${t("sc.badunit")}`);
  return id;
}

export function didTag(did) {
  if (!did) return "—";
  const org = /^did:wuyi:org:(.+)$/.exec(did);
  return h("span.mono.small.did", { title: did }, org ? did : short(did, 14));
}

export const blockLink = (height) => link(`#/explorer/block/${height}`, `#${height}`, "small");
export const txLink = (tx) => (tx ? link(`#/explorer/tx/${tx}`, short(tx, 8), "mono.small") : null);

/** A status word as a badge (scenario statuses translated). */
export const sbadge = (s) => badge(s || "—");

export function paramValue(v) {
  if (typeof v === "boolean") return t(v ? "common.yes" : "common.no");
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) {
      const sep = getLang() === "en" ? ", " : "、";
      return h("span", v.map((x, i) => [i ? sep : "", DISTRICTS[x] ? districtName(x) : h("code", x)]));
    }
    return h("code", JSON.stringify(v));
  }
  if (v && typeof v === "object" && Object.values(v).every(isHolidayYear)) {
    // a holiday table (wuyi.contract.lib.calendar): each year's days off and make-up days
    return h("span", Object.entries(v).map(([year, e]) => h("div", { title: e.basis }, h("code", year), " ",
      t("sc.hol.year").replace("{off}", e.off.length).replace("{work}", e.work.length), ` (${t(`sc.hol.${e.status}`)})`)));
  }
  if (v && typeof v === "object") {
    // a nested value (other than a holiday table) as shortened JSON, not "[object Object]"
    const part = (x) => (x && typeof x === "object" ? short(JSON.stringify(x), 30) : x);
    return h("code", Object.entries(v).map(([k, x]) => `${k}: ${part(x)}`).join(", "));
  }
  return String(v);
}

const isHolidayYear = (e) => !!e && Array.isArray(e.off) && Array.isArray(e.work) && typeof e.status === "string";

/** Parse what an admin typed for a parameter, shaped like its current value. */
export function parseParam(current, text) {
  const s = String(text).trim();
  if (!s) throw new Error(t("sc.param.empty"));
  if (typeof current === "number") {
    if (!/^\d+$/.test(s)) throw new Error(t("sc.param.int"));
    return Number(s);
  }
  if (Array.isArray(current) && current.every((x) => typeof x === "string")) {
    return s.split(/[\s,，、]+/).filter(Boolean);
  }
  try { return JSON.parse(s); } catch { throw new Error(t("sc.param.json")); }
}

export function paramInput(current) {
  if (Array.isArray(current) && current.every((x) => typeof x === "string")) return current.join(", ");
  if (typeof current === "object" && current !== null) return JSON.stringify(current);
  return String(current ?? "");
}

/** A change's reason in the reader's language (the value written at deploy is a standard
 *  phrase; a bilingual "中文 / English" reason shows its half). */
export function reasonText(reason) {
  if (reason === "initial value" || reason === "default (init)") return t("sc.param.initial");
  return bi(reason || "—");
}

/** A parameter's label: the contract's own (`param.<contract>.<name>`) first, then the shared
 * `param.<name>` (a name two contracts give different meanings, such as `offices`, takes the
 * contract's key), else the name itself. */
export const paramLabel = (name, contract = "") => {
  const own = contract ? t(`param.${contract}.${name}`) : "";
  if (contract && own !== `param.${contract}.${name}`) return own;
  const l = t(`param.${name}`);
  return l === `param.${name}` ? name : l;
};

// -- widgets --------------------------------------------------------------------------------------

let flash = null; // the outcome of the last write, shown at the top of the redrawn page

/** The outcome of the write that redrew the page (data-testid sc-flash), once. */
export function flashBox() {
  const f = flash;
  flash = null;
  return h("div.flashbox", f ? h("div.msg.flash.ok", { "data-testid": "sc-flash" }, f) : null);
}

/** A message line: msg(el, "ok"|"err"|"", text). */
export function say(el, cls, text) {
  el.className = `msg${cls ? " " + cls : ""}`;
  el.textContent = text;
}

/** Run a transaction from button `btn`: "sending…" in `msg`, then the success text (and
 *  `done()`, e.g. a redraw, with the text kept for flashBox) or the refusal. True if it went. */
async function sending(btn, msg, run, done) {
  btn.disabled = true;
  say(msg, "", t("sc.sending"));
  try {
    const text = await run();
    say(msg, "ok", text);
    if (done) { flash = text; await done(); }
    return true;
  } catch (err) {
    say(msg, "err", err.message || String(err));
    return false;
  }
}

/** A form: `fields` [[label, input]], a submit button; `run()` returns the success text (or
 *  throws); `done()` runs afterwards (e.g. a redraw). data-testid: `${id}-form`, `${id}-go`,
 *  `${id}-msg`. */
export function txForm(id, fields, label, run, done) {
  const msg = h("div.msg", { "data-testid": `${id}-msg`, "aria-live": "polite" });
  const btn = h("button.primary", { type: "submit", "data-testid": `${id}-go` }, label);
  const form = h("form.scform", { "data-testid": `${id}-form` },
    h("div.fields", fields.filter(Boolean).map(([l, input]) => h("label", h("span", l), input))), h("div.actions", btn), msg);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    return sending(btn, msg, run, done).finally(() => { btn.disabled = false; });
  });
  return form;
}

/** A button running a transaction; its outcome in `msg`. */
export function txButton(id, label, run, done, cls = "primary") {
  const msg = h("span.msg", { "data-testid": `${id}-msg`, "aria-live": "polite" });
  const btn = h(`button.${cls}`, { type: "button", "data-testid": id }, label);
  btn.addEventListener("click", async () => {
    if (!(await sending(btn, msg, run, done))) btn.disabled = false;
  });
  return h("span.txbtn", btn, " ", msg);
}

export const committed = (res, what) => `${what} · ${t("gov.sent")} #${res.height} · ${short(res.tx_hash, 8)}`;

export const input = (testid, attrs = {}) => h("input", { type: "text", "data-testid": testid, ...attrs });

export function select(testid, options, value) {
  return h("select", { "data-testid": testid },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

/** A 32-byte hash from a file (hashed here; the file is not sent) or typed hex. */
export function hashInput(testid) {
  const hex = input(testid, { placeholder: t("sc.hashhex"), class: "mono" });
  const file = h("input", { type: "file", "data-testid": `${testid}-file` });
  file.addEventListener("change", async () => {
    if (file.files[0]) hex.value = await hashOf(await file.files[0].arrayBuffer());
  });
  const el = h("span.hashin", hex, h("span.small.muted", t("sc.orfile")), file);
  el.value = () => {
    const v = hex.value.trim().toLowerCase();
    if (!HEX64.test(v)) throw new Error(t("sc.badhash"));
    return fromHex(v);
  };
  return el;
}

export function qrSvg(text) {
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
}

export const certUrl = (id) => `${location.origin}/console/#/ecert?id=${enc(id)}`;

/** A certificate's QR code with its public check link. */
export function certQr(id) {
  return h("div.qrbox.certqr", { "data-testid": `cert-qr-${id}` },
    h("div.qr", { html: qrSvg(certUrl(id)) }),
    h("div.small.muted", t("ecert.qrnote")),
    h("a.small.mono", { href: `#/ecert?id=${enc(id)}` }, id));
}

/** The parameters of `contract`: value in force, latest change (author, height, reason,
 *  pending until its block), every change on request, and the change form for its owner's
 *  admins. */
export async function paramsCard(contract) {
  const box = h("section.card", { "data-testid": `params-${contract}` });
  const draw = async () => {
    const [list, names, st] = await Promise.all([params(contract), orgNames(), chainStatus(true)]);
    const owner = contributed.paramOwners[contract];
    const rows = list.map((p) => {
      const r = p.record || {};
      const pending = r.effective_height > st.height;
      const hist = h("div.hist");
      const more = h("button.link.small", { "data-testid": `param-hist-${p.name}` }, t("sc.param.history"));
      more.addEventListener("click", async () => {
        const hs = await paramHistory(contract, p.name);
        hist.replaceChildren(table([t("sc.param.value"), t("sc.param.effective"), t("sc.param.by"), t("sc.param.reason"), t("sc.param.basis")],
          hs.slice().reverse().map((x) => [paramValue(x.value), blockLink(x.effective_height),
            h("span", orgLabel(names, x.org), " ", link(`#/explorer/account/${x.set_by}`, short(x.set_by, 6), "mono.small")),
            reasonText(x.reason), x.basis ? data(x.basis, "span.small") : "—"]), { "data-testid": `param-history-${p.name}` }));
      });
      return [
        h("div", h("b", paramLabel(p.name, contract)), h("div.mono.small.muted", p.name)),
        h("span", { "data-testid": `param-value-${p.name}` }, paramValue(p.value)),
        h("div",
          pending ? h("div.tag.pending", { "data-testid": `param-pending-${p.name}` },
            `${t("sc.param.pending")} #${r.effective_height}: `, paramValue(r.value)) : null,
          h("div.small", orgLabel(names, r.org), " · ", blockLink(r.height), r.reason ? h("span", " · ", reasonText(r.reason)) : ""),
          // the legal basis is a text on chain (written by the department): shown as data
          r.basis ? h("div.small.muted", { "data-testid": `param-basis-${p.name}` }, `${t("sc.param.basis")}: `, data(r.basis)) : null,
          more, hist),
      ];
    });
    const admin = session.member && session.member.org === owner && hasRole("admin");
    let form = null;
    if (admin && session.key) {
      const name = select(`param-name-${contract}`, list.map((p) => [p.name, `${paramLabel(p.name, contract)} (${p.name})`]));
      const value = input(`param-input-${contract}`);
      const reason = input(`param-reason-${contract}`, { maxlength: 200, placeholder: t("sc.param.reasonph") });
      const current = () => list.find((p) => p.name === name.value) || {};
      const fill = () => { value.value = paramInput(current().value); };
      name.addEventListener("change", fill);
      fill();
      form = txForm(`param-${contract}`, [[t("sc.param.name"), name], [t("sc.param.new"), value], [t("sc.param.reason"), reason]],
        t("sc.param.set"), async () => {
          const v = parseParam(current().value, value.value);
          if (!reason.value.trim()) throw new Error(t("sc.param.needreason"));
          const { res } = await callContract(contract, "set_param", { name: name.value, value: v, reason: reason.value.trim() });
          return `${committed(res, paramLabel(name.value, contract))} · ${t("sc.param.from").replace("{h}", res.height + 1)}`;
        }, () => new Promise((ok) => setTimeout(() => draw().then(ok, ok), 600)));
    } else if (admin) {
      form = h("button.link", { onclick: () => keyDialog() }, t("gov.needkey"));
    }
    box.replaceChildren(h("h2", `${t("sc.params")} · `, h("code", contract)), flashBox(),
      h("p.muted.small", `${t("sc.param.note")} `, orgLabel(names, owner), ` ${t("sc.param.note2")}`),
      table([t("sc.param.name"), t("sc.param.inforce"), t("sc.param.last")], rows),
      ...(form ? [h("div.paramform", h("h3", t("sc.param.change")), form)] : []));
  };
  await draw();
  return box;
}


export { orgNames, orgLabel, fmtTime, badge, kv, table, link, h, short, ts, getLang };

// -- a citizen's own page -------------------------------------------------------------------------------

/** The form that opens a citizen's (or an enterprise's) wallet on a page that needs it, with
 *  `prompt` above it: once the wallet is open, `page(view)` is drawn again. */
export function walletLogin(view, page, prompt) {
  view.append(h("section.card.login", h("p.muted", prompt),
    keyForm(async (x) => { setOpenedWallet(x); view.replaceChildren(); await page(view); }, t("wallet.open"),
      { open: openWallet, fileLabel: t("wallet.file"), decrypting: t("wallet.opening"), opened: t("common.loading") })));
}

// -- deadlines ---------------------------------------------------------------------------------------------

/** Days from today (local) to a YYYY-MM-DD date: negative when it has passed. */
export function daysTo(date) {
  if (!date) return null;
  const now = new Date();
  const today = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  const [y, m, d] = date.split("-").map(Number);
  return Math.round((Date.UTC(y, m - 1, d) - today) / 86400000);
}

/** A deadline: its date, and unless `done` a tag with the days left (a warning from `near` days)
 *  or overdue, in the page's words (`words`: label keys `{overdue, left, days}`). */
export function deadlineTag(date, done, words, near = 2) {
  if (!date) return "—";
  const n = daysTo(date);
  if (done || n === null) return h("span", date);
  if (n < 0) return h("span", date, " ", h("span.tag.badt", t(words.overdue)));
  return h("span", date, " ", h(`span.tag.${n <= near ? "warnt" : "okt"}`, `${t(words.left)} ${n} ${t(words.days)}`));
}
