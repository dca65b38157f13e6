"""The REST API of a node (FastAPI), versioned under ``/v1``; OpenAPI at ``/openapi.json``.

Every error is an RFC 9457 problem document (``application/problem+json``, see
:mod:`wuyi.api.problems`) carrying the stable ``code`` of the
:class:`~wuyi.exceptions.WuyiError`, ``type`` = ``/problems/<code>`` (served here), ``instance``
= the request path, and ``field`` when one input field is at fault. Request-validation errors
use the same form with code ``invalid``. Lists page with ``limit`` and an opaque ``cursor``
(:mod:`wuyi.api.paging`). Byte strings are lowercase hex. The endpoint list is in
``docs/api.md``.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from wuyi.api import models as m
from wuyi.api.certificates import add_certificate_routes
from wuyi.api.contracts import add_contract_routes
from wuyi.api.datashare import add_datashare_routes
from wuyi.api.events import add_event_routes
from wuyi.api.identity import add_identity_routes
from wuyi.api.metrics import add_metrics_route, check_readiness
from wuyi.api.misbehaviour import add_misbehaviour_routes
from wuyi.api.paging import CURSOR, decode_cursor, encode_cursor, limit_query, paginate
from wuyi.api.problems import PROBLEM_JSON, PROBLEMS, TITLES, problem, problem_of, problem_type
from wuyi.api.reads import SIGNED_READ_RESPONSES, Reads, add_access_log_routes, member_of
from wuyi.api.scenarios import add_scenario_routes
from wuyi.api.waiters import DEFAULT_MAX_WAITERS, CommitWaiters, WaitersCollector
from wuyi.api.wire import (
    header_to_json,
    hexify,
    parse_address,
    parse_hex,
    proof_to_json,
    qc_to_json,
    receipt_to_json,
)
from wuyi.console import mount_console
from wuyi.crosschain.api import add_xchain_routes
from wuyi.crosschain.portal import add_portal_routes
from wuyi.crypto import address_of, format_address
from wuyi.encoding import decode
from wuyi.exceptions import (
    EncodingError,
    Expired,
    NotFound,
    Oversize,
    ProofInvalid,
    Replay,
    ValidationError,
    WuyiError,
)
from wuyi.idp.api import add_idp_routes
from wuyi.ledger import keys
from wuyi.ledger.bundle import validate_bundle
from wuyi.ledger.handlers.validators import get_validator_history
from wuyi.ledger.jsonform import to_json
from wuyi.ledger.merkle import compute_inclusion_proof
from wuyi.ledger.sidecar import decode_carried_bytes
from wuyi.ledger.types import Transaction
from wuyi.node.access_log import ACCESS_LOG_FILE, AccessLog
from wuyi.node.blobs import BlobSettings
from wuyi.node.mempool import Duplicate
from wuyi.node.node import Node, TxInfo
from wuyi.oid4vci.api import add_oid4vci_routes
from wuyi.oid4vp.api import add_oid4vp_routes
from wuyi.scenarios import Scenario

__all__ = ["PROBLEM_JSON", "create_app", "problem", "problem_of"]

API_VERSION = "0.1.0"
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_BATCH = 5000
MAX_WAIT_S = 60.0
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")

_TITLES = TITLES

# Error responses name the Problem model; ``_openapi`` moves its schema under
# application/problem+json, the media type the handlers answer with.
_PROBLEM = {"model": m.Problem, "content": {PROBLEM_JSON: {}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad input (problem document)", **_PROBLEM},
    404: {"description": "not found (problem document)", **_PROBLEM},
    422: {"description": "request validation failed (problem document)", **_PROBLEM},
    500: {"description": "a bug in the node (problem document, code internal)", **_PROBLEM},
}


def _err(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": f"{description} (problem document)", **_PROBLEM}}


def _problem_response(
    doc: dict[str, Any], request: Request | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    if request is not None and "instance" not in doc:
        doc = {**doc, "instance": request.url.path}
    return JSONResponse(doc, status_code=doc["status"], media_type=PROBLEM_JSON, headers=headers)


_COMMON_ERRORS = {
    "400": "bad input",
    "404": "not found",
    "422": "request validation failed",
    "500": "a bug in the node (code internal)",
}


def _fix_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """Every operation documents the errors any route can answer (400, 404, 422, 500), and
    error responses (4xx/5xx) are ``application/problem+json`` with the Problem schema
    (FastAPI files an extra response's model under application/json)."""
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            for code, text in _COMMON_ERRORS.items():
                responses.setdefault(code, {"description": f"{text} (problem document)"})
            if "console" in op.get("tags", ()):  # console sign-in routes need a session
                responses.setdefault("401", {"description": "not signed in (problem document)"})
            for status, resp in responses.items():
                if not (str(status)[0] in "45" or status == "default"):
                    continue
                content = resp.setdefault("content", {})
                content.pop("application/json", None)
                content[PROBLEM_JSON] = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return spec


# -- rendering -------------------------------------------------------------------------------


def _render_tx(node: Node, tx: Transaction) -> dict[str, Any]:
    """The body's fields and ``sig`` under their canonical names; ``payload`` is free-form, so
    its byte strings are in the JSON form ``{"$bytes": hex}`` (told apart from text)."""
    return {
        "chain_id": tx.chain_id,
        "sender": tx.sender.hex(),
        "sender_address": format_address(address_of(node.suite, tx.sender)),
        "nonce": tx.nonce,
        "expiry": tx.expiry,
        "kind": tx.kind,
        "payload": to_json(tx.payload),
        "sig": tx.signature.hex(),
    }


def _render_committed(info: TxInfo) -> dict[str, Any]:
    return {
        "tx_hash": info.tx_hash.hex(),
        "status": "committed",
        "height": info.height,
        "index": info.index,
        "block_time": info.block_time,
        "receipt": receipt_to_json(info.receipt),
    }


def _render_record(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = hexify(rec)
    out["submitter"] = format_address(rec["submitter"])
    return out


def _render_member(address: bytes, rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "address": format_address(address),
        "org": rec["org"],
        "public_key": rec["public_key"].hex(),
        "roles": list(rec["roles"]),
        "status": rec["status"],
        "name": rec.get("name", ""),
    }


def _render_validators(node: Node, vs: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": v.name,
            "public_key": v.public_key.hex(),
            "power": v.power,
            "address": format_address(address_of(node.suite, v.public_key)),
        }
        for v in vs.validators
    ]


def _decode_for_display(value: bytes | None) -> Any:
    if value is None:
        return None
    try:
        return hexify(decode(value))
    except EncodingError:
        return None


# -- request bodies --------------------------------------------------------------------------


async def _read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Oversize(f"request body is {declared} bytes; the limit is {limit}")
    body = await request.body()
    if len(body) > limit:
        raise Oversize(f"request body is {len(body)} bytes; the limit is {limit}")
    return body


class _BadMediaType(ValidationError):
    code = "unsupported_media_type"
    http_status = 415


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_json(request: Request, model: type[Any]) -> Any:
    body = await _read_body(request)
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EncodingError(f"request body is not valid JSON: {exc}") from None
    from pydantic import ValidationError as PydanticError

    try:
        return model.model_validate(raw)
    except PydanticError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or None
        raise ValidationError(f"request body: {loc or 'body'}: {err['msg']}", field=loc) from None


def _tx_bytes_from_hex(text: str, what: str = "tx") -> bytes:
    return parse_hex(text, what)


# -- the app ---------------------------------------------------------------------------------


def _mount_offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI from the installed ``swagger-ui-bundle`` package, not from a CDN:
    government networks (and this project's machines) often have no internet."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount(
        "/static/swagger",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger",
    )

    @app.get("/docs", include_in_schema=False)
    def _docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Wuyi Chain API (五邑链 API)",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )


def create_app(
    node: Node,
    *,
    is_ready: Callable[[], bool] | None = None,
    consensus_info: Callable[[], dict[str, Any]] | None = None,
    blob_settings: BlobSettings | None = None,
    public_explorer: bool = True,
    access_log: AccessLog | None = None,
    consensus_health: Callable[[], dict[str, Any]] | None = None,
    max_commit_waiters: int = DEFAULT_MAX_WAITERS,
    scenarios: Sequence[Scenario] | None = None,
) -> FastAPI:
    """The API over ``node``. ``is_ready`` (e.g. "the block producer is running") decides
    ``/readyz``; without it the node is ready once opened. ``consensus_health`` (``error``
    and ``syncing`` only, answered without I/O) is what ``/readyz`` asks of consensus, else
    ``consensus_info``. At most ``max_commit_waiters`` ``POST /v1/txs?wait=true`` wait at
    once (:mod:`wuyi.api.waiters`). ``blob_settings`` (node.toml ``[blobs]``) bound the blob
    service; its store is ``app.state.blob_store``. ``scenarios``: the scenarios whose routes
    and console pages it serves (default: the registry's, ``wuyi/scenarios``).
    ``public_explorer`` (``[api] public_explorer``) and ``access_log`` (default
    ``data/access-log.jsonl``) configure signed reads (:mod:`wuyi.api.reads`,
    ``app.state.reads``)."""
    app = FastAPI(
        title="Wuyi Chain API (五邑链 API)",
        version=API_VERSION,
        description=(
            "REST API of a Wuyi Chain node: submit signed transactions, read blocks,"
            " transactions, receipts and state with proofs, anchor and verify documents"
            " (信息上链、数据核验). Errors are RFC 9457 problem documents with a stable `code`."
        ),
        docs_url=None,
        redoc_url=None,
    )
    _mount_offline_docs(app)

    def _openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            app.openapi_schema = _fix_openapi(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = _openapi  # type: ignore[method-assign]

    _add_error_handlers(app)

    # Liveness and readiness run on the event loop (``async def``): a sync route waits for a
    # worker-pool token, and busy workers must not make a live node look dead. Neither takes
    # a lock the commit path holds.
    @app.get("/healthz", tags=["ops"], summary="存活 / liveness", response_model=m.Health)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["ops"],
        summary="就绪 / readiness",
        response_model=m.Ready,
        responses=_err(503, "not ready"),
    )
    async def readyz(request: Request) -> Any:
        ok, checks = check_readiness(node, is_ready, consensus_health or consensus_info)
        if not ok:
            bad = "; ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
            doc = {**problem(503, "not_ready", f"not ready: {bad}"), "checks": checks}
            return _problem_response(doc, request)
        return {"status": "ready", "height": node.height, "checks": checks}

    @app.get(
        "/problems/{code}",
        tags=["ops"],
        summary="错误类型说明 / what a problem type means",
        response_model=m.ProblemType,
        responses=_err(404, "no such problem type"),
    )
    def problem_doc(code: str) -> dict[str, Any]:
        """The explanation behind a problem document's ``type`` (``/problems/<code>``)."""
        if code not in PROBLEMS:
            raise NotFound(f"no problem type '{code}'; the codes are listed in docs/api.md")
        status, text = PROBLEMS[code]
        return {
            "type": problem_type(code),
            "code": code,
            "status": status,
            "title": TITLES.get(status, "Error"),
            "description": text,
        }

    log = access_log or AccessLog.open(node.store.path.parent / ACCESS_LOG_FILE, node.suite)
    reads = app.state.reads = Reads(node, log, public_explorer=public_explorer)
    waiters = CommitWaiters(node, max_commit_waiters)
    app.state.commit_waiters = waiters
    v1 = APIRouter(prefix="/v1", responses=_ERRORS)
    _add_chain_routes(v1, node, consensus_info, reads)
    _add_tx_routes(v1, node, waiters, reads)
    _add_identity_routes(v1, node)
    _add_evidence_routes(v1, node)
    add_contract_routes(v1, node, reads)
    app.state.blob_store = add_datashare_routes(v1, node, settings=blob_settings, reads=reads)
    add_identity_routes(v1, node, reads)
    add_access_log_routes(v1, reads)
    add_scenario_routes(v1, node, scenarios)  # each scenario's routes (wuyi/scenarios/<name>)
    add_certificate_routes(v1, node, scenarios)  # e-certificates and their public check
    add_misbehaviour_routes(v1, node)  # validators' equivocation evidence (issue #17)
    add_xchain_routes(v1, node)  # cross-chain recognition (wuyi/crosschain/api.py, issue #22)
    app.include_router(v1)
    add_event_routes(app, node, reads)  # GET /v1/events (wuyi/api/events.py)
    metrics = add_metrics_route(app, node, consensus_info=consensus_info)  # GET /metrics
    metrics.registry.register(WaitersCollector(waiters))
    _add_wallet_protocols(app, node)  # OpenID4VCI and 4VP, OpenID Connect provider (issue #19)
    mount_console(app, node, scenarios)  # the web console at /console/ (wuyi/console)
    add_portal_routes(app, node)  # one console for several chains (wuyi/crosschain/portal.py)
    return app


def _add_wallet_protocols(app: FastAPI, node: Node) -> None:
    """The standard protocols wallets speak (issue #19), one line each."""
    add_oid4vci_routes(app, node)  # OpenID4VCI issuance (wuyi/oid4vci/api.py)
    add_idp_routes(app)  # the identity provider, OpenID Connect (wuyi/idp/api.py)
    add_oid4vp_routes(app, node)  # OpenID4VP presentation by QR (wuyi/oid4vp/api.py)


def _add_error_handlers(app: FastAPI) -> None:
    """Every error as an RFC 9457 problem document with its stable ``code``."""

    @app.exception_handler(WuyiError)
    async def _wuyi_error(request: Request, exc: WuyiError) -> JSONResponse:
        retry = exc.detail.get("retry_after")
        headers = None if retry is None else {"Retry-After": str(retry)}
        return _problem_response(problem_of(exc), request, headers)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ())]
        field = loc[-1] if loc else None
        where = ".".join(loc) or "request"
        return _problem_response(
            problem(422, "invalid", f"{where}: {first.get('msg')}", field), request
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = str(exc.detail) if exc.detail else _TITLES.get(exc.status_code, "error")
        if exc.status_code == 404:
            detail = f"no such endpoint: {request.method} {request.url.path}"
        headers = getattr(exc, "headers", None)
        return _problem_response(problem(exc.status_code, code, detail), request, headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        return _problem_response(
            problem(500, "internal", f"internal error: {type(exc).__name__}: {exc}"), request
        )


def _add_chain_routes(
    r: APIRouter,
    node: Node,
    consensus_info: Callable[[], dict[str, Any]] | None = None,
    reads: Reads | None = None,
) -> None:
    def explorer(request: Request, what: str, record: str = "") -> None:
        if reads is not None:
            reads.explorer(request, what, record)

    @r.get("/status", response_model=m.Status, tags=["chain"], summary="链状态 / chain status")
    def status() -> dict[str, Any]:
        with node.store.snapshot() as v:
            height = v.height
            header = v.get_header(height)
            block_hash = v.get_block_hash(height)
        return {
            "chain_id": node.chain.chain_id,
            "name": node.genesis.name,
            "suite": node.genesis.suite,
            "genesis_hash": node.genesis_hash.hex(),
            "height": height,
            "last_block_hash": block_hash.hex(),
            "last_block_time": header.time,
            "mempool_size": len(node.mempool),
            "validators": _render_validators(node, node.validators()),
        }

    @r.get(
        "/consensus",
        response_model=m.ConsensusInfo,
        tags=["chain"],
        summary="共识状态 / consensus and peers",
    )
    def consensus() -> dict[str, Any]:
        """Height, round and step of consensus, each validator up or down, peers connected.
        A single node (no ``[p2p]`` settings) reports ``mode: single``."""
        if consensus_info is not None:
            return consensus_info()
        return {
            "mode": "single",
            "height": node.height,
            "round": 0,
            "step": None,
            "validators": [{**v, "up": True} for v in _render_validators(node, node.validators())],
            "peers": [],
        }

    @r.get("/blocks", response_model=m.BlockList, tags=["chain"], summary="区块列表 / blocks")
    def blocks(
        from_height: int | None = Query(None, ge=0, description="start here (default: latest)"),
        limit: int = Query(20, ge=1, le=100),
        order: str = Query("desc", pattern="^(asc|desc)$", description="desc: newest first"),
        cursor: str | None = CURSOR,
    ) -> dict[str, Any]:
        if cursor is not None:
            at = decode_cursor(cursor)
            if not isinstance(at, int) or at < 0:
                raise ValidationError("cursor does not belong to this list", field="cursor")
            from_height = at
        out: list[dict[str, Any]] = []
        with node.store.snapshot() as v:
            top = v.height
            start = (top if order == "desc" else 0) if from_height is None else from_height
            step = -1 if order == "desc" else 1
            h = min(start, top)
            if order == "asc" and from_height is not None and from_height > top:
                h = top + 1
            while 0 <= h <= top and len(out) < limit:
                header = v.get_header(h)
                out.append(
                    {
                        "height": h,
                        "hash": v.get_block_hash(h).hex(),
                        "time": header.time,
                        "tx_count": header.tx_count,
                        "proposer": header.proposer.hex(),
                    }
                )
                h += step
        nxt = h if 0 <= h <= top else None
        return {
            "height": top,
            "blocks": out,
            "next_from_height": nxt,
            "next": None if nxt is None else encode_cursor(nxt),
        }

    _add_block_routes(r, node, reads)
    _add_state_routes(r, node, reads)


def _add_block_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    """A block by height, its receipts, the validator-set changes."""

    def explorer(request: Request, what: str, record: str = "") -> None:
        if reads is not None:
            reads.explorer(request, what, record)

    def _height(ref: str) -> int:
        if ref == "latest":
            return node.height
        if not ref.isdigit():
            raise ValidationError(f"block '{ref}' must be a height or 'latest'", field="height")
        h = int(ref)
        if h > node.height:
            raise NotFound(f"no block at height {h}; the chain is at {node.height}")
        return h

    @r.get(
        "/blocks/{ref}",
        response_model=m.BlockDetail,
        responses=SIGNED_READ_RESPONSES,
        tags=["chain"],
        summary="区块 / a block by height or 'latest'",
    )
    def block(
        request: Request,
        ref: str,
        txs: bool = Query(False, description="include each transaction's canonical bytes"),
    ) -> dict[str, Any]:
        """The header, its quorum certificate and the validator set that signed it: with
        ``txs=true`` also the transactions, so a client can recompute ``tx_root`` (an explorer
        read: signed when ``[api] public_explorer = false``)."""
        h = _height(ref)
        if txs:
            explorer(request, f"the transactions of block {h}", f"block/{h}")
        blk, receipts = node.get_body(h)  # a pruned body from the node's archive files
        block_hash = node.store.get_block_hash(h)
        out: dict[str, Any] = {
            "height": h,
            "hash": block_hash.hex(),
            "header": header_to_json(blk.header),
            "tx_hashes": [rc.tx_hash.hex() for rc in receipts],
            "qc": qc_to_json(blk.qc),
            "validators": _render_validators(node, node.validators(h)),
        }
        if txs:
            out["txs"] = [t.hex() for t in blk.txs]
        return out

    @r.get(
        "/validators/changes",
        response_model=m.ValidatorChanges,
        tags=["chain"],
        summary="验证者集合变更 / validator sets in the order they took effect",
    )
    def validator_changes() -> dict[str, Any]:
        """The genesis set (``effective_height`` 0) and each recorded change, once each. A
        light client takes the genesis set from the genesis header (pinned by its hash), then
        each change because block ``effective_height - 1``, certified by the set before,
        names it in ``next_validator_set_hash`` (see docs/verifying.md)."""
        with node.store.snapshot() as v:
            height = v.height
            sets = get_validator_history(v)
        return {
            "height": height,
            "changes": [
                {
                    "effective_height": eff,
                    "validator_set_hash": vs.compute_hash(node.suite).hex(),
                    "validators": _render_validators(node, vs),
                }
                for eff, vs in sets
            ],
        }

    @r.get(
        "/blocks/{ref}/receipts",
        response_model=m.ReceiptList,
        responses=SIGNED_READ_RESPONSES,
        tags=["chain"],
        summary="区块回执 / receipts of a block",
    )
    def block_receipts(request: Request, ref: str) -> dict[str, Any]:
        h = _height(ref)
        explorer(request, f"the receipts of block {h}", f"receipts/{h}")
        receipts = node.get_body(h)[1] if h > 0 else []
        return {"height": h, "receipts": [receipt_to_json(rc) for rc in receipts]}


def _add_state_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    """A state value with its proof; an account's transactions."""

    def explorer(
        request: Request, what: str, record: str = "", state_key: bytes | None = None
    ) -> None:
        if reads is not None:
            reads.explorer(request, what, record, state_key=state_key)

    @r.get(
        "/state/{key_hex}",
        response_model=m.StateValue,
        response_model_exclude_none=False,
        responses=SIGNED_READ_RESPONSES,
        tags=["chain"],
        summary="状态值与证明 / a state value with its proof",
    )
    def state(
        request: Request,
        key_hex: str,
        height: int | None = Query(None, ge=0, description="default: latest"),
        prove: bool = Query(True, description="include proof, header, QC and validators"),
    ) -> dict[str, Any]:
        key = parse_hex(key_hex, "key")
        explorer(request, f"state value {key_hex}", f"state/{key_hex}", key)
        if height is not None and height > node.height:
            raise NotFound(f"no block at height {height}; the chain is at {node.height}")

        def answer(value: bytes | None, at: int) -> dict[str, Any]:
            return {
                "key": key.hex(),
                "value": None if value is None else value.hex(),
                "decoded": _decode_for_display(value),
                "height": at,
            }

        if not prove and height is None:
            return answer(node.get_state(key), node.height)
        p = node.prove_state(key, height)
        out = answer(p["value"], p["header"]["height"])
        if prove:
            out.update(_proof_fields(node, p))
        return out

    @r.get(
        "/accounts/{address}/txs",
        response_model=m.AccountTxs,
        responses=SIGNED_READ_RESPONSES,
        tags=["chain"],
        summary="账户交易 / transactions sent by an address, newest first",
    )
    def account_txs(
        request: Request,
        address: str,
        limit: int = Query(20, ge=1, le=100),
        cursor: str | None = CURSOR,
        kind: str | None = Query(None, max_length=64, description="only this transaction kind"),
    ) -> dict[str, Any]:
        addr = parse_address(address)
        explorer(request, f"the transactions of {address}", f"account/{address}")
        prefix = b"sender/" + addr

        def positions() -> Any:
            for k, tx_hash in node.store.iter_index(prefix, reverse=True):
                pos = k[len(prefix) :]
                yield (_U64.unpack(pos[:8])[0], _U32.unpack(pos[8:12])[0]), tx_hash

        def wanted() -> Any:
            for pos, tx_hash in positions():
                info = node.get_tx(tx_hash)
                if kind is None or info.tx.kind == kind:
                    yield pos, tx_hash, info

        page, nxt = paginate(
            wanted(), limit=limit, cursor=cursor, key=lambda x: list(x[0]), descending=True
        )
        out = []
        for (height, index), tx_hash, info in page:
            out.append(
                {
                    "tx_hash": tx_hash.hex(),
                    "height": height,
                    "index": index,
                    "kind": info.tx.kind,
                    "status": info.receipt.status,
                }
            )
        return {"address": format_address(addr), "txs": out, "next": nxt}


def _valset(obj: Any) -> Any:
    from wuyi.consensus.certificate import ValidatorSet

    return ValidatorSet.from_obj(obj)


def _proof_fields(node: Node, p: dict[str, Any]) -> dict[str, Any]:
    """What lets a client check a state value of ``node.prove_state`` without trusting the
    node: the Merkle proof, the block header, its quorum certificate and validator set."""
    return {
        "proof": proof_to_json(p["proof"]),
        "header": {k: (x.hex() if isinstance(x, bytes) else x) for k, x in p["header"].items()},
        "qc": qc_to_json(p["qc"]),
        "validators": _render_validators(node, _valset(p["validators"])),
    }


_SUBMIT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": m.SubmitTxIn.model_json_schema()},
            "application/cbor": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


#: Transaction kinds whose decoded payload is a personal record (a citizen's consent, a
#: verification, a scenario contract's call with DIDs, prices, loans): ``GET /v1/txs/{hash}``
#: shows it only to a signed read of its sender, a member of the sender's organisation, or an
#: auditor (``wuyi.api.reads``); anyone else gets the rest with ``payload`` withheld.
PERSONAL_KINDS = frozenset(
    {"consent.grant", "consent.revoke", "vc.verify", "contract.call", "contract.call_propose"}
)


def _withheld(tx: Transaction) -> dict[str, Any]:
    return {
        "withheld": f"{tx.kind} is a personal record: sign the request as its sender, a member"
        " of the sender's organisation or an auditor, with a purpose (docs/api.md, signed"
        " reads)"
    }


def _admit(node: Node, raw: bytes, sidecars: tuple[bytes, ...] = ()) -> tuple[bytes, TxInfo | None]:
    """Submit ``raw`` (with its private side-cars): its hash, and its committed ``TxInfo`` if
    these very bytes are already committed. Submitting is idempotent: bytes already in the
    mempool or already committed are answered like the first submission (a client that failed
    over to another node, or retried after a lost answer, resends the same bytes). Anything
    else refused raises as before."""
    try:
        return node.submit(raw, sidecars), None
    except (Duplicate, Replay, Expired) as exc:
        known = _known(node, raw)
        if known is None:
            raise exc from None
        return known


def _known(node: Node, raw: bytes) -> tuple[bytes, TxInfo | None] | None:
    pooled = node.mempool.decoded(raw)
    if pooled is not None:
        return pooled[1], None
    try:
        tx_hash = Transaction.from_bytes(raw).compute_hash(node.suite)
        info = node.get_tx(tx_hash)
    except WuyiError:  # undecodable, pending as other bytes, or unknown
        return None
    if info.tx.to_bytes() != raw:  # same body, other signature bytes: not this submission
        return None
    return tx_hash, info


def _add_tx_routes(
    r: APIRouter, node: Node, waiters: CommitWaiters, reads: Reads | None = None
) -> None:
    @r.post(
        "/txs",
        tags=["transactions"],
        summary="提交交易 / submit a signed transaction",
        status_code=202,
        response_model=m.TxAccepted,
        responses={
            200: {
                "model": m.TxCommitted,
                "description": "committed (with ?wait=true, or these bytes were committed before)",
            },
            **_err(403, "refused"),
            **_err(409, "replay or duplicate of another signature over the same body"),
            **_err(413, "too large"),
            **_err(415, "neither JSON nor CBOR"),
            **_err(503, "the mempool is full, or too many commit waits (Retry-After)"),
            **_err(504, "not committed within the timeout"),
        },
        openapi_extra=_SUBMIT_BODY,
    )
    async def submit(
        request: Request,
        wait: bool = Query(False, description="wait for the commit and return the receipt"),
        timeout: float = Query(
            10.0, gt=0, le=MAX_WAIT_S, description="with wait: answer 504 after this many s"
        ),
    ) -> Any:
        """Idempotent by transaction: the same bytes sent again (to this or another node) are
        answered like the first time, 202 pending or 200 committed. With ``wait`` the answer
        comes when the block is stored or ``timeout`` seconds after the request arrived (504);
        the wait holds no worker thread, and past ``[api] max_commit_waiters`` waits the node
        answers 503 ``too_many_waiters`` with ``Retry-After`` without submitting anything.
        The private side-cars the transaction references come with it (JSON ``sidecars``, or
        the CBOR envelope ``{tx, sidecars}``)."""
        deadline = time.monotonic() + timeout
        sidecars: tuple[bytes, ...] = ()
        if _media_type(request) == "application/cbor":
            raw, sidecars = decode_carried_bytes(await _read_body(request))
        elif _media_type(request) in ("application/json", ""):
            body = await _read_json(request, m.SubmitTxIn)
            raw = _tx_bytes_from_hex(body.tx)
            sidecars = tuple(parse_hex(x, f"sidecars[{i}]") for i, x in enumerate(body.sidecars))
        else:
            raise _BadMediaType('send application/json {"tx": hex} or application/cbor')
        if not wait:
            tx_hash, info = await run_in_threadpool(_admit, node, raw, sidecars)
            if info is not None:
                return JSONResponse(_render_committed(info), status_code=200)
            return JSONResponse({"tx_hash": tx_hash.hex(), "status": "pending"}, status_code=202)
        with waiters.slot(deadline):  # TooManyWaiters (503) before anything is submitted
            tx_hash, info = await run_in_threadpool(_admit, node, raw, sidecars)
            if info is None:
                info = await waiters.wait(tx_hash, deadline)
        if info is None:
            doc = problem(
                504,
                "timeout",
                f"transaction {tx_hash.hex()} was accepted but not"
                f" committed within {timeout}s; ask GET /v1/txs/{tx_hash.hex()}",
            )
            return _problem_response({**doc, "tx_hash": tx_hash.hex()}, request)
        return JSONResponse(_render_committed(info), status_code=200)

    @r.post(
        "/txs/batch",
        response_model=m.BatchResult,
        tags=["transactions"],
        summary="批量提交 / submit many transactions (for load generators)",
        responses={**_err(413, "batch too large"), **_err(503, "the mempool is full")},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": m.SubmitBatchIn.model_json_schema()}},
            }
        },
    )
    async def submit_batch(request: Request) -> dict[str, Any]:
        body = await _read_json(request, m.SubmitBatchIn)
        if len(body.txs) > MAX_BATCH:
            raise Oversize(f"batch has {len(body.txs)} transactions; the limit is {MAX_BATCH}")
        if body.sidecars is not None and len(body.sidecars) != len(body.txs):
            raise ValidationError("sidecars must have one list per transaction", field="sidecars")

        def run() -> list[dict[str, Any]]:
            out: list[dict[str, Any] | None] = [None] * len(body.txs)
            raws: list[bytes] = []
            scs: list[tuple[bytes, ...]] = []
            where: list[int] = []
            for i, text in enumerate(body.txs):
                try:
                    raw = _tx_bytes_from_hex(text, f"txs[{i}]")
                    sc = tuple(
                        parse_hex(x, f"sidecars[{i}]")
                        for x in (body.sidecars[i] if body.sidecars else [])
                    )
                    raws.append(raw)
                    scs.append(sc)
                    where.append(i)
                except WuyiError as exc:
                    out[i] = {"problem": problem_of(exc)}
            for i, res in zip(where, node.submit_many(raws, "client", scs), strict=True):
                out[i] = (
                    {"problem": problem_of(res)}
                    if isinstance(res, WuyiError)
                    else {"tx_hash": res.hex()}
                )
            return [x for x in out if x is not None]

        results = await run_in_threadpool(run)
        ok = sum(1 for x in results if "tx_hash" in x)
        return {"accepted": ok, "rejected": len(results) - ok, "results": results}

    _add_tx_read_routes(r, node, reads)


def _add_tx_read_routes(r: APIRouter, node: Node, reads: Reads | None = None) -> None:
    """A committed transaction with its receipt; its inclusion proof."""

    @r.get(
        "/txs/{tx_hash}",
        response_model=m.TxDetail,
        response_model_exclude_none=True,
        responses=SIGNED_READ_RESPONSES,
        tags=["transactions"],
        summary="交易 / a transaction, its place and receipt",
    )
    def get_tx(request: Request, tx_hash: str) -> dict[str, Any]:
        h = parse_hex(tx_hash, "tx_hash", length=32)
        if reads is not None:
            reads.explorer(request, f"transaction {h.hex()}", f"tx/{h.hex()}")
        try:
            info = node.get_tx(h)
        except NotFound:
            if node.mempool.contains(h):
                return {"tx_hash": h.hex(), "status": "pending"}
            raise
        shown = _render_tx(node, info.tx)
        if reads is not None and info.tx.kind in PERSONAL_KINDS:
            sender = info.tx.sender
            rec = node.get_state(keys.member_key(address_of(node.suite, sender)))
            org = decode(rec)["org"] if rec is not None else None
            allowed = reads.optional(
                request,
                what=f"the payload of {info.tx.kind} {h.hex()}",
                record=f"tx/{h.hex()}/payload",
                allow=[lambda rd: "sender" if rd.public_key == sender else None]
                + ([member_of(org)] if org else []),
            )
            if allowed is None:
                shown["payload"] = _withheld(info.tx)
        return {**_render_committed(info), "tx": shown}

    @r.get(
        "/txs/{tx_hash}/proof",
        response_model=m.TxProof,
        responses=SIGNED_READ_RESPONSES,
        tags=["transactions"],
        summary="交易证明 / inclusion proof of a committed transaction and its receipt",
    )
    def tx_proof(request: Request, tx_hash: str) -> dict[str, Any]:
        """The transaction's bytes and RFC 6962 audit path under the block's ``tx_root``, its
        receipt's bytes and audit path under ``receipts_root``, the block header, its QC and
        the validator set that signed it: the SDK's ``get_tx(verify=True)`` checks them."""
        h = parse_hex(tx_hash, "tx_hash", length=32)
        if reads is not None:
            reads.explorer(request, f"transaction {h.hex()} with its proof", f"tx/{h.hex()}")
        info = node.get_tx(h)
        blk, receipts = node.get_body(info.height)  # from the archive if pruned
        hf = node.suite.hash
        return {
            "tx_hash": h.hex(),
            "height": info.height,
            "index": info.index,
            "tx": blk.txs[info.index].hex(),
            "proof": [p.hex() for p in compute_inclusion_proof(hf, list(blk.txs), info.index)],
            "receipt": receipt_to_json(receipts[info.index]),
            "receipt_bytes": receipts[info.index].to_bytes().hex(),
            "receipt_proof": [
                p.hex()
                for p in compute_inclusion_proof(hf, [rc.to_bytes() for rc in receipts], info.index)
            ],
            "header": header_to_json(blk.header),
            "qc": qc_to_json(blk.qc),
            "validators": _render_validators(node, node.validators(info.height)),
        }


def _add_identity_routes(r: APIRouter, node: Node) -> None:
    def _org(raw: bytes) -> dict[str, Any]:
        rec = decode(raw)
        return {
            "id": rec["id"],
            "name": rec["name"],
            "operator": bool(rec.get("operator")),
            "status": rec["status"],
        }

    @r.get("/orgs", response_model=m.OrgList, tags=["identity"], summary="组织 / organisations")
    def orgs(
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
        status: str | None = Query(None, max_length=32, description="active|suspended"),
    ) -> dict[str, Any]:
        items = (_org(v) for _, v in node.store.iter_prefix(keys.ORG_PREFIX))
        wanted = (o for o in items if status in (None, o["status"]))
        page, nxt = paginate(wanted, limit=limit, cursor=cursor, key=lambda o: o["id"])
        return {"orgs": page, "next": nxt}

    @r.get("/orgs/{org_id}", response_model=m.Org, tags=["identity"], summary="组织 / one org")
    def org(org_id: str) -> dict[str, Any]:
        raw = node.get_state(keys.org_key(org_id))
        if raw is None:
            raise NotFound(f"no organisation '{org_id}'")
        return _org(raw)

    @r.get(
        "/orgs/{org_id}/members",
        response_model=m.MemberList,
        tags=["identity"],
        summary="组织成员 / members of an organisation",
    )
    def org_members(
        org_id: str,
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
        status: str | None = Query(None, max_length=32, description="active|suspended|..."),
        role: str | None = Query(None, max_length=64, description="only members with this role"),
    ) -> dict[str, Any]:
        if node.get_state(keys.org_key(org_id)) is None:
            raise NotFound(f"no organisation '{org_id}'")
        out = []
        n = len(keys.MEMBER_PREFIX)
        for k, v in node.store.iter_prefix(keys.MEMBER_PREFIX):
            rec = decode(v)
            if rec["org"] != org_id or status not in (None, rec["status"]):
                continue
            if role is not None and role not in rec["roles"]:
                continue
            out.append(_render_member(k[n:], rec))
        page, nxt = paginate(out, limit=limit, cursor=cursor, key=lambda x: x["address"])
        return {"members": page, "next": nxt}

    @r.get(
        "/members/{address}",
        response_model=m.Member,
        tags=["identity"],
        summary="成员 / a member by address",
    )
    def member(address: str) -> dict[str, Any]:
        addr = parse_address(address)
        raw = node.get_state(keys.member_key(addr))
        if raw is None:
            raise NotFound(f"no member with address {format_address(addr)}")
        return _render_member(addr, decode(raw))


_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": m.VerifyDocHashIn.model_json_schema()},
        },
    }
}


def _add_evidence_routes(r: APIRouter, node: Node) -> None:
    @r.get(
        "/evidence/{doc_hash}",
        response_model=m.EvidenceRecord,
        tags=["evidence"],
        summary="存证记录 / the evidence record of a document hash",
    )
    def evidence(doc_hash: str) -> dict[str, Any]:
        return _render_record(node.evidence_record(parse_hex(doc_hash, "doc_hash", length=32)))

    @r.get(
        "/evidence/{doc_hash}/bundle",
        tags=["evidence"],
        summary="证明包 / the proof bundle (wuyi-proof-bundle/2, JSON form)",
        response_model=m.Record,
        response_description='the bundle; bytes as {"$bytes": hex}; check with `wuyi verify`',
    )
    def evidence_bundle(doc_hash: str) -> dict[str, Any]:
        b = node.evidence_bundle(parse_hex(doc_hash, "doc_hash", length=32))
        out: dict[str, Any] = to_json(b)
        return out

    @r.post(
        "/verify",
        response_model=m.VerifyResult,
        tags=["evidence"],
        summary="数据核验 / verify a document (upload) or a document hash",
        responses={**_err(413, "upload too large"), **_err(415, "neither multipart nor JSON")},
        openapi_extra=_VERIFY_BODY,
    )
    async def verify(request: Request) -> dict[str, Any]:
        document: bytes | None = None
        mt = _media_type(request)
        if mt == "multipart/form-data":
            document = await _read_upload(request)
            doc_hash = node.suite.hash(document)
        elif mt in ("application/json", ""):
            body = await _read_json(request, m.VerifyDocHashIn)
            doc_hash = parse_hex(body.doc_hash, "doc_hash", length=32)
        else:
            raise _BadMediaType("upload multipart/form-data 'file' or JSON {\"doc_hash\": hex}")
        return await run_in_threadpool(_verify, node, doc_hash, document)


async def _read_upload(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Oversize(f"upload is {declared} bytes; the limit is {MAX_BODY_BYTES}")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # the multipart parser raises several kinds for bad input
        raise EncodingError(f"malformed multipart body: {exc}") from None
    try:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationError("multipart body needs a file part named 'file'", field="file")
        data = await upload.read()
    finally:
        await form.close()
    return data


def _verify(node: Node, doc_hash: bytes, document: bytes | None) -> dict[str, Any]:
    """Build the record's bundle and check it as ``wuyi verify`` does, pinned to the genesis
    hash of the chain this node serves (the console's public check shows that hash)."""
    out: dict[str, Any] = {
        "found": False,
        "valid": False,
        "doc_hash": doc_hash.hex(),
        "genesis_hash": node.genesis_hash.hex(),
    }
    try:
        bundle = node.evidence_bundle(doc_hash)
    except NotFound as exc:
        out["error"] = exc.message
        return out
    out["found"] = True
    out["record"] = _render_record(bundle["record"])
    out["status"] = bundle["record"]["status"]
    out["bundle"] = to_json(bundle)
    try:
        report = validate_bundle(bundle, document, genesis_hash=node.genesis_hash)
    except ProofInvalid as exc:
        out["error"] = exc.message
        return out
    out["valid"] = True
    out["pinned"] = report.pinned
    out["checks"] = report.checks
    return out
