"""Protocol parameters: set at genesis, stored on chain, changed only by a governed transaction.

Presets: ``production`` (defaults below) and ``minimal`` (small limits for tests).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from wuyi.contract.lib import LIBRARY_HASH
from wuyi.exceptions import ValidationError

__all__ = ["PRESETS", "ChainParams"]


@dataclass(frozen=True, slots=True)
class ChainParams:
    """Every limit the chain enforces. All sizes are bytes of canonical encoding."""

    max_tx_bytes: int = 64 * 1024
    """A transaction larger than this is refused (``oversize``)."""
    max_block_txs: int = 4000
    """Most transactions a proposer puts in one block."""
    max_block_bytes: int = 6 * 1024 * 1024
    """Most transaction bytes in one block."""
    max_expiry_window: int = 100_000
    """A transaction's ``expiry`` may be at most this many heights ahead of the current one."""
    max_meta_bytes: int = 4096
    """Largest metadata map of an evidence record."""
    tx_base_gas: int = 1000
    """Gas every transaction pays."""
    tx_byte_gas: int = 10
    """Gas per byte of the transaction."""
    block_gas_limit: int = 100_000_000
    """Most gas all transactions of one block may use (contract calls count their
    ``gas_limit`` when admitted to the block, then the gas they used). Contract code runs at
    about 70-170 ns per gas here (``docs/contract-runtime.md``), so a block of hostile calls
    costs at most some seconds of CPU; 4,000 plain transactions use about 16 M."""
    max_call_gas: int = 10_000_000
    """Largest ``gas_limit`` one contract call (or lifecycle hook) may have (about 1-2 s of
    CPU at worst)."""
    default_call_gas: int = 1_000_000
    """``gas_limit`` of a contract call that does not state one."""
    contract_lib: str = LIBRARY_HASH
    """The contract standard library validators run (``wuyi.contract.lib``): the SHA-256 hex of
    its modules' sources, or ``""`` (none: contracts cannot import it). A new chain pins the
    library of the release that creates it; governance moves the pin (``chain.set_params``)
    once every validator runs a release with that library. A chain whose stored parameters
    predate it reads ``""``."""

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "contract_lib":
                if type(v) is not str or (v and not _is_sha256_hex(v)):
                    raise ValidationError(
                        "chain parameter 'contract_lib' must be a library hash (64 lowercase"
                        " hex digits) or empty"
                    )
            elif type(v) is not int or v <= 0:
                raise ValidationError(f"chain parameter '{f.name}' must be a positive integer")
        if self.max_call_gas >= self.block_gas_limit:
            raise ValidationError("chain parameter 'max_call_gas' must be below block_gas_limit")
        if self.default_call_gas > self.max_call_gas:
            raise ValidationError("chain parameter 'default_call_gas' must be at most max_call_gas")

    def to_obj(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_obj(cls, obj: Any) -> ChainParams:
        if not isinstance(obj, dict):
            raise ValidationError("chain parameters must be a map")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(obj) - known)
        if unknown:
            raise ValidationError(f"unknown chain parameters: {unknown}")
        # parameters stored before the library existed pin none (never this node's own)
        return replace(cls(), **{"contract_lib": "", **obj})


def _is_sha256_hex(v: str) -> bool:
    return len(v) == 64 and all(c in "0123456789abcdef" for c in v)


PRESETS: dict[str, ChainParams] = {
    "production": ChainParams(),
    "minimal": ChainParams(max_tx_bytes=8192, max_block_txs=200, max_expiry_window=1000),
}
