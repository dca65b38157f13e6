"""免证办 in the SDK: :class:`ELicence` — the catalogue of e-licences, a service's log, and the
three steps of a certificate-free service written with the native identity SDK
(:class:`~wuyi.sdk.identity.Identity`, :class:`~wuyi.sdk.identity.Verifier`)::

    el = client.scenario("elicence")                       # or ELicence(client)
    consent = el.authorise(wallet, "rsj", types, claims, "人才落户材料核验", attestation)
    nonce = counter.challenge()                            # the service (a Verifier)
    text = el.present(wallet, "rsj", types, claims, nonce, consent)   # "亮证"
    verdict = counter.verify(text, nonce)                  # recorded on chain, either way

The licence content never goes on chain: its issuer registers a commitment (``vc.issue``),
the holder discloses only the claims consented to, and every check is logged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.sdk.client import WuyiClient
from wuyi.sdk.identity import Identity
from wuyi.sdk.scenarios import grant_consent, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "ELicence"]


class ELicence:
    """免证办 over ``client``: reads through ``/v1/elicence/...``; writes through the native
    identity transactions."""

    def __init__(self, client: WuyiClient) -> None:
        self.client = client
        self.identity = Identity(client)

    def catalogue(self) -> dict[str, Any]:
        """``{licences: [{type, description, issuers, claims}], providers: [...], height}``."""
        out: dict[str, Any] = self.client._get("/v1/elicence/catalogue")
        return out

    def service_checks(self, org: str, *, result: str | None = None) -> list[dict[str, Any]]:
        """Every presentation service ``org`` checked, newest first (``result``: only
        ``accepted`` or ``refused``)."""
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.client._get(
                f"/v1/elicence/services/{seg(org)}/checks",
                result=result,
                cursor=cursor,
                limit=500,
            )
            out.extend(page["items"])
            cursor = page.get("next")
            if not cursor:
                return out

    def authorise(
        self,
        wallet: Wallet,
        verifier: str,
        types: Sequence[str],
        claims: Sequence[str],
        purpose: str,
        attestation: str | None = None,
        *,
        minutes: int = 10,
    ) -> str:
        """The holder's consent for service ``verifier`` to see ``claims`` of ``types`` for
        ``purpose`` and ``minutes``, carrying the identity provider's ``attestation`` (real
        name and face) when the service requires an assurance level. Returns its id."""
        req = {"verifier": verifier, "types": list(types), "claims": list(claims)}
        return grant_consent(
            self.identity, wallet, {**req, "purpose": purpose}, minutes, attestation
        )

    def present(
        self,
        wallet: Wallet,
        verifier: str,
        types: Sequence[str],
        claims: Sequence[str],
        nonce: str,
        consent: str,
    ) -> str:
        """亮证: a single-use presentation of exactly ``claims``, bound to the service and its
        ``nonce`` under ``consent``."""
        return wallet.present(
            list(types),
            list(claims),
            verifier=verifier,
            nonce=nonce,
            consent=consent,
            consents=self.identity,
        )


CLIENT = ELicence
