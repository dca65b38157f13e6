"""Cross-chain recognition (跨链互认): chain B accepts "on chain A, key K had value V (or had
none) at height h" from a proof checked against its own light client of A — no relay, router
or third-party witness is trusted, and any member may relay. See ``README.md`` here and
``docs/crosschain.md``.

Modules: :mod:`.proofs` (membership and non-membership proofs, pure), :mod:`.client` (the
light client's objects and ICS-07 rules, pure), :mod:`.store` (the ``xchain/`` state
layout), :mod:`.handlers` (transactions and governance actions), :mod:`.packets` (effects:
packets, receipts, acknowledgements, timeouts), :mod:`.registry` (the chain registry),
:mod:`.bundle` (offline fact bundles), :mod:`.sdk`, :mod:`.relay`, :mod:`.api`, :mod:`.cli`.
"""
