"""The workloads of ``make bench``, modelled on BLOCKBENCH and Hyperledger Caliper.

=============  ==========================================================================
``donothing``  BLOCKBENCH DoNothing: ``contract.call`` of ``donothing.nothing()``, a method
               that returns at once (consensus, signature check and sandbox entry only)
``kv-a``       YCSB workload A over the KVStore contract: 50 % ``get`` / 50 % ``put``
``kv-b``       YCSB workload B: 95 % ``get`` / 5 % ``put``; keys drawn from a scrambled
               Zipfian (θ = 0.99, YCSB's default) over ``kv_keys`` preloaded keys, values of
               100 characters; reads are transactions and count
``smallbank``  SmallBank (Blockbench's mix over 1,000 customers)
``anchor``     evidence anchoring: the native ``evidence.anchor`` kind (a document hash and
               its metadata) — the chain's own hot path
``transfer``   value transfer: the example token's ``transfer`` (the Ganache comparison)
``counter``    the example counter's ``increment`` (the Ganache comparison)
=============  ==========================================================================

Transactions are pre-signed outside the timed window in worker processes
(:func:`presign`); each is deterministic in its index, and the nonce ranges of different
pools never overlap, so no transaction is ever a replay of another.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_node import CALL_GAS, workload_tx

__all__ = [
    "KV_VALUE_SIZE",
    "WORKLOADS",
    "Workload",
    "Zipfian",
    "presign",
    "tx_for",
]

KV_VALUE_SIZE = 100
KV_LOAD_PER_TX = 1000
KV_LOAD_GAS = 9_000_000


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    contract: str | None = None
    """Package name the workload calls (None: a native kind)."""
    source: tuple[str, str] | None = None
    """("examples" | "bench", module) of the contract's source."""
    init: dict[str, Any] = field(default_factory=dict)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("donothing", "DoNothing", "donothing", ("bench", "donothing")),
        Workload("kv-a", "KVStore YCSB-A (50/50)", "kvstore", ("bench", "kvstore")),
        Workload("kv-b", "KVStore YCSB-B (95/5)", "kvstore", ("bench", "kvstore")),
        Workload("smallbank", "SmallBank", "smallbank", ("examples", "smallbank")),
        Workload("anchor", "evidence anchoring"),
        Workload(
            "transfer",
            "token transfer",
            "token",
            ("examples", "transfer"),
            {"symbol": "WYT", "supply": 10**14},
        ),
        Workload("counter", "counter increment", "counter", ("examples", "counter")),
    )
}


def contract_source(w: Workload) -> str:
    assert w.source is not None
    where, name = w.source
    if where == "examples":
        from wuyi.contracts.examples import source

        return source(name)
    from benchmarks.contracts import source as bench_source

    return bench_source(name)


def _fnv64(x: int) -> int:
    """FNV-1a over the 8 bytes of ``x`` (YCSB's scrambling hash)."""
    h = 0xCBF29CE484222325
    for _ in range(8):
        h ^= x & 0xFF
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        x >>= 8
    return h


def _unit(i: int, salt: int) -> float:
    """A deterministic number in [0, 1) for index ``i``."""
    return _fnv64(i * 2654435761 + salt) / 2.0**64


class Zipfian:
    """YCSB's scrambled Zipfian generator (Gray et al., "Quickly generating billion-record
    synthetic databases"): ranks drawn with P(rank k) ∝ 1/k^θ, then scattered over the key
    space by a hash so the hot keys are not adjacent."""

    def __init__(self, n: int, theta: float = 0.99) -> None:
        self.n = n
        self.theta = theta
        self.zetan = sum(1.0 / (i**theta) for i in range(1, n + 1))
        zeta2 = 1.0 + 1.0 / (2**theta)
        self.alpha = 1.0 / (1.0 - theta)
        self.eta = (1 - (2.0 / n) ** (1 - theta)) / (1 - zeta2 / self.zetan)
        self.half_pow = 1 + 0.5**theta

    def rank(self, u: float) -> int:
        uz = u * self.zetan
        if uz < 1.0:
            return 0
        if uz < self.half_pow:
            return 1
        return min(self.n - 1, int(self.n * (self.eta * u - self.eta + 1) ** self.alpha))

    def key(self, u: float) -> int:
        return _fnv64(self.rank(u)) % self.n


_ZIPF: dict[int, Zipfian] = {}


def tx_for(workload: str, suite: Any, i: int, kv_keys: int = 100_000) -> tuple[str, dict[str, Any]]:
    """Kind and payload of the ``i``-th transaction of ``workload`` (deterministic in ``i``)."""
    if workload in ("anchor", "transfer", "smallbank"):
        return workload_tx(workload, suite, i)
    if workload == "donothing":
        return "contract.call", {
            "contract": "donothing",
            "method": "nothing",
            "args": {},
            "gas_limit": CALL_GAS,
        }
    if workload == "counter":
        return "contract.call", {
            "contract": "counter",
            "method": "increment",
            "args": {"by": 1},
            "gas_limit": CALL_GAS,
        }
    if workload in ("kv-a", "kv-b"):
        z = _ZIPF.get(kv_keys)
        if z is None:
            z = _ZIPF[kv_keys] = Zipfian(kv_keys)
        key = "k" + str(z.key(_unit(i, 1)))
        read_share = 0.5 if workload == "kv-a" else 0.95
        if _unit(i, 2) < read_share:
            method, args = "get", {"key": key}
        else:
            value = (f"u{i}-" + "x" * KV_VALUE_SIZE)[:KV_VALUE_SIZE]
            method, args = "put", {"key": key, "value": value}
        return "contract.call", {
            "contract": "kvstore",
            "method": method,
            "args": args,
            "gas_limit": CALL_GAS,
        }
    raise KeyError(f"no workload {workload!r} (one of {', '.join(WORKLOADS)})")


def kv_load_payloads(kv_keys: int) -> list[tuple[str, dict[str, Any]]]:
    """The transactions that preload the KVStore's ``kv_keys`` keys (1,000 per transaction)."""
    return [
        (
            "contract.call",
            {
                "contract": "kvstore",
                "method": "load",
                "args": {
                    "start": s,
                    "count": min(KV_LOAD_PER_TX, kv_keys - s),
                    "size": KV_VALUE_SIZE,
                },
                "gas_limit": KV_LOAD_GAS,
            },
        )
        for s in range(0, kv_keys, KV_LOAD_PER_TX)
    ]


Job = tuple[str, str, bytes, str, int, int, int, int]


def _sign_range(job: Job) -> list[tuple[str, str]]:
    from wuyi.crypto import get_suite
    from wuyi.ledger.types import Transaction

    suite_name, chain_id, seed, workload, start, stop, nonce_base, kv_keys = job
    suite = get_suite(suite_name)
    key = suite.private_key_from_bytes(seed)
    out = []
    for i in range(start, stop):
        kind, payload = tx_for(workload, suite, i, kv_keys)
        tx = Transaction(chain_id, key.public_key, nonce_base + i, 90_000, kind, payload)
        tx = tx.signed(key)
        out.append((tx.to_bytes().hex(), suite.hash(tx.signing_bytes()).hex()))
    return out


def presign(
    suite_name: str,
    chain_id: str,
    seed: bytes,
    workload: str,
    start: int,
    n: int,
    nonce_base: int,
    kv_keys: int = 100_000,
    workers: int = 2,
    pool: Any = None,
) -> list[tuple[str, str]]:
    """``n`` signed transactions (indices ``start`` … ``start+n-1``) as ``(hex, tx hash hex)``,
    signed in ``pool`` (a ``multiprocessing`` pool kept for the run) or in ``workers`` new
    processes."""
    if n <= 0:
        return []
    step = max(200, n // (workers * 4))
    jobs: list[Job] = [
        (suite_name, chain_id, seed, workload, i, min(start + n, i + step), nonce_base, kv_keys)
        for i in range(start, start + n, step)
    ]
    if pool is None and (workers <= 1 or len(jobs) == 1):
        return [t for j in jobs for t in _sign_range(j)]
    if pool is not None:
        return [t for p in pool.map(_sign_range, jobs) for t in p]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        parts = pool.map(_sign_range, jobs)
    return [t for p in parts for t in p]
