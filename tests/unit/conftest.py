from __future__ import annotations

import pytest

from tests.unit.demo_chain import DemoChain, make_demo_chain


@pytest.fixture(scope="session")
def demo_chain(tmp_path_factory: pytest.TempPathFactory) -> DemoChain:
    """The demo chain, loaded once per test run (see ``tests/unit/demo_chain.py``)."""
    return make_demo_chain(tmp_path_factory)
