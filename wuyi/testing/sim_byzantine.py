"""Named Byzantine strategies for one simulated validator (see docs/consensus.md, table).

A Byzantine node runs an ordinary replica underneath (so it knows heights, rounds and blocks)
and signs with its raw key, bypassing safety rules. Its outgoing messages pass through
``outgoing``; ``tick`` lets it inject messages on its own schedule; ``observe`` sees everything
it receives.

* ``silent``                sends nothing at all.
* ``equivocating_proposer`` as proposer sends two different valid blocks to two halves.
* ``double_voter``          every vote goes to one half; a conflicting vote goes to the other
                            half (and now and then both go to everybody).
* ``equivocate``            both of the above.
* ``reckless_voter``        prevotes and precommits every proposal it sees, ignoring locks.
* ``malformed``             honest, plus a stream of garbage: random bytes, truncated and
                            non-canonical encodings, bad and forged signatures, wrong chain id,
                            impossible fields, invalid payloads, fake commit certificates,
                            far-future rounds.
* ``stale``                 honest, plus replays of old messages from earlier heights/rounds.
* ``mixed``                 picks one of the above at random for every message and tick.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import cbor2

from wuyi.consensus.certificate import QuorumCertificate, compute_vote_bytes
from wuyi.consensus.messages import (
    COMMIT,
    NIL,
    PREVOTE,
    Block,
    Decided,
    Message,
    Proposal,
    Status,
    Vote,
    compute_block_hash,
    compute_proposal_bytes,
    compute_status_bytes,
    decode_message,
    encode_message,
)
from wuyi.exceptions import WuyiError
from wuyi.testing.sim_app import build_payload

if TYPE_CHECKING:
    from wuyi.testing.sim import SimNode, Simulator

__all__ = ["STRATEGIES", "Strategy", "make_strategy"]

Out = list[tuple[int | None, bytes, str]]


def _kind(msg: Message) -> str:
    from wuyi.testing.sim import message_kind

    return message_kind(msg)


class Strategy:
    name = "honest"

    def __init__(self, sim: Simulator, node: SimNode) -> None:
        self.sim = sim
        self.node = node
        self.rng = sim.rng
        self.chain_id = "wuyi-sim"
        self.seen: list[bytes] = []
        self.alt_blocks: dict[tuple[int, int], bytes] = {}

    # hooks
    def outgoing(self, msg: Message, dst: int | None) -> Out:
        return [(dst, encode_message(msg), _kind(msg))]

    def tick(self) -> Out:
        return []

    def observe(self, data: bytes) -> None:
        if len(self.seen) < 400:
            self.seen.append(data)
        elif self.rng.random() < 0.1:
            self.seen[self.rng.randrange(len(self.seen))] = data

    # helpers
    def peers(self) -> list[int]:
        return [n.idx for n in self.sim.nodes if n.idx != self.node.idx]

    def halves(self) -> tuple[list[int], list[int]]:
        peers = self.peers()
        self.rng.shuffle(peers)
        cut = self.rng.randint(1, max(1, len(peers) - 1))
        return peers[:cut], peers[cut:]

    def vote(self, vote_type: str, height: int, round_: int, block_hash: bytes) -> Vote:
        sig = self.node.key.sign(
            compute_vote_bytes(self.chain_id, vote_type, height, round_, block_hash)
        )
        return Vote(vote_type, height, round_, block_hash, self.node.pub, sig)

    def proposal(self, round_: int, pol_round: int, block: Block) -> Proposal:
        bh = compute_block_hash(self.sim.suite, block)
        sig = self.node.key.sign(
            compute_proposal_bytes(self.chain_id, block.height, round_, pol_round, bh)
        )
        return Proposal(block.height, round_, pol_round, block, self.node.pub, sig)

    def to(self, dsts: list[int], msg: Message) -> Out:
        data = encode_message(msg)
        kind = _kind(msg)
        return [(d, data, kind) for d in dsts]


class Silent(Strategy):
    name = "silent"

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        return []


class EquivocatingProposer(Strategy):
    name = "equivocating_proposer"

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        if not isinstance(msg, Proposal) or dst is not None:
            return super().outgoing(msg, dst)
        alt_payload = build_payload(
            msg.height, msg.round, self.node.idx, 50 + self.rng.randint(0, 99)
        )
        alt = dataclasses.replace(msg.block, payload=alt_payload)
        p2 = self.proposal(msg.round, -1, alt)
        self.alt_blocks[(msg.height, msg.round)] = compute_block_hash(self.sim.suite, alt)
        a, b = self.halves()
        return self.to(a, msg) + self.to(b, p2)


class DoubleVoter(Strategy):
    name = "double_voter"

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        if not isinstance(msg, Vote) or dst is not None:
            return super().outgoing(msg, dst)
        other = self.alt_blocks.get((msg.height, msg.round))
        if msg.block_hash != NIL:
            other = NIL if other is None or other == msg.block_hash else other
        elif other is None:
            other = self.sim.suite.hash(b"phantom%d" % self.rng.randint(0, 9))
        v2 = self.vote(msg.vote_type, msg.height, msg.round, other)
        if self.rng.random() < 0.2:
            return self.to(self.peers(), msg) + self.to(self.peers(), v2)
        a, b = self.halves()
        return self.to(a, msg) + self.to(b, v2)


class Equivocate(EquivocatingProposer, DoubleVoter):
    name = "equivocate"

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        if isinstance(msg, Proposal):
            return EquivocatingProposer.outgoing(self, msg, dst)
        return DoubleVoter.outgoing(self, msg, dst)


class RecklessVoter(Strategy):
    name = "reckless_voter"

    def __init__(self, sim: Simulator, node: SimNode) -> None:
        super().__init__(sim, node)
        self.pending: list[Vote] = []

    def observe(self, data: bytes) -> None:
        super().observe(data)
        try:
            msg = decode_message(data)
        except WuyiError:
            return
        if isinstance(msg, Proposal):
            bh = compute_block_hash(self.sim.suite, msg.block)
            self.pending = [
                self.vote(PREVOTE, msg.height, msg.round, bh),
                self.vote(COMMIT, msg.height, msg.round, bh),
            ]

    def tick(self) -> Out:
        out: Out = []
        for v in self.pending:
            out += self.to(self.peers(), v)
        self.pending = []
        return out


class Malformed(Strategy):
    name = "malformed"

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        if isinstance(msg, Proposal) and self.rng.random() < 0.5:
            bad = dataclasses.replace(msg.block, payload=b"\xffnot-a-valid-payload")
            return self.to(self.peers(), self.proposal(msg.round, msg.pol_round, bad))
        return super().outgoing(msg, dst)

    def tick(self) -> Out:
        rep = self.node.replica
        h = rep.height if rep is not None else 1
        r = rep.round if rep is not None else 0
        peers = self.peers()
        out: Out = []
        for _ in range(self.rng.randint(1, 4)):
            data = self._garbage(h, r)
            out.append((self.rng.choice(peers), data, "raw"))
        return out

    def _garbage(self, h: int, r: int) -> bytes:
        choice = self.rng.randrange(13)
        v = self.vote(PREVOTE, h, r, self.sim.suite.hash(b"x"))
        good = encode_message(v)
        if choice == 0:
            return self.rng.randbytes(self.rng.randint(0, 80))
        if choice == 1:
            return good[: self.rng.randint(0, len(good) - 1)]
        if choice == 2:  # non-canonical: same map, keys unsorted
            return cbor2.dumps(dict(reversed(list(v.to_obj().items()))))
        if choice == 3:  # bad signature
            flipped = bytes([v.signature[0] ^ 1]) + v.signature[1:]
            return encode_message(dataclasses.replace(v, signature=flipped))
        if choice == 4:  # signed for another chain
            sig = self.node.key.sign(compute_vote_bytes("other-chain", PREVOTE, h, r, v.block_hash))
            return encode_message(dataclasses.replace(v, signature=sig))
        if choice == 5:  # forged voter: claims to be another validator
            victim = self.sim.nodes[self.rng.choice(self.peers())].pub
            return encode_message(dataclasses.replace(v, voter=victim))
        if choice == 6:  # impossible fields
            obj: dict[str, Any] = v.to_obj()
            obj[self.rng.choice(["height", "round", "type", "block_hash"])] = self.rng.choice(
                [-1, 0, "bogus", b"\x00" * 200, None, 2**64 - 1]
            )
            try:
                return cbor2.dumps(obj, canonical=True)
            except Exception:  # pragma: no cover - defensive
                return b"\x00"
        if choice == 7:  # proposal with wrong parent / validators hash, validly signed
            blk = Block(h, self.rng.randbytes(32), self.rng.randbytes(32), self.node.pub, b"")
            return encode_message(self.proposal(r, -1, blk))
        if choice == 8:  # fake commit certificate carrying only its own signature
            blk = Block(h, self.rng.randbytes(32), b"", self.node.pub, build_payload(h, r, 0, 1))
            bh = compute_block_hash(self.sim.suite, blk)
            sig = self.node.key.sign(compute_vote_bytes(self.chain_id, COMMIT, h, r, bh))
            idx = self.node.idx
            return encode_message(Decided(blk, QuorumCertificate(h, r, bh, ((idx, sig),))))
        if choice == 9:  # far-future round, valid signature (alone it must not move anyone)
            return encode_message(self.vote(COMMIT, h, r + 10**6, NIL))
        if choice == 10:  # status claiming a huge round
            rr = r + 1000
            sig = self.node.key.sign(compute_status_bytes(self.chain_id, h, rr))
            return encode_message(Status(h, rr, self.node.pub, sig))
        if choice == 11:  # unknown kind
            return cbor2.dumps({"kind": "gossip", "x": 1}, canonical=True)
        # vote from a far-future height
        return encode_message(self.vote(PREVOTE, h + 5, 0, NIL))


class Stale(Strategy):
    name = "stale"

    def tick(self) -> Out:
        if not self.seen:
            return []
        peers = self.peers()
        return [
            (self.rng.choice(peers), self.rng.choice(self.seen), "raw")
            for _ in range(self.rng.randint(2, 8))
        ]


class Mixed(Strategy):
    name = "mixed"

    def __init__(self, sim: Simulator, node: SimNode) -> None:
        super().__init__(sim, node)
        self.parts: list[Strategy] = [
            cls(sim, node)
            for cls in (Silent, Equivocate, RecklessVoter, Malformed, Stale, Strategy)
        ]
        for p in self.parts:  # share what they learn
            p.seen = self.seen
            p.alt_blocks = self.alt_blocks

    def outgoing(self, msg: Message, dst: int | None) -> Out:
        return self.rng.choice(self.parts).outgoing(msg, dst)

    def tick(self) -> Out:
        return self.rng.choice(self.parts).tick()

    def observe(self, data: bytes) -> None:
        super().observe(data)
        self.parts[2].observe(data)


STRATEGIES: dict[str, type[Strategy]] = {
    s.name: s
    for s in (
        Silent,
        EquivocatingProposer,
        DoubleVoter,
        Equivocate,
        RecklessVoter,
        Malformed,
        Stale,
        Mixed,
    )
}


def make_strategy(name: str, sim: Simulator, node: SimNode) -> Strategy:
    return STRATEGIES[name](sim, node)
