"""公证 in the SDK: :class:`Notary` — notary offices (cases, certificates, reviews), their issuer
systems (the 公证书 credentials), citizens (review requests, with their wallets), evidence
platforms and courts (preservation, custody); reads through ``/v1/notary/...``::

    n = client.scenario("notary")                     # or Notary(client)
    case = n.accept(notary_key, "entrustment", [n.commitment(salt, "…")], [wallet.did])
    cert = n.issue(notary_key, case["id"], document=pdf_bytes)
    n.check(cert["id"], document=pdf_bytes)["result"]  # 'authentic'
    ev = n.preserve(custodian_key, document=page, captured_at=ms, method="web_page")
    bundle = n.custody_bundle(ev["id"])                # checked from the pinned genesis
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.exceptions import ValidationError
from wuyi.sdk.scenarios import ScenarioClient, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "COMMITMENT_TAG", "Notary"]

COMMITMENT_TAG = b"wuyi/notary-party\x00"


class Notary(ScenarioClient):
    """公证服务: cases, certificates (``issue_certificate``, ``issue_pending``), reviews,
    evidence preservation and custody, parameters (``params``, ``set_param``)."""

    default_name = "notary"

    # -- helpers -----------------------------------------------------------------------------------

    def digest(self, document: bytes | None, doc_hash: bytes | None, what: str) -> bytes:
        """The chain's hash of ``document``, or ``doc_hash`` (exactly one of them)."""
        if (document is None) == (doc_hash is None):
            raise ValidationError(f"give the {what} or its hash, not both", field=what)
        return self.client.suite.hash(document) if document is not None else doc_hash  # type: ignore[return-value]

    def commitment(self, salt: bytes, identity: str) -> bytes:
        """A party's salted commitment (what goes on chain instead of who they are): the
        chain's hash of a tag, the office's secret ``salt`` (16+ bytes, kept in the case file)
        and the party's identity text. Opening it needs both."""
        if len(salt) < 16:
            raise ValidationError("a commitment salt has at least 16 bytes", field="salt")
        return self.client.suite.hash(COMMITMENT_TAG + salt + identity.encode("utf-8"))

    # -- cases and certificates (a notary of an office) ------------------------------------------

    def accept(
        self,
        key: PrivateKey,
        case_type: str,
        applicants: Sequence[bytes],
        holders: Sequence[str] = (),
        *,
        evidence: str | None = None,
    ) -> dict[str, Any]:
        """受理 a case: ``applicants`` are commitments (:meth:`commitment`), ``holders`` the
        DIDs that will hold the certificate's credential; a 保全证据 case names ``evidence``."""
        return self._step(
            key,
            "accept",
            case_type=case_type,
            applicants=list(applicants),
            holders=list(holders),
            evidence=evidence,
        )

    @contract_step
    def pause(self, key: PrivateKey, case_id: str, reason: str) -> dict[str, Any]:
        """中止 (``supplementary_materials``, ``verification``, ``force_majeure``)."""

    @contract_step
    def resume(self, key: PrivateKey, case_id: str) -> dict[str, Any]: ...

    def issue(
        self,
        key: PrivateKey,
        case_id: str,
        *,
        document: bytes | None = None,
        doc_hash: bytes | None = None,
    ) -> dict[str, Any]:
        """出具公证书: the certificate record (its number in ``id``)."""
        h = self.digest(document, doc_hash, "document")
        return self._step(key, "issue", case_id=case_id, doc_hash=h)

    @contract_step
    def refuse(self, key: PrivateKey, case_id: str, reason: str) -> dict[str, Any]: ...

    def correct(
        self,
        key: PrivateKey,
        cert_no: str,
        reason: str,
        *,
        document: bytes | None = None,
        doc_hash: bytes | None = None,
    ) -> dict[str, Any]:
        """补正: the correcting certificate (``reason``: clerical_error, omission, …)."""
        h = self.digest(document, doc_hash, "document")
        return self._step(key, "correct", cert_no=cert_no, doc_hash=h, reason=reason)

    def revoke(
        self,
        key: PrivateKey,
        cert_no: str,
        reason: str,
        *,
        notice: bytes | None = None,
        notice_hash: bytes | None = None,
    ) -> dict[str, Any]:
        """撤销 (``reason`` untrue or illegal), with the public notice (or its hash)."""
        h = self.digest(notice, notice_hash, "notice")
        return self._step(key, "revoke", cert_no=cert_no, reason=reason, notice_hash=h)

    @contract_step
    def decide_review(
        self,
        key: PrivateKey,
        review_id: str,
        outcome: str,
        reason: str = "",
        *,
        doc_hash: bytes | None = None,
        notice_hash: bytes | None = None,
    ) -> dict[str, Any]:
        """maintain, correct (``doc_hash``) or revoke (``notice_hash``)."""

    # -- citizens ----------------------------------------------------------------------------------

    @contract_step
    def request_review(
        self, wallet: Wallet, cert_no: str, known_on: str | None = None
    ) -> dict[str, Any]:
        """复查申请, signed with the wallet's DID key (an interested party names ``known_on``,
        the date it learnt of the certificate: its own claim)."""

    # -- evidence ----------------------------------------------------------------------------------

    def register_statement(
        self,
        key: PrivateKey,
        standards: Sequence[str],
        *,
        statement: bytes | None = None,
        statement_hash: bytes | None = None,
    ) -> dict[str, Any]:
        """A platform admin registers its compliance statement (the document, or its hash)."""
        h = self.digest(statement, statement_hash, "statement")
        return self._step(key, "register_statement", statement_hash=h, standards=list(standards))

    def preserve(
        self,
        key: PrivateKey,
        *,
        captured_at: int | None,
        method: str,
        document: bytes | None = None,
        doc_hash: bytes | None = None,
        device_attestation: bytes | None = None,
        applicant: str | None = None,
    ) -> dict[str, Any]:
        """电子存证: ``device_attestation`` is the capture device's attestation (hashed here);
        ``captured_at`` None: captured as it is preserved (a file uploaded as it is)."""
        att = None if device_attestation is None else self.client.suite.hash(device_attestation)
        return self._step(
            key,
            "preserve",
            doc_hash=self.digest(document, doc_hash, "document"),
            captured_at=captured_at,
            method=method,
            device_attestation=att,
            applicant=applicant,
        )

    @contract_step
    def hand_over(
        self, key: PrivateKey, evidence: str, to: str, purpose: str
    ) -> dict[str, Any]: ...

    @contract_step
    def receive(self, key: PrivateKey, evidence: str) -> dict[str, Any]: ...

    # -- reads -------------------------------------------------------------------------------------

    def offices(self) -> dict[str, Any]:
        return self._get_record("/v1/notary/offices")

    # Case files, reviews and evidence are personal records: signed reads (``key`` and
    # ``purpose`` here: a member's key or a citizen's DID key; else as the client reads,
    # ``WuyiClient.read_as``). Who may read what: ``wuyi.scenarios.notary.api``.

    def cases(
        self,
        office: str | None = None,
        status: str | None = None,
        *,
        key: PrivateKey | None = None,
        purpose: str = "",
    ) -> list[dict[str, Any]]:
        """Case files, newest first: an office's members see their office's; 司法局, 公证协会
        and auditors every office's."""
        return self._pages(
            "/v1/notary/cases", key=key, purpose=purpose, office=office, status=status
        )

    def case(
        self, case_id: str, *, key: PrivateKey | None = None, purpose: str = ""
    ) -> dict[str, Any]:
        """A case: its holders, its office, the supervisors."""
        return self._get_record(f"/v1/notary/cases/{seg(case_id)}", key=key, purpose=purpose)

    def certificate(self, cert_no: str) -> dict[str, Any]:
        """A certificate's public view (no party)."""
        return self._get_record(f"/v1/notary/certificates/{seg(cert_no)}")

    def check(
        self, cert_no: str, *, document: bytes | None = None, doc_hash: bytes | None = None
    ) -> dict[str, Any]:
        """The public check: ``result`` authentic, corrected (``see``), revoked or unknown.
        The document is hashed here; only its hash is sent."""
        h = self.digest(document, doc_hash, "document")
        resp = self.client._request(
            "POST", "/v1/notary/check", json={"cert_no": cert_no, "doc_hash": h.hex()}
        )
        out: dict[str, Any] = resp.json()
        return out

    def notices(self) -> list[dict[str, Any]]:
        return self._pages("/v1/notary/notices")

    def filings(self, office: str | None = None) -> list[dict[str, Any]]:
        return self._pages("/v1/notary/filings", office=office)

    def reviews(
        self,
        office: str | None = None,
        status: str | None = None,
        *,
        key: PrivateKey | None = None,
        purpose: str = "",
    ) -> list[dict[str, Any]]:
        return self._pages(
            "/v1/notary/reviews", key=key, purpose=purpose, office=office, status=status
        )

    def citizen(
        self, did: str, *, key: PrivateKey | None = None, purpose: str = ""
    ) -> dict[str, Any]:
        """A citizen's own cases, certificates, reviews and evidence (``key``: their DID key)."""
        return self._get_record(f"/v1/notary/citizens/{seg(did)}", key=key, purpose=purpose)

    def evidence_list(
        self, custodian: str | None = None, *, key: PrivateKey | None = None, purpose: str = ""
    ) -> list[dict[str, Any]]:
        """What the reader's organisation holds or is handed (auditors: all)."""
        return self._pages("/v1/notary/evidence", key=key, purpose=purpose, custodian=custodian)

    def evidence(
        self, evidence_id: str, *, key: PrivateKey | None = None, purpose: str = ""
    ) -> dict[str, Any]:
        """``{evidence, custody: [steps]}``."""
        return self._get_record(f"/v1/notary/evidence/{seg(evidence_id)}", key=key, purpose=purpose)

    def custody_bundle(
        self,
        evidence_id: str,
        *,
        check: bool = True,
        key: PrivateKey | None = None,
        purpose: str = "",
    ) -> dict[str, Any]:
        """The evidence and every custody step in one proof bundle (JSON form, ready for a
        file). With ``check`` it is checked here first, as a court would, from the chain's
        genesis hash (the pinned one, else the node's)."""
        doc: dict[str, Any] = self._get(
            f"/v1/notary/evidence/{seg(evidence_id)}/bundle", key=key, purpose=purpose
        )
        if check:
            rep = self.check_custody(doc)
            if rep.evidence != evidence_id:
                raise ValidationError("the node sent the bundle of other evidence")
        return doc

    def check_custody(self, bundle: dict[str, Any], document: bytes | None = None) -> Any:
        """A court's check of a custody bundle (JSON form) here, from the chain's genesis hash
        (the pinned one, else the node's): a
        :class:`~wuyi.scenarios.notary.custody.CustodyReport`, or ``ProofInvalid``."""
        from wuyi.ledger.jsonform import from_json
        from wuyi.scenarios.notary.custody import check_custody

        return check_custody(from_json(bundle), document, genesis_hash=self.client._genesis_hash())

    # -- e-certificates ---------------------------------------------------------------------------

    def may_issue(self, rec: dict[str, Any], org: str | None) -> bool:
        """An office's issuer system issues the credentials of its own certificates."""
        return org is None or rec["fields"]["office"] == org

    def pending_facts(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {"type": rec["fields"]["type"], "office": rec["fields"]["office"]}


CLIENT = Notary
