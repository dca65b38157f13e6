"""健康医疗's demo step (run by ``wuyi.demo_scenarios``): two hospitals of Jiangmen, 医保局,
公安, an insurer and four patients, with flows done and flows waiting.

* 陈建国: discharged from 江门市中心医院 (discharge summary and lab report registered there);
  he consents separately to 江门市人民医院 reading them for his referral, and the hospital reads
  the discharge summary (logged: he sees it); an older consent he withdrew. At 人民医院 a
  bill with drugs scanned box by box; he consents to 中国人寿 seeing only the drug items,
  and the insurer's 快赔 claim is approved and paid.
* 李秀英: in hospital at 中心医院 and, overlapping, at 人民医院 (R03): 初审 and 复审 confirmed
  it, 人民医院 appealed; the investigation is waiting for 医保局's decision.
* 吴国强: 公安 recorded his death; a bill at 中心医院 dated after it raised R02, waiting for
  its 初审.
* 黄美玲: the same outpatient claim settled twice at 中心医院 (R01): confirmed at 初审 and 复审,
  waiting for the hospital's appeal; a drug over its quantity limit (R05) dismissed at 初审.

The records, diagnoses, invoices and death record (names, ID numbers, what the doctors wrote)
are files in the docs folder; the chain keeps their hashes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import desk, returned
from wuyi.demo_scenarios_data import DemoCitizen

from .sdk import trace_hash

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "PATIENTS", "PERSONAL", "flows"]

C = "medical"
MEMBERS = (
    ("ybj", "reviewer"),
    ("ybj", "chief"),
    ("wjj", "supervisor"),
    ("zxyy", "hospital"),
    ("rmyy", "hospital"),
    ("rsbx", "insurer"),
    ("gaj", "civil"),
)
RULE_CLAIMS: frozenset[str] = frozenset()
#: wallet, name, 身份证号, what the records say (only in the docs folder)
PATIENTS = (
    ("chen-jianguo", "陈建国", "440703195806120031", "冠状动脉粥样硬化性心脏病，支架术后"),
    ("li-xiuying", "李秀英", "440704196203150042", "2型糖尿病伴周围神经病变"),
    ("wu-guoqiang", "吴国强", "440705194509080017", "慢性阻塞性肺疾病急性加重"),
    ("huang-meiling", "黄美玲", "440781198811230028", "慢性胃炎"),
)
PERSONAL = tuple(x for p in PATIENTS for x in p[1:])
CITIZENS = (
    DemoCitizen("chen-jianguo", "患者：跨院调阅已授权、商保快赔已付 / patient, read and claim"),
    DemoCitizen("li-xiuying", "患者：两院住院重叠，调查中 / patient, overlapping stays"),
    DemoCitizen("wu-guoqiang", "患者（已故）：死亡后结算预警 / patient, deceased"),
    DemoCitizen("huang-meiling", "患者：重复结算预警 / patient, duplicate claim"),
)


def day(offset: int) -> str:
    """A date ``offset`` days from today in China Standard Time."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=offset)
    return now.strftime("%Y-%m-%d")


def doc(loader: DemoLoader, name: str, text: str) -> bytes:
    """Write ``text`` to the docs folder; the chain gets its hash."""
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    (loader.docs_dir / name).write_text(text, encoding="utf-8")
    return loader.suite.hash(text.encode())


def person(wallet: str) -> tuple[str, str, str, str]:
    return next(p for p in PATIENTS if p[0] == wallet)


def record_text(wallet: str, hospital: str, kind: str) -> str:
    _, name, idno, dx = person(wallet)
    return f"{hospital} {kind}（演示）\n姓名：{name}\n身份证号：{idno}\n诊断：{dx}\n"


def boxes(product: str, serial: int, n: int) -> list[str]:
    """``n`` 20-digit trace codes of ``product`` (7 digits) from ``serial`` on."""
    return [f"{product}{serial + i:09d}0000" for i in range(n)]


def drug(loader: DemoLoader, code: str, product: str, serial: int, n: int, fen: int) -> dict:
    codes = boxes(product, serial, n)
    return {"kind": "drug", "code": code, "product": product, "qty": n, "fen": fen,
            "trace": [trace_hash(loader, t) for t in codes]}  # fmt: skip


def service(code: str, qty: int, fen: int) -> dict:
    return {"kind": "service", "code": code, "qty": qty, "fen": fen}


def invoice_text(wallet: str, tag: str) -> str:
    return f"医疗收费票据（演示）{tag}\n{person(wallet)[1]}\n"


def done(loader: DemoLoader, wallet: str, tag: str) -> bool:
    """Whether the bill of invoice ``tag`` is on chain (the demo was loaded before)."""
    h = loader.suite.hash(invoice_text(wallet, tag).encode())
    return loader.query(C, "invoice", invoice_hex=h.hex()) is not None


def settle(
    loader: DemoLoader, hospital: str, wallet: str, kind: str, admit: str, discharge: str,
    items: list[dict], fund: int, tag: str,
) -> Any:  # fmt: skip
    return loader.call(
        loader.member(hospital, "hospital"), C, "settle", patient=loader.did(wallet), kind=kind,
        admit=admit, discharge=discharge, items=items, fund_fen=fund,
        invoice=doc(loader, f"medical-invoice-{tag}.txt", invoice_text(wallet, tag)),
        diagnosis=doc(loader, f"medical-diagnosis-{tag}.txt",
                      record_text(wallet, hospital, "诊断")),
    )  # fmt: skip


def note(loader: DemoLoader, tag: str) -> bytes:
    return doc(loader, f"medical-note-{tag}.txt", f"审核意见（演示）{tag}\n")


def chen(loader: DemoLoader) -> Flow:
    """Records at 中心医院 read by 人民医院 under his consent; a bill and a paid claim."""
    w = "chen-jianguo"
    did, wallet = loader.did(w), loader.wallets[w].key
    sec = loader.section(C)
    first = doc(loader, "medical-record-chen-discharge.txt",
                record_text(w, "江门市中心医院", "出院记录"))  # fmt: skip
    if loader.query(C, "document", doc_hex=first.hex()) is not None:
        return
    zx, rm = loader.member("zxyy", "hospital"), loader.member("rmyy", "hospital")
    locator = b"enc:" + loader.suite.hash(b"zxyy-emr/" + did.encode())
    r1, _ = yield [
        loader.call(zx, C, "register_record", patient=did, category="discharge", doc=first,
                    locator=locator),
        loader.call(zx, C, "register_record", patient=did, category="lab",
                    doc=doc(loader, "medical-record-chen-lab.txt",
                            record_text(w, "江门市中心医院", "检验报告")), locator=locator + b"/2"),
    ]  # fmt: skip
    rec = returned(r1)["id"]
    old, c = yield [
        loader.call(wallet, C, "grant", grantee="rmyy", purpose="treatment", start=day(-30),
                    end=day(30), separate=True, categories=["lab"]),
        loader.call(wallet, C, "grant", grantee="rmyy", purpose="referral", start=day(-1),
                    end=day(89), separate=True, categories=["discharge", "lab"],
                    custodians=["zxyy"]),
    ]  # fmt: skip
    consent = returned(c)["id"]
    yield [
        loader.call(wallet, C, "revoke", consent_id=returned(old)["id"]),
        loader.call(rm, C, "access", record_id=rec, consent_id=consent, purpose="referral"),
    ]
    items = [service("001102000010000", 1, 1_500),
             drug(loader, "XC01DAX051A001010101234", "8680001", 1, 3, 4_250),
             drug(loader, "XB01ACA056A001010103456", "8680002", 1, 2, 3_180)]  # fmt: skip
    (s,) = yield [settle(loader, "rmyy", w, "outpatient", day(-2), day(-2), items, 12_000, "chen")]
    sid = returned(s)["id"]
    (k,) = yield [
        loader.call(wallet, C, "grant", grantee="rsbx", purpose="claim", start=day(-1),
                    end=day(60), separate=True, settlements=[{"id": sid, "items": [2, 3]}])
    ]  # fmt: skip
    ins = loader.member("rsbx", "insurer")
    (f,) = yield [
        loader.call(ins, C, "file_claim", settlement_id=sid, consent_id=returned(k)["id"])
    ]
    claim = returned(f)
    yield [loader.call(ins, C, "decide_claim", claim_id=claim["id"], approve=True, amount=6_000)]
    yield [loader.call(ins, C, "pay_claim", claim_id=claim["id"])]
    sec["chen"] = {"record": rec, "consent": consent, "bill": sid, "claim": claim["id"]}


def li(loader: DemoLoader) -> Flow:
    """Overlapping stays at both hospitals (R03): reviewed twice, appealed, investigated."""
    w = "li-xiuying"
    stay = [service("002201000010000", 6, 8_000),
            drug(loader, "XA10BAA062A001010104567", "8680003", 100, 6, 1_200)]  # fmt: skip
    if done(loader, w, "li1"):
        return
    yield [settle(loader, "zxyy", w, "inpatient", day(-20), day(-12), stay, 40_000, "li1")]
    stay2 = [service("002201000010000", 3, 8_000),
             drug(loader, "XA10BAA062A001010104567", "8680003", 200, 4, 1_200)]  # fmt: skip
    (b,) = yield [settle(loader, "rmyy", w, "inpatient", day(-16), day(-13), stay2, 20_000, "li2")]
    (aid,) = returned(b)["alerts"]
    yield from _review(loader, aid, "li", appeal=True)
    loader.section(C)["li"] = {"alert": aid}


def wu(loader: DemoLoader) -> Flow:
    """A death recorded by 公安, then a bill dated after it (R02), waiting for 初审."""
    w = "wu-guoqiang"
    did = loader.did(w)
    if loader.query(C, "death", patient=did) is not None:
        return
    src = doc(loader, "medical-death-wu.txt", record_text(w, "江门市公安局", "户籍注销（死亡）"))
    yield [loader.call(loader.member("gaj", "civil"), C, "record_death", patient=did,
                       date=day(-10), source=src)]  # fmt: skip
    items = [service("003101000010000", 1, 3_000)]
    (s,) = yield [settle(loader, "zxyy", w, "outpatient", day(-5), day(-5), items, 2_000, "wu")]
    loader.section(C)["wu"] = {"alert": returned(s)["alerts"][0]}


def huang(loader: DemoLoader) -> Flow:
    """The same claim twice (R01): confirmed twice, waiting for the hospital's appeal; a drug
    over its limit (R05) dismissed at 初审."""
    w = "huang-meiling"
    items = [service("001102000010000", 1, 1_500)]
    if done(loader, w, "hm1"):
        return
    yield [settle(loader, "zxyy", w, "outpatient", day(-8), day(-8), items, 1_000, "hm1")]
    (b,) = yield [settle(loader, "zxyy", w, "outpatient", day(-8), day(-8), items, 1_000, "hm2")]
    (dup,) = returned(b)["alerts"]
    many = [drug(loader, "XA02BCA211A001010101111", "8680001", 500, 36, 300)]
    (c,) = yield [settle(loader, "zxyy", w, "outpatient", day(-6), day(-6), many, 5_000, "hm3")]
    (over,) = returned(c)["alerts"]
    rev = loader.member("ybj", "reviewer")
    yield [loader.call(rev, C, "review", alert_id=over, confirm=False, note=note(loader, "hm3"))]
    yield from _review(loader, dup, "hm", appeal=False)
    loader.section(C)["huang"] = {"duplicate": dup, "over_limit": over}


def _review(loader: DemoLoader, aid: str, tag: str, *, appeal: bool) -> Flow:
    rev, chief = loader.member("ybj", "reviewer"), loader.member("ybj", "chief")
    yield [loader.call(rev, C, "review", alert_id=aid, confirm=True, note=note(loader, tag + "1"))]
    yield [loader.call(chief, C, "second_review", alert_id=aid, confirm=True,
                       note=note(loader, tag + "2"))]  # fmt: skip
    if appeal:
        a = loader.query(C, "alert", alert_id=aid)
        h = loader.member(a["hospital"], "hospital")
        yield [loader.call(h, C, "appeal", alert_id=aid,
                           statement=note(loader, tag + "-appeal"))]  # fmt: skip


def flows(loader: DemoLoader) -> list[Flow]:
    return [chen(loader), li(loader), wu(loader), huang(loader)]


def after(loader: DemoLoader) -> None:
    """Where the patients' wallets are (``made['medical']['wallets']``)."""
    sec = loader.section(C)
    sec["wallets"] = {p[0]: str(loader.wallets[p[0]].path) for p in PATIENTS}


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    sec = made.get(C, {})
    health = "卫健局 调阅监管 / reads across hospitals"
    lines = [
        desk(url, "medical", "医保监管（公开）/ public supervision board"),
        desk(url, "medical-bureau", "医保局 审核台 / 医保局's desk", keys, "ybj-reviewer",
             "ybj-chief"),
        desk(url, "medical-hospital", "医院 / hospital desk", keys, "zxyy-hospital",
             "rmyy-hospital"),
        desk(url, "medical-health", health, keys, "wjj-supervisor"),
        desk(url, "medical-insurer", "商保快赔 / insurer", keys, "rsbx-insurer"),
        desk(url, "medical-patient", "患者 / patient: wallets/chen-jianguo.json"),
    ]  # fmt: skip
    if "li" in sec:
        lines.append(f"    预警 {sec['li']['alert']} 待处理 / waiting for 医保局's decision")
    return lines
