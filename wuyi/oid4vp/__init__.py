"""OpenID for Verifiable Presentations 1.0 (issue #19): a verifier's desk asks by QR code, a
citizen's wallet answers with an SD-JWT presentation under a consent on chain, and the chain
records the check. ``README.md`` lists the files; ``docs/wallet.md`` walks a citizen through.
"""

from wuyi.oid4vp.request import (
    CLIENT_ID_PREFIX,
    REQUEST_TYP,
    Asked,
    build_request,
    client_id_of,
    dcql_query,
    org_of_client_id,
    parse_link,
    request_link,
    requested,
    validate_request,
)
from wuyi.oid4vp.verifier import RequestBook, check_vp_token, verify_request_object

__all__ = [
    "CLIENT_ID_PREFIX",
    "REQUEST_TYP",
    "Asked",
    "RequestBook",
    "build_request",
    "check_vp_token",
    "client_id_of",
    "dcql_query",
    "org_of_client_id",
    "parse_link",
    "request_link",
    "requested",
    "validate_request",
    "verify_request_object",
]
