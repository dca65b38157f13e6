"""The effects tier: packets with exactly-once receipts, acknowledgements and timeouts proven by
a receipt's absence (ICS-04 in IBC v2's client-to-client shape, no handshakes).

Kinds (any active member: relaying is open)
===========================================

On the sending chain A:

* ``xchain.send`` {dest, port, data, timeout_height, timeout_time} — A must hold an active
  client of ``dest`` (to check the answer later). The packet ``{source, dest, sequence,
  port, sender, sender_org, data, timeout_height, timeout_time}`` gets the next sequence to
  ``dest``; its **commitment** ``H_A("wuyi/xchain/packet\\0" || encode(packet))`` is stored at
  the protocol path ``xchain/commit/<dest>/<seq>``. At least one timeout is set; both are
  measured on ``dest`` (its height, its block time).
* ``xchain.ack`` {client, packet, ack, height, proof} — ``proof`` shows
  ``xchain/ack/<A>/<seq> = encode(ack)`` in B's state at ``height`` (A's client of B). The
  commitment is deleted **first**, then the sent record is closed ``acknowledged``.
* ``xchain.timeout`` {client, packet, height, proof} — B's header at ``height`` is at or
  past the timeout and ``proof`` shows **no receipt** at ``xchain/receipt/<A>/<seq>`` there.
  The commitment is deleted first; the record is closed ``timed_out``. A delivered packet
  has a receipt, so it can never be timed out.

On the receiving chain B:

* ``xchain.recv`` {client, packet, height, proof} — ``packet.port`` must be one of the ports
  B's registration of A allows (contracts of B); the packet must not have timed out on B;
  no receipt may exist (a replay is refused); ``proof`` shows the commitment in A's state.
  Then, in this order: the **receipt** is written; the port contract's ``on_packet()`` runs
  with no signer (``wuyi.contract.packet()`` returns the packet to it alone), in its own
  journal: if it fails, its writes are dropped and the acknowledgement records the error;
  the **acknowledgement** ``{ok, result | error}`` is written at ``xchain/ack/<A>/<seq>``.

Nothing reachable from a packet changes a light client, a validator set, a parameter or a
membership: the only code a packet runs is the port contract's ``on_packet``, and a contract
writes only its own state (the Poly Network lesson: a relayed message reached the function
that replaced the relay's keys).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar

from wuyi.crosschain import store
from wuyi.crosschain.client import (
    ClientState,
    ConsensusState,
    require_active,
    validate_chain_id,
)
from wuyi.crosschain.handlers import XCHAIN_HANDLERS
from wuyi.crosschain.proofs import (
    MembershipProof,
    NonMembershipProof,
    verify_membership,
    verify_non_membership,
)
from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import (
    CrossChainRefused,
    EncodingError,
    PacketRefused,
    ValidationError,
    WuyiError,
)
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.ledger.state_view import Layer
from wuyi.params import ChainParams

__all__ = [
    "PACKET_DOMAIN",
    "PACKET_HANDLERS",
    "compute_commitment",
    "relay_packets",
    "validate_packet",
]

PACKET_DOMAIN = b"wuyi/xchain/packet\x00"
MAX_DATA_BYTES = 4096
MAX_ERROR_CHARS = 300
CALLBACK = "on_packet"
_PACKET_FIELDS = (
    "data",
    "dest",
    "port",
    "sender",
    "sender_org",
    "sequence",
    "source",
    "timeout_height",
    "timeout_time",
)
_FieldSpec = dict[str, tuple[type, bool]]


def compute_commitment(suite: Any, packet: dict[str, Any]) -> bytes:
    """The sending chain's commitment to ``packet`` (its suite's hash)."""
    return bytes(suite.hash(PACKET_DOMAIN + encode(packet)))


def validate_packet(obj: Any) -> dict[str, Any]:
    """A packet of exactly the protocol's fields, typed; :class:`ValidationError` otherwise."""
    if type(obj) is not dict or tuple(sorted(obj)) != _PACKET_FIELDS:
        raise ValidationError(
            f"packet must be a map of exactly {list(_PACKET_FIELDS)}", field="packet"
        )
    validate_chain_id(obj["source"], "packet.source")
    validate_chain_id(obj["dest"], "packet.dest")
    for name in ("sequence", "timeout_height", "timeout_time"):
        if type(obj[name]) is not int or obj[name] < 0:
            raise ValidationError(f"packet.{name} must be an integer >= 0", field="packet")
    if obj["sequence"] < 1 or (obj["timeout_height"] == 0 and obj["timeout_time"] == 0):
        raise ValidationError("packet: sequence >= 1 and at least one timeout", field="packet")
    if type(obj["port"]) is not str or type(obj["sender_org"]) is not str:
        raise ValidationError("packet.port and packet.sender_org are text", field="packet")
    if type(obj["sender"]) is not bytes or type(obj["data"]) is not dict:
        raise ValidationError("packet.sender is bytes, packet.data a map", field="packet")
    if len(encode(obj["data"])) > MAX_DATA_BYTES:
        raise ValidationError(f"packet.data is over {MAX_DATA_BYTES} bytes", field="packet")
    return obj


def _seq(packet: dict[str, Any]) -> int:
    n: int = packet["sequence"]
    return n


def _client_for(ctx: ExecContext, chain_id: str) -> ClientState:
    client = store.load_client(ctx.state, chain_id)
    latest = store.get_consensus(ctx.state, client.chain_id, client.latest_height)
    require_active(client, latest, ctx.time)
    return client


def _consensus(ctx: ExecContext, client: ClientState, height: int) -> Any:
    cs = store.get_consensus(ctx.state, client.chain_id, height)
    if cs is None:
        raise CrossChainRefused(
            f"no verified header of '{client.chain_id}' at height {height}: relay it first"
        )
    return cs


def _refuse(reason: str, message: str, packet: dict[str, Any]) -> PacketRefused:
    return PacketRefused(
        message, reason=reason, sequence=packet["sequence"], source=packet["source"]
    )


class XchainSendHandler(Handler):
    kind = "xchain.send"
    fields: ClassVar[_FieldSpec] = {
        "dest": (str, True),
        "port": (str, True),
        "data": (dict, True),
        "timeout_height": (int, True),
        "timeout_time": (int, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_chain_id(payload["dest"], "dest")
        if payload["timeout_height"] < 0 or payload["timeout_time"] < 0:
            raise ValidationError("timeouts must be >= 0", field="timeout_height")
        if payload["timeout_height"] == 0 and payload["timeout_time"] == 0:
            raise ValidationError(
                "xchain.send: set timeout_height or timeout_time (on the destination)",
                field="timeout_time",
            )
        if len(encode(payload["data"])) > MAX_DATA_BYTES:
            raise ValidationError(f"data is over {MAX_DATA_BYTES} bytes", field="data")

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        if p["dest"] == ctx.chain.chain_id:
            raise CrossChainRefused("a chain does not send packets to itself")
        client = _client_for(ctx, p["dest"])
        member = ctx.require_member()
        seq: int = ctx.state.get_obj(store.seq_key(client.chain_id)) or 1
        ctx.state.set_obj(store.seq_key(client.chain_id), seq + 1)
        packet = {
            "source": ctx.chain.chain_id,
            "dest": client.chain_id,
            "sequence": seq,
            "port": p["port"],
            "sender": ctx.sender_address,
            "sender_org": member["org"],
            "data": p["data"],
            "timeout_height": p["timeout_height"],
            "timeout_time": p["timeout_time"],
        }
        ctx.state.set(
            store.commitment_key(client.chain_id, seq), compute_commitment(ctx.chain.suite, packet)
        )
        ctx.state.set_obj(
            store.sent_key(client.chain_id, seq),
            {
                "packet": packet,
                "status": "pending",
                "sent_height": ctx.height,
                "sent_time": ctx.time,
                "ack": None,
                "closed_height": None,
            },
        )
        ctx.emit("xchain.sent", dest=client.chain_id, sequence=seq, port=p["port"])


class _PacketHandler(Handler):
    fields: ClassVar[_FieldSpec] = {
        "client": (str, True),
        "packet": (dict, True),
        "height": (int, True),
        "proof": (dict, True),
    }
    present = True

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        validate_chain_id(payload["client"], "client")
        validate_packet(payload["packet"])
        if self.present:
            MembershipProof.from_obj(payload["proof"])
        else:
            NonMembershipProof.from_obj(payload["proof"])


class _SubState(Layer):
    """The callback's own journal over the transaction's state."""

    def get_obj_shared(self, key: bytes) -> Any:
        return self.get_obj(key)


def _run_callback(ctx: ExecContext, packet: dict[str, Any]) -> dict[str, Any]:
    """``port.on_packet()`` in its own journal; the acknowledgement it earns."""
    from wuyi.ledger.handlers.contracts import _execute_call

    sub = _SubState(ctx.state)
    sub_ctx = replace(ctx, state=sub, events=[], gas_used=0, packet=packet)  # type: ignore[arg-type]
    try:
        result = _execute_call(
            sub_ctx, packet["port"], CALLBACK, {}, ctx.params.default_call_gas, []
        )
        encode(result)
    except (WuyiError, EncodingError) as exc:
        ctx.gas_used += sub_ctx.gas_used
        code = exc.code if isinstance(exc, WuyiError) else "bad_encoding"
        return {"ok": False, "error": f"{code}: {exc}"[:MAX_ERROR_CHARS]}
    for k, v in sub.writes.items():
        if v is None:
            ctx.state.delete(k)
        else:
            ctx.state.set(k, v)
    ctx.events.extend(sub_ctx.events)
    ctx.gas_used += sub_ctx.gas_used
    return {"ok": True, "result": result}


class XchainRecvHandler(_PacketHandler):
    kind = "xchain.recv"

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        packet = validate_packet(p["packet"])
        client = _client_for(ctx, p["client"])
        if packet["dest"] != ctx.chain.chain_id or packet["source"] != client.chain_id:
            raise _refuse(
                "route",
                f"the packet goes {packet['source']} -> {packet['dest']}, not"
                f" {client.chain_id} -> {ctx.chain.chain_id}",
                packet,
            )
        if packet["port"] not in client.ports:
            raise _refuse(
                "port",
                f"'{packet['port']}' is not a port this chain opened to '{client.chain_id}'"
                f" (ports: {list(client.ports)})",
                packet,
            )
        th, tt = packet["timeout_height"], packet["timeout_time"]
        if (th and ctx.height >= th) or (tt and ctx.time >= tt):
            raise _refuse("timed_out", "the packet timed out on this chain", packet)
        seq = _seq(packet)
        rkey = store.receipt_key(client.chain_id, seq)
        if ctx.state.get(rkey) is not None:
            raise _refuse("replay", f"packet {client.chain_id}/{seq} was already received", packet)
        cs = _consensus(ctx, client, p["height"])
        commitment = compute_commitment(client.source_suite, packet)
        verify_membership(
            client.proof_spec,
            cs.state_root,
            store.commitment_key(ctx.chain.chain_id, seq),
            commitment,
            MembershipProof.from_obj(p["proof"]),
        )
        # the receipt first: whatever the callback does, this packet is never delivered again
        ctx.state.set_obj(
            rkey,
            {
                "height": ctx.height,
                "time": ctx.time,
                "tx_hash": ctx.tx_hash,
                "port": packet["port"],
                "sequence": seq,
                "source": client.chain_id,
            },
        )
        ack = _run_callback(ctx, packet)
        ctx.state.set(store.ack_key(client.chain_id, seq), encode(ack))
        ctx.emit(
            "xchain.received",
            source=client.chain_id,
            sequence=seq,
            port=packet["port"],
            ok=ack["ok"],
        )


def _pending_commitment(ctx: ExecContext, client: ClientState, packet: dict[str, Any]) -> None:
    if packet["source"] != ctx.chain.chain_id or packet["dest"] != client.chain_id:
        raise _refuse("route", "this chain did not send that packet to that chain", packet)
    stored = ctx.state.get(store.commitment_key(client.chain_id, _seq(packet)))
    if stored is None:
        raise _refuse(
            "unknown",
            f"no pending packet {client.chain_id}/{_seq(packet)} (never sent, or already"
            " acknowledged or timed out)",
            packet,
        )
    if stored != compute_commitment(ctx.chain.suite, packet):
        raise _refuse("unknown", "the packet is not the one this chain committed to", packet)


def _settling(ctx: ExecContext) -> tuple[dict[str, Any], ClientState, ConsensusState]:
    """For an ack or a timeout: the packet (pending here, :func:`_pending_commitment`), the
    client of its destination and the consensus state the proof is against."""
    p = ctx.tx.payload
    packet = validate_packet(p["packet"])
    client = _client_for(ctx, p["client"])
    _pending_commitment(ctx, client, packet)
    return packet, client, _consensus(ctx, client, p["height"])


def _close(
    ctx: ExecContext, client: ClientState, packet: dict[str, Any], status: str, ack: Any
) -> None:
    seq = _seq(packet)
    ctx.state.delete(store.commitment_key(client.chain_id, seq))  # first: one-shot
    rec = ctx.state.get_obj(store.sent_key(client.chain_id, seq))
    rec.update(status=status, ack=ack, closed_height=ctx.height)
    ctx.state.set_obj(store.sent_key(client.chain_id, seq), rec)


class XchainAckHandler(_PacketHandler):
    kind = "xchain.ack"
    fields: ClassVar[_FieldSpec] = {**_PacketHandler.fields, "ack": (dict, True)}

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        packet, client, cs = _settling(ctx)
        verify_membership(
            client.proof_spec,
            cs.state_root,
            store.ack_key(ctx.chain.chain_id, _seq(packet)),
            encode(p["ack"]),
            MembershipProof.from_obj(p["proof"]),
        )
        _close(ctx, client, packet, "acknowledged", p["ack"])
        ctx.emit(
            "xchain.acknowledged",
            dest=client.chain_id,
            sequence=_seq(packet),
            ok=bool(p["ack"].get("ok")),
        )


class XchainTimeoutHandler(_PacketHandler):
    kind = "xchain.timeout"
    present = False

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        packet, client, cs = _settling(ctx)
        th, tt = packet["timeout_height"], packet["timeout_time"]
        if not ((th and cs.height >= th) or (tt and cs.time >= tt)):
            raise _refuse(
                "not_timed_out",
                f"at height {cs.height} (time {cs.time}) of '{client.chain_id}' the packet had"
                f" not timed out (timeout height {th}, time {tt})",
                packet,
            )
        verify_non_membership(
            client.proof_spec,
            cs.state_root,
            store.receipt_key(ctx.chain.chain_id, _seq(packet)),
            NonMembershipProof.from_obj(p["proof"]),
        )
        _close(ctx, client, packet, "timed_out", None)
        ctx.emit("xchain.timed_out", dest=client.chain_id, sequence=_seq(packet))


PACKET_HANDLERS: tuple[Handler, ...] = (
    XchainSendHandler(),
    XchainRecvHandler(),
    XchainAckHandler(),
    XchainTimeoutHandler(),
)


def _register() -> None:
    from wuyi.ledger.handlers import HANDLERS

    for h in PACKET_HANDLERS:
        HANDLERS.setdefault(h.kind, h)


_register()
assert XCHAIN_HANDLERS  # the read-only tier is registered first (imported above)


# -- relaying (I/O, used by wuyi.crosschain.relay) ---------------------------------------------


def relay_packets(src: Any, dst: Any, key_dst: Any, key_src: Any) -> Iterator[dict[str, Any]]:
    """Deliver, acknowledge or time out the packets ``src`` (a :class:`SourceChain`) sent to
    ``dst`` (a ``WuyiClient``); yields a log event per transaction. ``key_dst`` signs on dst,
    ``key_src`` (optional) on src: without it, acknowledgements and timeouts wait for a relay
    that has one."""
    from wuyi.crosschain.sdk import Relayer, SourceChain, XChain

    dst_id = dst.status().chain_id
    rows = src.client._get("/v1/xchain/packets/sent", chain=dst_id, limit=50)["packets"]
    pending = [
        decode_trusted(bytes.fromhex(r["packet_cbor"])) for r in rows if r["status"] == "pending"
    ]
    if not pending:
        return
    to_dst = Relayer(src, dst, key_dst)
    back = None
    if key_src is not None and any(c["chain_id"] == dst_id for c in XChain(src.client).clients()):
        back = Relayer(SourceChain(dst), src.client, key_src)
    for packet in sorted(pending, key=_seq):
        seq = _seq(packet)
        receipt = dst._get(f"/v1/state/{store.receipt_key(src.chain_id, seq).hex()}", prove="false")
        if receipt.get("value") is not None:
            if back is None:
                continue
            h = back.sync()
            ack_value, proof = back.source.prove(store.ack_key(src.chain_id, seq), h)
            if ack_value is None:
                continue
            back._submit(
                "xchain.ack",
                {
                    "client": dst_id,
                    "packet": packet,
                    "ack": decode_trusted(ack_value),
                    "height": h,
                    "proof": proof.to_obj(),
                },
                20.0,
            )
            yield {"event": "xchain.acknowledged", "dest": dst_id, "sequence": seq}
            continue
        st = dst.status()
        th, tt = packet["timeout_height"], packet["timeout_time"]
        if (th and st.height + 1 >= th) or (tt and st.last_block_time >= tt):
            if back is None:
                continue
            h = back.sync()
            cs = dst._get(f"/v1/blocks/{h}")["header"]
            if not ((th and h >= th) or (tt and int(cs["time"]) >= tt)):
                continue  # not yet provable: wait for a later block of dst
            value, proof = back.source.prove(store.receipt_key(src.chain_id, seq), h)
            if value is not None:
                continue
            back._submit(
                "xchain.timeout",
                {"client": dst_id, "packet": packet, "height": h, "proof": proof.to_obj()},
                20.0,
            )
            yield {"event": "xchain.timed_out", "dest": dst_id, "sequence": seq}
            continue
        h = to_dst.trusted_height()
        value, proof = src.prove(store.commitment_key(dst_id, seq), h)
        if value is None:
            h = to_dst.sync()
            value, proof = src.prove(store.commitment_key(dst_id, seq), h)
            if value is None:
                continue
        try:
            to_dst._submit(
                "xchain.recv",
                {"client": src.chain_id, "packet": packet, "height": h, "proof": proof.to_obj()},
                20.0,
            )
        except PacketRefused:
            continue  # another relay delivered it, or it timed out meanwhile
        yield {"event": "xchain.delivered", "source": src.chain_id, "dest": dst_id, "sequence": seq}
