"""人才引进落户 in the SDK: :class:`Settlement` — applicants (their wallets), 人社局 (the
parameters), 公安局's issuer system (the 人才准予迁入 credentials); reads through
``/v1/settlement/...``::

    s = client.scenario("settlement")              # or Settlement(client)
    decision = s.apply_graduate(wallet)            # approved, or refused with the failed rules
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "Settlement"]


class Settlement(ScenarioClient):
    """人才引进落户: applicants (their wallets), 人社局 (parameters), 公安局's issuer system
    (the 人才准予迁入 credentials)."""

    default_name = "settlement"

    def request(self, route: str, did: str, items: Sequence[str] = ()) -> dict[str, Any]:
        """``{audience, verifier, nonce, types, claims, purpose}`` for ``route`` (``graduate``
        or ``points``, with the optional ``items`` ``home``, ``awards``)."""
        return self._get_record(
            "/v1/settlement/request", route=route, did=did, items=",".join(items) or None
        )

    def _apply(
        self,
        wallet: Wallet,
        route: str,
        items: Sequence[str],
        consent: str | None,
        minutes: int,
    ) -> dict[str, Any]:
        req = self.request(route, wallet.did, items)
        ref, data = self.present(wallet, req, consent, minutes)  # a private side-car
        args: dict[str, Any] = {"text": ref}
        if route == "points":
            args["items"] = list(items)
        return self._step(wallet, req["method"], sidecars=[data], **args)

    def apply_graduate(
        self, wallet: Wallet, *, consent: str | None = None, minutes: int = 10
    ) -> dict[str, Any]:
        """高校毕业生落户 from the wallet's credentials. Returns the decision: ``approved`` with
        the certificate id, or ``refused`` with ``failed: [{rule, message}]``."""
        return self._apply(wallet, "graduate", (), consent, minutes)

    def apply_points(
        self,
        wallet: Wallet,
        items: Sequence[str] = (),
        *,
        consent: str | None = None,
        minutes: int = 10,
    ) -> dict[str, Any]:
        """积分落户: returns the decision with ``points`` per item, ``total`` and
        ``threshold``."""
        return self._apply(wallet, "points", items, consent, minutes)

    def link_credential(
        self, key: PrivateKey, cert_id: str, idx: int, holder: str | None = None
    ) -> dict[str, Any]:
        """Link the credential ``<police>/<idx>`` to certificate ``cert_id`` (its holder)."""
        return self._step(key, "link_credential", certificate=cert_id, idx=idx)

    def status(self, did: str) -> dict[str, Any]:
        """An applicant's applications (newest last) and certificate."""
        return self._get_record(f"/v1/settlement/status/{seg(did)}")

    def application(self, app_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/settlement/applications/{seg(app_id)}")

    def certificate(self, cert_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/settlement/certificates/{seg(cert_id)}")

    def pending_facts(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"route": rec["route"]}


CLIENT = Settlement
