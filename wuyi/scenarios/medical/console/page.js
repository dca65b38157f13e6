// 健康医疗 (health records under consent, 医保 settlements and alerts, 商保快赔): the public
// supervision board (#/medical: totals, alerts by rule and stage as charts, per hospital, the
// rules, the alerts — no patient), 医保局's review desk (#/medical-bureau: 初审, 复审 by another
// reviewer, the decision after the appeal period or the investigation; settlements; the
// parameters), the hospital's desk (#/medical-hospital: register a record pointer, read another
// hospital's record under the patient's consent, settle with one trace code a box, appeal an
// alert), 卫健局's view of reads across hospitals (#/medical-health), the insurer's claims desk
// (#/medical-insurer) and the patient's page (#/medical-patient, with the DID wallet: where the
// records are, consents given separately and withdrawn, who read what). Files are hashed in the
// page, never sent. Every write is a `contract.call` signed in this page; the contract decides.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { card } from "/console/static/js/ui.js";
import { apiList, blockLink, callContract, committed, daysTo, deadlineTag, didTag, flashBox, fromHex, gate, getPlain, h, hashInput, hashOf, input, kv, orgLabel, orgNames, paramsCard, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "medical";
const BUREAU = "ybj";
const HEALTH = "wjj";
const enc = encodeURIComponent;
const OPEN = ["review", "second_review", "appeal", "investigation"];
const CATEGORIES = ["outpatient", "inpatient", "lab", "imaging", "prescription", "discharge"];

// -- words and badges -------------------------------------------------------------------------------

/** The label `md.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `md.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code)) : l;
}

const TONES = {
  review: "b-open", second_review: "b-signed", appeal: "b-signed", investigation: "b-signed",
  dismissed: "b-superseded", cleared: "b-superseded", violation: "b-cancelled",
  high: "b-cancelled", medium: "b-signed", low: "b-open", active: "b-active", inactive: "b-superseded",
  filed: "b-open", approved: "b-signed", declined: "b-superseded", paid: "b-active",
};
const badgeOf = (group, code, testid) =>
  h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word(group, code));
const mono = (x) => h("span.mono", String(x ?? "—"));
const ruleText = (a) => h("span", mono(a.rule), " ", word("rule", a.name));

const deadline = (date) => deadlineTag(date, false, { overdue: "md.late", left: "md.left", days: "md.days" });

function stat(label, value, testid) {
  return h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
}

function steps(a) {
  return h("ol.tl", { "data-testid": `md-steps-${a.id}` }, a.steps.map((s) => h(`li.tl-item.tl-${s.step}`, { "data-kind": s.step },
    h("span.tl-dot"),
    h("div.tl-body", h("div.tl-head", h("b.tl-action", word("step", s.step)), h("span.small", s.date), blockLink(s.height)),
      h("div.small.muted", h("code", s.org), s.late_days > 0 ? h("span.tag.badt", `${t("md.late")} ${s.late_days} ${t("md.latedays")}`) : null)))));
}

// -- reads --------------------------------------------------------------------------------------------

export const dashboard = () => getPlain("/v1/medical/dashboard");
export const rules = () => getPlain("/v1/medical/rules");
export const alerts = (q = "") => apiList(`/v1/medical/alerts?limit=500${q}`);
const mine = (did, what) => apiList(`/v1/medical/patients/${enc(did)}/${what}?limit=500`);

// -- the public board ---------------------------------------------------------------------------------

function stats(d) {
  const open = OPEN.reduce((n, s) => n + Number(d.stages[s] || 0), 0);
  return h("div.stats.stats6", { "data-testid": "md-dashboard" },
    stat(t("md.settlements"), d.settlements, "md-settlements"), stat(t("md.fund"), yuan(d.fund_fen), "md-fund"),
    stat(t("md.openalerts"), open, "md-open"), stat(t("md.recovered"), yuan(d.recover_fen), "md-recovered"),
    stat(t("md.reads"), d.accesses, "md-reads"), stat(t("md.claimspaid"), yuan(d.claims_paid_fen), "md-claims"));
}

function charts(d) {
  return h("div.grid2",
    card(t("md.byrule"), h("div", { "data-testid": "md-rule-chart" }, chart(d.rules.map((r) => ({ x: `${r.id} ${t(`md.rule.${r.name}`)}`, y: Number(r.alerts) })),
      { kind: "bar", label: t("md.byrule"), height: 180, integer: true }))),
    card(t("md.bystage"), h("div", { "data-testid": "md-stage-chart" }, chart(Object.keys(d.stages).map((s) => ({ x: t(`md.stage.${s}`), y: Number(d.stages[s]) })),
      { kind: "bar", label: t("md.bystage"), height: 180, integer: true, color: "#d9822b" }))));
}

function hospitalTable(d, names) {
  return table([t("md.hospital"), t("md.records"), t("md.readsin"), t("md.readsout"), t("md.settlements"), t("md.fund"), t("md.alerts")],
    d.hospitals.map((x) => [orgLabel(names, x.hospital), String(x.records), String(x.reads_in), String(x.reads_out), String(x.settlements), yuan(x.fund_fen), String(x.alerts)]),
    { "data-testid": "md-hospitals" });
}

function alertTable(list, names, testid = "md-alerts") {
  return table([t("md.alerts"), t("md.rule"), t("md.severity"), t("md.hospital"), t("md.refs"), t("md.stage"), t("md.due")],
    list.map((a) => [mono(a.id), ruleText(a), badgeOf("sev", a.severity), orgLabel(names, a.hospital), h("span.mono.small", a.refs.join(", ")),
      badgeOf("stage", a.stage, `stage-${a.id}`), OPEN.includes(a.stage) ? deadline(a.due) : "—"]),
    { "data-testid": testid });
}

export async function boardPage(view) {
  view.append(h("h1", t("nav.medical")), h("p.muted", t("md.intro")));
  const [d, rs, list, names] = await Promise.all([dashboard(), rules(), alerts(), orgNames()]);
  view.append(stats(d), charts(d));
  view.append(h("div.grid2", card(t("md.byhospital"), hospitalTable(d, names)),
    card(t("md.rules"), table([t("md.rule"), "", t("md.severity")], rs.map((r) => [mono(r.id), word("rule", r.name), badgeOf("sev", r.severity)]), { "data-testid": "md-rules" }))));
  view.append(card(t("md.alerts"), alertTable(list, names)));
}

// -- 医保局's desk ----------------------------------------------------------------------------------------

function alertActions(a, why, redraw) {
  if (why) return why;
  const note = hashInput(`note-${a.id}`);
  const run = (method, extra, msg) => async () => {
    const { res } = await callContract(C, method, { alert_id: a.id, note: note.value(), ...extra });
    return committed(res, `${msg} ${a.id}`);
  };
  if (a.stage === "review" || a.stage === "second_review") {
    const method = a.stage === "review" ? "review" : "second_review";
    return h("div", h("label.small", t("md.note"), " ", note), h("div.actions",
      txButton(`${method}-yes-${a.id}`, t("md.confirm"), run(method, { confirm: true }, t("md.confirm")), redraw),
      txButton(`${method}-no-${a.id}`, t("md.dismiss"), run(method, { confirm: false }, t("md.dismiss")), redraw, "ghost")));
  }
  if (a.stage === "investigation" || (a.stage === "appeal" && daysTo(a.due) < 0)) {
    const amt = input(`recover-${a.id}`, { placeholder: "0.00" });
    return h("div", h("label.small", t("md.note"), " ", note), h("label.small", t("md.recover"), " ", amt), h("div.actions",
      txButton(`decide-yes-${a.id}`, t("md.violation"), async () => run("decide", { violation: true, recover_fen: toFen(amt.value) }, t("md.violation"))(), redraw),
      txButton(`decide-no-${a.id}`, t("md.cleared"), run("decide", { violation: false, recover_fen: 0 }, t("md.cleared")), redraw, "ghost")));
  }
  return h("p.muted.small", word("stage", a.stage), " · ", deadline(a.due));
}

export async function bureauPage(view) {
  view.append(h("h1", t("nav.medical-bureau")), h("p.muted", t("md.bureauintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return bureauPage(view); };
  const why = gate(["reviewer", "chief"], BUREAU);
  const [d, list, names] = await Promise.all([dashboard(), alerts(), orgNames()]);
  view.append(stats(d), charts(d));
  const open = list.filter((a) => OPEN.includes(a.stage));
  view.append(card(t("md.openalerts"), h("div", { "data-testid": "md-open-alerts" }, open.length ? open.map((a) =>
    h("article.stepbox", { "data-testid": `md-alert-${a.id}`, style: "margin-bottom:14px" }, h("div.grid2",
      h("div", kv([[t("md.alerts"), h("b.mono", a.id)], [t("md.rule"), ruleText(a)], [t("md.severity"), badgeOf("sev", a.severity)],
        [t("md.hospital"), orgLabel(names, a.hospital)], [t("md.refs"), h("span.mono.small", a.refs.join(", "))],
        [t("md.stage"), badgeOf("stage", a.stage)], [t("md.due"), deadline(a.due)], [t("md.raised"), a.raised.date]]), steps(a)),
      alertActions(a, why, redraw)))) : h("p.muted", t("md.none")))));
  view.append(card(t("md.alerts"), alertTable(list, names, "md-all-alerts")));
  if (!why) {
    const sts = await apiList("/v1/medical/settlements?limit=500");
    view.append(card(t("md.settlements"), billTable(sts, names)));
  }
  view.append(await paramsCard(C));
}

function billTable(list, names) {
  return table([t("md.bill"), t("md.hospital"), t("md.kind"), t("md.dates"), t("md.total"), t("md.fund"), t("md.alerts")],
    list.map((s) => [mono(s.id), orgLabel(names, s.hospital), word("k", s.kind), s.admit === s.discharge ? s.admit : `${s.admit} — ${s.discharge}`,
      yuan(s.total), yuan(s.fund_fen), s.alerts.length ? h("span.mono.small", s.alerts.join(", ")) : "—"]),
    { "data-testid": "md-bill-list" });
}

// -- the hospital's desk -----------------------------------------------------------------------------------

export async function hospitalPage(view) {
  view.append(h("h1", t("nav.medical-hospital")), h("p.muted", t("md.hospitalintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return hospitalPage(view); };
  const why = gate("hospital");
  const org = session.member ? session.member.org : "";
  const names = await orgNames();
  if (why) { view.append(card(null, why)); return; }
  const [consents, list, sts] = await Promise.all([
    apiList(`/v1/medical/consents?grantee=${enc(org)}&limit=500`), alerts(`&hospital=${enc(org)}`),
    apiList(`/v1/medical/settlements?hospital=${enc(org)}&limit=500`)]);
  view.append(h("div.grid2", card(t("md.register"), registerForm(redraw)), card(t("md.access"), accessForm(consents, redraw))));
  view.append(card(t("md.mineconsents"), table([t("md.consent"), t("md.patient"), t("md.purpose"), t("md.category"), t("md.period"), t("md.status")],
    consents.map((c) => [mono(c.id), didTag(c.subject), word("p", c.provision.purpose[0]), h("span", c.provision.documentType.map((x, i) => [i ? "、" : "", word("cat", x)])),
      `${c.period.start} — ${c.period.end}`, badgeOf("cs", c.status)]), { "data-testid": "md-consents" })));
  view.append(card(t("md.settle"), settleForm(redraw)));
  view.append(card(t("md.myalerts"), h("div", { "data-testid": "md-my-alerts" }, list.map((a) => {
    const act = a.stage === "appeal" && daysTo(a.due) >= 0 ? appealForm(a, redraw) : null;
    return h("article.stepbox", { "data-testid": `md-myalert-${a.id}`, style: "margin-bottom:12px" }, h("div.grid2",
      h("div", kv([[t("md.alerts"), h("b.mono", a.id)], [t("md.rule"), ruleText(a)], [t("md.stage"), badgeOf("stage", a.stage)], [t("md.due"), OPEN.includes(a.stage) ? deadline(a.due) : "—"]]), steps(a)), act));
  }))));
  view.append(card(t("md.settlements"), billTable(sts, names)));
}

function appealForm(a, redraw) {
  const st = hashInput(`statement-${a.id}`);
  return txForm(`appeal-${a.id}`, [[t("md.statement"), st]], t("md.appeal"), async () =>
    committed((await callContract(C, "appeal", { alert_id: a.id, statement: st.value() })).res, `${t("md.appeal")} ${a.id}`), redraw);
}

function registerForm(redraw) {
  const did = input("rec-patient", { placeholder: "did:wuyi:…", class: "mono" });
  const cat = select("rec-category", CATEGORIES.map((c) => [c, t(`md.cat.${c}`)]), "discharge");
  const doc = hashInput("rec-doc");
  return txForm("register", [[t("md.patient"), did], [t("md.category"), cat], [t("md.docfile"), doc]], t("md.register"), async () => {
    const hash = doc.value();
    // the locator: where the hospital's system finds the document, sealed for the exchange
    const locator = fromHex(await hashOf(`${session.member.org}/emr/${Array.from(hash).map((b) => b.toString(16).padStart(2, "0")).join("")}`));
    const { res, value } = await callContract(C, "register_record", { patient: did.value.trim(), category: cat.value, doc: hash, locator });
    return committed(res, `${t("md.registered")} ${value.id}`);
  }, redraw);
}

function accessForm(consents, redraw) {
  const live = consents.filter((c) => c.status === "active" && !c.provision.purpose.includes("claim"));
  const rec = input("acc-record", { placeholder: "MR000001", class: "mono" });
  const cs = select("acc-consent", live.map((c) => [c.id, `${c.id} · ${t(`md.p.${c.provision.purpose[0]}`)}`]), live.length ? live[0].id : "");
  const purpose = select("acc-purpose", ["treatment", "referral"].map((p) => [p, t(`md.p.${p}`)]), live.length ? live[0].provision.purpose[0] : "referral");
  return txForm("access", [[t("md.record"), rec], [t("md.consent"), cs], [t("md.purpose"), purpose]], t("md.access"), async () => {
    const { res, value } = await callContract(C, "access", { record_id: rec.value.trim(), consent_id: cs.value, purpose: purpose.value });
    return committed(res, `${t("md.accessed")} ${value.access}`);
  }, redraw);
}

function settleForm(redraw) {
  const did = input("st-patient", { placeholder: "did:wuyi:…", class: "mono" });
  const kind = select("st-kind", [["outpatient", t("md.k.outpatient")], ["inpatient", t("md.k.inpatient")]], "outpatient");
  const today = new Date().toISOString().slice(0, 10);
  const admit = h("input", { type: "date", "data-testid": "st-admit", value: today });
  const discharge = h("input", { type: "date", "data-testid": "st-discharge", value: today });
  const svc = input("st-service", { value: "001102000010000", class: "mono" });
  const fee = input("st-fee", { value: "15.00" });
  const dcode = input("st-drug", { value: "XC01DAX051A001010101234", class: "mono" });
  const price = input("st-price", { value: "42.50" });
  const codes = h("textarea", { rows: 3, "data-testid": "st-traces", class: "mono" });
  const fund = input("st-fund", { placeholder: "0.00" });
  const inv = hashInput("st-invoice");
  const dx = hashInput("st-diagnosis");
  return txForm("settle", [[t("md.patient"), did], [t("md.kind"), kind], [t("md.admit"), admit], [t("md.discharge"), discharge],
    [t("md.service"), svc], [t("md.servicefee"), fee], [t("md.drugcode"), dcode], [t("md.drugprice"), price], [t("md.tracecodes"), codes],
    [t("md.fundpart"), fund], [t("md.invoice"), inv], [t("md.diagnosis"), dx]], t("md.settle"), async () => {
    const items = [{ kind: "service", code: svc.value.trim(), qty: 1, fen: toFen(fee.value) }];
    const lines = codes.value.split(/\s+/).filter(Boolean);
    if (lines.length) {
      const trace = [];
      for (const c of lines) trace.push(fromHex(await hashOf(`medical/trace/${c}`)));
      items.push({ kind: "drug", code: dcode.value.trim(), product: lines[0].slice(0, 7), qty: lines.length, fen: toFen(price.value), trace });
    }
    const { res, value } = await callContract(C, "settle", { patient: did.value.trim(), kind: kind.value, admit: admit.value,
      discharge: kind.value === "outpatient" ? admit.value : discharge.value, items, fund_fen: Number(fund.value.trim() || 0) === 0 ? 0 : toFen(fund.value),
      invoice: inv.value(), diagnosis: dx.value() });
    return committed(res, `${t("md.settled")} ${value.id}${value.alerts.length ? ` · ${t("md.alerts")} ${value.alerts.join(", ")}` : ""}`);
  }, redraw);
}

// -- 卫健局: reads across hospitals -------------------------------------------------------------------------

function accessTable(list, names, testid) {
  return table([t("md.when"), t("md.reader"), t("md.keeper"), t("md.record"), t("md.category"), t("md.purpose"), t("md.consent")],
    list.map((a) => [h("span", a.at.date, " ", blockLink(a.at.height)), orgLabel(names, a.reader), orgLabel(names, a.keeper), mono(a.record),
      word("cat", a.category), word("p", a.purpose), mono(a.consent)]), { "data-testid": testid });
}

export async function healthPage(view) {
  view.append(h("h1", t("nav.medical-health")), h("p.muted", t("md.healthintro")));
  const [d, names] = await Promise.all([dashboard(), orgNames()]);
  view.append(card(t("md.readchart"), h("div", { "data-testid": "md-read-chart" },
    chart(d.hospitals.map((x) => ({ x: names[x.hospital] || x.hospital, y: Number(x.reads_in) })), { kind: "bar", label: t("md.readsin"), height: 160, integer: true }))));
  if (!session.member || session.member.org !== HEALTH) { view.append(card(null, h("p.muted.small", { "data-testid": "gate" }, t("sc.signin")))); return; }
  const list = await apiList("/v1/medical/accesses?limit=500");
  view.append(card(t("md.reads"), accessTable(list, names, "md-accesses")));
}

// -- the insurer's desk --------------------------------------------------------------------------------------

export async function insurerPage(view) {
  view.append(h("h1", t("nav.medical-insurer")), h("p.muted", t("md.insurerintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return insurerPage(view); };
  const why = gate("insurer");
  if (why) { view.append(card(null, why)); return; }
  const org = session.member.org;
  const [consents, claims, names] = await Promise.all([
    apiList(`/v1/medical/consents?grantee=${enc(org)}&status=active&limit=500`), apiList(`/v1/medical/claims?insurer=${enc(org)}&limit=500`), orgNames()]);
  const filed = new Set(claims.map((k) => `${k.summary.bill}/${k.consent}`));
  const todo = consents.flatMap((c) => c.provision.data.filter((x) => !filed.has(`${x.reference}/${c.id}`)).map((x) => [c, x]));
  view.append(card(t("md.mineconsents"), table([t("md.consent"), t("md.patient"), t("md.bill"), t("md.items"), t("md.period"), ""],
    todo.map(([c, x]) => [mono(c.id), didTag(c.subject), mono(x.reference), x.items.join(", "), `${c.period.start} — ${c.period.end}`,
      txButton(`file-${x.reference}`, t("md.fileclaim"), async () => committed((await callContract(C, "file_claim", { settlement_id: x.reference, consent_id: c.id })).res, `${t("md.filed")} ${x.reference}`), redraw)]),
    { "data-testid": "md-to-file" })));
  view.append(card(t("md.claims"), h("div", { "data-testid": "md-claims" }, claims.map((k) => {
    let act = null;
    if (k.status === "filed") {
      const amt = input(`amount-${k.id}`, { value: (k.summary.items_fen / 100).toFixed(2) });
      act = h("div", h("label.small", t("md.amount"), " ", amt), h("div.actions",
        txButton(`approve-${k.id}`, t("md.approve"), async () => committed((await callContract(C, "decide_claim", { claim_id: k.id, approve: true, amount: toFen(amt.value) })).res, `${t("md.cl.approved")} ${k.id}`), redraw),
        txButton(`decline-${k.id}`, t("md.decline"), async () => committed((await callContract(C, "decide_claim", { claim_id: k.id, approve: false, amount: 0 })).res, `${t("md.cl.declined")} ${k.id}`), redraw, "ghost")));
    } else if (k.status === "approved") {
      act = txButton(`pay-${k.id}`, t("md.pay"), async () => committed((await callContract(C, "pay_claim", { claim_id: k.id })).res, `${t("md.paid")} ${k.id}`), redraw);
    }
    return h("article.stepbox", { "data-testid": `md-claim-${k.id}`, style: "margin-bottom:12px" }, h("div.grid2", claimKv(k, names), act));
  }))));
}

function claimKv(k, names) {
  const s = k.summary;
  return h("div", kv([
    [t("md.claim"), h("b.mono", k.id)], [t("md.status"), badgeOf("cl", k.status, `claim-${k.id}`)],
    [t("md.hospital"), orgLabel(names, s.hospital)], [t("md.kind"), word("k", s.kind)], [t("md.dates"), s.admit === s.discharge ? s.admit : `${s.admit} — ${s.discharge}`],
    [t("md.itemsfen"), yuan(s.items_fen)], [t("md.decidedue"), k.status === "filed" ? deadline(k.decide_due) : k.decide_due],
    k.pay_due ? [t("md.paydue"), k.status === "approved" ? deadline(k.pay_due) : k.pay_due] : null,
    k.amount ? [t("md.amount"), yuan(k.amount)] : null,
    k.late.length ? [t("md.late"), h("span.tag.badt", k.late.join(", "))] : null,
  ]), table([t("md.items"), t("md.drugcode"), "", t("md.total")], s.items.map((it) => [String(it.seq), mono(it.code), `× ${it.qty}`, yuan(it.net)])));
}

// -- the patient (their wallet) -------------------------------------------------------------------------------

export async function patientPage(view) {
  view.append(h("h1", t("nav.medical-patient")), h("p.muted", t("md.patientintro")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, patientPage, t("md.open"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return patientPage(view); };
  const [records, consents, reads, sts, claims, names] = await Promise.all([mine(w.did, "records"), mine(w.did, "consents"),
    mine(w.did, "accesses"), mine(w.did, "settlements"), mine(w.did, "claims"), orgNames()]);
  view.append(card(null, kv([[t("md.patient"), h("span.mono.small", { "data-testid": "md-patient-did" }, w.did)]])));
  view.append(card(t("md.whoread"), accessTable(reads, names, "md-my-reads")));
  view.append(h("div.grid2",
    card(t("md.myrecords"), table([t("md.record"), t("md.keeper"), t("md.category"), t("md.readsin")],
      records.map((r) => [mono(r.id), orgLabel(names, r.hospital), word("cat", r.category), String(r.reads)]), { "data-testid": "md-my-records" })),
    card(t("md.grant"), h("p.muted.small", t("md.grantnote")), grantForm(w, sts, redraw))));
  view.append(card(t("md.myconsents"), table([t("md.consent"), t("md.grantee"), t("md.purpose"), t("md.period"), t("md.status"), ""],
    consents.map((c) => [mono(c.id), orgLabel(names, c.grantee), word("p", c.provision.purpose[0]), `${c.period.start} — ${c.period.end}`, badgeOf("cs", c.status, `cs-${c.id}`),
      c.status === "active" ? txButton(`revoke-${c.id}`, t("md.revoke"), async () => committed((await callContract(C, "revoke", { consent_id: c.id }, w.key)).res, `${t("md.revoked")} ${c.id}`), redraw, "ghost") : null]),
    { "data-testid": "md-my-consents" })));
  view.append(card(t("md.mysettlements"), table([t("md.bill"), t("md.hospital"), t("md.kind"), t("md.dates"), t("md.total"), t("md.fund"), t("md.self")],
    sts.map((s) => [mono(s.id), orgLabel(names, s.hospital), word("k", s.kind), s.admit === s.discharge ? s.admit : `${s.admit} — ${s.discharge}`, yuan(s.total), yuan(s.fund_fen), yuan(s.self_fen)]),
    { "data-testid": "md-my-settlements" })));
  if (claims.length) view.append(card(t("md.myclaims"), h("div", { "data-testid": "md-my-claims" }, claims.map((k) => claimKv(k, names)))));
}

function grantForm(w, sts, redraw) {
  const grantee = select("grant-grantee", [["zxyy", "zxyy"], ["rmyy", "rmyy"], ["rsbx", "rsbx"]], "rmyy");
  const purpose = select("grant-purpose", ["treatment", "referral", "claim"].map((p) => [p, t(`md.p.${p}`)]), "referral");
  const cats = select("grant-category", CATEGORIES.map((c) => [c, t(`md.cat.${c}`)]), "discharge");
  const st = select("grant-bill", sts.map((s) => [s.id, s.id]), sts.length ? sts[0].id : "");
  const items = input("grant-items", { value: "2", placeholder: "1,2" });
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const start = h("input", { type: "date", "data-testid": "grant-start", value: iso(today) });
  const end = h("input", { type: "date", "data-testid": "grant-end", value: iso(new Date(today.getTime() + 90 * 86400000)) });
  return txForm("grant", [[t("md.grantee"), grantee], [t("md.purpose"), purpose], [t("md.category"), cats], [t("md.bill"), st],
    [t("md.claimitems"), items], [t("md.period"), h("span", start, " — ", end)]], t("md.grant"), async () => {
    const args = { grantee: grantee.value, purpose: purpose.value, start: start.value, end: end.value, separate: true };
    if (purpose.value === "claim") args.settlements = [{ id: st.value, items: items.value.split(/[,，\s]+/).filter(Boolean).map(Number) }];
    else args.categories = [cats.value];
    const { res, value } = await callContract(C, "grant", args, w.key);
    return committed(res, `${t("md.granted")} ${value.id}`);
  }, redraw);
}

// -- what this scenario contributes ------------------------------------------------------------------------------

registerParams(C, BUREAU);

export const routes = {
  medical: [boardPage, "public"],
  "medical-bureau": [bureauPage, "member"],
  "medical-hospital": [hospitalPage, "member"],
  "medical-health": [healthPage, "member"],
  "medical-insurer": [insurerPage, "member"],
  "medical-patient": [patientPage, "public"],
};
export const nav = [
  ["medical", "nav.medical", "public"],
  ["medical-patient", "nav.medical-patient", "public"],
  ["medical-bureau", "nav.medical-bureau", "member"],
  ["medical-hospital", "nav.medical-hospital", "member"],
  ["medical-health", "nav.medical-health", "member"],
  ["medical-insurer", "nav.medical-insurer", "member"],
];
export const who = {
  "medical-bureau": (m, r) => m.org === BUREAU,
  "medical-hospital": (m, r) => r.includes("hospital"),
  "medical-health": (m, r) => m.org === HEALTH,
  "medical-insurer": (m, r) => r.includes("insurer"),
};
