"""Scenario 6, 人才引进落户, through real blocks: applicants present their own credentials
(degree from 教育局, ID from 公安局, employment and social security from 人社局, property from
不动产登记中心, awards from 人社局) to the settlement contract, which checks them inside the
block against 人社局's parameters and approves with a 人才准予迁入 certificate record or refuses
naming the rule; parameters change only by 人社局 admins, from the next block, on record."""

from __future__ import annotations

from typing import Any

import pytest

from wuyi.crypto import format_address
from wuyi.ledger.handlers.contracts import query_contract
from wuyi.ledger.handlers.credentials import list_uses
from wuyi.ledger.types import Receipt
from wuyi.scenarios import contract_source as source
from wuyi.testing.factories import LedgerHarness
from wuyi.testing.presentations import CredentialDesk

SOURCE = source("settlement")

TYPES = {
    "DegreeCredential": (["jyj"], ["degree_level", "major"]),
    "IdentityCredential": (["gaj"], ["name", "id_number", "age"]),
    "EmploymentCredential": (["rsj"], ["employed_in_city", "employer"]),
    "SocialSecurityCredential": (["rsj"], ["ss_months"]),
    "PropertyCredential": (["bdc"], ["homes_in_city"]),
    "AwardCredential": (["rsj"], ["awards"]),
}
GRADUATE = [
    "DegreeCredential",
    "IdentityCredential",
    "EmploymentCredential",
    "SocialSecurityCredential",
]
GRADUATE_CLAIMS = ["degree_level", "age", "employed_in_city", "ss_months"]
POINTS = ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential"]
POINTS_CLAIMS = ["degree_level", "age", "ss_months"]
PERSONAL = ["张三丰", "440703199801011234", "江门职业技术学院"]


class City:
    def __init__(self, *, registry: bool = False) -> None:
        self.h = h = LedgerHarness()
        self.desk = d = CredentialDesk(h)
        d.admit("gaj", "江门市公安局")
        d.admit("jyj", "江门市教育局")
        d.admit("rsj", "江门市人力资源和社会保障局")
        d.admit("bdc", "江门市不动产登记中心")
        for t, (issuers, claims) in TYPES.items():
            d.set_type(t, issuers, claims)
        init = {"department": "rsj", "police": "gaj"}
        if registry:  # home ownership counted from the real-estate registry's own state
            d.deploy("realestate", source("realestate"))
            h.add_member("bdc", "bdc", "bdc-reg", ["registrar"])
            init["registry"] = "realestate"
        d.deploy("settlement", SOURCE, init)

    def applicant(
        self,
        name: str,
        *,
        degree: int,
        age: int,
        ss: int,
        employed: bool = True,
        homes: int | None = None,
        awards: int | None = None,
    ) -> dict[str, str]:
        d = self.desk
        d.holder(name)
        creds = {
            "DegreeCredential": d.issue(
                name, "jyj", "DegreeCredential", {"degree_level": degree, "major": PERSONAL[2]}
            ),
            "IdentityCredential": d.issue(
                name,
                "gaj",
                "IdentityCredential",
                {"name": PERSONAL[0], "id_number": PERSONAL[1], "age": age},
            ),
            "EmploymentCredential": d.issue(
                name,
                "rsj",
                "EmploymentCredential",
                {"employed_in_city": employed, "employer": "江门某公司"},
            ),
            "SocialSecurityCredential": d.issue(
                name, "rsj", "SocialSecurityCredential", {"ss_months": ss}
            ),
        }
        if homes is not None:
            creds["PropertyCredential"] = d.issue(
                name, "bdc", "PropertyCredential", {"homes_in_city": homes}
            )
        if awards is not None:
            creds["AwardCredential"] = d.issue(name, "rsj", "AwardCredential", {"awards": awards})
        creds["consent"] = d.consent(
            name,
            "rsj",
            list(TYPES),
            [*GRADUATE_CLAIMS, "homes_in_city", "awards"],
            purpose="人才引进落户申请",
        )
        return creds

    def query(self, fn: str, /, **args: Any) -> Any:
        h = self.h
        value, _ = query_contract(
            h.chain,
            h.state,
            "settlement",
            fn,
            args,
            height=h.height,
            time=h.time,
            gas_limit=1_000_000,
        )
        return value

    def present(
        self, name: str, creds: dict[str, str], method: str, types: list[str], claims: list[str]
    ) -> str:
        nonce = self.query("nonce", did=self.desk.did(name), method=method)
        return self.desk.present(
            name,
            [creds[t] for t in types],
            claims,
            verifier="rsj",
            nonce=nonce,
            consent=creds["consent"],
        )

    def graduate_tx(self, name: str, creds: dict[str, str]) -> bytes:
        text = self.present(name, creds, "apply_graduate", GRADUATE, GRADUATE_CLAIMS)
        ref = self.h.sidecar(text)  # the presentation travels beside the transaction
        payload = {"contract": "settlement", "method": "apply_graduate", "args": {"text": ref}}
        return self.h.tx(name, "contract.call", payload)

    def apply_graduate(self, name: str, creds: dict[str, str]) -> Receipt:
        return self.desk.run(self.graduate_tx(name, creds))

    def apply_points(self, name: str, creds: dict[str, str], items: list[str]) -> Receipt:
        extra = {
            "home": ("PropertyCredential", "homes_in_city"),
            "awards": ("AwardCredential", "awards"),
        }
        types = POINTS + [extra[i][0] for i in items]
        claims = POINTS_CLAIMS + [extra[i][1] for i in items]
        text = self.present(name, creds, "apply_points", types, claims)
        ref = self.h.sidecar(text)
        return self.h.call(name, "settlement", "apply_points", {"text": ref, "items": items})

    def set_param(self, signer: str, name: str, value: Any, reason: str = "年度政策调整") -> bytes:
        payload = {
            "contract": "settlement",
            "method": "set_param",
            "args": {"name": name, "value": value, "reason": reason},
        }
        return self.h.tx(signer, "contract.call", payload)


def returned(r: Receipt) -> Any:
    assert r.ok, r
    return next(e.attrs["value"] for e in r.events if e.type == "contract.returned")


@pytest.fixture(scope="module")
def city() -> City:
    return City()


def b64_needles(value: str) -> list[bytes]:
    """The base64url forms of ``value`` inside any base64url text, at each of the three
    alignments (the middle characters, which do not depend on the neighbouring bytes)."""
    from wuyi.vc.jose import b64url_encode

    data = value.encode()
    out = []
    for offset in range(3):
        enc = b64url_encode(b"\0" * offset + data)
        skip = (offset * 4 + 2) // 3 + 1
        out.append(enc[skip : len(enc) - 3].encode())
    return out


def no_personal_data(h: LedgerHarness) -> None:
    """Neither the state nor any block (the transactions carry the presentations, with only
    the disclosed claims) holds an undisclosed personal value, in clear or inside a
    disclosure."""
    needles = [x for p in PERSONAL for x in [p.encode(), *b64_needles(p)]]
    for _, raw in h.state.iter_prefix(b""):
        assert not any(n in raw for n in needles)
    for block in h.blocks:
        raw = block.to_bytes()
        assert not any(n in raw for n in needles)


def test_the_privacy_check_can_fail(city: City) -> None:
    from wuyi.vc.jose import b64url_encode

    for prefix in ("", "x", "xy"):
        text = b64url_encode(f'{prefix}["salt","name","{PERSONAL[0]}"]'.encode())
        assert any(n in text.encode() for n in b64_needles(PERSONAL[0]))


# -- the graduate route -------------------------------------------------------------------------


def test_graduate_approved_with_a_certificate(city: City) -> None:
    h = city.h
    creds = city.applicant("alice", degree=4, age=27, ss=12)
    r = city.apply_graduate("alice", creds)
    app = returned(r)
    did = city.desk.did("alice")
    assert app["result"] == "approved" and app["failed"] == [] and app["route"] == "graduate"
    cert = city.query("certificate", id=app["certificate"])
    assert cert["holder"] == did and cert["kind"] == "人才准予迁入"
    assert cert["height"] == h.height and cert["issuer_org"] == "gaj"
    assert isinstance(cert["commitment"], bytes) and len(cert["commitment"]) == 32
    assert cert["credential"] is None
    # the decision keeps the hashes of the presentations, never the facts
    assert len(app["presentations"]) == 4
    assert set(app) == {
        "id", "holder", "route", "result", "failed", "presentations", "check", "certificate",
        "height", "time",
    }  # fmt: skip
    assert city.query("status", did=did)["certificate"] == cert["id"]
    assert city.query("application", id=app["id"]) == app
    # the citizen's log shows the use by 人社局's settlement service
    (use,) = list_uses(h.state, did)
    assert use["verifier"] == "rsj" and use["contract"] == "settlement"
    assert use["disclosed"] == sorted(GRADUATE_CLAIMS)
    assert any(e.type == "contract:settlement.CertificateIssued" for e in r.events)
    no_personal_data(h)
    # approved once: a second application is refused
    r = city.apply_graduate("alice", creds)
    assert r.status == "contract_revert" and "already approved" in r.error
    # 公安局's issuer links the certificate's credential; nobody else may
    r = city.h.call("rsj", "settlement", "link_credential", {"certificate": cert["id"], "idx": 0})
    assert r.status == "contract_revert" and "only an issuer of 'gaj'" in r.error
    r = city.h.call(
        "gaj-issuer", "settlement", "link_credential", {"certificate": cert["id"], "idx": 7}
    )
    assert returned(r)["credential"] == {"org": "gaj", "idx": 7}


def test_graduate_refused_naming_the_rule(city: City) -> None:
    creds = city.applicant("bob", degree=5, age=38, ss=24)
    app = returned(city.apply_graduate("bob", creds))
    assert app["result"] == "refused" and app["certificate"] is None
    assert app["failed"] == [{"rule": "age", "message": "older than 35"}]
    assert city.query("status", did=city.desk.did("bob"))["certificate"] is None
    # several rules fail: each is named
    creds = city.applicant("eve", degree=3, age=30, ss=2, employed=False)
    app = returned(city.apply_graduate("eve", creds))
    assert [f["rule"] for f in app["failed"]] == ["degree", "employment", "social_security"]


def test_bad_presentation_is_refused_by_the_runtime(city: City) -> None:
    creds = city.applicant("mallory", degree=4, age=25, ss=12)
    # only three of the four credentials
    text = city.present("mallory", creds, "apply_graduate", GRADUATE[:3], GRADUATE_CLAIMS[:3])
    r = city.h.call("mallory", "settlement", "apply_graduate", {"text": city.h.sidecar(text)})
    assert r.status == "contract_revert" and "(type_missing)" in r.error
    # someone else's presentation
    text = city.present("mallory", creds, "apply_graduate", GRADUATE, GRADUATE_CLAIMS)
    city.desk.holder("trudy")
    r = city.h.call("trudy", "settlement", "apply_graduate", {"text": city.h.sidecar(text)})
    assert r.status == "contract_revert" and "(wrong_nonce)" in r.error


# -- the points route ---------------------------------------------------------------------------


def test_points_approved_with_a_breakdown(city: City) -> None:
    creds = city.applicant("carol", degree=5, age=33, ss=40, homes=1, awards=2)
    app = returned(city.apply_points("carol", creds, ["home", "awards"]))
    assert app["points"] == {
        "education": 80,  # master
        "social_security": 15,  # 3 full years x 5
        "home": 20,
        "age": 15,  # 31-35
        "awards": 20,  # 2 x 10
    }
    assert app["total"] == 150 and app["threshold"] == 100
    assert app["result"] == "approved" and app["certificate"] is not None
    assert len(app["presentations"]) == 5


def test_points_count_homes_from_the_registry() -> None:
    city = City(registry=True)
    creds = city.applicant("erin", degree=4, age=33, ss=24)
    did = city.desk.did("erin")
    # no home in the registry yet: no home points, whatever the applicant says
    first = returned(city.apply_points("erin", creds, []))
    assert first["points"]["home"] == 0 and first["home_source"] is None
    assert first["total"] == 60 + 10 + 15 and first["result"] == "refused"
    unit = "440703-001-0001"  # 蓬江区
    for method, args in (
        ("register_unit", {"unit_id": unit, "location": "蓬江区建设路1号", "area": 9000,
                           "use": "residential"}),
        ("first_registration", {"unit_id": unit, "owners": [{"did": did, "share": 10000}]}),
    ):  # fmt: skip
        assert city.h.call("bdc-reg", "realestate", method, args).ok
    again = returned(city.apply_points("erin", creds, []))
    assert again["points"]["home"] == 20 and again["home_source"] == "registry"
    assert again["total"] == 105 and again["result"] == "approved"


def test_points_below_the_threshold(city: City) -> None:
    creds = city.applicant("dave", degree=3, age=41, ss=24)
    app = returned(city.apply_points("dave", creds, []))
    assert app["points"] == {
        "education": 30,
        "social_security": 10,
        "home": 0,
        "age": 5,
        "awards": 0,
    }
    assert app["total"] == 45 and app["result"] == "refused"
    assert app["failed"] == [
        {"rule": "points_threshold", "message": "45 points, below the threshold 100"}
    ]


# -- parameters ---------------------------------------------------------------------------------


def test_param_change_applies_from_the_next_block_and_is_on_record() -> None:
    city = City()
    h = city.h
    creds = city.applicant("bob", degree=4, age=38, ss=24)
    # the change and an application in the same block: the application sees the old rule
    _, res = h.run([city.set_param("rsj", "grad_max_age", 40), city.graduate_tx("bob", creds)])
    changed, applied = res.receipts
    rec = returned(changed)
    assert rec["value"] == 40 and rec["previous"] == 35
    assert rec["effective_height"] == h.height + 1
    assert rec["org"] == "rsj" and rec["set_by"] == format_address(h.address("rsj"))
    assert returned(applied)["failed"] == [{"rule": "age", "message": "older than 35"}]
    assert city.query("params")["grad_max_age"] == 35  # still, at this height
    # from the next block on, 40
    app = returned(city.apply_graduate("bob", creds))
    assert app["result"] == "approved"
    assert city.query("params")["grad_max_age"] == 40
    history = city.query("param_history", name="grad_max_age")
    assert [(x["value"], x["org"], x["reason"]) for x in history] == [
        (35, "sjj", "initial value"),  # set at deploy, executed by governance
        (40, "rsj", "年度政策调整"),
    ]
    assert history[1]["set_by"] != history[0]["set_by"]
    # a table parameter, validated
    r = h.call(
        "rsj",
        "settlement",
        "set_param",
        {"name": "points_age_bands", "value": [[35, 10], [30, 5]], "reason": "x"},
    )
    assert r.status == "contract_revert" and "rising max_age" in r.error
    r = h.call(
        "rsj",
        "settlement",
        "set_param",
        {"name": "points_threshold", "value": 90, "reason": "积分门槛下调"},
    )
    assert r.ok


def test_only_rsj_admins_change_params(city: City) -> None:
    for signer in ("zjj", "gaj", "rsj-issuer"):
        r = city.h.call(
            signer,
            "settlement",
            "set_param",
            {"name": "grad_max_age", "value": 60, "reason": "不应生效"},
        )
        assert r.status == "contract_revert", r
        assert "only an admin of 'rsj' may change settlement rules" in r.error
    assert city.query("params")["grad_max_age"] == 35
    r = city.h.call(
        "rsj", "settlement", "set_param", {"name": "no_such_rule", "value": 1, "reason": "x"}
    )
    assert r.status == "contract_revert" and "unknown parameter" in r.error
