// 消费维权 (consumer protection): the public merchant credit view (#/credit, #/credit/<did>),
// 市场监管局's desk (#/consumer: totals, alerts, complaints with their working-day deadlines,
// registering merchants, the parameters), the custody bank's desk (#/custody: prepayments to
// record, refunds and first payments to pay, the daily reconciliation, withdrawals and top-ups,
// custody against unconsumed prepayments per merchant), the merchant's desk (#/merchant, with
// the merchant's DID wallet: offers, consumption to confirm, the daily ledger, commitments,
// closure, complaints) and the consumer's card on 我的办事 (#/citizen: sign an offer, confirm
// consumption, cancel for a refund, complain — the complaint's text is hashed in the page and
// never sent). Loaded by the console shell from the registry (wuyi/scenarios/consumer/console/).
// Every write is a `contract.call` signed in this page; the contract decides.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { card } from "/console/static/js/ui.js";
import { apiList, blockLink, callContract, committed, daysTo, deadlineTag, DID_RE, didTag, districtName, flashBox, fmtTime, fromHex, gate, getPlain, h, hashInput, hashOf, input, kv, link, orgLabel, orgNames, paramsCard, registerCitizenCard, registerParams, select, short, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "consumer";
const enc = encodeURIComponent;
const REGULATOR = "scjgj";
export const CATEGORIES = ["quality", "refund", "closure", "price", "contract", "no_reason", "other"];
export const REASONS = ["not_consumer", "no_jurisdiction", "duplicate", "court_or_arbitration", "other"];
const OPEN = ["received", "accepted"];

// -- words and badges -------------------------------------------------------------------------------

/** The label `cu.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `cu.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code)) : l;
}

const TONES = {
  good: "b-active", watch: "b-signed", warning: "b-cancelled", active: "b-active", closing: "b-signed", closed: "b-superseded",
  offered: "b-open", signed: "b-signed", completed: "b-superseded", cancelled: "b-cancelled",
  received: "b-open", accepted: "b-signed", rejected: "b-superseded", agreed: "b-active", failed: "b-cancelled", terminated: "b-cancelled",
  requested: "b-signed", confirmed: "b-active", declined: "b-cancelled", void: "b-superseded", green: "b-active", red: "b-cancelled",
};

/** A badge with this scenario's own words (group `r` rating, `s` merchant status, `cst`
 *  contract status, `kst` complaint status, `u` consumption). */
export function badgeOf(group, code, testid) {
  return h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word(group, code));
}

const reasons = (list) => (list && list.length ? h("span", list.map((r, i) => [i ? "、" : "", word("why", r)])) : t("cu.noalert"));
const mono = (x) => h("span.mono", String(x ?? "—"));
const unitsText = (c, n) => h("span", `${n} `, word("unit", c.unit));

/** A deadline (a local date): the days left, or overdue. */
export const deadline = (date, done) => deadlineTag(date, done, { overdue: "cu.overdue", left: "cu.left.days", days: "cu.days" });

// -- reads --------------------------------------------------------------------------------------------

export const credits = () => apiList("/v1/consumer/merchants?limit=500");
export const credit = (did) => getPlain(`/v1/consumer/merchants/${enc(did)}`);
export const reconciliations = (did) => apiList(`/v1/consumer/merchants/${enc(did)}/reconciliations?limit=500`);
export const movements = (did) => apiList(`/v1/consumer/merchants/${enc(did)}/ledger?limit=500`);
export const dashboard = () => getPlain("/v1/consumer/dashboard");
export const alerts = (q = "") => apiList(`/v1/consumer/alerts?limit=500${q}`);
export const contracts = (q = "") => apiList(`/v1/consumer/contracts?limit=500${q}`);
export const contract = (id) => getPlain(`/v1/consumer/contracts/${enc(id)}`);
export const complaints = (q = "") => apiList(`/v1/consumer/complaints?limit=500${q}`);

// -- charts ---------------------------------------------------------------------------------------------

const NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const COLORS = { custody: "#1f5fa8", liabilities: "#d9822b", required: "#c0392b" };
const yuanAxis = (fen) => (fen >= 1000000 ? `${Math.round(fen / 1000000)}万` : `${Math.round(fen / 100)}`);

/** Custody (blue) and unconsumed prepayments (orange) per merchant, the required custody as a
 *  red mark: rows [{x, custody, liabilities, required}]. */
export function custodyChart(rows, testid = "custody-chart", names = {}) {
  const label = (k) => t(names[k] || `cu.chart.${k}`);
  const W = 560, H = 210, L = 50, B = 40, T = 10, R = 8;
  const top = Math.max(100, ...rows.flatMap((r) => [r.custody, r.liabilities, r.required]));
  const p = 10 ** Math.floor(Math.log10(top));
  const max = [1, 2, 2.5, 5, 10].map((m) => m * p).find((v) => v >= top);
  const ih = H - T - B, iw = W - L - R;
  const y = (v) => T + ih - (ih * v) / max;
  const el = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": t("cu.chart") });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    el.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    el.append(svg("text", { x: L - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, yuanAxis(v)));
  }
  const step = iw / Math.max(1, rows.length);
  const bw = Math.min(34, step * 0.32);
  rows.forEach((r, i) => {
    const x0 = L + step * i + step / 2;
    for (const [k, dx] of [["custody", -bw], ["liabilities", 0]]) {
      const rect = svg("rect", { x: x0 + dx, y: y(r[k]), width: bw, height: T + ih - y(r[k]), fill: COLORS[k], rx: 1.5, "data-kind": k });
      rect.append(svg("title", {}, `${r.x} · ${label(k)}: ${yuan(r[k])}`));
      el.append(rect);
    }
    el.append(svg("line", { x1: x0 - bw - 4, x2: x0 + bw + 4, y1: y(r.required), y2: y(r.required), stroke: COLORS.required, "stroke-width": 2, "stroke-dasharray": "4 2" }));
    el.append(svg("text", { x: x0, y: H - 22, class: "axis", "text-anchor": "middle" }, r.x.length > 8 ? `${r.x.slice(0, 7)}…` : r.x));
  });
  const legend = h("div.small.inline", ["custody", "liabilities", "required"].map((k) =>
    h("span", { style: "margin-right:14px" }, h("span", { style: `display:inline-block;width:10px;height:10px;background:${COLORS[k]};margin-right:4px` }), label(k))));
  return h("div", { "data-testid": testid }, el, legend);
}

// -- the public credit view -----------------------------------------------------------------------------

function stat(label, value, testid) {
  return h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
}

function commitments(c) {
  const m = c.commitments || {};
  return h("span", m.no_reason_days ? h("span.tag.okt", `${t("cu.noreason")} ${m.no_reason_days} ${t("cu.days")}`) : null,
    m.first_pay ? h("span.tag.okt", `${t("cu.firstpay")} · ${yuan(c.deposit)}`) : null, !m.no_reason_days && !m.first_pay ? "—" : null);
}

function reconCell(c) {
  const r = c.recon_bank;
  if (!r) return c.stale_since ? h("span.tag.badt", `${t("cu.stale")} ${c.stale_since}`) : "—";
  return h("span", r.date, " ", h(`span.tag.${r.status === "green" ? "okt" : "badt"}`, t(`cu.${r.status}`)),
    c.stale_since ? h("span.tag.badt", `${t("cu.stale")} ${c.stale_since}`) : null);
}

function statusCell(c) {
  const cl = c.closure;
  return h("span", badgeOf("s", c.status), cl && c.status !== "closed"
    ? h("div.small", `${t(cl.kind === "close" ? "cu.closing" : "cu.relocating")} ${cl.effective}`) : null);
}

export async function creditPage(view, args, query) {
  if (args[0]) return merchantCredit(view, decodeURIComponent(args[0]));
  const rating = query.get("rating") || "";
  view.append(h("h1", t("nav.credit")), h("p.muted", t("cu.creditintro")));
  const [list, dash] = await Promise.all([credits(), dashboard()]);
  const open = dash.complaints.received + dash.complaints.accepted;
  view.append(h("div.stats.stats6", { "data-testid": "cs-dashboard" },
    stat(t("cu.dash.merchants"), dash.merchants, "cs-merchants"), stat(t("cu.dash.onalert"), dash.on_alert, "cs-onalert"),
    stat(t("cu.dash.custody"), yuan(dash.custody), "cs-custody"), stat(t("cu.dash.liabilities"), yuan(dash.liabilities), "cs-liabilities"),
    stat(t("cu.dash.open"), open, "cs-open"), stat(t("cu.dash.firstpays"), dash.first_pays, "cs-firstpays")));
  view.append(card(t("cu.chart"), custodyChart(list.map((c) => ({ x: c.name, custody: c.custody, liabilities: c.liabilities, required: c.required })))));
  const chips = h("div.filters", ["", "good", "watch", "warning"].map((r) =>
    h(`a.chip${r === rating ? ".on" : ""}`, { href: `#/credit${r ? "?rating=" + r : ""}`, "data-filter": r },
      r ? [word("r", r), ` (${dash.ratings[r] || 0})`] : t("cu.all"))));
  const shown = list.filter((c) => !rating || c.rating === rating);
  view.append(card(t("cu.merchants"), chips, table(
    [t("cu.name"), t("cu.industry"), t("cu.district"), t("cu.rating"), t("cu.status"), `${t("cu.custody")} / ${t("cu.liabilities")}`,
      t("cu.alert"), t("cu.lastrecon"), t("cu.complaints"), t("cu.commitments")],
    shown.map((c) => [link(`#/credit/${enc(c.did)}`, h("span.data", c.name)), word("ind", c.industry), districtName(c.district),
      badgeOf("r", c.rating, `rating-${c.uscc}`), statusCell(c), h("span", yuan(c.custody), " / ", yuan(c.liabilities)),
      reasons(c.red), reconCell(c), String(Object.values(c.complaints).reduce((a, b) => a + b, 0)), commitments(c)]),
    { "data-testid": "cs-credits" })));
}

async function merchantCredit(view, did) {
  const [c, recs, names] = await Promise.all([credit(did), reconciliations(did), orgNames()]);
  view.append(h("h1", link("#/credit", "‹ "), h("span.data", c.name)), h("p.muted", t("cu.creditintro")));
  const ks = c.complaints;
  view.append(h("div.grid2",
    card(null, kv([
      [t("cu.rating"), badgeOf("r", c.rating, "merchant-rating")],
      [t("cu.status"), statusCell(c)],
      [t("cu.uscc"), mono(c.uscc)],
      [t("cu.industry"), h("span", word("ind", c.industry), " · ", districtName(c.district))],
      [t("cu.tier"), h("span", word("tier", c.tier), ` · ${t("cu.ratio")} ${c.ratio_pct}%`)],
      [t("cu.bank"), orgLabel(names, c.bank)],
      [t("cu.custody"), h("b", { "data-testid": "merchant-custody" }, yuan(c.custody))],
      [t("cu.liabilities"), yuan(c.liabilities)],
      [t("cu.required"), yuan(c.required)],
      [t("cu.alert"), h("span", { "data-testid": "merchant-alert" }, reasons(c.red))],
      c.owed ? [t("cu.owed"), yuan(c.owed)] : null,
      [t("cu.commitments"), commitments(c)],
      [t("cu.registered"), c.registered],
      [t("cu.did"), didTag(c.did)],
    ])),
    card(t("cu.chart"), custodyChart([{ x: c.name, custody: c.custody, liabilities: c.liabilities, required: c.required }], "merchant-chart"))));
  const kinds = ["received", "accepted", "rejected", "agreed", "failed", "terminated"];
  view.append(h("div.grid2",
    card(t("cu.complaints"), kv([
      [t("cu.ontime"), c.on_time_pct === null ? "—" : `${c.on_time_pct}%`],
      [t("cu.firstpays"), `${c.first_pays} · ${yuan(c.first_paid)}`],
    ]), chart(kinds.map((k) => ({ x: t(`cu.kst.${k}`), y: Number(ks[k] || 0) })), { kind: "bar", label: t("cu.complaintchart"), height: 150, integer: true })),
    card(t("cu.reconchart"), reconChart(recs))));
  view.append(card(t("cu.recons"), table(
    [t("cu.date"), t("cu.kind"), t("cu.figure"), t("cu.custody"), t("cu.liabilities"), t("cu.recon"), t("cu.why")],
    recs.map((r) => [h("span", r.date, " ", blockLink(r.at.height)), word("rk", r.kind), yuan(r.figure), yuan(r.custody), yuan(r.liabilities),
      h(`span.tag.${r.status === "green" ? "okt" : "badt"}`, t(`cu.${r.status}`)), reasons(r.reasons)]),
    { "data-testid": "merchant-recons" })));
}

/** The bank's reported balances (blue) against the chain's unconsumed prepayments (orange)
 *  and the required custody (red), by reconciliation, oldest first (the last 12). */
function reconChart(recs) {
  const bank = recs.filter((r) => r.kind === "bank").slice(0, 12).reverse();
  if (!bank.length) return h("p.muted", t("common.none"));
  return custodyChart(bank.map((r) => ({ x: r.date.slice(5), custody: r.figure, liabilities: r.liabilities, required: r.required })),
    "recon-chart", { custody: "cu.chart.bank" });
}

// -- a contract and a complaint, shown to their parties and the desks -----------------------------------------

function contractKv(c) {
  return kv([
    [t("cu.contract"), h("b.mono", { "data-testid": "cs-contract-id" }, c.id)],
    [t("common.status"), badgeOf("cst", c.status, `cst-${c.id}`)],
    [t("cu.item"), h("span.data", c.item)],
    [t("cu.units"), h("span", unitsText(c, c.units), " × ", yuan(c.unit_price))],
    [t("cu.total"), h("b", yuan(c.total))],
    [t("cu.term"), c.start ? `${c.start} — ${c.end}` : `${c.months} ${t("cu.months")}`],
    [t("cu.used"), h("span", unitsText(c, c.used), ` · ${yuan(c.consumed)}`)],
    [t("cu.released"), yuan(c.released)],
    [t("cu.terms"), h("span.mono.small", short(c.terms, 12))],
    c.cancel ? [t("cu.refund"), h("span", `${t("cu.refunddue")} ${yuan(c.cancel.amount)} · ${t("cu.refundby")} `, deadline(c.cancel.due_on, !!c.refund),
      c.refund ? h("span", ` · ${t("cu.refundpaid")} ${yuan(c.refund.paid)}`, c.refund.late ? h("span.tag.badt", t("cu.late")) : null) : null)] : null,
  ]);
}

function traceList(steps, group, testid) {
  return h("ol.tl", { "data-testid": testid }, steps.map((s) => h(`li.tl-item.tl-${s.step}`, { "data-kind": s.step },
    h("span.tl-dot"),
    h("div.tl-body", h("div.tl-head", h("b.tl-action", word(group, s.step)), h("span.small", s.date), blockLink(s.height)),
      s.org ? h("div.small.muted", h("code", s.org)) : s.did ? h("div.small", didTag(s.did)) : null))));
}

function complaintKv(k) {
  const done = !OPEN.includes(k.status);
  return kv([
    [t("cu.k"), h("b.mono", k.id)],
    [t("common.status"), badgeOf("kst", k.status, `kst-${k.id}`)],
    [t("cu.merchant"), h("span.data", k.merchant_name)],
    [t("cu.contract"), mono(k.contract)],
    [t("cu.category"), word("cat", k.category)],
    [t("cu.received"), k.received_on],
    [t("cu.acceptdue"), h("span", deadline(k.accept_due, k.status !== "received"), k.late_days ? h("span.tag.badt", `${k.late_days} ${t("cu.latedays")}`) : null)],
    k.mediation_due ? [t("cu.mediationdue"), deadline(k.mediation_due, done)] : null,
    k.reason ? [t("cu.reason"), word("reason", k.reason)] : null,
    k.outcome ? [t("cu.conclude"), h("span", word("kst", k.status), k.outcome.amount ? ` · ${yuan(k.outcome.amount)}` : "")] : null,
    k.first_pay ? [t("cu.firstpay"), h("span", yuan(k.first_pay.amount), " · ", k.first_pay.paid ? fmtTime(k.first_pay.paid.time) : `${t("cu.due")} ${fmtTime(k.first_pay.due_ms)}`,
      k.first_pay.late ? h("span.tag.badt", t("cu.late")) : null)] : null,
  ]);
}

// -- 市场监管局's desk ------------------------------------------------------------------------------------

export async function regulatorPage(view) {
  view.append(h("h1", t("nav.consumer")), h("p.muted", t("cu.intro")), flashBox());
  const [dash, list, open, ks, names] = await Promise.all([dashboard(), credits(), alerts("&status=open"), complaints(), orgNames()]);
  const redraw = () => { view.replaceChildren(); return regulatorPage(view); };
  const why = gate("regulator", REGULATOR);
  view.append(h("div.stats.stats6", { "data-testid": "cs-dashboard" },
    stat(t("cu.dash.merchants"), dash.merchants, "cs-merchants"), stat(t("cu.dash.onalert"), dash.on_alert, "cs-onalert"),
    stat(t("cu.dash.custody"), yuan(dash.custody), "cs-custody"), stat(t("cu.dash.liabilities"), yuan(dash.liabilities), "cs-liabilities"),
    stat(t("cu.dash.open"), dash.complaints.received + dash.complaints.accepted, "cs-open"), stat(t("cu.dash.firstpays"), dash.first_pays, "cs-firstpays")));
  view.append(h("div.grid2",
    card(t("cu.chart"), custodyChart(list.map((c) => ({ x: c.name, custody: c.custody, liabilities: c.liabilities, required: c.required })))),
    card(t("cu.complaintchart"), chart(Object.keys(dash.complaints).map((k) => ({ x: t(`cu.kst.${k}`), y: Number(dash.complaints[k]) })),
      { kind: "bar", label: t("cu.complaintchart"), height: 180, integer: true }))));
  // alerts
  view.append(card(t("cu.alerts"), table([t("cu.alert"), t("cu.merchant"), t("cu.why"), t("cu.custody"), t("cu.liabilities"), t("cu.raised"), ""],
    open.map((a) => {
      const note = input(`ack-note-${a.id}`, { placeholder: t("cu.acknote"), maxlength: 200 });
      const act = a.ack ? h("span.tag.okt", `${t("cu.acked")}: `, h("span.data", a.ack.note)) : why || txForm(`ack-${a.id}`, [["", note]], t("cu.ack"), async () => {
        if (!note.value.trim()) throw new Error(t("cu.acknote"));
        const { res } = await callContract(C, "acknowledge", { alert_id: a.id, note: note.value.trim() });
        return committed(res, `${t("cu.acked")} ${a.id}`);
      }, redraw);
      return [mono(a.id), link(`#/credit/${enc(a.merchant)}`, h("span.data", a.name)), reasons(a.reasons), yuan(a.custody), yuan(a.liabilities),
        h("span", a.raised.date, " ", blockLink(a.raised.height)), act];
    }), { "data-testid": "cs-alerts" })));
  // complaints waiting, then all
  const waiting = ks.filter((k) => OPEN.includes(k.status));
  const merchants = Object.fromEntries(list.map((c) => [c.did, c]));
  view.append(card(t("cu.complaints"), h("div", { "data-testid": "cs-open-complaints" },
    waiting.map((k) => h("article.stepbox", { "data-testid": `k-${k.id}`, style: "margin-bottom:14px" }, h("div.grid2",
      h("div", complaintKv(k), traceList(k.steps, "ks", `k-steps-${k.id}`)), why || complaintActions(k, merchants[k.merchant], redraw))))),
  table([t("cu.k"), t("cu.merchant"), t("cu.category"), t("cu.received"), t("cu.acceptdue"), t("cu.mediationdue"), t("common.status")],
    ks.map((k) => [mono(k.id), h("span.data", k.merchant_name), word("cat", k.category), k.received_on, deadline(k.accept_due, k.status !== "received"),
      k.mediation_due ? deadline(k.mediation_due, !OPEN.includes(k.status)) : "—", badgeOf("kst", k.status)]), { "data-testid": "cs-complaints" })));
  // register a merchant
  view.append(card(t("cu.register"), h("p.muted.small", t("cu.registernote")), why || registerForm(redraw)));
  view.append(card(t("cu.merchants"), table([t("cu.name"), t("cu.industry"), t("cu.bank"), t("cu.rating"), t("cu.alert")],
    list.map((c) => [link(`#/credit/${enc(c.did)}`, h("span.data", c.name)), word("ind", c.industry), orgLabel(names, c.bank), badgeOf("r", c.rating), reasons(c.red)]),
    { "data-testid": "cs-merchant-list" })));
  view.append(await paramsCard(C));
}

function complaintActions(k, m, redraw) {
  const id = k.id;
  const acts = [];
  if (k.status === "received") {
    acts.push(txButton(`accept-${id}`, t("cu.accept"), async () => committed((await callContract(C, "decide", { complaint_id: id, accept: true })).res, `${t("cu.ks.accepted")} ${id}`), redraw));
    const reason = select(`reason-${id}`, REASONS.map((r) => [r, t(`cu.reason.${r}`)]), "duplicate");
    acts.push(txForm(`reject-${id}`, [[t("cu.reason"), reason]], t("cu.reject"), async () =>
      committed((await callContract(C, "decide", { complaint_id: id, accept: false, reason: reason.value })).res, `${t("cu.ks.rejected")} ${id}`), redraw));
    return stack(acts);
  }
  const minutes = hashInput(`minutes-${id}`);
  acts.push(txForm(`mediate-${id}`, [[t("cu.minutes"), minutes]], t("cu.mediate"), async () =>
    committed((await callContract(C, "mediate", { complaint_id: id, record: minutes.value() })).res, `${t("cu.ks.mediation")} ${id}`), redraw));
  const agreed = h("input", { type: "checkbox", "data-testid": `agreed-${id}`, checked: true });
  const amount = input(`amount-${id}`, { placeholder: "0.00" });
  const outcome = hashInput(`outcome-${id}`);
  acts.push(txForm(`conclude-${id}`, [[t("cu.agreed"), agreed], [t("cu.amount"), amount], [t("cu.minutes"), outcome]], t("cu.conclude"), async () => {
    const fen = amount.value.trim() ? toFen(amount.value) : 0;
    const { res } = await callContract(C, "conclude", { complaint_id: id, agreed: agreed.checked, amount: fen, record: outcome.value() });
    return committed(res, `${t("cu.conclude")} ${id}`);
  }, redraw));
  if (daysTo(k.mediation_due) < 0) {
    acts.push(txButton(`end-${id}`, t("cu.endmed"), async () => committed((await callContract(C, "end_mediation", { complaint_id: id })).res, `${t("cu.ks.terminated")} ${id}`), redraw, "ghost"));
  }
  if (m && m.commitments.first_pay && !k.first_pay) {
    const fp = input(`fp-${id}`, { placeholder: "0.00" });
    acts.push(txForm(`firstpay-${id}`, [[t("cu.amount"), fp]], t("cu.orderfp"), async () =>
      committed((await callContract(C, "order_first_pay", { complaint_id: id, amount: toFen(fp.value) })).res, `${t("cu.ks.first_pay_ordered")} ${id}`), redraw));
  }
  return stack(acts);
}

/** Actions one under the other. */
const stack = (acts) => h("div", acts.map((a) => h("div", { style: "margin-bottom:12px;border-bottom:1px dashed #dde3ea;padding-bottom:8px" }, a)));

function registerForm(redraw) {
  const did = input("reg-did", { placeholder: "did:wuyi:…", class: "mono" });
  const name = input("reg-name", { maxlength: 60 });
  const code = input("reg-uscc", { placeholder: "91440703MA…", class: "mono", maxlength: 18 });
  const ind = select("reg-industry", ["training", "fitness", "beauty", "catering", "retail"].map((x) => [x, t(`cu.ind.${x}`)]), "training");
  const district = select("reg-district", ["440703", "440704", "440705", "440781", "440783", "440784", "440785"].map((x) => [x, x]), "440703");
  const tier = select("reg-tier", ["training", "scale", "group", "brand", "small"].map((x) => [x, t(`cu.tier.${x}`)]), "training");
  const bank = select("reg-bank", [["nsyh", "nsyh"], ["zgyh", "zgyh"]], "nsyh");
  return txForm("register", [[t("cu.did"), did], [t("cu.name"), name], [t("cu.uscc"), code], [t("cu.industry"), ind],
    [t("cu.district"), district], [t("cu.tier"), tier], [t("cu.bank"), bank]], t("cu.register"), async () => {
    if (!DID_RE.test(did.value.trim())) throw new Error(t("sc.baddid"));
    const { res } = await callContract(C, "register_merchant", { did: did.value.trim(), name: name.value.trim(), uscc: code.value.trim().toUpperCase(),
      industry: ind.value, district: district.value, tier: tier.value, bank: bank.value });
    return committed(res, `${t("cu.registered.ok")} ${name.value.trim()}`);
  }, redraw);
}

// -- the custody bank's desk ---------------------------------------------------------------------------------

export async function custodyPage(view) {
  view.append(h("h1", t("nav.custody")), h("p.muted", t("cu.custodyintro")), flashBox());
  const org = session.member ? session.member.org : "";
  const why = gate("custody");
  const redraw = () => { view.replaceChildren(); return custodyPage(view); };
  const all = await credits();
  const mine = all.filter((c) => c.bank === org);
  const dids = new Set(mine.map((c) => c.did));
  const [signed, cancelled, ks] = await Promise.all([contracts("&status=signed"), contracts("&status=cancelled"), complaints()]);
  view.append(card(`${t("cu.chart")} · ${t("cu.mybank")}`, custodyChart(mine.map((c) => ({ x: c.name, custody: c.custody, liabilities: c.liabilities, required: c.required })))));
  const byDid = Object.fromEntries(all.map((c) => [c.did, c]));
  view.append(card(t("cu.topay"), table([t("cu.contract"), t("cu.merchant"), t("cu.item"), t("cu.total"), t("cu.alert"), ""],
    signed.filter((c) => dids.has(c.merchant)).map((c) => [mono(c.id), h("span.data", byDid[c.merchant].name), h("span.data", c.item), yuan(c.total),
      reasons(byDid[c.merchant].red), why || txButton(`prepay-${c.id}`, t("cu.prepay"), async () =>
        committed((await callContract(C, "prepay", { contract_id: c.id, amount: c.total })).res, `${t("cu.step.prepaid")} ${c.id}`), redraw)]),
    { "data-testid": "cs-topay" })));
  view.append(card(t("cu.torefund"), table([t("cu.contract"), t("cu.merchant"), t("cu.refunddue"), t("cu.refundby"), ""],
    cancelled.filter((c) => dids.has(c.merchant) && !c.refund).map((c) => [mono(c.id), h("span.data", byDid[c.merchant].name), yuan(c.cancel.amount),
      deadline(c.cancel.due_on), why || txButton(`refund-${c.id}`, t("cu.payrefund"), async () =>
        committed((await callContract(C, "pay_refund", { contract_id: c.id })).res, `${t("cu.step.refunded")} ${c.id}`), redraw)]),
    { "data-testid": "cs-torefund" })));
  const fps = ks.filter((k) => dids.has(k.merchant) && k.first_pay && !k.first_pay.paid);
  view.append(card(t("cu.tofirstpay"), table([t("cu.k"), t("cu.merchant"), t("cu.amount"), t("cu.due"), ""],
    fps.map((k) => [mono(k.id), h("span.data", k.merchant_name), yuan(k.first_pay.amount), fmtTime(k.first_pay.due_ms),
      why || txButton(`payfirst-${k.id}`, t("cu.payfirst"), async () =>
        committed((await callContract(C, "pay_first", { complaint_id: k.id })).res, `${t("cu.ks.first_pay_paid")} ${k.id}`), redraw)]),
    { "data-testid": "cs-tofirstpay" })));
  view.append(card(t("cu.mybank"), h("p.muted.small", t("cu.reconnote")), h("div", { "data-testid": "cs-mine" }, mine.map((c) => bankMerchant(c, why, redraw)))));
}

function bankMerchant(c, why, redraw) {
  const id = c.uscc;
  const acts = [];
  if (!why) {
    const bal = input(`balance-${id}`, { value: (c.custody / 100).toFixed(2) });
    acts.push(txForm(`reconcile-${id}`, [[t("cu.balance"), bal]], t("cu.reconcile"), async () => {
      const fen = Math.round(Number(String(bal.value).replace(/[,\s¥]/g, "")) * 100);
      if (!Number.isSafeInteger(fen) || fen < 0) throw new Error(t("sc.badamount"));
      const { res, value } = await callContract(C, "reconcile", { merchant: c.did, balance: fen });
      return committed(res, `${t("cu.reconcile")} · ${t(`cu.${value.status}`)}`);
    }, redraw));
    for (const [method, label] of [["withdraw", "cu.withdraw"], ["top_up", "cu.topup"], ["guarantee", "cu.guarantee"]]) {
      const amt = input(`${method}-${id}`, { placeholder: "0.00" });
      acts.push(txForm(`${method}-${id}`, [[t("cu.amount"), amt]], t(label), async () =>
        committed((await callContract(C, method, { merchant: c.did, amount: toFen(amt.value) })).res, t(label)), redraw));
    }
  }
  return h("article.stepbox", { "data-testid": `bank-${id}` },
    h("h3", link(`#/credit/${enc(c.did)}`, h("span.data", c.name)), " ", badgeOf("r", c.rating)),
    kv([[t("cu.custody"), yuan(c.custody)], [t("cu.liabilities"), yuan(c.liabilities)], [t("cu.required"), `${yuan(c.required)} (${c.ratio_pct}%)`],
      [t("cu.deposit"), yuan(c.deposit)], [t("cu.alert"), reasons(c.red)], [t("cu.lastrecon"), reconCell(c)]]),
    why || h("div.steps-actions", acts));
}

// -- the merchant's desk (its wallet) ----------------------------------------------------------------------------

export async function merchantPage(view) {
  view.append(h("h1", t("nav.merchant")), h("p.muted", t("cu.merchantintro")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, merchantPage, t("cu.merchantopen"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return merchantPage(view); };
  let c;
  try { c = await credit(w.did); } catch (err) {
    view.append(h("div.alert.err", { "data-testid": "not-merchant" }, t("cu.notmerchant"), " ", didTag(w.did)));
    return;
  }
  const [mine, ks] = await Promise.all([contracts(`&merchant=${enc(w.did)}`), complaints(`&merchant=${enc(w.did)}`)]);
  view.append(h("div.grid2",
    card(null, h("h2", { "data-testid": "merchant-name" }, h("span.data", c.name), " ", badgeOf("r", c.rating)), kv([
      [t("cu.did"), h("span.mono.small", { "data-testid": "merchant-did" }, w.did)], [t("cu.status"), statusCell(c)],
      [t("cu.custody"), yuan(c.custody)], [t("cu.liabilities"), yuan(c.liabilities)], [t("cu.alert"), reasons(c.red)],
      [t("cu.commitments"), commitments(c)]])),
    card(t("cu.offer"), h("p.muted.small", t("cu.offernote")), c.status === "active" ? offerForm(w, c, redraw) : h("p.muted", word("s", c.status)))));
  view.append(card(t("cu.mine"), table([t("cu.contract"), t("cu.consumer"), t("cu.item"), t("cu.total"), t("cu.used"), t("common.status"), ""],
    mine.map((x) => {
      let act = null;
      if (x.status === "active") {
        const n = input(`req-${x.id}`, { value: "1", style: "width:4em" });
        act = txForm(`request-${x.id}`, [[t("cu.units"), n]], t("cu.request"), async () => {
          const { res } = await callContract(C, "request_consumption", { contract_id: x.id, units: Number(n.value) }, w.key);
          return committed(res, `${t("cu.request")} ${x.id}`);
        }, redraw);
      }
      const pending = x.pending_units ? h("span.tag.warnt", `${t("cu.pending")} ${x.pending_units}`) : null;
      return [mono(x.id), didTag(x.consumer), h("span.data", x.item), yuan(x.total), h("span", unitsText(x, x.used), ` / ${x.units} `, pending), badgeOf("cst", x.status), act];
    }), { "data-testid": "merchant-contracts" })));
  view.append(card(t("cu.against"), h("div.steps-actions", ks.map((k) => {
    const ans = hashInput(`answer-${k.id}`);
    return h("article.stepbox", { "data-testid": `mk-${k.id}` }, complaintKv(k), OPEN.includes(k.status)
      ? txForm(`respond-${k.id}`, [[t("cu.answerfile"), ans]], t("cu.respond"), async () =>
        committed((await callContract(C, "respond", { complaint_id: k.id, response: ans.value() }, w.key)).res, `${t("cu.respond")} ${k.id}`), redraw) : null);
  }))));
  view.append(h("div.grid2", card(t("cu.ledger"), ledgerForm(w, c, redraw), h("h3", t("cu.commitments")), commitForm(w, c, redraw)), card(t("cu.announce"), h("p.muted.small", t("cu.announcenote")), closureForm(w, c, redraw))));
}

function offerForm(w, c, redraw) {
  const who = input("offer-consumer", { placeholder: "did:wuyi:…", class: "mono" });
  const item = input("offer-item", { maxlength: 40 });
  const unit = select("offer-unit", ["lesson", "session", "fen"].map((u) => [u, t(`cu.unit.${u}`)]), c.industry === "training" ? "lesson" : "session");
  const units = input("offer-units", { value: "10" });
  const price = input("offer-price", { placeholder: "150.00" });
  const months = input("offer-months", { value: "3" });
  const terms = hashInput("offer-terms");
  return txForm("offer", [[t("cu.consumerdid"), who], [t("cu.item"), item], [t("cu.unitprice") + `（${t("sc.yuan")}）`, price], [t("cu.units"), units],
    ["", unit], [t("cu.months"), months], [t("cu.termsfile"), terms]], t("cu.offer"), async () => {
    if (!DID_RE.test(who.value.trim())) throw new Error(t("sc.baddid"));
    const perUnit = unit.value === "fen" ? 1 : toFen(price.value, t("cu.unitprice"));
    const { res, value } = await callContract(C, "offer", { consumer: who.value.trim(), item: item.value.trim(), unit: unit.value,
      units: Number(units.value), unit_price: perUnit, months: Number(months.value), terms: terms.value() }, w.key);
    return committed(res, `${t("cu.step.offered")} ${value}`);
  }, redraw);
}

function ledgerForm(w, c, redraw) {
  const fig = input("ledger-figure", { value: (c.liabilities / 100).toFixed(2) });
  return txForm("ledger", [[t("cu.ledgerfig"), fig]], t("cu.ledger"), async () => {
    const fen = Math.round(Number(String(fig.value).replace(/[,\s¥]/g, "")) * 100);
    if (!Number.isSafeInteger(fen) || fen < 0) throw new Error(t("sc.badamount"));
    const { res, value } = await callContract(C, "report_ledger", { ledger: fen }, w.key);
    return committed(res, `${t("cu.ledger")} · ${t(`cu.${value.status}`)}`);
  }, redraw);
}

function commitForm(w, c, redraw) {
  const days = input("commit-days", { value: String((c.commitments || {}).no_reason_days || 7) });
  const fp = h("input", { type: "checkbox", "data-testid": "commit-firstpay", checked: !!(c.commitments || {}).first_pay });
  return txForm("commit", [[`${t("cu.noreason")}（${t("cu.days")}）`, days], [t("cu.firstpay"), fp]], t("cu.commit"), async () => {
    const { res } = await callContract(C, "commit", { no_reason_days: Number(days.value), first_pay: fp.checked }, w.key);
    return committed(res, t("cu.commit"));
  }, redraw);
}

function closureForm(w, c, redraw) {
  if (c.status === "closing") {
    return h("div", kv([[t("cu.closure"), `${t("cu.closing")} ${c.closure.effective}`]]),
      txButton("close-now", t("cu.closenow"), async () => committed((await callContract(C, "close", {}, w.key)).res, t("cu.s.closed")), redraw, "ghost"));
  }
  if (c.status !== "active") return h("p.muted", word("s", c.status));
  const kind = select("closure-kind", [["close", t("cu.close.close")], ["relocate", t("cu.close.relocate")]], "close");
  const date = h("input", { type: "date", "data-testid": "closure-date" });
  const notice = hashInput("closure-notice");
  return txForm("closure", [[t("cu.closekind"), kind], [t("cu.effective"), date], [t("cu.noticefile"), notice]], t("cu.announce"), async () => {
    const { res } = await callContract(C, "announce_closure", { kind: kind.value, effective: date.value, notice: notice.value() }, w.key);
    return committed(res, `${t("cu.announce")} ${date.value}`);
  }, redraw);
}

// -- the consumer's card on 我的办事 ---------------------------------------------------------------------------

function consumerContract(w, x, uses, redraw) {
  const acts = [];
  const id = x.id;
  if (x.status === "offered") {
    acts.push(h("div.stepbox", h("b", t("cu.sign")), h("p.small.muted", t("cu.signnote"), " ", h("span.mono", short(x.terms, 12))),
      txButton(`cz-sign-${id}`, t("cu.sign"), async () => committed((await callContract(C, "sign", { contract_id: id }, w.key)).res, `${t("cu.step.signed")} ${id}`), redraw)));
  }
  if (x.status === "active") {
    for (const u of uses.filter((y) => y.status === "requested")) {
      acts.push(h("div.stepbox", { "data-testid": `cz-req-${id}-${u.n}` }, h("b", t("cu.waiting")), h("p", unitsText(x, u.units), " · ", yuan(u.units * x.unit_price)),
        h("div.actions", txButton(`cz-confirm-${id}-${u.n}`, t("cu.confirm"), async () =>
          committed((await callContract(C, "confirm", { contract_id: id, n: u.n, accept: true }, w.key)).res, `${t("cu.u.confirmed")} ${id}`), redraw),
        txButton(`cz-decline-${id}-${u.n}`, t("cu.decline"), async () =>
          committed((await callContract(C, "confirm", { contract_id: id, n: u.n, accept: false }, w.key)).res, `${t("cu.u.declined")} ${id}`), redraw, "ghost"))));
    }
    const n = input(`cz-units-${id}`, { value: x.unit === "fen" ? "1000" : "1", style: "width:6em" });
    acts.push(h("div.stepbox", h("b", t("cu.checkin")), txForm(`cz-checkin-${id}`, [[word("unit", x.unit), n]], t("cu.checkin"), async () => {
      const { res } = await callContract(C, "check_in", { contract_id: id, units: Number(n.value) }, w.key);
      return committed(res, `${t("cu.u.confirmed")} ${id}`);
    }, redraw)));
  }
  if (["offered", "signed", "active"].includes(x.status)) {
    acts.push(h("div.stepbox", h("b", t("cu.cancel")), h("p.small.muted", `${t("cu.refunddue")} ${yuan(x.paid - x.consumed)}`),
      txButton(`cz-cancel-${id}`, t("cu.cancel"), async () => committed((await callContract(C, "cancel", { contract_id: id }, w.key)).res, `${t("cu.step.cancelled")} ${id}`), redraw, "ghost")));
  }
  const cat = select(`cz-cat-${id}`, CATEGORIES.map((c) => [c, t(`cu.cat.${c}`)]), "quality");
  const text = h("textarea", { rows: 3, "data-testid": `cz-statement-${id}` });
  acts.push(h("div.stepbox", h("b", t("cu.lodge")), txForm(`cz-lodge-${id}`, [[t("cu.category"), cat], [t("cu.statement"), text]], t("cu.lodge"), async () => {
    if (!text.value.trim()) throw new Error(t("cu.statement"));
    const statement = fromHex(await hashOf(text.value));  // the text stays in this page
    const { res, value } = await callContract(C, "lodge", { contract_id: id, category: cat.value, statement }, w.key);
    return committed(res, `${t("cu.ks.received")} ${value.id}`);
  }, redraw)));
  return h("article.prop.czcontract", { "data-testid": `cz-pc-${id}`, "data-status": x.status },
    h("div.grid2", contractKv(x), h("div", h("h3", t("cu.trace")), traceList(x.trace, "step", `cz-trace-${id}`),
      uses.length ? h("div", h("h3", t("cu.uses")), table([t("cu.received"), t("cu.units"), t("cu.released"), t("common.status")],
        uses.map((u) => [(u.confirmed || u.requested || {}).date || "—", String(u.units), u.released === undefined ? "—" : yuan(u.released), badgeOf("u", u.status)]))) : null)),
    h("div.steps-actions", acts));
}

registerCitizenCard({
  render: async (w, { redraw }) => {
    const [mine, ks] = await Promise.all([contracts(`&consumer=${enc(w.did)}`), complaints(`&consumer=${enc(w.did)}`)]);
    const full = await Promise.all(mine.map((x) => contract(x.id)));
    const box = h("div", { "data-testid": "cs-my-contracts" }, full.map((x) => consumerContract(w, x, x.consumptions || [], redraw)));
    const mineKs = ks.length ? h("div", h("h3", t("cu.mycomplaints")), h("div.steps-actions", { "data-testid": "cs-my-complaints" },
      ks.map((k) => h("article.stepbox", { "data-testid": `czk-${k.id}` }, complaintKv(k), traceList(k.steps, "ks", `czk-steps-${k.id}`))))) : null;
    return card(t("cu.mycontracts"), h("p.muted.small", t("cu.mynote")), mine.length ? box : h("p.muted", t("cu.nocontract")), mineKs);
  },
});

// -- what this scenario contributes ------------------------------------------------------------------------------

registerParams(C, REGULATOR);

export const routes = {
  consumer: [regulatorPage, "member"],
  custody: [custodyPage, "member"],
  merchant: [merchantPage, "public"],
  credit: [creditPage, "public"],
};
export const nav = [
  ["consumer", "nav.consumer", "member"],
  ["custody", "nav.custody", "member"],
  ["credit", "nav.credit", "public"],
  ["merchant", "nav.merchant", "public"],
];
export const who = {
  consumer: (m, r) => m.org === REGULATOR || r.includes("regulator"),
  custody: (m, r) => r.includes("custody"),
};
