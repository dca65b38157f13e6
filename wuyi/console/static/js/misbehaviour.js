// Validators' misbehaviour: the equivocation evidence recorded on chain (GET /v1/consensus/evidence),
// the alert on the overview, and the page listing offenders, records and their proof bundles.

import { get } from "./api.js";
import { addLabels, t } from "./i18n.js";
import { badge, card, fmtTime, h, link, short, table } from "./ui.js";

addLabels({
  "nav.evidence": ["违规证据", "Misbehaviour"],
  "ev.title": ["验证节点违规证据", "Validator misbehaviour"],
  "ev.intro": [
    "验证节点在同一高度、同一轮次对同一阶段签署两份互相矛盾的消息（双签）时，看到它的验证节点会把两份签名作为证据提交上链。每条证据都可离线核验；链上会为违规节点自动发起移除提案，由各机构表决。",
    "When a validator signs two conflicting messages for one step at one height and round (a double sign), the validators that see it put both signatures on chain as evidence. Each record verifies offline; the chain opens a proposal to remove the validator, which the organisations vote on.",
  ],
  "ev.offenders": ["违规验证节点", "Offending validators"],
  "ev.records": ["证据记录", "Evidence records"],
  "ev.validator": ["验证节点", "Validator"],
  "ev.count": ["证据数", "Records"],
  "ev.heights": ["违规高度", "Heights"],
  "ev.proposal": ["治理提案", "Proposal"],
  "ev.offence": ["违规", "Offence"],
  "ev.recorded": ["上链区块", "Recorded in"],
  "ev.submitter": ["提交方", "Submitted by"],
  "ev.bundle": ["证明包", "Proof bundle"],
  "ev.download": ["下载", "download"],
  "ev.alert": ["验证节点双签", "Validator double-signed"],
  "ev.alert.records": ["条证据已上链", "evidence records on chain"],
  "ev.alert.vote": ["移除提案待表决", "removal proposal open for votes"],
  "ev.none": ["没有违规记录：所有验证节点都未双签。", "No misbehaviour recorded: no validator has double-signed."],
  "ev.step.prevote": ["预投票", "prevote"],
  "ev.step.commit": ["预提交", "precommit"],
  "ev.step.proposal": ["提议", "proposal"],
  "ev.round": ["轮", "round"],
  "ev.verifyhint": ["下载的证明包无需节点即可离线核验：", "A downloaded bundle verifies offline, with no node:"],
});

const stepName = (s) => t(`ev.step.${s}`);
const who = (o) => o.name || o.offender_name || short(o.public_key || o.offender, 8);

/** The evidence listing, or null if this node cannot say (an older node). */
export async function loadEvidence(limit = 100) {
  try {
    return await get(`/v1/consensus/evidence?limit=${limit}`);
  } catch {
    return null;
  }
}

/** The red banner of the overview while an offender's removal proposal is open (or always,
 *  listing every offender, when there is evidence but no open proposal). */
export function evidenceAlert(doc) {
  const offenders = (doc && doc.offenders) || [];
  if (!offenders.length) return null;
  return h("div.alert.err", { "data-testid": "evidence-alert", role: "alert" },
    offenders.map((o) => h("div",
      h("b", `⚠ ${t("ev.alert")}: ${who(o)}`), ` · ${o.count} ${t("ev.alert.records")}`,
      o.proposal && o.proposal_status === "open" ? [" · ", link(`#/gov?status=open`, `#${o.proposal} ${t("ev.alert.vote")}`)] : null,
      " · ", link("#/evidence", t("common.details")))));
}

export async function evidencePage(view) {
  view.append(h("h1", t("ev.title")), h("p.muted", t("ev.intro")));
  const doc = await loadEvidence(500);
  if (!doc) throw new Error("GET /v1/consensus/evidence");
  const offenders = doc.offenders || [];
  const records = doc.evidence || [];
  if (!offenders.length) {
    view.append(card(null, h("p", { "data-testid": "evidence-none" }, t("ev.none"))));
    return;
  }
  view.append(
    evidenceAlert(doc),
    card(t("ev.offenders"), table(
      [t("ev.validator"), t("ev.count"), t("ev.heights"), t("ev.proposal")],
      offenders.map((o) => [
        h("span", h("b", who(o)), " ", h("span.mono.muted", short(o.public_key, 8))),
        String(o.count),
        o.first_height === o.last_height ? String(o.first_height) : `${o.first_height}–${o.last_height}`,
        o.proposal ? h("span", link("#/gov?status=", `#${o.proposal}`), " ", badge(o.proposal_status)) : "—",
      ]), { "data-testid": "offenders" })),
    card(t("ev.records"), table(
      [t("ev.offence"), t("ev.validator"), t("ev.recorded"), t("ev.submitter"), t("ev.bundle")],
      records.map((r) => [
        `${stepName(r.step)} · ${t("common.height")} ${r.height} · ${t("ev.round")} ${r.round}`,
        who(r),
        h("span", link(`#/explorer/block/${r.recorded_height}`, `#${r.recorded_height}`), " ", h("span.muted", fmtTime(r.time))),
        h("span.mono", short(r.submitter, 8)),
        h("a", { href: `/v1/consensus/evidence/${r.id}/bundle`, download: `evidence-${r.id.slice(0, 12)}.json`, "data-testid": `bundle-${r.id.slice(0, 12)}` }, t("ev.download")),
      ]), { "data-testid": "evidence-records" })),
    h("p.muted", t("ev.verifyhint"), " ", h("span.mono", "wuyi verify evidence-….json")));
}
