"""人才引进's demo step (run by ``wuyi.demo_scenarios``): 人社局 lowered a settlement rule (on
record); a graduate settled with the 人才准予迁入 certificate (issued by 公安局's issuer system
after the flows), a points applicant refused below the threshold, a graduate ready to apply."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import (
    DemoCitizen,
    degree,
    employment,
    identity,
    social_security,
)

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader, Flow

__all__ = ["CITIZENS", "EXTRA_CLAIMS", "RULE_CLAIMS", "TYPES", "flows"]

MEMBERS = (("gaj", "issuer"),)
TYPES = (
    (
        "TalentSettlementCertificate",
        ["gaj"],
        ["certificate", "kind", "route"],
        "人才准予迁入证明 / talent settlement approval",
    ),
)
#: the settlement rules need the applicant's age from the 公安 IdentityCredential
EXTRA_CLAIMS = {"IdentityCredential": ["age"]}
#: the only claims the contract asks for
RULE_CLAIMS = frozenset(
    {"degree_level", "age", "employed_in_city", "ss_months", "homes_in_city", "awards"}
)
PARAM_CHANGE = (
    "grad_min_ss_months",
    3,
    "2026 年高校毕业生落户：社保缴费由 6 个月降为 3 个月 / graduates: 3 months of social"
    " security instead of 6",
)
GRADUATE = (
    ["DegreeCredential", "IdentityCredential", "EmploymentCredential", "SocialSecurityCredential"],
    ["degree_level", "age", "employed_in_city", "ss_months"],
)
POINTS_HOME = (
    ["DegreeCredential", "IdentityCredential", "SocialSecurityCredential", "PropertyCredential"],
    ["degree_level", "age", "ss_months", "homes_in_city"],
)

CITIZENS = (
    DemoCitizen(
        "liu-zihan",
        "高校毕业生，已准予迁入 / graduate, settlement approved",
        (
            degree(
                5, "硕士研究生", "计算机科学与技术", "华南理工大学", "刘子涵", "1056120260000123"
            ),
            identity(
                "刘子涵", "440781200003217713", "2000-03-21", "台山市台城街道环北大道 7 号", 26
            ),
            employment("江门市数字政府运营中心", "2025-07-01"),
            social_security(14, "J4407-2000-0321-771", "江门市数字政府运营中心"),
        ),
    ),
    DemoCitizen(
        "he-weiming",
        "积分落户申请人，未达门槛 / points applicant, below the threshold",
        (
            degree(
                3, "大学专科", "机电一体化技术", "江门职业技术学院", "何伟明", "1299320060000456"
            ),
            identity("何伟明", "440783198505094318", "1985-05-09", "开平市长沙街道幕沙路 3 号", 41),
            social_security(30, "J4407-1985-0509-431", "开平市某五金制品厂"),
            ("PropertyCredential", {"homes_in_city": 1}),
        ),
    ),
    DemoCitizen(
        "zheng-yuxin",
        "高校毕业生，待申请 / graduate, ready to apply",
        (
            degree(4, "大学本科", "汉语言文学", "五邑大学", "郑雨欣", "1134920260000789"),
            identity(
                "郑雨欣", "440704200201157620", "2002-01-15", "鹤山市沙坪街道中山路 26 号", 24
            ),
            employment("江门市江海区某文化传媒有限公司", "2026-03-01"),
            social_security(8, "J4407-2002-0115-762", "江门市江海区某文化传媒有限公司"),
        ),
    ),
)


def param_change(loader: DemoLoader) -> Flow:
    name, value, reason = PARAM_CHANGE
    history = loader.query("settlement", "param_history", name=name)
    if len(history) < 2:
        rsj = loader.admins["rsj"]
        yield [loader.call(rsj, "settlement", "set_param", name=name, value=value, reason=reason)]
    loader.section("settlement")["param_change"] = {
        "name": name,
        "value": value,
        "reason": reason,
        "org": "rsj",
    }


def application(loader: DemoLoader, holder: str, route: str) -> Flow:
    """Consent to 人社局, present, apply; an approval gets the 人才准予迁入 credential from
    公安局's issuer, linked to the certificate record."""
    w = loader.wallets[holder]
    types, claims = GRADUATE if route == "graduate" else POINTS_HOME
    st = loader.query("settlement", "status", did=w.did)
    if not st["applications"]:
        while not loader.has(holder, *types):
            yield []
        consent = yield from loader.consent(
            holder, "rsj", types, claims, "人才引进落户申请 / talent settlement application"
        )
        method = "apply_graduate" if route == "graduate" else "apply_points"
        nonce = loader.query("settlement", "nonce", did=w.did, method=method)
        req = {"types": types, "claims": claims, "verifier": "rsj"}
        args: dict[str, Any] = {"text": loader.presentation(w, req, nonce, consent)}
        if route == "points":
            args["items"] = ["home"]
        yield [loader.call(w.key, "settlement", method, **args)]
        st = loader.query("settlement", "status", did=w.did)
    app = st["applications"][-1]
    key = "settled" if app["result"] == "approved" else "refused"
    out = {
        "did": w.did,
        "wallet": str(w.path),
        "route": route,
        "application": app["id"],
        "result": app["result"],
        "failed": app["failed"],
    }
    if route == "points":
        out.update(points=app["points"], total=app["total"], threshold=app["threshold"])
    loader.section("settlement")[key] = out
    if st["certificate"] is not None:
        out["certificate"] = st["certificate"]


def flows(loader: DemoLoader) -> list[Flow]:
    return [
        param_change(loader),
        application(loader, "liu-zihan", "graduate"),
        application(loader, "he-weiming", "points"),
    ]


def after(loader: DemoLoader) -> None:
    loader.issue_certificates("settlement", ["gaj"])
    ready = loader.wallets["zheng-yuxin"]
    loader.section("settlement")["ready"] = {"did": ready.did, "wallet": str(ready.path)}


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    settled = made.get("settlement", {}).get("settled")
    if not settled:
        return []
    return [f"  {url}/console/#/settlement/{settled['did']}   # 人才引进 / a settled graduate"]


def screenshots(shots: Any) -> None:
    """A refused applicant's status page (``wuyi.console.screenshots``)."""
    shots.goto(f"#/settlement/{shots.made['settlement']['refused']['did']}")
    shots.page.wait_for_selector("[data-testid=decision]")
    shots.shot("settlement", full=True)
