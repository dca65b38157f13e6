// 住建局 网签备案台 (the housing bureau's filing desk), the developer's page (开发商) and the
// citizen's housing contracts (a card of 我的办事): this scenario's pages, loaded by the console
// shell from the registry (wuyi/scenarios/housing/console/).
//
// The desk: filings by status (counts and a bar chart), the contracts with filters, one
// contract's whole trace (draft → eligibility → signatures → filing → loans, tax → transfer),
// filing a signed contract (网签备案, members of zjj with the role `filing`), approving a
// cancellation, and the housing parameters with their history; zjj admins change one (in force
// from the next block). The developer (role `developer`): list a unit, draft a contract for
// buyers' DIDs, sign as the seller. The buyer (their wallet): check the purchase eligibility
// (购房资格) — the page reads the contract's request (verifier, nonce, credential types, claim
// names), grants the consent if there is none, builds the SD-JWT presentation of exactly those
// claims with the wallet's DID key and sends `housing.check_eligibility`, which verifies it
// inside the block — then sign, declare the tax, approve a cancellation. Every write is a
// `contract.call` signed in this page.

import { session } from "/console/static/js/api.js";
import { t, ts } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { go } from "/console/static/js/app.js";
import { card, errorBox } from "/console/static/js/ui.js";
import { credOf, presentFor } from "/console/static/js/scenarios-citizen.js";
import { DID_RE, apiList, blockLink, callContract, certQr, checkUnitId, committed, didTag, districtName, fmtTime, flashBox, gate, getPlain, h, hasRole, hashInput, inOrg, input, keyFirst, kv, link, orgLabel, notFound, orgNames, paramValue, paramsCard, pct, query, registerCitizenCard, registerParams, sbadge, select, short, stateList, table, toFen, txButton, txForm, txLink, yuan } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";
import "/console/scenarios/realestate/i18n.js";

const HOUSING = "housing";
const enc = encodeURIComponent;
const unitLink = (id) => link(`#/registry/${enc(id)}`, id, "mono");
export const contractLink = (id) => link(`#/housing/${enc(id)}`, id, "mono");

// -- reads ------------------------------------------------------------------------------------------

export async function housingDashboard() {
  const doc = await getPlain("/v1/housing/dashboard");
  return { counts: Object.fromEntries(STATUSES.map((s) => [s, Number(doc.counts[s] || 0)])), doc };
}

export const STATUSES = ["draft", "eligible", "signed", "filed", "completed", "cancelled"];

/** Housing contracts, newest first, optionally by status and unit. */
export async function housingContracts({ status = "", unit = "", buyer = "" } = {}) {
  const q = new URLSearchParams({ limit: "500" });
  if (status) q.set("status", status);
  if (unit) q.set("unit", unit);
  if (buyer) q.set("buyer", buyer);  // a buyer reads their own contracts (a signed read)
  const list = await apiList(`/v1/housing/contracts?${q}`);
  return list.slice().sort((a, b) => (b.height - a.height) || String(b.id).localeCompare(String(a.id)));
}

export async function housingContract(id) {
  const c = await getPlain(`/v1/housing/contracts/${enc(id)}`);
  if (!c) throw notFound(id);
  return c;
}

/** What a buyer's wallet presents for a contract's eligibility: {verifier, nonce, types,
 *  claims, purpose} (a non-local family, `withSs`, adds its social-security months). */
export async function eligibilityRequest(contractId, did, withSs) {
  return getPlain(`/v1/housing/contracts/${enc(contractId)}/eligibility-request?did=${enc(did)}&social_security=${!!withSs}`);
}

export async function listings() {
  return (await stateList(HOUSING, "listing/")).map((e) => e.value);
}

// -- a housing contract's trace ---------------------------------------------------------------------

/** The events of a housing contract in block order: each status change of its trace, each
 *  signature, loan and the tax declaration. */
export function contractEvents(c) {
  const ev = (c.trace || []).map((x) => ({ kind: x.status, height: x.height, org: x.org, did: x.did, by: x.by }));
  const sig = c.signatures || {};
  for (const [did, height] of Object.entries(sig.buyers || {})) ev.push({ kind: "sign_buyer", height, did });
  if (sig.seller) ev.push({ kind: "sign_seller", height: sig.seller.height, org: sig.seller.org, by: sig.seller.by });
  for (const [bank, l] of Object.entries(c.loans || {})) ev.push({ kind: "loan", height: l.height, org: bank, loan: l });
  if (c.tax) ev.push({ kind: "tax", height: c.tax.height, did: c.tax.by, tax: c.tax });
  const order = ["draft", "eligible", "sign_buyer", "sign_seller", "signed", "filed", "loan", "tax", "completed", "cancelled"];
  return ev.sort((a, b) => (a.height - b.height) || (order.indexOf(a.kind) - order.indexOf(b.kind)));
}

function eligibilityKv(e) {
  if (!e) return null;
  const p = e.params || {};
  return kv([
    [t("hs.rule.max_homes"), h("span", sbadge(e.rules.max_homes), ` ≤ ${p.max_homes} · `, paramValue(p.restricted_districts || []))],
    [t("hs.rule.min_ss_months"), h("span", sbadge(e.rules.min_ss_months), ` ≥ ${p.min_ss_months} / ${p.ss_window_months}`)],
    [t("hs.presentations"), h("span", (e.presentations || []).map((x) => h("div.mono.small", short(x, 16))))],
    e.check ? [t("hs.check"), txLink(e.check)] : null,
  ]);
}

export function contractTimeline(c, names) {
  const events = contractEvents(c);
  return h("ol.tl", { "data-testid": "contract-trace" }, events.map((e) => {
    const rows = [];
    if (e.org) rows.push([t("audit.by"), h("span", names[e.org] || e.org, e.by ? h("span.muted", " ", link(`#/explorer/account/${e.by}`, short(e.by, 6), "mono.small")) : null)]);
    if (e.did) rows.push([t("hs.did"), didTag(e.did)]);
    if (e.kind === "eligible" && c.eligibility) rows.push([t("hs.eligibility"), eligibilityKv(c.eligibility)]);
    if (e.kind === "loan") rows.push([t("bk.amount"), `${yuan(e.loan.amount)} (${t("hs.ltvat")} ${e.loan.ltv_pct}%)`]);
    if (e.kind === "tax") rows.push([t("hs.taxprice"), yuan(e.tax.price)], [t("sc.w.tax_proof"), h("span.mono.small", e.tax.proof)]);
    if (e.kind === "completed" && c.cert) rows.push([t("sc.w.cert"), link(`#/ecert?id=${enc(c.cert)}`, c.cert, "mono")]);
    return h(`li.tl-item.tl-${e.kind}`, { "data-kind": e.kind },
      h("span.tl-dot"),
      h("div.tl-body", h("div.tl-head", h("b.tl-action", t(`hs.ev.${e.kind}`)), blockLink(e.height)), kv(rows)));
  }));
}

/** The steps of a housing contract as a progress strip. */
export function contractSteps(c) {
  const steps = ["draft", "eligible", "signed", "filed", "completed"];
  const at = c.status === "cancelled" ? -1 : c.status === "completed" ? steps.length : steps.indexOf(c.status);
  return h("ol.steps", { "data-testid": "contract-steps" }, steps.map((s, i) =>
    h(`li${i < at ? ".done" : i === at ? ".now" : ""}`, ts(s))),
  c.status === "cancelled" ? h("li.cancel", ts("cancelled")) : null);
}

/** The key facts of a housing contract. */
export function contractKv(c, names) {
  const loans = Object.entries(c.loans || {});
  return kv([
    [t("hs.contract"), h("b.mono", { "data-testid": "contract-id" }, c.id)],
    [t("common.status"), h("span", { "data-testid": "contract-status", "data-status": c.status }, sbadge(c.status))],
    [t("sc.unit"), h("span", unitLink(c.unit), " ", h("span.muted", districtName(c.district)))],
    [t("hs.price"), h("b", yuan(c.price))],
    [t("hs.seller"), h("span", orgLabel(names, c.developer), " ", didTag(c.seller))],
    [t("hs.buyers"), h("span", (c.buyers || []).map((b, i) => h("div", didTag(b), ` ${pct((c.shares || [])[i] || 0)}`,
      (c.signatures && c.signatures.buyers && b in c.signatures.buyers) ? h("span.tag.okt", t("hs.hassigned")) : null)))],
    [t("hs.sellersig"), c.signatures && c.signatures.seller ? h("span.tag.okt", t("hs.hassigned")) : "—"],
    c.filed ? [t("hs.filed"), h("span", blockLink(c.filed.height), " ", fmtTime(c.filed.time))] : null,
    loans.length ? [t("hs.loans"), h("span", loans.map(([b, l]) => h("div", `${names[b] || b}: ${yuan(l.amount)}`)))] : null,
    c.tax ? [t("hs.tax"), h("span", yuan(c.tax.price), " · ", h("span.mono.small", short(c.tax.proof, 10)))] : null,
    (c.cancel || []).length ? [t("hs.cancelby"), (c.cancel || []).join(", ")] : null,
    c.cert ? [t("sc.w.cert"), link(`#/ecert?id=${enc(c.cert)}`, c.cert, "mono")] : null,
  ]);
}

const stat = (label, value, testid) => h("div.stat", h("div.stat-v", { "data-testid": testid }, String(value)), h("div.stat-l", label));

// -- actions shared by the desk and the contract page ----------------------------------------------

function fileButton(c, done) {
  if (c.status !== "signed") return null;
  const why = gate("filing", "zjj");
  if (why) return why;
  return txButton(`file-${c.id}`, t("hs.file"), async () => {
    const { res } = await callContract(HOUSING, "file", { contract_id: c.id });
    return committed(res, `${t("hs.filedok")} ${c.id}`);
  }, done);
}

function cancelButton(c, party, done) {
  if (c.status === "completed" || c.status === "cancelled") return null;
  if ((c.cancel || []).includes(party)) return h("span.tag", t("hs.cancelgiven"));
  return txButton(`cancel-${c.id}`, t("hs.approvecancel"), async () => {
    const { res, value } = await callContract(HOUSING, "approve_cancel", { contract_id: c.id });
    return committed(res, `${t("hs.cancelok")} · ${ts(value)}`);
  }, done, "ghost");
}

// -- the desk ---------------------------------------------------------------------------------------

export async function housingPage(view, args, query_) {
  if (args[0]) return contractPage(view, args[0]);
  const status = query_.get("status") || "";
  const unit = query_.get("unit") || "";
  view.append(h("h1", t("nav.housing")), h("p.muted", t("hs.intro")), flashBox());
  const [dash, list] = await Promise.all([housingDashboard(), housingContracts({ status, unit })]);
  const counts = dash.counts;
  view.append(
    h("div.stats.stats6", { "data-testid": "housing-dashboard" }, STATUSES.map((s) => stat(ts(s), counts[s], `count-${s}`))),
    card(t("hs.dashchart"), chart(STATUSES.map((s) => ({ x: ts(s), y: counts[s] })), { kind: "bar", label: t("hs.dashchart"), height: 150, integer: true })));

  const unitIn = input("filter-unit", { value: unit, placeholder: "440703-001-0101" });
  const filt = h("form.searchform", unitIn, h("button.ghost", { type: "submit" }, t("explorer.go")));
  filt.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (status) q.set("status", status);
    if (unitIn.value.trim()) q.set("unit", unitIn.value.trim());
    go(`#/housing${q.toString() ? "?" + q : ""}`);
  });
  const chips = h("div.filters", ["", ...STATUSES].map((s) =>
    h(`a.chip${s === status ? ".on" : ""}`, { href: `#/housing${s ? "?status=" + s : ""}${unit ? (s ? "&" : "?") + "unit=" + unit : ""}`, "data-filter": s },
      s ? `${ts(s)} (${counts[s]})` : t("gov.filter.all"))));
  const redraw = () => { view.replaceChildren(); return housingPage(view, args, query_); };
  view.append(card(t("hs.contracts"), chips, filt, table(
    [t("hs.contract"), t("sc.unit"), t("sc.district"), t("hs.price"), t("hs.buyers"), t("common.status"), t("common.height"), ""],
    list.map((c) => [contractLink(c.id), unitLink(c.unit), districtName(c.district), yuan(c.price),
      h("span", (c.buyers || []).map((b) => h("div", didTag(b)))),
      h("span", { "data-testid": `status-${c.id}` }, sbadge(c.status)),
      String(c.height), fileButton(c, redraw)]), { "data-testid": "housing-contracts" })));
  view.append(await paramsCard(HOUSING));
}

async function contractPage(view, id) {
  const [c, names] = await Promise.all([housingContract(id), orgNames()]);
  const redraw = () => { view.replaceChildren(); return contractPage(view, id); };
  view.append(h("h1", link("#/housing", "‹ "), `${t("hs.contract")} `, h("code", c.id)), flashBox());
  const others = await query(HOUSING, "filings", { unit_id: c.unit }).catch(() => null);
  const siblings = others ? await Promise.all((others.contracts || []).map((x) => (x === c.id ? c : housingContract(x).catch(() => null)))) : [];
  const actions = [];
  const f = fileButton(c, redraw);
  if (f) actions.push(f);
  if (session.member && inOrg("zjj") && hasRole("filing") && session.key) actions.push(cancelButton(c, "bureau", redraw));
  view.append(...[
    h("div.grid2",
      card(null, contractSteps(c), contractKv(c, names), actions.length ? h("div.actions", actions) : null),
      card(t("hs.trace"), contractTimeline(c, names))),
    others ? card(t("hs.sameunit"), h("p.muted.small", t("hs.oneactive")),
      table([t("hs.contract"), t("common.status"), t("hs.price"), t("hs.filed")],
        siblings.filter(Boolean).map((x) => {
          const fx = (others.filed || []).find((y) => y.id === x.id);
          return [x.id === c.id ? h("b.mono", x.id) : contractLink(x.id),
            h("span", sbadge(x.status), others.active === x.id ? h("span.tag.okt", t("hs.active")) : null),
            yuan(x.price), fx ? `#${fx.filed_height}` : "—"];
        }), { "data-testid": "unit-contracts" })) : null].filter(Boolean));
}

// -- the developer ----------------------------------------------------------------------------------

export async function developerPage(view) {
  view.append(h("h1", t("nav.developer")), h("p.muted", t("dev.intro")), flashBox());
  const org = session.member ? session.member.org : "";
  const why = gate("developer");
  const redraw = () => { view.replaceChildren(); return developerPage(view); };
  const noKey = keyFirst();  // the listings are housing's raw state: a member's signed read
  if (noKey) return view.append(noKey);
  const [all, contracts] = await Promise.all([listings(), housingContracts()]);
  const mine = all.filter((l) => l.developer === org);
  const myContracts = contracts.filter((c) => c.developer === org);

  const unitIn = input("list-unit", { placeholder: "440703-001-0101" });
  const listForm = why || txForm("list", [[t("sc.unit"), unitIn]], t("dev.list"), async () => {
    const id = checkUnitId(unitIn.value.trim());
    const { res } = await callContract(HOUSING, "list_unit", { unit_id: id });
    return committed(res, `${t("dev.listed")} ${id}`);
  }, redraw);

  const busy = new Set(contracts.filter((c) => ["draft", "eligible", "signed", "filed"].includes(c.status)).map((c) => c.unit));
  const listed = mine.filter((l) => l.status === "listed" && !busy.has(l.unit));
  const unitSel = select("draft-unit", listed.map((l) => [l.unit, `${l.unit} · ${districtName(l.district)}`]));
  const buyers = h("textarea.mono", { rows: 2, "data-testid": "draft-buyers", placeholder: "did:wuyi:…" });
  const price = input("draft-price", { placeholder: "1500000.00" });
  const shares = input("draft-shares", { placeholder: t("dev.sharesph") });
  const draftForm = why || txForm("draft", [[t("sc.unit"), unitSel], [t("hs.buyers"), buyers], [`${t("hs.price")} (${t("sc.yuan")})`, price], [t("dev.shares"), shares]],
    t("dev.draft"), async () => {
      if (!unitSel.value) throw new Error(t("dev.nolisting"));
      const dids = buyers.value.split(/[\s,，]+/).filter(Boolean);
      if (!dids.length) throw new Error(t("dev.needbuyer"));
      for (const d of dids) if (!DID_RE.test(d)) throw new Error(`${d}: ${t("sc.baddid")}`);
      const args = { unit_id: unitSel.value, buyers: dids, price: toFen(price.value, t("hs.price")) };
      if (shares.value.trim()) {
        const pcts = shares.value.split(/[\s,，]+/).filter(Boolean).map(Number);
        if (pcts.length !== dids.length || pcts.some((x) => !(x > 0))) throw new Error(t("dev.badshares"));
        args.shares = pcts.map((x) => Math.round(x * 100));
      }
      const { res, value } = await callContract(HOUSING, "draft", args);
      return committed(res, `${t("dev.drafted")} ${value}`);
    }, redraw);

  view.append(h("div.grid2",
    card(t("dev.listtitle"), h("p.muted.small", t("dev.listnote")), listForm),
    card(t("dev.drafttitle"), h("p.muted.small", t("dev.draftnote")), draftForm)));
  view.append(card(t("dev.mylistings"), table([t("sc.unit"), t("sc.district"), t("common.status"), t("common.height")],
    mine.map((l) => [unitLink(l.unit), districtName(l.district), h("span", { "data-testid": `listing-${l.unit}` }, sbadge(l.status)), String(l.height)]),
    { "data-testid": "dev-listings" })));
  view.append(card(t("dev.mycontracts"), table([t("hs.contract"), t("sc.unit"), t("hs.price"), t("hs.buyers"), t("common.status"), ""],
    myContracts.map((c) => {
      const acts = [];
      if (!why && c.status === "eligible" && !(c.signatures && c.signatures.seller)) {
        acts.push(txButton(`sign-${c.id}`, t("dev.sign"), async () => {
          const { res, value } = await callContract(HOUSING, "sign", { contract_id: c.id });
          return committed(res, `${t("dev.signed")} · ${ts(value)}`);
        }, redraw));
      }
      if (!why) acts.push(cancelButton(c, "seller", redraw));
      return [contractLink(c.id), unitLink(c.unit), yuan(c.price), h("span", (c.buyers || []).map((b) => h("div", didTag(b)))),
        h("span", { "data-testid": `dev-status-${c.id}` }, sbadge(c.status)), h("div.actions.tight", acts)];
    }), { "data-testid": "dev-contracts" })));
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
        const p = await presentFor(w, req, t("cz.purpose.housing"));  // a private side-car
        const { res } = await callContract(HOUSING, "check_eligibility",
          { contract_id: c.id, presentation_text: p.ref, with_social_security: withSs }, w.key, [p.bytes]);
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


// -- the buyer's card on the citizen's page --------------------------------------------------------

registerCitizenCard({
  render: async (w, { names, redraw }) => {
    const contracts = await housingContracts({ buyer: w.did }).catch(() => []);
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
    return (card(t("cz.housing"), h("p.muted.small", t("cz.housingnote")), lform,
      mine.length ? null : h("p.muted", t("cz.nocontract")), box));
  },
});


// -- what this scenario contributes ----------------------------------------------------------------

registerParams(HOUSING, "zjj");

export const routes = {
  housing: [housingPage, "member"],
  developer: [developerPage, "member"],
};
export const nav = [["housing", "nav.housing", "member"], ["developer", "nav.developer", "member"]];
export const who = {
  housing: (m, r) => m.org === "zjj" || r.includes("filing"),
  developer: (m, r) => r.includes("developer"),
};
