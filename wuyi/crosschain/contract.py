"""What contracts see of cross-chain recognition: the record, never the proof
(``wuyi.contract.recognition``). Pure: reads the state."""

from __future__ import annotations

from typing import Any

from wuyi.crosschain import store
from wuyi.crypto import get_suite
from wuyi.encoding import decode_trusted
from wuyi.exceptions import ContractRevert

__all__ = ["read_recognition"]

_FIELDS = (
    "fact",
    "height",
    "source_time",
    "key",
    "present",
    "value_hash",
    "purpose",
    "relayer_org",
    "recognised_height",
    "recognised_time",
)


def read_recognition(
    state: Any, record_id: str, *, contract: str, value: bytes | None
) -> dict[str, Any]:
    """The record ``record_id`` if its consumer is ``contract``; with ``value`` (canonical
    bytes) the fact must be a presence of exactly that value. :class:`ContractRevert` names
    what is wrong."""
    try:
        rid = bytes.fromhex(record_id)
    except ValueError:
        raise ContractRevert("recognition: the record id is not hex") from None
    raw = state.get(store.record_key(rid))
    if raw is None:
        raise ContractRevert(f"recognition: no recognition record {record_id}")
    rec = decode_trusted(raw)
    if rec["consumer"] != contract:
        raise ContractRevert(
            f"recognition: record {record_id} was recognised for"
            f" '{rec['consumer'] or 'people (no contract)'}', not for '{contract}'"
        )
    if value is not None:
        if not rec["present"]:
            raise ContractRevert(
                f"recognition: record {record_id} shows the key absent; it has no value"
            )
        client = store.get_client(state, rec["client"])
        suite = get_suite(client.suite if client is not None else "sm")
        if suite.hash(value) != rec["value_hash"]:
            raise ContractRevert(
                f"recognition: the value given is not the value recognised in {record_id}"
            )
    out = {"id": record_id, "chain": rec["client"]}
    out.update({k: rec[k] for k in _FIELDS})
    return out
