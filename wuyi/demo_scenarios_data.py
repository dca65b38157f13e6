"""What the scenario demos share (each scenario's own people, units and steps are in its
``wuyi/scenarios/<name>/demo.py``): the departments' credential types, the builders of the
citizens' credentials, :class:`DemoCitizen`, :class:`DemoPerson` and :class:`DemoUnit`.
Fictional people: the personal values stay in their wallets. Nothing here talks to a node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BASE_MEMBERS",
    "BASE_TYPES",
    "CONSENT_MINUTES",
    "CREDENTIAL_DAYS",
    "DemoCitizen",
    "DemoPerson",
    "DemoUnit",
    "DidOf",
    "degree",
    "employment",
    "family",
    "household",
    "identity",
    "social_security",
]

#: (type, issuers, claim names, description): the departments' credential types, set by
#: governance (``vc.set_type``) when a scenario demo is loaded.
BASE_TYPES = (
    (
        "FamilyCredential",
        ["mzj"],
        ["family_dids", "spouse_name", "marriage_date", "family_register_no"],
        "家庭成员电子凭证（配偶、未成年子女）/ family members",
    ),
    (
        "HouseholdCredential",
        ["gaj"],
        ["local_hukou", "name", "id_number", "hukou_address"],
        "户籍电子凭证 / household registration",
    ),
    (
        "SocialSecurityCredential",
        ["rsj"],
        ["ss_months", "ss_months_60", "ss_card_no", "insured_employer"],
        "社保缴费电子凭证 / social-security contributions",
    ),
    (
        "DegreeCredential",
        ["jyj"],
        ["degree_level", "degree", "major", "school", "name", "certificate_no"],
        "学历学位电子凭证 / degree",
    ),
    (
        "EmploymentCredential",
        ["rsj"],
        ["employed_in_city", "employer", "since"],
        "就业登记电子凭证 / employment in the city",
    ),
    ("PropertyCredential", ["bdc"], ["homes_in_city"], "房产套数证明 / homes held in the city"),
    ("AwardCredential", ["rsj"], ["awards", "award_names"], "获奖与荣誉 / recognised awards"),
)
#: (org, role): the issuers of the departments' credentials, and the operator's auditor (who
#: reads the nodes' access logs and may read any personal record, each read logged)
#: (``<org>-<role>.key``).
BASE_MEMBERS = (
    ("gaj", "issuer"),
    ("mzj", "issuer"),
    ("jyj", "issuer"),
    ("rsj", "issuer"),
    ("sjj", "auditor"),
)
CONSENT_MINUTES = 30 * 24 * 60
CREDENTIAL_DAYS = 365


@dataclass(frozen=True)
class DidOf:
    """A claim whose value is the DID of another demo wallet (e.g. a sole proprietorship's
    operator), filled in when the credential is issued."""

    name: str


@dataclass(frozen=True)
class DemoCitizen:
    name: str  # the wallet file's name
    role: str
    #: (type, claims) issued to the wallet; ``family_dids`` names other citizens (their DIDs
    #: are filled in when the credential is issued)
    credentials: tuple[tuple[str, dict[str, Any]], ...] = ()
    #: a natural person's wallet (False: an organisation's — an enterprise, a merchant, a
    #: foundation, a village collective): a contract that stores a person's DID declares
    #: ``Scenario.personal_state`` (``tests/unit/test_demo.py`` scans the demo's state)
    person: bool = True


@dataclass(frozen=True)
class DemoPerson:
    """A person of a demo (a consumer, a caller): the wallet's name; their name and phone stay
    in the docs folder's files (an organisation's own records), never on chain."""

    wallet: str
    name: str
    phone: str


@dataclass(frozen=True)
class DemoUnit:
    stage: str  # what the demo shows with it
    id: str
    office: str  # the registration office of its district
    location: str
    area: int  # 0.01 m²
    buyers: tuple[str, ...] = ()
    price: int = 0  # fen
    loan: tuple[str, int] | None = None  # (bank, fen)


# -- the citizens' credentials ---------------------------------------------------------------------


def household(local: bool, name: str, id_number: str, address: str) -> tuple[str, dict[str, Any]]:
    claims = {"local_hukou": local, "name": name, "id_number": id_number, "hukou_address": address}
    return ("HouseholdCredential", claims)


def family(register_no: str, members: list[str], **extra: str) -> tuple[str, dict[str, Any]]:
    return (
        "FamilyCredential",
        {"family_dids": members, "family_register_no": register_no, **extra},
    )


def social_security(months: int, card: str, employer: str) -> tuple[str, dict[str, Any]]:
    claims = {
        "ss_months": months,
        "ss_months_60": min(months, 60),
        "ss_card_no": card,
        "insured_employer": employer,
    }
    return ("SocialSecurityCredential", claims)


def identity(name: str, id_number: str, birth: str, address: str, age: int) -> Any:
    claims = {
        "name": name,
        "id_number": id_number,
        "birth_date": birth,
        "address": address,
        "age_over_18": True,
        "age": age,
    }
    return ("IdentityCredential", claims)


def degree(level: int, degree: str, major: str, school: str, name: str, no: str) -> Any:
    claims = {
        "degree_level": level,
        "degree": degree,
        "major": major,
        "school": school,
        "name": name,
        "certificate_no": no,
    }
    return ("DegreeCredential", claims)


def employment(employer: str, since: str) -> Any:
    return (
        "EmploymentCredential",
        {"employed_in_city": True, "employer": employer, "since": since},
    )
