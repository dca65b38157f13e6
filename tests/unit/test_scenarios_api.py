"""Issue #7 flows 1, 2 and 4 end to end through the HTTP API and the SDK helpers
(:mod:`wuyi.sdk.scenarios`) against an in-process node (SM suite): the three contracts deployed
by governance, members with their roles, citizens with wallets and credentials from the issuing
departments, every write a signed transaction, every read a scenario API route.

Each test makes its own units and citizens on the shared chain, so the tests do not depend on
their order."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from wuyi.crypto import address_of, format_address, load_key
from wuyi.exceptions import ContractRevert, NotFound, ReadForbidden, Unauthorized, ValidationError
from wuyi.node.home import OrgSpec
from wuyi.scenarios import contract_source as source
from wuyi.scenarios.housing.sdk import Housing
from wuyi.scenarios.realestate.sdk import Registry
from wuyi.scenarios.settlement.sdk import Settlement
from wuyi.sdk import WuyiClient, check_certificate
from wuyi.sdk.identity import Identity
from wuyi.sdk.scenarios import certificate
from wuyi.sdk.wallet import Wallet
from wuyi.testing.inprocess import InProcessNode, inprocess_node

PW = "test-passphrase"
ORGS = (
    OrgSpec("sjj", "江门市政务服务数据管理局", True),
    OrgSpec("zjj", "江门市住房和城乡建设局"),
    OrgSpec("bdc", "江门市不动产登记中心"),
    OrgSpec("pjq", "蓬江区不动产登记所"),
    OrgSpec("xhq", "新会区不动产登记所"),
    OrgSpec("fy", "江门市中级人民法院"),
    OrgSpec("nsyh", "江门农商银行"),
    OrgSpec("zgyh", "中国银行江门分行"),
    OrgSpec("wyzy", "五邑置业有限公司"),
    OrgSpec("mzj", "江门市民政局"),
    OrgSpec("gaj", "江门市公安局"),
    OrgSpec("rsj", "江门市人力资源和社会保障局"),
    OrgSpec("jyj", "江门市教育局"),
)
MEMBERS = {
    "bdc-reg": ("bdc", ["registrar"]),
    "pjq-reg": ("pjq", ["registrar"]),
    "xhq-reg": ("xhq", ["registrar"]),
    "bdc-issuer": ("bdc", ["issuer"]),
    "pjq-issuer": ("pjq", ["issuer"]),
    "xhq-issuer": ("xhq", ["issuer"]),
    "fy-judge": ("fy", ["judge"]),
    "nsyh-bank": ("nsyh", ["banker"]),
    "zgyh-bank": ("zgyh", ["banker"]),
    "wyzy-dev": ("wyzy", ["developer"]),
    "zjj-filing": ("zjj", ["filing"]),
    "mzj-issuer": ("mzj", ["issuer"]),
    "gaj-issuer": ("gaj", ["issuer"]),
    "rsj-issuer": ("rsj", ["issuer"]),
    "jyj-issuer": ("jyj", ["issuer"]),
}
TYPES = {
    "FamilyCredential": (["mzj"], ["family_dids"]),
    "HouseholdCredential": (["gaj"], ["local_hukou"]),
    "SocialSecurityCredential": (["rsj"], ["ss_months", "ss_months_60"]),
    "DegreeCredential": (["jyj"], ["degree_level", "major"]),
    "IdentityCredential": (["gaj"], ["name", "id_number", "age"]),
    "EmploymentCredential": (["rsj"], ["employed_in_city", "employer"]),
    "PropertyCredential": (["bdc"], ["homes_in_city"]),
    "AwardCredential": (["rsj"], ["awards"]),
    "RealEstateCertificate": (
        ["bdc", "pjq", "xhq"],
        ["certificate", "unit", "district", "share", "kind"],
    ),
    "TalentSettlementCertificate": (["gaj"], ["certificate", "kind", "route"]),
}
DEV = "did:wuyi:org:wyzy"
NAME, ID_NUMBER, SCHOOL = "张三丰", "440703199801011234", "五邑大学"
PERSONAL = (NAME, ID_NUMBER, SCHOOL)
TAX_PROOF = b"\x07" * 32


class World:
    """Jiangmen on one in-process node: the scenario contracts, the departments' members and
    a factory of citizens holding credentials in their wallets."""

    def __init__(self, env: InProcessNode, tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.client: WuyiClient = env.client
        c = self.client
        self.admin = {o.id: load_key(env.keys_dir / f"{o.id}-admin.key", PW) for o in ORGS}
        suite = c.suite
        self.key = {name: suite.generate_private_key() for name in MEMBERS}
        txs = [
            c.builder(self.admin[org]).member_add(org, self.key[name].public_key, roles, name)
            for name, (org, roles) in MEMBERS.items()
        ]
        for tx in txs:
            assert c.submit_and_wait(tx).receipt.status == "ok"
        voters = [self.admin[o.id] for o in ORGS if o.id != "sjj"]
        for name, init in (
            ("realestate", None),
            ("housing", None),
            ("settlement", {"department": "rsj", "police": "gaj", "registry": "realestate"}),
        ):
            pkg = {"name": name, "version": "1.0.0", "source": source(name), "manifest": {}}
            args: dict[str, Any] = {"package": pkg}
            if init:
                args["init_args"] = init
            c.govern(self.admin["sjj"], voters, "contract.deploy", args, title=f"deploy {name}")
        for type_, (issuers, claims) in TYPES.items():
            body = {"type": type_, "issuers": issuers, "claims": claims, "description": type_}
            c.govern(self.admin["sjj"], voters, "vc.set_type", body, title=f"type {type_}")
        # every read below is a signed read of an auditor (personal records, docs/api.md)
        self.auditor = suite.generate_private_key()
        tx = c.builder(self.admin["sjj"]).member_add("sjj", self.auditor.public_key, ["auditor"])
        assert c.submit_and_wait(tx).receipt.status == "ok"
        c.read_as(self.auditor, "测试核对 / test checks")
        self.ident = Identity(c)
        self.registry, self.housing = Registry(c), Housing(c)
        self.settlement = Settlement(c)
        self._n = count(1)

    def get(self, path: str, **params: Any) -> Any:
        return self.client._get(path, **params)

    def address(self, name: str) -> str:
        key = self.admin.get(name) or self.key[name]
        return format_address(address_of(self.client.suite, key.public_key))

    def citizen(self, name: str) -> Wallet:
        w = Wallet.create(self.tmp / f"{name}-{next(self._n)}.json", "pw", self.client.suite.name)
        self.env.register_did(w.key)
        return w

    def give(self, wallet: Wallet, org: str, type_: str, claims: dict[str, Any]) -> None:
        wallet.add(
            self.ident.issue(
                self.key[f"{org}-issuer"],
                org=org,
                type=type_,
                holder_did=wallet.did,
                claims=claims,
                valid_days=30,
            )
        )

    def family(self, *, local: bool, ss: int = 0, members: tuple[str, ...] = ()) -> Wallet:
        w = self.citizen("buyer")
        self.give(w, "mzj", "FamilyCredential", {"family_dids": list(members)})
        self.give(w, "gaj", "HouseholdCredential", {"local_hukou": local})
        if not local:
            self.give(w, "rsj", "SocialSecurityCredential", {"ss_months_60": ss})
        return w

    def applicant(self, *, degree: int, age: int, ss: int, employed: bool = True) -> Wallet:
        w = self.citizen("applicant")
        self.give(w, "jyj", "DegreeCredential", {"degree_level": degree, "major": SCHOOL})
        self.give(
            w, "gaj", "IdentityCredential", {"name": NAME, "id_number": ID_NUMBER, "age": age}
        )
        self.give(
            w, "rsj", "EmploymentCredential", {"employed_in_city": employed, "employer": "某公司"}
        )
        self.give(w, "rsj", "SocialSecurityCredential", {"ss_months": ss})
        return w

    def unit(self, district: str, office: str | None = None, owner: str = DEV) -> tuple[str, str]:
        """A registered unit of ``district`` owned by ``owner``, by ``office`` (default: the
        district's own office, else the city centre): (unit id, certificate id)."""
        unit_id = f"{district}-{next(self._n):03d}-0101"
        office = office or {"440703": "pjq", "440705": "xhq"}.get(district, "bdc")
        k = self.key
        self.registry.register_unit(
            k[f"{office}-reg"], unit_id, location=f"江门市{district}某路1号", area=9000
        )
        return unit_id, self.registry.first_registration(k[f"{office}-reg"], unit_id, owner)

    def filed(self, unit_id: str, buyer: Wallet, price: int) -> str:
        """Listed, drafted, eligible, signed by both parties and filed."""
        k, h = self.key, self.housing
        if self.registry.unit(unit_id)["listing"] is None:
            h.list_unit(k["wyzy-dev"], unit_id)
        cid = h.draft(k["wyzy-dev"], unit_id, [buyer.did], price)
        h.check_eligibility(buyer, cid)
        h.sign(buyer, cid)
        assert h.sign(k["wyzy-dev"], cid) == "signed"
        h.file(k["zjj-filing"], cid)
        return cid


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("scenarios")
    with inprocess_node(tmp / "node", ORGS, suite="sm", passphrase=PW) as env:
        yield World(env, tmp)


def _disclosures(credential: str) -> list[Any]:
    out = []
    for part in credential.split("~")[1:]:
        if part:
            out.append(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))
    return out


def _tampered(credential: str, name: str, value: Any) -> str:
    """The credential with the disclosure of ``name`` replaced by one carrying ``value``."""
    parts = credential.split("~")
    for i, part in enumerate(parts[1:], 1):
        if not part:
            continue
        salt, n, _ = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        if n == name:
            raw = json.dumps([salt, n, value], ensure_ascii=False).encode()
            parts[i] = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return "~".join(parts)


def _failed(result: dict[str, Any]) -> list[str]:
    return [c["name"] for c in result["checks"] if not c["ok"]]


# -- flow 1: list, eligibility, sign, file, loan, tax, transfer, 不动产权证书 ------------------


def test_flow1_purchase_filed_once_loan_within_ltv_certificate_verifies(world: World) -> None:
    k, reg, h = world.key, world.registry, world.housing
    unit_id, dev_cert = world.unit("440703")
    spouse = world.citizen("spouse")
    buyer = world.family(local=False, ss=36, members=(spouse.did,))
    h.list_unit(k["wyzy-dev"], unit_id)
    cid = h.draft(k["wyzy-dev"], unit_id, [buyer.did], 200_000_000)
    # signing before eligibility is refused, naming the rule
    with pytest.raises(ContractRevert, match="buyers' eligibility comes first"):
        h.sign(buyer, cid)
    # the eligibility request comes from the contract: audience, nonce, types, claims
    req = world.get(
        f"/v1/housing/contracts/{cid}/eligibility-request", did=buyer.did, social_security="true"
    )
    assert req["audience"] == "did:wuyi:org:zjj" and req["verifier"] == "zjj"
    assert req["claims"] == ["family_dids", "local_hukou", "ss_months_60"]
    assert len(req["nonce"]) == 64 and req["contract"] == "housing"
    elig = h.check_eligibility(buyer, cid)  # non-local (from the wallet): social security too
    assert elig["eligible"] is True
    assert elig["rules"] == {"max_homes": "pass", "min_ss_months": "pass"}
    h.sign(buyer, cid)
    assert h.sign(k["wyzy-dev"], cid) == "signed"
    h.file(k["zjj-filing"], cid)
    # 阴阳合同: a second contract for the same unit at a lower price cannot be filed
    shadow = h.draft(k["wyzy-dev"], unit_id, [buyer.did], 150_000_000)
    h.check_eligibility(buyer, shadow)
    h.sign(buyer, shadow)
    h.sign(k["wyzy-dev"], shadow)
    with pytest.raises(ContractRevert, match=r"one-filing rule \(阴阳合同\)") as e:
        h.file(k["zjj-filing"], shadow)
    assert f"already has the active filed contract {cid}" in e.value.message
    assert h.contract(shadow)["status"] == "signed"
    assert world.get(f"/v1/realestate/units/{unit_id}")["filing"] == cid
    # a loan above the policy LTV (70%) of the filed price is refused
    with pytest.raises(ContractRevert, match=r"LTV rule max_ltv_pct \(贷款成数\)") as e:
        h.register_loan(k["nsyh-bank"], cid, 150_000_000)
    assert "at most 140000000 fen" in e.value.message
    assert h.register_loan(k["nsyh-bank"], cid, 140_000_000)["ltv_pct"] == 70
    with pytest.raises(ContractRevert, match=r"tax rule \(完税\).*differs from the filed price"):
        h.declare_tax(buyer, cid, 150_000_000, TAX_PROOF)
    h.declare_tax(buyer, cid, 200_000_000, TAX_PROOF)
    # the transfer references the filed contract and the tax proof (the city centre's office)
    with pytest.raises(ContractRevert, match=r"tax rule \(完税\): the tax-paid proof"):
        reg.transfer(k["bdc-reg"], unit_id, cid, [buyer.did], b"\x08" * 32)
    cert_id = reg.transfer(k["bdc-reg"], unit_id, cid, [buyer.did], TAX_PROOF)
    unit = reg.unit(unit_id)
    assert unit["owners"] == [{"did": buyer.did, "share": 10000}] and unit["cert"] == cert_id
    assert unit["filing"] is None and unit["listing"]["status"] == "sold"
    assert reg.cert(dev_cert)["status"] == "superseded"
    c = h.contract(cid)
    assert c["status"] == "completed" and c["cert"] == cert_id
    assert [t["status"] for t in c["trace"]] == [
        "draft",
        "eligible",
        "signed",
        "filed",
        "completed",
    ]
    assert h.contracts(unit=unit_id)[0]["id"] == shadow  # newest first
    assert {x["id"] for x in h.contracts(status="completed")} >= {cid}
    assert h.dashboard()["counts"]["completed"] >= 1
    # the 不动产权证书 as a credential: pending until issued, then anyone can verify it
    assert {"certificate": cert_id, "holder": buyer.did, "unit": unit_id, "office": "bdc"} in (
        reg.pending_certificates("bdc")
    )
    assert all(p["certificate"] != cert_id for p in reg.pending_certificates("pjq"))
    text = reg.issue_certificate(k["bdc-issuer"], cert_id, wallet=buyer)
    assert all(p["certificate"] != cert_id for p in reg.pending_certificates())
    assert buyer.get("RealEstateCertificate").sd_jwt == text
    claims = {d[1]: d[2] for d in _disclosures(text)}
    assert claims == {
        "certificate": cert_id,
        "unit": unit_id,
        "district": "440703",
        "share": 10000,
        "kind": "transfer",
    }
    res = check_certificate(world.client, text)
    assert res["valid"] is True, res
    assert [c["name"] for c in res["checks"]] == [
        "format",
        "issuer_signature",
        "disclosures",
        "type",
        "issuer_authorised",
        "status",
        "commitment",
        "certificate",
        "linked",
    ]
    assert res["type"] == "RealEstateCertificate" and res["issuer"] == "bdc"
    assert res["disclosed"]["holder"] == buyer.did and res["disclosed"]["unit"] == unit_id
    assert res["certificate"]["status"] == "active"
    # presented with every disclosure (a KB-JWT for someone else): still the same certificate
    consent = world.ident.grant_consent(
        buyer.key,
        verifier="nsyh",
        types=["RealEstateCertificate"],
        claims=list(claims),
        purpose="t",
        minutes=5,
    )
    shown = buyer.present(
        "RealEstateCertificate",
        list(claims),
        verifier="nsyh",
        nonce="n" * 16,
        consent=consent,
        consents=world.ident,
    )
    assert check_certificate(world.client, shown)["valid"] is True
    # tampered: a changed share, a changed signature, another unit's id; and garbage
    forged = check_certificate(world.client, _tampered(text, "share", 5000))
    assert forged["valid"] is False and _failed(forged) == ["disclosures"]
    jwt, rest = text.split("~", 1)
    bad_sig = jwt[:-4] + ("AAAA" if not jwt.endswith("AAAA") else "BBBB") + "~" + rest
    assert _failed(check_certificate(world.client, bad_sig)) == ["issuer_signature"]
    assert _failed(check_certificate(world.client, "not a credential")) == ["format"]
    # the certificate page: status and the linked credential's status for anyone; the record
    # and who holds it for a signed read (the client reads as an auditor here)
    anyone = certificate(world.env.new_client(), cert_id)
    assert anyone["status"] == "active" and anyone["holders"] == []
    assert set(anyone["record"]) == {"withheld"}
    assert [(x["org"], x["status"]) for x in anyone["credentials"]] == [("bdc", "valid")]
    assert "holder" not in anyone["credentials"][0]
    pub = certificate(world.client, cert_id)
    assert pub["type"] == "RealEstateCertificate" and pub["title"] == "不动产权证书"
    assert pub["holders"] == [buyer.did] and pub["status"] == "active"
    assert [(x["org"], x["status"], x["holder"]) for x in pub["credentials"]] == [
        ("bdc", "valid", buyer.did)
    ]
    # the superseded certificate no longer verifies as current
    old = certificate(world.client, dev_cert)
    assert old["status"] == "superseded" and old["record"]["superseded_by"] == cert_id
    # the shadow contract is cancelled by the buyer, the seller and the bureau together
    with pytest.raises(ContractRevert, match="cancellation rule: only the buyers"):
        h.approve_cancel(world.citizen("stranger"), shadow)
    assert h.approve_cancel(buyer, shadow) == "signed"
    assert h.approve_cancel(k["wyzy-dev"], shadow) == "signed"
    assert h.approve_cancel(k["zjj-filing"], shadow) == "cancelled"
    assert h.contract(shadow)["cancel"] == [f"buyer:{buyer.did}", "seller", "bureau"]


# -- flow 2: mortgage, seizure, history across districts ------------------------------------------


def test_flow2_mortgage_and_seizure_block_transfer_history_across_offices(world: World) -> None:
    k, reg, h = world.key, world.registry, world.housing
    unit_id = f"440705-{next(world._n):03d}-0201"
    reg.register_unit(k["bdc-reg"], unit_id, location="江门市新会区某路2号", area=12000)
    reg.first_registration(k["xhq-reg"], unit_id, DEV)
    reg.correct(k["bdc-reg"], unit_id, "area", 12050, "测绘更正 / resurvey")
    mid = reg.register_mortgage(k["nsyh-bank"], unit_id, 30_000_000)
    # every office sees the mortgage at once: the unit read at the block it was written in
    u = reg.unit(unit_id)
    assert [m["id"] for m in u["mortgages"]] == [mid] and u["mortgages"][0]["bank"] == "nsyh"
    with pytest.raises(ContractRevert, match=r"mortgaged to bank nsyh .* has not consented"):
        h.list_unit(k["wyzy-dev"], unit_id)
    with pytest.raises(ContractRevert, match="bank zgyh holds no mortgage"):
        h.consent_listing(k["zgyh-bank"], unit_id)
    h.consent_listing(k["nsyh-bank"], unit_id)
    buyer = world.family(local=True)
    cid = world.filed(unit_id, buyer, 100_000_000)
    h.declare_tax(buyer, cid, 100_000_000, TAX_PROOF)
    with pytest.raises(ContractRevert, match=r"mortgage rule \(抵押\): .* mortgaged to bank nsyh"):
        reg.transfer(k["xhq-reg"], unit_id, cid, [buyer.did], TAX_PROOF)
    with pytest.raises(ContractRevert, match=r"jurisdiction rule \(属地登记\): office 'pjq'"):
        reg.transfer(k["pjq-reg"], unit_id, cid, [buyer.did], TAX_PROOF)  # not 蓬江's unit
    with pytest.raises(ContractRevert, match="only the bank that registered mortgage"):
        reg.release_mortgage(k["zgyh-bank"], mid)
    reg.release_mortgage(k["nsyh-bank"], mid)
    released_at = world.get("/v1/status")["height"]
    seen = world.get(f"/v1/realestate/units/{unit_id}")
    assert seen["mortgages"] == [] and seen["height"] == released_at
    # a court's seizure blocks both a transfer and a new mortgage
    sid = reg.seize(k["fy-judge"], unit_id, b"\x11" * 32)
    with pytest.raises(ContractRevert, match=r"seizure rule \(查封\): .* seized by court fy"):
        reg.transfer(k["xhq-reg"], unit_id, cid, [buyer.did], TAX_PROOF)
    with pytest.raises(ContractRevert, match=r"seizure rule \(查封\).*no new mortgage"):
        reg.register_mortgage(k["zgyh-bank"], unit_id, 1_000_000)
    assert [s["court"] for s in reg.unit(unit_id)["seizures"]] == ["fy"]
    with pytest.raises(Unauthorized, match=r"needs one of the roles \['judge'\]"):
        world.registry.call(world.key["nsyh-bank"], "seize", unit_id=unit_id, case_hash=b"1" * 32)
    reg.lift_seizure(k["fy-judge"], sid, b"\x12" * 32)
    new_cert = reg.transfer(k["xhq-reg"], unit_id, cid, [buyer.did], TAX_PROOF)
    # the whole history, across the offices (bdc, xhq), the bank and the court
    hist = reg.history(unit_id)
    assert [(e["op"], e["org"]) for e in hist] == [
        ("register_unit", "bdc"),
        ("first_registration", "xhq"),
        ("correct", "bdc"),
        ("mortgage", "nsyh"),
        ("release_mortgage", "nsyh"),
        ("seize", "fy"),
        ("lift_seizure", "fy"),
        ("transfer", "xhq"),
    ]
    assert hist[0]["by"] == world.address("bdc-reg")
    assert hist[2]["what"] == {
        "field": "area",
        "old": 12000,
        "new": 12050,
        "reason": "测绘更正 / resurvey",
    }
    assert hist[5]["what"]["case"] == "11" * 32  # hashes as hex, the ruling stays with the court
    assert hist[-1]["what"]["contract"] == cid and hist[-1]["what"]["cert"] == new_cert
    heights = [e["height"] for e in hist]
    assert heights == sorted(heights) and len(set(heights)) == len(heights)
    page = world.get(f"/v1/realestate/units/{unit_id}/history", limit=3)
    assert [e["seq"] for e in page["items"]] == [1, 2, 3] and page["next"]
    rest = world.get(f"/v1/realestate/units/{unit_id}/history", cursor=page["next"])
    assert rest["items"][0]["seq"] == 4
    # lists by district and by owner
    assert unit_id in [u["id"] for u in reg.units("440705")]
    assert all(u["district"] == "440705" for u in reg.units("440705"))
    assert [(u["id"], u["share"]) for u in reg.owner_units(buyer.did)] == [(unit_id, 10000)]


def test_an_office_registers_only_its_districts_through_the_api(world: World) -> None:
    """Regression (issue #16 item 5): pjq-registrar (蓬江) registered a 新会 unit. Refused with
    the rule named (属地登记, the governed ``jurisdictions``), through the SDK and the API;
    nothing is written; 新会's office registers it."""
    k, reg = world.key, world.registry
    unit_id = f"440705-{next(world._n):03d}-0301"
    with pytest.raises(ContractRevert, match=r"jurisdiction rule \(属地登记\): office 'pjq'"):
        reg.register_unit(k["pjq-reg"], unit_id, location="江门市新会区会城某路3号", area=9000)
    tx = world.client.builder(k["pjq-reg"]).contract_call(
        "realestate",
        "register_unit",
        {"unit_id": unit_id, "location": "x", "area": 9000, "use": "residential"},
    )
    r = world.client._http.post(
        "/v1/txs", params={"wait": "true"}, json={"tx": tx.to_bytes().hex()}
    )
    receipt = r.json()["receipt"]
    assert r.status_code == 200 and receipt["status"] == "contract_revert"
    assert "registers units in 440703" in receipt["error"] and "第七条" in receipt["error"]
    with pytest.raises(NotFound):
        reg.unit(unit_id)
    reg.register_unit(k["xhq-reg"], unit_id, location="江门市新会区会城某路3号", area=9000)
    assert reg.unit(unit_id)["registered_by"] == "xhq"
    offices = {p["name"]: p["value"] for p in reg.params()}["jurisdictions"]
    assert offices["pjq"] == ["440703"] and offices["xhq"] == ["440705"]


# -- flow 4: talent settlement -------------------------------------------------------------------


def test_flow4_graduate_approved_certificate_verifies_and_revocation_shows(world: World) -> None:
    s, k = world.settlement, world.key
    grad = world.applicant(degree=4, age=27, ss=12)
    req = world.get("/v1/settlement/request", route="graduate", did=grad.did)
    assert req["audience"] == "did:wuyi:org:rsj" and req["method"] == "apply_graduate"
    assert req["claims"] == ["degree_level", "age", "employed_in_city", "ss_months"]
    app = s.apply_graduate(grad)
    assert app["result"] == "approved" and app["failed"] == []
    cert_id = app["certificate"]
    st = s.status(grad.did)
    assert st["certificate"] == cert_id and st["applications"][-1]["id"] == app["id"]
    assert st["certificate_record"]["holder"] == grad.did
    assert s.application(app["id"])["result"] == "approved"
    assert {"certificate": cert_id, "holder": grad.did, "route": "graduate"} in (
        s.pending_certificates()
    )
    with pytest.raises(ContractRevert, match="already approved"):
        s.apply_graduate(grad)
    # 公安局's issuer system issues the 人才准予迁入 credential and links it
    text = s.issue_certificate(k["gaj-issuer"], cert_id, wallet=grad)
    assert all(p["certificate"] != cert_id for p in s.pending_certificates())
    assert {d[1]: d[2] for d in _disclosures(text)} == {
        "certificate": cert_id,
        "kind": "人才准予迁入",
        "route": "graduate",
    }
    res = check_certificate(world.client, text)
    assert res["valid"] is True and res["type"] == "TalentSettlementCertificate", res
    assert res["certificate"]["title"] == "人才准予迁入"
    pub = certificate(world.client, cert_id)
    assert pub["contract"] == "settlement" and pub["credentials"][0]["status"] == "valid"
    # no personal data anywhere on the way: state of the contract, the certificate, the check
    state = json.dumps(world.get("/v1/contracts/settlement/state", limit=500), ensure_ascii=False)
    shown = json.dumps([res, pub], ensure_ascii=False)
    for value in PERSONAL:
        assert value not in state and value not in shown and value not in text
    # 公安局 revokes the credential: the public check names the status entry
    idx = pub["credentials"][0]["idx"]
    world.ident.set_status(k["gaj-issuer"], idx, "revoked", "测试注销")
    res = check_certificate(world.client, text)
    assert res["valid"] is False and _failed(res) == ["status"]
    assert "revoked" in next(c["detail"] for c in res["checks"] if c["name"] == "status")


def test_flow4_refusal_names_the_rules_and_points_breakdown(world: World) -> None:
    s = world.settlement
    weak = world.applicant(degree=3, age=45, ss=2, employed=False)
    app = s.apply_graduate(weak)
    assert app["result"] == "refused" and app["certificate"] is None
    assert [f["rule"] for f in app["failed"]] == ["degree", "age", "employment", "social_security"]
    assert app["failed"][0]["message"] == "degree level below 4"
    assert s.status(weak.did)["certificate"] is None
    # points: 硕士 80 + 4 years of social security 20 + home 20 + age 31-35 15 + one award 10
    pts = world.applicant(degree=5, age=33, ss=50)
    world.give(pts, "bdc", "PropertyCredential", {"homes_in_city": 1})
    world.give(pts, "rsj", "AwardCredential", {"awards": 1})
    req = s.request("points", pts.did, ["home", "awards"])
    assert req["types"][-2:] == ["PropertyCredential", "AwardCredential"]
    app = s.apply_points(pts, ["home", "awards"])
    assert app["points"] == {
        "education": 80,
        "social_security": 20,
        "home": 20,
        "age": 15,
        "awards": 10,
    }
    assert (app["total"], app["threshold"], app["result"]) == (145, 100, "approved")
    assert world.get(f"/v1/settlement/applications/{app['id']}")["points"]["education"] == 80
    # below the threshold: the rule and the numbers, never the applicant's facts
    low = world.applicant(degree=4, age=38, ss=24)
    app = s.apply_points(low)
    assert app["result"] == "refused" and app["total"] == 80
    assert app["failed"] == [
        {"rule": "points_threshold", "message": "80 points, below the threshold 100"}
    ]


def test_flow4_rsj_parameter_change_applies_from_the_next_block_on_record(world: World) -> None:
    s = world.settlement
    with pytest.raises(ContractRevert, match="only an admin of 'rsj'"):
        s.set_param(world.admin["zjj"], "grad_max_age", 40, "越权 / not ours")
    older = world.applicant(degree=5, age=38, ss=24)
    app = s.apply_graduate(older)
    assert app["failed"] == [{"rule": "age", "message": "older than 35"}]
    rec = s.set_param(world.admin["rsj"], "grad_max_age", 40, "放宽年龄限制 / relax the age limit")
    height = world.get("/v1/status")["height"]
    assert rec["effective_height"] == height + 1
    # read at the block that made the change: still the old value, the new one pending
    params = {p["name"]: p for p in world.get("/v1/scenarios/settlement/params")["params"]}
    p = params["grad_max_age"]
    assert (p["value"], p["pending"], p["latest"]["value"]) == (35, True, 40)
    hist = s.param_history("grad_max_age")
    assert [x["value"] for x in hist] == [35, 40]
    assert hist[-1]["set_by"] == world.address("rsj") and hist[-1]["org"] == "rsj"
    assert hist[-1]["reason"] == "放宽年龄限制 / relax the age limit"
    assert hist[-1]["height"] == height and hist[-1]["previous"] == 35
    # the next block: the new rule decides
    app = s.apply_graduate(older)
    assert app["result"] == "approved" and app["height"] > height
    assert s.param("grad_max_age") == 40


# -- the routes' answers to bad input ------------------------------------------------------------


def signed_raw(world: World, path: str, params: dict[str, str]) -> Any:
    """GET ``path`` signed by the auditor, answered as it is (no raise on a problem)."""
    from wuyi.sdk.auth import signed_headers

    query = {**params, "purpose": "测试 / test"}
    chain_id = world.client.status().chain_id
    headers = signed_headers(world.auditor, chain_id, "GET", path, query, b"")
    return world.client._http.get(path, params=query, headers=headers)


def test_personal_scenario_records_need_a_signed_read(world: World) -> None:
    """Regression (issue #16 item 6): an owner's units (addresses, seizures, mortgages) and a
    housing contract (price, loans, buyers) were served to anyone. Now an unsigned read is
    refused (401 signed_read_required), a member whose role does not allow it too (403
    read_forbidden), and the owner's own read and a registrar's are allowed and logged."""
    k = world.key
    owner = world.citizen("owner")
    unit_id, _ = world.unit("440703", owner=owner.did)
    raw = world.client._http
    for path in (
        f"/v1/realestate/owners/{owner.did}/units",
        f"/v1/realestate/units/{unit_id}",
        "/v1/realestate/units",
    ):
        r = raw.get(path)
        assert r.status_code == 401 and r.json()["code"] == "signed_read_required", path
    # a developer's member has no registry role
    reader = world.env.new_client()
    with pytest.raises(ReadForbidden, match="may not read"):
        reader.signed_get(k["wyzy-dev"], f"/v1/realestate/owners/{owner.did}/units", "看看")
    # the owner reads their own; the registrar reads the unit; each is in the access log
    mine = reader.signed_get(owner.key, f"/v1/realestate/owners/{owner.did}/units", "我的房产")
    assert [u["id"] for u in mine["items"]] == [unit_id]
    unit = reader.signed_get(k["pjq-reg"], f"/v1/realestate/units/{unit_id}", "登记审核")
    assert unit["owners"][0]["did"] == owner.did
    seen = Identity(reader).reads(owner.did, key=owner.key, purpose="谁看了我的房产")
    assert {(e["basis"], e["record"]) for e in seen} >= {
        ("citizen", f"realestate/owner/{owner.did}"),
        ("role:registrar", f"realestate/unit/{unit_id}"),
    }
    # a housing contract: its buyer, not another citizen
    buyer = world.family(local=True)
    other = world.citizen("other")
    u2, _ = world.unit("440703")
    cid = world.filed(u2, buyer, 80_000_000)
    assert raw.get(f"/v1/housing/contracts/{cid}").status_code == 401
    with pytest.raises(ReadForbidden):
        reader.signed_get(other.key, f"/v1/housing/contracts/{cid}", "看看")
    c = reader.signed_get(buyer.key, f"/v1/housing/contracts/{cid}", "我的合同")
    assert c["buyers"][0] == buyer.did and c["price"] == 80_000_000
    # the dashboard (aggregates) stays public
    assert raw.get("/v1/housing/dashboard").status_code == 200


def test_bad_input_gets_problems_naming_it(world: World) -> None:
    c = world.client
    for path, params, code, field in (
        ("/v1/realestate/units", {"district": "abc"}, 422, "district"),
        ("/v1/realestate/units/440703-999-9999", {}, 404, "unit_id"),
        ("/v1/realestate/owners/alice/units", {}, 400, "did"),
        ("/v1/housing/contracts", {"status": "nope"}, 422, "status"),
        ("/v1/housing/contracts/WQ99999999", {}, 404, "contract_id"),
        ("/v1/settlement/request", {"route": "other", "did": "did:wuyi:x"}, 422, "route"),
        (
            "/v1/settlement/request",
            {"route": "points", "did": "did:wuyi:x", "items": "car"},
            400,
            "items",
        ),
        ("/v1/scenarios/lottery/params", {}, 422, "contract"),
        ("/v1/scenarios/housing/params/nothing/history", {}, 404, "name"),
        ("/v1/certs/BDC99999999", {}, 404, "cert_id"),
        ("/v1/realestate/units", {"cursor": "!!"}, 400, "cursor"),
    ):
        r = signed_raw(world, path, params)  # an auditor's read: the input is what is wrong
        assert r.status_code == code, (path, r.text)
        doc = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert doc["field"] == field, (path, doc)
    # the eligibility request is for the first buyer only
    k, h = world.key, world.housing
    unit_id, _ = world.unit("440705", office="xhq")
    h.list_unit(k["wyzy-dev"], unit_id)
    buyer, other = world.family(local=True), world.citizen("other")
    cid = h.draft(k["wyzy-dev"], unit_id, [buyer.did], 90_000_000)
    with pytest.raises(ValidationError, match="is not the first buyer"):
        h.eligibility_request(cid, other.did)
    with pytest.raises(NotFound, match="no settlement application"):
        world.settlement.application("JMTS-99999")
    r = c._http.post("/v1/certs/verify", json={"credential": ""})
    assert r.status_code == 422
    r = c._http.post("/v1/certs/verify", json={"credential": "é~x~"})
    assert r.status_code == 200 and r.json()["valid"] is False


def test_routes_name_a_contract_that_is_not_deployed(tmp_path: Path) -> None:
    orgs = (OrgSpec("sjj", "数据局", True), OrgSpec("zjj", "住建局"))
    with inprocess_node(tmp_path / "bare", orgs, suite="intl", passphrase=PW) as env:
        for path in (
            "/v1/realestate/units",
            "/v1/housing/dashboard",
            "/v1/settlement/status/did:wuyi:abc",
            "/v1/scenarios/settlement/params",
            "/v1/certs/BDC00000001",
        ):
            r = env.client._http.get(path)
            assert r.status_code == 404, (path, r.text)
            assert "is not deployed on this chain" in r.json()["detail"], path
        r = env.client._http.post("/v1/certs/verify", json={"credential": "x~"})
        assert r.json()["valid"] is False


def test_scenario_routes_fuzzed_with_the_contracts_deployed(world: World) -> None:
    """tests/unit/test_api_fuzz.py fuzzes every route on a chain without these contracts (all
    404); here the scenario routes meet generated input with the contracts deployed and some
    data: never a 5xx, every answer as the OpenAPI document declares it."""
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from starlette.exceptions import StarletteDeprecationWarning

    from wuyi.api.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        import schemathesis
        from schemathesis import GenerationMode
        from schemathesis.checks import not_a_server_error
        from schemathesis.specs.openapi.checks import (
            content_type_conformance,
            response_schema_conformance,
            status_code_conformance,
        )
        from starlette.testclient import TestClient

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    unit_id, cert_id = world.unit("440781", office="bdc")
    app = create_app(world.env.node)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, ops = [], 0
    for result in schema.get_all_operations():
        op = result.ok()
        if "scenarios" not in op.definition.raw.get("tags", []):
            continue
        ops += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=5,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case: Any) -> None:
                case.call_and_validate(checks=checks)

            try:
                run()
            except Unsatisfiable:
                pass
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{op.label} [{mode.value}]: {exc}")
    assert ops >= 17
    assert not failures, "\n\n".join(failures)
    # real answers validate against the schemas declared for them
    with TestClient(app) as c:
        for template, url in (
            ("/v1/realestate/units", "/v1/realestate/units?district=440781"),
            ("/v1/realestate/units/{unit_id}", f"/v1/realestate/units/{unit_id}"),
            ("/v1/realestate/units/{unit_id}/history", f"/v1/realestate/units/{unit_id}/history"),
            ("/v1/realestate/owners/{did}/units", f"/v1/realestate/owners/{DEV}/units"),
            ("/v1/realestate/certs/{cert_id}", f"/v1/realestate/certs/{cert_id}"),
            ("/v1/certs/{cert_id}", f"/v1/certs/{cert_id}"),
            ("/v1/housing/contracts", "/v1/housing/contracts"),
            ("/v1/housing/dashboard", "/v1/housing/dashboard"),
            ("/v1/scenarios/{contract}/params", "/v1/scenarios/housing/params"),
            (
                "/v1/scenarios/{contract}/params/{name}/history",
                "/v1/scenarios/realestate/params/banks/history",
            ),
        ):
            from urllib.parse import parse_qsl, urlsplit

            from wuyi.sdk.auth import signed_headers

            parts = urlsplit(url)
            query = {**dict(parse_qsl(parts.query)), "purpose": "测试 / test"}
            chain_id = world.client.status().chain_id
            signed = signed_headers(world.auditor, chain_id, "GET", parts.path, query, b"")
            r = c.get(parts.path, params=query, headers=signed)  # an auditor's signed read
            assert r.status_code == 200, (url, r.text)
            schema[template]["GET"].validate_response(r)


def test_cli_issues_pending_certificates_once_and_checks_them(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from typer.testing import CliRunner

    from wuyi.cli import app
    from wuyi.crypto import save_key

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 250)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    runner = CliRunner()

    def wuyi(*args: str, code: int = 0) -> str:
        r = runner.invoke(app, list(args))
        assert r.exit_code == code, r.output
        return r.output

    owner = world.citizen("owner")
    unit_id, cert_id = world.unit("440705", office="xhq", owner=owner.did)
    key_file = tmp_path / "xhq-issuer.key"
    save_key(key_file, world.key["xhq-issuer"], PW)
    out = tmp_path / "issued"
    wuyi("cert", "issue", "--key", str(key_file), "--out", str(out))
    files = {p.name.split("-")[0]: p for p in out.iterdir()}
    assert cert_id in files
    assert "nothing pending" in wuyi("cert", "issue", "--key", str(key_file), "--out", str(out))
    text = wuyi("cert", "verify", str(files[cert_id]))
    assert "有效 / valid" in text and "✓ linked" in text
    owner.add(files[cert_id].read_text().strip())  # the holder keeps it (`wuyi wallet add`)
    bad = tmp_path / "bad.sd-jwt"
    bad.write_text(_tampered(files[cert_id].read_text().strip(), "share", 1))
    assert "✗ disclosures" in wuyi("cert", "verify", str(bad), code=1)
    public = wuyi("cert", "show", cert_id)  # unsigned: its validity, not who holds it
    assert "valid" in public and owner.did not in public
    audit = tmp_path / "auditor.key"
    save_key(audit, world.auditor, PW)
    reads = ["--read-key", str(audit), "--purpose", "核对 / check"]
    shown = wuyi("cert", "show", cert_id, *reads)
    assert owner.did in shown and "valid" in shown and unit_id in shown
    shown = wuyi("unit", "show", unit_id, *reads)
    assert "register_unit" in shown and "first_registration" in shown and "xhq" in shown
    assert unit_id in wuyi("unit", "list", "--district", "440705", *reads)


def test_cli_sub_apps_of_the_registered_scenarios(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``wuyi <scenario> ...`` comes from each scenario's cli.py (mounted from the registry),
    with the governed parameters' commands added; ``wuyi scenario list`` lists the registry."""
    import importlib

    from typer.testing import CliRunner

    from wuyi.cli import app

    cli = importlib.import_module("wuyi.cli.app")
    monkeypatch.setattr(cli, "_client", lambda node: world.env.new_client())
    monkeypatch.setattr(cli.console, "width", 250)
    runner = CliRunner()
    # the scenarios' records are personal: the commands sign their reads (--read-key)
    from wuyi.crypto import save_key

    key_file = world.tmp / "auditor.key"
    if not key_file.exists():
        save_key(key_file, world.auditor, PW)
    monkeypatch.setenv("WUYI_PASSPHRASE", PW)
    signed = ["--read-key", str(key_file), "--purpose", "命令行核对 / CLI check"]
    unsigned = runner.invoke(app, ["housing", "contracts", "--status", "filed"])
    assert unsigned.exit_code != 0 and "signed_read_required" in unsigned.output

    def wuyi(*args: str) -> str:
        reads = signed if args[0] in ("housing", "realestate", "settlement") else []
        if args[-1] in ("dashboard", "params") or args[1] == "param-history":
            reads = []  # aggregates and policy parameters: public
        r = runner.invoke(app, [*args, *reads])
        assert r.exit_code == 0, r.output
        return r.output

    buyer = world.family(local=True)
    unit_id, _ = world.unit("440703")
    cid = world.filed(unit_id, buyer, 80_000_000)
    assert cid in wuyi("housing", "contracts", "--status", "filed")
    shown = wuyi("housing", "show", cid)
    assert unit_id in shown and "filed" in shown and "¥800,000.00" in shown
    assert "filed" in wuyi("housing", "dashboard")
    assert "max_ltv_pct" in wuyi("housing", "params")
    assert "nsyh" in wuyi("realestate", "param-history", "banks")
    assert unit_id in wuyi("realestate", "list", "--district", "440703")
    grad = world.applicant(degree=5, age=26, ss=12)
    decision = world.settlement.apply_graduate(grad)
    assert decision["id"] in wuyi("settlement", "status", grad.did)
    assert "approved" in wuyi("settlement", "application", decision["id"])
    listed = wuyi("scenario", "list")
    assert all(name in listed for name in ("realestate", "housing", "settlement", "elicence"))
