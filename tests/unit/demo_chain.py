"""The demo chain of the in-process tests, loaded once per test run and copied for each
module that reads it: loading it (every scenario, through the API) takes a minute or more, so
the modules share the loading and not the state — each serves a fresh copy of its own and no
module sees another's writes."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.shared_build import build_once, rehome
from wuyi.demo import DEMO_ORGS, DEMO_PASSPHRASE, load_demo_data
from wuyi.testing.inprocess import InProcessNode, inprocess_node

#: a made demo chain: the folder holding ``node`` (the home), ``docs`` and ``wallets``, and what
#: :func:`load_demo_data` returned
DemoChain = tuple[Path, dict[str, Any]]


def _demo_node(tmp: Path, *, existing: bool = False) -> Any:
    return inprocess_node(
        tmp / "node",
        DEMO_ORGS,
        chain_id="jiangmen-gov",
        suite="sm",
        passphrase=DEMO_PASSPHRASE,
        name="江门市政务链",
        existing=existing,
    )


def make_demo_chain(tmp_path_factory: pytest.TempPathFactory) -> DemoChain:
    """A one-validator chain with the demo data (in ``<tmp>/node``, documents in
    ``<tmp>/docs``, wallets in ``<tmp>/wallets``), stopped; made once per test run."""

    def build(tmp: Path) -> dict[str, Any]:
        with _demo_node(tmp) as env:
            return copy.deepcopy(load_demo_data(env.client, env.keys_dir, tmp / "docs"))

    return build_once(tmp_path_factory, "unit-demo-chain", build)


@contextmanager
def demo_copy(chain: DemoChain, tmp: Path) -> Iterator[tuple[InProcessNode, dict[str, Any]]]:
    """A fresh copy of ``chain`` in ``tmp`` (``node``, ``docs``, ``wallets``), served in this
    process like the original: the node and what the demo made (its paths under ``tmp``)."""
    template, made = chain
    # the store's LMDB file is sparse (its map is tens of GB, a few MB used): a plain copy
    # (shutil.copytree) would write every hole out; cp keeps them
    subprocess.run(["cp", "-a", "--sparse=always", f"{template}/.", str(tmp)], check=True)
    with _demo_node(tmp, existing=True) as env:
        yield env, rehome(copy.deepcopy(made), template, tmp)
