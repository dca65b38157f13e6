// 金融服务与监管 (SME finance and supervision): this scenario's pages, loaded by the console shell
// from the registry (wuyi/scenarios/finance/console/).
//
// #/financing (public): financing by sector and bank — the aggregates anyone may see, as charts.
// #/sme (an enterprise: its wallet, or a treasurer of a member enterprise): registration with the
//   business licence (presented as a private side-car), applications, credit consents and every
//   data request made under them, receivables (register, confirm as debtor), its exposure and
//   negative records. Its file is a signed read with its own key.
// #/lending (a bank's banker): its own applications, one loan's whole story, the enterprise's
//   exposure (only under a live consent), decisions, disbursements, repayments, overdue events,
//   collateral through the registry, the data requests under the enterprise's consent.
// #/finreg (金融局's supervisors): the aggregates and the alerts; the parameters.
// On 我的办事 (#/citizen) the operator of a sole proprietorship consents in person.
// Every write is a `contract.call` signed in this page; the chain decides.

import { session, signedGet } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart, stacked } from "/console/static/js/charts.js";
import { card, plain } from "/console/static/js/ui.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { presentFor } from "/console/static/js/scenarios-citizen.js";
import { blockLink, callContract, committed, DID_RE, didTag, districtName, flashBox, fmtTime, fromHex, gate, getPlain, h, hashOf, input, kv, link, orgLabel, orgNames, params, paramsCard, registerCitizenCard, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const FIN = "finance";
const REGULATOR = "jrj";
const enc = encodeURIComponent;
const OWN = "企业融资自查 / the enterprise's own file";
const REVIEW = "授信审查 / credit review";
const SUPERVISION = "金融监管 / supervision";
const SECTORS = "ABCDEFGHIJKLMNOPQRST".split("");
const PURPOSES = ["working_capital", "equipment", "trade", "agriculture", "other"];
const ALERT_ACTIONS = ["reviewed", "inquiry_sent", "referred"];

// -- words ------------------------------------------------------------------------------------------

const word = (group, code) => {
  const k = `fin.${group}.${code}`;
  const l = t(k);
  return l === k ? String(code ?? "—") : l;
};
/** A status of this scenario as a badge, in the reader's language. */
const fbadge = (s, group = "status") => h(`span.badge.b-${String(s).replace(/[^\w-]/g, "")}`, { "data-status": s }, word(group, s));
/** A consent's status (active means in force, not a loan under way). */
const cbadge = (s) => fbadge(s, "cstatus");
const sector = (c) => h("span", { title: c }, word("sector", c), " ", h("code", c));
const item = (id) => h("span.tag", { title: id }, word("item", id));
const bp = (n) => `${(Number(n) / 100).toFixed(2)}%`;
const did = (x) => didTag(x);
const stat = (label, value, testid) => h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));

async function signed(key, path, purpose) {
  return plain(await signedGet(key, path, purpose));
}

// -- financing by sector and bank (public) --------------------------------------------------------------

export async function financeStats() {
  return getPlain("/v1/finance/stats");
}

/** The aggregates as stats, a stacked chart (sectors × banks) and tables. */
export function statsView(st, names) {
  const total = st.total;
  const banks = st.by_bank.map((b) => b.key);
  const sectors = st.by_sector.map((s) => s.key);
  const cell = (sec, bank) => (st.rows.find((r) => r.key === `${sec}/${bank}`) || { outstanding: 0 }).outstanding;
  const toWan = (fen) => Math.round(Number(fen) / 1000000) / 1;  // 万元 (10,000 yuan)
  const groups = sectors.map((sec) => ({ x: `${sec} ${word("sectorshort", sec)}`, ys: banks.map((b) => toWan(cell(sec, b))) }));
  const rows = (list, label) => table([label, t("fin.outstanding"), t("fin.loans"), t("fin.overduerate"), t("fin.nplrate"), t("fin.disbursed")],
    list.map((r) => [label === t("fin.sector") ? sector(r.key) : orgLabel(names, r.key), yuan(r.outstanding), String(r.loans), bp(r.overdue_rate_bp), bp(r.npl_rate_bp), yuan(r.disbursed)]));
  return h("div", { "data-testid": "fin-stats" },
    h("div.stats.stats6",
      stat(t("fin.outstanding"), yuan(total.outstanding), "fin-total-outstanding"),
      stat(t("fin.loans"), total.loans, "fin-total-loans"),
      stat(t("fin.overduerate"), bp(total.overdue_rate_bp), "fin-overdue-rate"),
      stat(t("fin.nplrate"), bp(total.npl_rate_bp), "fin-npl-rate"),
      stat(t("fin.enterprises"), st.enterprises, "fin-enterprises"),
      stat(t("fin.receivables"), st.receivables, "fin-receivables")),
    h("div.grid2",
      card(t("fin.bysectorbank"), h("div", { "data-testid": "fin-chart-sector-bank" },
        stacked(groups, banks.map((b) => names[b] || b), { unit: t("fin.wan"), label: t("fin.bysectorbank"), format: (v) => String(Math.round(v)) }))),
      card(t("fin.overduebybank"), h("div", { "data-testid": "fin-chart-overdue" },
        chart(st.by_bank.map((b) => ({ x: names[b.key] || b.key, y: Number(b.overdue_rate_bp) / 100 })), { kind: "bar", unit: "%", label: t("fin.overduebybank"), color: "#b06f00", height: 200 })))),
    card(t("fin.bysector"), rows(st.by_sector, t("fin.sector"))),
    card(t("fin.bybank"), rows(st.by_bank, t("fin.bank"))),
    card(t("fin.apps"), kv(Object.entries(st.applications).map(([k, v]) => [word("status", k), h("span", { "data-testid": `fin-apps-${k}` }, String(v))]))));
}

export async function financingPage(view) {
  view.append(h("h1", t("nav.financing")), h("p.muted", t("fin.publicintro")));
  const [st, names] = await Promise.all([financeStats(), orgNames()]);
  view.append(statsView(st, names), await paramsCard(FIN));
}

// -- the enterprise's desk ---------------------------------------------------------------------------

/** Who acts for an enterprise here: the opened wallet, or a treasurer of a member enterprise. */
function actor() {
  const w = openedWallet();
  if (w) return { did: w.did, key: w.key, wallet: w };
  const m = session.member;
  if (m && m.roles.includes("treasurer") && session.key) return { did: `did:wuyi:org:${m.org}`, key: session.key, member: true };
  return null;
}

export async function smePage(view) {
  view.append(h("h1", t("nav.sme")), h("div.alert.info.privacy", t("fin.smeprivate")), flashBox());
  const me = actor();
  if (!me) {
    walletLogin(view, smePage, t("fin.smeopen"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return smePage(view); };
  view.append(card(null, h("p.didline", t("fin.enterprise"), ": ", h("b.mono", { "data-testid": "sme-did" }, me.did))));
  let file = null;
  try {
    file = await signed(me.key, `/v1/finance/enterprises/${enc(me.did)}`, OWN);
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  const [names, ps] = await Promise.all([orgNames(), params(FIN)]);
  const param = (n) => (ps.find((p) => p.name === n) || {}).value || [];
  if (!file) {
    view.append(registerCard(me, redraw));
    return;
  }
  const e = file.enterprise;
  view.append(h("div.grid2",
    card(t("fin.profile"), kv([
      [t("fin.kind"), word("kind", e.kind)],
      [t("fin.sector"), sector(e.sector)],
      [t("fin.district"), districtName(e.district)],
      [t("fin.source"), h("span", { "data-testid": "sme-source" }, word("source", e.source))],
      e.operator ? [t("fin.operator"), did(e.operator)] : null,
      [t("fin.registered"), fmtTime(e.time)],
    ])),
    creditCard(file.exposure, file.negative_records)));
  view.append(applyCard(me, file, names, param, redraw));
  view.append(consentsCard(me, file, names, redraw));
  view.append(receivablesCard(me, file, redraw));
}

function registerCard(me, redraw) {
  if (me.member) {
    const sec = select("sme-sector", SECTORS.map((s) => [s, `${s} ${word("sector", s)}`]), "C");
    const dist = input("sme-district", { value: "440703", class: "mono" });
    return card(t("fin.register"), h("p.muted.small", t("fin.registermember")),
      txForm("sme-register", [[t("fin.sector"), sec], [t("fin.district"), dist]], t("fin.registerbtn"), async () => {
        const { res } = await callContract(FIN, "register_member_enterprise", { sector: sec.value, district: dist.value.trim() });
        return committed(res, t("fin.registered"));
      }, redraw));
  }
  return card(t("fin.register"), h("p.muted.small", t("fin.registernote")),
    txButton("sme-register", t("fin.registerlicence"), async () => {
      // the scenario's public route (the contract's raw state and views are personal)
      const req = await getPlain(`/v1/finance/licence-request?did=${encodeURIComponent(me.did)}`);
      const p = await presentFor(me.wallet, req, t("fin.registerpurpose"));
      const { res } = await callContract(FIN, "register_enterprise", { presentation_text: p.ref }, me.key, [p.bytes]);
      return committed(res, t("fin.registered"));
    }, redraw));
}

function creditCard(x, negs) {
  return card(t("fin.credit"), h("p.muted.small", t("fin.creditnote")),
    h("div", { "data-testid": "fin-credit" }, kv([
      [t("fin.lenders"), h("b", { "data-testid": "fin-lenders" }, String(x.lenders))],
      [t("fin.totalexposure"), h("span", { "data-testid": "fin-exposure" }, yuan(x.total))],
      [t("fin.anyoverdue"), h("span", { "data-testid": "fin-any-overdue", "data-overdue": String(x.overdue) }, x.overdue ? t("fin.yes") : t("fin.no"))],
    ])),
    h("h3", t("fin.negatives")),
    negs.length ? table([t("fin.started"), t("fin.ended"), t("fin.dpd"), t("fin.amount"), t("fin.bank"), t("fin.source")],
      negs.map((n) => [n.started, n.ended || h("span.tag", t("fin.ongoing")), String(n.dpd), yuan(n.amount), h("code", n.bank), word("negsource", n.source)]),
      { "data-testid": "fin-negatives" }) : h("p.muted", { "data-testid": "fin-negatives" }, t("fin.nonegatives")),
    h("p.small.muted", t("fin.retentionnote")));
}

function applyCard(me, file, names, param, redraw) {
  const banks = param("banks");
  const bank = select("apply-bank", banks.map((b) => [b, names[b] || b]));
  const amount = input("apply-amount", { placeholder: "500000.00" });
  const term = input("apply-term", { value: "12" });
  const purpose = select("apply-purpose", PURPOSES.map((p) => [p, word("purpose", p)]));
  const units = input("apply-units", { placeholder: "440703-021-0001", class: "mono" });
  const mine = (file.receivables || []).filter((r) => r.side === "creditor" && r.status === "confirmed" && !r.encumbrance);
  const rcvBoxes = mine.map((r) => [r.id, h("input", { type: "checkbox", "data-rcv": r.id })]);
  const form = txForm("fin-apply", [
    [t("fin.bank"), bank], [`${t("fin.amount")} (${t("sc.yuan")})`, amount], [t("fin.term"), term], [t("fin.purpose"), purpose],
    [t("fin.units"), units],
    mine.length ? [t("fin.rcvcollateral"), h("div", rcvBoxes.map(([id, b]) => h("label.check", b, " ", h("code", id))))] : null,
  ], t("fin.applybtn"), async () => {
    const collateral = units.value.split(/[\s,，]+/).filter(Boolean).map((u) => ({ kind: "property", ref: u }))
      .concat(rcvBoxes.filter(([, b]) => b.checked).map(([id]) => ({ kind: "receivable", ref: id })));
    const months = Number(term.value);
    if (!Number.isInteger(months) || months < 1) throw new Error(t("fin.badterm"));
    const { res, value } = await callContract(FIN, "apply", { bank: bank.value, amount: toFen(amount.value, t("fin.amount")), term_months: months, purpose: purpose.value, collateral }, me.key);
    return committed(res, `${t("fin.applied")} ${value.id}`);
  }, redraw);
  const items = param("data_items");
  const rows = (file.applications || []).map((a) => {
    const acts = [];
    if (a.status === "applied") {
      acts.push(txButton(`withdraw-${a.id}`, t("fin.withdraw"), async () => {
        const { res } = await callContract(FIN, "withdraw", { application_id: a.id }, me.key);
        return committed(res, t("fin.withdrawn"));
      }, redraw, "ghost"));
    }
    if (["applied", "approved", "active"].includes(a.status)) {
      const boxes = items.map((i) => [i, h("input", { type: "checkbox", checked: true, "data-item": i })]);
      const days = input(`consent-days-${a.id}`, { value: "30", size: 4 });
      acts.push(txForm(`consent-${a.id}`, [[t("fin.items"), h("div", boxes.map(([i, b]) => h("label.check", b, " ", item(i))))], [t("fin.days"), days]],
        t("fin.grant"), async () => {
          const chosen = boxes.filter(([, b]) => b.checked).map(([i]) => i);
          const { res, value } = await callContract(FIN, "grant_consent", { application_id: a.id, items: chosen, days: Number(days.value) }, me.key);
          return committed(res, `${t("fin.granted")} ${value.id}`);
        }, redraw));
    }
    return [h("span.mono", a.id), orgLabel(names, a.bank), yuan(a.amount), word("purpose", a.purpose), fbadge(a.status),
      a.decision ? decisionText(a.decision) : "—", a.outstanding ? yuan(a.outstanding) : "—", a.due || "—", h("div.actions.tight", acts)];
  });
  return card(t("fin.apps"), h("p.muted.small", t("fin.applynote")), form,
    table([t("fin.app"), t("fin.bank"), t("fin.amount"), t("fin.purpose"), t("common.status"), t("fin.decision"), t("fin.outstanding"), t("fin.due"), ""], rows, { "data-testid": "sme-apps" }));
}

function decisionText(d) {
  if (!d.approved) return h("span", t("fin.refusedfor"), " ", word("reason", d.reason), " · ", d.on);
  return h("span", `${yuan(d.amount)} · ${bp(d.rate_bp)} · ${d.term_months}${t("fin.months")} · ${d.on}`);
}

/** The consents and every data request under them (who asked for what, approved, delivered,
 *  read), as the enterprise or the bank sees them. */
export function usesTable(uses, names) {
  if (!uses.length) return h("p.muted.small", t("fin.nouses"));
  return table([t("fin.dataset"), t("fin.requester"), t("common.status"), t("fin.deliveries"), t("fin.accesses"), t("fin.requested")],
    uses.map((u) => [item(u.dataset), orgLabel(names, u.requester_org), word("req", u.status), String((u.deliveries || []).length), String(u.accesses), fmtTime(u.time)]),
    { "data-testid": "fin-uses" });
}

function consentsCard(me, file, names, redraw) {
  const list = file.consents || [];
  return card(t("fin.consents"), h("p.muted.small", t("fin.consentnote")),
    list.length ? h("div", { "data-testid": "sme-consents" }, list.map((c) => h("article.prop", { "data-consent": c.id, "data-status": c.status },
      h("div.prop-head", h("b.mono", c.id), " ", cbadge(c.status)),
      kv([
        [t("fin.bank"), orgLabel(names, c.bank)], [t("fin.app"), h("span.mono", c.application)],
        [t("fin.items"), h("span", c.items.map(item))],
        [t("fin.window"), `${fmtTime(c.not_before)} – ${fmtTime(c.not_after)}`],
        c.person ? [t("fin.operator"), h("span", did(c.person), " ", c.person_consent ? h("span.tag.okt", t("fin.personok")) : h("span.tag", t("fin.personwait")))] : null,
      ]),
      h("h3", t("fin.uses")), usesTable(c.data_uses || [], names),
      c.status !== "revoked" ? txButton(`revoke-${c.id}`, t("fin.revoke"), async () => {
        const { res } = await callContract(FIN, "revoke_consent", { consent_id: c.id }, me.key);
        return committed(res, t("fin.revoked"));
      }, redraw, "ghost") : null))) : h("p.muted", t("fin.noconsents")));
}

function receivablesCard(me, file, redraw) {
  const debtor = input("rcv-debtor", { placeholder: "did:wuyi:…", class: "mono" });
  const amount = input("rcv-amount", { placeholder: "880000.00" });
  const due = h("input", { type: "date", "data-testid": "rcv-due" });
  const contractNo = input("rcv-contract", { placeholder: "DC-PO-2026-0318" });
  const invoiceNo = input("rcv-invoice", { placeholder: "INV-44070300118" });
  const form = txForm("fin-rcv", [[t("fin.debtor"), debtor], [`${t("fin.amount")} (${t("sc.yuan")})`, amount], [t("fin.duedate"), due],
    [t("fin.contractno"), contractNo], [t("fin.invoiceno"), invoiceNo]], t("fin.rcvregister"), async () => {
    if (!DID_RE.test(debtor.value.trim())) throw new Error(t("sc.baddid"));
    if (!contractNo.value.trim() || !invoiceNo.value.trim()) throw new Error(t("fin.needdocs"));
    const args = {
      debtor: debtor.value.trim(), amount: toFen(amount.value, t("fin.amount")), due_date: due.value,
      contract_hash: fromHex(await hashOf(contractNo.value.trim())), invoice_hash: fromHex(await hashOf(invoiceNo.value.trim())),
    };
    const { res, value } = await callContract(FIN, "register_receivable", args, me.key);
    return committed(res, `${t("fin.rcvregistered")} ${value.id}`);
  }, redraw);
  const rows = (file.receivables || []).map((r) => {
    const acts = [];
    if (r.side === "debtor" && r.status === "registered") {
      const reason = input(`rcv-reason-${r.id}`, { placeholder: t("fin.longreasonph"), size: 10 });
      acts.push(txForm(`confirm-${r.id}`, [[t("fin.longreason"), reason]], t("fin.confirm"), async () => {
        const { res } = await callContract(FIN, "confirm_receivable", { receivable_id: r.id, long_term_reason: reason.value.trim() }, me.key);
        return committed(res, t("fin.confirmed"));
      }, redraw));
      acts.push(txButton(`dispute-${r.id}`, t("fin.dispute"), async () => {
        const { res } = await callContract(FIN, "dispute_receivable", { receivable_id: r.id }, me.key);
        return committed(res, t("fin.disputed"));
      }, redraw, "ghost"));
    }
    const e = r.encumbrance;
    return [h("span.mono", r.id), word("side", r.side), did(r.side === "creditor" ? r.debtor : r.creditor), yuan(r.amount), r.due_date,
      fbadge(r.status), e ? h("span", word("enc", e.kind), " · ", h("code", e.bank), " · ", h("span.mono.small", e.registry_no)) : "—", h("div.actions.tight", acts)];
  });
  return card(t("fin.rcvtitle"), h("p.muted.small", t("fin.rcvnote")), form,
    table([t("fin.rcv"), t("fin.side"), t("fin.counterparty"), t("fin.amount"), t("fin.duedate"), t("common.status"), t("fin.encumbrance"), ""], rows, { "data-testid": "sme-receivables" }));
}

// -- the bank's desk ---------------------------------------------------------------------------------

export async function lendingPage(view, args, query_) {
  if (args[0]) return loanPage(view, args[0]);
  view.append(h("h1", t("nav.lending")), h("p.muted", t("fin.bankintro")), flashBox());
  const why = gate("banker");
  if (why) { view.append(card(null, why)); return; }
  const bank = session.member.org;
  const status = query_.get("status") || "";
  const [doc, names] = await Promise.all([signed(session.key, `/v1/finance/banks/${enc(bank)}/applications`, REVIEW), orgNames()]);
  const all = doc.items || [];
  const counts = {};
  for (const a of all) counts[a.status] = (counts[a.status] || 0) + 1;
  const shown = all.filter((a) => !status || a.status === status);
  const chips = h("div.filters", ["", "applied", "approved", "active", "settled", "refused", "written_off"].map((s) =>
    h(`a.chip${s === status ? ".on" : ""}`, { href: `#/lending${s ? "?status=" + s : ""}`, "data-filter": s }, s ? `${word("status", s)} (${counts[s] || 0})` : t("gov.filter.all"))));
  view.append(h("div.stats.stats6", ["applied", "approved", "active", "settled", "refused", "written_off"].map((s) => stat(word("status", s), counts[s] || 0, `bank-count-${s}`))));
  view.append(card(`${t("fin.bankapps")} · ${names[bank] || bank}`, chips, table(
    [t("fin.app"), t("fin.enterprise"), t("fin.sector"), t("fin.amount"), t("fin.purpose"), t("common.status"), t("fin.consent"), t("fin.applied_on")],
    shown.map((a) => [link(`#/lending/${enc(a.id)}`, a.id, "mono"), did(a.enterprise), sector(a.sector), yuan(a.amount), word("purpose", a.purpose),
      h("span", { "data-testid": `bank-status-${a.id}` }, fbadge(a.status)),
      (a.consent_records || []).length ? h("span", a.consent_records.map((c) => h("span", cbadge(c.status), " "))) : "—", a.applied_on]),
    { "data-testid": "bank-apps" })));
}

async function loanPage(view, id) {
  const why = gate("banker");
  view.append(h("h1", link("#/lending", "‹ "), `${t("fin.loan")} `, h("code", id)), flashBox());
  if (why) { view.append(card(null, why)); return; }
  const redraw = () => { view.replaceChildren(); return loanPage(view, id); };
  const [a, names, ps] = await Promise.all([signed(session.key, `/v1/finance/applications/${enc(id)}`, REVIEW), orgNames(), params(FIN)]);
  const reasons = (ps.find((p) => p.name === "refusal_reasons") || {}).value || [];
  let credit = null;
  try {
    credit = await signed(session.key, `/v1/finance/enterprises/${enc(a.enterprise)}/credit`, REVIEW);
  } catch (err) {
    credit = { error: err };
  }
  const consents = await Promise.all((a.consents || []).map((c) => signed(session.key, `/v1/finance/consents/${enc(c)}`, REVIEW)));
  view.append(h("div.grid2",
    card(null, loanSteps(a), loanKv(a, names)),
    credit.error ? card(t("fin.credit"), h("div.alert", { "data-testid": "fin-credit-refused" }, t("fin.creditneedsconsent"), " ", h("span.small.muted", credit.error.message)))
      : creditCard(credit, credit.negative_records)));
  view.append(card(t("fin.actions"), loanActions(a, reasons, redraw)));
  view.append(card(t("fin.consents"), h("p.muted.small", t("fin.bankconsentnote")),
    consents.length ? consents.map((c) => h("article.prop", { "data-consent": c.id },
      h("div.prop-head", h("b.mono", c.id), " ", cbadge(c.status)),
      kv([[t("fin.items"), h("span", c.items.map(item))], [t("fin.window"), `${fmtTime(c.not_before)} – ${fmtTime(c.not_after)}`],
        [t("fin.requesthow"), h("code.small", { "data-testid": `request-cmd-${c.id}` },
          `wuyi data request ${c.items[0]} --purpose "${c.id} ${c.application} 授信审查" --field … --days 10 --key <${session.member.org}-banker.key>`)]]),
      h("h3", t("fin.uses")), usesTable(c.data_uses || [], names))) : h("p.muted", t("fin.noconsents"))));
  view.append(card(t("fin.trace"), table([t("common.status"), t("common.time"), t("common.height")],
    (a.trace || []).map((x) => [fbadge(x.status), x.time ? fmtTime(x.time) : "—", blockLink(x.height)]), { "data-testid": "loan-trace" })));
}

function loanSteps(a) {
  const steps = ["applied", "approved", "active", "settled"];
  const at = a.status === "refused" || a.status === "withdrawn" || a.status === "written_off" ? -1 : steps.indexOf(a.status);
  return h("ol.steps", { "data-testid": "loan-steps" }, steps.map((s, i) => h(`li${i < at ? ".done" : i === at ? ".now" : ""}`, word("status", s))),
    at < 0 ? h("li.cancel", word("status", a.status)) : null);
}

function loanKv(a, names) {
  return kv([
    [t("fin.app"), h("b.mono", { "data-testid": "loan-id" }, a.id)],
    [t("common.status"), h("span", { "data-testid": "loan-status" }, fbadge(a.status))],
    [t("fin.enterprise"), did(a.enterprise)],
    [t("fin.sector"), sector(a.sector)],
    [t("fin.bank"), orgLabel(names, a.bank)],
    [t("fin.applied"), `${yuan(a.amount)} · ${a.term_months}${t("fin.months")} · ${word("purpose", a.purpose)} · ${a.applied_on}`],
    a.decision ? [t("fin.decision"), decisionText(a.decision)] : null,
    [t("fin.disbursed"), yuan(a.disbursed)],
    [t("fin.outstanding"), h("span", { "data-testid": "loan-outstanding" }, yuan(a.outstanding))],
    [t("fin.repaid"), yuan(a.repaid)],
    a.start ? [t("fin.period"), `${a.start} – ${a.due}`] : null,
    a.overdue ? [t("fin.overdue"), h("span.tag.warn", { "data-testid": "loan-overdue" }, `${a.overdue.dpd} ${t("fin.days")} · ${yuan(a.overdue.amount)}`)] : null,
    a.notice ? [t("fin.notice"), `${a.notice.on}`] : null,
    (a.collateral || []).length ? [t("fin.offered"), h("span", a.collateral.map((c) => h("div", word("coll", c.kind), " ", h("code", c.ref))))] : null,
    (a.pledges || []).length ? [t("fin.pledges"), h("span", { "data-testid": "loan-pledges" }, a.pledges.map((p) => h("div", word("coll", p.kind), " ", h("code", p.ref), " ",
      p.mortgage ? h("span.mono.small", p.mortgage) : null, " ", word("pledge", p.status))))] : null,
    a.written_off ? [t("fin.writtenoff"), yuan(a.written_off)] : null,
  ]);
}

function loanActions(a, reasons, redraw) {
  const id = a.id;
  const call = (method, args, text) => async () => committed((await callContract(FIN, method, { ...args })).res, text);
  const out = [];
  if (a.status === "applied") {
    const amount = input("decide-amount", { value: (a.amount / 100).toFixed(2) });
    const rate = input("decide-rate", { value: "3.85", size: 5 });
    const term = input("decide-term", { value: String(a.term_months), size: 4 });
    out.push(txForm("fin-approve", [[`${t("fin.amount")} (${t("sc.yuan")})`, amount], [t("fin.rate"), rate], [t("fin.term"), term]], t("fin.approve"), async () => {
      const bp_ = Math.round(Number(rate.value) * 100);
      const { res } = await callContract(FIN, "decide", { application_id: id, approve: true, amount: toFen(amount.value, t("fin.amount")), rate_bp: bp_, term_months: Number(term.value), reason: "" });
      return committed(res, t("fin.approved"));
    }, redraw));
    const reasonSel = select("refuse-reason", reasons.map((r) => [r, word("reason", r)]));
    out.push(txForm("fin-refuse", [[t("fin.reason"), reasonSel]], t("fin.refuse"), async () => {
      const { res } = await callContract(FIN, "decide", { application_id: id, approve: false, reason: reasonSel.value });
      return committed(res, t("fin.refused"));
    }, redraw));
  }
  if ((a.status === "approved" || a.status === "active") && a.disbursed < a.decision.amount) {
    const amount = input("disburse-amount", { value: ((a.decision.amount - a.disbursed) / 100).toFixed(2) });
    out.push(txForm("fin-disburse", [[`${t("fin.amount")} (${t("sc.yuan")})`, amount]], t("fin.disburse"), async () =>
      committed((await callContract(FIN, "disburse", { loan_id: id, amount: toFen(amount.value, t("fin.amount")) })).res, t("fin.disbursedok")), redraw));
  }
  if (a.status === "approved" || a.status === "active") {
    for (const c of a.collateral || []) {
      if ((a.pledges || []).some((p) => p.ref === c.ref && p.status === "active")) continue;
      if (c.kind === "property") {
        const amt = input(`pledge-amount-${c.ref}`, { value: (a.decision.amount / 100).toFixed(2) });
        out.push(txForm(`pledge-${c.ref}`, [[`${word("coll", "property")} ${c.ref}`, amt]], t("fin.pledgeproperty"), async () =>
          committed((await callContract(FIN, "pledge_property", { loan_id: id, unit_id: c.ref, amount: toFen(amt.value, t("fin.amount")) })).res, t("fin.pledged")), redraw));
      } else {
        const kind = select(`pledge-kind-${c.ref}`, [["pledge", word("enc", "pledge")], ["transfer", word("enc", "transfer")]]);
        const no = input(`pledge-no-${c.ref}`, { placeholder: "DJ-440700-2026-000318", class: "mono" });
        out.push(txForm(`pledge-${c.ref}`, [[`${word("coll", "receivable")} ${c.ref}`, kind], [t("fin.registryno"), no]], t("fin.pledgercv"), async () =>
          committed((await callContract(FIN, "pledge_receivable", { loan_id: id, receivable_id: c.ref, kind: kind.value, registry_no: no.value.trim() })).res, t("fin.pledged")), redraw));
      }
    }
  }
  if (a.status === "active") {
    const amount = input("repay-amount", { value: (a.outstanding / 100).toFixed(2) });
    out.push(txForm("fin-repay", [[`${t("fin.amount")} (${t("sc.yuan")})`, amount]], t("fin.repay"), async () =>
      committed((await callContract(FIN, "repay", { loan_id: id, amount: toFen(amount.value, t("fin.amount")) })).res, t("fin.repaidok")), redraw));
    const notice = h("textarea", { rows: 2, "data-testid": "notice-text", placeholder: t("fin.noticeph") });
    out.push(txForm("fin-notify", [[t("fin.notice"), notice]], t("fin.notify"), async () => {
      if (!notice.value.trim()) throw new Error(t("fin.needtext"));
      const hash = fromHex(await hashOf(notice.value.trim()));
      return committed((await callContract(FIN, "notify_overdue", { loan_id: id, notice_hash: hash })).res, t("fin.notified"));
    }, redraw));
    const dpd = input("overdue-dpd", { value: a.overdue ? String(a.overdue.dpd + 30) : "30", size: 5 });
    const amt = input("overdue-amount", { value: "10000.00" });
    out.push(txForm("fin-overdue", [[t("fin.dpd"), dpd], [`${t("fin.amount")} (${t("sc.yuan")})`, amt]], t("fin.reportoverdue"), async () =>
      committed((await callContract(FIN, "report_overdue", { loan_id: id, dpd: Number(dpd.value), amount: toFen(amt.value, t("fin.amount")) })).res, t("fin.reported")), redraw));
    if (a.overdue) {
      out.push(txButton("fin-cure", t("fin.cure"), call("cure_overdue", { loan_id: id }, t("fin.cured")), redraw));
      const reason = select("writeoff-reason", [["bad_debt", word("wo", "bad_debt")], ["bankruptcy", word("wo", "bankruptcy")]]);
      out.push(txForm("fin-writeoff", [[t("fin.reason"), reason]], t("fin.writeoff"), async () =>
        committed((await callContract(FIN, "write_off", { loan_id: id, reason: reason.value })).res, t("fin.writtenoffok")), redraw));
    }
  }
  if ((a.status === "settled" || a.status === "written_off") && (a.pledges || []).some((p) => p.status === "active")) {
    out.push(txButton("fin-release", t("fin.release"), call("release_collateral", { loan_id: id }, t("fin.released")), redraw));
  }
  return out.length ? h("div.fin-actions", out) : h("p.muted", t("fin.noactions"));
}

// -- the regulator's desk ------------------------------------------------------------------------------

export async function finregPage(view) {
  view.append(h("h1", t("nav.finreg")), h("p.muted", t("fin.regintro")), flashBox());
  const [st, names] = await Promise.all([financeStats(), orgNames()]);
  const why = gate("supervisor", REGULATOR);
  const redraw = () => { view.replaceChildren(); return finregPage(view); };
  if (why) {
    view.append(card(t("fin.alerts"), why));
  } else {
    const doc = await signed(session.key, "/v1/finance/alerts", SUPERVISION);
    const rows = (doc.items || []).map((a) => {
      const action = select(`alert-action-${a.id}`, ALERT_ACTIONS.map((x) => [x, word("action", x)]));
      return [h("span.mono", a.id), h("span", { "data-kind": a.kind }, word("alert", a.kind)), did(a.enterprise),
        a.kind === "concentration" ? `${yuan(a.value)} ≥ ${yuan(a.threshold)}` : `${a.value} ≥ ${a.threshold}`, a.on,
        h("span", { "data-testid": `alert-status-${a.id}` }, fbadge(a.status)), a.status === "open"
          ? txForm(`handle-${a.id}`, [[t("fin.action"), action]], t("fin.handle"), async () =>
            committed((await callContract(FIN, "handle_alert", { alert_id: a.id, action: action.value })).res, t("fin.handled")), redraw)
          : word("action", a.action)];
    });
    view.append(card(t("fin.alerts"), h("p.muted.small", t("fin.alertnote")),
      table([t("fin.alert"), t("fin.kind"), t("fin.enterprise"), t("fin.value"), t("fin.on"), t("common.status"), ""], rows, { "data-testid": "fin-alerts" })));
  }
  view.append(statsView(st, names), await paramsCard(FIN));
}

// -- the operator's consent in person (我的办事) ----------------------------------------------------------

registerCitizenCard({
  render: async (w, { names, redraw }) => {
    const doc = await signed(w.key, `/v1/finance/persons/${enc(w.did)}/consents`, OWN).catch(() => ({ items: [] }));
    const list = doc.items || [];
    if (!list.length) return null;
    const text = t("fin.authtext");
    return card(t("fin.personcard"), h("p.muted.small", t("fin.personnote")),
      h("div", { "data-testid": "person-consents" }, list.map((c) => h("article.prop", { "data-consent": c.id, "data-status": c.status },
        h("div.prop-head", h("b.mono", c.id), " ", cbadge(c.status)),
        kv([[t("fin.enterprise"), did(c.enterprise)], [t("fin.bank"), orgLabel(names, c.bank)], [t("fin.app"), h("span.mono", c.application)],
          [t("fin.items"), h("span", c.items.map(item))], [t("fin.window"), `${fmtTime(c.not_before)} – ${fmtTime(c.not_after)}`]]),
        c.status === "awaiting_person" ? h("div.stepbox", h("p.authtext", { "data-testid": "auth-text" }, text),
          txButton(`person-consent-${c.id}`, t("fin.personconsent"), async () => {
            const hash = fromHex(await hashOf(text));
            const { res } = await callContract(FIN, "consent_personal", { consent_id: c.id, notice_hash: hash }, w.key);
            return committed(res, t("fin.personconsented"));
          }, redraw)) : null,
        c.status !== "revoked" ? txButton(`person-revoke-${c.id}`, t("fin.revoke"), async () => {
          const { res } = await callContract(FIN, "revoke_consent", { consent_id: c.id }, w.key);
          return committed(res, t("fin.revoked"));
        }, redraw, "ghost") : null,
        h("h3", t("fin.uses")), usesTable(c.data_uses || [], names)))));
  },
});

// -- what this scenario contributes ----------------------------------------------------------------

registerParams(FIN, REGULATOR);

export const routes = {
  financing: [financingPage, "public"],
  sme: [smePage, "public"],
  lending: [lendingPage, "member"],
  finreg: [finregPage, "member"],
};
export const nav = [
  ["financing", "nav.financing", "public"],
  ["sme", "nav.sme", "public"],
  ["lending", "nav.lending", "member"],
  ["finreg", "nav.finreg", "member"],
];
export const who = {
  lending: (m, r) => r.includes("banker"),
  finreg: (m) => m.org === REGULATOR,
};
