"""Declaring routes: what many routes of the API share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

from wuyi.api import models as m

__all__ = ["record_reads"]


def record_reads(r: APIRouter, tag: str) -> Callable[..., Any]:
    """``get(path, summary, **more)``: the decorator of a GET route of ``r`` under ``tag`` that
    answers a chain record rendered as JSON (:class:`~wuyi.api.models.Record`); ``more`` are
    further arguments of ``r.get``."""

    def get(path: str, summary: str, **more: Any) -> Any:
        return r.get(path, response_model=m.Record, tags=[tag], summary=summary, **more)

    return get
