"""公证 notary services (scenario 7 of the plan): notarial cases with the 15-working-day
deadline, electronic notarial certificates (issued, corrected with a link, revoked as void from
the start; only the issuing office changes them; each change filed with 司法局 and 公证协会),
review requests in their windows, a public check by certificate number and document, and
electronic evidence preservation with a chain of custody a court checks from one proof bundle.
See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import CertificateKind, Scenario, field_claims

__all__ = ["SCENARIO"]

#: the claims of a 公证书 credential: the number, type, office and the document's hash (no
#: party's name, no content)
_claims = field_claims(
    ("type", "office", "doc_hash"), "{holder} is not a party holding certificate {id}", kind=False
)


# fmt: off
SCENARIO = Scenario(
    "notary", "公证服务", "Notary services", contract="notary",
    identifiers=("NotarialCertificate", "Notary"), params_owner="sfj",
    certificate=CertificateKind(
        "NotarialCertificate", "公证书", "notarial certificate", _claims, id_prefix="(",
    ),
    description="公证服务：公证书、复查、电子存证与保管链 / notary services",
    personal_state=True,  # parties' DIDs on cases, certificates, reviews and evidence
)
# fmt: on
