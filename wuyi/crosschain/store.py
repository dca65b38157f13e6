"""Where chain B keeps its clients of other chains, their consensus states, recognition
records and packets: every key under ``xchain/`` (``docs/crosschain.md``, "State layout").

=============================================  ==============================================
key                                             value (canonical encoding)
=============================================  ==============================================
``xchain/client/<chain id>``                    :class:`~wuyi.crosschain.client.ClientState`
``xchain/cs/<chain id>/<height u64>``           :class:`~wuyi.crosschain.client.ConsensusState`
``xchain/misb/<chain id>/<n u64>``              misbehaviour evidence that froze the client
``xchain/rec/<record id 16 bytes>``             a recognition record
``xchain/recs/<chain id>/<height u64><id>``     index of the records per client (value: id)
``xchain/day/<chain id>/<day u32>``             recognitions that day (UTC), an integer
``xchain/seq/<dest chain id>``                  next packet sequence to that chain (from 1)
``xchain/commit/<dest chain id>/<seq u64>``     packet commitment (32 raw bytes)
``xchain/sent/<dest chain id>/<seq u64>``       the sent packet, its status and acknowledgement
``xchain/receipt/<source chain id>/<seq u64>``  a received packet's receipt ``{height, time}``
``xchain/ack/<source chain id>/<seq u64>``      its acknowledgement ``{ok, result | error}``
``xchain/chain/<chain id>``                     a chain registry entry (a descriptor)
=============================================  ==============================================

The commitment, receipt and acknowledgement keys are the *protocol paths*: the other chain
proves their presence or absence against this chain's state root, so their layout is part of
the protocol (a relayer and another chain's client compute them with the functions here).
Pure: readers take a ``KVReader``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Any

from wuyi.abc import KVReader
from wuyi.crosschain.client import ClientState, ConsensusState
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import NotFound

__all__ = [
    "PREFIX",
    "ack_key",
    "chain_key",
    "commitment_key",
    "consensus_key",
    "day_key",
    "get_client",
    "get_consensus",
    "iter_consensus",
    "list_clients",
    "load_client",
    "misbehaviour_key",
    "neighbours",
    "put_client",
    "put_consensus",
    "receipt_key",
    "record_index_key",
    "record_key",
    "sent_key",
    "seq_key",
]

PREFIX = b"xchain/"
CLIENT_PREFIX = b"xchain/client/"
CS_PREFIX = b"xchain/cs/"
MISB_PREFIX = b"xchain/misb/"
REC_PREFIX = b"xchain/rec/"
RECS_PREFIX = b"xchain/recs/"
DAY_PREFIX = b"xchain/day/"
SEQ_PREFIX = b"xchain/seq/"
COMMIT_PREFIX = b"xchain/commit/"
SENT_PREFIX = b"xchain/sent/"
RECEIPT_PREFIX = b"xchain/receipt/"
ACK_PREFIX = b"xchain/ack/"
CHAIN_PREFIX = b"xchain/chain/"
DAY_MS = 86_400_000
_U64 = struct.Struct(">Q")
_U32 = struct.Struct(">I")


def client_key(chain_id: str) -> bytes:
    return CLIENT_PREFIX + chain_id.encode()


def consensus_prefix(chain_id: str) -> bytes:
    return CS_PREFIX + chain_id.encode() + b"/"


def consensus_key(chain_id: str, height: int) -> bytes:
    return consensus_prefix(chain_id) + _U64.pack(height)


def misbehaviour_key(chain_id: str, n: int) -> bytes:
    return MISB_PREFIX + chain_id.encode() + b"/" + _U64.pack(n)


def record_key(record_id: bytes) -> bytes:
    return REC_PREFIX + record_id


def record_index_key(chain_id: str, height: int, record_id: bytes) -> bytes:
    return RECS_PREFIX + chain_id.encode() + b"/" + _U64.pack(height) + record_id


def day_key(chain_id: str, time_ms: int) -> bytes:
    return DAY_PREFIX + chain_id.encode() + b"/" + _U32.pack(time_ms // DAY_MS)


def seq_key(dest: str) -> bytes:
    return SEQ_PREFIX + dest.encode()


def commitment_key(dest: str, seq: int) -> bytes:
    """Protocol path: the commitment of packet ``seq`` sent to chain ``dest``."""
    return COMMIT_PREFIX + dest.encode() + b"/" + _U64.pack(seq)


def sent_key(dest: str, seq: int) -> bytes:
    return SENT_PREFIX + dest.encode() + b"/" + _U64.pack(seq)


def receipt_key(source: str, seq: int) -> bytes:
    """Protocol path: the receipt of packet ``seq`` from chain ``source``."""
    return RECEIPT_PREFIX + source.encode() + b"/" + _U64.pack(seq)


def ack_key(source: str, seq: int) -> bytes:
    """Protocol path: the acknowledgement of packet ``seq`` from chain ``source``."""
    return ACK_PREFIX + source.encode() + b"/" + _U64.pack(seq)


def chain_key(chain_id: str) -> bytes:
    return CHAIN_PREFIX + chain_id.encode()


def _get(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def get_client(state: KVReader, chain_id: str) -> ClientState | None:
    obj = _get(state, client_key(chain_id))
    return None if obj is None else ClientState.from_obj(obj)


def load_client(state: KVReader, chain_id: str) -> ClientState:
    client = get_client(state, chain_id)
    if client is None:
        raise NotFound(f"this chain has no client of chain '{chain_id}'", client=chain_id)
    return client


def put_client(state: Any, client: ClientState) -> None:
    state.set(client_key(client.chain_id), encode(client.to_obj()))


def list_clients(state: KVReader) -> list[ClientState]:
    return [ClientState.from_obj(decode_trusted(v)) for _, v in state.iter_prefix(CLIENT_PREFIX)]


def get_consensus(state: KVReader, chain_id: str, height: int) -> ConsensusState | None:
    obj = _get(state, consensus_key(chain_id, height))
    return None if obj is None else ConsensusState.from_obj(obj)


def put_consensus(state: Any, chain_id: str, cs: ConsensusState) -> None:
    state.set(consensus_key(chain_id, cs.height), encode(cs.to_obj()))


def iter_consensus(state: KVReader, chain_id: str) -> Iterator[ConsensusState]:
    """Every stored consensus state of the client, lowest height first."""
    for _, v in state.iter_prefix(consensus_prefix(chain_id)):
        yield ConsensusState.from_obj(decode_trusted(v))


def neighbours(
    state: KVReader, chain_id: str, height: int
) -> tuple[ConsensusState | None, ConsensusState | None]:
    """The stored consensus states just below and just above ``height``."""
    lower: ConsensusState | None = None
    for cs in iter_consensus(state, chain_id):
        if cs.height < height:
            lower = cs
        elif cs.height > height:
            return lower, cs
    return lower, None
