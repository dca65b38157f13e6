"""农村产权交易 (scenario 9): the contract's rules in the sandbox, one by one, each refusal
naming its rule and changing nothing — the collective's roll and resolutions (quorum, two
thirds, majority of those present), the farmer's authorisation filed with the collective, the
listing (reserve floor, deposit cap, agricultural use, term within the contract term, notice in
working days, windows), bidders (registration, qualification, social-capital review, deposit),
sealed bids (commit in the window, replace, reveal against the commitment), the tie rule
(collective member, then the earliest bid), forfeits, 流拍 and relisting, the contract with its
eight clauses, signatures, the registration hook, payments, refunds, the announcement with its
交易鉴证书, the governed parameters. The whole folder through a node is in
``test_scenario_rural_api.py``; the credential path of the tie rule in
``test_scenario_rural_member.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from wuyi.exceptions import ContractRevert, Unauthorized
from wuyi.scenarios import load
from wuyi.testing.contracts import ContractTester

SCENARIO = load("wuyi.scenarios.rural")
MIN = 60_000
DAY = 86_400_000
HOUR = 3_600_000
#: Monday 2 March 2026, 10:00 in Jiangmen
T0 = int(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC).timestamp() * 1000)
#: 10 working days of notice from 2 March: to 16 March; bidding opens 17 March 00:00 CST
OPEN = int(dt.datetime(2026, 3, 16, 16, 0, tzinfo=dt.UTC).timestamp() * 1000)
COUNCIL = "did:wuyi:council-meige-0001"
FARMER = "did:wuyi:farmer-lin-00001"
ALICE = "did:wuyi:bidder-alice-0001"
BOB = "did:wuyi:bidder-bob-00001"
CAROL = "did:wuyi:bidder-carol-001"
WYNY = "did:wuyi:org:wyny"
H = hashlib.sha256


def h(text: str) -> bytes:
    return H(text.encode()).digest()


def seal(listing: str, bidder: str, amount: int, salt: bytes) -> bytes:
    """The commitment as a bidder's client computes it (the test chain hashes with SHA-256)."""
    return h(f"rural/bid/{listing}/{bidder}/{amount}/{salt.hex()}")


class World:
    """A tester with the bureau, the exchange, a collective (Meige village), its land and its
    people, the contract deployed with the default parameters."""

    def __init__(self, **params: Any) -> None:
        self.t = t = ContractTester(time=T0)
        t.identity("nyj-admin", org="nyj", roles=["admin"])
        t.identity("nyj-reg", org="nyj", roles=["registrar"])
        t.identity("nyj-rev", org="nyj", roles=["reviewer"])
        t.identity("ncjy-admin", org="ncjy", roles=["admin"])
        t.identity("ncjy-rev", org="ncjy", roles=["reviewer"])
        t.identity("ncjy-set", org="ncjy", roles=["clearing"])
        t.identity("ncjy-iss", org="ncjy", roles=["issuer"])
        t.identity("wyny", org="wyny", roles=["bidder"])
        for name, did in [
            ("council", COUNCIL),
            ("farmer", FARMER),
            ("alice", ALICE),
            ("bob", BOB),
            ("carol", CAROL),
        ]:
            t.identity(name, did=did)
        self.c = t.deploy(
            "rural", SCENARIO.source(), init_args={"params": params} if params else None
        )
        self.c.call(
            "register_collective",
            code="N2440705MG001",
            village="梅阁村",
            town="双水镇",
            district="440705",
            did=COUNCIL,
            members=300,
            households=90,
            representatives=30,
            roll_hash=h("roll"),
            sender="nyj-reg",
        )
        self.c.call(
            "register_asset",
            asset_id="440705-MG-0101",
            collective="N2440705MG001",
            kind="contract_land",
            name="大坑片 3 号地",
            location="双水镇梅阁村第三村民小组大坑片",
            area=1250,
            use="crop",
            grade=4,
            contractor=FARMER,
            contract_end="2057-12-31",
            cert_hash=h("cert"),
            sender="nyj-reg",
        )
        self.c.call(
            "register_asset",
            asset_id="440705-MG-0900",
            collective="N2440705MG001",
            kind="four_wastes",
            name="后山荒坡",
            location="双水镇梅阁村后山",
            area=8000,
            use="orchard",
            sender="nyj-reg",
        )
        self.c.call(
            "register_asset",
            asset_id="440705-MG-W01",
            collective="N2440705MG001",
            kind="collective_asset",
            name="村集体仓库",
            location="双水镇梅阁村村委会旁",
            area=60,
            use="warehouse",
            sender="nyj-reg",
        )

    def call(self, method: str, sender: str, **args: Any) -> Any:
        return self.c.call(method, sender=sender, **args)

    def query(self, method: str, **args: Any) -> Any:
        return self.c.query(method, **args)

    def authorised(self, min_annual: int = 80_000, max_years: int = 10) -> str:
        a = self.call(
            "authorise_transfer",
            "farmer",
            asset_id="440705-MG-0101",
            min_annual=min_annual,
            max_years=max_years,
        )
        self.call("file_authorisation", "council", auth_id=a["id"])
        return str(a["id"])

    def listed(self, **over: Any) -> str:
        """The farmer's land listed: bidding opens at OPEN, a day each for bids and
        reveals."""
        src = over.pop("source_id", None) or self.authorised()
        args = {
            "asset_id": "440705-MG-0101",
            "source_id": src,
            "reserve": 100_000,
            "deposit": 20_000,
            "use": "crop",
            "term_start": "2026-04-01",
            "term_years": 5,
            "bid_open": OPEN,
            "bid_close": OPEN + DAY,
            "reveal_close": OPEN + 2 * DAY,
        } | over
        return str(self.call("publish_listing", "ncjy-rev", **args)["id"])

    def ready(self, listing: str, *who: str) -> None:
        """Bidders registered, qualified and with their deposits paid."""
        dep = self.query("listing", listing_id=listing)["deposit"]
        for name in who:
            did = self.bidder(name)
            self.call("register_bid", name, listing_id=listing)
            self.call("qualify", "ncjy-rev", listing_id=listing, bidder=did, approve=True,
                      evidence_hash=h("ok"))  # fmt: skip
            self.call("record_deposit", "ncjy-set", listing_id=listing, bidder=did, amount=dep)

    def bidder(self, name: str) -> str:
        return {"alice": ALICE, "bob": BOB, "carol": CAROL, "wyny": WYNY, "farmer": FARMER}[name]

    def bid(self, listing: str, name: str, amount: int) -> bytes:
        salt = h(f"salt/{name}/{amount}")[:20]
        self.call("commit_bid", name, listing_id=listing,
                  commitment=seal(listing, self.bidder(name), amount, salt))  # fmt: skip
        return salt

    def at(self, ms: int) -> None:
        self.t.time = ms
        self.t.height += 1


def refused(w: World, match: str, method: str, sender: str, **args: Any) -> None:
    """The call is refused naming ``match`` and the contract's state is unchanged."""
    before = w.t.state("rural")
    with pytest.raises(ContractRevert, match=match):
        w.call(method, sender, **args)
    assert w.t.state("rural") == before


# -- collectives, assets, the sources of a listing ------------------------------------------------


def test_collectives_and_assets_are_registered_by_the_bureau() -> None:
    w = World()
    c = w.query("collective", code="N2440705MG001")
    assert c["roll"]["members"] == 300 and c["did"] == COUNCIL and c["town"] == "双水镇"
    assert w.query("collective_of", did=COUNCIL) == "N2440705MG001"
    with pytest.raises(Unauthorized):  # no registrar role
        w.call("register_collective", "ncjy-rev", code="X", village="x", town="x",
               district="440705", did=ALICE, members=1, households=1, representatives=1,
               roll_hash=h("r"))  # fmt: skip
    base = {
        "code": "N2440705MG002",
        "village": "新村",
        "town": "双水镇",
        "district": "440705",
        "did": ALICE,
        "members": 10,
        "households": 4,
        "representatives": 3,
        "roll_hash": h("r"),
    }
    refused(w, "collective rule: 'N2440705MG001' is registered", "register_collective",
            "nyj-reg", **(base | {"code": "N2440705MG001"}))  # fmt: skip
    refused(w, "already acts for collective", "register_collective", "nyj-reg",
            **(base | {"did": COUNCIL}))  # fmt: skip
    refused(w, "roll rule", "register_collective", "nyj-reg", **(base | {"households": 11}))
    refused(w, "district is a 6-digit code", "register_collective", "nyj-reg",
            **(base | {"district": "江门"}))  # fmt: skip
    land = {
        "asset_id": "440705-MG-0102",
        "collective": "N2440705MG001",
        "kind": "contract_land",
        "name": "x",
        "location": "x",
        "area": 100,
        "use": "crop",
        "contractor": FARMER,
        "contract_end": "2057-12-31",
        "cert_hash": h("c2"),
    }
    # contracted land stays agricultural (Art. 38(二)); it names its contractor and term
    refused(w, "'factory' is not an agricultural use", "register_asset", "nyj-reg",
            **(land | {"use": "factory"}))  # fmt: skip
    refused(w, "names the contractor's DID", "register_asset", "nyj-reg",
            **(land | {"contractor": None}))  # fmt: skip
    refused(w, "calendar rule", "register_asset", "nyj-reg",
            **(land | {"contract_end": "2057-13-01"}))  # fmt: skip
    refused(w, "only contracted land has a contractor", "register_asset", "nyj-reg",
            **(land | {"kind": "four_wastes", "use": "orchard"}))  # fmt: skip
    refused(w, "no collective", "register_asset", "nyj-reg", **(land | {"collective": "NOPE"}))
    roll = w.call("update_roll", "nyj-reg", code="N2440705MG001", members=310, households=92,
                  representatives=31, roll_hash=h("roll2"))  # fmt: skip
    assert roll["roll"]["members"] == 310 and len(roll["rolls"]) == 2


def test_a_farmers_authorisation_is_filed_with_the_collective_before_listing() -> None:
    w = World()
    args = {"asset_id": "440705-MG-0101", "min_annual": 80_000, "max_years": 10}
    refused(w, r"authorisation rule \(第三十六条\): only the contractor", "authorise_transfer",
            "alice", **args)  # fmt: skip
    refused(w, "the collective's resolution lists it", "authorise_transfer", "farmer",
            **(args | {"asset_id": "440705-MG-0900"}))  # fmt: skip
    a = w.call("authorise_transfer", "farmer", **args)
    assert a["status"] == "authorised" and a["contractor"] == FARMER
    listing = {
        "asset_id": "440705-MG-0101",
        "source_id": a["id"],
        "reserve": 100_000,
        "deposit": 20_000,
        "use": "crop",
        "term_start": "2026-04-01",
        "term_years": 5,
        "bid_open": OPEN,
        "bid_close": OPEN + DAY,
        "reveal_close": OPEN + 2 * DAY,
    }
    refused(w, r"listing rule \(备案.*must be filed with the collective", "publish_listing",
            "ncjy-rev", **listing)  # fmt: skip
    refused(w, "only collective N2440705MG001", "file_authorisation", "alice", auth_id=a["id"])
    assert w.call("file_authorisation", "council", auth_id=a["id"])["status"] == "filed"
    refused(w, "is filed", "file_authorisation", "council", auth_id=a["id"])
    assert w.call("publish_listing", "ncjy-rev", **listing)["status"] == "published"


def resolution(w: World, asset: str = "440705-MG-0900", **over: Any) -> dict[str, Any]:
    args = {
        "asset_id": asset,
        "meeting_kind": "representatives",
        "eligible": 30,
        "attended": 26,
        "yes": 20,
        "minutes_hash": h("minutes"),
        "held_on": "2026-02-27",
        "min_annual": 300_000,
        "max_years": 15,
        "use": "orchard",
    } | over
    out: dict[str, Any] = w.call("record_resolution", "council", **args)
    return out


def test_resolutions_need_the_quorum_and_two_thirds_where_the_law_asks() -> None:
    w = World()
    # 四荒地 to outsiders: 2/3 of all representatives (20 of 30), a quorum of 2/3 present
    r = resolution(w)
    assert r["checked"]["threshold"] == "consent_land" and r["claimed_by"] == COUNCIL
    base = {
        "asset_id": "440705-MG-0900",
        "meeting_kind": "representatives",
        "eligible": 30,
        "attended": 26,
        "yes": 20,
        "minutes_hash": h("minutes"),
        "held_on": "2026-02-27",
        "min_annual": 300_000,
        "max_years": 15,
        "use": "orchard",
    }
    refused(w, r"two-thirds rule \(consent_land.*19 of 30 agreed", "record_resolution",
            "council", **(base | {"yes": 19}))  # fmt: skip
    refused(w, r"quorum rule \(quorum_representatives.*19 of 30 attended", "record_resolution",
            "council", **(base | {"attended": 19, "yes": 19}))  # fmt: skip
    # the denominator is the registered roll's, not the collective's word
    refused(w, "counts the 30 representatives of the registered roll, not 25",
            "record_resolution", "council", **(base | {"eligible": 25}))  # fmt: skip
    refused(w, "a four_wastes resolution is taken by one of assembly_members, representatives",
            "record_resolution", "council",
            **(base | {"meeting_kind": "assembly_households"}))  # fmt: skip
    refused(w, "has not been held yet", "record_resolution", "council",
            **(base | {"held_on": "2026-03-03"}))  # fmt: skip
    refused(w, "only collective N2440705MG001", "record_resolution", "alice", **base)
    refused(w, "its contractor authorises", "record_resolution", "council",
            **(base | {"asset_id": "440705-MG-0101"}))  # fmt: skip
    refused(w, "'factory' is not an agricultural use", "record_resolution", "council",
            **(base | {"use": "factory"}))  # fmt: skip
    # a villagers' assembly: more than half of the 300 adult members present
    refused(w, r"quorum rule \(quorum_assembly_members.*150 of 300 attended", "record_resolution",
            "council", **(base | {"meeting_kind": "assembly_members", "eligible": 300,
                                  "attended": 150, "yes": 150}))  # fmt: skip
    ok = resolution(w, meeting_kind="assembly_members", eligible=300, attended=200, yes=200)
    assert ok["checked"]["quorum"] == "quorum_assembly_members"
    # a collective asset: the quorum, then a majority of those present (not of all)
    asset = {"asset_id": "440705-MG-W01", "use": "warehouse", "meeting_kind": "assembly_households",
             "eligible": 90, "attended": 60, "yes": 30}  # fmt: skip
    refused(w, r"majority rule \(pass_attendees.*30 of 60 present", "record_resolution",
            "council", **(base | asset))  # fmt: skip
    refused(w, r"quorum rule \(quorum_assembly_households.*59 of 90", "record_resolution",
            "council", **(base | asset | {"attended": 59, "yes": 40}))  # fmt: skip
    got = w.call("record_resolution", "council", **(base | asset | {"yes": 31}))
    assert got["checked"]["threshold"] == "pass_attendees"


# -- listings -----------------------------------------------------------------------------------


def test_a_listing_keeps_the_rules_of_what_stands_behind_it() -> None:
    w = World()
    src = w.authorised(min_annual=80_000, max_years=10)
    base = {
        "asset_id": "440705-MG-0101",
        "source_id": src,
        "reserve": 100_000,
        "deposit": 20_000,
        "use": "crop",
        "term_start": "2026-04-01",
        "term_years": 5,
        "bid_open": OPEN,
        "bid_close": OPEN + DAY,
        "reveal_close": OPEN + 2 * DAY,
    }
    go = "publish_listing"
    refused(w, "below the 800.00 yuan a year the authorisation", go, "ncjy-rev",
            **(base | {"reserve": 79_999}))  # fmt: skip
    refused(w, r"deposit rule \(max_deposit_pct\): .* at most 20%", go, "ncjy-rev",
            **(base | {"deposit": 20_001}))  # fmt: skip
    refused(w, r"use rule \(农业用途.*'industrial' is not an agricultural use", go, "ncjy-rev",
            **(base | {"use": "industrial"}))  # fmt: skip
    refused(w, "allows at most 10 years", go, "ncjy-rev", **(base | {"term_years": 11}))
    # the remaining contract term (to 2057-12-31) caps the lease (Art. 38(三))
    w.call("register_asset", "nyj-reg", asset_id="440705-MG-0102", collective="N2440705MG001",
           kind="contract_land", name="x", location="x", area=300, use="crop", contractor=FARMER,
           contract_end="2030-12-31", cert_hash=h("c2"))  # fmt: skip
    a2 = w.call("authorise_transfer", "farmer", asset_id="440705-MG-0102", min_annual=1,
                max_years=10)  # fmt: skip
    w.call("file_authorisation", "council", auth_id=a2["id"])
    refused(w, r"term rule \(《农村土地承包法》第三十八条第三项\): the lease to 2031-03-31"
            " runs past"
            " the remaining contract term, which ends 2030-12-31", go, "ncjy-rev",
            **(base | {"asset_id": "440705-MG-0102", "source_id": a2["id"]}))  # fmt: skip
    # notice: 10 working days (to 16 March) before bidding opens on 17 March
    refused(w, r"notice rule \(notice_working_days\): .* to 2026-03-16; bidding opens on"
            " 2026-03-17", go, "ncjy-rev",
            **(base | {"bid_open": OPEN - 1}))  # fmt: skip
    refused(w, r"window rule \(min_bid_minutes\)", go, "ncjy-rev",
            **(base | {"bid_close": OPEN + DAY - 1}))  # fmt: skip
    refused(w, r"window rule \(min_reveal_minutes\)", go, "ncjy-rev",
            **(base | {"reveal_close": OPEN + 2 * DAY - 1}))  # fmt: skip
    refused(w, "the term starts after the auction ends", go, "ncjy-rev",
            **(base | {"term_start": "2026-03-18"}))  # fmt: skip
    # the bureau's reviewer is not the exchange's
    refused(w, "only members of 'ncjy' with the role reviewer publish listings", go, "nyj-rev",
            **base)  # fmt: skip
    x = w.call(go, "ncjy-rev", **base)
    assert x["term_end"] == "2031-03-31" and x["transferor"] == FARMER
    assert w.query("listing", listing_id=x["id"])["phase"] == "notice"
    refused(w, f"already in listing {x['id']}", go, "ncjy-rev", **base)


def test_the_notice_counts_working_days_through_a_holiday() -> None:
    """A listing published on Friday 13 February 2026, before Spring Festival: ten working
    days run to 5 March (14 and 28 February are make-up working days, 15-23 off)."""
    w = World()
    w.at(int(dt.datetime(2026, 2, 13, 2, 0, tzinfo=dt.UTC).timestamp() * 1000))
    src = w.authorised()
    opens = int(dt.datetime(2026, 3, 5, 16, 0, tzinfo=dt.UTC).timestamp() * 1000)
    args = {"source_id": src, "bid_open": opens - 1, "bid_close": opens + DAY,
            "reveal_close": opens + 2 * DAY}  # fmt: skip
    with pytest.raises(ContractRevert, match="to 2026-03-05; bidding opens on 2026-03-06"):
        w.listed(**args)
    assert w.listed(**(args | {"bid_open": opens}))


def test_a_resolution_backs_a_listing_while_it_is_valid() -> None:
    w = World()
    r = resolution(w, held_on="2026-01-01")
    base = {"asset_id": "440705-MG-0900", "source_id": r["id"], "reserve": 300_000,
            "deposit": 50_000, "use": "orchard", "term_years": 15}  # fmt: skip
    w.at(int(dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC).timestamp() * 1000))
    later = w.t.time + 30 * DAY
    refused(w, r"listing rule \(resolution_valid_days\): the resolution of 2026-01-01 served"
            " until 2026-06-30", "publish_listing", "ncjy-rev",
            **(base | {"term_start": "2026-09-01", "bid_open": later, "bid_close": later + DAY,
                       "reveal_close": later + 2 * DAY}))  # fmt: skip
    w.at(T0)  # 2 March: within 180 days of the meeting
    windows = {"bid_open": OPEN, "bid_close": OPEN + DAY, "reveal_close": OPEN + 2 * DAY}
    refused(
        w,
        "use rule: the resolution RS-000001 approved the use 'orchard'",
        "publish_listing",
        "ncjy-rev",
        **(base | windows | {"use": "tea", "term_start": "2026-04-01"}),
    )
    x = w.listed(**base)
    listing = w.query("listing", listing_id=x)
    assert listing["transferor"] == COUNCIL and listing["source"]["kind"] == "resolution"
    assert listing["transferor_kind"] == "collective" and listing["term_end"] == "2041-03-31"


def test_a_published_listing_is_only_withdrawn_on_record() -> None:
    w = World()
    x = w.listed()
    refused(w, "withdrawal rule: reason", "withdraw", "ncjy-rev", listing_id=x, reason=" ")
    out = w.call("withdraw", "ncjy-rev", listing_id=x, reason="承包方申请终止流转 / withdrawn")
    assert out["status"] == "withdrawn" and out["withdrawal"]["reason"].startswith("承包方")
    assert w.query("asset", asset_id="440705-MG-0101")["listing"] is None
    refused(w, "withdrawal rule: listing NC-000001 is withdrawn", "withdraw", "ncjy-rev",
            listing_id=x, reason="again")  # fmt: skip


# -- bidders and sealed bids --------------------------------------------------------------------


def test_bidders_register_and_qualify_and_pay_during_the_notice() -> None:
    w = World()
    x = w.listed()
    refused(w, "the transferor does not bid", "register_bid", "farmer", listing_id=x)
    w.call("register_bid", "alice", listing_id=x)
    refused(w, "is registered for", "register_bid", "alice", listing_id=x)
    refused(w, "has not registered", "qualify", "ncjy-rev", listing_id=x, bidder=BOB,
            approve=True, evidence_hash=h("e"))  # fmt: skip
    refused(w, r"deposit rule: the deposit of NC-000001 is 200.00 yuan \(20000 fen\)",
            "record_deposit", "ncjy-set", listing_id=x, bidder=ALICE, amount=19_999)  # fmt: skip
    with pytest.raises(Unauthorized, match="needs one of the roles \\['clearing'\\]"):
        w.call("record_deposit", "ncjy-rev", listing_id=x, bidder=ALICE, amount=20_000)
    w.call("record_deposit", "ncjy-set", listing_id=x, bidder=ALICE, amount=20_000)
    refused(w, "has paid the deposit", "record_deposit", "ncjy-set", listing_id=x, bidder=ALICE,
            amount=20_000)  # fmt: skip
    w.call("qualify", "ncjy-rev", listing_id=x, bidder=ALICE, approve=True, evidence_hash=h("e"))
    counts = w.query("listing", listing_id=x)["counts"]
    assert counts == {"registered": 1, "qualified": 1, "deposits": 1, "committed": 0,
                      "revealed": 0, "valid": 0}  # fmt: skip
    w.at(OPEN)  # bidding opens: registration, qualification and deposits are closed
    refused(w, "registration .* closes when bidding opens; it is bidding", "register_bid", "bob",
            listing_id=x)  # fmt: skip
    refused(w, "qualification rule: bidders are qualified before bidding opens", "qualify",
            "ncjy-rev", listing_id=x, bidder=ALICE, approve=False,
            evidence_hash=h("e"))  # fmt: skip


def test_a_large_enterprise_bidder_needs_the_bureaus_review() -> None:
    w = World()
    r = resolution(w)  # 四荒地 of 80 亩 (8000 × 0.01): above social_capital_mu (50 亩)
    x = w.listed(asset_id="440705-MG-0900", source_id=r["id"], reserve=300_000, deposit=50_000,
                 use="orchard", term_years=15)  # fmt: skip
    w.call("register_bid", "wyny", listing_id=x)
    assert w.query("bid", listing_id=x, bidder=WYNY)["kind"] == "org"
    args = {"listing_id": x, "bidder": WYNY, "approve": True, "evidence_hash": h("e")}
    refused(w, r"social-capital rule \(第四十五条, social_capital_mu\)", "qualify", "ncjy-rev",
            **args)  # fmt: skip
    w.call("review_social_capital", "nyj-rev", listing_id=x, org="wyny", approve=False,
           review_hash=h("review"))  # fmt: skip
    refused(w, "social-capital rule", "qualify", "ncjy-rev", **args)
    w.call("review_social_capital", "nyj-rev", listing_id=x, org="wyny", approve=True,
           review_hash=h("review2"))  # fmt: skip
    assert w.call("qualify", "ncjy-rev", **args)["qualified"]["approved"] is True
    # a person bidder needs no such review
    w.call("register_bid", "alice", listing_id=x)
    w.call("qualify", "ncjy-rev", listing_id=x, bidder=ALICE, approve=True, evidence_hash=h("e"))


def test_sealed_bids_commit_in_the_window_and_reveal_against_the_commitment() -> None:
    w = World()
    x = w.listed()
    w.ready(x, "alice", "bob")
    w.call("register_bid", "carol", listing_id=x)  # registered, never qualified
    salt = h("alice-salt")[:16]
    c = seal(x, ALICE, 120_000, salt)
    assert w.query("commitment", listing_id=x, bidder=ALICE, amount=120_000, salt=salt) == c
    refused(w, "bid rule: listing NC-000001 is notice, not in its bid window", "commit_bid",
            "alice", listing_id=x, commitment=c)  # fmt: skip
    w.at(OPEN)
    refused(w, "is not qualified", "commit_bid", "carol", listing_id=x, commitment=c)
    refused(w, "has not registered", "commit_bid", "wyny", listing_id=x, commitment=c)
    first = w.call("commit_bid", "alice", listing_id=x, commitment=seal(x, ALICE, 110_000, salt))
    again = w.call("commit_bid", "alice", listing_id=x, commitment=c)  # changed before the close
    assert again["commits"] == 2 and again["seq"] > first["seq"]
    bob_salt = w.bid(x, "bob", 90_000)  # below the reserve
    listing = w.query("listing", listing_id=x)
    assert listing["phase"] == "bidding" and listing["counts"]["committed"] == 2
    # nothing about the amounts is on chain yet
    assert b"120000" not in repr(w.t.state("rural")).encode()
    refused(w, "reveal rule: listing NC-000001 is bidding", "reveal_bid", "alice", listing_id=x,
            amount=120_000, salt=salt)  # fmt: skip
    w.at(OPEN + DAY)
    refused(w, "bid rule: listing NC-000001 is revealing", "commit_bid", "alice", listing_id=x,
            commitment=c)  # fmt: skip
    refused(
        w,
        "do not match the sealed commitment",
        "reveal_bid",
        "alice",
        listing_id=x,
        amount=110_000,
        salt=salt,
    )  # the replaced bid no longer counts
    refused(w, "the salt is 16-64 bytes", "reveal_bid", "alice", listing_id=x, amount=120_000,
            salt=b"short")  # fmt: skip
    got = w.call("reveal_bid", "alice", listing_id=x, amount=120_000, salt=salt)
    assert got["reveal"] == {"amount": 120_000, "valid": True, "reason": "ok",
                             "height": w.t.height}  # fmt: skip
    refused(w, "has revealed its bid", "reveal_bid", "alice", listing_id=x, amount=120_000,
            salt=salt)  # fmt: skip
    low = w.call("reveal_bid", "bob", listing_id=x, amount=90_000, salt=bob_salt)
    assert low["reveal"]["valid"] is False and low["reveal"]["reason"] == "below_reserve"
    refused(w, "sealed no bid", "reveal_bid", "carol", listing_id=x, amount=1, salt=salt)
    refused(w, "award rule: listing NC-000001 is revealing", "award", "ncjy-rev", listing_id=x)
    w.at(OPEN + 2 * DAY)
    aw = w.call("award", "ncjy-rev", listing_id=x)
    assert aw["winner"] == ALICE and aw["amount"] == 120_000 and aw["rule"] == "highest"
    assert aw["valid"] == 1 and aw["revealed"] == 2 and aw["committed"] == 2


# -- the tie rule ---------------------------------------------------------------------------------


def tied(w: World, x: str, *who: str, amount: int = 150_000) -> None:
    salts = {}
    w.at(OPEN)
    for name in who:
        salts[name] = w.bid(x, name, amount)
    w.at(OPEN + DAY)
    for name in who:
        w.call("reveal_bid", name, listing_id=x, amount=amount, salt=salts[name])
    w.at(OPEN + 2 * DAY)


def test_a_tie_goes_to_the_collectives_member_then_to_the_earliest_bid() -> None:
    w = World()
    x = w.listed()
    w.ready(x, "alice", "bob", "carol")
    # the collective, not the bidder, says who its members are
    refused(w, "only collective N2440705MG001", "confirm_member", "bob", listing_id=x,
            bidder=BOB)  # fmt: skip
    w.call("confirm_member", "council", listing_id=x, bidder=BOB)
    refused(w, "membership is on record", "confirm_member", "council", listing_id=x, bidder=BOB)
    tied(w, x, "alice", "bob", "carol")  # alice sealed first, bob is the member
    refused(w, "membership is settled before the reveal window closes", "confirm_member",
            "council", listing_id=x, bidder=CAROL)  # fmt: skip
    aw = w.call("award", "ncjy-rev", listing_id=x)
    assert aw["winner"] == BOB and aw["rule"] == "member_priority" and aw["member"] is True
    assert aw["tied"] == [ALICE, BOB, CAROL]

    w2 = World()
    x2 = w2.listed()
    w2.ready(x2, "alice", "bob")
    tied(w2, x2, "bob", "alice")  # no member: price, then time (bob sealed first)
    aw2 = w2.call("award", "ncjy-rev", listing_id=x2)
    assert aw2["winner"] == BOB and aw2["rule"] == "earliest_bid" and aw2["member"] is False


def test_an_organisation_is_no_collective_member() -> None:
    w = World()
    x = w.listed()
    w.ready(x, "wyny")
    refused(w, "an organisation is none", "confirm_member", "council", listing_id=x, bidder=WYNY)


# -- 流拍, forfeits, relisting ---------------------------------------------------------------------


def test_no_valid_bid_fails_the_listing_and_it_is_relisted() -> None:
    w = World()
    x = w.listed()
    w.ready(x, "alice", "bob", "carol")
    w.at(OPEN)
    w.bid(x, "alice", 50_000)  # below the reserve
    w.bid(x, "bob", 200_000)  # sealed and never revealed
    w.at(OPEN + DAY)
    w.call("reveal_bid", "alice", listing_id=x, amount=50_000, salt=h("salt/alice/50000")[:20])
    w.at(OPEN + 2 * DAY)
    refused(w, "relist rule: listing NC-000001 is published", "relist", "ncjy-rev", listing_id=x,
            reserve=90_000, deposit=10_000, term_start="2026-06-01", bid_open=OPEN + 30 * DAY,
            bid_close=OPEN + 31 * DAY, reveal_close=OPEN + 32 * DAY)  # fmt: skip
    aw = w.call("award", "ncjy-rev", listing_id=x)
    assert aw["rule"] == "no_valid_bid" and aw["winner"] is None and aw["forfeited"] == [BOB]
    listing = w.query("listing", listing_id=x)
    assert listing["status"] == "failed" and listing["phase"] == "failed"
    assert w.query("bid", listing_id=x, bidder=BOB)["deposit"]["status"] == "forfeited"
    # deposits: forfeited stays, the others are returned
    refused(w, r"refund rule: .* is forfeited \(a sealed bid not revealed", "refund_deposit",
            "ncjy-set", listing_id=x, bidder=BOB)  # fmt: skip
    for who in (ALICE, CAROL):
        out = w.call("refund_deposit", "ncjy-set", listing_id=x, bidder=who)
        assert out["deposit"]["status"] == "refunded"
    refused(w, "is refunded", "refund_deposit", "ncjy-set", listing_id=x, bidder=ALICE)
    relist = {"listing_id": x, "deposit": 10_000, "term_start": "2026-06-01",
              "bid_open": OPEN + 30 * DAY, "bid_close": OPEN + 31 * DAY,
              "reveal_close": OPEN + 32 * DAY}  # fmt: skip
    refused(w, "below the 800.00 yuan a year the authorisation", "relist", "ncjy-rev",
            **(relist | {"reserve": 70_000}))  # fmt: skip
    y = w.call("relist", "ncjy-rev", **(relist | {"reserve": 90_000}))
    assert y["round"] == 2 and y["relist_of"] == x and y["reserve"] == 90_000
    assert w.query("listing", listing_id=x)["relisted_as"] == y["id"]
    refused(w, "is relisted as NC-000002", "relist", "ncjy-rev", **(relist | {"reserve": 90_000}))


def test_unrevealed_bids_keep_their_deposit_when_the_parameter_says_so() -> None:
    w = World(forfeit_unrevealed=False)
    x = w.listed()
    w.ready(x, "alice")
    w.at(OPEN)
    w.bid(x, "alice", 200_000)
    w.at(OPEN + 2 * DAY)
    aw = w.call("award", "ncjy-rev", listing_id=x)
    assert aw["forfeited"] == [] and aw["rule"] == "no_valid_bid"
    out = w.call("refund_deposit", "ncjy-set", listing_id=x, bidder=ALICE)
    assert out["deposit"]["status"] == "refunded"


# -- the contract, payments, refunds, the announcement -------------------------------------------


def awarded(w: World, years: int = 5) -> str:
    x = w.listed(term_years=years)
    w.ready(x, "alice", "bob", "wyny")
    w.at(OPEN)
    sa = w.bid(x, "alice", 130_000)
    sb = w.bid(x, "bob", 110_000)
    w.at(OPEN + DAY)
    w.call("reveal_bid", "alice", listing_id=x, amount=130_000, salt=sa)
    w.call("reveal_bid", "bob", listing_id=x, amount=110_000, salt=sb)
    w.at(OPEN + 2 * DAY)
    w.call("award", "ncjy-rev", listing_id=x)
    return x


CLAUSES = {
    "payment_method": "annual_in_advance",
    "rights_duties_hash": h("rights"),
    "expropriation_hash": h("expropriation"),
    "liability_hash": h("liability"),
    "document_hash": h("document"),
}


def test_the_contract_has_the_eight_clauses_and_both_parties_sign() -> None:
    w = World()
    x = awarded(w, years=5)
    refused(w, "signing rule: listing NC-000001 has no contract", "sign_contract", "alice",
            listing_id=x)  # fmt: skip
    refused(w, "payment_method is one of", "record_contract", "ncjy-rev", listing_id=x,
            **(CLAUSES | {"payment_method": "whenever"}))  # fmt: skip
    refused(w, "expropriation_hash", "record_contract", "ncjy-rev", listing_id=x,
            **(CLAUSES | {"expropriation_hash": b"short"}))  # fmt: skip
    contract = w.call("record_contract", "ncjy-rev", listing_id=x, **CLAUSES)
    clauses = contract["clauses"]
    assert sorted(clauses) == sorted(["parties", "land", "term", "use", "rights_duties",
                                      "price_payment", "expropriation", "liability"])  # fmt: skip
    assert clauses["parties"] == {"transferor": FARMER, "transferor_kind": "contractor",
                                  "transferee": ALICE, "transferee_kind": "person"}  # fmt: skip
    assert clauses["price_payment"] == {"annual": 130_000, "total": 650_000,
                                        "method": "annual_in_advance"}  # fmt: skip
    assert clauses["term"] == {"start": "2026-04-01", "end": "2031-03-31", "years": 5}
    assert clauses["land"]["area"] == 1250 and clauses["land"]["grade"] == 4
    refused(w, "has its contract", "record_contract", "ncjy-rev", listing_id=x, **CLAUSES)
    refused(w, "only the transferor .* and the transferee", "sign_contract", "bob", listing_id=x)
    w.call("sign_contract", "alice", listing_id=x)
    refused(w, "once each", "sign_contract", "alice", listing_id=x)
    # the winner's deposit comes back only once the contract is signed
    refused(w, "the winner's deposit is returned once the contract is signed", "refund_deposit",
            "ncjy-set", listing_id=x, bidder=ALICE)  # fmt: skip
    refused(w, "payment rule: listing NC-000001 is awarded", "record_payment", "ncjy-set",
            listing_id=x, amount=130_000, year=1)  # fmt: skip
    signed = w.call("sign_contract", "farmer", listing_id=x)
    assert signed["status"] == "contracted"
    # a term of five years or more can be registered (Art. 41): the hook is emitted
    hooks = [e for e in w.t.events if e.name == "RegistrationHook"]
    assert len(hooks) == 1 and hooks[0].attrs["end"] == "2031-03-31"
    listing = w.query("listing", listing_id=x)
    assert listing["registration"] == {"eligible": True, "years": 5, "min_years": 5}
    asset = w.query("asset", asset_id="440705-MG-0101")
    assert asset["leases"] == [{"listing": x, "start": "2026-04-01", "end": "2031-03-31"}]
    assert w.query("authorisation", auth_id=listing["source"]["id"])["status"] == "used"


def test_payments_refunds_and_the_announcement_with_its_certificate() -> None:
    w = World()
    x = awarded(w, years=3)
    w.call("record_contract", "ncjy-rev", listing_id=x, **CLAUSES)
    w.call("sign_contract", "alice", listing_id=x)
    w.call("sign_contract", "farmer", listing_id=x)
    assert w.query("listing", listing_id=x)["registration"]["eligible"] is False  # 3 years
    assert not [e for e in w.t.events if e.name == "RegistrationHook"]
    refused(w, "announcement rule: 0.00 yuan paid; the first payment is 1,300.00 yuan",
            "announce", "ncjy-rev", listing_id=x)  # fmt: skip
    refused(w, r"the contract's total is 3,900.00 yuan", "record_payment", "ncjy-set",
            listing_id=x, amount=390_001, year=1)  # fmt: skip
    refused(w, "year must be a whole number from 1 to 3", "record_payment", "ncjy-set",
            listing_id=x, amount=1, year=4)  # fmt: skip
    w.call("record_payment", "ncjy-set", listing_id=x, amount=130_000, year=1)
    # the losers' deposits first (bob revealed; wyny sealed nothing)
    refused(w, "the deposits of 2 losing bidders are not returned yet", "announce", "ncjy-rev",
            listing_id=x)  # fmt: skip
    w.call("refund_deposit", "ncjy-set", listing_id=x, bidder=BOB)
    w.call("refund_deposit", "ncjy-set", listing_id=x, bidder=WYNY)
    out = w.call("announce", "ncjy-rev", listing_id=x)
    assert out["status"] == "announced" and out["cert"] == "JZ-000001"
    cert = w.query("certificate", cert_id="JZ-000001")
    assert cert["holders"] == [ALICE, FARMER] and cert["fields"]["annual"] == 130_000
    assert cert["kind"] == "农村产权交易鉴证书" and cert["status"] == "active"
    refused(w, "only an issuer of ncjy", "link_credential", "nyj-reg", cert_id="JZ-000001", idx=0,
            holder=ALICE)  # fmt: skip
    linked = w.call("link_credential", "ncjy-iss", cert_id="JZ-000001", idx=7, holder=ALICE)
    assert linked["credentials"][0]["holder"] == ALICE
    # the winner's deposit after the contract; payments go on after the announcement
    w.call("refund_deposit", "ncjy-set", listing_id=x, bidder=ALICE)
    w.call("record_payment", "ncjy-set", listing_id=x, amount=130_000, year=2)
    assert w.query("listing", listing_id=x)["paid"] == 260_000
    # the land is leased to 2029-03-31: no second listing over that term
    a2 = w.call("authorise_transfer", "farmer", asset_id="440705-MG-0101", min_annual=1,
                max_years=5)  # fmt: skip
    w.call("file_authorisation", "council", auth_id=a2["id"])
    refused(w, "is leased from 2026-04-01 to 2029-03-31", "publish_listing", "ncjy-rev",
            asset_id="440705-MG-0101", source_id=a2["id"], reserve=100, deposit=10, use="crop",
            term_start="2028-01-01", term_years=2, bid_open=OPEN + 30 * DAY,
            bid_close=OPEN + 31 * DAY, reveal_close=OPEN + 32 * DAY)  # fmt: skip
    assert w.listed(source_id=a2["id"], term_start="2029-04-01", term_years=2, reserve=100,
                    deposit=10, bid_open=OPEN + 30 * DAY, bid_close=OPEN + 31 * DAY,
                    reveal_close=OPEN + 32 * DAY)  # fmt: skip


# -- the parameters ---------------------------------------------------------------------------


def test_the_parameters_are_the_bureaus_and_ratios_are_checked() -> None:
    w = World()
    with pytest.raises(ContractRevert, match="only admins of 'nyj'"):
        w.call("set_param", "ncjy-admin", name="notice_working_days", value=5, reason="x")
    refused(w, "param rule: 'consent_land' is a ratio like", "set_param", "nyj-admin",
            name="consent_land", value="2/3", reason="x")  # fmt: skip
    refused(w, "is a ratio like", "set_param", "nyj-admin", name="consent_land", value=">=3/2",
            reason="x")  # fmt: skip
    rec = w.call("set_param", "nyj-admin", name="consent_land", value=">3/4", reason="更严格")
    assert rec["previous"] == ">=2/3" and rec["effective_height"] == w.t.height + 1
    w.at(T0)
    refused(w, r"two-thirds rule \(consent_land.*at least|more than 3/4", "record_resolution",
            "council", asset_id="440705-MG-0900", meeting_kind="representatives", eligible=30,
            attended=26, yes=22, minutes_hash=h("m"), held_on="2026-02-27", min_annual=1,
            max_years=5, use="orchard")  # fmt: skip
    with pytest.raises(ContractRevert, match="is a ratio like"):
        ContractTester().deploy("rural", SCENARIO.source(),
                                init_args={"params": {"pass_attendees": "half"}})  # fmt: skip
    names = [k for k, _ in w.t.state("rural").items() if k.startswith("param/")]
    assert len(names) == 17
