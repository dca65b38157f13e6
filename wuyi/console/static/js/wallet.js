// 我的凭证 / My wallet (public: citizens are not organisation members). The holder opens their
// wallet file (wuyi.sdk.wallet, "wuyi-wallet/1") with its passphrase; it is decrypted in this
// page's memory (keys.openWallet: scrypt + AES-256-GCM, as a key file) and never stored or sent.
// The page shows the DID and its on-chain document, the credentials with their live status and
// their contents (contents are shown here only: no request carries them), the consents with a
// revoke button — a consent.revoke transaction signed here with the wallet's DID key — and every
// recorded use of the credentials, accepted or refused.

import { get, session, signedGet } from "./api.js";
import { t, ts } from "./i18n.js";
import { fromHex } from "./cbor.js";
import { keyForm, sendTx } from "./app.js";
import { openWallet } from "./keys.js";
import { claimLabel, orgLabel, orgNames, tags } from "./data.js";
import { badge, card, errorBox, fmtTime, h, kv, link, pre, short } from "./ui.js";
import { present } from "./present.js";

let opened = null;  // the open wallet: this page's memory only (gone on reload or "close")
let flash = null;   // {ok, text}: the outcome of the last revoke, shown after the redraw

/** The wallet open in this page, shared with the citizen's services page (#/citizen). */
export const openedWallet = () => opened;
export function setOpenedWallet(w) { opened = w; flash = null; session.walletKey = w ? w.key : null; }

function qrSvg(text) {
  const qr = window.qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
}

async function tryGet(path) {
  try { return await get(path); } catch (e) { if (e.status === 404) return null; throw e; }
}

function claimValue(v) {
  if (v === true) return t("common.yes");
  if (v === false) return t("common.no");
  if (v && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

const LOCK = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" stroke-width="1.6"/></svg>';
const lock = () => h("span.lock", { html: LOCK });
const iso = (s) => (s && !Number.isNaN(Date.parse(s)) ? fmtTime(Date.parse(s)) : s || "—");
const secs = (x) => (typeof x === "number" && x > 0 ? fmtTime(x * 1000) : "—");

export async function walletPage(view) {
  view.append(h("h1", t("wallet.title")), h("div.alert.info.privacy", { "data-testid": "wallet-private" }, lock(), " ", t("wallet.private")));
  if (!opened) {
    view.append(h("section.card.login",
      h("p.muted", t("wallet.intro")),
      keyForm(async (w) => { setOpenedWallet(w); rerender(view); }, t("wallet.open"),
        { open: openWallet, fileLabel: t("wallet.file"), decrypting: t("wallet.opening"), opened: t("common.loading") })));
    return;
  }
  await showWallet(view, opened);
}

function rerender(view) {
  view.replaceChildren();
  walletPage(view).catch((err) => view.append(errorBox(err)));
}

/** What the wallet states when it reads the citizen's own records (signed reads). */
export const OWN_PURPOSE = "持有人查看本人记录 / holder reads own records";

async function showWallet(view, w) {
  const did = encodeURIComponent(w.did);
  const creds = w.credentials;
  const [res, cons, uses, types, names, statuses] = await Promise.all([
    tryGet(`/v1/dids/${did}?prove=false`),
    // personal records: signed reads with the wallet's DID key, each in the node's access log
    signedGet(w.key, `/v1/dids/${did}/consents?limit=200`, OWN_PURPOSE),
    signedGet(w.key, `/v1/dids/${did}/uses?limit=200`, OWN_PURPOSE),
    get("/v1/vc/types?limit=200"),
    orgNames(),
    Promise.all(creds.map((c) => tryGet(`/v1/vc/status/${encodeURIComponent(c.status_org)}/${Number(c.status_idx)}`))),
  ]);
  const typeDesc = Object.fromEntries((types.types || []).map((x) => [x.type, x.description]));

  // -- the DID --------------------------------------------------------------------------------
  const doc = res && res.didDocument;
  const meta = (res && res.didDocumentMetadata) || {};
  const close = h("button.ghost", { "data-testid": "wallet-close", onclick: () => { setOpenedWallet(null); rerender(view); } }, t("wallet.close"));
  view.append(h("div.grid2",
    card(t("wallet.did"),
      h("p.didline", h("b.mono", { "data-testid": "wallet-did" }, w.did)),
      doc ? kv([
        [t("wallet.keys"), h("span", (doc.authentication || []).map((k) => h("div.mono.small", k)))],
        [t("wallet.created"), iso(meta.created)],
        [t("wallet.updated"), iso(meta.updated)],
        [t("common.status"), badge(meta.deactivated ? "deactivated" : "active")],
      ]) : h("div.alert.warn", t("wallet.nostatus")),
      doc ? h("details", h("summary", t("wallet.diddoc")), pre(doc)) : null,
      h("div.actions", close, link("#/citizen", t("wallet.tocitizen")))),
    card(t("wallet.didqr"), h("div.qrbox", h("div.qr", { "data-testid": "wallet-qr", html: qrSvg(w.did) }), h("div.small.mono.muted", w.did)))));

  // -- credentials ----------------------------------------------------------------------------
  view.append(card(`${t("wallet.creds")} (${creds.length})`, h("div.creds", { "data-testid": "credentials" }, creds.map((c, i) => {
    const st = statuses[i];
    const status = st ? st.status : "unknown";
    const vis = c.visible || {};
    return h("article.cred", { "data-testid": "credential", "data-type": c.type, "data-status": status },
      h("div.cred-head", h("b", typeDesc[c.type] || c.type), h("span.mono.small.muted", c.type),
        h("span", { "data-testid": "cred-status" }, st ? badge(status) : h("span.badge", t("wallet.nostatus")))),
      kv([
        [t("wallet.issuer"), orgLabel(names, c.status_org)],
        [t("wallet.status"), h("span.mono", `${c.status_org}/${c.status_idx}`)],
        [t("wallet.issued"), secs(vis.iat)],
        [t("wallet.expires"), secs(vis.exp)],
      ]),
      h("div.claims", h("div.small.muted", lock(), " ", t("wallet.claims")),
        h("table.tbl.claimtbl", h("tbody", Object.entries(c.claims || {}).map(([k, v]) =>
          h("tr", h("th", claimLabel(k)), h("td", { "data-claim": k }, claimValue(v))))))));
  }))));

  // -- consents -------------------------------------------------------------------------------
  const consents = (cons.consents || []).slice().sort((a, b) => b.granted_height - a.granted_height);
  const shown = flash;
  flash = null;
  view.append(card(t("wallet.consents"),
    shown ? h(`div.msg.flash.${shown.ok ? "ok" : "err"}`, { "data-testid": "wallet-flash" }, shown.text) : null,
    h("div", { "data-testid": "consents" }, consents.length ? consents.map((c) => consentCard(c, w, names, view)) : h("p.muted", t("common.none")))));

  // -- presenting ----------------------------------------------------------------------------
  view.append(presentCard(w, consents, names, view));

  // -- every use ------------------------------------------------------------------------------
  const all = [...(uses.uses || []), ...(uses.refused || [])].sort((a, b) => (a.height - b.height) || (a.time - b.time));
  const head = [t("common.time"), t("wallet.verifier"), t("wallet.credsused"), t("wallet.disclosed"), t("wallet.purpose"), t("wallet.verdict")];
  view.append(card(t("wallet.log"), h("table.tbl", { "data-testid": "uses" },
    h("thead", h("tr", head.map((x) => h("th", x)))),
    h("tbody", all.length ? all.map((u) => h("tr", { "data-testid": "use", "data-result": u.result },
      h("td", fmtTime(u.time), h("div", link(`#/explorer/tx/${u.tx_hash}`, `#${u.height}`, "small"))),
      h("td", orgLabel(names, u.verifier)),
      h("td", (u.credentials || []).map((x) => h("div.small", x.type ? `${typeDesc[x.type] || x.type} · ${x.issuer_org}/${x.idx}` : "—"))),
      h("td", tags(u.disclosed, claimLabel)),
      h("td", u.purpose || "—"),
      h("td", badge(u.result), u.reason ? h("div.small.muted", u.reason) : null,
        // recorded on the verifier's word before the chain verified presentations itself
        u.basis === "verifier_claim" ? h("div.small.basis-claim", { "data-testid": "use-basis", title: t("wallet.verifierclaimhint") }, t("wallet.verifierclaim")) : null)))
      : h("tr", h("td.muted", { colspan: head.length }, t("common.none")))))));
}

function consentCard(c, w, names, view) {
  const msg = h("div.msg", { "data-testid": `consent-msg-${c.id}`, "aria-live": "polite" });
  let action = null;
  if (c.status === "active") {
    const btn = h("button.primary", { "data-testid": `revoke-${c.id}`, title: t("wallet.signwith") }, t("wallet.revoke"));
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      msg.className = "msg";
      msg.textContent = "…";
      try {
        const res = await sendTx("consent.revoke", { id: fromHex(c.id) }, w.key);
        flash = { ok: true, text: `${t("wallet.revoked")} · ${names[c.verifier] || c.verifier} · #${res.height} · ${short(res.tx_hash, 8)}` };
        rerender(view);
      } catch (err) {
        msg.className = "msg err";
        msg.textContent = err.message;
        btn.disabled = false;
      }
    });
    action = h("div.actions", btn, h("span.muted.small", t("wallet.signwith")));
  }
  return h("article.prop", { "data-testid": `consent-${c.id}`, "data-status": c.status },
    h("div.prop-head", h("b", names[c.verifier] || c.verifier), h("span.tag.idtag", c.verifier), badge(c.status)),
    kv([
      [t("wallet.types"), tags(c.types)],
      [t("wallet.claimnames"), tags(c.claims, claimLabel)],
      [t("wallet.purpose"), c.purpose || "—"],
      [t("wallet.window"), `${fmtTime(c.not_before)} — ${fmtTime(c.not_after)}`],
      [t("wallet.uses"), h("span", { "data-testid": "consent-uses" }, String(c.uses ?? 0))],
      c.assurance ? [t("wallet.assured"), h("span", { "data-testid": "consent-assurance" },
        `${c.assurance.provider} · ${t("wallet.level")} ${c.assurance.level}`
        + (c.assurance.real_name && c.assurance.face ? ` · ${t("wallet.realface")}` : ""))] : null,
      c.revoked_height ? [ts("revoked"), link(`#/explorer/block/${c.revoked_height}`, `#${c.revoked_height}`)] : null,
    ]),
    action, msg);
}

// -- presenting (亮证) ---------------------------------------------------------------------------

function presentCard(w, consents, names, view) {
  const verifier = h("select", { "data-testid": "p-verifier" },
    h("option", { value: "" }, "—"),
    Object.entries(names).map(([id, name]) => h("option", { value: id }, `${name} (${id})`)));
  const boxes = [];
  const credBlocks = w.credentials.map((c) => h("div.pcred", h("div.small.muted", c.type),
    Object.keys(c.claims || {}).map((name) => {
      const box = h("input", { type: "checkbox", "data-claim": name, "data-cred": c.id });
      boxes.push([box, c, name]);
      return h("label.check", box, " ", claimLabel(name));
    })));
  const consentSel = h("select", { "data-testid": "p-consent" });
  const purpose = h("input", { type: "text", "data-testid": "p-purpose", placeholder: t("wallet.purpose") });
  const minutes = h("input", { type: "number", value: "10", min: "1", "data-testid": "p-minutes" });
  const attest = h("textarea.mono.small", { rows: 2, "data-testid": "p-assurance", placeholder: t("wallet.passurancehint") });
  const nonce = h("input", { type: "text", "data-testid": "p-nonce", placeholder: t("wallet.pnonce") });
  const ttl = h("input", { type: "number", value: "120", min: "1", max: "600", "data-testid": "p-ttl" });
  const out = h("div", { "data-testid": "p-out" });
  const msg = h("div.msg", { "aria-live": "polite", "data-testid": "p-msg" });
  const chosen = () => boxes.filter(([b]) => b.checked);

  function fillConsents() {
    const v = verifier.value;
    const usable = consents.filter((c) => c.status === "active" && c.verifier === v && c.not_after > Date.now());
    consentSel.replaceChildren(h("option", { value: "" }, usable.length ? "—" : t("common.none")),
      ...usable.map((c) => h("option", { value: c.id }, `${c.purpose || c.id} · ${(c.claims || []).join(", ")}`)));
    if (usable.length === 1) consentSel.value = usable[0].id;
  }
  verifier.addEventListener("change", fillConsents);
  fillConsents();

  const grant = h("button.ghost", { "data-testid": "p-grant" }, t("wallet.pgrant"));
  grant.addEventListener("click", async () => {
    const picks = chosen();
    if (!verifier.value || !picks.length || !purpose.value.trim()) { msg.className = "msg err"; msg.textContent = t("wallet.pnone"); return; }
    grant.disabled = true;
    msg.className = "msg";
    msg.textContent = "…";
    try {
      const now = Date.now();
      const payload = {
        holder: w.did,
        verifier: verifier.value,
        types: [...new Set(picks.map(([, c]) => c.type))],
        claims: [...new Set(picks.map(([, , n]) => n))],
        purpose: purpose.value.trim(),
        not_before: now,
        not_after: now + Math.max(1, Number(minutes.value) || 10) * 60000,
      };
      // 实名+人脸认证结果 (an identity provider's attestation): checked by the chain at block
      // time; the consent then records the level, which services may require (免证办)
      const token = attest.value.trim();
      if (token) payload.assurance = token;
      const res = await sendTx("consent.grant", payload, w.key);
      const id = res.tx_hash.slice(0, 32);
      consents.push({ id, ...payload, status: "active" });
      fillConsents();
      consentSel.value = id;
      msg.className = "msg ok";
      msg.textContent = `${t("wallet.pgranted")} · #${res.height} · ${id}`;
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message;
    } finally {
      grant.disabled = false;
    }
  });

  const make = h("button.primary", { "data-testid": "p-make" }, t("wallet.pmake"));
  make.addEventListener("click", async () => {
    const picks = chosen();
    if (!verifier.value || !picks.length || !consentSel.value) { msg.className = "msg err"; msg.textContent = t("wallet.pnone"); return; }
    out.replaceChildren();
    try {
      const creds = [...new Set(picks.map(([, c]) => c))];
      // the consent's terms as the chain holds them: nothing is built that it does not cover
      const consent = consents.find((c) => c.id === consentSel.value);
      const text = await present(creds, picks.map(([, , n]) => n), w.key, {
        verifier: verifier.value, nonce: nonce.value.trim(), consent, holder: w.did,
        ttl: Math.min(600, Math.max(1, Number(ttl.value) || 120)),
      });
      const area = h("textarea.mono.small", { readonly: true, rows: 6, "data-testid": "presentation" });
      area.value = text;
      const copy = h("button.ghost", { onclick: () => navigator.clipboard && navigator.clipboard.writeText(text) }, t("wallet.pcopy"));
      const qr = text.length <= 2000 ? h("div.qr", { html: qrSvg(text) }) : h("p.muted.small", t("wallet.ptoolong"));
      out.replaceChildren(h("div.small.muted", t("wallet.pout")), area, h("div.actions", copy), qr);
      msg.className = "msg";
      msg.textContent = "";
    } catch (err) {
      msg.className = "msg err";
      msg.dataset.reason = err.reason || "";
      msg.textContent = err.message;
    }
  });

  return card(t("wallet.present"),
    h("p.muted.small", t("wallet.presentintro")),
    kv([
      [t("wallet.pverifier"), verifier],
      [t("wallet.pclaims"), h("div", { "data-testid": "p-claims" }, credBlocks)],
      [t("wallet.pconsent"), consentSel],
      [t("wallet.pnewconsent"), h("div.inline", purpose, " ", t("wallet.pminutes"), " ", minutes, " ", grant)],
      [t("wallet.passurance"), attest],
      [t("wallet.pnonce"), nonce],
      [t("wallet.pttl"), ttl],
    ]),
    h("div.actions", make, h("span.muted.small", t("wallet.signwith"))), msg, out);
}
