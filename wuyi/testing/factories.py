"""Factories for tests and for department developers: an in-memory chain with keys and orgs.

``LedgerHarness`` runs the real block transition (``build_block``/``apply_block``) over
in-memory state and tree nodes, with a fake clock — no disk, no network, no real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.crypto import address_of, get_suite
from wuyi.ledger.execute import BlockResult, apply_block, build_block
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg, build_genesis
from wuyi.ledger.sidecar import compute_sidecar_hash, sidecar_ref
from wuyi.ledger.state_view import MemoryKV
from wuyi.ledger.types import Block, BlockHeader, Receipt, Transaction
from wuyi.params import ChainParams
from wuyi.state import MemoryNodeStore, StateTree

__all__ = ["LedgerHarness"]

GENESIS_TIME = 1_764_201_600_000  # 2025-11-27 00:00 UTC+0, fixed for reproducibility


@dataclass
class LedgerHarness:
    """A chain in memory. ``keys`` has ``operator`` (admin of ``sjj``), ``zjj`` (admin of
    ``zjj``) and ``validator``; add members with :meth:`add_member`. ``validators`` > 1 puts
    ``validator``, ``validator1`` ... in the genesis set (power 1 each; blocks carry no QC:
    :class:`wuyi.testing.xchain.CertifiedChain` signs them)."""

    suite_name: str = "intl"
    chain_id: str = "test-chain"
    params: ChainParams = field(default_factory=ChainParams)
    seed: int = 1
    validators: int = 1

    def __post_init__(self) -> None:
        self.suite = get_suite(self.suite_name)
        self._nonce = 0
        self.keys: dict[str, PrivateKey] = {
            name: self.suite.private_key_from_bytes(self.suite.hash(f"{self.seed}/{name}".encode()))
            for name in (
                "operator",
                "zjj",
                "validator",
                *(f"validator{i}" for i in range(1, self.validators)),
            )
        }
        self.genesis = GenesisDoc(
            chain_id=self.chain_id,
            suite=self.suite_name,
            time=GENESIS_TIME,
            orgs=(
                GenesisOrg(
                    "sjj",
                    "江门市政务服务数据管理局",
                    True,
                    (("operator", self.keys["operator"].public_key),),
                ),
                GenesisOrg(
                    "zjj",
                    "江门市住房和城乡建设局",
                    False,
                    (("zjj-admin", self.keys["zjj"].public_key),),
                ),
            ),
            validators=ValidatorSet(
                tuple(
                    Validator(self.keys["validator" + (f"{i}" if i else "")].public_key, 1, f"v{i}")
                    for i in range(self.validators)
                )
            ),
            params=self.params,
            name="测试链",
        )
        self.chain = self.genesis.chain_spec()
        self.nodes = MemoryNodeStore()
        self.tree = StateTree(self.suite.hash, self.nodes)
        self.state = MemoryKV()
        self.committed: set[bytes] = set()
        self.sidecars: dict[bytes, bytes] = {}
        """Private side-cars every node of this chain holds (:meth:`sidecar`)."""
        block, changes, nodes = build_genesis(self.genesis, self.tree)
        self.nodes.put_nodes(nodes)
        self.state.apply(changes)
        self.blocks: list[Block] = [block]
        self.time = GENESIS_TIME

    # -- transactions -------------------------------------------------------------------------

    def new_key(self, name: str) -> PrivateKey:
        key = self.suite.private_key_from_bytes(self.suite.hash(f"{self.seed}/{name}".encode()))
        self.keys[name] = key
        return key

    def address(self, name: str) -> bytes:
        return address_of(self.suite, self.keys[name].public_key)

    def sidecar(self, data: str | bytes) -> str:
        """Send ``data`` (e.g. a presentation) as a private side-car: every node of this chain
        now holds it; returns the reference ``"sidecar:<hex>"`` to put in a payload or a
        contract call's arguments (``wuyi.ledger.sidecar``)."""
        raw = data.encode() if isinstance(data, str) else data
        self.sidecars[compute_sidecar_hash(self.suite, raw)] = raw
        return sidecar_ref(self.suite, raw)

    def tx(
        self,
        signer: str,
        kind: str,
        payload: dict[str, Any],
        *,
        nonce: int | None = None,
        expiry: int | None = None,
        chain_id: str | None = None,
    ) -> bytes:
        if nonce is None:
            self._nonce += 1
            nonce = self._nonce
        key = self.keys[signer]
        tx = Transaction(
            chain_id or self.chain_id,
            key.public_key,
            nonce,
            self.height + 100 if expiry is None else expiry,
            kind,
            payload,
        ).signed(key)
        return tx.to_bytes()

    # -- blocks -------------------------------------------------------------------------------

    @property
    def head(self) -> BlockHeader:
        return self.blocks[-1].header

    @property
    def height(self) -> int:
        return self.head.height

    def propose(self, txs: list[bytes], time_step: int = 1000) -> tuple[Block, BlockResult]:
        """Build the next block (without committing it)."""
        return build_block(
            self.chain,
            self.state,
            self.tree,
            self.head,
            txs,
            time=self.time + time_step,
            proposer=self.keys["validator"].public_key,
            is_committed=self.committed.__contains__,
            sidecars=self.sidecars.get,
        )

    def commit(self, block: Block, result: BlockResult) -> None:
        self.nodes.put_nodes(result.new_nodes)
        self.state.apply(result.changes)
        self.committed.update(result.tx_hashes)
        self.blocks.append(block)
        self.time = block.header.time

    def run(self, txs: list[bytes]) -> tuple[Block, BlockResult]:
        """Build, re-validate as another node would, and commit a block."""
        block, result = self.propose(txs)
        check = apply_block(
            self.chain,
            self.state,
            self.tree,
            self.head,
            block,
            is_committed=self.committed.__contains__,
            sidecars=self.sidecars.get,
        )
        assert check.state_root == result.state_root
        self.commit(block, result)
        return block, result

    def add_member(self, admin: str, org: str, name: str, roles: list[str]) -> PrivateKey:
        key = self.new_key(name)
        _, res = self.run(
            [
                self.tx(
                    admin,
                    "member.add",
                    {"org": org, "public_key": key.public_key, "roles": roles, "name": name},
                )
            ]
        )
        assert res.receipts[0].ok, res.receipts[0]
        return key

    # -- citizens' DIDs -------------------------------------------------------------------------

    REGISTRAR = "did-registrar"

    def enable_registrar(self, voters: tuple[str, ...] = ("zjj",)) -> PrivateKey:
        """A member ``did-registrar`` (role ``did_registrar``) of ``sjj``, after governance made
        ``sjj`` a DID registrar (``did.set_registrar``, ``voters`` vote yes); done once."""
        if self.REGISTRAR in self.keys:
            return self.keys[self.REGISTRAR]
        r = self.govern("did.set_registrar", {"org": "sjj", "enabled": True}, voters=voters)
        assert r.ok, r
        return self.add_member("operator", "sjj", self.REGISTRAR, ["did_registrar"])

    def registration(self, name: str) -> dict[str, Any]:
        """The ``did.create`` payload for the citizen key ``name`` (made if new): its public
        key and its possession proof (what a wallet hands to the registration counter)."""
        from wuyi.ledger.handlers.did import compute_did, key_proof_message

        key = self.keys.get(name) or self.new_key(name)
        did = compute_did(self.suite, key.public_key)
        proof = key.sign(key_proof_message(self.chain_id, did, key.public_key))
        return {"public_key": key.public_key, "proof": proof}

    def register_did(self, name: str, voters: tuple[str, ...] = ("zjj",)) -> str:
        """Register the DID of citizen key ``name`` (made if new) through the registrar, as a
        service centre would (``voters``: see :meth:`enable_registrar`); returns the DID."""
        from wuyi.ledger.handlers.did import compute_did

        self.enable_registrar(voters)
        payload = self.registration(name)
        _, res = self.run([self.tx(self.REGISTRAR, "did.create", payload)])
        assert res.receipts and res.receipts[0].ok, (res.receipts, res.rejected)
        return compute_did(self.suite, payload["public_key"])

    # -- governance and contracts ---------------------------------------------------------------

    def govern(
        self,
        action_type: str,
        args: dict[str, Any],
        *,
        proposer: str = "operator",
        voters: tuple[str, ...] = ("zjj",),
        executor: str | None = None,
    ) -> Receipt:
        """Propose ``action_type`` with ``args``, have ``voters`` (admins of other
        organisations) vote yes, and execute it; returns the execute receipt (which may have
        failed — check ``.ok``). With the default two organisations, a majority is both."""
        _, res = self.run(
            [
                self.tx(
                    proposer,
                    "gov.propose",
                    {"action": {"type": action_type, "args": args}, "title": action_type},
                )
            ]
        )
        r = res.receipts[0]
        if not r.ok:
            return r
        pid = next(e.attrs["id"] for e in r.events if e.type == "gov.proposed")
        for v in voters:
            _, res = self.run([self.tx(v, "gov.vote", {"id": pid, "choice": "yes"})])
            if not res.receipts[0].ok:
                return res.receipts[0]
        _, res = self.run([self.tx(executor or proposer, "gov.execute", {"id": pid})])
        return res.receipts[0]

    def deploy_contract(
        self,
        name: str,
        source: str,
        *,
        version: str = "1.0.0",
        init_args: dict[str, Any] | None = None,
        manifest: dict[str, Any] | None = None,
        upgrade: bool = False,
    ) -> Receipt:
        """Deploy (or upgrade) a contract through the lifecycle policy; raises if it fails."""
        pkg = {"name": name, "version": version, "source": source, "manifest": manifest or {}}
        args: dict[str, Any] = {"package": pkg}
        if init_args:
            args["migrate_args" if upgrade else "init_args"] = init_args
        r = self.govern("contract.upgrade" if upgrade else "contract.deploy", args)
        if not r.ok:
            raise AssertionError(f"deploying {name} failed: {r.status}: {r.error}")
        return r

    def call(
        self,
        signer: str,
        contract: str,
        method: str,
        args: dict[str, Any] | None = None,
        *,
        gas_limit: int | None = None,
    ) -> Receipt:
        """One ``contract.call`` in its own block; returns the receipt. A call refused before
        execution (e.g. the sender rule: :class:`~wuyi.exceptions.NotMember`) raises that
        error: nothing of it reached the block."""
        payload: dict[str, Any] = {"contract": contract, "method": method, "args": args or {}}
        if gas_limit is not None:
            payload["gas_limit"] = gas_limit
        _, res = self.run([self.tx(signer, "contract.call", payload)])
        if res.rejected:
            raise res.rejected[0][1]
        return res.receipts[0]
