// 养老服务 (elderly care): the public board (#/eldercare: each institution's grade computed by
// the contract from the records in force, red list, subsidies, custody against the limit, how
// many caregivers may be scheduled; the time bank's totals; one institution at
// #/eldercare/<org>), 民政局's desk (#/eldercare-bureau: filing, subsidies, caregiver alerts,
// time-bank elders and the pool, the parameters), the departments' desk (#/eldercare-dept:
// compliance records of their categories, caregivers' qualifications and health checks), the
// institution's desk (#/eldercare-inst: caregivers, shifts, prepayments, closure), the custody
// bank's desk (#/eldercare-bank) and the time bank (#/timebank, with the person's DID wallet:
// services to confirm, log a service, donate, redeem, a balance certificate). Loaded by the
// console shell from the registry. Every write is a `contract.call` signed in this page; the
// contract decides.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { card } from "/console/static/js/ui.js";
import { blockLink, callContract, committed, DID_RE, didTag, flashBox, fromHex, gate, getPlain, h, hashInput, hashOf, input, kv, link, orgLabel, orgNames, paramsCard, registerCertificate, registerCitizenCard, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "eldercare";
const BUREAU = "mzj";
const enc = encodeURIComponent;
export const CATEGORIES = ["fire", "food", "safety", "medical", "tax", "social_insurance"];
export const KINDS = ["companionship", "housework", "meal", "escort", "health", "other"];
export const LEVELS = ["level5", "level4", "level3", "level2", "level1"];

// -- words, badges, small pieces ------------------------------------------------------------------

/** The label `ec.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `ec.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code)) : l;
}
const TONES = { pass: "b-active", fail: "b-cancelled", active: "b-active", closing: "b-signed", closed: "b-superseded",
  pending: "b-open", confirmed: "b-active", rejected: "b-cancelled", expired: "b-superseded" };
export const badgeOf = (group, code, testid) =>
  h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word(group, code));
const mono = (x) => h("span.mono", String(x ?? "—"));
export const hours = (min) => `${Math.floor(min / 60)} ${t("ec.h")} ${String(min % 60).padStart(2, "0")} ${t("ec.min")}`;
const stars = (g) => h("span", { "data-testid": "grade", "data-value": g, title: `${t("ec.grade")} ${g}` },
  g ? h("span.gradestars", { style: "color:#d9822b;letter-spacing:1px" }, "★".repeat(g), h("span", { style: "color:#ccd" }, "★".repeat(5 - g))) : t("ec.ungraded"));
const red = (x) => (x ? h("span.tag.badt", { "data-testid": "redlist" }, t("ec.redlist")) : h("span.tag.okt", t("ec.good")));
/** A reason from the contract ("health check expired 2027-01-10") in the page's language. */
export function stopText(x) {
  const m = /^(qualification|health check) (missing|expired|not passed)\s*(\S*)$/.exec(x);
  if (!m) return h("code", x);
  return h("span", t(`ec.stop.${m[1] === "qualification" ? "q" : "h"}.${m[2].replace(" ", "_")}`), m[3] ? ` ${m[3]}` : "");
}
const stopList = (list) => (list.length ? h("span", list.map((x, i) => [i ? "；" : "", stopText(x)])) : "—");
const cats = (list) => (list && list.length ? h("span", list.map((c, i) => [i ? "、" : "", word("cat", c)])) : "—");
function stat(label, value, testid) {
  return h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
}
function today(offset = 0) {
  const d = new Date(Date.now() + offset * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
const dateInput = (testid, value) => h("input", { type: "date", "data-testid": testid, value });

// -- reads ----------------------------------------------------------------------------------------

export const board = () => getPlain("/v1/eldercare/board");
export const institution = (org) => getPlain(`/v1/eldercare/institutions/${enc(org)}`);
export const subsidies = async (org) => (await getPlain(`/v1/eldercare/institutions/${enc(org)}/subsidies?limit=500`)).items;
export const alerts = async (org) => (await getPlain(`/v1/eldercare/institutions/${enc(org)}/alerts`)).alerts;
export const prepayments = async (org) => (await getPlain(`/v1/eldercare/institutions/${enc(org)}/prepayments`)).prepayments;
export const account = (did) => getPlain(`/v1/eldercare/timebank/${enc(did)}`);

// -- charts ---------------------------------------------------------------------------------------

function gradeChart(rows) {
  return h("div", { "data-testid": "ec-score-chart" },
    chart(rows.map((r) => ({ x: r.name.length > 8 ? `${r.name.slice(0, 7)}…` : r.name, y: r.score })), { kind: "bar", label: t("ec.chart.score"), height: 170, integer: true }));
}
function custodyChart(rows) {
  return h("div", { "data-testid": "ec-custody-chart" },
    chart(rows.map((r) => ({ x: r.name.length > 8 ? `${r.name.slice(0, 7)}…` : r.name, y: r.limit ? Math.round((100 * r.held) / r.limit) : 0 })),
      { kind: "bar", label: t("ec.chart.custody"), unit: "%", height: 170, color: "#d9822b", integer: true }));
}

// -- the public board -----------------------------------------------------------------------------

export async function boardPage(view, args) {
  if (args && args[0]) return institutionPage(view, decodeURIComponent(args[0]));
  view.append(h("h1", t("nav.eldercare")), h("p.muted", t("ec.intro")));
  const b = await board();
  const rows = b.institutions;
  const tb = b.time_bank;
  view.append(h("div.stats.stats6", { "data-testid": "ec-stats" },
    stat(t("ec.institutions"), rows.length, "ec-n"), stat(t("ec.redlist"), rows.filter((r) => r.red).length, "ec-red"),
    stat(t("ec.subsidies"), yuan(rows.reduce((a, r) => a + r.subsidies, 0)), "ec-subsidies"),
    stat(t("ec.fit"), `${rows.reduce((a, r) => a + r.fit, 0)} / ${rows.reduce((a, r) => a + r.caregivers, 0)}`, "ec-fit"),
    stat(t("ec.tb.stored"), hours(tb.stored), "ec-stored"), stat(t("ec.tb.volunteers"), tb.volunteers, "ec-volunteers")));
  view.append(h("div.grid2", card(t("ec.chart.score"), gradeChart(rows)), card(t("ec.chart.custody"), custodyChart(rows))));
  view.append(card(t("ec.institutions"), h("p.muted.small", t("ec.gradenote")), table(
    [t("ec.name"), t("ec.grade"), t("ec.score"), t("ec.credit"), t("ec.missing"), t("ec.failing"), t("ec.subsidies"), t("ec.held"), t("ec.fit"), t("common.status")],
    rows.map((r) => [link(`#/eldercare/${enc(r.org)}`, h("span.data", r.name)), stars(r.grade), String(r.score), red(r.red), cats(r.missing), cats(r.failing),
      yuan(r.subsidies), h("span", yuan(r.held), " / ", yuan(r.limit)), `${r.fit} / ${r.caregivers}`, badgeOf("s", r.status)]),
    { "data-testid": "ec-board" })));
  view.append(card(t("ec.tb"), kv([
    [t("ec.tb.stored"), hours(tb.stored)], [t("ec.tb.earned"), hours(tb.earned)], [t("ec.tb.spent"), hours(tb.spent)], [t("ec.tb.pool"), hours(tb.pool)],
  ]), h("p.muted.small", t("ec.tbnote"))));
}

async function institutionPage(view, org) {
  const [x, subs] = await Promise.all([institution(org), subsidies(org)]);
  const i = x.institution, g = x.grade;
  view.append(h("h1", link("#/eldercare", "‹ "), h("span.data", i.name)), h("p.muted", t("ec.gradenote")));
  view.append(h("div.grid2",
    card(null, kv([
      [t("ec.grade"), stars(g.grade)], [t("ec.score"), h("b", { "data-testid": "inst-score" }, String(g.score))], [t("ec.credit"), red(g.red)],
      [t("ec.missing"), cats(g.missing)], [t("ec.uscc"), mono(i.uscc)], [t("ec.beds"), String(i.beds)], [t("ec.ownership"), word("own", i.ownership)],
      [t("common.status"), badgeOf("s", i.status)], i.closure ? [t("ec.closing"), i.closure.effective] : null,
      [t("ec.limit"), yuan(i.limit)], [t("ec.held"), yuan(i.held)], [t("ec.filed"), h("span", i.filed.date, " ", blockLink(i.filed.height))],
    ])),
    card(t("ec.subsidies"), table([t("ec.period"), t("ec.occupied"), t("ec.rate"), t("ec.amount"), t("ec.grade")],
      subs.map((s) => [s.period, String(s.occupied), yuan(s.rate), yuan(s.fen), String(s.grade)]), { "data-testid": "inst-subsidies" }))));
  view.append(card(t("ec.records"), table([t("ec.record"), t("ec.category"), t("ec.dept"), t("ec.result"), t("ec.validuntil"), t("ec.rectifyby")],
    x.records.map((r) => [mono(r.id), word("cat", r.category), h("code", r.recorded.org), h("span", badgeOf("res", r.result), r.severity !== "none" ? [" ", word("sev", r.severity)] : null),
      r.valid_until, r.rectify_by || "—"]), { "data-testid": "inst-records" })));
}

// -- 民政局's desk --------------------------------------------------------------------------------

export async function bureauPage(view) {
  view.append(h("h1", t("nav.eldercare-bureau")), h("p.muted", t("ec.bureauintro")), flashBox());
  const b = await board();
  const why = gate("officer", BUREAU);
  const redraw = () => { view.replaceChildren(); return bureauPage(view); };
  view.append(card(t("ec.chart.score"), gradeChart(b.institutions)));
  const opts = b.institutions.map((r) => [r.org, r.name]);
  // subsidies
  const inst = select("sub-inst", opts, opts.length ? opts[0][0] : "");
  const period = input("sub-period", { value: today(-31).slice(0, 7), class: "mono", maxlength: 7 });
  const occupied = input("sub-occupied", { value: "100" });
  view.append(card(t("ec.paysubsidy"), h("p.muted.small", t("ec.subsidynote")), why || txForm("subsidy", [[t("ec.institution"), inst], [t("ec.period"), period], [t("ec.occupied"), occupied]],
    t("ec.paysubsidy"), async () => {
      const { res, value } = await callContract(C, "pay_subsidy", { institution: inst.value, period: period.value.trim(), occupied: Number(occupied.value) });
      return committed(res, `${t("ec.paid")} ${yuan(value.fen)}`);
    }, redraw)));
  // caregiver alerts (signed reads)
  if (!why) {
    const lists = await Promise.all(b.institutions.map((r) => alerts(r.org).then((a) => [r, a])));
    view.append(card(t("ec.alerts"), table([t("ec.institution"), t("ec.caregiver"), t("ec.stops"), t("ec.expiring")],
      lists.flatMap(([r, a]) => a.map((x) => [h("span.data", r.name), didTag(x.caregiver), stopList(x.stops), stopList(x.expiring)])), { "data-testid": "ec-alerts" })));
  }
  // time bank: enrol an elder, grant pool minutes
  const elder = input("enrol-elder", { placeholder: "did:wuyi:…", class: "mono" });
  const guardian = input("enrol-guardian", { placeholder: "did:wuyi:…", class: "mono" });
  const basis = hashInput("enrol-basis");
  const gElder = input("grant-elder", { placeholder: "did:wuyi:…", class: "mono" });
  const gMin = input("grant-minutes", { value: "60" });
  view.append(h("div.grid2",
    card(t("ec.enrol"), h("p.muted.small", t("ec.enrolnote")), why || txForm("enrol", [[t("ec.elder"), elder], [t("ec.guardian"), guardian], [t("ec.basis"), basis]], t("ec.enrol"), async () => {
      if (!DID_RE.test(elder.value.trim())) throw new Error(t("sc.baddid"));
      const g = guardian.value.trim();
      const { res } = await callContract(C, "enrol_elder", { elder: elder.value.trim(), basis: basis.value(), guardian: g || null });
      return committed(res, t("ec.enrol"));
    }, redraw)),
    card(`${t("ec.grant")} · ${t("ec.tb.pool")} ${hours(b.time_bank.pool)}`, why || txForm("grant", [[t("ec.elder"), gElder], [t("ec.minutes"), gMin]], t("ec.grant"), async () => {
      const { res } = await callContract(C, "grant", { elder: gElder.value.trim(), minutes: Number(gMin.value) });
      return committed(res, t("ec.grant"));
    }, redraw))));
  view.append(card(t("ec.register"), why || registerForm(redraw)));
  view.append(await paramsCard(C));
}

function registerForm(redraw) {
  const org = input("reg-org", { class: "mono", maxlength: 32 });
  const name = input("reg-name", { maxlength: 60 });
  const uscc = input("reg-uscc", { class: "mono", maxlength: 18 });
  const beds = input("reg-beds", { value: "100" });
  const own = select("reg-ownership", [["public", t("ec.own.public")], ["private", t("ec.own.private")]], "private");
  const assets = input("reg-assets", { placeholder: "1000000.00" });
  const bank = select("reg-bank", [["nsyh", "nsyh"], ["zgyh", "zgyh"]], "nsyh");
  return txForm("register", [[t("ec.org"), org], [t("ec.name"), name], [t("ec.uscc"), uscc], [t("ec.beds"), beds], [t("ec.ownership"), own],
    [t("ec.limit"), assets], [t("ec.bank"), bank]], t("ec.register"), async () => {
    const { res } = await callContract(C, "register_institution", { org: org.value.trim(), name: name.value.trim(), uscc: uscc.value.trim().toUpperCase(),
      beds: Number(beds.value), ownership: own.value, net_assets: toFen(assets.value), bank: bank.value });
    return committed(res, `${t("ec.register")} ${name.value.trim()}`);
  }, redraw);
}

// -- the departments' desk ------------------------------------------------------------------------

export async function deptPage(view) {
  view.append(h("h1", t("nav.eldercare-dept")), h("p.muted", t("ec.deptintro")), flashBox());
  const b = await board();
  const why = gate("inspector");
  const redraw = () => { view.replaceChildren(); return deptPage(view); };
  const opts = b.institutions.map((r) => [r.org, r.name]);
  const inst = select("rec-inst", opts, opts.length ? opts[0][0] : "");
  const cat = select("rec-category", CATEGORIES.map((c) => [c, t(`ec.cat.${c}`)]), "fire");
  const result = select("rec-result", [["pass", t("ec.res.pass")], ["fail", t("ec.res.fail")]], "pass");
  const sev = select("rec-severity", ["none", "minor", "major"].map((s) => [s, t(`ec.sev.${s}`)]), "none");
  const until = dateInput("rec-until", today(365));
  const report = hashInput("rec-doc");
  view.append(card(t("ec.record.new"), h("p.muted.small", t("ec.recordnote")), why || txForm("record", [[t("ec.institution"), inst], [t("ec.category"), cat],
    [t("ec.result"), result], [t("ec.severity"), sev], [t("ec.validuntil"), until], [t("ec.report"), report]], t("ec.record.new"), async () => {
    const { res, value } = await callContract(C, "record_compliance", { institution: inst.value, category: cat.value, result: result.value,
      severity: sev.value, valid_until: until.value, doc: report.value() });
    return committed(res, `${t("ec.record")} ${value.id}`);
  }, redraw)));
  const qDid = input("q-did", { placeholder: "did:wuyi:…", class: "mono" });
  const level = select("q-level", LEVELS.map((l) => [l, t(`ec.lv.${l}`)]), "level4");
  const qUntil = dateInput("q-until", today(3 * 365));
  const qCert = hashInput("q-cert");
  const hDid = input("h-did", { placeholder: "did:wuyi:…", class: "mono" });
  const hOn = dateInput("h-on", today());
  const fit = h("input", { type: "checkbox", "data-testid": "h-fit", checked: true });
  const hRep = hashInput("h-report");
  view.append(h("div.grid2",
    card(t("ec.qualification"), why || txForm("qual", [[t("ec.caregiver"), qDid], [t("ec.level"), level], [t("ec.validuntil"), qUntil], [t("ec.cert"), qCert]],
      t("ec.qualification"), async () => committed((await callContract(C, "record_qualification", { caregiver: qDid.value.trim(), level: level.value,
        cert: qCert.value(), valid_until: qUntil.value })).res, t("ec.qualification")), redraw)),
    card(t("ec.health"), h("p.muted.small", t("ec.healthnote")), why || txForm("health", [[t("ec.caregiver"), hDid], [t("ec.checkedon"), hOn], [t("ec.fitq"), fit], [t("ec.report"), hRep]],
      t("ec.health"), async () => committed((await callContract(C, "record_health_check", { caregiver: hDid.value.trim(), checked_on: hOn.value,
        fit: fit.checked, report: hRep.value() })).res, t("ec.health")), redraw))));
}

// -- the institution's desk -----------------------------------------------------------------------

export async function institutionDesk(view) {
  view.append(h("h1", t("nav.eldercare-inst")), h("p.muted", t("ec.instintro")), flashBox());
  const why = gate("institution");
  if (why) { view.append(card(null, why)); return; }
  const org = session.member.org;
  const redraw = () => { view.replaceChildren(); return institutionDesk(view); };
  let x;
  try { x = await institution(org); } catch (err) {
    view.append(h("div.alert.err", { "data-testid": "not-institution" }, t("ec.notinst"), " ", h("code", org)));
    return;
  }
  const [al, pps] = await Promise.all([alerts(org), prepayments(org)]);
  const i = x.institution;
  view.append(h("div.grid2",
    card(null, h("h2", { "data-testid": "inst-name" }, h("span.data", i.name)), kv([[t("ec.grade"), stars(x.grade.grade)], [t("ec.credit"), red(x.grade.red)],
      [t("ec.missing"), cats(x.grade.missing)], [t("ec.failing"), cats(x.grade.failing)], [t("ec.caregivers"), String(i.caregivers)], [t("ec.held"), `${yuan(i.held)} / ${yuan(i.limit)}`]])),
    card(t("ec.alerts"), al.length ? table([t("ec.caregiver"), t("ec.stops"), t("ec.expiring")],
      al.map((a) => [didTag(a.caregiver), stopList(a.stops), stopList(a.expiring)]), { "data-testid": "inst-alerts" }) : h("p.muted", t("ec.noalerts")))));
  const who = input("sch-did", { placeholder: "did:wuyi:…", class: "mono" });
  const date = dateInput("sch-date", today(1));
  const shift = select("sch-shift", ["day", "evening", "night"].map((s) => [s, t(`ec.shift.${s}`)]), "day");
  const resident = input("sch-resident", { placeholder: t("ec.residentph") });
  const hireDid = input("hire-did", { placeholder: "did:wuyi:…", class: "mono" });
  view.append(h("div.grid2",
    card(t("ec.schedule"), h("p.muted.small", t("ec.schedulenote")), txForm("schedule", [[t("ec.caregiver"), who], [t("ec.date"), date], [t("ec.shift"), shift], [t("ec.resident"), resident]],
      t("ec.schedule"), async () => {
        const elder = fromHex(await hashOf(`${org}/${resident.value.trim()}`)); // the resident stays in this page
        const { res, value } = await callContract(C, "schedule", { caregiver: who.value.trim(), date: date.value, shift: shift.value, elder });
        return committed(res, `${t("ec.schedule")} ${value.id}`);
      }, redraw)),
    card(t("ec.hire"), txForm("hire", [[t("ec.caregiver"), hireDid]], t("ec.hire"), async () =>
      committed((await callContract(C, "hire", { caregiver: hireDid.value.trim() })).res, t("ec.hire")), redraw))));
  view.append(card(t("ec.prepayments"), ppTable(pps, null, null)));
  const eff = dateInput("closure-date", today(45));
  const notice = hashInput("closure-notice");
  view.append(card(t("ec.announce"), h("p.muted.small", t("ec.announcenote")), i.status === "active"
    ? txForm("closure", [[t("ec.effective"), eff], [t("ec.notice"), notice]], t("ec.announce"), async () =>
      committed((await callContract(C, "announce_closure", { effective: eff.value, notice: notice.value() })).res, t("ec.announce")), redraw)
    : h("p", badgeOf("s", i.status), i.closure ? ` ${i.closure.effective}` : "")));
}

function ppTable(pps, why, redraw) {
  return table([t("ec.pp"), t("ec.kind"), t("ec.amount"), t("ec.held"), t("ec.released"), t("ec.refunded"), ""],
    pps.map((p) => {
      let act = null;
      if (redraw && !why && p.held > 0) {
        const amt = input(`rel-${p.id}`, { placeholder: "0.00", style: "width:7em" });
        act = h("div", txForm(`release-${p.id}`, [["", amt]], t("ec.release"), async () =>
          committed((await callContract(C, "release", { prepayment: p.id, amount: toFen(amt.value) })).res, `${t("ec.release")} ${p.id}`), redraw),
        txButton(`refund-${p.id}`, t("ec.refund"), async () => committed((await callContract(C, "refund", { prepayment: p.id })).res, `${t("ec.refund")} ${p.id}`), redraw, "ghost"));
      }
      return [mono(p.id), word("fee", p.kind), yuan(p.amount), yuan(p.held), yuan(p.released), yuan(p.refunded), act];
    }), { "data-testid": "ec-prepayments" });
}

// -- the custody bank's desk ----------------------------------------------------------------------

export async function bankPage(view) {
  view.append(h("h1", t("nav.eldercare-bank")), h("p.muted", t("ec.bankintro")), flashBox());
  const why = gate("custody");
  const redraw = () => { view.replaceChildren(); return bankPage(view); };
  const b = await board();
  const names = await orgNames();
  view.append(card(t("ec.chart.custody"), custodyChart(b.institutions)));
  if (why) { view.append(card(null, why)); return; }
  const mine = [];
  for (const r of b.institutions) {
    try { mine.push([r, await prepayments(r.org)]); } catch (err) { /* not this bank's institution */ }
  }
  for (const [r, pps] of mine) {
    const payer = input(`pp-payer-${r.org}`, { placeholder: t("ec.payerph") });
    const kind = select(`pp-kind-${r.org}`, ["service", "deposit", "membership"].map((k) => [k, t(`ec.fee.${k}`)]), "deposit");
    const amt = input(`pp-amount-${r.org}`, { placeholder: "0.00" });
    view.append(card(h("span", h("span.data", r.name), " · ", orgLabel(names, r.org)), kv([[t("ec.held"), `${yuan(r.held)} / ${yuan(r.limit)}`]]),
      txForm(`prepay-${r.org}`, [[t("ec.payer"), payer], [t("ec.kind"), kind], [t("ec.amount"), amt]], t("ec.prepay"), async () => {
        const elder = fromHex(await hashOf(`bank/${payer.value.trim()}`)); // the payer stays in this page
        const { res, value } = await callContract(C, "prepay", { institution: r.org, elder, kind: kind.value, amount: toFen(amt.value) });
        return committed(res, `${t("ec.prepay")} ${value.id}`);
      }, redraw), ppTable(pps, why, redraw)));
  }
}

// -- the time bank (a person's wallet) --------------------------------------------------------------

export async function timebankPage(view) {
  view.append(h("h1", t("nav.timebank")), h("p.muted", t("ec.tbintro")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, timebankPage, t("ec.tbopen"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return timebankPage(view); };
  const x = await account(w.did);
  const a = x.account;
  view.append(h("div.grid2",
    card(null, kv([[t("ec.holder"), h("span.mono.small", { "data-testid": "tb-did" }, w.did)],
      [t("ec.balance"), h("b", { "data-testid": "tb-balance", "data-value": a.balance }, hours(a.balance))], [t("ec.pending"), hours(a.pending)],
      [t("ec.tb.earned"), hours(a.earned)], [t("ec.tb.spent"), hours(a.spent)], [t("ec.donated"), hours(a.donated)],
      [t("ec.enrolled"), x.enrolled ? t("ec.yes") : t("ec.no")]])),
    card(t("ec.chart.tb"), chart([["earned", a.earned], ["spent", a.spent], ["donated", a.donated], ["balance", a.balance]].map(([k, v]) =>
      ({ x: t(`ec.tbk.${k}`), y: Math.round(v / 6) / 10 })), { kind: "bar", label: t("ec.chart.tb"), unit: t("ec.h"), height: 150 }))));
  const mine = x.services.filter((s) => s.status === "pending" && s.elder === w.did).concat(x.to_confirm_as_guardian);
  view.append(card(t("ec.toconfirm"), mine.length ? h("div.steps-actions", { "data-testid": "tb-toconfirm" }, mine.map((s) =>
    h("article.stepbox", { "data-testid": `svc-${s.id}` }, kv([[t("ec.service"), mono(s.id)], [t("ec.kind"), word("kind", s.kind)], [t("ec.date"), s.date],
      [t("ec.minutes"), hours(s.minutes)], [t("ec.volunteer"), didTag(s.volunteer)], [t("ec.confirmby"), s.confirm_by]]),
    h("div.actions", txButton(`confirm-${s.id}`, t("ec.confirm"), async () => committed((await callContract(C, "confirm_service", { service: s.id, accept: true }, w.key)).res, `${t("ec.st.confirmed")} ${s.id}`), redraw),
      txButton(`reject-${s.id}`, t("ec.reject"), async () => committed((await callContract(C, "confirm_service", { service: s.id, accept: false }, w.key)).res, `${t("ec.st.rejected")} ${s.id}`), redraw, "ghost")))))
    : h("p.muted", t("ec.nothingtoconfirm"))));
  const elder = input("log-elder", { placeholder: "did:wuyi:…", class: "mono" });
  const kind = select("log-kind", KINDS.map((k) => [k, t(`ec.kind.${k}`)]), "companionship");
  const date = dateInput("log-date", today());
  const minutes = input("log-minutes", { value: "60" });
  const give = input("donate-minutes", { value: "30" });
  const acts = [
    card(t("ec.log"), h("p.muted.small", t("ec.lognote")), txForm("log", [[t("ec.elder"), elder], [t("ec.kind"), kind], [t("ec.date"), date], [t("ec.minutes"), minutes]], t("ec.log"), async () => {
      if (!DID_RE.test(elder.value.trim())) throw new Error(t("sc.baddid"));
      const { res, value } = await callContract(C, "log_service", { elder: elder.value.trim(), kind: kind.value, date: date.value, minutes: Number(minutes.value) }, w.key);
      return committed(res, `${t("ec.log")} ${value.id}`);
    }, redraw)),
    card(t("ec.more"), txForm("donate", [[t("ec.minutes"), give]], t("ec.donate"), async () =>
      committed((await callContract(C, "donate", { minutes: Number(give.value) }, w.key)).res, t("ec.donate")), redraw),
    h("p.muted.small", t("ec.certnote")), txButton("certify", t("ec.certify"), async () => {
      const { res, value } = await callContract(C, "certify_balance", {}, w.key);
      return committed(res, `${t("ec.cert")} ${value.id}`);
    }, redraw)),
  ];
  if (x.enrolled) {
    const rMin = input("redeem-minutes", { value: "30" });
    const provider = input("redeem-provider", { placeholder: "did:wuyi:…", class: "mono" });
    const rKind = select("redeem-kind", KINDS.map((k) => [k, t(`ec.kind.${k}`)]), "companionship");
    acts.push(card(t("ec.redeem"), txForm("redeem", [[t("ec.minutes"), rMin], [t("ec.provider"), provider], [t("ec.kind"), rKind]], t("ec.redeem"), async () =>
      committed((await callContract(C, "redeem", { minutes: Number(rMin.value), provider: provider.value.trim(), kind: rKind.value }, w.key)).res, t("ec.redeem")), redraw)));
  }
  view.append(h("div.grid2", acts));
  view.append(card(t("ec.services"), table([t("ec.service"), t("ec.kind"), t("ec.date"), t("ec.minutes"), t("ec.volunteer"), t("common.status")],
    x.services.map((s) => [mono(s.id), word("kind", s.kind), s.date, hours(s.minutes), didTag(s.volunteer), badgeOf("st", s.status)]), { "data-testid": "tb-services" })));
}

// -- what this scenario contributes -----------------------------------------------------------------

// 我的办事: the time-bank account at a glance (only for people who have one), a link to it
registerCitizenCard({
  render: async (w) => {
    const x = await account(w.did);
    const a = x.account;
    const toConfirm = x.services.filter((s) => s.status === "pending" && s.elder === w.did).length + x.to_confirm_as_guardian.length;
    if (!x.enrolled && !a.earned && !a.balance && !toConfirm) return null;
    return card(t("ec.tb"), h("div", { "data-testid": "ec-citizen" }, kv([[t("ec.balance"), hours(a.balance)], [t("ec.pending"), hours(a.pending)],
      [t("ec.toconfirm"), String(toConfirm)]]), h("p.small", link("#/timebank", t("nav.timebank")))));
  },
  link: () => "#/timebank",
  linkLabel: "nav.timebank",
});

registerParams(C, BUREAU);
registerCertificate({
  type: "TimeBankBalance",
  title: "ec.cert",
  idRe: /^CTB-\d{6}$/i,
  example: "CTB-000001",
  facts: (c) => [[t("ecert.holder"), (c.holders || []).join(", ")], [t("ec.balance"), hours((c.fields || {}).minutes || 0)], [t("ec.asof"), (c.fields || {}).as_of]],
});

export const routes = {
  eldercare: [boardPage, "public"],
  "eldercare-bureau": [bureauPage, "member"],
  "eldercare-dept": [deptPage, "member"],
  "eldercare-inst": [institutionDesk, "member"],
  "eldercare-bank": [bankPage, "member"],
  timebank: [timebankPage, "public"],
};
export const nav = [
  ["eldercare-bureau", "nav.eldercare-bureau", "member"],
  ["eldercare-dept", "nav.eldercare-dept", "member"],
  ["eldercare-inst", "nav.eldercare-inst", "member"],
  ["eldercare-bank", "nav.eldercare-bank", "member"],
  ["eldercare", "nav.eldercare", "public"],
  ["timebank", "nav.timebank", "public"],
];
export const who = {
  "eldercare-bureau": (m, r) => m.org === BUREAU && r.includes("officer"),
  "eldercare-dept": (m, r) => r.includes("inspector"),
  "eldercare-inst": (m, r) => r.includes("institution"),
  "eldercare-bank": (m, r) => r.includes("custody"),
};
