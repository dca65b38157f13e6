// 公证 (scenario 7): this scenario's pages, loaded by the console shell from the registry
// (wuyi/scenarios/notary/console/).
//
// #/notary            the notary office's desk (role notary): its cases with their due dates in
//                     working days (the governed holiday table), acceptance (the parties'
//                     identities are hashed here into salted commitments: only those go on chain),
//                     suspension, issue (the certificate document is hashed here), refusal; its
//                     certificates: correction (补正) and revocation (撤销, with the public notice's
//                     hash); review requests; the evidence it holds.
// #/notary-supervision 司法局 / 公证协会 (public figures): each office's deadlines, corrections and
//                     revocations as charts, the filings of every change, revocation notices, the
//                     governed parameters (司法局's admins change them here).
// #/notary-evidence   an evidence platform's desk (role custodian; notaries and judges too):
//                     its compliance statement, preservation (the file is hashed here), hand-over
//                     and receipt, each piece's chain of custody, the custody bundle to download.
// #/notary-court      a court's check of a custody bundle (public; a judge receives evidence).
// #/notary-check      the public check: certificate number + document -> authentic / corrected /
//                     revoked / unknown, no party shown; the revocation notices.
// It adds a card to 我的办事 (the citizen's cases, certificates, review requests, evidence) and
// registers the 公证书 for the public e-certificate check.

import { chainStatus, post, readGet, session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { hash } from "/console/static/js/keys.js";
import { toHex } from "/console/static/js/cbor.js";
import { card, errorBox } from "/console/static/js/ui.js";
import { DID_RE, apiList, blockLink, callContract, committed, didTag, flashBox, fmtTime, fromHex, gate, getPlain, h, hashInput, hashOf, input, kv, link, orgNames, paramsCard, params, registerCertificate, registerCitizenCard, registerParams, say, select, table, txButton, txForm, txLink } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const NOTARY = "notary";
const enc = encodeURIComponent;
const TAG = new TextEncoder().encode("wuyi/notary-party\0");
export const CERT_RE = /^\(\d{4}\)[A-Z]{2,12}证字第\d+号$/;

// -- labels of chain codes ------------------------------------------------------------------------

const lab = (prefix, code) => {
  const l = t(`${prefix}.${code}`);
  return l === `${prefix}.${code}` ? code : l;
};
const caseType = (x) => lab("nt.type", x);
const reasonLabel = (x) => lab("nt.reason", x);
const stepLabel = (x) => lab("nt.step", x);
const methodLabel = (x) => lab("nt.method", x);
/** A status of this scenario as a badge, in the reader's language. */
const nbadge = (kind, s) => h(`span.badge.b-${String(s).replace(/[^\w-]/g, "")}`, { "data-status": s }, lab(`nt.${kind}`, s));
const orgOf = (names, id) => h("span", { title: id }, names[id] || id);

// -- working days (the contract's calendar, with the governed holiday table) ------------------------

const dayNo = (d) => Math.floor(Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 86400000);
const dayText = (n) => new Date(n * 86400000).toISOString().slice(0, 10);

function isWorking(date, table) {
  const e = (table || {})[date.slice(0, 4)];
  if (e && e.work.includes(date)) return true;
  if (e && e.off.includes(date)) return false;
  const wd = (dayNo(date) + 3) % 7; // 0 = Monday
  return wd < 5;
}

/** Working days after `a` up to and including `b` (negative when `b` is before `a`). */
export function workingDays(a, b, table) {
  const [x, y] = [dayNo(a), dayNo(b)];
  let n = 0;
  for (let d = Math.min(x, y) + 1; d <= Math.max(x, y); d++) if (isWorking(dayText(d), table)) n++;
  return y >= x ? n : -n;
}

async function holidays() {
  const p = (await params(NOTARY)).find((x) => x.name === "holidays");
  return p ? p.value : {};
}

/** A due date with what is left of it: "2026-03-12 · 还剩 5 个工作日" / "逾期 2 个工作日". */
function dueCell(c, today, table) {
  if (c.status === "paused") return h("span", c.due, " ", h("span.tag.pending", t("nt.clockstopped")));
  if (c.status !== "accepted") {
    const late = c.late_days || 0;
    return h("span", c.due, " ", late ? h("span.tag.badt", t("nt.latedays").replace("{n}", late)) : h("span.tag.okt", t("nt.ontime")));
  }
  const left = workingDays(today, c.due, table);
  return h("span", { "data-testid": `due-${c.id}` }, c.due, " ",
    left >= 0 ? h("span.tag", t("nt.daysleft").replace("{n}", left)) : h("span.tag.badt", t("nt.overdue").replace("{n}", -left)));
}

// -- reads ------------------------------------------------------------------------------------------

const figures = () => getPlain("/v1/notary/offices");
const cases = (office) => apiList(`/v1/notary/cases?limit=500${office ? "&office=" + enc(office) : ""}`);
const certsOf = (office) => apiList(`/v1/notary/certificates?limit=500&office=${enc(office)}`);
const reviewsOf = (office) => apiList(`/v1/notary/reviews?limit=500&office=${enc(office)}`);
const evidenceOf = (org) => apiList(`/v1/notary/evidence?limit=500${org ? "&custodian=" + enc(org) : ""}`);
const evidence = (id) => getPlain(`/v1/notary/evidence/${enc(id)}`);

// -- charts ---------------------------------------------------------------------------------------

/** Each office's figures as bars: issued on time, issued late, overdue, corrected, revoked. */
function officeCharts(fig, names) {
  const of = (key) => fig.offices.map((o) => ({ x: names[o.office] ? String(names[o.office]).replace(/^广东省江门市/, "") : o.office, y: Number(o[key] || 0) }));
  const open = fig.offices.map((o) => ({ x: names[o.office] ? String(names[o.office]).replace(/^广东省江门市/, "") : o.office,
    y: Number((o.cases.accepted || 0) + (o.cases.paused || 0)) }));
  const one = (title, pts, color) => h("div", h("h3", title), chart(pts, { kind: "bar", integer: true, height: 150, color, label: title }));
  return h("div.grid2", { "data-testid": "notary-charts" },
    one(t("nt.fig.ontime"), of("issued_on_time"), "#1e8e3e"),
    one(t("nt.fig.late"), of("issued_late"), "#b06f00"),
    one(t("nt.fig.open"), open, "#1f5fa8"),
    one(t("nt.fig.overdue"), of("overdue"), "#c5221f"),
    one(t("nt.fig.corrected"), of("corrected"), "#7b61c4"),
    one(t("nt.fig.revoked"), of("revoked"), "#5f6368"));
}

// -- the office's desk ----------------------------------------------------------------------------

/** A party's commitment, computed here: H(tag ‖ salt ‖ identity). Only the hash leaves the page. */
async function commitment(salt, identity) {
  const st = await chainStatus();
  const id = new TextEncoder().encode(identity);
  const bytes = new Uint8Array(TAG.length + salt.length + id.length);
  bytes.set(TAG, 0); bytes.set(salt, TAG.length); bytes.set(id, TAG.length + salt.length);
  return hash(st.suite, bytes);
}

const CASE_TYPES = ["inheritance", "entrustment", "declaration", "contract", "education", "kinship", "evidence", "enforceable_debt"];
const PAUSE = ["supplementary_materials", "verification", "force_majeure"];
const REFUSE = ["no_capacity", "no_interest", "technical_appraisal", "dispute", "false_materials", "insufficient_materials", "untrue_or_illegal", "against_public_morals", "fee_refused"];
const CORRECT = ["clerical_error", "omission", "translation_error", "other_error"];
const REVOKE = ["untrue", "illegal"];

function acceptForm(office, redraw) {
  const type = select("nt-type", CASE_TYPES.map((x) => [x, caseType(x)]), "entrustment");
  const parties = h("textarea", { rows: 3, "data-testid": "nt-parties", placeholder: t("nt.partiesph") });
  const holders = h("textarea.mono", { rows: 2, "data-testid": "nt-holders", placeholder: "did:wuyi:…" });
  const ev = input("nt-evidence", { placeholder: "CZ-2026-000001", class: "mono" });
  const saltOut = h("div.small", { "data-testid": "nt-salt" });
  return txForm("nt-accept", [[t("nt.type"), type], [t("nt.parties"), parties], [t("nt.holders"), holders], [t("nt.evidenceid"), ev]],
    t("nt.accept"), async () => {
      const lines = parties.value.split(/\n+/).map((x) => x.trim()).filter(Boolean);
      if (!lines.length) throw new Error(t("nt.needparty"));
      const dids = holders.value.split(/[\s,，]+/).filter(Boolean);
      for (const d of dids) if (!DID_RE.test(d)) throw new Error(`${d}: ${t("sc.baddid")}`);
      const salt = crypto.getRandomValues(new Uint8Array(16));
      const applicants = await Promise.all(lines.map((x) => commitment(salt, x)));
      const args = { case_type: type.value, applicants, holders: dids, evidence: ev.value.trim() || null };
      const { res, value } = await callContract(NOTARY, "accept", args);
      saltOut.replaceChildren(t("nt.saltnote"), " ", h("code", toHex(salt)));
      parties.value = "";
      return `${committed(res, `${t("nt.accepted")} ${value.id}`)} · ${t("nt.due")} ${value.due} · ${t("nt.salt")} ${toHex(salt)}`;
    }, redraw);
}

function caseActions(c, redraw) {
  const id = c.id;
  if (c.status === "paused") {
    return txButton(`nt-resume-${id}`, t("nt.resume"), async () => {
      const { res, value } = await callContract(NOTARY, "resume", { case_id: id });
      return `${committed(res, `${t("nt.resumed")} ${id}`)} · ${t("nt.due")} ${value.due}`;
    }, redraw, "ghost");
  }
  if (c.status !== "accepted") return null;
  const why = select(`nt-pause-why-${id}`, PAUSE.map((x) => [x, reasonLabel(x)]));
  const doc = hashInput(`nt-doc-${id}`);
  const no = select(`nt-refuse-why-${id}`, REFUSE.map((x) => [x, reasonLabel(x)]));
  return h("div.actions.tight",
    h("div", doc, txButton(`nt-issue-${id}`, t("nt.issue"), async () => {
      const { res, value } = await callContract(NOTARY, "issue", { case_id: id, doc_hash: doc.value() });
      return committed(res, `${t("nt.issued")} ${value.id}`);
    }, redraw)),
    h("div", why, txButton(`nt-pause-${id}`, t("nt.pause"), async () => {
      const { res } = await callContract(NOTARY, "pause", { case_id: id, reason: why.value });
      return committed(res, `${t("nt.paused")} ${id}`);
    }, redraw, "ghost")),
    h("div", no, txButton(`nt-refuse-${id}`, t("nt.refuse"), async () => {
      const { res } = await callContract(NOTARY, "refuse", { case_id: id, reason: no.value });
      return committed(res, `${t("nt.refused")} ${id}`);
    }, redraw, "ghost")));
}

function certActions(c, redraw) {
  if (c.status !== "active") return null;
  const id = c.id;
  const doc = hashInput(`nt-cdoc-${id}`);
  const why = select(`nt-correct-why-${id}`, CORRECT.map((x) => [x, reasonLabel(x)]));
  const notice = hashInput(`nt-notice-${id}`);
  const rwhy = select(`nt-revoke-why-${id}`, REVOKE.map((x) => [x, reasonLabel(x)]));
  return h("details", h("summary", t("nt.change")),
    h("div", why, doc, txButton(`nt-correct-${c.id}`, t("nt.correct"), async () => {
      const { res, value } = await callContract(NOTARY, "correct", { cert_no: id, doc_hash: doc.value(), reason: why.value });
      return committed(res, `${t("nt.corrected")} → ${value.id}`);
    }, redraw, "ghost")),
    h("div", rwhy, notice, txButton(`nt-revoke-${c.id}`, t("nt.revoke"), async () => {
      const { res } = await callContract(NOTARY, "revoke", { cert_no: id, reason: rwhy.value, notice_hash: notice.value() });
      return committed(res, `${t("nt.revokedmsg")} ${id}`);
    }, redraw, "ghost")));
}

function reviewActions(r, redraw) {
  if (r.status !== "pending") return null;
  const doc = hashInput(`nt-rdoc-${r.id}`);
  const outcome = select(`nt-outcome-${r.id}`, ["maintain", "correct", "revoke"].map((x) => [x, lab("nt.outcome", x)]));
  const why = select(`nt-rwhy-${r.id}`, [...CORRECT, ...REVOKE].map((x) => [x, reasonLabel(x)]));
  return h("div.actions.tight", outcome, why, doc, txButton(`nt-decide-${r.id}`, t("nt.decide"), async () => {
    const args = { review_id: r.id, outcome: outcome.value, reason: outcome.value === "maintain" ? "" : why.value };
    if (outcome.value === "correct") args.doc_hash = doc.value();
    if (outcome.value === "revoke") args.notice_hash = doc.value();
    const { res } = await callContract(NOTARY, "decide_review", args);
    return committed(res, `${t("nt.decided")} ${r.id}`);
  }, redraw));
}

function certCell(no) {
  return no ? link(`#/notary-check?no=${enc(no)}`, no, "mono") : "—";
}

export async function officePage(view) {
  view.append(h("h1", t("nav.notary")), h("p.muted", t("nt.officeintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return officePage(view); };
  const m = session.member;
  const office = m ? m.org : null;
  const [fig, names, table_] = await Promise.all([figures(), orgNames(), holidays()]);
  const mine = fig.offices.find((o) => o.office === office);
  if (!mine) {
    view.append(card(null, h("p.muted", { "data-testid": "gate" }, t("nt.notoffice")), officeCharts(fig, names)));
    return;
  }
  const why = gate("notary", office);
  if (!session.key) {  // case files are signed reads: the member's key signs them
    view.append(card(`${names[office] || office}`, h("p.muted.small", t("nt.signedread")), why, officeCharts(fig, names)));
    return;
  }
  const list = await cases(office);
  const today = fig.today;
  const open = list.filter((c) => c.status === "accepted" || c.status === "paused");
  const pts = open.filter((c) => c.status === "accepted").map((c) => ({ x: c.id.slice(-5), y: Math.max(0, workingDays(today, c.due, table_)) }));
  view.append(card(`${names[office] || office}`,
    kv([[t("nt.today"), today], [t("nt.fig.open"), String(open.length)], [t("nt.fig.overdue"), h("b", { "data-testid": "nt-overdue" }, String(mine.overdue))],
      [t("nt.fig.ontime"), String(mine.issued_on_time)], [t("nt.fig.late"), String(mine.issued_late)], [t("nt.fig.reviews"), String(mine.reviews_pending)]]),
    pts.length ? h("div", h("h3", t("nt.daysleftchart")), chart(pts, { kind: "bar", integer: true, height: 140, label: t("nt.daysleftchart") })) : null));
  if (!why) view.append(card(t("nt.accepttitle"), h("p.muted.small", t("nt.acceptnote")), acceptForm(office, redraw)));
  view.append(card(t("nt.cases"), why, table(
    [t("nt.case"), t("nt.type"), t("nt.acceptedon"), t("nt.due"), t("common.status"), t("nt.cert"), ""],
    list.map((c) => [h("span.mono", c.id), caseType(c.type), c.accepted_on, dueCell(c, today, table_),
      h("span", nbadge("case", c.status), c.refusal ? h("div.small", reasonLabel(c.refusal)) : null,
        c.status === "paused" ? h("div.small", reasonLabel(c.pauses[c.pauses.length - 1].reason)) : null),
      certCell(c.certificate), why ? null : caseActions(c, redraw)]),
    { "data-testid": "nt-cases" })));
  const [certs, reviews, held] = await Promise.all([certsOf(office), reviewsOf(office), evidenceOf(office)]);
  view.append(card(t("nt.certs"), table([t("nt.cert"), t("nt.type"), t("nt.issuedon"), t("common.status"), ""],
    certs.map((c) => [certCell(c.id), caseType(c.type), c.issued_on,
      h("span", nbadge("cert", c.status), c.corrected_by ? h("div.small", `→ `, certCell(c.corrected_by)) : null,
        c.revocation ? h("div.small", `${reasonLabel(c.revocation.reason)} · ${c.revocation.on}`) : null),
      why ? null : certActions(c, redraw)]), { "data-testid": "nt-certs" })));
  view.append(card(t("nt.reviews"), h("p.muted.small", t("nt.reviewnote")), table(
    [t("nt.review"), t("nt.cert"), t("nt.as"), t("nt.requestedon"), t("nt.window"), t("common.status"), ""],
    reviews.map((r) => [h("span.mono", r.id), certCell(r.cert), h("span", lab("nt.as", r.as), r.claimed ? h("div.small", `${t("nt.knownon")} ${r.claimed.known_on} (${t("nt.claim")})`) : null),
      r.requested_on, r.window_until, nbadge("review", r.status), why ? null : reviewActions(r, redraw)]), { "data-testid": "nt-reviews" })));
  view.append(card(t("nt.heldevidence"), await evidenceTable(held, names, office, redraw)));
}

// -- evidence ----------------------------------------------------------------------------------------

const ORG_ROLES = ["custodian", "notary", "judge"];

/** A piece's chain of custody as a timeline: who did what, when (block time), in which block. */
function custodyTimeline(steps, names) {
  return h("ol.tl", { "data-testid": "nt-custody" }, steps.map((s) =>
    h("li.tl-item", { "data-step": s.step, "data-org": s.org },
      h("span.tl-dot"),
      h("div.tl-body",
        h("div.tl-head", h("b.tl-action", `${s.seq}. ${stepLabel(s.step)}`), h("span.tl-org", names[s.org] || s.org),
          h("span.muted.small", fmtTime(s.time)), blockLink(s.height), txLink(s.tx_hash)),
        kv(stepRows(s.detail || {}, names))))));
}

function stepRows(d, names) {
  const rows = [];
  if (d.method) rows.push([t("nt.method"), methodLabel(d.method)]);
  if (d.captured_at) rows.push([t("nt.capturedat"), h("span", fmtTime(d.captured_at), " ", h("span.small.muted", t("nt.platformclaim")))]);
  if (d.algo) rows.push([t("nt.algo"), h("code", d.algo)]);
  if (d.device_attestation) rows.push([t("nt.attestation"), h("span.mono.small", d.device_attestation)]);
  if (d.statement) rows.push([t("nt.statement"), h("span.mono.small", `v${d.statement_version} · ${d.statement}`)]);
  if (d.applicant) rows.push([t("nt.applicant"), didTag(d.applicant)]);
  if (d.to) rows.push([t("nt.to"), orgOf(names, d.to)]);
  if (d.purpose) rows.push([t("nt.purpose"), lab("nt.purpose", d.purpose)]);
  if (d.from) rows.push([t("nt.from"), orgOf(names, d.from)]);
  if (d.certificate) rows.push([t("nt.cert"), certCell(d.certificate)]);
  return rows;
}

/** The organisations evidence may be handed to: notary offices, evidence platforms, courts
 *  (the governed parameters). */
async function keepers() {
  const ps = Object.fromEntries((await params(NOTARY)).map((p) => [p.name, p.value]));
  return [...ps.offices, ...ps.evidence_platforms, ...ps.courts];
}

function handOver(e, names, redraw, orgs) {
  const to = select(`nt-to-${e.id}`, orgs.filter((o) => o !== e.custodian).map((o) => [o, names[o] || o]), "fy");
  const purpose = select(`nt-purpose-${e.id}`, ["notarisation", "litigation", "archive", "storage"].map((x) => [x, lab("nt.purpose", x)]), "litigation");
  return h("div.actions.tight", to, purpose, txButton(`nt-handover-${e.id}`, t("nt.handover"), async () => {
    const { res } = await callContract(NOTARY, "hand_over", { evidence: e.id, to: to.value, purpose: purpose.value });
    return committed(res, `${t("nt.handedover")} ${e.id}`);
  }, redraw, "ghost"));
}

async function evidenceTable(list, names, org, redraw) {
  const can = !gate(ORG_ROLES, org);
  const orgs = can ? await keepers() : [];
  return table([t("nt.evidence"), t("nt.method"), t("nt.preservedat"), t("nt.heldby"), t("nt.steps"), ""],
    list.map((e) => {
      let act = null;
      if (can && e.pending_to === org) {
        act = txButton(`nt-receive-${e.id}`, t("nt.receive"), async () => {
          const { res } = await callContract(NOTARY, "receive", { evidence: e.id });
          return committed(res, `${t("nt.received")} ${e.id}`);
        }, redraw);
      } else if (can && e.custodian === org && !e.pending_to) {
        act = handOver(e, names, redraw, orgs);
      }
      return [link(`#/notary-evidence/${enc(e.id)}`, e.id, "mono"), methodLabel(e.method), fmtTime(e.preserved_at),
        h("span", orgOf(names, e.custodian), e.pending_to ? h("div.small", "→ ", orgOf(names, e.pending_to), " ", h("span.tag.pending", t("nt.awaiting"))) : null),
        String(e.steps), act];
    }), { "data-testid": "nt-evidence" });
}

function preserveForm(redraw) {
  const doc = hashInput("nt-ev-doc");
  const method = select("nt-ev-method", ["web_page", "screen_recording", "photo", "audio", "video", "file", "email"].map((x) => [x, methodLabel(x)]), "web_page");
  const when = h("input", { type: "datetime-local", "data-testid": "nt-ev-when" });
  const d = new Date(Date.now() - 5 * 60000);
  when.value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const att = h("input", { type: "file", "data-testid": "nt-ev-attestation" });
  const applicant = input("nt-ev-applicant", { placeholder: "did:wuyi:…", class: "mono" });
  return txForm("nt-preserve", [[t("nt.document"), doc], [t("nt.method"), method], [t("nt.capturedat"), when],
    [t("nt.attestation"), att], [t("nt.applicant"), applicant]], t("nt.preserve"), async () => {
    const captured = new Date(when.value).getTime();
    if (!Number.isFinite(captured)) throw new Error(t("nt.badtime"));
    const a = applicant.value.trim();
    if (a && !DID_RE.test(a)) throw new Error(`${a}: ${t("sc.baddid")}`);
    const attestation = att.files[0] ? fromHex(await hashOf(await att.files[0].arrayBuffer())) : null;
    const { res, value } = await callContract(NOTARY, "preserve", {
      doc_hash: doc.value(), captured_at: captured, method: method.value, device_attestation: attestation, applicant: a || null,
    });
    return committed(res, `${t("nt.preserved")} ${value.id} (${value.algo})`);
  }, redraw);
}

function statementForm(redraw) {
  const doc = hashInput("nt-st-doc");
  const standards = input("nt-st-standards", { value: "GB/T 39786-2021", class: "mono" });
  return txForm("nt-statement", [[t("nt.statement"), doc], [t("nt.standards"), standards]], t("nt.register"), async () => {
    const list = standards.value.split(/[,，;；]+/).map((x) => x.trim()).filter(Boolean);
    const { res, value } = await callContract(NOTARY, "register_statement", { statement_hash: doc.value(), standards: list });
    return committed(res, `${t("nt.registered")} v${value.version}`);
  }, redraw);
}

export async function evidencePage(view, args) {
  const names = await orgNames();
  if (args[0]) return evidenceDetail(view, decodeURIComponent(args[0]), names);
  view.append(h("h1", t("nav.notary-evidence")), h("p.muted", t("nt.evintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return evidencePage(view, args); };
  const m = session.member;
  const org = m ? m.org : null;
  const platforms = (await getPlain("/v1/notary/platforms")).items || [];
  const mine = platforms.find((p) => p.org === org);
  view.append(card(t("nt.platforms"), table([t("nt.platform"), t("nt.statement"), t("nt.standards"), t("nt.since")],
    platforms.map((p) => [orgOf(names, p.org), h("span.mono.small", `v${p.version} · ${p.statement}`), h("span.data", p.standards.join(", ")), p.on])),
    m && m.roles.includes("admin") && session.key ? h("div.paramform", h("h3", mine ? t("nt.newversion") : t("nt.register")), statementForm(redraw)) : null));
  const why = gate(["custodian", "notary"], org);
  view.append(card(t("nt.preservetitle"), h("p.muted.small", t("nt.preservenote")), why || (mine ? preserveForm(redraw) : h("p.muted", t("nt.nostatement")))));
  // preserved evidence is a signed read: what the member's organisation holds or is handed
  view.append(card(t("nt.evlist"), gate(ORG_ROLES, org) ? h("p.muted.small", t("nt.signedread"))
    : await evidenceTable(await evidenceOf(org), names, org, redraw)));
}

/** Download the custody bundle of evidence `id` (a signed read) as a file. */
async function downloadBundle(id) {
  const doc = await readGet(`/v1/notary/evidence/${enc(id)}/bundle`, "保管链证明包 / custody bundle");
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc)], { type: "application/json" }));
  const a = h("a", { href: url, download: `custody-${id}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function evidenceDetail(view, id, names) {
  if (!session.key && !session.walletKey) {  // a signed read: its applicant, its holders, courts
    view.append(h("h1", `${t("nt.evidence")} `, h("span.mono", id)), card(null, h("p.muted", { "data-testid": "gate" }, t("nt.signedread"))));
    return;
  }
  const got = await evidence(id);
  const e = got.evidence;
  view.append(h("h1", `${t("nt.evidence")} `, h("span.mono", e.id)), card(null,
    kv([[t("nt.hash"), h("span.mono.small", { "data-testid": "nt-ev-hash" }, `${e.doc_hash} (${e.algo})`)], [t("nt.method"), methodLabel(e.method)],
      [t("nt.preservedat"), h("span", fmtTime(e.preserved_at), " ", h("span.small.muted", t("nt.trusted")))],
      [t("nt.capturedat"), h("span", fmtTime(e.captured_at), " ", h("span.small.muted", t("nt.platformclaim")))],
      [t("nt.platform"), orgOf(names, e.platform)], [t("nt.heldby"), orgOf(names, e.custodian)]]),
    h("p", h("button.link", { type: "button", "data-testid": "nt-bundle", onclick: () => downloadBundle(e.id).catch((err) => view.append(errorBox(err))) }, t("nt.bundle")),
      " · ", link(`#/notary-court`, t("nt.tocourt"))),
    h("p.small.muted", t("nt.offline"), " ", h("code", `wuyi notary custody custody-${e.id}.json --genesis-hash …`))),
  card(t("nt.custody"), custodyTimeline(got.custody, names)));
}

// -- the court's check ---------------------------------------------------------------------------------

function custodyReport(r, names) {
  return h("div.result.ok", { "data-testid": "nt-court-result", "data-valid": "true" },
    h("div.result-head", h("span.result-icon", "✔"), h("span", t("nt.chainok"))),
    kv([[t("nt.evidence"), h("span.mono", r.evidence)], [t("nt.hash"), h("span.mono.small", `${r.doc_hash} (${r.algo})`)],
      [t("nt.preservedat"), h("span", fmtTime(r.preserved_at), " ", h("span.small.muted", t("nt.trusted")))],
      [t("nt.capturedat"), h("span", fmtTime(r.captured_at), " ", h("span.small.muted", t("nt.platformclaim")))],
      [t("nt.method"), methodLabel(r.method)],
      [t("nt.attestation"), r.device_attestation ? h("span.mono.small", r.device_attestation) : "—"],
      [t("nt.platform"), orgOf(names, r.platform)], [t("nt.statement"), h("span.mono.small", `v${r.statement_version} · ${r.statement}`)],
      [t("nt.submitter"), h("span.mono.small", r.submitter)], [t("nt.heldby"), orgOf(names, r.custodian)],
      [t("nt.document"), r.document ? h("b", { "data-testid": "nt-court-doc" }, t("nt.docmatches")) : t("nt.docnotgiven")],
      [t("nt.genesis"), h("span.mono.small", r.genesis_hash)]]),
    h("h3", t("nt.custody")), custodyTimeline(r.steps, names),
    h("details", h("summary", t("nt.checks")), h("ul.checklist", r.checks.map((c) => h("li.ok", h("span.ck", "✔"), h("span.data", c))))));
}

export async function courtPage(view) {
  view.append(h("h1", t("nav.notary-court")), h("p.muted", t("nt.courtintro")), flashBox());
  const names = await orgNames();
  const out = h("div", { "data-testid": "nt-court-out" });
  const file = h("input", { type: "file", accept: ".json,application/json", "data-testid": "nt-court-bundle" });
  const doc = h("input", { type: "file", "data-testid": "nt-court-doc-file" });
  const msg = h("div.msg", { "aria-live": "polite" });
  const btn = h("button.primary", { type: "button", "data-testid": "nt-court-go" }, t("nt.check"));
  btn.addEventListener("click", async () => {
    out.replaceChildren();
    if (!file.files[0]) { say(msg, "err", t("nt.needbundle")); return; }
    say(msg, "", t("common.loading"));
    try {
      const bundle = JSON.parse(await file.files[0].text());
      const body = { bundle };
      if (doc.files[0]) body.doc_hash = await hashOf(await doc.files[0].arrayBuffer());
      const r = await post("/v1/notary/custody/check", body);
      say(msg, "", "");
      out.replaceChildren(r.valid ? custodyReport(r.report, names)
        : h("div.result.bad", { "data-testid": "nt-court-result", "data-valid": "false" },
          h("div.result-head", h("span.result-icon", "✘"), h("span", t("nt.chainbad"))), h("p.data", r.why)));
    } catch (err) {
      say(msg, "", "");
      out.replaceChildren(errorBox(err));
    }
  });
  view.append(card(null, h("p.small", t("nt.courtnote"), " ", h("code", "wuyi notary custody BUNDLE [FILE] --genesis-hash HEX")),
    h("div.drop", h("label", t("nt.bundlefile"), file)), h("div.drop.alt", h("label", t("nt.docfile"), doc)), h("div.actions", btn), msg, out));
  const m = session.member;
  if (m && m.roles.includes("judge") && session.key) {
    const redraw = () => { view.replaceChildren(); return courtPage(view); };
    view.append(card(t("nt.courtheld"), await evidenceTable(await evidenceOf(m.org), names, m.org, redraw)));
  }
}

// -- 司法局 / 公证协会 -----------------------------------------------------------------------------------

export async function supervisionPage(view) {
  view.append(h("h1", t("nav.notary-supervision")), h("p.muted", t("nt.supintro")), flashBox());
  const [fig, names, filings, notices] = await Promise.all([figures(), orgNames(),
    apiList("/v1/notary/filings?limit=200", 200), apiList("/v1/notary/notices?limit=100", 100)]);
  view.append(card(`${t("nt.figures")} · ${fig.today}`, officeCharts(fig, names), table(
    [t("nt.office"), t("nt.fig.open"), t("nt.fig.overdue"), t("nt.fig.ontime"), t("nt.fig.late"), t("nt.fig.corrected"), t("nt.fig.revoked"), t("nt.fig.reviews")],
    fig.offices.map((o) => [orgOf(names, o.office), String((o.cases.accepted || 0) + (o.cases.paused || 0)), String(o.overdue), String(o.issued_on_time),
      String(o.issued_late), String(o.corrected), String(o.revoked), String(o.reviews_pending)]), { "data-testid": "nt-figures" })));
  view.append(card(t("nt.filings"), h("p.muted.small", t("nt.filingnote")), table(
    [t("nt.filedon"), t("nt.office"), t("nt.changekind"), t("nt.cert"), t("nt.to"), t("common.time")],
    filings.map((f) => [f.on, orgOf(names, f.office), h("span", { "data-change": f.change }, lab("nt.filing", f.change)), certCell(f.cert),
      h("span", f.to.map((x, i) => [i ? "、" : "", orgOf(names, x)])), h("span", fmtTime(f.time), " ", blockLink(f.height))]),
    { "data-testid": "nt-filings" })));
  view.append(noticesCard(notices, names));
  view.append(await paramsCard(NOTARY));
}

function noticesCard(notices, names) {
  return card(t("nt.notices"), table([t("nt.cert"), t("nt.office"), t("nt.revokedon"), t("nt.reason"), t("nt.voidfrom"), t("nt.notice")],
    notices.map((n) => [certCell(n.id), orgOf(names, n.office), n.revocation.on, reasonLabel(n.revocation.reason), n.revocation.void_from,
      h("span.mono.small", n.revocation.notice_hash)]), { "data-testid": "nt-notices" }));
}

// -- the public check -------------------------------------------------------------------------------

const VERDICT = {
  authentic: ["ok", "✔"], corrected: ["warn", "!"], revoked: ["bad", "✘"], unknown: ["bad", "✘"],
};

function checkResult(r, names) {
  const [cls, icon] = VERDICT[r.result];
  const rows = [[t("nt.cert"), h("span.mono", r.cert_no)]];
  if (r.result !== "unknown") {
    rows.push([t("nt.type"), caseType(r.type)], [t("nt.office"), orgOf(names, r.office)], [t("nt.issuedon"), r.issued_on]);
    if (r.corrects) rows.push([t("nt.corrects"), certCell(r.corrects)]);
  } else {
    rows.push([t("nt.why"), lab("nt.unknown", r.why)]);
  }
  if (r.result === "corrected") rows.push([t("nt.see"), h("span", certCell(r.see), " ", nbadge("cert", r.see_status))]);
  if (r.result === "revoked") {
    rows.push([t("nt.revokedon"), r.revoked_on], [t("nt.reason"), reasonLabel(r.reason)], [t("nt.voidfrom"), r.void_from],
      [t("nt.notice"), h("span.mono.small", r.notice_hash)]);
  }
  return h(`div.result.${cls}`, { "data-testid": "nt-check-result", "data-result": r.result, "data-number": r.cert_no },
    h("div.result-head", h("span.result-icon", icon), h("span", t(`nt.result.${r.result}`))), kv(rows));
}

export async function checkPage(view, args, query) {
  const no0 = (query && query.get("no")) || "";
  view.append(h("div.public-hero", h("h1", t("nav.notary-check")), h("p", t("nt.checkintro"))));
  const names = await orgNames();
  const no = input("nt-check-no", { value: no0, placeholder: "(2026)JMGZ证字第1号", class: "mono search" });
  const doc = hashInput("nt-check-doc");
  const out = h("div", { "data-testid": "nt-check-out" });
  const form = txForm("nt-check", [[t("nt.cert"), no], [t("nt.document"), doc]], t("nt.check"), async () => {
    out.replaceChildren();
    const v = no.value.trim();
    if (!v) throw new Error(t("nt.needno"));
    const r = await post("/v1/notary/check", { cert_no: v, doc_hash: toHex(doc.value()) });
    out.replaceChildren(checkResult(r, names));
    return t("nt.checked");
  });
  view.append(card(null, h("p.muted.small", t("nt.checknote")), form, out));
  view.append(noticesCard(await apiList("/v1/notary/notices?limit=50", 50), names));
}

// -- the citizen's card ------------------------------------------------------------------------------------

async function citizenCard(w, ctx) {
  const mine = await getPlain(`/v1/notary/citizens/${enc(w.did)}`);
  const names = ctx.names;
  const reviewBtn = (c) => {
    if (c.status !== "active" || mine.reviews.some((r) => r.cert === c.id && r.status === "pending")) return null;
    return txButton(`nt-review-${c.id}`, t("nt.askreview"), async () => {
      const { res, value } = await callContract(NOTARY, "request_review", { cert_no: c.id }, w.key);
      return committed(res, `${t("nt.reviewasked")} ${value.id}`);
    }, ctx.redraw, "ghost");
  };
  return card(t("nt.mine"), h("p.muted.small", t("nt.minenote")),
    h("h3", t("nt.cases")), table([t("nt.case"), t("nt.type"), t("nt.office"), t("nt.due"), t("common.status")],
      mine.cases.map((c) => [h("span.mono", c.id), caseType(c.type), orgOf(names, c.office), c.due, nbadge("case", c.status)]), { "data-testid": "nt-my-cases" }),
    h("h3", t("nt.certs")), table([t("nt.cert"), t("nt.type"), t("nt.issuedon"), t("common.status"), ""],
      mine.certificates.map((c) => [certCell(c.id), caseType(c.type), c.issued_on, nbadge("cert", c.status), reviewBtn(c)]), { "data-testid": "nt-my-certs" }),
    mine.reviews.length ? [h("h3", t("nt.reviews")), table([t("nt.review"), t("nt.cert"), t("nt.requestedon"), t("common.status")],
      mine.reviews.map((r) => [h("span.mono", r.id), certCell(r.cert), r.requested_on, nbadge("review", r.status)]), { "data-testid": "nt-my-reviews" })] : null,
    mine.evidence.length ? [h("h3", t("nt.myevidence")), table([t("nt.evidence"), t("nt.method"), t("nt.preservedat"), t("nt.heldby")],
      mine.evidence.map((e) => [link(`#/notary-evidence/${enc(e.id)}`, e.id, "mono"), methodLabel(e.method), fmtTime(e.preserved_at), orgOf(names, e.custodian)]))] : null);
}

// -- what this scenario contributes ------------------------------------------------------------------

registerParams(NOTARY, "sfj");
registerCitizenCard({ render: (w, ctx) => citizenCard(w, ctx), link: () => "#/notary-check", linkLabel: "nav.notary-check" });
registerCertificate({
  type: "NotarialCertificate",
  title: "nt.certkind",
  idRe: CERT_RE,
  example: "(2026)JMGZ证字第1号",
  facts: (c, names) => [
    [t("nt.type"), caseType((c.fields || {}).type || c.type_code)],
    [t("nt.office"), orgOf(names || {}, (c.fields || {}).office)],
    c.issued_on ? [t("nt.issuedon"), c.issued_on] : null,
    c.corrected_by ? [t("nt.see"), certCell(c.corrected_by)] : null,
    c.revocation ? [t("nt.revokedon"), `${c.revocation.on} · ${reasonLabel(c.revocation.reason)}`] : null,
  ],
});

export const routes = {
  notary: [officePage, "member"],
  "notary-evidence": [evidencePage, "member"],
  "notary-court": [courtPage, "public"],
  "notary-supervision": [supervisionPage, "public"],
  "notary-check": [checkPage, "public"],
};
export const nav = [
  ["notary", "nav.notary", "member"],
  ["notary-evidence", "nav.notary-evidence", "member"],
  ["notary-supervision", "nav.notary-supervision", "public"],
  ["notary-court", "nav.notary-court", "public"],
  ["notary-check", "nav.notary-check", "public"],
];
export const who = {
  notary: (m, r) => r.includes("notary") || r.includes("issuer"),
  "notary-evidence": (m, r) => r.includes("custodian") || r.includes("notary") || r.includes("judge"),
};
