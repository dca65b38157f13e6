"""Demo data for scenarios 1, 2 and 6 — 住房网签, 不动产登记, 人才引进 (``make run``), loaded
through the node's API like the departments' own systems would:

* the contracts ``realestate``, ``housing`` and ``settlement`` deployed by governance; members
  with the roles they need (``<org>-<role>.key`` in the keys directory): registrars of bdc,
  pjq, xhq, bankers of nsyh and zgyh, the judge of fy, the developer of wyzy, zjj's filing
  desk, issuers of jyj, rsj, bdc, pjq, xhq (gaj and mzj have theirs from the identity demo);
* credential types by governance (family, household, social security, degree, employment,
  property, awards; the 不动产权证书 ``RealEstateCertificate`` and the 人才准予迁入
  ``TalentSettlementCertificate``), and ``age`` added to ``IdentityCredential``;
* seven units in 蓬江 (440703), 江海 (440704) and 新会 (440705), registered by the office of
  their district (江海 by the city centre bdc), and housing contracts at every step: one
  purchase completed (eligibility, signatures, filing, loan, tax, transfer by bdc, the new
  certificate, the bank's mortgage), one filed with loan and tax (waiting for the transfer),
  one signed (waiting for filing), one eligible (waiting for signatures), one draft (waiting
  for the buyer's eligibility check), one listed unit with no contract, and a resale home
  seized by the court;
* 人社局 lowered a settlement rule (on record); a graduate settled with the 人才准予迁入
  certificate, a points applicant refused below the threshold, a graduate ready to apply;
* citizens' wallets ``DIR/wallets/<name>.json`` (demo passphrase) with their credentials and,
  for owners and the settled graduate, the certificate credential (SD-JWT) linked on chain.

Independent transactions go in one batch ("wave"); each flow is a generator that yields the
transactions of its next step, so the whole load is as many blocks as its longest chain of
steps. Loading again changes nothing: every step first looks at the chain. Personal data stays
in the wallets: the chain sees DIDs, hashes and the numbers/booleans a rule needs
(:data:`RULE_CLAIMS`); ``tests/unit/test_demo.py`` scans every block and state value for
:data:`SCENARIO_PERSONAL` and the undisclosed claims. See ``docs/scenarios/demo.md``.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.api import models as m
from wuyi.crypto import address_of, format_address, load_key, save_key
from wuyi.demo_scenarios_data import (
    AREA_CORRECTED,
    CITIZENS,
    CONSENT_MINUTES,
    CONTRACTS,
    CORRECTION_REASON,
    CREDENTIAL_DAYS,
    DEVELOPER,
    GRADUATE,
    INIT_ARGS,
    ISSUER,
    MEMBERS,
    PARAM_CHANGE,
    POINTS_HOME,
    RULE_CLAIMS,
    SCENARIO_PERSONAL,
    SCENARIO_TYPES,
    SEIZURE_CASE,
    SELLER,
    STAGES,
    UNITS,
    DemoUnit,
)
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger.types import Transaction
from wuyi.sdk import WuyiClient
from wuyi.sdk.client import TxBuilder, event_attr, raise_receipt
from wuyi.sdk.wallet import Wallet

__all__ = [
    "CITIZENS",
    "RULE_CLAIMS",
    "SCENARIO_PERSONAL",
    "SCENARIO_TYPES",
    "UNITS",
    "load_scenarios_demo",
]

CERTIFICATE_TYPES = ("RealEstateCertificate", "TalentSettlementCertificate")
Flow = Generator[list[Transaction], list[m.ReceiptOut], None]


def _returned(receipt: m.ReceiptOut) -> Any:
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


class _Loader:
    def __init__(
        self,
        client: WuyiClient,
        admins: dict[str, PrivateKey],
        keys_dir: Path,
        wallets_dir: Path,
        docs_dir: Path,
        passphrase: str,
    ) -> None:
        self.client = client
        self.suite = client.suite
        self.admins = admins
        self.keys_dir = keys_dir
        self.wallets_dir = wallets_dir
        self.docs_dir = docs_dir
        self.passphrase = passphrase
        self.chain_id = client.status().chain_id
        self.height = 0
        self.members: dict[str, PrivateKey] = {}
        self.wallets: dict[str, _DemoWallet] = {}
        self.queues: dict[str, list[_Issue]] = {}
        self.made: dict[str, Any] = {}

    # -- transactions -------------------------------------------------------------------------

    def tx(self, key: PrivateKey, kind: str, payload: dict[str, Any]) -> Transaction:
        return TxBuilder(self.chain_id, key, current_height=self.height).build(kind, payload)

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
            res = client.submit_batch(txs[:-1])
            for item in res.results:
                if item.problem is not None:
                    raise ValidationError(f"demo: transaction refused: {item.problem.detail}")
        last = client.submit_and_wait(txs[-1], timeout=30)
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
        for org, role in MEMBERS:
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
        for c in CITIZENS:
            path = self.wallets_dir / f"{c.name}.json"
            if path.exists():
                w = _DemoWallet.open(path, self.passphrase)
            else:  # Wallet.create refuses an existing file; written by flush
                w = _DemoWallet.create(path, self.passphrase, self.suite.name)
            assert isinstance(w, _DemoWallet)
            self.wallets[c.name] = w
            if self.client.get_state(keys.did_key(w.did), verify=False).value is None:
                txs.append(self.tx(w.key, "did.create", {}))
        return txs

    def governance(self) -> Flow:
        """Members, DIDs and the proposals in one wave, the votes in the next, then execute:
        the three contracts and the credential types."""
        from wuyi.contracts.scenarios import source
        from wuyi.demo import MAJORITY_VOTERS

        setup = self.load_members_and_wallets()
        sjj = self.admins["sjj"]
        deployed = {c["name"] for c in self.client.contracts()}
        proposals = []
        for name, description in CONTRACTS:
            if name not in deployed:
                pkg = {
                    "name": name,
                    "version": "1.0.0",
                    "source": source(name),
                    "manifest": {"description": description},
                }
                b = TxBuilder(self.chain_id, sjj, current_height=self.height)
                init = INIT_ARGS.get(name)
                proposals.append(b.contract_propose(pkg, hook_args=init))
        types = {t["type"]: t for t in self.client._get("/v1/vc/types")["types"]}
        wanted = [t for t in SCENARIO_TYPES if t[0] not in types]
        ident = types.get("IdentityCredential")
        if ident is not None and "age" not in ident["claims"]:  # the settlement rules need it
            claims = [*ident["claims"], "age"]
            wanted.append(("IdentityCredential", ident["issuers"], claims, ident["description"]))
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

    # -- the flows ----------------------------------------------------------------------------

    def query(self, contract: str, fn: str, /, **args: Any) -> Any:
        return self.client.query(contract, fn, args)

    def did(self, name: str) -> str:
        return self.wallets[name].did

    def registry_unit(self, spec: DemoUnit) -> Flow:
        """Register the unit and its first owner (the developer, or a citizen)."""
        reg = self.member(spec.office, "registrar")
        if self.query("realestate", "unit", unit_id=spec.id) is None:
            args = {"location": spec.location, "area": spec.area, "use": "residential"}
            yield [self.call(reg, "realestate", "register_unit", unit_id=spec.id, **args)]
        u = self.query("realestate", "unit", unit_id=spec.id)
        if not u["owners"]:
            owner = self.did(spec.buyers[0]) if spec.stage == "seized" else SELLER
            owners = [{"did": owner, "share": 10000}]
            yield [
                self.call(reg, "realestate", "first_registration", unit_id=spec.id, owners=owners)
            ]

    def housing_flow(self, spec: DemoUnit) -> Flow:
        """The unit's contract, up to the step ``spec.stage`` shows."""
        yield from self.registry_unit(spec)
        dev = self.member(DEVELOPER, "developer")
        upto = STAGES.index(spec.stage)
        out: dict[str, Any] = {"unit": spec.id, "location": spec.location}
        self.made.setdefault("housing", {})[spec.stage] = out
        u = self.query("realestate", "unit", unit_id=spec.id)
        side = []
        if spec.stage == "completed" and u["area"] != AREA_CORRECTED:
            bdc = self.member("bdc", "registrar")
            side.append(
                self.call(
                    bdc,
                    "realestate",
                    "correct",
                    unit_id=spec.id,
                    field="area",
                    value=AREA_CORRECTED,
                    reason=CORRECTION_REASON,
                )
            )
        if self.query("housing", "listing", unit_id=spec.id) is None:
            side.append(self.call(dev, "housing", "list_unit", unit_id=spec.id))
        if side:
            yield side
        if upto == 0:
            return
        buyers = [self.did(b) for b in spec.buyers]
        out.update(buyers=buyers, wallets=[str(self.wallets[b].path) for b in spec.buyers])
        drafted = self.query("housing", "filings", unit_id=spec.id)["contracts"]
        if drafted:
            cid = drafted[-1]
        else:
            (r,) = yield [
                self.call(dev, "housing", "draft", unit_id=spec.id, buyers=buyers, price=spec.price)
            ]
            cid = str(_returned(r))
        out.update(contract=cid, price=spec.price)
        c = self.query("housing", "contract", contract_id=cid)
        first = spec.buyers[0]
        if upto >= 2 and c["status"] == "draft":
            yield from self.eligibility(cid, first)
            c = self.query("housing", "contract", contract_id=cid)
        if upto >= 3 and c["status"] == "eligible":
            signs = [
                self.call(self.wallets[b].key, "housing", "sign", contract_id=cid)
                for b in spec.buyers
                if self.did(b) not in c["signatures"]["buyers"]
            ]
            if c["signatures"]["seller"] is None:
                signs.append(self.call(dev, "housing", "sign", contract_id=cid))
            yield signs
            c = self.query("housing", "contract", contract_id=cid)
        if upto >= 4 and c["status"] == "signed":
            yield [self.call(self.member("zjj", "filing"), "housing", "file", contract_id=cid)]
            c = self.query("housing", "contract", contract_id=cid)
        proof = self.tax_proof(spec, cid)
        if upto >= 4:
            out.update(tax_proof=proof.hex(), tax_proof_file=str(self.tax_file(spec)))
        if upto >= 4 and c["status"] == "filed":
            steps = []
            assert spec.loan is not None
            bank, amount = spec.loan
            if bank not in c["loans"]:
                steps.append(
                    self.call(
                        self.member(bank, "banker"),
                        "housing",
                        "register_loan",
                        contract_id=cid,
                        amount=amount,
                    )
                )
            if c["tax"] is None:
                w = self.wallets[first]
                steps.append(
                    self.call(
                        w.key,
                        "housing",
                        "declare_tax",
                        contract_id=cid,
                        price=spec.price,
                        proof=proof,
                    )
                )
            if steps:
                yield steps
        if upto >= 5:
            yield from self.completion(spec, cid, out)
        out["status"] = self.query("housing", "contract", contract_id=cid)["status"]

    def eligibility(self, cid: str, holder: str) -> Flow:
        """The first buyer consents to 住建局 and presents family and household (and, for a
        non-local family, social security) to the contract."""
        types = ["FamilyCredential", "HouseholdCredential"]
        while not self.has(holder, *types):
            yield []
        creds = {c.type: c for c in self.wallets[holder].credentials}
        local = creds["HouseholdCredential"].claims["local_hukou"] is True
        req = self.query("housing", "eligibility_request", with_social_security=not local)
        consent = yield from self.consent(
            holder,
            req["verifier"],
            req["types"],
            req["claims"],
            "购房资格审核 / home-purchase eligibility",
        )
        w = self.wallets[holder]
        nonce = self.query("housing", "eligibility_nonce", contract_id=cid, did=w.did)
        text = w.present(
            req["types"], req["claims"], verifier=req["verifier"], nonce=nonce, consent=consent
        )
        yield [
            self.call(
                w.key,
                "housing",
                "check_eligibility",
                contract_id=cid,
                presentation_text=text,
                with_social_security=not local,
            )
        ]

    def tax_file(self, spec: DemoUnit) -> Path:
        return self.docs_dir / f"tax-proof-{spec.id}.txt"

    def tax_proof(self, spec: DemoUnit, cid: str) -> bytes:
        """The 完税证明 (no personal data: contract, unit, price) written to the docs folder;
        the chain gets its hash."""
        yuan = f"{spec.price // 100:,}.{spec.price % 100:02d}"
        text = (
            f"契税完税证明（演示）/ tax-paid proof (demo)\n合同 / contract: {cid}\n"
            f"不动产单元 / unit: {spec.id}\n计税价格 / taxable price: {yuan} 元\n"
        )
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        self.tax_file(spec).write_text(text, encoding="utf-8")
        return self.suite.hash(text.encode())

    def completion(self, spec: DemoUnit, cid: str, out: dict[str, Any]) -> Flow:
        """Transfer by the city centre, the bank's mortgage for its loan, each owner's
        不动产权证书 credential issued by bdc and linked."""
        c = self.query("housing", "contract", contract_id=cid)
        if c["status"] == "filed":
            reg = self.member("bdc", "registrar")
            proof = self.tax_proof(spec, cid)
            buyers = list(c["buyers"])
            yield [
                self.call(
                    reg,
                    "realestate",
                    "transfer",
                    unit_id=spec.id,
                    contract_id=cid,
                    buyers=buyers,
                    tax_proof=proof,
                )
            ]
        u = self.query("realestate", "unit", unit_id=spec.id)
        assert spec.loan is not None
        bank, amount = spec.loan
        if not u["mortgages"]:
            yield [
                self.call(
                    self.member(bank, "banker"),
                    "realestate",
                    "register_mortgage",
                    unit_id=spec.id,
                    amount=amount,
                    contract_id=cid,
                )
            ]
            u = self.query("realestate", "unit", unit_id=spec.id)
        out.update(cert=u["cert"], mortgage=u["mortgages"][0]["id"], bank=bank)
        self.made.setdefault("registry", {})["mortgaged"] = {
            "unit": spec.id,
            "mortgage": u["mortgages"][0]["id"],
            "bank": bank,
            "amount": amount,
            "contract": cid,
        }

    def seized_flow(self, spec: DemoUnit) -> Flow:
        """A resale home owned by a citizen (first registration by 新会区, its certificate in
        the owner's wallet), seized by the court: no transfer, no new mortgage."""
        yield from self.registry_unit(spec)
        u = self.query("realestate", "unit", unit_id=spec.id)
        if not u["seizures"]:
            case = self.suite.hash(SEIZURE_CASE.encode())
            judge = self.member("fy", "judge")
            yield [self.call(judge, "realestate", "seize", unit_id=spec.id, case_hash=case)]
            u = self.query("realestate", "unit", unit_id=spec.id)
        self.made.setdefault("registry", {})["seized"] = {
            "unit": spec.id,
            "location": spec.location,
            "seizure": u["seizures"][0]["id"],
            "court": u["seizures"][0]["court"],
            "owner": self.did(spec.buyers[0]),
            "wallet": str(self.wallets[spec.buyers[0]].path),
            "cert": u["cert"],
        }

    def settlement_param(self) -> Flow:
        name, value, reason = PARAM_CHANGE
        history = self.query("settlement", "param_history", name=name)
        if len(history) < 2:
            rsj = self.admins["rsj"]
            yield [self.call(rsj, "settlement", "set_param", name=name, value=value, reason=reason)]
        self.made.setdefault("settlement", {})["param_change"] = {
            "name": name,
            "value": value,
            "reason": reason,
            "org": "rsj",
        }

    def settlement_flow(self, holder: str, route: str) -> Flow:
        """Consent to 人社局, present, apply; an approval gets the 人才准予迁入 credential from
        公安局's issuer, linked to the certificate record."""
        w = self.wallets[holder]
        types, claims = GRADUATE if route == "graduate" else POINTS_HOME
        st = self.query("settlement", "status", did=w.did)
        if not st["applications"]:
            while not self.has(holder, *types):
                yield []
            consent = yield from self.consent(
                holder, "rsj", types, claims, "人才引进落户申请 / talent settlement application"
            )
            method = "apply_graduate" if route == "graduate" else "apply_points"
            nonce = self.query("settlement", "nonce", did=w.did, method=method)
            text = w.present(types, claims, verifier="rsj", nonce=nonce, consent=consent)
            args: dict[str, Any] = {"text": text}
            if route == "points":
                args["items"] = ["home"]
            yield [self.call(w.key, "settlement", method, **args)]
            st = self.query("settlement", "status", did=w.did)
        app = st["applications"][-1]
        key = "settled" if app["result"] == "approved" else "refused"
        out = {
            "did": w.did,
            "wallet": str(w.path),
            "route": route,
            "application": app["id"],
            "result": app["result"],
            "failed": app["failed"],
        }
        if route == "points":
            out.update(points=app["points"], total=app["total"], threshold=app["threshold"])
        self.made.setdefault("settlement", {})[key] = out
        if st["certificate"] is not None:
            out["certificate"] = st["certificate"]

    # -- everything ---------------------------------------------------------------------------

    def base_credentials(self) -> None:
        """Queue every citizen credential their wallet lacks (in the order the flows need)."""
        for c in CITIZENS:
            for type_, claims in c.credentials:
                if self.has(c.name, type_):
                    continue
                org = ISSUER[type_]
                values = dict(claims)
                if "family_dids" in values:
                    values["family_dids"] = [self.did(n) for n in values["family_dids"]]
                self.queues.setdefault(org, []).append(_Issue(c.name, org, type_, values))

    def load(self) -> dict[str, Any]:
        try:
            return self._load()
        finally:
            for w in self.wallets.values():
                w.flush()

    def _load(self) -> dict[str, Any]:
        self.height = self.client.status().height
        self.run([self.governance()])
        self.base_credentials()
        flows: list[Flow] = [self.settlement_param()]
        for spec in UNITS:
            flows.append(
                self.seized_flow(spec) if spec.stage == "seized" else self.housing_flow(spec)
            )
        flows += [
            self.settlement_flow("liu-zihan", "graduate"),
            self.settlement_flow("he-weiming", "points"),
        ]
        self.run(flows)
        self.certificates()
        self.made["contracts"] = [name for name, _ in CONTRACTS]
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
            for c in CITIZENS
        }
        self.made["units"] = {u.stage: u.id for u in UNITS}
        self.made["units"]["mortgaged"] = self.made["registry"]["mortgaged"]["unit"]
        ready = self.wallets["zheng-yuxin"]
        self.made["settlement"]["ready"] = {"did": ready.did, "wallet": str(ready.path)}
        return self.made

    def certificates(self) -> None:
        """The departments' issuer systems issue every pending certificate credential (SDK
        ``issue_pending``: SD-JWT to the owner's wallet, commitment by ``vc.issue``, linked
        to the certificate record): each district office its own 不动产权证书, the city centre
        bdc the rest, 公安局 the 人才准予迁入 certificates."""
        from wuyi.sdk.scenarios import Registry, Settlement

        wallets = list(self.wallets.values())
        registry = Registry(self.client)
        for org in ("pjq", "xhq", "bdc"):
            registry.issue_pending(self.member(org, "issuer"), wallets=wallets)
        Settlement(self.client).issue_pending(self.member("gaj", "issuer"), wallets=wallets)
        self.made["certificates"] = sorted(
            (
                {
                    "id": c.claims["certificate"],
                    "type": c.type,
                    "holder": w.did,
                    "wallet": str(w.path),
                    "credential": c.id,
                }
                for w in wallets
                for c in w.credentials
                if c.type in CERTIFICATE_TYPES
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
    """Load the scenario demo (idempotent: a second run submits nothing). Returns what it made:
    ``units`` (stage -> unit id), ``housing`` (stage -> contract, unit, buyers, wallets, …),
    ``registry`` (``mortgaged``, ``seized``), ``settlement`` (``settled``, ``refused``,
    ``ready``, ``param_change``), ``certificates``, ``citizens``, ``members``."""
    return _Loader(client, admins, keys_dir, wallets_dir, docs_dir, passphrase).load()
