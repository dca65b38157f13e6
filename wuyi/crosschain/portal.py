"""One console for several chains: ``/chains/{chain_id}/v1/...`` on a node of the base chain
forwards to a node of another chain listed in this chain's registry (``chains.register`` /
``chains.activate``, governance sets its endpoints), so the console served here manages every
chain from one page without cross-origin requests; and ``/console/xchain/...`` serves the
console's cross-chain module.

The portal trusts the other chain's node with nothing it could not do directly: the answers are
that node's, and what the console signs is checked by that chain. It only forwards to the
endpoints governance recorded (never a URL from the request), only ``/v1/...`` paths, and not
the event stream (``/v1/events``: the pages poll instead).
"""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from wuyi.crosschain.registry import get_chain
from wuyi.exceptions import NotFound, PeerUnavailable, ValidationError
from wuyi.node.node import Node

__all__ = ["CONSOLE_DIR", "add_portal_routes"]

CONSOLE_DIR = Path(__file__).parent / "console"
FORWARD_TIMEOUT_S = 40.0
_FORWARDED = ("authorization", "content-type", "accept")
_PASSED_BACK = ("content-type", "retry-after")


def add_portal_routes(app: FastAPI, node: Node) -> None:
    app.mount("/console/xchain", StaticFiles(directory=CONSOLE_DIR), name="console-xchain")

    @app.api_route(
        "/chains/{chain_id}/{path:path}",
        methods=["GET", "POST"],
        include_in_schema=False,
    )
    async def forward(chain_id: str, path: str, request: Request) -> Response:
        if not path.startswith("v1/") or path.startswith("v1/events"):
            raise ValidationError(f"the portal forwards /v1/ API calls only, not /{path}")
        if chain_id == node.chain.chain_id:
            raise ValidationError("this is that chain: call /v1/... directly")
        entry = get_chain(node.store, chain_id)
        if entry is None or entry["status"] != "active" or not entry["endpoints"]:
            raise NotFound(
                f"chain '{chain_id}' is not an active chain with endpoints in the registry"
            )
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in _FORWARDED or k.lower().startswith("x-wuyi-")
        }
        body = await request.body()
        last = ""
        async with httpx.AsyncClient(timeout=FORWARD_TIMEOUT_S) as client:
            for base in entry["endpoints"]:
                try:
                    r = await client.request(
                        request.method,
                        f"{base.rstrip('/')}/{path}",
                        params=request.query_params,
                        content=body,
                        headers=headers,
                    )
                except httpx.TransportError as exc:
                    last = f"{base}: {type(exc).__name__}"
                    continue
                out = {k: v for k, v in r.headers.items() if k.lower() in _PASSED_BACK}
                return Response(r.content, status_code=r.status_code, headers=out)
        raise PeerUnavailable(f"no node of chain '{chain_id}' answers ({last})")
