"""The layout of the world state: every key the system handlers write.

=========================================  ================================================
key                                         value (canonical encoding)
=========================================  ================================================
``chain/params``                            :class:`wuyi.params.ChainParams` as a map
``chain/info``                              ``{chain_id, suite, name}``
``consensus/validators``                    the validator set (list of validator maps)
``consensus/pending_validators``            ``{effective_height, validators}`` scheduled change
``consensus/history/<height u64>``          the set in force from that height (genesis: 1)
``consensus/evidence/<offence id>``         a validator's equivocation (misbehaviour.py)
``consensus/offender/<address 20 bytes>``   per offender: count, heights, open proposal
``org/<org_id>``                            ``{id, name, operator, status, admins}``
``member/<address 20 bytes>``               ``{org, public_key, roles, status, name}``
``evidence/<doc_hash 32 bytes>``            an evidence record (see ``evidence.py``)
``gov/policies``                            ``{policy name: expression}`` set by ``policy.set``;
                                            absent names use their defaults (``MAJORITY``)
``gov/next_id``                             the next proposal id (integer, starts at 1)
``gov/proposal/<id u64 big-endian>``        a proposal record (see ``governance.py``)
``data/set/<dataset id>``                   a data-catalogue entry (see ``datashare.py``)
``data/req/<request id 16 bytes>``          a data request, its decisions and deliveries
``data/dlv/<delivery id 16 bytes>``         a delivery: ciphertext hash, location, commitment
``data/acc/<delivery id>/<n u64>``          the n-th recorded access (from 0) to a delivery
``did/<did utf-8>``                         a subject DID record (see ``did.py``)
``did/-/key/<address 20 bytes>``            the DID (str) a key currently belongs to
``did/-/registrar/<org>``                   an organisation's right to register citizens'
                                            DIDs ``{org, enabled, updated_height}``
``vc/type/<type>``                          a credential type and its issuers
                                            (``credentials.py``)
``vc/next/<org>``                           the org's next credential index (int, from 0)
``vc/status/<org>/<idx u64 big-endian>``    a credential status record
``vc/check/<tx_hash 32 bytes>``             a verification record (``vc.verify``)
``vc/used/<presentation_hash 32 bytes>``    tx hash of the accepted check of a presentation
``vc/nonce/<org>/<nonce bytes>``            tx hash of the accepted check that used a nonce
``consent/<id 16 bytes>``                   a consent record
``consent/-/holder/<did>/<id 16 bytes>``    index of a holder's consents (``1``)
``consent/-/use/<did>/<height><tx>``        tx hash of an accepted check under a consent
``consent/-/refused/<did>/<height><tx>``    tx hash of a refused check under a consent
``idp/<org>``                               an identity provider ``{org, enabled, max_level}``
=========================================  ================================================
"""

from __future__ import annotations

import struct

PARAMS = b"chain/params"
CHAIN_INFO = b"chain/info"
VALIDATORS = b"consensus/validators"
PENDING_VALIDATORS = b"consensus/pending_validators"
VALIDATOR_HISTORY_PREFIX = b"consensus/history/"
MISBEHAVIOUR_PREFIX = b"consensus/evidence/"
OFFENDER_PREFIX = b"consensus/offender/"
ORG_PREFIX = b"org/"
MEMBER_PREFIX = b"member/"
EVIDENCE_PREFIX = b"evidence/"
GOV_POLICIES = b"gov/policies"
GOV_NEXT_ID = b"gov/next_id"
GOV_PROPOSAL_PREFIX = b"gov/proposal/"
DATA_SET_PREFIX = b"data/set/"
DATA_REQUEST_PREFIX = b"data/req/"
DATA_DELIVERY_PREFIX = b"data/dlv/"
DATA_ACCESS_PREFIX = b"data/acc/"
DID_PREFIX = b"did/"
DID_KEY_INDEX_PREFIX = b"did/-/key/"
DID_REGISTRAR_PREFIX = b"did/-/registrar/"
VC_TYPE_PREFIX = b"vc/type/"
VC_NEXT_PREFIX = b"vc/next/"
VC_STATUS_PREFIX = b"vc/status/"
VC_CHECK_PREFIX = b"vc/check/"
VC_USED_PREFIX = b"vc/used/"
VC_NONCE_PREFIX = b"vc/nonce/"
CONSENT_PREFIX = b"consent/"
CONSENT_HOLDER_PREFIX = b"consent/-/holder/"
CONSENT_USE_PREFIX = b"consent/-/use/"
CONSENT_REFUSED_PREFIX = b"consent/-/refused/"
IDP_PREFIX = b"idp/"


def org_key(org_id: str) -> bytes:
    return ORG_PREFIX + org_id.encode()


def member_key(address: bytes) -> bytes:
    return MEMBER_PREFIX + address


def evidence_key(doc_hash: bytes) -> bytes:
    return EVIDENCE_PREFIX + doc_hash


def misbehaviour_key(offence_id: bytes) -> bytes:
    return MISBEHAVIOUR_PREFIX + offence_id


def offender_key(address: bytes) -> bytes:
    return OFFENDER_PREFIX + address


def proposal_key(proposal_id: int) -> bytes:
    return GOV_PROPOSAL_PREFIX + struct.pack(">Q", proposal_id)


def did_key(did: str) -> bytes:
    return DID_PREFIX + did.encode()


def did_key_index_key(address: bytes) -> bytes:
    return DID_KEY_INDEX_PREFIX + address


def did_registrar_key(org_id: str) -> bytes:
    return DID_REGISTRAR_PREFIX + org_id.encode()


def vc_type_key(type_: str) -> bytes:
    return VC_TYPE_PREFIX + type_.encode()


def vc_next_key(org_id: str) -> bytes:
    return VC_NEXT_PREFIX + org_id.encode()


def vc_status_prefix(org_id: str) -> bytes:
    return VC_STATUS_PREFIX + org_id.encode() + b"/"


def vc_status_key(org_id: str, idx: int) -> bytes:
    return vc_status_prefix(org_id) + struct.pack(">Q", idx)


def vc_check_key(tx_hash: bytes) -> bytes:
    return VC_CHECK_PREFIX + tx_hash


def vc_used_key(presentation_hash: bytes) -> bytes:
    return VC_USED_PREFIX + presentation_hash


def vc_nonce_key(org_id: str, nonce: bytes) -> bytes:
    return VC_NONCE_PREFIX + org_id.encode() + b"/" + nonce


def consent_key(consent_id: bytes) -> bytes:
    return CONSENT_PREFIX + consent_id


def consent_holder_prefix(did: str) -> bytes:
    return CONSENT_HOLDER_PREFIX + did.encode() + b"/"


def consent_holder_key(did: str, consent_id: bytes) -> bytes:
    return consent_holder_prefix(did) + consent_id


def consent_use_prefix(did: str) -> bytes:
    return CONSENT_USE_PREFIX + did.encode() + b"/"


def consent_use_key(did: str, height: int, tx_hash: bytes) -> bytes:
    return consent_use_prefix(did) + struct.pack(">Q", height) + tx_hash


def consent_refused_prefix(did: str) -> bytes:
    return CONSENT_REFUSED_PREFIX + did.encode() + b"/"


def consent_refused_key(did: str, height: int, tx_hash: bytes) -> bytes:
    return consent_refused_prefix(did) + struct.pack(">Q", height) + tx_hash


def idp_key(org_id: str) -> bytes:
    return IDP_PREFIX + org_id.encode()


def data_set_key(dataset_id: str) -> bytes:
    return DATA_SET_PREFIX + dataset_id.encode()


def data_request_key(request_id: bytes) -> bytes:
    return DATA_REQUEST_PREFIX + request_id


def data_delivery_key(delivery_id: bytes) -> bytes:
    return DATA_DELIVERY_PREFIX + delivery_id


def data_access_key(delivery_id: bytes, n: int) -> bytes:
    return data_access_prefix(delivery_id) + struct.pack(">Q", n)


def data_access_prefix(delivery_id: bytes) -> bytes:
    return DATA_ACCESS_PREFIX + delivery_id + b"/"
