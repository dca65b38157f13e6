"""Testing support shipped with the package: the deterministic consensus simulator and fakes.

* :mod:`wuyi.testing.sim` — seeded simulator (clock, lossy network, crashes, invariants).
* :mod:`wuyi.testing.sim_byzantine` — named Byzantine strategies.
* :mod:`wuyi.testing.sim_scenarios` — scenario families: ``run_seed(family, seed)``.
* :mod:`wuyi.testing.sim_crypto` — the suite the simulator signs with (real ``intl`` when
  available, else a fake) and a verification cache.
"""
