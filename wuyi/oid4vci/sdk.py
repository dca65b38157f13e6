"""The wallet side of OpenID4VCI (pre-authorized code): read an offer, say who offers what,
trade the code (and the transaction code) for an access token, prove possession of the DID key
and keep the credential in the wallet (``wuyi.sdk.wallet``, encrypted on disk).

::

    from wuyi.oid4vci.sdk import read_offer, receive
    info = read_offer(qr_text)            # who offers what, and whether a tx code is needed
    cred = receive(info, wallet, tx_code="123456")
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from wuyi.abc import PrivateKey
from wuyi.exceptions import IssuanceRefused, ValidationError
from wuyi.oid4vci.service import PRE_AUTHORIZED_GRANT, PROOF_TYP, parse_offer_uri
from wuyi.vc.jose import sign_compact

__all__ = ["OfferInfo", "make_proof", "read_offer", "receive"]


@dataclass(frozen=True)
class OfferInfo:
    """A credential offer with the issuer's metadata: what the wallet shows before accepting."""

    offer: dict[str, Any]
    issuer: str
    metadata: dict[str, Any]
    token_endpoint: str
    configuration_id: str
    configuration: dict[str, Any]
    tx_code: dict[str, Any] | None

    @property
    def code(self) -> str:
        return str(self.offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"])

    @property
    def issuers(self) -> list[str]:
        """The organisations that issue it (names)."""
        return [str(i["name"]) for i in self.configuration.get("wuyi_issuers", [])]

    @property
    def title(self) -> str:
        display = self.configuration.get("credential_metadata", {}).get("display") or []
        return str(display[0]["name"]) if display else self.configuration_id

    @property
    def claims(self) -> list[str]:
        meta = self.configuration.get("credential_metadata", {})
        return [str(c["path"][-1]) for c in meta.get("claims", [])]


def _json(r: httpx.Response) -> Any:
    try:
        body = r.json()
    except ValueError:
        body = {}
    if r.status_code >= 400:
        reason = body.get("reason") or body.get("error") or str(r.status_code)
        raise IssuanceRefused(
            str(body.get("detail") or body.get("error_description") or reason),
            reason=reason,
            error=body.get("error", ""),
        )
    return body


def read_offer(text: str, http: httpx.Client | None = None) -> OfferInfo:
    """Parse an ``openid-credential-offer://`` URI and fetch the issuer's metadata."""
    offer = parse_offer_uri(text)
    issuer = offer["credential_issuer"].rstrip("/")
    c = http or httpx.Client(timeout=30)
    meta = _json(c.get(f"{issuer}/.well-known/openid-credential-issuer"))
    if meta.get("credential_issuer", "").rstrip("/") != issuer:
        raise ValidationError("the issuer's metadata names another credential_issuer")
    servers = meta.get("authorization_servers") or [issuer]
    as_meta = _json(c.get(f"{servers[0].rstrip('/')}/.well-known/oauth-authorization-server"))
    config_id = offer["credential_configuration_ids"][0]
    config = meta.get("credential_configurations_supported", {}).get(config_id)
    if config is None:
        raise ValidationError(f"the issuer does not describe {config_id!r}")
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    return OfferInfo(
        offer, issuer, meta, as_meta["token_endpoint"], config_id, config, grant.get("tx_code")
    )


def make_proof(key: PrivateKey, kid: str, *, aud: str, nonce: str, iat: int) -> str:
    """A proof of possession (OpenID4VCI 1.0 Appendix F.1) signed by the DID key ``kid``."""
    return sign_compact(
        key, {"typ": PROOF_TYP, "kid": kid}, {"aud": aud, "iat": iat, "nonce": nonce}
    )


def receive(
    info: OfferInfo,
    wallet: Any,
    *,
    tx_code: str | None = None,
    http: httpx.Client | None = None,
    now: int | None = None,
) -> Any:
    """Redeem the offer and keep the credential in ``wallet`` (a :class:`~wuyi.sdk.wallet.Wallet`,
    saved); returns the stored credential."""
    c = http or httpx.Client(timeout=60)
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": info.code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    token = _json(c.post(info.token_endpoint, data=form))
    nonce = _json(c.post(info.metadata["nonce_endpoint"]))["c_nonce"]
    did = wallet.did
    doc = _json(c.get(f"{info.issuer}/v1/dids/{did}", params={"prove": "false"}))
    kid = doc["didDocument"]["authentication"][0]
    proof = make_proof(
        wallet.key, kid, aud=info.issuer, nonce=nonce, iat=int(time.time() if now is None else now)
    )
    body = {"credential_configuration_id": info.configuration_id, "proofs": {"jwt": [proof]}}
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    out = _json(c.post(info.metadata["credential_endpoint"], json=body, headers=headers))
    return wallet.add(out["credentials"][0]["credential"])
