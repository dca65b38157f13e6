"""住房网签 in the SDK: :class:`Housing` — developers (role ``developer``), buyers (their
wallets), the bureau (``zjj``, role ``filing``) and banks (``banker``), one method per step;
reads through ``/v1/housing/...``::

    h = client.scenario("housing")                 # or Housing(client)
    cid = h.draft(developer_key, "440703-001-0001", [buyer.did], 150_000_000)
    h.check_eligibility(buyer, cid)                # 购房资格, from the buyer's wallet
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, Signer, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "Housing"]


class Housing(ScenarioClient):
    """住房网签: developers (role ``developer``), buyers (their wallets), the bureau (``zjj``,
    role ``filing``) and banks (``banker``)."""

    default_name = "housing"

    def consent_listing(self, key: PrivateKey, unit_id: str) -> None:
        """A bank holding a mortgage on the unit consents to its sale."""
        self.call(key, "consent_listing", unit_id=unit_id)

    @contract_step
    def list_unit(self, key: PrivateKey, unit_id: str) -> dict[str, Any]: ...

    def draft(
        self,
        key: PrivateKey,
        unit_id: str,
        buyers: Sequence[str],
        price: int,
        shares: Sequence[int] | None = None,
    ) -> str:
        """Draft a contract (price in fen; buyers' DIDs; shares in basis points). Returns the
        contract id."""
        args: dict[str, Any] = {"unit_id": unit_id, "buyers": list(buyers), "price": price}
        if shares is not None:
            args["shares"] = list(shares)
        return str(self.call(key, "draft", **args))

    def eligibility_request(
        self,
        contract_id: str,
        did: str,
        *,
        social_security: bool = False,
        key: PrivateKey | None = None,
    ) -> dict[str, Any]:
        """``{audience, verifier, nonce, types, claims, purpose}`` the first buyer presents (a
        signed read: ``key`` is the buyer's DID key, or read as the client reads)."""
        return self._get_record(
            f"/v1/housing/contracts/{seg(contract_id)}/eligibility-request",
            key=key,
            did=did,
            social_security=str(social_security).lower(),
        )

    def check_eligibility(
        self,
        wallet: Wallet,
        contract_id: str,
        *,
        social_security: bool | None = None,
        consent: str | None = None,
        minutes: int = 10,
    ) -> dict[str, Any]:
        """购房资格: the first buyer's wallet presents the family's credentials for the request
        the contract makes (consenting to the bureau for ``minutes`` unless ``consent`` names
        one), and the contract checks them in the block. ``social_security`` defaults to "the
        wallet's HouseholdCredential says non-local". Returns the recorded result."""
        if social_security is None:
            household = [c for c in wallet.credentials if c.type == "HouseholdCredential"]
            social_security = not household or household[-1].claims.get("local_hukou") is not True
        req = self.eligibility_request(
            contract_id, wallet.did, social_security=social_security, key=wallet.key
        )
        ref, data = self.present(wallet, req, consent, minutes)  # a private side-car
        return self._step(
            wallet,
            "check_eligibility",
            sidecars=[data],
            contract_id=contract_id,
            presentation_text=ref,
            with_social_security=social_security,
        )

    def sign(self, signer: Signer, contract_id: str) -> str:
        """A buyer (their wallet) or the seller (a developer member) signs. Returns the
        status (``signed`` once every party has)."""
        return str(self.call(signer, "sign", contract_id=contract_id))

    @contract_step
    def file(self, key: PrivateKey, contract_id: str) -> dict[str, Any]:
        """网签备案 by the bureau (one active filing per unit)."""

    @contract_step
    def register_loan(self, key: PrivateKey, contract_id: str, amount: int) -> dict[str, Any]:
        """A bank's loan on a filed contract, within ``max_ltv_pct`` of the filed price."""

    @contract_step
    def declare_tax(
        self, signer: Signer, contract_id: str, price: int, proof: bytes
    ) -> dict[str, Any]:
        """A buyer declares the tax at the filed price with the hash of the tax-paid proof."""

    def approve_cancel(self, signer: Signer, contract_id: str) -> str:
        """Each buyer, the seller and the bureau approve; the last one cancels."""
        return str(self.call(signer, "approve_cancel", contract_id=contract_id))

    # -- reads ---------------------------------------------------------------------------------

    def contract(self, contract_id: str) -> dict[str, Any]:
        """The contract with its full trace."""
        return self._get_record(f"/v1/housing/contracts/{seg(contract_id)}")

    def contracts(
        self, *, status: str | None = None, unit: str | None = None, buyer: str | None = None
    ) -> list[dict[str, Any]]:
        """Contracts, newest first (``buyer``: only that DID's — a buyer's own read)."""
        return self._pages("/v1/housing/contracts", status=status, unit=unit, buyer=buyer)

    def dashboard(self) -> dict[str, Any]:
        return self._get_record("/v1/housing/dashboard")


CLIENT = Housing
