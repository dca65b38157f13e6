"""The e-certificates of the scenarios (each registered scenario's :class:`CertificateKind`:
the record its contract writes under ``cert/<id>`` and the credential type an issuer system
issues for it) and their public check:

* ``GET /v1/certs/{cert_id}`` — a certificate of any kind: its record, status (``active``, or
  ``superseded`` once the contract replaced it) and each linked credential with its issuer
  organisation, status index and on-chain status;
* ``POST /v1/certs/verify`` ``{credential}`` — the SD-JWT credential (as issued, or presented
  with every disclosure; a key-binding JWT is set aside) checked against the chain
  (:func:`verify_certificate`): ``{valid, checks: [{name, ok, detail}], type, issuer,
  certificate, disclosed}``. A forged, tampered or unknown credential is ``valid: false`` with
  the failed check named, never an error.

The issuing department's system issues the credential with ``Identity.issue`` and links it to
the certificate record (``link_credential``): each scenario's SDK (``issue_certificate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.reads import SIGNED_READ_RESPONSES, any_citizen, member_of, reads_of
from wuyi.api.scenarios import ScenarioReader
from wuyi.api.wire import hexify
from wuyi.exceptions import NotFound, PresentationRefused, WuyiError
from wuyi.ledger.handlers import credentials as cred
from wuyi.node.node import Node
from wuyi.scenarios import CertificateKind, Scenario, all_scenarios

__all__ = [
    "add_certificate_routes",
    "certificate_kinds",
    "find_certificate",
    "render_certificate",
    "verify_certificate",
]

MAX_CREDENTIAL_CHARS = 32_768
Kinds = dict[str, tuple[str, CertificateKind]]
"""credential type -> (the contract recording the certificate, its kind)"""


def certificate_kinds(scenarios: Sequence[Scenario] | None = None) -> Kinds:
    """The e-certificate kinds of ``scenarios`` (default: the registry's)."""
    scenarios = all_scenarios() if scenarios is None else scenarios
    return {
        s.certificate.type: (s.contract, s.certificate)
        for s in scenarios
        if s.certificate is not None and s.contract is not None
    }


# -- bodies --------------------------------------------------------------------------------------


class CertificateOut(BaseModel):
    id: str
    contract: str
    type: str = Field(description="the credential type of this e-certificate")
    title: str
    status: str = Field(description="active, or superseded (不动产权证书 after a transfer)")
    holders: list[str]
    record: dict[str, Any]
    credentials: list[dict[str, Any]] = Field(
        description="linked credentials: holder, issuer org, index, on-chain status"
    )
    height: int


class CertVerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credential: str = Field(
        min_length=1,
        max_length=MAX_CREDENTIAL_CHARS,
        description="the SD-JWT credential, as issued or presented with every disclosure",
    )


class CertCheck(BaseModel):
    name: str
    ok: bool
    detail: str


class CertVerifyOut(BaseModel):
    valid: bool
    checks: list[CertCheck]
    type: str
    issuer: str
    certificate: dict[str, Any] | None
    disclosed: dict[str, Any]
    height: int


# -- reading certificates ------------------------------------------------------------------------


def find_certificate(
    reader: ScenarioReader, cert_id: str, kinds: Kinds
) -> tuple[str, CertificateKind, dict[str, Any]]:
    """``(contract, kind, record)`` of an e-certificate of any kind."""
    contracts = [c for c, _ in kinds.values()]
    if contracts and not any(reader.deployed(c) for c in contracts):
        reader.require(contracts[0])
    for contract, kind in kinds.values():
        if reader.deployed(contract):
            rec = reader.get(contract, "cert/" + cert_id)
            if rec is not None:
                return contract, kind, rec
    titles = " or ".join(k.title for _, k in kinds.values())
    raise NotFound(f"no certificate '{cert_id}' ({titles})", field="cert_id")


def _status(reader: ScenarioReader, org: Any, idx: Any) -> dict[str, Any] | None:
    """The status record ``<org>/<idx>`` (None if there is none or the reference is bad)."""
    if not (isinstance(org, str) and type(idx) is int and 0 <= idx < 2**63):
        return None
    return cred.get_credential_status(reader.v, org, idx)


def render_certificate(
    reader: ScenarioReader, contract: str, kind: CertificateKind, rec: dict[str, Any]
) -> dict[str, Any]:
    """The public view of a certificate: its record, status and linked credentials with
    their on-chain status."""
    creds = []
    for link in kind.links(rec):
        st = _status(reader, link.get("org"), link.get("idx"))
        creds.append(
            {
                **link,
                "status": "unknown" if st is None else st["status"],
                "type": None if st is None else st["type"],
                "issued_height": None if st is None else st["issued_height"],
                "expires": None if st is None else st["expires"],
            }
        )
    return {
        "id": rec["id"],
        "contract": contract,
        "type": kind.type,
        "title": kind.title,
        "status": rec.get("status", "active"),
        "holders": kind.holders(rec),
        "record": hexify(rec),
        "credentials": hexify(creds),
        "height": reader.height,
    }


# -- the public check of an e-certificate credential ---------------------------------------------


class _Checks:
    """The checks of one verification, in order: ``{name, ok, detail}``."""

    def __init__(self, reader: ScenarioReader) -> None:
        self.list: list[dict[str, Any]] = []
        self.out: dict[str, Any] = {
            "valid": False,
            "checks": self.list,
            "type": "",
            "issuer": "",
            "certificate": None,
            "disclosed": {},
            "height": reader.height,
        }

    def __call__(self, name: str, ok: bool, detail: str) -> bool:
        self.list.append({"name": name, "ok": ok, "detail": detail})
        return ok


def _claims_match(
    kind: CertificateKind, rec: dict[str, Any], holder: str, got: dict[str, Any]
) -> str:
    """What in the disclosed claims differs from the certificate record ("" if nothing)."""
    want = kind.claims(rec, holder)
    if isinstance(want, str):
        return want
    for name, value in want.items():
        if name not in got:
            return f"claim '{name}' is not disclosed (present the credential with every claim)"
        if got[name] != value:
            return f"claim '{name}' differs from the certificate record"
    return ""


def _check_format(check: _Checks, text: str) -> tuple[Any, str, int, str] | None:
    """1. an SD-JWT with a Wuyi status entry (a KB-JWT, if any, is set aside):
    ``(parsed, org, idx, holder)``."""
    from wuyi.vc import sdjwt

    try:
        parsed = sdjwt.parse(text.strip())
    except WuyiError as exc:
        check("format", False, f"not an SD-JWT credential: {exc.message}")
        return None
    payload = parsed.payload
    vct, iss, holder = payload.get("vct"), payload.get("iss"), payload.get("sub")
    status = payload.get("status")
    sl = status.get("status_list") if isinstance(status, dict) else None
    org = str(iss).removeprefix("did:wuyi:org:") if isinstance(iss, str) else ""
    idx = sl.get("idx") if isinstance(sl, dict) else None
    uri = sl.get("uri") if isinstance(sl, dict) else None
    if not (
        isinstance(vct, str)
        and isinstance(iss, str)
        and iss.startswith("did:wuyi:org:")
        and isinstance(holder, str)
        and type(idx) is int
        and 0 <= idx < 2**63
        and uri == f"wuyi:vc/status/{org}"
    ):
        check("format", False, "not a Wuyi credential (vct, iss, sub or status entry missing)")
        return None
    check.out["type"], check.out["issuer"] = vct, org
    kb = " (the key-binding JWT is set aside: a public check)" if parsed.kb_jwt else ""
    check("format", True, f"SD-JWT credential {vct} of {org}/{idx} for {holder}{kb}")
    return parsed, org, idx, holder


def _check_issued(check: _Checks, reader: ScenarioReader, parsed: Any) -> Any:
    """2. issuer signature, disclosures, validity: the verified credential (None if not)."""
    from wuyi.vc import sdjwt

    v, suite = reader.v, reader.node.suite
    iss = parsed.payload["iss"]

    def issuer_jwk(i: str, kid: str | None) -> dict[str, Any]:
        return cred.lookup_org_jwk(v, suite.name, i, kid or "", roles=("issuer",))

    now_s = v.get_header(reader.height).time // 1000
    try:
        verified = sdjwt.verify_issued(parsed.sd_jwt, issuer_jwk=issuer_jwk, now_s=now_s)
    except PresentationRefused as exc:
        reason = str(exc.detail.get("reason", "malformed"))
        name = {"bad_disclosure": "disclosures", "expired": "validity"}.get(
            reason, "issuer_signature"
        )
        check(name, False, exc.message)
        return None
    check("issuer_signature", True, f"signed by a key of {iss} with the issuer role on chain")
    check("disclosures", True, f"{len(parsed.disclosures)} disclosure(s) match the signed digests")
    return verified


def _check_type(check: _Checks, reader: ScenarioReader, vct: str, org: str, kinds: Kinds) -> bool:
    """3. an e-certificate type whose issuers include this organisation."""
    found = kinds.get(vct)
    if not check(
        "type",
        found is not None,
        f"{vct} is an e-certificate recorded by '{found[0]}'"
        if found
        else f"{vct} is not an e-certificate type ({', '.join(kinds)})",
    ):
        return False
    vc_type = cred.get_credential_type(reader.v, vct)
    issuers = [] if vc_type is None else list(vc_type["issuers"])
    check(
        "issuer_authorised",
        org in issuers,
        f"'{org}' is among the issuers of {vct} ({', '.join(issuers)})"
        if org in issuers
        else f"'{org}' may not issue {vct} (issuers: {', '.join(issuers) or 'none; vc.set_type'})",
    )
    return True


def _check_status(
    check: _Checks, reader: ScenarioReader, org: str, idx: int, vct: str, jwt: str
) -> None:
    """4. status entry and commitment."""
    st = _status(reader, org, idx)
    if st is None:
        check("status", False, f"no credential {org}/{idx} on chain")
        check("commitment", False, f"no credential {org}/{idx} on chain")
        return
    now_s = reader.v.get_header(reader.height).time // 1000
    expired = bool(st["expires"]) and now_s >= st["expires"]
    ok = st["status"] == "valid" and not expired
    check(
        "status",
        ok,
        f"credential {org}/{idx} is "
        + ("expired" if st["status"] == "valid" and expired else st["status"]),
    )
    same = st["commitment"] == reader.node.suite.hash(jwt.encode("ascii")) and st["type"] == vct
    check(
        "commitment",
        same,
        f"the issuer-signed JWT is the one registered as {org}/{idx}"
        if same
        else f"the credential differs from the one registered as {org}/{idx}",
    )


def _check_record(
    check: _Checks,
    reader: ScenarioReader,
    found: tuple[str, CertificateKind],
    subject: dict[str, Any],
    holder: str,
    ref: tuple[str, int],
) -> None:
    """5. the contract's certificate record: active, same claims, linking this credential."""
    contract, kind = found
    cert_id = subject.get("certificate")
    rec = None
    if reader.deployed(contract) and isinstance(cert_id, str):
        rec = reader.get(contract, "cert/" + cert_id)
    if rec is None:
        check(
            "certificate",
            False,
            f"no certificate '{cert_id}' in '{contract}'"
            if isinstance(cert_id, str)
            else "the credential discloses no certificate id",
        )
        return
    check.out["certificate"] = render_certificate(reader, contract, kind, rec)
    state_ = rec.get("status", "active")
    differs = _claims_match(kind, rec, holder, subject)
    if state_ != "active":
        nxt = rec.get("superseded_by")
        check(
            "certificate",
            False,
            f"certificate {cert_id} is {state_}" + (f" by {nxt}" if nxt else ""),
        )
    else:
        check("certificate", not differs, differs or f"certificate {cert_id} is active on chain")
    org, idx = ref
    linked = any(
        x["holder"] == holder and (x["org"], x["idx"]) == (org, idx) for x in kind.links(rec)
    )
    check(
        "linked",
        linked,
        f"certificate {cert_id} links credential {org}/{idx}"
        if linked
        else f"certificate {cert_id} does not link credential {org}/{idx}",
    )


def verify_certificate(
    reader: ScenarioReader, text: str, kinds: Kinds | None = None
) -> dict[str, Any]:
    """The public check of an e-certificate credential ``text`` against the chain: issuer
    signature with the issuer organisation's keys on chain, disclosures and validity, type an
    e-certificate and its issuer authorised for it, status entry valid, commitment on chain,
    the contract's certificate record active with the same claims, and the record linking this
    credential. Each check by name; ``valid`` only if every one passed."""
    kinds = certificate_kinds() if kinds is None else kinds
    check = _Checks(reader)
    out = check.out
    got = _check_format(check, text)
    if got is None:
        return out
    parsed, org, idx, holder = got
    verified = _check_issued(check, reader, parsed)
    if verified is None:
        return out
    subject = verified.claims.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    names = [n.removeprefix("credentialSubject.") for n in verified.disclosed]
    out["disclosed"] = hexify({"holder": holder, **{n: subject.get(n) for n in names}})
    vct = parsed.payload["vct"]
    if not _check_type(check, reader, vct, org, kinds):
        return out
    _check_status(check, reader, org, idx, vct, verified.jwt)
    _check_record(check, reader, kinds[vct], subject, holder, (org, idx))
    out["valid"] = all(c["ok"] for c in check.list)
    return out


# -- the routes ----------------------------------------------------------------------------------


def add_certificate_routes(
    r: APIRouter, node: Node, scenarios: Sequence[Scenario] | None = None
) -> None:
    """``/certs/{cert_id}`` and ``/certs/verify`` for the e-certificates of ``scenarios``
    (default: the registry's)."""
    kinds = certificate_kinds(scenarios)
    titles = ", ".join(k.title for _, k in kinds.values())

    @r.get(
        "/certs/{cert_id}",
        response_model=CertificateOut,
        responses=SIGNED_READ_RESPONSES,
        tags=["scenarios"],
        summary=f"电子证照 / an e-certificate ({titles}) and its credentials",
    )
    def certificate(
        request: Request,
        cert_id: str = Path(min_length=1, max_length=128, description="certificate id"),
    ) -> Any:
        """Public: the certificate's kind, status and its credentials' on-chain status — its
        validity, what the law makes public. Its holders and record (who owns what) only to a
        signed read of a holder, a member of an issuing organisation, or an auditor."""
        with node.store.snapshot() as v:
            s = ScenarioReader(node, v)
            contract, kind, rec = find_certificate(s, cert_id, kinds)
            out = render_certificate(s, contract, kind, rec)
        holders = [str(h) for h in out["holders"]]
        orgs = {str(c.get("org", "")) for c in out["credentials"]} | set(kind.issuers(rec))
        reader = reads_of(request).optional(
            request,
            what=f"certificate {cert_id}",
            record=f"cert/{cert_id}",
            subject=",".join(holders),
            allow=[any_citizen(holders), member_of(*sorted(orgs - {""}))],
        )
        if reader is None:  # the public answer: validity only
            out["holders"] = []
            out["record"] = {"withheld": "personal record: sign the request (docs/api.md)"}
            out["credentials"] = [
                {k: c.get(k) for k in ("org", "idx", "status", "type", "issued_height", "expires")}
                for c in out["credentials"]
            ]
        return out

    @r.post(
        "/certs/verify",
        response_model=CertVerifyOut,
        tags=["scenarios"],
        summary="电子证照核验 / check an e-certificate credential against the chain",
    )
    def certificate_verify(body: CertVerifyIn) -> Any:
        with node.store.snapshot() as v:
            return verify_certificate(ScenarioReader(node, v), body.credential, kinds)
