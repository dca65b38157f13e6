"""Layered state views: prefix iteration over stacked layers equals the obvious eager merge,
and it is lazy (stopping early reads only what it needs from the base)."""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from wuyi.ledger.state_view import BlockState, Layer, MemoryKV

KEYS = st.binary(min_size=1, max_size=3).map(lambda b: b"p/" + b)
VALUES = st.one_of(st.none(), st.binary(min_size=1, max_size=2))


def eager(base: dict[bytes, bytes], layers: list[dict[bytes, bytes | None]]) -> list[tuple]:
    merged = dict(base)
    for w in layers:
        for k, v in w.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
    return sorted((k, v) for k, v in merged.items() if k.startswith(b"p/"))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(KEYS, st.binary(min_size=1, max_size=2), max_size=12),
    st.lists(st.dictionaries(KEYS, VALUES, max_size=8), min_size=1, max_size=3),
)
def test_stacked_layers_iterate_like_the_eager_merge(
    base: dict[bytes, bytes], layers: list[dict[bytes, bytes | None]]
) -> None:
    view: object = MemoryKV({**base, b"q/other": b"x"})
    for w in layers:
        layer = Layer(view)
        layer.writes.update(w)
        view = layer
    assert list(view.iter_prefix(b"p/")) == eager(base, layers)  # type: ignore[attr-defined]


class CountingBase:
    def __init__(self, n: int) -> None:
        self.n = n
        self.read = 0

    def get(self, key: bytes) -> bytes | None:
        return None

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for i in range(self.n):
            self.read += 1
            yield prefix + b"%08d" % i, b"v"


def test_iteration_is_lazy() -> None:
    base = CountingBase(100_000)
    block = BlockState(base)
    block.set(b"p/00000003x", b"w")
    tx = block.begin_tx()
    it = tx.iter_prefix(b"p/")
    first = [next(it) for _ in range(10)]
    assert first[4] == (b"p/00000003x", b"w")
    assert base.read < 20
