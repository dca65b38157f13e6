"""农村产权交易's tie rule through real blocks: "collective member" status comes from the
bidder's own ``CollectiveMemberCredential`` (issued by 农业农村局), presented to the exchange
and checked by the contract inside the block (``presentation()``), never from the bidder's
word; a credential of another collective is refused; the claim values other than the
collective's code never reach the chain; a tie goes to the member."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.crypto import format_address
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.types import Receipt
from wuyi.scenarios import contract_source
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import CredentialDesk

SOURCE = contract_source("rural")
TYPE = "CollectiveMemberCredential"
PERSONAL = ["林阿彩", "440705196805121234", "JM-MG-03-017"]
FAST = {"notice_working_days": 0, "min_bid_minutes": 0, "min_reveal_minutes": 0}


class Exchange:
    def __init__(self) -> None:
        self.h = h = LedgerHarness()
        self.desk = d = CredentialDesk(h)
        d.admit("nyj", "江门市农业农村局")
        d.admit("ncjy", "江门市农村产权交易中心")
        d.set_type(TYPE, ["nyj"], ["collective_code", "name", "id_number", "household_no"])
        d.deploy("rural", SOURCE, {"params": FAST})
        h.add_member("nyj", "nyj", "nyj-reg", ["registrar"])
        h.add_member("ncjy", "ncjy", "ncjy-rev", ["reviewer"])
        h.add_member("ncjy", "ncjy", "ncjy-set", ["clearing"])
        self.dids = {n: d.holder(n) for n in ("council", "farmer", "alice", "bob", "carol")}
        self.ok("nyj-reg", "register_collective", code="N2440705MG001", village="梅阁村",
                town="双水镇", district="440705", did=self.dids["council"], members=300,
                households=90, representatives=30, roll_hash=h.suite.hash(b"roll"))  # fmt: skip
        self.ok("nyj-reg", "register_asset", asset_id="440705-MG-0101",
                collective="N2440705MG001", kind="contract_land", name="大坑片 3 号地",
                location="双水镇梅阁村大坑片", area=1250, use="crop",
                contractor=self.dids["farmer"], contract_end="2057-12-31",
                cert_hash=h.suite.hash(b"cert"))  # fmt: skip
        auth = self.ok("farmer", "authorise_transfer", asset_id="440705-MG-0101",
                       min_annual=80_000, max_years=10)  # fmt: skip
        self.ok("council", "file_authorisation", auth_id=auth["id"])
        t = h.time
        self.windows = [t + 60_000, t + 120_000, t + 180_000]
        x = self.ok("ncjy-rev", "publish_listing", asset_id="440705-MG-0101",
                    source_id=auth["id"], reserve=100_000, deposit=20_000, use="crop",
                    term_start="2026-04-01", term_years=5, bid_open=self.windows[0],
                    bid_close=self.windows[1], reveal_close=self.windows[2])  # fmt: skip
        self.listing = str(x["id"])

    def call(self, signer: str, method: str, **args: Any) -> Receipt:
        return self.h.call(signer, "rural", method, args)

    def ok(self, signer: str, method: str, **args: Any) -> Any:
        r = self.call(signer, method, **args)
        assert r.ok, r.error
        return self.returned(r)

    @staticmethod
    def returned(r: Receipt) -> Any:
        from wuyi.ledger.jsonform import from_json

        (ev,) = [e for e in r.events if e.type == "contract.returned"]
        return from_json(ev.attrs["value"])

    def query(self, fn: str, /, **args: Any) -> Any:
        value, _ = query_contract(self.h.chain, self.h.state, "rural", fn, args,
                                  height=self.h.height, time=self.h.time,
                                  gas_limit=1_000_000)  # fmt: skip
        return value

    def at(self, ms: int) -> None:
        self.h.time = ms - 1000  # the next block is at ms

    def member_credential(self, name: str, collective: str) -> str:
        claims = {"collective_code": collective, "name": PERSONAL[0], "id_number": PERSONAL[1],
                  "household_no": PERSONAL[2]}  # fmt: skip
        return self.desk.issue(name, "nyj", TYPE, claims)

    def presentation(self, name: str, cred: str) -> str:
        req = self.query("member_request")
        consent = self.desk.consent(name, req["verifier"], req["types"], req["claims"])
        nonce = self.query("member_nonce", listing_id=self.listing, did=self.dids[name])
        text = self.desk.present(name, [cred], req["claims"], verifier=req["verifier"],
                                 nonce=nonce, consent=consent)  # fmt: skip
        return self.h.sidecar(text)  # a private side-car: the block carries its reference

    def ready(self, *names: str) -> None:
        for n in names:
            self.ok(n, "register_bid", listing_id=self.listing)
            self.ok("ncjy-rev", "qualify", listing_id=self.listing, bidder=self.dids[n],
                    approve=True, evidence_hash=self.h.suite.hash(b"ok"))  # fmt: skip
            self.ok("ncjy-set", "record_deposit", listing_id=self.listing, bidder=self.dids[n],
                    amount=20_000)  # fmt: skip

    def seal(self, name: str, amount: int, salt: bytes) -> bytes:
        return bytes(self.query("commitment", listing_id=self.listing, bidder=self.dids[name],
                                amount=amount, salt=salt))  # fmt: skip


@pytest.fixture(scope="module")
def ex() -> Exchange:
    return Exchange()


def test_a_member_credential_of_the_listings_collective_wins_the_tie(ex: Exchange) -> None:
    x = ex.listing
    ex.ready("alice", "bob", "carol")
    # carol holds a credential of another collective: refused, nothing recorded
    other = ex.member_credential("carol", "N2440705MG002")
    r = ex.call("carol", "claim_membership", listing_id=x,
                presentation_text=ex.presentation("carol", other))  # fmt: skip
    assert r.status == "contract_revert" and "is not of collective N2440705MG001" in r.error
    assert ex.query("bid", listing_id=x, bidder=ex.dids["carol"])["member"] is None
    # alice presents hers: checked in the block, the result recorded, not the credential
    mine = ex.member_credential("alice", "N2440705MG001")
    text = ex.presentation("alice", mine)
    got = ex.ok("alice", "claim_membership", listing_id=x, presentation_text=text)
    assert got["via"] == "credential" and len(got["presentations"]) == 1
    check = ex.h.state.get(b"vc/check/" + bytes.fromhex(got["check"]))
    assert check is not None  # the use is in the holder's log like any verification
    # the same presentation again: refused (the nonce moved on; the membership is on record)
    again = ex.call("alice", "claim_membership", listing_id=x, presentation_text=text)
    assert again.status == "contract_revert" and "membership is on record" in again.error
    # bob cannot claim with alice's credential: the presentation is bound to her key
    stolen = ex.call("bob", "claim_membership", listing_id=x, presentation_text=text)
    assert stolen.status == "contract_revert" and "presentation refused" in stolen.error
    # the same price: bob sealed first, alice is the member
    ex.at(ex.windows[0])
    sb, sa = b"b" * 16, b"a" * 16
    ex.ok("bob", "commit_bid", listing_id=x, commitment=ex.seal("bob", 150_000, sb))
    ex.ok("alice", "commit_bid", listing_id=x, commitment=ex.seal("alice", 150_000, sa))
    ex.at(ex.windows[1])
    ex.ok("bob", "reveal_bid", listing_id=x, amount=150_000, salt=sb)
    ex.ok("alice", "reveal_bid", listing_id=x, amount=150_000, salt=sa)
    ex.at(ex.windows[2])
    aw = ex.ok("ncjy-rev", "award", listing_id=x)
    assert aw["winner"] == ex.dids["alice"] and aw["rule"] == "member_priority"
    assert aw["forfeited"] == [] and aw["valid"] == 2


def test_no_personal_claim_reaches_the_chain(ex: Exchange) -> None:
    needles = [p.encode() for p in PERSONAL]
    for k, v in ex.h.state.items() if hasattr(ex.h.state, "items") else []:
        assert not any(n in k or n in v for n in needles)
    for b in ex.h.blocks:
        blob = b.to_bytes()
        assert not any(n in blob for n in needles), "a personal claim is in a block"
    assert format_address(ex.h.address("alice")).startswith("wy")
