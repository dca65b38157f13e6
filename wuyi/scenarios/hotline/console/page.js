// 12345 热线 (the citizen hotline): the public board (#/hotline-board: department scores in tiers,
// never a ranking, and the statistics of tickets as charts, counts only), the hotline centre's
// desk (#/hotline: take a call — its content and the caller's phone hashed in this page with a
// salt the centre keeps, never sent — accept, dispatch along the catalogue, review returns and
// extensions, reassign, merge, revisit, redo, close; #/hotline/<id>: one ticket with its
// transitions), the unit's desk (#/hotline-unit: sign off, handle, reply, ask for a return or
// an extension) and the caller's card on 我的办事 (#/citizen: follow one's tickets, rate the
// answer, lodge a request online). Loaded by the console shell from the registry. Every write is
// a `contract.call` signed in this page; the contract decides.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { card } from "/console/static/js/ui.js";
import { apiList, blockLink, callContract, committed, deadlineTag, DID_RE, didTag, districtName, flashBox, fmtTime, fromHex, gate, getPlain, h, hashOf, input, kv, link, orgLabel, orgNames, params, paramsCard, registerCitizenCard, registerParams, select, table, txButton, txForm } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "hotline";
const CENTRE = "rx12345";
const enc = encodeURIComponent;
export const CATEGORIES = ["consult", "help", "suggest", "complaint", "report"];
export const RESULTS = ["satisfied", "basic", "unsatisfied"];
const CLOSE_REASONS = ["redo_exhausted", "unreasonable", "withdrawn"];
const STATUSES = ["received", "accepted", "dispatched", "signed", "handling", "return_requested", "replied", "revisited", "closed", "merged"];
const DONE = ["closed", "merged"];
const TIERS = ["A", "B", "C", "D", "pending"];

// -- words, badges, deadlines -------------------------------------------------------------------------

/** The label `hl.<group>.<code>`, or the code itself as data. */
export function word(group, code) {
  const key = `hl.${group}.${code}`;
  const l = t(key);
  return l === key ? h("code", String(code)) : l;
}

const TONES = {
  received: "b-open", accepted: "b-open", dispatched: "b-signed", signed: "b-signed", handling: "b-signed", return_requested: "b-cancelled",
  replied: "b-active", revisited: "b-active", closed: "b-superseded", merged: "b-superseded",
  A: "b-active", B: "b-active", C: "b-signed", D: "b-cancelled", pending: "b-open",
  satisfied: "b-active", basic: "b-signed", unsatisfied: "b-cancelled",
};

export function badgeOf(group, code, testid) {
  return h(`span.badge.${TONES[code] || "b-open"}`, testid ? { "data-testid": testid, "data-value": code } : {}, word(group, code));
}

/** A deadline (a local date): the days left, or overdue. */
export const deadline = (date, done) => deadlineTag(date, done, { overdue: "hl.overdue", left: "hl.left", days: "hl.days" }, 1);

const permille = (v) => (v === null || v === undefined ? "—" : `${(v / 10).toFixed(1)}%`);
const mono = (x) => h("span.mono", String(x ?? "—"));

/** A fresh salt (hex) and the salted hash of a text, computed in this page: the text is never
 *  sent, the centre keeps the salt with its record. */
export function newSalt() {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
export const sealText = async (salt, text) => fromHex(await hashOf(`wuyi-hotline:${salt}:${text}`));

// -- reads ----------------------------------------------------------------------------------------------

export const scores = (period = "") => getPlain(`/v1/hotline/scores${period ? `?period=${enc(period)}` : ""}`);
export const statistics = () => getPlain("/v1/hotline/statistics");
export const tickets = (q = "") => apiList(`/v1/hotline/tickets?limit=500${q}`);
export const ticket = (id) => getPlain(`/v1/hotline/tickets/${enc(id)}`);
async function catalogue() {
  const ps = Object.fromEntries((await params(C)).map((p) => [p.name, p.value]));
  return { map: ps.catalogue || {}, streets: ps.street_units || [], reasons: ps.return_reasons || [] };
}

// -- the public board ------------------------------------------------------------------------------------

function stat(label, value, testid) {
  return h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));
}

const countChart = (obj, group, label, testid, keys) => h("div", { "data-testid": testid },
  chart((keys || Object.keys(obj).sort()).map((k) => ({ x: group ? t(`hl.${group}.${k}`) : k, y: Number(obj[k] || 0) })),
    { kind: "bar", label, height: 160, integer: true }));

export async function boardPage(view, args, query) {
  const period = query.get("period") || "";
  view.append(h("h1", t("nav.hotline-board")), h("p.muted", t("hl.boardintro")));
  const [board, st, names] = await Promise.all([scores(period), statistics(), orgNames()]);
  const open = STATUSES.filter((s) => !DONE.includes(s) && s !== "replied" && s !== "revisited").reduce((a, s) => a + (st.status[s] || 0), 0);
  const rated = RESULTS.reduce((a, r) => a + st.results[r], 0);
  view.append(h("div.stats.stats6", { "data-testid": "hl-stats" },
    stat(t("hl.total"), st.total, "hl-total"), stat(t("hl.open"), open, "hl-open"), stat(t("hl.st.closed"), st.status.closed || 0, "hl-closed"),
    stat(t("hl.ontime"), st.on_time, "hl-ontime"), stat(t("hl.late"), st.late, "hl-late"),
    stat(t("hl.satisfaction"), rated ? `${Math.round((100 * (st.results.satisfied + st.results.basic)) / rated)}%` : "—", "hl-satisfaction")));
  const months = Object.keys(st.month).sort();
  const chips = h("div.filters", ["", ...months].map((m) =>
    h(`a.chip${m === period ? ".on" : ""}`, { href: `#/hotline-board${m ? "?period=" + m : ""}`, "data-filter": m }, m ? h("span.data", m) : t("hl.alltime"))));
  const items = board.items;
  const tiers = Object.fromEntries(TIERS.map((x) => [x, items.filter((s) => s.tier === x).length]));
  view.append(card(t("hl.scores"), h("p.muted.small", t("hl.tiernote")), chips,
    h("div.grid2",
      h("div", { "data-testid": "hl-tier-chart" }, chart(TIERS.map((x) => ({ x: t(`hl.tier.${x}`), y: tiers[x] })), { kind: "bar", label: t("hl.tierchart"), height: 160, integer: true })),
      h("div", { "data-testid": "hl-score-chart" }, chart(items.filter((s) => s.score !== null).map((s) => ({ x: s.org, y: s.score })), { kind: "bar", label: t("hl.scorechart"), height: 160, color: "#2e7d32" }))),
    table([t("hl.unit"), t("hl.tier"), t("hl.score"), t("hl.signoff"), t("hl.ontimerate"), t("hl.satisfaction"), t("hl.returnrate"), t("hl.improper"), t("hl.repeatrate"), t("hl.dispatched")],
      items.map((s) => [orgLabel(names, s.org), badgeOf("tier", s.tier, `tier-${s.org}`), s.score === null ? "—" : String(s.score), permille(s.signoff_rate),
        permille(s.on_time_rate), permille(s.satisfaction_rate), permille(s.return_rate), String(s.improper_returns), permille(s.repeat_rate), String(s.dispatched)]),
      { "data-testid": "hl-scores" })));
  view.append(h("div.grid2",
    card(t("hl.bycategory"), countChart(st.category, "cat", t("hl.bycategory"), "hl-cat-chart", CATEGORIES)),
    card(t("hl.bystatus"), countChart(st.status, "st", t("hl.bystatus"), "hl-status-chart", STATUSES))));
  view.append(h("div.grid2",
    card(t("hl.bymonth"), countChart(st.month, "", t("hl.bymonth"), "hl-month-chart")),
    card(t("hl.bydistrict"), h("div", { "data-testid": "hl-district-chart" }, chart(Object.keys(st.district).sort().map((d) => ({ x: districtName(d), y: st.district[d] })),
      { kind: "bar", label: t("hl.bydistrict"), height: 160, integer: true })))));
  view.append(card(t("hl.results"), countChart(st.results, "res", t("hl.results"), "hl-result-chart", RESULTS)));
}

// -- one ticket --------------------------------------------------------------------------------------------

function ticketKv(x, names) {
  return kv([
    [t("hl.ticket"), h("b.mono", { "data-testid": "hl-ticket-id" }, x.id)],
    [t("common.status"), badgeOf("st", x.status, `hl-st-${x.id}`)],
    [t("hl.category"), word("cat", x.category)],
    [t("hl.matter"), word("matter", x.matter)],
    [t("hl.district"), districtName(x.district)],
    [t("hl.channel"), word("ch", x.channel)],
    [t("hl.received"), x.received_on],
    [t("hl.due"), x.due ? h("span", { "data-testid": `hl-due-${x.id}` }, deadline(x.due, DONE.includes(x.status) || !!x.reply)) : "—"],
    x.dept ? [t("hl.unit"), orgLabel(names, x.dept)] : null,
    x.status === "dispatched" && x.dispatches.length
      ? [t("hl.signoffdue"), h("span", { "data-testid": `hl-signoffdue-${x.id}` }, fmtTime(x.dispatches[x.dispatches.length - 1].signoff_due),
        Date.now() > x.dispatches[x.dispatches.length - 1].signoff_due ? h("span.tag.badt", t("hl.overdue")) : null)] : null,
    x.master ? [t("hl.master"), h("span", link(`#/hotline/${enc(x.master)}`, h("span.mono", x.master)), x.master_status ? [" ", badgeOf("st", x.master_status)] : null)] : null,
    x.merged && x.merged.length ? [t("hl.merged"), h("span.mono", x.merged.join(", "))] : null,
    x.extension ? [t("hl.extpending"), h("span.tag.warnt", `${x.extension.days} ${t("hl.wdays")}`)] : null,
    x.reply ? [t("hl.reply"), h("span", x.reply.date, x.reply.late_days ? h("span.tag.badt", `${t("hl.latedays")} ${x.reply.late_days}`) : h("span.tag.okt", t("hl.intime")))] : null,
    x.result ? [t("hl.result"), badgeOf("res", x.result)] : null,
    x.redo ? [t("hl.redo"), String(x.redo)] : null,
    x.caller ? [t("hl.caller"), didTag(x.caller)] : null,
    [t("hl.content"), h("span.mono.small", String(x.content_hash).slice(0, 16) + "…")],
  ]);
}

function traceList(x, names) {
  return h("ol.tl", { "data-testid": `hl-trace-${x.id}` }, x.trace.map((s) => h(`li.tl-item.tl-${s.step}`, { "data-kind": s.step },
    h("span.tl-dot"),
    h("div.tl-body", h("div.tl-head", h("b.tl-action", word("step", s.step)), h("span.small", s.date), blockLink(s.height)),
      h("div.small.muted", s.org ? orgLabel(names, s.org) : s.did ? didTag(s.did) : null,
        s.dept ? h("span", " → ", orgLabel(names, s.dept)) : null, s.reason ? h("span", " · ", word("why", s.reason)) : null,
        s.result ? h("span", " · ", word("res", s.result)) : null)))));
}

async function ticketPage(view, id) {
  const [x, names] = await Promise.all([ticket(id), orgNames()]);
  view.append(h("h1", link("#/hotline", "‹ "), t("hl.ticket"), " ", h("span.mono", x.id)), flashBox());
  view.append(h("div.grid2", card(null, ticketKv(x, names)), card(t("hl.trace"), traceList(x, names))));
}

// -- the hotline centre's desk --------------------------------------------------------------------------------

export async function centrePage(view, args) {
  if (args && args[0]) return ticketPage(view, decodeURIComponent(args[0]));
  view.append(h("h1", t("nav.hotline")), h("p.muted", t("hl.intro")), flashBox());
  const why = gate("operator", CENTRE);
  const redraw = () => { view.replaceChildren(); return centrePage(view, []); };
  const [st, cat, names] = await Promise.all([statistics(), catalogue(), orgNames()]);
  view.append(h("div.stats.stats6", { "data-testid": "hl-desk-stats" },
    ["received", "accepted", "dispatched", "return_requested", "replied", "closed"].map((s) => stat(t(`hl.st.${s}`), st.status[s] || 0, `hl-n-${s}`))));
  view.append(card(t("hl.take"), h("p.muted.small", t("hl.takenote")), why || takeForm(cat, redraw)));
  if (why) { view.append(await paramsCard(C)); return; }
  const list = await tickets();
  const active = list.filter((x) => !DONE.includes(x.status));
  view.append(card(t("hl.todo"), table([t("hl.ticket"), t("hl.category"), t("hl.matter"), t("common.status"), t("hl.unit"), t("hl.due"), ""],
    active.map((x) => [link(`#/hotline/${enc(x.id)}`, h("span.mono", x.id)), word("cat", x.category), word("matter", x.matter),
      badgeOf("st", x.status, `hl-st-${x.id}`), x.dept ? orgLabel(names, x.dept) : "—", deadline(x.due, !!x.reply), centreActions(x, cat, names, redraw)]),
    { "data-testid": "hl-desk-tickets" })));
  view.append(card(t("hl.done"), table([t("hl.ticket"), t("hl.category"), t("hl.matter"), t("common.status"), t("hl.result")],
    list.filter((x) => DONE.includes(x.status)).map((x) => [link(`#/hotline/${enc(x.id)}`, h("span.mono", x.id)), word("cat", x.category),
      word("matter", x.matter), badgeOf("st", x.status), x.result ? badgeOf("res", x.result) : x.master ? h("span.mono", x.master) : "—"]),
    { "data-testid": "hl-desk-done" })));
  view.append(await paramsCard(C));
}

function takeForm(cat, redraw) {
  const category = select("hl-take-category", CATEGORIES.map((c) => [c, t(`hl.cat.${c}`)]), "complaint");
  const matter = select("hl-take-matter", Object.keys(cat.map).map((m) => [m, t(`hl.matter.${m}`)]), Object.keys(cat.map)[0]);
  const district = select("hl-take-district", ["440703", "440704", "440705", "440781", "440783", "440784", "440785"].map((d) => [d, districtName(d)]), "440703");
  const channel = select("hl-take-channel", ["phone", "app", "wechat"].map((c) => [c, t(`hl.ch.${c}`)]), "phone");
  const text = h("textarea", { rows: 3, "data-testid": "hl-take-text" });
  const phone = input("hl-take-phone", { placeholder: "138…", class: "mono" });
  const caller = input("hl-take-caller", { placeholder: "did:wuyi:…（可选）", class: "mono" });
  const saltBox = h("div.small.muted", { "data-testid": "hl-take-salt" });
  return h("div", txForm("hl-take", [[t("hl.category"), category], [t("hl.matter"), matter], [t("hl.district"), district], [t("hl.channel"), channel],
    [t("hl.text"), text], [t("hl.phone"), phone], [t("hl.callerdid"), caller]], t("hl.takego"), async () => {
    if (!text.value.trim() || !phone.value.trim()) throw new Error(t("hl.needtext"));
    const did = caller.value.trim();
    if (did && !DID_RE.test(did)) throw new Error(t("sc.baddid"));
    const salt = newSalt();
    const args = { channel: channel.value, category: category.value, matter: matter.value, district: district.value,
      content_hash: await sealText(salt, text.value.trim()), caller_commitment: await sealText(salt, phone.value.trim()), caller: did || null };
    const { res, value } = await callContract(C, "receive", args);
    saltBox.replaceChildren(t("hl.saltkeep"), " ", h("code", salt));
    return committed(res, `${t("hl.step.accept")} ${value.id} · ${t("hl.due")} ${value.due}`);
  }, null), saltBox);
}

function centreActions(x, cat, names, redraw) {
  const id = x.id;
  const send = (method, args, what) => async () => committed((await callContract(C, method, { ticket_id: id, ...args })).res, `${what} ${id}`);
  const units = (cat.map[x.matter] || []).map((o) => [o, names[o] || o]);
  const acts = [];
  if (x.status === "received") acts.push(txButton(`hl-accept-${id}`, t("hl.accept"), send("accept", {}, t("hl.step.accept")), redraw));
  if (x.status === "accepted") {
    const to = select(`hl-dispatch-to-${id}`, units, units.length ? units[0][0] : "");
    acts.push(txForm(`hl-dispatch-${id}`, [["", to]], t("hl.dispatch"), async () => send("dispatch", { dept: to.value }, t("hl.step.dispatch"))(), redraw));
  }
  if (["received", "accepted"].includes(x.status)) {
    const master = input(`hl-master-${id}`, { placeholder: "RX…", class: "mono", style: "width:8em" });
    acts.push(txForm(`hl-merge-${id}`, [["", master]], t("hl.merge"), async () => send("merge", { master_id: master.value.trim() }, t("hl.step.merge"))(), redraw));
  }
  if (x.status === "return_requested") {
    acts.push(h("span.small", word("why", x.return_request.reason), " "),
      txButton(`hl-return-yes-${id}`, t("hl.returnyes"), send("review_return", { approve: true }, t("hl.step.return_approved")), redraw),
      txButton(`hl-return-no-${id}`, t("hl.returnno"), send("review_return", { approve: false }, t("hl.step.return_refused")), redraw, "ghost"));
  }
  if (x.extension) {
    acts.push(h("span.small", `${t("hl.extpending")} ${x.extension.days} ${t("hl.wdays")} `),
      txButton(`hl-ext-yes-${id}`, t("hl.extyes"), send("review_extension", { approve: true }, t("hl.step.extension_approved")), redraw),
      txButton(`hl-ext-no-${id}`, t("hl.extno"), send("review_extension", { approve: false }, t("hl.step.extension_refused")), redraw, "ghost"));
  }
  if (["dispatched", "signed", "handling", "return_requested"].includes(x.status)) {
    const others = units.filter(([o]) => o !== x.dept);
    if (others.length) {
      const to = select(`hl-reassign-to-${id}`, others, others[0][0]);
      const reason = input(`hl-reassign-reason-${id}`, { placeholder: t("hl.reason"), style: "width:8em" });
      acts.push(txForm(`hl-reassign-${id}`, [["", to], ["", reason]], t("hl.reassign"), async () => send("reassign", { dept: to.value, reason: reason.value.trim() }, t("hl.step.reassign"))(), redraw));
    }
  }
  if (x.status === "replied") {
    const result = select(`hl-revisit-result-${id}`, RESULTS.map((r) => [r, t(`hl.res.${r}`)]), "satisfied");
    acts.push(txForm(`hl-revisit-${id}`, [["", result]], t("hl.revisit"), async () => send("revisit", { result: result.value }, t("hl.step.revisit"))(), redraw));
  }
  if (x.status === "revisited") {
    if (x.result === "unsatisfied") {
      acts.push(txButton(`hl-redo-${id}`, t("hl.redo"), send("redo", {}, t("hl.step.redo")), redraw));
      const reason = select(`hl-close-reason-${id}`, CLOSE_REASONS.map((r) => [r, t(`hl.why.${r}`)]), "redo_exhausted");
      acts.push(txForm(`hl-close-${id}`, [["", reason]], t("hl.close"), async () => send("close", { reason: reason.value }, t("hl.step.close"))(), redraw));
    } else {
      acts.push(txButton(`hl-close-${id}`, t("hl.close"), send("close", {}, t("hl.step.close")), redraw));
    }
  }
  return h("div.hl-acts", acts);
}

// -- the unit's desk --------------------------------------------------------------------------------------------

export async function unitPage(view) {
  view.append(h("h1", t("nav.hotline-unit")), h("p.muted", t("hl.unitintro")), flashBox());
  const why = gate("handler");
  if (why) { view.append(card(null, why)); return; }
  const org = session.member.org;
  const redraw = () => { view.replaceChildren(); return unitPage(view); };
  const [list, cat, names] = await Promise.all([tickets(`&dept=${enc(org)}`), catalogue(), orgNames()]);
  const mine = list.filter((x) => x.dept === org && !DONE.includes(x.status));
  view.append(card(`${t("hl.mytickets")} · ${names[org] || org}`, h("div", { "data-testid": "hl-unit-tickets" },
    mine.length ? mine.map((x) => h("article.stepbox", { "data-testid": `hl-u-${x.id}`, style: "margin-bottom:14px" },
      h("div.grid2", ticketKv(x, names), unitActions(x, cat, redraw)))) : h("p.muted", t("common.none")))));
  const past = list.filter((x) => !mine.includes(x));
  view.append(card(t("hl.unitpast"), table([t("hl.ticket"), t("hl.matter"), t("common.status"), t("hl.result")],
    past.map((x) => [link(`#/hotline/${enc(x.id)}`, h("span.mono", x.id)), word("matter", x.matter), badgeOf("st", x.status), x.result ? badgeOf("res", x.result) : "—"]),
    { "data-testid": "hl-unit-past" })));
}

function unitActions(x, cat, redraw) {
  const id = x.id;
  const acts = [];
  const hashed = (testid) => h("textarea", { rows: 2, "data-testid": testid });
  const noteOf = async (el) => {
    if (!el.value.trim()) throw new Error(t("hl.needtext"));
    return fromHex(await hashOf(el.value.trim()));  // the note stays in this page and the unit's files
  };
  const send = async (method, args, what) => committed((await callContract(C, method, { ticket_id: id, ...args })).res, `${what} ${id}`);
  if (x.status === "dispatched") acts.push(txButton(`hl-sign-${id}`, t("hl.sign"), () => send("sign", {}, t("hl.step.sign")), redraw));
  if (["dispatched", "signed"].includes(x.status)) {
    const reason = select(`hl-rr-${id}`, cat.reasons.map((r) => [r, t(`hl.why.${r}`)]), cat.reasons[0]);
    acts.push(txForm(`hl-askreturn-${id}`, [[t("hl.reason"), reason]], t("hl.askreturn"), () => send("request_return", { reason: reason.value }, t("hl.step.request_return")), redraw));
  }
  if (["signed", "handling"].includes(x.status)) {
    const note = hashed(`hl-note-${id}`);
    acts.push(txForm(`hl-handle-${id}`, [[t("hl.note"), note]], t("hl.handle"), async () => send("handle", { note_hash: await noteOf(note) }, t("hl.step.handle")), redraw));
    const answer = hashed(`hl-answer-${id}`);
    acts.push(txForm(`hl-reply-${id}`, [[t("hl.answer"), answer]], t("hl.replygo"), async () => send("reply", { reply_hash: await noteOf(answer) }, t("hl.step.reply")), redraw));
    if (!x.extension) {
      const days = input(`hl-extdays-${id}`, { value: "5", style: "width:4em" });
      const why = hashed(`hl-extwhy-${id}`);
      acts.push(txForm(`hl-askext-${id}`, [[t("hl.wdays"), days], [t("hl.reason"), why]], t("hl.askext"), async () =>
        send("request_extension", { days: Number(days.value), reason_hash: await noteOf(why) }, t("hl.step.request_extension")), redraw));
    }
  }
  return h("div", acts.map((a) => h("div", { style: "margin-bottom:10px" }, a)));
}

// -- the caller's card on 我的办事 ----------------------------------------------------------------------------------

function callerTicket(w, x, names, redraw) {
  const acts = [];
  if (x.status === "replied") {
    acts.push(h("div.stepbox", h("b", t("hl.rate")), h("div.actions", RESULTS.map((r) =>
      txButton(`hl-rate-${x.id}-${r}`, t(`hl.res.${r}`), async () =>
        committed((await callContract(C, "rate", { ticket_id: x.id, result: r }, w.key)).res, `${t("hl.step.revisit")} ${x.id}`), redraw, r === "satisfied" ? "primary" : "ghost")))));
  }
  return h("article.prop", { "data-testid": `hl-my-${x.id}`, "data-status": x.status },
    h("div.grid2", ticketKv(x, names), h("div", h("h3", t("hl.trace")), traceList(x, names))), acts.length ? h("div.steps-actions", acts) : null);
}

function lodgeForm(w, cat, redraw) {
  const category = select("hl-lodge-category", CATEGORIES.map((c) => [c, t(`hl.cat.${c}`)]), "help");
  const matter = select("hl-lodge-matter", Object.keys(cat.map).map((m) => [m, t(`hl.matter.${m}`)]), Object.keys(cat.map)[0]);
  const district = select("hl-lodge-district", ["440703", "440704", "440705", "440781", "440783", "440784", "440785"].map((d) => [d, districtName(d)]), "440703");
  const text = h("textarea", { rows: 3, "data-testid": "hl-lodge-text" });
  const phone = input("hl-lodge-phone", { placeholder: "138…", class: "mono" });
  return txForm("hl-lodge", [[t("hl.category"), category], [t("hl.matter"), matter], [t("hl.district"), district], [t("hl.text"), text], [t("hl.phone"), phone]],
    t("hl.lodge"), async () => {
      if (!text.value.trim() || !phone.value.trim()) throw new Error(t("hl.needtext"));
      const salt = newSalt();  // the text and the phone stay in this page
      const { res, value } = await callContract(C, "lodge", { category: category.value, matter: matter.value, district: district.value,
        content_hash: await sealText(salt, text.value.trim()), caller_commitment: await sealText(salt, phone.value.trim()) }, w.key);
      return committed(res, `${t("hl.st.received")} ${value.id}`);
    }, redraw);
}

registerCitizenCard({
  render: async (w, { redraw }) => {
    const [mine, cat, names] = await Promise.all([tickets(`&caller=${enc(w.did)}`), catalogue(), orgNames()]);
    const full = await Promise.all(mine.map((x) => ticket(x.id)));
    return card(t("hl.mine"), h("p.muted.small", t("hl.minenote")),
      h("div", { "data-testid": "hl-my-tickets" }, full.length ? full.map((x) => callerTicket(w, x, names, redraw)) : h("p.muted", t("hl.noticket"))),
      h("h3", t("hl.lodge")), lodgeForm(w, cat, redraw));
  },
});

// -- what this scenario contributes ---------------------------------------------------------------------------------

registerParams(C, CENTRE);

export const routes = {
  hotline: [centrePage, "member"],
  "hotline-unit": [unitPage, "member"],
  "hotline-board": [boardPage, "public"],
};
export const nav = [
  ["hotline", "nav.hotline", "member"],
  ["hotline-unit", "nav.hotline-unit", "member"],
  ["hotline-board", "nav.hotline-board", "public"],
];
export const who = {
  hotline: (m, r) => m.org === CENTRE || r.includes("operator"),
  "hotline-unit": (m, r) => r.includes("handler"),
};
