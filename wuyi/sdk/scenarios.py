"""SDK helpers for the scenario contracts of issue 7: one method per step of each flow.

* :class:`Registry` — 不动产登记 (contract ``realestate``): units, first registration,
  transfer against a filed contract and the tax proof, mortgages, seizures, corrections, the
  不动产权证书 credentials;
* :class:`Housing` — 住房网签 (``housing``): listing, draft, purchase eligibility from the
  buyer's wallet, signatures, filing, loans, tax declaration, cancellation;
* :class:`Settlement` — 人才引进落户 (``settlement``): graduate and points applications from
  the applicant's wallet, the 人才准予迁入 credentials.

Writes are ``contract.call`` transactions signed by the key given (a member with the role the
step needs, or a citizen's DID key: pass their :class:`~wuyi.sdk.wallet.Wallet`); each waits
for its block and returns the contract's return value, or raises the platform's error
(:class:`~wuyi.exceptions.ContractRevert` for a refused rule, ``Unauthorized`` for a missing
role) whose message carries the contract's refusal text, e.g. ``seizure rule (查封): …``.
Reads go through the scenario API (``docs/scenarios/api.md``)::

    reg = Registry(client)
    cert = reg.first_registration(registrar_key, "440703-001-0001", [(did, 10000)])
    text = reg.issue_certificate(issuer_key, cert, wallet=owner_wallet)   # 不动产权证书
    check_certificate(client, text)["valid"]                                 # True
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address
from wuyi.exceptions import ValidationError
from wuyi.sdk.client import WuyiClient, event_attr, raise_receipt
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet

__all__ = [
    "Housing",
    "Registry",
    "Settlement",
    "certificate",
    "check_certificate",
]

Signer = PrivateKey | Wallet
#: consents the helpers grant start this long before now (tolerates a node clock behind ours)
CONSENT_SLACK_MS = 60_000
REALESTATE_CERTIFICATE = "RealEstateCertificate"
SETTLEMENT_CERTIFICATE = "TalentSettlementCertificate"


def _key(signer: Signer) -> PrivateKey:
    return signer.key if isinstance(signer, Wallet) else signer


def _seg(text: str) -> str:
    """``text`` as one URL path segment."""
    return quote(text, safe="")


def certificate(client: WuyiClient, cert_id: str) -> dict[str, Any]:
    """``GET /v1/certs/{id}``: an e-certificate of either kind (不动产权证书 ``BDC…`` or
    人才准予迁入 ``JMRC-…``) with its status and linked credentials' on-chain status."""
    out: dict[str, Any] = client._get(f"/v1/certs/{_seg(cert_id)}")
    return out


def check_certificate(client: WuyiClient, credential: str) -> dict[str, Any]:
    """``POST /v1/certs/verify``: the public check of an e-certificate credential —
    ``{valid, checks: [{name, ok, detail}], type, issuer, certificate, disclosed}``."""
    resp = client._request("POST", "/v1/certs/verify", json={"credential": credential})
    out: dict[str, Any] = resp.json()
    return out


class _Scenario:
    """One scenario contract over ``client`` (deployed as ``contract``)."""

    default_name = ""

    def __init__(
        self, client: WuyiClient, *, contract: str | None = None, timeout: float = 30.0
    ) -> None:
        self.client = client
        self.name = contract or self.default_name
        self.timeout = timeout

    def call(self, signer: Signer, method: str, **args: Any) -> Any:
        """Submit ``contract.call`` of ``method`` signed by ``signer``, wait for its block;
        the method's return value (bytes as hex), or the refusal raised."""
        tx = self.client.builder(_key(signer)).contract_call(self.name, method, args)
        res = self.client.submit_and_wait(tx, timeout=self.timeout)
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        return event_attr(res.receipt, "contract.returned", "value")

    def _get(self, path: str, **params: Any) -> Any:
        return self.client._get(path, **params)

    def _pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self._get(path, cursor=cursor, limit=500, **params)
            out.extend(page["items"])
            cursor = page.get("next")
            if not cursor:
                return out

    def _state(self, prefix: str) -> list[tuple[str, Any]]:
        """The contract's own state entries under ``prefix`` (values as on chain)."""
        from wuyi.ledger.jsonform import from_json

        out: list[tuple[str, Any]] = []
        cursor = None
        while True:
            page = self._get(
                f"/v1/contracts/{self.name}/state", prefix=prefix, limit=500, cursor=cursor
            )
            out.extend((e["key"], from_json(e["value"])) for e in page["entries"])
            cursor = page.get("next")
            if not cursor:
                return out

    def _org_of(self, key: PrivateKey) -> str:
        address = format_address(address_of(self.client.suite, key.public_key))
        return self.client.member(address).org

    def _consent(
        self, wallet: Wallet, req: dict[str, Any], consent: str | None, minutes: int
    ) -> str:
        if consent is not None:
            return consent
        return Identity(self.client).grant_consent(
            wallet.key,
            verifier=req["verifier"],
            types=req["types"],
            claims=req["claims"],
            purpose=req["purpose"],
            minutes=minutes,
            not_before_ms=int(time.time() * 1000) - CONSENT_SLACK_MS,
        )

    # -- parameters ----------------------------------------------------------------------------

    def set_param(self, key: PrivateKey, name: str, value: Any, reason: str) -> dict[str, Any]:
        """Change policy parameter ``name`` (an admin of the responsible department): in force
        from the next block; the change, its author and ``reason`` are on record."""
        out: dict[str, Any] = self.call(key, "set_param", name=name, value=value, reason=reason)
        return out

    def params(self) -> list[dict[str, Any]]:
        """``[{name, value (in force), pending, latest (the change record)}]``."""
        out: list[dict[str, Any]] = self._get(f"/v1/scenarios/{self.name}/params")["params"]
        return out

    def param(self, name: str) -> Any:
        """The value of ``name`` in force at the latest block."""
        for p in self.params():
            if p["name"] == name:
                return p["value"]
        raise ValidationError(f"'{self.name}' has no parameter '{name}'", field="name")

    def param_history(self, name: str) -> list[dict[str, Any]]:
        """Every change of ``name``, oldest first, with its author (``set_by``, ``org``)."""
        out: list[dict[str, Any]] = self._get(
            f"/v1/scenarios/{self.name}/params/{_seg(name)}/history"
        )["items"]
        return out


class Registry(_Scenario):
    """不动产登记: registrars (role ``registrar`` of an office), banks (``banker``), courts
    (``judge``) and the offices' issuer systems (``issuer``)."""

    default_name = "realestate"

    # -- writes --------------------------------------------------------------------------------

    def register_unit(
        self, key: PrivateKey, unit_id: str, *, location: str, area: int, use: str = "residential"
    ) -> dict[str, Any]:
        """Register unit ``unit_id`` (``440703-001-0001``); ``area`` in 0.01 m²."""
        out: dict[str, Any] = self.call(
            key, "register_unit", unit_id=unit_id, location=location, area=area, use=use
        )
        return out

    def first_registration(
        self, key: PrivateKey, unit_id: str, owners: str | Sequence[tuple[str, int]]
    ) -> str:
        """首次登记: ``owners`` is one DID (whole share) or ``[(did, basis points), ...]``
        summing to 10000. Returns the certificate id."""
        rows = [(owners, 10000)] if isinstance(owners, str) else list(owners)
        args = [{"did": d, "share": s} for d, s in rows]
        return str(self.call(key, "first_registration", unit_id=unit_id, owners=args))

    def transfer(
        self,
        key: PrivateKey,
        unit_id: str,
        contract_id: str,
        buyers: Sequence[str],
        tax_proof: bytes,
    ) -> str:
        """转移登记 against the filed housing contract and the hash of the tax-paid proof.
        Returns the new certificate id."""
        return str(
            self.call(
                key,
                "transfer",
                unit_id=unit_id,
                contract_id=contract_id,
                buyers=list(buyers),
                tax_proof=tax_proof,
            )
        )

    def register_mortgage(
        self, key: PrivateKey, unit_id: str, amount: int, contract_id: str | None = None
    ) -> str:
        """抵押登记 (``amount`` in fen; ``contract_id``: the filed contract whose loan it
        secures). Returns the mortgage id."""
        args: dict[str, Any] = {"unit_id": unit_id, "amount": amount}
        if contract_id is not None:
            args["contract_id"] = contract_id
        return str(self.call(key, "register_mortgage", **args))

    def release_mortgage(self, key: PrivateKey, mortgage_id: str) -> None:
        """注销抵押: only the bank that registered it."""
        self.call(key, "release_mortgage", mortgage_id=mortgage_id)

    def seize(self, key: PrivateKey, unit_id: str, case_hash: bytes) -> str:
        """查封 by a court (the hash of the case reference). Returns the seizure id."""
        return str(self.call(key, "seize", unit_id=unit_id, case_hash=case_hash))

    def lift_seizure(self, key: PrivateKey, seizure_id: str, order_hash: bytes) -> None:
        """解除查封 by a court (the hash of the lifting order)."""
        self.call(key, "lift_seizure", seizure_id=seizure_id, order_hash=order_hash)

    def correct(self, key: PrivateKey, unit_id: str, field: str, value: Any, reason: str) -> None:
        """更正登记 of ``location``, ``area`` or ``use`` with a reason."""
        self.call(key, "correct", unit_id=unit_id, field=field, value=value, reason=reason)

    def link_credential(
        self, key: PrivateKey, cert_id: str, idx: int, holder: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = self.call(
            key, "link_credential", cert_id=cert_id, idx=idx, holder=holder
        )
        return out

    # -- reads ---------------------------------------------------------------------------------

    def units(self, district: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/realestate/units", district=district)

    def unit(self, unit_id: str) -> dict[str, Any]:
        """The unit with its listing, active filing, mortgages and seizures."""
        out: dict[str, Any] = self._get(f"/v1/realestate/units/{_seg(unit_id)}")
        return out

    def history(self, unit_id: str) -> list[dict[str, Any]]:
        """Every change of the unit, oldest first, whichever office made it."""
        return self._pages(f"/v1/realestate/units/{_seg(unit_id)}/history")

    def owner_units(self, did: str) -> list[dict[str, Any]]:
        return self._pages(f"/v1/realestate/owners/{_seg(did)}/units")

    def cert(self, cert_id: str) -> dict[str, Any]:
        """The 不动产权证书 record (unit, owners, shares, office, commitment, status)."""
        out: dict[str, Any] = self._get(f"/v1/realestate/certs/{_seg(cert_id)}")
        return out

    # -- 不动产权证书 credentials -----------------------------------------------------------------

    def issue_certificate(
        self,
        key: PrivateKey,
        cert_id: str,
        *,
        holder: str | None = None,
        org: str | None = None,
        wallet: Wallet | None = None,
        valid_days: int | None = None,
    ) -> str:
        """Issue the 不动产权证书 of certificate ``cert_id`` to an owner (``holder``; default
        the only owner, or ``wallet``'s DID) as a ``RealEstateCertificate`` SD-JWT (claims
        ``certificate, unit, district, share, kind`` — no name, no ID number), signed by
        ``key`` (role ``issuer`` of ``org``: the recording office or ``bdc``), register its
        commitment, link it to the certificate, add it to ``wallet`` if given, and return it."""
        rec = self.cert(cert_id)
        if holder is None:
            if wallet is not None:
                holder = wallet.did
            elif len(rec["owners"]) == 1:
                holder = rec["owners"][0]
            else:
                raise ValidationError(
                    f"certificate {cert_id} has several owners; name the holder", field="holder"
                )
        if holder not in rec["owners"]:
            raise ValidationError(f"{holder} is not an owner on {cert_id}", field="holder")
        claims = {
            "certificate": cert_id,
            "unit": rec["unit"],
            "district": rec["unit"][:6],
            "share": rec["shares"][rec["owners"].index(holder)],
            "kind": rec["kind"],
        }
        return _issue_and_link(
            self,
            key,
            org,
            REALESTATE_CERTIFICATE,
            holder,
            claims,
            cert_id,
            wallet,
            valid_days,
            link_holder=True,
        )

    def pending_certificates(self, org: str | None = None) -> list[dict[str, Any]]:
        """Active certificates with an owner (a citizen DID) whose credential is not linked
        yet: ``[{certificate, holder, unit, office}]``; with ``org``, those its issuers may
        issue (the recording office, or any for ``bdc``)."""
        out = []
        for _, rec in self._state("cert/"):
            if rec["status"] != "active" or org not in (None, "bdc", rec["office"]):
                continue
            linked = {x["holder"] for x in rec.get("credentials") or []}
            for did in rec["owners"]:
                if did not in linked and not did.startswith("did:wuyi:org:"):
                    out.append(
                        {
                            "certificate": rec["id"],
                            "holder": did,
                            "unit": rec["unit"],
                            "office": rec["office"],
                        }
                    )
        return out

    def issue_pending(
        self, key: PrivateKey, *, wallets: Iterable[Wallet] = ()
    ) -> list[dict[str, Any]]:
        """Issue every pending certificate ``key``'s organisation may issue (idempotent: a
        second run finds nothing pending). A credential whose holder's wallet is in
        ``wallets`` goes into it. Returns ``[{certificate, holder, credential}]``."""
        org = self._org_of(key)
        by_did = {w.did: w for w in wallets}
        done = []
        for p in self.pending_certificates(org):
            text = self.issue_certificate(
                key, p["certificate"], holder=p["holder"], org=org, wallet=by_did.get(p["holder"])
            )
            done.append(
                {"certificate": p["certificate"], "holder": p["holder"], "credential": text}
            )
        return done


def _issue_and_link(
    scenario: _Scenario,
    key: PrivateKey,
    org: str | None,
    type_: str,
    holder: str,
    claims: dict[str, Any],
    cert_id: str,
    wallet: Wallet | None,
    valid_days: int | None,
    *,
    link_holder: bool,
) -> str:
    from wuyi.vc import sdjwt

    org = org or scenario._org_of(key)
    text = Identity(scenario.client).issue(
        key, org=org, type=type_, holder_did=holder, claims=claims, valid_days=valid_days
    )
    idx = sdjwt.parse(text).payload["status"]["status_list"]["idx"]
    if link_holder:
        scenario.call(key, "link_credential", cert_id=cert_id, idx=idx, holder=holder)
    else:
        scenario.call(key, "link_credential", certificate=cert_id, idx=idx)
    if wallet is not None:
        wallet.add(text)
    return text


class Housing(_Scenario):
    """住房网签: developers (role ``developer``), buyers (their wallets), the bureau (``zjj``,
    role ``filing``) and banks (``banker``)."""

    default_name = "housing"

    def consent_listing(self, key: PrivateKey, unit_id: str) -> None:
        """A bank holding a mortgage on the unit consents to its sale."""
        self.call(key, "consent_listing", unit_id=unit_id)

    def list_unit(self, key: PrivateKey, unit_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self.call(key, "list_unit", unit_id=unit_id)
        return out

    def draft(
        self,
        key: PrivateKey,
        unit_id: str,
        buyers: Sequence[str],
        price: int,
        shares: Sequence[int] | None = None,
    ) -> str:
        """Draft a contract (price in fen; buyers' DIDs; shares in basis points). Returns the
        contract id."""
        args: dict[str, Any] = {"unit_id": unit_id, "buyers": list(buyers), "price": price}
        if shares is not None:
            args["shares"] = list(shares)
        return str(self.call(key, "draft", **args))

    def eligibility_request(
        self, contract_id: str, did: str, *, social_security: bool = False
    ) -> dict[str, Any]:
        """``{audience, verifier, nonce, types, claims, purpose}`` the first buyer presents."""
        out: dict[str, Any] = self._get(
            f"/v1/housing/contracts/{_seg(contract_id)}/eligibility-request",
            did=did,
            social_security=str(social_security).lower(),
        )
        return out

    def check_eligibility(
        self,
        wallet: Wallet,
        contract_id: str,
        *,
        social_security: bool | None = None,
        consent: str | None = None,
        minutes: int = 10,
    ) -> dict[str, Any]:
        """购房资格: the first buyer's wallet presents the family's credentials for the request
        the contract makes (consenting to the bureau for ``minutes`` unless ``consent`` names
        one), and the contract checks them in the block. ``social_security`` defaults to "the
        wallet's HouseholdCredential says non-local". Returns the recorded result."""
        if social_security is None:
            household = [c for c in wallet.credentials if c.type == "HouseholdCredential"]
            social_security = not household or household[-1].claims.get("local_hukou") is not True
        req = self.eligibility_request(contract_id, wallet.did, social_security=social_security)
        consent_id = self._consent(wallet, req, consent, minutes)
        text = wallet.present(
            req["types"],
            req["claims"],
            verifier=req["audience"],
            nonce=req["nonce"],
            consent=consent_id,
        )
        out: dict[str, Any] = self.call(
            wallet,
            "check_eligibility",
            contract_id=contract_id,
            presentation_text=text,
            with_social_security=social_security,
        )
        return out

    def sign(self, signer: Signer, contract_id: str) -> str:
        """A buyer (their wallet) or the seller (a developer member) signs. Returns the
        status (``signed`` once every party has)."""
        return str(self.call(signer, "sign", contract_id=contract_id))

    def file(self, key: PrivateKey, contract_id: str) -> dict[str, Any]:
        """网签备案 by the bureau (one active filing per unit)."""
        out: dict[str, Any] = self.call(key, "file", contract_id=contract_id)
        return out

    def register_loan(self, key: PrivateKey, contract_id: str, amount: int) -> dict[str, Any]:
        """A bank's loan on a filed contract, within ``max_ltv_pct`` of the filed price."""
        out: dict[str, Any] = self.call(
            key, "register_loan", contract_id=contract_id, amount=amount
        )
        return out

    def declare_tax(
        self, signer: Signer, contract_id: str, price: int, proof: bytes
    ) -> dict[str, Any]:
        """A buyer declares the tax at the filed price with the hash of the tax-paid proof."""
        out: dict[str, Any] = self.call(
            signer, "declare_tax", contract_id=contract_id, price=price, proof=proof
        )
        return out

    def approve_cancel(self, signer: Signer, contract_id: str) -> str:
        """Each buyer, the seller and the bureau approve; the last one cancels."""
        return str(self.call(signer, "approve_cancel", contract_id=contract_id))

    # -- reads ---------------------------------------------------------------------------------

    def contract(self, contract_id: str) -> dict[str, Any]:
        """The contract with its full trace."""
        out: dict[str, Any] = self._get(f"/v1/housing/contracts/{_seg(contract_id)}")
        return out

    def contracts(
        self, *, status: str | None = None, unit: str | None = None
    ) -> list[dict[str, Any]]:
        """Contracts, newest first."""
        return self._pages("/v1/housing/contracts", status=status, unit=unit)

    def dashboard(self) -> dict[str, Any]:
        out: dict[str, Any] = self._get("/v1/housing/dashboard")
        return out


class Settlement(_Scenario):
    """人才引进落户: applicants (their wallets), 人社局 (parameters), 公安局's issuer system
    (the 人才准予迁入 credentials)."""

    default_name = "settlement"

    def request(self, route: str, did: str, items: Sequence[str] = ()) -> dict[str, Any]:
        """``{audience, verifier, nonce, types, claims, purpose}`` for ``route`` (``graduate``
        or ``points``, with the optional ``items`` ``home``, ``awards``)."""
        out: dict[str, Any] = self._get(
            "/v1/settlement/request", route=route, did=did, items=",".join(items) or None
        )
        return out

    def _apply(
        self,
        wallet: Wallet,
        route: str,
        items: Sequence[str],
        consent: str | None,
        minutes: int,
    ) -> dict[str, Any]:
        req = self.request(route, wallet.did, items)
        consent_id = self._consent(wallet, req, consent, minutes)
        text = wallet.present(
            req["types"],
            req["claims"],
            verifier=req["audience"],
            nonce=req["nonce"],
            consent=consent_id,
        )
        args: dict[str, Any] = {"text": text}
        if route == "points":
            args["items"] = list(items)
        out: dict[str, Any] = self.call(wallet, req["method"], **args)
        return out

    def apply_graduate(
        self, wallet: Wallet, *, consent: str | None = None, minutes: int = 10
    ) -> dict[str, Any]:
        """高校毕业生落户 from the wallet's credentials. Returns the decision: ``approved`` with
        the certificate id, or ``refused`` with ``failed: [{rule, message}]``."""
        return self._apply(wallet, "graduate", (), consent, minutes)

    def apply_points(
        self,
        wallet: Wallet,
        items: Sequence[str] = (),
        *,
        consent: str | None = None,
        minutes: int = 10,
    ) -> dict[str, Any]:
        """积分落户: returns the decision with ``points`` per item, ``total`` and
        ``threshold``."""
        return self._apply(wallet, "points", items, consent, minutes)

    def link_credential(self, key: PrivateKey, cert_id: str, idx: int) -> dict[str, Any]:
        out: dict[str, Any] = self.call(key, "link_credential", certificate=cert_id, idx=idx)
        return out

    def status(self, did: str) -> dict[str, Any]:
        """An applicant's applications (newest last) and certificate."""
        out: dict[str, Any] = self._get(f"/v1/settlement/status/{_seg(did)}")
        return out

    def application(self, app_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/settlement/applications/{_seg(app_id)}")
        return out

    def certificate(self, cert_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self._get(f"/v1/settlement/certificates/{_seg(cert_id)}")
        return out

    def issue_certificate(
        self,
        key: PrivateKey,
        cert_id: str,
        *,
        org: str | None = None,
        wallet: Wallet | None = None,
        valid_days: int | None = None,
    ) -> str:
        """Issue the 人才准予迁入 credential of certificate ``cert_id`` to its holder as a
        ``TalentSettlementCertificate`` SD-JWT (claims ``certificate, kind, route``), signed by
        ``key`` (role ``issuer`` of 公安局), register and link it, add it to ``wallet`` if
        given, and return it."""
        rec = self.certificate(cert_id)
        claims = {"certificate": cert_id, "kind": rec["kind"], "route": rec["route"]}
        return _issue_and_link(
            self,
            key,
            org,
            SETTLEMENT_CERTIFICATE,
            rec["holder"],
            claims,
            cert_id,
            wallet,
            valid_days,
            link_holder=False,
        )

    def pending_certificates(self) -> list[dict[str, Any]]:
        """Certificates with no linked credential yet: ``[{certificate, holder, route}]``."""
        return [
            {"certificate": rec["id"], "holder": rec["holder"], "route": rec["route"]}
            for _, rec in self._state("cert/")
            if rec.get("credential") is None
        ]

    def issue_pending(
        self, key: PrivateKey, *, wallets: Iterable[Wallet] = ()
    ) -> list[dict[str, Any]]:
        """Issue every pending certificate (idempotent). Returns ``[{certificate, holder,
        credential}]``."""
        by_did = {w.did: w for w in wallets}
        done = []
        for p in self.pending_certificates():
            text = self.issue_certificate(key, p["certificate"], wallet=by_did.get(p["holder"]))
            done.append(
                {"certificate": p["certificate"], "holder": p["holder"], "credential": text}
            )
        return done
