"""API routes of the data-sharing channel (统一数据共享通道): the catalogue, requests, audits,
and the node's blob service for encrypted payloads.

Writes (``data.offer`` … ``data.access``) are signed transactions posted to ``/v1/txs``. The
blob service stores ciphertext only, under ``<node data dir>/blobs/<hex hash>`` (the chain
suite's hash of the bytes; :mod:`wuyi.node.blobs`), and hands a blob out only against a
committed, successful ``data.access`` transaction whose delivery points at it
(``location == "blob:<hash>"``) and whose grant is still approved and unexpired at the latest
block time.

Only a member may upload: ``PUT /v1/blobs?request=<request id>`` is a signed request
(:mod:`wuyi.api.auth`) by an active member of the organisation that owns that data request,
while the request is pending (before its ``until``) or approved (before ``approved_until``) —
the delivery it is for is still to come. The organisation's bytes on this node stay within the
node's quota; blobs no delivery on chain points at are collected after the grace period.

Rendering: byte strings are lower-case hex, member addresses ``wy…``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from wuyi.api import models as m
from wuyi.api.auth import NonceCache, verify_http_request
from wuyi.api.paging import CURSOR, limit_query, paginate
from wuyi.api.reads import SIGNED_READ_RESPONSES, Reads
from wuyi.api.wire import hexify, parse_hex
from wuyi.crypto import address_of, format_address
from wuyi.exceptions import NotFound, Oversize, Unauthorized, UploadRefused, ValidationError
from wuyi.ledger.admission import require_active_member
from wuyi.ledger.handlers.datashare import (
    audit_dataset,
    audit_requester,
    format_ms,
    get_dataset,
    get_delivery,
    get_request,
    list_accesses,
    list_datasets,
    list_requests,
)
from wuyi.node.blobs import BlobSettings, BlobStore
from wuyi.node.node import Node

__all__ = ["MAX_BLOB_BYTES", "add_datashare_routes", "blob_dir"]

MAX_BLOB_BYTES = 16 * 1024 * 1024
_ADDRESS_FIELDS = frozenset(
    {"offered_by", "withdrawn_by", "requester", "decided_by", "delivered_by", "by"}
)


def blob_dir(node: Node) -> Path:
    """Where the node keeps blobs: ``<data dir>/blobs`` (next to ``chain.lmdb``)."""
    return Path(node.store.path).parent / "blobs"


def render(value: Any) -> Any:
    """A record for JSON: addresses as ``wy…``, other bytes as hex."""
    if isinstance(value, dict):
        return {
            k: (
                format_address(v)
                if k in _ADDRESS_FIELDS and isinstance(v, bytes) and len(v) == 20
                else render(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [render(v) for v in value]
    return hexify(value)


def _id16(text: str, what: str) -> bytes:
    return parse_hex(text, what, length=16)


# -- blobs -----------------------------------------------------------------------------------


def _authorise_upload(node: Node, public_key: bytes, request_id: bytes) -> tuple[str, str]:
    """``(org, uploader address)`` if ``public_key`` is an active member of the organisation
    that owns data request ``request_id`` while a delivery for it may still come; raise
    :class:`NotMember`/:class:`MemberSuspended`/:class:`UploadRefused` otherwise."""
    with node.store.snapshot() as v:
        member = require_active_member(v, node.suite, public_key)
        try:
            req = get_request(v, request_id)
        except NotFound:
            raise UploadRefused(
                f"no data request {request_id.hex()}: a blob is uploaded for a pending or"
                " approved request of the uploader's organisation",
                field="request",
            ) from None
        now = v.get_header(v.height).time
    if member["org"] != req["owner"]:
        raise UploadRefused(
            f"request {request_id.hex()} is to '{req['owner']}'; only its members deliver, not"
            f" '{member['org']}'",
            field="request",
        )
    status = req["status"]
    open_until = {"pending": req["until"], "approved": req.get("approved_until") or 0}.get(status)
    if open_until is None or now >= open_until:
        state = status if open_until is None else f"{status}, but its window ended"
        raise UploadRefused(
            f"request {request_id.hex()} is {state}: no delivery is pending for it",
            field="request",
        )
    return member["org"], format_address(address_of(node.suite, public_key))


def _check_access(node: Node, blob_hash: bytes, access: str | None) -> None:
    """Raise :class:`Unauthorized` (403) unless ``access`` names a committed, successful
    ``data.access`` of a delivery at ``blob:<blob_hash>`` whose grant still holds."""
    if not access:
        raise Unauthorized(
            "a blob is served only with ?access=<hash of a committed data.access transaction>",
            field="access",
        )
    tx_hash = parse_hex(access, "access", length=32)
    try:
        info = node.get_tx(tx_hash)
    except NotFound as exc:
        raise Unauthorized(f"access transaction: {exc.message}", field="access") from None
    if info.tx.kind != "data.access":
        raise Unauthorized(
            f"transaction {access} is a {info.tx.kind}, not a data.access", field="access"
        )
    if not info.receipt.ok:
        raise Unauthorized(
            f"access transaction {access} failed ({info.receipt.status}): {info.receipt.error}",
            field="access",
        )
    with node.store.snapshot() as v:
        dlv = get_delivery(v, info.tx.payload["delivery"])
        req = get_request(v, dlv["request"])
        now = v.get_header(v.height).time
    if dlv["location"] != f"blob:{blob_hash.hex()}":
        raise Unauthorized(
            f"delivery {dlv['id'].hex()} points at {dlv['location']}, not at this blob",
            field="access",
        )
    if req["status"] != "approved":
        raise Unauthorized(
            f"request {req['id'].hex()} is {req['status']}, not approved", field="access"
        )
    if now >= req["approved_until"]:
        raise Unauthorized(f"approval ended at {format_ms(req['approved_until'])}", field="access")


def add_datashare_routes(
    r: APIRouter,
    node: Node,
    blobs: BlobStore | None = None,
    settings: BlobSettings | None = None,
    reads: Reads | None = None,
) -> BlobStore:
    """The data-sharing routes; returns the blob store they use (for the collector). The
    records of requests, deliveries and accesses are explorer reads (``reads``: signed by a
    member when ``[api] public_explorer = false``); the catalogue stays public."""

    hash_len = len(node.suite.hash(b""))
    store = blobs or BlobStore(blob_dir(node))
    conf = settings or BlobSettings()
    nonces = NonceCache()

    @r.put(
        "/blobs",
        tags=["data sharing"],
        summary="上传密文 / store an encrypted payload for a data request (member-signed)",
        response_model=m.BlobStored,
        responses={
            403: {"description": "not a member of the request's owner, or nothing pending"},
            413: {"description": "blob too large, or the organisation's quota is used up"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def put_blob(
        request: Request,
        request_id: str = Query(
            ...,
            alias="request",
            description="the data request (hex id) this payload will be delivered for",
        ),
    ) -> dict[str, Any]:
        """Raw body (ciphertext, at most 16 MiB), signed by an active member of the
        organisation that owns the data request (headers ``X-Wuyi-Key``, ``X-Wuyi-Time``,
        ``X-Wuyi-Nonce``, ``X-Wuyi-Signature``: docs/api.md, signed requests)."""
        rid = _id16(request_id, "request")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BLOB_BYTES:
            raise Oversize(f"blob is {declared} bytes; the limit is {MAX_BLOB_BYTES}")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BLOB_BYTES:
                raise Oversize(f"blob is larger than the limit of {MAX_BLOB_BYTES} bytes")
            chunks.append(chunk)
        body = b"".join(chunks)
        if not body:
            raise ValidationError("the blob is empty", field="body")
        public_key = verify_http_request(node, request, body, nonces)

        def store_it() -> dict[str, Any]:
            org, uploader = _authorise_upload(node, public_key, rid)
            h = node.suite.hash(body).hex()
            store.put(
                h,
                body,
                org=org,
                uploader=uploader,
                request=rid.hex(),
                quota_bytes=conf.quota_bytes,
                now_ms=int(time.time() * 1000),
            )
            return {"hash": h, "size": len(body), "location": f"blob:{h}"}

        return await run_in_threadpool(store_it)

    @r.get(
        "/blobs/{blob_hash}",
        tags=["data sharing"],
        summary="下载密文 / fetch a blob against a committed data.access",
        response_class=Response,
        responses={
            200: {"content": {"application/octet-stream": {}}},
            403: {"description": "no valid access (problem document)"},
        },
    )
    def get_blob(
        blob_hash: str,
        access: str | None = Query(None, description="hash of your committed data.access tx"),
    ) -> Response:
        h = parse_hex(blob_hash, "blob_hash", length=hash_len)
        _check_access(node, h, access)
        return Response(store.read(h.hex()), media_type="application/octet-stream")

    # -- catalogue, requests, audit ------------------------------------------------------------
    _add_dataset_routes(r, node, reads)
    return store


def _add_dataset_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    """The catalogue, requests, deliveries and audits of the data-sharing channel."""

    def explorer(request: Request, what: str, record: str) -> None:
        if reads is not None:
            reads.explorer(request, what, record)

    def signed_get(path: str, summary: str, model: Any = m.Record) -> Any:
        """A route whose answer is a signed read where the node is a private explorer."""
        return r.get(
            path,
            response_model=model,
            responses=SIGNED_READ_RESPONSES,
            tags=["data sharing"],
            summary=summary,
        )

    def audit(request: Request, what: str, record: str, build: Any, subject: str) -> Any:
        explorer(request, what, record)
        with node.store.snapshot() as v:
            out = build(v, subject)
            out["height"] = v.height
        return render(out)

    @r.get(
        "/data/datasets",
        response_model=m.DatasetList,
        tags=["data sharing"],
        summary="数据资源目录 / the catalogue",
    )
    def datasets(
        owner: str | None = Query(None, max_length=64, description="owner organisation"),
        status: str | None = Query(None, max_length=32, description="offered|withdrawn"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with node.store.snapshot() as v:
            items = list_datasets(v, owner=owner, status=status)
        page, nxt = paginate(items, limit=limit, cursor=cursor, key=lambda d: d["id"])
        return {"datasets": render(page), "height": node.height, "next": nxt}

    @r.get(
        "/data/datasets/{dataset_id}",
        response_model=m.Record,
        tags=["data sharing"],
        summary="数据资源 / one entry",
    )
    def dataset(dataset_id: str) -> Any:
        with node.store.snapshot() as v:
            ds = get_dataset(v, dataset_id)
            reqs = list_requests(v, dataset=dataset_id)
        out = render(ds)
        out["requests"] = render(reqs)
        return out

    @signed_get(
        "/data/datasets/{dataset_id}/audit", "数据审计 / everything about a dataset, from the chain"
    )
    def dataset_audit(request: Request, dataset_id: str) -> Any:
        what = f"the audit of dataset {dataset_id}"
        return audit(request, what, f"data/audit/{dataset_id}", audit_dataset, dataset_id)

    @signed_get("/data/requests", "共享申请 / requests", m.RequestList)
    def requests(
        request: Request,
        dataset: str | None = Query(None, max_length=64, description="dataset id"),
        requester: str | None = Query(None, max_length=64, description="requesting organisation"),
        status: str | None = Query(None, max_length=32, description="pending|approved|..."),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        explorer(request, "the data requests", "data/requests")
        with node.store.snapshot() as v:
            items = list_requests(v, dataset=dataset, requester_org=requester)
        wanted = [x for x in items if status in (None, x.get("status"))]
        page, nxt = paginate(
            wanted, limit=limit, cursor=cursor, key=lambda x: [x["height"], x["id"].hex()]
        )
        return {"requests": render(page), "height": node.height, "next": nxt}

    @signed_get("/data/requests/{request_id}", "共享申请 / a request")
    def request_one(request: Request, request_id: str) -> Any:
        explorer(request, f"data request {request_id}", f"data/request/{request_id}")
        with node.store.snapshot() as v:
            rec = get_request(v, _id16(request_id, "request_id"))
        return render(rec)

    @signed_get("/data/deliveries/{delivery_id}", "交付记录 / a delivery with its accesses")
    def delivery_one(request: Request, delivery_id: str) -> Any:
        explorer(request, f"data delivery {delivery_id}", f"data/delivery/{delivery_id}")
        did = _id16(delivery_id, "delivery_id")
        with node.store.snapshot() as v:
            rec = get_delivery(v, did)
            accesses = list_accesses(v, did)
        out = render(rec)
        out["access_log"] = render(accesses)
        return out

    @signed_get("/data/audit/{org}", "用数审计 / everything an organisation requested and used")
    def requester_audit(request: Request, org: str) -> Any:
        return audit(
            request, f"the data use of {org}", f"data/audit-org/{org}", audit_requester, org
        )
