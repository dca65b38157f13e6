"""API routes for DIDs, credentials, consent and verification records (reads; writes are
signed transactions posted to ``/v1/txs``).

* ``GET /v1/dids/{did}`` resolves a ``did:wuyi`` DID (W3C DID Resolution shape:
  ``didDocument``, ``didDocumentMetadata``, ``didResolutionMetadata``) and adds ``proofs``: the
  state values the document is rendered from, each with its Merkle proof, header, quorum
  certificate and validator set, so a client can check the answer without trusting this node
  (the SDK's ``Identity.resolve`` does).
* ``GET /v1/vc/status-lists/{org}`` is the organisation's credential status list in the shape
  of the IETF Token Status List (``bits`` 2, ``lst`` = base64url of the zlib-compressed
  statuses; 0 valid, 1 revoked, 2 suspended).

Byte strings (consent ids, hashes, commitments, member addresses) are lower-case hex. The
chain holds no claim value; but a citizen's consents, credential uses and verification records
say who asked what of whom, so those routes are **signed reads** (``wuyi.api.reads``): the
citizen's DID key, a member of the organisation concerned, or an auditor, with a purpose, each
read in the node's access log. DID documents, credential types and status (validity) stay
public.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

from fastapi import APIRouter, Path, Query, Request

from wuyi.api import models as m
from wuyi.api.paging import CURSOR, limit_query, paginate, paginate_positions
from wuyi.api.reads import SIGNED_READ_RESPONSES, Reads, citizen, member_of
from wuyi.api.wire import parse_hex
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers import credentials as cred
from wuyi.ledger.handlers import did as didmod
from wuyi.node.node import Node

__all__ = ["add_identity_routes"]


def _state_answer(node: Node, key: bytes, height: int) -> dict[str, Any]:
    from wuyi.api.app import _proof_fields

    p = node.prove_state(key, height)
    value = p["value"]
    return {
        "key": key.hex(),
        "value": None if value is None else value.hex(),
        "height": p["header"]["height"],
        **_proof_fields(node, p),
    }


def _keys_of_did(v: Any, did: str) -> list[bytes]:
    """The state keys the document of ``did`` is rendered from."""
    if did.startswith("did:wuyi:org:"):
        org_id = did.removeprefix("did:wuyi:org:")
        out = [keys.org_key(org_id)]
        for k, raw in v.iter_prefix(keys.MEMBER_PREFIX):
            from wuyi.encoding import decode_trusted

            if decode_trusted(raw).get("org") == org_id:
                out.append(k)
        return out
    return [b"did/" + did.encode()]


def _plain(obj: Any) -> Any:
    """JSON form with byte strings as lower-case hex (ids, hashes, addresses as hex)."""
    if isinstance(obj, bytes):
        return obj.hex()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def _status_list_doc(statuses: list[int]) -> dict[str, Any]:
    packed = bytearray((len(statuses) + 3) // 4)
    for i, s in enumerate(statuses):
        packed[i // 4] |= (s & 0b11) << (2 * (i % 4))  # LSB first, as the Token Status List
    lst = base64.urlsafe_b64encode(zlib.compress(bytes(packed), 9)).rstrip(b"=").decode()
    return {"bits": 2, "lst": lst, "count": len(statuses)}


def _get_record(node: Node, get: Any, *args: Any, missing: str) -> Any:
    """``get(view, *args)`` in the latest state, as JSON; ``NotFound(missing)`` if absent."""
    with node.store.snapshot() as v:
        rec = get(v, *args)
    if rec is None:
        raise NotFound(missing)
    return _plain(rec)


def _require_org(v: Any, org: str) -> None:
    if v.get(keys.org_key(org)) is None:
        raise NotFound(f"no organisation '{org}'")


def _holder_or_verifier_read(
    request: Request, reads: Reads, rec: dict[str, Any], what: str, record: str
) -> dict[str, Any]:
    """Return ``rec`` to its holder, a member of its verifying organisation or an auditor."""
    holder = str(rec.get("holder", ""))
    reads.require(
        request,
        what=what,
        record=record,
        subject=holder,
        allow=[citizen(holder), member_of(str(rec.get("verifier", "")))],
    )
    return rec


def _org_page(
    node: Node, list_all: Any, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """A page of ``list_all(view)``'s records (as JSON), ordered by their ``org``."""
    with node.store.snapshot() as v:
        items = [_plain(x) for x in list_all(v)]
    return paginate(items, limit=limit, cursor=cursor, key=lambda x: str(x.get("org")))


def add_identity_routes(r: APIRouter, node: Node, reads: Reads) -> None:
    @r.get(
        "/dids/{did}",
        response_model=m.DidResolution,
        response_model_exclude_none=True,
        tags=["identity"],
        summary="解析 DID / resolve a DID (with state proofs)",
    )
    def resolve(
        did: str,
        prove: bool = Query(True, description="include the state proofs of the document"),
    ) -> Any:
        if not did.startswith("did:wuyi:"):
            raise ValidationError(f"'{did}' is not a did:wuyi DID", field="did")
        with node.store.snapshot() as v:
            height = v.height
            document, metadata = didmod.render_did_document(v, did, node.suite.name)
            state_keys = _keys_of_did(v, did) if prove else []
        out: dict[str, Any] = {
            "didDocument": document,
            "didDocumentMetadata": metadata,
            "didResolutionMetadata": {"contentType": "application/did+json"},
            "height": height,
        }
        if prove:
            out["proofs"] = [_state_answer(node, k, height) for k in state_keys]
        return out

    @r.get(
        "/dids/{did}/consents",
        response_model=m.ConsentList,
        responses=SIGNED_READ_RESPONSES,
        tags=["identity"],
        summary="持有人的授权 / a holder's consents",
    )
    def consents(
        request: Request,
        did: str,
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
        status: str | None = Query(None, max_length=32, description="only consents in this status"),
    ) -> Any:
        """Signed read: the holder (their DID key) or an auditor."""
        reads.own_records(request, did, f"{did}'s consents", "consents")
        with node.store.snapshot() as v:
            items = [_plain(c) for c in cred.list_consents(v, did)]
            height = v.height
        wanted = [c for c in items if status in (None, c.get("status"))]
        page, nxt = paginate(wanted, limit=limit, cursor=cursor, key=lambda c: str(c.get("id")))
        return {"did": did, "consents": page, "height": height, "next": nxt}

    @r.get(
        "/dids/{did}/uses",
        response_model=m.UseList,
        responses=SIGNED_READ_RESPONSES,
        tags=["identity"],
        summary="凭证使用记录 / every use of a holder's credentials (and refused attempts)",
    )
    def uses(
        request: Request, did: str, limit: int = limit_query(), cursor: str | None = CURSOR
    ) -> Any:
        """Uses oldest first, paged by ``cursor``; ``refused`` (all of them, bounded by
        ``limit``) on the first page only. Signed read: the holder or an auditor."""
        reads.own_records(request, did, f"the uses of {did}'s credentials", "uses")
        with node.store.snapshot() as v:
            used = cred.list_uses(v, did)
            refused = cred.list_refused(v, did) if cursor is None else []
            height = v.height
        page, nxt = paginate_positions(used, limit=limit, cursor=cursor)
        return {
            "did": did,
            "uses": [_plain(u) for u in page],
            "refused": [_plain(u) for u in refused[:limit]],
            "height": height,
            "next": nxt,
        }

    @r.get(
        "/consents/{consent_id}",
        response_model=m.Record,
        responses=SIGNED_READ_RESPONSES,
        tags=["identity"],
        summary="授权记录 / a consent record",
    )
    def consent(request: Request, consent_id: str) -> Any:
        """Signed read: the holder, a member of the organisation it was granted to, or an
        auditor."""
        cid = parse_hex(consent_id, "consent_id")
        rec = _get_record(node, cred.get_consent, cid, missing=f"no consent {consent_id}")
        return _holder_or_verifier_read(
            request, reads, rec, f"consent {consent_id}", f"consent/{consent_id}"
        )

    _add_credential_routes(r, node)
    _add_check_route(r, node, reads)


def _add_check_route(r: APIRouter, node: Node, reads: Reads) -> None:
    """A recorded verification: a signed read."""

    @r.get(
        "/vc/checks/{tx_hash}",
        response_model=m.Record,
        responses=SIGNED_READ_RESPONSES,
        tags=["identity"],
        summary="核验记录 / one recorded verification",
    )
    def check(request: Request, tx_hash: str) -> Any:
        """Signed read: the holder, a member of the verifying organisation, or an auditor."""
        h = parse_hex(tx_hash, "tx_hash")
        missing = f"no verification recorded by transaction {tx_hash}"
        rec = _get_record(node, cred.get_check, h, missing=missing)
        return _holder_or_verifier_read(
            request, reads, rec, f"verification record {tx_hash}", f"check/{tx_hash}"
        )


def _add_credential_routes(r: APIRouter, node: Node) -> None:
    """Credential types, status entries, identity providers, DID registrars."""

    @r.get(
        "/vc/types",
        response_model=m.CredentialTypeList,
        tags=["identity"],
        summary="凭证类型与签发机构 / credential types and issuers",
    )
    def types(
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
        issuer: str | None = Query(None, max_length=64, description="only types this org issues"),
    ) -> Any:
        with node.store.snapshot() as v:
            items = [_plain(t) for t in cred.list_credential_types(v)]
        wanted = [t for t in items if issuer is None or issuer in (t.get("issuers") or [])]
        page, nxt = paginate(wanted, limit=limit, cursor=cursor, key=lambda t: str(t.get("type")))
        return {"types": page, "next": nxt}

    @r.get(
        "/vc/types/{type_name}",
        response_model=m.Record,
        tags=["identity"],
        summary="凭证类型 / one credential type",
    )
    def one_type(type_name: str) -> Any:
        missing = f"no credential type '{type_name}'"
        return _get_record(node, cred.get_credential_type, type_name, missing=missing)

    @r.get(
        "/vc/next/{org}",
        response_model=m.NextIndex,
        tags=["identity"],
        summary="下一个凭证序号 / next status index of an issuer",
    )
    def next_index(org: str) -> Any:
        with node.store.snapshot() as v:
            _require_org(v, org)
            nxt = cred.next_credential_index(v, org)
        return {"org": org, "next": nxt}

    @r.get(
        "/vc/status/{org}/{idx}",
        response_model=m.Record,
        tags=["identity"],
        summary="凭证状态 / status of one credential",
    )
    def status(org: str, idx: int = Path(ge=0, le=2**63 - 1)) -> Any:
        if idx < 0:
            raise ValidationError("idx must not be negative", field="idx")
        missing = f"no credential {org}/{idx}"
        return _get_record(node, cred.get_credential_status, org, idx, missing=missing)

    @r.get(
        "/vc/status-lists/{org}",
        response_model=m.StatusListOut,
        tags=["identity"],
        summary="凭证状态列表 / an issuer's status list (Token Status List shape)",
    )
    def status_list(org: str) -> Any:
        with node.store.snapshot() as v:
            _require_org(v, org)
            statuses = cred.status_list(v, org)
            height = v.height
        return {
            "org": org,
            "uri": f"wuyi:vc/status/{org}",
            "height": height,
            "status_list": _status_list_doc(statuses),
        }

    @r.get(
        "/idps",
        response_model=m.IdpList,
        tags=["identity"],
        summary="身份认证服务商 / registered identity providers",
    )
    def idps(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        page, nxt = _org_page(node, cred.list_idps, limit, cursor)
        return {"providers": page, "next": nxt}

    @r.get(
        "/did-registrars",
        response_model=m.RegistrarList,
        tags=["identity"],
        summary="DID 登记机构 / organisations that may register citizens' DIDs",
    )
    def did_registrars(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        """Set by governance (``did.set_registrar``); a member with role ``idp`` or
        ``did_registrar`` of an enabled one sends ``did.create`` (``docs/did-method.md``)."""
        page, nxt = _org_page(node, didmod.list_registrars, limit, cursor)
        return {"registrars": page, "next": nxt}
