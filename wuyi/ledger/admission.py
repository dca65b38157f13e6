"""Who may write: the sender rule every transaction passes before it is pooled or executed.

Only members — and citizens' DIDs for what a DID may do — put anything on chain
(``docs/security.md``, "Who may write"). :func:`validate_sender` decides, from the state alone,
whether the transaction's sender may send it at all:

1. The sender's key is a **member** (``member/<address>``): the membership and its
   organisation must be ``active`` (else :class:`MemberSuspended`). Any kind may then be sent;
   the handler's ``authorize`` step checks the roles.
2. Else the key is an ``authentication`` key of an **active subject DID** (a registered
   citizen, see ``docs/did-method.md``), and the transaction is one a DID may send
   (:data:`DID_KINDS`) *for that DID*: DID self-management of its own DID, ``consent.grant``
   as its holder, ``consent.revoke`` of one of its consents, a ``contract.call`` of a method
   declared ``@call(public=True)``.
3. Else the key is a **validator of the current set** sending ``consensus.evidence`` (a
   validator reports another's double sign even when its organisation's members are not at
   hand; ``wuyi.ledger.handlers.misbehaviour``). A validator key may send nothing else.
4. Anything else is refused with :class:`NotMember` — a fresh key, a key of a deactivated
   DID, a DID key sending ``evidence.anchor``. A citizen's first DID is registered by an
   authorised organisation (``did.create`` sent by its member), never by the new key itself.

Where it runs (the same function, so the same answer):

* at the door — :meth:`wuyi.node.mempool.Mempool.add` (clients, and peers' gossip through
  ``Node.submit_many``), against the latest committed state: a refused transaction is never
  pooled, gossiped or proposed;
* in the block transition — :func:`wuyi.ledger.execute.validate_admission`, against the state
  *as left by the block's earlier transactions*: a proposer leaves such a transaction out
  (``build_block``), and a block that contains one is invalid (``apply_block`` raises
  :class:`BlockInvalid`), so honest validators never vote for a byzantine proposer's block
  carrying a stranger's payload. It reads only the state, so every validator decides alike.

Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

from typing import Any

from wuyi.abc import KVReader, Suite
from wuyi.crypto import address_of
from wuyi.encoding import decode_trusted
from wuyi.exceptions import MemberSuspended, NotMember
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec
from wuyi.ledger.handlers.contracts import meta_key
from wuyi.ledger.handlers.did import authentication_did
from wuyi.ledger.handlers.validators import get_current_validators
from wuyi.ledger.types import Transaction

__all__ = ["DID_KINDS", "require_active_member", "validate_sender"]

#: The kinds an authentication key of a registered citizen DID may send without being a
#: member, and what each must name: the payload field that must be the sender's own DID.
DID_KINDS: dict[str, str] = {
    "did.add_key": "did",
    "did.remove_key": "did",
    "did.rotate_key": "did",
    "did.set_services": "did",
    "did.deactivate": "did",
    "consent.grant": "holder",
    "consent.revoke": "",  # the consent's recorded holder
    "contract.call": "",  # a method declared @call(public=True)
}


def _get(state: KVReader, key: bytes) -> Any:
    raw = state.get(key)
    return None if raw is None else decode_trusted(raw)


def _check_active(member: dict[str, Any], state: KVReader) -> None:
    if member["status"] != "active":
        raise MemberSuspended(
            f"the sender's membership of '{member['org']}' is {member['status']}",
            org=member["org"],
        )
    org = _get(state, keys.org_key(member["org"]))
    if org is None or org["status"] != "active":
        status = "missing" if org is None else org["status"]
        raise MemberSuspended(
            f"the sender's organisation '{member['org']}' is {status}", org=member["org"]
        )


def require_active_member(state: KVReader, suite: Suite, public_key: bytes) -> dict[str, Any]:
    """The member record of ``public_key`` if it is an active member of an active
    organisation; :class:`NotMember` or :class:`MemberSuspended` otherwise. (For node services
    outside transactions, e.g. blob uploads.)"""
    member = _get(state, keys.member_key(address_of(suite, public_key)))
    if member is None:
        raise NotMember("the signer's key is not a member of any organisation")
    _check_active(member, state)
    rec: dict[str, Any] = member
    return rec


def validate_sender(chain: ChainSpec, state: KVReader, tx: Transaction) -> None:
    """Raise :class:`NotMember` or :class:`MemberSuspended` unless ``tx.sender`` may send
    ``tx`` at all (see the module docstring); returns quietly otherwise."""
    address = address_of(chain.suite, tx.sender)
    member = _get(state, keys.member_key(address))
    if member is not None:
        _check_active(member, state)
        return
    did = authentication_did(state, chain.suite, address)
    if did is None:
        if (
            tx.kind == "consensus.evidence"
            and get_current_validators(state).index_of(tx.sender) is not None
        ):
            return
        raise NotMember(
            "the sender's key is not an active member of any organisation nor an authentication"
            " key of a registered DID: only members (and registered citizens' DIDs, for what a"
            " DID may do) can write; a citizen's DID is registered by an authorised"
            " organisation (docs/did-method.md)"
        )
    field = DID_KINDS.get(tx.kind)
    if field is None:
        raise NotMember(
            f"{did} is a citizen's DID, not a member: it may send only {sorted(DID_KINDS)},"
            f" not {tx.kind}",
            did=did,
        )
    p = tx.payload
    if field and p.get(field) != did:
        raise NotMember(
            f"{tx.kind}: the sender's key belongs to {did}; it may act only for that DID"
            f" ({field} is {p.get(field)!r})",
            did=did,
        )
    if tx.kind == "consent.revoke":
        rec = _get(state, keys.consent_key(p["id"]))
        # An unknown id fails in the handler (a consent granted in a block not yet committed
        # may still arrive); a known one must be the sender's own.
        if rec is not None and rec["holder"] != did:
            raise NotMember(
                f"consent.revoke: consent {p['id'].hex()} is {rec['holder']}'s; {did} may revoke"
                " only its own",
                did=did,
            )
    elif tx.kind == "contract.call":
        meta = _get(state, meta_key(p["contract"]))
        method = None if meta is None else meta["abi"]["methods"].get(p["method"])
        if method is None or not method.get("public"):
            raise NotMember(
                f"contract.call: {did} is a citizen's DID, not a member; it may call only"
                f" methods declared @call(public=True), and '{p['contract']}.{p['method']}'"
                " is not one",
                did=did,
            )
