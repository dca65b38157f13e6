// 我的办事 (a citizen, with the wallet file opened as on 我的凭证): the cards the scenario
// modules contribute (scenarios-kit.js registerCitizenCard: e.g. the citizen's contracts to
// check, sign or declare, an application to make) and the e-certificates in the wallet with
// their public check. Every transaction is signed here with the wallet's DID key; the claim
// values leave the page only inside the presentation a contract asks for (numbers and booleans,
// never a name): presentFor builds it (present.js) under a consent to the verifier, as a
// private side-car that travels beside the transaction, never in it.

import { signedGet } from "./api.js";
import { t } from "./i18n.js";
import { sendTx } from "./app.js";
import { sidecarRef } from "./keys.js";
import { present } from "./present.js";
import { claimLabel } from "./data.js";
import { card, errorBox } from "./ui.js";
import { OWN_PURPOSE, openedWallet } from "./wallet.js";
import { certQr, contributed, flashBox, h, kv, link, orgNames, walletLogin } from "./scenarios-kit.js";

const enc = encodeURIComponent;
const CONSENT_MINUTES = 30;
const CONSENT_SLACK_MS = 60_000; // a consent starts a minute back: the node's clock may be behind ours

export const credOf = (w, type) => w.credentials.find((c) => c.type === type);

/** The wallet's credentials for `types`, or an error naming the missing one. */
export function credsFor(w, types) {
  return types.map((type) => {
    const c = credOf(w, type);
    if (!c) throw new Error(`${t("cz.missing")}: ${t(`vct.${type}`) === `vct.${type}` ? type : t(`vct.${type}`)} (${type})`);
    return c;
  });
}

/** An active consent of the wallet's DID for `verifier` covering `types` and `claims`, or a new
 *  one (consent.grant signed with the DID key, CONSENT_MINUTES long). Returns its record. */
export async function ensureConsent(w, verifier, types, claims, purpose) {
  const doc = await signedGet(w.key, `/v1/dids/${enc(w.did)}/consents?limit=200`, OWN_PURPOSE);
  const now = Date.now();
  const ok = (doc.consents || []).find((c) => c.status === "active" && c.verifier === verifier
    && types.every((x) => c.types.includes(x)) && claims.every((x) => c.claims.includes(x))
    && c.not_before <= now && c.not_after > now + 60_000);
  if (ok) return ok;
  const payload = {
    holder: w.did, verifier, types, claims, purpose, not_before: now - CONSENT_SLACK_MS, not_after: now + CONSENT_MINUTES * 60_000,
  };
  const res = await sendTx("consent.grant", payload, w.key);
  return { id: res.tx_hash.slice(0, 32), ...payload, status: "active" };
}

/** Build the presentation for `req` ({verifier, nonce, types, claims}) from the wallet, as a
 *  private side-car: {ref, bytes}. The call carries only `ref` ("sidecar:<hash>", where the
 *  contract expects the presentation) and sends `bytes` beside the transaction (callContract's
 *  `sidecars`): the disclosed claims never enter the block. */
export async function presentFor(w, req, purpose) {
  const creds = credsFor(w, req.types);
  const consent = await ensureConsent(w, req.verifier, req.types, req.claims, req.purpose || purpose);
  const text = await present(creds, req.claims, w.key, { verifier: req.verifier, nonce: req.nonce, consent, holder: w.did, ttl: 120 });
  const bytes = new TextEncoder().encode(text);
  return { ref: await sidecarRef(w.key.suite, bytes), bytes };
}

// -- the citizen's page ------------------------------------------------------------------------------

export async function citizenPage(view) {
  view.append(h("h1", t("cz.title")), h("div.alert.info.privacy", { "data-testid": "citizen-private" }, t("cz.private")), flashBox());
  const w = openedWallet();
  if (!w) {
    walletLogin(view, citizenPage, t("cz.open"));
    return;
  }
  const redraw = () => { view.replaceChildren(); return citizenPage(view); };
  const names = await orgNames();
  const cards = await Promise.all(contributed.citizenCards.map((c) => Promise.resolve()
    .then(() => c.render(w, { names, redraw })).catch((err) => errorBox(err))));
  view.append(card(null, h("p.didline", t("wallet.did"), ": ", h("b.mono", { "data-testid": "citizen-did" }, w.did)),
    h("p.small", link("#/wallet", t("cz.towallet")), ...contributed.citizenCards.filter((x) => x.link)
      .map((x) => h("span", " · ", link(x.link(w), t(x.linkLabel)))))));
  view.append(...cards.filter(Boolean));
  view.append(certsCard(w));
}

/** The e-certificates in the wallet: each with its public check link, QR code and a copy of
 *  the credential to give to whoever must check it. */
function certsCard(w) {
  const kinds = Object.fromEntries(contributed.certificates.map((k) => [k.type, k]));
  const certs = w.credentials.filter((c) => kinds[c.type]);
  return card(t("cz.certs"), h("p.muted.small", t("cz.certsnote")),
    certs.length ? h("div.creds", { "data-testid": "my-certs" }, certs.map((c) => {
      const id = (c.claims || {}).certificate || "";
      const copy = h("button.ghost", { type: "button" }, t("wallet.pcopy"));
      copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(c.sd_jwt));
      return h("article.cred", { "data-testid": "my-cert", "data-cert": id, "data-type": c.type },
        h("div.cred-head", h("b", t(kinds[c.type].title)), h("span.mono", id)),
        kv(Object.entries(c.claims || {}).map(([k, v]) => [claimLabel(k), h("span.data", String(v))])),
        h("div.actions", link(`#/ecert?id=${enc(id)}`, t("cz.checkcert")), copy),
        id ? certQr(id) : null);
    })) : h("p.muted", t("common.none")));
}
