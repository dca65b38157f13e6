// 住建局 网签备案台 (the housing bureau's filing desk) and the developer's page (开发商).
//
// The desk: filings by status (counts and a bar chart), the contracts with filters, one
// contract's whole trace (draft → eligibility → signatures → filing → loans, tax → transfer),
// filing a signed contract (网签备案, members of zjj with the role `filing`), approving a
// cancellation, and the housing parameters with their history; zjj admins change one (in force
// from the next block). The developer (role `developer`): list a unit, draft a contract for
// buyers' DIDs, sign as the seller. Every write is a `contract.call` signed in this page.

import { session } from "./api.js";
import { t, ts } from "./i18n.js";
import { chart } from "./charts.js";
import { go } from "./app.js";
import { card } from "./ui.js";
import {
  DID_RE, HOUSING, flashBox, STATUSES, callContract, checkUnitId, committed, contractKv, contractLink, contractSteps,
  contractTimeline, didTag, districtName, gate, h, hasRole, housingContract, housingContracts, housingDashboard,
  inOrg, input, link, listings, orgNames, paramsCard, query, sbadge, select, table, toFen, txButton, txForm,
  unitLink, yuan,
} from "./scenarios-data.js";

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
  const [dash, list, names] = await Promise.all([housingDashboard(), housingContracts({ status, unit }), orgNames()]);
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
  view.append(h("h1", link("#/housing", "‹ "), `${t("hs.contract")} ${c.id}`), flashBox());
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
