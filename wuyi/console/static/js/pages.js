// Member pages: overview, organisations, nodes, contracts, governance, explorer.

import { get, session, chainStatus } from "./api.js";
import { t, ts } from "./i18n.js";
import { chart } from "./charts.js";
import { every, go, sendTx, keyDialog } from "./app.js";
import { badge, card, dot, errorBox, fmtTime, h, kv, link, plain, pre, short, table } from "./ui.js";

const list = (doc, field) => (doc && (doc[field] || doc.items)) || [];

// -- overview ---------------------------------------------------------------------------------

async function loadOverview() {
  const [st, cons, blocks] = await Promise.all([
    chainStatus(true), get("/v1/consensus"), get("/v1/blocks?limit=40"),
  ]);
  let pending = [];
  if (session.isAdmin) {
    pending = list(await get("/v1/gov/proposals?status=open"), "proposals").filter((p) => !(p.votes || {})[session.member.org]);
  }
  return { st, cons, blocks: list(blocks, "blocks").slice().reverse(), pending };
}

function overviewBody(d) {
  const { st, cons, blocks, pending } = d;
  const vals = cons.validators || [];
  const up = vals.filter((v) => v.up).length;
  const series = [];
  for (let i = 1; i < blocks.length; i++) {
    const dt = Math.max(1, blocks[i].time - blocks[i - 1].time);
    series.push({ x: blocks[i].height, tps: +(blocks[i].tx_count / (dt / 1000)).toFixed(2), ms: dt });
  }
  const span = blocks.length > 1 ? (blocks[blocks.length - 1].time - blocks[0].time) / 1000 : 0;
  const txs = blocks.slice(1).reduce((n, b) => n + b.tx_count, 0);
  const tps = span > 0 ? (txs / span).toFixed(2) : "0";
  const stat = (label, value, testid) => h("div.stat", h("div.stat-v", { "data-testid": testid }, value), h("div.stat-l", label));
  return [
    h("div.stats",
      stat(t("common.height"), String(st.height), "height"),
      stat(t("overview.upcount"), `${up} / ${vals.length}`, "validators-up"),
      stat(t("overview.round"), `${cons.round ?? 0}${cons.step ? " · " + cons.step : ""}`, "round"),
      stat(t("overview.mempool"), String(st.mempool_size), "mempool"),
      stat("tx/s", tps, "tps")),
    h("div.grid2",
      card(t("overview.chain"), kv([
        [t("common.name"), st.name], ["chain id", st.chain_id], [t("overview.suite"), st.suite === "sm" ? "国密 SM2/SM3 (sm)" : "Ed25519/SHA-256 (intl)"],
        [t("overview.lastblock"), fmtTime(st.last_block_time)], [t("nodes.mode"), cons.mode || "—"],
      ])),
      card(t("overview.validators"), h("ul.vals", { "data-testid": "validators" }, vals.map((v) =>
        h("li", dot(v.up), h("b", v.name), h("span.muted.mono", short(v.address, 8)), h("span.tag", v.up ? t("overview.up") : t("overview.down"))))))),
    pending.length ? h("div.alert.info", { "data-testid": "pending-alert" },
      `${t("overview.pending")}: ${pending.length} `, link("#/gov", t("nav.gov"))) : null,
    h("div.grid2",
      card(t("overview.tps"), chart(series.map((p) => ({ x: p.x, y: p.tps })), { kind: "bar", label: t("overview.tps") })),
      card(t("overview.latency"), chart(series.map((p) => ({ x: p.x, y: p.ms })), { kind: "line", color: "#c0392b", label: t("overview.latency") }))),
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
    link(`#/orgs/${o.id}`, o.id), o.name, badge(o.status), o.operator ? h("span.tag.op", t("orgs.operator")) : "",
  ]))));
  if (sel) {
    const members = list(await get(`/v1/orgs/${encodeURIComponent(sel)}/members`), "members");
    view.append(card(`${t("orgs.members")} · ${sel}`, table(
      [t("common.name"), t("common.address"), t("common.roles"), t("common.status")],
      members.map((m) => [m.name, link(`#/explorer/account/${m.address}`, m.address, "mono"),
        h("span", m.roles.map((r) => h("span.tag", r))), badge(m.status)]))));
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
      card(null, kv([[t("nodes.mode"), c.mode], [t("common.height"), String(c.height)],
        [t("overview.round"), String(c.round)], [t("overview.step"), c.step || "—"],
        c.last_commit_time ? [t("overview.lastblock"), fmtTime(c.last_commit_time)] : null,
        c.error ? [t("common.error"), c.error] : null])),
      card(t("overview.validators"), table(["", t("common.name"), t("common.address"), t("nodes.power"), ""],
        (c.validators || []).map((v) => [dot(v.up), v.name, h("span.mono", v.address), String(v.power), v.self ? h("span.tag", t("nodes.self")) : ""]))),
      card(t("nodes.peers"), table(["", t("common.name"), "public key"], (c.peers || []).map((p) => [dot(p.connected), p.name, h("span.mono", short(p.public_key, 12))]))),
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
    h("div.prop-head", h("span.pid", `#${p.id}`), h("b", p.title), badge(p.status),
      mine ? h("span.tag", `${t("gov.myvote")}: ${mine.choice}`) : null),
    kv([[t("gov.action"), a.type + (pkg ? ` · ${pkg.name} ${pkg.version}` : "")],
      [t("gov.proposer"), p.proposer_org || "—"],
      [t("gov.policy"), p.policy ? `${p.policy.name}: ${p.policy.expr}` : "—"],
      [t("gov.deadline"), String(p.deadline ?? "—")],
      [t("gov.votes"), h("span.votes", votes.length ? votes.map((v) => h(`span.vote.v-${v.choice}`, { title: `#${v.height}` }, `${v.org} ${v.choice === "yes" ? "✔" : v.choice === "no" ? "✘" : "○"}`)) : t("common.none"),
        h("span.muted", ` (${votes.filter((v) => v.choice === "yes").length}/${orgCount}${p.policy && p.policy.expr === "MAJORITY" ? ` · ${t("gov.need")} ${Math.floor(orgCount / 2) + 1}` : ""})`))]]),
    actions.length ? h("div.actions", actions) : null, msg);
}

async function proposalsView(filterFn, status) {
  const q = status ? `?status=${status}&limit=50` : "?limit=50";
  const [props, orgs] = await Promise.all([get(`/v1/gov/proposals${q}`), get("/v1/orgs")]);
  const orgCount = list(orgs, "orgs").filter((o) => o.status === "active").length;
  return { props: list(props, "proposals").filter(filterFn), orgCount };
}

// -- contracts ------------------------------------------------------------------------------

export async function contractsPage(view, args) {
  if (args[0]) return contractDetail(view, args[0]);
  view.append(h("h1", t("nav.contracts")));
  const contracts = list(await get("/v1/contracts"), "contracts");
  view.append(card(null, table([t("common.name"), t("contracts.version"), t("common.status"), t("contracts.deployed"), ""],
    contracts.map((c) => [link(`#/contracts/${c.name}`, c.name), c.version, badge(c.status), String(c.deployed_height), c.description]))));
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
  view.append(h("h1", link("#/contracts", "‹ "), `${t("nav.contracts")} · ${c.name}`));
  const methods = plain((c.abi && c.abi.methods) || []);
  const mlist = Array.isArray(methods) ? methods : Object.entries(methods).map(([n, m]) => ({ name: n, ...m }));
  view.append(
    card(null, kv([[t("common.name"), c.name], [t("contracts.version"), c.version], [t("common.status"), badge(c.status)],
      ["code hash", h("span.mono", c.code_hash)], [t("contracts.deployed"), String(c.deployed_height)], ["", c.description]])),
    card(t("contracts.methods"), table([t("common.name"), t("common.kind"), "params"], mlist.map((m) => [
      m.name, m.kind || "", h("span.mono", JSON.stringify(m.params || m.args || []))]))),
    card(t("contracts.history"), h("ol.timeline", (c.history || []).map((x) =>
      h("li", h("b", x.action || x.event || x.status || "—"), ` ${x.version || ""} `, h("span.muted", `#${x.height ?? ""}`),
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
    const [b, rc] = await Promise.all([get(`/v1/blocks/${ref}`), get(`/v1/blocks/${ref}/receipts`)]);
    const hd = b.header;
    out.append(card(`${t("explorer.block")} #${b.height}`, kv([
      [t("common.hash"), h("span.mono", b.hash)], [t("common.time"), fmtTime(hd.time)],
      [t("explorer.proposer"), h("span.mono", short(hd.proposer, 16))], ["tx_root", h("span.mono", hd.tx_root)],
      ["state_root", h("span.mono", hd.state_root)], ["QC", b.qc ? `${(b.qc.signatures || b.qc.votes || []).length || "✔"}` : "—"],
    ]), h("div.pager", b.height > 0 ? link(`#/explorer/block/${b.height - 1}`, "‹ " + (b.height - 1)) : null, " ", link(`#/explorer/block/${b.height + 1}`, (b.height + 1) + " ›"))),
    card(t("explorer.txs"), table([t("common.hash"), t("common.status"), t("explorer.events")],
      list(rc, "receipts").map((r) => [link(`#/explorer/tx/${r.tx_hash}`, short(r.tx_hash, 16), "mono"), badge(r.status), r.events.map((e) => e.type).join(", ")]))));
    return;
  }
  if (what === "tx") {
    const x = await get(`/v1/txs/${ref}`);
    if (x.status === "pending") { out.append(card(t("explorer.tx"), kv([[t("common.hash"), ref], [t("common.status"), "pending"]]))); return; }
    const tx = x.tx;
    out.append(card(`${t("explorer.tx")}`, kv([
      [t("common.hash"), h("span.mono", { "data-testid": "tx-hash" }, x.tx_hash)],
      [t("common.kind"), h("b", { "data-testid": "tx-kind" }, tx.kind)],
      [t("common.status"), badge(x.receipt.status)],
      [t("explorer.block"), link(`#/explorer/block/${x.height}`, `#${x.height} / ${x.index}`)],
      [t("common.time"), fmtTime(x.block_time)],
      [t("explorer.sender"), link(`#/explorer/account/${tx.sender_address}`, tx.sender_address, "mono")],
      x.receipt.error ? [t("common.error"), x.receipt.error] : null,
      ["gas", String(x.receipt.gas_used)],
    ])), card(t("explorer.payload"), pre(tx.payload)), card(t("explorer.events"), pre(x.receipt.events)));
    return;
  }
  if (what === "account") {
    const [m, txs] = await Promise.all([tryGet(`/v1/members/${ref}`), get(`/v1/accounts/${ref}/txs?limit=50`)]);
    out.append(card(`${t("explorer.account")}`, kv([[t("common.address"), h("span.mono", ref)],
      m ? [t("common.org"), link(`#/orgs/${m.org}`, m.org)] : null, m ? [t("common.name"), m.name] : null,
      m ? [t("common.roles"), m.roles.join(", ")] : null])),
    card(t("explorer.txs"), table([t("common.hash"), t("common.height"), t("common.kind"), t("common.status")],
      list(txs, "txs").map((x) => [link(`#/explorer/tx/${x.tx_hash}`, short(x.tx_hash, 16), "mono"), String(x.height), x.kind, badge(x.status)]))));
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
    [t("verify.title_meta"), h("b", meta.title || "—")],
    [t("common.status"), badge(r.status)],
    [t("verify.submitter"), r.org],
    [t("common.height"), link(`#/explorer/block/${r.height}`, `#${r.height}`)],
    [t("common.time"), fmtTime(r.time)],
    [t("explorer.tx"), link(`#/explorer/tx/${r.tx_hash}`, short(r.tx_hash, 16), "mono")],
    [t("verify.hash"), h("span.mono", r.doc_hash)],
    r.revoked_reason ? [t("status.revoked"), r.revoked_reason] : null,
    ...Object.entries(meta).filter(([k]) => k !== "title").map(([k, v]) => [k, String(v)]),
  ]);
}

export { errorBox };
