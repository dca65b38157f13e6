// Presenting credentials from the wallet page, in the browser (RFC 9901 SD-JWT + Key Binding
// JWT), exactly as wuyi.vc.sdjwt.present does in Python: keep only the disclosures of the
// claims chosen, then append a KB-JWT {aud, nonce, iat, exp, sd_hash, consent} signed with the
// wallet's DID key (the key bound in the credential's cnf.jwk). Several credentials give one
// presentation each, one per line, all for the same verifier, nonce and consent: the verifier
// records them as one use (wuyi.sdk.identity.Verifier.verify).

import { hash } from "./keys.js";

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
 * A presentation of several credentials ({sd_jwt, claims: {name: value}}) disclosing `claims`
 * (each from the first credential that has it), for organisation `verifier`.
 */
export async function present(creds, claims, key, { verifier, nonce, consent, ttl = 120 }) {
  if (!nonce || nonce.length < 8 || nonce.length > 64) throw new Error("the verifier's nonce is 8-64 characters");
  if (!/^[0-9a-f]{32}$/.test(consent || "")) throw new Error("choose a consent");
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
    lines.push(await presentOne(c.sd_jwt, per.get(c), key, { aud, nonce, iat, exp: iat + ttl, consent }));
  }
  return lines.join("\n");
}
