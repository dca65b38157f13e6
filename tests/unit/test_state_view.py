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


# A block's steps: a transaction writes or deletes keys, reads a range, and is kept or dropped.
STEPS = st.lists(
    st.tuples(
        st.lists(st.tuples(KEYS, VALUES), max_size=4),  # the transaction's writes
        st.sampled_from([b"p/", b"p/\x00", b"p/\x01", b"q/"]),  # a range it reads
        st.booleans(),  # merged (succeeded) or dropped
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.binary(min_size=1, max_size=2), max_size=12), STEPS)
def test_range_reads_between_writes_and_merges_see_every_write(
    base: dict[bytes, bytes], steps: list[tuple[list[tuple[bytes, bytes | None]], bytes, bool]]
) -> None:
    """The ordered index of written keys (made at the first range read, then kept up to date)
    never misses a key written after it was made: by the block, by a transaction, or merged."""
    kv = MemoryKV({**base, b"q/other": b"x"})
    block = BlockState(kv)
    model: dict[bytes, bytes | None] = {}  # the block's writes, as the obvious dict
    for writes, prefix, keep in steps:
        tx = block.begin_tx()
        tx_model = dict(model)
        for k, v in writes:
            if v is None:
                tx.delete(k)
            else:
                tx.set(k, v)
            tx_model[k] = v
            expect = [
                kv_
                for kv_ in eager({**base, b"q/other": b"x"}, [tx_model])
                if kv_[0].startswith(prefix)
            ]
            want = (
                expect
                if prefix != b"q/"
                else ([(b"q/other", b"x")] if tx_model.get(b"q/other", b"x") is not None else [])
            )
            assert list(tx.iter_prefix(prefix)) == want
            assert list(block.iter_prefix(b"p/")) == eager(base, [model])
        if keep:
            block.merge(tx)
            model = tx_model
        assert list(block.iter_prefix(b"p/")) == eager(base, [model])
    block.set(b"p/\xff", b"z")  # a write by the block itself after its index exists
    model[b"p/\xff"] = b"z"
    assert list(block.iter_prefix(b"p/")) == eager(base, [model])


class CountingKey(bytes):
    """A key that counts how often it is compared by prefix."""

    tests = 0

    def startswith(self, prefix: object, *args: object) -> bool:  # type: ignore[override]
        CountingKey.tests += 1
        return super().startswith(prefix)  # type: ignore[arg-type]


def test_a_range_read_does_not_scan_every_write_of_the_block() -> None:
    """A block of n transactions each reading its own small range costs O(n log n), not
    O(n^2): each read looks at the keys of its range (found by bisection), not at every key
    the block wrote before it (the scan made a block of range-reading settlements quadratic)."""
    block = BlockState(MemoryKV())
    n = 2_000
    CountingKey.tests = 0
    for i in range(n):
        tx = block.begin_tx()
        own = b"patient/%06d/" % i
        assert list(tx.iter_prefix(own)) == []
        tx.set(CountingKey(own + b"s1"), b"v")
        tx.set(CountingKey(b"totals/%06d" % i), b"v")
        block.merge(tx)
    assert len(block.writes) == 2 * n
    assert CountingKey.tests < 10 * n, CountingKey.tests  # the scan: about n * n = 4,000,000
