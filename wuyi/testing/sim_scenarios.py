"""Scenario families: a seed and a family name determine one whole schedule.

``make_config(family, seed)`` draws every parameter of the schedule (faults, timings, the
Byzantine strategy) from ``random.Random`` seeded by the pair, so ``run_seed(family, seed)``
replays a failing schedule exactly.
"""

from __future__ import annotations

import dataclasses
import random
import zlib
from typing import Any

from wuyi.abc import Suite
from wuyi.testing.sim import (
    SIM_PARAMS,
    WAL_FAULTS,
    Crash,
    Partition,
    SimConfig,
    SimResult,
    run_simulation,
)
from wuyi.testing.sim_byzantine import STRATEGIES

__all__ = ["FAMILIES", "make_config", "run_seed"]

FAMILIES = (
    "clean",
    "lossy",
    "partition",
    "crash",
    "byzantine",
    "byzantine_faults",
    "valset",
    "idle",
    "mixed",
    "wal",
)


def _split(rng: random.Random, nodes: list[int]) -> tuple[tuple[int, ...], ...]:
    nodes = list(nodes)
    rng.shuffle(nodes)
    style = rng.randrange(3)
    if style == 0:  # isolate one node
        return (tuple(nodes[:1]), tuple(nodes[1:]))
    if style == 1:  # two halves
        cut = len(nodes) // 2
        return (tuple(nodes[:cut]), tuple(nodes[cut:]))
    return tuple(tuple(nodes[i::3]) for i in range(3) if nodes[i::3])


def _partitions(rng: random.Random, nodes: list[int], end: int) -> tuple[Partition, ...]:
    out = []
    for _ in range(rng.randint(1, 3)):
        start = rng.randint(0, end - 200)
        stop = rng.randint(start + 100, end)
        kinds: tuple[str, ...] = ()
        if rng.random() < 0.35:
            all_kinds = ["proposal", "prevote", "commit", "status", "decided"]
            kinds = tuple(rng.sample(all_kinds, rng.randint(1, 3)))
        out.append(Partition(start, stop, _split(rng, nodes), kinds))
    return tuple(out)


def _crashes(rng: random.Random, nodes: list[int], end: int) -> tuple[Crash, ...]:
    out = []
    for _ in range(rng.randint(1, 4)):
        node = rng.choice(nodes)
        at = rng.randint(0, end - 100)
        out.append(Crash(node, at, rng.randint(at + 1, min(end, at + 3000))))
    if rng.random() < 0.15:  # everybody goes down at once
        at = rng.randint(0, end - 100)
        back = rng.randint(at + 1, end)
        out += [Crash(n, at, back + rng.randint(0, 50)) for n in nodes]
    return tuple(out)


def make_config(family: str, seed: int) -> SimConfig:
    if family not in FAMILIES:
        raise ValueError(f"unknown scenario family {family!r}")
    rng = random.Random(zlib.crc32(family.encode()) * 1_000_003 + seed)
    validators = list(range(4))
    cfg = SimConfig(
        seed=seed,
        family=family,
        target_height=rng.randint(6, 10),
        min_delay_ms=1,
        max_delay_ms=rng.randint(10, 60),
    )
    end = rng.randint(1500, 6000)
    lossy: dict[str, Any] = {
        "drop": rng.uniform(0, 0.25),
        "duplicate": rng.uniform(0, 0.3),
        "fault_end_ms": end,
    }
    light: dict[str, Any] = {
        "drop": rng.uniform(0, 0.08),
        "duplicate": rng.uniform(0, 0.1),
        "fault_end_ms": end,
    }
    byz_node = rng.choice(validators)
    strategy = rng.choice(sorted(STRATEGIES))
    if family == "lossy":
        cfg = dataclasses.replace(cfg, max_delay_ms=rng.randint(20, 250), **lossy)
    elif family == "partition":
        cfg = dataclasses.replace(cfg, partitions=_partitions(rng, validators, end), **light)
    elif family == "crash":
        cfg = dataclasses.replace(cfg, crashes=_crashes(rng, validators, end), **light)
    elif family == "byzantine":
        cfg = dataclasses.replace(cfg, byzantine=byz_node, byzantine_strategy=strategy)
    elif family == "byzantine_faults":
        honest = [n for n in validators if n != byz_node]
        cfg = dataclasses.replace(
            cfg,
            byzantine=byz_node,
            byzantine_strategy=strategy,
            partitions=_partitions(rng, validators, end) if rng.random() < 0.5 else (),
            crashes=_crashes(rng, honest, end) if rng.random() < 0.5 else (),
            **lossy,
        )
    elif family == "valset":
        members = sorted(rng.sample(range(5), 4))
        if 4 not in members:
            members = sorted([*members[1:], 4])
        keep = [n for n in validators if n in members]
        cfg = dataclasses.replace(
            cfg,
            n_followers=1,
            target_height=rng.randint(8, 11),
            valset_change=tuple(members),
            byzantine=rng.choice(keep) if rng.random() < 0.5 else None,
            byzantine_strategy=strategy,
            **light,
        )
    elif family == "idle":
        interval = rng.choice([None, None, 700, 1500])
        cfg = dataclasses.replace(
            cfg,
            params=dataclasses.replace(SIM_PARAMS, create_empty_blocks_interval_ms=interval),
            idle_check_ms=rng.randint(3000, 8000),
            **light,
        )
    elif family == "mixed":
        cfg = dataclasses.replace(
            cfg,
            byzantine=byz_node if rng.random() < 0.7 else None,
            byzantine_strategy=strategy,
            partitions=_partitions(rng, validators, end) if rng.random() < 0.6 else (),
            crashes=_crashes(rng, [n for n in validators if n != byz_node], end)
            if rng.random() < 0.6
            else (),
            max_delay_ms=rng.randint(10, 200),
            **lossy,
        )
    elif family == "wal":
        # crashes that damage the WAL (torn, zero-filled, cut short, bit-flipped, lost), half
        # the time next to a Byzantine validator: a validator whose log is damaged must still
        # never contradict a vote it signed (its safety state keeps the lock)
        byz = byz_node if rng.random() < 0.5 else None
        crashed = [n for n in validators if n != byz]
        cfg = dataclasses.replace(
            cfg,
            byzantine=byz,
            byzantine_strategy=strategy,
            crashes=tuple(
                dataclasses.replace(c, wal_fault=rng.choice(WAL_FAULTS))
                for c in _crashes(rng, crashed, end)
            ),
            **light,
        )
    return cfg


def run_seed(family: str, seed: int, suite: Suite | None = None) -> SimResult:
    return run_simulation(make_config(family, seed), suite)
