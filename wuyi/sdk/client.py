"""A typed Python client of a node's REST API, and helpers to build signed transactions.

``WuyiClient.get_state(key, verify=True)`` does not trust the node: it rebuilds the header, the
quorum certificate, the validator set and the state proof from the answer and checks them
(header hash, validator-set hash, QC signatures, Merkle path to the state root), raising
:class:`~wuyi.exceptions.ProofInvalid` if anything does not add up. Pin ``chain_id`` and
``trusted_validators`` to also stop a node from inventing its own chain.
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
    parse_hex,
    proof_from_json,
    qc_from_json,
    validators_from_json,
)
from wuyi.consensus.certificate import validate_qc
from wuyi.crypto import get_suite
from wuyi.exceptions import (
    EncodingError,
    NotFound,
    ProofInvalid,
    ValidationError,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.jsonform import from_json
from wuyi.ledger.types import Transaction

__all__ = [
    "ApiError",
    "StateResult",
    "TxBuilder",
    "WuyiClient",
    "event_attr",
    "raise_problem",
    "raise_receipt",
]

DEFAULT_EXPIRY_WINDOW = 1000


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
    """Client of one node. ``transport`` lets tests plug in a fake (``httpx.MockTransport``)
    or an ASGI app."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        chain_id: str | None = None,
        trusted_validators: Sequence[bytes] | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport
        )
        self._pinned_chain = chain_id
        self._trusted = None if trusted_validators is None else set(trusted_validators)
        self._status: m.Status | None = None

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

    def get_block(self, height: int | str = "latest") -> m.BlockDetail:
        return m.BlockDetail.model_validate(self._get(f"/v1/blocks/{height}"))

    def list_blocks(self, from_height: int | None = None, limit: int = 20) -> m.BlockList:
        return m.BlockList.model_validate(
            self._get("/v1/blocks", from_height=from_height, limit=limit)
        )

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

    def get_tx(self, tx_hash: bytes | str) -> m.TxDetail:
        h = tx_hash.hex() if isinstance(tx_hash, bytes) else tx_hash
        return m.TxDetail.model_validate(self._get(f"/v1/txs/{h}"))

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
        st = self._chain()
        suite = get_suite(st.suite)
        try:
            if parse_hex(doc["key"], "key") != key:
                raise ProofInvalid("node answered for a different key")
            header = header_from_json(doc["header"])
            qc_doc, vs_doc = doc["qc"], doc["validators"]
            proof = proof_from_json(doc["proof"])
            valset = validators_from_json(vs_doc)
        except ProofInvalid:
            raise
        except (WuyiError, KeyError, TypeError, ValueError) as exc:
            raise ProofInvalid(f"state answer is malformed: {exc}") from None
        if header.chain_id != st.chain_id:
            raise ProofInvalid(f"header is for chain '{header.chain_id}', not '{st.chain_id}'")
        if header.height != int(doc["height"]):
            raise ProofInvalid("header height differs from the answer's height")
        if self._trusted is not None:
            unknown = {v.public_key for v in valset.validators} - self._trusted
            if unknown:
                raise ProofInvalid("validator set contains keys this client does not trust")
        if valset.compute_hash(suite) != header.validator_set_hash:
            raise ProofInvalid("validator set does not match the header's validator_set_hash")
        block_hash = header.compute_hash(suite)
        if header.height == 0:
            if block_hash.hex() != st.genesis_hash:
                raise ProofInvalid("genesis header does not hash to the chain's genesis hash")
        else:
            if qc_doc is None:
                raise ProofInvalid(f"block {header.height} has no quorum certificate")
            try:
                qc = qc_from_json(qc_doc)
            except (WuyiError, KeyError, TypeError, ValueError) as exc:
                raise ProofInvalid(f"quorum certificate is malformed: {exc}") from None
            validate_qc(
                suite, header.chain_id, valset, qc, height=header.height, block_hash=block_hash
            )
        from wuyi.state import verify_proof

        verify_proof(suite.hash, header.state_root, key, value, proof)

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
                detail = self.get_tx(h)
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
