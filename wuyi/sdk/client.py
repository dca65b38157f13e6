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
  (``GET /v1/validators/changes``); the rules are :mod:`wuyi.ledger.lightclient`'s, the same
  the proof bundles, ``wuyi verify`` and the node's ``POST /v1/verify`` use;
* then what was asked: the state proof up to ``state_root`` (``get_state``), the transactions
  up to ``tx_root`` and their hashes (``get_block``), the transaction's and its receipt's
  RFC 6962 audit paths up to ``tx_root`` and ``receipts_root`` (``get_tx``).

Pin ``chain_id``, ``genesis_hash`` and ``trusted_validators`` (the genesis validators' public
keys) so that a node cannot present a whole invented chain either.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from wuyi.abc import PrivateKey, Suite
from wuyi.api import models as m
from wuyi.api.wire import (
    header_from_json,
    parse_hex,
    proof_from_json,
    qc_from_json,
    receipt_to_json,
    validators_from_json,
)
from wuyi.consensus.certificate import ValidatorSet
from wuyi.crypto import get_suite
from wuyi.encoding import decode, encode
from wuyi.exceptions import (
    EncodingError,
    NotFound,
    ProofInvalid,
    TooManyWaiters,
    ValidationError,
    WuyiError,
)
from wuyi.ledger import keys
from wuyi.ledger.jsonform import from_json, to_json
from wuyi.ledger.lightclient import TrustedSets, ValidatorChange
from wuyi.ledger.merkle import compute_root, validate_inclusion_proof
from wuyi.ledger.types import BlockHeader, Receipt, Transaction
from wuyi.sdk.tls import (
    CLIENT_CERT_ENV,
    client_context,
    describe_client_certificate,
    describe_tls_failure,
    is_refused_after_handshake,
    may_be_refused_after_handshake,
    refusal_message,
)

__all__ = [
    "ApiError",
    "StateResult",
    "TxBuilder",
    "WuyiClient",
    "event_attr",
    "generate_key",
    "make_sidecar",
    "parse_node_urls",
    "raise_problem",
    "raise_receipt",
]

DEFAULT_EXPIRY_WINDOW = 1000
DEFAULT_TIMEOUT_S = 10.0
"""How long a client of one node waits for an answer to a request (default ``timeout``)."""
FAILOVER_TIMEOUT_S = 5.0
"""With several nodes, how long one node is given to answer before the next is tried (default
``timeout``)."""
CONNECT_TIMEOUT_S = 3.0
WAIT_SLICE_S = 4.0
"""``submit(wait=True)`` asks one node to hold a commit wait at most this long per request, so a
node that stops answering (paused, partitioned) is noticed within ``WAIT_SLICE_S +
WAIT_GRACE_S`` seconds rather than after the whole wait."""
WAIT_GRACE_S = 2.0
"""How late past its wait slice a node's answer may come before the node counts as silent."""


def parse_node_urls(nodes: str | Sequence[str]) -> list[str]:
    """Node API URLs from one URL, a comma-separated list, or a sequence of either."""
    items = [nodes] if isinstance(nodes, str) else list(nodes)
    urls = [u.strip().rstrip("/") for item in items for u in str(item).split(",") if u.strip()]
    if not urls:
        raise ValidationError("no node URL given", field="node")
    for u in urls:
        if not u.startswith(("http://", "https://")):
            raise ValidationError(
                f"node URL '{u}' must start with http:// or https://", field="node"
            )
    return list(dict.fromkeys(urls))


def make_sidecar(suite: Suite | str, data: str | bytes) -> tuple[str, bytes]:
    """A private side-car: ``(reference, bytes)``. Put the reference (``"sidecar:<hex>"``)
    where the value belongs — a ``vc.verify`` payload's ``presentation``, a contract call's
    presentation argument — and send the bytes beside the transaction
    (``submit(tx, sidecars=[bytes])``). The block holds only the hash; validators check the
    bytes while executing and keep them privately (``docs/security.md``, "Personal data")."""
    from wuyi.ledger.sidecar import sidecar_ref

    s = get_suite(suite) if isinstance(suite, str) else suite
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return sidecar_ref(s, raw), raw


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
    if isinstance(doc.get("tx_hash"), str):
        extra["tx_hash"] = doc["tx_hash"]
    retry = resp.headers.get("retry-after", "")
    if retry.isdigit():
        extra["retry_after"] = int(retry)
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

    def equivocation(self, evidence: Any) -> Transaction:
        """``consensus.evidence``: a validator's two conflicting signed messages (an
        ``wuyi.consensus.evidence.Equivocation`` or its ``to_obj()`` map), for any member or
        validator to put on chain."""
        payload = evidence if isinstance(evidence, dict) else evidence.to_obj()
        return self.build("consensus.evidence", payload)

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
    """Client of one node, or of several nodes of one chain with failover.

    ``base_url`` is a node's API URL, a comma-separated list or a sequence of URLs. Requests go
    to one node at a time; when it does not answer (connection refused, no answer within
    ``timeout`` seconds: down, paused, cut off) or answers 503, the next is tried and then used
    from there on (``node_url``; ``failovers`` counts the switches). Only requests that are safe
    to repeat move on after they may have reached a node: reads, and ``submit`` — a transaction
    is known by its hash and a node answers the same bytes sent again like the first time, so
    a transaction sent to two nodes is committed once. Other requests move on only when the
    connection itself failed. ``timeout`` is how long one node is given to answer (default
    10 s with one node, 5 s with several). ``submit(wait=True)`` waits in slices of
    ``wait_slice`` seconds, so a node that stops answering during a wait is left within
    ``wait_slice`` + 2 s, and a slice that ends uncommitted goes on at the next node (the one
    that answered may be cut off from the others).

    ``chain_id`` pins the chain; ``genesis_hash`` pins its genesis block (otherwise the node's
    ``/v1/status`` is believed on first use); ``trusted_validators`` lists the public keys the
    client accepts in a validator set it did not derive itself (the genesis set and any set an
    answer presents). ``transport`` lets tests plug in a fake (``httpx.MockTransport``) or an
    ASGI app.

    Over HTTPS, ``ca`` is the PEM bundle of the CAs trusted to have issued the nodes' API
    certificates (default: ``$WUYI_CA``, else the system's CAs or ``$SSL_CERT_FILE``), and
    ``client_cert`` — ``(certificate, key)`` PEM files, or one file holding both — is presented
    to a node whose API requires client certificates (``[api] client_auth = "required"``;
    default ``$WUYI_CLIENT_CERT`` and ``$WUYI_CLIENT_KEY``). Every node URL of the failover
    list uses them. A file missing or unreadable raises ``ValidationError`` naming it; a
    handshake the node refuses raises ``ApiError`` (code ``tls_refused``) saying why."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        *,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
        chain_id: str | None = None,
        genesis_hash: bytes | None = None,
        trusted_validators: Sequence[bytes] | None = None,
        wait_slice: float = WAIT_SLICE_S,
        client_cert: str | os.PathLike[str] | tuple[str | os.PathLike[str], ...] | None = None,
        ca: str | os.PathLike[str] | None = None,
    ) -> None:
        self.urls = parse_node_urls(base_url)
        if isinstance(client_cert, tuple) and len(client_cert) != 2:
            raise ValidationError("client_cert is a (certificate, key) pair", field="client_cert")
        cert, key = client_cert if isinstance(client_cert, tuple) else (client_cert, None)
        ssl_context = client_context(cert, key, ca)
        self._ssl_context = ssl_context
        presented = (cert or None) or os.environ.get(CLIENT_CERT_ENV) or None
        self._presented = (
            None
            if ssl_context is None or presented is None
            else describe_client_certificate(presented)
        )
        self._probe_tls = transport is None
        if timeout is None:
            timeout = DEFAULT_TIMEOUT_S if len(self.urls) == 1 else FAILOVER_TIMEOUT_S
        self.timeout = timeout
        self.wait_slice = wait_slice
        limits = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
        self._clients = [
            httpx.Client(
                base_url=u,
                timeout=limits,
                transport=transport,
                verify=True if ssl_context is None else ssl_context,
            )
            for u in self.urls
        ]
        self._current = 0
        self.failovers = 0
        """How many times the client moved to another node."""
        self._pinned_chain = chain_id
        self._pinned_genesis = genesis_hash
        self._trusted = None if trusted_validators is None else set(trusted_validators)
        self._status: m.Status | None = None
        self._valsets: TrustedSets | None = None
        self._reader: tuple[PrivateKey, str] | None = None

    def close(self) -> None:
        for c in self._clients:
            c.close()

    def __enter__(self) -> WuyiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def _http(self) -> httpx.Client:
        """The HTTP client of the node in use (``wuyi.sdk.events`` streams from it)."""
        return self._clients[self._current]

    @property
    def node_url(self) -> str:
        """The node requests go to now."""
        return self.urls[self._current]

    def _request(
        self, method: str, path: str, *, idempotent: bool | None = None, **kw: Any
    ) -> httpx.Response:
        """Send to the node in use; on no answer (or 503) move to the next node, if the
        request is ``idempotent`` (default: GET and HEAD) or never reached the node."""
        if idempotent is None:
            idempotent = method in ("GET", "HEAD")
        n = len(self._clients)
        start = self._current
        failures: list[str] = []
        tls_refusals = 0
        for k in range(n):
            i = (start + k) % n
            last = k == n - 1
            try:
                resp = self._clients[i].request(method, path, **kw)
            except httpx.TransportError as exc:
                refused = self._tls_refusal(i, exc)
                tls_refusals += refused is not None
                failures.append(f"{self.urls[i]}: {refused or _describe(exc)}")
                unsent = refused is not None or isinstance(
                    exc, httpx.ConnectError | httpx.ConnectTimeout
                )
                if last or not (idempotent or unsent):
                    note = (
                        ""
                        if idempotent or unsent
                        else "; it may have reached that node, so it was not sent to another"
                    )
                    if tls_refusals == len(failures):
                        raise ApiError("tls_refused", 0, "; ".join(failures)) from None
                    raise ApiError(
                        "unreachable", 0, f"no node answered ({'; '.join(failures)}){note}"
                    ) from None
                self._switch(i + 1)
                continue
            except httpx.HTTPError as exc:  # a bad URL or request: no other node helps
                raise ApiError("unreachable", 0, f"cannot reach {self.urls[i]}: {exc}") from None
            if resp.status_code == 503 and idempotent and not last:
                failures.append(f"{self.urls[i]}: 503")
                self._switch(i + 1)
                continue
            if resp.status_code >= 400:
                raise_problem(resp)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _tls_refusal(self, i: int, exc: httpx.TransportError) -> str | None:
        """Why node ``i`` refused the TLS connection (our client certificate, or its server
        certificate), or None when ``exc`` is not that."""
        said = describe_tls_failure(exc, self._presented)
        if said is not None or not self.urls[i].startswith("https://") or not self._probe_tls:
            return said
        if not may_be_refused_after_handshake(exc):
            return None
        ctx = self._ssl_context or httpx.create_ssl_context()
        if is_refused_after_handshake(self.urls[i], ctx, min(self.timeout, CONNECT_TIMEOUT_S)):
            return refusal_message(self._presented)
        return None

    def _switch(self, to: int) -> None:
        """Use node ``to`` (modulo the number of nodes) from now on."""
        to %= len(self._clients)
        if to != self._current:
            self._current = to
            self.failovers += 1

    def _get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        if self._reader is not None and path != "/v1/status":  # the chain's status is public
            key, purpose = self._reader
            return self.signed_get(key, path, purpose, **clean)
        return self._request("GET", path, params=clean).json()

    def read_as(self, key: PrivateKey | None, purpose: str = "") -> WuyiClient:
        """Sign every read from now on with ``key`` (a member's, or a citizen's DID key) and
        state ``purpose`` (``None`` stops signing): what a node with
        ``[api] public_explorer = false`` and personal-record routes ask for (signed reads,
        ``docs/api.md``). Each signed read lands in the node's access log. Returns self."""
        if key is not None and not 2 <= len(purpose) <= 200:
            raise ValidationError("a signed read states its purpose (2-200 characters)")
        self._reader = None if key is None else (key, purpose)
        return self

    @contextmanager
    def reading_as(self, key: PrivateKey | None, purpose: str = "") -> Iterator[WuyiClient]:
        """``read_as(key, purpose)`` for the reads inside the ``with`` block; the signer from
        before is restored after it (``None``: these reads are unsigned, public answers)."""
        before = self._reader
        self.read_as(key, purpose)
        try:
            yield self
        finally:
            self._reader = before

    def signed_get(self, key: PrivateKey, path: str, purpose: str, **params: Any) -> Any:
        """``GET path`` signed by ``key`` with ``purpose`` (a signed read of a personal record:
        the citizen's DID key, or a member whose role allows it); the node logs it."""
        query = {k: str(v) for k, v in params.items() if v is not None}
        query["purpose"] = purpose
        return self.signed_request(key, "GET", path, params=query).json()

    def signed_request(
        self,
        key: PrivateKey,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A request signed by ``key`` (``X-Wuyi-*`` headers, :mod:`wuyi.api.auth`), for node
        services that must know which member asks (e.g. ``PUT /v1/blobs``). ``path`` is the
        URL path on the node, e.g. ``/v1/blobs``."""
        from wuyi.sdk.auth import signed_headers

        chain_id = self._chain().chain_id
        # the path as the node reads it (percent-decoded: a DID passed as one encoded segment)
        full_path = unquote(self._http.base_url.path.rstrip("/") + path)
        auth = signed_headers(key, chain_id, method, full_path, params, content)
        return self._request(
            method, path, params=params, content=content, headers={**(headers or {}), **auth}
        )

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
        self, header_doc: Any, qc_doc: Any, what: str
    ) -> tuple[BlockHeader, bytes]:
        """Rebuild a header and check it is the chain's (``wuyi.ledger.lightclient``): genesis
        by the chain's genesis hash, any other block by a commit QC of the validator set this
        client derived from genesis for its height (new changes are fetched when the header
        names a set not known yet)."""
        st = self._chain()
        try:
            header = header_from_json(header_doc)
        except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProofInvalid(f"{what}: header is malformed: {exc}") from None
        if header.chain_id != st.chain_id:
            raise ProofInvalid(
                f"{what}: header is for chain '{header.chain_id}', not '{st.chain_id}'"
            )
        qc = None
        if qc_doc is not None:
            try:
                qc = qc_from_json(qc_doc)
            except (WuyiError, KeyError, TypeError, ValueError) as exc:
                raise ProofInvalid(f"{what}: quorum certificate is malformed: {exc}") from None
        trusted = self._trusted_sets()
        if (
            header.height > trusted.last_change_height
            and header.validator_set_hash != trusted.hash_at(header.height)
        ):
            self._sync_validators()  # the chain may have changed its set since the last sync
        return header, trusted.certify(header, qc, what=what)

    def _genesis_hash(self) -> bytes:
        if self._pinned_genesis is not None:
            if self._chain().genesis_hash != self._pinned_genesis.hex():
                raise ProofInvalid("node serves a chain whose genesis hash is not the pinned one")
            return self._pinned_genesis
        return bytes.fromhex(self._chain().genesis_hash)

    def _trusted_sets(self) -> TrustedSets:
        if self._valsets is None:
            self._sync_validators()
        assert self._valsets is not None
        return self._valsets

    def _sync_validators(self) -> None:
        """Establish the validator sets from genesis on (``wuyi.ledger.lightclient``): the
        genesis header must hash to the genesis hash and name the genesis set; each later
        change must be named by the ``next_validator_set_hash`` of block
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
            try:
                genesis = header_from_json(self._get("/v1/blocks/0")["header"])
            except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
                if isinstance(exc, ApiError | NotFound):
                    raise
                raise ProofInvalid(f"genesis: header is malformed: {exc}") from None
            self._check_keys_trusted(changes[0][1], "genesis")
            self._valsets = TrustedSets(
                suite, self._chain().chain_id, genesis, changes[0][1], pinned=self._genesis_hash()
            )
        for eff, vs in changes[1:]:
            if eff <= self._valsets.last_change_height:
                continue
            blk = self._get(f"/v1/blocks/{eff - 1}")
            what = f"validator change at height {eff}"
            try:
                header = header_from_json(blk["header"])
                qc = qc_from_json(blk["qc"])
            except (WuyiError, KeyError, TypeError, ValueError, AttributeError) as exc:
                raise ProofInvalid(f"{what}: block {eff - 1} is malformed: {exc}") from None
            if header.height != eff - 1:
                raise ProofInvalid(f"{what}: the node answered with block {header.height}")
            self._valsets.add_change(ValidatorChange(header, qc, vs))

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
        self,
        tx: Transaction | bytes,
        *,
        wait: bool = False,
        timeout: float = 10.0,
        sidecars: Sequence[bytes] = (),
    ) -> m.TxAccepted | m.TxCommitted:
        """Submit a signed transaction: ``TxAccepted`` (pending), or ``TxCommitted`` if these
        bytes are already committed. With ``wait``, the committed transaction, or
        ``ApiError`` code ``timeout`` (with ``tx_hash``) if it is not committed within
        ``timeout`` seconds. Safe to repeat, and sent to another node when one does not answer
        (see the class docstring): a transaction is committed at most once. ``sidecars``: the
        private side-cars its payload references as ``sidecar:<hash>`` (:func:`make_sidecar`),
        sent beside it, never in it."""
        raw = tx.to_bytes() if isinstance(tx, Transaction) else tx
        if wait:
            return self._submit_wait(raw, timeout, sidecars)
        return _tx_answer(self._post_tx(raw, {}, None, sidecars).json())

    def _post_tx(
        self,
        raw: bytes,
        params: dict[str, Any],
        read_timeout: float | None,
        sidecars: Sequence[bytes] = (),
    ) -> httpx.Response:
        kw: dict[str, Any] = {}
        if read_timeout is not None:
            kw["timeout"] = httpx.Timeout(
                read_timeout, connect=min(self.timeout, CONNECT_TIMEOUT_S)
            )
        return self._request(
            "POST",
            "/v1/txs",
            idempotent=True,  # a node answers the same bytes again like the first time
            content=encode({"tx": raw, "sidecars": list(sidecars)}) if sidecars else raw,
            params=params,
            headers={"content-type": "application/cbor"},
            **kw,
        )

    def _submit_wait(
        self, raw: bytes, timeout: float, sidecars: Sequence[bytes] = ()
    ) -> m.TxCommitted:
        """POST the same bytes with ``wait=true`` in slices until committed or ``timeout``:
        each slice is answered by the node (committed, or 504 after the slice), and a node
        that does not answer in time is left for the next."""
        deadline = time.monotonic() + timeout
        tx_hash: str | None = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if tx_hash is None:
                    try:
                        tx_hash = Transaction.from_bytes(raw).compute_hash(self.suite).hex()
                    except WuyiError:
                        tx_hash = ""
                raise ApiError(
                    "timeout",
                    504,
                    f"transaction {tx_hash} was not committed within {timeout}s;"
                    f" ask get_tx('{tx_hash}')",
                    tx_hash=tx_hash,
                )
            piece = min(left, self.wait_slice)
            params = {"wait": "true", "timeout": f"{max(piece, 0.001):.3f}"}
            try:
                resp = self._post_tx(raw, params, piece + WAIT_GRACE_S, sidecars)
            except TooManyWaiters as exc:  # every node holds as many waits as it allows
                retry = float(exc.detail.get("retry_after") or 1)
                time.sleep(max(0.0, min(retry, deadline - time.monotonic())))
                continue
            except ApiError as exc:
                if exc.code != "timeout":
                    raise
                tx_hash = exc.detail.get("tx_hash") or tx_hash
                # That slice ended uncommitted: ask again (same bytes, same transaction), on the
                # next node — the one that answered may be cut off from the others and never
                # see its transaction committed.
                self._switch(self._current + 1)
                continue
            body = resp.json()
            if body.get("status") == "committed":
                return m.TxCommitted.model_validate(body)
            tx_hash = body.get("tx_hash") or tx_hash  # pragma: no cover - wait answers 200/504

    def submit_and_wait(
        self, tx: Transaction | bytes, timeout: float = 10.0, *, sidecars: Sequence[bytes] = ()
    ) -> m.TxCommitted:
        """``submit(tx, wait=True, timeout=timeout, sidecars=sidecars)``."""
        res = self.submit(tx, wait=True, timeout=timeout, sidecars=sidecars)
        assert isinstance(res, m.TxCommitted)
        return res

    def submit_batch(
        self,
        txs: Sequence[Transaction | bytes],
        *,
        sidecars: Sequence[Sequence[bytes]] | None = None,
    ) -> m.BatchResult:
        hexes = [(t.to_bytes() if isinstance(t, Transaction) else t).hex() for t in txs]
        body: dict[str, Any] = {"txs": hexes}
        if sidecars is not None:
            body["sidecars"] = [[x.hex() for x in sc] for sc in sidecars]
        resp = self._request("POST", "/v1/txs/batch", json=body)
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
                or shown.sig != tx.signature.hex()
                or (shown.payload != to_json(tx.payload) and set(shown.payload) != {"withheld"})
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

    # -- the node's access log of personal-record reads -----------------------------------------

    def access_log_head(self) -> m.AccessLogHead:
        """How many reads of personal records this node logged, and the head hash (public)."""
        doc = self._request("GET", "/v1/access-log/head").json()
        return m.AccessLogHead.model_validate(doc)

    def access_log(
        self, key: PrivateKey, purpose: str, *, start: int = 0, limit: int = 100, check: bool = True
    ) -> list[dict[str, Any]]:
        """The access log's entries from ``start`` (a signed read by a member with the role
        ``auditor``). With ``check`` (and ``start`` 0) the hash chain is recomputed here and
        must end in the head the node reports (``StoreCorrupted`` otherwise)."""
        doc = self.signed_get(key, "/v1/access-log", purpose, start=start, limit=limit)
        entries: list[dict[str, Any]] = doc["entries"]
        if check and start == 0:
            from wuyi.node.access_log import verify_entries

            n, head = verify_entries(self.suite, entries)
            if n == doc["count"] and head.hex() != doc["head"]:
                raise ProofInvalid("the access log does not chain up to the head the node reports")
        return entries

    def anchor_access_log(
        self, key: PrivateKey, *, timeout: float = 10.0
    ) -> tuple[bytes, m.TxCommitted | None]:
        """Anchor the access log's current head on chain (``evidence.anchor`` of the head hash
        with meta ``{type: "access-log", entries}``, signed by member ``key``), so the log
        cannot be rewritten unseen afterwards. Returns the head and the commit (None if this
        head is already anchored, or the log is empty)."""
        head = self.access_log_head()
        h = bytes.fromhex(head.head)
        if head.entries == 0:
            return h, None
        try:
            self.evidence(h)
            return h, None  # anchored already
        except NotFound:
            pass
        meta = {"type": "access-log", "entries": head.entries}
        _, res = self.anchor(key, doc_hash=h, meta=meta, timeout=timeout)
        assert isinstance(res, m.TxCommitted)
        return h, res

    def evidence_bundle(self, doc_hash: bytes, *, check: bool = True) -> dict[str, Any]:
        """The proof bundle (JSON form, ready to write to a file). With ``check`` it is
        validated here first, from the chain's genesis hash (the pinned one, else the node's),
        so a node cannot hand out a bundle that would not verify."""
        doc: dict[str, Any] = self._get(f"/v1/evidence/{doc_hash.hex()}/bundle")
        if check:
            from wuyi.ledger.bundle import validate_bundle

            try:
                bundle = from_json(doc)
            except EncodingError as exc:
                raise ProofInvalid(f"bundle is malformed: {exc.message}") from None
            report = validate_bundle(bundle, genesis_hash=self._genesis_hash())
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

        path = f"/v1/contracts/{contract}/query"
        body = {"method": method, "args": to_json(dict(args or {}))}
        if self._reader is not None:  # a private explorer: the member signs the query
            import json

            key, purpose = self._reader
            content = json.dumps(body).encode()
            resp = self.signed_request(
                key,
                "POST",
                path,
                params={"purpose": purpose},
                content=content,
                headers={"content-type": "application/json"},
            )
        else:
            resp = self._request("POST", path, json=body)
        return from_json(resp.json()["value"])

    def scenario(self, name: str, **kwargs: Any) -> Any:
        """The client of registered scenario ``name`` (``wuyi/scenarios/<name>/sdk.py``), e.g.
        ``client.scenario(name).params()``."""
        from wuyi.sdk.scenarios import scenario

        return scenario(self, name, **kwargs)

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


def _describe(exc: httpx.TransportError) -> str:
    kind = {
        httpx.ConnectError: "connection refused or unreachable",
        httpx.ConnectTimeout: "no connection in time",
        httpx.ReadTimeout: "no answer in time",
        httpx.WriteTimeout: "could not send in time",
        httpx.PoolTimeout: "no free connection in time",
    }.get(type(exc))
    return kind or f"{type(exc).__name__}: {exc}"


def _tx_answer(body: dict[str, Any]) -> m.TxAccepted | m.TxCommitted:
    if body.get("status") == "committed":
        return m.TxCommitted.model_validate(body)
    return m.TxAccepted.model_validate(body)


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


def succeeded(res: m.TxCommitted) -> m.TxCommitted:
    """``res`` (a committed transaction) if its receipt succeeded, else its error
    (:func:`raise_receipt`)."""
    if res.receipt.status != "ok":
        raise_receipt(res.receipt)
    return res
