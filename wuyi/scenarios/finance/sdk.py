"""金融服务 in the SDK: :class:`Finance` — enterprises (their wallets, or a member with the role
``treasurer``), banks (role ``banker``), 金融局 (role ``supervisor``, admins for parameters),
and the data-sharing channel under the enterprise's consent::

    f = client.scenario("finance")                      # or Finance(client)
    f.register_enterprise(sme_wallet)                   # presents the business licence
    app = f.apply(sme_wallet, "nsyh", 50_000_000, 12, "working_capital")
    consent = f.grant_consent(sme_wallet, app["id"], ["ent-tax"], 30)
    rid = f.request_data(bank_key, consent["id"], "ent-tax", ["tax_credit_grade"], 10, ak)
    f.decide(bank_key, app["id"], approve=True, amount=40_000_000, rate_bp=385, term_months=12)
    f.disburse(bank_key, app["id"], 40_000_000)

Writes wait for their block and return the contract's value (bytes as hex), or raise the
refusal (``ContractRevert``, its message names the rule). Reads go through ``/v1/finance/...``.
"""

from __future__ import annotations

import time
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg, signer_key
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "Finance"]

DAY_MS = 86_400_000
#: the purposes the SDK's signed reads state
OWN = "企业融资自查 / the enterprise's own file"
REVIEW = "授信审查 / credit review"
SUPERVISION = "金融监管 / supervision"


class Finance(ScenarioClient):
    """金融服务与监管: enterprises, loans, consents, receivables, collateral, the regulator."""

    default_name = "finance"

    # -- enterprises ---------------------------------------------------------------------------

    def licence_request(self, did: str) -> dict[str, Any]:
        """What the enterprise's wallet presents to register: ``{audience, verifier, nonce,
        types, claims, purpose}`` (the contract's request and its single-use nonce)."""
        out: dict[str, Any] = self.client._get("/v1/finance/licence-request", did=did)
        return out

    def register_enterprise(self, wallet: Wallet, consent: str | None = None) -> dict[str, Any]:
        """Register the wallet's enterprise by presenting its business licence (kind, sector,
        district, operator DID) to 金融局, as a private side-car: the disclosures never enter
        the block."""
        req = self.licence_request(wallet.did)
        ref, data = self.present(wallet, req, consent, 30)
        return self._step(wallet, "register_enterprise", sidecars=[data], presentation_text=ref)

    @contract_step
    def register_member_enterprise(
        self, key: PrivateKey, sector: str, district: str
    ) -> dict[str, Any]:
        """A member organisation registers itself (its declared sector and district)."""

    # -- applications and loans ----------------------------------------------------------------

    def apply(
        self,
        signer: Signer,
        bank: str,
        amount: int,
        term_months: int,
        purpose: str,
        collateral: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """The enterprise applies (amount in fen; ``collateral`` [{kind, ref}])."""
        return self._step(
            signer,
            "apply",
            bank=bank,
            amount=amount,
            term_months=term_months,
            purpose=purpose,
            collateral=collateral or [],
        )

    def withdraw(self, signer: Signer, application_id: str) -> str:
        return str(self.call(signer, "withdraw", application_id=application_id))

    @contract_step
    def decide(
        self,
        key: PrivateKey,
        application_id: str,
        *,
        approve: bool,
        amount: int = 0,
        rate_bp: int = 0,
        term_months: int = 0,
        reason: str = "",
    ) -> dict[str, Any]:
        """The bank's decision: an approval (amount, rate in basis points, term) or a refusal
        with its reason code."""

    @contract_step
    def disburse(self, key: PrivateKey, loan_id: str, amount: int) -> dict[str, Any]: ...

    @contract_step
    def repay(self, key: PrivateKey, loan_id: str, amount: int) -> dict[str, Any]: ...

    def notify_overdue(self, key: PrivateKey, loan_id: str, notice: bytes) -> dict[str, Any]:
        """Record that the borrower was told (``notice``: the notice's text; its hash goes on
        chain)."""
        h = self.client.suite.hash(notice)
        return self._step(key, "notify_overdue", loan_id=loan_id, notice_hash=h)

    @contract_step
    def report_overdue(
        self, key: PrivateKey, loan_id: str, dpd: int, amount: int
    ) -> dict[str, Any]: ...

    @contract_step
    def cure_overdue(self, key: PrivateKey, loan_id: str) -> dict[str, Any]: ...

    @contract_step
    def record_legacy_negative(
        self, key: PrivateKey, enterprise: str, dpd: int, amount: int, started: str, ended: str
    ) -> dict[str, Any]:
        """A bank's record of an overdue event that ended before the platform (its claim)."""

    @contract_step
    def write_off(self, key: PrivateKey, loan_id: str, reason: str) -> dict[str, Any]: ...

    # -- collateral ----------------------------------------------------------------------------

    @contract_step
    def pledge_property(
        self, key: PrivateKey, loan_id: str, unit_id: str, amount: int
    ) -> dict[str, Any]:
        """The bank's mortgage on an offered unit, registered in the real-estate registry."""

    @contract_step
    def pledge_receivable(
        self, key: PrivateKey, loan_id: str, receivable_id: str, kind: str, registry_no: str
    ) -> dict[str, Any]: ...

    def release_collateral(self, key: PrivateKey, loan_id: str) -> list[str]:
        return list(self.call(key, "release_collateral", loan_id=loan_id))

    # -- receivables ---------------------------------------------------------------------------

    def register_receivable(
        self,
        signer: Signer,
        debtor: str,
        amount: int,
        due_date: str,
        contract: bytes,
        invoice: bytes,
    ) -> dict[str, Any]:
        """The creditor records a receivable: ``contract`` and ``invoice`` are the documents
        (or their numbers); only their hashes go on chain."""
        h = self.client.suite.hash
        return self._step(
            signer,
            "register_receivable",
            debtor=debtor,
            amount=amount,
            due_date=due_date,
            contract_hash=h(contract),
            invoice_hash=h(invoice),
        )

    @contract_step
    def confirm_receivable(
        self, signer: Signer, receivable_id: str, long_term_reason: str = ""
    ) -> dict[str, Any]: ...

    @contract_step
    def dispute_receivable(self, signer: Signer, receivable_id: str) -> dict[str, Any]: ...

    # -- consents and the data-sharing channel -------------------------------------------------

    @contract_step
    def grant_consent(
        self, signer: Signer, application_id: str, items: list[str], days: int
    ) -> dict[str, Any]: ...

    def consent_personal(self, wallet: Wallet, consent_id: str, notice: str) -> dict[str, Any]:
        """The sole proprietor's operator consents in person (``notice``: the authorisation
        text they read; its hash goes on chain)."""
        h = self.client.suite.hash(notice.encode())
        return self._step(wallet, "consent_personal", consent_id=consent_id, notice_hash=h)

    @contract_step
    def revoke_consent(self, signer: Signer, consent_id: str) -> dict[str, Any]: ...

    def purpose(
        self, consent_id: str, note: str = "授信审查 / credit review", reader: Signer | None = None
    ) -> str:
        """The purpose a data request under ``consent_id`` states: the consent id, the
        application id, a note (the consent gate reads the first two). The consent is a signed
        read (``reader``: the bank's key; else as the client reads)."""
        c = self._read(f"consents/{seg(consent_id)}", reader, REVIEW)
        return f"{consent_id} {c['application']} {note}"

    def request_data(
        self,
        key: PrivateKey,
        consent_id: str,
        dataset: str,
        fields: list[str],
        days: int,
        agreement_key: Any,
    ) -> bytes:
        """A bank's ``data.request`` for a department's gated dataset under the enterprise's
        consent (``agreement_key``: ``wuyi.sdk.data.ensure_agreement_key``). Returns the
        request id."""
        from wuyi.sdk.data import DataShare

        until = int(time.time() * 1000) + days * DAY_MS
        ds = DataShare(self.client)
        return ds.request(
            key, dataset, self.purpose(consent_id, reader=key), fields, until, agreement_key
        )

    # -- the regulator -------------------------------------------------------------------------

    @contract_step
    def handle_alert(self, key: PrivateKey, alert_id: str, action: str) -> dict[str, Any]: ...

    # -- reads ---------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Public totals by sector and bank, overdue and NPL rates, applications by status."""
        return self._get_record("/v1/finance/stats")

    def _read(self, path: str, reader: Signer | None, purpose: str, **params: Any) -> Any:
        """``GET /v1/finance/<path>``: a signed read by ``reader`` (a wallet or a member key)
        stating ``purpose``, or as the client reads."""
        key = None if reader is None else signer_key(reader)
        return self._get(f"/v1/finance/{path}", key=key, purpose=purpose, **params)

    def file(self, did: str, reader: Signer | None = None) -> dict[str, Any]:
        """The enterprise's own file: record, applications, consents with their data uses,
        receivables, exposure, negative records (the enterprise or its operator)."""
        out: dict[str, Any] = self._read(f"enterprises/{seg(did)}", reader, OWN)
        return out

    def application_ids(self, did: str, reader: Signer | None = None) -> list[str]:
        """The enterprise's applications, newest first."""
        return [a["id"] for a in self.file(did, reader)["applications"]]

    def credit(self, did: str, reader: Signer | None = None) -> dict[str, Any]:
        """Exposure across banks and negative records (the enterprise, or a bank holding its
        live consent)."""
        out: dict[str, Any] = self._read(f"enterprises/{seg(did)}/credit", reader, REVIEW)
        return out

    def application(self, app_id: str, reader: Signer | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self._read(f"applications/{seg(app_id)}", reader, REVIEW)
        return out

    def bank_applications(
        self, bank: str, reader: Signer | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """A bank's own applications, newest first (its bankers)."""
        doc = self._read(f"banks/{seg(bank)}/applications", reader, REVIEW, status=status)
        return list(doc["items"])

    def consent(self, consent_id: str, reader: Signer | None = None) -> dict[str, Any]:
        """A consent with the data requests made under it."""
        out: dict[str, Any] = self._read(f"consents/{seg(consent_id)}", reader, REVIEW)
        return out

    def person_consents(self, did: str, reader: Signer | None = None) -> list[dict[str, Any]]:
        """The consents naming ``did`` as the operator of a sole proprietorship."""
        return list(self._read(f"persons/{seg(did)}/consents", reader, OWN)["items"])

    def receivable(self, receivable_id: str, reader: Signer | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self._read(f"receivables/{seg(receivable_id)}", reader, REVIEW)
        return out

    def alerts(
        self, reader: Signer | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """金融局's alerts, newest first (its supervisors)."""
        return list(self._read("alerts", reader, SUPERVISION, status=status)["items"])

    def entries(self, prefix: str) -> list[tuple[str, Any]]:
        """The contract's own state entries under ``prefix`` (for tools): the raw state is
        personal (``Scenario.personal_state``), an active member's signed read — sign with
        ``WuyiClient.read_as``/``reading_as``."""
        return self._state(prefix)

    def view(self, method: str, **args: Any) -> Any:
        """A read-only method of the contract (a member's signed read, as :meth:`entries`)."""
        return self.client.query(self.name, method, args)


CLIENT = Finance
