"""What every scenario's API routes share, and their mounting from the registry.

Each scenario's ``api.py`` (``wuyi/scenarios/<name>/api.py``) builds an ``APIRouter`` with
``router(node)``; :func:`add_scenario_routes` includes those of the registered scenarios and
adds the routes of the governed parameters of every scenario contract that has them
(``/v1/scenarios/{contract}/params``). The e-certificates and their public check are in
:mod:`wuyi.api.certificates`.

Reads only: every write is an ordinary signed ``contract.call`` posted to ``/v1/txs`` (each
scenario's SDK builds them). The routes read the contracts' own state (lists, by key prefix)
and run their ``@view`` methods exactly as ``POST /v1/contracts/{name}/query`` does, on the
latest committed block (:class:`ScenarioReader`). A contract that is not deployed under its
name answers a 404 problem naming it. Byte strings are lowercase hex. The routes are listed in
``docs/scenarios/api.md``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.paging import CURSOR, limit_query, paginate
from wuyi.api.reads import SIGNED_READ_RESPONSES, Allow, citizen, member_of, signed_read
from wuyi.api.wire import hexify
from wuyi.encoding import decode_trusted
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger.handlers.contracts import meta_key, query_contract, state_prefix
from wuyi.node.node import Node
from wuyi.scenarios import Scenario, all_scenarios

__all__ = [
    "ItemPage",
    "PresentationRequest",
    "Record",
    "ScenarioReader",
    "SignedRead",
    "add_did_list_route",
    "add_id_route",
    "add_list_route",
    "add_record_route",
    "add_scenario_routes",
    "check_did",
    "id_path",
    "reading",
    "signed_get",
]

MAX_QUERY_GAS = 10_000_000
F = TypeVar("F", bound=Callable[..., Any])
TAGS: list[str | Enum] = ["scenarios"]


# -- response bodies -----------------------------------------------------------------------------


class Record(BaseModel):
    """A contract record rendered as JSON (fields in the scenario's README); extra fields
    pass."""

    model_config = ConfigDict(extra="allow")


class ItemPage(BaseModel):
    items: list[dict[str, Any]]
    next: str | None = None
    height: int


class PresentationRequest(BaseModel):
    """What a wallet presents to a scenario contract (the KB-JWT's ``aud`` and ``nonce``)."""

    contract: str
    method: str
    did: str
    audience: str = Field(description="the KB-JWT aud: did:wuyi:org:<verifier>")
    verifier: str = Field(description="the organisation the holder consents to")
    nonce: str
    types: list[str]
    claims: list[str]
    purpose: str = Field(description="a purpose text for the consent")
    height: int


class ParamOut(BaseModel):
    name: str
    value: Any = Field(description="the value in force at the latest block")
    pending: bool = Field(description="the latest change takes effect from a later block")
    latest: dict[str, Any] = Field(description="the latest change record")


class ParamList(BaseModel):
    contract: str
    params: list[ParamOut]
    height: int


class ParamHistory(BaseModel):
    contract: str
    name: str
    items: list[dict[str, Any]] = Field(description="every change, oldest first, with author")
    height: int


# -- reading the contracts ------------------------------------------------------------------------


class ScenarioReader:
    """The scenario contracts on one committed snapshot ``v`` of ``node``'s state."""

    def __init__(self, node: Node, v: Any) -> None:
        self.node = node
        self.v = v
        self.height: int = v.height

    @property
    def time(self) -> int:
        """The time of the snapshot's block (ms)."""
        t: int = self.v.get_header(self.height).time
        return t

    def totals(self, name: str, method: str) -> dict[str, Any]:
        """What ``@view`` ``method`` of contract ``name`` answers (a dict: a dashboard's
        totals), with the height and time of the block it was read at."""
        return {**self.view(name, method), "height": self.height, "time": self.time}

    def deployed(self, name: str) -> bool:
        raw = self.v.get(meta_key(name))
        return raw is not None and decode_trusted(raw)["status"] != "retired"

    def configured(self, name: str, field: str, *roles: str) -> Allow:
        """The members (with one of ``roles``, if given) of the organisation that contract
        ``name``'s ``config`` view names under ``field`` (e.g. its regulator)."""
        return member_of(str(self.view(name, "config")[field]), roles=roles)

    def require(self, name: str) -> None:
        if not self.deployed(name):
            raise NotFound(
                f"contract '{name}' is not deployed on this chain (deploy it through governance"
                " as docs/scenarios/api.md shows)",
                field="contract",
            )

    def get(self, name: str, key: str) -> Any:
        raw = self.v.get(state_prefix(name) + key.encode("utf-8", "surrogatepass"))
        return None if raw is None else decode_trusted(raw)

    def record(self, name: str, key: str, missing: str, field: str) -> dict[str, Any]:
        """The record under ``key`` of contract ``name``, or a 404 saying ``missing``."""
        rec = self.get(name, key)
        if rec is None:
            raise NotFound(missing, field=field)
        out: dict[str, Any] = rec
        return out

    def items(self, name: str, prefix: str) -> Iterator[tuple[str, Any]]:
        base = state_prefix(name)
        for k, raw in self.v.iter_prefix(base + prefix.encode("utf-8", "surrogatepass")):
            yield k[len(base) :].decode("utf-8", "replace"), decode_trusted(raw)

    def view(self, name: str, method: str, /, **args: Any) -> Any:
        """Run ``@view`` ``method`` as ``POST /v1/contracts/{name}/query`` does."""
        self.require(name)
        value, _ = query_contract(
            self.node.chain,
            self.v,
            name,
            method,
            args,
            height=self.height,
            time=self.v.get_header(self.height).time,
            gas_limit=MAX_QUERY_GAS,
        )
        return value

    def page(
        self,
        items: Iterable[Any],
        *,
        limit: int,
        cursor: str | None,
        key: Callable[[Any], Any],
        descending: bool = False,
    ) -> dict[str, Any]:
        """``{items, next, height}``: one page of ``items`` (:func:`paginate`)."""
        page, nxt = paginate(items, limit=limit, cursor=cursor, key=key, descending=descending)
        return {"items": hexify(page), "next": nxt, "height": self.height}

    def newest_page(
        self, items: Iterable[Any], *, limit: int, cursor: str | None, key: str = "id"
    ) -> dict[str, Any]:
        """One page of records ``items`` given newest first, their ``key`` (``id``) the
        cursor: ``{items, next, height}``."""
        return self.page(items, limit=limit, cursor=cursor, key=lambda v: v[key], descending=True)

    def latest_page(
        self, items: Iterable[Any], *, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """One page of records ``items``, the latest first (by ``height``, then ``id``):
        ``{items, next, height}``."""
        ordered = sorted(items, key=lambda v: (v["height"], v["id"]), reverse=True)
        return self.page(
            ordered,
            limit=limit,
            cursor=cursor,
            key=lambda v: [v["height"], v["id"]],
            descending=True,
        )

    def indexed(
        self,
        name: str,
        prefix: str,
        ids: Sequence[str],
        keep: Callable[[Any], bool] | None = None,
    ) -> Iterator[Any]:
        """The records ``<prefix><id>`` of contract ``name`` for ``ids`` (an index, oldest
        first), the newest first; missing ones, and those ``keep`` refuses, are left out."""
        for i in reversed(ids):
            v = self.get(name, prefix + i)
            if v is not None and (keep is None or keep(v)):
                yield v

    def ids(self, name: str, prefix: str) -> list[str]:
        """The ids of contract ``name``'s records ``<prefix><id>``, oldest first."""
        return [k.removeprefix(prefix) for k, _ in self.items(name, prefix)]

    def index(self, name: str, prefix: str) -> list[str]:
        """The ids an index of contract ``name`` holds under ``prefix`` (keys ending in
        ``/<id>``), oldest first."""
        return [k.rsplit("/", 1)[-1] for k, _ in self.items(name, prefix)]

    def newest_of(
        self,
        name: str,
        prefix: str,
        index: str | None,
        *,
        limit: int,
        cursor: str | None,
        keep: Callable[[Any], bool] | None = None,
    ) -> dict[str, Any]:
        """One page, newest first, of contract ``name``'s records ``<prefix><id>``: those
        the index under ``index`` lists, or all of them (``None``); ``keep`` filters."""
        ids = self.ids(name, prefix) if index is None else self.index(name, index)
        return self.newest_page(self.indexed(name, prefix, ids, keep), limit=limit, cursor=cursor)

    def newest_items(
        self,
        name: str,
        prefix: str,
        *,
        limit: int,
        cursor: str | None,
        key: str = "id",
        keep: Callable[[Any], bool] | None = None,
    ) -> dict[str, Any]:
        """One page, newest first, of contract ``name``'s records under ``prefix`` (stored
        oldest first), those ``keep`` accepts; their ``key`` (``id``) the cursor."""
        items = [v for _, v in self.items(name, prefix) if keep is None or keep(v)]
        items.reverse()
        return self.newest_page(items, limit=limit, cursor=cursor, key=key)

    def presentation_request(
        self, contract: str, method: str, did: str, req: dict[str, Any], nonce: str, purpose: str
    ) -> dict[str, Any]:
        """A :class:`PresentationRequest` from the contract's own request ``req``
        (``verifier``, ``types``, ``claims``) and its ``nonce``."""
        return {
            "contract": contract,
            "method": method,
            "did": did,
            "audience": "did:wuyi:org:" + req["verifier"],
            "verifier": req["verifier"],
            "nonce": nonce,
            "types": list(req["types"]),
            "claims": list(req["claims"]),
            "purpose": purpose,
            "height": self.height,
        }


@contextmanager
def reading(node: Node, contract: str | None = None) -> Iterator[ScenarioReader]:
    """A :class:`ScenarioReader` on the latest committed block (404 unless ``contract`` is
    deployed, when one is named)."""
    with node.store.snapshot() as v:
        s = ScenarioReader(node, v)
        if contract is not None:
            s.require(contract)
        yield s


def id_path(what: str) -> Any:
    """A path parameter holding an id (1-128 characters)."""
    return Path(min_length=1, max_length=128, description=what)


Parties = Callable[[ScenarioReader, dict[str, Any]], tuple[list[Allow], str]]
"""Who may read a personal record: ``(reader, record) -> (rules, subject)``."""


class SignedRead(NamedTuple):
    """A record route's signed read: ``what`` is read and its ``record`` name in the access
    log (``{id}``: the path's id), and the ``parties`` allowed (``wuyi.api.reads``)."""

    what: str
    record: str
    parties: Parties


def add_id_route(
    r: APIRouter,
    node: Node,
    path: str,
    contract: str,
    *,
    summary: str,
    help: str,
    answer: Callable[..., Any],
    operation: str,
    model: Any = None,
    personal: bool = False,
    check: Callable[[str], Any] | None = None,
    paged: bool = False,
    doc: str | None = None,
) -> None:
    """``GET path`` (one ``{<name>}`` parameter, described by ``help``): what
    ``answer(request, reader, id)`` makes of the id, read on the latest block (404 unless
    ``contract`` is deployed); ``check(id)`` first, if given, vets the id (it raises).
    ``paged``: the ``limit`` and ``cursor`` query parameters follow, passed on as
    ``answer(request, reader, id, limit, cursor)``. The response ``model`` is a
    :class:`Record` (a page: :class:`ItemPage`) unless given. ``personal``: a signed read
    (``answer`` checks it), its 401 and 403 answers in the OpenAPI responses. ``operation``
    names the route (its OpenAPI ``operationId``), ``doc`` describes it."""
    name = path[path.index("{") + 1 : path.index("}")]

    def read_record(request: Request, **kw: Any) -> Any:
        if check is not None:
            check(kw[name])
        with reading(node, contract) as s:
            return answer(request, s, kw[name], *([kw["limit"], kw["cursor"]] if paged else []))

    kw_only = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(name, kw_only, default=id_path(help), annotation=str),
    ]
    if paged:
        params.append(inspect.Parameter("limit", kw_only, default=limit_query(), annotation=int))
        params.append(inspect.Parameter("cursor", kw_only, default=CURSOR, annotation=str | None))
    read_record.__doc__ = doc
    read_record.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    extra: dict[str, Any] = {"responses": SIGNED_READ_RESPONSES} if personal else {}
    model = model or (ItemPage if paged else Record)
    r.get(path, response_model=model, summary=summary, name=operation, **extra)(read_record)


def add_record_route(
    r: APIRouter,
    node: Node,
    path: str,
    contract: str,
    prefix: str,
    *,
    summary: str,
    missing: str,
    help: str,
    guard: Callable[[Request, ScenarioReader, dict[str, Any]], None] | None = None,
    signed: SignedRead | None = None,
    height: bool = False,
    operation: str = "read_record",
    doc: str | None = None,
) -> None:
    """``GET path`` (one ``{<name>}`` parameter): the record ``<prefix><id>`` of ``contract``
    (bytes as hex; with the ``height`` read at, if asked), or a 404 saying ``missing``
    (``{id}`` is replaced) naming the parameter. A personal record is a signed read:
    ``signed`` names it and who may read it, or ``guard(request, reader, record)`` decides
    (it raises, or logs the read: ``wuyi.api.reads``). ``operation`` names the route (its
    OpenAPI ``operationId``), ``doc`` describes it."""
    name = path[path.index("{") + 1 : path.index("}")]

    def answer(request: Request, s: ScenarioReader, rid: str) -> Any:
        rec = s.record(contract, prefix + rid, missing.format(id=rid), name)
        if guard is not None:
            guard(request, s, rec)
        if signed is not None:
            allow, subject = signed.parties(s, rec)
            what, logged = signed.what.format(id=rid), signed.record.format(id=rid)
            signed_read(request, what, logged, allow, subject)
        return hexify({**rec, "height": s.height} if height else rec)

    personal = guard is not None or signed is not None
    add_id_route(
        r, node, path, contract, summary=summary, help=help, answer=answer,
        operation=operation, personal=personal, doc=doc,
    )  # fmt: skip


def add_list_route(
    r: APIRouter, node: Node, path: str, contract: str, prefix: str, *, operation: str, summary: str
) -> None:
    """``GET path``: a public list, a page of all of ``contract``'s records ``<prefix><id>``
    by id. ``operation`` names the route (its OpenAPI ``operationId``)."""

    def read_list(limit: int = limit_query(), cursor: str | None = CURSOR) -> Any:
        with reading(node, contract) as s:
            items = [v for _, v in s.items(contract, prefix)]
            return s.page(items, limit=limit, cursor=cursor, key=lambda v: v["id"])

    r.get(path, response_model=ItemPage, summary=summary, name=operation)(read_list)


def add_did_list_route(
    r: APIRouter,
    node: Node,
    path: str,
    contract: str,
    prefix: str,
    index: str,
    *,
    operation: str,
    summary: str,
    help: str,
    read: tuple[str, str],
    others: Sequence[Callable[[ScenarioReader], Allow]] = (),
    doc: str | None = None,
) -> None:
    """``GET path`` (parameter ``{did}``): a page, newest first, of the records
    ``<prefix><id>`` of ``contract`` that its index ``<index><did>/`` lists. A signed read of
    the citizen's own, or of the parties ``others(reader)``; ``read`` names what is read and
    its record in the access log (``{did}`` is replaced). ``operation`` names the route (its
    OpenAPI ``operationId``), ``doc`` describes it."""

    def read_did_list(
        request: Request,
        did: str = id_path(help),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        check_did(did)
        with reading(node, contract) as s:
            what, logged = read[0].format(did=did), read[1].format(did=did)
            signed_read(request, what, logged, [citizen(did), *[f(s) for f in others]], did)
            return s.newest_of(contract, prefix, f"{index}{did}/", limit=limit, cursor=cursor)

    read_did_list.__doc__ = doc
    r.get(
        path,
        response_model=ItemPage,
        responses=SIGNED_READ_RESPONSES,
        summary=summary,
        name=operation,
    )(read_did_list)


def signed_get(
    r: APIRouter, path: str, model: Any, summary: str, name: str | None = None
) -> Callable[[F], F]:
    """``@r.get(path)`` for a signed read (``wuyi.api.reads``): its response ``model``, its
    ``summary``, and the 401 and 403 answers in its OpenAPI responses; ``name`` names the route
    (its OpenAPI ``operationId``; default: the function's name)."""
    route: Callable[[F], F] = r.get(
        path, response_model=model, responses=SIGNED_READ_RESPONSES, summary=summary, name=name
    )
    return route


def group_router(prefix: str, node: Node, *groups: Callable[[APIRouter, Node], None]) -> APIRouter:
    """A router at ``prefix`` (tag ``scenarios``) holding the routes each of ``groups`` adds,
    in order: a scenario's ``router`` made of small route-group functions."""
    r = APIRouter(prefix=prefix, tags=["scenarios"])
    for add in groups:
        add(r, node)
    return r


def check_did(did: str, field: str = "did") -> str:
    if not did.startswith("did:wuyi:") or len(did) > 128:
        raise ValidationError(f"'{did[:64]}' is not a did:wuyi DID", field=field)
    return did


def _param_out(rec: dict[str, Any], height: int) -> dict[str, Any]:
    in_force = height >= rec["effective_height"]
    return {
        "name": rec["name"],
        "value": hexify(rec["value"] if in_force else rec["previous"]),
        "pending": not in_force,
        "latest": hexify(rec),
    }


# -- the routes ----------------------------------------------------------------------------------


def add_param_routes(r: APIRouter, node: Node, contracts: Sequence[str]) -> None:
    """``/scenarios/{contract}/params`` and a parameter's history, for ``contracts``."""
    if not contracts:
        return
    contract_enum = Enum("Contract", {c: c for c in contracts}, type=str)  # type: ignore[misc]

    def scenario_params(contract: Any) -> Any:
        name = str(contract.value)
        with reading(node, name) as s:
            params = [_param_out(rec, s.height) for _, rec in s.items(name, "param/")]
            return {"contract": name, "params": params, "height": s.height}

    def scenario_param_history(contract: Any, name: str = Path(min_length=1, max_length=64)) -> Any:
        c = str(contract.value)
        with reading(node, c) as s:
            if s.get(c, "param/" + name) is None:
                raise NotFound(f"'{c}' has no parameter '{name}'", field="name")
            items = s.view(c, "param_history", name=name)
            return {"contract": c, "name": name, "items": hexify(items), "height": s.height}

    # the path parameter is one of the registered contracts (an enum in the OpenAPI document)
    scenario_params.__annotations__["contract"] = contract_enum
    scenario_param_history.__annotations__["contract"] = contract_enum
    r.get(
        "/scenarios/{contract}/params",
        response_model=ParamList,
        tags=TAGS,
        summary="政策参数 / a scenario contract's policy parameters",
    )(scenario_params)
    r.get(
        "/scenarios/{contract}/params/{name}/history",
        response_model=ParamHistory,
        tags=TAGS,
        summary="参数变更记录 / every change of a parameter, with its author",
    )(scenario_param_history)


def add_scenario_routes(
    r: APIRouter, node: Node, scenarios: Sequence[Scenario] | None = None
) -> None:
    """Include the routes of ``scenarios`` (default: the registry's) and their parameters."""
    scenarios = all_scenarios() if scenarios is None else scenarios
    for s in scenarios:
        if s.has("api"):
            r.include_router(s.module("api").router(node))
    add_param_routes(r, node, [s.contract for s in scenarios if s.contract and s.params_owner])
