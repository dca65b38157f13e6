"""The layout of the world state: every key the system handlers write.

=========================================  ================================================
key                                         value (canonical encoding)
=========================================  ================================================
``chain/params``                            :class:`wuyi.params.ChainParams` as a map
``chain/info``                              ``{chain_id, suite, name}``
``consensus/validators``                    the validator set (list of validator maps)
``consensus/pending_validators``            ``{effective_height, validators}`` scheduled change
``consensus/history/<height u64>``          the set in force from that height (genesis: 1)
``org/<org_id>``                            ``{id, name, operator, status, admins}``
``member/<address 20 bytes>``               ``{org, public_key, roles, status, name}``
``evidence/<doc_hash 32 bytes>``            an evidence record (see ``evidence.py``)
``gov/policies``                            ``{policy name: expression}`` set by ``policy.set``;
                                            absent names use their defaults (``MAJORITY``)
``gov/next_id``                             the next proposal id (integer, starts at 1)
``gov/proposal/<id u64 big-endian>``        a proposal record (see ``governance.py``)
=========================================  ================================================
"""

from __future__ import annotations

import struct

PARAMS = b"chain/params"
CHAIN_INFO = b"chain/info"
VALIDATORS = b"consensus/validators"
PENDING_VALIDATORS = b"consensus/pending_validators"
VALIDATOR_HISTORY_PREFIX = b"consensus/history/"
ORG_PREFIX = b"org/"
MEMBER_PREFIX = b"member/"
EVIDENCE_PREFIX = b"evidence/"
GOV_POLICIES = b"gov/policies"
GOV_NEXT_ID = b"gov/next_id"
GOV_PROPOSAL_PREFIX = b"gov/proposal/"


def org_key(org_id: str) -> bytes:
    return ORG_PREFIX + org_id.encode()


def member_key(address: bytes) -> bytes:
    return MEMBER_PREFIX + address


def evidence_key(doc_hash: bytes) -> bytes:
    return EVIDENCE_PREFIX + doc_hash


def proposal_key(proposal_id: int) -> bytes:
    return GOV_PROPOSAL_PREFIX + struct.pack(">Q", proposal_id)
