// The node's REST API (same origin) and the console session.

import { toHex } from "./cbor.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}

async function request(method, path, body, headers = {}) {
  const opts = { method, headers: { ...headers } };
  const token = session.token;
  if (token && path.startsWith("/v1/auth/")) opts.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const text = await r.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch { doc = null; }
  if (!r.ok) throw new ApiError(r.status, doc);
  return doc;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);

/** Submit signed wire bytes and wait for the commit: the committed result with its receipt. */
export function submitTx(wire, timeout = 20) {
  return post(`/v1/txs?wait=true&timeout=${timeout}`, { tx: toHex(wire) });
}

// -- session: the token lives in sessionStorage (this tab); the key only in memory ----------------

const TOKEN = "wuyi-console-token";

export const session = {
  token: sessionStorage.getItem(TOKEN),
  member: null,   // {address, name, org, org_name, operator, roles, public_key}
  key: null,      // from keys.openKeystore: {suite, publicKey, address, sign}
  status: null,   // /v1/status of the node, cached
  get signedIn() { return !!this.member; },
  get isAdmin() { return !!this.member && this.member.roles.includes("admin"); },
  get isOperator() { return !!this.member && this.member.operator; },
  set(doc) {
    this.token = doc.token;
    this.member = doc.member;
    sessionStorage.setItem(TOKEN, doc.token);
  },
  clear() {
    this.token = null; this.member = null; this.key = null;
    sessionStorage.removeItem(TOKEN);
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
