"""BLOCKBENCH's KVStore / the YCSB core table: get and put over a large key space. Reads are
transactions too (``get`` is a ``@call``), so they go through consensus and count."""

from wuyi.contract import call, require, state

MAX_LOAD = 1000


@call
def put(key: str, value: str) -> None:
    state.set(key, value)


@call
def get(key: str) -> str:
    return state.get(key, "")


@call
def load(start: int, count: int, size: int) -> None:
    """Preload keys ``k<start>`` … ``k<start+count-1>`` with values of ``size`` characters."""
    require(0 < count <= MAX_LOAD, "count must be 1-1000")
    require(0 < size <= 1000, "size must be 1-1000")
    value = "v" * size
    for i in range(start, start + count):
        state.set("k" + str(i), value)
