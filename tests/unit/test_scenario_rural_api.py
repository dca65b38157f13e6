"""农村产权交易 end to end through a node (in-process, real blocks, block times from the node's
clock): deployed by governance, every step through the SDK and the API, every rule's refusal
named and changing nothing, windows judged by block time (the test moves the node's clock past
them instead of sleeping), the sealed bids
committed in the client and revealed against their commitment, the tie won by the collective's
member (her credential presented), an unrevealed deposit forfeited, 流拍 and relisting, the
contract's eight clauses and signatures, payments, refunds, the announcement and its 交易鉴证书
checked publicly, the public board without a person's DID, the CLI sub-app and the console
page."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.scenario_refusal import refused as refused_api
from wuyi.crypto import load_key, save_key
from wuyi.exceptions import (
    ContractRevert,
    ReadForbidden,
    SignedReadRequired,
    Unauthorized,
    WuyiError,
)
from wuyi.node.home import OrgSpec
from wuyi.scenarios import load, registry_with
from wuyi.scenarios.rural.sdk import BidSecret, Rural, bid_commitment
from wuyi.sdk.identity import Identity
from wuyi.sdk.scenarios import check_certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, MovableClock, inprocess_node

SCENARIO = load("wuyi.scenarios.rural")
PW = "test-passphrase"
FAST = {"notice_working_days": 0, "min_bid_minutes": 0, "min_reveal_minutes": 0}
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("nyj", "江门市农业农村局"),
    OrgSpec("ncjy", "江门市农村产权交易中心"),
    OrgSpec("wyny", "五邑现代农业发展有限公司"),
)
MEMBER_TYPE = "CollectiveMemberCredential"
#: the meeting is held today, terms start on the next 1 January (the windows are block times)
TODAY = datetime.now(UTC).date()
START = f"{TODAY.year + 1}-01-01"
PERSONAL = ["梁秀英", "440705197203154426", "MG-03-021"]


def h(c: Any, text: str) -> bytes:
    return bytes(c.suite.hash(text.encode()))


class Env:
    """The node, the departments' member keys, the people's wallets."""

    def __init__(self, env: InProcessNode, tmp: Path, clock: MovableClock) -> None:
        self.env, self.c, self.clock = env, env.client, clock
        c = self.c
        self.admins = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        voters = [self.admins[o] for o in ("nyj", "ncjy", "wyny")]
        pkg = {"name": "rural", "version": "1.0.0", "source": SCENARIO.source(), "manifest": {}}
        c.govern(self.admins["sjj"], voters, "contract.deploy",
                 {"package": pkg, "init_args": {"params": FAST}}, title="deploy rural")  # fmt: skip
        claims = ["collective_code", "name", "id_number", "household_no"]
        body = {"type": MEMBER_TYPE, "issuers": ["nyj"], "claims": claims, "description": "成员"}
        c.govern(self.admins["sjj"], voters, "vc.set_type", body, title="member type")
        kind = SCENARIO.certificate
        assert kind is not None
        body = {"type": kind.type, "issuers": ["ncjy"], "description": "鉴证书",
                "claims": ["certificate", "kind", "listing", "asset", "asset_kind", "collective",
                           "annual", "start", "end", "use"]}  # fmt: skip
        c.govern(self.admins["sjj"], voters, "vc.set_type", body, title="certificate type")
        self.keys: dict[str, Any] = {}
        for org, role in [("nyj", "registrar"), ("nyj", "reviewer"), ("nyj", "issuer"),
                          ("ncjy", "reviewer"), ("ncjy", "clearing"), ("ncjy", "issuer"),
                          ("wyny", "bidder"), ("sjj", "did_registrar")]:  # fmt: skip
            k = c.suite.generate_private_key()
            tx = c.builder(self.admins[org]).member_add(org, k.public_key, [role], role)
            assert c.submit_and_wait(tx).receipt.status == "ok"
            self.keys[f"{org}-{role}"] = k
        c.govern(self.admins["sjj"], voters, "did.set_registrar", {"org": "sjj", "enabled": True},
                 title="registrar")  # fmt: skip
        self.wallets: dict[str, Wallet] = {}
        for name in ("council", "farmer", "alice", "bob", "carol"):
            w = Wallet.create(tmp / f"{name}.json", "pw", c.suite.name)
            Identity(c).register_did(self.keys["sjj-did_registrar"], w.key)
            self.wallets[name] = w
        self.r = Rural(c)

    def key(self, name: str) -> Any:
        return self.keys[name]

    def did(self, name: str) -> str:
        return self.wallets[name].did

    def refused(self, match: str, fn: Callable[[], Any], exc: type = ContractRevert) -> None:
        """``fn`` is refused naming ``match`` (its problem code and HTTP status those of
        ``exc``, its receipt the failure), and the contract's state is unchanged."""
        refused_api(self.r, self.keys["nyj-registrar"], match, fn, code=exc.code)

    def credential(self, holder: str, collective: str) -> None:
        claims = {"collective_code": collective, "name": PERSONAL[0], "id_number": PERSONAL[1],
                  "household_no": PERSONAL[2]}  # fmt: skip
        text = Identity(self.c).issue(self.key("nyj-issuer"), org="nyj", type=MEMBER_TYPE,
                                      holder_did=self.did(holder), claims=claims)  # fmt: skip
        self.wallets[holder].add(text)


def wait_until(w: Env, ms: int) -> None:
    """Move the node's clock past ``ms`` (the next block's time is at least that), as a
    wait of at most two minutes would."""
    assert ms - w.clock.now_ms() < 120_000, "a window of the test is too far away"
    w.clock.advance_to(ms)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp("rural")
    clock = MovableClock()
    with inprocess_node(tmp / "node", ORGS, passphrase=PW, clock=clock,
                        scenarios=registry_with(SCENARIO)) as env:  # fmt: skip
        yield Env(env, tmp, clock)


def test_the_whole_exchange_through_the_api(world: Env, tmp_path: Path, monkeypatch: Any) -> None:
    w, r, c = world, world.r, world.c
    reg, exch, settle = w.key("nyj-registrar"), w.key("ncjy-reviewer"), w.key("ncjy-clearing")
    council, farmer = w.wallets["council"], w.wallets["farmer"]
    alice, bob, carol = w.wallets["alice"], w.wallets["bob"], w.wallets["carol"]
    wyny = w.key("wyny-bidder")

    # -- 农业农村局: the collective and its roll, the land -----------------------------------
    w.refused(r"needs one of the roles \[.registrar.\]",
              lambda: r.register_collective(exch, "N2440705MG001", village="梅阁村", town="双水镇",
                                            district="440705", did=council.did, members=300,
                                            households=90, representatives=30,
                                            roll_hash=h(c, "roll")), Unauthorized)  # fmt: skip
    roll = {"village": "梅阁村", "town": "双水镇", "district": "440705", "did": council.did,
            "members": 300, "households": 90, "representatives": 30,
            "roll_hash": h(c, "roll")}  # fmt: skip
    w.refused("roll rule: a roll has members, and at most as many households",
              lambda: r.register_collective(reg, "N2440705MG001",
                                            **(roll | {"households": 301})))  # fmt: skip
    w.refused("collective rule: roll_hash must be a 32-byte hash",
              lambda: r.register_collective(reg, "N2440705MG001",
                                            **(roll | {"roll_hash": b"roll"})))  # fmt: skip
    r.register_collective(reg, "N2440705MG001", **roll)
    w.refused("roll rule: roll_hash",
              lambda: r.update_roll(reg, "N2440705MG001", 300, 90, 30, b"roll"))  # fmt: skip
    w.refused("roll rule: representatives",
              lambda: r.update_roll(reg, "N2440705MG001", 300, 90, -1, h(c, "roll")))  # fmt: skip
    r.register_collective(reg, "N2440781DX001", village="大西村", town="斗山镇",
                          district="440781", did="did:wuyi:org:wyny", members=120, households=40,
                          representatives=15, roll_hash=h(c, "roll2"))  # fmt: skip
    land = {"collective": "N2440705MG001", "kind": "contract_land", "name": "大坑片 3 号地",
            "location": "双水镇梅阁村第三村民小组大坑片", "area": 1250, "use": "crop", "grade": 4,
            "contractor": farmer.did, "contract_end": "2057-12-31",
            "cert_hash": h(c, "cert")}  # fmt: skip
    w.refused(
        r"asset rule \(农业用途.*'factory' is not an agricultural use",
        lambda: r.register_asset(reg, "440705-MG-0101", **(land | {"use": "factory"})),
    )
    r.register_asset(reg, "440705-MG-0101", **land)
    r.register_asset(reg, "440705-MG-0900", collective="N2440705MG001", kind="four_wastes",
                     name="后山荒坡", location="双水镇梅阁村后山", area=8000,
                     use="orchard")  # fmt: skip

    # -- the farmer's authorisation, filed with the collective ------------------------------
    w.refused(
        "only the contractor of '440705-MG-0101'",
        lambda: r.authorise_transfer(alice, "440705-MG-0101", 80_000, 10),
    )
    w.refused(
        "authorisation rule: '440705-MG-0900' is four_wastes; the collective's resolution",
        lambda: r.authorise_transfer(farmer, "440705-MG-0900", 80_000, 10),
    )
    w.refused(
        "authorisation rule: max_years",
        lambda: r.authorise_transfer(farmer, "440705-MG-0101", 80_000, 0),
    )
    w.refused("authorisation rule: no authorisation 'SQ-999999'",
              lambda: r.file_authorisation(council, "SQ-999999"))  # fmt: skip
    # the lease stays within the remaining contract term (《农村土地承包法》第三十八条第三项)
    short_end = f"{TODAY.year + 3}-12-31"
    r.register_asset(reg, "440705-MG-0102", **(land | {"name": "大坑片 4 号地",
                     "contract_end": short_end, "cert_hash": h(c, "cert2")}))  # fmt: skip
    short = r.authorise_transfer(farmer, "440705-MG-0102", 10_000, 10)
    r.file_authorisation(council, short["id"])
    w.refused(rf"authorisation rule: '{short['id']}' is filed",
              lambda: r.file_authorisation(council, short["id"]))  # fmt: skip
    now = w.clock.now_ms()
    later = {"reserve": 10_000, "deposit": 1_000, "use": "crop", "term_start": START,
             "term_years": 5, "bid_open": now + 60_000, "bid_close": now + 120_000,
             "reveal_close": now + 180_000}  # fmt: skip
    w.refused(
        rf"term rule \(《农村土地承包法》第三十八条第三项\): the lease to .* runs past the"
        rf" remaining contract term, which ends {short_end}",
        lambda: r.publish_listing(exch, "440705-MG-0102", short["id"], **later),
    )
    w.refused(
        "term rule: the term starts after the auction ends",
        lambda: r.publish_listing(exch, "440705-MG-0102", short["id"],
                                  **(later | {"term_start": TODAY.isoformat()})),
    )  # fmt: skip
    auth = r.authorise_transfer(farmer, "440705-MG-0101", 80_000, 10)
    now = w.clock.now_ms()
    opens = now + 15_000
    terms = {"reserve": 100_000, "deposit": 20_000, "use": "crop", "term_start": START,
             "term_years": 5, "bid_open": opens, "bid_close": opens + 8_000,
             "reveal_close": opens + 16_000}  # fmt: skip
    w.refused(
        r"listing rule \(备案",
        lambda: r.publish_listing(exch, "440705-MG-0101", auth["id"], **terms),
    )
    w.refused("only collective N2440705MG001", lambda: r.file_authorisation(alice, auth["id"]))
    r.file_authorisation(council, auth["id"])
    # the listing keeps the rules of what stands behind it
    for bad, match in [
        ({"reserve": 79_999}, "below the 800.00 yuan a year the authorisation"),
        ({"deposit": 20_001}, r"deposit rule \(max_deposit_pct\)"),
        ({"use": "industrial"}, r"use rule \(农业用途"),
        ({"term_years": 11}, "term rule: the authorisation .* allows at most 10 years"),
        ({"bid_open": now - 60_000}, "window rule: now ≤ bid_open"),
    ]:
        w.refused(match, lambda bad=bad: r.publish_listing(exch, "440705-MG-0101", auth["id"],
                                                           **(terms | bad)))  # fmt: skip
    l1 = r.publish_listing(exch, "440705-MG-0101", auth["id"], **terms)
    assert r.listing(l1)["phase"] == "notice"

    # -- bidders: registration, qualification, deposits, during the notice -----------------
    w.refused("the transferor does not bid", lambda: r.register_bid(farmer, l1))
    for b in (alice, bob, carol, wyny):
        r.register_bid(b, l1)
    bidder_ids = [alice.did, bob.did, carol.did, "did:wuyi:org:wyny"]
    for who in bidder_ids:
        r.qualify(exch, l1, who, approve=True, evidence_hash=h(c, "farming capability"))
    w.refused(
        r"deposit rule: the deposit of .* is 200.00 yuan",
        lambda: r.record_deposit(settle, l1, alice.did, 10_000),
    )
    for who in bidder_ids:
        r.record_deposit(settle, l1, who, 20_000)
    # the tie rule: bob shows his membership with his credential, carol's is of another village
    w.credential("bob", "N2440705MG001")
    w.credential("carol", "N2440781DX001")
    w.refused("is not of collective N2440705MG001", lambda: r.claim_membership(carol, l1))
    assert r.claim_membership(bob, l1)["via"] == "credential"
    w.refused(
        "tie rule: only collective N2440705MG001", lambda: r.confirm_member(alice, l1, alice.did)
    )
    # sealed bids: made in the client, only the commitment goes out
    early = r.seal(alice, l1, 150_000)
    w.refused("not in its bid window",
              lambda: r.call(alice, "commit_bid", listing_id=l1,
                             commitment=bytes.fromhex(early.commitment)))  # fmt: skip
    wait_until(w, opens)
    w.refused(
        "registration rule: registration for .* closes when bidding opens",
        lambda: r.register_bid(w.wallets["council"], l1),
    )
    first = r.commit_bid(alice, l1, 140_000)
    sa = r.commit_bid(alice, l1, 150_000)  # changed before the deadline: the later one counts
    sb = r.commit_bid(bob, l1, 150_000)
    r.commit_bid(carol, l1, 200_000)  # sealed and never revealed
    assert sa.commitment == bid_commitment(c.suite, "rural", l1, alice.did, 150_000,
                                           bytes.fromhex(sa.salt)).hex()  # fmt: skip
    secret_file = tmp_path / "wyny-bid.json"
    from wuyi.cli import app as cli_app
    from wuyi.cli.scenarios import mount_scenarios

    mount_scenarios([SCENARIO])
    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: w.env.new_client())
    monkeypatch.setattr(cli.console, "width", 200)
    key_file = tmp_path / "wyny.key"
    save_key(key_file, wyny, "pw")
    monkeypatch.setenv("WUYI_PASSPHRASE", "pw")
    run = CliRunner().invoke
    out = run(cli_app, ["rural", "commit", l1, "--amount", "90000", "--secret", str(secret_file),
                        "--key", str(key_file)])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert BidSecret.load(secret_file).bidder == "did:wuyi:org:wyny"
    listing = r.listing(l1)
    assert listing["phase"] == "bidding" and listing["counts"]["committed"] == 4
    w.refused(f"reveal rule: listing {l1} is bidding, not in its reveal window",
              lambda: r.reveal_bid(alice, sa))  # fmt: skip
    assert "bids" in listing and listing["bids"] == []  # nothing is seen before the reveal
    wait_until(w, terms["bid_close"])
    w.refused("bid rule: listing .* is revealing", lambda: r.commit_bid(bob, l1, 1))
    w.refused("do not match the sealed commitment", lambda: r.reveal_bid(alice, first))
    r.reveal_bid(alice, sa)
    w.refused(f"reveal rule: {alice.did} has revealed its bid", lambda: r.reveal_bid(alice, sa))
    r.reveal_bid(bob, sb)
    out = run(cli_app, ["rural", "reveal", "--secret", str(secret_file), "--key", str(key_file)])
    assert out.exit_code == 0 and "below_reserve" in out.output, out.output
    w.refused("award rule: listing .* is revealing", lambda: r.award(exch, l1))
    wait_until(w, terms["reveal_close"])
    aw = r.award(exch, l1)
    assert aw["winner"] == bob.did and aw["rule"] == "member_priority"
    assert aw["forfeited"] == [carol.did] and aw["valid"] == 2
    w.refused("refund rule: the winner's deposit is returned once the contract is signed",
              lambda: r.refund_deposit(settle, l1, bob.did))  # fmt: skip
    w.refused(f"bidder rule: {farmer.did} has not registered for listing {l1}",
              lambda: r.refund_deposit(settle, l1, farmer.did))  # fmt: skip
    w.refused(f"relist rule: listing {l1} is awarded",
              lambda: r.relist(exch, l1, reserve=100_000, deposit=20_000, term_start=START,
                               bid_open=opens + 600_000, bid_close=opens + 660_000,
                               reveal_close=opens + 720_000))  # fmt: skip

    # -- the contract, signatures, payments, refunds, the announcement ---------------------
    clauses = {"payment_method": "annual_in_advance", "rights_duties_hash": h(c, "rights"),
               "expropriation_hash": h(c, "expropriation"), "liability_hash": h(c, "liability"),
               "document_hash": h(c, "contract document")}  # fmt: skip
    w.refused(
        "payment_method is one of",
        lambda: r.record_contract(exch, l1, **(clauses | {"payment_method": "later"})),
    )
    contract = r.record_contract(exch, l1, **clauses)
    assert contract["clauses"]["price_payment"]["total"] == 750_000
    w.refused("signing rule: only the transferor", lambda: r.sign_contract(alice, l1))
    r.sign_contract(bob, l1)
    signed = r.sign_contract(farmer, l1)
    assert signed["status"] == "contracted"
    # five years: the term can be registered (Art. 41); the record is the desks' and parties'
    assert r.listing_record(l1, key=exch)["registration"]["eligible"] is True
    assert r.listing_record(l1, key=bob.key)["registration"]["years"] == 5
    with pytest.raises(SignedReadRequired, match="personal record"):
        r.listing_record(l1)
    with pytest.raises(ReadForbidden, match="may not read"):
        r.listing_record(l1, key=alice.key)
    w.refused(r"announcement rule: 0.00 yuan paid", lambda: r.announce(exch, l1))
    r.record_payment(settle, l1, 150_000, 1)
    w.refused("the deposits of 2 losing bidders are not returned yet", lambda: r.announce(exch, l1))
    w.refused(
        rf"refund rule: {carol.did}'s deposit is forfeited \(a sealed bid not revealed",
        lambda: r.refund_deposit(settle, l1, carol.did),
    )
    r.refund_deposit(settle, l1, alice.did)
    w.refused(f"refund rule: {alice.did}'s deposit is refunded",
              lambda: r.refund_deposit(settle, l1, alice.did))  # fmt: skip
    r.refund_deposit(settle, l1, "did:wuyi:org:wyny")
    done = r.announce(exch, l1)
    cert_id = done["cert"]
    r.refund_deposit(settle, l1, bob.did)
    # the 交易鉴证书: issued by the exchange's issuer system, checked by anyone
    text = r.issue_certificate(w.key("ncjy-issuer"), cert_id, wallet=bob)
    check = check_certificate(c, text)
    assert check["valid"] is True, check["checks"]
    with c.reading_as(w.key("ncjy-issuer"), "签发证照"):  # the raw state is personal
        assert [p["holder"] for p in r.pending_certificates("ncjy")] == [farmer.did]

    # -- a collective asset: the vote, 流拍, relisting ----------------------------------------
    vote = {"meeting_kind": "representatives", "eligible": 30, "attended": 26, "yes": 20,
            "minutes_hash": h(c, "minutes"), "held_on": TODAY.isoformat(), "min_annual": 300_000,
            "max_years": 15, "use": "orchard"}  # fmt: skip
    w.refused(
        r"two-thirds rule \(consent_land",
        lambda: r.record_resolution(council, "440705-MG-0900", **(vote | {"yes": 19})),
    )
    w.refused(r"quorum rule \(quorum_representatives",
              lambda: r.record_resolution(council, "440705-MG-0900",
                                          **(vote | {"attended": 19, "yes": 19})))  # fmt: skip
    w.refused(
        "counts the 30 representatives of the registered roll",
        lambda: r.record_resolution(council, "440705-MG-0900", **(vote | {"eligible": 29})),
    )
    res = r.record_resolution(council, "440705-MG-0900", **vote)
    now = w.clock.now_ms()
    t2 = {"reserve": 300_000, "deposit": 50_000, "use": "orchard", "term_start": START,
          "term_years": 15, "bid_open": now + 6_000, "bid_close": now + 9_000,
          "reveal_close": now + 12_000}  # fmt: skip
    l2 = r.publish_listing(exch, "440705-MG-0900", res["id"], **t2)
    r.register_bid(wyny, l2)
    w.refused(r"social-capital rule \(第四十五条",
              lambda: r.qualify(exch, l2, "did:wuyi:org:wyny", approve=True,
                                evidence_hash=h(c, "e")))  # fmt: skip
    r.review_social_capital(w.key("nyj-reviewer"), l2, "wyny", approve=True,
                            review_hash=h(c, "review"))  # fmt: skip
    r.qualify(exch, l2, "did:wuyi:org:wyny", approve=True, evidence_hash=h(c, "e"))
    wait_until(w, t2["reveal_close"])
    failed = r.award(exch, l2)
    assert failed["rule"] == "no_valid_bid" and r.listing(l2)["phase"] == "failed"
    now = w.clock.now_ms()
    again = {"deposit": 40_000, "term_start": START, "bid_open": now + 60_000,
             "bid_close": now + 120_000, "reveal_close": now + 180_000}  # fmt: skip
    w.refused(
        "below the 3,000.00 yuan a year the resolution",
        lambda: r.relist(exch, l2, reserve=200_000, **again),
    )
    l3 = r.relist(exch, l2, reserve=300_000, **again)
    assert r.listing(l3)["round"] == 2 and r.listing(l3)["relist_of"] == l2
    w.refused(f"relist rule: listing {l2} is relisted as {l3}",
              lambda: r.relist(exch, l2, reserve=300_000, **again))  # fmt: skip
    w.refused("withdrawal rule: reason", lambda: r.withdraw(exch, l3, ""))
    assert r.withdraw(exch, l3, "集体申请暂缓 / postponed")["status"] == "withdrawn"

    # -- the parameters are 农业农村局's --------------------------------------------------------
    w.refused(
        "only admins of 'nyj'", lambda: r.set_param(w.admins["ncjy"], "notice_working_days", 5, "x")
    )
    rec = r.set_param(w.admins["nyj"], "notice_working_days", 10, "恢复正式公告期")
    assert rec["previous"] == 0
    assert [p["value"] for p in r.param_history("notice_working_days")] == [0, 10]

    # -- the public board: the results, by town, and no person named -------------------------
    b = r.board()
    assert b["board"]["total"] == 3 and b["board"]["awarded"] == 1
    (town,) = [t for t in b["board"]["by_town"] if t["town"] == "双水镇"]
    assert town["listings"] == 3 and town["awarded"] == 1 and town["failed"] == 1
    (result,) = b["board"]["results"]
    assert result["amount"] == 150_000 and result["reserve"] == 100_000
    public = r.listing(l1)
    assert public["result"]["winner"] == {"kind": "person", "org": None}
    assert [x["amount"] for x in public["bids"]] == [150_000, 150_000, 90_000]
    assert [x["member"] for x in public["bids"]][:2] in ([True, False], [False, True])
    blob = json.dumps([b, public, r._get("/v1/rural/collectives")], ensure_ascii=False)
    for name in ("farmer", "alice", "bob", "carol"):
        assert w.did(name) not in blob, f"{name}'s DID on the public board"
    assert [x["id"] for x in r.board(town="双水镇", phase="announced")["items"]] == [l1]
    with pytest.raises(WuyiError, match="phase is one of"):
        r.board(phase="sometime")
    # the desks' records
    assert {x["bidder"] for x in r.bidders(l1, key=exch)} == set(bidder_ids)
    mine = r.wallet_items(bob.did, key=bob.key)
    assert [x["listing"]["id"] for x in mine["bids"]] == [l1]
    assert r.wallet_items(council.did, key=council.key)["collective"]["code"] == "N2440705MG001"
    assert [a["id"] for a in r.wallet_items(farmer.did, key=reg)["land"]] == [
        "440705-MG-0101",
        "440705-MG-0102",
    ]
    assert r.collective("N2440705MG001", key=council.key)["assets"]
    # the desks' records are signed reads, refused to others, each read in the access log
    for read, exc in [
        (lambda: r.bidders(l1), SignedReadRequired),
        (lambda: r.bidders(l1, key=bob.key), ReadForbidden),
        (lambda: r.wallet_items(bob.did, key=alice.key), ReadForbidden),
        (lambda: r.collective("N2440705MG001", key=farmer.key), ReadForbidden),
        (lambda: r.member_request(l1, alice.did, key=bob.key), ReadForbidden),
    ]:
        with pytest.raises(exc):
            read()
    log = c.signed_get(bob.key, f"/v1/dids/{bob.did}/reads", "我的记录 / my records")
    assert f"rural/wallet/{bob.did}" in [e["record"] for e in log["entries"]]
    # the CLI's reads
    out = run(cli_app, ["rural", "board"])
    assert out.exit_code == 0 and l1 in out.output and "双水镇" in out.output, out.output
    out = run(cli_app, ["rural", "listing", l1])
    assert out.exit_code == 0 and "member_priority" in out.output, out.output
    out = run(cli_app, ["rural", "bidders", l1])
    assert out.exit_code != 0 and "signed_read_required" in out.output, out.output
    # the console page is served
    index = c._get("/console/scenarios/index.json")
    assert "rural" in [x["name"] for x in index]
    assert c._request("GET", "/console/scenarios/rural/page.js").status_code == 200


def test_nothing_personal_on_chain(world: Env) -> None:
    """The members' credentials carry names, ID numbers and household numbers: only the
    collective's code was presented; none of the rest is in any block or state value."""
    node = world.env.node
    needles = [p.encode() for p in PERSONAL]
    for height in range(1, node.height + 1):
        blob = node.store.get_block(height).to_bytes()
        assert not any(n in blob for n in needles), f"block {height}"
    with node.store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not any(n in value for n in needles), key
