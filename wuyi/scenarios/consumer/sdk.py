"""消费维权 in the SDK: :class:`ConsumerProtection` — 市场监管局 (merchants, complaints,
alerts, parameters), the custody banks (prepayments, refunds, withdrawals, the daily
reconciliation, 先行赔付), merchants and consumers (their wallets' DID keys); reads through
``/v1/consumer/...``::

    s = client.scenario("consumer")                       # or ConsumerProtection(client)
    cid = s.offer(merchant_wallet, consumer_did, "少儿钢琴课", "lesson", 24, 15_000, 3, terms)
    s.sign(consumer_wallet, cid)
    s.prepay(bank_key, cid, 360_000)                      # the custody bank received it
    s.check_in(consumer_wallet, cid, 1)                   # one lesson: its price released
    s.credit(merchant_did)["rating"]                      # the public credit view

Amounts are in fen. A refusal raises the platform's error carrying the contract's message,
which names the rule (``cap rule (预付限额): …``, ``custody rule (资金存管): …``).
"""

from __future__ import annotations

from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "USCC_CHARS", "ConsumerProtection", "uscc"]

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(first17: str) -> str:
    """The 统一社会信用代码 of ``first17`` with its check character (GB 32100-2015), as the
    contract checks it."""
    if len(first17) != 17 or any(ch not in USCC_CHARS for ch in first17):
        raise ValueError(f"'{first17}' is not 17 characters of {USCC_CHARS}")
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    check = 31 - total % 31
    return first17 + USCC_CHARS[0 if check == 31 else check]


class ConsumerProtection(ScenarioClient):
    """消费维权: one method per step of its flows (see the module docstring)."""

    default_name = "consumer"

    # -- 市场监管局 --------------------------------------------------------------------------

    def register_merchant(
        self,
        key: PrivateKey,
        did: str,
        name: str,
        uscc_code: str,
        industry: str,
        district: str,
        tier: str,
        bank: str,
    ) -> dict[str, Any]:
        """Register a merchant (a member of the regulator with the role ``regulator``)."""
        return self._step(
            key,
            "register_merchant",
            did=did,
            name=name,
            uscc=uscc_code,
            industry=industry,
            district=district,
            tier=tier,
            bank=bank,
        )

    @contract_step
    def decide(
        self, key: PrivateKey, complaint_id: str, *, accept: bool, reason: str = ""
    ) -> dict[str, Any]:
        """Accept a complaint, or refuse it naming the reason."""

    @contract_step
    def mediate(self, key: PrivateKey, complaint_id: str, record: bytes) -> dict[str, Any]: ...

    @contract_step
    def conclude(
        self, key: PrivateKey, complaint_id: str, *, agreed: bool, amount: int, record: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def end_mediation(self, signer: Signer, complaint_id: str) -> dict[str, Any]: ...

    @contract_step
    def order_first_pay(
        self, key: PrivateKey, complaint_id: str, amount: int
    ) -> dict[str, Any]: ...

    @contract_step
    def acknowledge(self, key: PrivateKey, alert_id: str, note: str) -> dict[str, Any]: ...

    # -- the custody bank ----------------------------------------------------------------------

    @contract_step
    def prepay(self, key: PrivateKey, contract_id: str, amount: int) -> dict[str, Any]:
        """The consumer's prepayment received into custody (the bank's record)."""

    @contract_step
    def pay_refund(self, key: PrivateKey, contract_id: str) -> dict[str, Any]: ...

    @contract_step
    def pay_first(self, key: PrivateKey, complaint_id: str) -> dict[str, Any]: ...

    @contract_step
    def reconcile(self, key: PrivateKey, merchant: str, balance: int) -> dict[str, Any]:
        """每日对账: the custody account's balance now, as the bank has it."""

    @contract_step
    def withdraw(self, key: PrivateKey, merchant: str, amount: int) -> dict[str, Any]: ...

    @contract_step
    def top_up(self, key: PrivateKey, merchant: str, amount: int) -> dict[str, Any]: ...

    @contract_step
    def guarantee(self, key: PrivateKey, merchant: str, amount: int) -> dict[str, Any]: ...

    @contract_step
    def correct_custody(
        self, key: PrivateKey, merchant: str, balance: int, reason: str
    ) -> dict[str, Any]: ...

    # -- the merchant (its wallet) -------------------------------------------------------------

    def offer(
        self,
        merchant: Wallet,
        consumer: str,
        item: str,
        unit: str,
        units: int,
        unit_price: int,
        months: int,
        terms: bytes,
    ) -> str:
        """Offer a written prepaid contract to ``consumer`` (a DID); returns its id."""
        return str(
            self._step(
                merchant,
                "offer",
                consumer=consumer,
                item=item,
                unit=unit,
                units=units,
                unit_price=unit_price,
                months=months,
                terms=terms,
            )
        )

    @contract_step
    def request_consumption(
        self, merchant: Wallet, contract_id: str, units: int
    ) -> dict[str, Any]: ...

    @contract_step
    def commit(self, merchant: Wallet, no_reason_days: int, first_pay: bool) -> dict[str, Any]: ...

    @contract_step
    def report_ledger(self, merchant: Wallet, ledger: int) -> dict[str, Any]: ...

    @contract_step
    def respond(self, merchant: Wallet, complaint_id: str, response: bytes) -> dict[str, Any]: ...

    @contract_step
    def announce_closure(
        self, merchant: Wallet, kind: str, effective: str, notice: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def close(self, merchant: Wallet) -> dict[str, Any]: ...

    # -- the consumer (their wallet) -----------------------------------------------------------

    @contract_step
    def sign(self, consumer: Wallet, contract_id: str) -> dict[str, Any]: ...

    @contract_step
    def check_in(self, consumer: Wallet, contract_id: str, units: int) -> dict[str, Any]:
        """The consumer confirms ``units`` consumed; their price is released to the merchant."""

    @contract_step
    def confirm(
        self, consumer: Wallet, contract_id: str, n: int, *, accept: bool = True
    ) -> dict[str, Any]: ...

    @contract_step
    def cancel(self, signer: Signer, contract_id: str) -> dict[str, Any]: ...

    @contract_step
    def lodge(
        self, consumer: Wallet, contract_id: str, category: str, statement: bytes
    ) -> dict[str, Any]:
        """Complain about a contract (``statement``: the hash of the complaint's text)."""

    # -- reads ---------------------------------------------------------------------------------

    def credits(self) -> list[dict[str, Any]]:
        """The public credit view of every merchant."""
        return self._pages("/v1/consumer/merchants")

    def credit(self, merchant: str) -> dict[str, Any]:
        return self._get_record(f"/v1/consumer/merchants/{seg(merchant)}")

    def reconciliations(self, merchant: str) -> list[dict[str, Any]]:
        return self._pages(f"/v1/consumer/merchants/{seg(merchant)}/reconciliations")

    def dashboard(self) -> dict[str, Any]:
        return self._get_record("/v1/consumer/dashboard")

    def alerts(self, status: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/consumer/alerts", status=status)

    # The contracts and complaints are signed reads (the parties' DID keys, the regulator, the
    # custody banks, auditors): ``key`` signs one read (a wallet's DID key reading its own),
    # else the client reads as ``WuyiClient.read_as`` set.

    def contracts(
        self,
        *,
        merchant: str | None = None,
        consumer: str | None = None,
        status: str | None = None,
        key: PrivateKey | None = None,
    ) -> list[dict[str, Any]]:
        return self._pages(
            "/v1/consumer/contracts", key=key, merchant=merchant, consumer=consumer, status=status
        )

    def contract(self, contract_id: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/consumer/contracts/{seg(contract_id)}", key=key)

    def complaints(
        self,
        *,
        status: str | None = None,
        merchant: str | None = None,
        consumer: str | None = None,
        key: PrivateKey | None = None,
    ) -> list[dict[str, Any]]:
        return self._pages(
            "/v1/consumer/complaints",
            key=key,
            status=status,
            merchant=merchant,
            consumer=consumer,
        )

    def complaint(self, complaint_id: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/consumer/complaints/{seg(complaint_id)}", key=key)


CLIENT = ConsumerProtection
