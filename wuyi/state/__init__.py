"""Authenticated world state: a compressed binary sparse Merkle tree with state proofs.

* :class:`StateTree` reads and updates roots over content-addressed nodes (``NodeReader``);
  ``apply`` returns the new root and the new nodes for the caller to persist with the block.
* :class:`StateProof` and :func:`verify_proof` prove a key's value or its absence under a root.
* :data:`EMPTY_ROOT` (32 zero bytes) is the root of the empty state, for every suite.

The structure, encodings and proof format are specified in ``docs/state.md``.
"""

from wuyi.state._nodes import EMPTY_ROOT, Hasher
from wuyi.state.proof import StateProof, verify_proof
from wuyi.state.smt import MemoryNodeStore, StateTree

__all__ = [
    "EMPTY_ROOT",
    "Hasher",
    "MemoryNodeStore",
    "StateProof",
    "StateTree",
    "verify_proof",
]
