"""农村产权交易 in the demo (``make run``'s data, loaded in-process): the flows done and waiting
at each step, the 交易鉴证书 in both parties' wallets, the waiting steps carried on with the
demo's keys and wallets, and a scan of the demo chain (blocks, receipts, events, state, the
public API answers) for the members' personal values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.demo_chain import DemoChain, demo_copy
from wuyi.crypto import load_key
from wuyi.demo import DEMO_PASSPHRASE
from wuyi.scenarios.rural.sdk import Rural
from wuyi.sdk.scenarios import check_certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode
from wuyi.vc.jose import b64url_encode


def citizens() -> tuple[Any, ...]:
    """The demo's rural citizens (imported once the demo has loaded: the demo gathers every
    scenario's citizens when first asked, and a half-imported demo module would have none)."""
    from wuyi.scenarios.rural.demo import CITIZENS

    return CITIZENS


def personal() -> list[str]:
    """Every personal value the rural citizens carry (names, ID numbers, household numbers)."""
    return sorted(
        {
            v
            for c in citizens()
            for _t, claims in c.credentials
            for k, v in claims.items()
            if k != "collective_code"
        }
    )


def b64_forms(value: str) -> list[bytes]:
    """``value`` and its base64url forms at the three alignments (inside a disclosure)."""
    data = value.encode()
    out = [data]
    for offset in range(3):
        enc = b64url_encode(b"\0" * offset + data)
        skip = (offset * 4 + 2) // 3 + 1
        out.append(enc[skip : len(enc) - 3].encode())
    return out


@pytest.fixture(scope="module")
def demo(
    demo_chain: DemoChain, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[InProcessNode, dict, Path]]:
    """The demo chain (a fresh copy of the session's for this module)."""
    tmp = tmp_path_factory.mktemp("rural-demo")
    with demo_copy(demo_chain, tmp) as (env, made):
        yield env, made, tmp


def wallet(made: dict[str, Any], name: str) -> Wallet:
    return Wallet.open(made["scenarios"]["citizens"][name]["wallet"], DEMO_PASSPHRASE)


def test_flows_done_and_waiting(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = demo
    r, sc = Rural(env.client), made["scenarios"]["rural"]
    exch = load_key(env.keys_dir / "ncjy-reviewer.key", DEMO_PASSPHRASE)
    # announced: the tie won by the member, the certificate in both parties' wallets
    done = r.listing(sc["announced"]["listing"])
    assert done["phase"] == "announced" and done["result"]["rule"] == "member_priority"
    assert [b["amount"] for b in done["bids"]] == [150_000, 150_000]
    for name in ("chen-dawei", "liang-xiuying"):
        (cred,) = [
            c for c in wallet(made, name).credentials if c.type == "RuralTransferCertificate"
        ]
        assert cred.claims["listing"] == sc["announced"]["listing"]
        assert check_certificate(env.client, cred.sd_jwt)["valid"] is True
    # contracted: the collective signs with the demo wallet, the contract is complete
    waiting = r.listing_record(sc["contracted"]["listing"], key=exch)
    assert waiting["status"] == "awarded" or waiting["contract"]["signatures"]["transferee"]
    daxi = wallet(made, "daxi-council")
    signed = r.sign_contract(daxi, sc["contracted"]["listing"])
    assert signed["status"] == "contracted"
    # relisted: round 2 in its notice, li-ming registered and waiting for qualification
    again = r.listing_record(sc["relisted"]["listing"], key=exch)
    assert again["round"] == 2 and again["phase"] == "notice"
    (b,) = r.bidders(sc["relisted"]["listing"], key=exch)
    assert b["bidder"] == wallet(made, "li-ming").did and b["qualified"] is None
    # authorised: the collective files the farmer's authorisation
    filed = r.file_authorisation(wallet(made, "meige-council"), sc["authorised"]["authorisation"])
    assert filed["status"] == "filed"
    # the public board shows them, without a person's DID
    board = r.board()
    assert board["board"]["total"] == 4 and board["board"]["awarded"] >= 1
    blob = json.dumps(board, ensure_ascii=False)
    for c in citizens():
        assert made["scenarios"]["citizens"][c.name]["did"] not in blob or "council" in c.name


def test_no_personal_value_on_the_demo_chain(demo: tuple[InProcessNode, dict, Path]) -> None:
    env, made, _ = demo
    values = personal()
    needles = {n for p in values for n in b64_forms(p)}
    assert len(values) == 9
    store, node = env.node.store, env.node
    for height in range(1, node.height + 1):
        assert not any(n in store.get_block(height).to_bytes() for n in needles), height
        for rc in store.get_receipts(height):  # receipts with their events
            assert not any(n in rc.to_bytes() for n in needles), f"receipt at {height}"
    with store.snapshot() as v:
        for key, value in v.iter_prefix(b""):
            assert not any(n in value or n in key for n in needles), key
    # the public answers: the board, each listing, the collectives; the contract's raw state
    # is not one (Scenario.personal_state: a member's signed read)
    http, sc = env.new_client()._http, made["scenarios"]["rural"]
    answers = [http.get("/v1/rural/board"), http.get("/v1/rural/collectives")]
    answers += [
        http.get(f"/v1/rural/listings/{sc[k]['listing']}")
        for k in ("announced", "contracted", "relisted")
    ]
    assert http.get("/v1/contracts/rural/state", params={"limit": 500}).status_code == 401
    for a in answers:
        assert a.status_code == 200, a.text[:200]
        assert not any(n in a.content for n in needles), a.url
    # the scan would have caught them: they are in the members' wallets
    claims = str([c.claims for x in citizens() for c in wallet(made, x.name).credentials])
    assert all(p in claims for p in values)
