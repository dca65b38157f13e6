"""Canonical encoding: RFC 8949 §4.2.1 deterministic CBOR, restricted (docs/encoding.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuyi.encoding import decode, encode
from wuyi.exceptions import EncodingError

VECTORS = Path(__file__).parent.parent / "vectors" / "encoding_vectors.json"


def _from_vec(v: object) -> object:
    if isinstance(v, dict):
        if set(v) == {"$bytes"}:
            return bytes.fromhex(v["$bytes"])  # type: ignore[index]
        return {k: _from_vec(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_vec(x) for x in v]
    return v


def test_vectors_encode_and_decode() -> None:
    data = json.loads(VECTORS.read_text())
    assert len(data["valid"]) >= 15
    for case in data["valid"]:
        value = _from_vec(case["value"])
        assert encode(value).hex() == case["cbor"], case["name"]
        assert decode(bytes.fromhex(case["cbor"])) == value, case["name"]


def test_vectors_rejected() -> None:
    data = json.loads(VECTORS.read_text())
    assert len(data["invalid"]) >= 8
    for case in data["invalid"]:
        with pytest.raises(EncodingError):
            decode(bytes.fromhex(case["cbor"]))


@pytest.mark.parametrize(
    "value",
    [1.5, {1: "int key"}, {"s": {1, 2}}, 2**64, -(2**63) - 1, object()],
)
def test_values_outside_the_model_are_refused(value: object) -> None:
    with pytest.raises(EncodingError):
        encode(value)


def test_nesting_limit() -> None:
    v: object = 1
    for _ in range(40):
        v = [v]
    with pytest.raises(EncodingError, match="deeper"):
        encode(v)


canonical = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@given(canonical)
def test_roundtrip_and_uniqueness(value: object) -> None:
    data = encode(value)
    assert decode(data) == value
    assert encode(decode(data)) == data


@given(st.dictionaries(st.text(max_size=30), st.integers(0, 10), min_size=2, max_size=8))
def test_map_keys_sorted_bytewise_by_encoded_form(d: dict[str, int]) -> None:
    # RFC 8949 §4.2.1: keys sorted by the bytewise lexicographic order of their encodings.
    data = encode(d)
    enc_keys = sorted(encode(k) for k in d)
    pos = [data.index(k) for k in enc_keys]
    assert pos == sorted(pos)


@given(canonical)
def test_fast_encoder_matches_cbor2_canonical_reference(value: object) -> None:
    import cbor2

    assert encode(value) == cbor2.dumps(value, canonical=True)


@pytest.mark.parametrize("n", [0, 1, 23, 24, 255, 256, 65535, 65536])
def test_array_of_encoded_items_equals_encoding_the_array(n: int) -> None:
    from wuyi.encoding import encode_array_of_encoded

    items = [{"i": i, "b": b"x" * (i % 3)} for i in range(n)]
    assert encode_array_of_encoded([encode(x) for x in items]) == encode(items)


# -- the key-order cache (wuyi.encoding._ORDER): it must never change what is encoded ----------


def _cold() -> None:
    import wuyi.encoding as enc

    enc._ORDER.clear()


@given(st.dictionaries(st.text(max_size=12), st.integers(0, 3), max_size=6))
def test_a_cached_key_order_encodes_exactly_as_a_fresh_sort(d: dict[str, int]) -> None:
    import cbor2

    _cold()
    first = encode(d)  # miss: sorts and remembers the shape
    second = encode(dict(d))  # same shape, same insertion order: a hit
    assert first == second == cbor2.dumps(d, canonical=True)


def test_same_keys_in_another_insertion_order_are_their_own_shape() -> None:
    _cold()
    a = encode({"zz": 1, "a": 2, "bb": 3})
    b = encode({"a": 2, "bb": 3, "zz": 1})
    assert a == b


def test_non_text_keys_are_refused_whether_or_not_a_shape_is_cached() -> None:
    _cold()
    encode({"1": 0})
    for bad in ({1: 0}, {True: 0}, {b"1": 0}):
        with pytest.raises(EncodingError, match="not a text string"):
            encode(bad)


def test_str_subclass_keys_encode_the_same_cold_and_warm() -> None:
    """An enum member key counts as its text on a miss as on a hit, so a node that has
    just started and one that has run for days encode (and accept) the same maps."""
    import enum

    class K(enum.StrEnum):
        A = "a"
        B = "bb"

    plain = {"a": 1, "bb": 2}
    _cold()
    cold = encode({K.A: 1, K.B: 2})
    warm_after_enum = encode({"a": 1, "bb": 2})
    _cold()
    encode(plain)
    warm = encode({K.A: 1, K.B: 2})
    assert cold == warm == warm_after_enum == encode(plain)
    assert decode(cold) == plain


def test_the_key_order_cache_is_bounded() -> None:
    import wuyi.encoding as enc

    _cold()
    for i in range(enc._ORDER_MAX + 10):
        encode({f"k{i}": i, "x": 0})
    assert len(enc._ORDER) <= enc._ORDER_MAX
    big = {f"key{i}": i for i in range(enc._ORDER_KEYS + 1)}
    _cold()
    encode(big)
    assert tuple(big) not in enc._ORDER  # large data maps are sorted, not remembered


# -- split_array and decode_committed (bulk data checked against a committed hash) ------------


@given(st.lists(canonical, max_size=30))
def test_split_array_gives_each_item_and_its_exact_bytes(items: list[object]) -> None:
    from wuyi.encoding import encode_array_of_encoded, split_array

    data = encode(items)
    values, parts = split_array(data)
    assert parts == [encode(x) for x in items]
    assert values == [decode(p) for p in parts]
    assert encode_array_of_encoded(parts) == data


@pytest.mark.parametrize("n", [0, 1, 23, 24, 255, 256, 65536])
def test_split_array_reads_every_head_width(n: int) -> None:
    from wuyi.encoding import split_array

    items = [b"r" * (i % 3) for i in range(n)]
    assert split_array(encode(items)) == (items, [encode(x) for x in items])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        encode({"a": 1}),  # not an array
        encode([1, 2]) + b"\x00",  # trailing bytes
        encode([1, 2])[:-1],  # truncated
        b"\x98\x02\x01\x02",  # array head not in shortest form
        b"\x82\x18\x01\x02",  # an item not in shortest form
        b"\x9f\x01\x02\xff",  # indefinite length
        b"\x82\xc1\x01\x02",  # a tag
        b"\x81\xa2\x61b\x01\x61a\x02",  # map keys out of canonical order
        b"\x82\x5f\x41a\xff\x01",  # indefinite-length byte string
    ],
)
def test_split_array_refuses_what_does_not_re_encode_exactly(data: bytes) -> None:
    from wuyi.encoding import split_array

    if data == b"\x81\xa2\x61b\x01\x61a\x02":
        # the boundaries are exact (cbor2 writes keys in the order read), so split_array gives
        # the item as it is: its model is the business of decode or of a committed hash
        assert split_array(data)[1] == [data[1:]]
        with pytest.raises(EncodingError):
            decode(data[1:])
        return
    with pytest.raises(EncodingError):
        split_array(data)


def test_decode_committed_reads_without_the_canonical_check_but_refuses_malformed_input() -> None:
    from wuyi.encoding import decode_committed

    assert decode_committed(encode([[b"k", b"v"]])) == [[b"k", b"v"]]
    assert decode_committed(b"\x98\x01\x01") == [1]  # not canonical, still read
    for bad in (b"", b"\x82\x01", b"\xd9\x99\x99\x01", b"\xff", b"\x01\x02"):
        with pytest.raises(EncodingError):
            decode_committed(bad)
    with pytest.raises(EncodingError):
        decode_committed("text")  # type: ignore[arg-type]
