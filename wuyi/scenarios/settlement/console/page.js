// 人才引进落户: an applicant's status (落户进度, public) and the applicant's card on the citizen's
// page (the graduate or the points route: the page reads the contract's request, grants the
// consent if there is none, builds the presentation of exactly the claims the rules need with
// the wallet's DID key and sends it to `settlement`, which decides in the block). This
// scenario's pages, loaded by the console shell from the registry
// (wuyi/scenarios/settlement/console/). It registers the 人才准予迁入 certificate for the public
// e-certificate check.

import { getLang, t } from "/console/static/js/i18n.js";
import { chart } from "/console/static/js/charts.js";
import { go } from "/console/static/js/app.js";
import { claimLabel, tags } from "/console/static/js/data.js";
import { card } from "/console/static/js/ui.js";
import { credOf, presentFor } from "/console/static/js/scenarios-citizen.js";
import { DID_RE, callContract, certQr, committed, didTag, fmtTime, getPlain, h, input, kv, link, paramsCard, registerCertificate, registerCitizenCard, registerParams, say, table, txForm } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const SETTLEMENT = "settlement";
const enc = encodeURIComponent;

// -- reads ------------------------------------------------------------------------------------------

export async function settlementStatus(did) {
  return getPlain(`/v1/settlement/status/${enc(did)}`);
}

// The credentials each settlement route asks for (the contract's GRADUATE_*/POINTS_*/ITEM_*).
export const SETTLEMENT_ROUTES = {
  graduate: {
    method: "apply_graduate",
    types: ["DegreeCredential", "IdentityCredential", "EmploymentCredential", "SocialSecurityCredential"],
    claims: ["degree_level", "age", "employed_in_city", "ss_months"],
  },
  points: {
    method: "apply_points",
    types: ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential"],
    claims: ["degree_level", "age", "ss_months"],
  },
};
export const POINT_ITEMS = { home: ["PropertyCredential", "homes_in_city"], awards: ["AwardCredential", "awards"] };

/** What an applicant presents for `route` (with optional point `extra` items):
 *  {verifier, nonce, types, claims, method}. */
export async function settlementRequest(route, did, extra = []) {
  const q = `route=${route}&did=${enc(did)}${extra.length ? "&items=" + extra.join(",") : ""}`;
  return getPlain(`/v1/settlement/request?${q}`);
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
    const p = await presentFor(w, req, t("cz.purpose.settlement"));  // a private side-car
    const args = route.value === "points" ? { text: p.ref, items: extra() } : { text: p.ref };
    const { res, value } = await callContract(SETTLEMENT, req.method, args, w.key, [p.bytes]);
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

// -- what this scenario contributes ----------------------------------------------------------------

registerParams(SETTLEMENT, "rsj");
registerCitizenCard({
  render: (w) => settlementCard(w),
  link: (w) => `#/settlement/${enc(w.did)}`,
  linkLabel: "cz.tostatus",
});
registerCertificate({
  type: "TalentSettlementCertificate",
  title: "ecert.kind.settlement",
  idRe: /^JMRC-[\w-]{1,40}$/i,
  example: "JMRC-00001",
  facts: (c) => [
    [t("ecert.holder"), didTag(c.holder)],
    c.route ? [t("st.route"), t(`st.route.${c.route}`)] : null,
  ],
});

export const routes = { settlement: [settlementPage, "public"] };
export const nav = [["settlement", "nav.settlement", "public"]];
export const who = {};
