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
``registry``   a scenario: 不动产登记 unit registration, the ``realestate`` contract's
               ``register_unit`` by a registration office's registrar (a new unit per
               transaction: the role and office checks, the unit, its first history record,
               the district count)
``transfer``   value transfer: the example token's ``transfer`` (the Ganache comparison)
``counter``    the example counter's ``increment`` (the Ganache comparison)
=============  ==========================================================================

Transactions are pre-signed outside the timed window in worker processes
(:func:`presign`); each is deterministic in its index, and the nonce ranges of different
pools never overlap, so no transaction is ever a replay of another.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_node import CALL_GAS, workload_tx

__all__ = [
    "KV_VALUE_SIZE",
    "WORKLOADS",
    "Workload",
    "Zipfian",
    "deploy",
    "presign",
    "registry_setup_payloads",
    "registry_unit_id",
    "tx_for",
]

KV_VALUE_SIZE = 100
REGISTRY_OFFICE = "sjj"
"""The bench network's one organisation, made the registration office of ``registry``."""
REGISTRY_ROLES = ["admin", "registrar"]
"""The bench sender's roles for ``registry`` (set by :func:`registry_setup_payloads`)."""
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
            "registry",
            "不动产登记 unit registration (scenario)",
            "realestate",
            ("scenarios", "realestate"),
            {"params": {"offices": [REGISTRY_OFFICE]}},
        ),
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


def deploy(client: Any, admin: Any, workloads: Sequence[Workload]) -> list[str]:
    """Deploy each distinct contract of ``workloads`` with ``client`` (a ``WuyiClient``)
    through governance, proposed and executed by ``admin`` (one organisation: its own proposal
    is a majority), with the workload's ``init`` arguments; returns the names deployed."""
    from wuyi.sdk.client import event_attr

    done: list[str] = []
    for w in workloads:
        if w.contract is None or w.contract in done:
            continue
        pkg = {
            "name": w.contract,
            "version": "1.0.0",
            "source": contract_source(w),
            "manifest": {},
        }
        res = client.submit_and_wait(
            client.builder(admin).contract_propose(pkg, hook_args=w.init or None), 60
        )
        pid = event_attr(res.receipt, "gov.proposed", "id")
        res = client.submit_and_wait(client.builder(admin).gov_execute(pid), 60)
        if res.receipt.status != "ok":
            raise RuntimeError(f"deploying {w.contract} failed: {res.receipt}")
        done.append(w.contract)
    return done


def contract_source(w: Workload) -> str:
    assert w.source is not None
    where, name = w.source
    if where == "examples":
        from wuyi.contracts.examples import source

        return source(name)
    if where == "scenarios":
        from wuyi.contracts.scenarios import source as scenario_source

        return scenario_source(name)
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
    if workload == "registry":
        return "contract.call", {
            "contract": "realestate",
            "method": "register_unit",
            "args": {
                "unit_id": registry_unit_id(i),
                "location": f"江门市蓬江区白沙大道西{i % 997 + 1}号{i % 30 + 1}楼",
                "area": 6000 + i % 9000,
                "use": "residential",
            },
            "gas_limit": CALL_GAS,
        }
    raise KeyError(f"no workload {workload!r} (one of {', '.join(WORKLOADS)})")


def registry_unit_id(i: int) -> str:
    """不动产单元号 of the ``i``-th ``registry`` transaction: one of Jiangmen's district codes,
    then block and unit, distinct for every ``i`` below 5 × 10**7 (a run's indices never
    repeat)."""
    if not 0 <= i < 5 * 10**7:
        raise ValueError(f"registry: index {i} out of range")
    district = ("440703", "440704", "440705", "440781", "440783")[i % 5]
    rest = i // 5
    return f"{district}-{rest // 10**4 % 1000:03d}-{rest % 10**4:04d}"


def registry_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``registry`` needs before it runs: the sender (the organisation's admin) also
    holds the ``registrar`` role that ``register_unit`` requires."""
    return [("member.set_roles", {"address": admin_address, "roles": list(REGISTRY_ROLES)})]


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
