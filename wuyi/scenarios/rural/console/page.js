// 农村产权交易 (rural property-rights trading): the public listing and results board (#/rural:
// every listing with its status, notice and bid windows in local time, results, 流拍 and
// relisting, a chart by status and the deal value by type), the exchange's desk (#/rural-desk:
// listings awaiting the exchange, each listing's bidders with qualification and deposit — a
// signed read — the bid windows and the announcements; for the exchange's staff the writes:
// qualify (the evidence file hashed in this page), deposits, the award, the contract's clauses
// as hashes of files, payments, refunds, the announcement) and the collective's desk
// (#/rural-collective, with the collective council's DID wallet: resolutions, farmers'
// authorisations to file, contracts to sign — the wallet's signed read). Loaded by the console
// shell from the registry (this folder). Writes are `contract.call` transactions signed in this
// page (the wallet's key on the collective's desk); the contract decides.

import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { card } from "/console/static/js/ui.js";
import { apiList, blockLink, callContract, committed, didTag, districtName, flashBox, fmtTime, gate, getPlain, h, hashInput, hasRole, inOrg, input, kv, link, paramsCard, registerCertificate, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "rural";
const enc = encodeURIComponent;
const EXCHANGE = "ncjy";
const BUREAU = "nyj";
const DESK_ROLES = ["reviewer", "clearing", "registrar"];
export const PHASES = ["notice", "bidding", "revealing", "closed", "withdrawn", "failed", "awarded", "contracted", "announced"];
const KINDS = ["contract_land", "four_wastes", "construction_land", "collective_asset"];
/** where the exchange still has work: qualifying, windows running, award, contract, announcement */
const AWAITING = ["notice", "bidding", "revealing", "closed", "awarded", "contracted"];

// -- words and badges -------------------------------------------------------------------------------

/** The label `rural.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `rural.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code ?? "—")) : l;
}

const TONES = {
  notice: "b-open", bidding: "b-signed", revealing: "b-signed", closed: "b-signed", withdrawn: "b-superseded",
  failed: "b-cancelled", awarded: "b-active", contracted: "b-active", announced: "b-superseded",
  authorised: "b-open", filed: "b-active", valid: "b-active", used: "b-superseded", expired: "b-cancelled",
};

export function phaseBadge(code, testid) {
  return h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word("phase", code));
}
const statusBadge = (code) => h(`span.badge.${TONES[code] || "b-open"}`, word("st", code));
const mu = (area) => `${(Number(area || 0) / 100).toFixed(2)} ${t("rural.mu")}`;
const yes = (v) => h(`span.tag.${v ? "okt" : "warnt"}`, t(v ? "rural.yes" : "rural.no"));

/** The windows of a listing in local time: notice until bidding opens, bids, reveals. */
function windows(x) {
  return h("div.small", { "data-testid": `windows-${x.id}` },
    h("div", `${t("rural.bidopen")} ${fmtTime(x.bid_open)}`),
    h("div", `${t("rural.bidclose")} ${fmtTime(x.bid_close)}`),
    h("div", `${t("rural.revealclose")} ${fmtTime(x.reveal_close)}`));
}

function resultCell(x) {
  const r = x.result;
  if (x.status === "failed" || (r && r.amount === null)) {
    return h("span", h("span.tag.badt", t("rural.failedtag")),
      x.relisted_as ? h("span.small", ` ${t("rural.relistedas")} `, h("b.mono", x.relisted_as)) : null);
  }
  if (!r) return x.relist_of ? h("span.small", `${t("rural.relistof")} `, h("b.mono", x.relist_of), ` · ${t("rural.round")} ${x.round}`) : "—";
  return h("span", h("b", yuan(r.amount)), ` ${t("rural.peryear")} · `, word("rule", r.rule),
    r.member ? h("span.tag.okt", t("rural.member")) : null,
    h("div.small", fmtTime(r.time), " ", blockLink(r.height)));
}

// -- reads --------------------------------------------------------------------------------------------

export const boardOf = (q = "") => getPlain(`/v1/rural/board${q}`);
export const bidders = (id) => apiList(`/v1/rural/listings/${enc(id)}/bidders?limit=200`);
export const walletOf = (did) => getPlain(`/v1/rural/wallets/${enc(did)}`);

function stat(label, value, testid) {
  return h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
}

// -- the public board -------------------------------------------------------------------------------------

export async function boardPage(view, args, query) {
  const only = (query && query.get("phase")) || "";
  view.append(h("h1", t("nav.rural")), h("p.muted", t("rural.intro")));
  const doc = await boardOf();
  const b = doc.board;
  view.append(h("div.stats.stats6", { "data-testid": "rural-stats" },
    stat(t("rural.total"), b.total, "rural-total"), stat(t("rural.awardedn"), b.awarded, "rural-awarded"),
    stat(t("rural.failedn"), b.by_phase.failed, "rural-failed"), stat(t("rural.value"), yuan(b.value), "rural-value"),
    stat(t("rural.reservesum"), yuan(b.reserve), "rural-reserve"), stat(t("rural.asof"), fmtTime(doc.now), "rural-now")));
  const byKind = {};
  for (const x of doc.items) if (x.result && x.result.amount !== null) byKind[x.kind] = (byKind[x.kind] || 0) + Number(x.result.amount);
  view.append(h("div.grid2",
    card(t("rural.chart.phase"), h("div", { "data-testid": "rural-phase-chart" },
      chart(PHASES.filter((p) => b.by_phase[p]).map((p) => ({ x: t(`rural.phase.${p}`), y: Number(b.by_phase[p]) })),
        { kind: "bar", label: t("rural.chart.phase"), height: 160, integer: true }))),
    card(t("rural.chart.value"), h("div", { "data-testid": "rural-value-chart" },
      chart(KINDS.filter((k) => byKind[k]).map((k) => ({ x: t(`rural.kind.${k}`), y: byKind[k] / 100 })),
        { kind: "bar", label: t("rural.chart.value"), height: 160, unit: t("rural.yuan") })))));
  const chips = h("div.filters", ["", ...PHASES.filter((p) => b.by_phase[p])].map((p) =>
    h(`a.chip${p === only ? ".on" : ""}`, { href: `#/rural${p ? "?phase=" + p : ""}`, "data-filter": p },
      p ? [word("phase", p), ` (${b.by_phase[p]})`] : t("rural.all"))));
  const shown = doc.items.filter((x) => !only || x.phase === only);
  view.append(card(t("rural.listings"), chips, table(
    [t("rural.id"), t("rural.asset"), t("rural.kindh"), t("rural.where"), t("rural.area"), t("rural.reserve"), t("rural.term"),
      t("rural.windows"), t("common.status"), t("rural.result")],
    shown.map((x) => [h("b.mono", x.id), h("span.data", x.name), word("kind", x.kind),
      h("span", h("span.data", `${x.town}${x.village}`), h("div.small", districtName(x.district))), mu(x.area),
      h("span", yuan(x.reserve), ` ${t("rural.peryear")}`, h("div.small", `${t("rural.deposit")} ${yuan(x.deposit)}`)),
      h("span.small", `${x.term_start} — ${x.term_end}`, h("div", `${x.term_years} ${t("rural.years")} · `, word("use", x.use))),
      windows(x), phaseBadge(x.phase, `phase-${x.id}`), resultCell(x)]),
    { "data-testid": "rural-listings" })));
  view.append(card(t("rural.results"), table(
    [t("rural.id"), t("rural.asset"), t("rural.where"), t("rural.reserve"), t("rural.amount"), t("rural.premium"), t("rural.rulecol"), t("rural.awardedat")],
    b.results.map((r) => [h("b.mono", r.id), h("span.data", r.name), h("span.data", r.town), yuan(r.reserve), h("b", yuan(r.amount)),
      `${r.premium_pct}%`, word("rule", r.rule), fmtTime(r.time)]),
    { "data-testid": "rural-results" })));
  view.append(card(t("rural.bytown"), table(
    [t("rural.town"), t("rural.total"), t("rural.awardedn"), t("rural.failedn"), t("rural.area"), t("rural.value")],
    b.by_town.map((x) => [h("span.data", x.town), String(x.listings), String(x.awarded), String(x.failed), mu(x.area), yuan(x.value)]),
    { "data-testid": "rural-towns" })));
}

// -- the exchange's desk ------------------------------------------------------------------------------------

/** May the signed-in member act for the exchange with `role` (reviewer: qualify, award,
 *  contract, announce; clearing: deposits, payments, refunds)? The contract decides anyway. */
const can = (role) => hasRole(role) && inOrg(EXCHANGE);
const PAY_METHODS = ["annual_in_advance", "semiannual", "lump_sum"];
/** statuses after which a losing bidder's deposit goes back (the contract's ENDED) */
const ENDED = ["withdrawn", "failed", "awarded", "contracted", "announced"];

/** May bidder `b`'s deposit on listing `x` be returned now (refund_deposit's rules)? */
export function refundable(x, b) {
  const d = b.deposit;
  if (!d || !ENDED.includes(x.status)) return false;
  if (d.status === "paid") return true;
  return d.status === "held" && ["contracted", "announced"].includes(x.status);
}

/** What the desk may do for bidder `b` (row `i`) of listing `x`: qualify (approve or refuse,
 *  with the evidence file's hash computed in this page) and record the deposit during the
 *  notice; return the deposit once the contract allows it. */
function bidderActions(x, b, i, redraw) {
  const id = `${x.id}-${i}`;
  const acts = [];
  if (x.phase === "notice" && can("reviewer")) {
    const ev = hashInput(`evidence-${id}`);
    const decision = select(`decision-${id}`, [["approve", t("rural.approve")], ["refuse", t("rural.refuse")]],
      b.qualified && b.qualified.approved ? "refuse" : "approve");
    acts.push(txForm(`qualify-${id}`, [[t("rural.evidence"), ev], [t("rural.decision"), decision]], t("rural.qualifyit"), async () => {
      const approve = decision.value === "approve";
      const { res } = await callContract(C, "qualify", { listing_id: x.id, bidder: b.bidder, approve, evidence_hash: ev.value() });
      return committed(res, `${t(approve ? "rural.qualifiedok" : "rural.refusedok")} ${x.id}`);
    }, redraw));
  }
  if (x.phase === "notice" && !b.deposit && can("clearing")) {
    acts.push(txButton(`deposit-${id}`, `${t("rural.recorddeposit")} ${yuan(x.deposit)}`, async () =>
      committed((await callContract(C, "record_deposit", { listing_id: x.id, bidder: b.bidder, amount: x.deposit })).res,
        `${t("rural.depositok")} ${yuan(x.deposit)} · ${x.id}`), redraw));
  }
  if (refundable(x, b) && can("clearing")) {
    acts.push(txButton(`refund-${id}`, `${t("rural.refund")} ${yuan(b.deposit.amount)}`, async () =>
      committed((await callContract(C, "refund_deposit", { listing_id: x.id, bidder: b.bidder })).res,
        `${t("rural.refundok")} ${yuan(b.deposit.amount)} · ${x.id}`), redraw, "ghost"));
  }
  return acts.length ? h("div.acts", acts) : "—";
}

function bidderRows(x, list, redraw) {
  return table(
    [t("rural.bidder"), t("rural.registered"), t("rural.qualified"), t("rural.deposit"), t("rural.sealed"), t("rural.revealed"), t("rural.member"), t("rural.actions")],
    list.map((b, i) => [h("span", { "data-testid": `bidder-${x.id}-${i}`, "data-did": b.bidder }, didTag(b.bidder)),
      h("span.small", fmtTime(b.registered && b.registered.time)),
      h("span", { "data-testid": `qualified-${x.id}-${i}`, "data-value": b.qualified ? String(b.qualified.approved) : "" },
        b.qualified ? yes(b.qualified.approved) : h("span.tag.warnt", t("rural.toqualify"))),
      h("span", { "data-testid": `deposit-of-${x.id}-${i}`, "data-value": b.deposit ? b.deposit.status : "" },
        b.deposit ? [yuan(b.deposit.amount), " ", word("dep", b.deposit.status)] : h("span.tag.warnt", t("rural.unpaid"))),
      b.commitment || b.commits ? yes(true) : "—",
      b.reveal ? h("span", yuan(b.reveal.amount), b.reveal.valid ? null : h("span.tag.badt", t("rural.invalid"))) : "—",
      b.member ? yes(true) : "—",
      bidderActions(x, b, i, redraw)]),
    { "data-testid": "rural-bidders" });
}

/** A payment through the exchange (clearing): the amount in 元 and the year of the term; by
 *  default what the announcement waits for (the total for a lump sum, else a year's price),
 *  capped at what is left, and the next year. */
function paymentForm(x, redraw) {
  const c = x.contract || {};
  const due = c.method === "lump_sum" ? c.total : x.result && x.result.amount;
  const left = Math.max(0, Number(c.total || 0) - Number(x.paid || 0));
  const amount = input(`payment-amount-${x.id}`, { value: due && left ? (Math.min(due, left) / 100).toFixed(2) : "" });
  const year = input(`payment-year-${x.id}`, { value: String(Math.min(x.term_years, new Set((x.payments || []).map((p) => p.year)).size + 1)), inputmode: "numeric", size: 4 });
  return txForm(`payment-${x.id}`, [[`${t("rural.amount")}（${t("rural.yuan")}）`, amount], [t("rural.year"), year]], t("rural.recordpayment"), async () => {
    const fen = toFen(amount.value, t("rural.amount"));
    if (!/^\d+$/.test(year.value.trim())) throw new Error(`${t("rural.year")}: ${year.value}`);
    const { res } = await callContract(C, "record_payment", { listing_id: x.id, amount: fen, year: Number(year.value.trim()) });
    return committed(res, `${t("rural.paymentok")} ${yuan(fen)} · ${x.id}`);
  }, redraw);
}

/** The listing's next step for the exchange, by phase: the award after the reveal window, the
 *  contract (its clauses as hashes of files computed in this page), the signatures awaited,
 *  payments, the announcement. Only what the contract allows in this phase is offered. */
function listingSteps(x, redraw) {
  const out = [];
  if (x.phase === "closed" && can("reviewer")) {
    out.push(txButton(`award-${x.id}`, t("rural.award"), async () => {
      const { res, value } = await callContract(C, "award", { listing_id: x.id });
      const what = value && value.amount !== null && value.amount !== undefined
        ? `${t("rural.awardok")} ${yuan(value.amount)} ${t("rural.peryear")}` : t("rural.failedtag");
      return committed(res, `${what} · ${x.id}`);
    }, redraw));
  }
  if (x.phase === "awarded" && !x.contract && can("reviewer")) {
    const method = select(`paymethod-${x.id}`, PAY_METHODS.map((m) => [m, t(`rural.pay.${m}`)]), "annual_in_advance");
    const files = ["rights", "expropriation", "liability", "document"].map((k) => [k, hashInput(`${k}-${x.id}`)]);
    out.push(txForm(`contract-${x.id}`, [[t("rural.paymethod"), method], ...files.map(([k, el]) => [t(`rural.clause.${k}`), el])],
      t("rural.recordcontract"), async () => {
        const [rights, expropriation, liability, document] = files.map(([, el]) => el.value());
        const { res } = await callContract(C, "record_contract", { listing_id: x.id, payment_method: method.value,
          rights_duties_hash: rights, expropriation_hash: expropriation, liability_hash: liability, document_hash: document });
        return committed(res, `${t("rural.contractok")} · ${x.id}`);
      }, redraw));
  }
  if (x.phase === "awarded" && x.contract) {
    out.push(h("p.small", { "data-testid": `signatures-${x.id}` }, `${t("rural.transferorsig")}: `,
      x.contract.transferor ? yes(true) : h("span.tag.warnt", t("rural.unsigned")), ` · ${t("rural.transfereesig")}: `,
      x.contract.transferee ? yes(true) : h("span.tag.warnt", t("rural.unsigned"))));
  }
  if (["contracted", "announced"].includes(x.phase) && x.contract) {
    out.push(h("p.small", { "data-testid": `paid-${x.id}` }, `${t("rural.paid")} ${yuan(x.paid)} / ${yuan(x.contract.total)}`));
    if (can("clearing") && Number(x.paid) < Number(x.contract.total)) out.push(paymentForm(x, redraw));
  }
  if (x.phase === "contracted" && can("reviewer")) {
    out.push(txButton(`announce-${x.id}`, t("rural.announce"), async () => {
      const { res, value } = await callContract(C, "announce", { listing_id: x.id });
      return committed(res, `${t("rural.announceok")} ${(value && value.cert) || ""} · ${x.id}`);
    }, redraw));
  }
  return out.length ? h("div.nextstep", { "data-testid": `steps-${x.id}` }, out) : null;
}

export async function deskPage(view) {
  view.append(h("h1", t("nav.ruraldesk")), h("p.muted", t("rural.deskintro")), flashBox());
  const why = gate(DESK_ROLES);
  if (why) { view.append(card(null, why)); return; }
  const redraw = () => { view.replaceChildren(); return deskPage(view); };
  const doc = await boardOf();
  const open = doc.items.filter((x) => AWAITING.includes(x.phase));
  view.append(card(t("rural.awaiting"), table(
    [t("rural.id"), t("rural.asset"), t("rural.reserve"), t("rural.windows"), t("common.status"), t("rural.counts"), t("rural.next")],
    open.map((x) => [h("b.mono", x.id), h("span.data", x.name), yuan(x.reserve), windows(x), phaseBadge(x.phase, `desk-phase-${x.id}`),
      h("span.small", `${t("rural.registered")} ${x.counts.registered} · ${t("rural.qualified")} ${x.counts.qualified} · ${t("rural.deposit")} ${x.counts.deposits}`),
      word("todo", x.phase)]),
    { "data-testid": "rural-awaiting" })));
  // each listing the exchange works on: its next step and its bidders (a signed read); a
  // listing ended without a deal keeps its card while it holds deposits to return
  const work = doc.items.filter((x) => AWAITING.includes(x.phase) || (["failed", "withdrawn"].includes(x.phase) && x.counts.deposits > 0));
  for (const x of work) {
    let body;
    try {
      body = x.counts.registered ? bidderRows(x, await bidders(x.id), redraw) : h("p.muted.small", t("rural.nobidders"));
    } catch (err) {
      body = h("div.alert.err", String(err.message || err));
    }
    view.append(card(h("span", t("rural.biddersof"), " ", h("span.mono", x.id), " · ", h("span.data", x.name), " ", phaseBadge(x.phase)),
      listingSteps(x, redraw), h("div", { "data-testid": `bidders-${x.id}` }, body)));
  }
  const done = doc.items.filter((x) => x.announcement);
  view.append(card(t("rural.announcements"), table(
    [t("rural.id"), t("rural.asset"), t("rural.amount"), t("rural.paid"), t("rural.cert"), t("rural.announcedat"), ""],
    done.map((x) => [h("b.mono", x.id), h("span.data", x.name), yuan(x.result && x.result.amount),
      h("span", { "data-testid": `paid-${x.id}` }, yuan(x.paid), x.contract ? h("span.small", ` / ${yuan(x.contract.total)}`) : null),
      x.cert ? link(`#/ecert?id=${enc(x.cert)}`, x.cert, "mono") : "—",
      h("span", fmtTime(x.announcement.time), " ", blockLink(x.announcement.height)),
      x.contract && can("clearing") && Number(x.paid) < Number(x.contract.total) ? paymentForm(x, redraw) : null]),
    { "data-testid": "rural-announcements" })));
  view.append(await paramsCard(C));
}

// -- the collective's desk ------------------------------------------------------------------------------------

export async function collectivePage(view) {
  view.append(h("h1", t("nav.ruralcollective")), h("p.muted", t("rural.collectiveintro")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, collectivePage, t("rural.collectiveopen"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return collectivePage(view); };
  const doc = await walletOf(w.did);
  const c = doc.collective;
  if (!c) {
    view.append(h("div.alert.err", { "data-testid": "not-collective" }, t("rural.notcollective"), " ", didTag(w.did)));
    return;
  }
  view.append(card(null, h("h2", { "data-testid": "collective-name" }, h("span.data", `${c.town}${c.village}`)), kv([
    [t("rural.code"), h("span.mono", c.code)],
    [t("rural.did"), h("span.mono.small", { "data-testid": "collective-did" }, w.did)],
    [t("rural.roll"), `${c.roll.members} ${t("rural.people")} · ${c.roll.households} ${t("rural.households")} · ${c.roll.representatives} ${t("rural.reps")}`],
    [t("rural.asof"), fmtTime(doc.now)],
  ])));
  view.append(card(t("rural.resolutions"), table(
    [t("rural.resid"), t("rural.asset"), t("rural.meeting"), t("rural.votes"), t("rural.floor"), t("rural.heldon"), t("common.status")],
    c.resolutions.map((r) => [h("b.mono", r.id), h("span.mono", r.asset), word("meet", r.meeting_kind),
      `${r.yes} / ${r.attended} / ${r.eligible}`, h("span", yuan(r.min_annual), ` · ≤ ${r.max_years} ${t("rural.years")}`),
      h("span", r.held_on, h("div.small", fmtTime(r.time))), statusBadge(r.status)]),
    { "data-testid": "rural-resolutions" })));
  const file = (a) => txButton(`file-${a.id}`, t("rural.file"),
    async () => committed((await callContract(C, "file_authorisation", { auth_id: a.id }, w.key)).res, `${t("rural.file")} ${a.id}`), redraw);
  view.append(card(t("rural.authorisations"), table(
    [t("rural.authid"), t("rural.asset"), t("rural.contractor"), t("rural.floor"), t("rural.authorisedat"), t("common.status"), ""],
    c.authorisations.map((a) => [h("b.mono", a.id), h("span.mono", a.asset), didTag(a.contractor),
      h("span", yuan(a.min_annual), ` · ≤ ${a.max_years} ${t("rural.years")}`), fmtTime(a.time),
      h("span", { "data-testid": `auth-${a.id}`, "data-value": a.status }, statusBadge(a.status),
        a.filed ? h("div.small", fmtTime(a.filed.time)) : null),
      a.status === "authorised" ? file(a) : null]),
    { "data-testid": "rural-authorisations" })));
  const toSign = c.listings.filter((x) => x.contract && x.status === "awarded");
  const sign = (x) => txButton(`sign-${x.id}`, t("rural.sign"),
    async () => committed((await callContract(C, "sign_contract", { listing_id: x.id }, w.key)).res, `${t("rural.sign")} ${x.id}`), redraw);
  view.append(card(t("rural.tosign"), table(
    [t("rural.id"), t("rural.asset"), t("rural.amount"), t("rural.term"), t("rural.transferorsig"), t("rural.transfereesig"), ""],
    toSign.map((x) => {
      const sig = x.contract.signatures || {};
      return [h("b.mono", x.id), h("span.data", x.name), yuan(x.award && x.award.amount), `${x.term_start} — ${x.term_end}`,
        sig.transferor ? fmtTime(sig.transferor.time) : h("span.tag.warnt", t("rural.unsigned")),
        sig.transferee ? fmtTime(sig.transferee.time) : h("span.tag.warnt", t("rural.unsigned")),
        sig.transferor ? null : sign(x)];
    }),
    { "data-testid": "rural-tosign" })));
  view.append(card(t("rural.ourlistings"), table(
    [t("rural.id"), t("rural.asset"), t("rural.reserve"), t("rural.windows"), t("common.status")],
    c.listings.map((x) => [h("b.mono", x.id), h("span.data", x.name), yuan(x.reserve), windows(x), phaseBadge(x.phase)]),
    { "data-testid": "rural-ourlistings" })));
}

// -- what this scenario contributes ------------------------------------------------------------------------------

registerParams(C, BUREAU);
registerCertificate({
  type: "RuralTransferCertificate",
  title: "rural.cert",
  idRe: /^JZ-\d{1,12}$/i,
  example: "JZ-000001",
  facts: (x) => [[t("ecert.holder"), (x.holders || []).join(", ")], [t("rural.id"), (x.fields || {}).listing]],
});

export const routes = {
  rural: [boardPage, "public"],
  "rural-desk": [deskPage, "member"],
  "rural-collective": [collectivePage, "public"],
};
export const nav = [
  ["rural", "nav.rural", "public"],
  ["rural-desk", "nav.ruraldesk", "member"],
  ["rural-collective", "nav.ruralcollective", "public"],
];
export const who = {
  "rural-desk": (m, r) => [EXCHANGE, BUREAU].includes(m.org) && DESK_ROLES.some((x) => r.includes(x)),
};
