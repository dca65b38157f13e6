"""Wire and WAL encodings: canonical round trips and strict rejection of malformed input."""

from __future__ import annotations

import cbor2
import pytest

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.consensus.messages import (
    COMMIT,
    NIL,
    PREVOTE,
    BlockExecuted,
    MempoolStatus,
    MessageReceived,
    PayloadReady,
    TimerFired,
    ValidatorUpdate,
    decode_event,
    decode_message,
    encode_event,
    encode_message,
)
from wuyi.exceptions import EncodingError, ValidationError
from wuyi.testing.sim_harness import ReplicaHarness


@pytest.fixture
def t() -> ReplicaHarness:
    return ReplicaHarness()


def test_messages_round_trip(t: ReplicaHarness) -> None:
    block = t.block(1, b"payload", by=1)
    for msg in (
        t.proposal(block),
        t.proposal(block, round_=3, pol_round=1),
        t.vote(2, PREVOTE, NIL),
        t.vote(2, COMMIT, t.block_hash(block)),
        t.status(3, 7, 2),
        t.decided(block, [1, 2, 3]),
    ):
        data = encode_message(msg)
        assert decode_message(data) == msg
        assert encode_message(decode_message(data)) == data


def test_events_round_trip(t: ReplicaHarness) -> None:
    vs = ValidatorSet((Validator(t.pub(0)), Validator(t.pub(1), 2, "b")))
    for ev in (
        MessageReceived(b"\x01\x02"),
        TimerFired("propose", 3, 1),
        PayloadReady(2, 0, b"p"),
        BlockExecuted(4),
        BlockExecuted(4, ValidatorUpdate(6, vs)),
        MempoolStatus(True),
        MempoolStatus(False),
    ):
        assert decode_event(encode_event(ev)) == ev


@pytest.mark.parametrize(
    "mutate",
    [
        lambda o: o.update(kind="nope"),
        lambda o: o.update(type="precommit"),
        lambda o: o.update(height=0),
        lambda o: o.update(round=-1),
        lambda o: o.update(round=True),
        lambda o: o.update(block_hash=b"\x00" * 65),
        lambda o: o.update(voter=b""),
        lambda o: o.update(extra=1),
        lambda o: o.pop("signature"),
    ],
)
def test_malformed_votes_rejected(t: ReplicaHarness, mutate: object) -> None:
    obj = t.vote(1, PREVOTE, NIL).to_obj()
    mutate(obj)  # type: ignore[operator]
    with pytest.raises(ValidationError):
        decode_message(cbor2.dumps(obj, canonical=True))


def test_non_canonical_bytes_rejected(t: ReplicaHarness) -> None:
    obj = t.vote(1, PREVOTE, NIL).to_obj()
    with pytest.raises(EncodingError):
        decode_message(cbor2.dumps(dict(reversed(list(obj.items())))))


def test_proposal_pol_round_must_be_below_round(t: ReplicaHarness) -> None:
    obj = t.proposal(t.block(1, by=1), round_=2, pol_round=1).to_obj()
    obj["pol_round"] = 2
    with pytest.raises(ValidationError):
        decode_message(cbor2.dumps(obj, canonical=True))
