"""The REST API of a node: :func:`wuyi.api.app.create_app` (FastAPI), and the wire models
(:mod:`wuyi.api.models`, :mod:`wuyi.api.wire`) it shares with the SDK. Importing this package
does not import the web framework or the node."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from wuyi.api.app import create_app

        return create_app
    raise AttributeError(name)
