"""The web console (BaaS 管理控制台) of a node, served at ``/console/``; ``/`` redirects there.

Static HTML, ES modules and CSS from ``wuyi/console/static/`` — no build step, vendored
libraries under ``static/vendor/`` (see its README), nothing loaded from the internet. The
pages talk to the same node's REST API; writes are transactions built and signed in the
browser (``static/js/cbor.js``, ``static/js/keys.js``). Sign-in is a challenge signed with the
member's key (:mod:`wuyi.console.auth`). Guide: ``docs/console.md``.

``create_app`` mounts it with one line: ``mount_console(app, node)``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from wuyi.console.auth import Sessions, add_auth_routes
from wuyi.node.node import Node

__all__ = ["STATIC_DIR", "console_router", "mount_console"]

STATIC_DIR = Path(__file__).parent / "static"
_NO_CACHE = {"Cache-Control": "no-cache"}


def console_router(node: Node, sessions: Sessions | None = None) -> APIRouter:
    """The console's pages (``/``, ``/console/``) and its sign-in API (``/v1/auth/*``)."""
    r = APIRouter()

    @r.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/console/", status_code=307)

    @r.get("/console", include_in_schema=False)
    def console_bare() -> Response:
        return RedirectResponse("/console/", status_code=307)

    @r.get("/console/", include_in_schema=False)
    def console_index() -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers=_NO_CACHE)

    v1 = APIRouter(prefix="/v1")
    add_auth_routes(v1, node, sessions or Sessions(node))
    r.include_router(v1)
    return r


def mount_console(app: FastAPI, node: Node) -> None:
    """Serve the console and its sign-in API from ``app``."""
    app.include_router(console_router(node))
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
