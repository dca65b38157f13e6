"""The e-certificates of the scenarios (不动产权证书 of ``realestate``, 人才准予迁入 of
``settlement``) and their public check:

* ``GET /v1/certs/{cert_id}`` — either kind of certificate: its record, status (``active``, or
  ``superseded`` once a transfer replaced a 不动产权证书) and each linked credential with its
  issuer organisation, status index and on-chain status;
* ``POST /v1/certs/verify`` ``{credential}`` — the SD-JWT credential (as issued, or presented
  with every disclosure; a key-binding JWT is set aside) checked against the chain
  (:func:`verify_certificate`): ``{valid, checks: [{name, ok, detail}], type, issuer,
  certificate, disclosed}``. A forged, tampered or unknown credential is ``valid: false`` with
  the failed check named, never an error.

The issuing department's system issues the credential with ``Identity.issue`` and links it to
the certificate record (``link_credential``): ``wuyi.sdk.scenarios``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from wuyi.api.scenarios import REALESTATE, SETTLEMENT, ScenarioReader
from wuyi.api.wire import hexify
from wuyi.exceptions import NotFound, PresentationRefused, WuyiError
from wuyi.ledger.handlers import credentials as cred
from wuyi.node.node import Node

__all__ = [
    "CERTIFICATE_TYPES",
    "add_certificate_routes",
    "find_certificate",
    "render_certificate",
    "verify_certificate",
]

#: credential type of each e-certificate -> the contract that records the certificate
CERTIFICATE_TYPES = {
    "RealEstateCertificate": REALESTATE,
    "TalentSettlementCertificate": SETTLEMENT,
}
TITLES = {REALESTATE: "不动产权证书", SETTLEMENT: "人才准予迁入"}
MAX_CREDENTIAL_CHARS = 32_768


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


def find_certificate(reader: ScenarioReader, cert_id: str) -> tuple[str, dict[str, Any]]:
    """``(contract, record)`` of an e-certificate of either kind."""
    if not any(reader.deployed(c) for c in CERTIFICATE_TYPES.values()):
        reader.require(REALESTATE)
    for contract in (REALESTATE, SETTLEMENT):
        if reader.deployed(contract):
            rec = reader.get(contract, "cert/" + cert_id)
            if rec is not None:
                return contract, rec
    raise NotFound(f"no certificate '{cert_id}' (不动产权证书 or 人才准予迁入)", field="cert_id")


def _status(reader: ScenarioReader, org: Any, idx: Any) -> dict[str, Any] | None:
    """The status record ``<org>/<idx>`` (None if there is none or the reference is bad)."""
    if not (isinstance(org, str) and type(idx) is int and 0 <= idx < 2**63):
        return None
    return cred.get_credential_status(reader.v, org, idx)


def render_certificate(
    reader: ScenarioReader, contract: str, rec: dict[str, Any]
) -> dict[str, Any]:
    """The public view of a certificate: its record, status and linked credentials with
    their on-chain status."""
    if contract == REALESTATE:
        holders = list(rec["owners"])
        links = list(rec.get("credentials") or [])
    else:
        holders = [rec["holder"]]
        one = rec.get("credential")
        links = [] if one is None else [{"holder": rec["holder"], **one}]
    creds = []
    for link in links:
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
    type_ = next(t for t, c in CERTIFICATE_TYPES.items() if c == contract)
    return {
        "id": rec["id"],
        "contract": contract,
        "type": type_,
        "title": TITLES[contract],
        "status": rec.get("status", "active"),
        "holders": holders,
        "record": hexify(rec),
        "credentials": hexify(creds),
        "height": reader.height,
    }


# -- the public check of an e-certificate credential ---------------------------------------------


def _claims_match(contract: str, rec: dict[str, Any], holder: str, got: dict[str, Any]) -> str:
    """What in the disclosed claims differs from the certificate record ("" if nothing)."""
    if contract == REALESTATE:
        if holder not in rec["owners"]:
            return f"{holder} is not an owner on certificate {rec['id']}"
        want = {
            "certificate": rec["id"],
            "unit": rec["unit"],
            "district": rec["unit"][:6],
            "share": rec["shares"][rec["owners"].index(holder)],
            "kind": rec["kind"],
        }
    else:
        if holder != rec["holder"]:
            return f"{holder} is not the holder of certificate {rec['id']}"
        want = {"certificate": rec["id"], "kind": rec["kind"], "route": rec["route"]}
    for name, value in want.items():
        if name not in got:
            return f"claim '{name}' is not disclosed (present the credential with every claim)"
        if got[name] != value:
            return f"claim '{name}' differs from the certificate record"
    return ""


def verify_certificate(reader: ScenarioReader, text: str) -> dict[str, Any]:
    """The public check of an e-certificate credential ``text`` against the chain: issuer
    signature with the issuer organisation's keys on chain, disclosures and validity, type an
    e-certificate and its issuer authorised for it, status entry valid, commitment on chain,
    the contract's certificate record active with the same claims, and the record linking this
    credential. Each check by name; ``valid`` only if every one passed."""
    from wuyi.vc import sdjwt

    v, suite = reader.v, reader.node.suite
    checks: list[dict[str, Any]] = []
    out: dict[str, Any] = {
        "valid": False,
        "checks": checks,
        "type": "",
        "issuer": "",
        "certificate": None,
        "disclosed": {},
        "height": reader.height,
    }

    def check(name: str, ok: bool, detail: str) -> bool:
        checks.append({"name": name, "ok": ok, "detail": detail})
        return ok

    # 1. format: an SD-JWT with a Wuyi status entry (a KB-JWT, if any, is set aside)
    try:
        parsed = sdjwt.parse(text.strip())
    except WuyiError as exc:
        check("format", False, f"not an SD-JWT credential: {exc.message}")
        return out
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
        return out
    out["type"], out["issuer"] = vct, org
    kb = " (the key-binding JWT is set aside: a public check)" if parsed.kb_jwt else ""
    check("format", True, f"SD-JWT credential {vct} of {org}/{idx} for {holder}{kb}")

    # 2. issuer signature, disclosures, validity
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
        return out
    check("issuer_signature", True, f"signed by a key of {iss} with the issuer role on chain")
    check("disclosures", True, f"{len(parsed.disclosures)} disclosure(s) match the signed digests")
    subject = verified.claims.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    names = [n.removeprefix("credentialSubject.") for n in verified.disclosed]
    out["disclosed"] = hexify({"holder": holder, **{n: subject.get(n) for n in names}})

    # 3. an e-certificate type whose issuers include this organisation
    contract = CERTIFICATE_TYPES.get(vct)
    if not check(
        "type",
        contract is not None,
        f"{vct} is an e-certificate recorded by '{contract}'"
        if contract
        else f"{vct} is not an e-certificate type ({', '.join(CERTIFICATE_TYPES)})",
    ):
        return out
    assert contract is not None
    vc_type = cred.get_credential_type(v, vct)
    issuers = [] if vc_type is None else list(vc_type["issuers"])
    check(
        "issuer_authorised",
        org in issuers,
        f"'{org}' is among the issuers of {vct} ({', '.join(issuers)})"
        if org in issuers
        else f"'{org}' may not issue {vct} (issuers: {', '.join(issuers) or 'none; vc.set_type'})",
    )

    # 4. status entry and commitment
    st = _status(reader, org, idx)
    if st is None:
        check("status", False, f"no credential {org}/{idx} on chain")
        check("commitment", False, f"no credential {org}/{idx} on chain")
    else:
        expired = bool(st["expires"]) and now_s >= st["expires"]
        ok = st["status"] == "valid" and not expired
        check(
            "status",
            ok,
            f"credential {org}/{idx} is "
            + ("expired" if st["status"] == "valid" and expired else st["status"]),
        )
        same = st["commitment"] == suite.hash(verified.jwt.encode("ascii")) and st["type"] == vct
        check(
            "commitment",
            same,
            f"the issuer-signed JWT is the one registered as {org}/{idx}"
            if same
            else f"the credential differs from the one registered as {org}/{idx}",
        )

    # 5. the contract's certificate record: active, same claims, linking this credential
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
        return out
    out["certificate"] = render_certificate(reader, contract, rec)
    state_ = rec.get("status", "active")
    differs = _claims_match(contract, rec, holder, subject)
    if state_ != "active":
        nxt = rec.get("superseded_by")
        check(
            "certificate",
            False,
            f"certificate {cert_id} is {state_}" + (f" by {nxt}" if nxt else ""),
        )
    else:
        check("certificate", not differs, differs or f"certificate {cert_id} is active on chain")
    if contract == REALESTATE:
        links = list(rec.get("credentials") or [])
    else:
        one = rec.get("credential")
        links = [] if one is None else [{"holder": rec["holder"], **one}]
    linked = any(x["holder"] == holder and (x["org"], x["idx"]) == (org, idx) for x in links)
    check(
        "linked",
        linked,
        f"certificate {cert_id} links credential {org}/{idx}"
        if linked
        else f"certificate {cert_id} does not link credential {org}/{idx}",
    )
    out["valid"] = all(c["ok"] for c in checks)
    return out


# -- the routes ----------------------------------------------------------------------------------


def add_certificate_routes(r: APIRouter, node: Node) -> None:
    # -- e-certificates ----------------------------------------------------------------------------

    @r.get(
        "/certs/{cert_id}",
        response_model=CertificateOut,
        tags=["scenarios"],
        summary="电子证照 / an e-certificate (不动产权证书 or 人才准予迁入) and its credentials",
    )
    def certificate(
        cert_id: str = Path(min_length=1, max_length=128, description="certificate id"),
    ) -> Any:
        with node.store.snapshot() as v:
            s = ScenarioReader(node, v)
            contract, rec = find_certificate(s, cert_id)
            return render_certificate(s, contract, rec)

    @r.post(
        "/certs/verify",
        response_model=CertVerifyOut,
        tags=["scenarios"],
        summary="电子证照核验 / check an e-certificate credential against the chain",
    )
    def certificate_verify(body: CertVerifyIn) -> Any:
        with node.store.snapshot() as v:
            return verify_certificate(ScenarioReader(node, v), body.credential)
