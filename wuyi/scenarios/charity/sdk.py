"""慈善捐赠 in the SDK: :class:`Charity` — 民政局 (role ``supervisor``), charities (their
enterprise DID's wallet, or members with the role ``fundraiser``), recipients (their wallets)
and anyone (flags, the public reads); and the donor's own secret, :class:`DonorSecret`, from
which their wallet derives everything the chain holds about them::

    ch = client.scenario("charity")                # or Charity(client)
    secret = DonorSecret.new()                     # the donor keeps it (and the receipt number)
    d = ch.donate(charity_wallet, "P000001", 50_000, "bank", "2026-03-14",
                  receipt_no="JMCS-2026-000123", receipt_doc=h, secret=secret, who="张三|…")
    ch.follow("jmcsh", "JMCS-2026-000123", secret)  # where the donation went

The chain never sees the donor: ``donor`` is a salted commitment to ``who`` (fresh salt per
donation, so two donations of one donor cannot be linked), ``ref`` opens only with the
tracking key derived from the salt, ``lock`` only with a consent key derived from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.exceptions import ValidationError
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = [
    "CLIENT",
    "Charity",
    "DonorSecret",
    "recipient_commitment",
    "uscc",
]

Hash = Callable[[bytes], bytes]

DONOR = b"wuyi/charity/donor\x00"
TRACK = b"wuyi/charity/track\x00"
REF = b"wuyi/charity/ref\x00"
CONSENT = b"wuyi/charity/consent\x00"
LOCK = b"wuyi/charity/lock\x00"
RECIPIENT = b"wuyi/charity/recipient\x00"


@dataclass(frozen=True)
class DonorSecret:
    """The donor's secret for one donation: 32 random bytes only the donor holds (kept with
    the receipt number, e.g. printed as a QR code on their copy of the receipt). ``h`` is the
    chain's hash (``client.suite.hash``)."""

    salt: bytes

    def __post_init__(self) -> None:
        if len(self.salt) != 32:
            raise ValidationError("a donor's secret is 32 bytes (64 hex digits)", field="secret")

    @classmethod
    def new(cls) -> DonorSecret:
        return cls(secrets.token_bytes(32))

    @classmethod
    def from_hex(cls, text: str) -> DonorSecret:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise ValidationError("a donor's secret is 64 hex digits", field="secret") from None
        return cls(raw)

    def hex(self) -> str:
        return self.salt.hex()

    def commitment(self, h: Hash, who: str) -> bytes:
        """``H(donor-domain ‖ salt ‖ who)``: binds the donation to the donor (``who``: what
        names them on their receipt) without saying who; only they can open it."""
        return h(DONOR + self.salt + who.encode("utf-8"))

    def track_key(self, h: Hash) -> bytes:
        """What the donor gives to follow the donation (``follow``): opens ``ref`` only."""
        return h(TRACK + self.salt)

    def ref(self, h: Hash) -> bytes:
        return h(REF + self.track_key(h))

    def consent_key(self, h: Hash, n: int) -> bytes:
        """The key of the donor's ``n``-th consent to a change of purpose (0, 1, …)."""
        return h(CONSENT + self.salt + str(n).encode())

    def lock(self, h: Hash, n: int) -> bytes:
        return h(LOCK + self.consent_key(h, n))

    def fields(self, h: Hash, who: str | None) -> dict[str, bytes | None]:
        """``{donor, ref, lock}`` for ``donate`` (``donor`` None when ``who`` is None: an
        anonymous gift that can still be followed)."""
        return {
            "donor": None if who is None else self.commitment(h, who),
            "ref": self.ref(h),
            "lock": self.lock(h, 0),
        }


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(body: str) -> str:
    """The unified social credit code (GB 32100-2015) of its first 17 characters: ``body``
    and its check digit."""
    if len(body) != 17 or any(c not in USCC_CHARS for c in body):
        raise ValidationError(f"'{body}' is not the body of a credit code", field="uscc")
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def recipient_commitment(h: Hash, did: str, code: bytes) -> bytes:
    """``H(recipient-domain ‖ DID ‖ code)``: what a distribution or disbursement records of its
    recipient; they confirm by signing with that DID and giving ``code``."""
    return h(RECIPIENT + did.encode() + code)


class Charity(ScenarioClient):
    """慈善捐赠: 民政局 (``supervisor``), charities (wallet of their enterprise DID, or a
    member with the role ``fundraiser``), recipients (wallets), anyone (flags, reads)."""

    default_name = "charity"

    @property
    def h(self) -> Hash:
        return self.client.suite.hash

    # -- 民政局 ------------------------------------------------------------------------------------

    @contract_step
    def register_charity(
        self,
        key: PrivateKey,
        charity_id: str,
        name: str,
        kind: str,
        uscc: str,
        registered_on: str,
        *,
        did: str | None = None,
        org: str | None = None,
    ) -> dict[str, Any]:
        """民政局 records a charity it registered (kind foundation|association|service)."""

    @contract_step
    def decide_qualification(
        self, key: PrivateKey, charity_id: str, *, grant: bool, cert_no: str = "", reason: str = ""
    ) -> dict[str, Any]: ...

    @contract_step
    def set_qualification(
        self, key: PrivateKey, charity_id: str, status: str, reason: str, cert_no: str = ""
    ) -> dict[str, Any]: ...

    def record_plan(
        self, key: PrivateKey, charity_id: str, filing_no: str, filed_on: str, **plan: Any
    ) -> dict[str, Any]:
        """民政局 records a plan filed at 慈善中国 earlier (its number and date)."""
        return self._step(
            key,
            "record_plan",
            charity_id=charity_id,
            filing_no=filing_no,
            filed_on=filed_on,
            **plan,
        )

    # -- the charity -----------------------------------------------------------------------------

    @contract_step
    def apply_qualification(
        self, signer: Signer, charity_id: str, doc: bytes
    ) -> dict[str, Any]: ...

    def file_plan(self, signer: Signer, charity_id: str, **plan: Any) -> dict[str, Any]:
        """File a 募捐方案 (title, purposes [{code, label}], start, end, regions, channels,
        bank_account_hash, beneficiary, target, cost_budget, surplus_rule, urgent)."""
        return self._step(signer, "file_plan", charity_id=charity_id, **plan)

    def change_purposes(
        self,
        signer: Signer,
        project_id: str,
        purposes: Sequence[dict[str, str]],
        reason: str,
        doc: bytes,
    ) -> dict[str, Any]:
        return self._step(
            signer,
            "change_purposes",
            project_id=project_id,
            purposes=list(purposes),
            reason=reason,
            doc=doc,
        )

    @contract_step
    def close_fundraising(self, signer: Signer, project_id: str, reason: str) -> dict[str, Any]: ...

    def _donor_fields(
        self,
        receipt_no: str | None,
        receipt_doc: bytes | None,
        anonymous: bool,
        declined: bool,
        secret: DonorSecret | None,
        who: str | None,
    ) -> dict[str, Any]:
        """A donation's receipt fields (:meth:`_receipt`) and, with the donor's ``secret``,
        their commitment to ``who``, tracking reference and consent lock."""
        receipt = self._receipt(receipt_no, receipt_doc, anonymous, declined)
        return receipt if secret is None else receipt | secret.fields(self.h, who)

    def _receipt(
        self,
        receipt_no: str | None,
        receipt_doc: bytes | None,
        anonymous: bool,
        declined: bool,
    ) -> dict[str, Any]:
        if anonymous or declined:
            if receipt_no:
                raise ValidationError(
                    "an anonymous or declined donation has no receipt number", field="receipt_no"
                )
            return {"receipt_kind": "anonymous" if anonymous else "declined"}
        if not receipt_no or receipt_doc is None:
            raise ValidationError(
                "an issued receipt needs its number and the e-receipt's hash", field="receipt_no"
            )
        return {"receipt_kind": "issued", "receipt_no": receipt_no, "receipt_doc": receipt_doc}

    def donate(
        self,
        signer: Signer,
        project_id: str,
        amount: int,
        channel: str,
        received_on: str,
        *,
        receipt_no: str | None = None,
        receipt_doc: bytes | None = None,
        anonymous: bool = False,
        declined: bool = False,
        secret: DonorSecret | None = None,
        who: str | None = None,
        restricted: str | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Record a money donation (``amount`` fen) with its receipt (``receipt_no`` and the
        e-receipt's hash), or as ``anonymous`` / ``declined``. With the donor's ``secret`` the
        donation gets their commitment (to ``who``, computed here: ``who`` never leaves this
        process), tracking reference and consent lock."""
        return self._step(
            signer,
            "donate",
            project_id=project_id,
            amount=amount,
            channel=channel,
            received_on=received_on,
            restricted=restricted,
            region=region,
            **self._donor_fields(receipt_no, receipt_doc, anonymous, declined, secret, who),
        )

    def donate_goods(
        self,
        signer: Signer,
        project_id: str,
        item: str,
        unit: str,
        quantity: int,
        value: int,
        channel: str,
        received_on: str,
        *,
        receipt_no: str | None = None,
        receipt_doc: bytes | None = None,
        anonymous: bool = False,
        declined: bool = False,
        secret: DonorSecret | None = None,
        who: str | None = None,
        restricted: str | None = None,
    ) -> dict[str, Any]:
        """Record a goods donation (a batch) with its receipt or record."""
        return self._step(
            signer,
            "donate_goods",
            project_id=project_id,
            item=item,
            unit=unit,
            quantity=quantity,
            value=value,
            channel=channel,
            received_on=received_on,
            restricted=restricted,
            **self._donor_fields(receipt_no, receipt_doc, anonymous, declined, secret, who),
        )

    def donor_consent(
        self, signer: Signer, donation_id: str, purpose: str, secret: DonorSecret, n: int = 0
    ) -> dict[str, Any]:
        """Pass on the donor's ``n``-th consent (keys derived from their ``secret``) to use a
        restricted gift for ``purpose``."""
        return self._step(
            signer,
            "donor_consent",
            donation_id=donation_id,
            purpose=purpose,
            consent_key=secret.consent_key(self.h, n),
            next_lock=secret.lock(self.h, n + 1),
        )

    @contract_step
    def disburse(
        self,
        signer: Signer,
        project_id: str,
        amount: int,
        purpose: str,
        evidence: bytes,
        *,
        recipient: bytes | None = None,
    ) -> dict[str, Any]:
        """Money out, allocated first in, first out (``recipient``: see
        :func:`recipient_commitment`)."""

    @contract_step
    def warehouse_in(
        self, signer: Signer, batch_id: str, warehouse: str, quantity: int
    ) -> dict[str, Any]: ...

    @contract_step
    def distribute(
        self,
        signer: Signer,
        batch_id: str,
        warehouse: str,
        quantity: int,
        purpose: str,
        recipient: bytes,
    ) -> dict[str, Any]: ...

    @contract_step
    def disclose(
        self, signer: Signer, project_id: str, kind: str, doc: bytes
    ) -> dict[str, Any]: ...

    def annual_report(self, signer: Signer, charity_id: str, year: int, **figures: Any) -> Any:
        """The year's figures (fen): income_prev, income_avg3, net_assets_prev,
        charitable_spending, management_cost, total_spending, doc."""
        return self._step(signer, "annual_report", charity_id=charity_id, year=year, **figures)

    # -- recipients and anyone ---------------------------------------------------------------------

    @contract_step
    def confirm_receipt(self, wallet: Wallet, item_id: str, code: bytes) -> dict[str, Any]:
        """The recipient confirms a distribution or disbursement with their DID key."""

    def flag(self, signer: Signer, project_id: str) -> list[dict[str, Any]]:
        """Raise the overdue-disclosure and idle-money flags the contract finds now."""
        return list(self.call(signer, "flag", project_id=project_id))

    # -- reads ----------------------------------------------------------------------------------

    def charities(self) -> list[dict[str, Any]]:
        return self._pages("/v1/charity/charities")

    def charity(self, charity_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/charity/charities/{seg(charity_id)}")

    def projects(
        self, *, charity: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/charity/projects", charity=charity, status=status)

    def project(self, project_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/charity/projects/{seg(project_id)}")

    def flows(self, project_id: str) -> dict[str, Any]:
        """``{donations, disbursements, distributions, truncated}`` of a project."""
        return self._get_record(f"/v1/charity/projects/{seg(project_id)}/flows")

    def follow(self, charity_id: str, receipt_no: str, secret: DonorSecret) -> dict[str, Any]:
        """The donor follows their donation: only the tracking key derived from ``secret``
        is sent (never the secret itself)."""
        body = {
            "charity": charity_id,
            "receipt_no": receipt_no,
            "key": secret.track_key(self.h).hex(),
        }
        resp = self.client._request("POST", "/v1/charity/follow", json=body)
        out: dict[str, Any] = resp.json()
        return out

    def alerts(self) -> list[dict[str, Any]]:
        return self._pages("/v1/charity/alerts")

    def dashboard(self) -> dict[str, Any]:
        return self._get_record("/v1/charity/dashboard")


CLIENT = Charity
