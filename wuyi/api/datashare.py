"""API routes of the data-sharing channel (统一数据共享通道): the catalogue, requests, audits,
and the node's blob service for encrypted payloads.

Writes (``data.offer`` … ``data.access``) are signed transactions posted to ``/v1/txs``. The
blob service stores ciphertext only, under ``<node data dir>/blobs/<hex hash>`` (the chain
suite's hash of the bytes), and hands a blob out only against a committed, successful
``data.access`` transaction whose delivery points at it (``location == "blob:<hash>"``) and
whose grant is still approved and unexpired at the latest block time.

Rendering: byte strings are lower-case hex, member addresses ``wy…``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from wuyi.api import models as m
from wuyi.api.paging import CURSOR, limit_query, paginate
from wuyi.api.wire import hexify, parse_hex
from wuyi.crypto import format_address
from wuyi.exceptions import NotFound, Oversize, StoreError, Unauthorized, ValidationError
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


def _store_blob(node: Node, body: bytes) -> dict[str, Any]:
    h = node.suite.hash(body)
    d = blob_dir(node)
    target = d / h.hex()
    if not target.exists():
        try:
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f".{h.hex()}.{secrets.token_hex(6)}.tmp"
            with open(tmp, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise StoreError(f"cannot store the blob: {exc.strerror}") from None
    return {"hash": h.hex(), "size": len(body), "location": f"blob:{h.hex()}"}


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


def _read_blob(node: Node, blob_hash: bytes) -> bytes:
    path = blob_dir(node) / blob_hash.hex()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"blob {blob_hash.hex()} is not stored on this node") from None


def add_datashare_routes(r: APIRouter, node: Node) -> None:
    hash_len = len(node.suite.hash(b""))

    @r.put(
        "/blobs",
        tags=["data sharing"],
        summary="上传密文 / store an encrypted payload (raw body, at most 16 MiB)",
        response_model=m.BlobStored,
        responses={413: {"description": "blob too large (problem document)"}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def put_blob(request: Request) -> dict[str, Any]:
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
        return await run_in_threadpool(_store_blob, node, body)

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
        return Response(_read_blob(node, h), media_type="application/octet-stream")

    # -- catalogue, requests, audit ------------------------------------------------------------

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

    @r.get(
        "/data/datasets/{dataset_id}/audit",
        response_model=m.Record,
        tags=["data sharing"],
        summary="数据审计 / everything about a dataset, from the chain",
    )
    def dataset_audit(dataset_id: str) -> Any:
        with node.store.snapshot() as v:
            out = audit_dataset(v, dataset_id)
            out["height"] = v.height
        return render(out)

    @r.get(
        "/data/requests",
        response_model=m.RequestList,
        tags=["data sharing"],
        summary="共享申请 / requests",
    )
    def requests(
        dataset: str | None = Query(None, max_length=64, description="dataset id"),
        requester: str | None = Query(None, max_length=64, description="requesting organisation"),
        status: str | None = Query(None, max_length=32, description="pending|approved|..."),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with node.store.snapshot() as v:
            items = list_requests(v, dataset=dataset, requester_org=requester)
        wanted = [x for x in items if status in (None, x.get("status"))]
        page, nxt = paginate(
            wanted, limit=limit, cursor=cursor, key=lambda x: [x["height"], x["id"].hex()]
        )
        return {"requests": render(page), "height": node.height, "next": nxt}

    @r.get(
        "/data/requests/{request_id}",
        response_model=m.Record,
        tags=["data sharing"],
        summary="共享申请 / a request",
    )
    def request_one(request_id: str) -> Any:
        with node.store.snapshot() as v:
            rec = get_request(v, _id16(request_id, "request_id"))
        return render(rec)

    @r.get(
        "/data/deliveries/{delivery_id}",
        response_model=m.Record,
        tags=["data sharing"],
        summary="交付记录 / a delivery with its accesses",
    )
    def delivery_one(delivery_id: str) -> Any:
        did = _id16(delivery_id, "delivery_id")
        with node.store.snapshot() as v:
            rec = get_delivery(v, did)
            accesses = list_accesses(v, did)
        out = render(rec)
        out["access_log"] = render(accesses)
        return out

    @r.get(
        "/data/audit/{org}",
        response_model=m.Record,
        tags=["data sharing"],
        summary="用数审计 / everything an organisation requested and used",
    )
    def requester_audit(org: str) -> Any:
        with node.store.snapshot() as v:
            out = audit_requester(v, org)
            out["height"] = v.height
        return render(out)
