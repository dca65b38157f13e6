"""The verifier's side of OpenID4VP 1.0 on a node: the book of open requests and the check of
a ``direct_post`` response (pure apart from the caller's ``now_ms``; the node's routes in
``api.py`` are the I/O around it).

A desk (a member of the verifying organisation) signs a request object and hands it to a node
(:meth:`RequestBook.open`): the node checks the request's rules
(:func:`wuyi.oid4vp.request.validate_request`) and its signature with a key of the
organisation's DID document in state, and keeps it under its ``state`` until ``exp``. The
wallet fetches it by reference and posts its answer to ``response_uri``
(:meth:`RequestBook.respond`), which is refused — a :class:`PresentationRefused` with
``reason`` — and changes nothing, unless:

=================  ============================================================================
reason             refused when
=================  ============================================================================
``unknown``        no open request has this ``state`` (or it was dropped after ``exp``)
``replayed``       the request was already answered (or the chain has already seen the nonce)
``expired``        the request's ``exp`` has passed (or a key-binding JWT's)
``malformed``      ``vp_token`` is not a JSON object of one SD-JWT presentation per query id
``nonce_mismatch`` a key-binding JWT's ``nonce`` is not the request's
``wrong_audience`` a key-binding JWT's ``aud`` is not the request's ``client_id``
``over_asking``    a credential or claim is presented that the request did not ask for
``incomplete``     a credential or claim the request asked for is missing
any other          the chain's own check of the presentation, run here against the state
                   (``wuyi.ledger.handlers.verification.check_presentation``: issuer
                   signature, status, holder binding, consent, …; ``docs/credentials.md``)
=================  ============================================================================

An accepted answer is kept for the desk (:meth:`RequestBook.collect`, once, with the desk's
token); the desk records the check on chain (``vc.verify`` with the presentation as a private
side-car, signed with its member key, which this node never holds), and the chain checks it
all again at block time. Nothing here writes to the chain, a log or an event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from wuyi.abc import KVReader, Suite
from wuyi.exceptions import CredentialInvalid, NotFound, PresentationRefused, ValidationError
from wuyi.oid4vp.request import (
    CLIENT_ID_PREFIX,
    ORG_DID_PREFIX,
    REQUEST_TYP,
    Asked,
    org_of_client_id,
    request_link,
    validate_request,
)

__all__ = [
    "MAX_OPEN",
    "OpenRequest",
    "RequestBook",
    "check_vp_token",
    "disclosed_of",
    "response_path",
    "verify_request_object",
]

#: how many requests one node keeps open at once (older expired ones are dropped first)
MAX_OPEN = 2000
RESPONSE_PATH = "/v1/oid4vp/responses/"
REQUEST_PATH = "/v1/oid4vp/requests/"
#: reasons of the chain's check renamed to the protocol's words
_RENAMED = {"wrong_nonce": "nonce_mismatch", "replay": "replayed"}


def response_path(state: str) -> str:
    return RESPONSE_PATH + state


def _refuse(reason: str, message: str) -> PresentationRefused:
    return PresentationRefused(f"presentation refused ({reason}): {message}", reason=reason)


def verify_request_object(
    jwt: str, state: KVReader, suite_name: str, *, now_s: int
) -> tuple[dict[str, Any], list[Asked]]:
    """Check a signed request object: the OpenID4VP rules (:func:`validate_request`, not
    expired at ``now_s``) and the signature with key ``kid`` of the client's organisation DID
    document in ``state`` (an active member with a role the document lists: admin, issuer or
    idp). Returns ``(claims, asked)``; :class:`ValidationError` or
    :class:`CredentialInvalid` otherwise."""
    from wuyi.crypto import format_address
    from wuyi.ledger.handlers.did import org_verification_methods
    from wuyi.vc.jose import jwk_from_public_key, unverified_header, verify_compact

    header = unverified_header(jwt)
    if header.get("typ") != REQUEST_TYP:
        raise ValidationError(f"request object typ must be {REQUEST_TYP!r}", field="typ")
    from wuyi.vc.jose import unverified_payload

    org = org_of_client_id(unverified_payload(jwt).get("client_id"))
    kid = str(header.get("kid", ""))
    jwk = None
    for address, public_key, _purposes in org_verification_methods(state, org):
        if kid == f"{ORG_DID_PREFIX}{org}#{format_address(address)}":
            jwk = jwk_from_public_key(suite_name, public_key)
    if jwk is None:
        raise CredentialInvalid(
            f"request object key {kid!r} is not a key of {ORG_DID_PREFIX}{org}'s DID document"
        )
    _, claims = verify_compact(jwt, jwk)
    asked = validate_request(claims, header=header, now_s=now_s)
    return claims, asked


def disclosed_of(presentation: str) -> tuple[str, list[str], dict[str, Any]]:
    """``(vct, claim names disclosed, KB-JWT payload)`` of one SD-JWT presentation, read
    without checking signatures (the full check follows)."""
    from wuyi.vc import sdjwt
    from wuyi.vc.jose import unverified_payload

    parsed = sdjwt.parse(presentation)
    names = sorted(
        str(n) for _salt, n, _v in map(sdjwt.decode_disclosure, parsed.disclosures) if n is not None
    )
    kb = unverified_payload(parsed.kb_jwt) if parsed.kb_jwt else {}
    return str(parsed.payload.get("vct", "")), names, kb


def check_vp_token(vp_token: Any, asked: list[Asked], *, client_id: str, nonce: str) -> list[str]:
    """The protocol's rules on a ``vp_token`` (OpenID4VP 1.0 §8.1: a JSON object whose keys
    are the DCQL credential query ids, each an array of presentations — here exactly one):
    the right query ids, types and claims (``over_asking``, ``incomplete``), and each
    key-binding JWT for this ``client_id`` and ``nonce`` (``wrong_audience``,
    ``nonce_mismatch``). Returns the presentations, in query order. Signatures are checked
    after (``check_presentation``)."""
    from wuyi.exceptions import WuyiError

    if isinstance(vp_token, str):
        try:
            vp_token = json.loads(vp_token)
        except ValueError:
            raise _refuse("malformed", "vp_token is not JSON") from None
    if not isinstance(vp_token, dict):
        raise _refuse("malformed", "vp_token must be a JSON object keyed by query id")
    ids = {a.id for a in asked}
    extra = sorted(set(vp_token) - ids)
    if extra:
        raise _refuse("over_asking", f"credentials {extra} were not asked for")
    out: list[str] = []
    for a in asked:
        items = vp_token.get(a.id)
        if items is None:
            raise _refuse("incomplete", f"no presentation for query {a.id}")
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], str):
            raise _refuse("malformed", f"vp_token.{a.id} must hold one SD-JWT presentation")
        try:
            vct, names, kb = disclosed_of(items[0])
        except WuyiError:
            raise _refuse("malformed", f"vp_token.{a.id} is not an SD-JWT presentation") from None
        if vct != a.type:
            raise _refuse("over_asking", f"query {a.id} asked {a.type}, got {vct or 'none'}")
        beyond = sorted(set(names) - set(a.claims))
        if beyond:
            raise _refuse("over_asking", f"claims {beyond} were disclosed but not asked for")
        missing = sorted(set(a.claims) - set(names))
        if missing:
            raise _refuse("incomplete", f"claims {missing} were asked for but not disclosed")
        if kb.get("aud") != client_id:
            raise _refuse("wrong_audience", f"the key-binding JWT is not for {client_id}")
        if kb.get("nonce") != nonce:
            raise _refuse("nonce_mismatch", "the key-binding JWT's nonce is not the request's")
        out.append(items[0])
    return out


@dataclass
class OpenRequest:
    """A request a node keeps for a desk: its signed object, what it asks, and (once answered
    and until the desk collects it) the presentation."""

    state: str
    org: str
    client_id: str
    nonce: str
    exp: int
    jwt: str
    asked: list[Asked]
    request_uri: str
    desk_token_hash: bytes
    status: str = "pending"  # pending → presented → collected
    presentation: str = field(default="", repr=False)
    disclosed: list[str] = field(default_factory=list)
    holder: str = ""

    @property
    def link(self) -> str:
        return request_link(self.client_id, self.request_uri)

    def public(self) -> dict[str, Any]:
        """What anyone may read: no personal value, no DID."""
        return {
            "state": self.state,
            "client_id": self.client_id,
            "request_uri": self.request_uri,
            "link": self.link,
            "status": self.status,
            "expires": self.exp,
        }


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class RequestBook:
    """The open requests of one node (memory only: a restart forgets them; the desk makes a
    new one). Bounded by :data:`MAX_OPEN`."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite
        self._open: dict[str, OpenRequest] = {}

    def __len__(self) -> int:
        return len(self._open)

    def _prune(self, now_s: int) -> None:
        for s in [s for s, r in self._open.items() if r.exp + 60 < now_s]:
            del self._open[s]

    def open(self, jwt: str, state: KVReader, *, desk_token: str, now_s: int) -> OpenRequest:
        """Keep the signed request ``jwt`` (checked by :func:`verify_request_object`), whose
        ``response_uri`` must be this node's response endpoint for its ``state``. The
        ``desk_token`` (a secret the caller made) is what :meth:`collect` will ask for."""
        claims, asked = verify_request_object(jwt, state, self.suite.name, now_s=now_s)
        s = claims["state"]
        parts = urlsplit(claims["response_uri"])
        if parts.path != response_path(s) or parts.query or parts.fragment:
            raise ValidationError(
                f"response_uri must be this node's {RESPONSE_PATH}<state> endpoint",
                field="response_uri",
            )
        self._prune(now_s)
        if s in self._open:
            raise ValidationError("a request with this state is already open", field="state")
        if len(self._open) >= MAX_OPEN:
            raise ValidationError("too many open requests on this node; retry later")
        base = f"{parts.scheme}://{parts.netloc}"
        req = OpenRequest(
            state=s,
            org=org_of_client_id(claims["client_id"]),
            client_id=claims["client_id"],
            nonce=claims["nonce"],
            exp=claims["exp"],
            jwt=jwt,
            asked=asked,
            request_uri=base + REQUEST_PATH + s,
            desk_token_hash=_token_hash(desk_token),
        )
        self._open[s] = req
        return req

    def get(self, state_param: str) -> OpenRequest:
        req = self._open.get(state_param)
        if req is None:
            raise NotFound(f"no open OpenID4VP request {state_param[:40]!r} on this node")
        return req

    def respond(
        self, state_param: str, form: dict[str, str], state: KVReader, *, now_ms: int
    ) -> OpenRequest:
        """The wallet's ``direct_post`` (``form``: ``vp_token``, ``state``) to the request
        ``state_param``. Refusals (module docstring) raise :class:`PresentationRefused` and
        change nothing; accepted, the request is answered and keeps the presentation for the
        desk."""
        from wuyi.ledger.handlers.verification import check_presentation

        req = self._open.get(state_param)
        if req is None:
            raise _refuse("unknown", "no open request has this state")
        if form.get("state") != req.state:
            raise _refuse("unknown", "the response's state is not the request's")
        if req.status != "pending":
            raise _refuse("replayed", "this request was already answered")
        if now_ms >= req.exp * 1000:
            raise _refuse("expired", f"the request expired at {req.exp}")
        if "vp_token" not in form:
            raise _refuse("malformed", "no vp_token")
        lines = check_vp_token(
            form["vp_token"], req.asked, client_id=req.client_id, nonce=req.nonce
        )
        text = "\n".join(lines)
        out = check_presentation(
            state, self.suite, now_ms, text=text, verifier=req.org, nonce=req.nonce
        )
        if not out.accepted:
            reason = _RENAMED.get(out.reason, out.reason)
            raise _refuse(reason, out.message)
        req.status, req.presentation, req.holder = "presented", text, out.holder
        req.disclosed = sorted({n for c in out.creds for n in c["disclosed"]})
        return req

    def collect(self, state_param: str, desk_token: str) -> dict[str, Any]:
        """What the desk that opened the request reads: the status and, once, the
        presentation (then forgotten here). :class:`NotFound` for a wrong token (as for no
        request: a guess learns nothing)."""
        req = self.get(state_param)
        if not hmac.compare_digest(req.desk_token_hash, _token_hash(desk_token)):
            raise NotFound(f"no open OpenID4VP request {state_param[:40]!r} on this node")
        out = {
            **req.public(),
            "nonce": req.nonce,
            "disclosed": req.disclosed,
            "types": [a.type for a in req.asked],
        }
        if req.status == "presented":
            out["presentation"] = req.presentation
            req.status, req.presentation = "collected", ""
        return out


def audience_of(org: str) -> str:
    """The key-binding ``aud`` an OpenID4VP wallet uses for ``org``: its client_id."""
    return CLIENT_ID_PREFIX + ORG_DID_PREFIX + org
