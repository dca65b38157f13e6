"""Genesis: the chain's identity (id, crypto suite), founding organisations, validators, params.

The genesis document is JSON (``genesis.json``)::

    {
      "chain_id": "jiangmen-gov", "name": "江门市政务链", "suite": "sm", "time": 1764201600000,
      "params": {...},                                    # optional overrides of ChainParams
      "orgs": [{"id": "sjj", "name": "市政务服务数据管理局", "operator": true,
                "admins": [{"name": "...", "public_key": "<hex>"}]}],
      "validators": [{"name": "node0", "public_key": "<hex>", "power": 1}]
    }

Block 0 has no transactions; its state root commits to everything above, and its hash is the
chain's identity.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.crypto import address_of, get_suite
from wuyi.encoding import encode
from wuyi.exceptions import CryptoError, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers import ChainSpec
from wuyi.ledger.handlers.identity import make_member, make_org, validate_org_id
from wuyi.ledger.handlers.validators import history_key
from wuyi.ledger.merkle import compute_root
from wuyi.ledger.types import ZERO_HASH, Block, BlockHeader
from wuyi.params import ChainParams
from wuyi.state import EMPTY_ROOT, StateTree

__all__ = ["GenesisDoc", "GenesisOrg", "build_genesis"]

_CHAIN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")


@dataclass(frozen=True)
class GenesisOrg:
    id: str
    name: str
    operator: bool = False
    admins: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class GenesisDoc:
    chain_id: str
    suite: str
    time: int
    orgs: tuple[GenesisOrg, ...]
    validators: ValidatorSet
    params: ChainParams = field(default_factory=ChainParams)
    name: str = ""

    def __post_init__(self) -> None:
        if not _CHAIN_ID.match(self.chain_id):
            raise ValidationError(
                f"chain id '{self.chain_id}' must be 2-48 chars of a-z, 0-9 and '-'"
            )
        suite = get_suite(self.suite)
        if not any(o.operator for o in self.orgs):
            raise ValidationError("genesis needs one operator organisation")
        seen: set[str] = set()
        for o in self.orgs:
            validate_org_id(o.id)
            if o.id in seen:
                raise ValidationError(f"organisation '{o.id}' appears twice in genesis")
            seen.add(o.id)
            for name, pk in o.admins:
                try:
                    suite.validate_public_key(pk)
                except CryptoError as exc:
                    raise ValidationError(
                        f"genesis: admin '{name}' of '{o.id}' has an invalid key: {exc.message}"
                    ) from None
        for v in self.validators.validators:
            try:
                suite.validate_public_key(v.public_key)
            except CryptoError as exc:
                raise ValidationError(
                    f"genesis: validator '{v.name}' has an invalid key: {exc.message}"
                ) from None

    def to_json(self) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "name": self.name,
            "suite": self.suite,
            "time": self.time,
            "params": self.params.to_obj(),
            "orgs": [
                {
                    "id": o.id,
                    "name": o.name,
                    "operator": o.operator,
                    "admins": [{"name": n, "public_key": pk.hex()} for n, pk in o.admins],
                }
                for o in self.orgs
            ],
            "validators": [
                {"name": v.name, "public_key": v.public_key.hex(), "power": v.power}
                for v in self.validators.validators
            ],
        }

    @classmethod
    def from_json(cls, obj: Any) -> GenesisDoc:
        try:
            orgs = tuple(
                GenesisOrg(
                    id=o["id"],
                    name=o["name"],
                    operator=bool(o.get("operator", False)),
                    admins=tuple(
                        (a["name"], bytes.fromhex(a["public_key"])) for a in o.get("admins", [])
                    ),
                )
                for o in obj["orgs"]
            )
            vals = ValidatorSet(
                tuple(
                    Validator(bytes.fromhex(v["public_key"]), int(v.get("power", 1)), v["name"])
                    for v in obj["validators"]
                )
            )
            return cls(
                chain_id=obj["chain_id"],
                suite=obj["suite"],
                time=int(obj["time"]),
                orgs=orgs,
                validators=vals,
                params=ChainParams.from_obj(obj.get("params", {})),
                name=obj.get("name", ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"malformed genesis document: {exc!r}") from None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> GenesisDoc:
        try:
            return cls.from_json(json.loads(path.read_text()))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"genesis file {path} is not valid JSON: {exc}") from None

    def chain_spec(self) -> ChainSpec:
        return ChainSpec(self.chain_id, get_suite(self.suite))

    def compute_state(self) -> dict[bytes, bytes | None]:
        suite = get_suite(self.suite)
        st: dict[bytes, bytes | None] = {
            keys.PARAMS: encode(self.params.to_obj()),
            keys.CHAIN_INFO: encode(
                {"chain_id": self.chain_id, "suite": self.suite, "name": self.name}
            ),
            keys.VALIDATORS: encode(self.validators.to_obj()),
            history_key(1): encode(self.validators.to_obj()),
        }
        for o in self.orgs:
            st[keys.org_key(o.id)] = encode(make_org(o.id, o.name, o.operator))
            for name, pk in o.admins:
                st[keys.member_key(address_of(suite, pk))] = encode(
                    make_member(o.id, pk, ["admin"], name)
                )
        return dict(sorted(st.items()))


def build_genesis(
    doc: GenesisDoc, tree: StateTree
) -> tuple[Block, dict[bytes, bytes | None], dict[bytes, bytes]]:
    """Block 0, its state writes and its new tree nodes."""
    suite = get_suite(doc.suite)
    changes = doc.compute_state()
    root, nodes = tree.apply(EMPTY_ROOT, changes)
    valset_hash = doc.validators.compute_hash(suite)
    header = BlockHeader(
        chain_id=doc.chain_id,
        height=0,
        prev_hash=ZERO_HASH,
        time=doc.time,
        proposer=b"",
        tx_count=0,
        tx_root=compute_root(suite.hash, []),
        state_root=root,
        receipts_root=compute_root(suite.hash, []),
        validator_set_hash=valset_hash,
        next_validator_set_hash=valset_hash,
    )
    return Block(header, ()), changes, nodes
