"""State sync, snapshots, pruning and archives on the committee chain (several validators whose
keys the test holds, with validator-set changes), without sockets: a fresh node syncs from a
peer's snapshot through the same ``snap`` requests the network carries, and lying peers are
refused."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.committee_chain import (
    Committee,
    CommitteeNode,
    StepClock,
    build_committee,
    sdk_client,
    serve,
)
from wuyi.cli import app
from wuyi.consensus.certificate import QuorumCertificate
from wuyi.encoding import decode, encode
from wuyi.exceptions import Archived, ProofInvalid, Replay, SyncFailed
from wuyi.ledger.types import BlockHeader
from wuyi.node import snapshots
from wuyi.node.archive import (
    ArchiveReader,
    archive_and_prune,
    list_segments,
    restore_archive,
    verify_archive,
)
from wuyi.node.node import Node
from wuyi.node.snapshots import (
    Manifest,
    SnapshotDir,
    StateSync,
    make_snapshot,
    serve_snap_request,
)
from wuyi.node.store import Store
from wuyi.state import MemoryNodeStore, StateTree
from wuyi.state.chunks import build_subtree, compute_frontier, fold_frontier, iter_leaves


def grow(c: Committee, blocks: int, per_block: int = 2) -> list[bytes]:
    """``blocks`` more blocks of ``per_block`` anchors each; their transaction hashes."""
    hashes = []
    for b in range(blocks):
        for i in range(per_block):
            doc = c.suite.hash(f"doc {c.node.height} {b} {i}".encode())
            hashes.append(c.node.submit(c.builder().anchor(doc, {"n": i}).to_bytes()))
        assert c.node.produce_block() is not None
    return hashes


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Committee, SnapshotDir, list[bytes]]:
    home = tmp_path_factory.mktemp("source")
    c = build_committee(home / "data")
    mp = pytest.MonkeyPatch()
    mp.setattr(snapshots, "CHUNK_LEAVES", 8)  # several chunks: nodes above them are needed too
    txs = grow(c, 24)  # heights 7..30
    snapdir = SnapshotDir(home / "snapshots")
    make_snapshot(c.node.store, c.node.chain.chain_id, 20, snapdir)
    make_snapshot(c.node.store, c.node.chain.chain_id, 30, snapdir)
    mp.undo()
    assert len(Manifest.from_bytes(snapdir.manifest_bytes(30)).chunks) > 4
    return c, snapdir, txs


def fresh(tmp_path: Path, c: Committee) -> Node:
    node = CommitteeNode(c.node.genesis, Store.open(tmp_path / "data", c.suite.hash))
    node.signers = c.node.signers
    return node


Tamper = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def peer(c: Committee, snapdir: SnapshotDir, tamper: Tamper | None = None) -> Any:
    async def request(_peer: bytes, payload: bytes, _timeout: float) -> bytes:
        raw = serve_snap_request(c.node, snapdir, payload)
        if tamper is None:
            return raw
        return encode(tamper(decode(payload), decode(raw)))

    return request


def run_sync(
    node: Node,
    requests: dict[bytes, Any],
    penalized: list[tuple[bytes, str]],
    min_height: int = 1,
    workers: int = 0,
) -> Any:
    """Checks in a thread (``workers = 0``) unless worker processes are asked for."""

    async def request(p: bytes, payload: bytes, timeout: float) -> bytes:
        out: bytes = await requests[p](p, payload, timeout)
        return out

    sync = StateSync(node, request, lambda p, why: penalized.append((p, why)), workers=workers)
    return asyncio.run(sync.run(list(requests), min_height))


# -- the chunking rules (pure) ------------------------------------------------------------------


@pytest.mark.parametrize("n,cut", [(0, 3), (1, 4), (2, 1), (300, 0), (300, 3), (300, 9)])
def test_chunks_fold_to_the_root_and_rebuild_their_subtrees(n: int, cut: int) -> None:
    import hashlib

    def h(b: bytes) -> bytes:
        return hashlib.sha256(b).digest()

    store = MemoryNodeStore()
    tree = StateTree(h, store)
    root, nodes = tree.apply(bytes(32), {f"k{i}".encode(): f"v{i}".encode() for i in range(n)})
    store.put_nodes(nodes)
    frontier = compute_frontier(store, root, cut)
    got, prefixes = fold_frontier(h, frontier)
    assert got == root
    rebuilt: dict[bytes, bytes] = {}
    for (depth, node), prefix in zip(frontier, prefixes, strict=True):
        pairs = list(iter_leaves(store, node))
        sub, sub_nodes = build_subtree(h, pairs, depth, prefix)
        assert sub == node
        rebuilt.update(sub_nodes)
    assert all(store.nodes[k] == v for k, v in rebuilt.items())  # the very nodes
    if len(frontier) > 1:  # items swapped, or a chunk given another's keys, fail
        try:
            swapped = fold_frontier(h, [frontier[1], frontier[0], *frontier[2:]])[0]
        except ProofInvalid:
            swapped = None
        assert swapped != root
        i = next(i for i, (_, nd) in enumerate(frontier) if nd != bytes(32))
        j = next(j for j, (_, nd) in enumerate(frontier) if j != i and nd != bytes(32))
        with pytest.raises(ProofInvalid):
            build_subtree(h, list(iter_leaves(store, frontier[j][1])), frontier[i][0], prefixes[i])


# -- state sync ---------------------------------------------------------------------------------


def test_a_fresh_node_syncs_from_the_highest_snapshot_and_checks_everything(
    source: tuple[Committee, SnapshotDir, list[bytes]], tmp_path: Path
) -> None:
    c, snapdir, txs = source
    node = fresh(tmp_path, c)
    penalized: list[tuple[bytes, str]] = []
    result = run_sync(node, {b"p1": peer(c, snapdir)}, penalized)
    assert penalized == []
    assert result.height == 30 and node.height == 30
    assert node.store.state_root == c.node.store.get_state_root(30)
    assert node.store.get_block_hash(30) == c.node.store.get_block_hash(30)
    assert node.store.body_base == 30
    # the changes' certificates are kept, the sets derived from genesis work
    assert node.validators(30) == c.node.validators(30)
    assert node.validator_changes() == c.node.validator_changes(30)
    # every transaction of the window stays a replay; the bodies are not held
    old = c.node.get_tx(txs[0])
    with pytest.raises(Replay):
        node.submit(old.tx.to_bytes())
    with pytest.raises(Archived, match="keeps bodies from height 30"):
        node.get_tx(txs[0])
    # the store is whole (full check: nodes, flat state = tree, tx_index = window + block 30)
    node.store.check_integrity("full")
    # and it follows: the next block from the source applies on top of the synced state
    grow(c, 1)
    nxt = c.node.store.get_block(31)
    from wuyi.ledger.execute import apply_block

    with node.store.snapshot() as view:
        res = apply_block(
            node.chain,
            view,
            StateTree(node.suite.hash, view),
            view.get_header(30),
            nxt,
            is_committed=lambda h: view.get_tx_location(h) is not None,
        )
    assert res.state_root == nxt.header.state_root
    node.close()


def _chunk_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "chunk" and req["index"] == 0:
        pairs = decode(resp["chunk"])
        pairs[0][1] = pairs[0][1] + b"!"
        resp["chunk"] = encode(pairs)
    return resp


def _manifest_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "manifest":
        m = Manifest.from_bytes(resp["manifest"])
        d, _old, n = m.chunks[0]
        resp["manifest"] = dataclasses.replace(
            m, chunks=((d, bytes(32), n), *m.chunks[1:])
        ).to_bytes()
    return resp


def _header_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "headers":
        hs = [BlockHeader.from_obj(decode(r)) for r in resp["headers"]]
        hs[4] = dataclasses.replace(hs[4], time=hs[4].time + 1)
        resp["headers"] = [encode(x.to_obj()) for x in hs]
    return resp


def _qc_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "block":
        blk = decode(resp["block"])
        qc = QuorumCertificate.from_obj(blk["qc"])
        blk["qc"] = dataclasses.replace(qc, signatures=qc.signatures[:2]).to_obj()  # no quorum
        resp["block"] = encode(blk)
    return resp


def _change_hider(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "changes":
        resp["changes"] = resp["changes"][:1]
    return resp


def _receipt_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "receipts":
        resp["receipts"] = [rs[:-1] if rs else rs for rs in resp["receipts"]]
    return resp


def _old_peer(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    """A peer that predates ``receipt_lists`` (answers it as an unknown request)."""
    if req["q"] == "receipt_lists":
        return {"error": "unknown snap request 'receipt_lists'"}
    return resp


def _old_receipt_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    return _receipt_liar(req, _old_peer(req, resp))


def _edit_receipt_lists(
    req: dict[str, Any], resp: dict[str, Any], edit: Callable[[list[Any]], list[Any]]
) -> dict[str, Any]:
    """Apply ``edit`` to the decoded receipts of the last non-empty block of a
    ``receipt_lists`` answer (re-encoded canonically: only the content lies)."""
    if req["q"] == "receipt_lists":
        lists = resp["receipt_lists"]
        i = max(i for i, raw in enumerate(lists) if decode(raw))
        lists[i] = encode(edit(decode(lists[i])))
    return resp


def _receipt_lists_dropper(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    return _edit_receipt_lists(req, resp, lambda rs: rs[:-1])  # hides a transaction


def _receipt_lists_forger(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    def forge(rs: list[Any]) -> list[Any]:
        rs[0]["tx_hash"] = bytes(32)  # names another transaction than the committed one
        return rs

    return _edit_receipt_lists(req, resp, forge)


def _receipt_lists_garbler(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "receipt_lists":
        resp["receipt_lists"][0] = resp["receipt_lists"][0] + b"\x00"  # trailing bytes
    return resp


def _receipt_lists_withholder(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "receipt_lists":
        resp["receipt_lists"] = []
    return resp


def _late_chunk_liar(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "chunk" and req["index"] == 3:  # in the second write group (of 2)
        pairs = decode(resp["chunk"])
        pairs[-1][1] = pairs[-1][1] + b"!"
        resp["chunk"] = encode(pairs)
    return resp


def _chunk_key_swapper(req: dict[str, Any], resp: dict[str, Any]) -> dict[str, Any]:
    if req["q"] == "chunk" and req["index"] == 1:
        pairs = decode(resp["chunk"])
        pairs[0], pairs[1] = pairs[1], pairs[0]
        resp["chunk"] = encode(pairs)
    return resp


@pytest.mark.parametrize(
    "tamper,reason",
    [
        (_chunk_liar, "does not hash to the manifest's subtree"),
        (_manifest_liar, "do not fold to block 30's state root"),
        (_header_liar, "does not link"),
        (_qc_liar, "quorum certificate"),
        (_change_hider, "validator set"),
        (_old_receipt_liar, "receipts of block"),
        (_receipt_lists_dropper, "do not match its receipts_root"),
        (_receipt_lists_forger, "do not match its receipts_root"),
        (_receipt_lists_garbler, "are malformed"),
        (_receipt_lists_withholder, "no receipt lists"),
        (_late_chunk_liar, "does not hash to the manifest's subtree"),
        (_chunk_key_swapper, "strict key-hash order"),
    ],
)
def test_a_lying_peer_is_penalised_and_an_honest_one_used(
    source: tuple[Committee, SnapshotDir, list[bytes]],
    tmp_path: Path,
    tamper: Tamper,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c, snapdir, _ = source
    monkeypatch.setattr(snapshots, "CHUNKS_PER_WRITE", 2)  # several write groups
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BLOCKS", 4)  # several answers
    node = fresh(tmp_path, c)
    penalized: list[tuple[bytes, str]] = []
    result = run_sync(
        node, {b"liar": peer(c, snapdir, tamper), b"honest": peer(c, snapdir)}, penalized
    )
    assert [p for p, _ in penalized] == [b"liar"]
    assert reason in penalized[0][1]
    assert result.peer == b"honest" and node.height == 30
    assert node.store.state_root == c.node.store.get_state_root(30)
    node.store.check_integrity("full")
    node.close()


@pytest.mark.parametrize(
    "tamper,reason",
    [
        (_chunk_liar, "does not hash to the manifest's subtree"),
        (_late_chunk_liar, "does not hash to the manifest's subtree"),
        (_chunk_key_swapper, "strict key-hash order"),
        (_receipt_lists_forger, "do not match its receipts_root"),
        (_receipt_lists_garbler, "are malformed"),
    ],
)
def test_worker_processes_refuse_a_lying_peer_and_install_an_honest_one(
    source: tuple[Committee, SnapshotDir, list[bytes]],
    tmp_path: Path,
    tamper: Tamper,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The chunks and receipt arrays checked in worker processes (the default on a node):
    a bad one is refused with the same reason as in a thread, the honest peer's installed."""
    c, snapdir, _ = source
    monkeypatch.setattr(snapshots, "CHUNKS_PER_WRITE", 2)
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BLOCKS", 4)
    node = fresh(tmp_path, c)
    penalized: list[tuple[bytes, str]] = []
    requests = {b"liar": peer(c, snapdir, tamper), b"honest": peer(c, snapdir)}
    result = run_sync(node, requests, penalized, workers=2)
    assert [p for p, _ in penalized] == [b"liar"]
    assert reason in penalized[0][1]
    assert result.peer == b"honest" and node.height == 30
    assert node.store.state_root == c.node.store.get_state_root(30)
    node.store.check_integrity("full")
    node.close()


def test_a_peer_without_receipt_lists_is_asked_block_by_block(
    source: tuple[Committee, SnapshotDir, list[bytes]], tmp_path: Path
) -> None:
    c, snapdir, txs = source
    node = fresh(tmp_path, c)
    penalized: list[tuple[bytes, str]] = []
    result = run_sync(node, {b"old": peer(c, snapdir, _old_peer)}, penalized)
    assert penalized == [] and result.height == 30
    before = sum(c.node.store.get_header(h).tx_count for h in range(1, 30))
    assert result.window_txs == before  # every transaction before block 30 (all unexpired)
    with pytest.raises(Replay):
        node.submit(c.node.get_tx(txs[0]).tx.to_bytes())
    node.store.check_integrity("full")
    node.close()


def test_receipt_lists_serve_the_stored_arrays_within_their_limits(
    source: tuple[Committee, SnapshotDir, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuyi.encoding import encode_array_of_encoded, split_array

    c, snapdir, _ = source

    def ask(start: int, n: int) -> list[bytes]:
        q = {"q": "receipt_lists", "from": start, "max": n}
        got: list[bytes] = decode(serve_snap_request(c.node, snapdir, encode(q)))["receipt_lists"]
        return got

    lists = ask(1, 1000)
    assert len(lists) == c.node.height  # no more than the chain holds
    for h, raw in enumerate(lists, 1):
        receipts = c.node.store.get_receipts(h)
        assert raw == encode_array_of_encoded([r.to_bytes() for r in receipts])
        assert split_array(raw)[1] == [r.to_bytes() for r in receipts]
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BLOCKS", 5)
    assert ask(3, 1000) == lists[2:7]
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BYTES", len(lists[9]) + len(lists[10]))
    assert ask(10, 1000) == lists[9:11]  # the bytes limit
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BYTES", 1)
    assert ask(10, 1000) == lists[9:10]  # one block always goes
    bad = decode(serve_snap_request(c.node, snapdir, encode({"q": "receipt_lists", "from": 0,
                                                              "max": 3})))  # fmt: skip
    assert "error" in bad and bad["code"] == "invalid"


def test_a_window_with_empty_blocks_is_fetched_in_bulk_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A prebuilt chain (transactions every third block) synced with small answers: empty
    blocks come as empty arrays under the empty receipts root, the window is whole, and every
    unexpired transaction of it is a replay on the synced node."""
    import shutil
    import time

    from wuyi.crypto import load_key
    from wuyi.node.cluster import create_network
    from wuyi.node.home import NodeHome, OrgSpec
    from wuyi.params import ChainParams
    from wuyi.testing.prebuilt import ChainShape, extend_chain

    spec = create_network(
        tmp_path / "net", 3, chain_id="bulk-window", suite="intl",
        orgs=[OrgSpec("sjj", "政数局", True)], passphrase="pw", params=ChainParams(),
        time_ms=int(time.time() * 1000) - 3_600_000,
    )  # fmt: skip
    home = spec.nodes[0].home
    keys = [NodeHome(nd.home).load_validator_key("pw") for nd in spec.nodes]
    admin = load_key(spec.admin_keys["sjj"], "pw")
    assert extend_chain(home, keys, admin, 60, ChainShape(3, 4)) == 80
    server = Node.open(home, check="none")
    snapdir = SnapshotDir(home / "data" / "snapshots")
    make_snapshot(server.store, server.chain.chain_id, 60, snapdir)
    monkeypatch.setattr(snapshots, "RECEIPT_LISTS_BLOCKS", 7)
    asked: list[int] = []

    async def request(_peer: bytes, payload: bytes, _timeout: float) -> bytes:
        req = decode(payload)
        if req["q"] in ("receipt_lists", "receipts"):
            asked.append(req["from"] if req["q"] == "receipt_lists" else -1)
        return serve_snap_request(server, snapdir, payload)

    dest = tmp_path / "joiner"
    dest.mkdir()
    shutil.copy(home / "genesis.json", dest / "genesis.json")
    node = Node.open(dest)
    penalized: list[tuple[bytes, str]] = []
    result = run_sync(node, {b"p": request}, penalized)
    assert penalized == [] and result.height == 60
    assert asked == list(range(1, 60, 7))  # bulk answers only, none per block
    assert result.window_txs == 76  # blocks 3, 6, ..., 57: 4 each
    assert set(result.seconds) == {"headers", "chunks", "window", "install"}
    tx = server.store.get_block(57).txs[0]
    with pytest.raises(Replay):
        node.submit(tx)
    node.store.check_integrity("full")
    node.close()
    server.close()


def test_a_snapshot_install_not_finished_leaves_the_store_as_it_was(
    source: tuple[Committee, SnapshotDir, list[bytes]], tmp_path: Path
) -> None:
    from wuyi.exceptions import InvariantBroken

    c, _, _ = source
    node = fresh(tmp_path, c)
    store = node.store
    before = (store.state_root, list(store.iter_prefix(b"")))
    writer = store.begin_snapshot_install()
    writer.put_state([(b"k", b"v")], [(bytes(32), b"not a node")])  # the state is emptied too
    assert list(store.iter_prefix(b"")) == before[1]  # readers see nothing of it
    writer.abort()
    writer.abort()  # idempotent
    with pytest.raises(InvariantBroken, match="already ended"):
        writer.put_state([], [])
    assert (store.state_root, list(store.iter_prefix(b""))) == before
    assert store.get_node(bytes(32)) is None
    store.check_integrity("full")
    node.close()
    # only into a store at genesis
    with pytest.raises(InvariantBroken, match="only into a store at genesis"):
        c.node.store.begin_snapshot_install().put_state([], [])
    c.node.store.check_integrity("quick")


def test_only_liars_leave_the_store_at_genesis(
    source: tuple[Committee, SnapshotDir, list[bytes]], tmp_path: Path
) -> None:
    c, snapdir, _ = source
    node = fresh(tmp_path, c)
    penalized: list[tuple[bytes, str]] = []
    with pytest.raises(SyncFailed, match="no offered snapshot"):
        run_sync(node, {b"liar": peer(c, snapdir, _chunk_liar)}, penalized)
    assert node.height == 0 and len(penalized) == 2  # both offers (30 and 20) refused
    node.store.check_integrity("full")
    # no snapshot high enough: nothing to do (block sync from genesis instead)
    assert run_sync(node, {b"p": peer(c, snapdir)}, penalized, min_height=31) is None
    node.close()


# -- pruning and archives -------------------------------------------------------------------


def test_pruned_bodies_go_to_verifiable_archives_and_come_back(tmp_path: Path) -> None:
    c = build_committee(tmp_path / "data")
    txs = grow(c, 30)  # heights 7..36
    node = c.node
    arch = tmp_path / "archive"
    root_before = node.store.state_root
    files = archive_and_prune(node, arch, 20)
    assert [p.name for p in files] == ["blocks-000000000001-000000000020.wuyiarc"]
    assert node.store.body_base == 21
    node.store.check_integrity("full")
    assert node.store.state_root == root_before
    # an archived transaction: its block is not in the store, but found and proven
    assert node.store.get_tx_location(txs[0]) == (7, 0)  # unexpired: kept for the replay check
    with pytest.raises(Archived):
        node.get_tx(txs[0])
    node.archive = ArchiveReader(arch)
    info = node.get_tx(txs[0])
    assert info.height == 7
    with serve(node) as transport:
        client = sdk_client(transport, genesis_hash=node.genesis_hash)
        got = client.get_tx(txs[0].hex(), verify=True)
        assert got.height == 7
    # still a replay: unexpired transactions of pruned blocks stay in the replay check
    with pytest.raises(Replay):
        node.submit(info.tx.to_bytes())
    # the archive verifies from genesis alone (validator changes at 3 and 5 inside it)
    last = verify_archive(
        arch, node.suite, node.chain.chain_id, node.store.get_header(0), node.validators(0),
        pinned=node.genesis_hash,
    )  # fmt: skip
    assert last == 20
    # a tampered archive is refused, naming the block
    seg_path = list_segments(arch)[0][2]
    seg = decode(seg_path.read_bytes())
    good = seg_path.read_bytes()
    seg["blocks"][9][1] = seg["blocks"][9][1][:-1]  # block 10 loses a receipt
    seg_path.write_bytes(encode(seg))
    with pytest.raises(ProofInvalid, match="block 10's receipts"):
        verify_archive(arch, node.suite, node.chain.chain_id, node.store.get_header(0),
                       node.validators(0))  # fmt: skip
    seg_path.write_bytes(good)
    genesis = tmp_path / "genesis.json"
    node.genesis.save(genesis)
    pin = node.genesis_hash.hex()
    args = ["archive", "verify", "--dir", str(arch), "--genesis", str(genesis)]
    r = CliRunner().invoke(app, [*args, "--genesis-hash", pin])
    assert r.exit_code == 0 and "blocks 1..20" in r.output, r.output
    # and it restores the full history (the node stopped)
    node.close()
    r = CliRunner().invoke(app, ["archive", "restore", "--home", str(tmp_path), "--dir", str(arch)])
    assert r.exit_code == 0 and "from height 1" in r.output, r.output
    node = Node.open(tmp_path, check="full")
    assert node.store.get_block(7).compute_hash(node.suite) == node.store.get_block_hash(7)
    assert node.get_tx(txs[0]).height == 7
    node.close()


def test_a_state_synced_node_becomes_a_full_history_node_from_an_archive(
    source: tuple[Committee, SnapshotDir, list[bytes]], tmp_path: Path
) -> None:
    c, snapdir, txs = source
    node = fresh(tmp_path, c)
    run_sync(node, {b"p": peer(c, snapdir)}, [])
    # an archive node's segments for 1..29 (written from a copy of the source)
    copy = tmp_path / "copy"
    c.node.store.copy_to(copy / "chain.lmdb")
    other = CommitteeNode(c.node.genesis, Store.open(copy, c.suite.hash))
    archive_and_prune(other, tmp_path / "arch", 29)
    other.close()
    assert restore_archive(node, tmp_path / "arch") == 1
    node.store.check_integrity("full")
    assert node.get_tx(txs[0]).height == 7
    node.close()


def test_snapshot_files_are_kept_k_deep(tmp_path: Path) -> None:
    c = build_committee(tmp_path / "data")
    snapdir = SnapshotDir(tmp_path / "snaps")
    for h in (2, 4, 6):
        make_snapshot(c.node.store, c.node.chain.chain_id, h, snapdir)
    snapdir.prune(2)
    assert snapdir.heights() == [4, 6]
    m = Manifest.from_bytes(snapdir.manifest_bytes(6))
    assert m.state_root == c.node.store.get_state_root(6)
    assert fold_frontier(c.suite.hash, [(d, hh) for d, hh, _ in m.chunks])[0] == m.state_root
    _ = StepClock  # the committee's clock, imported for its type
