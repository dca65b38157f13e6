"""Verifiable credentials, off chain: JOSE for the suites' keys, SD-JWT, IdP attestations.

* :mod:`wuyi.vc.jose`: JWK <-> public key (OKP/Ed25519, EC/SM2) and compact JWS
  (``EdDSA``, ``SM2``; ``ES256`` for verification only) via joserfc.
* :mod:`wuyi.vc.sdjwt`: SD-JWT (RFC 9901) issue / present (with KB-JWT) / parse / verify.
* :mod:`wuyi.vc.assurance`: identity-provider attestation tokens (``wuyi-ida+jwt``).

Formats are described in ``docs/credentials.md``; the binding contract is
``docs/design/identity-spec.md`` §2 and §6.
"""

from __future__ import annotations

from wuyi.vc.assurance import check_attestation, make_attestation
from wuyi.vc.jose import (
    jwk_from_public_key,
    public_key_from_jwk,
    sd_alg_for_suite,
    sign_compact,
    unverified_header,
    unverified_payload,
    verify_compact,
)
from wuyi.vc.sdjwt import Issued, Parsed, Verified, issue, parse, present, verify, verify_issued

__all__ = [
    "Issued",
    "Parsed",
    "Verified",
    "check_attestation",
    "issue",
    "jwk_from_public_key",
    "make_attestation",
    "parse",
    "present",
    "public_key_from_jwk",
    "sd_alg_for_suite",
    "sign_compact",
    "unverified_header",
    "unverified_payload",
    "verify",
    "verify_compact",
    "verify_issued",
]
