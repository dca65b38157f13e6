"""Testing support shipped with the package: the consensus simulator, chain harnesses and the
contract test kit.

* :mod:`wuyi.testing.contracts` — ``ContractTester``: run a contract in-process against an
  in-memory chain (identities, time, events, gas) in milliseconds; for department developers.
* :mod:`wuyi.testing.factories` — ``LedgerHarness``: the real block transition in memory, with
  ``govern``/``deploy_contract``/``call`` helpers.
* :mod:`wuyi.testing.sim` — seeded simulator (clock, lossy network, crashes, invariants).
* :mod:`wuyi.testing.sim_byzantine` — named Byzantine strategies.
* :mod:`wuyi.testing.sim_scenarios` — scenario families: ``run_seed(family, seed)``.
* :mod:`wuyi.testing.sim_crypto` — the suite the simulator signs with (real ``intl`` when
  available, else a fake) and a verification cache.
"""
