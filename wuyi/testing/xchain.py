"""Two chains in memory for cross-chain tests: a source chain whose blocks carry commit QCs of
a validator committee whose keys the test holds (so it can also forge, equivocate and change
its set), and helpers that build what a relayer would carry from it (updates, proofs).

Deterministic: fixed keys, block times one second apart (a test moves them), no disk, no
network, no real time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import (
    QuorumCertificate,
    ValidatorSet,
    compute_vote_bytes,
)
from wuyi.crosschain.client import ClientUpdate
from wuyi.crosschain.proofs import (
    MembershipProof,
    NonMembershipProof,
    membership_from_state_proof,
    non_membership_from_state_proof,
    spec_for_suite,
)
from wuyi.encoding import decode_trusted
from wuyi.ledger import keys
from wuyi.ledger.execute import BlockResult
from wuyi.ledger.types import Block, BlockHeader
from wuyi.testing.factories import LedgerHarness

__all__ = ["CertifiedChain", "sign_qc"]


def sign_qc(
    chain_id: str,
    header: BlockHeader,
    suite: Any,
    valset: ValidatorSet,
    signers: Sequence[PrivateKey],
    *,
    vote_type: str = "commit",
    round_: int = 0,
) -> QuorumCertificate:
    """A QC on ``header`` signed by ``signers`` (each placed at its index in ``valset``; a key
    outside the set is placed after the last index)."""
    block_hash = header.compute_hash(suite)
    msg = compute_vote_bytes(chain_id, vote_type, header.height, round_, block_hash)
    sigs = []
    extra = len(valset)
    for k in signers:
        idx = valset.index_of(k.public_key)
        if idx is None:
            idx, extra = extra, extra + 1
        sigs.append((idx, k.sign(msg)))
    return QuorumCertificate(header.height, round_, block_hash, tuple(sorted(sigs)), vote_type)


@dataclass
class CertifiedChain(LedgerHarness):
    """A :class:`LedgerHarness` with ``validators`` validators whose blocks it certifies with
    commit QCs of every key of the set in force (``qcs[h]``), keeping the set of each height
    (``sets[h]``). ``spare`` keys (``spare0`` ...) can join the set by :meth:`change_set`."""

    validators: int = 4
    spares: int = 4
    qcs: dict[int, QuorumCertificate] = field(default_factory=dict)
    sets: dict[int, ValidatorSet] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        for i in range(self.spares):
            self.new_key(f"spare{i}")
        self.sets[0] = self.current_set()

    def current_set(self) -> ValidatorSet:
        raw = self.state.get(keys.VALIDATORS)
        assert raw is not None
        return ValidatorSet.from_obj(decode_trusted(raw))

    def key_of(self, public_key: bytes) -> PrivateKey:
        return next(k for k in self.keys.values() if k.public_key == public_key)

    def run(self, txs: list[bytes]) -> tuple[Block, BlockResult]:
        in_force = self.current_set()
        block, result = super().run(txs)
        self.sets[block.height] = in_force
        signers = [self.key_of(v.public_key) for v in in_force.validators]
        self.qcs[block.height] = sign_qc(self.chain_id, block.header, self.suite, in_force, signers)
        return block, result

    def empty_block(self, time_step: int = 1000) -> Block:
        block, result = self.propose([], time_step=time_step)
        in_force = self.current_set()
        self.commit(block, result)
        self.sets[block.height] = in_force
        signers = [self.key_of(v.public_key) for v in in_force.validators]
        self.qcs[block.height] = sign_qc(self.chain_id, block.header, self.suite, in_force, signers)
        return block

    def header(self, height: int) -> BlockHeader:
        return self.blocks[height].header

    def change_set(self, names: Sequence[str], *, delay: int = 2) -> int:
        """Schedule the set of keys ``names`` (power 1 each) from ``height + delay``; return
        the effective height. Signed by the operator."""
        effective = self.height + 1 + delay
        vs = [{"name": n, "public_key": self.keys[n].public_key, "power": 1} for n in names]
        _, res = self.run(
            [
                self.tx(
                    "operator",
                    "validator.update",
                    {"validators": vs, "effective_height": effective},
                )
            ]
        )
        assert res.receipts[0].ok, res.receipts[0]
        return effective

    # -- what a relayer carries --------------------------------------------------------------

    def update(self, trusted_height: int, height: int) -> ClientUpdate:
        """The update to ``height`` from a client that trusts ``trusted_height``."""
        nxt = self.sets.get(trusted_height + 1, self.current_set())
        return ClientUpdate(
            header=self.header(height),
            qc=self.qcs[height],
            validators=self.sets[height],
            trusted_height=trusted_height,
            trusted_validators=None if height == trusted_height + 1 else nxt,
        )

    def genesis_args(self) -> dict[str, Any]:
        """``genesis`` of an ``xchain.register`` proposal."""
        return {"header": self.header(0).to_obj(), "validators": self.sets[0].to_obj()}

    def changes_until(self, height: int) -> list[dict[str, Any]]:
        """Every validator-set change in force by ``height``: ``{header, qc, validators}`` of
        block ``effective - 1``."""
        out = []
        prev = self.sets[0]
        for h in range(1, height + 1):
            if h in self.sets and self.sets[h] != prev:
                out.append(
                    {
                        "header": self.header(h - 1).to_obj(),
                        "qc": self.qcs[h - 1].to_obj(),
                        "validators": self.sets[h].to_obj(),
                    }
                )
                prev = self.sets[h]
        return out

    def register_args(
        self,
        *,
        trusted_height: int | None = None,
        facts: dict[str, dict[str, Any]] | None = None,
        prefixes: Sequence[bytes] = (b"evidence/", b"vc/status/"),
        **options: Any,
    ) -> dict[str, Any]:
        """Arguments of ``xchain.register`` for this chain (trusted at ``trusted_height``,
        default genesis)."""
        trusted = None
        changes: list[dict[str, Any]] = []
        if trusted_height:
            trusted = {
                "header": self.header(trusted_height).to_obj(),
                "qc": self.qcs[trusted_height].to_obj(),
            }
            changes = self.changes_until(trusted_height)
        return {
            "chain_id": self.chain_id,
            "name": f"chain {self.chain_id}",
            "suite": self.suite_name,
            "genesis_hash": self.header(0).compute_hash(self.suite),
            "genesis": self.genesis_args(),
            "changes": changes,
            "trusted": trusted,
            "proof_spec": spec_for_suite(self.suite_name).to_obj(),
            "allowed_prefixes": list(prefixes),
            "facts": facts
            if facts is not None
            else {
                "anchored": {"prefix": b"evidence/", "max_age_ms": 0},
                "credential_status": {"prefix": b"vc/status/", "max_age_ms": 60_000},
            },
            **options,
        }

    def prove(
        self, key: bytes, height: int
    ) -> tuple[bytes | None, MembershipProof | NonMembershipProof]:
        """The value of ``key`` at ``height`` and its typed proof."""
        root = self.header(height).state_root
        value = self.tree.get(root, key)
        sp = self.tree.prove(root, key)
        spec = spec_for_suite(self.suite_name)
        if value is None:
            return None, non_membership_from_state_proof(spec, key, sp)
        return value, membership_from_state_proof(spec, key, value, sp)
