"""The one canonical encoding: deterministic CBOR (RFC 8949 §4.2.1), restricted.

Everything that is hashed or signed is first turned into bytes by :func:`encode`. The data model
is deliberately small (see ``docs/encoding.md``):

* integers in [-2**63, 2**64 - 1] (major types 0 and 1, shortest form);
* byte strings (major type 2) and UTF-8 text strings (major type 3), definite length;
* arrays (major type 4) of any of these; maps (major type 5) whose keys are text strings,
  sorted by the bytewise order of their encoded form (for text keys: shorter first, then
  bytewise), no duplicate keys;
* ``true``, ``false``, ``null``.

No floats, no tags, no indefinite lengths, no undefined. :func:`decode` accepts only input that
re-encodes to exactly the same bytes, so every value has one and only one encoding.
"""

from __future__ import annotations

import io
from typing import Any

import cbor2

from wuyi.exceptions import EncodingError

__all__ = [
    "MAX_DEPTH",
    "decode",
    "decode_committed",
    "decode_trusted",
    "encode",
    "encode_array_of_encoded",
    "encode_trusted",
    "split_array",
    "validate_value",
]

MAX_DEPTH = 32
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1


_SCALARS = (bytes, str, bool, type(None))


def _explain(value: Any, depth: int, path: str) -> None:
    """Find and report the first part of ``value`` outside the model (the slow, careful walk
    used only after :func:`_prepare` has failed)."""
    t = type(value)
    if t in _SCALARS:
        return
    if t is int:
        if not _INT_MIN <= value <= _INT_MAX:
            raise EncodingError(f"integer out of range at {path}", path=path)
        return
    if depth >= MAX_DEPTH:
        raise EncodingError(f"value nested deeper than {MAX_DEPTH} at {path}", path=path)
    if t is dict:
        for k, v in value.items():
            if not isinstance(k, str):
                raise EncodingError(f"map key {k!r} at {path} is not a text string", path=path)
            _explain(v, depth + 1, f"{path}.{k}")
        return
    if t is list or t is tuple:
        for i, v in enumerate(value):
            _explain(v, depth + 1, f"{path}[{i}]")
        return
    raise EncodingError(f"type {t.__name__} at {path} has no canonical encoding", path=path)


class _Outside(Exception):
    """Internal: the value is outside the model (``_explain`` says where)."""


def _prepare(value: Any, depth: int) -> Any:
    """Validate ``value`` against the model and return it with every map's keys in canonical
    order (RFC 8949 §4.2.1: bytewise order of the encoded keys — for text keys, shorter UTF-8
    first, then bytewise), so that cbor2's plain encoder emits the canonical bytes.

    cbor2 always writes shortest-form heads and definite lengths; only the key order needs us.
    Its own ``canonical=True`` sorts maps about ten times slower than this.
    """
    t = type(value)
    if t in _SCALARS:
        return value
    if t is int:
        if not _INT_MIN <= value <= _INT_MAX:
            raise _Outside
        return value
    if depth >= MAX_DEPTH:
        raise _Outside
    if t is dict:
        keys = tuple(value)
        order = _ORDER.get(keys)
        if order is None:
            order = _canonical_order(keys)
        d = depth + 1
        out = {}
        for k in order:
            v = value[k]
            tv = type(v)
            out[k] = v if tv is str or tv is bytes else _prepare(v, d)
        return out
    if t is list or t is tuple:
        d = depth + 1
        return [v if type(v) is str or type(v) is bytes else _prepare(v, d) for v in value]
    raise _Outside


_ORDER: dict[tuple[Any, ...], tuple[str, ...]] = {}
"""The canonical order of each tuple of map keys seen. Maps built by the same code have the
same keys in the same insertion order, so each shape is sorted once. Bounded: cleared when
full, and only small shapes are kept. A hit and a miss give the same result, so the cache
never changes what is encoded."""
_ORDER_MAX = 4096
_ORDER_KEYS = 32
"""Only shapes of up to this many keys are remembered (records, not large data maps)."""


def _canonical_order(keys: tuple[Any, ...]) -> tuple[str, ...]:
    """``keys`` in canonical order (:class:`_Outside` unless all are text); remembered.

    A ``str`` subclass (an enum member, say) counts as its text, as it does on a cache hit
    (equal strings hash and compare equal): the result never depends on the cache."""
    for k in keys:
        if not isinstance(k, str):
            raise _Outside
    order = tuple(
        k for _, k in sorted(((k.encode(), str.__str__(k)) for k in keys), key=_order_key)
    )
    if len(keys) <= _ORDER_KEYS:
        if len(_ORDER) >= _ORDER_MAX:
            _ORDER.clear()
        _ORDER[keys] = order
    return order


def _order_key(item: tuple[bytes, str]) -> tuple[int, bytes]:
    return len(item[0]), item[0]


def _prepared(value: Any) -> Any:
    try:
        return _prepare(value, 0)
    except _Outside:
        _explain(value, 0, "$")
        raise EncodingError("value is outside the canonical data model") from None


def validate_value(value: Any) -> None:
    """Raise :class:`EncodingError` if ``value`` is outside the canonical data model."""
    _prepared(value)


def encode(value: Any) -> bytes:
    """Encode ``value`` canonically. Raises :class:`EncodingError` for values outside the model."""
    return cbor2.dumps(_prepared(value))


def encode_trusted(value: Any) -> bytes:
    """Encode a value built by the node from canonical parts. Same bytes as :func:`encode`."""
    return cbor2.dumps(_prepared(value))


def _array_head(n: int) -> bytes:
    if n < 24:
        head = bytes((0x80 + n,))
    elif n < 0x100:
        head = bytes((0x98, n))
    elif n < 0x10000:
        head = b"\x99" + n.to_bytes(2, "big")
    elif n < 0x100000000:
        head = b"\x9a" + n.to_bytes(4, "big")
    else:
        head = b"\x9b" + n.to_bytes(8, "big")
    return head


def encode_array_of_encoded(items: list[bytes]) -> bytes:
    """The canonical encoding of an array whose items are already canonically encoded: the
    array head (major type 4, shortest form) followed by the items, so
    ``encode_array_of_encoded([encode(a), encode(b)]) == encode([a, b])``."""
    return _array_head(len(items)) + b"".join(items)


def split_array(data: bytes) -> tuple[list[Any], list[bytes]]:
    """The items of the array ``data``, decoded (as :func:`decode_committed` does) and each as
    exactly the bytes it has in ``data``: the inverse of :func:`encode_array_of_encoded`
    (``split_array(encode(xs)) == (xs, [encode(x) for x in xs])``), for an array whose items
    are hashed one by one (the receipts of a block under its receipts root) without decoding
    and re-encoding each of them in Python.

    Raises :class:`EncodingError` unless ``data`` is one array, with a shortest-form head,
    whose items re-encode (by cbor2, in C) to exactly the rest of ``data``. That fixes the
    boundaries, not the model: the items are checked by :func:`decode`, or by the hash they
    are verified against (the contract of :func:`decode_committed`)."""
    items = decode_committed(data)
    if type(items) is not list:
        raise EncodingError("expected an array")
    try:
        parts = [cbor2.dumps(v) for v in items]
    except Exception as exc:  # a value cbor2 decodes but cannot write back
        raise EncodingError(f"array item cannot be re-encoded: {exc}") from None
    head = _array_head(len(parts))
    if len(data) != len(head) + sum(map(len, parts)) or data != head + b"".join(parts):
        raise EncodingError("array items are not in canonical form (RFC 8949 §4.2.1)")
    return items, parts


def _no_tags(decoder: Any, tag: Any) -> Any:
    raise EncodingError(f"CBOR tag {tag.tag} is not allowed in canonical encoding")


def decode(data: bytes) -> Any:
    """Decode canonical bytes; reject anything malformed, non-canonical or outside the model."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError("expected bytes to decode")
    data = bytes(data)
    try:
        value = cbor2.loads(data, tag_hook=_no_tags)
    except EncodingError:
        raise
    except Exception as exc:  # cbor2 raises several types for malformed input
        raise EncodingError(f"malformed CBOR: {exc}") from None
    try:
        again = encode(value)
    except EncodingError as exc:
        raise EncodingError(f"value outside the canonical model: {exc.message}") from None
    if again != data:
        raise EncodingError("bytes are not in canonical form (RFC 8949 §4.2.1)")
    return value


def decode_committed(data: bytes) -> Any:
    """Decode bytes the caller verifies against a hash the chain committed to before it uses
    what they say (receipts under a QC-verified header's receipts root, a snapshot chunk's
    pairs rebuilt into the subtree hash its manifest folds to the state root).

    The canonical re-encoding check of :func:`decode` (a second encoding in Python, the cost of
    bulk data) is skipped: whichever bytes carried them, values that verify are the committed
    ones. Malformed CBOR, trailing bytes and unknown tags are refused with
    :class:`EncodingError`; a tag cbor2 knows (a date, a bignum) is read as its value, which
    no committed hash matches and no caller takes for bytes. Never use it for bytes that are
    not then verified that way; for the node's own bytes: :func:`decode_trusted`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError("expected bytes to decode")
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp, tag_hook=_no_tags).decode()
    except EncodingError:
        raise
    except Exception as exc:  # cbor2 raises several types for malformed input
        raise EncodingError(f"malformed CBOR: {exc}") from None
    if fp.tell() != len(data):
        raise EncodingError(f"{len(data) - fp.tell()} bytes after the encoded value")
    return value


def decode_trusted(data: bytes) -> Any:
    """Decode bytes this node wrote itself with :func:`encode` (its own committed state).

    Skips the canonical-form re-check; never use it on bytes that came from outside.
    """
    return cbor2.loads(data)
