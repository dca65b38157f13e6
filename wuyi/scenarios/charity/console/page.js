// 慈善捐赠 (charity donations): the public page (#/charity: every project's money in and out,
// disclosure status, alerts; #/charity/<project>: its plan, the flow of each donation to the
// disbursements it paid (first in, first out), goods, disclosures due), a donor following their
// own donation (#/charity-follow: receipt number + the secret on their copy — only the tracking
// key derived from it leaves the page), the charity's desk (#/charity-org: signed with the
// charity's DID wallet, or a member key with the role fundraiser), 民政局's desk
// (#/charity-bureau) and the recipient's confirmation (a card of 我的办事). Every write is a
// `contract.call` signed in this page; a donor's details are only hashed here.

import { chainStatus, post, session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { hash } from "/console/static/js/keys.js";
import { fromHex, toHex } from "/console/static/js/cbor.js";
import { bi, card, data, errorBox } from "/console/static/js/ui.js";
import { openedWallet } from "/console/static/js/wallet.js";
import { apiList, callContract, committed, DID_RE, didTag, flashBox, gate, getPlain, h, hashInput, input, kv, link, paramsCard, registerCitizenCard, registerParams, select, table, toFen, txButton, txForm, walletLogin, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const C = "charity";
const enc = encodeURIComponent;
const NS = "http://www.w3.org/2000/svg";
const MAX_FLOW = 60;

// -- styles of these pages (no shared stylesheet is changed) ----------------------------------------

if (!document.getElementById("cs-style")) {
  const st = document.createElement("style");
  st.id = "cs-style";
  st.textContent = `
.cs-flow .node-d { fill: #1f5fa8; } .cs-flow .node-x { fill: #2e8b57; } .cs-flow .node-r { fill: #b8c2cc; }
.cs-flow .band { fill: #1f5fa8; opacity: .22; } .cs-flow .band:hover { opacity: .5; }
.cs-flow text { fill: #3b4653; }
.cs-bars .in { fill: #1f5fa8; } .cs-bars .out { fill: #2e8b57; } .cs-bars text { fill: #3b4653; }
.cs-legend { display: flex; gap: 14px; font-size: 12px; color: #5b6673; margin: 4px 0 8px; }
.cs-legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.cs-secret { font-family: monospace; word-break: break-all; background: #fff4e0; padding: 6px 8px; border-radius: 4px; }
.cs-went li { margin: 4px 0; }
.cs-forms { display: grid; grid-template-columns: repeat(auto-fit, minmax(400px, 1fr)); gap: 12px; margin-top: 12px; }
.cs-flow text, .cs-bars text { font-size: 9px; }`;
  document.head.append(st);
}

// -- words ------------------------------------------------------------------------------------------

const lbl = (key, fallback) => (t(key) === key ? fallback : t(key));
const stText = (s) => h(`span.badge.b-${s === "open" ? "active" : s === "closed" ? "completed" : "pending"}`, lbl(`cs.st.${s}`, s));
const kindText = (k) => lbl(`cs.kinds.${k}`, k);
const rcText = (k) => lbl(`cs.rc.${k}`, k);

/** A channel code in words: bank, box, … or online:<platform>. */
function channelText(ch) {
  if (ch && ch.startsWith("online:")) {
    const p = ch.slice(7);
    return h("span", `${t("cs.online")}（`, t(`cs.pf.${p}`) === `cs.pf.${p}` ? h("code", p) : t(`cs.pf.${p}`), "）");
  }
  return t(`cs.ch.${ch}`) === `cs.ch.${ch}` ? h("code", ch) : t(`cs.ch.${ch}`);
}

/** A purpose code in words, from the plan's labels ("中文 / English"). */
function purposeText(p, code) {
  const all = [...(p.purposes || []), ...(p.changes || []).flatMap((c) => c.purposes || [])];
  const found = all.find((x) => x.code === code);
  return found ? data(bi(found.label)) : h("code", code || "—");
}

function qualText(c) {
  const q = c.qualification;
  if (!q) return h("span.badge", t("cs.q.none"));
  return h("span", h(`span.badge.b-${q.status === "valid" ? "active" : "revoked"}`, t(`status.${q.status}`)), " ", h("code", q.cert_no));
}

function flagText(f) {
  if (f.kind === "idle") return h("span.tag.badt", `${t("cs.fl.idle")} ${f.days} ${t("cs.days")}`);
  const [kind, n] = String(f.what).split("-");
  return h("span.tag.badt", `${t("cs.fl.overdue")}：${t(`cs.dk.${kind}`)} #${n}（${t("cs.due")} ${f.due}）`);
}

function alertDetail(a) {
  if (a.kind === "disclosure_overdue") {
    const m = /^(\w+)-(\d+) due (\S+)$/.exec(a.detail);
    if (m) return `${t(`cs.dk.${m[1]}`)} #${m[2]} · ${t("cs.due")} ${m[3]}`;
  }
  if (a.kind === "idle_money") {
    const m = /^(\S+) idle (\d+) days$/.exec(a.detail);
    if (m) return h("span", h("code", m[1]), ` ${m[2]} ${t("cs.days")}`);
  }
  return h("code", a.detail);
}

const stat = (label, value, testid) => h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));

// -- reads ------------------------------------------------------------------------------------------

const charities = () => apiList("/v1/charity/charities");
const projects = (q = "") => apiList(`/v1/charity/projects${q}`);
const projectOf = (id) => getPlain(`/v1/charity/projects/${enc(id)}`);
const flowsOf = (id) => getPlain(`/v1/charity/projects/${enc(id)}/flows`);
const names = async () => Object.fromEntries((await charities()).map((c) => [c.id, c.name]));

// -- the donor's secret: the same derivations as the SDK (DonorSecret), with the chain's hash -----

const utf8 = (s) => new TextEncoder().encode(s);
const domain = (name) => utf8(`wuyi/charity/${name}\0`);

function cat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

async function H(...parts) { return hash((await chainStatus()).suite, cat(...parts)); }

const secret = {
  random: () => crypto.getRandomValues(new Uint8Array(32)),
  parse(text) {
    const s = String(text).trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(s)) throw new Error(t("cs.badsecret"));
    return fromHex(s);
  },
  commitment: (salt, who) => H(domain("donor"), salt, utf8(who)),
  trackKey: (salt) => H(domain("track"), salt),
  async ref(salt) { return H(domain("ref"), await secret.trackKey(salt)); },
  consentKey: (salt, n) => H(domain("consent"), salt, utf8(String(n))),
  async lock(salt, n) { return H(domain("lock"), await secret.consentKey(salt, n)); },
};

const recipientCommitment = (did, code) => H(domain("recipient"), utf8(did), code);

// -- charts -----------------------------------------------------------------------------------------

/** "P000001-D00000012" → "D12". */
const seqLabel = (id) => { const s = String(id).split("-")[1] || ""; return s[0] + Number(s.slice(1)); };

function svg(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Money in and out per project: two bars each (yuan). */
function inOutChart(list) {
  const W = 560, B = 34, T = 10, L = 10, H0 = 170;
  const el = svg("svg", { viewBox: `0 0 ${W} ${H0}`, class: "chart cs-bars", role: "img", "aria-label": t("cs.inout") });
  const max = Math.max(1, ...list.flatMap((p) => [p.in, p.out]));
  const n = Math.max(1, list.length);
  const step = (W - 2 * L) / n;
  const ih = H0 - T - B;
  list.forEach((p, i) => {
    const x = L + step * i;
    const bw = Math.max(4, step * 0.32);
    for (const [k, v, dx] of [["in", p.in, step * 0.14], ["out", p.out, step * 0.14 + bw + 2]]) {
      const hgt = (ih * v) / max;
      const r = svg("rect", { x: x + dx, y: T + ih - hgt, width: bw, height: Math.max(1, hgt), class: k, rx: 1.5, "data-project": p.id, "data-kind": k });
      r.append(svg("title", {}, `${p.title} · ${t(`cs.${k}`)} ${yuan(v)}`));
      el.append(r);
    }
    el.append(svg("text", { x: x + step / 2, y: H0 - 18, "text-anchor": "middle" }, p.id));
    el.append(svg("text", { x: x + step / 2, y: H0 - 5, "text-anchor": "middle" }, yuan(p.in).replace(/\.\d\d$/, "")));
  });
  return h("div", { "data-testid": "cs-inout" }, h("div.cs-legend", h("span", h("i", { style: "background:#1f5fa8" }), t("cs.in")),
    h("span", h("i", { style: "background:#2e8b57" }), t("cs.out"))), el);
}

/** The flow of each donation to the disbursements it paid: donations on the left (in order of
 *  arrival, height by amount), disbursements and what is not yet spent on the right, a band
 *  per allocation. */
function flowChart(p, flows) {
  const donations = flows.donations.filter((d) => d.kind === "money").slice(0, MAX_FLOW);
  const shown = new Set(donations.map((d) => d.id));
  const xs = flows.disbursements;
  const total = donations.reduce((n, d) => n + d.amount, 0);
  const W = 640, L = 150, R = 480, NW = 12, GAP = 3;
  const ih = Math.max(120, Math.min(420, 18 * Math.max(donations.length, xs.length + 1)));
  const H0 = ih + 20;
  const el = svg("svg", { viewBox: `0 0 ${W} ${H0}`, class: "chart cs-flow", role: "img", "aria-label": t("cs.flow") });
  if (!total) return h("div", { "data-testid": "cs-flow" }, h("p.muted", t("common.none")));
  const scale = (ih - GAP * Math.max(donations.length, xs.length + 1)) / total;
  const left = {};
  let y = 10;
  for (const d of donations) {
    const hh = Math.max(2, d.amount * scale);
    left[d.id] = { y, used: 0 };
    const r = svg("rect", { x: L - NW, y, width: NW, height: hh, class: "node-d", "data-donation": d.id });
    r.append(svg("title", {}, `${d.id} · ${yuan(d.amount)} · ${d.received_on}`));
    el.append(r, svg("text", { x: L - NW - 4, y: y + Math.min(hh, 14) - 3, "text-anchor": "end" }, `${seqLabel(d.id)} ${yuan(d.amount).replace(/\.00$/, "")}`));
    y += hh + GAP;
  }
  const right = {};
  y = 10;
  const spent = xs.map((x) => ({ id: x.id, amount: x.allocations.filter((a) => shown.has(a.donation)).reduce((n, a) => n + a.fen, 0), x }));
  const rest = donations.reduce((n, d) => n + d.remaining, 0);
  for (const node of [...spent, { id: "rest", amount: rest }]) {
    if (!node.amount) continue;
    const hh = Math.max(2, node.amount * scale);
    right[node.id] = { y, used: 0 };
    const r = svg("rect", { x: R, y, width: NW, height: hh, class: node.id === "rest" ? "node-r" : "node-x", "data-disbursement": node.id });
    const label = node.id === "rest" ? `${t("cs.left")} ${yuan(node.amount)}` : `${seqLabel(node.id)} ${yuan(node.amount).replace(/\.00$/, "")}`;
    r.append(svg("title", {}, node.id === "rest" ? label : `${node.id} · ${yuan(node.amount)} · ${node.x.purpose}`));
    el.append(r, svg("text", { x: R + NW + 4, y: y + Math.min(hh, 14) - 3 }, label));
    y += hh + GAP;
  }
  const band = (from, to, fen, title) => {
    const a = left[from], b = right[to];
    if (!a || !b) return;
    const w = fen * scale;
    const y0 = a.y + a.used, y1 = b.y + b.used;
    a.used += w; b.used += w;
    const m = (L + R) / 2;
    const d = `M${L},${y0} C${m},${y0} ${m},${y1} ${R},${y1} L${R},${y1 + w} C${m},${y1 + w} ${m},${y0 + w} ${L},${y0 + w} Z`;
    const path = svg("path", { d, class: "band", "data-from": from, "data-to": to });
    path.append(svg("title", {}, title));
    el.append(path);
  };
  for (const x of xs) for (const a of x.allocations) if (shown.has(a.donation)) band(a.donation, x.id, a.fen, `${a.donation} → ${x.id} · ${yuan(a.fen)}`);
  for (const d of donations) if (d.remaining) band(d.id, "rest", d.remaining, `${d.id} · ${t("cs.left")} ${yuan(d.remaining)}`);
  const more = flows.donations.filter((d) => d.kind === "money").length > MAX_FLOW;
  return h("div", { "data-testid": "cs-flow" }, h("p.muted.small", t("cs.flownote")), more ? h("p.small.muted", t("cs.flowmore")) : null, el);
}

// -- the public page ----------------------------------------------------------------------------------

export async function charityPage(view, args) {
  if (args[0]) return projectPage(view, args[0]);
  view.append(h("h1", t("nav.charity")), h("p.muted", t("cs.intro")));
  const [dash, list, orgs, alerts] = await Promise.all([getPlain("/v1/charity/dashboard"), projects(), charities(), apiList("/v1/charity/alerts?limit=100", 200)]);
  const nameOf = Object.fromEntries(orgs.map((c) => [c.id, c.name]));
  const open = dash.projects.open || 0;
  view.append(h("div.stats.stats6", { "data-testid": "cs-dashboard" },
    stat(t("cs.charities"), `${dash.charities} / ${dash.qualified}`, "cs-charities"),
    stat(t("cs.projects"), `${open} / ${Object.values(dash.projects).reduce((a, b) => a + b, 0)}`, "cs-projects"),
    stat(t("cs.moneyin"), yuan(dash.money_in).replace(/\.\d\d$/, ""), "cs-in"),
    stat(t("cs.moneyout"), yuan(dash.money_out).replace(/\.\d\d$/, ""), "cs-out"),
    stat(t("cs.overdue"), dash.overdue, "cs-overdue"),
    stat(t("cs.idle"), dash.idle, "cs-idle")));
  const ordered = list.slice().reverse();
  view.append(card(t("cs.inout"), inOutChart(ordered)));
  view.append(card(t("cs.projects"), table(
    [t("cs.project"), t("cs.title"), t("cs.charity"), t("cs.window"), t("cs.status"), t("cs.moneyin"), t("cs.moneyout"), t("cs.donations"), t("cs.flags")],
    list.map((p) => [link(`#/charity/${enc(p.id)}`, p.id, "mono"), data(p.title), data(nameOf[p.charity] || p.charity),
      h("span.nowrap", `${p.start} – ${p.closed_on || p.end}`), h("span", { "data-testid": `cs-status-${p.id}` }, stText(p.status)),
      yuan(p.in), yuan(p.out), String(p.donations),
      h("span", { "data-testid": `cs-flags-${p.id}` }, p.overdue ? h("span.tag.badt", t("cs.overdue")) : null, p.idle ? h("span.tag.badt", t("cs.idle")) : null,
        !p.overdue && !p.idle ? h("span.tag.okt", t("cs.ok")) : null)]),
    { "data-testid": "cs-projects" })));
  view.append(card(t("cs.charities"), table([t("cs.charity"), t("cs.kind"), t("cs.registered"), t("cs.qual")],
    orgs.map((c) => [data(c.name), kindText(c.kind), c.registered_on, h("span", { "data-testid": `cs-qual-${c.id}` }, qualText(c))]))));
  view.append(alertsCard(alerts, nameOf));
  view.append(h("p", link("#/charity-follow", `${t("cs.follow")} →`)));
}

function alertsCard(alerts, nameOf) {
  return card(t("cs.alerts"), table([t("cs.date"), t("cs.kind"), t("cs.charity"), t("cs.project"), t("cs.detail")],
    alerts.map((a) => [a.date, h("span.tag.badt", lbl(`cs.al.${a.kind}`, a.kind)), data(nameOf[a.charity] || a.charity),
      a.project ? link(`#/charity/${enc(a.project)}`, a.project, "mono") : "—", alertDetail(a)]),
    { "data-testid": "cs-alerts" }));
}

async function projectPage(view, id) {
  const [p, flows, nameOf] = await Promise.all([projectOf(id), flowsOf(id), names()]);
  const tt = p.totals;
  view.append(h("h1", link("#/charity", "‹ "), data(p.title), " ", h("code", p.id)));
  const filing = p.filing.source === "chain" ? t("cs.filing.chain") : h("span", t("cs.filing.bureau"), " ", h("code", p.filing.no));
  view.append(h("div.grid2",
    card(t("cs.plan"), kv([
      [t("cs.charity"), data(nameOf[p.charity] || p.charity)],
      [t("cs.status"), h("span", { "data-testid": "cs-project-status", "data-status": p.status }, stText(p.status))],
      [t("cs.window"), `${p.start} – ${p.end}`],
      p.closed_on ? [t("cs.closedon"), p.closed_on] : null,
      [t("cs.filing"), filing],
      [t("cs.filedon"), p.filed_on],
      [t("cs.purposesnow"), h("span", p.purposes_now.map((c, i) => [i ? "、" : "", purposeText(p, c)]))],
      [t("cs.channels"), h("span", p.channels.map((c, i) => [i ? "、" : "", channelText(c)]))],
      [t("cs.regions"), h("span.mono", p.regions.join(", "))],
      [t("cs.beneficiary"), data(p.beneficiary)],
      [t("cs.target"), yuan(p.target)],
      [t("cs.budget"), yuan(p.cost_budget)],
      [t("cs.surplus"), data(bi(p.surplus_rule))],
      p.urgent ? [t("cs.urgent"), h("span.tag.warnt", t("cs.urgent"))] : null,
    ])),
    card(t("cs.totals"), kv([
      [t("cs.moneyin"), h("b", { "data-testid": "cs-project-in" }, yuan(tt.in))],
      [t("cs.moneyout"), h("b", { "data-testid": "cs-project-out" }, yuan(tt.out))],
      [t("cs.left"), yuan(tt.in - tt.out)],
      [t("cs.donations"), String(tt.donations)],
      [t("cs.receipts"), h("span", `${rcText("issued")} ${tt.issued} · ${rcText("anonymous")} ${tt.anonymous} · ${rcText("declined")} ${tt.declined}`,
        tt.issued + tt.anonymous + tt.declined === tt.donations ? h("span.tag.okt", { "data-testid": "cs-receipts-ok" }, t("cs.receiptsum")) : null)],
      tt.goods ? [t("cs.value"), yuan(tt.goods_value)] : null,
      p.idle ? [t("cs.idlenow"), h("span.tag.badt", { "data-testid": "cs-idle" },
        `${p.idle.donation} · ${t("cs.since")} ${p.idle.since} · ${p.idle.days} ${t("cs.idledays")} ${p.idle.limit}）`)] : null,
      Object.keys(p.flags || {}).length ? [t("cs.flags"), h("span", { "data-testid": "cs-project-flags" }, Object.values(p.flags).map(flagText))] : null,
    ]))));
  view.append(card(t("cs.flow"), flowChart(p, flows)));
  view.append(card(t("cs.schedule"), table([t("cs.kind"), "#", t("cs.due"), t("cs.done"), t("cs.latedays"), t("cs.status")],
    p.disclosure.map((s) => [t(`cs.dk.${s.kind}`), String(s.n), s.due, s.done ? s.done.on : "—", s.done ? String(s.done.late_days) : "—",
      s.overdue ? h("span.tag.badt", t("cs.late")) : s.done ? h("span.tag.okt", s.done.late_days ? t("cs.late") : t("cs.ok")) : "—"]),
    { "data-testid": "cs-disclosure" })));
  const money = flows.donations.filter((d) => d.kind === "money");
  view.append(card(t("cs.donation"), table([t("cs.donation"), t("cs.received"), t("cs.amount"), t("cs.channel"), t("cs.rkind"), t("cs.restricted"), t("cs.remaining")],
    money.map((d) => [h("span.mono", d.id), d.received_on, yuan(d.amount), channelText(d.channel), rcText(d.receipt.kind),
      d.restricted ? purposeText(p, d.restricted) : "—", yuan(d.remaining)]), { "data-testid": "cs-donations" })));
  view.append(card(t("cs.disbursements"), table([t("cs.disbursements"), t("cs.date"), t("cs.purpose"), t("cs.amount"), t("cs.from"), t("cs.recipient")],
    flows.disbursements.map((x) => [h("span.mono", x.id), x.date, purposeText(p, x.purpose), yuan(x.amount),
      h("span", x.allocations.map((a) => h("div.small", h("span.mono", a.donation), ` ${yuan(a.fen)}`))), confirmText(x)]),
    { "data-testid": "cs-disbursements" })));
  const goods = flows.donations.filter((d) => d.kind === "goods");
  if (goods.length) {
    view.append(card(t("cs.goods"), h("p.muted.small", t("cs.conserved")), table(
      [t("cs.batch"), t("cs.item"), t("cs.quantity"), t("cs.pending"), t("cs.stock"), t("cs.distributed"), t("cs.confirmed")],
      goods.map((b) => [h("span.mono", b.id), data(b.item), `${b.quantity} ${b.unit}`, String(b.pending),
        h("span", Object.entries(b.stock).map(([w, q]) => h("div.small", h("code", w), ` ${q}`))), String(b.distributed), String(b.confirmed)]),
      { "data-testid": "cs-goods" }),
      table([t("cs.distributions"), t("cs.date"), t("cs.item"), t("cs.quantity"), t("cs.warehouse"), t("cs.purpose"), t("cs.recipient")],
        flows.distributions.map((s) => [h("span.mono", s.id), s.date, data(s.item), `${s.quantity} ${s.unit}`, h("code", s.warehouse), purposeText(p, s.purpose), confirmText(s)]),
        { "data-testid": "cs-distributions" })));
  }
}

function confirmText(x) {
  if (!x.recipient) return h("span.muted.small", t("cs.norecipient"));
  return x.confirmed ? h("span.tag.okt", { "data-testid": `cs-confirmed-${x.id}` }, `${t("cs.confirmed")} ${x.confirmed.date}`)
    : h("span.tag.warnt", { "data-testid": `cs-confirmed-${x.id}` }, t("cs.notconfirmed"));
}

// -- a donor follows their donation ---------------------------------------------------------------------

export async function followPage(view) {
  view.append(h("h1", t("cs.follow")), h("p.muted", t("cs.follownote")));
  const orgs = await charities();
  const org = select("cs-follow-charity", orgs.map((c) => [c.id, c.name]), orgs[0] ? orgs[0].id : "");
  const no = input("cs-follow-receipt", { placeholder: "JMCS-2026-000101", class: "mono" });
  const sec = input("cs-follow-secret", { placeholder: "0123…", class: "mono", autocomplete: "off" });
  const out = h("div", { "data-testid": "cs-follow-out" });
  const msg = h("div.msg", { "data-testid": "cs-follow-msg" });
  const btn = h("button.primary", { type: "submit", "data-testid": "cs-follow-go" }, t("cs.followgo"));
  const form = h("form.scform", h("div.fields", h("label", h("span", t("cs.charity")), org), h("label", h("span", t("cs.receiptno")), no),
    h("label", h("span", t("cs.secret")), sec)), h("div.actions", btn), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    msg.className = "msg"; msg.textContent = "";
    out.replaceChildren();
    try {
      const salt = secret.parse(sec.value);
      const key = toHex(await secret.trackKey(salt));
      const got = await post("/v1/charity/follow", { charity: org.value, receipt_no: no.value.trim(), key });
      out.append(followResult(got, salt));
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message || String(err);
    }
  });
  view.append(card(null, form), out);
}

function followResult(got, salt) {
  const d = got.donation;
  const amount = d.kind === "money" ? yuan(d.amount) : `${d.quantity} ${d.unit}`;
  const who = input("cs-follow-who", { placeholder: "张三|4407…" });
  const res = h("div.msg", { "data-testid": "cs-follow-who-msg" });
  const check = h("button.ghost", { type: "button", "data-testid": "cs-follow-who-go" }, t("cs.whocheck"));
  check.addEventListener("click", async () => {
    const mine = toHex(await secret.commitment(salt, who.value));
    const ok = d.donor && mine === String(d.donor).toLowerCase();
    res.className = `msg ${ok ? "ok" : "err"}`;
    res.textContent = ok ? t("cs.whook") : t("cs.whobad");
  });
  return card(t("cs.went"), kv([
    [t("cs.project"), h("span", link(`#/charity/${enc(d.project)}`, d.project, "mono"), " ", data(got.project))],
    [t("cs.donation"), h("span.mono", { "data-testid": "cs-follow-donation" }, d.id)],
    [t("cs.amount"), h("b", amount)],
    [t("cs.received"), d.received_on],
    [t("cs.channel"), channelText(d.channel)],
    d.kind === "money" ? [t("cs.remaining"), h("span", { "data-testid": "cs-follow-remaining" }, yuan(d.remaining))] : null,
  ]), h("ol.cs-went", { "data-testid": "cs-follow-went" }, got.went.length ? got.went.map((w) => h("li",
    h("span.mono", w.to.id), " · ", w.to.date, " · ", w.to.purpose ? h("code", w.to.purpose) : "",
    " · ", w.allocation.fen !== undefined ? yuan(w.allocation.fen) : `${w.allocation.quantity} ${w.to.unit}`, " ", confirmText(w.to))) : h("li.muted", t("cs.notyet"))),
  h("div.scform", h("label", h("span", t("cs.whoami")), who), check, res));
}

// -- the charity's desk -----------------------------------------------------------------------------

/** Who signs for the charity on this page: a member with the role fundraiser (its session key),
 *  or the charity's wallet (its DID key). */
function signer() {
  if (session.member && session.member.roles.includes("fundraiser")) return { key: undefined, org: session.member.org };
  const w = openedWallet();
  return w ? { key: w.key, did: w.did } : null;
}

export async function deskPage(view) {
  view.append(h("h1", t("cs.desk")), h("p.muted", t("cs.deskintro")), flashBox());
  const who = signer();
  if (!who) {
    walletLogin(view, deskPage, t("cs.openwallet"));
    return;
  }
  const orgs = await charities();
  const mine = orgs.find((c) => (who.did && c.did === who.did) || (who.org && c.org === who.org));
  if (!mine) { view.append(errorBox(t("cs.notcharity"))); return; }
  const redraw = () => { view.replaceChildren(); return deskPage(view); };
  const call = (method, args) => callContract(C, method, args, who.key);
  const list = await projects(`?charity=${enc(mine.id)}`);
  view.append(card(null, kv([
    [t("cs.charity"), h("b", { "data-testid": "cs-desk-charity" }, data(mine.name))],
    [t("cs.kind"), kindText(mine.kind)],
    [t("cs.uscc"), h("code", mine.uscc)],
    [t("cs.registered"), mine.registered_on],
    [t("cs.qual"), qualText(mine)],
    mine.application ? [t("cs.app"), h("span", lbl(`cs.app.${mine.application.status}`, mine.application.status), ` · ${mine.application.on} → ${mine.application.due}`)] : null,
    who.did ? [t("cs.did"), didTag(who.did)] : null,
  ])));
  if (!mine.qualification && !(mine.application && mine.application.status === "pending")) {
    const doc = hashInput("cs-app-doc");
    view.append(card(t("cs.applyq"), txForm("cs-apply", [[t("cs.appdoc"), doc]], t("cs.applyq"), async () => {
      const { res } = await call("apply_qualification", { charity_id: mine.id, doc: doc.value() });
      return committed(res, t("cs.applied"));
    }, redraw)));
  }
  view.append(card(t("cs.projects"), table([t("cs.project"), t("cs.title"), t("cs.window"), t("cs.status"), t("cs.moneyin"), t("cs.moneyout"), t("cs.flags")],
    list.map((p) => [link(`#/charity/${enc(p.id)}`, p.id, "mono"), data(p.title), `${p.start} – ${p.closed_on || p.end}`, stText(p.status), yuan(p.in), yuan(p.out),
      h("span", p.overdue ? h("span.tag.badt", t("cs.overdue")) : null, p.idle ? h("span.tag.badt", t("cs.idle")) : null)]),
    { "data-testid": "cs-desk-projects" })));
  if (list.length) view.append(await projectForms(list, call, redraw));
  view.append(planForm(mine, call, redraw), annualForm(mine, call, redraw));
}

const dateInput = (testid, value) => h("input", { type: "date", "data-testid": testid, value });
const today = () => { const d = new Date(Date.now() + 8 * 3600e3); return d.toISOString().slice(0, 10); };

async function projectForms(list, call, redraw) {
  const box = h("div", { "data-testid": "cs-desk-forms" });
  const pick = select("cs-desk-project", list.map((p) => [p.id, `${p.id} · ${p.title}`]), list[0].id);
  const forms = h("div.cs-forms");
  const draw = async () => {
    const p = await projectOf(pick.value);
    const flows = await flowsOf(p.id);
    const purposes = p.purposes_now.map((c) => [c, bi((p.purposes.concat(...p.changes.map((x) => x.purposes)).find((x) => x.code === c) || { label: c }).label)]);
    forms.replaceChildren(giveForm(p, purposes, call, redraw), disburseForm(p, purposes, call, redraw), discloseForm(p, call, redraw),
      goodsForms(p, flows, purposes, call, redraw), closeForm(p, call, redraw));
  };
  pick.addEventListener("change", draw);
  await draw();
  box.append(card(t("cs.choose"), pick, forms));
  return box;
}

function giveForm(p, purposes, call, redraw) {
  const amount = input("cs-give-amount", { placeholder: "1000.00" });
  const channel = select("cs-give-channel", p.channels.map((c) => [c, c]), p.channels[0]);
  const on = dateInput("cs-give-on", today());
  const kind = select("cs-give-kind", ["issued", "anonymous", "declined"].map((k) => [k, rcText(k)]), "issued");
  const no = input("cs-give-no", { placeholder: "JMCS-2026-000123", class: "mono" });
  const doc = hashInput("cs-give-doc");
  const who = input("cs-give-who", { placeholder: "张三|4407…", autocomplete: "off" });
  const restricted = select("cs-give-restricted", [["", "—"], ...purposes], "");
  const handover = h("div", { "data-testid": "cs-give-secret" });
  const form = txForm("cs-give", [[`${t("cs.amount")}（${t("sc.yuan")}）`, amount], [t("cs.channel"), channel], [t("cs.received"), on], [t("cs.rkind"), kind],
    [t("cs.receiptno"), no], [t("cs.edoc"), doc], [t("cs.donorname"), who], [t("cs.restricted"), restricted]], t("cs.give"), async () => {
    const salt = secret.random();
    const issued = kind.value === "issued";
    const args = {
      project_id: p.id, amount: toFen(amount.value), channel: channel.value, received_on: on.value, receipt_kind: kind.value,
      receipt_no: issued ? no.value.trim() : "", receipt_doc: issued ? doc.value() : null,
      donor: who.value.trim() ? await secret.commitment(salt, who.value.trim()) : null,
      ref: await secret.ref(salt), lock: await secret.lock(salt, 0), restricted: restricted.value || null,
    };
    const { res, value } = await call("donate", args);
    handover.replaceChildren(h("p.small", t("cs.handover")), h("div.cs-secret", toHex(salt)), h("p.small.mono", value.id));
    who.value = "";
    return committed(res, `${t("cs.given")} ${value.id}`);
  });
  return h("div.stepbox", h("b", t("cs.give")), form, handover);
}

function disburseForm(p, purposes, call, redraw) {
  const amount = input("cs-pay-amount", { placeholder: "1000.00" });
  const purpose = select("cs-pay-purpose", purposes, purposes.length ? purposes[0][0] : "");
  const ev = hashInput("cs-pay-evidence");
  const did = input("cs-pay-recipient", { placeholder: "did:wuyi:…", class: "mono" });
  const handover = h("div", { "data-testid": "cs-pay-code" });
  const form = txForm("cs-pay", [[`${t("cs.amount")}（${t("sc.yuan")}）`, amount], [t("cs.purpose"), purpose], [t("cs.evidence"), ev], [t("cs.recipientdid"), did]],
    t("cs.disburse"), async () => {
      let recipient = null;
      let code = null;
      if (did.value.trim()) {
        if (!DID_RE.test(did.value.trim())) throw new Error(t("sc.baddid"));
        code = secret.random();
        recipient = await recipientCommitment(did.value.trim(), code);
      }
      const { res, value } = await call("disburse", { project_id: p.id, amount: toFen(amount.value), purpose: purpose.value, evidence: ev.value(), recipient });
      handover.replaceChildren(code ? h("div", h("p.small", t("cs.codehand")), h("div.cs-secret", toHex(code)), h("p.small.mono", value.id)) : "");
      return committed(res, `${t("cs.paid")} ${value.id} · ${value.allocations.length}`);
    });
  return h("div.stepbox", h("b", t("cs.disburse")), form, handover);
}

function discloseForm(p, call, redraw) {
  const kind = select("cs-disc-kind", [["periodic", t("cs.dk.periodic")], ["final", t("cs.dk.final")]], "periodic");
  const doc = hashInput("cs-disc-doc");
  return h("div.stepbox", h("b", t("cs.disclose")), txForm("cs-disc", [[t("cs.kind"), kind], [t("cs.discdoc"), doc]], t("cs.disclose"), async () => {
    const { res } = await call("disclose", { project_id: p.id, kind: kind.value, doc: doc.value() });
    return committed(res, t("cs.disclosed"));
  }, redraw));
}

function closeForm(p, call, redraw) {
  if (p.status !== "open") return null;
  const reason = input("cs-close-reason", { maxlength: 200 });
  return h("div.stepbox", h("b", t("cs.close")), txForm("cs-close", [[t("cs.reason"), reason]], t("cs.close"), async () => {
    const { res } = await call("close_fundraising", { project_id: p.id, reason: reason.value.trim() });
    return committed(res, t("cs.closed"));
  }, redraw));
}

function goodsForms(p, flows, purposes, call, redraw) {
  const item = input("cs-goods-item");
  const unit = input("cs-goods-unit", { placeholder: "袋" });
  const qty = input("cs-goods-qty", { placeholder: "100" });
  const value = input("cs-goods-value", { placeholder: "5000.00" });
  const on = dateInput("cs-goods-on", today());
  const give = txForm("cs-goods", [[t("cs.item"), item], [t("cs.unit"), unit], [t("cs.quantity"), qty], [`${t("cs.value")}（${t("sc.yuan")}）`, value], [t("cs.received"), on]],
    t("cs.goodsin"), async () => {
      const { res, value: v } = await call("donate_goods", { project_id: p.id, item: item.value.trim(), unit: unit.value.trim(), quantity: Number(qty.value),
        value: toFen(value.value), channel: p.channels[0], received_on: on.value, receipt_kind: "declined" });
      return committed(res, `${t("cs.given")} ${v.id}`);
    }, redraw);
  const batches = flows.donations.filter((d) => d.kind === "goods");
  const parts = [h("b", t("cs.goods")), give];
  if (batches.length) {
    const batch = select("cs-store-batch", batches.map((b) => [b.id, `${b.id} · ${b.item}`]), batches[0].id);
    const wh = input("cs-store-wh", { placeholder: "JH-WH-01", class: "mono" });
    const n = input("cs-store-qty");
    parts.push(txForm("cs-store", [[t("cs.batch"), batch], [t("cs.warehouse"), wh], [t("cs.quantity"), n]], t("cs.store"), async () => {
      const { res } = await call("warehouse_in", { batch_id: batch.value, warehouse: wh.value.trim(), quantity: Number(n.value) });
      return committed(res, t("cs.stored"));
    }, redraw));
    const sb = select("cs-send-batch", batches.map((b) => [b.id, `${b.id} · ${b.item}`]), batches[0].id);
    const swh = input("cs-send-wh", { placeholder: "JH-WH-01", class: "mono" });
    const sn = input("cs-send-qty");
    const sp = select("cs-send-purpose", purposes, purposes.length ? purposes[0][0] : "");
    const did = input("cs-send-recipient", { placeholder: "did:wuyi:…", class: "mono" });
    const handover = h("div", { "data-testid": "cs-send-code" });
    parts.push(txForm("cs-send", [[t("cs.batch"), sb], [t("cs.warehouse"), swh], [t("cs.quantity"), sn], [t("cs.purpose"), sp], [t("cs.recipientdid"), did]],
      t("cs.send"), async () => {
        if (!DID_RE.test(did.value.trim())) throw new Error(t("sc.baddid"));
        const code = secret.random();
        const { res, value: v } = await call("distribute", { batch_id: sb.value, warehouse: swh.value.trim(), quantity: Number(sn.value), purpose: sp.value,
          recipient: await recipientCommitment(did.value.trim(), code) });
        handover.replaceChildren(h("p.small", t("cs.codehand")), h("div.cs-secret", toHex(code)), h("p.small.mono", v.id));
        return committed(res, `${t("cs.sent")} ${v.id}`);
      }), handover);
  }
  return h("div.stepbox", parts);
}

function planForm(mine, call, redraw) {
  if (!mine.qualification || mine.qualification.status !== "valid") return null;
  const title = input("cs-plan-title");
  const purposes = h("textarea", { rows: 3, "data-testid": "cs-plan-purposes", placeholder: t("cs.purposesph") });
  const start = dateInput("cs-plan-start", "");
  const end = dateInput("cs-plan-end", "");
  const regions = input("cs-plan-regions", { value: "440703", class: "mono" });
  const channels = input("cs-plan-channels", { value: "bank, box", class: "mono" });
  const account = hashInput("cs-plan-account");
  const ben = input("cs-plan-beneficiary");
  const target = input("cs-plan-target", { placeholder: "100000.00" });
  const budget = input("cs-plan-budget", { placeholder: "1000.00" });
  const surplus = input("cs-plan-surplus");
  const urgent = h("input", { type: "checkbox", "data-testid": "cs-plan-urgent" });
  const list = (s) => s.split(/[\s,，、]+/).filter(Boolean);
  return card(t("cs.fileplan"), txForm("cs-plan", [[t("cs.title"), title], [t("cs.purposes"), purposes], [t("cs.start"), start], [t("cs.end"), end],
    [t("cs.regions"), regions], [t("cs.channels"), channels], [t("cs.account"), account], [t("cs.beneficiary"), ben],
    [`${t("cs.target")}（${t("sc.yuan")}）`, target], [`${t("cs.budget")}（${t("sc.yuan")}）`, budget], [t("cs.surplus"), surplus], [t("cs.urgent"), urgent]],
  t("cs.fileplan"), async () => {
    const ps = purposes.value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const i = l.search(/\s/);
      return i < 0 ? { code: l, label: l } : { code: l.slice(0, i), label: l.slice(i + 1).trim() };
    });
    const { res, value } = await call("file_plan", { charity_id: mine.id, title: title.value.trim(), purposes: ps, start: start.value, end: end.value,
      regions: list(regions.value), channels: list(channels.value), bank_account_hash: account.value(), beneficiary: ben.value.trim(),
      target: toFen(target.value), cost_budget: toFen(budget.value), surplus_rule: surplus.value.trim(), urgent: urgent.checked });
    return committed(res, `${t("cs.planfiled")} ${value.id}`);
  }, redraw));
}

function annualForm(mine, call, redraw) {
  const year = input("cs-annual-year", { value: String(Number(today().slice(0, 4)) - 1) });
  const fields = ["income", "income3", "netassets", "spending", "mgmt", "total"].map((k) => [k, input(`cs-annual-${k}`, { placeholder: "0.00" })]);
  const doc = hashInput("cs-annual-doc");
  const fen = (el, optional) => (optional && !el.value.trim() ? 0 : toFen(el.value));
  const f = Object.fromEntries(fields);
  return card(t("cs.annual"), txForm("cs-annual", [[t("cs.year"), year], ...fields.map(([k, el]) => [`${t(`cs.${k}`)}（${t("sc.yuan")}）`, el]), [t("cs.auditdoc"), doc]],
    t("cs.annual"), async () => {
      const { res, value } = await call("annual_report", { charity_id: mine.id, year: Number(year.value), income_prev: fen(f.income), income_avg3: fen(f.income3, true),
        net_assets_prev: fen(f.netassets), charitable_spending: fen(f.spending), management_cost: fen(f.mgmt), total_spending: fen(f.total), doc: doc.value() });
      return committed(res, `${t("cs.annualok")} · ${value.ok ? t("cs.ratiook") : t("cs.ratiobad")}`);
    }, redraw));
}

// -- 民政局's desk ------------------------------------------------------------------------------------

export async function bureauPage(view) {
  view.append(h("h1", t("cs.bureau")), h("p.muted", t("cs.bureauintro")), flashBox());
  const redraw = () => { view.replaceChildren(); return bureauPage(view); };
  const why = gate("supervisor");
  const [orgs, alerts] = await Promise.all([charities(), apiList("/v1/charity/alerts?limit=100", 200)]);
  const nameOf = Object.fromEntries(orgs.map((c) => [c.id, c.name]));
  const pending = orgs.filter((c) => c.application && c.application.status === "pending");
  view.append(card(t("cs.apps"), why, table([t("cs.charity"), t("cs.kind"), t("cs.registered"), t("cs.appliedon"), t("cs.duewd"), ""],
    pending.map((c) => {
      const cert = input(`cs-cert-${c.id}`, { placeholder: "JMMZ-GM-2026-001", class: "mono" });
      const reason = input(`cs-reason-${c.id}`, { placeholder: t("cs.reason") });
      const acts = why ? null : h("div.actions.tight", cert,
        txButton(`cs-grant-${c.id}`, t("cs.grant"), async () => {
          const { res } = await callContract(C, "decide_qualification", { charity_id: c.id, grant: true, cert_no: cert.value.trim(), reason: "" });
          return committed(res, `${t("cs.granted")} ${c.name}`);
        }, redraw),
        reason,
        txButton(`cs-refuse-${c.id}`, t("cs.refuse"), async () => {
          const { res } = await callContract(C, "decide_qualification", { charity_id: c.id, grant: false, cert_no: "", reason: reason.value.trim() });
          return committed(res, `${t("cs.refusedok")} ${c.name}`);
        }, redraw, "ghost"));
      return [data(c.name), kindText(c.kind), c.registered_on, c.application.on, h("b", { "data-testid": `cs-due-${c.id}` }, c.application.due), acts];
    }), { "data-testid": "cs-apps" })));
  view.append(card(t("cs.charities"), table([t("cs.charity"), t("cs.kind"), t("cs.uscc"), t("cs.registered"), t("cs.qual"), t("cs.annuals"), ""],
    orgs.map((c) => [data(c.name), kindText(c.kind), h("code", c.uscc), c.registered_on, qualText(c),
      h("span", { "data-testid": `cs-annual-${c.id}` }),
      !why && c.qualification && c.qualification.status === "valid" ? txButton(`cs-revoke-${c.id}`, t("cs.revoke"), async () => {
        const { res } = await callContract(C, "set_qualification", { charity_id: c.id, status: "revoked", reason: "民政局撤销 / revoked by civil affairs", cert_no: "" });
        return committed(res, t("cs.revoked"));
      }, redraw, "ghost") : null]), { "data-testid": "cs-orgs" })));
  for (const c of orgs) {
    getPlain(`/v1/charity/charities/${enc(c.id)}`).then((d) => {
      const el = view.querySelector(`[data-testid=cs-annual-${c.id}]`);
      if (el) el.replaceChildren(...(d.annual || []).map((a) => h(`span.tag.${a.ok ? "okt" : "badt"}`, `${a.year} ${a.ok ? t("cs.ratiook") : t("cs.ratiobad")}`)));
    }).catch(() => {});
  }
  view.append(alertsCard(alerts, nameOf));
  if (!why) view.append(registerForm(redraw));
  view.append(await paramsCard(C));
}

function registerForm(redraw) {
  const id = input("cs-reg-id", { class: "mono" });
  const name = input("cs-reg-name");
  const kind = select("cs-reg-kind", ["foundation", "association", "service"].map((k) => [k, kindText(k)]), "association");
  const uscc = input("cs-reg-uscc", { class: "mono" });
  const on = dateInput("cs-reg-on", "");
  const did = input("cs-reg-did", { placeholder: "did:wuyi:…", class: "mono" });
  return card(t("cs.register"), txForm("cs-reg", [[t("cs.cid"), id], [t("cs.name"), name], [t("cs.kind"), kind], [t("cs.uscc"), uscc], [t("cs.registered"), on], [t("cs.did"), did]],
    t("cs.register"), async () => {
      if (!DID_RE.test(did.value.trim())) throw new Error(t("sc.baddid"));
      const { res } = await callContract(C, "register_charity", { charity_id: id.value.trim(), name: name.value.trim(), kind: kind.value,
        uscc: uscc.value.trim().toUpperCase(), registered_on: on.value, did: did.value.trim(), org: null });
      return committed(res, `${t("cs.registeredok")} ${name.value.trim()}`);
    }, redraw));
}

// -- the recipient's confirmation (a card of 我的办事) ------------------------------------------------

registerCitizenCard({
  render: async (w, { redraw }) => {
    const item = input("cs-confirm-item", { placeholder: "P000002-S00000002", class: "mono" });
    const code = input("cs-confirm-code", { class: "mono", autocomplete: "off" });
    return card(t("cs.confirm"), h("p.muted.small", t("cs.confirmnote")),
      txForm("cs-confirm", [[t("cs.itemid"), item], [t("cs.code"), code]], t("cs.confirmgo"), async () => {
        const c = secret.parse(code.value);
        const { res } = await callContract(C, "confirm_receipt", { item_id: item.value.trim(), code: c }, w.key);
        return committed(res, `${t("cs.confirmedok")} ${item.value.trim()}`);
      }, redraw));
  },
});

// -- what this scenario contributes -----------------------------------------------------------------

registerParams(C, "mzj");

export const routes = {
  charity: [charityPage, "public"],
  "charity-follow": [followPage, "public"],
  "charity-org": [deskPage, "public"],
  "charity-bureau": [bureauPage, "member"],
};
export const nav = [
  ["charity", "nav.charity", "public"],
  ["charity-follow", "nav.charity-follow", "public"],
  ["charity-org", "nav.charity-org", "public"],
  ["charity-bureau", "nav.charity-bureau", "member"],
];
export const who = {
  "charity-bureau": (m, r) => m.org === "mzj" || r.includes("supervisor"),
};
