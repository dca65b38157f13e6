"""公证's demo step (run by ``wuyi.demo_scenarios``): flows done and flows waiting at each step.

江门公证处 (``jmgz``): an entrustment issued (its 公证书 credential in 陈美玲's wallet) on which she
asked for a review (waiting for the office); an inheritance case suspended for supplementary
materials (waiting to resume); a declaration corrected (补正: the old number says "corrected,
see …"); an education certificate revoked (void from the start, public notice). 新会公证处
(``xhgz``): a contract case accepted (waiting to be issued) and an entrustment refused (dispute).
五邑电子存证平台 (``wycz``): a web page preserved for 李晓峰's shop, handed to 江门公证处, notarised
(保全证据公证书), handed to the court and received: the whole chain of custody in one bundle; a
screen recording handed to the court, waiting for the court to receive it. 司法局 changed a
parameter on record. The documents (certificates, notice, captured page) are written to the
demo's documents folder so the public check and the court's check can be tried with files.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import DemoCitizen

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "PERSONAL", "RULE_CLAIMS", "TYPES", "flows"]

NOTARY = "notary"
PURPOSE = "装载公证演示数据 / loading the notary demo"
MEMBERS = (
    ("jmgz", "notary"),
    ("jmgz", "issuer"),
    ("xhgz", "notary"),
    ("xhgz", "issuer"),
    ("wycz", "custodian"),
    ("fy", "judge"),
)
TYPES = (
    (
        "NotarialCertificate",
        ["jmgz", "xhgz"],
        ["certificate", "type", "office", "doc_hash"],
        "公证书 / notarial certificate",
    ),
)
RULE_CLAIMS: frozenset[str] = frozenset()
CITIZENS = (
    DemoCitizen(
        "chen-meiling", "委托公证当事人，已申请复查 / party to an entrustment, review asked"
    ),
    DemoCitizen("huang-zhiqiang", "继承公证当事人，补充材料中 / inheritance, materials pending"),
    DemoCitizen("li-xiaofeng", "网店经营者，保全网页证据 / shop owner, web evidence preserved"),
)
#: who the parties are: only the offices know it (their case files); on chain only salted
#: commitments. tests/unit/test_scenario_notary_api.py scans the demo chain for these.
PARTIES = {
    "entrustment": [("陈美玲", "440703199004125523")],
    "inheritance": [
        ("黄志强", "440781197811030617"),
        ("黄志红", "440781198102151224"),
        ("黄志明", "440781198507220431"),
    ],
    "declaration": [("何丽娜", "440704199306183341")],
    "education": [("赵明", "440705199912014418")],
    "contract": [("吴建国", "440782197203150050"), ("五邑某贸易有限公司", "91440700MA5DEMO01X")],
    "refused": [("林浩", "440783198809094716")],
    "evidence": [("李晓峰", "440784199107246613")],
}
PERSONAL = tuple(x for people in PARTIES.values() for pair in people for x in pair)
#: the certificates' documents (their text stays off chain: only their hash is recorded)
DOCS = {
    "entrustment": "公证书\n兹证明委托人陈美玲于二〇二六年委托他人代为办理房产过户手续。\n",
    "inheritance": "公证书\n兹证明被继承人的遗产由继承人依法继承。\n",
    "declaration": "公证书\n兹证明声明人何丽娜的声明书上的签名属实（原件，有笔误）。\n",
    "declaration-corrected": "补正公证书\n兹证明声明人何丽娜的声明书上的签名属实。\n",
    "education": "公证书\n兹证明赵明的学历证书复印件与原件相符。\n",
    "notice": "公告\n本处出具的学历公证书因当事人提供虚假材料，依法撤销，自始无效。\n",
    "evidence": "保全证据公证书\n兹证明对某网店商品页面的取证过程真实、合法。\n",
    "page": "<html><body>某网店 · 陈皮礼盒 · 售价 168 元 · 2026 新会陈皮</body></html>\n",
    "recording": "screen recording of a chat log (demo bytes)\n",
    "statement": "五邑电子存证平台合规声明 v1：符合 GB/T 39786-2021、JR/T 0184-2020 …\n",
    "device": "capture device attestation (demo)\n",
}
PARAM_CHANGE = (
    "max_capture_lag_hours",
    48,
    "节假日取证次日上链 / holiday captures are preserved the next day",
)


def doc(key: str) -> bytes:
    return DOCS[key].encode()


def commitments(loader: DemoLoader, case: str) -> list[bytes]:
    """The salted commitments of a case's parties (the salt stays in the office's file)."""
    n = loader.client.scenario(NOTARY)
    out = []
    for name, number in PARTIES[case]:
        salt = hashlib.sha256(f"wuyi-demo-notary-salt:{number}".encode()).digest()
        out.append(n.commitment(salt, f"{name}|{number}"))
    return out


def write_doc(loader: DemoLoader, key: str, name: str) -> str:
    path = loader.docs_dir / f"notary-{name}.txt"
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(doc(key))
    return str(path)


def find_case(loader: DemoLoader, office: str, case_type: str) -> dict[str, Any] | None:
    """The office's case of ``case_type`` (read by its notary: case files are signed reads)."""
    notary = loader.member(office, "notary")
    for c in loader.client.scenario(NOTARY).cases(office, key=notary, purpose=PURPOSE):
        if c["type"] == case_type:
            return c
    return None


def h(loader: DemoLoader, key: str) -> bytes:
    return loader.suite.hash(doc(key))


def case_flow(
    loader: DemoLoader, office: str, case_type: str, key: str, holder: str | None, then: str
) -> Flow:
    """Accept a case, then ``then``: ``wait`` (accepted), ``pause``, ``issue``, ``refuse``,
    ``correct`` (issue, then 补正), ``revoke`` (issue, then 撤销), ``review`` (issue, then the
    holder asks for a review)."""
    notary = loader.member(office, "notary")
    c = find_case(loader, office, case_type)
    if c is None:
        holders = [] if holder is None else [loader.did(holder)]
        args: dict[str, Any] = {
            "case_type": case_type,
            "applicants": commitments(loader, key),
            "holders": holders,
        }
        yield [loader.call(notary, NOTARY, "accept", **args)]
        c = find_case(loader, office, case_type)
    assert c is not None
    part = loader.section(NOTARY).setdefault("cases", {})
    part[key] = {"case": c["id"], "office": office, "due": c["due"]}
    if then == "wait":
        return
    if then == "pause":
        if c["status"] == "accepted":
            yield [
                loader.call(
                    notary, NOTARY, "pause", case_id=c["id"], reason="supplementary_materials"
                )
            ]
        return
    if then == "refuse":
        if c["status"] == "accepted":
            yield [loader.call(notary, NOTARY, "refuse", case_id=c["id"], reason="dispute")]
        return
    if c["status"] == "accepted":
        yield [loader.call(notary, NOTARY, "issue", case_id=c["id"], doc_hash=h(loader, key))]
        c = find_case(loader, office, case_type)
        assert c is not None
    cert_no = c["certificate"]
    part[key].update(certificate=cert_no, document=write_doc(loader, key, key))
    n = loader.client.scenario(NOTARY)
    rec = n.certificate(cert_no)
    if then == "correct":
        if rec["status"] == "active":
            args = {"cert_no": cert_no, "doc_hash": h(loader, key + "-corrected")}
            yield [loader.call(notary, NOTARY, "correct", reason="clerical_error", **args)]
            rec = n.certificate(cert_no)
        part[key]["corrected_by"] = rec["corrected_by"]
        part[key]["corrected_document"] = write_doc(loader, key + "-corrected", key + "-corrected")
    elif then == "revoke":
        if rec["status"] == "active":
            args = {"cert_no": cert_no, "reason": "untrue", "notice_hash": h(loader, "notice")}
            yield [loader.call(notary, NOTARY, "revoke", **args)]
        part[key]["notice"] = write_doc(loader, "notice", "notice")
    elif then == "review":
        assert holder is not None
        wallet = loader.wallets[holder]
        if not n.citizen(wallet.did, key=wallet.key, purpose=PURPOSE)["reviews"]:
            yield [loader.call(wallet.key, NOTARY, "request_review", cert_no=cert_no)]
        mine = n.citizen(wallet.did, key=wallet.key, purpose=PURPOSE)
        part[key]["review"] = mine["reviews"][0]["id"]


def param_change(loader: DemoLoader) -> Flow:
    name, value, reason = PARAM_CHANGE
    if len(loader.query(NOTARY, "param_history", name=name)) < 2:
        sfj = loader.admins["sfj"]
        yield [loader.call(sfj, NOTARY, "set_param", name=name, value=value, reason=reason)]
    loader.section(NOTARY)["param_change"] = {"name": name, "value": value, "reason": reason}


def evidence_flow(loader: DemoLoader) -> Flow:
    """A platform preserves two captures for 李晓峰; the web page goes platform -> 江门公证处
    (notarised) -> court; the screen recording is handed to the court, not yet received."""
    n = loader.client.scenario(NOTARY)
    wycz, judge = loader.member("wycz", "custodian"), loader.member("fy", "judge")
    notary = loader.member("jmgz", "notary")
    # evidence is a signed read: what the platform preserved, wherever it went since (a re-run
    # finds it), is looked up by the operator's auditor (each read in the access log)
    auditor = loader.member("sjj", "auditor")

    def tx(key: Any, fn: str, **args: Any) -> Any:
        return loader.call(key, NOTARY, fn, **args)

    if not n._get("/v1/notary/platforms")["items"]:
        st: dict[str, Any] = {"statement_hash": h(loader, "statement")}
        yield [tx(loader.admins["wycz"], "register_statement", standards=["GB/T 39786"], **st)]
    held = {e["doc_hash"]: e for e in n.evidence_list(key=auditor, purpose=PURPOSE)}
    page, rec = h(loader, "page"), h(loader, "recording")
    if page.hex() not in held:
        now = int(time.time() * 1000) - 10 * 60_000
        common: dict[str, Any] = {"captured_at": now, "applicant": loader.did("li-xiaofeng")}
        att = h(loader, "device")
        yield [
            tx(wycz, "preserve", doc_hash=page, method="web_page", **common),
            tx(wycz, "preserve", doc_hash=rec, method="screen_recording", device_attestation=att,
               **common),
        ]  # fmt: skip
        held = {e["doc_hash"]: e for e in n.evidence_list(key=auditor, purpose=PURPOSE)}
    e1, e2 = held[page.hex()], held[rec.hex()]
    if e1["steps"] == 1:
        yield [
            tx(wycz, "hand_over", evidence=e1["id"], to="jmgz", purpose="notarisation"),
            tx(wycz, "hand_over", evidence=e2["id"], to="fy", purpose="litigation"),
        ]
        yield [tx(notary, "receive", evidence=e1["id"])]
    c = find_case(loader, "jmgz", "evidence")
    if c is None:
        who: dict[str, Any] = {
            "applicants": commitments(loader, "evidence"),
            "holders": [loader.did("li-xiaofeng")],
        }
        yield [tx(notary, "accept", case_type="evidence", evidence=e1["id"], **who)]
        c = find_case(loader, "jmgz", "evidence")
    assert c is not None
    if c["status"] == "accepted":
        yield [tx(notary, "issue", case_id=c["id"], doc_hash=h(loader, "evidence"))]
    e1 = n.evidence(e1["id"], key=notary, purpose=PURPOSE)["evidence"]
    if e1["custodian"] == "jmgz" and e1["pending_to"] is None:
        yield [tx(notary, "hand_over", evidence=e1["id"], to="fy", purpose="litigation")]
        yield [tx(judge, "receive", evidence=e1["id"])]
    c = find_case(loader, "jmgz", "evidence")
    assert c is not None
    loader.section(NOTARY)["evidence"] = {
        "complete": e1["id"],
        "waiting": e2["id"],
        "page": write_doc(loader, "page", "captured-page"),
        "recording": write_doc(loader, "recording", "screen-recording"),
        "certificate": c["certificate"],
        "document": write_doc(loader, "evidence", "evidence"),
        "applicant": loader.did("li-xiaofeng"),
    }


def flows(loader: DemoLoader) -> list[Flow]:
    return [
        case_flow(loader, "jmgz", "entrustment", "entrustment", "chen-meiling", "review"),
        case_flow(loader, "jmgz", "inheritance", "inheritance", "huang-zhiqiang", "pause"),
        case_flow(loader, "jmgz", "declaration", "declaration", None, "correct"),
        case_flow(loader, "jmgz", "education", "education", None, "revoke"),
        case_flow(loader, "xhgz", "contract", "contract", None, "wait"),
        case_flow(loader, "xhgz", "entrustment", "refused", None, "refuse"),
        param_change(loader),
        evidence_flow(loader),
    ]


def after(loader: DemoLoader) -> None:
    loader.issue_certificates(NOTARY, ["jmgz", "xhgz"])
    part = loader.section(NOTARY)
    part["citizens"] = {c.name: loader.did(c.name) for c in CITIZENS}


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    part = made.get(NOTARY, {})
    cases = part.get("cases", {})
    if not cases:
        return []
    ev = part.get("evidence", {})
    return [
        f"  {url}/console/#/notary ({keys}/jmgz-notary.key); #/notary-supervision;"
        f" #/notary-evidence ({keys}/wycz-custodian.key); #/notary-court ({keys}/fy-judge.key)"
        "   # 公证 / notary services",
        f"  {url}/console/#/notary-check   # 公证书核验: {cases['declaration'].get('certificate')}"
        f" + {cases['declaration'].get('document')}",
        f"  wuyi notary bundle {ev.get('complete')} --read-key {keys}/fy-judge.key --out"
        " custody.json && wuyi notary custody"
        " custody.json --genesis-hash <hex>   # 保管链 / chain of custody",
    ]
