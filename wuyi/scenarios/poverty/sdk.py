"""精准扶贫 in the SDK: :class:`PovertyRelief` — village committees (households, notices, use
receipts), the departments (their signed yes/no answers), households (consent, with their
wallets' DID keys), citizens (objections), 乡村振兴局 (projects, objections, approval, cases)
and 财政局 (budgets, programmes, payments); reads through ``/v1/poverty/...``::

    s = client.scenario("poverty")                       # or PovertyRelief(client)
    hid = s.register_household(village_key, head_did, commitment(id_no, name, salt), 4)["id"]
    s.consent(head_wallet, hid)
    s.answer(mzj_key, hid, "income_low", True, bound=790000)
    n = s.post_notice(village_key, [hid], ["张*明"], notice_doc_hash)
    s.approve_notice(bureau_key, n["id"])                # after notice_days, objections resolved
    s.flow("JH000001")                                   # the public flow of a programme

Amounts in fen. A refusal raises the platform's error carrying the contract's message, which
names the rule (``balance rule: …``, ``beneficiary rule: …``, ``mask rule: …``).
"""

from __future__ import annotations

from typing import Any

from wuyi.abc import PrivateKey, Suite
from wuyi.sdk.scenarios import ScenarioClient, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "PovertyRelief", "commitment", "mask_name"]


def commitment(suite: Suite, id_number: str, name: str, salt: bytes) -> bytes:
    """The household's commitment the chain keeps: the hash of the head's ID number, name and
    a salt (at least 16 random bytes the village keeps); the values themselves stay off
    chain."""
    if len(salt) < 16:
        raise ValueError("the salt has at least 16 bytes")
    return suite.hash(b"wuyi/poverty/household\x00" + id_number.encode() + b"\x00" +
                      name.encode() + b"\x00" + salt)  # fmt: skip


def mask_name(name: str) -> str:
    """The masked form of a name for the public notice (张*明, 李*, 欧**明): the first
    character and, for three or more, the last; the rest ``*``. Computed off chain by the
    village; only this form is posted."""
    if len(name) < 2:
        raise ValueError("a name has at least two characters")
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * min(len(name) - 2, 2) + name[-1]


class PovertyRelief(ScenarioClient):
    """精准扶贫: one method per step of its flows (see the module docstring)."""

    default_name = "poverty"

    # -- village committees ---------------------------------------------------------------------

    @contract_step
    def register_household(
        self, key: PrivateKey, did: str, commitment: bytes, size: int
    ) -> dict[str, Any]: ...

    @contract_step
    def post_notice(
        self, key: PrivateKey, households: list[str], masked: list[str], doc: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def record_use(self, key: PrivateKey, payment: str, receipt: bytes) -> dict[str, Any]: ...

    @contract_step
    def post_project_notice(
        self, key: PrivateKey, project: str, phase: str, doc: bytes
    ) -> dict[str, Any]: ...

    # -- households and citizens ----------------------------------------------------------------

    @contract_step
    def consent(self, wallet: Wallet, household: str) -> dict[str, Any]: ...

    @contract_step
    def object_to(
        self,
        signer: PrivateKey | Wallet,
        notice: str,
        household: str,
        reason: str,
        statement: bytes,
    ) -> dict[str, Any]:
        """An objection: a citizen's wallet, or the village committee's key for a paper one."""

    # -- departments ----------------------------------------------------------------------------

    @contract_step
    def answer(
        self,
        key: PrivateKey,
        household: str,
        predicate: str,
        ok: bool,
        *,
        reason: str = "",
        bound: int | None = None,
        record: bytes | None = None,
    ) -> dict[str, Any]:
        """A department's signed yes/no to ``predicate`` (``bound``: the parameter in force)."""

    @contract_step
    def flag(
        self, key: PrivateKey, household: str, kind: str, evidence: bytes
    ) -> dict[str, Any]: ...

    # -- 乡村振兴局 ---------------------------------------------------------------------------

    @contract_step
    def resolve_objection(
        self, key: PrivateKey, objection: str, *, upheld: bool, finding: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def approve_notice(self, key: PrivateKey, notice: str) -> dict[str, Any]: ...

    def create_project(self, key: PrivateKey, programme: str, **fields: Any) -> dict[str, Any]:
        """``name, village, amount, purpose, kind, implementer, responsible, targets,
        mechanism``."""
        return self._step(key, "create_project", programme=programme, **fields)

    @contract_step
    def close_case(
        self, key: PrivateKey, case: str, outcome: str, record: bytes
    ) -> dict[str, Any]: ...

    # -- 财政局 -------------------------------------------------------------------------------

    @contract_step
    def open_budget(
        self, key: PrivateKey, source: str, year: int, amount: int, doc: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def fund_programme(
        self, key: PrivateKey, budget: str, name: str, amount: int, purposes: list[str]
    ) -> dict[str, Any]: ...

    @contract_step
    def disburse(
        self, key: PrivateKey, project: str, household: str, amount: int, ref: bytes
    ) -> dict[str, Any]: ...

    @contract_step
    def pay_vendor(
        self, key: PrivateKey, project: str, vendor: str, amount: int, invoice: bytes
    ) -> dict[str, Any]: ...

    # -- public reads ---------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        return self._get_record("/v1/poverty/overview")

    def notices(
        self, village: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/notices", village=village, status=status)

    def notice(self, notice_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/poverty/notices/{seg(notice_id)}")

    def budgets(self) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/budgets")

    def programmes(self) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/programmes")

    def flow(self, programme_id: str) -> dict[str, Any]:
        return self._get_record(f"/v1/poverty/programmes/{seg(programme_id)}/flow")

    def projects(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/projects", **filters)

    def payments(self, **filters: Any) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/payments", **filters)

    def alerts(self) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/alerts")

    # Households, objections and cases are signed reads: ``key`` signs one read (a wallet's
    # DID key reading its own household), else the client reads as ``WuyiClient.read_as`` set.

    def households(
        self,
        *,
        village: str | None = None,
        status: str | None = None,
        did: str | None = None,
        key: PrivateKey | None = None,
    ) -> list[dict[str, Any]]:
        return self._pages(
            "/v1/poverty/households", key=key, village=village, status=status, did=did
        )

    def household(self, household_id: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/poverty/households/{seg(household_id)}", key=key)

    def objections(
        self, notice: str | None = None, *, key: PrivateKey | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/objections", key=key, notice=notice)

    def cases(
        self, status: str | None = None, *, key: PrivateKey | None = None
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/poverty/cases", key=key, status=status)


CLIENT = PovertyRelief
