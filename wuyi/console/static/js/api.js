// The node's REST API (same origin) and the console session.

import { toHex } from "./cbor.js";
import { signedHeaders } from "./keys.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}

async function request(method, path, body, headers = {}, raw = undefined) {
  const opts = { method, headers: { ...headers } };
  const token = session.token;
  if (token && path.startsWith("/v1/auth/")) opts.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  if (raw !== undefined) opts.body = raw;  // bytes a signature covers (signedPost)
  // another chain of the registry: through this node's portal (wuyi/crosschain/portal.py)
  const r = await fetch(path.startsWith("/v1/") ? session.base + path : path, opts);
  const text = await r.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch { doc = null; }
  if (!r.ok) throw new ApiError(r.status, doc);
  return doc;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);

/** Submit signed wire bytes (with the private side-cars their payload references, e.g. a
 *  presentation) and wait for the commit: the committed result with its receipt. */
export function submitTx(wire, timeout = 20, sidecars = []) {
  const body = { tx: toHex(wire) };
  if (sidecars.length) body.sidecars = sidecars.map(toHex);
  return post(`/v1/txs?wait=true&timeout=${timeout}`, body);
}

/** A signed read (docs/api.md, signed reads): GET `path` signed by `key` (a wallet's DID key or
 *  the signed-in member's key) with `purpose`; the node logs it. */
export async function signedGet(key, path, purpose) {
  const url = new URL(path, location.origin);
  url.searchParams.set("purpose", purpose);
  const st = await chainStatus();
  // the path as the node reads it (percent-decoded), the query as its decoded pairs
  const headers = await signedHeaders(key, st.chain_id, "GET", decodeURIComponent(url.pathname), [...url.searchParams.entries()]);
  return request("GET", url.pathname + url.search, undefined, headers);
}

/** A signed read by POST (a contract's view, POST /v1/contracts/{name}/query): the signature
 *  covers the JSON body's bytes, sent as signed. */
export async function signedPost(key, path, body, purpose) {
  const url = new URL(path, location.origin);
  url.searchParams.set("purpose", purpose);
  const st = await chainStatus();
  const text = JSON.stringify(body);
  const headers = await signedHeaders(key, st.chain_id, "POST", decodeURIComponent(url.pathname),
    [...url.searchParams.entries()], new TextEncoder().encode(text));
  return request("POST", url.pathname + url.search, undefined, { ...headers, "Content-Type": "application/json" }, text);
}

/** readGet's POST: signed with the console's key when it holds one, else plain. */
export function readPost(path, body, purpose = "控制台浏览 / console explorer") {
  const key = session.key || session.walletKey;
  return key ? signedPost(key, path, body, purpose) : post(path, body);
}

/** An explorer or personal-record read: signed with the signed-in member's key when the
 *  console holds it (a private explorer, a record the member's role may read), else with the
 *  opened wallet's DID key (the citizen's own records), else plain. */
export function readGet(path, purpose = "控制台浏览 / console explorer") {
  const key = session.key || session.walletKey;
  return key ? signedGet(key, path, purpose) : get(path);
}

// -- session: the token lives in sessionStorage (this tab); the key only in memory ----------------

const TOKEN = "wuyi-console-token";
const CHAIN = "wuyi-console-chain"; // "" = this node's chain, else "/chains/<id>"
const tokenKey = (base) => (base ? `${TOKEN}:${base}` : TOKEN);

export const session = {
  base: sessionStorage.getItem(CHAIN) || "",
  keys: {},       // member keys loaded in this tab, by chain base (switching back needs none)
  token: sessionStorage.getItem(tokenKey(sessionStorage.getItem(CHAIN) || "")),
  member: null,   // {address, name, org, org_name, operator, roles, public_key}
  key: null,      // from keys.openKeystore: {suite, publicKey, address, sign}
  walletKey: null, // the opened wallet's DID key (wallet.js): a citizen's own signed reads
  status: null,   // /v1/status of the node, cached
  get signedIn() { return !!this.member; },
  get isAdmin() { return !!this.member && this.member.roles.includes("admin"); },
  get isOperator() { return !!this.member && this.member.operator; },
  set(doc) {
    this.token = doc.token;
    this.member = doc.member;
    sessionStorage.setItem(tokenKey(this.base), doc.token);
  },
  clear() {
    this.token = null; this.member = null; this.key = null;
    sessionStorage.removeItem(tokenKey(this.base));
  },
  /** Work on another chain of the registry (``""``: this node's own chain). */
  useChain(chainId) {
    if (this.key) this.keys[this.base] = this.key;
    this.base = chainId ? `/chains/${encodeURIComponent(chainId)}` : "";
    sessionStorage.setItem(CHAIN, this.base);
    this.token = sessionStorage.getItem(tokenKey(this.base));
    this.member = null; this.status = null;
    this.key = this.keys[this.base] || null;
  },
};

/** Re-read who is signed in (roles come from the chain each time). */
export async function refreshSession() {
  if (!session.token) return null;
  try {
    const doc = await get("/v1/auth/session");
    session.member = doc.member;
    return doc;
  } catch {
    session.clear();
    return null;
  }
}

export async function chainStatus(force = false) {
  if (!session.status || force) session.status = await get("/v1/status");
  return session.status;
}
