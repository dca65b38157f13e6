"""The cross-chain SDK: read another chain's headers and proofs from its node, register it,
relay header updates and recognitions to this chain, and build or check fact bundles offline.

::

    from wuyi.sdk import WuyiClient
    from wuyi.crosschain.sdk import Relayer, SourceChain, XChain

    a = SourceChain(WuyiClient("http://127.0.0.1:8600"))       # the city chain
    b = WuyiClient("http://127.0.0.1:8700")                      # the financial chain
    args = a.register_args(name="江门市政务链", facts={...}, prefixes=[b"vc/status/"])
    b.govern(admin, voters, "xchain.register", args, title="recognise jiangmen-gov")
    relayer = Relayer(a, b, member_key)                           # any member of B
    relayer.sync()                                                # headers to A's latest
    rid = relayer.recognise("credential_status", key, consumer="xverify", purpose="...")
    XChain(b).record(rid)

Nothing read here is trusted: chain B checks every header and proof itself; the checks here
(:meth:`SourceChain.prove`, :func:`verify_fact`) only spare a relayer from sending what B
would refuse, and give an offline verdict with the same functions B runs.
"""

from __future__ import annotations

from typing import Any

from wuyi.abc import PrivateKey
from wuyi.api.wire import (
    header_from_json,
    parse_hex,
    proof_from_json,
    qc_from_json,
    validators_from_json,
)
from wuyi.consensus.certificate import QuorumCertificate, ValidatorSet
from wuyi.crosschain.bundle import FactReport, make_fact_bundle, validate_fact_bundle
from wuyi.crosschain.client import ClientUpdate
from wuyi.crosschain.handlers import MAX_UPDATES
from wuyi.crosschain.proofs import (
    MembershipProof,
    NonMembershipProof,
    membership_from_state_proof,
    non_membership_from_state_proof,
    spec_for_suite,
    verify_membership,
    verify_non_membership,
)
from wuyi.exceptions import CrossChainRefused, NotFound, ProofInvalid
from wuyi.ledger.lightclient import ValidatorChange
from wuyi.ledger.types import BlockHeader
from wuyi.sdk.client import WuyiClient, event_attr, raise_receipt

__all__ = ["Relayer", "SourceChain", "XChain", "verify_fact"]


class SourceChain:
    """Chain A as a relayer reads it through its node's API."""

    def __init__(self, client: WuyiClient) -> None:
        self.client = client
        st = client.status()
        self.chain_id = st.chain_id
        self.suite_name = st.suite
        self.name = st.name
        self.genesis_hash = bytes.fromhex(st.genesis_hash)
        self.spec = spec_for_suite(st.suite)
        self._blocks: dict[int, tuple[BlockHeader, QuorumCertificate | None, ValidatorSet]] = {}

    def latest_height(self) -> int:
        return int(self.client.status().height)

    def block(self, height: int) -> tuple[BlockHeader, QuorumCertificate | None, ValidatorSet]:
        """Header, commit QC and the validator set in force at ``height`` (unchecked here)."""
        got = self._blocks.get(height)
        if got is None:
            doc = self.client._get(f"/v1/blocks/{height}")
            header = header_from_json(doc["header"])
            qc = None if doc.get("qc") is None else qc_from_json(doc["qc"])
            vs = validators_from_json(doc["validators"])
            got = (header, qc, vs)
            if len(self._blocks) > 256:
                self._blocks.clear()
            self._blocks[height] = got
        return got

    def changes(self) -> list[tuple[int, ValidatorSet]]:
        """``(effective height, set)`` from genesis on."""
        doc = self.client._get("/v1/validators/changes")
        return [
            (int(c["effective_height"]), validators_from_json(c["validators"]))
            for c in doc["changes"]
        ]

    def change_objs(self, until: int) -> list[ValidatorChange]:
        """Every change in force by height ``until``, as a light client checks it."""
        out = []
        for eff, vs in self.changes()[1:]:
            if eff > until:
                break
            header, qc, _ = self.block(eff - 1)
            assert qc is not None
            out.append(ValidatorChange(header, qc, vs))
        return out

    def genesis(self) -> tuple[BlockHeader, ValidatorSet]:
        header, _, vs = self.block(0)
        return header, vs

    def register_args(
        self,
        *,
        facts: dict[str, dict[str, Any]],
        prefixes: list[bytes],
        name: str | None = None,
        ports: list[str] | None = None,
        trusted_height: int | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Arguments of an ``xchain.register`` proposal on another chain, trusting this chain's
        latest header (or ``trusted_height``); options: ``trusting_period_ms``,
        ``max_clock_drift_ms``, ``trust_level``, ``delay_period_ms``."""
        h = self.latest_height() if trusted_height is None else trusted_height
        genesis, gvs = self.genesis()
        trusted = None
        if h > 0:
            header, qc, _ = self.block(h)
            assert qc is not None
            trusted = {"header": header.to_obj(), "qc": qc.to_obj()}
        return {
            "chain_id": self.chain_id,
            "name": name or self.name or self.chain_id,
            "suite": self.suite_name,
            "genesis_hash": self.genesis_hash,
            "genesis": {"header": genesis.to_obj(), "validators": gvs.to_obj()},
            "changes": [
                {
                    "header": c.header.to_obj(),
                    "qc": c.qc.to_obj(),
                    "validators": c.validators.to_obj(),
                }
                for c in self.change_objs(h)
            ],
            "trusted": trusted,
            "proof_spec": self.spec.to_obj(),
            "allowed_prefixes": list(prefixes),
            "facts": facts,
            "ports": list(ports or []),
            **options,
        }

    def recover_args(self, height: int | None = None) -> dict[str, Any]:
        """Arguments of an ``xchain.recover`` proposal: a fresh trusted header from genesis."""
        h = self.latest_height() if height is None else height
        header, qc, _ = self.block(h)
        assert qc is not None
        return {
            "chain_id": self.chain_id,
            "changes": [
                {
                    "header": c.header.to_obj(),
                    "qc": c.qc.to_obj(),
                    "validators": c.validators.to_obj(),
                }
                for c in self.change_objs(h)
            ],
            "trusted": {"header": header.to_obj(), "qc": qc.to_obj()},
        }

    def update(self, trusted_height: int, height: int) -> ClientUpdate:
        header, qc, vs = self.block(height)
        if qc is None:
            raise CrossChainRefused(f"block {height} of '{self.chain_id}' has no commit QC yet")
        trusted_next = None
        if height != trusted_height + 1:
            trusted_next = self.block(trusted_height + 1)[2]
        return ClientUpdate(header, qc, vs, trusted_height, trusted_next)

    def update_path(self, trusted_height: int, target: int) -> list[ClientUpdate]:
        """Updates from ``trusted_height`` to ``target``: through the last block each outgoing
        validator set signs, then adjacent into the new set (so no step needs the overlap of
        two different sets), then to the target."""
        steps: list[int] = []
        for eff, _ in self.changes()[1:]:
            if trusted_height + 1 < eff <= target:
                steps += [eff - 1, eff]
        steps.append(target)
        out = []
        cur = trusted_height
        for h in steps:
            if h > cur:
                out.append(self.update(cur, h))
                cur = h
        return out

    def prove(
        self, key: bytes, height: int
    ) -> tuple[bytes | None, MembershipProof | NonMembershipProof]:
        """The value of ``key`` at ``height`` (None if absent) and its typed proof, checked
        here against the state root of the header the node sent."""
        doc = self.client._get(f"/v1/state/{key.hex()}", height=height, prove="true")
        value = None if doc.get("value") is None else parse_hex(doc["value"], "value")
        sp = proof_from_json(doc["proof"])
        header = header_from_json(doc["header"])
        if header.height != height:
            raise ProofInvalid(f"the node answered for height {header.height}, not {height}")
        proof: MembershipProof | NonMembershipProof
        if value is None:
            proof = non_membership_from_state_proof(self.spec, key, sp)
            verify_non_membership(self.spec, header.state_root, key, proof)
        else:
            proof = membership_from_state_proof(self.spec, key, value, sp)
            verify_membership(self.spec, header.state_root, key, value, proof)
        return value, proof

    def fact_bundle(self, key: bytes, height: int | None = None) -> dict[str, Any]:
        """A ``wuyi-xchain-fact/1`` bundle of ``key`` at ``height`` (default latest)."""
        h = self.latest_height() if height is None else height
        value, proof = self.prove(key, h)
        genesis, gvs = self.genesis()
        header, qc, _ = self.block(h)
        if qc is None:
            raise NotFound(
                f"block {h} of {self.chain_id} has no commit certificate yet"
                + (" (the genesis block is never certified)" if h == 0 else "")
                + ": prove a fact at a committed height with a QC (--height, or wait a block)",
                height=h,
            )
        return make_fact_bundle(
            chain_id=self.chain_id,
            suite=self.suite_name,
            genesis_header=genesis,
            genesis_validators=gvs,
            changes=self.change_objs(h),
            header=header,
            qc=qc,
            key=key,
            value=value,
            proof=proof,
        )


def verify_fact(bundle: dict[str, Any], genesis_hash: bytes | None = None) -> FactReport:
    """Check a fact bundle offline (:func:`wuyi.crosschain.bundle.validate_fact_bundle`)."""
    return validate_fact_bundle(bundle, genesis_hash=genesis_hash)


class XChain:
    """Chain B's cross-chain records through its API."""

    def __init__(self, client: WuyiClient) -> None:
        self.client = client

    def clients(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.client._get("/v1/xchain/clients")["clients"]
        return out

    def client_state(self, chain_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/xchain/clients/{chain_id}")
        return out

    def recognitions(self, client: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.client._get(
            "/v1/xchain/recognitions", client=client, limit=limit
        )["records"]
        return out

    def record(self, record_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/xchain/recognitions/{record_id}")
        return out

    def chains(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self.client._get("/v1/xchain/chains")["chains"]
        return out


class Relayer:
    """Carries chain A's headers and facts to chain B, signing with ``key`` (a member of B).
    Any member may run one; B checks everything it carries."""

    def __init__(self, source: SourceChain | WuyiClient, dest: WuyiClient, key: PrivateKey) -> None:
        self.source = source if isinstance(source, SourceChain) else SourceChain(source)
        self.dest = dest
        self.key = key

    def trusted_height(self) -> int:
        return int(XChain(self.dest).client_state(self.source.chain_id)["latest_height"])

    def _submit(self, kind: str, payload: dict[str, Any], timeout: float) -> Any:
        tx = self.dest.builder(self.key).build(kind, payload)
        res = self.dest.submit_and_wait(tx, timeout=timeout)
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        return res.receipt

    def sync(self, target: int | None = None, *, timeout: float = 20.0) -> int:
        """Bring B's client of A to A's latest height (or ``target``); return B's latest."""
        trusted = self.trusted_height()
        goal = self.source.latest_height() if target is None else target
        if goal <= trusted:
            return trusted
        path = self.source.update_path(trusted, goal)
        for i in range(0, len(path), MAX_UPDATES):
            chunk = path[i : i + MAX_UPDATES]
            receipt = self._submit(
                "xchain.update",
                {"client": self.source.chain_id, "updates": [u.to_obj() for u in chunk]},
                timeout,
            )
            if any(e.type == "xchain.frozen" for e in receipt.events):
                raise CrossChainRefused(
                    f"the client of '{self.source.chain_id}' froze on a conflicting header"
                )
        return goal

    def recognise(
        self,
        fact: str,
        key: bytes,
        *,
        consumer: str = "",
        purpose: str,
        height: int | None = None,
        timeout: float = 20.0,
    ) -> str:
        """Sync (to ``height`` or A's latest), prove ``key`` there and have B recognise it;
        return the record id (hex)."""
        return self.recognise_fact(
            fact, key, consumer=consumer, purpose=purpose, height=height, timeout=timeout
        )[0]

    def recognise_fact(
        self,
        fact: str,
        key: bytes,
        *,
        consumer: str = "",
        purpose: str,
        height: int | None = None,
        timeout: float = 20.0,
    ) -> tuple[str, bytes | None]:
        """:meth:`recognise`, returning the record id and the value recognised (None for an
        absence), e.g. to hand the value to the consumer contract."""
        h = self.sync(height, timeout=timeout) if height is None else height
        if height is not None and self.trusted_height() < height:
            self.sync(height, timeout=timeout)
        value, proof = self.source.prove(key, h)
        receipt = self._submit(
            "xchain.recognise",
            {
                "client": self.source.chain_id,
                "height": h,
                "fact": fact,
                "key": key,
                "value": value,
                "proof": proof.to_obj(),
                "consumer": consumer,
                "purpose": purpose,
            },
            timeout,
        )
        rid = event_attr(receipt, "xchain.recognised", "id")
        return str(rid if isinstance(rid, str) else bytes(rid).hex()), value
