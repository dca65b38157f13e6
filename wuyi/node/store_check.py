"""Integrity check of a :class:`~wuyi.node.store.Store`, run inside one read transaction.

Every finding raises :class:`StoreCorrupted` with a message that names the database, the height
or key, and what did not match (``docs/store.md``, "Integrity checks").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cbor2
import lmdb

from wuyi.encoding import decode, encode, encode_trusted
from wuyi.exceptions import EncodingError, StoreCorrupted, ValidationError
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import HEADER_DOMAIN, TX_DOMAIN, Block, BlockHeader, Receipt
from wuyi.node.store import (
    _TXLOC,
    _U64,
    DB_BLOCK_INDEX,
    DB_BLOCKS,
    DB_HEADERS,
    DB_META,
    DB_NODE_REFS,
    DB_NODE_ZERO,
    DB_NODES,
    DB_QCS,
    DB_RECEIPTS,
    DB_REPLAY,
    DB_ROOTS,
    DB_STATE,
    DB_STATE_PINS,
    DB_TX_INDEX,
    META_BLOCK_HASH,
    META_BODY_BASE,
    META_HEIGHT,
    META_STATE_BASE,
    META_STATE_REFS,
    META_STATE_ROOT,
    QUICK_BODY_DEPTH,
)

if TYPE_CHECKING:
    from wuyi.node.store import Store

__all__ = ["run_check"]


def _loads_canonical(raw: bytes) -> Any:
    """``wuyi.encoding.decode`` without its pure-Python type walk (the from_obj that follows
    checks the shape): malformed or non-canonical bytes still raise :class:`EncodingError`."""
    try:
        obj = cbor2.loads(raw)
    except Exception as exc:  # cbor2 raises several types for malformed input
        raise EncodingError(f"malformed CBOR: {exc}") from None
    if encode(obj) != raw:
        raise EncodingError("bytes are not in canonical form")
    return obj


def _fail(message: str, **detail: Any) -> StoreCorrupted:
    return StoreCorrupted(message, **detail)


class _Checker:
    def __init__(self, store: Store, txn: lmdb.Transaction) -> None:
        self.store = store
        self.txn = txn
        self.dbs = store._dbs
        self.h = store._hasher
        self.hl = store._hash_len
        self.where = str(store.path)

    def get(self, db: bytes, key: bytes) -> bytes | None:
        handle = self.dbs.get(db)
        if handle is None:
            return None
        v = self.txn.get(key, db=handle)
        return None if v is None else bytes(v)

    def entries(self, db: bytes) -> int:
        handle = self.dbs.get(db)
        return 0 if handle is None else int(self.txn.stat(handle)["entries"])

    @property
    def base(self) -> int:
        """Lowest height above 0 whose body is held (``docs/state-sync.md``)."""
        raw = self.get(DB_META, META_BODY_BASE.encode())
        return 1 if raw is None else int(_U64.unpack(raw)[0])

    # -- meta and the height-keyed dbs ---------------------------------------------------------

    def check_meta(self) -> int:
        raw_height = self.get(DB_META, META_HEIGHT.encode())
        block_hash = self.get(DB_META, META_BLOCK_HASH.encode())
        state_root = self.get(DB_META, META_STATE_ROOT.encode())
        if raw_height is None:
            if block_hash is not None or state_root is not None:
                raise _fail("meta: no height but a block hash / state root is recorded", db="meta")
            for db in (DB_HEADERS, DB_BLOCKS, DB_RECEIPTS, DB_ROOTS, DB_BLOCK_INDEX):
                if self.entries(db):
                    raise _fail(
                        f"meta has no height (empty store) but db '{db.decode()}'"
                        f" holds {self.entries(db)} entries",
                        db=db.decode(),
                    )
            return -1
        if len(raw_height) != _U64.size:
            raise _fail(f"meta: height is {len(raw_height)} bytes, expected 8", db="meta")
        height = int(_U64.unpack(raw_height)[0])
        if block_hash is None or len(block_hash) != self.hl:
            raise _fail(
                f"meta: block hash of height {height} is missing or malformed",
                db="meta",
                height=height,
            )
        if state_root is None or len(state_root) != self.hl:
            raise _fail(
                f"meta: state root of height {height} is missing or malformed",
                db="meta",
                height=height,
            )
        for db, what in (
            (DB_HEADERS, "header"),
            (DB_BLOCKS, "block"),
            (DB_RECEIPTS, "receipts of block"),
            (DB_ROOTS, "state root of block"),
        ):
            if self.get(db, _U64.pack(height)) is None:
                raise _fail(
                    f"meta says height {height} but {what} {height} is missing"
                    f" (db '{db.decode()}')",
                    db=db.decode(),
                    height=height,
                )
            self.check_height_keys(db, height, self.base if db in (DB_BLOCKS, DB_RECEIPTS) else 1)
        if self.entries(DB_BLOCK_INDEX) != height + 1:
            raise _fail(
                f"block_index holds {self.entries(DB_BLOCK_INDEX)} entries for {height + 1} blocks",
                db="block_index",
            )
        return height

    def check_height_keys(self, db: bytes, height: int, base: int = 1) -> None:
        """Keys of a height-keyed db are exactly 0 and base..height (no gap, nothing above);
        bodies below ``base`` were pruned or came before a snapshot."""
        name = db.decode()
        cur = self.txn.cursor(db=self.dbs[db])
        n = self.entries(db)
        if base <= 1:
            if (
                n == height + 1
                and cur.first()
                and cur.key() == _U64.pack(0)
                and cur.last()
                and cur.key() == _U64.pack(height)
            ):
                return  # n distinct sorted keys from 0 to height: exactly 0..height
        elif (
            n == height - base + 2
            and cur.first()
            and cur.key() == _U64.pack(0)
            and cur.next()
            and cur.key() == _U64.pack(base)
            and cur.last()
            and cur.key() == _U64.pack(height)
        ):
            return  # 0, then n - 1 distinct sorted keys from base to height
        cur.first()
        wanted = iter([0, *range(max(base, 1), height + 1)])
        expected = next(wanted)
        for key in cur.iternext(keys=True, values=False):
            if len(key) != _U64.size:
                raise _fail(f"db '{name}': key {bytes(key).hex()} is not a height", db=name)
            got = int(_U64.unpack(key)[0])
            if got > height:
                raise _fail(
                    f"db '{name}': entry for height {got} above meta height {height}"
                    " (uncommitted or tampered data)",
                    db=name,
                    height=got,
                )
            if got != expected:
                what = "missing" if got > expected else f"stored below the base {base}"
                raise _fail(
                    f"db '{name}': height {expected} is {what} (next stored: {got})",
                    db=name,
                    height=expected,
                )
            expected = next(wanted, height + 1)
        raise _fail(
            f"db '{name}': heights {expected}..{height} are missing", db=name, height=expected
        )

    # -- headers -------------------------------------------------------------------------------

    def check_headers(self, height: int) -> dict[int, tuple[bytes, bytes]]:
        """Every header hashes to its stored hash and links to its predecessor. Returns
        ``{height: (hash, header_cbor)}`` for the blocks whose bodies are checked next."""
        hl, h = self.hl, self.h
        keep_from = height - QUICK_BODY_DEPTH + 1
        base = self.base
        kept: dict[int, tuple[bytes, bytes]] = {}
        index_db = self.dbs[DB_BLOCK_INDEX]
        prev_hash: bytes | None = None
        for expected, (key, value) in enumerate(self.txn.cursor(db=self.dbs[DB_HEADERS])):
            n = int(_U64.unpack(key)[0])
            if n != expected:  # check_height_keys already proved 0..height, but be safe
                raise _fail(f"headers: block {expected} is missing", db="headers", height=n)
            stored_hash, body = bytes(value[:hl]), bytes(value[hl:])
            if h(HEADER_DOMAIN + body) != stored_hash:
                raise _fail(
                    f"block {n}: stored header hash does not match its contents",
                    db="headers",
                    height=n,
                )
            try:
                # The hash above authenticates these bytes (written canonical by commit), so a
                # plain CBOR parse suffices here; the strict decode costs 5x more per header.
                obj = cbor2.loads(body)
                header_height, header_prev = obj["height"], obj["prev_hash"]
            except Exception as exc:  # cbor2 raises several types for malformed input
                raise _fail(
                    f"block {n}: stored header does not decode: {exc}", db="headers", height=n
                ) from None
            if header_height != n:
                raise _fail(
                    f"block {n}: header says height {header_height}", db="headers", height=n
                )
            if prev_hash is not None and header_prev != prev_hash:
                raise _fail(
                    f"block {n}: prev_hash does not link to block {n - 1}", db="headers", height=n
                )
            at = self.txn.get(stored_hash, db=index_db)
            if at is None or bytes(at) != key:
                got = "nothing" if at is None else f"height {int(_U64.unpack(at)[0])}"
                raise _fail(
                    f"block_index: hash of block {n} maps to {got}", db="block_index", height=n
                )
            if n >= keep_from and (n == 0 or n >= base):
                kept[n] = (stored_hash, body)
            prev_hash = stored_hash
        meta_hash = self.get(DB_META, META_BLOCK_HASH.encode())
        if prev_hash != meta_hash:
            raise _fail(
                f"meta: block hash does not match the hash of block {height}",
                db="meta",
                height=height,
            )
        return kept

    # -- bodies and receipts ---------------------------------------------------------------------

    def check_body(self, n: int, block_hash: bytes, header_cbor: bytes, full: bool) -> int:
        raw = self.get(DB_BLOCKS, _U64.pack(n))
        if raw is None:
            raise _fail(f"block {n}: body is missing", db="blocks", height=n)
        try:
            block = Block.from_obj(_loads_canonical(raw))
            header = BlockHeader.from_obj(cbor2.loads(header_cbor))
        except (EncodingError, ValidationError, cbor2.CBORDecodeError) as exc:
            raise _fail(
                f"block {n}: stored body does not decode: {exc}", db="blocks", height=n
            ) from None
        if block.header != header:
            raise _fail(
                f"block {n}: the body's header differs from the stored header",
                db="blocks",
                height=n,
            )
        if len(block.txs) != header.tx_count:
            raise _fail(
                f"block {n}: body holds {len(block.txs)} transactions, header says"
                f" tx_count {header.tx_count}",
                db="blocks",
                height=n,
            )
        if compute_root(self.h, block.txs) != header.tx_root:
            raise _fail(
                f"block {n}: transactions do not match the header's tx_root", db="blocks", height=n
            )
        qc = block.qc
        if qc is not None and (qc.height != n or qc.block_hash != block_hash):
            raise _fail(
                f"block {n}: commit certificate is for another block", db="blocks", height=n
            )
        receipts = self.check_receipts(n, header)
        txloc_db = self.dbs[DB_TX_INDEX]
        for i, receipt in enumerate(receipts):
            loc = self.txn.get(receipt.tx_hash, db=txloc_db)
            if loc is None or bytes(loc) != _TXLOC.pack(n, i):
                got = "nothing" if loc is None else str(_TXLOC.unpack(loc))
                raise _fail(
                    f"tx_index: tx {receipt.tx_hash.hex()} (block {n}, index {i}) maps to {got}",
                    db="tx_index",
                    height=n,
                    index=i,
                )
            if full:
                try:
                    body = decode(block.txs[i])["body"]
                    tx_hash = self.h(TX_DOMAIN + encode(body))
                except (EncodingError, KeyError, TypeError) as exc:
                    raise _fail(
                        f"block {n}: transaction {i} does not decode: {exc}",
                        db="blocks",
                        height=n,
                        index=i,
                    ) from None
                if tx_hash != receipt.tx_hash:
                    raise _fail(
                        f"block {n}: receipt {i} is not for transaction {i}",
                        db="receipts",
                        height=n,
                        index=i,
                    )
        return len(receipts)

    def check_receipts(self, n: int, header: BlockHeader) -> list[Receipt]:
        raw = self.get(DB_RECEIPTS, _U64.pack(n))
        if raw is None:
            raise _fail(f"block {n}: receipts are missing", db="receipts", height=n)
        try:
            receipts = [Receipt.from_obj(o) for o in _loads_canonical(raw)]
            leaves = [encode_trusted(r.to_obj()) for r in receipts]  # == Receipt.to_bytes()
        except (EncodingError, ValidationError, TypeError) as exc:
            raise _fail(
                f"block {n}: stored receipts do not decode: {exc}", db="receipts", height=n
            ) from None
        if len(receipts) != header.tx_count:
            raise _fail(
                f"block {n}: {len(receipts)} receipts for {header.tx_count} transactions",
                db="receipts",
                height=n,
            )
        if compute_root(self.h, leaves) != header.receipts_root:
            raise _fail(
                f"block {n}: receipts do not match the header's receipts_root",
                db="receipts",
                height=n,
            )
        return receipts

    def check_qcs(self, base: int) -> None:
        """Every certificate kept for a body not held is for that height and block."""
        handle = self.dbs.get(DB_QCS)
        if handle is None:
            return
        for key, value in self.txn.cursor(db=handle):
            n = int(_U64.unpack(key)[0])
            header = self.get(DB_HEADERS, bytes(key))
            try:
                qc = _loads_canonical(bytes(value))
                ok = header is not None and (qc["height"], qc["block_hash"]) == (
                    n,
                    header[: self.hl],
                )
            except (EncodingError, KeyError, TypeError):
                ok = False
            if not ok or n >= base:
                raise _fail(f"qcs: the certificate kept for block {n} is not block {n}'s", db="qcs")

    # -- state ---------------------------------------------------------------------------------

    def check_state_root(self, height: int) -> bytes:
        root = self.get(DB_META, META_STATE_ROOT.encode())
        assert root is not None  # check_meta
        if self.get(DB_ROOTS, _U64.pack(height)) != root:
            raise _fail(
                f"state_roots: root of block {height} differs from meta state root",
                db="state_roots",
                height=height,
            )
        if root != bytes(self.hl) and self.get(DB_NODES, root) is None:
            raise _fail(
                f"state root node {root.hex()} is missing from db 'nodes'",
                db="nodes",
                key=root.hex(),
            )
        return root

    def check_nodes(self) -> None:
        node_hasher = self.store._node_hasher
        for key, value in self.txn.cursor(db=self.dbs[DB_NODES]):
            k = bytes(key)
            try:
                got = node_hasher(bytes(value))
            except (StoreCorrupted, EncodingError) as exc:
                raise _fail(
                    f"nodes: node {k.hex()} is not a valid node: {exc}", db="nodes", key=k.hex()
                ) from None
            if got != k:
                raise _fail(f"nodes: node {k.hex()} hashes to {got.hex()}", db="nodes", key=k.hex())

    def check_state_refs(self, height: int) -> None:
        """With state pruning on: every held height's root is stored, every stored node's
        children are stored, and ``node_refs`` / ``node_zero`` are exactly the counts of the
        stored nodes' references and held roots (``wuyi.node.state_prune``)."""
        from wuyi.node.state_prune import _U32, children

        empty = bytes(self.hl)
        counts: dict[bytes, int] = {}
        stored: set[bytes] = set()
        for key, value in self.txn.cursor(db=self.dbs[DB_NODES]):
            stored.add(bytes(key))
            for c in children(bytes(value)):
                counts[c] = counts.get(c, 0) + 1
        raw = self.get(DB_META, META_STATE_BASE.encode())
        held = list(range(0 if raw is None else int(_U64.unpack(raw)[0]), height + 1))
        held += [int(_U64.unpack(k)[0]) for k in self.txn.cursor(db=self.dbs[DB_STATE_PINS])
                 .iternext(values=False)]  # fmt: skip
        for n in held:
            root = self.get(DB_ROOTS, _U64.pack(n))
            if root is None:
                raise _fail(f"state_pins: no state root for held height {n}", db="state_pins")
            if root != empty:
                if root not in stored:
                    raise _fail(
                        f"nodes: the state root of held height {n} ({root.hex()}) is missing",
                        db="nodes",
                        height=n,
                    )
                counts[root] = counts.get(root, 0) + 1
        for node in counts:
            if node not in stored:
                raise _fail(
                    f"nodes: node {node.hex()} is referenced but missing",
                    db="nodes",
                    key=node.hex(),
                )
        refs: dict[bytes, int] = {
            bytes(k): int(_U32.unpack(bytes(v))[0])
            for k, v in self.txn.cursor(db=self.dbs[DB_NODE_REFS])
        }
        if refs != counts:
            bad = sorted(set(refs.items()) ^ set(counts.items()))[0][0]
            raise _fail(
                f"node_refs: node {bad.hex()} counts {refs.get(bad, 0)} references,"
                f" the tree {counts.get(bad, 0)}",
                db="node_refs",
                key=bad.hex(),
            )
        zero = {bytes(k) for k in self.txn.cursor(db=self.dbs[DB_NODE_ZERO]).iternext(values=False)}
        if zero != stored - counts.keys():
            bad = sorted(zero ^ (stored - counts.keys()))[0]
            raise _fail(
                f"node_zero: node {bad.hex()} is {'' if bad in zero else 'not '}listed for"
                " deletion but "
                + (
                    "referenced" if bad in counts else "unreferenced" if bad in stored else "absent"
                ),
                db="node_zero",
                key=bad.hex(),
            )

    def check_flat_state(self, root: bytes) -> None:
        """The flat state holds exactly the leaves of the tree under ``root``."""
        from wuyi.state import _nodes

        empty = bytes(self.hl)
        state_db = self.dbs[DB_STATE]
        leaves = 0
        stack = [] if root == empty else [root]
        while stack:
            node_hash = stack.pop()
            raw = self.get(DB_NODES, node_hash)
            if raw is None:
                raise _fail(
                    f"nodes: node {node_hash.hex()} under state root {root.hex()} is missing",
                    db="nodes",
                    key=node_hash.hex(),
                )
            if _nodes.is_internal_encoding(raw):
                stack.extend(c for c in _nodes.decode_internal(raw) if c != empty)
                continue
            key, value = _nodes.decode_leaf(node_hash, raw)
            leaves += 1
            flat = self.txn.get(key, db=state_db)
            if flat is None or bytes(flat) != value:
                what = "missing" if flat is None else "a different value"
                raise _fail(
                    f"state: key {key.hex()} is {what} in the flat state but in the state tree",
                    db="state",
                    key=key.hex(),
                )
        if self.entries(DB_STATE) != leaves:
            raise _fail(
                f"state: flat state holds {self.entries(DB_STATE)} keys, the state tree {leaves}",
                db="state",
            )


def run_check(store: Store, txn: lmdb.Transaction, *, full: bool) -> None:
    c = _Checker(store, txn)
    height = c.check_meta()
    if height < 0:
        return
    kept = c.check_headers(height)
    if full:
        total = 0
        prev = None
        base = c.base
        for key, value in txn.cursor(db=c.dbs[DB_HEADERS]):
            n = int(_U64.unpack(key)[0])
            block_hash, body = bytes(value[: c.hl]), bytes(value[c.hl :])
            if n == 0 or n >= base:
                total += c.check_body(n, block_hash, body, full=True)
            prev = n
        assert prev == height
        replay = c.entries(DB_REPLAY)
        if c.entries(DB_TX_INDEX) != total + replay:
            raise _fail(
                f"tx_index holds {c.entries(DB_TX_INDEX)} entries, the blocks {total}"
                f" transactions and {replay} more are kept for the replay check",
                db="tx_index",
            )
        c.check_qcs(base)
    else:
        for n in sorted(kept):
            block_hash, body = kept[n]
            c.check_body(n, block_hash, body, full=False)
    root = c.check_state_root(height)
    if full:
        c.check_nodes()
        if store._walk_state_tree:
            c.check_flat_state(root)
            if c.get(DB_META, META_STATE_REFS.encode()) is not None:
                c.check_state_refs(height)
