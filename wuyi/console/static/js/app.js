// The console shell: layout, hash router, sign-in, language switch, signed transactions.

import { encode, fromHex, fromJsonForm, toHex } from "./cbor.js";
import { getLang, setLang, t } from "./i18n.js";
import { ApiError, chainStatus, post, refreshSession, session, submitTx } from "./api.js";
import {
  KeyError, canonicalJson, hash, keyFromSecret, loginSignBytes, openKeystore, randomNonce, signTx,
} from "./keys.js";
import { h, errorBox, short } from "./ui.js";
import * as pages from "./pages.js";
import { checkPage, verifyPage } from "./verify.js";
import { walletPage } from "./wallet.js";
import { auditPage, credTypesPage, dataPage } from "./data.js";
import { evidencePage } from "./misbehaviour.js";
import { PUBLIC_SCENARIO_NAV, SCENARIO_NAV, SCENARIO_ROUTES, inNav, loadScenarios } from "./scenarios.js";
import * as xchain from "/console/xchain/xchain.js"; // several chains, cross-chain clients
// OpenID4VP (wuyi/oid4vp/console, issue #19): the desk's QR request and the phone wallet's answer
import * as deskVp from "/console/oid4vp/desk-oid4vp.js";
import * as walletVp from "/console/oid4vp/wallet-oid4vp.js";
// OpenID4VCI (wuyi/oid4vci, issue #19): the issuing desk and the phone wallet's receive page
import { deskPage } from "./desk-oid4vci.js";
import { receivePage } from "./wallet-oid4vci.js";
// end OpenID4VCI

const EXPIRY_WINDOW = 1000; // as wuyi.sdk's DEFAULT_EXPIRY_WINDOW

// route → [render(view, args, query), access]; access: "public" | "member" | "operator"
const ROUTES = {
  overview: [pages.overviewPage, "member"],
  orgs: [pages.orgsPage, "member"],
  nodes: [pages.nodesPage, "operator"],
  contracts: [pages.contractsPage, "member"],
  gov: [pages.govPage, "member"],
  evidence: [evidencePage, "member"],
  explorer: [pages.explorerPage, "public"],
  verify: [verifyPage, "member"],
  vctypes: [credTypesPage, "member"],
  data: [dataPage, "member"],
  audit: [auditPage, "member"],
  check: [checkPage, "public"],
  wallet: [walletPage, "public"],
  login: [loginPage, "public"],
  ...xchain.ROUTES,
  ...deskVp.ROUTES, ...walletVp.ROUTES, // OpenID4VP
  desk: [deskPage, "member"], // OpenID4VCI
  receive: [receivePage, "public"], // OpenID4VCI
};

// the scenario groups are filled by loadScenarios() at start
const NAV = () => [
  ["nav.manage", [["overview", "nav.overview", "member"], ["orgs", "nav.orgs", "member"], ["nodes", "nav.nodes", "operator"],
    ["contracts", "nav.contracts", "member"], ["gov", "nav.gov", "member"], ["evidence", "nav.evidence", "member"],
    ["explorer", "nav.explorer", "public"],
    ["verify", "nav.verify", "member"], ...xchain.NAV]],
  ["nav.identity", [["vctypes", "nav.vctypes", "member"], ["data", "nav.data", "member"], ["audit", "nav.audit", "member"],
    ...deskVp.NAV, // OpenID4VP
    ["desk", "nav.desk", "member"]]], // OpenID4VCI: desk
  SCENARIO_NAV,
  ["nav.public", [["check", "nav.check", "public"], ["wallet", "nav.wallet", "public"], ...walletVp.NAV /* OpenID4VP */,
    ["receive", "nav.receive", "public"], // OpenID4VCI
    ...PUBLIC_SCENARIO_NAV,
    ["explorer", "nav.explorer", "public"]]],
];

let timers = [];
/** Run `fn` every `ms` while the current page is shown. */
export function every(ms, fn) { timers.push(setInterval(fn, ms)); }

function allowed(access) {
  if (access === "public") return true;
  if (access === "member") return session.signedIn;
  return session.signedIn && session.isOperator;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, qs] = raw.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] || "", args: parts.slice(1), query: new URLSearchParams(qs || "") };
}

export function go(hashPath) { location.hash = hashPath; }

// -- layout ---------------------------------------------------------------------------------

function header() {
  const st = session.status;
  const who = session.member
    ? h("div.who", { "data-testid": "who" },
      h("span.who-name", `${session.member.org_name}`),
      h("span.who-roles", `${session.member.name || short(session.member.address, 6)} · ${session.member.roles.join(", ")}${session.isOperator ? " · " + t("who.operator") : ""}`),
      session.key ? h("span.tag.keyok", { title: session.key.address, "data-testid": "key-loaded" }, t("common.keyloaded"))
        : h("button.link", { onclick: () => keyDialog(), "data-testid": "load-key" }, t("common.loadkey")),
      h("button.ghost", { onclick: signOut, "data-testid": "logout" }, t("nav.logout")))
    : h("a.btn", { href: "#/login", "data-testid": "nav-login" }, t("nav.login"));
  return h("header.top",
    h("a.brand", { href: "#/" }, h("span.logo", "五邑"), h("span", h("b", t("app.title")), h("small", t("app.sub")))),
    st ? h("span.chainpill", { title: st.chain_id }, `${st.name} · ${st.chain_id} · ${st.suite}`) : null,
    xchain.chainSwitcher(),
    h("div.spacer"),
    h("button.ghost.lang", { onclick: toggleLang, "data-testid": "lang" }, t("lang.switch")),
    who);
}

function nav(current) {
  return h("nav.side", NAV().map(([group, items]) => {
    if ((group === "nav.manage" || group === "nav.identity") && !session.signedIn) return null;
    const vis = items.filter(([n, , acc]) => allowed(acc) && inNav(n) && !(group === "nav.public" && session.signedIn && n === "explorer"));
    if (!vis.length) return null;
    return h("div.navgroup", h("div.navtitle", t(group)),
      vis.map(([name, label]) => h(`a${name === current ? ".on" : ""}`, { href: `#/${name}`, "data-nav": name }, t(label))));
  }));
}

async function render() {
  timers.forEach(clearInterval);
  timers = [];
  let { name, args, query } = parseHash();
  if (!name) name = session.signedIn ? "overview" : "check";
  const route = ROUTES[name];
  const app = document.getElementById("app");
  const view = h("main.view", { id: "view" });
  app.replaceChildren(header(), h("div.body", nav(name), view));
  if (!route) { view.append(errorBox(`no page ${name}`)); return; }
  if (!allowed(route[1])) {
    if (!session.signedIn) return go(`#/login?next=${encodeURIComponent(location.hash)}`);
    view.append(errorBox(t("nav.nodes") + ": " + t("who.operator")));
    return;
  }
  xchain.alertInto(view);
  try {
    await route[0](view, args, query);
  } catch (err) {
    view.append(errorBox(err));
  }
}

function toggleLang() {
  setLang(getLang() === "en" ? "zh" : "en");
  render();
}

async function signOut() {
  try { await post("/v1/auth/logout", {}); } catch { /* gone already */ }
  session.clear();
  go("#/check");
  render();
}

// -- keys and sign-in -----------------------------------------------------------------------

/** A form: key file + passphrase → onKey(key). `opts.open` decrypts another kind of file the
 *  same way (openWallet), with `opts.fileLabel`, `opts.decrypting` and `opts.opened` as labels. */
export function keyForm(onKey, submitLabel, opts = {}) {
  const open = opts.open || openKeystore;
  const decrypting = opts.decrypting || t("login.decrypting");
  const file = h("input", { type: "file", accept: ".key,.json,application/json", "data-testid": "key-file", required: true });
  const pass = h("input", { type: "password", autocomplete: "current-password", "data-testid": "passphrase", required: true });
  const msg = h("div.msg", { "data-testid": "login-msg", "aria-live": "polite" });
  const btn = h("button.primary", { type: "submit", "data-testid": "login-submit" }, submitLabel || t("login.submit"));
  const form = h("form.keyform",
    h("label", opts.fileLabel || t("login.file"), file), h("label", t("login.pass"), pass), btn, msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    msg.className = "msg";
    try {
      const f = file.files[0];
      if (!f) throw new KeyError(t("login.file"));
      let doc;
      try { doc = JSON.parse(await f.text()); } catch { throw new KeyError("not a key file (JSON)"); }
      msg.textContent = decrypting;
      const key = await open(doc, pass.value, (p) => { msg.textContent = `${decrypting} ${Math.round(p * 100)}%`; });
      pass.value = "";
      msg.textContent = opts.opened || t("login.signing");
      await onKey(key);
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message || String(err);
      btn.disabled = false;
    }
  });
  return form;
}

export async function signInWithKey(key) {
  const st = await chainStatus(true);
  if (key.suite !== st.suite) throw new KeyError(`key suite ${key.suite} ≠ chain suite ${st.suite}`);
  const c = await post("/v1/auth/challenge", { address: key.address });
  const ch = c.challenge;
  const bytes = loginSignBytes(ch);
  // Sign only what we rebuilt ourselves: a login challenge for this address and chain.
  if (ch.address !== key.address || ch.chain_id !== st.chain_id || toHex(bytes) !== c.sign_bytes) {
    throw new KeyError("the node sent a challenge that is not a login challenge for this key");
  }
  const sig = key.sign(bytes);
  const doc = await post("/v1/auth/login", { nonce: ch.nonce, public_key: toHex(key.publicKey), signature: toHex(sig) });
  session.set(doc);
  session.key = key;
}

async function loginPage(view, args, query) {
  const ticket = query.get("ticket");
  if (ticket) {
    view.append(h("p", t("login.ticket")));
    const doc = await post("/v1/auth/ticket", { ticket });
    session.set(doc);
    history.replaceState(null, "", "#/overview");
    return render();
  }
  const next = query.get("next") || "#/overview";
  view.append(h("section.card.login",
    h("h2", t("login.title")),
    h("p.muted", t("login.intro")),
    keyForm(async (key) => { await signInWithKey(key); go(next); render(); }),
    h("p.muted.small", t("login.cli")),
    h("p", h("a", { href: "#/check" }, t("login.public")))));
}

/** Load the member's key into a read-only session (after a `wuyi login` link or a reload). */
export function keyDialog() {
  const dlg = h("dialog.modal", { "data-testid": "key-dialog" });
  dlg.append(h("h2", t("common.loadkey")), h("p.muted", t("login.intro")),
    keyForm(async (key) => {
      if (!session.member || key.address !== session.member.address) throw new KeyError(t("login.wrongkey"));
      session.key = key;
      dlg.close(); dlg.remove(); render();
    }),
    h("button.ghost", { onclick: () => { dlg.close(); dlg.remove(); } }, t("common.back")));
  document.body.append(dlg);
  dlg.showModal();
}

// -- writes: transactions signed here ---------------------------------------------------------

/** Build, sign and submit a transaction of `kind`; waits for the commit and returns it.
 *  Signed with the signed-in member's loaded key, or with `key` (e.g. a wallet's DID key).
 *  `sidecars`: private bytes (a presentation) the payload names as "sidecar:<hex>". */
export async function sendTx(kind, payload, key = session.key, sidecars = []) {
  if (!key) throw new KeyError(t("gov.needkey"));
  const st = await chainStatus(true);
  if (key.suite !== st.suite) throw new KeyError(`key suite ${key.suite} ≠ chain suite ${st.suite}`);
  const body = {
    chain_id: st.chain_id,
    sender: key.publicKey,
    nonce: randomNonce(),
    expiry: st.height + EXPIRY_WINDOW,
    kind,
    payload,
  };
  const { wire } = await signTx(key, body);
  const res = await submitTx(wire, 20, sidecars);
  if (res.receipt && res.receipt.status !== "ok") {
    throw new ApiError(400, { code: res.receipt.status, detail: `${res.receipt.status}: ${res.receipt.error}` });
  }
  return res;
}

// -- start ------------------------------------------------------------------------------------

// Pure helpers for tests/browser (test vectors against Python); no key material is reachable.
window.wuyiConsole = {
  encodeHex: (jsonForm) => toHex(encode(fromJsonForm(jsonForm))),
  hashHex: async (suite, hex) => toHex(await hash(suite, fromHex(hex))),
  signHex: async (suite, secretHex, msgHex) => {
    const k = await keyFromSecret(suite, fromHex(secretHex));
    return { publicKey: toHex(k.publicKey), address: k.address, sig: toHex(k.sign(fromHex(msgHex))) };
  },
  signTxHex: async (suite, secretHex, bodyJsonForm) => {
    const k = await keyFromSecret(suite, fromHex(secretHex));
    const r = await signTx(k, fromJsonForm(bodyJsonForm));
    return { wire: toHex(r.wire), txHash: r.txHash };
  },
  openKeystore: async (doc, pass) => (await openKeystore(doc, pass)).address,
  canonicalJson,
  loginSignBytesHex: (c) => toHex(loginSignBytes(c)),
};

async function start() {
  try { await chainStatus(); } catch { /* the page still shows; pages report errors */ }
  await loadScenarios();
  for (const [name, route] of Object.entries(SCENARIO_ROUTES)) if (!ROUTES[name]) ROUTES[name] = route;
  await refreshSession();
  window.addEventListener("hashchange", render);
  await render();
  document.body.dataset.ready = "1";
}

start();
