// 领取凭证 / Receive a credential (OpenID4VCI 1.0, wuyi/oid4vci), phone-sized (390 × 844).
// The citizen opens the wallet (a wuyi-wallet/1 file, or the copy this browser keeps, both
// encrypted: scrypt + AES-256-GCM), reads the desk's offer (camera scan, a photo of the QR code,
// or pasted text), sees who offers what, enters the transaction code the desk told them, and the
// page: trades the pre-authorized code for an access token, gets a c_nonce, signs the proof JWT
// (openid4vci-proof+jwt) with the wallet's DID key, receives the dc+sd-jwt credential bound to
// that key, and keeps it in the wallet, sealed again with the passphrase (keys.sealWallet): in
// this browser (localStorage, encrypted) and as a file to download. The key never leaves the page.

import { get } from "./api.js";
import { addLabels, t } from "./i18n.js";
import { hash, openWallet, sealWallet } from "./keys.js";
import { b64url, signCompact } from "./present.js";
import { encode } from "./cbor.js";
import { decodeQr } from "./verify.js";
import { setOpenedWallet } from "./wallet.js";
import { card, errorBox, h, kv, link } from "./ui.js";
import { claimLabel } from "./data.js";

// OpenID4VCI
addLabels({
  "nav.receive": ["领取凭证", "Receive a credential"],
  "vci.title": ["领取凭证", "Receive a credential"],
  "vci.intro": [
    "在办事窗口扫描签发二维码，输入窗口告知的交易码，凭证即存入您的钱包。凭证与密钥只保存在本机（加密），不会上链。",
    "Scan the desk's offer QR code and enter the transaction code the desk tells you; the credential goes into your wallet. The credential and your key stay on this device (encrypted), never on chain.",
  ],
  "vci.wallet": ["1. 打开钱包", "1. Open your wallet"],
  "vci.file": ["钱包文件", "Wallet file"],
  "vci.stored": ["使用本机保存的钱包", "Use the wallet kept on this device"],
  "vci.pass": ["钱包口令", "Wallet passphrase"],
  "vci.open": ["打开", "Open"],
  "vci.opening": ["正在解密…", "Decrypting…"],
  "vci.offer": ["2. 读取签发二维码", "2. Read the offer QR code"],
  "vci.scan": ["扫码", "Scan with the camera"],
  "vci.photo": ["上传二维码照片", "Upload a photo of the QR code"],
  "vci.paste": ["或粘贴领取链接", "Or paste the offer link"],
  "vci.read": ["读取", "Read"],
  "vci.noqr": ["图片中未找到二维码", "No QR code found in the picture"],
  "vci.who": ["3. 谁签发什么", "3. Who offers what"],
  "vci.issuer": ["签发机构", "Issuer"],
  "vci.cred": ["凭证", "Credential"],
  "vci.claims": ["包含内容", "Contains"],
  "vci.site": ["签发服务", "Issuing service"],
  "vci.txcode": ["交易码（6 位，窗口告知）", "Transaction code (6 digits, from the desk)"],
  "vci.accept": ["领取并存入钱包", "Receive into my wallet"],
  "vci.working": ["正在领取…", "Receiving…"],
  "vci.done": ["已存入钱包", "Kept in your wallet"],
  "vci.status": ["链上状态条目", "Status entry on chain"],
  "vci.download": ["下载更新后的钱包文件", "Download the updated wallet file"],
  "vci.towallet": ["查看我的凭证", "See my wallet"],
});
// end OpenID4VCI

const STORE = "wuyi-wallet-doc";  // the sealed wallet this browser keeps (encrypted)
const PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
const utf8 = (s) => new TextEncoder().encode(s);

let current = null;  // {doc, passphrase, wallet}: this page's memory only

function b64urlJson(part) {
  const s = part.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(s + "===".slice((s.length + 3) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}

/** The `nonce` an identity provider's ID token must carry to attest a consent with these terms
 *  ({holder, verifier, types, claims, purpose, not_before, not_after}): base64url of the suite
 *  hash of the canonical encoding, as wuyi.vc.idtoken.consent_nonce (the chain checks it). For
 *  a wallet that asks the OpenID Connect provider (/idp) before it grants a consent. */
export async function consentNonce(suite, terms) {
  const names = ["holder", "verifier", "types", "claims", "purpose", "not_before", "not_after"];
  return b64url(await hash(suite, encode(["wuyi/consent-assurance", names.map((n) => terms[n])])));
}

/** The offer of an openid-credential-offer:// URI (by value). */
export function parseOffer(text) {
  const s = String(text || "").trim();
  if (!s.startsWith("openid-credential-offer://")) throw new Error("不是凭证领取链接 / not an openid-credential-offer:// link");
  const q = new URLSearchParams(s.slice(s.indexOf("?") + 1));
  const offer = JSON.parse(q.get("credential_offer") || "null");
  if (!offer || !offer.credential_issuer || !(offer.grants || {})[PRE_AUTH]) throw new Error("malformed credential offer");
  return offer;
}

async function fetchJson(url, opts = {}) {
  const r = await fetch(url, opts);
  const doc = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(doc.detail || doc.error_description || doc.error || `HTTP ${r.status}`);
    err.reason = doc.reason || doc.error;
    throw err;
  }
  return doc;
}

/** The wallet entry of a received SD-JWT (as wuyi.sdk.wallet.Wallet.add). */
function storedCredential(sdJwt, w) {
  const parts = sdJwt.split("~");
  const payload = b64urlJson(parts[0].split(".")[1]);
  const jwk = (payload.cnf || {}).jwk;
  if (!jwk) throw new Error("credential has no holder binding (cnf.jwk)");
  const st = (payload.status || {}).status_list || {};
  if (!String(st.uri || "").startsWith("wuyi:vc/status/") || !Number.isInteger(st.idx)) throw new Error("no status list entry");
  const org = st.uri.slice("wuyi:vc/status/".length);
  const id = `${org}/${st.idx}`;
  if (w.credentials.some((c) => c.id === id)) throw new Error(`credential ${id} is already in the wallet`);
  const claims = {};
  for (const d of parts.slice(1)) {
    if (!d) continue;
    const v = b64urlJson(d);
    if (Array.isArray(v) && v.length === 3) claims[v[1]] = v[2];
  }
  const visible = {};
  for (const [k, v] of Object.entries(payload)) {
    if (k === "_sd" || k === "_sd_alg" || k === "cnf") continue;
    visible[k] = v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([x]) => x !== "_sd")) : v;
  }
  return {
    id, sd_jwt: sdJwt.endsWith("~") ? sdJwt : sdJwt + "~", type: String(payload.vct || ""),
    issuer: String(payload.iss || ""), status_org: org, status_idx: st.idx,
    received: Math.floor(Date.now() / 1000), claims, visible,
  };
}

/** Redeem `offer` with `txCode` into the open wallet; the stored entry. */
async function receive(offer, meta, asMeta, configId, txCode) {
  const w = current.wallet;
  const grant = offer.grants[PRE_AUTH];
  const form = new URLSearchParams({ grant_type: PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"] });
  if (grant.tx_code) form.set("tx_code", txCode);
  const token = await fetchJson(asMeta.token_endpoint, { method: "POST", body: form });
  const { c_nonce: nonce } = await fetchJson(meta.nonce_endpoint, { method: "POST" });
  const did = await get(`/v1/dids/${encodeURIComponent(w.did)}?prove=false`);
  const kid = did.didDocument.authentication[0];
  const proof = signCompact(w.key, { typ: "openid4vci-proof+jwt", kid },
    { aud: offer.credential_issuer, iat: Math.floor(Date.now() / 1000), nonce });
  const out = await fetchJson(meta.credential_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token.access_token}` },
    body: JSON.stringify({ credential_configuration_id: configId, proofs: { jwt: [proof] } }),
  });
  const entry = storedCredential(out.credentials[0].credential, w);
  const doc = await sealWallet(current.doc, current.passphrase, [entry]);
  localStorage.setItem(STORE, JSON.stringify(doc));
  current.doc = doc;
  current.wallet = Object.freeze({ ...w, credentials: [...w.credentials, entry] });
  setOpenedWallet(current.wallet);  // the wallet page (#/wallet) shows it at once
  return entry;
}

export async function receivePage(view) {
  view.classList.add("phone");
  view.append(h("h1", t("vci.title")), h("p.muted.small", t("vci.intro")));
  const step2 = h("div", { "data-testid": "vci-step2" });
  view.append(walletCard(step2), step2);
  if (current) offerCard(step2);
}

function walletCard(step2) {
  const stored = localStorage.getItem(STORE);
  const file = h("input", { type: "file", accept: ".json,application/json", "data-testid": "vci-wallet-file" });
  const useStored = stored ? h("label.inline", h("input", { type: "checkbox", checked: true, "data-testid": "vci-use-stored" }), " ", t("vci.stored")) : null;
  const pass = h("input", { type: "password", autocomplete: "current-password", "data-testid": "vci-pass" });
  const msg = h("div.msg", { "data-testid": "vci-wallet-msg", "aria-live": "polite" });
  const btn = h("button.primary", { type: "submit", "data-testid": "vci-open" }, t("vci.open"));
  const form = h("form.keyform", useStored, h("label", t("vci.file"), file), h("label", t("vci.pass"), pass), btn, msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    msg.className = "msg";
    try {
      const useIt = useStored && useStored.querySelector("input").checked && !file.files[0];
      const doc = useIt ? JSON.parse(stored) : JSON.parse(await file.files[0].text());
      msg.textContent = t("vci.opening");
      const wallet = await openWallet(doc, pass.value);
      current = { doc, passphrase: pass.value, wallet };
      pass.value = "";
      msg.className = "msg ok";
      msg.replaceChildren(h("span.mono.small", { "data-testid": "vci-did" }, wallet.did));
      offerCard(step2);
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message || String(err);
    } finally {
      btn.disabled = false;
    }
  });
  if (current) msg.replaceChildren(h("span.mono.small", { "data-testid": "vci-did" }, current.wallet.did));
  return card(t("vci.wallet"), form);
}

function offerCard(step2) {
  const who = h("div", { "data-testid": "vci-who" });
  const msg = h("div.msg", { "aria-live": "polite" });
  const photo = h("input", { type: "file", accept: "image/*", "data-testid": "vci-photo" });
  const paste = h("textarea.mono", { rows: 3, "data-testid": "vci-paste", placeholder: "openid-credential-offer://?credential_offer=…" });
  const read = h("button", { type: "button", "data-testid": "vci-read" }, t("vci.read"));
  const video = h("video.vci-camera", { playsinline: true, muted: true, hidden: true });
  const scan = h("button", { type: "button", "data-testid": "vci-scan" }, t("vci.scan"));
  const use = (text) => { msg.textContent = ""; showOffer(who, text).catch((err) => { who.replaceChildren(errorBox(err)); }); };
  photo.addEventListener("change", async () => {
    const text = photo.files[0] ? await decodeQr(photo.files[0]) : null;
    if (!text) { msg.className = "msg err"; msg.textContent = t("vci.noqr"); return; }
    paste.value = text;
    use(text);
  });
  read.addEventListener("click", () => use(paste.value));
  scan.addEventListener("click", () => scanCamera(video, (text) => { paste.value = text; use(text); }).catch((err) => {
    msg.className = "msg err"; msg.textContent = err.message || String(err);
  }));
  step2.replaceChildren(card(t("vci.offer"), h("div.keyform",
    h("div.actions", scan), video, h("label", t("vci.photo"), photo),
    h("label", t("vci.paste"), paste), h("div.actions", read), msg)), who);
}

async function scanCamera(video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const stop = () => { stream.getTracks().forEach((tr) => tr.stop()); video.hidden = true; };
  const tick = () => {
    if (!video.videoWidth) { requestAnimationFrame(tick); return; }
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    ctx.drawImage(video, 0, 0);
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(img.data, canvas.width, canvas.height);
    if (code && code.data.startsWith("openid-credential-offer://")) { stop(); onText(code.data); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function showOffer(who, text) {
  const offer = parseOffer(text);
  const issuer = offer.credential_issuer.replace(/\/$/, "");
  const meta = await fetchJson(`${issuer}/.well-known/openid-credential-issuer`);
  const asMeta = await fetchJson(`${(meta.authorization_servers || [issuer])[0].replace(/\/$/, "")}/.well-known/oauth-authorization-server`);
  const configId = offer.credential_configuration_ids[0];
  const config = meta.credential_configurations_supported[configId];
  const display = ((config.credential_metadata || {}).display || [{}])[0].name || configId;
  const claims = ((config.credential_metadata || {}).claims || []).map((c) => c.path[c.path.length - 1]);
  const grant = offer.grants[PRE_AUTH];
  const tx = grant.tx_code ? h("input", { inputmode: "numeric", pattern: "[0-9]*", maxlength: grant.tx_code.length || 6,
    autocomplete: "one-time-code", "data-testid": "vci-txcode" }) : null;
  const btn = h("button.primary", { type: "submit", "data-testid": "vci-accept" }, t("vci.accept"));
  const msg = h("div.msg", { "data-testid": "vci-msg", "aria-live": "polite" });
  const result = h("div", { "data-testid": "vci-result" });
  const form = h("form.keyform", tx ? h("label", t("vci.txcode"), tx) : null, btn, msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    msg.className = "msg";
    msg.textContent = t("vci.working");
    try {
      const entry = await receive(offer, meta, asMeta, configId, tx ? tx.value.trim() : "");
      msg.className = "msg ok";
      msg.textContent = t("vci.done");
      btn.remove();
      if (tx) tx.closest("label").remove();
      const file = new Blob([JSON.stringify(current.doc, null, 2) + "\n"], { type: "application/json" });
      result.append(card(t("vci.done"),
        h("div", { "data-testid": "vci-done", "data-type": entry.type, "data-entry": entry.id },
          kv([[t("vci.cred"), display], [t("vci.status"), h("span.mono", entry.id)],
            ...Object.entries(entry.claims).map(([k, v]) => [claimLabel(k), h("span", { "data-claim": k }, v === true ? t("common.yes") : v === false ? t("common.no") : String(v))])])),
        h("div.actions",
          h("a.button", { href: URL.createObjectURL(file), download: "wuyi-wallet.json", "data-testid": "vci-download" }, t("vci.download")),
          link("#/wallet", t("vci.towallet")))));
    } catch (err) {
      msg.className = "msg err";
      msg.dataset.reason = err.reason || "";
      msg.textContent = err.message || String(err);
      btn.disabled = false;
    }
  });
  who.replaceChildren(card(t("vci.who"),
    kv([[t("vci.issuer"), h("b", { "data-testid": "vci-issuer" }, (config.wuyi_issuers || []).map((i) => i.name).join("、") || issuer)],
      [t("vci.cred"), h("b", { "data-testid": "vci-cred" }, display)],
      [t("vci.claims"), h("span", { "data-testid": "vci-claims" }, claims.map(claimLabel).join("、"))],
      [t("vci.site"), h("span.mono.small", issuer)]]),
    form), result);
}
