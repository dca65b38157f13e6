"""What the C allocator holds: the heap of LMDB, OpenSSL and the extensions, which
``tracemalloc`` does not see (``docs/operations.md``, "Reading a node's memory")."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from typing import Any

__all__ = ["malloc_in_use"]


class _MallInfo2(ctypes.Structure):
    """glibc's ``struct mallinfo2`` (glibc 2.33+)."""

    _fields_ = [
        (n, ctypes.c_size_t)
        for n in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks"),
            *("uordblks", "fordblks", "keepcost"),
        )
    ]


@functools.cache
def _mallinfo2() -> Any:
    """libc's ``mallinfo2``, looked up once (``find_library`` runs ``ldconfig``); None where
    glibc is not the allocator or too old."""
    with contextlib.suppress(OSError, AttributeError):
        name = ctypes.util.find_library("c")
        if name:
            fn = ctypes.CDLL(name).mallinfo2
            fn.restype = _MallInfo2
            return fn
    return None


def malloc_in_use() -> int | None:
    """Bytes glibc's allocator has handed out and not got back (``mallinfo2``: ``uordblks``
    plus ``hblkhd``): the heap of C code — LMDB, OpenSSL, extensions — and of large Python
    objects. None where glibc (2.33+) is not the allocator."""
    fn = _mallinfo2()
    if fn is None:
        return None
    info = fn()
    return int(info.uordblks + info.hblkhd)
