"""HTTP routes of OpenID4VCI issuance (``wuyi.oid4vci.service``), mounted by ``create_app`` with
one line (``add_oid4vci_routes(app, node)``).

======================================================  =========================================
``GET  /.well-known/openid-credential-issuer``          credential issuer metadata (§12.2)
``GET  /.well-known/oauth-authorization-server``        RFC 8414 metadata (token endpoint)
``POST /v1/oid4vci/token``                              form: pre-authorized code (+ tx_code)
``POST /v1/oid4vci/nonce``                              a fresh ``c_nonce``
``POST /v1/oid4vci/credential``                         bearer token + proof JWT -> ``dc+sd-jwt``
``GET  /v1/oid4vci/desk``                               what this node's desk may issue
``POST /v1/oid4vci/offers``                             the desk's offer, a signed request
``GET  /v1/oid4vci/offers/{id}``                        open / issued (no personal value)
======================================================  =========================================

The desk's request is signed by an active member with the role ``issuer`` of an organisation
whose issuing key this node's desk holds (``X-Wuyi-*`` headers, ``wuyi.api.auth``; the console
signs it in the browser). Which keys the desk holds is node configuration (``node.toml``
``[oid4vci] issuer_keys``, :func:`configure_from_home`), or :func:`configure` in tests and the
demo; without any the metadata lists no credential and offers are refused.

A refusal is an RFC 9457 problem document with ``code: "issuance_refused"`` and ``reason``,
which also carries the OAuth members ``error`` and ``error_description`` a wallet expects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from wuyi.abc import PrivateKey
from wuyi.api.auth import NonceCache, verify_http_request
from wuyi.api.problems import PROBLEM_JSON, PROBLEMS, problem
from wuyi.crypto import address_of
from wuyi.encoding import decode_trusted
from wuyi.exceptions import (
    CredentialInvalid,
    IssuanceRefused,
    NotFound,
    Unauthorized,
    ValidationError,
)
from wuyi.ledger import keys
from wuyi.node.node import Node
from wuyi.oid4vci.service import IssuanceService

__all__ = ["ChainIssuer", "add_oid4vci_routes", "configure", "configure_from_home"]

PROBLEMS.setdefault(
    "issuance_refused",
    (
        400,
        "An OpenID4VCI request is refused (wuyi/oid4vci): `reason` names why (offer_expired,"
        " wrong_tx_code, code_used, bad_proof, wrong_nonce ...), `error` is the OAuth error."
        " Nothing was changed.",
    ),
)
_NO_STORE = {"Cache-Control": "no-store"}
#: the refusals a route may answer besides the common ones (problem documents)
_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "issuance_refused: invalid_token, or an unsigned desk request"},
    403: {"description": "the desk's signer is no active issuer member"},
    502: {"description": "issuance_refused: issuance_failed (the chain refused vc.issue)"},
}


class ChainIssuer:
    """The :class:`~wuyi.oid4vci.service.IssuerBackend` of a node: reads from its state, issues
    through its own REST API with the SDK (``Identity.issue``: the existing path, which signs
    the SD-JWT and commits ``vc.issue``)."""

    def __init__(
        self,
        node: Node,
        issuer_keys: dict[str, PrivateKey],
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.node = node
        self.keys = issuer_keys
        self.suite_name = node.suite.name
        self.api_url = ""  # set from the first request (this node's own address)
        #: a WuyiClient of this node (default: over HTTP to ``api_url``)
        self.client_factory = client_factory

    def credential_types(self) -> list[dict[str, Any]]:
        from wuyi.ledger.handlers.credentials import list_credential_types

        with self.node.store.snapshot() as v:
            return list_credential_types(v)

    def org_name(self, org: str) -> str:
        with self.node.store.snapshot() as v:
            raw = v.get(keys.org_key(org))
        return org if raw is None else str(decode_trusted(raw).get("name", org))

    def holder_key(self, kid: str) -> tuple[str, dict[str, Any]]:
        from wuyi.ledger.handlers.did import render_did_document

        did = kid.split("#", 1)[0]
        try:
            with self.node.store.snapshot() as v:
                doc, meta = render_did_document(v, did, self.suite_name)
        except NotFound as exc:
            raise CredentialInvalid(exc.message) from None
        auth = doc.get("authentication") or []
        if meta.get("deactivated") or not auth:
            raise CredentialInvalid(f"DID {did} is deactivated")
        if kid != auth[0]:
            raise CredentialInvalid(
                f"{kid} is not {auth[0]}, the key credentials of {did} are bound to"
            )
        for vm in doc.get("verificationMethod", []):
            if vm["id"] == kid:
                return did, dict(vm["publicKeyJwk"])
        raise CredentialInvalid(f"no verification method {kid}")

    def issue(
        self,
        org: str,
        *,
        type: str,
        holder_did: str,
        claims: dict[str, Any],
        visible: dict[str, Any] | None,
        valid_days: int | None,
    ) -> str:
        from wuyi.sdk import WuyiClient
        from wuyi.sdk.identity import Identity

        make = self.client_factory or (lambda: WuyiClient(self.api_url))
        with make() as client:
            return Identity(client).issue(
                self.keys[org],
                org=org,
                type=type,
                holder_did=holder_did,
                claims=claims,
                visible=visible,
                valid_days=valid_days,
            )


def _refused(exc: IssuanceRefused, instance: str) -> JSONResponse:
    doc = problem(exc.http_status, exc.code, exc.message, instance=instance)
    doc.update(
        reason=exc.detail.get("reason", ""),
        error=exc.detail.get("error", "invalid_request"),
        error_description=exc.message,
    )
    headers = dict(_NO_STORE)
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return JSONResponse(doc, status_code=exc.http_status, headers=headers, media_type=PROBLEM_JSON)


def configure(app: FastAPI, issuer_keys: dict[str, PrivateKey], public_url: str = "") -> None:
    """Give this node's desk the issuing keys of organisations (``org -> key``, a member with
    role ``issuer``); ``public_url``: the credential issuer URL (default: the request's)."""
    svc: IssuanceService = app.state.oid4vci
    backend: ChainIssuer = svc.backend  # type: ignore[assignment]
    backend.keys.update(issuer_keys)
    svc.orgs = sorted(backend.keys)
    app.state.oid4vci_url = public_url.rstrip("/")


def configure_from_home(app: FastAPI, home: Path, passphrase: str) -> None:
    """``node.toml`` ``[oid4vci]``: ``public_url`` and ``[oid4vci.issuer_keys]``, a table
    ``org = "key file"`` (relative to the home; sealed with the node's passphrase, or
    ``passphrase_file``'s). A key file not there yet is skipped. No section: no desk here.
    Whether the key may issue is the chain's decision (``vc.issue``), at each issuance."""
    import tomllib

    from wuyi.crypto import load_key

    path = home / "node.toml"
    sec = tomllib.loads(path.read_text()).get("oid4vci") if path.exists() else None
    if not isinstance(sec, dict):
        return
    pw = passphrase
    if sec.get("passphrase_file"):
        pw = (home / str(sec["passphrase_file"])).read_text().strip()
    loaded: dict[str, PrivateKey] = {}
    for org, name in dict(sec.get("issuer_keys", {})).items():
        if (home / str(name)).exists():
            loaded[str(org)] = load_key(home / str(name), pw)
    configure(app, loaded, str(sec.get("public_url", "")))


def add_oid4vci_routes(app: FastAPI, node: Node) -> IssuanceService:
    """Mount the routes; the service is ``app.state.oid4vci`` (no issuing key until
    :func:`configure`)."""
    backend = ChainIssuer(node, {})
    svc = IssuanceService(backend, [])
    app.state.oid4vci = svc
    app.state.oid4vci_url = ""
    nonces = NonceCache()

    def issuer_of(request: Request) -> str:
        base = str(request.base_url).rstrip("/")
        if not backend.api_url:
            backend.api_url = base
        return str(app.state.oid4vci_url or base)

    @app.get("/.well-known/openid-credential-issuer", tags=["oid4vci"])
    def issuer_metadata(request: Request) -> Any:
        """Credential issuer metadata (OpenID4VCI 1.0 §12.2)."""
        return svc.metadata(issuer_of(request))

    @app.get("/.well-known/oauth-authorization-server", tags=["oid4vci"])
    def as_metadata(request: Request) -> Any:
        """The credential issuer's authorization server metadata (RFC 8414)."""
        return svc.authorization_server_metadata(issuer_of(request))

    @app.post("/v1/oid4vci/token", tags=["oid4vci"], responses=_REFUSALS)
    async def token(request: Request) -> Any:
        """Token endpoint (§6): pre-authorized code and transaction code -> access token."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            return JSONResponse(svc.token(form), headers=_NO_STORE)
        except IssuanceRefused as exc:
            return _refused(exc, request.url.path)

    @app.post("/v1/oid4vci/nonce", tags=["oid4vci"])
    def nonce() -> Any:
        """Nonce endpoint (§7): a fresh ``c_nonce`` for the proof."""
        return JSONResponse(svc.nonce(), headers=_NO_STORE)

    @app.post("/v1/oid4vci/credential", tags=["oid4vci"], responses=_REFUSALS)
    def credential(request: Request, body: dict[str, Any]) -> Any:
        """Credential endpoint (§8): a ``dc+sd-jwt`` bound to the proof's DID key."""
        issuer = issuer_of(request)
        try:
            out = svc.credential(issuer, request.headers.get("authorization"), body)
        except IssuanceRefused as exc:
            return _refused(exc, request.url.path)
        out.pop("holder", None)
        return JSONResponse(out, headers=_NO_STORE)

    @app.get("/v1/oid4vci/desk", tags=["oid4vci"])
    def desk(request: Request) -> Any:
        """The organisations and credential types this node's desk issues."""
        meta = svc.metadata(issuer_of(request))
        return {
            "orgs": [{"org": o, "name": backend.org_name(o)} for o in svc.orgs],
            "credential_configurations": meta["credential_configurations_supported"],
        }

    @app.post("/v1/oid4vci/offers", tags=["oid4vci"], responses=_REFUSALS)
    async def create_offer(request: Request) -> Any:
        """A credential offer, asked by an issuer member (a signed request)."""
        raw = await request.body()
        public_key = verify_http_request(node, request, raw, nonces)
        with node.store.snapshot() as v:
            m = v.get(keys.member_key(address_of(node.suite, public_key)))
            member = None if m is None else decode_trusted(m)
            o = None if member is None else v.get(keys.org_key(member["org"]))
            org = None if o is None else decode_trusted(o)
        if member is None or member["status"] != "active" or "issuer" not in member["roles"]:
            raise Unauthorized("only an active member with the role issuer makes offers")
        if org is None or org.get("status") != "active":
            raise Unauthorized(f"organisation '{member['org']}' is not active")
        try:
            body = json.loads(raw)
        except ValueError:
            raise ValidationError("the body must be JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("claims"), dict):
            raise ValidationError("body: {type, claims: {...}, tx_code?, valid_days?}")
        out = svc.create_offer(
            issuer_of(request),
            member["org"],
            str(body.get("type", "")),
            body["claims"],
            visible=body.get("visible"),
            valid_days=body.get("valid_days"),
            tx_code=body.get("tx_code"),
        )
        return JSONResponse(out, headers=_NO_STORE)

    @app.get("/v1/oid4vci/offers/{offer_id}", tags=["oid4vci"])
    def offer_status(offer_id: str) -> Any:
        """Whether an offer is still open or was issued (and its status-list index)."""
        return JSONResponse(svc.offer_status(offer_id), headers=_NO_STORE)

    return svc
