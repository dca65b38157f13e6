"""What the scenarios' API tests (``tests/unit/test_scenario_*_api.py``) check of a refusal:
the platform's problem code and HTTP status, the rule named in the detail, a receipt that
records the failure (never ``ok``), and the contract's state read back unchanged through the
node's API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from wuyi.abc import PrivateKey
from wuyi.exceptions import WuyiError
from wuyi.sdk.scenarios import ScenarioClient

#: the problem codes and HTTP statuses a contract's refusal arrives as
STATUS = {"contract_revert": 400, "unauthorized": 403}


def refused(
    sc: ScenarioClient,
    reader: PrivateKey,
    match: str,
    fn: Callable[[], Any],
    *,
    code: str = "contract_revert",
) -> WuyiError:
    """``fn`` (one signed write through the node) is refused: the error's problem ``code`` and
    HTTP status, ``match`` (a regular expression naming the rule) in its detail, the receipt of
    its transaction on chain records that code, and the contract's state (read by ``reader``,
    a member, as a signed read) is what it was before."""
    c = sc.client
    with c.reading_as(reader, "核对拒绝 / check a refusal"):
        before = sc._state("")
    with pytest.raises(WuyiError) as info:
        fn()
    err = info.value
    assert err.code == code, f"{err.code}: {err}"
    assert err.http_status == STATUS[code], err.http_status
    assert re.search(match, str(err)), f"{match!r} not in {err}"
    tx = err.detail.get("tx_hash")
    if tx:  # refused in its block (not at admission): the receipt says so
        receipt = c.get_tx(tx, verify=False).receipt
        assert receipt is not None and receipt.status == code, receipt
        assert re.search(match, receipt.error or ""), receipt.error
    with c.reading_as(reader, "核对拒绝 / check a refusal"):
        assert sc._state("") == before, "a refusal changed the contract's state"
    return err
