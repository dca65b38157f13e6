// 电子证照核验 (public, no sign-in): check an e-certificate a scenario issues (any kind its page
// module registered: scenarios-kit.js registerCertificate) by its id, by pasting its credential
// (SD-JWT), or by a photo of its QR code (jsQR, in the page). The verdict: 有效 / 已失效 (superseded) /
// 已注销 (revoked) / 已暂停 / 未找到, with each check the node made. A result shows the
// certificate's QR code with its check link.

import { ApiError, post } from "./api.js";
import { t } from "./i18n.js";
import { card, errorBox } from "./ui.js";
import { claimLabel } from "./data.js";
import { decodeQr } from "./verify.js";
import { badge, certQr, certificate, certificateKind, contributed, flatCertificate, fmtTime, h, kv, orgNames, say } from "./scenarios-kit.js";

const enc = encodeURIComponent;
/** Whether `s` looks like the id of a registered kind of certificate. */
const isCertId = (s) => contributed.certificates.some((k) => k.idRe.test(s));

/** What a scanned QR code holds: {id} (a check link or a bare id) or {credential}. */
export function parseQr(text) {
  const s = String(text || "").trim();
  const m = /[#?&]id=([^&\s#]+)/.exec(s);
  if (m) return { id: decodeURIComponent(m[1]) };
  if (isCertId(s)) return { id: s };
  if (/^ey[\w-]+\.[\w-]+\.[\w-]+~/.test(s)) return { credential: s };
  return null;
}

const VERDICT = {
  valid: ["ok", "✔", "ecert.valid"],
  superseded: ["bad", "✘", "ecert.superseded"],
  revoked: ["bad", "✘", "ecert.revoked"],
  suspended: ["warn", "!", "ecert.suspended"],
  invalid: ["bad", "✘", "ecert.invalid"],
  notfound: ["bad", "✘", "ecert.notfound"],
};

/** The verdict of a certificate (flatCertificate): superseded, revoked (every linked
 *  e-certificate revoked), suspended (one suspended) or valid. */
function verdictOf(c) {
  if (c.status === "superseded") return "superseded";
  if (c.status === "revoked" || c.status === "cancelled") return "revoked";
  const links = c.credentials || [];
  if (links.length && links.every((x) => x.status === "revoked")) return "revoked";
  if (links.some((x) => x.status === "suspended")) return "suspended";
  return "valid";
}

function checkName(name) {
  const l = t(`ecert.check.${name}`);
  return l === `ecert.check.${name}` ? name : l;
}

function checksList(checks) {
  return h("ul.checklist", { "data-testid": "ecert-checks" }, checks.map((c) =>
    h(`li.${c.ok === true ? "ok" : c.ok === false ? "bad" : "na"}`, { "data-check": c.name, "data-ok": String(c.ok) },
      h("span.ck", c.ok === true ? "✔" : c.ok === false ? "✘" : "–"), h("b", checkName(c.name)), c.detail ? h("span.muted.small", " ", c.detail) : null)));
}

/** The checks of a certificate looked up by number: its record, its status, each linked
 *  e-certificate's status entry. */
function recordChecks(c) {
  const out = [{ name: "record", ok: true, detail: `#${c.height}` }];
  out.push({ name: "certificate", ok: c.status === "active",
    detail: c.status === "superseded" ? `${t("status.superseded")} → ${c.superseded_by}` : t(`status.${c.status}`) });
  const links = c.credentials || [];
  for (const x of links) {
    out.push({ name: "status", ok: x.status === "valid", detail: h("span", h("code", `${x.org}/${x.idx}`), ` · ${t(`status.${x.status}`)} · `, h("span.mono", x.holder || "")) });
  }
  if (!links.length) out.push({ name: "credential", ok: null, detail: t("ecert.notissued") });
  return out;
}

function certFacts(c, names) {
  const kind = certificateKind(c);
  const links = c.credentials || [];
  return kv([
    [t("ecert.kind"), h("b", kind ? t(kind.title) : c.title || c.type || "—")],
    [t("ecert.id"), h("b.mono", { "data-testid": "ecert-id" }, c.id)],
    ...(kind ? kind.facts(c, names) : [[t("ecert.holder"), (c.holders || []).join(", ")]]),
    [t("ecert.issuer"), names[c.office || c.issuer_org] || c.office || c.issuer_org || "—"],
    [t("common.time"), h("span", fmtTime(c.time), c.height !== undefined ? ` · #${c.height}` : "")],
    c.commitment ? [t("ecert.commitment"), h("span.mono.small", c.commitment)] : null,
    links.length ? [t("ecert.credential"), h("span", links.map((x) => h("div.mono.small", `${x.org}/${x.idx} `, badge(x.status))))] : null,
  ]);
}

function verdictBox(v, ...body) {
  const [cls, icon, key] = VERDICT[v];
  return h(`div.result.${cls}`, { "data-testid": "ecert-result", "data-verdict": v },
    h("div.result-head", h("span.result-icon", icon), h("span", t(key))), ...body);
}

async function byId(id) {
  const names = await orgNames();
  let c;
  try {
    c = await certificate(id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return verdictBox("notfound", h("p.mono", id));
    throw err;
  }
  const v = verdictOf(c);
  return verdictBox(v, h("div.grid2", h("div", certFacts(c, names), checksList(recordChecks(c))), certQr(c.id)));
}

async function byCredential(text) {
  let r;
  try {
    r = await post("/v1/certs/verify", { credential: text.trim() });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /no such endpoint/.test(err.message)) throw new Error(t("ecert.noverify"));
    throw err;
  }
  const names = await orgNames();
  const c = flatCertificate(r.certificate);
  // the verdict: every check passed → valid; a certificate superseded, or an e-certificate
  // revoked or suspended, says so; anything else failing (signature, commitment…) → invalid
  const failed = (r.checks || []).filter((x) => !x.ok).map((x) => x.name);
  const status = (r.checks || []).find((x) => x.name === "status");
  let v = r.valid ? "valid" : "invalid";
  if (!r.valid && c && c.status === "superseded" && failed.every((n) => n === "certificate" || n === "linked")) v = "superseded";
  else if (!r.valid && status && !status.ok && failed.length === 1 && /revoked/.test(status.detail)) v = "revoked";
  else if (!r.valid && status && !status.ok && failed.length === 1 && /suspended/.test(status.detail)) v = "suspended";
  const disclosed = Object.entries(r.disclosed || {});
  return verdictBox(v,
    h("p.small", t("ecert.type"), ": ", h("b", r.type || "—"), " · ", t("ecert.issuer"), ": ", names[r.issuer] || r.issuer || "—"),
    h("div.grid2",
      h("div", checksList(r.checks || []), c ? certFacts(c, names) : null,
        disclosed.length ? h("details", h("summary", t("ecert.disclosed")), kv(disclosed.map(([k, x]) => [claimLabel(k), typeof x === "object" ? JSON.stringify(x) : String(x)]))) : null),
      c ? certQr(c.id) : h("div")));
}

export async function ecertPage(view, args, query) {
  const id0 = query.get("id") || args[0] || "";
  view.append(h("div.public-hero", h("h1", t("ecert.title")), h("p", contributed.certificates.map((k) => t(k.title)).join(" · "))));
  const out = h("div.verify-out", { "data-testid": "ecert-out" });
  const msg = h("div.msg", { "aria-live": "polite" });
  const run = async (fn) => {
    say(msg, "", t("common.loading"));
    try { out.replaceChildren(await fn()); say(msg, "", ""); } catch (err) { out.replaceChildren(errorBox(err)); say(msg, "", ""); }
  };
  const idIn = h("input.search.mono", { type: "text", value: id0, placeholder: contributed.certificates.map((k) => k.example).filter(Boolean).join(" / "), "data-testid": "ecert-id-input" });
  const idForm = h("form.searchform", idIn, h("button.primary", { type: "submit", "data-testid": "ecert-id-go" }, t("ecert.check")));
  idForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = idIn.value.trim();
    if (!v) return;
    history.replaceState(null, "", `#/ecert?id=${enc(v)}`);
    run(() => byId(v));
  });
  const cred = h("textarea.mono.small", { rows: 4, placeholder: "eyJ…~…~", "data-testid": "ecert-credential" });
  const credBtn = h("button.secondary", { type: "button", "data-testid": "ecert-credential-go" }, t("ecert.verifycred"));
  credBtn.addEventListener("click", () => { if (cred.value.trim()) run(() => byCredential(cred.value)); });
  const qr = h("input", { type: "file", accept: "image/*", "data-testid": "ecert-qr" });
  qr.addEventListener("change", () => {
    const f = qr.files[0];
    if (!f) return;
    run(async () => {
      const text = await decodeQr(f);
      if (!text) throw new Error(t("verify.noqr"));
      const what = parseQr(text);
      if (!what) throw new Error(t("ecert.badqr"));
      if (what.id) { idIn.value = what.id; return byId(what.id); }
      return byCredential(what.credential);
    });
  });
  view.append(card(null,
    h("p.muted", t("ecert.intro")),
    h("div.drop", h("label.big", t("ecert.byid")), idForm),
    h("div.drop.alt", h("label", t("ecert.bycred")), cred, h("div.actions", credBtn)),
    h("div.drop.alt", h("label", t("ecert.byqr"), qr)),
    msg, out));
  if (id0) run(() => byId(id0));
}
