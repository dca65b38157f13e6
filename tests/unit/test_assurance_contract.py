"""Identity assurance in contracts, through real blocks: a ``@call(public=True)`` method that
non-members with a DID may call, ``ctx.sender_did``, and ``assurance(token, min_level)``
checking an identity provider's attestation against the chain state (``idp.set``)."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.exceptions import ContractRejected, CredentialInvalid, NotMember
from wuyi.ledger.handlers.contracts import check_package_source, get_contract
from wuyi.ledger.handlers.credentials import check_assurance, get_idp
from wuyi.ledger.handlers.did import compute_did
from wuyi.ledger.types import Receipt
from wuyi.runtime import GasSchedule
from wuyi.testing.factories import LedgerHarness
from wuyi.vc.assurance import make_attestation
from wuyi.vc.jose import b64url_decode, b64url_encode

HOUSING = """
from wuyi.contract import assurance, call, ctx, emit, state, view

@call(public=True)
def apply(token: str) -> dict:
    a = assurance(token, 2)
    state.set("applied/" + ctx.sender_did, a["level"])
    emit("Applied", did=ctx.sender_did, provider=a["provider"], level=a["level"])
    return a

@call(public=True)
def whoami() -> dict:
    return {"did": ctx.sender_did, "org": ctx.sender_org, "dids": [s.did for s in ctx.signers]}

@call
def members_only() -> int:
    return 1

@view
def applied(did: str) -> int:
    return state.get("applied/" + did, 0)
"""


def make_chain(suite: str = "intl") -> LedgerHarness:
    """Provider ``gaj`` (an ``idp`` and a clerk), enabled up to level 3; ``housing`` deployed;
    a citizen with a DID."""
    h = LedgerHarness(suite_name=suite)
    key = h.new_key("gaj")
    args = {"id": "gaj", "name": "江门市公安局", "admins": [{"public_key": key.public_key}]}
    assert h.govern("org.admit", args).ok
    h.add_member("gaj", "gaj", "gaj-idp", ["idp"])
    h.add_member("gaj", "gaj", "gaj-clerk", ["client"])
    assert h.govern("idp.set", {"org": "gaj", "enabled": True, "max_level": 3}).ok
    h.deploy_contract("housing", HOUSING)
    h.register_did("citizen")
    return h


def run(h: LedgerHarness, tx: bytes) -> Receipt:
    _, res = h.run([tx])
    assert res.tx_hashes, res.rejected
    return res.receipts[0]


def did_of(h: LedgerHarness, name: str) -> str:
    return compute_did(h.suite, h.keys[name].public_key)


def token(h: LedgerHarness, signer: str = "gaj-idp", **kw: Any) -> str:
    now = h.time // 1000
    args: dict[str, Any] = {
        "org": "gaj",
        "sub": did_of(h, "citizen"),
        "level": 2,
        "real_name": True,
        "face": True,
        "iat": now,
        "exp": now + 3600,
        **kw,
    }
    return make_attestation(h.keys[signer], **args)


@pytest.fixture
def h() -> LedgerHarness:
    return make_chain()


def returned(r: Receipt) -> Any:
    return next(e.attrs["value"] for e in r.events if e.type == "contract.returned")


def refused(h: LedgerHarness, tok: str, signer: str = "citizen") -> str:
    r = h.call(signer, "housing", "apply", {"token": tok})
    assert r.status == "contract_revert", r
    assert h.state.get(b"contract/housing/s/applied/" + did_of(h, "citizen").encode()) is None
    return r.error


# -- accepted -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_assurance_accepted(suite: str) -> None:
    h = make_chain(suite)
    tok = token(h)
    r = h.call("citizen", "housing", "apply", {"token": tok})
    assert r.ok, r
    did = did_of(h, "citizen")
    assert returned(r) == {
        "provider": "gaj",
        "level": 2,
        "real_name": True,
        "face": True,
        "iat": h.time // 1000 - 1,
    }
    applied = next(e for e in r.events if e.type == "contract:housing.Applied")
    assert applied.attrs == {"did": did, "provider": "gaj", "level": 2}
    assert r.gas_used > GasSchedule().verify
    assert get_idp(h.state, "gaj") == {"org": "gaj", "enabled": True, "max_level": 3}


def test_assurance_gas_is_charged(h: LedgerHarness) -> None:
    cheap = h.call("citizen", "housing", "whoami")
    dear = h.call("citizen", "housing", "apply", {"token": token(h)})
    assert cheap.ok and dear.ok
    assert dear.gas_used - cheap.gas_used >= GasSchedule().verify


# -- refused ------------------------------------------------------------------------------------


def test_refused_wrong_subject(h: LedgerHarness) -> None:
    h.register_did("other")
    error = refused(h, token(h, sub=did_of(h, "other")))
    assert error.startswith("assurance: attestation refused (sub)")


def test_refused_expired(h: LedgerHarness) -> None:
    now = h.time // 1000
    error = refused(h, token(h, iat=now - 7200, exp=now - 3600))
    assert error.startswith("assurance: attestation refused (expired)")


def test_refused_not_yet_valid(h: LedgerHarness) -> None:
    now = h.time // 1000
    error = refused(h, token(h, iat=now + 600, exp=now + 3600))
    assert "(not_yet_valid)" in error


def test_refused_disabled_provider(h: LedgerHarness) -> None:
    tok = token(h)
    assert h.govern("idp.set", {"org": "gaj", "enabled": False, "max_level": 3}).ok
    assert refused(h, tok) == "assurance: 'gaj' is not an enabled identity provider (idp.set)"


def test_refused_org_that_is_no_provider(h: LedgerHarness) -> None:
    h.add_member("zjj", "zjj", "zjj-idp", ["idp"])
    error = refused(h, token(h, signer="zjj-idp", org="zjj"))
    assert error == "assurance: 'zjj' is not an enabled identity provider (idp.set)"


def test_refused_level_above_max_level(h: LedgerHarness) -> None:
    error = refused(h, token(h, level=4))
    assert error.startswith("assurance: attestation refused (level)")
    assert "outside [1, 3]" in error


def test_refused_level_below_the_contracts_minimum(h: LedgerHarness) -> None:
    assert refused(h, token(h, level=1)) == "assurance: level 1 is below the required 2"


def test_refused_member_without_role_idp(h: LedgerHarness) -> None:
    error = refused(h, token(h, signer="gaj-clerk"))
    assert error.startswith("assurance: attestation refused (key)")
    assert "does not hold the role idp" in error


def test_refused_suspended_idp_member(h: LedgerHarness) -> None:
    tok = token(h)
    payload = {"address": h.address("gaj-idp"), "status": "suspended"}
    assert run(h, h.tx("gaj", "member.set_status", payload)).ok
    assert "is a suspended member of 'gaj'" in refused(h, tok)


def test_refused_forged_signature(h: LedgerHarness) -> None:
    head, body, sig = token(h).split(".")
    # a level-3 claim under the level-2 signature
    forged_body = b64url_encode(b64url_decode(body).replace(b'"level":2', b'"level":3'))
    assert forged_body != body
    error = refused(h, f"{head}.{forged_body}.{sig}")
    assert error.startswith("assurance: attestation refused (signature)")
    # a key that is no member, naming the idp member's kid
    h.new_key("forger")
    real_head = token(h).split(".")[0]
    _, fake_body, fake_sig = token(h, signer="forger").split(".")
    assert "(signature)" in refused(h, f"{real_head}.{fake_body}.{fake_sig}")


def test_refused_garbage(h: LedgerHarness) -> None:
    assert "assurance:" in refused(h, "not-a-token")


def test_check_assurance_without_a_sender_did(h: LedgerHarness) -> None:
    with pytest.raises(CredentialInvalid, match="no active DID"):
        check_assurance(h.state, "intl", token(h), subject=None, now_ms=h.time)


# -- who may call -------------------------------------------------------------------------------


def test_public_methods_admit_dids_only(h: LedgerHarness) -> None:
    did = did_of(h, "citizen")
    r = h.call("citizen", "housing", "whoami")
    assert r.ok and returned(r) == {"did": did, "org": None, "dids": [did]}
    # refused before execution (the sender rule): nothing of these calls reaches a block
    with pytest.raises(NotMember, match=r"may call only methods declared @call\(public=True\)"):
        h.call("citizen", "housing", "members_only")
    h.new_key("nobody")  # no DID
    with pytest.raises(NotMember, match="not an active member of any organisation"):
        h.call("nobody", "housing", "whoami")
    # members call public methods as before (no DID: sender_did is None)
    r = h.call("zjj", "housing", "whoami")
    assert r.ok and returned(r) == {"did": None, "org": "zjj", "dids": [None]}
    assert h.call("zjj", "housing", "members_only").ok
    # a deactivated DID no longer opens the door
    assert run(h, h.tx("citizen", "did.deactivate", {"did": did})).ok
    with pytest.raises(NotMember):
        h.call("citizen", "housing", "whoami")


def test_member_with_a_did_and_assurance(h: LedgerHarness) -> None:
    """An organisation member may hold a DID too; assurance is about the DID."""
    h.register_did("zjj")
    r = h.call("zjj", "housing", "apply", {"token": token(h, sub=did_of(h, "zjj"))})
    assert r.ok, r
    r = h.call("zjj", "housing", "apply", {"token": token(h)})  # the citizen's attestation
    assert r.status == "contract_revert" and "(sub)" in r.error


def test_member_without_a_did_cannot_pass_assurance(h: LedgerHarness) -> None:
    r = h.call("zjj", "housing", "apply", {"token": token(h)})
    assert r.status == "contract_revert"
    assert r.error == "assurance: the sender has no active DID to match the attestation's sub"


def test_public_flag_in_the_abi(h: LedgerHarness) -> None:
    methods = get_contract(h.state, "housing")["abi"]["methods"]
    assert methods["apply"]["public"] is True and methods["whoami"]["public"] is True
    assert methods["members_only"]["public"] is False
    assert methods["applied"]["public"] is False


@pytest.mark.parametrize(
    ("decorator", "reason"),
    [
        ("@view(public=True)", "public=True applies to @call methods"),
        ('@call(public="yes")', "public must be True or False"),
    ],
)
def test_public_flag_is_checked_at_deploy(h: LedgerHarness, decorator: str, reason: str) -> None:
    src = f"from wuyi.contract import call, view\n\n{decorator}\ndef f() -> int:\n    return 1\n"
    with pytest.raises(ContractRejected, match=reason):
        check_package_source(h.chain, "bad", src)


def test_idp_set_checks_its_args(h: LedgerHarness) -> None:
    for args, message in [
        ({"org": "gaj", "enabled": True, "max_level": 5}, "max_level must be 1 to 4"),
        ({"org": "gaj", "enabled": 1, "max_level": 2}, "must be bool"),
    ]:
        payload = {"action": {"type": "idp.set", "args": args}, "title": "idp"}
        _, res = h.run([h.tx("operator", "gov.propose", payload)])
        assert not res.tx_hashes and message in res.rejected[0][1].message
    r = h.govern("idp.set", {"org": "nobody", "enabled": True, "max_level": 2})
    assert r.status == "tx_failed" and "organisation 'nobody' does not exist" in r.error
