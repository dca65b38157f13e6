"""养老服务's demo step (run by ``wuyi.demo_scenarios``): two care institutions filed by 民政局,
with flows done and flows waiting.

* 江门市社会福利院 (flyy, public, 300 beds, custody at 江门农商银行): every department's record
  in force — grade 5; last month's operating subsidy paid (this month's waits for 民政局); two
  caregivers current and on shift tomorrow, one whose health check ends within the alert window
  (an alert for the institution); two deposits in custody, one partly released.
* 蓬江区某颐养院 (pjyy, private, 120 beds, custody at 中国银行): the fire brigade's inspection
  failed with a major hazard — red list, rectification due in working days, no subsidy; a
  caregiver whose health check expired (cannot be scheduled); a membership fee and a deposit
  in custody close to its limit.
* The time bank: two volunteers; 何伯 (enrolled, his daughter his guardian) confirmed two
  services and one waits for his confirmation; 梁婆婆 confirmed one through her guardian; a
  volunteer donated minutes to the pool, 民政局 granted pool minutes to 梁婆婆 and she redeemed
  some; one volunteer holds a balance certificate (its credential in her wallet).

The people's names, ID numbers and phone numbers are in the docs folder's files (the
qualification certificates, health reports, eligibility records, payment slips); the chain keeps
their hashes and DIDs. People act with their wallets' DID keys (``wallets/<name>.json``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import desk, returned
from wuyi.demo_scenarios_data import DemoCitizen

from .sdk import commitment

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "PERSONAL", "RULE_CLAIMS", "TYPES", "flows"]

C = "eldercare"
MEMBERS = (
    ("mzj", "officer"),
    ("mzj", "issuer"),
    ("mzj", "inspector"),
    ("xfzd", "inspector"),
    ("scjgj", "inspector"),
    ("swj", "inspector"),
    ("rsj", "inspector"),
    ("wjj", "inspector"),
    ("flyy", "institution"),
    ("pjyy", "institution"),
    ("nsyh", "custody"),
    ("zgyh", "custody"),
)
TYPES = (
    (
        "TimeBankBalance",
        ["mzj"],
        ["certificate", "kind", "minutes", "as_of"],
        "时间银行存折证明 / Time-bank balance certificate",
    ),
)
RULE_CLAIMS: frozenset[str] = frozenset()
#: wallet, name, ID number, phone: only in the docs folder's files, never on chain
PEOPLE = (
    ("carer-chen", "陈秀兰", "440703197803150027", "13902880101"),
    ("carer-li", "李伟强", "440704198511020035", "13902880202"),
    ("carer-huang", "黄美玲", "440705199007210048", "13902880303"),
    ("carer-wu", "吴志坚", "440781198202120011", "13902880404"),
    ("elder-he", "何永昌", "440703193804050012", "13902880505"),
    ("elder-liang", "梁玉珍", "440704194109180026", "13902880606"),
    ("guardian-he", "何丽华", "440703196810110029", "13902880707"),
    ("volunteer-zhou", "周晓敏", "440703199503080041", "13902880808"),
    ("volunteer-tan", "谭家豪", "440704199811230019", "13902880909"),
)
PERSONAL = tuple(x for p in PEOPLE for x in p[1:])
CITIZENS = (
    DemoCitizen("carer-chen", "护理员：福利院，资质与体检有效 / caregiver, current"),
    DemoCitizen("carer-li", "护理员：福利院，体检即将到期 / caregiver, check ends soon"),
    DemoCitizen("carer-huang", "护理员：福利院，资质与体检有效 / caregiver, current"),
    DemoCitizen("carer-wu", "护理员：颐养院，体检已过期 / caregiver, check expired"),
    DemoCitizen("elder-he", "老人：时间银行，一项服务待确认 / elder, a service to confirm"),
    DemoCitizen("elder-liang", "老人：获公益时间并已兑换 / elder, redeemed pool hours"),
    DemoCitizen("guardian-he", "监护人：可代老人确认 / guardian"),
    DemoCitizen("volunteer-zhou", "志愿者：持时间存折证明 / volunteer, holds a certificate"),
    DemoCitizen("volunteer-tan", "志愿者：捐赠时间至公益池 / volunteer, donated hours"),
)
FLYY = ("flyy", "江门市社会福利院", "12440700455870123X", 300, "public", 800_000_000, "nsyh")
PJYY = ("pjyy", "蓬江区某颐养院（演示）", "52440703MJL123456Y", 120, "private", 120_000_000, "zgyh")
CATEGORY_ORG = {
    "fire": "xfzd",
    "food": "scjgj",
    "safety": "mzj",
    "medical": "wjj",
    "tax": "swj",
    "social_insurance": "rsj",
}


def day(offset: int) -> str:
    """A date ``offset`` days from today in China Standard Time."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=offset)
    return now.strftime("%Y-%m-%d")


def last_month() -> str:
    first = dt.date.fromisoformat(day(0)).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def doc(loader: DemoLoader, name: str, text: str) -> bytes:
    """Write ``text`` to the docs folder; the chain gets its hash."""
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    (loader.docs_dir / name).write_text(text, encoding="utf-8")
    return loader.suite.hash(text.encode())


def person(wallet: str) -> tuple[str, str, str, str]:
    return next(p for p in PEOPLE if p[0] == wallet)


def about(loader: DemoLoader, kind: str, wallet: str, extra: str = "") -> bytes:
    _, name, idno, phone = person(wallet)
    text = f"{kind}（演示）\n姓名：{name}\n身份证号：{idno}\n电话：{phone}\n{extra}\n"
    return doc(loader, f"eldercare-{kind}-{wallet}.txt", text)


def salt(loader: DemoLoader, wallet: str) -> bytes:
    return loader.suite.hash(("eldercare-demo-salt/" + wallet).encode())


def institutions_flow(loader: DemoLoader) -> Flow:
    sec = loader.section(C)
    sec["institutions"] = {"flyy": FLYY[1], "pjyy": PJYY[1]}
    if loader.query(C, "institution", org="flyy") is not None:
        return
    officer = loader.member("mzj", "officer")
    regs = []
    for org, name, uscc, beds, ownership, assets, bank in (FLYY, PJYY):
        regs.append(
            loader.call(officer, C, "register_institution", org=org, name=name, uscc=uscc,
                        beds=beds, ownership=ownership, net_assets=assets, bank=bank)
        )  # fmt: skip
    yield regs
    report = doc(loader, "eldercare-inspections.txt", "各部门检查报告（演示）\n")
    recs = []
    for cat, org in CATEGORY_ORG.items():
        k = loader.member(org, "inspector")
        recs.append(loader.call(k, C, "record_compliance", institution="flyy", category=cat,
                                result="pass", severity="none", valid_until=day(300),
                                doc=report))  # fmt: skip
        if cat in ("food", "safety", "tax", "social_insurance"):
            recs.append(loader.call(k, C, "record_compliance", institution="pjyy", category=cat,
                                    result="pass", severity="none", valid_until=day(200),
                                    doc=report))  # fmt: skip
    nsyh, zgyh = loader.member("nsyh", "custody"), loader.member("zgyh", "custody")
    payer = {w: commitment(w, salt(loader, "bank")) for w in ("elder-he", "elder-liang", "x1")}
    rs = yield [
        *recs,
        loader.call(nsyh, C, "prepay", institution="flyy", elder=payer["elder-he"],
                    kind="deposit", amount=600_000),
        loader.call(nsyh, C, "prepay", institution="flyy", elder=payer["elder-liang"],
                    kind="service", amount=450_000),
        loader.call(zgyh, C, "prepay", institution="pjyy", elder=payer["x1"],
                    kind="membership", amount=100_000_000),
        loader.call(zgyh, C, "prepay", institution="pjyy", elder=payer["x1"],
                    kind="deposit", amount=15_000_000),
    ]  # fmt: skip
    fire = doc(loader, "eldercare-fire-pjyy.txt", "消防检查（演示）：疏散通道堵塞，重大隐患\n")
    yield [
        loader.call(loader.member("xfzd", "inspector"), C, "record_compliance",
                    institution="pjyy", category="fire", result="fail", severity="major",
                    valid_until=day(180), doc=fire),
        loader.call(officer, C, "pay_subsidy", institution="flyy", period=last_month(),
                    occupied=262),
        loader.call(nsyh, C, "release", prepayment=returned(rs[-3])["id"], amount=150_000),
    ]  # fmt: skip


def caregivers_flow(loader: DemoLoader) -> Flow:
    sec = loader.section(C)
    sec["caregivers"] = {w: loader.did(w) for w in ("carer-chen", "carer-li", "carer-huang",
                                                    "carer-wu")}  # fmt: skip
    if loader.query(C, "caregiver", did=loader.did("carer-chen")) is not None:
        return
    rsj, wjj = loader.member("rsj", "inspector"), loader.member("wjj", "inspector")
    plan = (  # wallet, institution, level, health check days ago
        ("carer-chen", "flyy", "level3", 60),
        ("carer-li", "flyy", "level4", 350),
        ("carer-huang", "flyy", "level4", 120),
        ("carer-wu", "pjyy", "level5", 400),
    )
    yield [
        loader.call(rsj, C, "record_qualification", caregiver=loader.did(w), level=lv,
                    cert=about(loader, "qualification", w, f"养老护理员 {lv}"),
                    valid_until=day(900))
        for w, _, lv, _ in plan
    ] + [
        loader.call(wjj, C, "record_health_check", caregiver=loader.did(w), checked_on=day(-ago),
                    fit=True, report=about(loader, "health", w, "体检合格（含传染病筛查）"))
        for w, _, _, ago in plan
    ]  # fmt: skip
    yield [
        loader.call(loader.member(inst, "institution"), C, "hire", caregiver=loader.did(w))
        for w, inst, _, _ in plan
    ]
    flyy = loader.member("flyy", "institution")
    yield [
        loader.call(flyy, C, "schedule", caregiver=loader.did(w), date=day(1), shift=shift,
                    elder=commitment("resident-" + str(n), salt(loader, "flyy")))
        for n, (w, shift) in enumerate((("carer-chen", "day"), ("carer-huang", "night")))
    ]  # fmt: skip


def timebank_flow(loader: DemoLoader) -> Flow:
    sec = loader.section(C)
    he, liang = loader.did("elder-he"), loader.did("elder-liang")
    sec["timebank"] = {"elder": he, "volunteer": loader.did("volunteer-zhou")}
    if loader.query(C, "time_account", did=loader.did("volunteer-zhou"))["earned"] > 0:
        _remember(loader)
        return
    officer = loader.member("mzj", "officer")
    w = loader.wallets
    yield [
        loader.call(officer, C, "enrol_elder", elder=he, guardian=loader.did("guardian-he"),
                    basis=about(loader, "eligibility", "elder-he", "80岁以上独居")),
        loader.call(officer, C, "enrol_elder", elder=liang, guardian=loader.did("guardian-he"),
                    basis=about(loader, "eligibility", "elder-liang", "低保、失能、独居")),
    ]  # fmt: skip
    zhou, tan = w["volunteer-zhou"].key, w["volunteer-tan"].key
    rs = yield [
        loader.call(zhou, C, "log_service", elder=he, kind="meal", date=day(-3), minutes=90),
        loader.call(zhou, C, "log_service", elder=he, kind="escort", date=day(-2), minutes=180),
        loader.call(tan, C, "log_service", elder=liang, kind="housework", date=day(-2),
                    minutes=120),
        loader.call(tan, C, "log_service", elder=he, kind="companionship", date=day(-1),
                    minutes=60),
    ]  # fmt: skip
    ids = [returned(r)["id"] for r in rs]
    yield [
        loader.call(w["elder-he"].key, C, "confirm_service", service=ids[0]),
        loader.call(w["elder-he"].key, C, "confirm_service", service=ids[1]),
        loader.call(w["guardian-he"].key, C, "confirm_service", service=ids[2]),
    ]
    yield [
        loader.call(tan, C, "donate", minutes=60),
        loader.call(zhou, C, "certify_balance"),
    ]
    yield [loader.call(officer, C, "grant", elder=liang, minutes=60)]
    yield [
        loader.call(w["elder-liang"].key, C, "redeem", minutes=30,
                    provider=loader.did("volunteer-tan"), kind="companionship")
    ]  # fmt: skip
    _remember(loader)


def _remember(loader: DemoLoader) -> None:
    """The service waiting for 何伯 and the balance certificate, read back from the chain."""
    from .sdk import Eldercare

    s = Eldercare(loader.client)
    tb = loader.section(C)["timebank"]
    he = loader.did("elder-he")
    waiting = [
        v["id"] for _, v in s._state("svc/") if v["elder"] == he and v["status"] == "pending"
    ]
    if waiting:
        tb["waiting"] = waiting[0]
    certs = [v["id"] for _, v in s._state("cert/")]
    if certs:
        tb["certificate"] = certs[0]


def flows(loader: DemoLoader) -> list[Flow]:
    return [
        institutions_flow(loader),
        caregivers_flow(loader),
        timebank_flow(loader),
    ]


def after(loader: DemoLoader) -> None:
    loader.issue_certificates(C, ["mzj"])


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    sec = made.get(C, {})
    depts = ("xfzd-inspector", "wjj-inspector", "rsj-inspector")
    lines = [
        desk(url, "eldercare", "养老机构公示（公开）/ public board"),
        desk(url, "eldercare-bureau", "民政局 养老服务监管台 / bureau's desk", keys, "mzj-officer"),
        desk(url, "eldercare-dept", "部门检查台 / departments' desk", keys, *depts),
        desk(url, "eldercare-inst", "养老机构台 / institution's desk", keys, "flyy-institution",
             "pjyy-institution"),
    ]  # fmt: skip
    tb = sec.get("timebank", {})
    if tb.get("waiting"):
        lines.append(
            desk(url, "timebank", "时间银行 / time bank: wallets/elder-he.json")
            + f" (服务 {tb['waiting']} 待确认 / a service to confirm)"
        )
    return lines
