"""免证办 routes (``/v1/elicence/...``): the e-licence catalogue (the credential types the
departments are authorised to issue and the identity providers that attest real-name and face
checks) and a service's log (every presentation it checked, accepted or refused, with the
claim names disclosed, never their values; a signed read of the service's own members).
Reads of the native credential handlers' state (``wuyi/ledger/handlers/credentials.py``); the
writes are the native transactions
(``vc.issue``, ``consent.grant``, ``vc.verify``: :mod:`.sdk`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from wuyi.api.paging import CURSOR, limit_query
from wuyi.api.reads import member_of, signed_read
from wuyi.api.scenarios import ItemPage, reading, signed_get
from wuyi.api.wire import hexify
from wuyi.encoding import decode_trusted
from wuyi.ledger import keys
from wuyi.ledger.handlers import credentials as cred
from wuyi.node.node import Node

__all__ = ["router"]


class Catalogue(BaseModel):
    licences: list[dict[str, Any]] = Field(
        description="credential types: type, description, issuers (organisations), claims"
    )
    providers: list[dict[str, Any]] = Field(
        description="identity providers: org, enabled, max_level (the assurance they attest)"
    )
    height: int


def router(node: Node) -> APIRouter:
    r = APIRouter(prefix="/elicence", tags=["scenarios"])

    @r.get("/catalogue", response_model=Catalogue, summary="电子证照目录 / the e-licences on chain")
    def catalogue() -> Any:
        with reading(node) as s:
            return {
                "licences": hexify(cred.list_credential_types(s.v)),
                "providers": hexify(cred.list_idps(s.v)),
                "height": s.height,
            }

    @signed_get(
        r,
        "/services/{org}/checks",
        ItemPage,
        "亮证核验记录 / every presentation a service checked, newest first",
    )
    def service_checks(
        request: Request,
        org: str = Path(min_length=1, max_length=64, description="the verifying organisation"),
        result: Literal["accepted", "refused"] | None = Query(None, description="only these"),
        limit: int = limit_query(),
        cursor: str | None = CURSOR,
    ) -> Any:
        """Signed read (each record names a holder): members of ``org``, auditors."""
        signed_read(
            request, f"the presentations {org} checked", f"elicence/checks/{org}", [member_of(org)]
        )
        with reading(node) as s:
            mine = [
                rec
                for _, raw in s.v.iter_prefix(keys.VC_CHECK_PREFIX)
                if (rec := decode_trusted(raw))["verifier"] == org
                and result in (None, rec["result"])
            ]
            mine.sort(key=lambda c: (c["height"], c["tx_hash"]), reverse=True)
            return s.page(
                mine,
                limit=limit,
                cursor=cursor,
                key=lambda c: [c["height"], c["tx_hash"].hex()],
                descending=True,
            )

    return r
