"""The demo's scenario data (``wuyi.demo_scenarios`` loads it): contracts, members, credential
types, citizens with the claims of their credentials (fictional people: the personal values
stay in their wallets), units and the policy change. Nothing here talks to a node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AREA_CORRECTED",
    "CITIZENS",
    "CONSENT_MINUTES",
    "CONTRACTS",
    "CORRECTION_REASON",
    "CREDENTIAL_DAYS",
    "DEVELOPER",
    "GRADUATE",
    "INIT_ARGS",
    "ISSUER",
    "MEMBERS",
    "PARAM_CHANGE",
    "POINTS_HOME",
    "RULE_CLAIMS",
    "SCENARIO_PERSONAL",
    "SCENARIO_TYPES",
    "SEIZURE_CASE",
    "SELLER",
    "STAGES",
    "UNITS",
    "DemoCitizen",
    "DemoUnit",
]

CONTRACTS = (
    ("realestate", "不动产登记 / real-estate registration"),
    ("housing", "住房网签备案 / housing contracts and filing"),
    ("settlement", "人才引进落户 / talent settlement"),
)
#: init arguments at deploy: settlement counts home ownership from the registry's own state
INIT_ARGS: dict[str, dict[str, str]] = {
    "settlement": {"department": "rsj", "police": "gaj", "registry": "realestate"},
}
#: (org, role): the member ``<org>-<role>.key`` each contract step is signed by.
MEMBERS = (
    ("wyzy", "developer"),
    ("bdc", "registrar"),
    ("pjq", "registrar"),
    ("xhq", "registrar"),
    ("nsyh", "banker"),
    ("zgyh", "banker"),
    ("fy", "judge"),
    ("zjj", "filing"),
    ("gaj", "issuer"),
    ("mzj", "issuer"),
    ("jyj", "issuer"),
    ("rsj", "issuer"),
    ("bdc", "issuer"),
    ("pjq", "issuer"),
    ("xhq", "issuer"),
)
#: (type, issuers, claim names, description) set by governance (``vc.set_type``).
SCENARIO_TYPES = (
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
    (
        "RealEstateCertificate",
        ["bdc", "pjq", "xhq"],
        ["certificate", "unit", "district", "share", "kind"],
        "不动产权证书 / real-estate ownership certificate",
    ),
    (
        "TalentSettlementCertificate",
        ["gaj"],
        ["certificate", "kind", "route"],
        "人才准予迁入证明 / talent settlement approval",
    ),
)
#: Who issues each citizen credential of the demo.
ISSUER = {t[0]: t[1][0] for t in SCENARIO_TYPES} | {"IdentityCredential": "gaj"}
#: The only claims a contract asks for: numbers, booleans and DIDs. Every other claim of the
#: demo's credentials stays in the wallets (never disclosed to a contract, never on chain).
RULE_CLAIMS = frozenset(
    {
        "family_dids",
        "local_hukou",
        "ss_months_60",
        "degree_level",
        "age",
        "employed_in_city",
        "ss_months",
        "homes_in_city",
        "awards",
    }
)


@dataclass(frozen=True)
class DemoCitizen:
    name: str  # the wallet file's name
    role: str
    #: (type, claims) issued to the wallet; ``family_dids`` names other citizens (their DIDs
    #: are filled in when the credential is issued)
    credentials: tuple[tuple[str, dict[str, Any]], ...] = ()


def _household(local: bool, name: str, id_number: str, address: str) -> tuple[str, dict[str, Any]]:
    claims = {"local_hukou": local, "name": name, "id_number": id_number, "hukou_address": address}
    return ("HouseholdCredential", claims)


def _family(register_no: str, members: list[str], **extra: str) -> tuple[str, dict[str, Any]]:
    return (
        "FamilyCredential",
        {"family_dids": members, "family_register_no": register_no, **extra},
    )


def _ss(months: int, card: str, employer: str) -> tuple[str, dict[str, Any]]:
    claims = {
        "ss_months": months,
        "ss_months_60": min(months, 60),
        "ss_card_no": card,
        "insured_employer": employer,
    }
    return ("SocialSecurityCredential", claims)


def _identity(name: str, id_number: str, birth: str, address: str, age: int) -> Any:
    claims = {
        "name": name,
        "id_number": id_number,
        "birth_date": birth,
        "address": address,
        "age_over_18": True,
        "age": age,
    }
    return ("IdentityCredential", claims)


def _degree(level: int, degree: str, major: str, school: str, name: str, no: str) -> Any:
    claims = {
        "degree_level": level,
        "degree": degree,
        "major": major,
        "school": school,
        "name": name,
        "certificate_no": no,
    }
    return ("DegreeCredential", claims)


def _employment(employer: str, since: str) -> Any:
    return (
        "EmploymentCredential",
        {"employed_in_city": True, "employer": employer, "since": since},
    )


CITIZENS = (
    DemoCitizen(
        "wang-jianhua",
        "购房人，已过户 / buyer, purchase completed",
        (
            _family(
                "JM-HJ-2012-004417",
                ["lin-xiuying"],
                spouse_name="林秀英",
                marriage_date="2012-10-01",
            ),
            _household(True, "王建华", "440703198503152719", "江门市蓬江区白沙大道西 12 号"),
        ),
    ),
    DemoCitizen("lin-xiuying", "共同购房人（配偶）/ co-buyer, spouse"),
    DemoCitizen(
        "chen-zhiwei",
        "购房人（非本市户籍），已备案待过户 / non-local buyer, filed, waiting for transfer",
        (
            _family("JM-HJ-2019-011802", []),
            _household(False, "陈志伟", "450103199006183012", "南宁市青秀区民族大道 66 号"),
            _ss(34, "J4407-1990-0618-302", "江门市五邑精密制造有限公司"),
        ),
    ),
    DemoCitizen(
        "huang-lihua",
        "购房人，已签约待备案 / buyer, signed, waiting for filing",
        (
            _family("JM-HJ-2016-020931", []),
            _household(True, "黄丽华", "440704199211054028", "江门市江海区东海路 35 号"),
        ),
    ),
    DemoCitizen(
        "zhou-jianguo",
        "购房人，资格已通过待签约 / buyer, eligible, waiting for signatures",
        (
            _family("JM-HJ-2003-007765", []),
            _household(True, "周建国", "440705197808236517", "江门市新会区中心南路 9 号"),
        ),
    ),
    DemoCitizen(
        "wu-xiaomin",
        "购房人，合同草拟待资格审核 / buyer, draft waiting for the eligibility check",
        (
            _family("JM-HJ-2021-015520", []),
            _household(True, "吴晓敏", "440703199504120023", "江门市蓬江区环市一路 18 号"),
            _ss(30, "J4407-1995-0412-002", "江门市蓬江区某贸易商行"),
        ),
    ),
    DemoCitizen("zhao-guoqiang", "业主，房屋被法院查封 / owner of a home seized by the court"),
    DemoCitizen(
        "liu-zihan",
        "高校毕业生，已准予迁入 / graduate, settlement approved",
        (
            _degree(
                5, "硕士研究生", "计算机科学与技术", "华南理工大学", "刘子涵", "1056120260000123"
            ),
            _identity(
                "刘子涵", "440781200003217713", "2000-03-21", "台山市台城街道环北大道 7 号", 26
            ),
            _employment("江门市数字政府运营中心", "2025-07-01"),
            _ss(14, "J4407-2000-0321-771", "江门市数字政府运营中心"),
        ),
    ),
    DemoCitizen(
        "he-weiming",
        "积分落户申请人，未达门槛 / points applicant, below the threshold",
        (
            _degree(
                3, "大学专科", "机电一体化技术", "江门职业技术学院", "何伟明", "1299320060000456"
            ),
            _identity(
                "何伟明", "440783198505094318", "1985-05-09", "开平市长沙街道幕沙路 3 号", 41
            ),
            _ss(30, "J4407-1985-0509-431", "开平市某五金制品厂"),
            ("PropertyCredential", {"homes_in_city": 1}),
        ),
    ),
    DemoCitizen(
        "zheng-yuxin",
        "高校毕业生，待申请 / graduate, ready to apply",
        (
            _degree(4, "大学本科", "汉语言文学", "五邑大学", "郑雨欣", "1134920260000789"),
            _identity(
                "郑雨欣", "440704200201157620", "2002-01-15", "鹤山市沙坪街道中山路 26 号", 24
            ),
            _employment("江门市江海区某文化传媒有限公司", "2026-03-01"),
            _ss(8, "J4407-2002-0115-762", "江门市江海区某文化传媒有限公司"),
        ),
    ),
)

#: Every personal string the demo citizens carry: only in their wallets, never on chain.
SCENARIO_PERSONAL = tuple(
    sorted(
        {
            v
            for c in CITIZENS
            for _t, claims in c.credentials
            for k, v in claims.items()
            if k not in RULE_CLAIMS and isinstance(v, str) and len(v.encode()) >= 8
        }
    )
)


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


UNITS = (
    DemoUnit(
        "completed",
        "440703-012-0801",
        "pjq",
        "江门市蓬江区丰乐路 168 号五邑·江景苑 3 栋 801 房",
        8950,
        ("wang-jianhua", "lin-xiuying"),
        168_000_000,
        ("nsyh", 100_000_000),
    ),
    DemoUnit(
        "filed",
        "440705-003-1202",
        "xhq",
        "江门市新会区冈州大道 88 号五邑·陈皮村花园 2 栋 1202 房",
        10320,
        ("chen-zhiwei",),
        125_000_000,
        ("zgyh", 80_000_000),
    ),
    DemoUnit(
        "signed",
        "440704-007-0503",
        "bdc",
        "江门市江海区五邑路 200 号五邑·江海湾 5 栋 503 房",
        7680,
        ("huang-lihua",),
        98_000_000,
    ),
    DemoUnit(
        "eligible",
        "440703-012-1001",
        "pjq",
        "江门市蓬江区丰乐路 168 号五邑·江景苑 3 栋 1001 房",
        12050,
        ("zhou-jianguo",),
        210_000_000,
    ),
    DemoUnit(
        "draft",
        "440705-003-0602",
        "xhq",
        "江门市新会区冈州大道 88 号五邑·陈皮村花园 2 栋 602 房",
        9860,
        ("wu-xiaomin",),
        105_000_000,
    ),
    DemoUnit(
        "listed",
        "440704-007-1101",
        "bdc",
        "江门市江海区五邑路 200 号五邑·江海湾 5 栋 1101 房",
        7680,
    ),
    DemoUnit(
        "seized",
        "440705-021-0301",
        "xhq",
        "江门市新会区圭峰西路 21 号 3 座 301 房",
        8640,
        ("zhao-guoqiang",),
    ),
)
STAGES = ("listed", "draft", "eligible", "signed", "filed", "completed")
DEVELOPER = "wyzy"
SELLER = "did:wuyi:org:wyzy"
AREA_CORRECTED = 8962  # the completed unit's area after the survey (the correction by bdc)
CORRECTION_REASON = "实测面积更正 / area corrected after the completion survey"
SEIZURE_CASE = "(2026)粤07执保118号"
PARAM_CHANGE = (
    "grad_min_ss_months",
    3,
    "2026 年高校毕业生落户：社保缴费由 6 个月降为 3 个月 / graduates: 3 months of social"
    " security instead of 6",
)
GRADUATE = (
    ["DegreeCredential", "IdentityCredential", "EmploymentCredential", "SocialSecurityCredential"],
    ["degree_level", "age", "employed_in_city", "ss_months"],
)
POINTS_HOME = (
    ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential", "PropertyCredential"],
    ["degree_level", "age", "ss_months", "homes_in_city"],
)
CONSENT_MINUTES = 30 * 24 * 60
CREDENTIAL_DAYS = 365
