// The scenario pages: each registered scenario's page module (wuyi/scenarios/<name>/console/
// page.js, listed by /console/scenarios/index.json) is imported at start and contributes its
// routes, its navigation entries, who sees them, and what it adds to the shared pages (the
// e-certificate check, the citizen's page: scenarios-kit.js). Members see the pages of their
// roles in the navigation (every page stays readable to every member by its address; the chain
// decides what they may do); the public sees the e-certificate check and the public pages the
// scenarios mark "public".
//
// A page module exports `routes` ({route: [render, access]}), `nav` ([[route, label key,
// access]]: in the scenarios' group for members, or the public group when access is "public")
// and `who` ({route: (member, roles) => bool}).

import { get, session } from "./api.js";
import { getLang } from "./i18n.js";
import { citizenPage } from "./scenarios-citizen.js";
import { ecertPage } from "./scenarios-check.js";

export const SCENARIO_ROUTES = {
  citizen: [citizenPage, "public"],
  ecert: [ecertPage, "public"],
};
export const SCENARIO_NAV = ["nav.scenarios", []];
export const PUBLIC_SCENARIO_NAV = [["ecert", "nav.ecert", "public"]];
const WHO = {};
export const loaded = [];

/** Import every registered scenario's page module (a module that fails to load is reported
 *  in the console and left out; the others still load). */
export async function loadScenarios() {
  let list = [];
  try { list = await get("/console/scenarios/index.json"); } catch (err) { console.error("scenarios:", err); }
  const mods = await Promise.all(list.map(async (s) => {
    try { return [s, await import(s.module)]; } catch (err) { console.error(`scenario ${s.name}:`, err); return null; }
  }));
  for (const got of mods.filter(Boolean)) {
    const [s, mod] = got;
    loaded.push(s);
    Object.assign(SCENARIO_ROUTES, mod.routes || {});
    Object.assign(WHO, mod.who || {});
    for (const item of mod.nav || []) (item[2] === "public" ? PUBLIC_SCENARIO_NAV : SCENARIO_NAV[1]).push(item);
  }
  if (Object.keys(SCENARIO_ROUTES).length > 2) PUBLIC_SCENARIO_NAV.push(["citizen", "nav.citizen", "public"]);
  return loaded;
}

/** Whether the navigation shows page `name` to the signed-in member (the operator sees all). */
export function inNav(name) {
  const who = WHO[name];
  if (!who) return true;
  const m = session.member;
  if (!m) return false;
  return m.operator || who(m, m.roles || []);
}

/** A scenario's title in the current language. */
export const scenarioTitle = (s) => (getLang() === "en" ? s.title_en : s.title);
