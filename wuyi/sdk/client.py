"""A typed Python client of a node's REST API, and helpers to build signed transactions.

Verified reads do not trust the node that answers. ``get_state``, ``get_block`` and ``get_tx``
(``verify=True``, the default) rebuild the block header from the answer and check, raising
:class:`~wuyi.exceptions.ProofInvalid` naming what failed:

* the header hashes to the block hash its quorum certificate (QC) signs;
* the QC carries more than two thirds of the voting power of the validator set **the client
  itself established** for that height: it trusts the chain's genesis validator set (the
  genesis header must hash to the chain's genesis hash) and then each validator-set change as
  the chain recorded it — the change effective at height *e* is accepted only if block *e - 1*,
  certified by the set before, names it in ``next_validator_set_hash``
  (``GET /v1/validators/changes``);
* then what was asked: the state proof up to ``state_root`` (``get_state``), the transactions
  up to ``tx_root`` and their hashes (``get_block``), the transaction's and its receipt's
  RFC 6962 audit paths up to ``tx_root`` and ``receipts_root`` (``get_tx``).

Pin ``chain_id``, ``genesis_hash`` and ``trusted_validators`` (the genesis validators' public
keys) so that a node cannot present a whole invented chain either.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from wuyi.abc import PrivateKey, Suite
from wuyi.api import models as m
from wuyi.api.wire import (
    header_from_json,
    hexify,
    parse_hex,
    proof_from_json,
    qc_from_json,
    receipt_to_json,
    validators_from_json,
)
from wuyi.consensus.certificate import ValidatorSet, validate_qc
from wuyi.crypto import get_suite
from wuyi.encoding import decode
from wuyi.exceptions import (
    EncodingError,
    NotFound,
    ProofInvalid,
    ValidationError,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.jsonform import from_json
from wuyi.ledger.merkle import compute_root, validate_inclusion_proof
from wuyi.ledger.types import BlockHeader, Receipt, Transaction

__all__ = [
    "ApiError",
    "StateResult",
    "TxBuilder",
    "WuyiClient",
    "event_attr",
    "generate_key",
    "raise_problem",
    "raise_receipt",
]

DEFAULT_EXPIRY_WINDOW = 1000


def generate_key(suite: str) -> PrivateKey:
    """A new signing key of the chain's crypto ``suite`` (``"sm"``: SM2, ``"intl"``: Ed25519).
    Save it with :func:`wuyi.crypto.save_key` (passphrase-encrypted) before using it."""
    return get_suite(suite).generate_private_key()


class ApiError(WuyiError):
    """A problem document from the node whose code has no class of its own here."""

    def __init__(self, code: str, status: int, message: str, **detail: Any) -> None:
        super().__init__(message, **detail)
        self.code = code
        self.http_status = status


def _all_error_classes() -> dict[str, type[WuyiError]]:
    out: dict[str, type[WuyiError]] = {}
    stack: list[type[WuyiError]] = [WuyiError]
    while stack:
        cls = stack.pop()
        out.setdefault(cls.code, cls)
        stack.extend(cls.__subclasses__())
    return out


def raise_problem(resp: httpx.Response) -> None:
    """Raise the :class:`WuyiError` a problem response stands for."""
    try:
        doc = resp.json()
    except ValueError:
        doc = {}
    code = str(doc.get("code") or "http_error")
    detail = str(doc.get("detail") or f"HTTP {resp.status_code} from {resp.request.url}")
    extra: dict[str, Any] = {"status": resp.status_code}
    if doc.get("field") is not None:
        extra["field"] = doc["field"]
    cls = _all_error_classes().get(code)
    if cls is None or cls is ApiError:
        extra.pop("status")
        raise ApiError(code, resp.status_code, detail, **extra)
    raise cls(detail, **extra)


@dataclass(frozen=True)
class StateResult:
    """A state value as :meth:`WuyiClient.get_state` read it: ``value`` is the canonical
    bytes (None if the key is absent), ``verified`` whether the proof was checked here,
    ``decoded`` the node's rendering of the value (for display only)."""

    key: bytes
    value: bytes | None
    height: int
    verified: bool
    decoded: Any = None


class TxBuilder:
    """Builds and signs transactions for one chain and one key.

    ``nonce`` is a random 63-bit integer unless given; ``expiry`` defaults to
    ``current_height + expiry_window``.
    """

    def __init__(
        self,
        chain_id: str,
        key: PrivateKey,
        *,
        current_height: int = 0,
        expiry_window: int = DEFAULT_EXPIRY_WINDOW,
        nonce_source: Callable[[], int] | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.key = key
        self.current_height = current_height
        self.expiry_window = expiry_window
        self._nonce = nonce_source or (lambda: secrets.randbits(63))

    def build(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        nonce: int | None = None,
        expiry: int | None = None,
    ) -> Transaction:
        tx = Transaction(
            chain_id=self.chain_id,
            sender=self.key.public_key,
            nonce=self._nonce() if nonce is None else nonce,
            expiry=self.current_height + self.expiry_window if expiry is None else expiry,
            kind=kind,
            payload=payload,
        )
        return tx.signed(self.key)

    def anchor(self, doc_hash: bytes, meta: dict[str, Any] | None = None) -> Transaction:
        return self.build("evidence.anchor", {"doc_hash": doc_hash, "meta": dict(meta or {})})

    def revoke(self, doc_hash: bytes, reason: str) -> Transaction:
        return self.build("evidence.revoke", {"doc_hash": doc_hash, "reason": reason})

    def org_create(self, org_id: str, name: str) -> Transaction:
        return self.build("org.create", {"id": org_id, "name": name})

    def member_add(
        self, org: str, public_key: bytes, roles: Sequence[str], name: str = ""
    ) -> Transaction:
        payload: dict[str, Any] = {"org": org, "public_key": public_key, "roles": list(roles)}
        if name:
            payload["name"] = name
        return self.build("member.add", payload)

    def member_set_status(self, address: bytes, status: str) -> Transaction:
        return self.build("member.set_status", {"address": address, "status": status})

    # -- contracts and governance --------------------------------------------------------------

    def contract_call(
        self,
        contract: str,
        method: str,
        args: dict[str, Any] | None = None,
        *,
        gas_limit: int | None = None,
    ) -> Transaction:
        payload: dict[str, Any] = {"contract": contract, "method": method, "args": dict(args or {})}
        if gas_limit is not None:
            payload["gas_limit"] = gas_limit
        return self.build("contract.call", payload)

    def contract_call_propose(
        self, contract: str, method: str, args: dict[str, Any] | None = None
    ) -> Transaction:
        """Start a multi-party call (the method's policy needs several signers)."""
        return self.build(
            "contract.call_propose",
            {"contract": contract, "method": method, "args": dict(args or {})},
        )

    def contract_call_sign(self, call_id: int) -> Transaction:
        return self.build("contract.call_sign", {"id": call_id})

    def gov_propose(
        self,
        action_type: str,
        args: dict[str, Any],
        *,
        title: str,
        description: str = "",
        deadline: int | None = None,
    ) -> Transaction:
        payload: dict[str, Any] = {"action": {"type": action_type, "args": args}, "title": title}
        if description:
            payload["description"] = description
        if deadline is not None:
            payload["deadline"] = deadline
        return self.build("gov.propose", payload)

    def gov_vote(self, proposal_id: int, choice: str = "yes") -> Transaction:
        return self.build("gov.vote", {"id": proposal_id, "choice": choice})

    def gov_execute(self, proposal_id: int) -> Transaction:
        return self.build("gov.execute", {"id": proposal_id})

    def gov_cancel(self, proposal_id: int) -> Transaction:
        return self.build("gov.cancel", {"id": proposal_id})

    def contract_propose(
        self,
        package: dict[str, Any],
        *,
        upgrade: bool = False,
        hook_args: dict[str, Any] | None = None,
        title: str = "",
    ) -> Transaction:
        """Propose deploying (or upgrading) ``package`` (see ``wuyi contract package``)."""
        pkg = {k: package[k] for k in ("name", "version", "source", "manifest")}
        args: dict[str, Any] = {"package": pkg}
        if hook_args:
            args["migrate_args" if upgrade else "init_args"] = dict(hook_args)
        verb = "upgrade" if upgrade else "deploy"
        return self.gov_propose(
            f"contract.{verb}",
            args,
            title=title or f"{verb} {pkg['name']} {pkg['version']}",
        )


class WuyiClient:
    """Client of one node.

    ``chain_id`` pins the chain; ``genesis_hash`` pins its genesis block (otherwise the node's
    ``/v1/status`` is believed on first use); ``trusted_validators`` lists the public keys the
    client accepts in a validator set it did not derive itself (the genesis set and any set an
    answer presents). ``transport`` lets tests plug in a fake (``httpx.MockTransport``) or an
    ASGI app."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        chain_id: str | None = None,
        genesis_hash: bytes | None = None,
        trusted_validators: Sequence[bytes] | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._pinned_chain = chain_id
        self._pinned_genesis = genesis_hash
        self._trusted = None if trusted_validators is None else set(trusted_validators)
        self._status: m.Status | None = None
        self._valsets: list[tuple[int, ValidatorSet]] | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WuyiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise ApiError("unreachable", 0, f"cannot reach the node: {exc}") from None
        if resp.status_code >= 400:
            raise_problem(resp)
        return resp

    def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=clean).json()

    # -- chain ---------------------------------------------------------------------------------

    def status(self) -> m.Status:
        st = m.Status.model_validate(self._get("/v1/status"))
        if self._pinned_chain is not None and st.chain_id != self._pinned_chain:
            raise ValidationError(
                f"node serves chain '{st.chain_id}', this client is pinned to"
                f" '{self._pinned_chain}'"
            )
        self._status = st
        return st

    def _chain(self) -> m.Status:
        return self._status or self.status()

    @property
    def suite(self) -> Suite:
        return get_suite(self._chain().suite)

    def get_block(self, height: int | str = "latest", *, verify: bool = True) -> m.BlockDetail:
        """Block ``height`` (or ``"latest"``). With ``verify`` (default) its transactions come
        along and the client checks the header hash, the QC against the validator set it
        trusts for that height, ``tx_root`` over the transactions and each ``tx_hash``."""
        doc = self._get(f"/v1/blocks/{height}", txs="true" if verify else None)
        blk = m.BlockDetail.model_validate(doc)
        if verify:
            self._verify_block(blk)
        return blk

    def list_blocks(
        self, from_height: int | None = None, limit: int = 20, *, cursor: str | None = None
    ) -> m.BlockList:
        """One page of block summaries, newest first; pass ``.next`` as ``cursor``."""
        return m.BlockList.model_validate(
            self._get("/v1/blocks", from_height=from_height, limit=limit, cursor=cursor)
        )

    # -- verification ----------------------------------------------------------------------------

    def _check_keys_trusted(self, vs: ValidatorSet, what: str) -> None:
        if self._trusted is None:
            return
        if {v.public_key for v in vs.validators} - self._trusted:
            raise ProofInvalid(f"{what}: validator set contains keys this client does not trust")

    def _certified_header(
        self, header_doc: Any, qc_doc: Any, what: str, *, valset: ValidatorSet | None = None
    ) -> tuple[BlockHeader, bytes]:
        """Rebuild a header and check it is certified: genesis by the chain's genesis hash,
        any other block by a QC of the validator set this client trusts for its height."""
        st = self._chain()
        suite = get_suite(st.suite)
        try:
            header = header_from_json(header_doc)
        except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProofInvalid(f"{what}: header is malformed: {exc}") from None
        if header.chain_id != st.chain_id:
            raise ProofInvalid(
                f"{what}: header is for chain '{header.chain_id}', not '{st.chain_id}'"
            )
        block_hash = header.compute_hash(suite)
        if header.height == 0:
            if block_hash != self._genesis_hash():
                raise ProofInvalid(
                    f"{what}: genesis header does not hash to the chain's genesis hash"
                )
            return header, block_hash
        vs = valset if valset is not None else self._validators_for(header)
        if qc_doc is None:
            raise ProofInvalid(f"{what}: block {header.height} has no quorum certificate")
        try:
            qc = qc_from_json(qc_doc)
        except (WuyiError, KeyError, TypeError, ValueError) as exc:
            raise ProofInvalid(f"{what}: quorum certificate is malformed: {exc}") from None
        try:
            validate_qc(suite, st.chain_id, vs, qc, height=header.height, block_hash=block_hash)
        except ProofInvalid as exc:
            raise ProofInvalid(
                f"{what}: block {header.height} quorum certificate: {exc.message}"
            ) from None
        return header, block_hash

    def _genesis_hash(self) -> bytes:
        if self._pinned_genesis is not None:
            if self._chain().genesis_hash != self._pinned_genesis.hex():
                raise ProofInvalid("node serves a chain whose genesis hash is not the pinned one")
            return self._pinned_genesis
        return bytes.fromhex(self._chain().genesis_hash)

    def _validators_for(self, header: BlockHeader) -> ValidatorSet:
        """The validator set this client established for ``header.height``; the header must
        name it. New changes are fetched (and checked) when the header names another set."""
        suite = self.suite
        for attempt in range(2):
            if self._valsets is None or attempt:
                self._sync_validators()
            assert self._valsets is not None
            vs = next(v for eff, v in reversed(self._valsets) if eff <= header.height)
            if vs.compute_hash(suite) == header.validator_set_hash:
                return vs
        raise ProofInvalid(
            f"block {header.height}: validator_set_hash is not the validator set the chain"
            f" recorded for this height"
        )

    def _sync_validators(self) -> None:
        """Establish the validator sets from genesis on: the genesis set must match the genesis
        header; each later change must be named by the ``next_validator_set_hash`` of block
        ``effective_height - 1``, itself certified by the set before."""
        suite = self.suite
        try:
            changes = [
                (int(c["effective_height"]), validators_from_json(c["validators"]))
                for c in self._get("/v1/validators/changes")["changes"]
            ]
        except (WuyiError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ApiError | NotFound):
                raise
            raise ProofInvalid(f"validator changes are malformed: {exc}") from None
        if not changes or changes[0][0] != 0:
            raise ProofInvalid("validator changes do not start with the genesis set")
        if self._valsets is None:
            genesis = self._get("/v1/blocks/0")
            header, _ = self._certified_header(genesis["header"], None, "genesis")
            if changes[0][1].compute_hash(suite) != header.validator_set_hash:
                raise ProofInvalid("genesis validator set does not match the genesis header")
            self._check_keys_trusted(changes[0][1], "genesis")
            self._valsets = [changes[0]]
        for eff, vs in changes[1:]:
            last = self._valsets[-1][0]
            if eff <= last:
                continue
            prev = self._valsets[-1][1]
            blk = self._get(f"/v1/blocks/{eff - 1}")
            what = f"validator change at height {eff}"
            header, _ = self._certified_header(blk["header"], blk.get("qc"), what, valset=prev)
            if header.validator_set_hash != prev.compute_hash(suite):
                raise ProofInvalid(f"{what}: block {eff - 1} is not signed by the set before")
            if header.next_validator_set_hash != vs.compute_hash(suite):
                raise ProofInvalid(
                    f"{what}: block {eff - 1} does not name this set as the next validator set"
                )
            self._valsets.append((eff, vs))

    def _verify_block(self, blk: m.BlockDetail) -> None:
        suite = self.suite
        what = f"block {blk.height}"
        header, block_hash = self._certified_header(
            blk.header.model_dump(), None if blk.qc is None else blk.qc.model_dump(), what
        )
        if header.height != blk.height:
            raise ProofInvalid(f"{what}: the header is for height {header.height}")
        if block_hash.hex() != blk.hash:
            raise ProofInvalid(f"{what}: the block hash is not the hash of its header")
        if blk.txs is None:
            raise ProofInvalid(f"{what}: the node did not send the transactions")
        try:
            raws = [parse_hex(t, "tx") for t in blk.txs]
        except WuyiError as exc:
            raise ProofInvalid(f"{what}: transactions are malformed: {exc.message}") from None
        if len(raws) != header.tx_count:
            raise ProofInvalid(
                f"{what}: {len(raws)} transactions, the header says {header.tx_count}"
            )
        if compute_root(suite.hash, raws) != header.tx_root:
            raise ProofInvalid(f"{what}: the transactions do not hash to the header's tx_root")
        try:
            hashes = [Transaction.from_bytes(r).compute_hash(suite).hex() for r in raws]
        except WuyiError as exc:
            raise ProofInvalid(f"{what}: a transaction does not decode: {exc.message}") from None
        if hashes != blk.tx_hashes:
            raise ProofInvalid(f"{what}: tx_hashes are not the hashes of its transactions")

    def get_receipts(self, height: int) -> m.ReceiptList:
        return m.ReceiptList.model_validate(self._get(f"/v1/blocks/{height}/receipts"))

    # -- transactions --------------------------------------------------------------------------

    def builder(self, key: PrivateKey, *, expiry_window: int = DEFAULT_EXPIRY_WINDOW) -> TxBuilder:
        st = self.status()
        return TxBuilder(st.chain_id, key, current_height=st.height, expiry_window=expiry_window)

    def submit(
        self, tx: Transaction | bytes, *, wait: bool = False, timeout: float = 10.0
    ) -> m.TxAccepted | m.TxCommitted:
        raw = tx.to_bytes() if isinstance(tx, Transaction) else tx
        params: dict[str, Any] = {"wait": "true", "timeout": timeout} if wait else {}
        resp = self._request(
            "POST",
            "/v1/txs",
            content=raw,
            params=params,
            headers={"content-type": "application/cbor"},
            timeout=timeout + 10 if wait else None,
        )
        body = resp.json()
        return m.TxCommitted.model_validate(body) if wait else m.TxAccepted.model_validate(body)

    def submit_and_wait(self, tx: Transaction | bytes, timeout: float = 10.0) -> m.TxCommitted:
        res = self.submit(tx, wait=True, timeout=timeout)
        assert isinstance(res, m.TxCommitted)
        return res

    def submit_batch(self, txs: Sequence[Transaction | bytes]) -> m.BatchResult:
        hexes = [(t.to_bytes() if isinstance(t, Transaction) else t).hex() for t in txs]
        resp = self._request("POST", "/v1/txs/batch", json={"txs": hexes})
        return m.BatchResult.model_validate(resp.json())

    def get_tx(self, tx_hash: bytes | str, *, verify: bool = True) -> m.TxDetail:
        """A transaction: ``status`` pending (in the node's pool; nothing to verify yet) or
        committed with its place and receipt. With ``verify`` (default) a committed answer is
        checked against ``/v1/txs/{hash}/proof``: the block header and its QC, the
        transaction's audit path to ``tx_root`` (and that it hashes to ``tx_hash``), the
        receipt's audit path to ``receipts_root``, and that the answer shows exactly them."""
        h = tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash
        detail = m.TxDetail.model_validate(self._get(f"/v1/txs/{h}"))
        if verify and detail.status == "committed":
            self._verify_tx(parse_hex(h, "tx_hash"), detail)
        return detail

    def _verify_tx(self, tx_hash: bytes, detail: m.TxDetail) -> None:
        suite = self.suite
        what = f"transaction {tx_hash.hex()}"
        doc = self._get(f"/v1/txs/{tx_hash.hex()}/proof")
        try:
            p = m.TxProof.model_validate(doc)
            raw = parse_hex(p.tx, "tx")
            path = [parse_hex(x, "proof") for x in p.proof]
            receipt_raw = parse_hex(p.receipt_bytes, "receipt_bytes")
            receipt_path = [parse_hex(x, "receipt_proof") for x in p.receipt_proof]
        except (WuyiError, ValueError) as exc:
            raise ProofInvalid(f"{what}: proof is malformed: {exc}") from None
        header, _ = self._certified_header(
            p.header.model_dump(), None if p.qc is None else p.qc.model_dump(), what
        )
        try:
            validate_inclusion_proof(
                suite.hash, header.tx_root, raw, p.index, header.tx_count, path
            )
        except ProofInvalid as exc:
            raise ProofInvalid(
                f"{what}: inclusion in block {header.height}: {exc.message}"
            ) from None
        try:
            tx = Transaction.from_bytes(raw)
            receipt = Receipt.from_obj(decode(receipt_raw))
        except (WuyiError, TypeError, ValueError) as exc:
            raise ProofInvalid(f"{what}: transaction or receipt does not decode: {exc}") from None
        if tx.compute_hash(suite) != tx_hash:
            raise ProofInvalid(f"{what}: the included transaction has another hash")
        try:
            validate_inclusion_proof(
                suite.hash,
                header.receipts_root,
                receipt_raw,
                p.index,
                header.tx_count,
                receipt_path,
            )
        except ProofInvalid as exc:
            raise ProofInvalid(f"{what}: receipt inclusion: {exc.message}") from None
        if receipt.tx_hash != tx_hash:
            raise ProofInvalid(f"{what}: the proven receipt is another transaction's")
        proven_receipt = m.ReceiptOut.model_validate(receipt_to_json(receipt))
        if detail.receipt != proven_receipt or p.receipt != proven_receipt:
            raise ProofInvalid(f"{what}: the receipt shown differs from the proven receipt")
        if (detail.height, detail.index, detail.block_time) != (
            header.height,
            p.index,
            header.time,
        ):
            raise ProofInvalid(f"{what}: height, index or block time differ from the proof")
        if detail.tx is not None:
            shown = detail.tx
            if (
                shown.sender != tx.sender.hex()
                or shown.nonce != tx.nonce
                or shown.expiry != tx.expiry
                or shown.kind != tx.kind
                or shown.chain_id != tx.chain_id
                or shown.signature != tx.signature.hex()
                or shown.payload != hexify(tx.payload)
            ):
                raise ProofInvalid(f"{what}: the transaction shown differs from the proven one")

    # -- state ---------------------------------------------------------------------------------

    def get_state(
        self, key: bytes, *, verify: bool = True, height: int | None = None
    ) -> StateResult:
        """The value of ``key`` (None if absent). With ``verify`` the proof is checked here
        against the header and its quorum certificate; :class:`ProofInvalid` otherwise."""
        doc = self._get(
            f"/v1/state/{key.hex()}", height=height, prove="true" if verify else "false"
        )
        value = None if doc.get("value") is None else parse_hex(doc["value"], "value")
        if verify:
            self._verify_state(key, value, doc)
        return StateResult(key, value, int(doc["height"]), verify, doc.get("decoded"))

    def _verify_state(self, key: bytes, value: bytes | None, doc: dict[str, Any]) -> None:
        suite = self.suite
        what = f"state {key.hex()}"
        try:
            if parse_hex(doc["key"], "key") != key:
                raise ProofInvalid("node answered for a different key")
            proof = proof_from_json(doc["proof"])
            valset = validators_from_json(doc["validators"])
            height = int(doc["height"])
        except ProofInvalid:
            raise
        except (WuyiError, KeyError, TypeError, ValueError) as exc:
            raise ProofInvalid(f"state answer is malformed: {exc}") from None
        self._check_keys_trusted(valset, what)
        header, _ = self._certified_header(doc.get("header"), doc.get("qc"), what)
        if header.height != height:
            raise ProofInvalid(f"{what}: header height differs from the answer's height")
        if valset.compute_hash(suite) != header.validator_set_hash:
            raise ProofInvalid(f"{what}: validator set does not match the header")
        from wuyi.state import verify_proof

        try:
            verify_proof(suite.hash, header.state_root, key, value, proof)
        except ProofInvalid as exc:
            raise ProofInvalid(f"{what}: state proof: {exc.message}") from None

    # -- identity ------------------------------------------------------------------------------

    def orgs(self) -> m.OrgList:
        return m.OrgList.model_validate(self._get("/v1/orgs"))

    def org(self, org_id: str) -> m.Org:
        return m.Org.model_validate(self._get(f"/v1/orgs/{org_id}"))

    def members(self, org_id: str) -> m.MemberList:
        return m.MemberList.model_validate(self._get(f"/v1/orgs/{org_id}/members"))

    def member(self, address: str | bytes) -> m.Member:
        a = "wy" + address.hex() if isinstance(address, bytes) else address
        return m.Member.model_validate(self._get(f"/v1/members/{a}"))

    # -- evidence ------------------------------------------------------------------------------

    def anchor(
        self,
        key: PrivateKey,
        document: bytes | None = None,
        *,
        doc_hash: bytes | None = None,
        meta: dict[str, Any] | None = None,
        wait: bool = True,
        timeout: float = 10.0,
    ) -> tuple[bytes, m.TxAccepted | m.TxCommitted]:
        """Anchor ``document`` (hashed here with the chain's suite) or ``doc_hash``."""
        if (document is None) == (doc_hash is None):
            raise ValidationError("give exactly one of document or doc_hash")
        h = self.suite.hash(document) if document is not None else doc_hash
        assert h is not None
        tx = self.builder(key).anchor(h, meta)
        res = self.submit(tx, wait=wait, timeout=timeout)
        if isinstance(res, m.TxCommitted) and res.receipt.status != "ok":
            raise_receipt(res.receipt)
        return h, res

    def evidence(self, doc_hash: bytes) -> m.EvidenceRecord:
        return m.EvidenceRecord.model_validate(self._get(f"/v1/evidence/{doc_hash.hex()}"))

    def evidence_bundle(self, doc_hash: bytes, *, check: bool = True) -> dict[str, Any]:
        """The proof bundle (JSON form, ready to write to a file). With ``check`` it is
        validated here first, so a node cannot hand out a bundle that would not verify."""
        doc: dict[str, Any] = self._get(f"/v1/evidence/{doc_hash.hex()}/bundle")
        if check:
            from wuyi.ledger.bundle import validate_bundle

            try:
                bundle = from_json(doc)
            except EncodingError as exc:
                raise ProofInvalid(f"bundle is malformed: {exc.message}") from None
            report = validate_bundle(bundle)
            if report.doc_hash != doc_hash:
                raise ProofInvalid("bundle is for a different document")
        return doc

    def verify_hash(self, doc_hash: bytes) -> m.VerifyResult:
        resp = self._request("POST", "/v1/verify", json={"doc_hash": doc_hash.hex()})
        return m.VerifyResult.model_validate(resp.json())

    def verify_document(self, document: bytes, filename: str = "document") -> m.VerifyResult:
        resp = self._request("POST", "/v1/verify", files={"file": (filename, document)})
        return m.VerifyResult.model_validate(resp.json())

    def evidence_key(self, doc_hash: bytes) -> bytes:
        return keys.evidence_key(doc_hash)

    # -- contracts and governance (reads) --------------------------------------------------------

    def contracts(self, status: str | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._get("/v1/contracts", status=status)["contracts"]
        return out

    def contract(self, name: str) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/contracts/{name}")
        return out

    def contract_source(self, name: str, version: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/contracts/{name}/source", version=version)
        return out

    def query(self, contract: str, method: str, args: dict[str, Any] | None = None) -> Any:
        """Call a read-only method; returns its value (bytes as ``bytes``)."""
        from wuyi.ledger.jsonform import from_json, to_json

        resp = self._request(
            "POST",
            f"/v1/contracts/{contract}/query",
            json={"method": method, "args": to_json(dict(args or {}))},
        )
        return from_json(resp.json()["value"])

    def proposals(self, status: str | None = None, type: str | None = None) -> list[Any]:
        out: list[Any] = self._get("/v1/gov/proposals", status=status, type=type)["proposals"]
        return out

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/gov/proposals/{proposal_id}")
        return out

    def govern(
        self,
        proposer: PrivateKey,
        voters: Sequence[PrivateKey],
        action_type: str,
        args: dict[str, Any],
        *,
        title: str,
        timeout: float = 30.0,
    ) -> int:
        """Propose a governance action, have ``voters`` (admins of other organisations) vote
        yes, execute it, and return the proposal id. The votes are submitted together and
        waited for once. Raises the error of the first failed step (``Unauthorized``,
        ``TxFailed`` naming the missing approvals, ...)."""
        res = self.submit_and_wait(
            self.builder(proposer).gov_propose(action_type, args, title=title), timeout=timeout
        )
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        pid = int(event_attr(res.receipt, "gov.proposed", "id"))
        votes = [self.builder(k).gov_vote(pid) for k in voters]
        for tx in votes[:-1]:
            self.submit(tx)
        if votes:
            self.submit_and_wait(votes[-1], timeout=timeout)
            for tx in votes[:-1]:  # committed by now, or in the next block
                self._wait_tx(tx, timeout)
        done = self.submit_and_wait(self.builder(proposer).gov_execute(pid), timeout=timeout)
        if done.receipt.status != "ok":
            raise_receipt(done.receipt)
        return pid

    def _wait_tx(self, tx: Transaction, timeout: float) -> None:
        import time

        h = tx.compute_hash(self.suite).hex()
        deadline = time.monotonic() + timeout
        while True:
            try:
                detail = self.get_tx(h, verify=False)
            except NotFound:
                detail = None
            if detail is not None and detail.receipt is not None:
                if detail.receipt.status != "ok":
                    raise_receipt(detail.receipt)
                return
            if time.monotonic() > deadline:
                raise ApiError("timeout", 0, f"transaction {h} not committed in {timeout} s")
            time.sleep(0.05)

    def pending_call(self, call_id: int) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/contracts/-/calls/{call_id}")
        return out


def event_attr(receipt: m.ReceiptOut, event_type: str, attr: str) -> Any:
    """The attribute ``attr`` of the first event ``event_type`` in ``receipt`` (or None)."""
    for e in receipt.events:
        if e.type == event_type:
            return e.attrs.get(attr)
    return None


def raise_receipt(receipt: m.ReceiptOut) -> None:
    """Raise the error a failed receipt records (e.g. ``Unauthorized``, ``TxFailed``)."""
    cls = _all_error_classes().get(receipt.status, ValidationError)
    raise cls(f"transaction {receipt.tx_hash} failed: {receipt.error}", tx_hash=receipt.tx_hash)
