"""The replica's write-ahead log of inputs: interface and an in-memory implementation.

``Replica.step`` appends every event (encoded with ``encode_event``) before handling it, tagged
with the height the replica is at; ``Replica.recover`` replays the records from the checkpoint
height through the same ``step`` logic. The node adapter implements :class:`ReplicaWAL` on a
file with fsync in ``append``; the simulator uses :class:`MemoryWAL`, which survives a simulated
crash because the simulator keeps the object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

__all__ = ["MemoryWAL", "ReplicaWAL"]


class ReplicaWAL(Protocol):
    """An append-only log of consensus inputs."""

    def append(self, height: int, record: bytes) -> None:
        """Make ``record`` durable (fsync) before returning."""
        ...

    def replay(self, from_height: int) -> Iterator[bytes]:
        """Records tagged with a height ≥ ``from_height``, in append order."""
        ...

    def truncate_below(self, height: int) -> None:
        """Drop records tagged below ``height`` (once that checkpoint is durable)."""
        ...


class MemoryWAL:
    """In-memory :class:`ReplicaWAL` for tests and the simulator."""

    def __init__(self) -> None:
        self.records: list[tuple[int, bytes]] = []

    def append(self, height: int, record: bytes) -> None:
        self.records.append((height, record))

    def replay(self, from_height: int) -> Iterator[bytes]:
        for h, rec in list(self.records):
            if h >= from_height:
                yield rec

    def truncate_below(self, height: int) -> None:
        self.records = [(h, r) for h, r in self.records if h >= height]

    def __len__(self) -> int:
        return len(self.records)
