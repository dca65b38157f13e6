// The canonical encoding (docs/encoding.md): deterministic CBOR, RFC 8949 §4.2.1, restricted to
// the data model of wuyi.encoding — integers (-2^63 .. 2^64-1; Number or BigInt), byte strings
// (Uint8Array), text, arrays, maps with text keys (plain objects or Map) sorted by their encoded
// form (shorter first, then bytewise), true/false/null. No floats, tags or undefined.
// Checked byte for byte against Python by tests/browser/test_console.py.

const utf8 = new TextEncoder();
const MAX_DEPTH = 32;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

export class EncodingError extends Error {}

function head(out, major, arg) {
  // arg: a non-negative BigInt or Number
  const n = typeof arg === "bigint" ? arg : BigInt(arg);
  const m = major << 5;
  if (n < 24n) out.push(m | Number(n));
  else if (n <= 0xffn) out.push(m | 24, Number(n));
  else if (n <= 0xffffn) out.push(m | 25, Number(n >> 8n), Number(n & 0xffn));
  else if (n <= 0xffffffffn) {
    out.push(m | 26);
    for (let s = 24n; s >= 0n; s -= 8n) out.push(Number((n >> s) & 0xffn));
  } else {
    out.push(m | 27);
    for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((n >> s) & 0xffn));
  }
}

function compareBytes(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function encodeInto(out, v, depth) {
  if (depth > MAX_DEPTH) throw new EncodingError("nesting deeper than 32");
  if (v === null) { out.push(0xf6); return; }
  if (v === true) { out.push(0xf5); return; }
  if (v === false) { out.push(0xf4); return; }
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new EncodingError(`not an integer in range: ${v}`);
    v = BigInt(v);
  }
  if (typeof v === "bigint") {
    if (v > U64_MAX || v < I64_MIN) throw new EncodingError(`integer out of range: ${v}`);
    if (v >= 0n) head(out, 0, v);
    else head(out, 1, -1n - v);
    return;
  }
  if (typeof v === "string") {
    const b = utf8.encode(v);
    head(out, 3, b.length);
    for (const x of b) out.push(x);
    return;
  }
  if (v instanceof Uint8Array) {
    head(out, 2, v.length);
    for (const x of v) out.push(x);
    return;
  }
  if (Array.isArray(v)) {
    head(out, 4, v.length);
    for (const item of v) encodeInto(out, item, depth + 1);
    return;
  }
  const entries = v instanceof Map ? [...v.entries()] : typeof v === "object" ? Object.entries(v) : null;
  if (entries === null) throw new EncodingError(`cannot encode ${typeof v}`);
  const encoded = entries.map(([k, val]) => {
    if (typeof k !== "string") throw new EncodingError("map keys must be text");
    const kb = [];
    encodeInto(kb, k, depth + 1);
    return [kb, val];
  });
  encoded.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < encoded.length; i++) {
    if (compareBytes(encoded[i - 1][0], encoded[i][0]) === 0) throw new EncodingError("duplicate key");
  }
  head(out, 5, encoded.length);
  for (const [kb, val] of encoded) {
    for (const x of kb) out.push(x);
    encodeInto(out, val, depth + 1);
  }
}

/** The canonical bytes of `value`. */
export function encode(value) {
  const out = [];
  encodeInto(out, value, 0);
  return Uint8Array.from(out);
}

export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export function fromHex(text) {
  const s = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (s.length % 2 || /[^0-9a-fA-F]/.test(s)) throw new EncodingError("not hexadecimal");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

/** JSON form to encoder input: {"$bytes": hex} → Uint8Array, {"$int": "digits"} → BigInt. */
export function fromJsonForm(v) {
  if (Array.isArray(v)) return v.map(fromJsonForm);
  if (v && typeof v === "object") {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$bytes") return fromHex(v.$bytes);
    if (keys.length === 1 && keys[0] === "$int") return BigInt(v.$int);
    const out = {};
    for (const k of keys) out[k] = fromJsonForm(v[k]);
    return out;
  }
  return v;
}
