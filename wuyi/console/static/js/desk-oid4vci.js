// 凭证签发窗口 / Issuing desk (OpenID4VCI 1.0, wuyi/oid4vci): a department's clerk (a member with
// the role issuer, signed in) enters the citizen's claim values and makes a credential offer; the
// page shows it as a QR code (openid-credential-offer://, pre-authorized code) and the 6-digit
// transaction code to tell the citizen, then follows the offer until the wallet has received the
// credential. The offer request is signed here with the clerk's key (X-Wuyi-* headers); the
// values go to this node's desk only (memory, dropped once issued), never on chain.

import { get, session, signedPost } from "./api.js";
import { addLabels, t } from "./i18n.js";
import { every } from "./app.js";
import { card, errorBox, fmtTime, h, kv } from "./ui.js";
import { claimLabel } from "./data.js";

// OpenID4VCI
addLabels({
  "nav.desk": ["凭证签发窗口", "Issuing desk"],
  "desk.title": ["凭证签发窗口（OpenID4VCI）", "Issuing desk (OpenID4VCI)"],
  "desk.intro": [
    "填写市民的凭证内容，生成领取二维码；市民用手机钱包扫码并输入交易码即可领取。凭证内容只发给本节点的签发服务，签发后即删除，不上链；链上只有状态列表条目和承诺值。",
    "Enter the citizen's credential values and make an offer QR code; the citizen scans it with the phone wallet and enters the transaction code. The values go to this node's issuing service only and are dropped once issued; only the status-list entry and the commitment go on chain.",
  ],
  "desk.none": ["本节点的签发服务没有贵单位的签发密钥，或您没有签发员（issuer）角色。", "This node's desk holds no issuing key of your organisation, or you lack the issuer role."],
  "desk.type": ["凭证类型", "Credential type"],
  "desk.claims": ["凭证内容（可选择性披露）", "Claims (selectively disclosable)"],
  "desk.txcode": ["交易码", "Transaction code"],
  "desk.tx.law": ["按法规（身份、婚姻类必须）", "As the law asks (identity, civil status)"],
  "desk.tx.yes": ["要求交易码", "Require a code"],
  "desk.tx.no": ["不要求", "No code"],
  "desk.days": ["有效天数（可空）", "Valid days (optional)"],
  "desk.make": ["生成领取二维码", "Make the offer QR code"],
  "desk.scan": ["请市民用五邑链钱包扫描此二维码", "The citizen scans this with the Wuyi wallet"],
  "desk.tell": ["请口头告知市民交易码（不要写在二维码旁）", "Tell the citizen this code (never beside the QR)"],
  "desk.expires": ["有效期至", "Valid until"],
  "desk.status": ["领取状态", "Status"],
  "desk.open": ["等待领取", "waiting"],
  "desk.issued": ["已签发", "issued"],
  "desk.gone": ["已失效", "expired"],
  "desk.entry": ["链上状态条目", "Status entry on chain"],
});
// end OpenID4VCI

function qrSvg(text) {
  const qr = window.qrcode(0, "L");
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
}

function claimValue(text) {
  const v = text.trim();
  if (v === "true" || v === "是") return true;
  if (v === "false" || v === "否") return false;
  return v;
}

export async function deskPage(view) {
  view.append(h("h1", t("desk.title")), h("p.muted", t("desk.intro")));
  const desk = await get("/v1/oid4vci/desk");
  const org = session.member && session.member.roles.includes("issuer") ? session.member.org : null;
  const configs = Object.entries(desk.credential_configurations || {})
    .filter(([, c]) => (c.wuyi_issuers || []).some((i) => i.org === org));
  if (!configs.length) {
    view.append(h("div.alert.warn", { "data-testid": "desk-none" }, t("desk.none")));
    return;
  }
  const typeSel = h("select", { "data-testid": "desk-type" },
    configs.map(([id, c]) => h("option", { value: id }, `${c.credential_metadata.display[0].name} · ${id}`)));
  const claimsBox = h("div.deskclaims", { "data-testid": "desk-claims" });
  const drawClaims = () => {
    const c = Object.fromEntries(configs)[typeSel.value];
    claimsBox.replaceChildren(...c.credential_metadata.claims.map((cl) => {
      const name = cl.path[cl.path.length - 1];
      return h("label", h("span", { title: name }, claimLabel(name)), h("input", { "data-claim": name, "data-testid": `desk-claim-${name}` }));
    }));
  };
  typeSel.addEventListener("change", drawClaims);
  drawClaims();
  const txSel = h("select", { "data-testid": "desk-txmode" },
    h("option", { value: "law" }, t("desk.tx.law")), h("option", { value: "yes" }, t("desk.tx.yes")),
    h("option", { value: "no" }, t("desk.tx.no")));
  const days = h("input", { type: "number", min: 1, max: 36500, "data-testid": "desk-days" });
  const out = h("div", { "data-testid": "desk-offer" });
  const btn = h("button.primary", { type: "submit", "data-testid": "desk-make" }, t("desk.make"));
  const form = h("form.keyform", h("label", t("desk.type"), typeSel), h("div.small.muted", t("desk.claims")), claimsBox,
    h("label", t("desk.txcode"), txSel), h("label", t("desk.days"), days), btn);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    out.replaceChildren();
    try {
      const claims = {};
      for (const input of claimsBox.querySelectorAll("input[data-claim]")) {
        if (input.value.trim()) claims[input.dataset.claim] = claimValue(input.value);
      }
      const body = { type: typeSel.value, claims, tx_code: { law: null, yes: true, no: false }[txSel.value] };
      if (days.value) body.valid_days = Number(days.value);
      const offer = await signedPost(session.key, "/v1/oid4vci/offers", body, "窗口签发凭证 / desk issues a credential");
      for (const input of claimsBox.querySelectorAll("input[data-claim]")) input.value = "";
      showOffer(out, offer);
    } catch (err) {
      out.append(errorBox(err));
    } finally {
      btn.disabled = false;
    }
  });
  view.append(h("div.grid2", card(t("desk.title"), form), out));
}

function showOffer(out, offer) {
  const status = h("span", { "data-testid": "desk-status", "data-status": "open" }, t("desk.open"));
  const entry = h("span.mono", { "data-testid": "desk-entry" }, "—");
  out.append(card(t("desk.scan"),
    h("div.qrbox", h("div.qr.offerqr", { "data-testid": "desk-qr", html: qrSvg(offer.offer_uri) })),
    offer.tx_code ? h("div.txcode", h("div.small.muted", t("desk.tell")), h("b.mono", { "data-testid": "desk-txcode" }, offer.tx_code)) : null,
    kv([[t("desk.expires"), fmtTime(offer.expires * 1000)], [t("desk.status"), status], [t("desk.entry"), entry]])));
  let done = false;
  every(2000, async () => {
    if (done) return;
    const st = await get(`/v1/oid4vci/offers/${encodeURIComponent(offer.id)}`).catch(() => null);
    if (!st || st.status === "open") return;
    done = true;
    status.dataset.status = st.status;
    status.replaceChildren(h(st.status === "issued" ? "b.ok" : "b", t(`desk.${st.status}`)));
    if (st.status === "issued") entry.textContent = `${st.org}/${st.idx}`;
  });
}
