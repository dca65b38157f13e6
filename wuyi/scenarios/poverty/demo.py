"""精准扶贫's demo step (run by ``wuyi.demo_scenarios``): 台山市某村民委员会 (``tscwh``) with seven
applying households, 江门市乡村振兴局 (``xczxj``), 江门市财政局 (``czj``) and five departments
answering the predicates, with flows done and flows waiting at each step:

* identification: four households answered yes by all five departments; one excluded by
  江门市公安局 (a vehicle over the bound, reason ``vehicle``); one waiting for
  不动产登记中心 and 人社局's answers; one waiting for its head's consent;
* the first notice (masked names): an objection to one household upheld after inquiry (it is
  excluded, ``objection_upheld``), the two others approved. The demo chain shortens the notice
  period to 0 days for this batch and restores the 10 days of the 《指导意见》 right after — both
  changes are governance records with their reasons (``param-history notice_days``);
* the second notice (10 days): running, an objection on paper recorded by the village, waiting
  for 乡村振兴局;
* the funds: a 2026 central 衔接资金 budget, two programmes (one not yet given to projects),
  a household project (到户种养补助: two beneficiaries paid, one use receipt in, one waiting)
  and a vendor project (村道硬化: the contractor paid, completion notice posted);
* monitoring: a large medical bill flagged by 民政局, a case open for 乡村振兴局.

The heads' names and ID numbers are in the village's roll (a file in the docs folder, with the
salts of their commitments); the chain keeps commitments, DIDs and the masked names the village
posts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import desk, returned
from wuyi.demo_scenarios_data import DemoCitizen

from .sdk import commitment, mask_name

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "HOUSEHOLDS", "MEMBERS", "PERSONAL", "RULE_CLAIMS", "flows", "summary"]

C = "poverty"
VILLAGE = "tscwh"
DEPTS = ("mzj", "gaj", "scjgj", "bdc", "rsj")
MEMBERS = (
    ("xczxj", "bureau"),
    ("czj", "fiscal"),
    (VILLAGE, "village"),
    *((d, "checker") for d in DEPTS),
)
RULE_CLAIMS: frozenset[str] = frozenset()
PREDICATES = (
    ("income_low", "mzj", "income_line_fen"),
    ("no_vehicle", "gaj", "vehicle_max_fen"),
    ("no_business", "scjgj", None),
    ("no_commercial_housing", "bdc", None),
    ("no_public_salary", "rsj", None),
)


@dataclass(frozen=True)
class Household:
    """A household of the demo: the head's wallet, name and ID number (only in the village's
    roll), its size and the step it stops at."""

    wallet: str
    name: str
    id_number: str
    size: int
    stage: str  # paid | paid_no_receipt | vehicle | objection | noticed | checking | registered


HOUSEHOLDS = (
    Household("huang-zhiming", "黄志明", "440781196803121216", 4, "paid"),
    Household("li-xiu", "李秀", "440781197505204528", 2, "paid_no_receipt"),
    Household("chen-guoqiang", "陈国强", "440781198209013314", 5, "vehicle"),
    Household("liang-meiling", "梁美玲", "440781197911276622", 3, "objection"),
    Household("wu-jiahao", "伍家豪", "440781198612050017", 3, "noticed"),
    Household("zhen-yuee", "甄月娥", "440781195402188841", 1, "checking"),
    Household("tan-bo", "谭伯", "440781195009094418", 2, "registered"),
)
PERSONAL = tuple(x for h in HOUSEHOLDS for x in (h.name, h.id_number))
CITIZENS = (
    *(
        DemoCitizen(h.wallet, f"申请农户户主（{h.stage}）/ head of an applying household")
        for h in HOUSEHOLDS
    ),
    DemoCitizen("poverty-villager", "村民，对公示名单提出异议 / a villager who objected"),
)
BUDGET = 200_000_000  # 2,000,000 yuan
PROGRAMME = 50_000_000
PROGRAMME2 = 30_000_000
PROJECT_A = 6_000_000
PROJECT_B = 20_000_000
PAY = {"huang-zhiming": 300_000, "li-xiu": 200_000}
VENDOR_PAY = 18_000_000
VENDOR = "台山市某建筑工程有限公司（演示）"


def _doc(loader: DemoLoader, name: str, text: str) -> bytes:
    """Write ``text`` to the docs folder; the chain gets its hash."""
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    (loader.docs_dir / name).write_text(text, encoding="utf-8")
    return loader.suite.hash(text.encode())


def _salt(loader: DemoLoader, h: Household) -> bytes:
    return loader.suite.hash(b"demo salt of the village roll\x00" + h.wallet.encode())[:16]


def _roll(loader: DemoLoader) -> dict[str, bytes]:
    """The village's roll (names, ID numbers, salts: the docs folder) and the commitments."""
    lines = ["台山市某村民委员会 申请农户花名册（演示，仅存村委会）"]
    out = {}
    for h in HOUSEHOLDS:
        salt = _salt(loader, h)
        lines.append(f"{h.name}\t{h.id_number}\t{h.size}人\tsalt={salt.hex()}")
        out[h.wallet] = commitment(loader.suite, h.id_number, h.name, salt)
    _doc(loader, "poverty-village-roll.txt", "\n".join(lines) + "\n")
    return out


def relief_flow(loader: DemoLoader) -> Flow:
    sec = loader.section(C)
    first = loader.did(HOUSEHOLDS[0].wallet)
    if loader.query(C, "household_of", did=first) is not None:  # loaded before: it is on chain
        _remember(loader)
        return
    bureau, fiscal = loader.member("xczxj", "bureau"), loader.member("czj", "fiscal")
    village = loader.member(VILLAGE, "village")
    dept = {d: loader.member(d, "checker") for d in DEPTS}
    coms = _roll(loader)
    admin = loader.admins["xczxj"]
    receipts = yield [
        loader.call(admin, C, "set_param", name="notice_days", value=0,
                    reason="演示链：第一批名单的公示期缩短为0天以便演示（正式链为10天）"),
        loader.call(fiscal, C, "open_budget", source="central_link", year=2026, amount=BUDGET,
                    doc=_doc(loader, "poverty-budget-2026.txt", "2026年中央财政衔接推进乡村振兴"
                             "补助资金下达文件（演示）\n")),
        *(loader.call(village, C, "register_household", did=loader.did(h.wallet),
                      commitment=coms[h.wallet], size=h.size) for h in HOUSEHOLDS),
    ]  # fmt: skip
    budget = returned(receipts[1])["id"]
    hid = {h.wallet: returned(r)["id"] for h, r in zip(HOUSEHOLDS, receipts[2:], strict=True)}
    receipts = yield [
        *(loader.call(loader.wallets[h.wallet].key, C, "consent", household=hid[h.wallet])
          for h in HOUSEHOLDS if h.stage != "registered"),
        loader.call(fiscal, C, "fund_programme", budget=budget, name="2026年台山市产业帮扶",
                    amount=PROGRAMME, purposes=["industry", "infrastructure"]),
        loader.call(fiscal, C, "fund_programme", budget=budget, name="2026年台山市就业帮扶",
                    amount=PROGRAMME2, purposes=["employment"]),
    ]  # fmt: skip
    programme = returned(receipts[-2])["id"]
    answers = []
    for h in HOUSEHOLDS:
        if h.stage == "registered":
            continue
        for pred, d, bound_param in PREDICATES:
            if h.stage == "checking" and d in ("bdc", "rsj"):
                continue
            bound = None if bound_param is None else loader.query(C, "param", name=bound_param)
            args: dict[str, Any] = {"household": hid[h.wallet], "predicate": pred, "ok": True,
                                    "bound": None if bound is None else bound["value"]}  # fmt: skip
            if h.stage == "vehicle" and pred == "no_vehicle":
                args |= {"ok": False, "reason": "vehicle"}
            record = _doc(loader, f"poverty-check-{d}-{h.wallet}.txt",
                          f"{d} 核对记录（演示）{hid[h.wallet]} {pred}\n")  # fmt: skip
            answers.append(loader.call(dept[d], C, "answer", record=record, **args))
    project = {"village": VILLAGE, "implementer": "台山市乡村振兴局", "responsible": "村委会主任"}
    receipts = yield [
        *answers,
        loader.call(bureau, C, "create_project", programme=programme, name="到户种养补助",
                    amount=PROJECT_A, purpose="industry", kind="household",
                    targets="扶持20户发展种养，户均年增收3000元",
                    mechanism="补助资金直接发放到户（一卡通）", **project),
        loader.call(bureau, C, "create_project", programme=programme, name="村道硬化",
                    amount=PROJECT_B, purpose="infrastructure", kind="vendor",
                    targets="硬化村道2.4公里", mechanism="优先聘用脱贫户务工", **project),
    ]  # fmt: skip
    pa, pb = returned(receipts[-2])["id"], returned(receipts[-1])["id"]
    batch = [h for h in HOUSEHOLDS if h.stage in ("paid", "paid_no_receipt", "objection")]
    notice_doc = _doc(loader, "poverty-notice-1.txt", "扶贫对象公示（第一批，演示）\n")
    receipts = yield [
        loader.call(village, C, "post_notice", households=[hid[h.wallet] for h in batch],
                    masked=[mask_name(h.name) for h in batch], doc=notice_doc),
        loader.call(village, C, "post_project_notice", project=pa, phase="start",
                    doc=_doc(loader, "poverty-project-a.txt", "项目公告：到户种养补助（演示）\n")),
        loader.call(bureau, C, "post_project_notice", project=pb, phase="start",
                    doc=_doc(loader, "poverty-project-b.txt", "项目公告：村道硬化（演示）\n")),
    ]  # fmt: skip
    notice = returned(receipts[0])["id"]
    objector = loader.wallets["poverty-villager"].key
    liang = hid["liang-meiling"]
    statement = _doc(
        loader, "poverty-objection-1.txt", "异议书（演示）：申请户经营农家乐，收入未如实申报。\n"
    )
    (r,) = yield [
        loader.call(objector, C, "object_to", notice=notice, household=liang,
                    reason="income_hidden", statement=statement),
    ]  # fmt: skip
    finding = _doc(loader, "poverty-inquiry-1.txt", "调查核实报告（演示）：异议属实。\n")
    yield [
        loader.call(bureau, C, "resolve_objection", objection=returned(r)["id"], upheld=True,
                    finding=finding),
    ]  # fmt: skip
    yield [
        loader.call(bureau, C, "approve_notice", notice=notice),
        loader.call(admin, C, "set_param", name="notice_days", value=10,
                    reason="恢复《关于完善扶贫资金项目公告公示制度的指导意见》的10天公示期"),
    ]  # fmt: skip
    wu = hid["wu-jiahao"]
    receipts = yield [
        *(loader.call(fiscal, C, "disburse", project=pa, household=hid[w], amount=amount,
                      ref=_doc(loader, f"poverty-pay-{w}.txt", f"一卡通代发回单（演示）{amount}\n"))
          for w, amount in PAY.items()),
        loader.call(fiscal, C, "pay_vendor", project=pb, vendor=VENDOR, amount=VENDOR_PAY,
                    invoice=_doc(loader, "poverty-invoice.txt", "发票（演示）\n")),
        loader.call(village, C, "post_notice", households=[wu], masked=["伍*豪"],
                    doc=_doc(loader, "poverty-notice-2.txt", "扶贫对象公示（第二批，演示）\n")),
    ]  # fmt: skip
    first_pay = returned(receipts[0])["id"]
    notice2 = returned(receipts[-1])["id"]
    yield [
        loader.call(village, C, "record_use", payment=first_pay,
                    receipt=_doc(loader, "poverty-receipt-1.txt", "种苗购买凭证（演示）\n")),
        loader.call(village, C, "object_to", notice=notice2, household=wu, reason="not_resident",
                    statement=_doc(loader, "poverty-objection-2.txt", "书面异议（演示）\n")),
        loader.call(dept["mzj"], C, "flag", household=hid["huang-zhiming"], kind="medical_bill",
                    evidence=_doc(loader, "poverty-flag-1.txt", "大额医疗支出预警（演示）\n")),
        loader.call(village, C, "post_project_notice", project=pb, phase="done",
                    doc=_doc(loader, "poverty-project-b-done.txt", "项目竣工公告（演示）\n")),
    ]  # fmt: skip
    _remember(loader)
    sec["roll_file"] = str(loader.docs_dir / "poverty-village-roll.txt")


def _remember(loader: DemoLoader) -> None:
    """What the flow made, read back from the chain (``made['poverty']``)."""
    sec = loader.section(C)
    households = sec.setdefault("households", {})
    for h in HOUSEHOLDS:
        rec = loader.query(C, "household_of", did=loader.did(h.wallet))
        if rec is not None:
            households[h.wallet] = {
                "id": rec["id"],
                "status": rec["status"],
                "stage": h.stage,
                "did": rec["did"],
                "wallet": str(loader.wallets[h.wallet].path),
            }
    sec["programme"] = "JH000001"


def flows(loader: DemoLoader) -> list[Flow]:
    return [relief_flow(loader)]


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    lines = [
        desk(url, "poverty", "扶贫资金公示（公开）/ public notices and funds flow"),
        desk(url, "relief-bureau", "乡村振兴局 / bureau", keys, "xczxj-bureau"),
        desk(url, "relief-fiscal", "财政局 / fiscal", keys, "czj-fiscal"),
        desk(url, "relief-village", "村委会 / village committee", keys, "tscwh-village"),
        desk(url, "relief-check", f"部门核对 / departments ({keys}/mzj-checker.key …)"),
    ]
    h = made.get(C, {}).get("households", {}).get("huang-zhiming")
    if h:
        lines.append(desk(url, "relief-household", f"农户 / household: {h['wallet']}"))
    return lines
