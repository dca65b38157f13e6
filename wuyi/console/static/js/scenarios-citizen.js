// 住房与落户 (a citizen, with the wallet file opened on 我的凭证) and 落户进度 (an applicant's
// settlement status, public).
//
// For a housing contract where the wallet's DID is a buyer: check the purchase eligibility
// (购房资格) — the page reads the contract's request (verifier, nonce, credential types, claim
// names), grants the consent if there is none, builds the SD-JWT presentation of exactly those
// claims with the wallet's DID key (present.js) and sends `housing.check_eligibility`, which
// verifies it inside the block; then sign, declare the tax, approve a cancellation. For talent
// settlement (人才引进): the graduate or the points route, the same way, to `settlement`. Every
// transaction is signed here with the wallet's DID key; the claim values leave the page only
// inside the presentation the contract asks for (numbers and booleans, never a name).

import { get } from "./api.js";
import { getLang, t, ts } from "./i18n.js";
import { chart } from "./charts.js";
import { go, keyForm, sendTx } from "./app.js";
import { openWallet } from "./keys.js";
import { present } from "./present.js";
import { claimLabel, tags } from "./data.js";
import { card, errorBox } from "./ui.js";
import { openedWallet, setOpenedWallet } from "./wallet.js";
import {
  DID_RE, HOUSING, flashBox, POINT_ITEMS, SETTLEMENT, SETTLEMENT_ROUTES, callContract, certQr, committed, contractKv,
  contractSteps, contractTimeline, didTag, eligibilityRequest, fmtTime, h, hashInput, housingContract,
  housingContracts, input, kv, link, orgNames, paramsCard, say, settlementRequest, settlementStatus,
  table, toFen, txButton, txForm, yuan,
} from "./scenarios-data.js";

const enc = encodeURIComponent;
const CONSENT_MINUTES = 30;
const CONSENT_SLACK_MS = 60_000; // a consent starts a minute back: the node's clock may be behind ours

const credOf = (w, type) => w.credentials.find((c) => c.type === type);

/** The wallet's credentials for `types`, or an error naming the missing one. */
function credsFor(w, types) {
  return types.map((type) => {
    const c = credOf(w, type);
    if (!c) throw new Error(`${t("cz.missing")}: ${t(`vct.${type}`) === `vct.${type}` ? type : t(`vct.${type}`)} (${type})`);
    return c;
  });
}

/** An active consent of the wallet's DID for `verifier` covering `types` and `claims`, or a new
 *  one (consent.grant signed with the DID key, CONSENT_MINUTES long). Returns its id. */
async function ensureConsent(w, verifier, types, claims, purpose) {
  const doc = await get(`/v1/dids/${enc(w.did)}/consents?limit=200`);
  const now = Date.now();
  const ok = (doc.consents || []).find((c) => c.status === "active" && c.verifier === verifier
    && types.every((x) => c.types.includes(x)) && claims.every((x) => c.claims.includes(x))
    && c.not_before <= now && c.not_after > now + 60_000);
  if (ok) return ok.id;
  const res = await sendTx("consent.grant", {
    holder: w.did, verifier, types, claims, purpose, not_before: now - CONSENT_SLACK_MS, not_after: now + CONSENT_MINUTES * 60_000,
  }, w.key);
  return res.tx_hash.slice(0, 32);
}

/** Build the presentation for `req` ({verifier, nonce, types, claims}) from the wallet. */
async function presentFor(w, req, purpose) {
  const creds = credsFor(w, req.types);
  const consent = await ensureConsent(w, req.verifier, req.types, req.claims, req.purpose || purpose);
  return present(creds, req.claims, w.key, { verifier: req.verifier, nonce: req.nonce, consent, ttl: 120 });
}

// -- the citizen's page ------------------------------------------------------------------------------

export async function citizenPage(view) {
  view.append(h("h1", t("cz.title")), h("div.alert.info.privacy", { "data-testid": "citizen-private" }, t("cz.private")), flashBox());
  const w = openedWallet();
  if (!w) {
    view.append(h("section.card.login", h("p.muted", t("cz.open")),
      keyForm(async (x) => { setOpenedWallet(x); view.replaceChildren(); await citizenPage(view); }, t("wallet.open"),
        { open: openWallet, fileLabel: t("wallet.file"), decrypting: t("wallet.opening"), opened: t("common.loading") })));
    return;
  }
  view.append(card(null, h("p.didline", t("wallet.did"), ": ", h("b.mono", { "data-testid": "citizen-did" }, w.did)),
    h("p.small", link("#/wallet", t("cz.towallet")), " · ", link(`#/settlement/${enc(w.did)}`, t("cz.tostatus")))));
  const redraw = () => { view.replaceChildren(); return citizenPage(view); };
  const [contracts, names] = await Promise.all([housingContracts().catch(() => []), orgNames()]);
  const mine = contracts.filter((c) => (c.buyers || []).includes(w.did));
  const box = h("div", { "data-testid": "my-contracts" });
  for (const c of mine) box.append(contractCard(w, c, names, redraw));
  const lookup = input("cz-contract", { placeholder: "WQ00000001" });
  const lform = h("form.searchform", lookup, h("button.ghost", { type: "submit" }, t("explorer.go")));
  lform.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const c = await housingContract(lookup.value.trim());
      box.prepend(contractCard(w, c, names, redraw));
    } catch (err) { box.prepend(errorBox(err)); }
  });
  view.append(card(t("cz.housing"), h("p.muted.small", t("cz.housingnote")), lform,
    mine.length ? null : h("p.muted", t("cz.nocontract")), box));
  view.append(await settlementCard(w));
  view.append(certsCard(w));
}

const CERT_TYPES = ["RealEstateCertificate", "TalentSettlementCertificate"];

/** The e-certificates in the wallet: each with its public check link, QR code and a copy of
 *  the credential to give to whoever must check it. */
function certsCard(w) {
  const certs = w.credentials.filter((c) => CERT_TYPES.includes(c.type));
  return card(t("cz.certs"), h("p.muted.small", t("cz.certsnote")),
    certs.length ? h("div.creds", { "data-testid": "my-certs" }, certs.map((c) => {
      const id = (c.claims || {}).certificate || "";
      const copy = h("button.ghost", { type: "button" }, t("wallet.pcopy"));
      copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(c.sd_jwt));
      return h("article.cred", { "data-testid": "my-cert", "data-cert": id, "data-type": c.type },
        h("div.cred-head", h("b", c.type === CERT_TYPES[0] ? t("ecert.kind.realestate") : t("ecert.kind.settlement")), h("span.mono", id)),
        kv(Object.entries(c.claims || {}).map(([k, v]) => [claimLabel(k), String(v)])),
        h("div.actions", link(`#/ecert?id=${enc(id)}`, t("cz.checkcert")), copy),
        id ? certQr(id) : null);
    })) : h("p.muted", t("common.none")));
}

function contractCard(w, c, names, redraw) {
  const buyer = (c.buyers || []).includes(w.did);
  const first = (c.buyers || [])[0] === w.did;
  const signed = c.signatures && c.signatures.buyers && w.did in c.signatures.buyers;
  const acts = [];
  if (buyer && first && (c.status === "draft" || c.status === "eligible") && !c.eligibility) {
    const hh = credOf(w, "HouseholdCredential");
    const withSs = !(hh && hh.claims && hh.claims.local_hukou === true);
    acts.push(h("div.stepbox", h("b", t("cz.elig")), h("p.small.muted", withSs ? t("cz.eligss") : t("cz.eliglocal")),
      txButton(`elig-${c.id}`, t("cz.checkelig"), async () => {
        const req = await eligibilityRequest(c.id, w.did, withSs);
        const text = await presentFor(w, req, t("cz.purpose.housing"));
        const { res } = await callContract(HOUSING, "check_eligibility",
          { contract_id: c.id, presentation_text: text, with_social_security: withSs }, w.key);
        return committed(res, t("cz.eligok"));
      }, redraw)));
  }
  if (buyer && c.status === "eligible" && !signed) {
    acts.push(h("div.stepbox", h("b", t("cz.sign")), h("p.small.muted", `${t("hs.price")} ${yuan(c.price)}`),
      txButton(`sign-${c.id}`, t("cz.signbtn"), async () => {
        const { res, value } = await callContract(HOUSING, "sign", { contract_id: c.id }, w.key);
        return committed(res, `${t("cz.signed")} · ${ts(value)}`);
      }, redraw)));
  }
  if (buyer && c.status === "filed" && !c.tax) {
    const price = input(`tax-price-${c.id}`, { value: (c.price / 100).toFixed(2) });
    const proof = hashInput(`tax-proof-${c.id}`);
    acts.push(h("div.stepbox", h("b", t("cz.tax")), h("p.small.muted", t("cz.taxnote")),
      txForm(`tax-${c.id}`, [[`${t("hs.price")} (${t("sc.yuan")})`, price], [t("rg.taxproof"), proof]], t("cz.taxbtn"), async () => {
        const { res } = await callContract(HOUSING, "declare_tax", { contract_id: c.id, price: toFen(price.value, t("hs.price")), proof: proof.value() }, w.key);
        return committed(res, t("cz.taxok"));
      }, redraw)));
  }
  if (buyer && c.status !== "completed" && c.status !== "cancelled") {
    const party = `buyer:${w.did}`;
    acts.push((c.cancel || []).includes(party) ? h("span.tag", t("hs.cancelgiven"))
      : txButton(`cz-cancel-${c.id}`, t("hs.approvecancel"), async () => {
        const { res, value } = await callContract(HOUSING, "approve_cancel", { contract_id: c.id }, w.key);
        return committed(res, `${t("hs.cancelok")} · ${ts(value)}`);
      }, redraw, "ghost"));
  }
  return h("article.prop.czcontract", { "data-testid": `cz-contract-${c.id}`, "data-status": c.status },
    contractSteps(c),
    h("div.grid2", contractKv(c, names), h("div", h("h3", t("hs.trace")), contractTimeline(c, names))),
    acts.length ? h("div.steps-actions", acts) : null,
    c.cert ? certQr(c.cert) : null);
}

// -- settlement (人才引进) -------------------------------------------------------------------------

async function settlementCard(w) {
  const st = await settlementStatus(w.did).catch(() => null);
  const cert = st && st.certificate;
  const route = h("select", { "data-testid": "st-route" },
    h("option", { value: "graduate" }, t("st.route.graduate")), h("option", { value: "points" }, t("st.route.points")));
  const itemBoxes = Object.keys(POINT_ITEMS).map((i) => {
    const box = h("input", { type: "checkbox", "data-item": i, checked: !!credOf(w, POINT_ITEMS[i][0]) });
    return [i, box, h("label.check", box, " ", t(`st.item.${i}`))];
  });
  const itemsRow = h("div.inline", { "data-testid": "st-items" }, itemBoxes.map((x) => x[2]));
  const shows = h("div.small", { "data-testid": "st-shows" });
  const extra = () => (route.value === "points" ? itemBoxes.filter(([, b]) => b.checked).map(([i]) => i) : []);
  const refresh = () => {
    if (itemsRow.parentElement) itemsRow.parentElement.style.display = route.value === "points" ? "" : "none";
    const r = SETTLEMENT_ROUTES[route.value];
    const claims = [...r.claims, ...extra().map((i) => POINT_ITEMS[i][1])];
    shows.replaceChildren(t("st.discloses"), " ", tags(claims, claimLabel));
  };
  route.addEventListener("change", refresh);
  itemBoxes.forEach(([, b]) => b.addEventListener("change", refresh));
  const out = h("div", { "data-testid": "st-result" });
  const form = txForm("apply", [[t("st.route"), route], [t("st.items"), itemsRow], ["", shows]], t("st.apply"), async () => {
    const req = await settlementRequest(route.value, w.did, extra());
    const text = await presentFor(w, req, t("cz.purpose.settlement"));
    const args = route.value === "points" ? { text, items: extra() } : { text };
    const { res, value } = await callContract(SETTLEMENT, req.method, args, w.key);
    out.replaceChildren(decisionView(value));
    return committed(res, value && value.result === "approved" ? t("st.approvedmsg") : t("st.refusedmsg"));
  });
  refresh();
  return card(t("st.title"),
    h("p.muted.small", t("st.note")),
    cert ? h("div.alert.info", { "data-testid": "st-cert" }, `${t("st.hascert")} `, link(`#/ecert?id=${enc(cert)}`, cert, "mono")) : form,
    out, h("p.small", link(`#/settlement/${enc(w.did)}`, t("cz.tostatus"))), cert ? certQr(cert) : null);
}

// -- decisions in words -------------------------------------------------------------------------------

const DEGREES = { 2: ["中专/高中", "secondary"], 3: ["大专", "associate"], 4: ["本科", "bachelor"], 5: ["硕士", "master"], 6: ["博士", "doctorate"] };
const degreeName = (n) => (DEGREES[n] ? DEGREES[n][getLang() === "en" ? 1 : 0] : `L${n}`);

/** A failed rule {rule, message} in the reader's language, with its limit. */
export function ruleText(f) {
  const nums = String(f.message || "").match(/\d+/g) || [];
  const fill = (key) => t(key).replace("{n}", nums[0] || "?").replace("{m}", nums[1] || "?").replace("{d}", degreeName(nums[0]));
  const known = ["degree", "age", "employment", "social_security", "points_threshold"];
  return known.includes(f.rule) ? fill(`st.fail.${f.rule}`) : `${f.rule}: ${f.message}`;
}

export const ITEMS = ["education", "social_security", "home", "age", "awards"];

/** One settlement decision: result, the failed rules in words, the points breakdown, the
 *  certificate with its QR code. */
export function decisionView(app) {
  if (!app) return h("p.muted", t("common.none"));
  const ok = app.result === "approved";
  const parts = [
    h("div.result-head", h("span.result-icon", ok ? "✔" : "✘"), h("span", ok ? t("st.approved") : t("st.refused"))),
    kv([[t("st.app"), h("span.mono", app.id)], [t("st.route"), t(`st.route.${app.route}`)],
      [t("common.time"), h("span", fmtTime(app.time), " ", link(`#/explorer/block/${app.height}`, `#${app.height}`, "small"))]]),
  ];
  if ((app.failed || []).length) {
    parts.push(h("h3", t("st.failed")), h("ul.failed", { "data-testid": "st-failed" },
      app.failed.map((f) => h("li", { "data-rule": f.rule }, h("b", t(`st.rule.${f.rule}`)), " — ", ruleText(f)))));
  }
  if (app.points) {
    const pts = ITEMS.map((k) => ({ x: t(`st.pts.${k}`), y: Number(app.points[k] || 0) }));
    const share = Math.min(100, Math.round((100 * app.total) / Math.max(1, app.threshold)));
    parts.push(h("h3", t("st.points")), h("div.grid2",
      table([t("st.item"), t("st.pts")], ITEMS.map((k) => [t(`st.pts.${k}`), h("span", { "data-points": k }, String(app.points[k] ?? 0))]), { "data-testid": "st-points" }),
      chart(pts, { kind: "bar", label: t("st.points"), height: 200, color: ok ? "#1e8e3e" : "#b06f00" })),
      h("div.meter", { title: `${app.total} / ${app.threshold}` }, h("div.meter-bar", { style: `width:${share}%` })),
      h("p", { "data-testid": "st-total" }, h("b", `${t("st.total")} ${app.total}`), ` / ${t("st.threshold")} ${app.threshold}`));
  }
  if (app.certificate) parts.push(h("p", t("st.cert"), " ", link(`#/ecert?id=${enc(app.certificate)}`, app.certificate, "mono")), certQr(app.certificate));
  return h(`div.result.${ok ? "ok" : "bad"}.decision`, { "data-testid": "decision", "data-result": app.result, "data-app": app.id }, parts);
}

// -- 落户进度: an applicant's status (public) ----------------------------------------------------------

export async function settlementPage(view, args) {
  const did = args[0] || "";
  view.append(h("h1", t("nav.settlement")), h("p.muted", t("st.statusintro")));
  const q = input("st-did", { value: did, placeholder: "did:wuyi:…", class: "mono search" });
  const form = h("form.searchform", q, h("button.primary", { type: "submit", "data-testid": "st-did-go" }, t("explorer.go")));
  const msg = h("div.msg");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = q.value.trim();
    if (!DID_RE.test(v)) { say(msg, "err", t("sc.baddid")); return; }
    go(`#/settlement/${enc(v)}`);
  });
  view.append(card(null, form, msg));
  if (did) {
    const st = await settlementStatus(did);
    const apps = (st.applications || []).slice().reverse();
    view.append(card(`${t("st.applicant")} `, h("p", didTag(did)),
      st.certificate ? h("div.alert.info", { "data-testid": "st-cert" }, `${t("st.hascert")} `, link(`#/ecert?id=${enc(st.certificate)}`, st.certificate, "mono")) : null,
      apps.length ? h("div.decisions", { "data-testid": "st-apps" }, apps.map(decisionView)) : h("p.muted", t("st.noapps"))));
  }
  view.append(await paramsCard(SETTLEMENT));
}

