// Member pages: overview, organisations, nodes, contracts, governance, explorer.

import { get, readGet, session, chainStatus } from "./api.js";
import { getLang, t, ts } from "./i18n.js";
import { chart } from "./charts.js";
import { every, go, sendTx, keyDialog } from "./app.js";
import { badge, bi, card, data, dot, errorBox, fmtTime, h, kv, link, plain, pre, short, table } from "./ui.js";
import { orgLabel, orgNames } from "./data.js";
import { evidenceAlert, loadEvidence } from "./misbehaviour.js";

const list = (doc, field) => (doc && (doc[field] || doc.items)) || [];

// -- overview ---------------------------------------------------------------------------------

// Certificates this node depends on (its own, its peers', the CAs the chain lists) that expire
// within 30 days: a warning on the overview and the nodes page.
const CERT_WARN_DAYS = 30;
function certAlert(cons) {
  const due = (cons.certificates || []).filter((c) => c.days_left < CERT_WARN_DAYS);
  if (!due.length) return null;
  return h("div.alert.warn", { "data-testid": "cert-alert" }, `${t("nodes.certwarn")}: `,
    due.map((c) => `${c.kind} ${c.name} (${c.days_left})`).join(", "), " ", link("#/nodes", t("nav.nodes")));
}

async function loadOverview() {
  const [st, cons, blocks, lately, evidence] = await Promise.all([
    chainStatus(true), get("/v1/consensus"), get("/v1/blocks?limit=40"), recentBlocks(30), loadEvidence(1),
  ]);
  let pending = [];
  if (session.isAdmin) {
    pending = list(await get("/v1/gov/proposals?status=open"), "proposals").filter((p) => !(p.votes || {})[session.member.org]);
  }
  return { st, cons, blocks: list(blocks, "blocks").slice().reverse(), pending, lately, evidence };
}

/** The blocks of the last `minutes` minutes (newest first, at most 2,000). */
async function recentBlocks(minutes) {
  const since = Date.now() - minutes * 60_000;
  const out = [];
  let cursor = null;
  do {
    const doc = await get(`/v1/blocks?limit=100${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
    const page = list(doc, "blocks");
    out.push(...page.filter((b) => b.time >= since));
    cursor = page.length && page[page.length - 1].time >= since ? doc.next : null;
  } while (cursor && out.length < 2000);
  return out;
}

/** Committed transactions in each of the last `minutes` minutes (idle minutes are 0). */
export function txPerMinute(blocks, minutes, now = Date.now()) {
  const end = Math.floor(now / 60_000);
  const counts = Array.from({ length: minutes }, () => 0);
  for (const b of blocks) {
    const i = minutes - 1 - (end - Math.floor(b.time / 60_000));
    if (i >= 0 && i < minutes) counts[i] += b.tx_count;
  }
  const hm = (m) => { const d = new Date(m * 60_000); return `${d.getHours()}:${String(d.getMinutes()).padStart(2, "0")}`; };
  return counts.map((y, i) => ({ x: hm(end - minutes + 1 + i), y }));
}

function overviewBody(d) {
  const { st, cons, blocks, pending, lately, evidence } = d;
  const vals = cons.validators || [];
  const up = vals.filter((v) => v.up).length;
  const series = [];
  for (let i = 1; i < blocks.length; i++) {
    const dt = Math.max(1, blocks[i].time - blocks[i - 1].time);
    series.push({ x: blocks[i].height, tps: +(blocks[i].tx_count / (dt / 1000)).toFixed(2) });
  }
  const span = blocks.length > 1 ? (blocks[blocks.length - 1].time - blocks[0].time) / 1000 : 0;
  const txs = blocks.slice(1).reduce((n, b) => n + b.tx_count, 0);
  const tps = span > 0 ? (txs / span).toFixed(2) : "0";
  const stat = (label, value, testid) => h("div.stat", h("div.stat-v", { "data-testid": testid }, value), h("div.stat-l", label));
  return [
    evidenceAlert(evidence),
    h("div.stats",
      stat(t("common.height"), String(st.height), "height"),
      stat(t("overview.upcount"), `${up} / ${vals.length}`, "validators-up"),
      stat(t("overview.round"), `${cons.round ?? 0}${cons.step ? " · " + cons.step : ""}`, "round"),
      stat(t("overview.mempool"), String(st.mempool_size), "mempool"),
      stat(t("overview.tpsstat"), tps, "tps")),
    h("div.grid2",
      card(t("overview.chain"), kv([
        [t("common.name"), st.name], [t("overview.chainid"), h("span.mono", st.chain_id)], [t("overview.suite"), st.suite === "sm" ? "国密 SM2/SM3 (sm)" : "Ed25519/SHA-256 (intl)"],
        [t("overview.lastblock"), fmtTime(st.last_block_time)], [t("nodes.mode"), modeText(cons.mode)],
      ])),
      card(t("overview.validators"), h("ul.vals", { "data-testid": "validators" }, vals.map((v) =>
        h("li", dot(v.up), h("b.data", v.name), h("span.muted.mono", short(v.address, 8)), h("span.tag", v.up ? t("overview.up") : t("overview.down"))))))),
    certAlert(cons),
    pending.length ? h("div.alert.info", { "data-testid": "pending-alert" },
      `${t("overview.pending")}: ${pending.length} `, link("#/gov", t("nav.gov"))) : null,
    h("div.grid2",
      card(t("overview.tps"), chart(series.map((p) => ({ x: p.x, y: p.tps })), { kind: "bar", label: t("overview.tps") })),
      card(t("overview.txmin"), h("div", { "data-testid": "tx-per-minute" },
        chart(txPerMinute(lately, 30), { kind: "bar", color: "#1e8e3e", label: t("overview.txmin"), integer: true })))),
    card(t("overview.recent"), table([t("common.height"), t("common.time"), t("overview.txs"), t("common.hash")],
      blocks.slice(-8).reverse().map((b) => [link(`#/explorer/block/${b.height}`, String(b.height)), fmtTime(b.time), String(b.tx_count), h("span.mono", short(b.hash, 12))]))),
  ];
}

export async function overviewPage(view) {
  const body = h("div", { "data-testid": "overview" });
  view.append(h("h1", t("nav.overview"), h("span.live", "● " + t("common.refresh"))), body);
  body.replaceChildren(...overviewBody(await loadOverview()).filter(Boolean));
  let busy = false;
  every(2000, async () => {
    if (busy || !body.isConnected) return;
    busy = true;
    try { body.replaceChildren(...overviewBody(await loadOverview()).filter(Boolean)); } catch { /* next tick */ } finally { busy = false; }
  });
}

// -- organisations and members ------------------------------------------------------------------

export async function orgsPage(view, args) {
  view.append(h("h1", t("nav.orgs")));
  const orgs = list(await get("/v1/orgs"), "orgs");
  const sel = args[0];
  view.append(card(null, table([t("common.org"), t("common.name"), t("common.status"), ""], orgs.map((o) => [
    link(`#/orgs/${o.id}`, o.id, "mono"), data(o.name), badge(o.status), o.operator ? h("span.tag.op", t("orgs.operator")) : "",
  ]))));
  if (sel) {
    const members = list(await get(`/v1/orgs/${encodeURIComponent(sel)}/members`), "members");
    view.append(card(h("span", t("orgs.members"), " · ", h("code", sel)), table(
      [t("common.name"), t("common.address"), t("common.roles"), t("common.status")],
      members.map((m) => [data(m.name), link(`#/explorer/account/${m.address}`, m.address, "mono"),
        h("span", m.roles.map((r) => h("span.tag", { title: r }, roleText(r)))), badge(m.status)]))));
  }
}

// -- nodes (platform operator) ----------------------------------------------------------------

export async function nodesPage(view) {
  view.append(h("h1", t("nav.nodes")));
  const body = h("div");
  view.append(body);
  const draw = async () => {
    const c = await get("/v1/consensus");
    body.replaceChildren(...[
      certAlert(c),
      card(null, kv([[t("nodes.mode"), modeText(c.mode)], [t("common.height"), String(c.height)],
        [t("overview.round"), String(c.round)], [t("overview.step"), c.step || "—"],
        c.last_commit_time ? [t("overview.lastblock"), fmtTime(c.last_commit_time)] : null,
        c.error ? [t("common.error"), c.error] : null])),
      card(t("overview.validators"), table(["", t("common.name"), t("common.address"), t("nodes.power"), ""],
        (c.validators || []).map((v) => [dot(v.up), data(v.name), h("span.mono", v.address), String(v.power), v.self ? h("span.tag", t("nodes.self")) : ""]))),
      card(t("nodes.peers"), table(["", t("common.name"), t("nodes.pubkey")], (c.peers || []).map((p) => [dot(p.connected), data(p.name), h("span.mono", short(p.public_key, 12))]))),
      (c.certificates || []).length ? card(t("nodes.certs"), table(["", t("nodes.certkind"), t("common.name"), t("nodes.subject"), t("nodes.notafter"), t("nodes.daysleft")],
        c.certificates.map((x) => [dot(x.days_left >= CERT_WARN_DAYS), x.kind, data(x.name), h("span.mono", x.subject), x.not_after.slice(0, 10), String(x.days_left)]), { "data-testid": "certs" })) : null,
      c.network ? card("network", pre(c.network)) : null].filter(Boolean));
  };
  await draw();
  every(3000, () => draw().catch(() => {}));
}

// -- proposals (shared by contracts and governance) ---------------------------------------------

function votesOf(p) {
  return Object.entries(p.votes || {}).map(([org, v]) => ({ org, choice: v.choice, height: v.height }));
}

function approvalHint(p, orgCount) {
  const yes = votesOf(p).filter((v) => v.choice === "yes").length;
  if (p.policy && p.policy.expr === "MAJORITY") return yes * 2 > orgCount;
  return true; // other policies: let the chain decide on execute
}

const CJK = /[\u3400-\u9fff]/;

/** A business role in words (its code if the console has no label for it). */
export function roleText(role) {
  return t(`role.${role}`) === `role.${role}` ? h("code", role) : t(`role.${role}`);
}

function modeText(mode) {
  return t(`nodes.mode.${mode}`) === `nodes.mode.${mode}` ? h("code", mode || "—") : t(`nodes.mode.${mode}`);
}

/** A proposal's action in words (its type in the reader's language). */
function actionText(a) {
  const key = `gov.act.${a.type}`;
  return t(key) === key ? String(a.type || "—") : t(key);
}

/** A proposal's title in the reader's language: a bilingual "中文 / English" title's half;
 *  an English-only title on the Chinese page becomes its action in words, with the object. */
function proposalTitle(p) {
  const title = String(p.title || "");
  if (/ \/ |）\/ /.test(title)) return data(bi(title));
  if (getLang() === "en" || CJK.test(title)) return data(title); // written by the proposer
  const args = (p.action || {}).args || {};
  const what = (args.package && args.package.name) || args.type || args.org || args.name || "";
  return h("span", actionText(p.action || {}), what ? h("span", " ", h("code", what)) : null);
}

// heights → time: the block time of a height passed, an estimate for one to come
let pace = { height: 0, time: 0, ms: 0 };

/** The recent block rate (for the deadline estimates), from the last 40 blocks. */
export async function loadPace() {
  const blocks = list(await get("/v1/blocks?limit=40"), "blocks");
  if (blocks.length > 1) {
    const [last, first] = [blocks[0], blocks[blocks.length - 1]];
    pace = { height: last.height, time: last.time, ms: (last.time - first.time) / Math.max(1, last.height - first.height) };
  } else if (blocks.length) pace = { height: blocks[0].height, time: blocks[0].time, ms: 0 };
}

function when(height) {
  return h("span", link(`#/explorer/block/${height}`, `#${height}`), height <= pace.height && pace.ms
    ? ` · ${t("gov.about")} ${fmtTime(pace.time - (pace.height - height) * pace.ms)}` : "");
}

/** A deadline (a height) as words: blocks to go and an estimated date, or closed. */
export function deadlineText(p) {
  const d = p.deadline;
  if (d === undefined || d === null) return "—";
  const left = d - pace.height;
  if (left < 0) return h("span", `${t("gov.closedat")} · `, when(d));
  const eta = pace.ms ? ` · ${t("gov.about")} ${fmtTime(pace.time + left * pace.ms)} ${t("gov.estimate")}` : "";
  return h("span", link(`#/explorer/block/${d}`, `#${d}`), ` · ${t("gov.blocksleft").replace("{n}", left)}${eta}`);
}

function proposalCard(p, orgCount, onDone) {
  const votes = votesOf(p);
  const mine = session.member ? (p.votes || {})[session.member.org] : null;
  const msg = h("div.msg", { "data-testid": `prop-msg-${p.id}`, "aria-live": "polite" });
  const act = async (kind, payload, btn) => {
    btn.disabled = true;
    msg.className = "msg";
    msg.textContent = "…";
    try {
      const res = await sendTx(kind, payload);
      const ev = (res.receipt.events || []).find((e) => e.type === "gov.voted");
      msg.className = "msg ok";
      msg.textContent = `${t("gov.sent")} #${res.height} · ${short(res.tx_hash, 8)}${ev && ev.attrs.approved ? " · " + t("gov.approved") : ""}`;
      setTimeout(onDone, 900);
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message;
      btn.disabled = false;
    }
  };
  const actions = [];
  if (p.status === "open" && session.signedIn) {
    if (!session.isAdmin) actions.push(h("span.muted", t("gov.adminonly")));
    else if (!session.key) actions.push(h("button.link", { onclick: () => keyDialog() }, t("gov.needkey")));
    else {
      if (!mine || mine.choice !== "yes") {
        const b = h("button.primary", { "data-testid": `approve-${p.id}`, onclick: () => act("gov.vote", { id: p.id, choice: "yes" }, b) }, t("gov.approve"));
        actions.push(b);
      }
      if (!mine) {
        const n = h("button.ghost", { "data-testid": `reject-${p.id}`, onclick: () => act("gov.vote", { id: p.id, choice: "no" }, n) }, t("gov.reject"));
        actions.push(n);
      }
      if (approvalHint(p, orgCount)) {
        const x = h("button.secondary", { "data-testid": `execute-${p.id}`, onclick: () => act("gov.execute", { id: p.id }, x) }, t("gov.execute"));
        actions.push(x);
      }
    }
  }
  const a = p.action || {};
  const pkg = (a.args || {}).package;
  return h("article.prop", { "data-testid": `proposal-${p.id}` },
    h("div.prop-head", h("span.pid", `#${p.id}`), h("b", { "data-testid": `prop-title-${p.id}` }, proposalTitle(p)), badge(p.status),
      mine ? h("span.tag", `${t("gov.myvote")}: ${t(`gov.choice.${mine.choice}`)}`) : null),
    kv([[t("gov.action"), h("span", actionText(a), pkg ? h("span", " · ", h("code", pkg.name), ` ${pkg.version}`) : "", " ", h("code.small.muted", a.type))],
      [t("gov.proposer"), p.proposer_org ? h("code", p.proposer_org) : "—"],
      [t("gov.policy"), p.policy ? h("span", h("code", p.policy.name), " ", h("code", p.policy.expr)) : "—"],
      p.created_height !== undefined ? [t("gov.created"), when(p.created_height)] : null,
      [t("gov.deadline"), h("span", { "data-testid": `deadline-${p.id}` }, deadlineText(p))],
      [t("gov.votes"), h("span.votes", votes.length ? votes.map((v) => h(`span.vote.v-${v.choice}`, { title: `#${v.height}` }, `${v.org} ${v.choice === "yes" ? "✔" : v.choice === "no" ? "✘" : "○"}`)) : t("common.none"),
        h("span.muted", ` (${votes.filter((v) => v.choice === "yes").length}/${orgCount}${p.policy && p.policy.expr === "MAJORITY" ? ` · ${t("gov.need")} ${Math.floor(orgCount / 2) + 1}` : ""})`))]]),
    actions.length ? h("div.actions", actions) : null, msg);
}

async function proposalsView(filterFn, status) {
  const q = status ? `?status=${status}&limit=50` : "?limit=50";
  const [props, orgs] = await Promise.all([get(`/v1/gov/proposals${q}`), get("/v1/orgs"), loadPace()]);
  const orgCount = list(orgs, "orgs").filter((o) => o.status === "active").length;
  return { props: list(props, "proposals").filter(filterFn), orgCount };
}

// -- contracts ------------------------------------------------------------------------------

export async function contractsPage(view, args) {
  if (args[0]) return contractDetail(view, args[0]);
  view.append(h("h1", t("nav.contracts")));
  const contracts = list(await get("/v1/contracts"), "contracts");
  view.append(card(null, table([t("common.name"), t("contracts.version"), t("common.status"), t("contracts.deployed"), ""],
    contracts.map((c) => [link(`#/contracts/${c.name}`, c.name, "mono"), c.version, badge(c.status), String(c.deployed_height), bi(c.description)]))));
  const box = h("div", { "data-testid": "contract-proposals" });
  view.append(card(t("contracts.pending"), box));
  const draw = async () => {
    const { props, orgCount } = await proposalsView((p) => String((p.action || {}).type).startsWith("contract."), "open");
    box.replaceChildren(...(props.length ? props.map((p) => proposalCard(p, orgCount, draw)) : [h("p.muted", t("common.none"))]));
  };
  await draw();
}

async function contractDetail(view, name) {
  const c = await get(`/v1/contracts/${encodeURIComponent(name)}`);
  view.append(h("h1", link("#/contracts", "‹ "), `${t("nav.contracts")} · `, h("code", c.name)));
  const methods = plain((c.abi && c.abi.methods) || []);
  const mlist = Array.isArray(methods) ? methods : Object.entries(methods).map(([n, m]) => ({ name: n, ...m }));
  view.append(
    card(null, kv([[t("common.name"), h("code", c.name)], [t("contracts.version"), c.version], [t("common.status"), badge(c.status)],
      [t("contracts.codehash"), h("span.mono", c.code_hash)], [t("contracts.deployed"), String(c.deployed_height)], ["", bi(c.description)]])),
    card(t("contracts.methods"), table([t("common.name"), t("common.kind"), t("contracts.params")], mlist.map((m) => [
      h("code", m.name), t(`contracts.kind.${m.kind}`) === `contracts.kind.${m.kind}` ? m.kind || "" : t(`contracts.kind.${m.kind}`),
      h("span.mono", JSON.stringify(m.params || m.args || []))]))),
    card(t("contracts.history"), h("ol.timeline", (c.history || []).map((x) =>
      h("li", h("b", actionText({ type: `contract.${x.action || x.event || x.status}` })), ` ${x.version || ""} `, h("span.muted", `#${x.height ?? ""}`),
        x.proposal !== undefined ? h("span.muted", ` · ${t("gov.title")} #${x.proposal}`) : null)))));
}

// -- governance -----------------------------------------------------------------------------

export async function govPage(view, args, query) {
  const status = query.get("status") ?? "open";
  view.append(h("h1", t("nav.gov")));
  const filters = h("div.filters", ["open", "executed", "rejected", ""].map((s) =>
    h(`a.chip${s === status ? ".on" : ""}`, { href: `#/gov?status=${s}` }, s ? ts(s) : t("gov.filter.all"))));
  const box = h("div", { "data-testid": "proposals" });
  view.append(filters, box);
  const draw = async () => {
    const { props, orgCount } = await proposalsView(() => true, status);
    box.replaceChildren(...(props.length ? props.map((p) => proposalCard(p, orgCount, draw)) : [h("p.muted", t("common.none"))]));
  };
  await draw();
}

// -- explorer -------------------------------------------------------------------------------

function searchBox(initial) {
  const input = h("input.search", { type: "search", value: initial || "", placeholder: t("explorer.search"), "data-testid": "search" });
  const form = h("form.searchform", input, h("button.primary", { type: "submit", "data-testid": "search-go" }, t("explorer.go")));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); go(`#/explorer/search?q=${encodeURIComponent(input.value.trim())}`); });
  return form;
}

async function tryGet(path) {
  try { return await get(path); } catch (e) { if (e.status === 404 || e.status === 400 || e.status === 422) return null; throw e; }
}

async function search(q) {
  const s = q.trim().replace(/^0x/i, "");
  if (/^\d+$/.test(s)) return `#/explorer/block/${s}`;
  if (/^wy[0-9a-f]{40}$/i.test(s)) return `#/explorer/account/${s}`;
  if (/^[0-9a-f]{64}$/i.test(s)) {
    if (await tryGet(`/v1/txs/${s}`)) return `#/explorer/tx/${s}`;
    if (await tryGet(`/v1/evidence/${s}`)) return `#/explorer/record/${s}`;
    return null;
  }
  if (/^[0-9a-f]{40}$/i.test(s)) return `#/explorer/account/wy${s}`;
  if (s && (await tryGet(`/v1/contracts/${encodeURIComponent(s)}`))) return `#/contracts/${s}`;
  return null;
}

/** A transaction kind in words. */
export function kindText(kind) {
  const key = `kind.${kind}`;
  return t(key) === key ? String(kind) : t(key);
}

function eventText(type) {
  const key = `event.${type}`;
  return t(key) === key ? h("code", String(type)) : t(key);
}

const HEXLONG = /^[0-9a-f]{48,}$/i;

/** A payload value for reading: long hashes shortened, lists and maps as short text. */
function valueText(v, depth = 0) {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") {
    const inner = depth === 0 && /^\s*\{/.test(v) ? jsonObject(v) : null;
    if (inner) return valueText(inner, depth);
    return HEXLONG.test(v) ? h("span.mono", { title: v }, short(v, 12)) : data(v);
  }
  if (typeof v === "boolean") return t(v ? "common.yes" : "common.no");
  if (typeof v !== "object") return String(v);
  const entries = Array.isArray(v) ? null : Object.entries(v);
  if (depth === 0 && entries && entries.length && entries.length <= 12) {
    // A small map (e.g. a JSON memo) as labelled parts rather than raw JSON.
    return h("span.kvs", entries.map(([k, x]) => h("span.ev-attr", fieldText(k), ": ", valueText(x, 1), " ")));
  }
  const text = JSON.stringify(v);
  return h("span.mono.small", text.length > 160 ? text.slice(0, 157) + "…" : text);
}

/** A string that holds a JSON object, parsed; null otherwise. */
function jsonObject(s) {
  try {
    const o = JSON.parse(s);
    return o && typeof o === "object" && !Array.isArray(o) ? o : null;
  } catch {
    return null;
  }
}

const fieldText = (k) => (t(`field.${k}`) === `field.${k}` ? h("code", k) : t(`field.${k}`));

/** The fields of a payload as labelled rows (a contract call: contract, method, each
 *  argument). */
function payloadRows(kind, payload) {
  if (!payload || typeof payload !== "object") return [[t("tx.fields"), valueText(payload)]];
  if (kind === "contract.call" || kind === "contract.call_propose") {
    const args = payload.args || {};
    return [
      [t("tx.contract"), link(`#/contracts/${encodeURIComponent(payload.contract)}`, payload.contract)],
      [t("tx.method"), h("code", payload.method)],
      ...Object.entries(args).map(([k, v]) => [h("span", t("tx.args"), " ", h("code", k)), valueText(v)]),
    ];
  }
  return Object.entries(payload).map(([k, v]) => [fieldText(k), valueText(v)]);
}

/** The events of a receipt in words (a contract's return value shown as such). */
function eventsList(events) {
  if (!events.length) return null;
  return h("div.events", h("h3", t("explorer.events")), h("ul", events.map((e) => {
    const attrs = plain(e.attrs || {});
    const body = e.type === "contract.returned" ? valueText(attrs.value)
      : Object.entries(attrs).map(([k, v]) => h("span.ev-attr", fieldText(k), ": ", valueText(v), " "));
    return h("li", { "data-event": e.type }, h("b", eventText(e.type)), " ", body);
  })));
}

export async function explorerPage(view, args, query) {
  view.append(h("h1", t("nav.explorer")), searchBox(query.get("q")));
  const [what, ref] = args;
  const out = h("div", { "data-testid": "explorer-result" });
  view.append(out);
  if (what === "search") {
    const target = await search(query.get("q") || "");
    if (target) { location.replace(location.pathname + target); return; }
    out.append(h("div.alert.warn", { "data-testid": "notfound" }, t("explorer.notfound")));
    return;
  }
  if (what === "block") {
    const [b, rc] = await Promise.all([get(`/v1/blocks/${ref}`), readGet(`/v1/blocks/${ref}/receipts`)]);
    const hd = b.header;
    out.append(card(`${t("explorer.block")} #${b.height}`, kv([
      [t("common.hash"), h("span.mono", b.hash)], [t("common.time"), fmtTime(hd.time)],
      [t("explorer.proposer"), h("span.mono", short(hd.proposer, 16))], [t("explorer.txroot"), h("span.mono", hd.tx_root)],
      [t("explorer.stateroot"), h("span.mono", hd.state_root)], [t("explorer.qc"), b.qc ? `${(b.qc.signatures || b.qc.votes || []).length || "✔"}` : "—"],
    ]), h("div.pager", b.height > 0 ? link(`#/explorer/block/${b.height - 1}`, "‹ " + (b.height - 1)) : null, " ", link(`#/explorer/block/${b.height + 1}`, (b.height + 1) + " ›"))),
    card(t("explorer.txs"), table([t("common.hash"), t("common.status"), t("explorer.events")],
      list(rc, "receipts").map((r) => [link(`#/explorer/tx/${r.tx_hash}`, short(r.tx_hash, 16), "mono"), badge(r.status),
        h("span", r.events.map((e) => h("span.tag", { title: e.type }, eventText(e.type))))]))));
    return;
  }
  if (what === "tx") {
    // signed with the member's key when it is loaded: a private explorer, or the payload of a
    // personal kind the member may read (each such read is in the node's access log)
    const x = await readGet(`/v1/txs/${ref}`);
    if (x.status === "pending") { out.append(card(t("explorer.tx"), kv([[t("common.hash"), ref], [t("common.status"), ts("pending")]]))); return; }
    const tx = x.tx;
    const [m, names] = await Promise.all([tryGet(`/v1/members/${tx.sender_address}`), orgNames()]);
    out.append(card(`${t("explorer.tx")}`, kv([
      [t("common.hash"), h("span.mono", { "data-testid": "tx-hash" }, x.tx_hash)],
      [t("tx.kind"), h("span", { "data-testid": "tx-kind", "data-kind": tx.kind }, h("b", kindText(tx.kind)), " ", h("code.small.muted", tx.kind))],
      [t("tx.org"), m ? orgLabel(names, m.org) : t("explorer.citizen")],
      [t("tx.signer"), link(`#/explorer/account/${tx.sender_address}`, tx.sender_address, "mono")],
      [t("explorer.block"), link(`#/explorer/block/${x.height}`, `#${x.height} / ${x.index}`)],
      [t("common.time"), fmtTime(x.block_time)],
      [t("tx.result"), h("span", { "data-testid": "tx-result" }, badge(x.receipt.status), x.receipt.status === "ok" ? "" : ` ${x.receipt.error || ""}`)],
      [t("explorer.gas"), String(x.receipt.gas_used)],
    ])),
    card(t("tx.fields"), tx.payload && tx.payload.withheld
      ? h("p.muted", { "data-testid": "payload-withheld" }, t("explorer.withheld"))
      : h("div", { "data-testid": "tx-words" }, kv(payloadRows(tx.kind, plain(tx.payload)))),
      eventsList(x.receipt.events || [])),
    h("details.raw", { "data-testid": "tx-raw" }, h("summary", t("explorer.raw")),
      h("h3", t("explorer.payload")), pre(tx.payload), h("h3", t("explorer.events")), pre(x.receipt.events)));
    return;
  }
  if (what === "account") {
    const [m, txs] = await Promise.all([tryGet(`/v1/members/${ref}`), readGet(`/v1/accounts/${ref}/txs?limit=50`)]);
    out.append(card(`${t("explorer.account")}`, kv([[t("common.address"), h("span.mono", ref)],
      m ? [t("common.org"), link(`#/orgs/${m.org}`, m.org, "mono")] : null, m ? [t("common.name"), data(m.name)] : null,
      m ? [t("common.roles"), h("span", m.roles.map((r) => h("span.tag", { title: r }, roleText(r))))] : null])),
    card(t("explorer.txs"), table([t("common.hash"), t("common.height"), t("common.kind"), t("common.status")],
      list(txs, "txs").map((x) => [link(`#/explorer/tx/${x.tx_hash}`, short(x.tx_hash, 16), "mono"), String(x.height), kindText(x.kind), badge(x.status)]))));
    return;
  }
  if (what === "record") {
    const r = await get(`/v1/evidence/${ref}`);
    out.append(card(t("explorer.record"), recordKv(r), h("p", link(`#/check?h=${r.doc_hash}`, t("nav.check")))));
    return;
  }
  const blocks = list(await get("/v1/blocks?limit=20"), "blocks");
  out.append(card(t("overview.recent"), table([t("common.height"), t("common.time"), t("overview.txs"), t("common.hash")],
    blocks.map((b) => [link(`#/explorer/block/${b.height}`, String(b.height)), fmtTime(b.time), String(b.tx_count), h("span.mono", short(b.hash, 16))]))));
}

export function recordKv(r) {
  const meta = plain(r.meta || {});
  return kv([
    [t("verify.title_meta"), h("b.data", meta.title || "—")],
    [t("common.status"), badge(r.status)],
    [t("verify.submitter"), h("code", r.org)],
    [t("common.height"), link(`#/explorer/block/${r.height}`, `#${r.height}`)],
    [t("common.time"), fmtTime(r.time)],
    [t("explorer.tx"), link(`#/explorer/tx/${r.tx_hash}`, short(r.tx_hash, 16), "mono")],
    [t("verify.hash"), h("span.mono", r.doc_hash)],
    r.revoked_reason ? [t("status.revoked"), r.revoked_reason] : null,
    ...Object.entries(meta).filter(([k]) => k !== "title").map(([k, v]) => [h("code", k), data(String(v))]),
  ]);
}

export { errorBox };
