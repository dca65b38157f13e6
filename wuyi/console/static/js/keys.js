// Keys in the browser: open a keystore file or a holder wallet (scrypt + AES-256-GCM,
// wuyi/crypto/keystore.py, wuyi/sdk/wallet.py),
// hash with the chain's suite (sm: SM3, intl: SHA-256), sign (sm: SM2 with SM3 and user id
// 1234567812345678, raw r||s; intl: Ed25519), addresses, and signed transactions.
// The private key lives only inside the closure returned by openKeystore / openWallet: never
// stored, never sent.
// Vendored globals (static/vendor): sm2, sm3 (sm-crypto), nacl (tweetnacl), scrypt (scrypt-js).

import { concat, encode, fromHex, toHex } from "./cbor.js";

const ascii = (s) => new TextEncoder().encode(s);
export const TX_DOMAIN = ascii("wuyi/tx\0");
export const LOGIN_DOMAIN = ascii("wuyi/console-login\0");
const SIDECAR_DOMAIN = ascii("wuyi/sidecar\0");
const REQUEST_DOMAIN = ascii("wuyi/api-request\0");
const ADDRESS_DOMAIN = ascii("wuyi/address\0");
const SM2_USER_ID = "1234567812345678";

export class KeyError extends Error {}

/** The suite's hash of `bytes` (Uint8Array) → Uint8Array(32). */
export async function hash(suite, bytes) {
  if (suite === "sm") return fromHex(window.sm3(Array.from(bytes)));
  if (suite === "intl") {
    if (!crypto.subtle) throw new KeyError("SHA-256 needs a secure context (https or localhost)");
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  throw new KeyError(`unknown suite ${suite}`);
}

export async function addressOf(suite, publicKey) {
  const h = await hash(suite, concat(ADDRESS_DOMAIN, publicKey));
  return "wy" + toHex(h.slice(0, 20));
}

/** Python's json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True). */
export function canonicalJson(v) {
  if (v === null || typeof v !== "object") {
    return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  }
  if (Array.isArray(v)) return "[" + v.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(v).sort();
  return "{" + keys.map((k) => canonicalJson(k) + ":" + canonicalJson(v[k])).join(",") + "}";
}

function field(doc, name, type) {
  const v = doc[name];
  if (typeof v !== type) throw new KeyError(`key file: field ${name} is missing or of the wrong type`);
  return v;
}

function makeKey(suite, secret, publicKey, address) {
  // `secret`: the 32-byte SM2 scalar or Ed25519 seed; kept in this closure only.
  let sign;
  if (suite === "sm") {
    const dHex = toHex(secret);
    const pubHex = toHex(publicKey);
    sign = (msg) => fromHex(window.sm2.doSignature(Array.from(msg), dHex, { hash: true, publicKey: pubHex, userId: SM2_USER_ID }));
  } else {
    const kp = window.nacl.sign.keyPair.fromSeed(secret);
    sign = (msg) => window.nacl.sign.detached(msg, kp.secretKey);
  }
  return Object.freeze({ suite, publicKey, address, sign });
}

function publicKeyOf(suite, secret) {
  if (suite === "sm") return fromHex(window.sm2.getPublicKeyFromPrivateKey(toHex(secret)));
  return window.nacl.sign.keyPair.fromSeed(secret).publicKey;
}

/** A key from raw private bytes (tests and vectors). */
export async function keyFromSecret(suite, secret) {
  const pub = publicKeyOf(suite, secret);
  return makeKey(suite, secret, pub, await addressOf(suite, pub));
}

/** scrypt + AES-256-GCM as wuyi.crypto.keystore: the plaintext bytes of `doc` (its `kdf` and
 *  `cipher`), authenticated with the canonical JSON of `header` as associated data. */
async function openSealed(doc, header, passphrase, onProgress, what) {
  const kdf = field(doc, "kdf", "object");
  const cipher = field(doc, "cipher", "object");
  if (kdf.name !== "scrypt" || cipher.name !== "aes-256-gcm") throw new KeyError("unsupported kdf or cipher");
  const { n, r, p, dklen } = kdf;
  if (!(n >= 2 && (n & (n - 1)) === 0 && n * r <= 2 ** 21 && r >= 1 && p >= 1 && p <= 16 && dklen === 32)) {
    throw new KeyError("scrypt parameters out of range");
  }
  if (!crypto.subtle) throw new KeyError(`opening a ${what} needs a secure context (https or localhost)`);
  const pw = ascii(String(passphrase).normalize("NFC"));
  if (!pw.length) throw new KeyError("empty passphrase");
  const dk = await window.scrypt.scrypt(pw, fromHex(kdf.salt), n, r, p, 32, (x) => { if (onProgress) onProgress(x); });
  const aad = ascii(canonicalJson(header));
  const aesKey = await crypto.subtle.importKey("raw", dk, "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromHex(cipher.nonce), additionalData: aad, tagLength: 128 },
      aesKey, fromHex(cipher.ciphertext)));
  } catch {
    throw new KeyError(`wrong passphrase or corrupted ${what}`);
  }
}

/** Decrypt a keystore document (parsed JSON) with `passphrase`; `onProgress(0..1)` during scrypt. */
export async function openKeystore(doc, passphrase, onProgress) {
  if (!doc || typeof doc !== "object") throw new KeyError("not a key file");
  if (field(doc, "version", "number") !== 1) throw new KeyError("unsupported key file version");
  const suite = field(doc, "suite", "string");
  if (suite !== "sm" && suite !== "intl") throw new KeyError(`unknown suite ${suite}`);
  const header = {};
  for (const k of ["version", "suite", "public_key", "address", "kdf"]) header[k] = doc[k];
  const secret = await openSealed(doc, header, passphrase, onProgress, "key file");
  const pub = publicKeyOf(suite, secret);
  if (toHex(pub) !== String(doc.public_key).toLowerCase()) throw new KeyError("key does not match its public key");
  const address = await addressOf(suite, pub);
  if (address !== doc.address) throw new KeyError("key file address does not match");
  return makeKey(suite, secret, pub, address);
}

export const WALLET_FORMAT = "wuyi-wallet/1";

/** Open a holder wallet (wuyi.sdk.wallet, format wuyi-wallet/1) with `passphrase`: its DID, the
 *  DID key (a signer, as openKeystore's), credentials and presentation log. Memory only. The
 *  associated data is the canonical JSON of every field but "cipher" (seal_document). */
export async function openWallet(doc, passphrase, onProgress) {
  if (!doc || typeof doc !== "object" || doc.format !== WALLET_FORMAT) throw new KeyError(`not a ${WALLET_FORMAT} file`);
  const suite = field(doc, "suite", "string");
  if (suite !== "sm" && suite !== "intl") throw new KeyError(`unknown suite ${suite}`);
  const header = {};
  for (const k of Object.keys(doc)) if (k !== "cipher") header[k] = doc[k];
  const plain = await openSealed(doc, header, passphrase, onProgress, "wallet");
  let body;
  try { body = JSON.parse(new TextDecoder().decode(plain)); } catch { throw new KeyError("wallet contents are not JSON"); }
  if (!body || body.suite !== suite || typeof body.key !== "string") throw new KeyError("wallet contents are malformed");
  if (typeof body.did !== "string" || body.did !== doc.did) throw new KeyError("the DID in the wallet file was altered");
  const secret = fromHex(body.key);
  const pub = publicKeyOf(suite, secret);
  const key = makeKey(suite, secret, pub, await addressOf(suite, pub));
  return Object.freeze({
    suite,
    did: body.did,
    key,
    credentials: Array.isArray(body.credentials) ? body.credentials : [],
    presentations: Array.isArray(body.presentations) ? body.presentations : [],
  });
}

/** A random 63-bit nonce (as the Python SDK makes). */
export function randomNonce() {
  const b = crypto.getRandomValues(new Uint8Array(8));
  b[0] &= 0x7f;
  return BigInt("0x" + toHex(b));
}

/** Sign a transaction body {chain_id, sender, nonce, expiry, kind, payload}: the wire bytes and hash. */
export async function signTx(key, body) {
  const signing = concat(TX_DOMAIN, encode(body));
  const sig = key.sign(signing);
  const wire = encode({ body, sig });
  const txHash = toHex(await hash(key.suite, signing));
  return { wire, txHash, sig };
}

/** A private side-car (wuyi/ledger/sidecar.py): the reference "sidecar:<hex>" a transaction
 *  carries in place of `bytes` (a presentation); the bytes travel beside it (submitTx). */
export async function sidecarRef(suite, bytes) {
  return "sidecar:" + toHex(await hash(suite, concat(SIDECAR_DOMAIN, bytes)));
}

/** The X-Wuyi-* headers of a signed request (wuyi/api/auth.py): `key` signs
 *  DOMAIN || encode([chain_id, METHOD, path, sorted [[name, value]], time_ms, nonce, H(body)]). */
export async function signedHeaders(key, chainId, method, path, query, body = new Uint8Array()) {
  const time = Date.now();
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const pairs = query.map(([k, v]) => [String(k), String(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const msg = concat(REQUEST_DOMAIN, encode([chainId, method.toUpperCase(), path, pairs, time, nonce, await hash(key.suite, body)]));
  return {
    "X-Wuyi-Key": toHex(key.publicKey),
    "X-Wuyi-Time": String(time),
    "X-Wuyi-Nonce": toHex(nonce),
    "X-Wuyi-Signature": toHex(key.sign(msg)),
  };
}

/** The bytes signed at sign-in: LOGIN_DOMAIN || encode({address, chain_id, expires, nonce}). */
export function loginSignBytes(challenge) {
  return concat(LOGIN_DOMAIN, encode({
    address: challenge.address,
    chain_id: challenge.chain_id,
    expires: challenge.expires,
    nonce: fromHex(challenge.nonce),
  }));
}

// -- OpenID4VCI (wuyi/oid4vci, issue #19): keep a received credential in the wallet file --------
/** `doc` (a wuyi-wallet/1 file) with `credentials` added, sealed again under `passphrase` with a
 *  fresh salt and nonce (as wuyi.crypto.keystore.seal_document): the DID key is decrypted and
 *  re-encrypted inside this function only. */
export async function sealWallet(doc, passphrase, credentials, onProgress) {
  if (!doc || doc.format !== WALLET_FORMAT) throw new KeyError(`not a ${WALLET_FORMAT} file`);
  const header = {};
  for (const k of Object.keys(doc)) if (k !== "cipher") header[k] = doc[k];
  const body = JSON.parse(new TextDecoder().decode(await openSealed(doc, header, passphrase, onProgress, "wallet")));
  body.credentials = [...(body.credentials || []), ...credentials];
  const fresh = {};
  for (const k of Object.keys(doc)) if (k !== "cipher" && k !== "kdf") fresh[k] = doc[k];
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const kdf = { name: "scrypt", n: 2 ** 14, r: 8, p: 1, dklen: 32, salt: toHex(salt) };
  const full = { ...fresh, kdf };
  const pw = ascii(String(passphrase).normalize("NFC"));
  const dk = await window.scrypt.scrypt(pw, salt, kdf.n, kdf.r, kdf.p, 32, () => {});
  const aesKey = await crypto.subtle.importKey("raw", dk, "AES-GCM", false, ["encrypt"]);
  const plain = ascii(JSON.stringify(body));
  const ct = new Uint8Array(await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: ascii(canonicalJson(full)), tagLength: 128 }, aesKey, plain));
  return { ...full, cipher: { name: "aes-256-gcm", nonce: toHex(nonce), ciphertext: toHex(ct) } };
}
// -- end OpenID4VCI ------------------------------------------------------------------------------
