"""RFC 9457 problem details: the one error format of the REST API.

A problem document (``Content-Type: application/problem+json``)::

    {"type": "/problems/invalid", "title": "Bad Request", "status": 400,
     "detail": "evidence.anchor: doc_hash must be 32 bytes",
     "instance": "/v1/txs", "code": "invalid", "field": "doc_hash"}

``type`` is a relative URI, ``/problems/<code>``, resolved against the node's address (RFC 9457
§3.1.1 allows relative references); the node serves it (``GET /problems/{code}``) with a short
explanation of the code, so the reference is never dead, even on a network without internet.
``code`` (extension member) is the stable :class:`~wuyi.exceptions.WuyiError` code, ``field``
(extension member) the input at fault when one is, ``instance`` the request path.
"""

from __future__ import annotations

from typing import Any

from wuyi.exceptions import WuyiError

__all__ = [
    "PROBLEMS",
    "PROBLEM_BASE",
    "PROBLEM_JSON",
    "problem",
    "problem_of",
    "problem_type",
]

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

#: code -> (usual HTTP status, what it means). ``docs/api.md`` has the same table.
PROBLEMS: dict[str, tuple[int, str]] = {
    "bad_encoding": (400, "Not hex, not JSON, not canonical CBOR, or a malformed multipart body."),
    "invalid": (
        400,
        "A field is missing, of the wrong type or out of range; `field` names it. Query and"
        " path parameters that fail validation answer 422 with this code.",
    ),
    "wrong_chain": (400, "The transaction's chain_id is another chain's."),
    "bad_signature": (400, "The signature (or the sender's public key) does not verify."),
    "replay": (
        409,
        "A transaction with this body hash but other signature bytes is already committed"
        " (the same bytes sent again are answered 200 committed).",
    ),
    "duplicate": (
        409,
        "A transaction with this body hash but other signature bytes is already waiting in"
        " the mempool (the same bytes sent again are answered 202 pending).",
    ),
    "expired": (400, "The chain is past the transaction's expiry height."),
    "tx_rejected": (
        400,
        "Another admission refusal (expiry too far ahead, sender over its pending quota).",
    ),
    "oversize": (413, "Transaction over max_tx_bytes, body over 16 MiB, or batch over 5000."),
    "unknown_kind": (400, "No handler for this transaction kind."),
    "unauthorized": (403, "The caller may not do this (e.g. a blob without a valid access)."),
    "not_member": (
        403,
        "Admission: the sender is no active member, nor a registered citizen DID sending what"
        " a DID may send (docs/security.md).",
    ),
    "member_suspended": (403, "Admission: the sender's membership or organisation is not active."),
    "upload_refused": (
        403,
        "PUT /v1/blobs: the signer's organisation has no pending data request for this upload.",
    ),
    "personal_data": (
        400,
        "An ID number, mobile number or a personal-data field name in a value that goes on"
        " chain in clear (evidence meta); anchor a commitment instead.",
    ),
    "quota_exceeded": (413, "The organisation's blob storage quota on this node is used up."),
    "sidecar_missing": (
        400,
        "The transaction references a private side-car ('sidecar:<hash>') that was not sent"
        " with it (POST /v1/txs {tx, sidecars}), or that this node does not hold.",
    ),
    "sidecar_invalid": (
        400,
        "A side-car the transaction does not reference, too many side-cars, or the"
        " transaction and its side-cars over max_tx_bytes.",
    ),
    "signed_read_required": (
        401,
        "A personal record (or an explorer read on a node whose public explorer is off):"
        " sign the request (X-Wuyi-* headers) and state a purpose (docs/api.md, Signed reads).",
    ),
    "read_forbidden": (
        403,
        "The signer of a read may not read this record: neither the citizen it is about nor a"
        " member whose organisation or role the record allows, nor an auditor.",
    ),
    "tx_failed": (400, "The transaction executed and reverted."),
    "contract_revert": (400, "A contract's require()/revert() failed."),
    "out_of_gas": (400, "The gas limit was reached."),
    "contract_fault": (400, "A contract raised, hit a limit or misbehaved."),
    "contract_rejected": (400, "Contract source refused."),
    "bad_policy": (400, "A policy expression is malformed."),
    "bad_proof": (400, "A Merkle proof, state proof or bundle does not check."),
    "bad_credential": (400, "A credential, JWS or JWK is malformed or forged."),
    # OpenID4VP (wuyi/oid4vp)
    "presentation_refused": (
        400,
        "POST /v1/oid4vp/responses/{state}: the wallet's answer is refused and nothing"
        " changed; `reason` names why (nonce_mismatch, replayed, wrong_audience, over_asking,"
        " expired, ... docs/credentials.md).",
    ),
    "unsupported_media_type": (415, "A body that is neither JSON nor CBOR (nor multipart)."),
    "not_found": (404, "No such block, transaction, record, organisation, member or endpoint."),
    "method_not_allowed": (405, "Wrong HTTP method for this path."),
    "mempool_full": (503, "The transaction pool is full; retry later."),
    "too_many_waiters": (
        503,
        "POST /v1/txs?wait=true: the node holds as many commit waits as it allows; nothing"
        " was submitted. Retry after `Retry-After` seconds, submit without wait and poll, or"
        " use another node.",
    ),
    "timeout": (504, "wait=true and the transaction was not committed within `timeout`."),
    "not_ready": (503, "/readyz: the block producer is not running."),
    "store_error": (500, "The node could not read or write its store."),
    "internal": (500, "A bug in the node; the detail says what broke. Please report it."),
    "http_error": (400, "Another HTTP-level error."),
}


def problem_type(code: str) -> str:
    """The ``type`` URI of ``code`` (relative; served by the node)."""
    return PROBLEM_BASE + code


def problem(
    status: int,
    code: str,
    detail: str,
    field: str | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """A problem document (a plain dict, ready for JSON)."""
    doc: dict[str, Any] = {
        "type": problem_type(code),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        doc["instance"] = instance
    if field is not None:
        doc["field"] = field
    return doc


def problem_of(exc: WuyiError, instance: str | None = None) -> dict[str, Any]:
    """The problem document of a :class:`WuyiError` (its code, status, message, field)."""
    field = exc.detail.get("field")
    return problem(
        exc.http_status, exc.code, exc.message, None if field is None else str(field), instance
    )
