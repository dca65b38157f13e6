"""The data-sharing channel (统一数据共享通道): catalogue, request, approval, delivery, access.

Kinds (``docs/design/identity-spec.md`` §7; user guide ``docs/data-sharing.md``):

* ``data.offer``    {id, title, description, kind, fields, endpoint?, gate?} — an ``admin`` or
  ``data`` member; the sender's organisation owns the entry. ``id`` matches
  ``[a-z0-9][a-z0-9._-]{2,63}`` and is never reused. ``gate`` names a deployed contract whose
  view ``data_consent(request)`` must accept every request, approval, delivery and access of
  the entry (a consent the data's subject gave, kept by that contract; see "Consent gates"
  below).
* ``data.withdraw`` {id} — ``admin``/``data`` of the owner: no new requests, approvals or
  deliveries; grants already approved keep their window (revoke them to stop access).
* ``data.request``  {dataset, purpose, fields, until, enc_key} — any member of another
  organisation; ``fields`` ⊆ the entry's fields, ``until`` (ms) after the block time,
  ``enc_key`` the requester's key-agreement public key (X25519, 32 bytes, on ``intl`` chains;
  SM2 ``04||x||y``, 65 bytes, on ``sm`` chains). Request id = ``tx_hash[:16]``.
* ``data.approve``  {request, until} / ``data.reject`` {request, reason} — ``admin``/``data``
  of the owner organisation, only while the request is pending; ``until`` is after the block
  time and no later than the requested ``until``.
* ``data.revoke``   {request} — ``admin``/``data`` of the owner, only while approved.
* ``data.deliver``  {request, ciphertext_hash, size, location, sender_key, commitment} — any
  member of the owner organisation, while approved and before ``approved_until``;
  ``location`` is ``blob:<hex of ciphertext_hash>`` (the node's blob service) or an
  ``https://``/``http://`` URL. Delivery id = ``tx_hash[:16]``.
* ``data.access``   {delivery, purpose} — any member of the requesting organisation, while the
  request is approved and before ``approved_until``; appends an access record.

Records (byte strings raw; addresses 20 bytes)::

    data/set/<id>   {id, owner, title, description, kind, fields, endpoint, status, height,
                     time, offered_by, withdrawn_by, withdrawn_height, withdrawn_time}
    data/req/<id>   {id, dataset, owner, requester_org, requester, purpose, fields, until,
                     enc_key, status, decided_by, decided_height, approved_until, deliveries,
                     accesses, height, time, tx_hash, log: [{action, by, height, time, until?,
                     reason?}]}
    data/dlv/<id>   {id, request, dataset, owner, requester_org, ciphertext_hash, size,
                     location, sender_key, commitment, delivered_by, height, time, tx_hash,
                     accesses}
    data/acc/<delivery>/<n u64>
                    {n, delivery, request, dataset, org, by, purpose, height, time, tx_hash}

Every refusal names its rule ("request is pending, not approved", "approval ended at …",
"only members of the owner organisation 'rsj' may approve"). The readers at the end
(``get_*``, ``list_*``, ``audit_*``) need nothing but the state.

Consent gates: the owner of data about someone else (an enterprise's tax record, a household's
utility bills) may make the catalogue entry depend on that subject's consent, kept by a
scenario contract: ``data.offer`` with ``gate: <contract>``. Then ``data.request``,
``data.approve``, ``data.deliver`` and ``data.access`` of the entry run the contract's view
``data_consent(request)`` inside the block (read-only, at most :data:`GATE_GAS` gas, the block's
height and time), with ``request`` = {action, request, dataset, owner, requester_org, purpose,
fields, until} (``until`` the window the step would use, ms; ``request`` the id in hex, ``""``
for a new request). A view that reverts refuses the step (``unauthorized``, with the view's
message: the contract names its rule); a gate that cannot run (contract not active, no such
view, out of gas) fails it (``tx_failed``). So a revoked or expired consent stops deliveries
and accesses at once, without the owner having to revoke the grant.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Any, ClassVar

from wuyi.abc import KVReader
from wuyi.crypto import format_address
from wuyi.encoding import decode_trusted
from wuyi.exceptions import (
    ContractRevert,
    CryptoError,
    NotFound,
    TxFailed,
    Unauthorized,
    ValidationError,
)
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.params import ChainParams

__all__ = [
    "DATA_HANDLERS",
    "DATA_ROLES",
    "DataAccessHandler",
    "DataApproveHandler",
    "DataDeliverHandler",
    "DataOfferHandler",
    "DataRejectHandler",
    "DataRequestHandler",
    "DataRevokeHandler",
    "DataWithdrawHandler",
    "audit_dataset",
    "audit_requester",
    "check_gate",
    "format_ms",
    "get_dataset",
    "get_delivery",
    "get_request",
    "is_valid_enc_key",
    "list_accesses",
    "list_datasets",
    "list_requests",
]

#: Roles that may offer, withdraw, approve, reject and revoke for their organisation.
DATA_ROLES = ("admin", "data")
KINDS = ("dataset", "interface")
ID_LEN = 16
MAX_TEXT = 256
MAX_DESCRIPTION = 2000
MAX_PURPOSE = 500
MAX_FIELDS = 200
MAX_LOCATION = 1024
MAX_SIZE = 2**40
_DATASET_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_BLOB_LOCATION = re.compile(r"^blob:[0-9a-f]{64}$")
_URL_LOCATION = re.compile(r"^https?://[^\s]+$")
#: the view a consent gate runs, and the gas one run may use (the transaction pays none)
GATE_METHOD = "data_consent"
GATE_GAS = 2_000_000


def format_ms(ms: int) -> str:
    """A block time (ms since the epoch) as ISO 8601 UTC, e.g. ``2025-11-27T00:00:10.000Z``.
    Pure: it formats the given number, it never reads a clock."""
    t = _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# -- payload checks ------------------------------------------------------------------------------


def _text(payload: dict[str, Any], name: str, kind: str, lo: int, hi: int) -> None:
    n = len(payload[name])
    if not lo <= n <= hi:
        raise ValidationError(f"{kind}: {name} must be {lo}-{hi} characters, got {n}", field=name)


def _id16(payload: dict[str, Any], name: str, kind: str) -> None:
    if len(payload[name]) != ID_LEN:
        raise ValidationError(f"{kind}: {name} must be a {ID_LEN}-byte id", field=name)


def _field_names(names: list[Any], kind: str) -> None:
    if not 1 <= len(names) <= MAX_FIELDS:
        raise ValidationError(f"{kind}: fields must list 1-{MAX_FIELDS} names", field="fields")
    for f in names:
        if not isinstance(f, str) or not _FIELD_NAME.match(f):
            raise ValidationError(
                f"{kind}: field name {f!r} must be 1-64 chars of letters, digits, '_', '.' or"
                " '-', starting with a letter or '_'",
                field="fields",
            )
    if len(set(names)) != len(names):
        raise ValidationError(f"{kind}: fields contain duplicates", field="fields")


def is_valid_enc_key(suite_name: str, key: bytes) -> bool:
    """Is ``key`` a key-agreement public key for a chain of ``suite_name``: X25519 (32 bytes,
    not all zero) for ``intl``; an SM2 point ``04||x||y`` on the curve for ``sm``."""
    if suite_name == "sm":
        from wuyi.crypto import SM_SUITE

        try:
            SM_SUITE.validate_public_key(key)
        except CryptoError:
            return False
        return True
    return len(key) == 32 and any(key)


def _enc_key(chain: ChainSpec, payload: dict[str, Any], name: str, kind: str) -> None:
    if not is_valid_enc_key(chain.suite.name, payload[name]):
        want = (
            "an SM2 public key 04||x||y (65 bytes) on the curve"
            if chain.suite.name == "sm"
            else "an X25519 public key (32 bytes, not all zero)"
        )
        raise ValidationError(f"{kind}: {name} must be {want}", field=name)


# -- state helpers -------------------------------------------------------------------------------


def _get(state: Any, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def _found(state: KVReader, key: bytes, missing: str) -> dict[str, Any]:
    """The record at ``key``; :class:`NotFound` with ``missing`` if there is none."""
    rec: dict[str, Any] | None = _get(state, key)
    if rec is None:
        raise NotFound(missing)
    return rec


def _matching(state: KVReader, prefix: bytes, **want: str | None) -> list[dict[str, Any]]:
    """The records under ``prefix`` whose every field in ``want`` equals it (``None``: any)."""
    out = []
    for _, raw in state.iter_prefix(prefix):
        rec = decode_trusted(raw)
        if all(v in (None, rec[k]) for k, v in want.items()):
            out.append(rec)
    return out


def _or_fail(ctx: ExecContext, key: bytes, missing: str) -> dict[str, Any]:
    """The object at ``key`` in the block's state; :class:`TxFailed` with ``missing`` if none."""
    rec: dict[str, Any] | None = ctx.state.get_obj(key)
    if rec is None:
        raise TxFailed(missing)
    return rec


def _dataset_or_fail(ctx: ExecContext, dataset_id: str) -> dict[str, Any]:
    return _or_fail(
        ctx, keys.data_set_key(dataset_id), f"no dataset '{dataset_id}' in the catalogue"
    )


def _offered_dataset_or_fail(ctx: ExecContext, dataset_id: str) -> dict[str, Any]:
    """The dataset ``dataset_id``, which must still be offered."""
    ds = _dataset_or_fail(ctx, dataset_id)
    if ds["status"] != "offered":
        raise TxFailed(f"dataset '{ds['id']}' is {ds['status']}, not offered")
    return ds


def _request_or_fail(ctx: ExecContext) -> dict[str, Any]:
    rid = ctx.tx.payload["request"]
    return _or_fail(ctx, keys.data_request_key(rid), f"no data request {rid.hex()}")


def _require_status(rec: dict[str, Any], want: str, hint: str = "") -> None:
    if rec["status"] != want:
        raise TxFailed(f"request is {rec['status']}, not {want}{hint}")


def _require_future(ctx: ExecContext, until: int) -> None:
    if until <= ctx.time:
        raise TxFailed(
            f"until {format_ms(until)} is not after the block time {format_ms(ctx.time)}"
        )


def _require_window(ctx: ExecContext, req: dict[str, Any]) -> None:
    if ctx.time >= req["approved_until"]:
        raise TxFailed(
            f"approval ended at {format_ms(req['approved_until'])}"
            f" (block time {format_ms(ctx.time)})"
        )


def _require_owner_member(
    ctx: ExecContext, owner: str, verb: str, roles: tuple[str, ...] = DATA_ROLES
) -> dict[str, Any]:
    m = ctx.require_member()
    if m["org"] != owner:
        raise Unauthorized(f"only members of the owner organisation '{owner}' may {verb}")
    if roles and not set(roles) & set(m["roles"]):
        raise Unauthorized(
            f"to {verb} a member of '{owner}' needs one of the roles {list(roles)},"
            f" has {m['roles']}"
        )
    return m


def _log(ctx: ExecContext, req: dict[str, Any], action: str, **extra: Any) -> None:
    req["decided_by"] = ctx.sender_address
    req["decided_height"] = ctx.height
    req["log"].append(
        {"action": action, "by": ctx.sender_address, "height": ctx.height, "time": ctx.time} | extra
    )


def _gate_contract(ctx: ExecContext, name: str) -> None:
    """``name`` is an active contract with the view :data:`GATE_METHOD`."""
    from wuyi.ledger.handlers.contracts import get_contract  # contracts.py imports much

    try:
        meta = get_contract(ctx.state, name)
    except NotFound:
        raise TxFailed(f"consent gate: no contract '{name}'") from None
    if meta["status"] != "active":
        raise TxFailed(f"consent gate: contract '{name}' is {meta['status']}, not active")
    m = meta["abi"]["methods"].get(GATE_METHOD)
    if m is None or m["kind"] != "view":
        raise TxFailed(f"consent gate: contract '{name}' has no view '{GATE_METHOD}'")


def check_gate(
    ctx: ExecContext, ds: dict[str, Any], action: str, req: dict[str, Any], until: int
) -> None:
    """Run the consent gate of dataset ``ds`` (if it has one) for ``action`` on request
    ``req`` (the record, or the request being made) with the window ``until`` (ms): refuse
    with the contract's own message when its view reverts (module docstring)."""
    from wuyi.ledger.handlers.contracts import query_contract

    name = ds.get("gate") or ""
    if not name:
        return
    _gate_contract(ctx, name)
    rid = req.get("id")
    view = {
        "action": action,
        "request": rid.hex() if isinstance(rid, bytes) else "",
        "dataset": ds["id"],
        "owner": ds["owner"],
        "requester_org": req["requester_org"],
        "purpose": req["purpose"],
        "fields": list(req["fields"]),
        "until": until,
    }
    try:
        query_contract(
            ctx.chain,
            ctx.state,
            name,
            GATE_METHOD,
            {"request": view},
            height=ctx.height,
            time=ctx.time,
            gas_limit=GATE_GAS,
        )
    except ContractRevert as exc:
        raise Unauthorized(f"consent gate '{name}': {exc.message}", gate=name) from None
    except (TxFailed, NotFound, ValidationError) as exc:
        raise TxFailed(f"consent gate '{name}' could not run: {exc.message}", gate=name) from None


# -- handlers ------------------------------------------------------------------------------------


class DataOfferHandler(Handler):
    kind = "data.offer"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "id": (str, True),
        "title": (str, True),
        "description": (str, True),
        "kind": (str, True),
        "fields": (list, True),
        "endpoint": (str, False),
        "gate": (str, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        if not _DATASET_ID.match(payload["id"]):
            raise ValidationError(
                f"data.offer: id {payload['id']!r} must match [a-z0-9][a-z0-9._-]{{2,63}}",
                field="id",
            )
        _text(payload, "title", self.kind, 1, MAX_TEXT)
        _text(payload, "description", self.kind, 0, MAX_DESCRIPTION)
        if payload["kind"] not in KINDS:
            raise ValidationError(
                f"data.offer: kind must be one of {list(KINDS)}, got {payload['kind']!r}",
                field="kind",
            )
        _field_names(payload["fields"], self.kind)
        endpoint = payload.get("endpoint", "")
        if endpoint and (len(endpoint) > MAX_LOCATION or not _URL_LOCATION.match(endpoint)):
            raise ValidationError(
                f"data.offer: endpoint must be an http(s) URL of at most {MAX_LOCATION} chars",
                field="endpoint",
            )
        if payload["kind"] == "interface" and not endpoint:
            raise ValidationError("data.offer: an interface needs an endpoint", field="endpoint")
        gate = payload.get("gate", "")
        if gate:
            from wuyi.ledger.handlers.contracts import validate_contract_name

            validate_contract_name(gate, "gate")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        did = ctx.tx.payload["id"]
        rec = ctx.state.get_obj(keys.data_set_key(did))
        if rec is not None:
            raise TxFailed(
                f"dataset id '{did}' is already used (offered by '{rec['owner']}' at height"
                f" {rec['height']}); ids are never reused"
            )
        gate = ctx.tx.payload.get("gate", "")
        if gate:
            _gate_contract(ctx, gate)

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(DATA_ROLES)

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        m = ctx.require_member(DATA_ROLES)
        rec = {
            "id": p["id"],
            "owner": m["org"],
            "title": p["title"],
            "description": p["description"],
            "kind": p["kind"],
            "fields": list(p["fields"]),
            "endpoint": p.get("endpoint", ""),
            "gate": p.get("gate", ""),
            "status": "offered",
            "height": ctx.height,
            "time": ctx.time,
            "offered_by": ctx.sender_address,
            "withdrawn_by": None,
            "withdrawn_height": None,
            "withdrawn_time": None,
        }
        ctx.state.set_obj(keys.data_set_key(p["id"]), rec)
        ctx.emit("data.offered", id=p["id"], owner=m["org"])


class DataWithdrawHandler(Handler):
    kind = "data.withdraw"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"id": (str, True)}

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = _dataset_or_fail(ctx, ctx.tx.payload["id"])
        if rec["status"] != "offered":
            raise TxFailed(f"dataset '{rec['id']}' is already {rec['status']}")

    def authorize(self, ctx: ExecContext) -> None:
        rec = _dataset_or_fail(ctx, ctx.tx.payload["id"])
        _require_owner_member(ctx, rec["owner"], "withdraw it")

    def apply(self, ctx: ExecContext) -> None:
        key = keys.data_set_key(ctx.tx.payload["id"])
        rec = ctx.state.get_obj(key)
        rec["status"] = "withdrawn"
        rec["withdrawn_by"] = ctx.sender_address
        rec["withdrawn_height"] = ctx.height
        rec["withdrawn_time"] = ctx.time
        ctx.state.set_obj(key, rec)
        ctx.emit("data.withdrawn", id=rec["id"], owner=rec["owner"])


class DataRequestHandler(Handler):
    kind = "data.request"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "dataset": (str, True),
        "purpose": (str, True),
        "fields": (list, True),
        "until": (int, True),
        "enc_key": (bytes, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _text(payload, "purpose", self.kind, 1, MAX_PURPOSE)
        _field_names(payload["fields"], self.kind)
        if payload["until"] <= 0:
            raise ValidationError("data.request: until must be a time in ms", field="until")
        _enc_key(chain, payload, "enc_key", self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        ds = _offered_dataset_or_fail(ctx, p["dataset"])
        unknown = [f for f in p["fields"] if f not in ds["fields"]]
        if unknown:
            raise TxFailed(f"dataset '{ds['id']}' does not offer the fields {unknown}")
        _require_future(ctx, p["until"])

    def authorize(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        m = ctx.require_member()
        ds = _dataset_or_fail(ctx, p["dataset"])
        if m["org"] == ds["owner"]:
            raise Unauthorized(
                f"organisation '{ds['owner']}' owns dataset '{ds['id']}'; only members of"
                " other organisations may request it"
            )
        check_gate(ctx, ds, "request", {"requester_org": m["org"], **p}, p["until"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        m = ctx.require_member()
        ds = _dataset_or_fail(ctx, p["dataset"])
        rid = ctx.tx_hash[:ID_LEN]
        rec = {
            "id": rid,
            "dataset": ds["id"],
            "owner": ds["owner"],
            "requester_org": m["org"],
            "requester": ctx.sender_address,
            "purpose": p["purpose"],
            "fields": list(p["fields"]),
            "until": p["until"],
            "enc_key": p["enc_key"],
            "gate": ds.get("gate") or "",
            "status": "pending",
            "decided_by": None,
            "decided_height": None,
            "approved_until": None,
            "deliveries": [],
            "accesses": 0,
            "height": ctx.height,
            "time": ctx.time,
            "tx_hash": ctx.tx_hash,
            "log": [],
        }
        ctx.state.set_obj(keys.data_request_key(rid), rec)
        ctx.emit("data.requested", id=rid, dataset=ds["id"], requester_org=m["org"])


class _RecordHandler(Handler):
    """A transaction on an existing request (or delivery): its 16-byte id is ``id_field``."""

    id_field: ClassVar[str] = "request"

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _id16(payload, self.id_field, self.kind)


class _DecisionHandler(_RecordHandler):
    """approve / reject / revoke: an ``admin``/``data`` member of the owner organisation."""

    verb: ClassVar[str] = ""

    def authorize(self, ctx: ExecContext) -> None:
        req = _request_or_fail(ctx)
        _require_owner_member(ctx, req["owner"], self.verb)

    def decide(
        self, ctx: ExecContext, status: str, sets: dict[str, Any] | None = None, **entry: Any
    ) -> dict[str, Any]:
        """Set the request's ``status`` (and the fields ``sets``), log the decision (with
        ``entry``) and store it."""
        req = _request_or_fail(ctx)
        req["status"] = status
        req.update(sets or {})
        _log(ctx, req, status, **entry)
        ctx.state.set_obj(keys.data_request_key(req["id"]), req)
        return req


class DataApproveHandler(_DecisionHandler):
    kind = "data.approve"
    verb = "approve"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "request": (bytes, True),
        "until": (int, True),
    }

    def dynamic_validate(self, ctx: ExecContext) -> None:
        req = _request_or_fail(ctx)
        _require_status(req, "pending")
        until = ctx.tx.payload["until"]
        _offered_dataset_or_fail(ctx, req["dataset"])
        _require_future(ctx, until)
        if until > req["until"]:
            raise TxFailed(
                f"approval until {format_ms(until)} is later than the requested until"
                f" {format_ms(req['until'])}"
            )

    def authorize(self, ctx: ExecContext) -> None:
        super().authorize(ctx)
        req = _request_or_fail(ctx)
        ds = _dataset_or_fail(ctx, req["dataset"])
        check_gate(ctx, ds, "approve", req, ctx.tx.payload["until"])

    def apply(self, ctx: ExecContext) -> None:
        until = ctx.tx.payload["until"]
        req = self.decide(ctx, "approved", {"approved_until": until}, until=until)
        ctx.emit("data.approved", id=req["id"], dataset=req["dataset"], until=until)


class DataRejectHandler(_DecisionHandler):
    kind = "data.reject"
    verb = "reject"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "request": (bytes, True),
        "reason": (str, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _text(payload, "reason", self.kind, 1, MAX_PURPOSE)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        _require_status(_request_or_fail(ctx), "pending")

    def apply(self, ctx: ExecContext) -> None:
        req = self.decide(ctx, "rejected", reason=ctx.tx.payload["reason"])
        ctx.emit("data.rejected", id=req["id"], dataset=req["dataset"])


class DataRevokeHandler(_DecisionHandler):
    kind = "data.revoke"
    verb = "revoke"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {"request": (bytes, True)}

    def dynamic_validate(self, ctx: ExecContext) -> None:
        req = _request_or_fail(ctx)
        hint = "; reject a pending request instead" if req["status"] == "pending" else ""
        _require_status(req, "approved", hint)

    def apply(self, ctx: ExecContext) -> None:
        req = self.decide(ctx, "revoked")
        ctx.emit("data.revoked", id=req["id"], dataset=req["dataset"])


class DataDeliverHandler(_RecordHandler):
    kind = "data.deliver"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "request": (bytes, True),
        "ciphertext_hash": (bytes, True),
        "size": (int, True),
        "location": (str, True),
        "sender_key": (bytes, True),
        "commitment": (bytes, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        for name in ("ciphertext_hash", "commitment"):
            if len(payload[name]) != 32:
                raise ValidationError(f"data.deliver: {name} must be 32 bytes", field=name)
        if not 0 < payload["size"] <= MAX_SIZE:
            raise ValidationError(f"data.deliver: size must be 1-{MAX_SIZE} bytes", field="size")
        loc = payload["location"]
        if len(loc) > MAX_LOCATION:
            raise ValidationError(
                f"data.deliver: location longer than {MAX_LOCATION} characters", field="location"
            )
        if loc.startswith("blob:"):
            if not _BLOB_LOCATION.match(loc):
                raise ValidationError(
                    "data.deliver: location must be blob:<64 lower-case hex digits>",
                    field="location",
                )
            if loc[5:] != payload["ciphertext_hash"].hex():
                raise ValidationError(
                    "data.deliver: location blob:<hex> must name the ciphertext_hash",
                    field="location",
                )
        elif not _URL_LOCATION.match(loc):
            raise ValidationError(
                "data.deliver: location must be blob:<hex> or an http(s) URL", field="location"
            )
        _enc_key(chain, payload, "sender_key", self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        req = _request_or_fail(ctx)
        _require_status(req, "approved")
        _require_window(ctx, req)
        _offered_dataset_or_fail(ctx, req["dataset"])

    def authorize(self, ctx: ExecContext) -> None:
        req = _request_or_fail(ctx)
        _require_owner_member(ctx, req["owner"], "deliver", roles=())
        ds = _dataset_or_fail(ctx, req["dataset"])
        check_gate(ctx, ds, "deliver", req, req["approved_until"])

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        req = _request_or_fail(ctx)
        did = ctx.tx_hash[:ID_LEN]
        rec = {
            "id": did,
            "request": req["id"],
            "dataset": req["dataset"],
            "owner": req["owner"],
            "requester_org": req["requester_org"],
            "ciphertext_hash": p["ciphertext_hash"],
            "size": p["size"],
            "location": p["location"],
            "sender_key": p["sender_key"],
            "commitment": p["commitment"],
            "delivered_by": ctx.sender_address,
            "height": ctx.height,
            "time": ctx.time,
            "tx_hash": ctx.tx_hash,
            "accesses": 0,
        }
        ctx.state.set_obj(keys.data_delivery_key(did), rec)
        req["deliveries"].append(did)
        ctx.state.set_obj(keys.data_request_key(req["id"]), req)
        ctx.emit("data.delivered", id=did, request=req["id"], ciphertext_hash=p["ciphertext_hash"])


class DataAccessHandler(_RecordHandler):
    kind = "data.access"
    id_field = "delivery"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "delivery": (bytes, True),
        "purpose": (str, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _text(payload, "purpose", self.kind, 1, MAX_PURPOSE)

    def _delivery(self, ctx: ExecContext) -> dict[str, Any]:
        did = ctx.tx.payload["delivery"]
        return _or_fail(ctx, keys.data_delivery_key(did), f"no delivery {did.hex()}")

    def dynamic_validate(self, ctx: ExecContext) -> None:
        dlv = self._delivery(ctx)
        req = ctx.state.get_obj(keys.data_request_key(dlv["request"]))
        _require_status(req, "approved")
        _require_window(ctx, req)

    def authorize(self, ctx: ExecContext) -> None:
        dlv = self._delivery(ctx)
        m = ctx.require_member()
        if m["org"] != dlv["requester_org"]:
            raise Unauthorized(
                f"only members of the requesting organisation '{dlv['requester_org']}'"
                " may access this delivery"
            )
        req = ctx.state.get_obj(keys.data_request_key(dlv["request"]))
        ds = _dataset_or_fail(ctx, dlv["dataset"])
        check_gate(ctx, ds, "access", req, req["approved_until"])

    def apply(self, ctx: ExecContext) -> None:
        dlv = self._delivery(ctx)
        m = ctx.require_member()
        req = ctx.state.get_obj(keys.data_request_key(dlv["request"]))
        n = dlv["accesses"]
        rec = {
            "n": n,
            "delivery": dlv["id"],
            "request": dlv["request"],
            "dataset": dlv["dataset"],
            "org": m["org"],
            "by": ctx.sender_address,
            "purpose": ctx.tx.payload["purpose"],
            "height": ctx.height,
            "time": ctx.time,
            "tx_hash": ctx.tx_hash,
        }
        ctx.state.set_obj(keys.data_access_key(dlv["id"], n), rec)
        dlv["accesses"] = n + 1
        ctx.state.set_obj(keys.data_delivery_key(dlv["id"]), dlv)
        req["accesses"] += 1
        ctx.state.set_obj(keys.data_request_key(req["id"]), req)
        ctx.emit("data.accessed", delivery=dlv["id"], n=n, org=m["org"])


DATA_HANDLERS: tuple[Handler, ...] = (
    DataOfferHandler(),
    DataWithdrawHandler(),
    DataRequestHandler(),
    DataApproveHandler(),
    DataRejectHandler(),
    DataRevokeHandler(),
    DataDeliverHandler(),
    DataAccessHandler(),
)


# -- readers (state only) ------------------------------------------------------------------------


def get_dataset(state: KVReader, dataset_id: str) -> dict[str, Any]:
    """The catalogue entry ``dataset_id``; :class:`NotFound` if there is none."""
    return _found(
        state, keys.data_set_key(dataset_id), f"no dataset '{dataset_id}' in the catalogue"
    )


def list_datasets(
    state: KVReader, owner: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Catalogue entries in id order, optionally of one ``owner`` / with one ``status``."""
    return _matching(state, keys.DATA_SET_PREFIX, owner=owner, status=status)


def get_request(state: KVReader, request_id: bytes) -> dict[str, Any]:
    return _found(state, keys.data_request_key(request_id), f"no data request {request_id.hex()}")


def list_requests(
    state: KVReader, dataset: str | None = None, requester_org: str | None = None
) -> list[dict[str, Any]]:
    """Requests in the order they were made (height; id within a block)."""
    out = _matching(state, keys.DATA_REQUEST_PREFIX, dataset=dataset, requester_org=requester_org)
    out.sort(key=lambda r: (r["height"], r["id"]))
    return out


def get_delivery(state: KVReader, delivery_id: bytes) -> dict[str, Any]:
    return _found(state, keys.data_delivery_key(delivery_id), f"no delivery {delivery_id.hex()}")


def list_accesses(state: KVReader, delivery_id: bytes) -> list[dict[str, Any]]:
    """The access records of a delivery, in order (``n`` = 0, 1, ...)."""
    return [
        decode_trusted(raw) for _, raw in state.iter_prefix(keys.data_access_prefix(delivery_id))
    ]


# -- audit ---------------------------------------------------------------------------------------

# Within one block, events sort in the order the rules allow them to happen.
_ORDER = {
    "offered": 0,
    "requested": 1,
    "approved": 2,
    "rejected": 2,
    "delivered": 3,
    "accessed": 4,
    "revoked": 5,
    "withdrawn": 6,
}


def _addr(a: bytes | None) -> str | None:
    return None if a is None else format_address(a)


def _request_trail(state: KVReader, req: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The request with its deliveries and accesses nested, and its flat list of events."""
    rid = req["id"]
    events: list[dict[str, Any]] = [
        {
            "action": "requested",
            "height": req["height"],
            "time": req["time"],
            "org": req["requester_org"],
            "by": _addr(req["requester"]),
            "dataset": req["dataset"],
            "request": rid,
            "purpose": req["purpose"],
            "fields": list(req["fields"]),
            "until": req["until"],
        }
    ]
    for entry in req["log"]:
        ev = {
            "action": entry["action"],
            "height": entry["height"],
            "time": entry["time"],
            "org": req["owner"],
            "by": _addr(entry["by"]),
            "dataset": req["dataset"],
            "request": rid,
        }
        for k in ("until", "reason"):
            if k in entry:
                ev[k] = entry[k]
        events.append(ev)
    deliveries = []
    for did in req["deliveries"]:
        dlv = get_delivery(state, did)
        accesses = list_accesses(state, did)
        deliveries.append({**dlv, "access_log": accesses})
        events.append(
            {
                "action": "delivered",
                "height": dlv["height"],
                "time": dlv["time"],
                "org": dlv["owner"],
                "by": _addr(dlv["delivered_by"]),
                "dataset": dlv["dataset"],
                "request": rid,
                "delivery": did,
                "ciphertext_hash": dlv["ciphertext_hash"],
                "commitment": dlv["commitment"],
                "size": dlv["size"],
                "location": dlv["location"],
            }
        )
        for acc in accesses:
            events.append(
                {
                    "action": "accessed",
                    "height": acc["height"],
                    "time": acc["time"],
                    "org": acc["org"],
                    "by": _addr(acc["by"]),
                    "dataset": acc["dataset"],
                    "request": rid,
                    "delivery": did,
                    "n": acc["n"],
                    "purpose": acc["purpose"],
                    "tx_hash": acc["tx_hash"],
                }
            )
    return {**req, "delivery_records": deliveries}, events


def _sorted(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(events, key=lambda e: (e["height"], _ORDER[e["action"]]))


def audit_dataset(state: KVReader, dataset_id: str) -> dict[str, Any]:
    """Everything the chain holds about one dataset: the entry, every request with its
    decisions, deliveries (hashes, location) and accesses (who, when, purpose), and one
    time-ordered list of ``events``. Addresses in events are ``wy…`` strings."""
    ds = get_dataset(state, dataset_id)
    events: list[dict[str, Any]] = [
        {
            "action": "offered",
            "height": ds["height"],
            "time": ds["time"],
            "org": ds["owner"],
            "by": _addr(ds["offered_by"]),
            "dataset": ds["id"],
            "title": ds["title"],
        }
    ]
    if ds["status"] == "withdrawn":
        events.append(
            {
                "action": "withdrawn",
                "height": ds["withdrawn_height"],
                "time": ds["withdrawn_time"],
                "org": ds["owner"],
                "by": _addr(ds["withdrawn_by"]),
                "dataset": ds["id"],
            }
        )
    requests = []
    for req in list_requests(state, dataset=dataset_id):
        full, evs = _request_trail(state, req)
        requests.append(full)
        events.extend(evs)
    accesses = sum(r["accesses"] for r in requests)
    return {
        "dataset": ds,
        "requests": requests,
        "events": _sorted(events),
        "summary": {
            "requests": len(requests),
            "approved": sum(
                1 for r in requests if any(e["action"] == "approved" for e in r["log"])
            ),
            "deliveries": sum(len(r["deliveries"]) for r in requests),
            "accesses": accesses,
        },
    }


def audit_requester(state: KVReader, org: str) -> dict[str, Any]:
    """Everything one organisation asked for and used: each request (dataset, purpose,
    decisions), each delivery it received and each access its members recorded, with one
    time-ordered list of ``events``."""
    requests = []
    events: list[dict[str, Any]] = []
    for req in list_requests(state, requester_org=org):
        full, evs = _request_trail(state, req)
        requests.append(full)
        events.extend(evs)
    return {
        "org": org,
        "requests": requests,
        "events": _sorted(events),
        "summary": {
            "requests": len(requests),
            "datasets": sorted({r["dataset"] for r in requests}),
            "deliveries": sum(len(r["deliveries"]) for r in requests),
            "accesses": sum(r["accesses"] for r in requests),
        },
    }
