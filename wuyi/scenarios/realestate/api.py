"""不动产登记 routes (``/v1/realestate/...``): units by district, one unit with its listing,
filing, mortgages and seizures, a unit's whole history, the units a DID owns, a certificate
record. Reads only (writes are signed ``contract.call`` transactions: :mod:`.sdk`).

Every route here serves personal records (owners, shares, mortgages, seizures): a **signed
read** (``wuyi.api.reads``) of the owners themselves (their DID keys) or of a member with one of
the registry's roles — ``registrar`` (the offices), ``judge`` (the courts), ``banker`` (the
mortgagees) — or an auditor, each read in the node's access log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import SIGNED_READ_RESPONSES, any_citizen, own_read, role, signed_read
from wuyi.api.scenarios import ItemPage, Record, ScenarioReader, check_did, id_path, reading
from wuyi.api.wire import hexify
from wuyi.node.node import Node

__all__ = ["router"]

REALESTATE = "realestate"
HOUSING = "housing"  # its listings and filings show on a unit
UNIT_ID = "不动产单元号, e.g. 440703-001-0001"


class UnitDetail(Record):
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


def unit_record(s: ScenarioReader, unit_id: str) -> dict[str, Any]:
    s.require(REALESTATE)
    return s.record(
        REALESTATE, "unit/" + unit_id, f"no unit '{unit_id}' in the real-estate registry", "unit_id"
    )


#: who may read the registry's records besides the owners (and auditors)
REGISTRY_ROLES = ("registrar", "judge", "banker")


def _owners(u: dict[str, Any]) -> list[str]:
    return [str(o["did"]) for o in u.get("owners", [])]


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/realestate", tags=["scenarios"], responses=SIGNED_READ_RESPONSES)

    def may_read(request: Request, what: str, record: str, owners: list[str]) -> None:
        signed_read(
            request, what, record, [any_citizen(owners), role(*REGISTRY_ROLES)], ",".join(owners)
        )

    @r.get("/units", response_model=ItemPage, summary="不动产单元 / real-estate units")
    def units(
        request: Request,
        district: str | None = Query(
            None, pattern=r"^\d{6}$", description="district code, e.g. 440703 (蓬江区)"
        ),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node, REALESTATE) as s:
            may_read(request, "the registry's units", f"realestate/units/{district or '*'}", [])
            wanted = (
                u for _, u in s.items(REALESTATE, "unit/") if district in (None, u["district"])
            )
            return s.page(wanted, limit=limit, cursor=cursor, key=lambda u: u["id"])

    @r.get(
        "/units/{unit_id}",
        response_model=UnitDetail,
        summary="不动产单元 / one unit with listing, filing, mortgages, seizures",
    )
    def unit(request: Request, unit_id: str = id_path(UNIT_ID)) -> Any:
        with reading(node) as s:
            u = dict(unit_record(s, unit_id))
            may_read(request, f"unit {unit_id}", f"realestate/unit/{unit_id}", _owners(u))
            u["mortgages"] = [s.get(REALESTATE, "mortgage/" + m["id"]) for m in u["mortgages"]]
            u["seizures"] = [s.get(REALESTATE, "seizure/" + x["id"]) for x in u["seizures"]]
            has_housing = s.deployed(HOUSING)
            u["listing"] = s.get(HOUSING, "listing/" + unit_id) if has_housing else None
            u["filing"] = s.get(HOUSING, "active/" + unit_id) if has_housing else None
            u["height"] = s.height
            return hexify(u)

    @r.get(
        "/units/{unit_id}/history",
        response_model=UnitHistory,
        summary="单元历史 / a unit's whole history across districts",
    )
    def unit_history(
        request: Request,
        unit_id: str = id_path(UNIT_ID),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        with reading(node) as s:
            u = unit_record(s, unit_id)
            may_read(
                request, f"the history of unit {unit_id}", f"realestate/hist/{unit_id}", _owners(u)
            )
            hist = (rec for _, rec in s.items(REALESTATE, f"hist/{unit_id}/"))
            page = s.page(hist, limit=limit, cursor=cursor, key=lambda e: e["seq"])
            return {"unit": unit_id, **page}

    @r.get(
        "/owners/{did}/units",
        response_model=ItemPage,
        summary="权利人的不动产 / the units a DID owns",
    )
    def owner_units(
        request: Request,
        did: str = id_path("a did:wuyi DID"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Regression (issue #16 item 6): this answered anyone with the owner's addresses,
        mortgages and seizures. Now the owner (their DID key), the registry's roles or an
        auditor, signed and logged."""
        check_did(did)
        with reading(node, REALESTATE) as s:
            own_read(
                request,
                did,
                f"the units {did} owns",
                f"realestate/owner/{did}",
                role(*REGISTRY_ROLES),
            )
            prefix = f"own/{did}/"
            owned = (
                {
                    "id": k[len(prefix) :],
                    **(s.get(REALESTATE, "unit/" + k[len(prefix) :]) or {}),
                    "share": share,
                }
                for k, share in s.items(REALESTATE, prefix)
            )
            return s.page(owned, limit=limit, cursor=cursor, key=lambda u: u["id"])

    @r.get(
        "/certs/{cert_id}",
        response_model=Record,
        summary="不动产权证书记录 / an ownership certificate record",
    )
    def realestate_cert(request: Request, cert_id: str = id_path("certificate id")) -> Any:
        with reading(node, REALESTATE) as s:
            missing = f"no certificate '{cert_id}' in the registry"
            rec = s.record(REALESTATE, "cert/" + cert_id, missing, "cert_id")
            holders = [str(h) for h in rec.get("owners", [])]
            may_read(request, f"certificate {cert_id}", f"realestate/cert/{cert_id}", holders)
            return hexify({"credentials": [], **rec})

    return r
