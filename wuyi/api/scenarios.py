"""API routes of the scenario contracts of issue 7: 不动产登记 (``realestate``), 住房网签
(``housing``), 人才引进落户 (``settlement``), their policy parameters, and the public check of
the e-certificates they produce (不动产权证书, 人才准予迁入).

Reads only: every write is an ordinary signed ``contract.call`` posted to ``/v1/txs`` (the SDK's
:mod:`wuyi.sdk.scenarios` builds them). The routes read the contracts' own state (lists, by
key prefix) and run their ``@view`` methods exactly as ``POST /v1/contracts/{name}/query``
does, on the latest committed block. A contract that is not deployed under its name answers a
404 problem naming it. Byte strings are lowercase hex. Nothing here is personal: the
contracts hold DIDs, hashes, prices and property data only.

The e-certificates these contracts record and their public check (``/v1/certs/...``) are in
:mod:`wuyi.api.certificates`. The routes are listed in ``docs/scenarios/api.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.paging import CURSOR, limit_query, paginate
from wuyi.api.wire import hexify
from wuyi.encoding import decode_trusted
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger.handlers.contracts import meta_key, query_contract, state_prefix
from wuyi.node.node import Node

__all__ = [
    "SCENARIO_CONTRACTS",
    "ScenarioReader",
    "add_scenario_routes",
]

REALESTATE, HOUSING, SETTLEMENT = "realestate", "housing", "settlement"
SCENARIO_CONTRACTS = (REALESTATE, HOUSING, SETTLEMENT)
MAX_QUERY_GAS = 10_000_000
ELIGIBILITY_PURPOSE = "购房资格审核 / purchase eligibility (住房网签)"
SETTLEMENT_PURPOSE = "人才引进落户申请 / talent settlement application"


# -- response bodies -----------------------------------------------------------------------------


class _Open(BaseModel):
    """A contract record rendered as JSON (fields in ``docs/scenarios/``); extra fields pass."""

    model_config = ConfigDict(extra="allow")


class ItemPage(BaseModel):
    items: list[dict[str, Any]]
    next: str | None = None
    height: int


class UnitDetail(_Open):
    id: str
    district: str
    listing: dict[str, Any] | None = Field(description="the housing listing, if any")
    filing: str | None = Field(description="the unit's active filed housing contract, or null")
    mortgages: list[dict[str, Any]] = Field(description="active mortgages, full records")
    seizures: list[dict[str, Any]] = Field(description="active seizures, full records")
    height: int


class UnitHistory(BaseModel):
    unit: str
    items: list[dict[str, Any]] = Field(description="every change, oldest first")
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


class Dashboard(BaseModel):
    counts: dict[str, int]
    total: int
    active_filings: int
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

    def deployed(self, name: str) -> bool:
        raw = self.v.get(meta_key(name))
        return raw is not None and decode_trusted(raw)["status"] != "retired"

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

    # -- records ---------------------------------------------------------------------------------

    def unit(self, unit_id: str) -> dict[str, Any]:
        self.require(REALESTATE)
        u = self.get(REALESTATE, "unit/" + unit_id)
        if u is None:
            raise NotFound(f"no unit '{unit_id}' in the real-estate registry", field="unit_id")
        out: dict[str, Any] = u
        return out


def _id(what: str) -> Any:
    return Path(min_length=1, max_length=128, description=what)


def _did(did: str, field: str = "did") -> str:
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


def add_scenario_routes(r: APIRouter, node: Node) -> None:
    def reader() -> Any:
        return node.store.snapshot()

    # -- 不动产登记 --------------------------------------------------------------------------------

    @r.get(
        "/realestate/units",
        response_model=ItemPage,
        tags=["scenarios"],
        summary="不动产单元 / real-estate units",
    )
    def units(
        district: str | None = Query(
            None, pattern=r"^\d{6}$", description="district code, e.g. 440703 (蓬江区)"
        ),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(REALESTATE)
            wanted = (
                u for _, u in s.items(REALESTATE, "unit/") if district in (None, u["district"])
            )
            page, nxt = paginate(wanted, limit=limit, cursor=cursor, key=lambda u: u["id"])
            return {"items": hexify(page), "next": nxt, "height": s.height}

    @r.get(
        "/realestate/units/{unit_id}",
        response_model=UnitDetail,
        tags=["scenarios"],
        summary="不动产单元 / one unit with listing, filing, mortgages, seizures",
    )
    def unit(unit_id: str = _id("不动产单元号, e.g. 440703-001-0001")) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            u = dict(s.unit(unit_id))
            u["mortgages"] = [s.get(REALESTATE, "mortgage/" + m["id"]) for m in u["mortgages"]]
            u["seizures"] = [s.get(REALESTATE, "seizure/" + x["id"]) for x in u["seizures"]]
            has_housing = s.deployed(HOUSING)
            u["listing"] = s.get(HOUSING, "listing/" + unit_id) if has_housing else None
            u["filing"] = s.get(HOUSING, "active/" + unit_id) if has_housing else None
            u["height"] = s.height
            return hexify(u)

    @r.get(
        "/realestate/units/{unit_id}/history",
        response_model=UnitHistory,
        tags=["scenarios"],
        summary="单元历史 / a unit's whole history across districts",
    )
    def unit_history(
        unit_id: str = _id("不动产单元号, e.g. 440703-001-0001"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.unit(unit_id)
            hist = (rec for _, rec in s.items(REALESTATE, f"hist/{unit_id}/"))
            page, nxt = paginate(hist, limit=limit, cursor=cursor, key=lambda e: e["seq"])
            return {"unit": unit_id, "items": hexify(page), "next": nxt, "height": s.height}

    @r.get(
        "/realestate/owners/{did}/units",
        response_model=ItemPage,
        tags=["scenarios"],
        summary="权利人的不动产 / the units a DID owns",
    )
    def owner_units(
        did: str = _id("a did:wuyi DID"), limit: int = limit_query(), cursor: str | None = CURSOR
    ) -> Any:
        _did(did)
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(REALESTATE)
            prefix = f"own/{did}/"
            owned = (
                {
                    "id": k[len(prefix) :],
                    **(s.get(REALESTATE, "unit/" + k[len(prefix) :]) or {}),
                    "share": share,
                }
                for k, share in s.items(REALESTATE, prefix)
            )
            page, nxt = paginate(owned, limit=limit, cursor=cursor, key=lambda u: u["id"])
            return {"items": hexify(page), "next": nxt, "height": s.height}

    @r.get(
        "/realestate/certs/{cert_id}",
        response_model=_Open,
        tags=["scenarios"],
        summary="不动产权证书记录 / an ownership certificate record",
    )
    def realestate_cert(cert_id: str = _id("certificate id")) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(REALESTATE)
            rec = s.get(REALESTATE, "cert/" + cert_id)
            if rec is None:
                raise NotFound(f"no certificate '{cert_id}' in the registry", field="cert_id")
            return hexify({"credentials": [], **rec})

    # -- 住房网签 ---------------------------------------------------------------------------------

    @r.get(
        "/housing/contracts",
        response_model=ItemPage,
        tags=["scenarios"],
        summary="网签合同 / housing contracts, newest first",
    )
    def housing_contracts(
        status: Literal["draft", "eligible", "signed", "filed", "completed", "cancelled"]
        | None = Query(None, description="only contracts in this status"),
        unit: str | None = Query(None, max_length=128, description="only this unit's contracts"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(HOUSING)
            if unit is None:
                ids = [k.removeprefix("contract/") for k, _ in s.items(HOUSING, "contract/")]
            else:
                ids = [k.split("/")[-1] for k, _ in s.items(HOUSING, f"unit_contracts/{unit}/")]

            def wanted() -> Iterator[dict[str, Any]]:
                for cid in reversed(ids):
                    c = s.get(HOUSING, "contract/" + cid)
                    if c is not None and status in (None, c["status"]):
                        yield c

            page, nxt = paginate(
                wanted(), limit=limit, cursor=cursor, key=lambda c: c["id"], descending=True
            )
            return {"items": hexify(page), "next": nxt, "height": s.height}

    @r.get(
        "/housing/contracts/{contract_id}",
        response_model=_Open,
        tags=["scenarios"],
        summary="网签合同 / a housing contract with its full trace",
    )
    def housing_contract(contract_id: str = _id("housing contract id, e.g. WQ00000001")) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(HOUSING)
            c = s.get(HOUSING, "contract/" + contract_id)
            if c is None:
                raise NotFound(f"no housing contract '{contract_id}'", field="contract_id")
            return hexify({**c, "height": s.height})

    @r.get(
        "/housing/contracts/{contract_id}/eligibility-request",
        response_model=PresentationRequest,
        tags=["scenarios"],
        summary="购房资格核验请求 / what the buyer's wallet presents for eligibility",
    )
    def eligibility_request(
        contract_id: str = _id("housing contract id, e.g. WQ00000001"),
        did: str = Query(min_length=9, max_length=128, description="the first buyer's DID"),
        social_security: bool = Query(
            False, description="a non-local family also presents its social-security months"
        ),
    ) -> Any:
        _did(did)
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(HOUSING)
            c = s.get(HOUSING, "contract/" + contract_id)
            if c is None:
                raise NotFound(f"no housing contract '{contract_id}'", field="contract_id")
            if did != c["buyers"][0]:
                raise ValidationError(
                    f"{did} is not the first buyer of '{contract_id}'; the first buyer presents"
                    " the family's credentials",
                    field="did",
                )
            req = s.view(HOUSING, "eligibility_request", with_social_security=social_security)
            nonce = s.view(HOUSING, "eligibility_nonce", contract_id=contract_id, did=did)
            return {
                "contract": HOUSING,
                "method": "check_eligibility",
                "did": did,
                "audience": "did:wuyi:org:" + req["verifier"],
                "verifier": req["verifier"],
                "nonce": nonce,
                "types": req["types"],
                "claims": req["claims"],
                "purpose": ELIGIBILITY_PURPOSE,
                "height": s.height,
            }

    @r.get(
        "/housing/dashboard",
        response_model=Dashboard,
        tags=["scenarios"],
        summary="网签备案统计 / the bureau's dashboard",
    )
    def housing_dashboard() -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            counts = s.view(HOUSING, "dashboard")
            active = sum(1 for _ in s.items(HOUSING, "active/"))
            return {
                "counts": counts,
                "total": sum(counts.values()),
                "active_filings": active,
                "height": s.height,
            }

    # -- 人才引进落户 ------------------------------------------------------------------------------

    @r.get(
        "/settlement/request",
        response_model=PresentationRequest,
        tags=["scenarios"],
        summary="落户申请核验请求 / what the applicant's wallet presents",
    )
    def settlement_request(
        route: Literal["graduate", "points"] = Query(description="graduate or points"),
        did: str = Query(min_length=9, max_length=128, description="the applicant's DID"),
        items: str = Query(
            "",
            max_length=64,
            description="points route: optional items claimed, comma-separated (home, awards)",
        ),
    ) -> Any:
        _did(did)
        chosen = [x.strip() for x in items.split(",") if x.strip()]
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(SETTLEMENT)
            if route == "graduate" and chosen:
                raise ValidationError("items belong to the points route", field="items")
            if len(set(chosen)) != len(chosen):
                raise ValidationError("an item is named twice", field="items")
            for x in chosen:
                if x not in ("home", "awards"):
                    raise ValidationError(
                        f"unknown item '{x[:32]}' (one of home, awards)", field="items"
                    )
            req = s.view(SETTLEMENT, "request", route=route, items=chosen)
            types, claims = list(req["types"]), list(req["claims"])
            method, verifier = req["method"], req["verifier"]
            return {
                "contract": SETTLEMENT,
                "method": method,
                "did": did,
                "audience": "did:wuyi:org:" + verifier,
                "verifier": verifier,
                "nonce": s.view(SETTLEMENT, "nonce", did=did, method=method),
                "types": types,
                "claims": claims,
                "purpose": SETTLEMENT_PURPOSE,
                "height": s.height,
            }

    @r.get(
        "/settlement/status/{did}",
        response_model=_Open,
        tags=["scenarios"],
        summary="落户进度 / an applicant's applications and certificate",
    )
    def settlement_status(did: str = _id("a did:wuyi DID")) -> Any:
        _did(did)
        with reader() as v:
            s = ScenarioReader(node, v)
            st = s.view(SETTLEMENT, "status", did=did)
            cert_id = st["certificate"]
            rec = None if cert_id is None else s.get(SETTLEMENT, "cert/" + cert_id)
            return hexify({**st, "certificate_record": rec, "height": s.height})

    @r.get(
        "/settlement/applications/{app_id}",
        response_model=_Open,
        tags=["scenarios"],
        summary="落户申请 / one decision (failed rules or points breakdown)",
    )
    def settlement_application(app_id: str = _id("application id, e.g. JMTS-00001")) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(SETTLEMENT)
            rec = s.get(SETTLEMENT, "app/" + app_id)
            if rec is None:
                raise NotFound(f"no settlement application '{app_id}'", field="app_id")
            return hexify(rec)

    @r.get(
        "/settlement/certificates/{cert_id}",
        response_model=_Open,
        tags=["scenarios"],
        summary="人才准予迁入证明记录 / a settlement certificate record",
    )
    def settlement_certificate(cert_id: str = _id("certificate id")) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(SETTLEMENT)
            rec = s.get(SETTLEMENT, "cert/" + cert_id)
            if rec is None:
                raise NotFound(f"no settlement certificate '{cert_id}'", field="cert_id")
            return hexify(rec)

    # -- parameters --------------------------------------------------------------------------------

    @r.get(
        "/scenarios/{contract}/params",
        response_model=ParamList,
        tags=["scenarios"],
        summary="政策参数 / a scenario contract's policy parameters",
    )
    def scenario_params(contract: Literal["realestate", "housing", "settlement"]) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(contract)
            params = [_param_out(rec, s.height) for _, rec in s.items(contract, "param/")]
            return {"contract": contract, "params": params, "height": s.height}

    @r.get(
        "/scenarios/{contract}/params/{name}/history",
        response_model=ParamHistory,
        tags=["scenarios"],
        summary="参数变更记录 / every change of a parameter, with its author",
    )
    def scenario_param_history(
        contract: Literal["realestate", "housing", "settlement"],
        name: str = Path(min_length=1, max_length=64),
    ) -> Any:
        with reader() as v:
            s = ScenarioReader(node, v)
            s.require(contract)
            if s.get(contract, "param/" + name) is None:
                raise NotFound(f"'{contract}' has no parameter '{name}'", field="name")
            items = s.view(contract, "param_history", name=name)
            return {"contract": contract, "name": name, "items": hexify(items), "height": s.height}
