// Cross-chain recognition and the chain registry in the console (served at /console/xchain/):
// the chain switcher in the header (one sign-in for several chains), the client alert, the
// page of this chain's clients of other chains (#/xchain) and the registry (#/chains).

import { chainStatus, get, refreshSession, session } from "/console/static/js/api.js";
import { addLabels, t } from "/console/static/js/i18n.js";
import { badge, card, data, fmtTime, h, kv, link, short, table } from "/console/static/js/ui.js";
import { chart } from "/console/static/js/charts.js";
import { signInWithKey } from "/console/static/js/app.js";

addLabels({
  "nav.xchain": ["跨链互认", "Cross-chain"],
  "nav.chains": ["链目录", "Chains"],
  "xc.title": ["跨链互认：本链的轻客户端", "Cross-chain recognition: this chain's light clients"],
  "xc.intro": [
    "本链通过自己维护的轻客户端核验其他链的区块头和证明，不信任任何中继、路由或公证方；任何成员都可以中继。客户端在信任期内未更新即过期，需治理恢复。",
    "This chain checks other chains' headers and proofs with its own light clients; no relay, router or third-party witness is trusted and any member may relay. A client not updated within its trusting period expires and needs governance to recover.",
  ],
  "xc.chain": ["来源链", "Source chain"],
  "xc.suite": ["密码套件", "Suite"],
  "xc.status": ["状态", "Status"],
  "xc.height": ["最新高度", "Latest height"],
  "xc.age": ["区块头时长 / 信任期", "Header age / trusting period"],
  "xc.recognitions": ["互认次数", "Recognitions"],
  "xc.perday": ["每日互认", "Recognitions per day"],
  "xc.records": ["互认记录", "Recognition records"],
  "xc.fact": ["事实", "Fact"],
  "xc.key": ["键", "Key"],
  "xc.present": ["有值", "present"],
  "xc.absent": ["无值", "absent"],
  "xc.consumer": ["使用合约", "Consumer"],
  "xc.purpose": ["用途", "Purpose"],
  "xc.when": ["互认时间", "Recognised"],
  "xc.none": ["本链还没有其他链的客户端。", "This chain has no client of another chain yet."],
  "xc.alert.near": ["跨链客户端即将过期", "Cross-chain client nears expiry"],
  "xc.alert.expired": ["跨链客户端已过期", "Cross-chain client expired"],
  "xc.alert.frozen": ["跨链客户端已冻结", "Cross-chain client frozen"],
  "xc.alert.left": ["剩余", "left"],
  "xc.alert.relay": ["请运行中继或由治理恢复", "run a relay or recover it by governance"],
  "xc.facts": ["可互认的事实", "Facts it recognises"],
  "xc.prefixes": ["允许的命名空间", "Allowed namespaces"],
  "xc.maxage": ["最长时效", "Max age"],
  "xc.historical": ["历史事实", "historical"],
  "xc.genesis": ["创世哈希", "Genesis hash"],
  "xc.ports": ["数据包端口", "Packet ports"],
  "xc.h": ["小时", "h"],
  "xc.min": ["分钟", "min"],
  "xc.s": ["秒", "s"],
  "ch.title": ["链目录：联盟的所有链", "Chain registry: every chain of the consortium"],
  "ch.intro": [
    "链目录记录联盟治理批准创建或登记的每条链（链标识、密码套件、创世哈希、节点地址），以及各链之间的跨链客户端。选择一条链即可在本控制台中管理它。",
    "The registry lists every chain the consortium's governance created or registered (id, suite, genesis hash, node addresses) and the clients between the chains. Choose a chain to manage it from this console.",
  ],
  "ch.name": ["名称", "Name"],
  "ch.endpoints": ["节点地址", "Endpoints"],
  "ch.clients": ["链间客户端", "Clients between the chains"],
  "ch.holder": ["持有客户端的链", "Chain holding the client"],
  "ch.of": ["所认可的链", "Chain it recognises"],
  "ch.switch": ["切换到此链", "Switch to this chain"],
  "ch.current": ["当前", "current"],
  "ch.home": ["本节点的链", "this node's chain"],
  "ch.select": ["链", "Chain"],
  "ch.signin": ["请为该链登录（密码套件不同的链需要各自的成员密钥）", "Sign in for this chain (a chain of another suite needs its own member key)"],
});

// -- the chain registry (always this node's own) ---------------------------------------------

let registry = null;

async function loadRegistry() {
  if (!registry) {
    registry = fetch("/v1/xchain/chains").then((r) => (r.ok ? r.json() : { chains: [] })).catch(() => ({ chains: [] }));
  }
  return registry;
}

const currentChainId = () => (session.base ? decodeURIComponent(session.base.split("/")[2]) : "");

/** Switch the console to `chainId` ("" = this node's chain). A member key already loaded in
 *  this tab that fits the chain's suite signs in there at once (one sign-in). */
export async function switchChain(chainId) {
  const keys = { ...session.keys, [session.base]: session.key };
  session.useChain(chainId);
  const st = await chainStatus(true);
  if (session.token) await refreshSession(); // signed in there before, in this tab
  if (!session.member) {
    const key = session.key || Object.values(keys).find((k) => k && k.suite === st.suite);
    if (key) {
      try { await signInWithKey(key); } catch { /* not a member there: the login page says so */ }
    }
  }
  const target = session.member ? "#/overview" : "#/login";
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}

/** The header's chain switcher (shown when the registry lists chains with endpoints). */
export function chainSwitcher() {
  const sel = h("select.chainswitch", { "data-testid": "chain-switch", "aria-label": t("ch.select"), onchange: (e) => switchChain(e.target.value) });
  loadRegistry().then(async (doc) => {
    const home = await fetch("/v1/status").then((r) => r.json()).catch(() => null);
    const chains = (doc.chains || []).filter((c) => c.status === "active" && c.endpoints.length && (!home || c.chain_id !== home.chain_id));
    if (!chains.length) { sel.remove(); return; }
    const cur = currentChainId();
    sel.append(h("option", { value: "", selected: !cur }, `${home ? home.chain_id : ""} (${t("ch.home")})`));
    for (const c of chains) sel.append(h("option", { value: c.chain_id, selected: c.chain_id === cur }, `${c.name} · ${c.chain_id}`));
  });
  return sel;
}

// -- client status and the alert ----------------------------------------------------------------

function dur(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms >= 3_600_000) return `${(ms / 3_600_000).toFixed(1)} ${t("xc.h")}`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} ${t("xc.min")}`;
  return `${Math.round(ms / 1000)} ${t("xc.s")}`;
}

function ageBar(c) {
  const frac = c.age_ms === null ? 1 : Math.min(1, c.age_ms / c.trusting_period_ms);
  const cls = c.status !== "active" ? "bad" : c.near_expiry ? "warn" : "ok";
  return h("span.agebar", { title: `${dur(c.age_ms)} / ${dur(c.trusting_period_ms)}` },
    h(`span.agefill.${cls}`, { style: `width:${Math.round(frac * 100)}%` }),
    h("span.agetext", `${dur(c.age_ms)} / ${dur(c.trusting_period_ms)}`));
}

/** A banner listing clients that are frozen, expired or near expiry (null if none). */
export function clientAlerts(clients) {
  const bad = (clients || []).filter((c) => c.status === "frozen" || c.status === "expired" || c.near_expiry);
  if (!bad.length) return null;
  return h("div.alert.err", { role: "alert", "data-testid": "xchain-alert" }, bad.map((c) => h("div",
    h("b", `⚠ ${t(c.status === "frozen" ? "xc.alert.frozen" : c.status === "expired" ? "xc.alert.expired" : "xc.alert.near")}: `),
    data(c.chain_id),
    c.status === "active" ? ` · ${t("xc.alert.left")} ${dur(c.expires_in_ms)}` : "",
    ` · ${t("xc.alert.relay")} (`, h("code", "wuyi relay"), ") · ", link("#/xchain", t("common.details")))));
}

/** Put the alert of this chain's clients (frozen, expired, near expiry) at the top of `view`
 *  when there is one (every page of a signed-in member). */
export function alertInto(view) {
  if (!session.signedIn) return;
  get("/v1/xchain/clients").then((doc) => {
    const a = clientAlerts(doc.clients);
    if (a && view.isConnected) view.prepend(a);
  }).catch(() => {});
}

// -- #/xchain -------------------------------------------------------------------------------------

async function xchainPage(view) {
  view.append(h("h1", t("xc.title")), h("p.muted", t("xc.intro")));
  const doc = await get("/v1/xchain/clients");
  const clients = doc.clients || [];
  if (!clients.length) { view.append(card(null, h("p", { "data-testid": "xchain-none" }, t("xc.none")))); return; }
  view.append(card(null, table(
    [t("xc.chain"), t("xc.suite"), t("xc.status"), t("xc.height"), t("xc.age"), t("xc.recognitions")],
    clients.map((c) => [
      h("span", h("b", data(c.name)), " ", h("span.mono.muted", data(c.chain_id))),
      data(c.suite), badge(c.status), String(c.latest_height), ageBar(c), String(c.recognitions),
    ]), { "data-testid": "xchain-clients" })));
  for (const c of clients) {
    const d = await get(`/v1/xchain/clients/${encodeURIComponent(c.chain_id)}`);
    const points = d.per_day.slice(-14).map((p) => ({ x: fmtTime(p.day).slice(5, 10), y: p.count }));
    const recs = (await get(`/v1/xchain/recognitions?client=${encodeURIComponent(c.chain_id)}&limit=10`)).records;
    view.append(card(data(`${c.name} · ${c.chain_id}`),
      kv([
        [t("xc.genesis"), h("span.mono", data(short(d.genesis_hash, 12)))],
        [t("xc.prefixes"), data(d.allowed_prefixes.join("  "))],
        [t("xc.facts"), h("span", Object.entries(d.facts).map(([k, f]) => h("span.tag", data(`${k}: ${f.prefix} · ${f.max_age_ms ? dur(f.max_age_ms) : t("xc.historical")}`))))],
        d.ports.length ? [t("xc.ports"), data(d.ports.join(", "))] : null,
      ]),
      h("h3", t("xc.perday")),
      h("div", { "data-testid": `xchain-chart-${c.chain_id}` }, chart(points, { kind: "bar", integer: true, label: t("xc.perday") })),
      h("h3", t("xc.records")),
      table([t("xc.fact"), t("xc.key"), t("common.height"), t("xc.consumer"), t("xc.purpose"), t("xc.when")],
        recs.map((r) => [
          h("span", data(r.fact), " ", h("span.muted", t(r.present ? "xc.present" : "xc.absent"))),
          h("span.mono", data(short(r.key_text, 24))), String(r.height), data(r.consumer || "—"), data(r.purpose),
          fmtTime(r.recognised_time),
        ]), { "data-testid": `xchain-records-${c.chain_id}` })));
  }
}

// -- #/chains ---------------------------------------------------------------------------------------

async function clientsOf(chainId, homeId) {
  const path = chainId === homeId ? "/v1/xchain/clients" : `/chains/${encodeURIComponent(chainId)}/v1/xchain/clients`;
  try {
    const r = await fetch(path);
    return r.ok ? (await r.json()).clients || [] : [];
  } catch { return []; }
}

async function chainsPage(view) {
  view.append(h("h1", t("ch.title")), h("p.muted", t("ch.intro")));
  const doc = await loadRegistry();
  const home = await fetch("/v1/status").then((r) => r.json());
  const cur = currentChainId() || home.chain_id;
  const chains = doc.chains || [];
  if (!chains.some((c) => c.chain_id === home.chain_id)) {
    chains.unshift({ chain_id: home.chain_id, name: home.name, suite: home.suite, status: "active", genesis_hash: home.genesis_hash, endpoints: [] });
  }
  view.append(card(null, table(
    [t("ch.name"), t("xc.suite"), t("xc.status"), t("xc.genesis"), t("ch.endpoints"), ""],
    chains.map((c) => [
      h("span", h("b", data(c.name)), " ", h("span.mono.muted", data(c.chain_id))),
      data(c.suite), badge(c.status), h("span.mono", data(c.genesis_hash ? short(c.genesis_hash, 10) : "—")),
      data((c.endpoints || []).join(" ")),
      c.chain_id === cur ? h("span.tag", t("ch.current"))
        : (c.status === "active" && (c.endpoints.length || c.chain_id === home.chain_id))
          ? h("button.ghost", { "data-testid": `switch-${c.chain_id}`, onclick: () => switchChain(c.chain_id === home.chain_id ? "" : c.chain_id) }, t("ch.switch"))
          : "",
    ]), { "data-testid": "chain-registry" })));
  const rows = [];
  for (const c of chains.filter((x) => x.status === "active")) {
    for (const cl of await clientsOf(c.chain_id, home.chain_id)) {
      rows.push([data(c.chain_id), data(cl.chain_id), badge(cl.status), String(cl.latest_height), ageBar(cl), String(cl.recognitions)]);
    }
  }
  view.append(card(t("ch.clients"), table(
    [t("ch.holder"), t("ch.of"), t("xc.status"), t("xc.height"), t("xc.age"), t("xc.recognitions")], rows,
    { "data-testid": "chain-clients" })));
}

export const ROUTES = { xchain: [xchainPage, "member"], chains: [chainsPage, "member"] };
export const NAV = [["xchain", "nav.xchain", "member"], ["chains", "nav.chains", "member"]];

document.head.append(h("style", `
.chainswitch { margin-left: 10px; padding: 3px 6px; border-radius: 6px; border: 1px solid #c9d2de; background: #fff; font-size: 13px; }
.agebar { position: relative; display: inline-block; width: 190px; height: 18px; border-radius: 9px; background: #eceff3; overflow: hidden; vertical-align: middle; }
.agefill { position: absolute; left: 0; top: 0; bottom: 0; }
.agefill.ok { background: #b9e0c4; } .agefill.warn { background: #f6d08a; } .agefill.bad { background: #f2a7a7; }
.agetext { position: relative; font-size: 12px; padding-left: 8px; line-height: 18px; }
`));
