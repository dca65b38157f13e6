"""What the C allocator holds: the heap of LMDB, OpenSSL and the extensions, which
``tracemalloc`` does not see (``docs/operations.md``, "Reading a node's memory")."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
from typing import Any

__all__ = ["libc_function", "malloc_in_use"]


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
def _libc() -> Any:
    """glibc, loaded once (``find_library`` runs ``ldconfig``); None where it cannot be."""
    with contextlib.suppress(OSError):
        name = ctypes.util.find_library("c")
        if name:
            return ctypes.CDLL(name)
    return None


def libc_function(name: str) -> Any:
    """The C library's function ``name`` (``mallopt``, ``malloc_trim``, ``mallinfo2``), or
    None where the allocator is not glibc or is too old to have it."""
    lib = _libc()
    return getattr(lib, name, None) if lib is not None else None


@functools.cache
def _mallinfo2() -> Any:
    fn = libc_function("mallinfo2")
    if fn is not None:
        fn.restype = _MallInfo2
    return fn


def malloc_in_use() -> int | None:
    """Bytes glibc's allocator has handed out and not got back (``mallinfo2``: ``uordblks``
    plus ``hblkhd``): the heap of C code — LMDB, OpenSSL, extensions — and of large Python
    objects. None where glibc (2.33+) is not the allocator."""
    fn = _mallinfo2()
    if fn is None:
        return None
    info = fn()
    return int(info.uordblks + info.hblkhd)
