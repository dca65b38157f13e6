"""12345 热线's demo step (run by ``wuyi.demo_scenarios``): tickets taken by 江门市12345政务服务
便民热线中心 and dispatched along the catalogue, with flows done and flows waiting at each step.

* ``shop`` (投诉, 市场监管局): signed off, handled, answered, rated 满意 by the caller herself
  with her DID key, closed (done).
* ``road`` (求助, 住建局): signed off; the bureau asked for 5 more working days — waiting for the
  centre's approval (before the deadline). ``road2``, a repeat request the same caller lodged
  online, merged into it.
* ``pension`` (咨询, 人社局): dispatched, waiting for the bureau's sign-off.
* ``garbage`` (求助, 白沙街道): the street asked for a return — waiting for the centre's review.
* ``vendor`` (投诉, 白沙街道): answered, rated 不满意 at the revisit, sent back (重办) and signed
  off again: being handled.
* ``school`` (建议, 教育局): answered, waiting for the revisit (the caller may rate it).
* ``noise`` (投诉, lodged online by the second caller): waiting for the centre's acceptance.

What the callers said and their phone numbers are files in the docs folder, the centre's own
system (``hotline-<key>.txt``, each with its salt); the chain keeps salted hashes only. The
callers follow their tickets with their wallets' DID keys (``wallets/<name>.json``)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import desk, returned
from wuyi.demo_scenarios_data import DemoCitizen, DemoPerson

from .sdk import seal

if TYPE_CHECKING:
    from wuyi.abc import PrivateKey
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "PERSONAL", "TICKETS", "flows"]

C = "hotline"
CENTRE = "rx12345"
MEMBERS = (
    (CENTRE, "operator"),
    ("scjgj", "handler"),
    ("zjj", "handler"),
    ("rsj", "handler"),
    ("jyj", "handler"),
    ("bsjd", "handler"),
)
RULE_CLAIMS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ticket:
    """A ticket of the demo and the step it stops at."""

    key: str
    caller: str
    category: str
    matter: str
    district: str
    dept: str
    stage: str
    text: str


CALLERS = (
    DemoPerson("hotline-chen", "陈丽华", "13726551890"),
    DemoPerson("hotline-li", "李国栋", "13902275514"),
)
# fmt: off
TICKETS = (
    Ticket("shop", "hotline-chen", "complaint", "market", "440703", "scjgj", "closed",
           "蓬江区某超市售卖过期牛奶，要求查处并退款。"),
    Ticket("road", "hotline-chen", "help", "road", "440703", "zjj", "extension",
           "白沙路人行道塌陷，雨天积水，请尽快修复。"),
    Ticket("road2", "hotline-chen", "help", "road", "440703", "", "merged",
           "白沙路人行道仍未修好，再次反映。"),
    Ticket("pension", "hotline-li", "consult", "social_security", "440704", "rsj", "dispatched",
           "灵活就业人员养老保险如何续缴？"),
    Ticket("garbage", "hotline-li", "help", "community", "440703", "bsjd", "return",
           "小区垃圾清运不及时，气味很大。"),
    Ticket("vendor", "hotline-chen", "complaint", "street_vendor", "440703", "bsjd", "redo",
           "菜市场门口占道经营，堵塞交通。"),
    Ticket("school", "hotline-li", "suggest", "school", "440703", "jyj", "replied",
           "建议学校放学时段增加交通疏导。"),
    Ticket("noise", "hotline-li", "complaint", "noise", "440703", "", "lodged",
           "楼下酒吧深夜噪音扰民。"),
)
# fmt: on
#: the callers' names and phones and what they said: in the centre's files, never on chain
PERSONAL = tuple(x for c in CALLERS for x in (c.name, c.phone)) + tuple(t.text for t in TICKETS)

CITIZENS = (
    DemoCitizen("hotline-chen", "12345来电人：投诉已办结、求助待延期审批 / caller, tickets open"),
    DemoCitizen("hotline-li", "12345来电人：咨询待签收、网上诉求待受理 / caller, waiting"),
)


def _caller(wallet: str) -> DemoPerson:
    return next(c for c in CALLERS if c.wallet == wallet)


def _sealed(loader: DemoLoader, t: Ticket) -> tuple[bytes, bytes, bytes]:
    """The ticket's record in the centre's system (the docs folder: caller, phone, content and
    the salt), made once; the chain gets the salted hashes of the content and the phone."""
    path = loader.docs_dir / f"hotline-{t.key}.txt"
    who = _caller(t.caller)
    if path.exists():
        salt = bytes.fromhex(json.loads(path.read_text("utf-8").splitlines()[-1])["salt"])
    else:
        salt = secrets.token_bytes(32)
        loader.docs_dir.mkdir(parents=True, exist_ok=True)
        body = f"12345 工单底稿（演示）\n来电人：{who.name}\n电话：{who.phone}\n诉求：{t.text}\n"
        path.write_text(body + json.dumps({"salt": salt.hex()}) + "\n", encoding="utf-8")
    return seal(t.text, salt), seal(who.phone, salt), salt


def _new(loader: DemoLoader, t: Ticket, op: PrivateKey) -> Any:
    content, commitment, _ = _sealed(loader, t)
    args: dict[str, Any] = {"category": t.category, "matter": t.matter, "district": t.district}
    args |= {"content_hash": content, "caller_commitment": commitment}
    if t.stage in ("merged", "lodged"):
        return loader.call(loader.wallets[t.caller].key, C, "lodge", **args)
    return loader.call(op, C, "receive", channel="phone", caller=loader.did(t.caller), **args)


def ticket_flow(loader: DemoLoader, t: Ticket) -> Flow:
    """The ticket up to its stage (``road2`` is merged by the ``road`` flow)."""
    op = loader.member(CENTRE, "operator")
    (r,) = yield [_new(loader, t, op)]
    tid = returned(r)["id"]
    if t.stage == "lodged":
        return
    unit = loader.member(t.dept, "handler")
    salt = _sealed(loader, t)[2]
    note = seal(f"{t.key} 办理记录", salt)
    yield [loader.call(op, C, "dispatch", ticket_id=tid, dept=t.dept)]
    if t.stage == "dispatched":
        return
    if t.stage == "return":
        yield [loader.call(unit, C, "request_return", ticket_id=tid, reason="wrong_district")]
        return
    yield [loader.call(unit, C, "sign", ticket_id=tid)]
    if t.stage == "extension":
        later = next(x for x in TICKETS if x.stage == "merged")
        (r2,) = yield [_new(loader, later, op)]
        yield [
            loader.call(unit, C, "handle", ticket_id=tid, note_hash=note),
            loader.call(op, C, "merge", ticket_id=returned(r2)["id"], master_id=tid),
        ]
        yield [loader.call(unit, C, "request_extension", ticket_id=tid, days=5,
                           reason_hash=seal("需协调管线单位", salt))]  # fmt: skip
        return
    yield [loader.call(unit, C, "handle", ticket_id=tid, note_hash=note)]
    yield [loader.call(unit, C, "reply", ticket_id=tid, reply_hash=seal(f"{t.key} 答复", salt))]
    if t.stage == "replied":
        return
    if t.stage == "closed":
        yield [loader.call(loader.wallets[t.caller].key, C, "rate", ticket_id=tid,
                           result="satisfied")]  # fmt: skip
        yield [loader.call(op, C, "close", ticket_id=tid)]
        return
    # redo: 不满意 at the revisit, sent back, signed off again
    yield [loader.call(op, C, "revisit", ticket_id=tid, result="unsatisfied")]
    yield [loader.call(op, C, "redo", ticket_id=tid)]
    yield [loader.call(unit, C, "sign", ticket_id=tid)]


def _remember(loader: DemoLoader) -> None:
    """What the flows made, read back from the chain (``made['hotline']``): each demo ticket's
    id and status, found by its content hash."""
    sec = loader.section(C)
    total = loader.query(C, "statistics")["total"]
    by_hash = {_sealed(loader, t)[0].hex(): t for t in TICKETS}
    out = sec.setdefault("tickets", {})
    for n in range(1, total + 1):
        rec = loader.query(C, "ticket", ticket_id=f"RX{n:06d}")
        if rec is None:
            continue
        h = rec["content_hash"]
        t = by_hash.get(h.hex() if isinstance(h, bytes) else str(h).removeprefix("0x"))
        if t is not None:
            out[t.key] = {"id": rec["id"], "status": rec["status"], "stage": t.stage}
    sec["wallets"] = {c.wallet: str(loader.wallets[c.wallet].path) for c in CALLERS}


def flows(loader: DemoLoader) -> list[Flow]:
    if loader.query(C, "statistics")["total"] > 0:  # loaded before: it is on chain
        return []
    return [ticket_flow(loader, t) for t in TICKETS if t.stage != "merged"]


def after(loader: DemoLoader) -> None:
    _remember(loader)


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    sec = made.get(C, {})
    centre = "12345热线中心 受理派单台 / the hotline centre's desk"
    lines = [
        desk(url, "hotline", centre, keys, "rx12345-operator"),
        desk(url, "hotline-unit", "承办单位 工单台 / a unit's desk", keys, "zjj-handler",
             "bsjd-handler"),
        desk(url, "hotline-board", "部门评价与统计（公开）/ public scores and statistics"),
    ]  # fmt: skip
    wallet = sec.get("wallets", {}).get("hotline-chen")
    if wallet:
        lines.append(desk(url, "citizen", f"来电人 我的办事 / caller: {wallet}"))
    return lines
