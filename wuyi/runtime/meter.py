"""Gas: the schedule, the limits and the meter.

Everything here is deterministic: the meter counts units charged by the instrumented contract
code and by the guarded builtins; it never looks at a clock. The same call on the same state
uses exactly the same gas on every node, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from wuyi.exceptions import ContractFault, OutOfGas

__all__ = ["PRESENTATION_RECORDS", "GasMeter", "GasSchedule", "Limits", "presentation_cost"]

#: State records one accepted presentation writes besides one per credential (the check, the
#: nonce, the consent, the holder's use index).
PRESENTATION_RECORDS = 4


@dataclass(frozen=True)
class GasSchedule:
    """What each kind of work costs, in gas units (see ``docs/contract-runtime.md``).

    The instrumented code charges ``statement`` per statement (once per straight-line block,
    for all its statements), ``loop_iteration`` per iteration of a loop or comprehension and
    ``call`` per contract-level function call. Builtins charge per unit of work: one
    ``element`` per item of a list/dict they process or create, one ``element`` per
    ``byte_unit`` bytes of str/bytes, one per ``int_unit_bits`` bits of big integers.
    ``assurance()`` charges ``verify`` (a signature check against the state) plus
    ``hash_unit`` per 32 bytes of the token; ``presentation()`` charges ``verify`` twice per
    credential (issuer and key-binding signatures), ``hash_unit`` per 32 bytes of the text,
    ``state_write`` per record of the use, and ``value_byte`` per byte of its result.
    """

    statement: int = 1
    loop_iteration: int = 1
    call: int = 5
    element: int = 1
    byte_unit: int = 32
    int_unit_bits: int = 64
    state_read: int = 100
    state_read_byte: int = 1
    state_write: int = 200
    state_write_byte: int = 5
    state_delete: int = 100
    state_range_item: int = 20
    event: int = 100
    event_byte: int = 2
    invoke: int = 500
    authorize: int = 200
    hash: int = 60
    hash_unit: int = 2
    verify: int = 20_000
    log: int = 10
    log_byte: int = 1
    value_byte: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if type(v) is not int or v < 0 or (f.name == "byte_unit" and v == 0):
                raise ValueError(f"GasSchedule.{f.name} must be a non-negative int, got {v!r}")
        if self.int_unit_bits <= 0:
            raise ValueError("GasSchedule.int_unit_bits must be positive")


@dataclass(frozen=True)
class Limits:
    """Hard limits of one transaction (a top-level call and everything it invokes).

    All of them are chain parameters: every validator must use the same values.

    * ``max_value_size``: encoded bytes of one state value (64 KiB).
    * ``max_key_size``: UTF-8 bytes of one contract state key (256).
    * ``max_writes``: ``state.set``/``state.delete`` calls per transaction (1024).
    * ``max_call_depth``: nested contract-level calls — every contract function or lambda
      call, and every ``invoke`` (64). Reached deterministically, long before CPython's own
      recursion limit.
    * ``max_events`` / ``max_event_size``: events per transaction (256) and encoded bytes of
      one event's attributes (16 KiB).
    * ``max_return_size``: encoded bytes of a method's return value (64 KiB).
    * ``max_str_size``: characters/bytes of a str or bytes created by a guarded operation
      (1 MiB); ``max_list_len``: items of a list created by one (1,048,576).
    * ``max_int_bits``: bits of an integer created by ``*``, ``**``, ``<<``, ``+``, ``-``,
      ``int()`` (1024).
    * ``max_depth``: nesting of lists/dicts compared, formatted or passed between contracts
      (32).
    * ``max_range``: items one ``state.range`` may return (1000).
    * ``max_log_bytes``: bytes of ``print`` output kept per transaction (64 KiB; the rest is
      dropped).
    * ``init_gas``: gas for running a module's top level (imports, constants) once (100,000).
    * ``max_source_size``: bytes of contract source (256 KiB); ``max_nesting``: syntactic
      nesting of expressions and statements (100, an upper bound computed from tokens).
    """

    max_value_size: int = 64 * 1024
    max_key_size: int = 256
    max_writes: int = 1024
    max_call_depth: int = 64
    max_events: int = 256
    max_event_size: int = 16 * 1024
    max_return_size: int = 64 * 1024
    max_str_size: int = 1024 * 1024
    max_list_len: int = 1024 * 1024
    max_int_bits: int = 1024
    max_depth: int = 32
    max_range: int = 1000
    max_log_bytes: int = 64 * 1024
    init_gas: int = 100_000
    max_source_size: int = 256 * 1024
    max_nesting: int = 100

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if type(v) is not int or v <= 0:
                raise ValueError(f"Limits.{f.name} must be a positive int, got {v!r}")
        if self.max_call_depth > 200:
            raise ValueError("Limits.max_call_depth above 200 risks CPython's recursion limit")
        if self.max_nesting > 100:
            raise ValueError("Limits.max_nesting above 100 risks CPython's parser limits")


class GasMeter:
    """Counts gas for one transaction; shared by every contract the transaction reaches.

    ``consume(amount, reason)`` is the general entry; the instrumented code calls the bound
    hooks in :attr:`hooks` (``_g_`` statements, ``_l_`` loop iterations, ``_c_``
    comprehension iterations, ``_e_``/``_x_`` function entry/exit). When the gas runs out the
    meter is left exhausted (``used == limit``) and :class:`OutOfGas` names what was needed,
    what was left and for what.
    """

    __slots__ = ("_comp_cost", "busy", "depth", "hooks", "limit", "max_depth", "used")

    def __init__(self, limit: int, *, max_depth: int = 64, loop_iteration: int = 1) -> None:
        if type(limit) is not int or limit < 0:
            raise ValueError(f"gas limit must be a non-negative int, got {limit!r}")
        self.limit = limit
        self.used = 0
        self.depth = 0
        self.busy = False
        self.max_depth = max_depth
        self._comp_cost = loop_iteration
        self.hooks: dict[str, Any] = {
            "_g_": self.statements,
            "_l_": self.iteration,
            "_c_": self.comprehension,
            "_e_": self.enter,
            "_x_": self.leave,
        }

    def reset(self, limit: int) -> None:
        """Start counting afresh for a new transaction (lets a thread reuse its meter)."""
        if type(limit) is not int or limit < 0:
            raise ValueError(f"gas limit must be a non-negative int, got {limit!r}")
        self.limit = limit
        self.used = 0
        self.depth = 0

    @property
    def remaining(self) -> int:
        return self.limit - self.used

    def consume(self, amount: int, reason: str) -> None:
        """Charge ``amount`` for ``reason``; raise :class:`OutOfGas` if it does not fit."""
        used = self.used + amount
        if used > self.limit:
            self._exhausted(amount, reason)
        self.used = used

    def _exhausted(self, amount: int, reason: str) -> None:
        left = self.limit - self.used
        self.used = self.limit
        raise OutOfGas(
            f"out of gas: {reason} needs {amount}, {left} of {self.limit} left",
            needed=amount,
            remaining=left,
            reason=reason,
        )

    # -- hooks called by instrumented code (kept tiny: one call per basic block) --------------

    def statements(self, n: int) -> None:
        used = self.used + n
        if used > self.limit:
            self._exhausted(n, "statements")
        self.used = used

    def iteration(self, n: int) -> None:
        used = self.used + n
        if used > self.limit:
            self._exhausted(n, "loop iteration")
        self.used = used

    def comprehension(self) -> bool:
        used = self.used + self._comp_cost
        if used > self.limit:
            self._exhausted(self._comp_cost, "comprehension iteration")
        self.used = used
        return True

    def enter(self, n: int) -> None:
        depth = self.depth + 1
        if depth > self.max_depth:
            raise ContractFault(
                f"call depth exceeds the limit of {self.max_depth} (recursion too deep)",
                limit="max_call_depth",
            )
        self.depth = depth
        used = self.used + n
        if used > self.limit:
            self._exhausted(n, "function call")
        self.used = used

    def leave(self, value: Any) -> Any:
        self.depth -= 1
        return value


def presentation_cost(schedule: GasSchedule, size: int, lines: int) -> int:
    """What checking and recording a presentation of ``size`` characters and ``lines``
    credentials costs, charged before the work by ``wuyi.contract.presentation`` and
    ``vc.verify`` alike: ``verify`` twice per credential (the issuer's and the holder's
    signatures), ``hash_unit`` per 32 bytes of the text and ``state_write`` per record."""
    return (
        2 * lines * schedule.verify
        + (size // 32 + 1) * schedule.hash_unit
        + (PRESENTATION_RECORDS + lines) * schedule.state_write
    )
