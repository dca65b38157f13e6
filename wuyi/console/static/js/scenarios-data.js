// Shared by the scenario pages (住房网签, 不动产登记, 银行, 法院, 开发商, 人才引进, 电子证照核验):
// reads, signed contract calls, money/area/district formatting, and the widgets several pages
// show (the parameters of a contract with their history, a unit's history timeline, a housing
// contract's trace, a certificate's QR code).
//
// Reads prefer the scenario API (/v1/housing/…, /v1/realestate/…, /v1/settlement/…, /v1/certs/…,
// /v1/scenarios/…); on a node without it they use the generic read-only contract query
// (POST /v1/contracts/{name}/query) and contract state by prefix (GET /v1/contracts/{name}/state),
// which give the same records. Writes are `contract.call` transactions signed in this page with
// the member's key (or a citizen's wallet DID key) and authorised by the contract.

import { ApiError, chainStatus, get, post, session } from "./api.js";
import { getLang, t, ts } from "./i18n.js";
import { fromHex, toHex } from "./cbor.js";
import { keyDialog, sendTx } from "./app.js";
import { hash } from "./keys.js";
import { orgLabel, orgNames } from "./data.js";
import { badge, fmtTime, h, kv, link, plain, short, table } from "./ui.js";
import "./scenarios-i18n.js";

export const REALESTATE = "realestate";
export const HOUSING = "housing";
export const SETTLEMENT = "settlement";

// -- reads ----------------------------------------------------------------------------------------

const noRoutes = new Set(); // API groups this node does not serve (an older node)

function isNoRoute(err) {
  return err instanceof ApiError && err.status === 404 && /no such endpoint/.test(err.message);
}

/** GET `path` from the scenario API group `group`, or `fallback()` if the node has no such
 *  route. Both give the same shape. */
export async function apiOr(group, path, fallback) {
  if (!noRoutes.has(group)) {
    try {
      return plain(await get(path));
    } catch (err) {
      if (!isNoRoute(err)) throw err;
      noRoutes.add(group);
    }
  }
  return fallback();
}

/** A contract's read-only method (its value, bytes as hex). */
export async function query(contract, method, args = {}) {
  const r = await post(`/v1/contracts/${encodeURIComponent(contract)}/query`, { method, args });
  return plain(r.value);
}

/** Every state entry of `contract` under `prefix` ([{key, value}]), at most `max`. */
export async function stateList(contract, prefix, max = 2000) {
  const out = [];
  let cursor = null;
  do {
    const q = `prefix=${encodeURIComponent(prefix)}&limit=500${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`;
    const doc = await get(`/v1/contracts/${encodeURIComponent(contract)}/state?${q}`);
    for (const e of doc.entries || []) out.push({ key: e.key, value: plain(e.value) });
    cursor = doc.next;
  } while (cursor && out.length < max);
  return out;
}

/** Every item of a paged scenario API list (following `next`, at most `max`), or `fallback()`. */
async function apiList(group, path, fallback, max = 2000) {
  return apiOr(group, path, async () => ({ items: await fallback() })).then(async (first) => {
    const out = [...items(first)];
    let next = first.next;
    while (next && out.length < max) {
      const doc = plain(await get(`${path}${path.includes("?") ? "&" : "?"}cursor=${enc(next)}`));
      out.push(...items(doc));
      next = doc.next;
    }
    return out;
  });
}

const enc = encodeURIComponent;
const items = (doc) => (Array.isArray(doc) ? doc : (doc && (doc.items || doc.entries)) || []);
const notFound = (what) => new ApiError(404, { detail: `${t("sc.notfound")}: ${what}` });

export async function housingDashboard() {
  const doc = await apiOr("housing", "/v1/housing/dashboard", () => query(HOUSING, "dashboard"));
  const counts = doc.counts || doc.by_status || doc;
  return { counts: Object.fromEntries(STATUSES.map((s) => [s, Number(counts[s] || 0)])), doc };
}

export const STATUSES = ["draft", "eligible", "signed", "filed", "completed", "cancelled"];

/** Housing contracts, newest first, optionally by status and unit. */
export async function housingContracts({ status = "", unit = "" } = {}) {
  const q = new URLSearchParams({ limit: "500" });
  if (status) q.set("status", status);
  if (unit) q.set("unit", unit);
  const list = await apiList("housing", `/v1/housing/contracts?${q}`, async () =>
    (await stateList(HOUSING, "contract/")).map((e) => e.value)
      .filter((c) => (!status || c.status === status) && (!unit || c.unit === unit)));
  return list.slice().sort((a, b) => (b.height - a.height) || String(b.id).localeCompare(String(a.id)));
}

export async function housingContract(id) {
  const c = await apiOr("housing", `/v1/housing/contracts/${enc(id)}`, () => query(HOUSING, "contract", { contract_id: id }));
  if (!c) throw notFound(id);
  return c;
}

/** What a buyer's wallet presents for a contract's eligibility: {verifier, nonce, types,
 *  claims, purpose} (a non-local family, `withSs`, adds its social-security months). */
export async function eligibilityRequest(contractId, did, withSs) {
  return apiOr("housing", `/v1/housing/contracts/${enc(contractId)}/eligibility-request?did=${enc(did)}&social_security=${!!withSs}`, async () => {
    const [req, nonce] = await Promise.all([
      query(HOUSING, "eligibility_request", { with_social_security: !!withSs }),
      query(HOUSING, "eligibility_nonce", { contract_id: contractId, did }),
    ]);
    return { verifier: req.verifier, nonce, types: req.types, claims: req.claims };
  });
}

export async function listings() {
  return (await stateList(HOUSING, "listing/")).map((e) => e.value);
}

export async function units({ district = "" } = {}) {
  const q = new URLSearchParams({ limit: "500" });
  if (district) q.set("district", district);
  const list = await apiList("realestate", `/v1/realestate/units?${q}`, async () =>
    (await stateList(REALESTATE, "unit/")).map((e) => e.value).filter((u) => !district || u.district === district));
  return list.slice().sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** A unit with its listing, active filing, mortgages and seizures (full records). */
export async function unitDetail(id) {
  return apiOr("realestate", `/v1/realestate/units/${enc(id)}`, async () => {
    const u = await query(REALESTATE, "unit", { unit_id: id });
    if (!u) throw notFound(id);
    const [listing, filings, mortgages, seizures] = await Promise.all([
      query(HOUSING, "listing", { unit_id: id }).catch(() => null),
      query(HOUSING, "filings", { unit_id: id }).catch(() => null),
      Promise.all((u.mortgages || []).map((m) => query(REALESTATE, "mortgage", { mortgage_id: m.id }))),
      Promise.all((u.seizures || []).map((s) => query(REALESTATE, "seizure", { seizure_id: s.id }))),
    ]);
    return { ...u, listing, filing: filings ? filings.active : null, mortgages, seizures };
  });
}

export async function unitHistory(id) {
  return apiList("realestate", `/v1/realestate/units/${enc(id)}/history?limit=500`, () =>
    query(REALESTATE, "history", { unit_id: id }));
}

export async function mortgages() {
  return (await stateList(REALESTATE, "mortgage/")).map((e) => e.value);
}

export async function seizures() {
  return (await stateList(REALESTATE, "seizure/")).map((e) => e.value);
}

/** A certificate record as /v1/certs/{id} and /v1/certs/verify render it, flattened: the
 *  record's fields plus `contract` ("realestate" | "settlement"), `status` (active |
 *  superseded) and `credentials` [{holder, org, idx, status}] (the linked e-certificates). */
export function flatCertificate(doc) {
  if (!doc) return null;
  if (!doc.record) return doc;
  return { ...doc.record, id: doc.id, contract: doc.contract, type: doc.type, title: doc.title,
    status: doc.status || doc.record.status || "active", holders: doc.holders, credentials: doc.credentials || [] };
}

/** A certificate of either kind: 不动产权证书 (BDC…) or 人才准予迁入 (JMRC-…) (flatCertificate). */
export async function certificate(id) {
  return flatCertificate(await apiOr("certs", `/v1/certs/${enc(id)}`, async () => {
    const settle = /^JMRC-/i.test(id);
    let rec;
    try {
      rec = settle ? await query(SETTLEMENT, "certificate", { id }) : await query(REALESTATE, "cert", { cert_id: id });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400 || err.status === 422)) throw notFound(id);
      throw err;
    }
    if (!rec) throw notFound(id);
    const links = settle ? (rec.credential ? [{ holder: rec.holder, ...rec.credential }] : []) : rec.credentials || [];
    const credentials = await Promise.all(links.map(async (x) => {
      try {
        return { ...x, status: (await get(`/v1/vc/status/${enc(x.org)}/${Number(x.idx)}`)).status };
      } catch { return { ...x, status: "unknown" }; }
    }));
    return { id, contract: settle ? SETTLEMENT : REALESTATE, status: rec.status || "active", record: rec, credentials };
  }));
}

export async function settlementStatus(did) {
  return apiOr("settlement", `/v1/settlement/status/${enc(did)}`, () => query(SETTLEMENT, "status", { did }));
}

// The credentials each settlement route asks for (the contract's GRADUATE_*/POINTS_*/ITEM_*).
export const SETTLEMENT_ROUTES = {
  graduate: {
    method: "apply_graduate",
    types: ["DegreeCredential", "IdentityCredential", "EmploymentCredential", "SocialSecurityCredential"],
    claims: ["degree_level", "age", "employed_in_city", "ss_months"],
  },
  points: {
    method: "apply_points",
    types: ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential"],
    claims: ["degree_level", "age", "ss_months"],
  },
};
export const POINT_ITEMS = { home: ["PropertyCredential", "homes_in_city"], awards: ["AwardCredential", "awards"] };

/** What an applicant presents for `route` (with optional point `extra` items):
 *  {verifier, nonce, types, claims, method}. */
export async function settlementRequest(route, did, extra = []) {
  const r = SETTLEMENT_ROUTES[route];
  const q = `route=${route}&did=${enc(did)}${extra.length ? "&items=" + extra.join(",") : ""}`;
  return apiOr("settlement", `/v1/settlement/request?${q}`, async () => ({
    verifier: "rsj",
    nonce: await query(SETTLEMENT, "nonce", { did, method: r.method }),
    types: [...r.types, ...extra.map((i) => POINT_ITEMS[i][0])],
    claims: [...r.claims, ...extra.map((i) => POINT_ITEMS[i][1])],
    method: r.method,
  }));
}

// -- parameters -------------------------------------------------------------------------------------

export const PARAM_NAMES = {
  housing: ["max_homes", "restricted_districts", "min_ss_months", "ss_window_months", "max_ltv_pct", "developers"],
  realestate: ["offices", "courts", "banks"],
  settlement: ["grad_min_degree_level", "grad_max_age", "grad_min_ss_months", "points_threshold", "points_education",
    "points_ss_per_year", "points_ss_max", "points_home", "points_age_bands", "points_award_each", "points_award_max"],
};
/** Who may change a contract's parameters (org, role). */
export const PARAM_OWNER = { housing: "zjj", realestate: "bdc", settlement: "rsj" };

/** {name, value (in force now), record (latest change: value, effective_height, set_by, org,
 *  height, reason, previous)} for each parameter of `contract`. */
export async function params(contract) {
  const norm = (p) => {
    const rec = p.record || p.latest || p;
    const value = "in_force" in p ? p.in_force : p.value;
    return { name: p.name || rec.name, value, record: rec };
  };
  const fallback = () => Promise.all(PARAM_NAMES[contract].map((n) => query(contract, "param", { name: n })));
  const doc = await apiOr("params", `/v1/scenarios/${contract}/params`, fallback);
  const list = Array.isArray(doc) ? doc : items(doc).length ? items(doc)
    : doc.params ? (Array.isArray(doc.params) ? doc.params : Object.entries(doc.params).map(([name, p]) => ({ name, ...p }))) : [];
  return list.map(norm);
}

export async function paramHistory(contract, name) {
  return items(await apiOr("params", `/v1/scenarios/${contract}/params/${enc(name)}/history`, () =>
    query(contract, "param_history", { name })));
}

// -- writes ---------------------------------------------------------------------------------------

/** A `contract.call` signed here (member key, or `key`: a wallet's DID key); waits for the
 *  commit. Returns {res, value}: the committed transaction and the method's return value.
 *  A refusal throws with the contract's message (it names the rule). */
export async function callContract(contract, method, args, key) {
  const res = await sendTx("contract.call", { contract, method, args }, key);
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
    return h("p.muted.small", { "data-testid": "gate" }, `${t("sc.needrole")}: ${roles.join(" / ")}${org ? " · " + org : ""}`);
  }
  if (!session.key) return h("button.link", { onclick: () => keyDialog() }, t("gov.needkey"));
  return null;
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

export const unitLink = (id) => link(`#/registry/${enc(id)}`, id, "mono");
export const contractLink = (id) => link(`#/housing/${enc(id)}`, id, "mono");
export const blockLink = (height) => link(`#/explorer/block/${height}`, `#${height}`, "small");
export const txLink = (tx) => (tx ? link(`#/explorer/tx/${tx}`, short(tx, 8), "mono.small") : null);

/** A status word as a badge (scenario statuses translated). */
export const sbadge = (s) => badge(s || "—");

export function paramValue(v) {
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return v.map((x) => (DISTRICTS[x] ? districtName(x) : x)).join(getLang() === "en" ? ", " : "、");
    return JSON.stringify(v);
  }
  if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(", ");
  return String(v);
}

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

export const paramLabel = (name) => {
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

/** A form: `fields` [[label, input]], a submit button; `run()` returns the success text (or
 *  throws); `done()` runs afterwards (e.g. a redraw). data-testid: `${id}-form`, `${id}-go`,
 *  `${id}-msg`. */
export function txForm(id, fields, label, run, done) {
  const msg = h("div.msg", { "data-testid": `${id}-msg`, "aria-live": "polite" });
  const btn = h("button.primary", { type: "submit", "data-testid": `${id}-go` }, label);
  const form = h("form.scform", { "data-testid": `${id}-form` },
    h("div.fields", fields.filter(Boolean).map(([l, input]) => h("label", h("span", l), input))), h("div.actions", btn), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    say(msg, "", t("sc.sending"));
    try {
      const text = await run();
      say(msg, "ok", text);
      if (done) { flash = text; await done(); }
    } catch (err) {
      say(msg, "err", err.message || String(err));
    } finally {
      btn.disabled = false;
    }
  });
  return form;
}

/** A button running a transaction; its outcome in `msg`. */
export function txButton(id, label, run, done, cls = "primary") {
  const msg = h("span.msg", { "data-testid": `${id}-msg`, "aria-live": "polite" });
  const btn = h(`button.${cls}`, { type: "button", "data-testid": id }, label);
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    say(msg, "", t("sc.sending"));
    try {
      const text = await run();
      say(msg, "ok", text);
      if (done) { flash = text; await done(); }
    } catch (err) {
      say(msg, "err", err.message || String(err));
      btn.disabled = false;
    }
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
    const owner = PARAM_OWNER[contract];
    const rows = list.map((p) => {
      const r = p.record || {};
      const pending = r.effective_height > st.height;
      const hist = h("div.hist");
      const more = h("button.link.small", { "data-testid": `param-hist-${p.name}` }, t("sc.param.history"));
      more.addEventListener("click", async () => {
        const hs = await paramHistory(contract, p.name);
        hist.replaceChildren(table([t("sc.param.value"), t("sc.param.effective"), t("sc.param.by"), t("sc.param.reason")],
          hs.slice().reverse().map((x) => [paramValue(x.value), blockLink(x.effective_height),
            h("span", orgLabel(names, x.org), " ", link(`#/explorer/account/${x.set_by}`, short(x.set_by, 6), "mono.small")),
            x.reason || "—"]), { "data-testid": `param-history-${p.name}` }));
      });
      return [
        h("div", h("b", paramLabel(p.name)), h("div.mono.small.muted", p.name)),
        h("span", { "data-testid": `param-value-${p.name}` }, paramValue(p.value)),
        h("div",
          pending ? h("div.tag.pending", { "data-testid": `param-pending-${p.name}` },
            `${t("sc.param.pending")} #${r.effective_height}: ${paramValue(r.value)}`) : null,
          h("div.small", orgLabel(names, r.org), " · ", blockLink(r.height), r.reason ? ` · ${r.reason}` : ""),
          more, hist),
      ];
    });
    const admin = session.member && session.member.org === owner && hasRole("admin");
    let form = null;
    if (admin && session.key) {
      const name = select(`param-name-${contract}`, list.map((p) => [p.name, `${paramLabel(p.name)} (${p.name})`]));
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
          return `${committed(res, paramLabel(name.value))} · ${t("sc.param.from").replace("{h}", res.height + 1)}`;
        }, () => new Promise((ok) => setTimeout(() => draw().then(ok, ok), 600)));
    } else if (admin) {
      form = h("button.link", { onclick: () => keyDialog() }, t("gov.needkey"));
    }
    box.replaceChildren(h("h2", `${t("sc.params")} · ${contract}`), flashBox(),
      h("p.muted.small", `${t("sc.param.note")} ${owner} ${t("sc.param.note2")}`),
      table([t("sc.param.name"), t("sc.param.inforce"), t("sc.param.last")], rows),
      ...(form ? [h("div.paramform", h("h3", t("sc.param.change")), form)] : []));
  };
  await draw();
  return box;
}

// -- a unit's history ------------------------------------------------------------------------------

const owners = (list) => h("span", (list || []).map((o) => h("div", didTag(o.did || o), o.share ? ` ${pct(o.share)}` : "")));

function whatRows(op, w, names = {}) {
  const rows = [];
  const add = (k, v) => { if (v !== undefined && v !== null && v !== "") rows.push([t(`sc.w.${k}`), v]); };
  if (!w) return rows;
  add("location", w.location);
  if (w.area !== undefined) add("area", area(w.area));
  if (w.use) add("use", t(`use.${w.use}`));
  if (w.from) add("from", owners(w.from));
  if (w.owners) add("owners", owners(w.owners));
  if (w.contract) add("contract", contractLink(w.contract));
  if (w.price !== undefined) add("price", yuan(w.price));
  if (w.tax_proof) add("tax_proof", h("span.mono.small", w.tax_proof));
  if (w.mortgage) add("mortgage", h("span.mono", w.mortgage));
  if (w.bank) add("bank", names[w.bank] || w.bank);
  if (w.amount !== undefined) add("amount", yuan(w.amount));
  if (w.seizure) add("seizure", h("span.mono", w.seizure));
  if (w.court) add("court", names[w.court] || w.court);
  if (w.case) add("case", h("span.mono.small", w.case));
  if (w.order) add("order", h("span.mono.small", w.order));
  if (w.field) add("field", t(`sc.w.${w.field}`));
  if (w.field) add("old", w.field === "area" ? area(w.old) : w.field === "use" ? t(`use.${w.old}`) : w.old);
  if (w.field) add("new", w.field === "area" ? area(w.new) : w.field === "use" ? t(`use.${w.new}`) : w.new);
  add("reason", w.reason);
  if (w.cert) add("cert", link(`#/ecert?id=${enc(w.cert)}`, w.cert, "mono"));
  return rows;
}

/** A unit's history as a vertical timeline, oldest first: which office did what, when. */
export function unitTimeline(hist, names) {
  if (!hist.length) return h("p.muted", t("common.none"));
  return h("ol.tl", { "data-testid": "unit-history" }, hist.map((e) =>
    h(`li.tl-item.tl-${String(e.op).replace(/[^\w-]/g, "")}`, { "data-op": e.op, "data-org": e.org },
      h("span.tl-dot"),
      h("div.tl-body",
        h("div.tl-head", h("b.tl-action", t(`op.${e.op}`)), h("span.tl-org", names[e.org] || e.org || ""),
          h("span.muted.small", fmtTime(e.time)), blockLink(e.height), txLink(e.tx)),
        kv(whatRows(e.op, e.what, names))))));
}

// -- a housing contract's trace ---------------------------------------------------------------------

/** The events of a housing contract in block order: each status change of its trace, each
 *  signature, loan and the tax declaration. */
export function contractEvents(c) {
  const ev = (c.trace || []).map((x) => ({ kind: x.status, height: x.height, org: x.org, did: x.did, by: x.by }));
  const sig = c.signatures || {};
  for (const [did, height] of Object.entries(sig.buyers || {})) ev.push({ kind: "sign_buyer", height, did });
  if (sig.seller) ev.push({ kind: "sign_seller", height: sig.seller.height, org: sig.seller.org, by: sig.seller.by });
  for (const [bank, l] of Object.entries(c.loans || {})) ev.push({ kind: "loan", height: l.height, org: bank, loan: l });
  if (c.tax) ev.push({ kind: "tax", height: c.tax.height, did: c.tax.by, tax: c.tax });
  const order = ["draft", "eligible", "sign_buyer", "sign_seller", "signed", "filed", "loan", "tax", "completed", "cancelled"];
  return ev.sort((a, b) => (a.height - b.height) || (order.indexOf(a.kind) - order.indexOf(b.kind)));
}

function eligibilityKv(e) {
  if (!e) return null;
  const p = e.params || {};
  return kv([
    [t("hs.rule.max_homes"), h("span", sbadge(e.rules.max_homes), ` ≤ ${p.max_homes} · ${paramValue(p.restricted_districts || [])}`)],
    [t("hs.rule.min_ss_months"), h("span", sbadge(e.rules.min_ss_months), ` ≥ ${p.min_ss_months} / ${p.ss_window_months}`)],
    [t("hs.family_hash"), h("span.mono.small", e.family_hash)],
    [t("hs.presentations"), h("span", (e.presentations || []).map((x) => h("div.mono.small", short(x, 16))))],
    e.check ? [t("hs.check"), txLink(e.check)] : null,
  ]);
}

export function contractTimeline(c, names) {
  const events = contractEvents(c);
  return h("ol.tl", { "data-testid": "contract-trace" }, events.map((e) => {
    const rows = [];
    if (e.org) rows.push([t("audit.by"), h("span", names[e.org] || e.org, e.by ? h("span.muted", " ", link(`#/explorer/account/${e.by}`, short(e.by, 6), "mono.small")) : null)]);
    if (e.did) rows.push([t("hs.did"), didTag(e.did)]);
    if (e.kind === "eligible" && c.eligibility) rows.push([t("hs.eligibility"), eligibilityKv(c.eligibility)]);
    if (e.kind === "loan") rows.push([t("bk.amount"), `${yuan(e.loan.amount)} (${t("hs.ltvat")} ${e.loan.ltv_pct}%)`]);
    if (e.kind === "tax") rows.push([t("hs.taxprice"), yuan(e.tax.price)], [t("sc.w.tax_proof"), h("span.mono.small", e.tax.proof)]);
    if (e.kind === "completed" && c.cert) rows.push([t("sc.w.cert"), link(`#/ecert?id=${enc(c.cert)}`, c.cert, "mono")]);
    return h(`li.tl-item.tl-${e.kind}`, { "data-kind": e.kind },
      h("span.tl-dot"),
      h("div.tl-body", h("div.tl-head", h("b.tl-action", t(`hs.ev.${e.kind}`)), blockLink(e.height)), kv(rows)));
  }));
}

/** The steps of a housing contract as a progress strip. */
export function contractSteps(c) {
  const steps = ["draft", "eligible", "signed", "filed", "completed"];
  const at = c.status === "cancelled" ? -1 : c.status === "completed" ? steps.length : steps.indexOf(c.status);
  return h("ol.steps", { "data-testid": "contract-steps" }, steps.map((s, i) =>
    h(`li${i < at ? ".done" : i === at ? ".now" : ""}`, ts(s))),
  c.status === "cancelled" ? h("li.cancel", ts("cancelled")) : null);
}

/** The key facts of a housing contract. */
export function contractKv(c, names) {
  const loans = Object.entries(c.loans || {});
  return kv([
    [t("hs.contract"), h("b.mono", { "data-testid": "contract-id" }, c.id)],
    [t("common.status"), h("span", { "data-testid": "contract-status", "data-status": c.status }, sbadge(c.status))],
    [t("sc.unit"), h("span", unitLink(c.unit), " ", h("span.muted", districtName(c.district)))],
    [t("hs.price"), h("b", yuan(c.price))],
    [t("hs.seller"), h("span", names[c.developer] || c.developer, " ", didTag(c.seller))],
    [t("hs.buyers"), h("span", (c.buyers || []).map((b, i) => h("div", didTag(b), ` ${pct((c.shares || [])[i] || 0)}`,
      (c.signatures && c.signatures.buyers && b in c.signatures.buyers) ? h("span.tag.okt", t("hs.hassigned")) : null)))],
    [t("hs.sellersig"), c.signatures && c.signatures.seller ? h("span.tag.okt", t("hs.hassigned")) : "—"],
    c.filed ? [t("hs.filed"), h("span", blockLink(c.filed.height), " ", fmtTime(c.filed.time))] : null,
    loans.length ? [t("hs.loans"), h("span", loans.map(([b, l]) => h("div", `${names[b] || b}: ${yuan(l.amount)}`)))] : null,
    c.tax ? [t("hs.tax"), h("span", yuan(c.tax.price), " · ", h("span.mono.small", short(c.tax.proof, 10)))] : null,
    (c.cancel || []).length ? [t("hs.cancelby"), (c.cancel || []).join(", ")] : null,
    c.cert ? [t("sc.w.cert"), link(`#/ecert?id=${enc(c.cert)}`, c.cert, "mono")] : null,
  ]);
}

export { orgNames, orgLabel, fmtTime, badge, kv, table, link, h, short };
