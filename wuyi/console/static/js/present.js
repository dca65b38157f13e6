// Presenting credentials from the wallet page, in the browser (RFC 9901 SD-JWT + Key Binding
// JWT), exactly as wuyi.vc.sdjwt.present does in Python: keep only the disclosures of the
// claims chosen, then append a KB-JWT {aud, nonce, iat, exp, sd_hash, consent} signed with the
// wallet's DID key (the key bound in the credential's cnf.jwk). Several credentials give one
// presentation each, one per line, all for the same verifier, nonce and consent: the verifier
// records them as one use (wuyi.sdk.identity.Verifier.verify).
//
// Before anything is built, the consent's terms (the chain's record) are checked as
// wuyi.sdk.wallet.check_consent_covers checks them: the wallet's own, active now, for that
// verifier, covering each credential's type and every claim. Otherwise a DisclosureRefused
// names the reason, and nothing is signed or shown.

import { hash } from "./keys.js";
import { t } from "./i18n.js";

/** The wallet refuses to disclose: `reason` is a stable code (as DisclosureRefused in Python). */
export class DisclosureRefused extends Error {
  constructor(reason, detail) {
    const label = t(`wallet.refused.${reason}`);
    super(`${t("wallet.refused")}: ${label === `wallet.refused.${reason}` ? reason : label}${detail ? ` — ${detail}` : ""}`);
    this.name = "DisclosureRefused";
    this.reason = reason;
  }
}

/**
 * Throw DisclosureRefused unless `consent` (the chain's consent record, as GET
 * /v1/dids/{did}/consents lists it) lets `holder` show `verifier` (an organisation id) the
 * `claims` of credentials of `types` at `now` (ms).
 */
export function checkConsent(consent, { holder, verifier, types, claims, now = Date.now() }) {
  if (!consent || typeof consent !== "object") throw new DisclosureRefused("consent_unknown");
  if (consent.holder !== undefined && consent.holder !== holder) throw new DisclosureRefused("holder_mismatch");
  if (consent.status !== "active") throw new DisclosureRefused("consent_revoked");
  if (now < consent.not_before) throw new DisclosureRefused("consent_not_yet");
  if (now > consent.not_after) throw new DisclosureRefused("consent_expired");
  if (consent.verifier !== verifier) throw new DisclosureRefused("wrong_verifier", `${consent.verifier} ≠ ${verifier}`);
  const otherTypes = types.filter((x) => !(consent.types || []).includes(x));
  if (otherTypes.length) throw new DisclosureRefused("type_not_consented", otherTypes.join(", "));
  const beyond = claims.filter((x) => !(consent.claims || []).includes(x));
  if (beyond.length) throw new DisclosureRefused("claims_not_consented", beyond.join(", "));
}

const utf8 = (s) => new TextEncoder().encode(s);

export function b64url(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64urlDecode(text) {
  const s = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(s + "===".slice((s.length + 3) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function jsonPart(part) {
  return JSON.parse(new TextDecoder().decode(b64urlDecode(part)));
}

/** The claim name of a disclosure (null for an array element). */
export function disclosureName(d) {
  const v = jsonPart(d);
  return Array.isArray(v) && v.length === 3 ? v[1] : null;
}

const SD_HASH_SUITE = { "sha-256": "intl", sm3: "sm" };
const JWS_ALG = { intl: "EdDSA", sm: "SM2" };

/** A compact JWS over `payload`, signed by `key` (sm: SM2 raw r||s; intl: Ed25519). */
export function signCompact(key, header, payload) {
  const input = `${b64url(utf8(JSON.stringify({ alg: JWS_ALG[key.suite], ...header })))}.${b64url(utf8(JSON.stringify(payload)))}`;
  return `${input}.${b64url(key.sign(utf8(input)))}`;
}

/** One SD-JWT presentation of `sdJwt` disclosing only `claims`, bound to `aud`, `nonce`, `consent`. */
export async function presentOne(sdJwt, claims, key, { aud, nonce, iat, exp, consent }) {
  const parts = sdJwt.split("~");
  const jwt = parts[0];
  const disclosures = parts.slice(1).filter(Boolean);
  const payload = jsonPart(jwt.split(".")[1]);
  const cnf = payload.cnf && payload.cnf.jwk;
  if (!cnf) throw new Error("credential has no holder binding (cnf.jwk)");
  const want = new Set(claims);
  const chosen = disclosures.filter((d) => want.has(disclosureName(d)));
  const prefix = [jwt, ...chosen, ""].join("~");
  const suite = SD_HASH_SUITE[payload._sd_alg || "sha-256"];
  if (!suite) throw new Error(`unknown _sd_alg ${payload._sd_alg}`);
  const sdHash = b64url(await hash(suite, utf8(prefix)));
  const kb = signCompact(key, { typ: "kb+jwt" }, { aud, nonce, iat, exp, sd_hash: sdHash, consent });
  return prefix + kb;
}

/**
 * A presentation of several credentials ({sd_jwt, type, claims: {name: value}}) disclosing
 * `claims` (each from the first credential that has it), for organisation `verifier`, under
 * `consent` (the chain's consent record of `holder`, the wallet's DID): refused
 * (DisclosureRefused) unless that consent covers it (checkConsent).
 */
export async function present(creds, claims, key, { verifier, nonce, consent, holder, ttl = 120 }) {
  const org = verifier.startsWith("did:wuyi:org:") ? verifier.slice("did:wuyi:org:".length) : verifier;
  checkConsent(consent, { holder, verifier: org, types: creds.map((c) => c.type), claims });
  if (!nonce || nonce.length < 8 || nonce.length > 64) throw new Error("the verifier's nonce is 8-64 characters");
  if (!/^[0-9a-f]{32}$/.test(consent.id || "")) throw new Error("choose a consent");
  const per = new Map(creds.map((c) => [c, []]));
  for (const name of claims) {
    const c = creds.find((x) => name in (x.claims || {}));
    if (!c) throw new Error(`no chosen credential has the claim ${name}`);
    per.get(c).push(name);
  }
  const iat = Math.floor(Date.now() / 1000);
  const aud = verifier.startsWith("did:") ? verifier : `did:wuyi:org:${verifier}`;
  const lines = [];
  for (const c of creds) {
    lines.push(await presentOne(c.sd_jwt, per.get(c), key, { aud, nonce, iat, exp: iat + ttl, consent: consent.id }));
  }
  return lines.join("\n");
}
