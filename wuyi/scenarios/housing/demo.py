"""住房网签's demo step (run by ``wuyi.demo_scenarios``): housing contracts at every step of
the flow — one purchase completed (eligibility, signatures, filing, loan, tax, transfer by
bdc, the new 不动产权证书, the bank's mortgage), one filed with loan and tax (waiting for the
transfer), one signed (waiting for filing), one eligible (waiting for signatures), one draft
(waiting for the buyer's eligibility check) and one listed unit with no contract — on units
in 蓬江 (440703), 江海 (440704) and 新会 (440705) registered by the office of their district
(江海 by the city centre bdc) and first owned by the developer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios import returned
from wuyi.demo_scenarios_data import DemoCitizen, DemoUnit, family, household, social_security
from wuyi.scenarios.realestate.demo import register_unit

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "MEMBERS", "RULE_CLAIMS", "STAGES", "UNITS", "flows"]

MEMBERS = (("wyzy", "developer"), ("zjj", "filing"))
#: the only claims the contract asks for (the purchase eligibility)
RULE_CLAIMS = frozenset({"family_dids", "local_hukou", "ss_months_60"})
STAGES = ("listed", "draft", "eligible", "signed", "filed", "completed")
DEVELOPER = "wyzy"
SELLER = "did:wuyi:org:wyzy"
AREA_CORRECTED = 8962  # the completed unit's area after the survey (the correction by bdc)
CORRECTION_REASON = "实测面积更正 / area corrected after the completion survey"

# fmt: off
CITIZENS = (
    DemoCitizen("wang-jianhua", "购房人，已过户 / buyer, purchase completed", (
        family("JM-HJ-2012-004417", ["lin-xiuying"], spouse_name="林秀英",
               marriage_date="2012-10-01"),
        household(True, "王建华", "440703198503152719", "江门市蓬江区白沙大道西 12 号"))),
    DemoCitizen("lin-xiuying", "共同购房人（配偶）/ co-buyer, spouse"),
    DemoCitizen("chen-zhiwei", "购房人（非本市户籍），已备案待过户 / non-local buyer, filed", (
        family("JM-HJ-2019-011802", []),
        household(False, "陈志伟", "450103199006183012", "南宁市青秀区民族大道 66 号"),
        social_security(34, "J4407-1990-0618-302", "江门市五邑精密制造有限公司"))),
    DemoCitizen("huang-lihua", "购房人，已签约待备案 / buyer, signed, waiting for filing", (
        family("JM-HJ-2016-020931", []),
        household(True, "黄丽华", "440704199211054028", "江门市江海区东海路 35 号"))),
    DemoCitizen("zhou-jianguo", "购房人，资格已通过待签约 / buyer, eligible, to sign", (
        family("JM-HJ-2003-007765", []),
        household(True, "周建国", "440705197808236517", "江门市新会区中心南路 9 号"))),
    DemoCitizen("wu-xiaomin", "购房人，合同草拟待资格审核 / buyer, draft, to check", (
        family("JM-HJ-2021-015520", []),
        household(True, "吴晓敏", "440703199504120023", "江门市蓬江区环市一路 18 号"),
        social_security(30, "J4407-1995-0412-002", "江门市蓬江区某贸易商行"))),
)
# fmt: on

# stage, unit, its office, location, area (0.01 m²), buyers, price (fen), (bank, loan in fen)
# fmt: off
UNITS = (
    DemoUnit("completed", "440703-012-0801", "pjq", area=8950, price=168_000_000,
             buyers=("wang-jianhua", "lin-xiuying"), loan=("nsyh", 100_000_000),
             location="江门市蓬江区丰乐路 168 号五邑·江景苑 3 栋 801 房"),
    DemoUnit("filed", "440705-003-1202", "xhq", area=10320, price=125_000_000,
             buyers=("chen-zhiwei",), loan=("zgyh", 80_000_000),
             location="江门市新会区冈州大道 88 号五邑·陈皮村花园 2 栋 1202 房"),
    DemoUnit("signed", "440704-007-0503", "bdc", area=7680, price=98_000_000,
             buyers=("huang-lihua",), location="江门市江海区五邑路 200 号五邑·江海湾 5 栋 503 房"),
    DemoUnit("eligible", "440703-012-1001", "pjq", area=12050, buyers=("zhou-jianguo",),
             price=210_000_000, location="江门市蓬江区丰乐路 168 号五邑·江景苑 3 栋 1001 房"),
    DemoUnit("draft", "440705-003-0602", "xhq", area=9860, buyers=("wu-xiaomin",),
             price=105_000_000, location="江门市新会区冈州大道 88 号五邑·陈皮村花园 2 栋 602 房"),
    DemoUnit("listed", "440704-007-1101", "bdc", area=7680,
             location="江门市江海区五邑路 200 号五邑·江海湾 5 栋 1101 房"),
)
# fmt: on


def housing_flow(loader: DemoLoader, spec: DemoUnit) -> Flow:
    """The unit's contract, up to the step ``spec.stage`` shows."""
    yield from register_unit(loader, spec, SELLER)
    dev = loader.member(DEVELOPER, "developer")
    upto = STAGES.index(spec.stage)
    out: dict[str, Any] = {"unit": spec.id, "location": spec.location}
    loader.section("housing")[spec.stage] = out
    loader.section("units")[spec.stage] = spec.id
    u = loader.query("realestate", "unit", unit_id=spec.id)
    side = []
    if spec.stage == "completed" and u["area"] != AREA_CORRECTED:
        bdc = loader.member("bdc", "registrar")
        side.append(
            loader.call(
                bdc,
                "realestate",
                "correct",
                unit_id=spec.id,
                field="area",
                value=AREA_CORRECTED,
                reason=CORRECTION_REASON,
            )
        )
    if loader.query("housing", "listing", unit_id=spec.id) is None:
        side.append(loader.call(dev, "housing", "list_unit", unit_id=spec.id))
    if side:
        yield side
    if upto == 0:
        return
    buyers = [loader.did(b) for b in spec.buyers]
    out.update(buyers=buyers, wallets=[str(loader.wallets[b].path) for b in spec.buyers])
    drafted = loader.query("housing", "filings", unit_id=spec.id)["contracts"]
    if drafted:
        cid = drafted[-1]
    else:
        (r,) = yield [
            loader.call(dev, "housing", "draft", unit_id=spec.id, buyers=buyers, price=spec.price)
        ]
        cid = str(returned(r))
    out.update(contract=cid, price=spec.price)
    c = loader.query("housing", "contract", contract_id=cid)
    first = spec.buyers[0]
    if upto >= 2 and c["status"] == "draft":
        yield from eligibility(loader, cid, first)
        c = loader.query("housing", "contract", contract_id=cid)
    if upto >= 3 and c["status"] == "eligible":
        signs = [
            loader.call(loader.wallets[b].key, "housing", "sign", contract_id=cid)
            for b in spec.buyers
            if loader.did(b) not in c["signatures"]["buyers"]
        ]
        if c["signatures"]["seller"] is None:
            signs.append(loader.call(dev, "housing", "sign", contract_id=cid))
        yield signs
        c = loader.query("housing", "contract", contract_id=cid)
    if upto >= 4 and c["status"] == "signed":
        yield [loader.call(loader.member("zjj", "filing"), "housing", "file", contract_id=cid)]
        c = loader.query("housing", "contract", contract_id=cid)
    proof = tax_proof(loader, spec, cid)
    if upto >= 4:
        out.update(tax_proof=proof.hex(), tax_proof_file=str(tax_file(loader, spec)))
    if upto >= 4 and c["status"] == "filed":
        steps = []
        assert spec.loan is not None
        bank, amount = spec.loan
        if bank not in c["loans"]:
            steps.append(
                loader.call(
                    loader.member(bank, "banker"),
                    "housing",
                    "register_loan",
                    contract_id=cid,
                    amount=amount,
                )
            )
        if c["tax"] is None:
            w = loader.wallets[first]
            steps.append(
                loader.call(
                    w.key,
                    "housing",
                    "declare_tax",
                    contract_id=cid,
                    price=spec.price,
                    proof=proof,
                )
            )
        if steps:
            yield steps
    if upto >= 5:
        yield from completion(loader, spec, cid, out)
    out["status"] = loader.query("housing", "contract", contract_id=cid)["status"]


def eligibility(loader: DemoLoader, cid: str, holder: str) -> Flow:
    """The first buyer consents to 住建局 and presents family and household (and, for a
    non-local family, social security) to the contract."""
    types = ["FamilyCredential", "HouseholdCredential"]
    while not loader.has(holder, *types):
        yield []
    creds = {c.type: c for c in loader.wallets[holder].credentials}
    local = creds["HouseholdCredential"].claims["local_hukou"] is True
    req = loader.query("housing", "eligibility_request", with_social_security=not local)
    consent = yield from loader.consent(
        holder,
        req["verifier"],
        req["types"],
        req["claims"],
        "购房资格审核 / home-purchase eligibility",
    )
    w = loader.wallets[holder]
    nonce = loader.query("housing", "eligibility_nonce", contract_id=cid, did=w.did)
    ref = loader.presentation(w, req, nonce, consent)
    yield [
        loader.call(
            w.key,
            "housing",
            "check_eligibility",
            contract_id=cid,
            presentation_text=ref,
            with_social_security=not local,
        )
    ]


def tax_file(loader: DemoLoader, spec: DemoUnit) -> Path:
    return loader.docs_dir / f"tax-proof-{spec.id}.txt"


def tax_proof(loader: DemoLoader, spec: DemoUnit, cid: str) -> bytes:
    """The 完税证明 (no personal data: contract, unit, price) written to the docs folder;
    the chain gets its hash."""
    yuan = f"{spec.price // 100:,}.{spec.price % 100:02d}"
    text = (
        f"契税完税证明（演示）/ tax-paid proof (demo)\n合同 / contract: {cid}\n"
        f"不动产单元 / unit: {spec.id}\n计税价格 / taxable price: {yuan} 元\n"
    )
    loader.docs_dir.mkdir(parents=True, exist_ok=True)
    tax_file(loader, spec).write_text(text, encoding="utf-8")
    return loader.suite.hash(text.encode())


def completion(loader: DemoLoader, spec: DemoUnit, cid: str, out: dict[str, Any]) -> Flow:
    """Transfer by the city centre, the bank's mortgage for its loan, each owner's
    不动产权证书 credential issued by bdc and linked."""
    c = loader.query("housing", "contract", contract_id=cid)
    if c["status"] == "filed":
        reg = loader.member("bdc", "registrar")
        proof = tax_proof(loader, spec, cid)
        buyers = list(c["buyers"])
        yield [
            loader.call(
                reg,
                "realestate",
                "transfer",
                unit_id=spec.id,
                contract_id=cid,
                buyers=buyers,
                tax_proof=proof,
            )
        ]
    u = loader.query("realestate", "unit", unit_id=spec.id)
    assert spec.loan is not None
    bank, amount = spec.loan
    if not u["mortgages"]:
        yield [
            loader.call(
                loader.member(bank, "banker"),
                "realestate",
                "register_mortgage",
                unit_id=spec.id,
                amount=amount,
                contract_id=cid,
            )
        ]
        u = loader.query("realestate", "unit", unit_id=spec.id)
    out.update(cert=u["cert"], mortgage=u["mortgages"][0]["id"], bank=bank)
    loader.section("registry")["mortgaged"] = {
        "unit": spec.id,
        "mortgage": u["mortgages"][0]["id"],
        "bank": bank,
        "amount": amount,
        "contract": cid,
    }
    loader.section("units")["mortgaged"] = spec.id


def flows(loader: DemoLoader) -> list[Flow]:
    return [housing_flow(loader, spec) for spec in UNITS]


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    h = made.get("housing", {})
    lines = [
        f"  {url}/console/#/housing  住建局备案台 / filing desk ({keys}/zjj-filing.key);"
        f" #/developer ({keys}/wyzy-developer.key)",
        f"  curl {url}/v1/housing/dashboard",
    ]
    if "draft" in h:
        draft = h["draft"]
        lines.insert(
            1,
            f"  {url}/console/#/citizen  市民 / citizen: {draft['wallets'][0]}"
            f" (合同 {draft['contract']} 待资格审核 / waiting for the eligibility check)",
        )
    if "completed" in h:
        lines.append(f"  {url}/console/#/ecert?id={h['completed']['cert']}   # 不动产权证书")
    return lines


def screenshots(shots: Any) -> None:
    """The bureau's filing desk, a contract's trace, a buyer's page
    (``wuyi.console.screenshots``)."""
    page, made = shots.page, shots.made
    done = made["housing"]["completed"]
    shots.sign_in("zjj-filing", "#/housing")
    page.wait_for_selector("[data-testid=params-housing] table")
    shots.shot("housing", full=True)
    page.goto(f"{shots.url}/console/#/housing/{done['contract']}")
    page.wait_for_selector("[data-testid=contract-trace]")
    shots.shot("housing-contract", full=True)
    shots.sign_out()
    shots.open_wallet("#/citizen", made["housing"]["draft"]["wallets"][0])
    page.wait_for_selector("[data-testid=citizen-did]")
    shots.shot("citizen", full=True)
