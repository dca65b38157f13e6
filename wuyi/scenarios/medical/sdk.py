"""健康医疗 in the SDK: :class:`Medical` — hospitals (records, reads under consent,
settlements, appeals), patients (consents with their wallets' DID keys), 医保局 (alert review,
decisions, parameters), 公安/民政 (deaths), insurers (快赔 claims); reads through
``/v1/medical/...``::

    s = client.scenario("medical")                      # or Medical(client)
    rec = s.register_record(zxyy_key, patient_did, "discharge", doc_hash, locator)
    c = s.grant(patient_wallet, "rmyy", "referral", "2026-03-01", "2026-06-30",
                categories=["discharge"])               # a separate consent (单独同意)
    s.access(rmyy_key, rec["id"], c["id"], "referral")  # logged; the patient sees it
    st = s.settle(zxyy_key, patient_did, "outpatient", "2026-03-02", "2026-03-02", items, 3000,
                  invoice_hash, diagnosis_hash)         # alerts raised in st["alerts"]
    s.review(reviewer_key, st["alerts"][0], confirm=True, note=note_hash)

Amounts in fen. A drug item carries its 药品标识码 (``product``) and one hashed trace code per
box (:func:`trace_hash`). A refusal raises the platform's error carrying the contract's message,
which names the rule (``trace code rule (追溯码重复结算): …``, ``consent rule (单独同意): …``).
"""

from __future__ import annotations

from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg

__all__ = ["CLIENT", "Medical", "trace_hash"]


def trace_hash(client: Any, code: str) -> bytes:
    """The hash the chain keeps of a 20-digit 药品追溯码 (the chain's suite)."""
    if len(code) != 20 or not code.isdigit():
        raise ValueError(f"'{code}' is not a 20-digit drug trace code")
    out: bytes = client.suite.hash(b"medical/trace/" + code.encode())
    return out


def drug(client: Any, code: str, trace_codes: list[str], fen: int) -> dict[str, Any]:
    """A drug item of a bill: its catalogue ``code``, the scanned trace codes (one per
    box), the unit price in fen; the 药品标识码 is the codes' first 7 digits."""
    products = {t[:7] for t in trace_codes}
    if len(products) != 1:
        raise ValueError("the boxes of one item are of one product")
    return {
        "kind": "drug",
        "code": code,
        "product": products.pop(),
        "qty": len(trace_codes),
        "fen": fen,
        "trace": [trace_hash(client, t) for t in trace_codes],
    }


class Medical(ScenarioClient):
    """健康医疗: one method per step of its flows (see the module docstring)."""

    default_name = "medical"

    # -- hospitals ---------------------------------------------------------------------------

    @contract_step
    def register_record(
        self, key: PrivateKey, patient: str, category: str, doc: bytes, locator: bytes
    ) -> dict[str, Any]:
        """Register a record the hospital keeps (its hash and encrypted locator)."""

    @contract_step
    def access(
        self, key: PrivateKey, record_id: str, consent_id: str, purpose: str
    ) -> dict[str, Any]:
        """Read a record another hospital keeps under the patient's consent (logged)."""

    @contract_step
    def settle(
        self,
        key: PrivateKey,
        patient: str,
        kind: str,
        admit: str,
        discharge: str,
        items: list[dict[str, Any]],
        fund_fen: int,
        invoice: bytes,
        diagnosis: bytes,
    ) -> dict[str, Any]:
        """Record a 医保 bill; the supervision rules run and its alerts are returned."""

    @contract_step
    def appeal(self, key: PrivateKey, alert_id: str, statement: bytes) -> dict[str, Any]:
        """申诉: the hospital appeals an alert within the appeal period."""

    # -- patients ----------------------------------------------------------------------------

    def grant(
        self,
        wallet: Signer,
        grantee: str,
        purpose: str,
        start: str,
        end: str,
        *,
        categories: list[str] | None = None,
        custodians: list[str] | None = None,
        settlements: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A separate consent (单独同意) signed with the patient's DID key."""
        return self._step(
            wallet,
            "grant",
            grantee=grantee,
            purpose=purpose,
            start=start,
            end=end,
            separate=True,
            categories=categories,
            custodians=custodians,
            settlements=settlements,
        )

    @contract_step
    def revoke(self, wallet: Signer, consent_id: str) -> dict[str, Any]: ...

    # -- 医保局 ------------------------------------------------------------------------------

    @contract_step
    def review(self, key: PrivateKey, alert_id: str, *, confirm: bool, note: bytes) -> Any:
        """初审."""

    @contract_step
    def second_review(self, key: PrivateKey, alert_id: str, *, confirm: bool, note: bytes) -> Any:
        """复审 (another reviewer)."""

    @contract_step
    def decide(
        self, key: PrivateKey, alert_id: str, *, violation: bool, recover_fen: int, note: bytes
    ) -> Any:
        """处理: a violation (with what the fund recovers) or cleared."""

    # -- 公安 / 民政 ---------------------------------------------------------------------------

    @contract_step
    def record_death(self, key: PrivateKey, patient: str, date: str, source: bytes) -> Any: ...

    # -- insurers ----------------------------------------------------------------------------

    @contract_step
    def file_claim(
        self, key: PrivateKey, settlement_id: str, consent_id: str
    ) -> dict[str, Any]: ...

    @contract_step
    def decide_claim(
        self, key: PrivateKey, claim_id: str, *, approve: bool, amount: int
    ) -> dict[str, Any]: ...

    @contract_step
    def pay_claim(self, key: PrivateKey, claim_id: str) -> dict[str, Any]: ...

    # -- reads -------------------------------------------------------------------------------

    def dashboard(self) -> dict[str, Any]:
        return self._get_record("/v1/medical/dashboard")

    def rules(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._get("/v1/medical/rules")
        return out

    def alerts(
        self, stage: str | None = None, hospital: str | None = None, rule: str | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/medical/alerts", stage=stage, hospital=hospital, rule=rule)

    def alert(self, alert_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/medical/alerts/{seg(alert_id)}")

    def patient(self, did: str, what: str) -> list[dict[str, Any]]:
        """A patient's ``records``, ``consents``, ``accesses``, ``settlements`` or ``claims``
        (signed read: the client reads as the patient, or as a member allowed)."""
        return self._pages(f"/v1/medical/patients/{seg(did)}/{seg(what)}")

    def record(self, record_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/medical/records/{seg(record_id)}")

    def settlements(self, hospital: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/medical/settlements", hospital=hospital)

    def bill(self, settlement_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/medical/settlements/{seg(settlement_id)}")

    def consents(self, grantee: str, status: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/medical/consents", grantee=grantee, status=status)

    def accesses(self, hospital: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/medical/accesses", hospital=hospital)

    def claims(self, insurer: str) -> list[dict[str, Any]]:
        return self._pages("/v1/medical/claims", insurer=insurer)

    def claim(self, claim_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/medical/claims/{seg(claim_id)}")


CLIENT = Medical
