"""What every scenario's SDK client shares (:class:`ScenarioClient`), the e-certificates of
any scenario (:func:`certificate`, :func:`check_certificate`), and :func:`scenario`: the
client of a registered scenario (each folder's ``sdk.py``, e.g. ``scenario(client, name)``,
also ``WuyiClient.scenario(name)``).

Writes are ``contract.call`` transactions signed by the key given (a member with the role the
step needs, or a citizen's DID key: pass their :class:`~wuyi.sdk.wallet.Wallet`); each waits
for its block and returns the contract's return value, or raises the platform's error
(:class:`~wuyi.exceptions.ContractRevert` for a refused rule, ``Unauthorized`` for a missing
role) whose message carries the contract's refusal text, e.g. ``seizure rule (查封): …``. A
step whose arguments go to the contract as they are is written as its signature and docstring
under :func:`contract_step`.
Reads go through the scenario API (``docs/scenarios/api.md``)::

    reg = client.scenario(name)                     # e.g. the real-estate registry
    cert = reg.first_registration(registrar_key, "440703-001-0001", [(did, 10000)])
    text = reg.issue_certificate(issuer_key, cert, wallet=owner_wallet)   # 不动产权证书
    check_certificate(client, text)["valid"]                                 # True
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast
from urllib.parse import quote

from wuyi.abc import PrivateKey
from wuyi.crypto import address_of, format_address
from wuyi.exceptions import ValidationError
from wuyi.scenarios import CertificateKind, Scenario, get, load
from wuyi.sdk.client import WuyiClient, event_attr, make_sidecar, raise_receipt
from wuyi.sdk.identity import Identity
from wuyi.sdk.wallet import Wallet

__all__ = [
    "ScenarioClient",
    "Signer",
    "certificate",
    "check_certificate",
    "contract_step",
    "grant_consent",
    "scenario",
    "seg",
    "signer_key",
]

Signer = PrivateKey | Wallet
#: the purpose a citizen's wallet states when the SDK reads the citizen's own records
OWN_PURPOSE = "本人办理 / the citizen's own application"
#: consents the helpers grant start this long before now (tolerates a node clock behind ours)
CONSENT_SLACK_MS = 60_000


def grant_consent(
    identity: Identity,
    wallet: Wallet,
    req: dict[str, Any],
    minutes: int,
    assurance: str | None = None,
) -> str:
    """The holder's consent to ``req`` (``verifier``, ``types``, ``claims``, ``purpose``) for
    ``minutes`` from a minute ago, with an identity provider's ``assurance`` attestation if
    given. Returns its id."""
    start = int(time.time() * 1000) - CONSENT_SLACK_MS
    what = {k: req[k] for k in ("verifier", "types", "claims", "purpose")}
    return identity.grant_consent(
        wallet.key, minutes=minutes, not_before_ms=start, assurance=assurance, **what
    )


Step = TypeVar("Step", bound=Callable[..., dict[str, Any]])


def contract_step(method: Step) -> Step:
    """A :class:`ScenarioClient` method that is one step of its contract, whole in its
    signature and docstring (its body is ``...``): calling it calls the contract method of the
    same name (:meth:`ScenarioClient.call`), signed by its first argument (a key or a wallet),
    with every other argument by its name, defaults included; it returns the record the
    contract returns. A step that computes or checks its arguments is written out instead."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def step(self: ScenarioClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        _, signer, *named = bound.arguments.items()
        return self._step(signer[1], method.__name__, **dict(named))

    return cast(Step, step)


def scenario(client: WuyiClient, name: str, **kwargs: Any) -> Any:
    """The SDK client of registered scenario ``name`` (its ``sdk.py``'s ``CLIENT``)."""
    return get(name).module("sdk").CLIENT(client, **kwargs)


def signer_key(signer: Signer) -> PrivateKey:
    return signer.key if isinstance(signer, Wallet) else signer


def seg(text: str) -> str:
    """``text`` as one URL path segment."""
    return quote(text, safe="")


def certificate(
    client: WuyiClient, cert_id: str, *, key: PrivateKey | None = None, purpose: str = ""
) -> dict[str, Any]:
    """``GET /v1/certs/{id}``: an e-certificate of any kind with its status and linked
    credentials' on-chain status; its holders and record only to a signed read (``key``: a
    holder's DID key, a member of the issuing organisation, an auditor; or as the client reads,
    ``WuyiClient.read_as``), else ``record`` is ``{"withheld": ...}``."""
    path = f"/v1/certs/{seg(cert_id)}"
    if key is not None:
        out: dict[str, Any] = client.signed_get(key, path, purpose or "证照核对 / certificate")
        return out
    out = client._get(path)
    return out


def check_certificate(client: WuyiClient, credential: str) -> dict[str, Any]:
    """``POST /v1/certs/verify``: the public check of an e-certificate credential —
    ``{valid, checks: [{name, ok, detail}], type, issuer, certificate, disclosed}``."""
    resp = client._request("POST", "/v1/certs/verify", json={"credential": credential})
    out: dict[str, Any] = resp.json()
    return out


class ScenarioClient:
    """One scenario contract over ``client`` (deployed as ``contract``, by default
    :attr:`default_name`). Subclasses add one method per step of the scenario's flows."""

    default_name = ""

    def __init__(
        self, client: WuyiClient, *, contract: str | None = None, timeout: float = 30.0
    ) -> None:
        self.client = client
        self.name = contract or self.default_name
        self.timeout = timeout

    def call(
        self, signer: Signer, method: str, *, sidecars: Sequence[bytes] = (), **args: Any
    ) -> Any:
        """Submit ``contract.call`` of ``method`` signed by ``signer`` (with the private
        ``sidecars`` its arguments reference), wait for its block; the method's return value
        (bytes as hex), or the refusal raised."""
        return self._submit_call(signer, method, args, sidecars)

    def _submit_call(
        self, signer: Signer, method: str, args: dict[str, Any], sidecars: Sequence[bytes] = ()
    ) -> Any:
        tx = self.client.builder(signer_key(signer)).contract_call(self.name, method, args)
        res = self.client.submit_and_wait(tx, timeout=self.timeout, sidecars=sidecars)
        if res.receipt.status != "ok":
            raise_receipt(res.receipt)
        return event_attr(res.receipt, "contract.returned", "value")

    def _step(
        self, signer: Signer, method: str, /, *, sidecars: Sequence[bytes] = (), **args: Any
    ) -> dict[str, Any]:
        """:meth:`call` of a step whose contract method returns a record (a dict); its
        arguments may include one named ``method``."""
        out: dict[str, Any] = self._submit_call(signer, method, args, sidecars)
        return out

    def _get_record(
        self, path: str, *, key: PrivateKey | None = None, purpose: str = "", **params: Any
    ) -> dict[str, Any]:
        """:meth:`_get` of a route answering one JSON object (a record)."""
        out: dict[str, Any] = self._get(path, key=key, purpose=purpose, **params)
        return out

    def _get(
        self, path: str, *, key: PrivateKey | None = None, purpose: str = "", **params: Any
    ) -> Any:
        """A read of the scenario API: signed by ``key`` with ``purpose`` when given (a
        citizen's DID key reading their own record), else as the client reads
        (``WuyiClient.read_as``: personal records need a signed read, ``docs/api.md``)."""
        if key is not None:
            clean = {k: v for k, v in params.items() if v is not None}
            return self.client.signed_get(key, path, purpose or OWN_PURPOSE, **clean)
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

    def present(
        self, wallet: Wallet, req: dict[str, Any], consent: str | None, minutes: int
    ) -> tuple[str, bytes]:
        """The wallet's presentation for a contract's request ``req`` (``audience``,
        ``verifier``, ``nonce``, ``types``, ``claims``, ``purpose``: a scenario API's
        presentation request), under ``consent`` or a new consent to the verifier for
        ``minutes``, as a private side-car: ``(reference, bytes)`` — pass the reference where
        the contract expects the presentation and the bytes as ``call(..., sidecars=[...])``;
        the disclosures never enter the block."""
        if consent is None:
            consent = grant_consent(Identity(self.client), wallet, req, minutes)
        text = wallet.present(
            req["types"],
            req["claims"],
            verifier=req["audience"],
            nonce=req["nonce"],
            consent=consent,
            consents=Identity(self.client),
        )
        return make_sidecar(self.client.suite, text)

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
            f"/v1/scenarios/{self.name}/params/{seg(name)}/history"
        )["items"]
        return out

    # -- e-certificates ------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The scenario this client belongs to (the package of its ``sdk.py``)."""
        return load(type(self).__module__.rpartition(".")[0])

    @property
    def certificate_kind(self) -> CertificateKind:
        kind = self.scenario.certificate
        if kind is None:
            raise ValidationError(f"'{self.name}' records no e-certificate", field="contract")
        return kind

    def link_credential(
        self, key: PrivateKey, cert_id: str, idx: int, holder: str | None = None
    ) -> dict[str, Any]:
        """Link the credential ``<org>/<idx>`` (issued to ``holder``) to certificate
        ``cert_id`` (the contract's ``link_credential``)."""
        out: dict[str, Any] = self.call(
            key, "link_credential", cert_id=cert_id, idx=idx, holder=holder
        )
        return out

    def may_issue(self, rec: dict[str, Any], org: str | None) -> bool:
        """Whether issuers of ``org`` (None: anyone) issue certificate ``rec``'s credentials."""
        return True

    def pending_facts(self, rec: dict[str, Any]) -> dict[str, Any]:
        """What :meth:`pending_certificates` shows of a certificate besides its id and holder."""
        return {}

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
        """Issue certificate ``cert_id``'s credential to ``holder`` (default: ``wallet``'s DID,
        or the only holder) as an SD-JWT of the scenario's certificate type carrying exactly
        the claims its :class:`CertificateKind` names (no name, no ID number), signed by
        ``key`` (role ``issuer`` of ``org``), register its commitment (``vc.issue``), link it
        to the certificate, add it to ``wallet`` if given, and return it."""
        from wuyi.vc import sdjwt

        kind = self.certificate_kind
        # the issuer (a member of the issuing organisation) reads the record it certifies
        rec = certificate(self.client, cert_id, key=key, purpose="签发证照 / issuing")["record"]
        holders = kind.holders(rec)
        if holder is None:
            if wallet is not None:
                holder = wallet.did
            elif len(holders) == 1:
                holder = holders[0]
            else:
                raise ValidationError(
                    f"certificate {cert_id} has several holders; name the holder", field="holder"
                )
        claims = kind.claims(rec, holder)
        if isinstance(claims, str):
            raise ValidationError(claims, field="holder")
        org = org or self._org_of(key)
        text = Identity(self.client).issue(
            key, org=org, type=kind.type, holder_did=holder, claims=claims, valid_days=valid_days
        )
        idx = sdjwt.parse(text).payload["status"]["status_list"]["idx"]
        self.link_credential(key, cert_id, idx, holder)
        if wallet is not None:
            wallet.add(text)
        return text

    def pending_certificates(self, org: str | None = None) -> list[dict[str, Any]]:
        """Active certificates with a holder (a citizen DID) whose credential is not linked
        yet: ``[{certificate, holder, ...}]``; with ``org``, those its issuers may issue. It
        reads the contract's raw state: a member's signed read if the contract's state is
        personal (``WuyiClient.reading_as``)."""
        kind = self.certificate_kind
        out = []
        for _, rec in self._state("cert/"):
            if rec.get("status", "active") != "active" or not self.may_issue(rec, org):
                continue
            linked = {x["holder"] for x in kind.links(rec)}
            for did in kind.holders(rec):
                if did not in linked and not did.startswith("did:wuyi:org:"):
                    out.append({"certificate": rec["id"], "holder": did, **self.pending_facts(rec)})
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
        # the issuer's signed read: a personal contract's raw state (Scenario.personal_state)
        with self.client.reading_as(key, "签发证照 / issuing"):
            pending = self.pending_certificates(org)
        for p in pending:
            text = self.issue_certificate(
                key, p["certificate"], holder=p["holder"], org=org, wallet=by_did.get(p["holder"])
            )
            done.append(
                {"certificate": p["certificate"], "holder": p["holder"], "credential": text}
            )
        return done
