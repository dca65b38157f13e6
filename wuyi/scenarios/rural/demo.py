"""农村产权交易's demo step (run by ``wuyi.demo_scenarios``): two village collectives with their
rolls (梅阁村 in 新会 双水镇, 大西村 in 台山 斗山镇) and, at each step of the exchange:

- ``announced``: a farmer's contract land (authorised, filed with the collective), two bidders
  qualified with deposits, sealed bids of the same amount, the tie won by the collective's
  member (her CollectiveMemberCredential presented as a private side-car), the contract with its
  clauses signed by both, the first year paid, deposits returned, the result announced and the
  交易鉴证书 issued to both parties' wallets;
- ``contracted`` (waiting): 大西村's orchard land (the representatives' resolution) awarded,
  the contract recorded and signed by the transferee, waiting for the collective's signature;
- ``relisted`` (waiting): 梅阁村's 四荒地 with no valid bid (流拍), relisted in round 2 with a
  long notice; a bidder registered, waiting for the exchange's qualification;
- ``authorised`` (waiting): a farmer's authorisation waiting to be filed by the collective.

The auctions run in block time with windows of seconds (the demo chain's parameters): the flow
waits for each window to open.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import returned
from wuyi.demo_scenarios_data import DemoCitizen
from wuyi.scenarios.rural.sdk import bid_commitment

if TYPE_CHECKING:
    from wuyi.abc import PrivateKey
    from wuyi.demo_scenarios import DemoLoader, Flow
    from wuyi.ledger.types import Transaction
    from wuyi.sdk.wallet import Wallet

__all__ = ["CITIZENS", "MEMBERS", "RULE_CLAIMS", "TYPES", "flows"]

MEMBERS = (
    ("nyj", "registrar"),
    ("nyj", "reviewer"),
    ("nyj", "issuer"),
    ("ncjy", "reviewer"),
    ("ncjy", "clearing"),
    ("ncjy", "issuer"),
)
MEMBER_TYPE = "CollectiveMemberCredential"
TYPES = (
    (
        MEMBER_TYPE,
        ["nyj"],
        ["collective_code", "name", "id_number", "household_no"],
        "农村集体经济组织成员 / member of a village collective",
    ),
    (
        "RuralTransferCertificate",
        ["ncjy"],
        [
            "certificate",
            "kind",
            "listing",
            "asset",
            "asset_kind",
            "collective",
            "annual",
            "start",
            "end",
            "use",
        ],
        "农村产权交易鉴证书 / rural property-rights transaction certificate",
    ),
)
#: the only claim the contract asks for (the tie rule)
RULE_CLAIMS = frozenset({"collective_code"})
MEIGE, DAXI = "N2440705MG001", "N2440781DX001"


def member(code: str, name: str, id_number: str, household: str) -> tuple[str, dict[str, Any]]:
    claims = {
        "collective_code": code,
        "name": name,
        "id_number": id_number,
        "household_no": household,
    }
    return (MEMBER_TYPE, claims)


# fmt: off
CITIZENS = (
    DemoCitizen("meige-council", "梅阁村股份经济合作社（理事会）/ 梅阁 village collective",
                person=False),
    DemoCitizen("daxi-council", "大西村股份经济合作社（理事会）/ 大西 village collective",
                person=False),
    DemoCitizen("liang-xiuying", "承包户，土地已成交 / farmer, her land transferred", (
        member(MEIGE, "梁秀英", "440705197203154426", "MG-03-021"),)),
    DemoCitizen("chen-dawei", "竞买人（本村成员），已成交 / bidder, member, won the tie", (
        member(MEIGE, "陈大伟", "440705198806120317", "MG-05-007"),)),
    DemoCitizen("huang-jun", "竞买人，同价未中；大西村待对方签约 / bidder; awaits a signature", ()),
    DemoCitizen("li-ming", "竞买人，重新挂牌待资格审核 / bidder, waiting for qualification", ()),
    DemoCitizen("ou-guoqiang", "承包户，授权待集体备案 / farmer, authorisation to be filed", (
        member(MEIGE, "区国强", "440705196511083913", "MG-02-014"),)),
)
# fmt: on

WINDOW_MS = 4_000  # each sealed-bid window of the demo's auctions
NOTICE_MS = 14_000  # from publication to the opening of bids (qualification, deposits)


def h(loader: DemoLoader, text: str) -> bytes:
    return bytes(loader.suite.hash(text.encode()))


def wait_until(ms: int) -> None:
    """The next block's time is at least the wall clock: sleep until ``ms`` has passed."""
    left = ms / 1000 - time.time()
    if left > 0:
        time.sleep(min(left + 0.2, 60))


def next_year() -> str:
    return f"{datetime.now(UTC).year + 1}-01-01"


def windows(start: int) -> dict[str, int]:
    return {
        "bid_open": start,
        "bid_close": start + WINDOW_MS,
        "reveal_close": start + 2 * WINDOW_MS,
    }


def collective(
    loader: DemoLoader,
    reg: PrivateKey,
    code: str,
    village: str,
    town: str,
    district: str,
    council: Wallet,
    members: int,
    households: int,
    representatives: int,
) -> Transaction:
    """农业农村局 registers a village's collective economic organisation, its council's DID
    and the hash of its 2025 member roll."""
    return loader.call(
        reg,
        "rural",
        "register_collective",
        code=code,
        village=village,
        town=town,
        district=district,
        did=council.did,
        members=members,
        households=households,
        representatives=representatives,
        roll_hash=h(loader, f"{village}成员名册 2025"),
    )


def contract_land(
    loader: DemoLoader,
    reg: PrivateKey,
    asset_id: str,
    name: str,
    place: str,
    area: int,
    contractor: Wallet,
) -> Transaction:
    """A 梅阁村 contracted plot (``place`` in 双水镇梅阁村), with its contractor and the hash of
    their 承包经营权证."""
    return loader.call(
        reg,
        "rural",
        "register_asset",
        asset_id=asset_id,
        collective=MEIGE,
        kind="contract_land",
        use="crop",
        grade=4,
        contract_end="2057-12-31",
        name=name,
        location=f"双水镇梅阁村{place}",
        area=area,
        contractor=contractor.did,
        cert_hash=h(loader, f"承包经营权证 {asset_id[-4:]}"),
    )


def wasteland(
    loader: DemoLoader,
    reg: PrivateKey,
    asset_id: str,
    code: str,
    name: str,
    location: str,
    area: int,
) -> Transaction:
    """A collective's 四荒地 (waste land) for an orchard."""
    return loader.call(
        reg,
        "rural",
        "register_asset",
        asset_id=asset_id,
        collective=code,
        kind="four_wastes",
        name=name,
        location=location,
        area=area,
        use="orchard",
    )


def setup(loader: DemoLoader) -> Flow:
    """The collectives, the land, the farmers' authorisations, the resolutions and the three
    listings; then the auctions (announced, contracted) and 流拍 with relisting."""
    out = loader.section("rural")
    if loader.query("rural", "collective", code=MEIGE) is not None:
        return  # loaded before
    reg = loader.member("nyj", "registrar")
    exch = loader.member("ncjy", "reviewer")
    meige, daxi = loader.wallets["meige-council"], loader.wallets["daxi-council"]
    farmer, other = loader.wallets["liang-xiuying"], loader.wallets["ou-guoqiang"]
    yield [
        collective(loader, reg, MEIGE, "梅阁村", "双水镇", "440705", meige, 312, 96, 31),
        collective(loader, reg, DAXI, "大西村", "斗山镇", "440781", daxi, 128, 41, 15),
    ]
    yield [
        contract_land(loader, reg, "440705-MG-0101", "大坑片 3 号地", "第三村民小组大坑片", 1250,
                      farmer),
        contract_land(loader, reg, "440705-MG-0207", "塘边片 7 号地", "第二村民小组塘边片", 860,
                      other),
        wasteland(loader, reg, "440705-MG-0900", MEIGE, "后山荒坡", "双水镇梅阁村后山", 8000),
        wasteland(loader, reg, "440781-DX-0301", DAXI, "东坑荒山", "斗山镇大西村东坑", 3000),
    ]  # fmt: skip
    r1, r2 = yield [
        loader.call(
            farmer.key,
            "rural",
            "authorise_transfer",
            asset_id="440705-MG-0101",
            min_annual=80_000,
            max_years=10,
        ),
        loader.call(
            other.key,
            "rural",
            "authorise_transfer",
            asset_id="440705-MG-0207",
            min_annual=60_000,
            max_years=8,
        ),
    ]
    auth1, auth2 = returned(r1)["id"], returned(r2)["id"]
    out["authorised"] = {
        "asset": "440705-MG-0207",
        "authorisation": auth2,
        "farmer": "ou-guoqiang",
        "collective": "meige-council",
    }
    today = datetime.now(UTC).date().isoformat()
    vote = {
        "meeting_kind": "representatives",
        "minutes_hash": h(loader, "会议纪要"),
        "held_on": today,
        "max_years": 15,
        "use": "orchard",
    }
    _, r3, r4 = yield [
        loader.call(meige.key, "rural", "file_authorisation", auth_id=auth1),
        loader.call(
            meige.key,
            "rural",
            "record_resolution",
            asset_id="440705-MG-0900",
            eligible=31,
            attended=27,
            yes=21,
            min_annual=300_000,
            **vote,
        ),
        loader.call(
            daxi.key,
            "rural",
            "record_resolution",
            asset_id="440781-DX-0301",
            eligible=15,
            attended=13,
            yes=11,
            min_annual=200_000,
            **vote,
        ),
    ]
    res1, res2 = returned(r3)["id"], returned(r4)["id"]
    opens = int(time.time() * 1000) + NOTICE_MS
    terms = {"term_start": next_year(), **windows(opens)}
    listings = (  # asset, its source (authorisation or resolution), reserve, deposit, use, years
        ("440705-MG-0101", auth1, 100_000, 20_000, "crop", 5),
        ("440781-DX-0301", res2, 200_000, 40_000, "orchard", 10),
        ("440705-MG-0900", res1, 300_000, 50_000, "orchard", 15),
    )
    l1, l2, l3 = yield [
        loader.call(
            exch,
            "rural",
            "publish_listing",
            asset_id=asset,
            source_id=source,
            reserve=reserve,
            deposit=deposit,
            use=use,
            term_years=years,
            **terms,
        )
        for asset, source, reserve, deposit, use, years in listings
    ]
    ids = [str(returned(r)["id"]) for r in (l1, l2, l3)]
    yield from auctions(loader, ids, opens)


def auctions(loader: DemoLoader, ids: list[str], opens: int) -> Flow:
    out = loader.section("rural")
    exch, settle = loader.member("ncjy", "reviewer"), loader.member("ncjy", "clearing")
    w = loader.wallets
    chen, huang, li = w["chen-dawei"], w["huang-jun"], w["li-ming"]
    farmer = w["liang-xiuying"]
    won, contracted, failed = ids
    # registration (the people's own transactions) and the tie rule's consent
    req = loader.query("rural", "member_request")
    consent = yield from loader.consent(
        "chen-dawei",
        req["verifier"],
        req["types"],
        req["claims"],
        "集体成员优先 / member's priority",
    )
    yield [
        loader.call(chen.key, "rural", "register_bid", listing_id=won),
        loader.call(huang.key, "rural", "register_bid", listing_id=won),
        loader.call(huang.key, "rural", "register_bid", listing_id=contracted),
    ]
    ok = h(loader, "经营能力材料 / farming capability")
    people = [(won, chen.did, 20_000), (won, huang.did, 20_000), (contracted, huang.did, 40_000)]
    yield [
        loader.call(
            exch, "rural", "qualify", listing_id=x, bidder=d, approve=True, evidence_hash=ok
        )
        for x, d, _ in people
    ]
    while not loader.has("chen-dawei", MEMBER_TYPE):
        yield []
    nonce = loader.query("rural", "member_nonce", listing_id=won, did=chen.did)
    ref = loader.presentation(chen, req, nonce, consent)
    yield [
        loader.call(settle, "rural", "record_deposit", listing_id=x, bidder=d, amount=a)
        for x, d, a in people
    ] + [
        loader.call(
            chen.key,
            "rural",
            "claim_membership",
            listing_id=won,
            presentation_text=ref,
        )
    ]
    # sealed bids: the commitments in the bid window, the amounts in the reveal window
    bids = [
        (won, chen, 150_000, b"c" * 16),
        (won, huang, 150_000, b"h" * 16),
        (contracted, huang, 260_000, b"x" * 16),
    ]
    wait_until(opens)
    yield [
        loader.call(
            who.key,
            "rural",
            "commit_bid",
            listing_id=x,
            commitment=bid_commitment(loader.suite, "rural", x, who.did, amount, salt),
        )
        for x, who, amount, salt in bids
    ]
    wait_until(opens + WINDOW_MS)
    yield [
        loader.call(who.key, "rural", "reveal_bid", listing_id=x, amount=amount, salt=salt)
        for x, who, amount, salt in bids
    ]
    wait_until(opens + 2 * WINDOW_MS)
    yield [loader.call(exch, "rural", "award", listing_id=x) for x in ids]
    clauses = {
        "payment_method": "annual_in_advance",
        "rights_duties_hash": h(loader, "权利义务"),
        "expropriation_hash": h(loader, "征收补偿"),
        "liability_hash": h(loader, "违约责任"),
    }
    yield [
        loader.call(
            exch,
            "rural",
            "record_contract",
            listing_id=listing,
            **clauses,
            document_hash=h(loader, f"合同文本 {listing}"),
        )
        for listing in (won, contracted)
    ]
    yield [
        loader.call(chen.key, "rural", "sign_contract", listing_id=won),
        loader.call(farmer.key, "rural", "sign_contract", listing_id=won),
        loader.call(huang.key, "rural", "sign_contract", listing_id=contracted),
    ]
    yield [
        loader.call(settle, "rural", "record_payment", listing_id=won, amount=150_000, year=1),
        loader.call(settle, "rural", "refund_deposit", listing_id=won, bidder=huang.did),
    ]
    (r,) = yield [loader.call(exch, "rural", "announce", listing_id=won)]
    cert = returned(r)["cert"]
    yield [loader.call(settle, "rural", "refund_deposit", listing_id=won, bidder=chen.did)]
    out["announced"] = {
        "listing": won,
        "asset": "440705-MG-0101",
        "certificate": cert,
        "winner": "chen-dawei",
        "transferor": "liang-xiuying",
        "rule": "member_priority",
    }
    out["contracted"] = {
        "listing": contracted,
        "asset": "440781-DX-0301",
        "transferee": "huang-jun",
        "to_sign": "daxi-council",
    }
    # 流拍: relisted with a notice of a week (the exchange qualifies li-ming before it opens)
    start = int(time.time() * 1000) + 7 * 86_400_000
    (r,) = yield [
        loader.call(
            exch,
            "rural",
            "relist",
            listing_id=failed,
            reserve=300_000,
            deposit=40_000,
            term_start=next_year(),
            bid_open=start,
            bid_close=start + 86_400_000,
            reveal_close=start + 2 * 86_400_000,
        )
    ]
    relisted = str(returned(r)["id"])
    yield [loader.call(li.key, "rural", "register_bid", listing_id=relisted)]
    out["relisted"] = {
        "failed": failed,
        "listing": relisted,
        "asset": "440705-MG-0900",
        "bidder": "li-ming",
        "round": 2,
    }
    out["collectives"] = {MEIGE: "meige-council", DAXI: "daxi-council"}


def flows(loader: DemoLoader) -> list[Flow]:
    return [setup(loader)]


def after(loader: DemoLoader) -> None:
    loader.issue_certificates("rural", ["ncjy"])


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    r = made.get("rural", {})
    lines = [f"  {url}/console/#/rural   # 农村产权交易 (挂牌与成交公示, 交易中心, 村集体, 我的)"]
    if "announced" in r:
        lines.append(
            f"    成交 {r['announced']['listing']} · 待签约 {r['contracted']['listing']}"
            f" (daxi-council.json) · 重新挂牌 {r['relisted']['listing']} (待资格审核 li-ming)"
            f" · 授权待备案 {r['authorised']['authorisation']} (meige-council.json)"
        )
    return lines
