// 精准扶贫 (targeted poverty alleviation): the public page (#/poverty: totals and charts, the
// beneficiary notices with masked names and the state of each objection, each programme's funds
// flow drawn budget → programme → projects → beneficiaries, projects with their notices,
// alerts), the desks of 乡村振兴局 (#/relief-bureau: notices to approve, objections, monitoring
// cases, projects, parameters), 财政局 (#/relief-fiscal: budgets, programmes, payments), the
// village committee (#/relief-village: its households, registration with the commitment computed
// here, notices with masked names, use receipts, project notices), the departments
// (#/relief-check: the predicates to answer yes or no) and the household (#/relief-household,
// with the head's wallet). Loaded by the console shell from the registry (this folder). Writes
// are `contract.call` transactions signed in this page; the contract decides. A name or an ID
// number typed on the village's desk is hashed here and never sent.

import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { session } from "/console/static/js/api.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { card } from "/console/static/js/ui.js";
import { apiList, callContract, committed, didTag, flashBox, fromHex, gate, getPlain, h, hashInput, hashOf, input, kv, orgLabel, orgNames, paramsCard, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "poverty";
const BUREAU = "xczxj";
const FISCAL = "czj";
const enc = encodeURIComponent;
export const STATUSES = ["registered", "checking", "eligible", "excluded", "noticed", "approved"];
const PREDICATES = ["income_low", "no_vehicle", "no_business", "no_commercial_housing", "no_public_salary"];
const BOUNDS = { income_low: "income_line_fen", no_vehicle: "vehicle_max_fen" };

// -- words, badges, reads ---------------------------------------------------------------------------

/** The label `pv.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `pv.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code ?? "—")) : l;
}

const TONES = {
  registered: "b-open", checking: "b-open", eligible: "b-signed", excluded: "b-cancelled", noticed: "b-signed",
  approved: "b-active", open: "b-open", upheld: "b-cancelled", dismissed: "b-superseded", planned: "b-open",
  started: "b-signed", completed: "b-active", closed: "b-superseded",
};
const badgeOf = (code, testid) =>
  h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word("st", code));
const yes = (v) => h(`span.tag.${v ? "okt" : "badt"}`, t(v ? "pv.yes" : "pv.no"));
const stat = (label, value, testid) =>
  h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
const hashText = async (text) => fromHex(await hashOf(text));

export const overviewOf = () => getPlain("/v1/poverty/overview");
export const noticesOf = () => apiList("/v1/poverty/notices?limit=200");
export const programmesOf = () => apiList("/v1/poverty/programmes?limit=200");
export const flowOf = (id) => getPlain(`/v1/poverty/programmes/${enc(id)}/flow`);
export const projectsOf = () => apiList("/v1/poverty/projects?limit=200");
export const paymentsOf = (q = "") => apiList(`/v1/poverty/payments?limit=200${q}`);
export const alertsOf = () => apiList("/v1/poverty/alerts?limit=200");
export const householdsOf = (q = "") => apiList(`/v1/poverty/households?limit=200${q}`);

function rerun(view, fn) {
  return () => { view.replaceChildren(); return fn(view); };
}

// -- the flow picture: budget → programme → projects → payees ------------------------------------------

const NS = "http://www.w3.org/2000/svg";
function sv(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const COLORS = ["#1f5fa8", "#e07b24", "#2e9e5b", "#b8457a", "#7a5cc2", "#8c8c2a", "#3a9bb5", "#c24a3a"];

/** A Sankey-like picture of `f` (the contract's `flow`): bands as wide as the money, what is
 *  left at each level in grey. */
export function flowSvg(f) {
  const W = 900, NW = 12, X = [8, 210, 412, 614], GAP = 10, SCALE_H = 260, LABEL_H = 30;
  const prog = f.programme;
  const k = SCALE_H / Math.max(1, Number(prog.amount));
  const hgt = (v) => Math.max(3, Number(v) * k);
  // column 2: the projects, then what the programme has not given to projects
  const col2 = f.projects.map((p, i) => ({ p, v: Number(p.amount), color: COLORS[i % COLORS.length] }));
  const unalloc = Number(prog.amount) - Number(prog.allocated);
  // column 3: each project's payees, then what it has not paid
  const col3 = [];
  for (const n of col2) {
    for (const x of n.p.payees) col3.push({ from: n, v: Number(x.amount), label: x.label, x, color: n.color });
    const left = Number(n.p.amount) - Number(n.p.paid);
    if (left > 0) col3.push({ from: n, v: left, label: t("pv.unpaid"), rest: true, color: "#bbb" });
  }
  let y = 20;
  for (const n of col2) { n.y = y; n.h = hgt(n.v); n.used = 0; y += Math.max(n.h, LABEL_H) + GAP; }
  const unallocNode = unalloc > 0 ? { y, h: hgt(unalloc) } : null;
  const h2 = (unallocNode ? y + unallocNode.h : y) + 10;
  let y3 = 20;
  for (const x of col3) { x.y = y3; x.h = hgt(x.v); y3 += Math.max(x.h, LABEL_H) + 4; }
  const H = Math.max(h2, y3 + 10, SCALE_H + 60);
  const svg = sv("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart pv-flow", role: "img", "aria-label": t("pv.flow") });
  const band = (x1, y1, h1, x2, y2, h2_, color, title) => {
    const m = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${m},${y1} ${m},${y2} ${x2},${y2} L${x2},${y2 + h2_} C${m},${y2 + h2_} ${m},${y1 + h1} ${x1},${y1 + h1} Z`;
    const p = sv("path", { d, fill: color, "fill-opacity": 0.35 });
    p.append(sv("title", {}, title));
    svg.append(p);
  };
  const node = (x, y0, hh, color, label, sub, title) => {
    const r = sv("rect", { x, y: y0, width: NW, height: hh, fill: color, rx: 2 });
    r.append(sv("title", {}, title || `${label} ${sub}`));
    const short = label.length > 16 ? `${label.slice(0, 15)}…` : label;
    svg.append(r, sv("text", { x: x + NW + 4, y: y0 + 11, class: "axis" }, short));
    if (sub) svg.append(sv("text", { x: x + NW + 4, y: y0 + 24, class: "axis" }, sub));
  };
  const progH = hgt(prog.amount);
  // budget → programme
  band(X[0] + NW, 20, progH, X[1], 20, progH, "#1f5fa8", `${f.budget.id} → ${prog.id}: ${yuan(prog.amount)}`);
  node(X[0], 20, progH, "#1f5fa8", `${t("pv.budget")} ${f.budget.id}`, yuan(f.budget.amount));
  node(X[1], 20, progH, "#174a84", prog.name, yuan(prog.amount));
  // programme → projects
  let py = 20;
  for (const n of col2) {
    band(X[1] + NW, py, n.h, X[2], n.y, n.h, n.color, `${prog.id} → ${n.p.id}: ${yuan(n.v)}`);
    py += n.h;
    node(X[2], n.y, n.h, n.color, n.p.name, `${yuan(n.p.paid)} / ${yuan(n.p.amount)}`);
  }
  if (unallocNode) {
    band(X[1] + NW, py, unallocNode.h, X[2], unallocNode.y, unallocNode.h, "#bbb", `${t("pv.unallocated")}: ${yuan(unalloc)}`);
    node(X[2], unallocNode.y, unallocNode.h, "#bbb", t("pv.unallocated"), yuan(unalloc));
  }
  // projects → payees
  for (const x of col3) {
    const n = x.from;
    band(X[2] + NW, n.y + n.used, x.h, X[3], x.y, x.h, x.color, `${n.p.id} → ${x.label}: ${yuan(x.v)}`);
    n.used += x.h;
    const sub = x.rest ? yuan(x.v) : `${yuan(x.v)} · ${x.x.payments}${t("pv.times")}`;
    node(X[3], x.y, x.h, x.color, x.label, sub);
  }
  return svg;
}

// -- the public page ------------------------------------------------------------------------------------

function noticeCard(n, names) {
  const entries = table([t("pv.household"), t("pv.masked"), t("pv.size"), t("common.status")],
    n.entries.map((e, i) => [h("span.mono", e.household), h("b.data", e.masked), String(e.size),
      badgeOf(n.statuses[i], `pv-entry-${e.household}`)]),
    { "data-testid": `pv-notice-${n.id}` });
  const objections = n.objections.length
    ? table([t("pv.objection"), t("pv.household"), t("pv.reason"), t("pv.filed"), t("common.status")],
      n.objections.map((o) => [h("span.mono", o.id), h("span.mono", o.household), word("or", o.reason), o.date,
        badgeOf(o.status, `pv-objection-${o.id}`)]))
    : h("p.muted.small", t("pv.noobjection"));
  return card(h("span", t("pv.notice"), " ", h("span.mono", n.id), " · ", orgLabel(names, n.village), " ", badgeOf(n.status, `pv-nstatus-${n.id}`)),
    kv([[t("pv.runs"), h("span", { "data-testid": `pv-runs-${n.id}` }, `${n.start} — ${n.ends}（${n.days} ${t("pv.days")}）`)],
      [t("pv.approveby"), n.approve_by], [t("pv.listhash"), h("span.mono.small", String(n.list_hash).slice(0, 16) + "…")]]),
    entries, h("h3", t("pv.objections")), objections);
}

export async function publicPage(view) {
  view.append(h("h1", t("nav.poverty")), h("p.muted", t("pv.intro")));
  const [o, notices, programmes, projects, alerts, names] = await Promise.all([
    overviewOf(), noticesOf(), programmesOf(), projectsOf(), alertsOf(), orgNames()]);
  const hs = o.households;
  view.append(h("div.stats.stats6", { "data-testid": "pv-stats" },
    stat(t("pv.approvedn"), hs.approved || 0, "pv-approved"), stat(t("pv.excludedn"), hs.excluded || 0, "pv-excluded"),
    stat(t("pv.budgetsum"), yuan(o.budget), "pv-budget"), stat(t("pv.paidsum"), yuan(o.paid), "pv-paid"),
    stat(t("pv.alertsn"), o.alerts, "pv-alerts"), stat(t("pv.casesn"), o.open_cases, "pv-cases")));
  view.append(h("div.grid2",
    card(t("pv.chart.status"), h("div", { "data-testid": "pv-status-chart" },
      chart(STATUSES.filter((s) => hs[s]).map((s) => ({ x: t(`pv.st.${s}`), y: Number(hs[s]) })),
        { kind: "bar", label: t("pv.chart.status"), height: 160, integer: true }))),
    card(t("pv.chart.money"), h("div", { "data-testid": "pv-money-chart" },
      chart([["pv.budgetsum", o.budget], ["pv.toprogrammes", o.programmes], ["pv.toprojects", o.projects], ["pv.paidsum", o.paid]]
        .map(([k, v]) => ({ x: t(k), y: Number(v) / 1000000 })), { kind: "bar", label: t("pv.chart.money"), height: 160, unit: t("pv.wan") })))));
  view.append(h("h2", t("pv.notices")));
  if (!notices.length) view.append(card(null, h("p.muted", t("pv.nonotice"))));
  for (const n of notices) view.append(noticeCard(n, names));
  view.append(h("h2", t("pv.flows")));
  for (const g of programmes) {
    const f = await flowOf(g.id);
    view.append(card(h("span", t("pv.programme"), " ", h("span.mono", g.id), " · ", h("span.data", g.name)),
      kv([[t("pv.source"), word("src", g.source)], [t("pv.year"), String(g.year)],
        [t("pv.amount"), `${yuan(g.amount)} · ${t("pv.toprojects")} ${yuan(g.allocated)} · ${t("pv.paidsum")} ${yuan(g.paid)}`],
        [t("pv.purposes"), h("span", g.purposes.map((p) => [word("pu", p), " "]))]]),
      h("div", { "data-testid": `pv-flow-${g.id}` }, flowSvg(f))));
  }
  view.append(card(t("pv.projects"), table(
    [t("pv.project"), t("pv.name"), t("pv.village"), t("pv.purpose"), t("pv.kind"), t("pv.amount"), t("pv.paidsum"),
      t("pv.targets"), t("pv.pnotices"), t("common.status")],
    projects.map((p) => [h("span.mono", p.id), h("span.data", p.name), orgLabel(names, p.village), word("pu", p.purpose),
      word("kind", p.kind), yuan(p.amount), yuan(p.allocated),
      h("span", h("span.data.small", p.targets), h("div.small", h("span.data", p.mechanism))),
      h("span.small", ["start", "done"].map((ph) => p.notices[ph] ? h("div", `${t(`pv.ph.${ph}`)} ${p.notices[ph].date}`) : null)),
      badgeOf(p.status, `pv-pstatus-${p.id}`)]),
    { "data-testid": "pv-projects" })));
  view.append(card(t("pv.alerts"), alerts.length ? table([t("pv.alertkind"), t("pv.subject"), t("pv.amount"), t("pv.since")],
    alerts.map((a) => [word("al", a.kind), h("span.mono", a.id), yuan(a.amount), a.since]), { "data-testid": "pv-alerts-list" })
    : h("p.muted.small", { "data-testid": "pv-alerts-list" }, t("pv.noalert"))));
}

// -- 乡村振兴局 ------------------------------------------------------------------------------------------

export async function bureauPage(view) {
  view.append(h("h1", t("nav.reliefbureau")), h("p.muted", t("pv.bureauintro")), flashBox());
  const why = gate("bureau", BUREAU);
  if (why) { view.append(card(null, why)); return; }
  const redraw = rerun(view, bureauPage);
  const [notices, objections, cases, programmes, names] = await Promise.all([
    noticesOf(), apiList("/v1/poverty/objections?limit=200"), apiList("/v1/poverty/cases?limit=200"), programmesOf(), orgNames()]);
  const approve = (n) => txButton(`pv-approve-${n.id}`, t("pv.approve"),
    async () => committed((await callContract(C, "approve_notice", { notice: n.id })).res, `${t("pv.approve")} ${n.id}`), redraw);
  view.append(card(t("pv.toapprove"), table(
    [t("pv.notice"), t("pv.village"), t("pv.runs"), t("pv.entries"), t("pv.objections"), ""],
    notices.filter((n) => n.status === "open").map((n) => [h("span.mono", n.id), orgLabel(names, n.village), `${n.start} — ${n.ends}`,
      h("span", n.entries.map((e) => [h("span.data", e.masked), " "])),
      `${n.objections.filter((o) => o.status === "open").length} / ${n.objections.length}`, approve(n)]),
    { "data-testid": "pv-toapprove" })));
  const resolve = (o, upheld) => txButton(`pv-resolve-${o.id}-${upheld ? "up" : "no"}`, t(upheld ? "pv.uphold" : "pv.dismiss"),
    async () => committed((await callContract(C, "resolve_objection",
      { objection: o.id, upheld, finding: await hashText(`调查核实 ${o.id} ${upheld}`) })).res, o.id), redraw, upheld ? "primary" : "ghost");
  view.append(card(t("pv.objections"), table(
    [t("pv.objection"), t("pv.notice"), t("pv.household"), t("pv.reason"), t("pv.objector"), t("common.status"), ""],
    objections.map((o) => [h("span.mono", o.id), h("span.mono", o.notice), h("span.mono", o.household), word("or", o.reason),
      o.objector ? didTag(o.objector) : t("pv.onpaper"), badgeOf(o.status),
      o.status === "open" ? h("span", resolve(o, true), resolve(o, false)) : null]),
    { "data-testid": "pv-objections" })));
  const close = (c) => txButton(`pv-close-${c.id}`, t("pv.assisted"),
    async () => committed((await callContract(C, "close_case", { case: c.id, outcome: "assisted", record: await hashText(`帮扶 ${c.id}`) })).res, c.id), redraw);
  view.append(card(t("pv.cases"), table(
    [t("pv.case"), t("pv.household"), t("pv.village"), t("pv.flagkind"), t("pv.opened"), t("common.status"), ""],
    cases.map((c) => [h("span.mono", c.id), h("span.mono", c.household), orgLabel(names, c.village), word("fl", c.kind),
      c.opened.date, badgeOf(c.status), c.status === "open" ? close(c) : word("oc", c.outcome)]),
    { "data-testid": "pv-cases" })));
  // a project under a programme (its notice content)
  const f = {
    programme: select("pv-p-programme", programmes.map((g) => [g.id, `${g.id} ${g.name}`])),
    name: input("pv-p-name", { maxlength: 60 }),
    village: input("pv-p-village", { value: "tscwh", class: "mono" }),
    amount: input("pv-p-amount", { placeholder: t("pv.yuanph") }),
    purpose: select("pv-p-purpose", ["industry", "employment", "infrastructure", "education", "safe_housing", "medical"].map((p) => [p, t(`pv.pu.${p}`)])),
    kind: select("pv-p-kind", [["household", t("pv.kind.household")], ["vendor", t("pv.kind.vendor")]]),
    implementer: input("pv-p-implementer", { maxlength: 60 }),
    responsible: input("pv-p-responsible", { maxlength: 60 }),
    targets: input("pv-p-targets", { maxlength: 200 }),
    mechanism: input("pv-p-mechanism", { maxlength: 200 }),
  };
  view.append(card(t("pv.newproject"), txForm("pv-project", [
    [t("pv.programme"), f.programme], [t("pv.name"), f.name], [t("pv.village"), f.village], [t("pv.amount"), f.amount],
    [t("pv.purpose"), f.purpose], [t("pv.kind"), f.kind], [t("pv.implementer"), f.implementer],
    [t("pv.responsible"), f.responsible], [t("pv.targets"), f.targets], [t("pv.mechanism"), f.mechanism]],
  t("pv.create"), async () => {
    const args = { programme: f.programme.value, name: f.name.value.trim(), village: f.village.value.trim(),
      amount: toFen(f.amount.value), purpose: f.purpose.value, kind: f.kind.value, implementer: f.implementer.value.trim(),
      responsible: f.responsible.value.trim(), targets: f.targets.value.trim(), mechanism: f.mechanism.value.trim() };
    const { res, value } = await callContract(C, "create_project", args);
    return committed(res, `${t("pv.project")} ${value ? value.id : ""}`);
  }, redraw)));
  view.append(await paramsCard(C));
}

// -- 财政局 ----------------------------------------------------------------------------------------------

export async function fiscalPage(view) {
  view.append(h("h1", t("nav.relieffiscal")), h("p.muted", t("pv.fiscalintro")), flashBox());
  const why = gate("fiscal", FISCAL);
  if (why) { view.append(card(null, why)); return; }
  const redraw = rerun(view, fiscalPage);
  const [budgets, programmes, projects, notices, names] = await Promise.all([
    apiList("/v1/poverty/budgets?limit=200"), programmesOf(), projectsOf(), noticesOf(), orgNames()]);
  view.append(card(t("pv.budgets"), table([t("pv.budget"), t("pv.source"), t("pv.year"), t("pv.amount"), t("pv.left")],
    budgets.map((b) => [h("span.mono", b.id), word("src", b.source), String(b.year), yuan(b.amount), yuan(b.amount - b.allocated)]),
    { "data-testid": "pv-budgets" })));
  view.append(card(t("pv.programmes"), table([t("pv.programme"), t("pv.name"), t("pv.amount"), t("pv.left"), t("pv.paidsum")],
    programmes.map((g) => [h("span.mono", g.id), h("span.data", g.name), yuan(g.amount), yuan(g.amount - g.allocated), yuan(g.paid)]),
    { "data-testid": "pv-programmes" })));
  const src = select("pv-b-source", ["central_link", "provincial", "city", "integrated"].map((s) => [s, t(`pv.src.${s}`)]));
  const year = input("pv-b-year", { value: String(new Date().getFullYear()) });
  const bamount = input("pv-b-amount", { placeholder: t("pv.yuanph") });
  const bdoc = hashInput("pv-b-doc");
  view.append(card(t("pv.openbudget"), txForm("pv-budget", [[t("pv.source"), src], [t("pv.year"), year], [t("pv.amount"), bamount], [t("pv.doc"), bdoc]],
    t("pv.open"), async () => committed((await callContract(C, "open_budget",
      { source: src.value, year: Number(year.value), amount: toFen(bamount.value), doc: bdoc.value() })).res, t("pv.openbudget")), redraw)));
  // pay an approved beneficiary of the project's village (from the public notices)
  const approved = [];
  for (const n of notices) n.entries.forEach((e, i) => { if (n.statuses[i] === "approved") approved.push({ ...e, village: n.village }); });
  const started = projects.filter((p) => p.status === "started");
  const proj = select("pv-pay-project", started.filter((p) => p.kind === "household").map((p) => [p.id, `${p.id} ${p.name} (${yuan(p.amount - p.allocated)})`]));
  const hh = select("pv-pay-household", approved.map((e) => [e.household, `${e.household} ${e.masked} · ${orgLabel(names, e.village)}`]));
  const pamount = input("pv-pay-amount", { placeholder: t("pv.yuanph") });
  view.append(card(t("pv.pay"), txForm("pv-pay", [[t("pv.project"), proj], [t("pv.household"), hh], [t("pv.amount"), pamount]],
    t("pv.paybtn"), async () => {
      const { res, value } = await callContract(C, "disburse", { project: proj.value, household: hh.value, amount: toFen(pamount.value),
        ref: await hashText(`一卡通 ${proj.value} ${hh.value} ${pamount.value} ${Date.now()}`) });
      return committed(res, `${t("pv.payment")} ${value ? value.id : ""}`);
    }, redraw)));
  const vproj = select("pv-vendor-project", started.filter((p) => p.kind === "vendor").map((p) => [p.id, `${p.id} ${p.name}`]));
  const vendor = input("pv-vendor-name", { maxlength: 60 });
  const vamount = input("pv-vendor-amount", { placeholder: t("pv.yuanph") });
  const invoice = hashInput("pv-vendor-invoice");
  view.append(card(t("pv.payvendor"), txForm("pv-vendor", [[t("pv.project"), vproj], [t("pv.vendor"), vendor], [t("pv.amount"), vamount], [t("pv.invoice"), invoice]],
    t("pv.paybtn"), async () => committed((await callContract(C, "pay_vendor", { project: vproj.value, vendor: vendor.value.trim(),
      amount: toFen(vamount.value), invoice: invoice.value() })).res, t("pv.payvendor")), redraw)));
}

// -- the village committee ---------------------------------------------------------------------------------

/** The commitment of a household, computed here as the SDK does (the name and the ID number
 *  are never sent). */
export async function commitmentOf(idNumber, name, salt) {
  const enc8 = (s) => new TextEncoder().encode(s);
  const parts = [enc8("wuyi/poverty/household\0"), enc8(idNumber), new Uint8Array([0]), enc8(name), new Uint8Array([0]), salt];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { all.set(p, i); i += p.length; }
  return fromHex(await hashOf(all));
}

/** The masked form of a name (张*明, 李*), as the SDK's mask_name. */
export function maskName(name) {
  const s = [...name.trim()];
  if (s.length < 2) return "";
  if (s.length === 2) return `${s[0]}*`;
  return s[0] + "*".repeat(Math.min(s.length - 2, 2)) + s[s.length - 1];
}

export async function villagePage(view) {
  view.append(h("h1", t("nav.reliefvillage")), h("p.muted", t("pv.villageintro")), flashBox());
  const why = gate("village");
  if (why) { view.append(card(null, why)); return; }
  const org = session.member.org;
  const redraw = rerun(view, villagePage);
  const [mine, projects, payments, names] = await Promise.all([
    householdsOf(`&village=${enc(org)}`), projectsOf(), paymentsOf(), orgNames()]);
  view.append(card(h("span", t("pv.ourhouseholds"), " · ", orgLabel(names, org)), table(
    [t("pv.household"), t("pv.head"), t("pv.size"), t("pv.checks"), t("pv.exclusions"), t("pv.masked"), t("common.status")],
    mine.map((x) => [h("span.mono", x.id), didTag(x.did), String(x.size), `${Object.keys(x.checks).length} / ${PREDICATES.length}`,
      h("span", x.exclusions.map((e) => [word("ex", e.reason), " "])), x.masked ? h("span.data", x.masked) : "—",
      badgeOf(x.status, `pv-hh-${x.id}`)]),
    { "data-testid": "pv-ourhouseholds" })));
  // register: the commitment computed here from the ID number, the name and a fresh salt
  const did = input("pv-r-did", { class: "mono", placeholder: "did:wuyi:…" });
  const name = input("pv-r-name", { maxlength: 8, autocomplete: "off" });
  const idno = input("pv-r-idno", { maxlength: 18, autocomplete: "off" });
  const size = input("pv-r-size", { value: "1" });
  view.append(card(t("pv.register"), h("p.muted.small", t("pv.registernote")), txForm("pv-register",
    [[t("pv.headdid"), did], [t("pv.headname"), name], [t("pv.idno"), idno], [t("pv.size"), size]], t("pv.registerbtn"), async () => {
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const commitment = await commitmentOf(idno.value.trim(), name.value.trim(), salt);
      const { res, value } = await callContract(C, "register_household", { did: did.value.trim(), commitment, size: Number(size.value) });
      const saltHex = [...salt].map((b) => b.toString(16).padStart(2, "0")).join("");
      name.value = ""; idno.value = "";
      return `${committed(res, `${t("pv.household")} ${value ? value.id : ""}`)} · ${t("pv.keepsalt")} ${saltHex}`;
    }, redraw)));
  // post a notice: the eligible households with the masked names the village enters
  const eligible = mine.filter((x) => x.status === "eligible");
  const rows = eligible.map((x) => ({ x, pick: h("input", { type: "checkbox", checked: true, "data-testid": `pv-pick-${x.id}` }),
    mask: input(`pv-mask-${x.id}`, { maxlength: 4, placeholder: "张*明" }) }));
  view.append(card(t("pv.postnotice"), h("p.muted.small", t("pv.masknote")),
    table([t("pv.household"), t("pv.size"), t("pv.masked"), ""], rows.map((r) => [h("span.mono", r.x.id), String(r.x.size), r.mask, r.pick]),
      { "data-testid": "pv-eligible" }),
    txForm("pv-notice", [], t("pv.post"), async () => {
      const chosen = rows.filter((r) => r.pick.checked);
      const masked = chosen.map((r) => r.mask.value.trim());
      const doc = await hashText(`扶贫对象公示 ${org} ${masked.join(",")} ${Date.now()}`);
      const { res, value } = await callContract(C, "post_notice", { households: chosen.map((r) => r.x.id), masked, doc });
      return committed(res, `${t("pv.notice")} ${value ? value.id : ""}`);
    }, redraw)));
  // use receipts of this village's payments
  const ours = payments.filter((p) => p.village === org);
  const receipt = (p) => txButton(`pv-use-${p.id}`, t("pv.recorduse"),
    async () => committed((await callContract(C, "record_use", { payment: p.id, receipt: await hashText(`使用凭证 ${p.id} ${Date.now()}`) })).res, p.id), redraw);
  view.append(card(t("pv.payments"), table([t("pv.payment"), t("pv.project"), t("pv.payee"), t("pv.amount"), t("pv.paidon"), t("pv.receipt")],
    ours.map((p) => [h("span.mono", p.id), h("span.mono", p.project), h("span.data", p.payee), yuan(p.amount), p.paid.date,
      p.receipt ? h("span", { "data-testid": `pv-receipt-${p.id}` }, p.receipt.date) : receipt(p)]),
    { "data-testid": "pv-payments" })));
  const pnotice = (p, phase) => txButton(`pv-pn-${p.id}-${phase}`, t(`pv.ph.${phase}`),
    async () => committed((await callContract(C, "post_project_notice", { project: p.id, phase, doc: await hashText(`项目公告 ${p.id} ${phase} ${Date.now()}`) })).res, p.id), redraw, "ghost");
  view.append(card(t("pv.projects"), table([t("pv.project"), t("pv.name"), t("pv.amount"), t("pv.paidsum"), t("common.status"), ""],
    projects.filter((p) => p.village === org).map((p) => [h("span.mono", p.id), h("span.data", p.name), yuan(p.amount), yuan(p.allocated),
      badgeOf(p.status), p.status === "planned" ? pnotice(p, "start") : p.status === "started" ? pnotice(p, "done") : null]),
    { "data-testid": "pv-ourprojects" })));
}

// -- the departments ---------------------------------------------------------------------------------------

export async function checkPage(view) {
  view.append(h("h1", t("nav.reliefcheck")), h("p.muted", t("pv.checkintro")), flashBox());
  const why = gate("checker");
  if (why) { view.append(card(null, why)); return; }
  const org = session.member.org;
  const redraw = rerun(view, checkPage);
  const [param, households] = await Promise.all([getPlain("/v1/scenarios/poverty/params"), householdsOf("&status=checking")]);
  const values = Object.fromEntries((param.params || []).map((p) => [p.name, p.value]));
  const mine = Object.entries(values.checks || {}).filter(([, depts]) => depts.includes(org)).map(([p]) => p);
  const todo = [];
  for (const x of households) for (const p of mine) if (!x.checks[p]) todo.push({ x, p });
  const reasons = values.exclusion_reasons || [];
  const boundOf = (p) => (BOUNDS[p] ? values[BOUNDS[p]] : null);
  const answer = (row, ok) => {
    const reason = ok ? null : select(`pv-why-${row.x.id}-${row.p}`, reasons.map((r) => [r, t(`pv.ex.${r}`)]));
    const btn = txButton(`pv-ans-${row.x.id}-${row.p}-${ok ? "yes" : "no"}`, t(ok ? "pv.yes" : "pv.no"), async () => {
      const args = { household: row.x.id, predicate: row.p, ok, reason: ok ? "" : reason.value, bound: boundOf(row.p),
        record: await hashText(`${org} 核对 ${row.x.id} ${row.p} ${Date.now()}`) };
      return committed((await callContract(C, "answer", args)).res, `${row.x.id} ${t(`pv.pr.${row.p}`)}`);
    }, redraw, ok ? "primary" : "ghost");
    return h("span", reason, btn);
  };
  view.append(card(t("pv.toanswer"), table([t("pv.household"), t("pv.predicate"), t("pv.bound"), t("pv.consented"), "", ""],
    todo.map((row) => [h("span.mono", row.x.id), word("pr", row.p), boundOf(row.p) === null ? "—" : yuan(boundOf(row.p)),
      row.x.consent.date, answer(row, true), answer(row, false)]),
    { "data-testid": "pv-toanswer" })));
}

// -- the household (its head's wallet) ------------------------------------------------------------------------

export async function householdPage(view) {
  view.append(h("h1", t("nav.reliefhousehold")), h("p.muted", t("pv.householdintro")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, householdPage, t("pv.openwallet"));
    return;
  }
  const redraw = rerun(view, householdPage);
  const [list, names] = await Promise.all([householdsOf(`&did=${enc(w.did)}`), orgNames()]);
  if (!list.length) { view.append(h("div.alert.err", { "data-testid": "pv-nohousehold" }, t("pv.nohousehold"), " ", didTag(w.did))); return; }
  const x = list[0];
  const consent = txButton("pv-consent", t("pv.consent"),
    async () => committed((await callContract(C, "consent", { household: x.id }, w.key)).res, t("pv.consent")), redraw);
  view.append(card(h("span", t("pv.household"), " ", h("span.mono", x.id)), kv([
    [t("pv.village"), orgLabel(names, x.village)], [t("pv.size"), String(x.size)],
    [t("common.status"), badgeOf(x.status, "pv-my-status")],
    [t("pv.consented"), x.consent ? x.consent.date : consent],
    [t("pv.masked"), x.masked ? h("span.data", x.masked) : "—"],
    [t("pv.received"), h("span", { "data-testid": "pv-my-received" }, `${yuan(x.received)} · ${x.payments}${t("pv.times")}`)],
  ])));
  view.append(card(t("pv.checks"), table([t("pv.predicate"), t("pv.dept"), t("pv.answer"), t("pv.reason"), t("pv.date")],
    PREDICATES.map((p) => {
      const a = x.checks[p];
      return [word("pr", p), a ? orgLabel(names, a.org) : "—", a ? yes(a.ok) : h("span.tag.warnt", t("pv.waiting")),
        a && a.reason ? word("ex", a.reason) : "—", a ? a.date : "—"];
    }), { "data-testid": "pv-my-checks" })));
  if (x.exclusions.length) {
    view.append(card(t("pv.exclusions"), table([t("pv.predicate"), t("pv.reason"), t("pv.dept")],
      x.exclusions.map((e) => [e.predicate === "notice" ? t("pv.notice") : word("pr", e.predicate), word("ex", e.reason), orgLabel(names, e.dept)]),
      { "data-testid": "pv-my-exclusions" })));
  }
  view.append(card(t("pv.payments"), table([t("pv.payment"), t("pv.project"), t("pv.amount"), t("pv.paidon"), t("pv.receipt")],
    (x.payment_list || []).map((p) => [h("span.mono", p.id), h("span.mono", p.project), yuan(p.amount), p.paid.date, p.receipt ? p.receipt.date : "—"]),
    { "data-testid": "pv-my-payments" })));
}

// -- what this scenario contributes ------------------------------------------------------------------------------

registerParams(C, BUREAU);

export const routes = {
  poverty: [publicPage, "public"],
  "relief-bureau": [bureauPage, "member"],
  "relief-fiscal": [fiscalPage, "member"],
  "relief-village": [villagePage, "member"],
  "relief-check": [checkPage, "member"],
  "relief-household": [householdPage, "public"],
};
export const nav = [
  ["poverty", "nav.poverty", "public"],
  ["relief-bureau", "nav.reliefbureau", "member"],
  ["relief-fiscal", "nav.relieffiscal", "member"],
  ["relief-village", "nav.reliefvillage", "member"],
  ["relief-check", "nav.reliefcheck", "member"],
  ["relief-household", "nav.reliefhousehold", "public"],
];
export const who = {
  "relief-bureau": (m, r) => m.org === BUREAU && r.includes("bureau"),
  "relief-fiscal": (m, r) => m.org === FISCAL && r.includes("fiscal"),
  "relief-village": (m, r) => r.includes("village"),
  "relief-check": (m, r) => r.includes("checker"),
};
