// The scenario pages (issue 7): routes and navigation entries for app.js. Members see the pages
// of their roles in the navigation (every page stays readable to every member by its address;
// the chain decides what they may do); the public sees the e-certificate check, the settlement
// status and the citizen's housing and settlement page (with the wallet file).

import { session } from "./api.js";
import { citizenPage, settlementPage } from "./scenarios-citizen.js";
import { ecertPage } from "./scenarios-check.js";
import { developerPage, housingPage } from "./scenarios-housing.js";
import { bankPage, courtPage, registryPage } from "./scenarios-registry.js";

export const SCENARIO_ROUTES = {
  housing: [housingPage, "member"],
  registry: [registryPage, "member"],
  bank: [bankPage, "member"],
  court: [courtPage, "member"],
  developer: [developerPage, "member"],
  citizen: [citizenPage, "public"],
  settlement: [settlementPage, "public"],
  ecert: [ecertPage, "public"],
};

export const SCENARIO_NAV = ["nav.scenarios", [
  ["housing", "nav.housing", "member"], ["registry", "nav.registry", "member"], ["bank", "nav.bank", "member"],
  ["court", "nav.court", "member"], ["developer", "nav.developer", "member"],
]];

export const PUBLIC_SCENARIO_NAV = [
  ["ecert", "nav.ecert", "public"], ["settlement", "nav.settlement", "public"], ["citizen", "nav.citizen", "public"],
];

const WHO = {
  housing: (m, r) => m.org === "zjj" || r.includes("filing"),
  registry: (m, r) => r.includes("registrar") || (m.org === "bdc" && r.includes("admin")),
  bank: (m, r) => r.includes("banker"),
  court: (m, r) => r.includes("judge"),
  developer: (m, r) => r.includes("developer"),
};

/** Whether the navigation shows page `name` to the signed-in member (the operator sees all). */
export function inNav(name) {
  const who = WHO[name];
  if (!who) return true;
  const m = session.member;
  if (!m) return false;
  return m.operator || who(m, m.roles || []);
}
