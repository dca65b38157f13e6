"""免证办's demo step (run by ``wuyi.demo_scenarios``): 教育局 issued a graduate's degree
e-licence (only its commitment on chain); she passed real-name and face verification at the
identity provider and, with that attestation, authorised 人社局's service counter — which
requires assurance level 2 — to see her degree level for a purpose and a window; she showed it
("亮证") once and the counter's check is on chain and in her log. The counter's log:
``/v1/elicence/services/rsj/checks``. (The identity demo has a bank's check of the same kind:
``wuyi.demo_identity``.)"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wuyi.demo_scenarios_data import DemoCitizen, degree

if TYPE_CHECKING:
    from wuyi.demo_scenarios import DemoLoader

__all__ = ["CITIZENS", "MEMBERS", "RULE_CLAIMS", "flows"]

MEMBERS = (("idp", "idp"),)
SERVICE = "rsj"
TYPES_SHOWN = ["DegreeCredential"]
CLAIMS_SHOWN = ["degree_level"]
PURPOSE = "免证办：学历核验（人才服务窗口）/ certificate-free degree check"
#: the only claim the service asks for
RULE_CLAIMS = frozenset(CLAIMS_SHOWN)
CITIZENS = (
    DemoCitizen(
        "huang-jiayi",
        "免证办：在人社局窗口亮证核验学历 / shows her degree e-licence at a service counter",
        (degree(4, "大学本科", "智能制造工程", "五邑大学", "黄嘉怡", "1134920200000321"),),
    ),
)


def flows(loader: DemoLoader) -> list[Any]:
    return []


def after(loader: DemoLoader) -> None:
    """Attestation, consent and one check by the counter (once: a later load finds the use)."""
    from wuyi.scenarios.elicence.sdk import ELicence
    from wuyi.sdk.identity import Identity, Verifier
    from wuyi.vc.assurance import make_attestation

    wallet = loader.wallets["huang-jiayi"]
    out = loader.section("elicence")
    out.update(did=wallet.did, wallet=str(wallet.path), service=SERVICE)
    uses = Identity(loader.client).uses(wallet.did, key=wallet.key)  # the holder's own read
    if uses:
        out.update(consent=uses[0]["consent"], verification=uses[0]["tx_hash"], result="accepted")
        return
    now = int(time.time())
    attestation = make_attestation(
        loader.member("idp", "idp"),
        org="idp",
        sub=wallet.did,
        level=2,
        real_name=True,
        face=True,
        iat=now - 5,
        exp=now + 600,
    )
    el = ELicence(loader.client)
    consent = el.authorise(
        wallet, SERVICE, TYPES_SHOWN, CLAIMS_SHOWN, PURPOSE, attestation, minutes=30 * 24 * 60
    )
    counter = Verifier(loader.client, loader.admins[SERVICE], SERVICE, min_assurance=2)
    nonce = counter.challenge()
    text = el.present(wallet, SERVICE, TYPES_SHOWN, CLAIMS_SHOWN, nonce, consent)
    verdict = counter.verify(text, nonce)
    out.update(consent=consent, verification=verdict.tx_hash, result=verdict.result)


def summary(made: dict[str, Any], url: str, keys: Path) -> list[str]:
    e = made.get("elicence")
    if not e:
        return []
    return [
        f"  {url}/console/#/elicence?org={e['service']}   # 免证办 / a service's checks",
        f"  curl {url}/v1/elicence/services/{e['service']}/checks",
    ]
