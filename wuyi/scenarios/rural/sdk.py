"""农村产权交易 in the SDK: :class:`Rural` — 农业农村局 (collectives, assets, social-capital
reviews), collectives and farmers (their DID wallets, or a member organisation's key), the
exchange (listings, qualification, deposits, award, contracts, payments, refunds, the
announcement), bidders (sealed bids: :class:`BidSecret` keeps what the reveal needs); reads
through ``/v1/rural/...``::

    r = client.scenario("rural")                   # or Rural(client)
    secret = r.commit_bid(bidder_wallet, "NC-000001", 128_000_00)   # fen a year; keep it
    secret.save("bid-NC-000001.json")              # the salt never leaves the bidder
    ...                                            # in the reveal window:
    r.reveal_bid(bidder_wallet, BidSecret.load("bid-NC-000001.json"))
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey, Suite
from wuyi.exceptions import ValidationError
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "BidSecret", "Rural", "bid_commitment"]

SALT_BYTES = 32


def bid_commitment(
    suite: Suite, contract: str, listing: str, bidder: str, amount: int, salt: bytes
) -> bytes:
    """The commitment of a sealed bid, as the contract checks it at the reveal: the chain
    suite's hash of ``<contract>/bid/<listing>/<bidder>/<amount>/<salt hex>``."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValidationError("a bid is a positive whole number of fen", field="amount")
    if not 16 <= len(salt) <= 64:
        raise ValidationError("the salt is 16-64 bytes", field="salt")
    text = f"{contract}/bid/{listing}/{bidder}/{amount}/{salt.hex()}"
    return suite.hash(text.encode())


@dataclass(frozen=True)
class BidSecret:
    """What a bidder keeps between its commitment and its reveal (never sent before the reveal
    window): the listing, the bidder (its DID or ``did:wuyi:org:<org>``), the amount (fen a
    year), the salt and the commitment (hex)."""

    listing: str
    bidder: str
    amount: int
    salt: str
    commitment: str

    def save(self, path: str | Path) -> Path:
        """Write it to ``path`` (a JSON file, readable by its owner only)."""
        p = Path(path)
        p.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        p.chmod(0o600)
        return p

    @classmethod
    def load(cls, path: str | Path) -> BidSecret:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**{k: data[k] for k in ("listing", "bidder", "amount", "salt", "commitment")})


class Rural(ScenarioClient):
    """农村产权交易: one method per step of the flows (the contract's docstrings and
    ``README.md`` say who may take it and what it checks)."""

    default_name = "rural"

    def bidder_of(self, signer: Signer) -> str:
        """Who ``signer`` bids as: a wallet's DID, or a member's organisation DID."""
        if isinstance(signer, Wallet):
            return signer.did
        return "did:wuyi:org:" + self._org_of(signer)

    # -- 农业农村局 --------------------------------------------------------------------------------

    @contract_step
    def register_collective(
        self,
        key: PrivateKey,
        code: str,
        *,
        village: str,
        town: str,
        district: str,
        did: str,
        members: int,
        households: int,
        representatives: int,
        roll_hash: bytes,
    ) -> dict[str, Any]:
        """A collective with its acting DID and member roll (counts, hash of the roll)."""

    @contract_step
    def update_roll(
        self, key: PrivateKey, code: str, members: int, households: int, representatives: int,
        roll_hash: bytes,
    ) -> dict[str, Any]:  # fmt: skip
        ...

    def register_asset(self, key: PrivateKey, asset_id: str, **fields: Any) -> dict[str, Any]:
        """An asset: ``collective, kind, name, location, area`` (0.01 亩), ``use``, and for
        contracted land ``contractor`` (DID), ``contract_end``, ``cert_hash``; ``grade``."""
        return self._step(key, "register_asset", asset_id=asset_id, **fields)

    def review_social_capital(
        self, key: PrivateKey, listing: str, org: str, *, approve: bool, review_hash: bytes
    ) -> dict[str, Any]:
        return self._step(
            key, "review_social_capital", listing_id=listing, org=org, approve=approve,
            review_hash=review_hash,
        )  # fmt: skip

    # -- farmers and collectives ---------------------------------------------------------------

    @contract_step
    def authorise_transfer(
        self, farmer: Signer, asset_id: str, min_annual: int, max_years: int
    ) -> dict[str, Any]:
        """The contractor authorises the transfer of its land (floor in fen a year)."""

    @contract_step
    def file_authorisation(self, collective: Signer, auth_id: str) -> dict[str, Any]: ...

    def record_resolution(self, collective: Signer, asset_id: str, **fields: Any) -> dict[str, Any]:
        """``meeting_kind, eligible, attended, yes, minutes_hash, held_on, min_annual,
        max_years, use``."""
        return self._step(collective, "record_resolution", asset_id=asset_id,
                                        **fields)  # fmt: skip

    def confirm_member(self, collective: Signer, listing: str, bidder: str) -> dict[str, Any]:
        return self._step(collective, "confirm_member", listing_id=listing,
                                        bidder=bidder)  # fmt: skip

    # -- the exchange ------------------------------------------------------------------------------

    def publish_listing(self, key: PrivateKey, asset_id: str, source_id: str, **terms: Any) -> str:
        """``reserve, deposit`` (fen), ``use, term_start, term_years, bid_open, bid_close,
        reveal_close`` (block times, ms). Returns the listing id."""
        out = self.call(key, "publish_listing", asset_id=asset_id, source_id=source_id, **terms)
        return str(out["id"])

    def relist(self, key: PrivateKey, listing: str, **terms: Any) -> str:
        out = self.call(key, "relist", listing_id=listing, **terms)
        return str(out["id"])

    def withdraw(self, key: PrivateKey, listing: str, reason: str) -> dict[str, Any]:
        return self._step(key, "withdraw", listing_id=listing, reason=reason)

    def qualify(
        self, key: PrivateKey, listing: str, bidder: str, *, approve: bool, evidence_hash: bytes
    ) -> dict[str, Any]:
        return self._step(
            key, "qualify", listing_id=listing, bidder=bidder, approve=approve,
            evidence_hash=evidence_hash,
        )  # fmt: skip

    def record_deposit(self, key: PrivateKey, listing: str, bidder: str, amount: int) -> Any:
        return self.call(key, "record_deposit", listing_id=listing, bidder=bidder, amount=amount)

    def award(self, key: PrivateKey, listing: str) -> dict[str, Any]:
        return self._step(key, "award", listing_id=listing)

    def record_contract(self, key: PrivateKey, listing: str, **clauses: Any) -> dict[str, Any]:
        """``payment_method``, ``rights_duties_hash``, ``expropriation_hash``,
        ``liability_hash``, ``document_hash`` (32-byte hashes of the texts)."""
        return self._step(key, "record_contract", listing_id=listing, **clauses)

    def record_payment(self, key: PrivateKey, listing: str, amount: int, year: int) -> Any:
        return self.call(key, "record_payment", listing_id=listing, amount=amount, year=year)

    def refund_deposit(self, key: PrivateKey, listing: str, bidder: str) -> dict[str, Any]:
        return self._step(key, "refund_deposit", listing_id=listing, bidder=bidder)

    def announce(self, key: PrivateKey, listing: str) -> dict[str, Any]:
        return self._step(key, "announce", listing_id=listing)

    # -- bidders -------------------------------------------------------------------------------

    def register_bid(self, bidder: Signer, listing: str) -> dict[str, Any]:
        return self._step(bidder, "register_bid", listing_id=listing)

    def seal(
        self, bidder: Signer, listing: str, amount: int, salt: bytes | None = None
    ) -> BidSecret:
        """A sealed bid made here, in the client (a fresh random salt unless given)."""
        salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
        who = self.bidder_of(bidder)
        c = bid_commitment(self.client.suite, self.name, listing, who, amount, salt)
        return BidSecret(listing, who, amount, salt.hex(), c.hex())

    def commit_bid(
        self, bidder: Signer, listing: str, amount: int, *, salt: bytes | None = None
    ) -> BidSecret:
        """Seal ``amount`` (fen a year) and commit it in the bid window; only the commitment
        is sent. Keep the returned secret for the reveal."""
        secret = self.seal(bidder, listing, amount, salt)
        self.call(bidder, "commit_bid", listing_id=listing,
                  commitment=bytes.fromhex(secret.commitment))  # fmt: skip
        return secret

    def reveal_bid(self, bidder: Signer, secret: BidSecret) -> dict[str, Any]:
        """Reveal a sealed bid in the reveal window."""
        return self._step(
            bidder, "reveal_bid", listing_id=secret.listing, amount=secret.amount,
            salt=bytes.fromhex(secret.salt),
        )  # fmt: skip

    def member_request(
        self, listing: str, did: str, *, key: PrivateKey | None = None
    ) -> dict[str, Any]:
        """What the bidder's wallet presents (a signed read: ``key`` is the bidder's DID key,
        or read as the client reads)."""
        return self._get_record(f"/v1/rural/listings/{seg(listing)}/member-request",
                                        key=key, did=did)  # fmt: skip

    def claim_membership(
        self, wallet: Wallet, listing: str, *, consent: str | None = None, minutes: int = 10
    ) -> dict[str, Any]:
        """The tie rule: the bidder's wallet presents its CollectiveMemberCredential
        (``collective_code`` only) to the exchange, consenting for ``minutes`` unless
        ``consent`` names a consent; the contract checks it in the block."""
        req = self.member_request(listing, wallet.did, key=wallet.key)
        ref, data = self.present(wallet, req, consent, minutes)  # a private side-car
        return self._step(wallet, "claim_membership", sidecars=[data],
                                        listing_id=listing, presentation_text=ref)  # fmt: skip

    def sign_contract(self, party: Signer, listing: str) -> dict[str, Any]:
        """The transferor (farmer or collective) or the transferee signs the contract."""
        return self._step(party, "sign_contract", listing_id=listing)

    # -- reads ---------------------------------------------------------------------------------

    def board(self, *, town: str | None = None, phase: str | None = None) -> dict[str, Any]:
        """The public board: ``{items, board, now, height}``."""
        return self._get_record("/v1/rural/board", town=town, phase=phase)

    def listing(self, listing: str) -> dict[str, Any]:
        """A listing as the public sees it (revealed bids, result)."""
        return self._get_record(f"/v1/rural/listings/{seg(listing)}")

    def listing_record(self, listing: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        """A listing's whole record (a signed read: the desks, the transferor, the winner)."""
        return self._get_record(f"/v1/rural/listings/{seg(listing)}/record", key=key)

    def bidders(self, listing: str, *, key: PrivateKey | None = None) -> list[dict[str, Any]]:
        """A listing's bidders (a signed read of the exchange and the bureau)."""
        return self._pages(f"/v1/rural/listings/{seg(listing)}/bidders", key=key)

    def collectives(self) -> list[dict[str, Any]]:
        return self._pages("/v1/rural/collectives")

    def collective(self, code: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        """A collective's ledger (a signed read: the desks, the collective's DID key)."""
        return self._get_record(f"/v1/rural/collectives/{seg(code)}", key=key)

    def wallet_items(self, did: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        """What ``did`` takes part in: its collective, its land, its bids (a signed read: the
        DID's own key, or the desks)."""
        return self._get_record(f"/v1/rural/wallets/{seg(did)}", key=key)

    def pending_facts(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"listing": rec["fields"]["listing"]}


CLIENT = Rural
