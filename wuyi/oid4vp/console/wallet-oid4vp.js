// 扫码出示 / The citizen's wallet answering an OpenID4VP 1.0 request (wuyi/oid4vp), phone-sized.
// The citizen opens the wallet (decrypted in this page's memory, as #/wallet), then reads the
// desk's QR code — the camera (BarcodeDetector where the browser has it), a photo of the code
// (jsQR), or a pasted openid4vp:// link. The page fetches the request object, checks its
// signature with the key the verifier organisation's DID document on chain names (kid), and
// its rules (client_id prefix, direct_post, DCQL, not expired); then shows in plain words who
// asks, which claims will be disclosed, for what purpose and under which consent — or offers
// to create that consent (consent.grant, signed here with the wallet's DID key). A request that
// asks for more than the chosen consent covers is refused here, before anything leaves the
// page. Presenting posts vp_token (one SD-JWT + KB-JWT per DCQL query, aud = the client_id,
// the request's nonce) and state to the response_uri (direct_post).

import { get, signedGet } from "/console/static/js/api.js";
import { addLabels, t } from "/console/static/js/i18n.js";
import { card, errorBox, fmtTime, h, kv } from "/console/static/js/ui.js";
import { claimLabel, orgNames } from "/console/static/js/data.js";
import { keyForm, sendTx } from "/console/static/js/app.js";
import { toHex } from "/console/static/js/cbor.js";
import { openWallet } from "/console/static/js/keys.js";
import { decodeQr } from "/console/static/js/verify.js";
import { DisclosureRefused, checkConsent, presentOne } from "/console/static/js/present.js";
import { OWN_PURPOSE, openedWallet, setOpenedWallet } from "/console/static/js/wallet.js";

// OpenID4VP
addLabels({
  "nav.walletvp": ["扫码出示凭证", "Scan to present"],
  "wvp.title": ["扫码出示凭证", "Scan to present a credential"],
  "wvp.intro": ["先打开您的钱包，再扫描柜台的二维码。出示前会告诉您：谁在要、要看什么、做什么用。", "Open your wallet, then scan the desk's QR code. Before anything is shown you will see who asks, what they will see, and why."],
  "wvp.camera": ["用相机扫码", "Scan with the camera"],
  "wvp.nocamera": ["此浏览器不能直接扫码，请拍照后上传或粘贴链接", "This browser cannot scan directly: upload a photo or paste the link"],
  "wvp.photo": ["上传二维码照片", "Upload a photo of the QR code"],
  "wvp.paste": ["或粘贴链接（openid4vp://…）", "Or paste the link (openid4vp://…)"],
  "wvp.read": ["读取", "Read"],
  "wvp.noqr": ["照片里没有找到二维码", "No QR code found in the photo"],
  "wvp.checking": ["正在核对请求方身份…", "Checking who is asking…"],
  "wvp.who": ["谁在请求", "Who asks"],
  "wvp.whoverified": ["签名已用链上登记的机构密钥核验", "signature checked with the organisation's key on chain"],
  "wvp.what": ["将出示的内容", "What will be shown"],
  "wvp.only": ["只出示以上项目，其他信息不会发送", "Only these; nothing else is sent"],
  "wvp.why": ["用途", "Purpose"],
  "wvp.until": ["请求有效至", "Request valid until"],
  "wvp.consent": ["依据的授权", "Under the consent"],
  "wvp.noconsent": ["您还没有给这家机构这项授权", "You have not given this organisation this consent yet"],
  "wvp.grant": ["授权（10 分钟，用钱包签名）", "Consent (10 minutes, signed by the wallet)"],
  "wvp.granted": ["已授权并上链", "Consent granted on chain"],
  "wvp.present": ["同意并出示", "Agree and present"],
  "wvp.cancel": ["不出示", "Do not present"],
  "wvp.sent": ["已出示，请看柜台屏幕上的核验结果", "Presented: the desk's screen shows the result"],
  "wvp.refused": ["对方拒绝了这次出示", "The verifier refused this presentation"],
  "wvp.overasking": ["请求超出了您的授权范围：钱包拒绝出示，什么都没有发送", "The request asks for more than your consent covers: the wallet refuses, nothing was sent"],
  "wvp.missing": ["钱包里没有这类凭证", "The wallet holds no credential of this type"],
  "wvp.badrequest": ["这不是有效的核验请求", "This is not a valid request"],
  "wvp.cancelled": ["已取消，没有出示任何内容", "Cancelled: nothing was shown"],
});

const PREFIX = "decentralized_identifier:";
const ORG_DID = "did:wuyi:org:";
const SM2_USER_ID = "1234567812345678";
const utf8 = (s) => new TextEncoder().encode(s);

function b64d(text) {
  const s = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(s + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
}
const jsonOf = (part) => JSON.parse(new TextDecoder().decode(b64d(part)));

/** {clientId, requestUri} of an openid4vp:// link (or of the console link that carries one). */
export function parseLink(text) {
  let s = String(text || "").trim();
  const m = /[?&]request=([^&]+)/.exec(s);
  if (!s.startsWith("openid4vp:") && m) s = decodeURIComponent(m[1]);
  if (!s.startsWith("openid4vp://")) throw new Error(t("wvp.badrequest"));
  const q = new URLSearchParams(s.slice(s.indexOf("?") + 1));
  const clientId = q.get("client_id") || "";
  const requestUri = q.get("request_uri") || "";
  if (!clientId.startsWith(PREFIX + ORG_DID) || !/^https?:\/\//.test(requestUri)) throw new Error(t("wvp.badrequest"));
  return { clientId, requestUri };
}

/** Verify a compact JWS with a JWK (Ed25519 or SM2): its header and payload, or an error. */
function verifyJws(jwt, jwk) {
  const [hd, pl, sg] = jwt.split(".");
  const header = jsonOf(hd);
  const msg = utf8(`${hd}.${pl}`);
  const sig = b64d(sg);
  let ok = false;
  if (jwk.crv === "Ed25519" && header.alg === "EdDSA") {
    ok = window.nacl.sign.detached.verify(msg, sig, b64d(jwk.x));
  } else if (jwk.crv === "SM2" && header.alg === "SM2") {
    const pub = "04" + toHex(b64d(jwk.x)) + toHex(b64d(jwk.y));
    ok = window.sm2.doVerifySignature(Array.from(msg), toHex(sig), pub, { hash: true, userId: SM2_USER_ID });
  }
  if (!ok) throw new Error(`${t("wvp.badrequest")}: signature`);
  return { header, payload: jsonOf(pl) };
}

/** The request behind `link`, fetched and checked: signature with the verifier's DID key on
 *  chain, and the OpenID4VP rules wuyi.oid4vp.request.validate_request applies. */
export async function fetchRequest(link) {
  const { clientId, requestUri } = parseLink(link);
  const r = await fetch(requestUri);
  if (!r.ok) throw new Error(`${t("wvp.badrequest")} (HTTP ${r.status})`);
  const jwt = (await r.text()).trim();
  const header = jsonOf(jwt.split(".")[0]);
  if (header.typ !== "oauth-authz-req+jwt") throw new Error(`${t("wvp.badrequest")}: typ`);
  const did = clientId.slice(PREFIX.length);
  const res = await get(`/v1/dids/${encodeURIComponent(did)}?prove=false`);
  const vm = ((res.didDocument || {}).verificationMethod || []).find((x) => x.id === header.kid);
  if (!vm) throw new Error(`${t("wvp.badrequest")}: kid`);
  const { payload } = verifyJws(jwt, vm.publicKeyJwk);
  const bad = (why) => { throw new Error(`${t("wvp.badrequest")}: ${why}`); };
  if (payload.client_id !== clientId) bad("client_id");
  if (payload.response_type !== "vp_token" || payload.response_mode !== "direct_post" || payload.redirect_uri) bad("response_mode");
  if (!/^https?:\/\//.test(payload.response_uri || "")) bad("response_uri");
  if (!(payload.exp > Date.now() / 1000)) bad("expired");
  const creds = ((payload.dcql_query || {}).credentials || []);
  if (!creds.length) bad("dcql_query");
  const asked = creds.map((q) => {
    if (q.format !== "dc+sd-jwt" || !q.meta || !Array.isArray(q.meta.vct_values) || q.meta.vct_values.length !== 1) bad("dcql_query");
    const claims = (q.claims || []).map((c) => { const p = c.path || []; return p.length === 2 && p[0] === "credentialSubject" ? p[1] : p.length === 1 ? p[0] : bad("claim path"); });
    return { id: q.id, type: q.meta.vct_values[0], claims };
  });
  return { payload, asked, org: did.slice(ORG_DID.length), clientId };
}

function covers(c, req, did) {
  try {
    checkConsent(c, { holder: did, verifier: req.org, types: req.asked.map((a) => a.type), claims: req.asked.flatMap((a) => a.claims) });
    return c.purpose === req.payload.purpose;
  } catch { return false; }
}

export async function walletVpPage(view, args, query) {
  view.classList.add("phone");
  view.append(h("h1", t("wvp.title")), h("p.muted", t("wvp.intro")));
  const pending = query && query.get("request");
  if (!openedWallet()) {
    view.append(card(null, keyForm(async (w) => { setOpenedWallet(w); view.replaceChildren(); await walletVpPage(view, args, query); },
      t("wallet.open"), { open: openWallet, fileLabel: t("wallet.file"), decrypting: t("wallet.opening"), opened: t("common.loading") })));
    return;
  }
  const w = openedWallet();
  const out = h("div", { "data-testid": "wvp-out" });
  const msg = h("div.msg", { "aria-live": "polite", "data-testid": "wvp-msg" });
  const load = async (text) => {
    out.replaceChildren();
    msg.className = "msg"; msg.textContent = t("wvp.checking");
    try {
      const req = await fetchRequest(text);
      msg.textContent = "";
      await showRequest(out, req, w);
    } catch (err) {
      msg.className = "msg err"; msg.textContent = err.message;
    }
  };
  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", "data-testid": "wvp-photo" });
  photo.addEventListener("change", async () => {
    const f = photo.files[0];
    if (!f) return;
    const text = await decodeQr(f);
    if (!text) { msg.className = "msg err"; msg.textContent = t("wvp.noqr"); return; }
    await load(text);
  });
  const paste = h("input", { type: "text", "data-testid": "wvp-link", placeholder: "openid4vp://…" });
  const read = h("button.ghost", { "data-testid": "wvp-read", onclick: () => load(paste.value) }, t("wvp.read"));
  const cam = h("button.primary", { "data-testid": "wvp-camera" }, t("wvp.camera"));
  const video = h("video.wvp-video", { playsinline: true, muted: true, hidden: true });
  cam.addEventListener("click", async () => {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { msg.className = "msg err"; msg.textContent = t("wvp.nocamera"); return; }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream; video.hidden = false; await video.play();
      const det = new window.BarcodeDetector({ formats: ["qr_code"] });
      const tick = async () => {
        if (!video.isConnected) { stream.getTracks().forEach((x) => x.stop()); return; }
        const codes = await det.detect(video).catch(() => []);
        if (codes.length) { stream.getTracks().forEach((x) => x.stop()); video.hidden = true; await load(codes[0].rawValue); return; }
        requestAnimationFrame(tick);
      };
      tick();
    } catch (err) { msg.className = "msg err"; msg.textContent = `${t("wvp.nocamera")} (${err.message})`; }
  });
  view.append(card(null,
    h("div.actions", cam), video,
    h("label.wvp-photo", t("wvp.photo"), photo),
    h("label", t("wvp.paste"), h("div.inline", paste, " ", read)),
    msg), out);
  if (pending) await load(pending);
}

async function showRequest(out, req, w) {
  const [names, cons] = await Promise.all([
    orgNames(),
    signedGet(w.key, `/v1/dids/${encodeURIComponent(w.did)}/consents?limit=200`, OWN_PURPOSE),
  ]);
  const consents = (cons.consents || []).filter((c) => c.status === "active" && c.verifier === req.org && c.not_after > Date.now());
  const p = req.payload;
  const creds = req.asked.map((a) => w.credentials.filter((c) => c.type === a.type).sort((x, y) => y.received - x.received)[0]);
  const sel = h("select", { "data-testid": "wvp-consent" },
    consents.map((c) => h("option", { value: c.id }, `${c.purpose || c.id} · ${(c.claims || []).map(claimLabel).join("、")}`)));
  const good = consents.find((c) => covers(c, req, w.did));
  if (good) sel.value = good.id;
  const msg = h("div.msg", { "aria-live": "polite", "data-testid": "wvp-result" });
  const grant = h("button.ghost", { "data-testid": "wvp-grant" }, t("wvp.grant"));
  const consentRow = h("div", { "data-testid": "wvp-consent-row" });
  const drawConsent = () => consentRow.replaceChildren(...[
    consents.length ? sel : h("div.muted", { "data-testid": "wvp-noconsent" }, t("wvp.noconsent")),
    consents.some((c) => covers(c, req, w.did)) ? null : h("div.actions", grant)].filter(Boolean));
  drawConsent();
  grant.addEventListener("click", async () => {
    grant.disabled = true;
    msg.className = "msg"; msg.textContent = "…";
    try {
      const now = Date.now();
      const payload = {
        holder: w.did, verifier: req.org,
        types: req.asked.map((a) => a.type), claims: req.asked.flatMap((a) => a.claims),
        purpose: p.purpose, not_before: now, not_after: now + 10 * 60000,
      };
      const res = await sendTx("consent.grant", payload, w.key);
      const c = { id: res.tx_hash.slice(0, 32), ...payload, status: "active" };
      consents.unshift(c);
      sel.prepend(h("option", { value: c.id }, `${c.purpose} · ${c.claims.map(claimLabel).join("、")}`));
      sel.value = c.id;
      drawConsent();
      msg.className = "msg ok"; msg.textContent = `${t("wvp.granted")} · #${res.height}`;
    } catch (err) {
      msg.className = "msg err"; msg.textContent = err.message; grant.disabled = false;
    }
  });
  const present = h("button.primary.big", { "data-testid": "wvp-present" }, t("wvp.present"));
  const cancel = h("button.ghost", { "data-testid": "wvp-cancel", onclick: () => { out.replaceChildren(h("p.muted", t("wvp.cancelled"))); } }, t("wvp.cancel"));
  present.addEventListener("click", async () => {
    msg.className = "msg"; msg.textContent = "…"; msg.dataset.reason = "";
    try {
      if (creds.some((c) => !c)) throw new Error(t("wvp.missing"));
      const consent = consents.find((c) => c.id === sel.value);
      // the consent's terms as the chain holds them: a request beyond them goes nowhere
      try {
        checkConsent(consent, { holder: w.did, verifier: req.org, types: req.asked.map((a) => a.type), claims: req.asked.flatMap((a) => a.claims) });
        if (consent.purpose !== p.purpose) throw new DisclosureRefused("purpose_not_consented");
      } catch (err) {
        if (err instanceof DisclosureRefused && ["claims_not_consented", "type_not_consented"].includes(err.reason)) {
          const e = new Error(`${t("wvp.overasking")}（${err.message}）`); e.reason = "over_asking"; throw e;
        }
        throw err;
      }
      const iat = Math.floor(Date.now() / 1000);
      const vp = {};
      for (let i = 0; i < req.asked.length; i++) {
        const a = req.asked[i];
        vp[a.id] = [await presentOne(creds[i].sd_jwt, a.claims, w.key, { aud: req.clientId, nonce: p.nonce, iat, exp: iat + 120, consent: consent.id })];
      }
      const body = new URLSearchParams({ vp_token: JSON.stringify(vp), state: p.state });
      const r = await fetch(p.response_uri, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
      if (!r.ok) {
        const doc = await r.json().catch(() => ({}));
        const e = new Error(`${t("wvp.refused")}: ${doc.reason || doc.code || r.status}`); e.reason = doc.reason || ""; throw e;
      }
      msg.className = "msg ok big"; msg.dataset.reason = ""; msg.dataset.sent = "1";
      msg.textContent = `✔ ${t("wvp.sent")}`;
      present.disabled = true;
    } catch (err) {
      msg.className = "msg err"; msg.dataset.reason = err.reason || ""; msg.textContent = err.message;
    }
  });
  out.replaceChildren(card(null,
    kv([
      [t("wvp.who"), h("div", { "data-testid": "wvp-who" }, h("b", names[req.org] || req.org), h("div.small.muted.mono", req.clientId.slice(PREFIX.length)), h("div.small.ok", "✔ ", t("wvp.whoverified")))],
      [t("wvp.what"), h("div", { "data-testid": "wvp-what" }, req.asked.map((a, i) => h("div",
        h("div.small.muted.data", a.type),
        a.claims.map((n) => h("div.wvp-claim", { "data-claim": n }, "• ", claimLabel(n),
          creds[i] && n in (creds[i].claims || {}) ? h("span.muted", `：${valueOf(creds[i].claims[n])}`) : null)))),
        h("div.small.muted", t("wvp.only")))],
      [t("wvp.why"), h("b.data", { "data-testid": "wvp-why" }, p.purpose || "—")],
      [t("wvp.until"), fmtTime(p.exp * 1000)],
    ]),
    h("div.wvp-consent", h("div.small.muted", t("wvp.consent")), consentRow),
    h("div.actions", present, cancel), msg));
}

function valueOf(v) {
  if (v === true) return t("common.yes");
  if (v === false) return t("common.no");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export const ROUTES = { "wallet-vp": [walletVpPage, "public"] };
export const NAV = [["wallet-vp", "nav.walletvp", "public"]];
