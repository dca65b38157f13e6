// 柜台核验 / The verifier's desk (OpenID4VP 1.0, wuyi/oid4vp): a member of the verifying
// organisation picks a credential type, the claims and the purpose; the page builds the request
// object (client_id decentralized_identifier:did:wuyi:org:<org>, DCQL, nonce, state,
// response_mode direct_post) exactly as wuyi.oid4vp.request.build_request does, signs it here
// with the member's key (JAR, typ oauth-authz-req+jwt) and hands it to the node, which serves
// it by reference. The page shows the QR code and the same-device link, polls, and when the
// wallet has answered records the check on chain (vc.verify, the presentation as a private
// side-car, signed here) and shows the chain's verdict.

import { get, session, signedGet } from "/console/static/js/api.js";
import { addLabels, t } from "/console/static/js/i18n.js";
import { badge, card, errorBox, fmtTime, h, kv, link, short } from "/console/static/js/ui.js";
import { claimLabel, tags } from "/console/static/js/data.js";
import { every, keyDialog, sendTx } from "/console/static/js/app.js";
import { sidecarRef } from "/console/static/js/keys.js";
import { b64url, disclosureName, signCompact } from "/console/static/js/present.js";

// OpenID4VP
addLabels({
  "nav.deskvp": ["柜台核验（扫码出示）", "Desk: scan to present"],
  "dvp.title": ["柜台核验：请市民扫码出示凭证", "Desk check: the citizen scans and presents"],
  "dvp.intro": [
    "选择要核验的凭证和项目，说明用途，生成二维码。市民用手机钱包扫码，看清是谁、要看什么、做什么用之后同意出示；本页收到后上链记录核验，显示链上结论。",
    "Choose the credential and the claims, state the purpose and make the QR code. The citizen scans it with the phone wallet, sees who asks what for which purpose, consents and presents; this page then records the check on chain and shows the chain's verdict.",
  ],
  "dvp.type": ["凭证类型", "Credential type"],
  "dvp.claims": ["要核验的项目", "Claims to check"],
  "dvp.purpose": ["用途", "Purpose"],
  "dvp.ttl": ["有效期（秒）", "Valid for (seconds)"],
  "dvp.make": ["生成二维码", "Make the QR code"],
  "dvp.scan": ["请市民用五邑链钱包扫描此二维码", "Ask the citizen to scan this with the Wuyi wallet"],
  "dvp.same": ["同一设备打开钱包", "Open the wallet on this device"],
  "dvp.waiting": ["等待市民出示…", "Waiting for the citizen…"],
  "dvp.recording": ["已收到出示，正在上链核验…", "Presented; the chain is checking it…"],
  "dvp.expired": ["请求已过期，请重新生成", "The request expired; make a new one"],
  "dvp.accepted": ["核验通过（链上结论）", "Accepted (the chain's verdict)"],
  "dvp.refused": ["核验未通过（链上结论）", "Refused (the chain's verdict)"],
  "dvp.disclosed": ["出示的项目", "Claims presented"],
  "dvp.tx": ["链上记录", "On-chain record"],
  "dvp.expires": ["有效至", "Valid until"],
  "dvp.client": ["核验方标识", "Verifier (client_id)"],
  "dvp.none": ["请选择凭证类型、至少一个项目并填写用途", "Choose a type, at least one claim, and a purpose"],
  "dvp.needkey": ["请先载入本机构成员密钥（签名请求和核验记录）", "Load your member key first (it signs the request and the record)"],
});

const SUBJECT = "credentialSubject";
const JWS_ALG = { intl: "EdDSA", sm: "SM2" };
const utf8 = (s) => new TextEncoder().encode(s);

function qrSvg(text) {
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 3, scalable: true });
}

/** A URL-safe random value (nonce, state): 24 random bytes, base64url. */
export function randomToken() {
  return b64url(crypto.getRandomValues(new Uint8Array(24)));
}

/** The claims of a request object, as wuyi.oid4vp.request.build_request makes them. */
export function buildRequest({ org, nonce, state, responseUri, type, claims, purpose, iat, ttl, alg }) {
  const clientId = `decentralized_identifier:did:wuyi:org:${org}`;
  return {
    iss: clientId,
    aud: "https://self-issued.me/v2",
    client_id: clientId,
    response_type: "vp_token",
    response_mode: "direct_post",
    response_uri: responseUri,
    nonce,
    state,
    dcql_query: {
      credentials: [{
        id: `q0_${type}`.slice(0, 64),
        format: "dc+sd-jwt",
        meta: { vct_values: [type] },
        claims: claims.map((c) => ({ path: [SUBJECT, c] })),
      }],
    },
    purpose,
    client_metadata: { vp_formats_supported: { "dc+sd-jwt": { "sd-jwt_alg_values": [alg], "kb-jwt_alg_values": [alg] } } },
    iat,
    exp: iat + ttl,
  };
}

async function deskResult(state, token) {
  const r = await fetch(`/v1/oid4vp/requests/${encodeURIComponent(state)}/result`, { headers: { "X-Wuyi-Desk-Token": token } });
  const doc = await r.json();
  if (!r.ok) throw new Error(doc.detail || `HTTP ${r.status}`);
  return doc;
}

/** The disclosed claims of a presentation, for the desk's eyes: [[name, value]]. */
function disclosedValues(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const parts = line.split("~");
    for (const d of parts.slice(1, -1)) {
      if (!d) continue;
      const name = disclosureName(d);
      const s = d.replace(/-/g, "+").replace(/_/g, "/");
      const v = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(s + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0))));
      if (name) out.push([name, v[2]]);
    }
  }
  return out;
}

function valueText(v) {
  if (v === true) return t("common.yes");
  if (v === false) return t("common.no");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export async function deskPage(view) {
  view.append(h("h1", t("dvp.title")), h("p.muted", t("dvp.intro")));
  if (!session.key) {
    view.append(h("div.alert.warn", t("dvp.needkey"), " ", h("button.link", { onclick: () => keyDialog() }, t("common.loadkey"))));
    return;
  }
  const types = (await get("/v1/vc/types?limit=200")).types || [];
  const typeSel = h("select", { "data-testid": "dvp-type" }, types.map((x) => h("option", { value: x.type }, `${x.description || x.type} (${x.type})`)));
  const claimBox = h("div.dvp-claims", { "data-testid": "dvp-claims" });
  const fillClaims = () => {
    const ty = types.find((x) => x.type === typeSel.value);
    claimBox.replaceChildren(...((ty && ty.claims) || []).map((c) =>
      h("label.check", h("input", { type: "checkbox", "data-claim": c }), " ", claimLabel(c))));
  };
  typeSel.addEventListener("change", fillClaims);
  fillClaims();
  const purpose = h("input", { type: "text", "data-testid": "dvp-purpose", value: "开户 / account opening" });
  const ttl = h("input", { type: "number", value: "300", min: "30", max: "600", "data-testid": "dvp-ttl" });
  const msg = h("div.msg", { "aria-live": "polite", "data-testid": "dvp-msg" });
  const out = h("div", { "data-testid": "dvp-out" });
  const make = h("button.primary", { "data-testid": "dvp-make" }, t("dvp.make"));
  make.addEventListener("click", async () => {
    const claims = [...claimBox.querySelectorAll("input:checked")].map((b) => b.dataset.claim);
    if (!typeSel.value || !claims.length || !purpose.value.trim()) { msg.className = "msg err"; msg.textContent = t("dvp.none"); return; }
    make.disabled = true;
    msg.className = "msg"; msg.textContent = "…";
    try {
      const key = session.key;
      const org = session.member.org;
      const state = randomToken();
      const iat = Math.floor(Date.now() / 1000);
      const claimsObj = buildRequest({
        org, nonce: randomToken(), state, responseUri: `${location.origin}/v1/oid4vp/responses/${state}`,
        type: typeSel.value, claims, purpose: purpose.value.trim(), iat,
        ttl: Math.min(600, Math.max(30, Number(ttl.value) || 300)), alg: JWS_ALG[key.suite],
      });
      const jwt = signCompact(key, { typ: "oauth-authz-req+jwt", kid: `did:wuyi:org:${org}#${key.address}` }, claimsObj);
      const r = await fetch("/v1/oid4vp/requests", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ request: jwt }) });
      const doc = await r.json();
      if (!r.ok) throw new Error(doc.detail || `HTTP ${r.status}`);
      msg.textContent = "";
      showRequest(out, doc, claimsObj, key);
    } catch (err) {
      msg.className = "msg err"; msg.textContent = err.message;
    } finally {
      make.disabled = false;
    }
  });
  view.append(h("div.grid2",
    card(null, kv([
      [t("dvp.type"), typeSel],
      [t("dvp.claims"), claimBox],
      [t("dvp.purpose"), purpose],
      [t("dvp.ttl"), ttl],
    ]), h("div.actions", make), msg),
    out));
}

function showRequest(out, doc, claims, key) {
  const same = `${location.origin}/console/#/wallet-vp?request=${encodeURIComponent(doc.link)}`;
  const status = h("div.dvp-status", { "data-testid": "dvp-status", "data-status": "pending" }, t("dvp.waiting"));
  const verdict = h("div", { "data-testid": "dvp-verdict-box" });
  out.replaceChildren(card(null,
    h("div.qrbox.dvp-qrbox", h("div.qr.dvp-qr", { "data-testid": "dvp-qr", html: qrSvg(doc.link) }),
      h("p", h("b", t("dvp.scan")))),
    kv([
      [t("dvp.client"), h("span.mono.small", claims.client_id)],
      [t("dvp.claims"), tags(claims.dcql_query.credentials[0].claims.map((c) => c.path[1]), claimLabel)],
      [t("dvp.purpose"), h("span.data", claims.purpose)],
      [t("dvp.expires"), fmtTime(claims.exp * 1000)],
    ]),
    h("p.small", h("a", { href: same, "data-testid": "dvp-same", target: "_blank" }, t("dvp.same")),
      h("div.mono.small.muted.dvp-link", { "data-testid": "dvp-link" }, doc.link)),
    status, verdict));
  let busy = false;
  let done = false;
  every(1000, async () => {
    if (busy || done) return;
    busy = true;
    try {
      if (Date.now() / 1000 > claims.exp) {
        done = true;
        status.dataset.status = "expired";
        status.textContent = t("dvp.expired");
        return;
      }
      const res = await deskResult(claims.state, doc.desk_token);
      if (!res.presentation) return;
      done = true;
      status.dataset.status = "recording";
      status.textContent = t("dvp.recording");
      const bytes = utf8(res.presentation);
      const tx = await sendTx("vc.verify", { presentation: await sidecarRef(key.suite, bytes), nonce: utf8(claims.nonce) }, key, [bytes]);
      const check = await signedGet(key, `/v1/vc/checks/${tx.tx_hash}`, "柜台核验记录 / desk check record");
      const ok = check.result === "accepted";
      status.dataset.status = "done";
      status.textContent = "";
      const values = ok ? disclosedValues(res.presentation) : [];
      verdict.replaceChildren(h(`div.result.${ok ? "ok" : "bad"}`, { "data-testid": "dvp-verdict", "data-result": check.result, "data-reason": check.reason || "" },
        h("div.result-head", h("span.result-icon", ok ? "✔" : "✘"), h("span", ok ? t("dvp.accepted") : `${t("dvp.refused")}: ${check.reason}`)),
        kv([
          [t("dvp.disclosed"), h("div", values.map(([n, v]) => h("div", { "data-claim": n }, `${claimLabel(n)}：${valueText(v)}`)))],
          [t("dvp.tx"), h("span", badge(check.result), " ", link(`#/explorer/tx/${tx.tx_hash}`, `#${tx.height} · ${short(tx.tx_hash, 8)}`))],
        ])));
    } catch (err) {
      done = true;
      verdict.replaceChildren(errorBox(err));
    } finally {
      busy = false;
    }
  });
}

export const ROUTES = { "desk-vp": [deskPage, "member"] };
export const NAV = [["desk-vp", "nav.deskvp", "member"]];
