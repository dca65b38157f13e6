"""The workloads of ``make bench``, modelled on BLOCKBENCH and Hyperledger Caliper.

=============  ==========================================================================
``donothing``  BLOCKBENCH DoNothing: ``contract.call`` of ``donothing.nothing()``, a method
               that returns at once (consensus, signature check and sandbox entry only)
``kv-a``       YCSB workload A over the KVStore contract: 50 % ``get`` / 50 % ``put``
``kv-b``       YCSB workload B: 95 % ``get`` / 5 % ``put``; keys drawn from a scrambled
               Zipfian (θ = 0.99, YCSB's default) over ``kv_keys`` preloaded keys, values of
               100 characters; reads are transactions and count
``smallbank``  SmallBank (Blockbench's mix over 1,000 customers)
``anchor``     evidence anchoring: the native ``evidence.anchor`` kind (a document hash and
               its metadata) — the chain's own hot path
``registry``   a scenario: 不动产登记 unit registration, the ``realestate`` contract's
               ``register_unit`` by a registration office's registrar (a new unit per
               transaction: the role and office checks, the unit, its first history record,
               the district count)
``donation``   a scenario: 慈善捐赠, the ``charity`` contract's ``donate`` — a donation with
               its receipt number, the donor's commitment, tracking reference and consent
               lock, into an open project of a qualified charity (the window, channel, record
               lag and qualification checks, the receipt index, the project's totals and the
               year's income); a new receipt number per transaction
``preserve``   a scenario: 公证 electronic evidence preservation, the ``notary`` contract's
               ``preserve`` by an evidence platform's custodian (a new document hash per
               transaction: the platform and role checks, its compliance statement, the
               evidence record, the first custody step — a record a court checks in a bundle)
``receivable`` a scenario: 金融服务 receivable registration, the ``finance`` contract's
               ``register_receivable`` by a member enterprise's treasurer (a new invoice per
               transaction: the enterprise check, the due-date window, the one-invoice and
               fingerprint indexes, the record, the creditor's and debtor's indexes, the count)
``epcis``      a scenario: 产品追溯, an EPCIS ObjectEvent (``harvesting``, ADD/commissioning)
               of the ``product_trace`` contract by a grower on its registered plot (a new
               batch per transaction: the role and custody checks, the claimed time bound,
               the batch, its event, the plot's origin)
``consumption`` a scenario: 消费维权 consumption confirmed, the ``consumer`` contract's
               ``check_in`` by a consumer (a DID) on a prepaid contract in custody (the
               consumer and state checks, the consumption record, the release from custody
               at the merchant's ratio, the merchant's alert assessment)
``rural``      a scenario: 农村产权交易 asset registration, the ``rural`` contract's
               ``register_asset`` by the bureau's registrar (a new 四荒地 of a collective per
               transaction: the role, id, collective and agricultural-use checks, the asset
               record). (A sealed bid commit needs a bidder other than the collective: the
               bench chain has one organisation.)
``compliance`` a scenario: 养老服务 compliance record, the ``eldercare`` contract's
               ``record_compliance`` by the competent department's inspector (a record per
               transaction, the category in turn: the department, result and validity checks,
               the record, the institution's credit score and grade recomputed from the
               records in force)
``medical``    a scenario: 健康医疗 医保 settlement, the ``medical`` contract's ``settle`` by a
               hospital (a new patient, invoice and two drug boxes per transaction: the
               hospital, item and trace-code checks (each box's code settled once), the
               supervision rules R01-R05, the bill, its indexes and totals)
``relief``     a scenario: 精准扶贫 identification intake, the ``poverty`` contract's
               ``register_household`` by a village committee (a new household per
               transaction: the village and role checks, the DID and commitment uniqueness
               indexes, the record, the village's index)
``ticket``     a scenario: 12345 热线 call taken and accepted, the ``hotline`` contract's
               ``receive`` by the centre's operator (a new ticket per transaction: the role,
               privacy and catalogue checks, the deadline of its category on the holiday
               calendar, the public statistics, the ticket with its first transitions)
``transfer``   value transfer: the example token's ``transfer`` (the Ganache comparison)
``counter``    the example counter's ``increment`` (the Ganache comparison)
=============  ==========================================================================

Transactions are pre-signed outside the timed window in worker processes
(:func:`presign`); each is deterministic in its index, and the nonce ranges of different
pools never overlap, so no transaction is ever a replay of another.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_node import CALL_GAS, workload_tx

__all__ = [
    "KV_VALUE_SIZE",
    "SETUPS",
    "WORKLOADS",
    "Workload",
    "Zipfian",
    "compliance_setup_payloads",
    "consumption_setup",
    "deploy",
    "donation_setup_payloads",
    "epcis_setup_steps",
    "medical_args",
    "preserve_doc_hash",
    "preserve_setup_payloads",
    "presign",
    "receivable_due_date",
    "receivable_setup_payloads",
    "registry_setup_payloads",
    "registry_unit_id",
    "relief_setup_payloads",
    "rural_setup_payloads",
    "ticket_setup_payloads",
    "tx_for",
]

KV_VALUE_SIZE = 100
REGISTRY_OFFICE = "sjj"
"""The bench network's one organisation, made the registration office of ``registry``."""
REGISTRY_DISTRICTS = ["440703", "440704", "440705", "440781", "440783"]
"""The districts ``registry``'s units lie in: the bench office's jurisdiction (属地登记, param
``jurisdictions`` of ``realestate``)."""
DONATION_PROJECT = "P000001"
BENCH_ROLES = [
    "admin",
    "registrar",
    "custodian",
    "supervisor",
    "fundraiser",
    "treasurer",
    "grower",
    "inspector",
    "plot_registrar",
    "regulator",
    "custody",
    "did_registrar",
    "officer",
    "hospital",
    "village",
    "operator",
]
"""The bench sender's roles, set by every scenario workload's setup: one sender runs all of
them and ``member.set_roles`` replaces the roles, so each sets all — ``registrar`` for
``registry``, ``custodian`` for ``preserve``, 民政局's ``supervisor`` and the charity's
``fundraiser`` for ``donation``, ``treasurer`` for ``receivable``, ``grower``,
``inspector`` and ``plot_registrar`` for ``epcis``, ``regulator``, ``custody`` and
``did_registrar`` for ``consumption``, ``officer`` and ``inspector`` for ``compliance``,
``hospital`` for ``medical``, ``village`` for ``relief``, the hotline centre's ``operator`` for
``ticket``."""
REGISTRY_ROLES = BENCH_ROLES
DONATION_ROLES = BENCH_ROLES
PRESERVE_PLATFORM = "sjj"
"""The bench network's one organisation, made the evidence platform of ``preserve``."""
RECEIVABLE_DEBTOR = "did:wuyi:org:bench-buyer"
EPCIS_ROLES = BENCH_ROLES
"""The bench sender's roles for ``epcis`` (its organisation is the regulator, the plot
registrar and the grower at once: set by :func:`epcis_setup_steps`)."""
EPCIS_PLOT = "XH-SJ-0001"
EPCIS_EVENT_TIME = 1_700_000_000_000
"""The claimed time of every ``epcis`` harvest (a fixed past instant: deterministic)."""
CONSUMPTION_CONTRACT = "YF000001"
"""The one prepaid contract every ``consumption`` transaction consumes from (the first the
setup makes on a fresh chain)."""
CONSUMPTION_UNITS = 10**9
RURAL_FAST = {"notice_working_days": 0, "min_bid_minutes": 0, "min_reveal_minutes": 0}
"""``rural``: the demo chain's rural parameters (no notice days, windows of any length)."""
RURAL_ROLES = BENCH_ROLES
"""``rural``: the bench sender's roles (the bureau's ``registrar``, with the others')."""
RURAL_COLLECTIVE = "N2440705BB001"
"""``rural``: the collective its setup registers (the assets' owner)."""
COMPLIANCE_INSTITUTION = "bench-care"
"""``compliance``: the care institution its setup files (the bench organisation's id is not
needed: an institution is any organisation id)."""
COMPLIANCE_CATEGORIES = ["fire", "food", "safety", "medical", "tax", "social_insurance"]
"""``compliance``: the categories recorded in turn (the bench organisation is made the
competent department of each)."""

RELIEF_ROLES = BENCH_ROLES
"""``relief``: the bench sender's roles (the village committee's ``village``, with the
others')."""

TICKET_CATEGORIES = ["consult", "help", "suggest", "complaint", "report"]
"""``ticket``: the categories its calls cycle through (deadlines of 2, 10 and 15 working days)."""
KV_LOAD_PER_TX = 1000
KV_LOAD_GAS = 9_000_000


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    contract: str | None = None
    """Package name the workload calls (None: a native kind)."""
    source: tuple[str, str] | None = None
    """("examples" | "bench", module) of the contract's source."""
    init: dict[str, Any] = field(default_factory=dict)


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("donothing", "DoNothing", "donothing", ("bench", "donothing")),
        Workload("kv-a", "KVStore YCSB-A (50/50)", "kvstore", ("bench", "kvstore")),
        Workload("kv-b", "KVStore YCSB-B (95/5)", "kvstore", ("bench", "kvstore")),
        Workload("smallbank", "SmallBank", "smallbank", ("examples", "smallbank")),
        Workload("anchor", "evidence anchoring"),
        Workload(
            "registry",
            "不动产登记 unit registration (scenario)",
            "realestate",
            ("scenarios", "realestate"),
            # the office registers in the districts its units are in (属地登记, main's
            # registry jurisdiction: without it every unit is refused)
            {
                "params": {
                    "offices": [REGISTRY_OFFICE],
                    "jurisdictions": {REGISTRY_OFFICE: list(REGISTRY_DISTRICTS)},
                }
            },
        ),
        Workload(
            "donation",
            "慈善捐赠 donation with its receipt (scenario)",
            "charity",
            ("scenarios", "charity"),
            {"params": {"bureaus": [REGISTRY_OFFICE]}},
        ),
        Workload(
            "preserve",
            "公证 evidence preservation (scenario)",
            "notary",
            ("scenarios", "notary"),
            {"params": {"evidence_platforms": [PRESERVE_PLATFORM]}},
        ),
        Workload(
            "receivable",
            "金融服务 receivable registration (scenario)",
            "finance",
            ("scenarios", "finance"),
        ),
        Workload(
            "epcis",
            "产品追溯 EPCIS ObjectEvent (scenario)",
            "product_trace",
            ("scenarios", "product_trace"),
            {"regulator": REGISTRY_OFFICE},
        ),
        Workload(
            "consumption",
            "消费维权 consumption confirmed (scenario)",
            "consumer",
            ("scenarios", "consumer"),
            # the bench organisation is regulator and custody bank; a stored-value card with
            # no card cap holds enough for any run
            {
                "regulator": REGISTRY_OFFICE,
                "params": {"custody_banks": [REGISTRY_OFFICE], "card_cap_industries": []},
            },
        ),
        Workload(
            "rural",
            "农村产权交易 asset registration (scenario)",
            "rural",
            ("scenarios", "rural"),
            {"params": dict(RURAL_FAST), "exchange": REGISTRY_OFFICE, "bureau": REGISTRY_OFFICE},
        ),
        Workload(
            "compliance",
            "养老服务 compliance record (scenario)",
            "eldercare",
            ("scenarios", "eldercare"),
            # the bench organisation is 民政局 and the competent department of every category
            {
                "bureau": REGISTRY_OFFICE,
                "params": {"departments": {c: [REGISTRY_OFFICE] for c in COMPLIANCE_CATEGORIES}},
            },
        ),
        Workload(
            "medical",
            "健康医疗 医保 settlement (scenario)",
            "medical",
            ("scenarios", "medical"),
            # the bench organisation is 医保局, 卫健局 and the one designated hospital
            {
                "regulator": REGISTRY_OFFICE,
                "health": REGISTRY_OFFICE,
                "params": {"hospitals": [REGISTRY_OFFICE]},
            },
        ),
        Workload(
            "relief",
            "精准扶贫 household registration (scenario)",
            "poverty",
            ("scenarios", "poverty"),
            # the bench organisation is the bureau, the finance bureau and the one village
            {
                "bureau": REGISTRY_OFFICE,
                "fiscal": REGISTRY_OFFICE,
                "params": {"villages": [REGISTRY_OFFICE]},
            },
        ),
        Workload(
            "ticket",
            "12345热线 call taken and accepted (scenario)",
            "hotline",
            ("scenarios", "hotline"),
            {"centre": REGISTRY_OFFICE},
        ),
        Workload(
            "transfer",
            "token transfer",
            "token",
            ("examples", "transfer"),
            {"symbol": "WYT", "supply": 10**14},
        ),
        Workload("counter", "counter increment", "counter", ("examples", "counter")),
    )
}


def deploy(client: Any, admin: Any, workloads: Sequence[Workload]) -> list[str]:
    """Deploy each distinct contract of ``workloads`` with ``client`` (a ``WuyiClient``)
    through governance, proposed and executed by ``admin`` (one organisation: its own proposal
    is a majority), with the workload's ``init`` arguments; returns the names deployed."""
    from wuyi.sdk.client import event_attr

    done: list[str] = []
    for w in workloads:
        if w.contract is None or w.contract in done:
            continue
        pkg = {
            "name": w.contract,
            "version": "1.0.0",
            "source": contract_source(w),
            "manifest": {},
        }
        res = client.submit_and_wait(
            client.builder(admin).contract_propose(pkg, hook_args=w.init or None), 60
        )
        pid = event_attr(res.receipt, "gov.proposed", "id")
        res = client.submit_and_wait(client.builder(admin).gov_execute(pid), 60)
        if res.receipt.status != "ok":
            raise RuntimeError(f"deploying {w.contract} failed: {res.receipt}")
        done.append(w.contract)
    return done


def contract_source(w: Workload) -> str:
    assert w.source is not None
    where, name = w.source
    if where == "examples":
        from wuyi.contracts.examples import source

        return source(name)
    if where == "scenarios":
        from wuyi.scenarios import contract_source as scenario_source

        return scenario_source(name)
    from benchmarks.contracts import source as bench_source

    return bench_source(name)


def _fnv64(x: int) -> int:
    """FNV-1a over the 8 bytes of ``x`` (YCSB's scrambling hash)."""
    h = 0xCBF29CE484222325
    for _ in range(8):
        h ^= x & 0xFF
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        x >>= 8
    return h


def _unit(i: int, salt: int) -> float:
    """A deterministic number in [0, 1) for index ``i``."""
    return _fnv64(i * 2654435761 + salt) / 2.0**64


class Zipfian:
    """YCSB's scrambled Zipfian generator (Gray et al., "Quickly generating billion-record
    synthetic databases"): ranks drawn with P(rank k) ∝ 1/k^θ, then scattered over the key
    space by a hash so the hot keys are not adjacent."""

    def __init__(self, n: int, theta: float = 0.99) -> None:
        self.n = n
        self.theta = theta
        self.zetan = sum(1.0 / (i**theta) for i in range(1, n + 1))
        zeta2 = 1.0 + 1.0 / (2**theta)
        self.alpha = 1.0 / (1.0 - theta)
        self.eta = (1 - (2.0 / n) ** (1 - theta)) / (1 - zeta2 / self.zetan)
        self.half_pow = 1 + 0.5**theta

    def rank(self, u: float) -> int:
        uz = u * self.zetan
        if uz < 1.0:
            return 0
        if uz < self.half_pow:
            return 1
        return min(self.n - 1, int(self.n * (self.eta * u - self.eta + 1) ** self.alpha))

    def key(self, u: float) -> int:
        return _fnv64(self.rank(u)) % self.n


_ZIPF: dict[int, Zipfian] = {}


def tx_for(workload: str, suite: Any, i: int, kv_keys: int = 100_000) -> tuple[str, dict[str, Any]]:
    """Kind and payload of the ``i``-th transaction of ``workload`` (deterministic in ``i``)."""
    if workload in ("anchor", "transfer", "smallbank"):
        return workload_tx(workload, suite, i)
    if workload == "donothing":
        return "contract.call", {
            "contract": "donothing",
            "method": "nothing",
            "args": {},
            "gas_limit": CALL_GAS,
        }
    if workload == "counter":
        return "contract.call", {
            "contract": "counter",
            "method": "increment",
            "args": {"by": 1},
            "gas_limit": CALL_GAS,
        }
    if workload in ("kv-a", "kv-b"):
        z = _ZIPF.get(kv_keys)
        if z is None:
            z = _ZIPF[kv_keys] = Zipfian(kv_keys)
        key = "k" + str(z.key(_unit(i, 1)))
        read_share = 0.5 if workload == "kv-a" else 0.95
        if _unit(i, 2) < read_share:
            method, args = "get", {"key": key}
        else:
            value = (f"u{i}-" + "x" * KV_VALUE_SIZE)[:KV_VALUE_SIZE]
            method, args = "put", {"key": key, "value": value}
        return "contract.call", {
            "contract": "kvstore",
            "method": method,
            "args": args,
            "gas_limit": CALL_GAS,
        }
    if workload == "registry":
        return "contract.call", {
            "contract": "realestate",
            "method": "register_unit",
            "args": {
                "unit_id": registry_unit_id(i),
                "location": f"江门市蓬江区白沙大道西{i % 997 + 1}号{i % 30 + 1}楼",
                "area": 6000 + i % 9000,
                "use": "residential",
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "donation":
        return "contract.call", {
            "contract": "charity",
            "method": "donate",
            "args": donation_args(i),
            "gas_limit": CALL_GAS,
        }
    if workload == "preserve":
        return "contract.call", {
            "contract": "notary",
            "method": "preserve",
            "args": {
                "doc_hash": preserve_doc_hash(i),
                "captured_at": None,  # a file preserved as it is uploaded: the block's time
                "method": "file",
                "device_attestation": None,
                "applicant": None,
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "receivable":
        h = suite.hash
        return "contract.call", {
            "contract": "finance",
            "method": "register_receivable",
            "args": {
                "debtor": RECEIVABLE_DEBTOR,
                "amount": 1_000_000 + i % 1_000_000,
                "due_date": receivable_due_date(),
                "contract_hash": h(b"bench/contract/%d" % (i // 10)),
                "invoice_hash": h(b"bench/invoice/%d" % i),
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "epcis":
        return "contract.call", {
            "contract": "product_trace",
            "method": "harvest",
            "args": {
                "plot_id": EPCIS_PLOT,
                "product_code": "XHG",
                "qty_g": 1000 + i % 100_000,
                "event_time": EPCIS_EVENT_TIME,
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "consumption":
        return "contract.call", {
            "contract": "consumer",
            "method": "check_in",
            "args": {"contract_id": CONSUMPTION_CONTRACT, "units": 1},
            "gas_limit": CALL_GAS,
        }
    if workload == "rural":
        return "contract.call", {
            "contract": "rural",
            "method": "register_asset",
            "args": {
                "asset_id": f"440705-BB-{i:09d}",
                "collective": RURAL_COLLECTIVE,
                "kind": "four_wastes",
                "name": f"基准荒坡 {i % 997 + 1} 号",
                "location": f"双水镇基准村后山 {i % 97 + 1} 片",
                "area": 1000 + i % 9000,
                "use": "orchard",
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "compliance":
        return "contract.call", {
            "contract": "eldercare",
            "method": "record_compliance",
            "args": {
                "institution": COMPLIANCE_INSTITUTION,
                "category": COMPLIANCE_CATEGORIES[i % len(COMPLIANCE_CATEGORIES)],
                "result": "pass",
                "severity": "none",
                "valid_until": "2099-12-31",
                "doc": hashlib.sha256(b"bench-care-report-%d" % i).digest(),
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "medical":
        return "contract.call", {
            "contract": "medical",
            "method": "settle",
            "args": medical_args(suite, i),
            "gas_limit": CALL_GAS,
        }

    if workload == "relief":
        return "contract.call", {
            "contract": "poverty",
            "method": "register_household",
            "args": {
                "did": f"did:wuyi:bench-household-{i:012d}",
                "commitment": _h("relief", i),
                "size": 1 + i % 6,
            },
            "gas_limit": CALL_GAS,
        }
    if workload == "ticket":
        return "contract.call", {
            "contract": "hotline",
            "method": "receive",
            "args": {
                "channel": "phone",
                "category": TICKET_CATEGORIES[i % len(TICKET_CATEGORIES)],
                "matter": "market",
                "district": "440703",
                "content_hash": _h("ticket/content", i),
                "caller_commitment": _h("ticket/caller", i),
            },
            "gas_limit": CALL_GAS,
        }
    raise KeyError(f"no workload {workload!r} (one of {', '.join(WORKLOADS)})")


def medical_args(suite: Any, i: int, day: str | None = None) -> dict[str, Any]:
    """The ``i``-th ``medical`` settlement: an outpatient visit yesterday (China Standard Time:
    never after the block's day) of its own patient, a consultation and two boxes of a drug
    whose trace codes (hashed) no other transaction settles."""
    if day is None:
        day = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=-1)).strftime("%Y-%m-%d")
    h = suite.hash
    return {
        "patient": f"did:wuyi:bench-patient-{i}",
        "kind": "outpatient",
        "admit": day,
        "discharge": day,
        "items": [
            {"kind": "service", "code": "001102000010000", "qty": 1, "fen": 1_500},
            {
                "kind": "drug",
                "code": "XC01DAX051A001010101234",
                "product": "8680001",
                "qty": 2,
                "fen": 4_250,
                "trace": [h(b"bench/trace/%d/%d" % (i, n)) for n in range(2)],
            },
        ],
        "fund_fen": 7_000,
        "invoice": h(b"bench/medical-invoice/%d" % i),
        "diagnosis": h(b"bench/diagnosis"),
    }


def _h(tag: str, i: int) -> bytes:
    return hashlib.sha256(f"wuyi-bench/{tag}/{i}".encode()).digest()


def donation_args(i: int, received_on: str | None = None) -> dict[str, Any]:
    """The ``i``-th donation: an amount from 1 to 10,000 yuan, by bank transfer, received today
    (China Standard Time: within the record lag of the block date for a month), with its own
    receipt number and the donor's commitments (hashes of ``i``: stand-ins for what a donor's
    wallet computes)."""
    if received_on is None:
        received_on = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    return {
        "project_id": DONATION_PROJECT,
        "amount": 100 + (i * 7919) % 1_000_000,
        "channel": "bank",
        "received_on": received_on,
        "receipt_kind": "issued",
        "receipt_no": f"BENCH-{i:010d}",
        "receipt_doc": _h("receipt", i),
        "donor": _h("donor", i),
        "ref": _h("ref", i),
        "lock": _h("lock", i),
    }


def donation_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``donation`` needs before it runs, in order (each depends on the one before): the
    sender's roles, the charity (a consortium organisation, the bench's one), its
    qualification, and an open plan filed long ago."""
    from wuyi.scenarios.charity.sdk import uscc

    def call(method: str, **args: Any) -> tuple[str, dict[str, Any]]:
        body = {"contract": "charity", "method": method, "args": args, "gas_limit": CALL_GAS}
        return "contract.call", body

    return [
        ("member.set_roles", {"address": admin_address, "roles": list(DONATION_ROLES)}),
        call(
            "register_charity",
            charity_id="bench",
            name="基准测试慈善会",
            kind="association",
            uscc=uscc("51440700MJB000001"),
            registered_on="2010-01-01",
            org=REGISTRY_OFFICE,
        ),
        call(
            "set_qualification",
            charity_id="bench",
            status="valid",
            reason="基准测试 / benchmark",
            cert_no="BENCH-0001",
        ),
        call(
            "record_plan",
            charity_id="bench",
            filing_no="BENCH-PLAN-1",
            filed_on="2020-01-01",
            title="基准测试募捐",
            purposes=[{"code": "relief", "label": "救助 / relief"}],
            start="2020-02-01",
            end="2099-12-31",
            regions=["440703"],
            channels=["bank"],
            bank_account_hash=_h("account", 0),
            beneficiary="基准测试",
            target=10**14,
            cost_budget=0,
            surplus_rule="基准测试",
        ),
    ]


def preserve_doc_hash(i: int) -> bytes:
    """The document hash of the ``i``-th ``preserve`` transaction (distinct for every ``i``)."""
    import hashlib

    return hashlib.sha256(f"wuyi-bench-preserve:{i}".encode()).digest()


def preserve_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``preserve`` needs before it runs: the sender (the organisation's admin) also holds
    the ``custodian`` role, and the organisation has registered its compliance statement."""
    import hashlib

    statement = {
        "statement_hash": hashlib.sha256(b"wuyi bench platform statement").digest(),
        "standards": ["GB/T 39786-2021"],
    }
    return [
        ("member.set_roles", {"address": admin_address, "roles": list(REGISTRY_ROLES)}),
        (
            "contract.call",
            {
                "contract": "notary",
                "method": "register_statement",
                "args": statement,
                "gas_limit": CALL_GAS,
            },
        ),
    ]


@functools.cache
def receivable_due_date() -> str:
    """The due date of every ``receivable`` transaction of this process: 150 days after today
    (China Standard Time), inside the contract's window (after today, within a year). A run
    that crosses midnight keeps the date it started with."""
    cst = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8, days=150)
    return cst.strftime("%Y-%m-%d")


def receivable_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``receivable`` needs before it runs: the sender (the organisation's admin) also
    holds the role ``treasurer``, and its organisation is registered as an enterprise (the
    creditor of every receivable)."""
    return [
        ("member.set_roles", {"address": admin_address, "roles": list(BENCH_ROLES)}),
        (
            "contract.call",
            {
                "contract": "finance",
                "method": "register_member_enterprise",
                "args": {"sector": "C", "district": "440703"},
                "gas_limit": CALL_GAS,
            },
        ),
    ]


def registry_unit_id(i: int) -> str:
    """不动产单元号 of the ``i``-th ``registry`` transaction: one of Jiangmen's district codes,
    then block and unit, distinct for every ``i`` below 5 × 10**7 (a run's indices never
    repeat)."""
    if not 0 <= i < 5 * 10**7:
        raise ValueError(f"registry: index {i} out of range")
    district = REGISTRY_DISTRICTS[i % len(REGISTRY_DISTRICTS)]
    district = REGISTRY_DISTRICTS[i % 5]
    rest = i // 5
    return f"{district}-{rest // 10**4 % 1000:03d}-{rest % 10**4:04d}"


def registry_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``registry`` needs before it runs: the sender (the organisation's admin) also
    holds the ``registrar`` role that ``register_unit`` requires."""
    return [("member.set_roles", {"address": admin_address, "roles": list(REGISTRY_ROLES)})]


def epcis_setup_steps(admin_address: bytes) -> list[list[tuple[str, dict[str, Any]]]]:
    """What ``epcis`` needs before it runs, in steps each committed before the next: the
    sender's roles; its organisation made a plot registrar (a governed parameter, in force from
    the next block); the product and the plot the harvests are on."""

    def call(method: str, **args: Any) -> tuple[str, dict[str, Any]]:
        body = {"contract": "product_trace", "method": method, "args": args}
        return "contract.call", {**body, "gas_limit": CALL_GAS}

    reason = "bench: the bench organisation surveys plots"
    return [
        [("member.set_roles", {"address": admin_address, "roles": list(EPCIS_ROLES)})],
        [call("set_param", name="plot_registrars", value=[REGISTRY_OFFICE], reason=reason)],
        [
            call("register_product", code="XHG", name="新会柑鲜果"),
            call(
                "register_plot",
                plot_id=EPCIS_PLOT,
                org=REGISTRY_OFFICE,
                town="sanjiang",
                area=1000,
                variety="chazhigan",
            ),
        ],
    ]


def consumption_setup(client: Any, admin: Any) -> str:
    """What ``consumption`` needs before it runs, through ``client`` (a ``WuyiClient``): the
    sender (the organisation's admin) also holds the roles ``regulator``, ``custody`` and
    ``did_registrar`` (added to those it has), its organisation registers DIDs; the sender's
    key is a consumer's DID, a second key (derived from the first) a merchant's; the merchant
    is registered and offers a stored-value card of :data:`CONSUMPTION_UNITS` fen that the
    consumer signs and the bank records as prepaid. Returns the contract id."""
    import hashlib

    from wuyi.crypto import address_of
    from wuyi.scenarios.consumer.sdk import ConsumerProtection, uscc
    from wuyi.sdk.identity import Identity

    suite = client.suite
    me = address_of(suite, admin.public_key)
    roles = sorted({*client.member(me).roles, "regulator", "custody", "did_registrar"})
    res = client.submit_and_wait(
        client.builder(admin).build("member.set_roles", {"address": me, "roles": roles})
    )
    if res.receipt.status != "ok":
        raise RuntimeError(f"consumption setup: roles not granted: {res.receipt.error}")
    body = {"org": REGISTRY_OFFICE, "enabled": True}
    client.govern(admin, [], "did.set_registrar", body, title="bench: DID registrar")
    seed = hashlib.sha256(b"wuyi-bench-merchant:" + admin.to_bytes()).digest()
    merchant = suite.private_key_from_bytes(seed)
    ident = Identity(client)
    consumer_did = ident.register_did(admin, admin)
    merchant_did = ident.register_did(admin, merchant)
    s = ConsumerProtection(client)
    s.register_merchant(admin, merchant_did, "压测商户", uscc("91440703MA4WBENCH"), "retail",
                        "440703", "small", REGISTRY_OFFICE)  # fmt: skip
    cid = str(
        s.call(merchant, "offer", consumer=consumer_did, item="储值卡", unit="fen",
               units=CONSUMPTION_UNITS, unit_price=1, months=12, terms=suite.hash(b"bench"))
    )  # fmt: skip
    if cid != CONSUMPTION_CONTRACT:
        raise RuntimeError(f"consumption setup: the chain has contracts already ({cid})")
    s.call(admin, "sign", contract_id=cid)
    s.call(admin, "prepay", contract_id=cid, amount=CONSUMPTION_UNITS)
    return cid


def rural_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``rural`` needs before it runs: the sender (the organisation's admin) also holds
    the ``registrar`` role of the bureau, and the collective its assets belong to exists."""
    return [
        ("member.set_roles", {"address": admin_address, "roles": list(RURAL_ROLES)}),
        (
            "contract.call",
            {
                "contract": "rural",
                "method": "register_collective",
                "args": {
                    "code": RURAL_COLLECTIVE,
                    "village": "基准村",
                    "town": "双水镇",
                    "district": "440705",
                    "did": f"did:wuyi:org:{REGISTRY_OFFICE}",
                    "members": 300,
                    "households": 90,
                    "representatives": 30,
                    "roll_hash": bytes(32),
                },
                "gas_limit": CALL_GAS,
            },
        ),
    ]


def compliance_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``compliance`` needs before it runs: the sender (the organisation's admin) also
    holds 民政局's ``officer`` and the departments' ``inspector`` roles, and the institution
    its records are about is filed."""
    return [
        ("member.set_roles", {"address": admin_address, "roles": list(BENCH_ROLES)}),
        (
            "contract.call",
            {
                "contract": "eldercare",
                "method": "register_institution",
                "args": {
                    "org": COMPLIANCE_INSTITUTION,
                    "name": "基准颐养院",
                    "uscc": "52440703MJL000001X",
                    "beds": 200,
                    "ownership": "private",
                    "net_assets": 10**10,
                    "bank": "nsyh",
                },
                "gas_limit": CALL_GAS,
            },
        ),
    ]


def relief_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``relief`` needs before it runs: the sender (the organisation's admin, its
    organisation the one village committee) also holds the ``village`` role."""
    return [("member.set_roles", {"address": admin_address, "roles": list(RELIEF_ROLES)})]


def ticket_setup_payloads(admin_address: bytes) -> list[tuple[str, dict[str, Any]]]:
    """What ``ticket`` needs before it runs: the sender (the organisation's admin, its
    organisation the hotline centre) also holds the centre's ``operator`` role."""
    return [("member.set_roles", {"address": admin_address, "roles": list(BENCH_ROLES)})]


def kv_load_payloads(kv_keys: int) -> list[tuple[str, dict[str, Any]]]:
    """The transactions that preload the KVStore's ``kv_keys`` keys (1,000 per transaction)."""
    return [
        (
            "contract.call",
            {
                "contract": "kvstore",
                "method": "load",
                "args": {
                    "start": s,
                    "count": min(KV_LOAD_PER_TX, kv_keys - s),
                    "size": KV_VALUE_SIZE,
                },
                "gas_limit": KV_LOAD_GAS,
            },
        )
        for s in range(0, kv_keys, KV_LOAD_PER_TX)
    ]


Job = tuple[str, str, bytes, str, int, int, int, int]


def _sign_range(job: Job) -> list[tuple[str, str]]:
    from wuyi.crypto import get_suite
    from wuyi.ledger.types import Transaction

    suite_name, chain_id, seed, workload, start, stop, nonce_base, kv_keys = job
    suite = get_suite(suite_name)
    key = suite.private_key_from_bytes(seed)
    out = []
    for i in range(start, stop):
        kind, payload = tx_for(workload, suite, i, kv_keys)
        tx = Transaction(chain_id, key.public_key, nonce_base + i, 90_000, kind, payload)
        tx = tx.signed(key)
        out.append((tx.to_bytes().hex(), suite.hash(tx.signing_bytes()).hex()))
    return out


def presign(
    suite_name: str,
    chain_id: str,
    seed: bytes,
    workload: str,
    start: int,
    n: int,
    nonce_base: int,
    kv_keys: int = 100_000,
    workers: int = 2,
    pool: Any = None,
) -> list[tuple[str, str]]:
    """``n`` signed transactions (indices ``start`` … ``start+n-1``) as ``(hex, tx hash hex)``,
    signed in ``pool`` (a ``multiprocessing`` pool kept for the run) or in ``workers`` new
    processes."""
    if n <= 0:
        return []
    step = max(200, n // (workers * 4))
    jobs: list[Job] = [
        (suite_name, chain_id, seed, workload, i, min(start + n, i + step), nonce_base, kv_keys)
        for i in range(start, start + n, step)
    ]
    if pool is None and (workers <= 1 or len(jobs) == 1):
        return [t for j in jobs for t in _sign_range(j)]
    if pool is not None:
        return [t for p in pool.map(_sign_range, jobs) for t in p]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        parts = pool.map(_sign_range, jobs)
    return [t for p in parts for t in p]


SETUPS: dict[str, Any] = {
    "registry": registry_setup_payloads,
    "donation": donation_setup_payloads,
    "preserve": preserve_setup_payloads,
    "receivable": receivable_setup_payloads,
    "epcis": lambda address: [p for step in epcis_setup_steps(address) for p in step],
    "rural": rural_setup_payloads,
    "compliance": compliance_setup_payloads,
    "medical": lambda address: [
        ("member.set_roles", {"address": address, "roles": list(BENCH_ROLES)})
    ],
    "relief": relief_setup_payloads,
    "ticket": ticket_setup_payloads,
}
"""Each scenario workload's setup: ``setup(sender_address)`` gives the transactions to commit
first, in order (roles, then the records the workload needs), one at a time."""
