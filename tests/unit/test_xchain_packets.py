"""The effects tier: a finance chain F (intl) asks the property chain P (sm) to register a lien
with a packet; exactly-once receipts, acknowledgements, timeouts proven by the receipt's
absence, the receipt written before the callback, and nothing a packet reaches can change a
light client or a validator set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from wuyi.crosschain import store
from wuyi.encoding import decode
from wuyi.ledger.types import Receipt
from wuyi.testing.xchain import CertifiedChain

F_ID, P_ID = "finance-chain", "property-chain"

LIEN = """
from typing import Any
from wuyi.contract import call, packet, require, state, view

@call
def on_packet() -> dict:
    p = packet()
    require(p is not None, "only the chain delivers packets")
    require(p["source"] == "finance-chain", "unknown source chain")
    d = p["data"]
    unit = d["unit"]
    require(not state.has("lien/" + unit), "unit " + unit + " already has a lien")
    rec = {"bank": p["sender_org"], "amount": d["amount"], "seq": p["sequence"]}
    state.set("lien/" + unit, rec)
    return {"lien": unit}

@view
def lien(unit: str) -> Any:
    return state.get("lien/" + unit)
"""

GREEDY = """
from wuyi.contract import call, packet, require, state

@call
def on_packet() -> int:
    require(packet() is not None, "packets only")
    for i in range(50):
        state.set("k" + str(i), i)
    return 50
"""


@dataclass
class Chains:
    f: CertifiedChain
    p: CertifiedChain

    def sync_clocks(self) -> None:
        t = max(self.f.time, self.p.time)
        self.f.time = self.p.time = t

    def tx(self, chain: CertifiedChain, kind: str, payload: dict[str, Any]) -> Receipt:
        self.sync_clocks()
        _, res = chain.run([chain.tx("zjj", kind, payload)])
        if res.rejected:
            raise res.rejected[0][1]
        return res.receipts[0]

    def relay_headers(self, src: CertifiedChain, dst: CertifiedChain) -> int:
        """Bring dst's client of src to src's latest height; return it."""
        c = store.get_client(dst.state, src.chain_id)
        assert c is not None
        if c.latest_height < src.height:
            r = self.tx(
                dst,
                "xchain.update",
                {
                    "client": src.chain_id,
                    "updates": [src.update(c.latest_height, src.height).to_obj()],
                },
            )
            assert r.ok, r
        return src.height

    def send(
        self, unit: str, *, timeout_height: int = 0, timeout_time: int = 0, port: str = "lien"
    ) -> dict[str, Any]:
        r = self.tx(
            self.f,
            "xchain.send",
            {
                "dest": P_ID,
                "port": port,
                "data": {"unit": unit, "amount": 1_000_000},
                "timeout_height": timeout_height or (0 if timeout_time else self.p.height + 100),
                "timeout_time": timeout_time,
            },
        )
        assert r.ok, r
        seq = next(e.attrs["sequence"] for e in r.events if e.type == "xchain.sent")
        rec = (
            self.f.state.get_obj(store.sent_key(P_ID, seq))
            if hasattr(self.f.state, "get_obj")
            else None
        )
        raw = self.f.state.get(store.sent_key(P_ID, seq))
        assert raw is not None
        rec = decode(raw)
        return dict(rec["packet"])

    def recv(self, packet: dict[str, Any]) -> Receipt:
        h = self.relay_headers(self.f, self.p)
        _, proof = self.f.prove(store.commitment_key(P_ID, packet["sequence"]), h)
        return self.tx(
            self.p,
            "xchain.recv",
            {"client": F_ID, "packet": packet, "height": h, "proof": proof.to_obj()},
        )

    def ack(self, packet: dict[str, Any]) -> Receipt:
        h = self.relay_headers(self.p, self.f)
        value, proof = self.p.prove(store.ack_key(F_ID, packet["sequence"]), h)
        assert value is not None
        return self.tx(
            self.f,
            "xchain.ack",
            {
                "client": P_ID,
                "packet": packet,
                "ack": decode(value),
                "height": h,
                "proof": proof.to_obj(),
            },
        )

    def timeout(self, packet: dict[str, Any]) -> Receipt:
        h = self.relay_headers(self.p, self.f)
        value, proof = self.p.prove(store.receipt_key(F_ID, packet["sequence"]), h)
        if value is not None:  # delivered: offer the membership siblings as an absence
            from wuyi.crosschain.proofs import NonMembershipProof

            proof = NonMembershipProof(proof.siblings, None)  # type: ignore[assignment]
        return self.tx(
            self.f,
            "xchain.timeout",
            {"client": P_ID, "packet": packet, "height": h, "proof": proof.to_obj()},
        )

    def status(self, seq: int) -> str:
        raw = self.f.state.get(store.sent_key(P_ID, seq))
        assert raw is not None
        return str(decode(raw)["status"])


@pytest.fixture
def chains() -> Chains:
    f = CertifiedChain(suite_name="intl", chain_id=F_ID, validators=4)
    p = CertifiedChain(suite_name="sm", chain_id=P_ID, validators=4)
    r = f.govern("xchain.register", p.register_args(facts={}, prefixes=[b"xchain/"]))
    assert r.ok, r
    r = p.govern(
        "xchain.register",
        f.register_args(facts={}, prefixes=[b"xchain/"], ports=["lien", "greedy"]),
    )
    assert r.ok, r
    p.deploy_contract("lien", LIEN)
    p.deploy_contract("greedy", GREEDY)
    return Chains(f, p)


def _lien(c: Chains, unit: str) -> Any:
    from wuyi.ledger.handlers.contracts import state_prefix

    raw = c.p.state.get(state_prefix("lien") + b"lien/" + unit.encode())
    return None if raw is None else decode(raw)


def test_a_lien_registered_exactly_once_and_acknowledged(chains: Chains) -> None:
    pkt = chains.send("JM-0012345")
    r = chains.recv(pkt)
    assert r.ok, r
    assert _lien(chains, "JM-0012345")["bank"] == "zjj"
    received = next(e for e in r.events if e.type == "xchain.received")
    assert received.attrs["ok"] is True
    # the same packet again: refused, nothing changes
    again = chains.recv(pkt)
    assert again.status == "packet_refused" and "already received" in again.error
    r = chains.ack(pkt)
    assert r.ok, r
    assert chains.status(pkt["sequence"]) == "acknowledged"
    assert chains.f.state.get(store.commitment_key(P_ID, pkt["sequence"])) is None
    # a second acknowledgement finds no pending commitment
    twice = chains.ack(pkt)
    assert twice.status == "packet_refused" and "no pending packet" in twice.error


def test_a_timeout_after_delivery_is_refused(chains: Chains) -> None:
    pkt = chains.send("U-1", timeout_height=chains.p.height + 3)
    assert chains.recv(pkt).ok
    while chains.p.height < pkt["timeout_height"] + 1:
        chains.p.empty_block()
    r = chains.timeout(pkt)
    assert r.status == "bad_proof", r
    assert chains.status(pkt["sequence"]) == "pending"
    assert chains.ack(pkt).ok


def test_a_packet_timed_out_on_the_destination(chains: Chains) -> None:
    pkt = chains.send("U-2", timeout_height=chains.p.height + 2)
    early = chains.timeout(pkt)
    assert early.status == "packet_refused" and "had not timed out" in early.error
    while chains.p.height < pkt["timeout_height"]:
        chains.p.empty_block()
    late = chains.recv(pkt)
    assert late.status == "packet_refused" and "timed out" in late.error
    r = chains.timeout(pkt)
    assert r.ok, r
    assert chains.status(pkt["sequence"]) == "timed_out"
    assert _lien(chains, "U-2") is None
    assert chains.f.state.get(store.commitment_key(P_ID, pkt["sequence"])) is None


def test_a_time_timeout(chains: Chains) -> None:
    pkt = chains.send("U-3", timeout_time=chains.p.time + 5_000)
    chains.p.time += 10_000
    chains.p.empty_block()
    assert chains.recv(pkt).status == "packet_refused"
    assert chains.timeout(pkt).ok


def test_a_failed_callback_keeps_the_receipt_and_acknowledges_the_error(chains: Chains) -> None:
    first = chains.send("U-4")
    assert chains.recv(first).ok
    second = chains.send("U-4")  # the unit has a lien already: on_packet reverts
    r = chains.recv(second)
    assert r.ok, r
    assert next(e for e in r.events if e.type == "xchain.received").attrs["ok"] is False
    ack = decode(chains.p.state.get(store.ack_key(F_ID, second["sequence"])))  # type: ignore[arg-type]
    assert ack["ok"] is False and "already has a lien" in ack["error"]
    assert _lien(chains, "U-4")["seq"] == first["sequence"]
    assert chains.recv(second).status == "packet_refused"  # exactly once, even when it failed
    assert chains.ack(second).ok


def test_only_open_ports_receive(chains: Chains) -> None:
    pkt = chains.send("U-5", port="realestate")
    r = chains.recv(pkt)
    assert r.status == "packet_refused" and "not a port" in r.error


def test_a_member_cannot_call_on_packet_itself(chains: Chains) -> None:
    r = chains.p.call("zjj", "lien", "on_packet", {})
    assert r.status == "contract_revert" and "only the chain delivers" in r.error


def test_nothing_a_packet_reaches_changes_a_client_or_the_validators(chains: Chains) -> None:
    pkt = chains.send("U-6", port="greedy")
    h = chains.relay_headers(chains.f, chains.p)
    _, proof = chains.f.prove(store.commitment_key(P_ID, pkt["sequence"]), h)
    chains.sync_clocks()
    _, res = chains.p.run(
        [
            chains.p.tx(
                "zjj",
                "xchain.recv",
                {"client": F_ID, "packet": pkt, "height": h, "proof": proof.to_obj()},
            )
        ]
    )
    assert res.receipts[0].ok, res.receipts[0]
    allowed = (
        b"contract/greedy/s/",
        store.receipt_key(F_ID, pkt["sequence"]),
        store.ack_key(F_ID, pkt["sequence"]),
    )
    written = [k for k in res.changes if not k.startswith(b"consensus/history")]
    assert written and all(k.startswith(allowed) for k in written), written


def test_a_forged_commitment_proof_is_refused(chains: Chains) -> None:
    pkt = chains.send("U-7")
    forged = {**pkt, "data": {"unit": "U-7", "amount": 1}}  # not what F committed to
    h = chains.relay_headers(chains.f, chains.p)
    _, proof = chains.f.prove(store.commitment_key(P_ID, pkt["sequence"]), h)
    r = chains.tx(
        chains.p,
        "xchain.recv",
        {"client": F_ID, "packet": forged, "height": h, "proof": proof.to_obj()},
    )
    assert r.status == "bad_proof"
    assert chains.p.state.get(store.receipt_key(F_ID, pkt["sequence"])) is None


def test_the_receipt_is_written_before_the_callback_runs(
    chains: Chains, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASA-2024-007's lesson: by the time any application code runs, the packet can no
    longer be delivered again (its receipt is in the transaction's state)."""
    from wuyi.crosschain import packets

    seen: list[bool] = []
    original = packets._run_callback

    def spy(ctx: Any, packet: dict[str, Any]) -> dict[str, Any]:
        seen.append(ctx.state.get(store.receipt_key(F_ID, packet["sequence"])) is not None)
        return original(ctx, packet)

    monkeypatch.setattr(packets, "_run_callback", spy)
    assert chains.recv(chains.send("U-8")).ok
    assert seen and all(seen)  # (proposed, then re-validated as another node would)
