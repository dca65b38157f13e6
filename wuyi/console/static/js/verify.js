// Data verification: a file's hash is computed here (SM3 on sm chains, SHA-256 on intl), then the
// node's evidence record and proof checks are shown. The public page needs no sign-in and can read
// the hash from a QR code photo (jsQR); a result shows a QR code of its verification link.

import { chainStatus, post } from "./api.js";
import { t } from "./i18n.js";
import { hash } from "./keys.js";
import { toHex } from "./cbor.js";
import { recordKv } from "./pages.js";
import { card, errorBox, h } from "./ui.js";

function checkUrl(docHash) {
  return `${location.origin}/console/#/check?h=${docHash}`;
}

function qrSvg(text) {
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
}

/** The 64-hex document hash in a QR payload: a console link (…#/check?h=…) or the bare hash. */
export function hashFromQr(text) {
  const s = String(text).trim();
  if (/^[0-9a-f]{64}$/i.test(s)) return s.toLowerCase();
  const m = /[?&]h=([0-9a-fA-F]{64})\b/.exec(s);
  return m ? m[1].toLowerCase() : null;
}

/** The text of the QR code in an image file (jsQR, in the page), or null. */
export async function decodeQr(file) {
  const bmp = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const w = Math.round(bmp.width * scale), hgt = Math.round(bmp.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = hgt;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0, w, hgt);
  const img = ctx.getImageData(0, 0, w, hgt);
  const code = window.jsQR(img.data, w, hgt, { inversionAttempts: "attemptBoth" });
  return code ? code.data : null;
}

function resultView(r) {
  let cls, msg;
  if (!r.found) { cls = "bad"; msg = t("verify.notfound"); }
  else if (!r.valid) { cls = "bad"; msg = t("verify.invalid"); }
  else if (r.status === "revoked") { cls = "warn"; msg = t("verify.revoked"); }
  else { cls = "ok"; msg = t("verify.found"); }
  const icon = { ok: "✔", warn: "!", bad: "✘" }[cls];
  const out = h(`div.result.${cls}`, { "data-testid": "verify-result", "data-found": String(r.found), "data-valid": String(r.valid), "data-status": r.status || "" },
    h("div.result-head", h("span.result-icon", icon), h("span", msg)),
    h("p.mono.small", `${t("verify.hash")}: ${r.doc_hash}`));
  // The node checks the bundle pinned to the genesis hash of the chain it serves: say so, and
  // show the hash, so that a reader can compare it with the one the chain publishes.
  if (r.found && r.genesis_hash) {
    out.append(h("p.small", { "data-testid": "verify-pinned", "data-genesis": r.genesis_hash },
      r.valid && r.pinned ? t("verify.pinned") : t("verify.pinnedfail"),
      h("br"), h("span.mono", `${t("verify.genesis")}: ${r.genesis_hash}`)));
  }
  if (r.found && r.record) {
    const qr = h("div.qr", { "data-testid": "verify-qr", html: qrSvg(checkUrl(r.doc_hash)) });
    out.append(h("div.grid2",
      h("div", recordKv(r.record), h("p", h("a", { href: `/v1/evidence/${r.doc_hash}/bundle`, download: `bundle-${r.doc_hash.slice(0, 12)}.json` }, "proof bundle (wuyi verify)"))),
      h("div.qrbox", qr, h("div.small.muted", t("verify.link")), h("a.small.mono", { href: checkUrl(r.doc_hash) }, checkUrl(r.doc_hash).replace(/^https?:\/\//, "")))));
    if (r.checks && r.checks.length) out.append(h("details", h("summary", `${t("verify.checks")} (${r.checks.length})`), h("ul.checks", r.checks.map((c) => h("li", "✔ " + c)))));
  } else if (r.error && r.found) {
    out.append(h("p", r.error));
  }
  return out;
}

function verifier(initialHash) {
  const result = h("div.verify-out");
  const status = h("div.msg", { "aria-live": "polite" });
  const run = async (docHash) => {
    status.textContent = t("common.loading");
    try {
      const r = await post("/v1/verify", { doc_hash: docHash });
      result.replaceChildren(resultView(r));
      status.textContent = "";
    } catch (err) { result.replaceChildren(errorBox(err)); status.textContent = ""; }
  };
  const file = h("input", { type: "file", "data-testid": "verify-file" });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (!f) return;
    status.textContent = t("verify.computing");
    try {
      const st = await chainStatus();
      const digest = toHex(await hash(st.suite, new Uint8Array(await f.arrayBuffer())));
      await run(digest);
    } catch (err) { result.replaceChildren(errorBox(err)); status.textContent = ""; }
  });
  const qr = h("input", { type: "file", accept: "image/*", "data-testid": "qr-file" });
  qr.addEventListener("change", async () => {
    const f = qr.files[0];
    if (!f) return;
    try {
      const text = await decodeQr(f);
      if (!text) throw new Error(t("verify.noqr"));
      const docHash = hashFromQr(text);
      if (!docHash) throw new Error(t("verify.badqr"));
      await run(docHash);
    } catch (err) { result.replaceChildren(errorBox(err)); }
  });
  const box = h("div.verifier",
    h("p.muted", t("verify.intro")),
    h("div.drop", h("label.big", t("verify.file"), file)),
    h("div.drop.alt", h("label", t("verify.qr"), qr)),
    status, result);
  if (initialHash) run(initialHash);
  return box;
}

export async function verifyPage(view, args, query) {
  view.append(h("h1", t("verify.title")), card(null, verifier(query.get("h"))));
}

export async function checkPage(view, args, query) {
  const h0 = query.get("h");
  view.append(h("div.public-hero", h("h1", t("verify.public")), h("p", t("app.sub"))),
    card(null, verifier(h0 && /^[0-9a-fA-F]{64}$/.test(h0) ? h0.toLowerCase() : null)));
}
