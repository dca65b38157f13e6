"""养老服务 in the SDK: :class:`Eldercare` — 民政局 (institutions, subsidies, elders of the
time bank, pool grants), the departments (compliance records, caregivers' qualifications and
health checks), care institutions (caregivers, shifts, closure), custody banks (prepayments),
volunteers and elders (their wallets' DID keys); reads through ``/v1/eldercare/...``::

    s = client.scenario("eldercare")                  # or Eldercare(client)
    s.record_compliance(fire_key, "flyy", "fire", "pass", "none", "2027-06-30", report_hash)
    s.board()["institutions"][0]["grade"]            # computed by the contract
    sv = s.log_service(volunteer_wallet, elder_did, "meal", "2026-11-02", 90)
    s.confirm_service(elder_wallet, sv["id"])          # only now are the minutes credited

Amounts in fen, durations in minutes. A refusal raises the platform's error carrying the
contract's message, which names the rule (``scheduling rule: health check expired …``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "Eldercare", "commitment"]


def commitment(did: str, salt: bytes) -> bytes:
    """The commitment to a person that the institution or bank keeps on chain instead of
    their DID (SHA-256 of the salt and the DID; the salt stays with the institution)."""
    return hashlib.sha256(salt + did.encode()).digest()


class Eldercare(ScenarioClient):
    """养老服务: one method per step of its flows (see the module docstring)."""

    default_name = "eldercare"

    # -- 民政局 ----------------------------------------------------------------------------------

    @contract_step
    def register_institution(
        self,
        key: PrivateKey,
        org: str,
        name: str,
        uscc: str,
        *,
        beds: int,
        ownership: str,
        net_assets: int,
        bank: str,
    ) -> dict[str, Any]:
        """File a care institution (an officer of 民政局); ``net_assets`` (fen) is its
        prepayment limit."""

    @contract_step
    def pay_subsidy(
        self, key: PrivateKey, institution: str, period: str, occupied: int
    ) -> dict[str, Any]: ...

    @contract_step
    def enrol_elder(
        self, key: PrivateKey, elder: str, basis: bytes, guardian: str | None = None
    ) -> dict[str, Any]: ...

    @contract_step
    def grant(self, key: PrivateKey, elder: str, minutes: int) -> dict[str, Any]: ...

    # -- the departments -----------------------------------------------------------------------

    @contract_step
    def record_compliance(
        self,
        key: PrivateKey,
        institution: str,
        category: str,
        result: str,
        severity: str,
        valid_until: str,
        doc: bytes,
    ) -> dict[str, Any]: ...

    @contract_step
    def record_qualification(
        self, key: PrivateKey, caregiver: str, level: str, cert: bytes, valid_until: str
    ) -> dict[str, Any]: ...

    @contract_step
    def record_health_check(
        self, key: PrivateKey, caregiver: str, checked_on: str, *, fit: bool, report: bytes
    ) -> dict[str, Any]: ...

    # -- care institutions ---------------------------------------------------------------------

    @contract_step
    def hire(self, key: PrivateKey, caregiver: str) -> dict[str, Any]: ...

    @contract_step
    def schedule(
        self, key: PrivateKey, caregiver: str, date: str, shift: str, elder: bytes
    ) -> dict[str, Any]:
        """Schedule a caregiver (``elder``: a :func:`commitment` to the resident)."""

    @contract_step
    def announce_closure(
        self, key: PrivateKey, effective: str, notice: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def close(self, key: PrivateKey) -> dict[str, Any]: ...

    # -- custody banks --------------------------------------------------------------------------

    @contract_step
    def prepay(
        self, key: PrivateKey, institution: str, elder: bytes, kind: str, amount: int
    ) -> dict[str, Any]:
        """A prepayment received into custody (``elder``: a :func:`commitment` to the payer)."""

    @contract_step
    def release(self, key: PrivateKey, prepayment: str, amount: int) -> dict[str, Any]: ...

    @contract_step
    def refund(self, key: PrivateKey, prepayment: str) -> dict[str, Any]: ...

    # -- volunteers and elders (their wallets) --------------------------------------------------

    @contract_step
    def log_service(
        self, volunteer: Wallet, elder: str, kind: str, date: str, minutes: int
    ) -> dict[str, Any]: ...

    @contract_step
    def confirm_service(
        self, elder: Wallet, service: str, *, accept: bool = True
    ) -> dict[str, Any]:
        """The served elder (or guardian) confirms: only then are the minutes credited."""

    @contract_step
    def redeem(self, elder: Wallet, minutes: int, provider: str, kind: str) -> dict[str, Any]: ...

    @contract_step
    def donate(self, holder: Wallet, minutes: int) -> dict[str, Any]: ...

    @contract_step
    def certify_balance(self, holder: Wallet) -> dict[str, Any]:
        """A balance certificate (its credential: ``issue_certificate``)."""

    # -- reads -----------------------------------------------------------------------------------

    def board(self) -> dict[str, Any]:
        return self._get_record("/v1/eldercare/board")

    def institution(self, org: str) -> dict[str, Any]:
        return self._get_record(f"/v1/eldercare/institutions/{seg(org)}")

    def subsidies(self, org: str) -> list[dict[str, Any]]:
        return self._pages(f"/v1/eldercare/institutions/{seg(org)}/subsidies")

    # Signed reads (``key`` signs one read; else as ``WuyiClient.read_as`` set).

    def alerts(self, org: str, *, key: PrivateKey | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._get(
            f"/v1/eldercare/institutions/{seg(org)}/alerts", key=key
        )["alerts"]
        return out

    def prepayments(self, org: str, *, key: PrivateKey | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._get(
            f"/v1/eldercare/institutions/{seg(org)}/prepayments", key=key
        )["prepayments"]
        return out

    def caregiver(self, did: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/eldercare/caregivers/{seg(did)}", key=key)

    def time_account(self, did: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/eldercare/timebank/{seg(did)}", key=key)

    def service(self, service_id: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/eldercare/services/{seg(service_id)}", key=key)


CLIENT = Eldercare
