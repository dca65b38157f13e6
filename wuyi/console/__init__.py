"""The web console (BaaS 管理控制台) of a node, served at ``/console/``; ``/`` redirects there.

Static HTML, ES modules and CSS from ``wuyi/console/static/`` — no build step, vendored
libraries under ``static/vendor/`` (see its README), nothing loaded from the internet. The
pages talk to the same node's REST API; writes are transactions built and signed in the
browser (``static/js/cbor.js``, ``static/js/keys.js``). Sign-in is a challenge signed with the
member's key (:mod:`wuyi.console.auth`). Guide: ``docs/console.md``.

The scenario pages come from the scenarios' folders: ``/console/scenarios/index.json`` lists
the registered scenarios with a console (``wuyi/scenarios/<name>/console/``) and
``/console/scenarios/<name>/<file>.js`` serves their page module and strings; the shell
(``static/js/scenarios.js``) imports them at start. Still no build step.

``create_app`` mounts it with one line: ``mount_console(app, node)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from wuyi.console.auth import Sessions, add_auth_routes
from wuyi.exceptions import NotFound
from wuyi.node.node import Node
from wuyi.scenarios import Scenario, all_scenarios

__all__ = ["STATIC_DIR", "console_router", "mount_console", "scenario_router"]

STATIC_DIR = Path(__file__).parent / "static"
_NO_CACHE = {"Cache-Control": "no-cache"}
_MODULE_FILE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.js$")


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


def scenario_router(scenarios: Sequence[Scenario]) -> APIRouter:
    """``/console/scenarios/index.json`` and the scenarios' console files."""
    r = APIRouter()
    dirs = {s.name: s.folder / "console" for s in scenarios}
    dirs = {name: d for name, d in dirs.items() if (d / "page.js").is_file()}

    @r.get("/console/scenarios/index.json", include_in_schema=False)
    def scenario_index() -> Response:
        listed: list[dict[str, Any]] = [
            {
                "name": s.name,
                "title": s.title,
                "title_en": s.title_en,
                "module": f"/console/scenarios/{s.name}/page.js",
            }
            for s in scenarios
            if s.name in dirs
        ]
        return JSONResponse(listed, headers=_NO_CACHE)

    @r.get("/console/scenarios/{name}/{file}", include_in_schema=False)
    def scenario_file(name: str, file: str) -> Response:
        folder = dirs.get(name)
        if folder is None or not _MODULE_FILE.match(file) or not (folder / file).is_file():
            raise NotFound(f"no console file {name}/{file}")
        return FileResponse(folder / file, media_type="text/javascript", headers=_NO_CACHE)

    return r


def mount_console(app: FastAPI, node: Node, scenarios: Sequence[Scenario] | None = None) -> None:
    """Serve the console, its sign-in API and the pages of ``scenarios`` (default: the
    registry's) from ``app``."""
    app.include_router(console_router(node))
    app.include_router(scenario_router(all_scenarios() if scenarios is None else scenarios))
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
