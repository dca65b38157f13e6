"""Signed reads of personal records, and the node's access log of them.

A record about a citizen (their consents and credential uses, a verification record, the
records a scenario keeps about them, a decoded transaction of a personal kind) is served
only to a **signed request** (``wuyi.api.auth``: the ``X-Wuyi-*`` headers over the method,
path, query and body) whose signer may read it, and whose query names a ``purpose`` (signed
with it):

* the **citizen** the record is about: the signing key is an ``authentication`` key of that
  DID (a wallet's DID key);
* an active **member** whose organisation or role the route allows (the verifier organisation
  of a check, the office or bank a scenario's rules name, ...), and always a
  member with the role ``auditor``.

An unsigned read is refused with :class:`~wuyi.exceptions.SignedReadRequired` (401), a signer
who may not read it with :class:`~wuyi.exceptions.ReadForbidden` (403); both name the rule.
Every read allowed is appended to the node's hash-chained access log
(:class:`wuyi.node.access_log.AccessLog`) — who, what, whose, why, when — before it is
answered. Public pages keep to what the law makes public (a certificate's validity,
aggregates) and need no signature.

``[api] public_explorer = false`` (node.toml) also puts the explorer's raw reads (blocks with
their transactions, transactions and their proofs, receipts, state values, contract state and
queries, events, data-sharing records) behind a signed request of any active member, logged
the same way (``docs/operations.md``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from wuyi.api.auth import HEADER_SIGNATURE, NonceCache, verify_http_request
from wuyi.crypto import address_of, format_address
from wuyi.encoding import decode_trusted
from wuyi.exceptions import ReadForbidden, SignedReadRequired, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.contracts import CONTRACT_PREFIX
from wuyi.ledger.handlers.did import authentication_did
from wuyi.node.access_log import AccessLog
from wuyi.node.node import Node

__all__ = [
    "AUDITOR",
    "PURPOSE_MAX",
    "SIGNED_READ_RESPONSES",
    "Allow",
    "Reader",
    "Reads",
    "add_access_log_routes",
    "any_citizen",
    "any_member",
    "citizen",
    "member_of",
    "own_read",
    "reads_of",
    "role",
    "signed_read",
]

AUDITOR = "auditor"
PURPOSE_MAX = 200


def _problem(description: str) -> dict[str, Any]:
    from wuyi.api import models as m
    from wuyi.api.problems import PROBLEM_JSON

    return {"description": description, "model": m.Problem, "content": {PROBLEM_JSON: {}}}


SIGNED_READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem(
        "a personal record (or an explorer read on a private explorer): sign the"
        " request (problem document, code signed_read_required)"
    ),
    403: _problem("the signer may not read it (problem document, code read_forbidden)"),
}
"""What a signed-read route adds to its OpenAPI responses."""


@dataclass(frozen=True)
class Reader:
    """Who signed a read: the key, its address, the active membership (org and roles) if the
    key is a member's, the DID if it is an authentication key of an active DID."""

    public_key: bytes
    address: bytes
    org: str | None
    roles: tuple[str, ...]
    did: str | None
    purpose: str

    def to_log(self) -> dict[str, Any]:
        return {
            "key": self.public_key.hex(),
            "address": format_address(self.address),
            "org": self.org,
            "roles": list(self.roles),
            "did": self.did,
        }


Allow = Callable[[Reader], "str | None"]
"""A rule: the basis on which ``reader`` may read (e.g. ``"citizen"``, ``"role:auditor"``,
``"org:gtj"``), or None."""


def citizen(did: str) -> Allow:
    """The citizen the record is about (their DID key signed)."""
    return lambda r: "citizen" if did and r.did == did else None


def role(*names: str) -> Allow:
    """An active member holding one of the roles ``names``."""

    def rule(r: Reader) -> str | None:
        hit = [n for n in names if n in r.roles]
        return f"role:{hit[0]}" if r.org is not None and hit else None

    return rule


def member_of(*orgs: str, roles: tuple[str, ...] = ()) -> Allow:
    """An active member of one of ``orgs`` (with one of ``roles``, if given)."""

    def rule(r: Reader) -> str | None:
        if r.org is None or r.org not in orgs:
            return None
        if roles and not set(roles) & set(r.roles):
            return None
        return f"org:{r.org}"

    return rule


def any_member() -> Allow:
    return lambda r: f"org:{r.org}" if r.org is not None else None


class Reads:
    """The signed-read gate of one API instance (see the module docstring)."""

    def __init__(
        self,
        node: Node,
        log: AccessLog,
        *,
        public_explorer: bool = True,
        personal_contracts: Iterable[str] | None = None,
    ) -> None:
        self.node = node
        self.log = log
        self.public_explorer = public_explorer
        if personal_contracts is None:  # the registered scenarios that declare it
            from wuyi.scenarios import all_scenarios

            personal_contracts = [
                s.contract for s in all_scenarios() if s.personal_state and s.contract
            ]
        #: contracts whose raw state is personal (``Scenario.personal_state``): their explorer
        #: reads are signed and logged even on a public explorer
        self.personal_contracts = frozenset(personal_contracts)
        self._nonces = NonceCache()

    # -- who is asking --------------------------------------------------------------------

    def reader(self, request: Request, body: bytes = b"") -> Reader | None:
        """The verified signer of ``request`` (None if it carries no signature); ``body``: the
        request's body (a POST's), which the signature covers."""
        if HEADER_SIGNATURE not in request.headers:
            return None
        node = self.node
        # the decoded path (a DID sent percent-encoded as one segment reads as itself): what
        # the client signed (wuyi.sdk.client.signed_request; the console's signedGet)
        public_key = verify_http_request(node, request, body, self._nonces)
        purpose = request.query_params.get("purpose", "")
        if not 2 <= len(purpose) <= PURPOSE_MAX or not purpose.isprintable():
            raise ValidationError(
                f"a signed read states its purpose: the query parameter 'purpose' (2-{PURPOSE_MAX}"
                " printable characters), signed with the request",
                field="purpose",
            )
        suite = node.suite
        addr = address_of(suite, public_key)
        org: str | None = None
        roles: tuple[str, ...] = ()
        with node.store.snapshot() as v:
            raw = v.get(keys.member_key(addr))
            if raw is not None:
                m = decode_trusted(raw)
                org_raw = v.get(keys.org_key(m["org"]))
                if (
                    m["status"] == "active"
                    and org_raw is not None
                    and decode_trusted(org_raw)["status"] == "active"
                ):
                    org, roles = str(m["org"]), tuple(m["roles"])
            did = authentication_did(v, suite, addr)
        return Reader(public_key, addr, org, roles, did, purpose)

    # -- the gate -------------------------------------------------------------------------

    def require(
        self,
        request: Request,
        *,
        what: str,
        record: str,
        subject: str = "",
        allow: list[Allow],
        explorer: bool = False,
        body: bytes = b"",
        personal_state: str | None = None,
    ) -> Reader:
        """The reader of a personal record, logged; or raise naming the rule. Members with the
        role ``auditor`` may always read."""
        r = self.reader(request, body)
        rules = [*allow, role(AUDITOR)]
        if r is None:
            if personal_state is not None:
                raise SignedReadRequired(
                    f"{what}: contract {personal_state} keeps personal records (people's DIDs"
                    " linked to records the law keeps from the public): its raw state is read"
                    " only by an active member's signed request with a purpose, logged"
                    " (docs/api.md, signed reads); its public pages are its own routes",
                    record=record,
                )
            if explorer:
                raise SignedReadRequired(
                    f"{what}: this node's public explorer is off ([api] public_explorer ="
                    " false): sign the request with an active member's key and state a purpose"
                    " (docs/api.md, signed reads)",
                    record=record,
                )
            raise SignedReadRequired(
                f"{what} is a personal record: sign the request (X-Wuyi-* headers) with the"
                " key of the citizen it is about or of a member whose role allows it, and"
                " state a purpose (docs/api.md, signed reads)",
                record=record,
            )
        basis = next((b for b in (rule(r) for rule in rules) if b), None)
        if basis is None:
            who = f"member of {r.org} {list(r.roles)}" if r.org else (r.did or "unknown key")
            raise ReadForbidden(
                f"{what}: the signer ({who}) may not read this record; it is for"
                f" {_describe(subject)}members whose role allows it and auditors",
                record=record,
            )
        self.log.append(
            time_ms=int(time.time() * 1000),
            reader=r.to_log(),
            what=what,
            record=record,
            subject=subject,
            purpose=r.purpose,
            basis=basis,
        )
        return r

    def explorer(
        self,
        request: Request,
        what: str,
        record: str = "",
        body: bytes = b"",
        *,
        contract: str | None = None,
        state_key: bytes | None = None,
    ) -> Reader | None:
        """An explorer read: free on a public explorer; otherwise an active member's signed,
        logged read (``[api] public_explorer = false``). A read of a personal contract's state
        (``contract``, or a ``state_key`` under its prefix) is signed and logged either way."""
        personal = self.personal_contract(contract, state_key)
        if self.public_explorer and personal is None:
            return None
        return self.require(
            request, what=what, record=record, allow=[any_member()], explorer=True, body=body,
            personal_state=personal,
        )  # fmt: skip

    def personal_contract(
        self, contract: str | None = None, state_key: bytes | None = None
    ) -> str | None:
        """The personal contract a read of ``contract`` or of ``state_key`` touches, if any."""
        if contract is not None and contract in self.personal_contracts:
            return contract
        if state_key is not None and state_key.startswith(CONTRACT_PREFIX):
            name, _, rest = state_key[len(CONTRACT_PREFIX) :].partition(b"/")
            contract_name = name.decode(errors="replace")
            if contract_name in self.personal_contracts and rest.startswith(b"s/"):
                return contract_name
        return None

    def own_records(self, request: Request, did: str, what: str, records: str) -> Reader:
        """:meth:`require` for a read of the citizen ``did``'s own records (``records/<did>``
        in the access log): the citizen (their DID key) or an auditor."""
        return self.require(
            request, what=what, record=f"{records}/{did}", subject=did, allow=[citizen(did)]
        )

    def optional(
        self,
        request: Request,
        *,
        what: str,
        record: str,
        subject: str = "",
        allow: list[Allow],
    ) -> Reader | None:
        """A signed reader allowed to see the personal part of a mixed answer, logged; None
        if the request is unsigned (the answer then withholds it)."""
        if HEADER_SIGNATURE not in request.headers:
            return None
        return self.require(request, what=what, record=record, subject=subject, allow=allow)


def _describe(subject: str) -> str:
    return f"the citizen {subject}, " if subject.startswith("did:") else ""


def add_access_log_routes(r: Any, reads: Reads) -> None:
    """``GET /v1/access-log/head`` (public), ``GET /v1/access-log`` (auditors) and
    ``GET /v1/dids/{did}/reads`` (the citizen, or auditors)."""
    from fastapi import Query

    from wuyi.api import models as m

    log = reads.log

    @r.get(
        "/access-log/head",
        response_model=m.AccessLogHead,
        tags=["privacy"],
        summary="访问日志链头 / the access log's head hash (public, for anchoring)",
    )
    def head() -> dict[str, Any]:
        """How many reads of personal records this node logged and the hash chaining them:
        compare it with the heads anchored on chain (evidence meta ``type: access-log``)."""
        return {"entries": log.count, "head": log.head.hex()}

    def page_route(path: str, summary: str) -> Any:
        """A signed read answering a page of the log (``AccessLogPage``)."""
        return r.get(
            path,
            response_model=m.AccessLogPage,
            responses=SIGNED_READ_RESPONSES,
            tags=["privacy"],
            summary=summary,
        )

    def page(start: int, limit: int, subject: str | None = None) -> dict[str, Any]:
        got = log.entries(start=start, limit=limit, subject=subject)
        return {"entries": got, "count": log.count, "head": log.head.hex()}

    @page_route(
        "/access-log",
        "访问日志 / every read of personal records on this node (auditors, signed)",
    )
    def entries(
        request: Request,
        start: int = Query(0, ge=0, description="first entry (seq)"),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        reads.require(request, what="the access log", record="access-log", allow=[])
        return page(start, limit)

    @page_route(
        "/dids/{did}/reads",
        "谁读了我的记录 / who read a citizen's records, when and why (signed)",
    )
    def my_reads(
        request: Request,
        did: str,
        start: int = Query(0, ge=0),
        limit: int = Query(100, ge=1, le=1000),
    ) -> dict[str, Any]:
        if not did.startswith("did:wuyi:"):
            raise ValidationError(f"'{did}' is not a did:wuyi DID", field="did")
        reads.own_records(request, did, f"the reads of {did}'s records", "reads")
        return page(start, limit, did)


def reads_of(request: Request) -> Reads:
    """The signed-read gate of the API serving ``request`` (``create_app`` puts it in
    ``app.state.reads``): what scenario routes use."""
    reads: Reads = request.app.state.reads
    return reads


def any_citizen(dids: Iterable[str]) -> Allow:
    """Any of the citizens ``dids`` (e.g. a unit's owners, a contract's buyers)."""
    wanted = frozenset(d for d in dids if d)
    return lambda r: "citizen" if r.did is not None and r.did in wanted else None


def signed_read(
    request: Request, what: str, record: str, allow: list[Allow], subject: str = ""
) -> Reader:
    """The signer of ``request``, allowed by one of ``allow`` (or an auditor) to read
    ``what`` (``record`` in the access log; ``subject``: whose it is), logged; or raise
    naming the rule: :meth:`Reads.require` of the API serving ``request``."""
    return reads_of(request).require(
        request, what=what, record=record, subject=subject, allow=allow
    )


def own_read(request: Request, did: str, what: str, record: str, *others: Allow) -> Reader:
    """:func:`signed_read` of the records of the citizen ``did``: theirs (their DID key), or
    of the readers ``others`` allow."""
    return signed_read(request, what, record, [citizen(did), *others], did)
