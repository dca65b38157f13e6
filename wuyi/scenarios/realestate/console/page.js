// 不动产登记 (the registration centre and the district offices, role `registrar`), 银行 (banks,
// role `banker`) and 法院 (courts, role `judge`): this scenario's pages, loaded by the console
// shell from the registry (wuyi/scenarios/realestate/console/).
//
// Registry: units by district, a unit's whole history whichever office wrote it (a timeline),
// registering a unit, first registration, transfer against a filed housing contract and the
// hash of the tax-paid proof, correction with a reason, the registry's parameters. Bank: consent
// to a listing, a loan on a filed contract within the loan-to-value limit (shown), mortgages
// registered and released. Court: seizures (查封) and lifting them; a case or order reference is
// hashed in this page and only its hash goes on chain. It registers the 不动产权证书 for the
// public e-certificate check.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { go } from "/console/static/js/app.js";
import { bi, card } from "/console/static/js/ui.js";
import { chart } from "/console/static/js/charts.js";
import { DID_RE, DISTRICTS, flashBox, apiList, area, callContract, certQr, checkUnitId, committed, didTag, districtName, fmtTime, gate, getPlain, h, hashInput, hashOf, input, kv, link, keyFirst, notFound, orgNames, params, paramsCard, pct, registerCertificate, registerParams, sbadge, select, stateList, table, toFen, txButton, txForm, txLink, blockLink, yuan, fromHex } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";
import "/console/scenarios/housing/i18n.js";

const REALESTATE = "realestate";
const HOUSING = "housing"; // listings, filings and loans live in the housing contract
const enc = encodeURIComponent;

// -- reads ------------------------------------------------------------------------------------------

export async function units({ district = "" } = {}) {
  const q = new URLSearchParams({ limit: "500" });
  if (district) q.set("district", district);
  const list = await apiList(`/v1/realestate/units?${q}`);
  return list.slice().sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/** A unit with its listing, active filing, mortgages and seizures (full records). */
export const unitDetail = (id) => getPlain(`/v1/realestate/units/${enc(id)}`);
export const unitHistory = (id) => apiList(`/v1/realestate/units/${enc(id)}/history?limit=500`);
const mortgages = async () => (await stateList(REALESTATE, "mortgage/")).map((e) => e.value);
const seizures = async () => (await stateList(REALESTATE, "seizure/")).map((e) => e.value);
const housingContract = async (id) => {
  const c = await getPlain(`/v1/housing/contracts/${enc(id)}`);
  if (!c) throw notFound(id);
  return c;
};

export const unitLink = (id) => link(`#/registry/${enc(id)}`, id, "mono");
const contractLink = (id) => link(`#/housing/${enc(id)}`, id, "mono");

// -- a unit's history ------------------------------------------------------------------------------

const owners = (list) => h("span", (list || []).map((o) => h("div", didTag(o.did || o), o.share ? ` ${pct(o.share)}` : "")));

function whatRows(op, w, names = {}) {
  const rows = [];
  const add = (k, v) => { if (v !== undefined && v !== null && v !== "") rows.push([t(`sc.w.${k}`), v]); };
  if (!w) return rows;
  add("location", w.location);
  if (w.area !== undefined) add("area", area(w.area));
  if (w.use) add("use", t(`use.${w.use}`));
  if (w.from) add("from", owners(w.from));
  if (w.owners) add("owners", owners(w.owners));
  if (w.contract) add("contract", contractLink(w.contract));
  if (w.price !== undefined) add("price", yuan(w.price));
  if (w.tax_proof) add("tax_proof", h("span.mono.small", w.tax_proof));
  if (w.mortgage) add("mortgage", h("span.mono", w.mortgage));
  if (w.bank) add("bank", names[w.bank] || w.bank);
  if (w.amount !== undefined) add("amount", yuan(w.amount));
  if (w.seizure) add("seizure", h("span.mono", w.seizure));
  if (w.court) add("court", names[w.court] || w.court);
  if (w.case) add("case", h("span.mono.small", w.case));
  if (w.order) add("order", h("span.mono.small", w.order));
  if (w.field) add("field", t(`sc.w.${w.field}`));
  if (w.field) add("old", w.field === "area" ? area(w.old) : w.field === "use" ? t(`use.${w.old}`) : w.old);
  if (w.field) add("new", w.field === "area" ? area(w.new) : w.field === "use" ? t(`use.${w.new}`) : w.new);
  add("reason", w.reason ? bi(w.reason) : w.reason);
  if (w.cert) add("cert", link(`#/ecert?id=${enc(w.cert)}`, w.cert, "mono"));
  return rows;
}

/** A unit's history as a vertical timeline, oldest first: which office did what, when. */
export function unitTimeline(hist, names) {
  if (!hist.length) return h("p.muted", t("common.none"));
  return h("ol.tl", { "data-testid": "unit-history" }, hist.map((e) =>
    h(`li.tl-item.tl-${String(e.op).replace(/[^\w-]/g, "")}`, { "data-op": e.op, "data-org": e.org },
      h("span.tl-dot"),
      h("div.tl-body",
        h("div.tl-head", h("b.tl-action", t(`op.${e.op}`)), h("span.tl-org", names[e.org] || e.org || ""),
          h("span.muted.small", fmtTime(e.time)), blockLink(e.height), txLink(e.tx)),
        kv(whatRows(e.op, e.what, names))))));
}

const USES = ["residential", "commercial", "office", "industrial", "parking", "other"];

function flags(u) {
  const out = [];
  if ((u.mortgages || []).length) out.push(h("span.tag.warnt", t("rg.mortgaged")));
  if ((u.seizures || []).length) out.push(h("span.tag.badt", t("rg.seized")));
  if (!(u.owners || []).length) out.push(h("span.tag", t("rg.noowner")));
  return h("span", { "data-testid": `flags-${u.id}` }, out);
}

function unitSearch() {
  const q = input("unit-search", { placeholder: t("rg.searchph") });
  const form = h("form.searchform", q, h("button.primary", { type: "submit", "data-testid": "unit-search-go" }, t("rg.lookup")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = q.value.trim();
    if (v) go(`#/registry/${enc(v)}`);
  });
  return form;
}

/** Owners typed one per line: "did [share%]"; without shares, equal shares. */
function parseOwners(text) {
  const lines = text.split(/\n+/).map((x) => x.trim()).filter(Boolean);
  if (!lines.length) throw new Error(t("rg.needowner"));
  const out = lines.map((line) => {
    const [did, share] = line.split(/[\s,，]+/);
    if (!DID_RE.test(did)) throw new Error(`${did}: ${t("sc.baddid")}`);
    return { did, share: share === undefined ? null : Math.round(Number(share.replace("%", "")) * 100) };
  });
  if (out.every((o) => o.share === null)) {
    const each = Math.floor(10000 / out.length);
    out.forEach((o, i) => { o.share = each + (i === 0 ? 10000 - each * out.length : 0); });
  }
  if (out.some((o) => !(o.share > 0))) throw new Error(t("rg.badshare"));
  return out;
}

// -- the registry -------------------------------------------------------------------------------

export async function registryPage(view, args, q) {
  if (args[0]) return unitPage(view, args[0]);
  const district = q.get("district") || "";
  view.append(h("h1", t("nav.registry")), h("p.muted", t("rg.intro")), flashBox(), unitSearch());
  const all = await units();
  const shown = all.filter((u) => !district || u.district === district);
  const codes = [...new Set([...Object.keys(DISTRICTS).filter((c) => all.some((u) => u.district === c)), ...all.map((u) => u.district)])];
  const chips = h("div.filters", { "data-testid": "district-chips" }, ["", ...codes].map((c) =>
    h(`a.chip${c === district ? ".on" : ""}`, { href: `#/registry${c ? "?district=" + c : ""}`, "data-district": c },
      c ? `${districtName(c)} (${all.filter((u) => u.district === c).length})` : `${t("gov.filter.all")} (${all.length})`)));
  const byDistrict = codes.map((c) => {
    const here = all.filter((u) => u.district === c);
    return { c, units: here.length, mortgaged: here.filter((u) => (u.mortgages || []).length).length,
      seized: here.filter((u) => (u.seizures || []).length).length };
  });
  view.append(h("div.grid2", { "data-testid": "registry-charts" },
    card(t("rg.chart.units"), chart(byDistrict.map((d) => ({ x: districtName(d.c).split(" ")[0], y: d.units })),
      { kind: "bar", integer: true, label: t("rg.chart.units"), height: 150 })),
    card(t("rg.chart.encumbered"), chart(byDistrict.map((d) => ({ x: districtName(d.c).split(" ")[0], y: d.mortgaged + d.seized })),
      { kind: "bar", integer: true, color: "#b06f00", label: t("rg.chart.encumbered"), height: 150 }),
    h("p.small.muted", byDistrict.map((d) => `${districtName(d.c)}: ${t("rg.mortgaged")} ${d.mortgaged} · ${t("rg.seized")} ${d.seized}`).join("；")))));
  view.append(card(t("rg.units"), chips, table(
    [t("sc.unit"), t("sc.district"), t("sc.w.location"), t("sc.w.area"), t("sc.w.use"), t("sc.w.owners"), "", t("sc.w.cert")],
    shown.map((u) => [unitLink(u.id), districtName(u.district), u.location, area(u.area), t(`use.${u.use}`),
      h("span", (u.owners || []).map((o) => h("div", didTag(o.did), ` ${pct(o.share)}`))), flags(u),
      u.cert ? link(`#/ecert?id=${enc(u.cert)}`, u.cert, "mono.small") : "—"]), { "data-testid": "units" })));

  const why = gate("registrar");
  const redraw = () => { view.replaceChildren(); return registryPage(view, args, q); };
  if (why) {
    view.append(card(t("rg.actions"), why));
  } else {
    view.append(h("div.grid2", registerCard(redraw), firstCard(redraw)), h("div.grid2", transferCard(redraw), correctCard(redraw)));
  }
  view.append(await paramsCard(REALESTATE));
}

function registerCard(done) {
  const id = input("reg-unit", { placeholder: "440703-001-0101" });
  const loc = input("reg-location", { maxlength: 200, placeholder: t("rg.locph") });
  const ar = input("reg-area", { placeholder: "89.50" });
  const use = select("reg-use", USES.map((u) => [u, t(`use.${u}`)]), "residential");
  return card(t("rg.register"), h("p.muted.small", t("rg.registernote")), txForm("register", [
    [t("sc.unit"), id], [t("sc.w.location"), loc], [`${t("sc.w.area")} (m²)`, ar], [t("sc.w.use"), use],
  ], t("rg.register"), async () => {
    const uid = checkUnitId(id.value.trim());
    const a = Math.round(Number(ar.value) * 100);
    if (!(a > 0)) throw new Error(t("rg.badarea"));
    const { res } = await callContract(REALESTATE, "register_unit", { unit_id: uid, location: loc.value.trim(), area: a, use: use.value });
    return committed(res, `${t("rg.registered")} ${uid}`);
  }, done));
}

function firstCard(done) {
  const id = input("first-unit", { placeholder: "440703-001-0101" });
  const owners = h("textarea.mono", { rows: 3, "data-testid": "first-owners", placeholder: "did:wuyi:org:wyzy 100\ndid:wuyi:… 50" });
  return card(t("rg.first"), h("p.muted.small", t("rg.firstnote")), txForm("first", [[t("sc.unit"), id], [t("rg.ownerslines"), owners]],
    t("rg.first"), async () => {
      const uid = checkUnitId(id.value.trim());
      const { res, value } = await callContract(REALESTATE, "first_registration", { unit_id: uid, owners: parseOwners(owners.value) });
      return committed(res, `${t("rg.certissued")} ${value}`);
    }, done));
}

function transferCard(done) {
  const id = input("tr-unit", { placeholder: "440703-001-0101" });
  const cid = input("tr-contract", { placeholder: "WQ00000001" });
  const info = h("div.small.muted", { "data-testid": "tr-info" });
  const proof = hashInput("tr-proof");
  cid.addEventListener("change", async () => {
    info.textContent = "";
    if (!cid.value.trim()) return;
    try {
      const c = await housingContract(cid.value.trim());
      if (!id.value.trim()) id.value = c.unit;
      info.replaceChildren(kv([[t("common.status"), sbadge(c.status)], [t("hs.price"), yuan(c.price)],
        [t("hs.buyers"), h("span", c.buyers.map((b) => h("div", didTag(b))))],
        [t("hs.tax"), c.tax ? h("span.mono.small", c.tax.proof) : t("rg.notax")]]));
    } catch (err) { info.textContent = err.message; }
  });
  return card(t("rg.transfer"), h("p.muted.small", t("rg.transfernote")), info, txForm("transfer",
    [[t("sc.unit"), id], [t("hs.contract"), cid], [t("rg.taxproof"), proof]],
    t("rg.transfer"), async () => {
      const uid = checkUnitId(id.value.trim());
      const c = await housingContract(cid.value.trim());
      const { res, value } = await callContract(REALESTATE, "transfer", {
        unit_id: uid, contract_id: c.id, buyers: c.buyers, tax_proof: proof.value(),
      });
      return committed(res, `${t("rg.transferred")} · ${t("rg.certissued")} ${value}`);
    }, done));
}

function correctCard(done) {
  const id = input("co-unit", { placeholder: "440703-001-0101" });
  const field = select("co-field", [["location", t("sc.w.location")], ["area", `${t("sc.w.area")} (m²)`], ["use", t("sc.w.use")]], "location");
  const value = input("co-value");
  const reason = input("co-reason", { maxlength: 200, placeholder: t("rg.reasonph") });
  return card(t("rg.correct"), h("p.muted.small", t("rg.correctnote")), txForm("correct",
    [[t("sc.unit"), id], [t("sc.w.field"), field], [t("sc.w.new"), value], [t("sc.w.reason"), reason]],
    t("rg.correct"), async () => {
      const uid = checkUnitId(id.value.trim());
      let v = value.value.trim();
      if (field.value === "area") {
        v = Math.round(Number(v) * 100);
        if (!(v > 0)) throw new Error(t("rg.badarea"));
      } else if (field.value === "use" && !USES.includes(v)) {
        const hit = USES.find((u) => t(`use.${u}`) === v);
        if (!hit) throw new Error(`${t("sc.w.use")}: ${USES.join(", ")}`);
        v = hit;
      }
      if (!reason.value.trim()) throw new Error(t("rg.needreason"));
      const { res } = await callContract(REALESTATE, "correct", { unit_id: uid, field: field.value, value: v, reason: reason.value.trim() });
      return committed(res, `${t("rg.corrected")} ${uid}`);
    }, done));
}

async function unitPage(view, id) {
  const [u, hist, names] = await Promise.all([unitDetail(id), unitHistory(id), orgNames()]);
  view.append(h("h1", link("#/registry", "‹ "), `${t("sc.unit")} ${u.id}`), unitSearch());
  const l = u.listing;
  view.append(h("div.grid2",
    card(t("rg.unitcard"), kv([
      [t("sc.unit"), h("b.mono", { "data-testid": "unit-id" }, u.id)],
      [t("sc.district"), districtName(u.district)],
      [t("sc.w.location"), u.location],
      [t("sc.w.area"), area(u.area)],
      [t("sc.w.use"), t(`use.${u.use}`)],
      [t("sc.w.owners"), h("span", { "data-testid": "unit-owners" }, (u.owners || []).map((o) => h("div", didTag(o.did), ` ${pct(o.share)}`)))],
      [t("rg.registeredby"), names[u.registered_by] || u.registered_by || "—"],
      [t("sc.w.cert"), u.cert ? link(`#/ecert?id=${enc(u.cert)}`, u.cert, "mono") : "—"],
    ]), u.cert ? certQr(u.cert) : null),
    card(t("rg.encumbrances"),
      h("h3", t("rg.mortgages")),
      table([t("sc.w.mortgage"), t("sc.w.bank"), t("sc.w.amount"), t("hs.contract"), t("common.height")],
        (u.mortgages || []).map((m) => [h("span.mono", m.id), names[m.bank] || m.bank, yuan(m.amount),
          m.contract ? contractLink(m.contract) : "—", m.height !== undefined ? `#${m.height}` : "—"]), { "data-testid": "unit-mortgages" }),
      h("h3", t("rg.seizures")),
      table([t("sc.w.seizure"), t("sc.w.court"), t("sc.w.case"), t("common.height")],
        (u.seizures || []).map((s) => [h("span.mono", s.id), names[s.court] || s.court, h("span.mono.small", s.case ? String(s.case).slice(0, 16) + "…" : "—"),
          s.height !== undefined ? `#${s.height}` : "—"]), { "data-testid": "unit-seizures" }),
      h("h3", t("rg.market")),
      kv([[t("rg.listing"), l ? h("span", sbadge(l.status), " ", names[l.developer] || l.developer) : "—"],
        [t("rg.filing"), u.filing ? contractLink(u.filing) : "—"]]))));
  view.append(card(`${t("rg.history")} (${hist.length})`, h("p.muted.small", t("rg.historynote")), unitTimeline(hist, names)));
}

// -- the bank -------------------------------------------------------------------------------------

export async function bankPage(view) {
  const org = session.member ? session.member.org : "";
  view.append(h("h1", t("nav.bank")), h("p.muted", t("bk.intro")), flashBox());
  const why = gate("banker");
  const redraw = () => { view.replaceChildren(); return bankPage(view); };
  const noKey = keyFirst();  // the registry's and housing's raw state: a member's signed read
  if (noKey) return view.append(noKey);
  const [ms, consents, names, ps] = await Promise.all([
    mortgages(), stateList(HOUSING, "consent/"), orgNames(), params(HOUSING),
  ]);
  const ltv = Number(ps.find((p) => p.name === "max_ltv_pct").value);
  const consented = new Set(consents.map((e) => e.key));
  const mine = ms.filter((m) => m.bank === org).sort((a, b) => b.height - a.height);

  // loan on a filed contract, within the LTV limit
  const cid = input("loan-contract", { placeholder: "WQ00000001" });
  const amount = input("loan-amount", { placeholder: "1050000.00" });
  const info = h("div.ltvinfo", { "data-testid": "loan-info" }, h("span.muted.small", `${t("param.max_ltv_pct")}: ${ltv}%`));
  cid.addEventListener("change", async () => {
    if (!cid.value.trim()) return;
    try {
      const c = await housingContract(cid.value.trim());
      const limit = Math.floor((c.price * ltv) / 100);
      const used = Object.values(c.loans || {}).reduce((n, x) => n + x.amount, 0);
      info.replaceChildren(kv([
        [t("common.status"), sbadge(c.status)], [t("hs.price"), yuan(c.price)],
        [t("param.max_ltv_pct"), h("b", { "data-testid": "ltv" }, `${ltv}%`)],
        [t("bk.limit"), h("b", { "data-testid": "loan-limit" }, yuan(limit))],
        [t("bk.used"), yuan(used)], [t("bk.left"), h("b", yuan(Math.max(0, limit - used)))],
      ]));
    } catch (err) { info.textContent = err.message; }
  });
  const loanForm = why || txForm("loan", [[t("hs.contract"), cid], [`${t("bk.amount")} (${t("sc.yuan")})`, amount]], t("bk.loan"), async () => {
    const { res } = await callContract(HOUSING, "register_loan", { contract_id: cid.value.trim(), amount: toFen(amount.value, t("bk.amount")) });
    return committed(res, t("bk.loanok"));
  }, redraw);

  const munit = input("mort-unit", { placeholder: "440703-001-0101" });
  const mamount = input("mort-amount", { placeholder: "1000000.00" });
  const mcontract = input("mort-contract", { placeholder: t("bk.optional") });
  const mortForm = why || txForm("mortgage", [[t("sc.unit"), munit], [`${t("bk.amount")} (${t("sc.yuan")})`, mamount], [t("hs.contract"), mcontract]],
    t("bk.mortgage"), async () => {
      const args = { unit_id: checkUnitId(munit.value.trim()), amount: toFen(mamount.value, t("bk.amount")) };
      if (mcontract.value.trim()) args.contract_id = mcontract.value.trim();
      const { res, value } = await callContract(REALESTATE, "register_mortgage", args);
      return committed(res, `${t("bk.mortgageok")} ${value}`);
    }, redraw);

  const cunit = input("consent-unit", { placeholder: "440703-001-0101" });
  const consentForm = why || txForm("consent", [[t("sc.unit"), cunit]], t("bk.consent"), async () => {
    const uid = checkUnitId(cunit.value.trim());
    const { res } = await callContract(HOUSING, "consent_listing", { unit_id: uid });
    return committed(res, `${t("bk.consentok")} ${uid}`);
  }, redraw);

  view.append(h("div.grid2",
    card(t("bk.loantitle"), h("p.muted.small", t("bk.loannote")), info, loanForm),
    card(t("bk.mortgagetitle"), h("p.muted.small", t("bk.mortgagenote")), mortForm)));
  view.append(card(`${t("bk.mine")} · ${names[org] || org || "—"}`, table(
    [t("sc.w.mortgage"), t("sc.unit"), t("sc.w.amount"), t("hs.contract"), t("common.status"), t("common.height"), ""],
    mine.map((m) => {
      const acts = [];
      if (!why && m.status === "active") {
        acts.push(txButton(`release-${m.id}`, t("bk.release"), async () => {
          const { res } = await callContract(REALESTATE, "release_mortgage", { mortgage_id: m.id });
          return committed(res, `${t("bk.released")} ${m.id}`);
        }, redraw, "ghost"));
        if (!consented.has(`consent/${m.unit}/${org}`)) {
          acts.push(txButton(`consent-${m.unit}`, t("bk.consent"), async () => {
            const { res } = await callContract(HOUSING, "consent_listing", { unit_id: m.unit });
            return committed(res, `${t("bk.consentok")} ${m.unit}`);
          }, redraw, "ghost"));
        } else acts.push(h("span.tag.okt", t("bk.consented")));
      }
      return [h("span.mono", m.id), unitLink(m.unit), yuan(m.amount), m.contract ? contractLink(m.contract) : "—",
        h("span", { "data-testid": `mortgage-status-${m.id}` }, sbadge(m.status)), `#${m.height}`, h("div.actions.tight", acts)];
    }), { "data-testid": "bank-mortgages" })),
  card(t("bk.consenttitle"), h("p.muted.small", t("bk.consentnote")), consentForm));
}

// -- the court ------------------------------------------------------------------------------------

export async function courtPage(view) {
  view.append(h("h1", t("nav.court")), h("p.muted", t("ct.intro")), flashBox());
  const why = gate("judge");
  const redraw = () => { view.replaceChildren(); return courtPage(view); };
  const noKey = keyFirst();  // the registry's seizures: its raw state, a member's signed read
  if (noKey) return view.append(noKey);
  const [list, names] = await Promise.all([seizures(), orgNames()]);
  const unit = input("seize-unit", { placeholder: "440703-001-0101" });
  const ref = input("seize-case", { placeholder: t("ct.caseph") });
  const seizeForm = why || txForm("seize", [[t("sc.unit"), unit], [t("ct.case"), ref]], t("ct.seize"), async () => {
    const uid = checkUnitId(unit.value.trim());
    if (!ref.value.trim()) throw new Error(t("ct.needcase"));
    const { res, value } = await callContract(REALESTATE, "seize", { unit_id: uid, case_hash: fromHex(await hashOf(ref.value.trim())) });
    return committed(res, `${t("ct.seized")} ${value}`);
  }, redraw);
  view.append(card(t("ct.seizetitle"), h("p.muted.small", t("ct.hashnote")), seizeForm));
  view.append(card(t("ct.list"), table(
    [t("sc.w.seizure"), t("sc.unit"), t("sc.w.court"), t("sc.w.case"), t("common.status"), t("common.height"), ""],
    list.sort((a, b) => b.height - a.height).map((s) => {
      let act = null;
      if (!why && s.status === "active") {
        const order = input(`lift-order-${s.id}`, { placeholder: t("ct.orderph"), class: "reason" });
        act = h("div.actions.tight", order, txButton(`lift-${s.id}`, t("ct.lift"), async () => {
          if (!order.value.trim()) throw new Error(t("ct.needorder"));
          const { res } = await callContract(REALESTATE, "lift_seizure", { seizure_id: s.id, order_hash: fromHex(await hashOf(order.value.trim())) });
          return committed(res, `${t("ct.lifted")} ${s.id}`);
        }, redraw, "ghost"));
      }
      return [h("span.mono", s.id), unitLink(s.unit), names[s.court] || s.court, h("span.mono.small", String(s.case).slice(0, 16) + "…"),
        h("span", { "data-testid": `seizure-status-${s.id}` }, sbadge(s.status)),
        h("span", `#${s.height}`, s.lifted ? h("div.small.muted", `${t("ct.liftedat")} #${s.lifted.height}`) : null), act];
    }), { "data-testid": "seizures" })));
}


// -- what this scenario contributes ----------------------------------------------------------------

registerParams(REALESTATE, "bdc");
registerCertificate({
  type: "RealEstateCertificate",
  title: "ecert.kind.realestate",
  idRe: /^BDC[-\w]{1,40}$/i,
  example: "BDC00000001",
  facts: (c) => [
    [t("sc.unit"), h("span.mono", c.unit)],
    c.unit ? [t("sc.district"), districtName(String(c.unit).slice(0, 6))] : null,
    [t("sc.w.owners"), h("span", (c.owners || []).map((o, i) => h("div", didTag(o.did || o), c.shares ? ` ${pct(c.shares[i])}` : "")))],
  ],
});

export const routes = {
  registry: [registryPage, "member"],
  bank: [bankPage, "member"],
  court: [courtPage, "member"],
};
export const nav = [["registry", "nav.registry", "member"], ["bank", "nav.bank", "member"], ["court", "nav.court", "member"]];
export const who = {
  registry: (m, r) => r.includes("registrar") || (m.org === "bdc" && r.includes("admin")),
  bank: (m, r) => r.includes("banker"),
  court: (m, r) => r.includes("judge"),
};
