"""Sandbox overhead of the contract runtime: one typical method, three ways.

The method (two state reads, two writes, one event, two requires)::

    require(amount > 0, ...); sender = ctx.sender
    balance = state.get("bal/" + sender, 0); require(balance >= amount, ...)
    state.set("bal/" + sender, balance - amount)
    state.set("bal/" + to, state.get("bal/" + to, 0) + amount)
    emit("Transfer", sender=sender, to=to, amount=amount)

* ``plain_dict`` — plain Python, values kept as Python objects in a dict (the floor);
* ``plain_encoded`` — plain Python with the chain's storage semantics: canonical CBOR values
  under prefixed byte keys, event attributes encoded once (to check them and their size, as any
  runtime must, sandbox or not);
* ``runtime`` — through :class:`wuyi.runtime.Runtime` (compiled once, called many times):
  argument checks, guards, gas metering, limits, return-value check.

The three run in interleaved rounds of ``--calls`` calls; ``us_per_call`` is the best round
(the usual estimator on a noisy machine: noise only adds), ``us_per_call_median`` the median.
``overhead`` is ``runtime / plain_encoded`` (the cost of the sandbox itself);
``overhead_vs_dict`` is ``runtime / plain_dict``. Prints JSON. Usage::

    python -m benchmarks.bench_contract [--calls 1000] [--repeats 15]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from wuyi.encoding import decode_trusted, encode
from wuyi.runtime import Identity, Runtime

SOURCE = """
from wuyi.contract import call, ctx, emit, require, state, view


@call
def transfer(to: str, amount: int) -> None:
    require(amount > 0, "amount must be positive")
    sender = ctx.sender
    balance = state.get("bal/" + sender, 0)
    require(balance >= amount, "insufficient balance")
    state.set("bal/" + sender, balance - amount)
    state.set("bal/" + to, state.get("bal/" + to, 0) + amount)
    emit("Transfer", sender=sender, to=to, amount=amount)


@view
def balance(account: str) -> int:
    return state.get("bal/" + account, 0)
"""

ALICE = "wy" + "a1" * 20
BOB = "wy" + "b2" * 20
PREFIX = b"contract/bench/s/"


class Revert(Exception):
    pass


def _require(cond: object, message: str) -> None:
    if not cond:
        raise Revert(message)


# -- plain Python, dict of Python values ----------------------------------------------------------


class DictState:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value


def make_plain(state: Any, events: list[Any], sender: str) -> Callable[[str, int], None]:
    def emit(name: str, **attrs: Any) -> None:
        events.append((name, attrs))

    def transfer(to: str, amount: int) -> None:
        _require(amount > 0, "amount must be positive")
        balance = state.get("bal/" + sender, 0)
        _require(balance >= amount, "insufficient balance")
        state.set("bal/" + sender, balance - amount)
        state.set("bal/" + to, state.get("bal/" + to, 0) + amount)
        emit("Transfer", sender=sender, to=to, amount=amount)

    return transfer


# -- plain Python, the chain's storage semantics --------------------------------------------------


class EncodedState:
    """Canonical CBOR values under prefixed byte keys (what the runtime's state does)."""

    def __init__(self, kv: dict[bytes, bytes]) -> None:
        self.kv = kv

    def get(self, key: str, default: Any = None) -> Any:
        raw = self.kv.get(PREFIX + key.encode())
        return default if raw is None else decode_trusted(raw)

    def set(self, key: str, value: Any) -> None:
        self.kv[PREFIX + key.encode()] = encode(value)


# -- the runtime ----------------------------------------------------------------------------------


class MemKV:
    """A dict-backed store, with the dict's own (C-level) methods as ``get``/``set``: the
    same store the plain variants use, so the comparison measures the runtime only."""

    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}
        self.get = self.data.get
        self.set = self.data.__setitem__

    def delete(self, key: bytes) -> None:
        self.data.pop(key, None)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for k in sorted(self.data):
            if k.startswith(prefix):
                yield k, self.data[k]


class BenchHost:
    def __init__(self) -> None:
        self.kv = MemKV()
        self.signers = (Identity(ALICE, "org1", ()),)
        self.height = 1
        self.time = 1_700_000_000_000
        self.tx_hash = b"\x00" * 32

    def state_prefix(self, contract: str) -> bytes:
        return PREFIX

    def load(self, contract: str) -> str:
        raise LookupError(contract)

    def authorize(self, policy: Any, roles: Any, call: Any) -> None:
        return None

    def contract_lib(self) -> str:
        from wuyi.contract.lib import LIBRARY_HASH

        return LIBRARY_HASH

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def emit(self, contract: str, name: str, attrs: dict[str, Any]) -> None:
        return None


def _time(fn: Callable[[], None], calls: int) -> float:
    """µs per call of one round of ``calls`` calls."""
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / calls * 1e6


def run(calls: int, repeats: int) -> dict[str, Any]:
    budget = 10**12

    dict_state = DictState()
    dict_state.set("bal/" + ALICE, budget)
    plain = make_plain(dict_state, [], ALICE)

    kv: dict[bytes, bytes] = {}
    enc_state = EncodedState(kv)
    enc_state.set("bal/" + ALICE, budget)
    enc_events: list[Any] = []

    def enc_emit(name: str, **attrs: Any) -> None:
        enc_events.append((name, attrs, encode(attrs)))  # canonical check + size, as on chain

    def encoded(to: str, amount: int) -> None:
        _require(amount > 0, "amount must be positive")
        sender = ALICE
        balance = enc_state.get("bal/" + sender, 0)
        _require(balance >= amount, "insufficient balance")
        enc_state.set("bal/" + sender, balance - amount)
        enc_state.set("bal/" + to, enc_state.get("bal/" + to, 0) + amount)
        enc_emit("Transfer", sender=sender, to=to, amount=amount)

    rt = Runtime()
    compiled = rt.compile(SOURCE, "bench")
    host = BenchHost()
    host.kv.set(PREFIX + b"bal/" + ALICE.encode(), encode(budget))
    args = {"to": BOB, "amount": 1}
    execute = rt.execute
    res = execute(compiled, "transfer", args, host, gas_limit=100_000)
    gas = res.gas_used

    def loop_plain() -> None:
        for _ in range(calls):
            plain(BOB, 1)

    def loop_encoded() -> None:
        for _ in range(calls):
            encoded(BOB, 1)
            enc_events.clear()

    def loop_runtime() -> None:
        for _ in range(calls):
            execute(compiled, "transfer", args, host, gas_limit=100_000)

    for fn in (loop_plain, loop_encoded, loop_runtime):  # warm up
        fn()
    samples: dict[str, list[float]] = {"plain": [], "encoded": [], "runtime": []}
    for _ in range(repeats):  # interleaved, so drifts in machine speed hit all three alike
        samples["plain"].append(_time(loop_plain, calls))
        samples["encoded"].append(_time(loop_encoded, calls))
        samples["runtime"].append(_time(loop_runtime, calls))
    best = {k: min(v) for k, v in samples.items()}
    median = {k: statistics.median(v) for k, v in samples.items()}
    plain_us, encoded_us, runtime_us = best["plain"], best["encoded"], best["runtime"]
    return {
        "benchmark": "contract_sandbox_overhead",
        "method": "transfer (2 state reads, 2 writes, 1 event, 2 requires)",
        "calls": calls,
        "repeats": repeats,
        "python": platform.python_version(),
        "us_per_call": {
            "plain_dict": round(plain_us, 2),
            "plain_encoded": round(encoded_us, 2),
            "runtime": round(runtime_us, 2),
        },
        "us_per_call_median": {
            "plain_dict": round(median["plain"], 2),
            "plain_encoded": round(median["encoded"], 2),
            "runtime": round(median["runtime"], 2),
        },
        "overhead": round(runtime_us / encoded_us, 2),
        "overhead_median": round(median["runtime"] / median["encoded"], 2),
        "overhead_vs_dict": round(runtime_us / plain_us, 2),
        "gas_per_call": gas,
        "calls_per_s_runtime": round(1e6 / runtime_us),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=15)
    a = p.parse_args(argv)
    print(json.dumps(run(a.calls, a.repeats), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
