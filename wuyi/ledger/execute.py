"""The block transition, written as a list of named steps.

    apply_block(chain, state, tree, parent, block):
        validate_header_link(parent, block.header)
        params, valset_hash  = read the chain's parameters and validator set
        for each transaction:
            tx, tx_hash       = validate_admission(...)    # invalid -> the whole block is invalid
                                # (includes validate_sender: only members and citizens' DIDs
                                #  write, judged on the state the block's earlier txs left)
            sidecars          = collect_sidecars(...)      # the tx's private side-cars, by hash;
                                # one this node lacks -> SidecarMissing (never run differently)
            receipt           = process_transaction(...)   # failure -> reverted, receipt says why
        process_validator_switch(...)                    # a scheduled set becomes current
        tx_root, receipts_root = RFC 6962 roots over the tx bytes and the receipts
                                 (side-cars are not in either: the tx carries their hashes)
        state_root, nodes      = tree.apply(parent.state_root, block writes)
        validate_roots(block.header, computed)              # mismatch -> block invalid

Everything here is pure: no clock, no randomness, no I/O. Committed state is read through a
``KVReader``, tree nodes through a ``NodeReader``; the caller persists the result atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from wuyi.abc import KVReader
from wuyi.crypto import address_of
from wuyi.encoding import decode
from wuyi.exceptions import (
    BlockInvalid,
    EncodingError,
    Expired,
    InvalidSignature,
    InvariantBroken,
    NotFound,
    Oversize,
    Replay,
    SidecarMissing,
    TxRejected,
    UnknownKind,
    ValidationError,
    WrongChain,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.admission import validate_sender
from wuyi.ledger.handlers import HANDLERS, ChainSpec, ExecContext
from wuyi.ledger.handlers.validators import process_validator_switch
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.sidecar import REF_PREFIX, SidecarLookup, collect_sidecars
from wuyi.ledger.state_view import BlockState
from wuyi.ledger.types import Block, BlockHeader, Receipt, Transaction
from wuyi.params import ChainParams
from wuyi.state import StateTree

__all__ = [
    "BlockResult",
    "apply_block",
    "build_block",
    "compute_tx_gas",
    "process_transaction",
    "read_params",
    "validate_admission",
    "validate_header_link",
]

_SIDECAR_MARK = REF_PREFIX.encode()
IsCommitted = Callable[[bytes], bool]
IsVerified = Callable[[bytes], bool]
Known = tuple[Transaction, bytes, ChainParams | None]
Decoded = Callable[[bytes], Known | None]


@dataclass(slots=True)
class BlockResult:
    """Everything the store must persist for one block, besides the block itself."""

    receipts: list[Receipt]
    tx_hashes: list[bytes]
    changes: dict[bytes, bytes | None]
    new_nodes: dict[bytes, bytes]
    state_root: bytes
    receipts_root: bytes
    tx_root: bytes
    next_validator_set_hash: bytes
    rejected: list[tuple[bytes, WuyiError]] = field(default_factory=list)
    txs: list[Transaction] = field(default_factory=list)
    sidecars: dict[bytes, bytes] = field(default_factory=dict)
    """The private side-cars the block's transactions reference (hash -> bytes): kept in the
    node's private store with the block, never in it."""


def read_params(state: KVReader) -> ChainParams:
    raw = state.get(keys.PARAMS)
    if raw is None:
        raise InvariantBroken("state has no chain parameters")
    return ChainParams.from_obj(decode(raw))


def compute_valset_hash(chain: ChainSpec, state: KVReader) -> bytes:
    raw = state.get(keys.VALIDATORS)
    if raw is None:
        raise InvariantBroken("state has no validator set")
    return chain.suite.hash(b"wuyi/valset\x00" + raw)


def compute_tx_gas(params: ChainParams, tx_bytes: bytes, sidecar_bytes: int = 0) -> int:
    """The base cost of a transaction: ``tx_base_gas`` plus ``tx_byte_gas`` per byte of its
    wire form and of its side-cars (which every validator receives and stores as well)."""
    return params.tx_base_gas + params.tx_byte_gas * (len(tx_bytes) + sidecar_bytes)


def validate_admission(
    chain: ChainSpec,
    params: ChainParams,
    tx_bytes: bytes,
    *,
    state: KVReader,
    height: int,
    is_committed: IsCommitted,
    is_verified: IsVerified | None = None,
    known: Known | None = None,
) -> tuple[Transaction, bytes]:
    """Checks that make a transaction acceptable at ``height`` at all.

    Raises a :class:`TxRejected` subclass (or ``EncodingError``/``InvalidSignature``) naming the
    problem. Mempool calls this at the door; a block containing such a transaction is invalid.
    ``state`` is what the sender rule (:func:`wuyi.ledger.admission.validate_sender`: only
    members, and citizens' DIDs for what a DID may send) reads: the committed state at the
    door, the block's state before this transaction during execution. The rule runs before the
    signature check, so a stranger's transaction costs no signature verification.
    ``known`` is the already decoded transaction, its hash and the parameters its payload was
    statically validated under (from the mempool), if any — the static checks are skipped only
    if those are the current parameters; ``is_verified(tx_hash)`` says the signature was
    already checked.
    """
    if len(tx_bytes) > params.max_tx_bytes:
        raise Oversize(
            f"transaction is {len(tx_bytes)} bytes; the limit is {params.max_tx_bytes}",
            size=len(tx_bytes),
            limit=params.max_tx_bytes,
        )
    validated_under: ChainParams | None = None
    if known is not None:
        tx, tx_hash, validated_under = known
    else:
        tx = Transaction.from_bytes(tx_bytes)
        tx_hash = chain.suite.hash(tx.signing_bytes())
    if tx.chain_id != chain.chain_id:
        raise WrongChain(f"transaction is for chain '{tx.chain_id}', this is '{chain.chain_id}'")
    handler = HANDLERS.get(tx.kind)
    if handler is None:
        raise UnknownKind(f"unknown transaction kind '{tx.kind}'", kind=tx.kind)
    if validated_under != params:
        handler.static_validate(tx.payload, chain, params)
    if height > tx.expiry:
        raise Expired(f"transaction expired at height {tx.expiry}; chain is at {height}")
    if tx.expiry > height + params.max_expiry_window:
        raise TxRejected(
            f"expiry {tx.expiry} is more than {params.max_expiry_window} heights ahead"
        )
    if is_committed(tx_hash):
        raise Replay(f"transaction {tx_hash.hex()} is already committed", tx_hash=tx_hash.hex())
    validate_sender(chain, state, tx)
    # An invalid public key cannot verify any signature, so verify() alone decides.
    if (is_verified is None or not is_verified(tx_hash)) and not chain.suite.verify(
        tx.sender, tx.signing_bytes(), tx.signature
    ):
        raise InvalidSignature("transaction signature does not verify for its sender")
    return tx, tx_hash


def process_transaction(
    chain: ChainSpec,
    block_state: BlockState,
    params: ChainParams,
    height: int,
    time: int,
    tx: Transaction,
    tx_hash: bytes,
    gas: int,
    sidecars: dict[bytes, bytes] | None = None,
) -> Receipt:
    """Run one admitted transaction (with the side-cars it references); on failure revert
    its writes and say why."""
    handler = HANDLERS[tx.kind]
    ctx = ExecContext(
        chain=chain,
        state=block_state.begin_tx(),
        params=params,
        height=height,
        time=time,
        tx=tx,
        tx_hash=tx_hash,
        sender_address=address_of(chain.suite, tx.sender),
        gas_used=gas,
        sidecars=sidecars or {},
    )
    try:
        handler.dynamic_validate(ctx)
        handler.authorize(ctx)
        handler.apply(ctx)
    except (ValidationError, EncodingError, NotFound) as exc:
        # Contract handlers add the gas a failed call used before re-raising.
        return Receipt(tx_hash, exc.code, exc.message, (), ctx.gas_used)
    block_state.merge(ctx.state)
    return Receipt(tx_hash, "ok", "", tuple(ctx.events), ctx.gas_used)


def validate_header_link(chain: ChainSpec, parent: BlockHeader, header: BlockHeader) -> None:
    if header.chain_id != chain.chain_id:
        raise BlockInvalid(f"block is for chain '{header.chain_id}'")
    if header.height != parent.height + 1:
        raise BlockInvalid(f"block height {header.height} does not follow {parent.height}")
    if header.prev_hash != parent.compute_hash(chain.suite):
        raise BlockInvalid(f"block {header.height}: prev_hash does not match the parent block")
    if header.time < parent.time:
        raise BlockInvalid(f"block {header.height}: time goes backwards")


def _execute(
    chain: ChainSpec,
    state: KVReader,
    tree: StateTree,
    parent: BlockHeader,
    height: int,
    time: int,
    txs: Iterable[bytes],
    *,
    is_committed: IsCommitted,
    is_verified: IsVerified | None,
    decoded: Decoded | None,
    sidecars: SidecarLookup | None,
    strict: bool,
) -> tuple[list[bytes], BlockResult]:
    params = read_params(state)
    block_state = BlockState(state)
    included: list[bytes] = []
    receipts: list[Receipt] = []
    tx_hashes: list[bytes] = []
    decoded_txs: list[Transaction] = []
    used_sidecars: dict[bytes, bytes] = {}
    rejected: list[tuple[bytes, WuyiError]] = []
    in_block: set[bytes] = set()
    total_bytes = 0
    total_gas = 0

    def committed_or_in_block(h: bytes) -> bool:
        return h in in_block or is_committed(h)

    for raw in txs:
        try:
            if len(included) >= params.max_block_txs:
                raise BlockInvalid(f"block has more than {params.max_block_txs} transactions")
            if total_bytes + len(raw) > params.max_block_bytes:
                raise BlockInvalid(f"block exceeds {params.max_block_bytes} bytes")
            tx, tx_hash = validate_admission(
                chain,
                params,
                raw,
                state=block_state,
                height=height,
                is_committed=committed_or_in_block,
                is_verified=is_verified,
                known=None if decoded is None else decoded(raw),
            )
            mine = (
                collect_sidecars(chain.suite, tx.payload, lookup=sidecars)
                if _SIDECAR_MARK in tx.body_bytes()
                else {}
            )
            sc_bytes = sum(len(d) for d in mine.values())
            if sc_bytes and len(raw) + sc_bytes > params.max_tx_bytes:
                raise Oversize(
                    f"the transaction and its side-cars are {len(raw) + sc_bytes} bytes; the"
                    f" limit is {params.max_tx_bytes}"
                )
            if total_bytes + len(raw) + sc_bytes > params.max_block_bytes:
                raise BlockInvalid(f"block exceeds {params.max_block_bytes} bytes")
            gas = compute_tx_gas(params, raw, sc_bytes)
            if total_gas + gas > params.block_gas_limit:
                raise BlockInvalid(f"block exceeds the gas limit {params.block_gas_limit}")
        except SidecarMissing as exc:
            if strict:
                # This node lacks the bytes; the block may be fine. Never executed otherwise.
                raise SidecarMissing(
                    f"block {height}: transaction {len(included)} needs side-car"
                    f" {exc.detail.get('sidecar', '?')}, which this node does not hold",
                    sidecar=exc.detail.get("sidecar", ""),
                    height=height,
                ) from None
            rejected.append((raw, exc))
            continue
        except WuyiError as exc:
            if strict:
                raise BlockInvalid(
                    f"block {height}: transaction {len(included)} is not admissible: {exc.message}"
                ) from None
            if isinstance(exc, BlockInvalid):
                break  # the block is full; the rest waits for the next one
            rejected.append((raw, exc))
            continue
        reserve = HANDLERS[tx.kind].reserved_gas(tx.payload, params, mine)
        if reserve and total_gas + gas + reserve > params.block_gas_limit:
            if strict:
                raise BlockInvalid(
                    f"block {height}: transaction {len(included)} does not fit the remaining"
                    f" block gas ({params.block_gas_limit - total_gas} left)"
                )
            break  # the block is full; the call waits for the next one
        in_block.add(tx_hash)
        total_bytes += len(raw) + sc_bytes
        used_sidecars.update(mine)
        receipt = process_transaction(
            chain, block_state, params, height, time, tx, tx_hash, gas, mine
        )
        total_gas += receipt.gas_used
        receipts.append(receipt)
        included.append(raw)
        tx_hashes.append(tx_hash)
        decoded_txs.append(tx)

    process_validator_switch(block_state, height)
    h = chain.suite.hash
    changes = dict(sorted(block_state.writes.items()))
    state_root, new_nodes = tree.apply(parent.state_root, changes)
    next_valset = block_state.get(keys.VALIDATORS)
    assert next_valset is not None
    result = BlockResult(
        receipts=receipts,
        tx_hashes=tx_hashes,
        changes=changes,
        new_nodes=new_nodes,
        state_root=state_root,
        receipts_root=compute_root(h, [r.to_bytes() for r in receipts]),
        txs=decoded_txs,
        tx_root=compute_root(h, included),
        next_validator_set_hash=h(b"wuyi/valset\x00" + next_valset),
        rejected=rejected,
        sidecars=used_sidecars,
    )
    return included, result


def build_block(
    chain: ChainSpec,
    state: KVReader,
    tree: StateTree,
    parent: BlockHeader,
    txs: Sequence[bytes],
    *,
    time: int,
    proposer: bytes,
    is_committed: IsCommitted,
    is_verified: IsVerified | None = None,
    decoded: Decoded | None = None,
    sidecars: SidecarLookup | None = None,
) -> tuple[Block, BlockResult]:
    """Propose the next block from candidate ``txs``; inadmissible ones are left out and listed
    in ``result.rejected`` with their reasons. ``sidecars`` finds the private side-cars the
    transactions reference (the pool's); ``result.sidecars`` are those the block uses."""
    height = parent.height + 1
    time = max(time, parent.time)
    included, result = _execute(
        chain,
        state,
        tree,
        parent,
        height,
        time,
        txs,
        is_committed=is_committed,
        is_verified=is_verified,
        decoded=decoded,
        sidecars=sidecars,
        strict=False,
    )
    header = BlockHeader(
        chain_id=chain.chain_id,
        height=height,
        prev_hash=parent.compute_hash(chain.suite),
        time=time,
        proposer=proposer,
        tx_count=len(included),
        tx_root=result.tx_root,
        state_root=result.state_root,
        receipts_root=result.receipts_root,
        validator_set_hash=compute_valset_hash(chain, state),
        next_validator_set_hash=result.next_validator_set_hash,
    )
    return Block(header, tuple(included)), result


def apply_block(
    chain: ChainSpec,
    state: KVReader,
    tree: StateTree,
    parent: BlockHeader,
    block: Block,
    *,
    is_committed: IsCommitted,
    is_verified: IsVerified | None = None,
    decoded: Decoded | None = None,
    sidecars: SidecarLookup | None = None,
) -> BlockResult:
    """Validate and execute a block someone else proposed; raise :class:`BlockInvalid`, or
    :class:`SidecarMissing` (naming the height and side-car) if ``sidecars`` cannot find a
    side-car a transaction references — this node cannot execute it, whether or not the
    block is valid."""
    header = block.header
    validate_header_link(chain, parent, header)
    if header.tx_count != len(block.txs):
        raise BlockInvalid(f"block {header.height}: tx_count does not match its transactions")
    if header.validator_set_hash != compute_valset_hash(chain, state):
        raise BlockInvalid(f"block {header.height}: validator_set_hash is not the current set")
    _, result = _execute(
        chain,
        state,
        tree,
        parent,
        header.height,
        header.time,
        block.txs,
        is_committed=is_committed,
        is_verified=is_verified,
        decoded=decoded,
        sidecars=sidecars,
        strict=True,
    )
    for name in ("tx_root", "state_root", "receipts_root", "next_validator_set_hash"):
        if getattr(header, name) != getattr(result, name):
            raise BlockInvalid(f"block {header.height}: {name} does not match its contents")
    return result
