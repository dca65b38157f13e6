// 免证办 (certificate-free services): the e-licences on chain — each credential type the
// departments are authorised to issue, and the identity providers that attest real-name and
// face checks — and a service's log of the presentations it checked ("亮证"), accepted or
// refused, with the claim names disclosed (never their values) and the purpose consented to.
// This scenario's page, loaded by the console shell from the registry
// (wuyi/scenarios/elicence/console/). Its chain logic is the platform's native credential
// transactions: the holder's wallet page (#/wallet) shows each use of their licences.

import { session } from "/console/static/js/api.js";
import { t } from "/console/static/js/i18n.js";
import { go } from "/console/static/js/app.js";
import { claimLabel, tags } from "/console/static/js/data.js";
import { bi, card } from "/console/static/js/ui.js";
import { apiList, blockLink, didTag, getPlain, h, input, orgLabel, orgNames, sbadge, table, txLink } from "/console/static/js/scenarios-kit.js";
import "./i18n.js";

const enc = encodeURIComponent;

export async function elicencePage(view, args, query) {
  const org = query.get("org") || (session.member ? session.member.org : "");
  view.append(h("h1", t("nav.elicence")), h("p.muted", t("el.intro")));
  const [cat, names] = await Promise.all([getPlain("/v1/elicence/catalogue"), orgNames()]);
  view.append(card(t("el.catalogue"), table([t("el.type"), t("el.issuers"), t("el.claims")],
    cat.licences.map((x) => [h("div", h("b", t(`vct.${x.type}`) === `vct.${x.type}` ? bi(x.description) : t(`vct.${x.type}`)),
      h("div.mono.small.muted", x.type)), h("span", (x.issuers || []).map((o) => orgLabel(names, o))), tags(x.claims, claimLabel)]),
    { "data-testid": "el-catalogue" }),
  h("p.small.muted", t("el.providers"), " ", cat.providers.length ? cat.providers.map((p) =>
    h("span", orgLabel(names, p.org), ` (${t("el.level")} ≤ ${p.max_level}${p.enabled ? "" : ", " + t("el.disabled")}) `)) : "—")));
  const q = input("el-org", { value: org, placeholder: "rsj" });
  const form = h("form.searchform", q, h("button.primary", { type: "submit", "data-testid": "el-org-go" }, t("explorer.go")));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); go(`#/elicence?org=${enc(q.value.trim())}`); });
  const checks = org ? await apiList(`/v1/elicence/services/${enc(org)}/checks?limit=200`, 500) : [];
  view.append(card(h("span", t("el.checks"), org ? h("span", " · ", orgLabel(names, org)) : null), h("p.muted.small", t("el.checksnote")), form,
    org ? table([t("common.height"), t("el.result"), t("el.holder"), t("el.shown"), t("el.purpose"), t("el.tx")],
      checks.map((c) => [blockLink(c.height), h("span", { "data-result": c.result }, sbadge(c.result), c.reason ? h("span.small.muted", ` ${c.reason}`) : null),
        c.holder ? didTag(c.holder) : "—", tags(c.disclosed || [], claimLabel), bi(c.purpose || "—"), txLink(c.tx_hash)]),
      { "data-testid": "el-checks" }) : null));
}

export const routes = { elicence: [elicencePage, "member"] };
export const nav = [["elicence", "nav.elicence", "member"]];
export const who = {};
