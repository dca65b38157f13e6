// Identity and data-sharing pages for members: credential types and their issuers, identity
// providers; the data-sharing catalogue and requests (an owner's admin approves or rejects them
// with a transaction signed here); the audit trail of a dataset or a requesting organisation,
// drawn as a vertical timeline. Everything shown is read from the chain (/v1/vc/*, /v1/idps,
// /v1/data/*); the chain holds no personal data and no plaintext of shared data.

import { get, session } from "./api.js";
import { t, ts } from "./i18n.js";
import { fromHex } from "./cbor.js";
import { go, keyDialog, sendTx } from "./app.js";
import { badge, card, fmtTime, h, kv, link, short, table, bi } from "./ui.js";

// -- shared helpers (also used by wallet.js) ---------------------------------------------------

let orgCache = null;

/** {org id: name} of every organisation (cached for the page's life). */
export async function orgNames() {
  if (!orgCache) {
    orgCache = get("/v1/orgs").then((d) => Object.fromEntries((d.orgs || []).map((o) => [o.id, o.name])))
      .catch((e) => { orgCache = null; throw e; });
  }
  return orgCache;
}

/** An organisation as "name (id)" with the id in a muted tag. */
export function orgLabel(names, id) {
  if (!id) return "—";
  return h("span.orgname.data", { title: id }, bi(names[id] || id), h("span.tag.idtag", id));
}

/** A claim name in the current language (the raw name if unknown). */
export function claimLabel(name) {
  const l = t(`claim.${name}`);
  return l === `claim.${name}` ? name : l;
}

export function tags(items, fn = (x) => x) {
  return h("span.tags", (items || []).map((x) => h("span.tag", { title: x }, fn(x))));
}

// -- credential types -------------------------------------------------------------------------

export async function credTypesPage(view) {
  view.append(h("h1", t("vctypes.title")));
  const [types, idps, names] = await Promise.all([get("/v1/vc/types?limit=200"), get("/v1/idps"), orgNames()]);
  view.append(card(null, table(
    [t("vctypes.type"), t("vctypes.desc"), t("vctypes.claims"), t("vctypes.issuers"), t("vctypes.updated")],
    (types.types || []).map((x) => [
      h("b.mono", { "data-testid": `vctype-${x.type}` }, x.type), x.description ? bi(x.description) : "—", tags(x.claims, claimLabel),
      h("span", (x.issuers || []).map((o) => h("div", orgLabel(names, o)))),
      link(`#/explorer/block/${x.updated_height}`, `#${x.updated_height}`),
    ]), { "data-testid": "vctypes" })),
  card(t("vctypes.idps"), table([t("common.org"), t("common.status"), t("vctypes.level")],
    (idps.providers || []).map((p) => [orgLabel(names, p.org),
      h(`span.badge.${p.enabled ? "b-active" : "b-suspended"}`, p.enabled ? t("vctypes.enabled") : t("vctypes.disabled")),
      String(p.max_level)]), { "data-testid": "idps" })));
}

// -- data sharing: catalogue and requests -------------------------------------------------------

let dataFlash = null; // {ok, text}: the outcome of the last decision, shown after the redraw

function canDecide(req) {
  const m = session.member;
  return !!m && m.org === req.owner && (m.roles.includes("admin") || m.roles.includes("data"));
}

function decisionCell(req, redraw) {
  if (req.status !== "pending") return null;
  if (!canDecide(req)) return h("span.muted.small", t("data.ownonly"));
  if (!session.key) return h("button.link", { onclick: () => keyDialog() }, t("gov.needkey"));
  const msg = h("div.msg", { "data-testid": `req-msg-${req.id}`, "aria-live": "polite" });
  const reason = h("input.reason", { type: "text", placeholder: t("data.reason"), maxlength: 200, "data-testid": `reason-${req.id}` });
  const act = async (kind, payload, btn, done) => {
    btn.disabled = true;
    msg.className = "msg";
    msg.textContent = "…";
    try {
      const res = await sendTx(kind, payload);
      dataFlash = { ok: true, text: `${done} · ${req.dataset} · ${req.requester_org} · #${res.height} · ${short(res.tx_hash, 8)}` };
      await redraw();
    } catch (err) {
      msg.className = "msg err";
      msg.textContent = err.message;
      btn.disabled = false;
    }
  };
  const ok = h("button.primary", { "data-testid": `approve-req-${req.id}`, title: `${t("data.approvedUntil")} ${fmtTime(req.until)}` }, t("data.approve"));
  ok.addEventListener("click", () => act("data.approve", { request: fromHex(req.id), until: req.until }, ok, t("data.approved")));
  const no = h("button.ghost", { "data-testid": `reject-req-${req.id}` }, t("data.reject"));
  no.addEventListener("click", () => {
    const why = reason.value.trim();
    if (!why) { msg.className = "msg err"; msg.textContent = t("data.needreason"); reason.focus(); return; }
    act("data.reject", { request: fromHex(req.id), reason: why }, no, t("data.rejected"));
  });
  return h("div.decide", h("div.actions", ok, reason, no), msg);
}

export async function dataPage(view, args, query) {
  const status = query.get("status") || "";
  view.append(h("h1", t("data.title")), h("div.alert.info", t("data.note")));
  const cat = h("div", { "data-testid": "datasets" });
  const reqBox = h("div", { "data-testid": "requests" });
  const filters = h("div.filters", ["", "pending", "approved", "rejected", "revoked"].map((s) =>
    h(`a.chip${s === status ? ".on" : ""}`, { href: `#/data${s ? "?status=" + s : ""}` }, s ? ts(s) : t("gov.filter.all"))));
  view.append(card(t("data.catalogue"), cat), card(t("data.requests"), filters, reqBox));
  const draw = async () => {
    const [ds, rq, names] = await Promise.all([
      get("/v1/data/datasets?limit=200"),
      get(`/v1/data/requests?limit=200${status ? "&status=" + status : ""}`),
      orgNames(),
    ]);
    cat.replaceChildren(table(
      [t("data.dataset"), t("data.owner"), t("data.fields"), t("common.status"), t("data.offered"), ""],
      (ds.datasets || []).map((d) => [
        h("div", { "data-testid": `dataset-${d.id}` }, h("b", bi(d.title)), h("div.mono.small.muted", d.id), d.description ? h("div.small.muted", bi(d.description)) : null),
        orgLabel(names, d.owner), tags(d.fields), badge(d.status), fmtTime(d.time),
        link(`#/audit/dataset/${encodeURIComponent(d.id)}`, t("data.audit"), "nowrap"),
      ])));
    const flash = dataFlash;
    dataFlash = null;
    const rows = (rq.requests || []).slice().sort((a, b) => b.height - a.height);
    reqBox.replaceChildren(...[
      flash ? h(`div.msg.${flash.ok ? "ok" : "err"}.flash`, { "data-testid": "data-flash" }, flash.text) : null,
      table([t("data.dataset"), t("data.requester"), t("wallet.purpose"), t("data.fields"), t("data.until"), t("common.status"), t("data.deliveries"), ""],
        rows.map((r) => [
          link(`#/audit/dataset/${encodeURIComponent(r.dataset)}`, r.dataset, "mono"),
          h("div", link(`#/audit/org/${encodeURIComponent(r.requester_org)}`, names[r.requester_org] || r.requester_org), h("div.mono.small.muted", short(r.requester, 6))),
          h("span.data", bi(r.purpose)), tags(r.fields), fmtTime(r.until),
          h("div", h("span", { "data-testid": `req-status-${r.id}` }, badge(r.status)),
            r.approved_until ? h("div.small.muted", `${t("data.approvedUntil")} ${fmtTime(r.approved_until)}`) : null,
            (r.log || []).filter((x) => x.reason).map((x) => h("div.small.muted", `${ts(x.action)}: ${x.reason}`))),
          `${(r.deliveries || []).length} / ${r.accesses ?? 0}`,
          decisionCell(r, draw),
        ])),
    ].filter(Boolean));
  };
  await draw();
}

// -- audit: a timeline per dataset or per requesting organisation ---------------------------------

const ACTION_ORDER = ["offered", "requested", "approved", "rejected", "revoked", "withdrawn", "delivered", "accessed"];

function eventDetails(e, names, page) {
  const who = e.by ? h("span", names[e.org] || e.org || "", " ", link(`#/explorer/account/${e.by}`, short(e.by, 6), "mono")) : orgLabel(names, e.org);
  const rows = [[t("audit.by"), who]];
  if (e.title) rows.push([t("data.dataset"), bi(e.title)]);
  if (e.dataset && !e.title && e.dataset !== page) rows.push([t("data.dataset"), link(`#/audit/dataset/${encodeURIComponent(e.dataset)}`, e.dataset)]);
  if (e.request && e.action !== "accessed") rows.push([t("audit.request"), h("span.mono", e.request)]);
  if (e.purpose) rows.push([t("wallet.purpose"), h("span.data", bi(e.purpose))]);  // the requester's own words
  if (e.fields) rows.push([t("data.fields"), tags(e.fields)]);
  if (e.until) rows.push([e.action === "approved" ? t("data.approvedUntil") : t("data.until"), fmtTime(e.until)]);
  if (e.reason) rows.push([t("data.reason"), e.reason]);
  if (e.ciphertext_hash) rows.push([t("audit.ciphertext"), h("span.mono", { "data-testid": "audit-ciphertext" }, e.ciphertext_hash)]);
  if (e.commitment) rows.push([t("audit.commitment"), h("span.mono", e.commitment)]);
  if (e.size !== undefined) rows.push([t("audit.size"), String(e.size)]);
  if (e.location) rows.push([t("audit.location"), h("span.mono", e.location)]);
  if (e.tx_hash) rows.push([t("explorer.tx"), link(`#/explorer/tx/${e.tx_hash}`, short(e.tx_hash, 10), "mono")]);
  return kv(rows);
}

/** The audit events as a vertical timeline (one dot per event, oldest first). */
export function timeline(events, names, page) {
  const sorted = events.slice().sort((a, b) => (a.height - b.height) || (a.time - b.time)
    || (ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action)));
  if (!sorted.length) return h("p.muted", t("common.none"));
  return h("ol.tl", { "data-testid": "audit-timeline" }, sorted.map((e) => {
    const label = t(`audit.${e.action}`);
    return h(`li.tl-item.tl-${String(e.action).replace(/[^\w-]/g, "")}`, { "data-action": e.action },
      h("span.tl-dot"),
      h("div.tl-body",
        h("div.tl-head", h("b.tl-action", label === `audit.${e.action}` ? e.action : label),
          h("span.tl-org", names[e.org] || e.org || ""),
          h("span.muted.small", fmtTime(e.time)), link(`#/explorer/block/${e.height}`, `#${e.height}`, "small")),
        eventDetails(e, names, page)));
  }));
}

export async function auditPage(view, args) {
  const [what, ref] = args;
  view.append(h("h1", t("audit.title")));
  const [ds, names, rq] = await Promise.all([get("/v1/data/datasets?limit=200"), orgNames(), get("/v1/data/requests?limit=200")]);
  const requesters = [...new Set((rq.requests || []).map((r) => r.requester_org))].sort();
  const pick = (kind, items, label, sel) => {
    const s = h("select", { "data-testid": `audit-pick-${kind}` },
      h("option", { value: "" }, "—"),
      items.map(([v, text]) => h("option", { value: v, selected: sel === v }, text)));
    s.addEventListener("change", () => { if (s.value) go(`#/audit/${kind}/${encodeURIComponent(s.value)}`); });
    return h("label.pick", label, s);
  };
  view.append(card(null, h("div.picks",
    pick("dataset", (ds.datasets || []).map((d) => [d.id, `${bi(d.title)} (${d.id})`]), t("audit.bydataset"), what === "dataset" ? ref : null),
    pick("org", requesters.map((o) => [o, `${names[o] || o} (${o})`]), t("audit.byorg"), what === "org" ? ref : null))));
  if (!ref || (what !== "dataset" && what !== "org")) {
    view.append(h("p.muted", t("audit.pick")));
    return;
  }
  const a = what === "dataset"
    ? await get(`/v1/data/datasets/${encodeURIComponent(ref)}/audit`)
    : await get(`/v1/data/audit/${encodeURIComponent(ref)}`);
  const s = a.summary || {};
  const title = what === "dataset" ? h("span", bi(a.dataset.title), " · ", h("code", a.dataset.id)) : h("span", bi(names[ref] || ref), " · ", h("code", ref));
  const stat = (n, l) => h("div.stat", h("div.stat-v", String(n ?? 0)), h("div.stat-l", l));
  view.append(card(title,
    what === "dataset" ? kv([[t("data.owner"), orgLabel(names, a.dataset.owner)], [t("data.fields"), tags(a.dataset.fields)],
      [t("common.status"), badge(a.dataset.status)]]) : null,
    h("div.stats.stats4", { "data-testid": "audit-summary" },
      stat(s.requests, t("audit.reqs")), stat(s.approved ?? (a.requests || []).filter((r) => r.status === "approved").length, ts("approved")),
      stat(s.deliveries, t("audit.dlvs")), stat(s.accesses, t("audit.accs")))),
  card(t("audit.trail"), timeline(a.events || [], names, what === "dataset" ? ref : null)));
}
