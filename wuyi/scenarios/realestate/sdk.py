"""不动产登记 in the SDK: :class:`Registry` — registrars (role ``registrar`` of an office),
banks (``banker``), courts (``judge``) and the offices' issuer systems (``issuer``), one method
per step; reads through ``/v1/realestate/...``::

    reg = client.scenario("realestate")            # or Registry(client)
    cert = reg.first_registration(registrar_key, "440703-001-0001", [(did, 10000)])
    text = reg.issue_certificate(issuer_key, cert, wallet=owner_wallet)   # 不动产权证书
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, contract_step, seg

__all__ = ["CLIENT", "Registry"]


class Registry(ScenarioClient):
    """不动产登记: registrars (role ``registrar`` of an office), banks (``banker``), courts
    (``judge``) and the offices' issuer systems (``issuer``)."""

    default_name = "realestate"

    # -- writes --------------------------------------------------------------------------------

    @contract_step
    def register_unit(
        self, key: PrivateKey, unit_id: str, *, location: str, area: int, use: str = "residential"
    ) -> dict[str, Any]:
        """Register unit ``unit_id`` (``440703-001-0001``); ``area`` in 0.01 m²."""

    def first_registration(
        self, key: PrivateKey, unit_id: str, owners: str | Sequence[tuple[str, int]]
    ) -> str:
        """首次登记: ``owners`` is one DID (whole share) or ``[(did, basis points), ...]``
        summing to 10000. Returns the certificate id."""
        rows = [(owners, 10000)] if isinstance(owners, str) else list(owners)
        args = [{"did": d, "share": s} for d, s in rows]
        return str(self.call(key, "first_registration", unit_id=unit_id, owners=args))

    def transfer(
        self,
        key: PrivateKey,
        unit_id: str,
        contract_id: str,
        buyers: Sequence[str],
        tax_proof: bytes,
    ) -> str:
        """转移登记 against the filed housing contract and the hash of the tax-paid proof.
        Returns the new certificate id."""
        return str(
            self.call(
                key,
                "transfer",
                unit_id=unit_id,
                contract_id=contract_id,
                buyers=list(buyers),
                tax_proof=tax_proof,
            )
        )

    def register_mortgage(
        self, key: PrivateKey, unit_id: str, amount: int, contract_id: str | None = None
    ) -> str:
        """抵押登记 (``amount`` in fen; ``contract_id``: the filed contract whose loan it
        secures). Returns the mortgage id."""
        args: dict[str, Any] = {"unit_id": unit_id, "amount": amount}
        if contract_id is not None:
            args["contract_id"] = contract_id
        return str(self.call(key, "register_mortgage", **args))

    def release_mortgage(self, key: PrivateKey, mortgage_id: str) -> None:
        """注销抵押: only the bank that registered it."""
        self.call(key, "release_mortgage", mortgage_id=mortgage_id)

    def seize(self, key: PrivateKey, unit_id: str, case_hash: bytes) -> str:
        """查封 by a court (the hash of the case reference). Returns the seizure id."""
        return str(self.call(key, "seize", unit_id=unit_id, case_hash=case_hash))

    def lift_seizure(self, key: PrivateKey, seizure_id: str, order_hash: bytes) -> None:
        """解除查封 by a court (the hash of the lifting order)."""
        self.call(key, "lift_seizure", seizure_id=seizure_id, order_hash=order_hash)

    def correct(self, key: PrivateKey, unit_id: str, field: str, value: Any, reason: str) -> None:
        """更正登记 of ``location``, ``area`` or ``use`` with a reason."""
        self.call(key, "correct", unit_id=unit_id, field=field, value=value, reason=reason)

    # -- reads ---------------------------------------------------------------------------------

    def units(self, district: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/realestate/units", district=district)

    def unit(self, unit_id: str) -> dict[str, Any]:
        """The unit with its listing, active filing, mortgages and seizures."""
        return self._get_record(f"/v1/realestate/units/{seg(unit_id)}")

    def history(self, unit_id: str) -> list[dict[str, Any]]:
        """Every change of the unit, oldest first, whichever office made it."""
        return self._pages(f"/v1/realestate/units/{seg(unit_id)}/history")

    def owner_units(self, did: str) -> list[dict[str, Any]]:
        return self._pages(f"/v1/realestate/owners/{seg(did)}/units")

    def cert(self, cert_id: str) -> dict[str, Any]:
        """The 不动产权证书 record (unit, owners, shares, office, commitment, status)."""
        return self._get_record(f"/v1/realestate/certs/{seg(cert_id)}")

    # -- 不动产权证书 credentials: issue_certificate, pending_certificates, issue_pending ------

    def may_issue(self, rec: dict[str, Any], org: str | None) -> bool:
        """The recording office issues its certificates' credentials; bdc issues any."""
        return org in (None, "bdc", rec["office"])

    def pending_facts(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"unit": rec["unit"], "office": rec["office"]}


CLIENT = Registry
