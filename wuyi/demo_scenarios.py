"""The scenario demos (``make run``), loaded through the node's API like the departments' own
systems would: :func:`load_scenarios_demo` runs the demo step of every registered scenario
(``wuyi/scenarios/<name>/demo.py``), in registry order, on one :class:`DemoLoader`.

A scenario's demo module declares ``MEMBERS`` (``(org, role)``: the member keys its steps sign
with, ``<org>-<role>.key`` in the keys directory), ``TYPES`` (credential types it adds, e.g.
its e-certificate), ``CITIZENS`` (:class:`~wuyi.demo_scenarios_data.DemoCitizen`: wallets
``DIR/wallets/<name>.json`` with their credentials), ``RULE_CLAIMS`` (the only claims its
contract asks for), and ``flows(loader)`` (generators, each yielding the transactions of its
next step), optionally ``EXTRA_CLAIMS`` (claims added to an existing type), ``after(loader)``
(once every flow is done, e.g. issuing the e-certificates) and ``summary(made, url, keys)``
(lines for the welcome text).

The loader first deploys every scenario contract by governance (``Scenario.init_args``) and
sets the departments' credential types (:data:`~wuyi.demo_scenarios_data.BASE_TYPES`) and
the scenarios' own; then it runs all the flows together: independent transactions go in one
batch ("wave"), so the whole load is as many blocks as its longest chain of steps. Loading
again changes nothing: every step first looks at the chain. Personal data stays in the
wallets: the chain sees DIDs, hashes and the numbers/booleans a rule needs
(:data:`RULE_CLAIMS`); ``tests/unit/test_demo.py`` scans every block and state value for
:data:`SCENARIO_PERSONAL` and the undisclosed claims. See ``docs/scenarios/demo.md``.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.api import models as m
from wuyi.crypto import address_of, format_address, load_key, save_key
from wuyi.demo_scenarios_data import (
    BASE_MEMBERS,
    BASE_TYPES,
    CONSENT_MINUTES,
    CREDENTIAL_DAYS,
    DemoCitizen,
    DidOf,
)
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger.sidecar import compute_sidecar_hash, referenced_sidecars
from wuyi.ledger.types import Transaction
from wuyi.scenarios import Scenario, all_scenarios
from wuyi.sdk import WuyiClient
from wuyi.sdk.client import TxBuilder, event_attr, make_sidecar, raise_receipt
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet

# also, computed on first use (module __getattr__): CITIZENS, RULE_CLAIMS, SCENARIO_PERSONAL,
# SCENARIO_TYPES, ISSUER
__all__ = [
    "DemoLoader",
    "Flow",
    "desk",
    "load_scenarios_demo",
    "returned",
]

Flow = Generator[list[Transaction], list[m.ReceiptOut], None]


def _demos(scenarios: Iterable[Scenario] | None = None) -> list[tuple[Scenario, ModuleType]]:
    """Each registered scenario with a demo step, and its demo module."""
    chosen = all_scenarios() if scenarios is None else scenarios
    return [(s, s.module("demo")) for s in chosen if s.has("demo")]


@cache
def _gathered() -> dict[str, Any]:
    """What the registered scenario demos declare, together (computed on first use: the demo
    modules import this one)."""
    citizens: list[DemoCitizen] = []
    claims: set[str] = set()
    types = list(BASE_TYPES)
    for _, mod in _demos():
        citizens += getattr(mod, "CITIZENS", ())
        claims |= set(getattr(mod, "RULE_CLAIMS", ()))
        types += getattr(mod, "TYPES", ())
    personal = {
        v
        for c in citizens
        for _t, values in c.credentials
        for k, v in values.items()
        if k not in claims and isinstance(v, str) and len(v.encode()) >= 8
    }
    return {
        # every demo citizen
        "CITIZENS": tuple(citizens),
        # the only claims a contract asks for (numbers, booleans and DIDs: every other claim
        # stays in the wallets, never disclosed to a contract, never on chain)
        "RULE_CLAIMS": frozenset(claims),
        # every credential type the scenario demos set
        "SCENARIO_TYPES": tuple(types),
        # every personal string the demo citizens carry: only in their wallets, never on chain
        "SCENARIO_PERSONAL": tuple(sorted(personal)),
        # who issues each citizen credential of the demo
        "ISSUER": {t[0]: t[1][0] for t in types} | {"IdentityCredential": "gaj"},
    }


_GATHERED = ("CITIZENS", "RULE_CLAIMS", "SCENARIO_TYPES", "SCENARIO_PERSONAL", "ISSUER")


def __getattr__(name: str) -> Any:
    """``CITIZENS``, ``RULE_CLAIMS``, ``SCENARIO_TYPES``, ``SCENARIO_PERSONAL``, ``ISSUER``.
    Only these gather: any other name (``from ... import x`` asks for ``__path__``, e.g.
    while a scenario's demo module imports this one) must not gather the demos half
    imported."""
    if name not in _GATHERED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _gathered()[name]


def returned(receipt: m.ReceiptOut) -> Any:
    """The value a contract call returned (its ``contract.returned`` event)."""
    from wuyi.ledger.jsonform import from_json

    return from_json(event_attr(receipt, "contract.returned", "value"))


class _DemoWallet(Wallet):
    """A wallet written once, at the end of the load (:meth:`flush`), instead of at every
    change: each write derives the file key with scrypt."""

    changed = False

    def save(self, *, overwrite: bool = True) -> None:
        self.changed = True

    def flush(self) -> None:
        if self.changed:
            super().save()
            self.changed = False


@dataclass
class _Issue:
    """A credential for ``holder``'s wallet, signed by ``<org>-issuer``."""

    holder: str
    org: str
    type: str
    claims: dict[str, Any]
    days: int = CREDENTIAL_DAYS


class DemoLoader:
    """The demo's state while it loads: keys, wallets, the credentials to issue, what it
    made (``made``: each scenario step adds its part)."""

    def __init__(
        self, client: WuyiClient, admins: dict[str, PrivateKey], dirs: list[Path], passphrase: str
    ) -> None:
        self.client, self.suite, self.admins = client, client.suite, admins
        #: member keys, citizens' wallets, documents (e.g. the tax-paid proofs)
        self.keys_dir, self.wallets_dir, self.docs_dir = dirs
        self.passphrase = passphrase
        self.chain_id = client.status().chain_id
        self.height = 0
        self.members: dict[str, PrivateKey] = {}
        self.wallets: dict[str, _DemoWallet] = {}
        self.queues: dict[str, list[_Issue]] = {}
        self.made: dict[str, Any] = {}
        #: where citizens' wallets read a consent's terms (with its proof) before presenting
        self.consents = Identity(client)
        #: private side-cars (presentations) by hash, sent beside the transactions naming them
        self.sidecars: dict[bytes, bytes] = {}

    # -- transactions -------------------------------------------------------------------------

    def tx(self, key: PrivateKey, kind: str, payload: dict[str, Any]) -> Transaction:
        return TxBuilder(self.chain_id, key, current_height=self.height).build(kind, payload)

    def sidecar(self, text: str) -> str:
        """Keep ``text`` (a presentation) as a private side-car; the reference to pass where the
        contract expects it. :meth:`commit` sends it beside the transaction naming it."""
        ref, data = make_sidecar(self.suite, text)
        self.sidecars[compute_sidecar_hash(self.suite, data)] = data
        return ref

    def _sidecars_of(self, tx: Transaction) -> list[bytes]:
        return [self.sidecars[h] for h in referenced_sidecars(tx.payload) if h in self.sidecars]

    def call(self, key: PrivateKey, contract: str, fn: str, /, **args: Any) -> Transaction:
        payload = {"contract": contract, "method": fn, "args": args}
        return self.tx(key, "contract.call", payload)

    def member(self, org: str, role: str) -> PrivateKey:
        return self.members[f"{org}-{role}"]

    def commit(self, txs: list[Transaction]) -> list[m.ReceiptOut]:
        """Submit ``txs`` together (they are independent of each other), wait for every
        receipt, raise the first failure."""
        client = self.client
        if len(txs) > 1:
            res = client.submit_batch(txs[:-1], sidecars=[self._sidecars_of(tx) for tx in txs[:-1]])
            for item in res.results:
                if item.problem is not None:
                    raise ValidationError(f"demo: transaction refused: {item.problem.detail}")
        last = client.submit_and_wait(txs[-1], timeout=30, sidecars=self._sidecars_of(txs[-1]))
        wanted = {tx.compute_hash(self.suite).hex(): tx for tx in txs}
        got = {last.tx_hash: last.receipt}
        for h in range(self.height + 1, last.height + 1):  # the blocks of this wave
            got |= {r.tx_hash: r for r in client.get_receipts(h).receipts if r.tx_hash in wanted}
        receipts = [got.get(h) or self._receipt(h) for h in wanted]
        for r in receipts:
            if r.status != "ok":
                raise_receipt(r)
        return receipts

    def _receipt(self, tx_hash: str) -> m.ReceiptOut:
        deadline = time.monotonic() + 30
        while True:  # not in the blocks seen so far: committed next
            try:
                # unsigned: the receipt is public; a signed read of another organisation's
                # personal transaction would be refused (the sender's org and auditors only)
                with self.client.reading_as(None):
                    detail = self.client.get_tx(tx_hash, verify=False)
            except NotFound:
                detail = None
            if detail is not None and detail.receipt is not None:
                return detail.receipt
            if time.monotonic() > deadline:
                raise ValidationError(f"demo: transaction {tx_hash} not committed in 30 s")
            time.sleep(0.02)

    def run(self, flows: Iterable[Flow]) -> None:
        """Advance every flow one step per wave (its transactions in one batch with the other
        flows'), then the credential issuers (one credential per organisation per wave: each
        takes the organisation's next status index), until all are done."""
        current: dict[Flow, list[Transaction]] = {}

        def advance(flow: Flow, receipts: list[m.ReceiptOut] | None) -> None:
            try:
                current[flow] = next(flow) if receipts is None else flow.send(receipts)
            except StopIteration:
                current.pop(flow, None)

        for f in flows:
            advance(f, None)
        while True:
            issues = {org: q[0] for org, q in self.queues.items() if q}
            if not current and not issues:
                return
            self.height = self.client.status().height
            batch = [tx for txs in current.values() for tx in txs]
            issued = [(req, *self._issue_tx(req)) for req in issues.values()]
            if not batch and not issued:
                raise ValidationError("demo: the scenario flows wait on each other")
            receipts = self.commit(batch + [tx for _, tx, _ in issued])
            for req, _tx, sd_jwt in issued:
                self.queues[req.org].pop(0)
                self.wallets[req.holder].add(sd_jwt)
            pos = 0
            for flow, txs in list(current.items()):
                advance(flow, receipts[pos : pos + len(txs)])
                pos += len(txs)

    # -- credentials --------------------------------------------------------------------------

    def _issue_tx(self, req: _Issue) -> tuple[Transaction, str]:
        """``Identity.issue`` without the wait: sign the SD-JWT for the organisation's next
        status index and the ``vc.issue`` transaction registering its commitment."""
        from wuyi.sdk.identity import SUBJECT, credential_payload, org_did
        from wuyi.vc import sdjwt
        from wuyi.vc.jose import sd_alg_for_suite

        key = self.member(req.org, "issuer")
        wallet = self.wallets[req.holder]
        idx = int(self.client._get(f"/v1/vc/next/{req.org}")["next"])
        iat = int(time.time())
        exp = iat + req.days * 86400 if req.days else 0
        payload = credential_payload(
            org=req.org, type=req.type, holder_did=wallet.did, idx=idx, iat=iat, exp=exp
        )
        kid = f"{org_did(req.org)}#{format_address(address_of(self.suite, key.public_key))}"
        issued = sdjwt.issue(
            key,
            header_kid=kid,
            payload=payload,
            disclosable=req.claims,
            holder_jwk=wallet.holder_jwk,
            sd_alg=sd_alg_for_suite(self.suite.name),
            subject=SUBJECT,
        )
        body = {
            "type": req.type,
            "commitment": self.suite.hash(issued.jwt.encode("ascii")),
            "expires": exp,
            "idx": idx,
        }
        return self.tx(key, "vc.issue", body), str(issued.sd_jwt)

    def presentation(self, wallet: Wallet, req: dict[str, Any], nonce: str, consent: str) -> str:
        """``wallet``'s presentation for a contract's request ``req`` (``types``, ``claims``,
        ``verifier``) with ``nonce``, under ``consent``, kept as a private side-car: the
        reference to pass where the contract expects it (beside the transaction, never in it)."""
        text = wallet.present(
            req["types"],
            req["claims"],
            verifier=req["verifier"],
            nonce=nonce,
            consent=consent,
            consents=self.consents,
        )
        return self.sidecar(text)

    def has(self, holder: str, *types: str) -> bool:
        have = {c.type for c in self.wallets[holder].credentials}
        return all(t in have for t in types)

    def consent(
        self, holder: str, verifier: str, types: list[str], claims: list[str], purpose: str
    ) -> Generator[list[Transaction], list[m.ReceiptOut], str]:
        """The holder's consent for ``verifier`` (one wave); returns its id (hex)."""
        wallet = self.wallets[holder]
        start = int(time.time() * 1000) - 60_000  # a validator's clock may be a little behind
        body = {
            "holder": wallet.did,
            "verifier": verifier,
            "types": types,
            "claims": claims,
            "purpose": purpose,
            "not_before": start,
            "not_after": start + CONSENT_MINUTES * 60_000,
        }
        tx = self.tx(wallet.key, "consent.grant", body)
        yield [tx]
        return tx.compute_hash(self.suite)[:16].hex()

    # -- set-up -------------------------------------------------------------------------------

    def load_members_and_wallets(self) -> list[Transaction]:
        """Keys and wallets (made once, kept on disk); the transactions that admit the members
        and register the citizens' DIDs that are not on chain yet."""
        from wuyi.ledger import keys

        txs = []
        members = dict.fromkeys(BASE_MEMBERS)
        for _, mod in _demos():
            members.update(dict.fromkeys(getattr(mod, "MEMBERS", ())))
        for org, role in members:
            path = self.keys_dir / f"{org}-{role}.key"
            if path.exists():
                k = load_key(path, self.passphrase)
            else:
                k = self.suite.generate_private_key()
                save_key(path, k, self.passphrase)
            self.members[f"{org}-{role}"] = k
            try:
                self.client.member(address_of(self.suite, k.public_key))
            except NotFound:
                body = {"org": org, "public_key": k.public_key, "roles": [role]}
                txs.append(
                    self.tx(self.admins[org], "member.add", {**body, "name": f"{org} {role}"})
                )
        self.wallets_dir.mkdir(parents=True, exist_ok=True)
        registrar = load_key(self.keys_dir / "idp-idp.key", self.passphrase)
        for c in _gathered()["CITIZENS"]:
            path = self.wallets_dir / f"{c.name}.json"
            if path.exists():
                w = _DemoWallet.open(path, self.passphrase)
            else:  # Wallet.create refuses an existing file; written by flush
                w = _DemoWallet.create(path, self.passphrase, self.suite.name)
            assert isinstance(w, _DemoWallet)
            self.wallets[c.name] = w
            if self.client.get_state(keys.did_key(w.did), verify=False).value is None:
                # registered by the identity provider, a DID registrar (docs/did-method.md)
                req = self.consents.registration_request(w.key)
                body = {"public_key": w.key.public_key, "proof": bytes.fromhex(req["proof"])}
                txs.append(self.tx(registrar, "did.create", body))
        return txs

    def governance(self) -> Flow:
        """Members, DIDs and the proposals in one wave, the votes in the next, then execute:
        the scenario contracts and the credential types."""
        from wuyi.demo import MAJORITY_VOTERS

        setup = self.load_members_and_wallets()
        sjj = self.admins["sjj"]
        deployed = {c["name"] for c in self.client.contracts()}
        proposals = []
        for s, _ in _demos():
            if s.contract and s.contract not in deployed:
                pkg = {
                    "name": s.contract,
                    "version": "1.0.0",
                    "source": s.source(),
                    "manifest": {"description": s.description or s.title},
                }
                b = TxBuilder(self.chain_id, sjj, current_height=self.height)
                proposals.append(b.contract_propose(pkg, hook_args=s.init_args or None))
        types = {t["type"]: t for t in self.client._get("/v1/vc/types")["types"]}
        wanted = [t for t in _gathered()["SCENARIO_TYPES"] if t[0] not in types]
        for _, mod in _demos():
            for type_, extra in getattr(mod, "EXTRA_CLAIMS", {}).items():
                have = types.get(type_)
                if have is not None and not set(extra) <= set(have["claims"]):
                    claims = [*have["claims"], *(x for x in extra if x not in have["claims"])]
                    wanted.append((type_, have["issuers"], claims, have["description"]))
        for type_, issuers, claims, description in wanted:
            args = {"type": type_, "issuers": issuers, "claims": claims, "description": description}
            b = TxBuilder(self.chain_id, sjj, current_height=self.height)
            title = f"授权 {', '.join(issuers)} 签发 {type_}"
            proposals.append(b.gov_propose("vc.set_type", args, title=title))
        if not setup and not proposals:
            return
        receipts = yield setup + proposals
        ids = [int(event_attr(r, "gov.proposed", "id")) for r in receipts[len(setup) :]]
        if not ids:
            return
        voters = [self.admins[o] for o in MAJORITY_VOTERS]
        yield [self.tx(k, "gov.vote", {"id": pid, "choice": "yes"}) for pid in ids for k in voters]
        yield [self.tx(sjj, "gov.execute", {"id": pid}) for pid in ids]

    # -- what the scenario steps use ---------------------------------------------------------

    def query(self, contract: str, fn: str, /, **args: Any) -> Any:
        return self.client.query(contract, fn, args)

    def did(self, name: str) -> str:
        return self.wallets[name].did

    def section(self, key: str) -> dict[str, Any]:
        """``made[key]``, created empty if need be (a scenario step's part of the result)."""
        out: dict[str, Any] = self.made.setdefault(key, {})
        return out

    def issue_certificates(self, scenario: str, orgs: Iterable[str]) -> None:
        """The issuer systems of ``orgs`` issue every pending e-certificate of ``scenario``
        (SDK ``issue_pending``: SD-JWT to the holder's wallet, commitment by ``vc.issue``,
        linked to the certificate record)."""
        wallets = list(self.wallets.values())
        helper = self.client.scenario(scenario)
        for org in orgs:
            helper.issue_pending(self.member(org, "issuer"), wallets=wallets)

    # -- everything ---------------------------------------------------------------------------

    def base_credentials(self) -> None:
        """Queue every citizen credential their wallet lacks (in the order the flows need)."""
        for c in _gathered()["CITIZENS"]:
            for type_, claims in c.credentials:
                if self.has(c.name, type_):
                    continue
                org = _gathered()["ISSUER"][type_]
                values = {
                    k: self.did(v.name) if isinstance(v, DidOf) else v for k, v in claims.items()
                }
                if "family_dids" in values:
                    values["family_dids"] = [self.did(n) for n in values["family_dids"]]
                self.queues.setdefault(org, []).append(_Issue(c.name, org, type_, values))

    def load(self) -> dict[str, Any]:
        # The loader reads as 政数局's admin: a personal contract's raw state and views
        # (``Scenario.personal_state``) are signed reads even on a public explorer, and the
        # node logs each of them like any other.
        c = self.client
        try:
            if c._reader is not None:  # the caller chose the signer
                return self._load()
            with c.reading_as(self.admins["sjj"], "载入演示数据 / loading the demo data"):
                return self._load()
        finally:
            for w in self.wallets.values():
                w.flush()

    def _load(self) -> dict[str, Any]:
        self.height = self.client.status().height
        self.run([self.governance()])
        self.base_credentials()
        demos = _demos()
        self.run([flow for _, mod in demos for flow in mod.flows(self)])
        for _, mod in demos:
            if hasattr(mod, "after"):
                mod.after(self)
        self.made["certificates"] = self._certificates()
        self.made["contracts"] = [s.contract for s, _ in demos if s.contract]
        self.made["members"] = {
            name: {
                "key": str(self.keys_dir / f"{name}.key"),
                "address": format_address(address_of(self.suite, k.public_key)),
            }
            for name, k in self.members.items()
        }
        self.made["citizens"] = {
            c.name: {
                "did": self.wallets[c.name].did,
                "wallet": str(self.wallets[c.name].path),
                "role": c.role,
                "credentials": sorted(x.type for x in self.wallets[c.name].credentials),
            }
            for c in _gathered()["CITIZENS"]
        }
        return self.made

    def _certificates(self) -> list[dict[str, Any]]:
        """Every e-certificate credential in the citizens' wallets."""
        kinds = {s.certificate.type for s in all_scenarios() if s.certificate}
        return sorted(
            (
                {
                    "id": c.claims["certificate"],
                    "type": c.type,
                    "holder": w.did,
                    "wallet": str(w.path),
                    "credential": c.id,
                }
                for w in self.wallets.values()
                for c in w.credentials
                if c.type in kinds
            ),
            key=lambda x: (x["id"], x["holder"]),
        )


def load_scenarios_demo(
    client: WuyiClient,
    admins: dict[str, PrivateKey],
    keys_dir: Path,
    wallets_dir: Path,
    docs_dir: Path,
    passphrase: str,
) -> dict[str, Any]:
    """Load the scenario demos (idempotent: a second run submits nothing). Returns what they
    made: each scenario step's part (its README names it), ``certificates``, ``citizens``,
    ``members``, ``contracts``."""
    return DemoLoader(client, admins, [keys_dir, wallets_dir, docs_dir], passphrase).load()


def desk(url: str, page: str, what: str, keys: Path | None = None, *names: str) -> str:
    """A line of a scenario's welcome text: the console page ``#/<page>``, what it is, and
    the key files ``<keys>/<name>.key`` of the members who use it (``names``), if any."""
    line = f"  {url}/console/#/{page}  {what}"
    if names:
        line += " (" + ", ".join(f"{keys}/{n}.key" for n in names) + ")"
    return line


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    """The welcome text's lines of every scenario demo."""
    lines: list[str] = []
    for _, mod in _demos():
        if hasattr(mod, "summary"):
            lines += mod.summary(made, url, keys)
    return lines
