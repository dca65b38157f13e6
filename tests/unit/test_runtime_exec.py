"""The runtime's interface for the ledger: ABI, argument checks, state, events, gas, views,
cross-contract calls, guards, limits, caching and threads."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import wuyi.contract as author_api
import wuyi.runtime as runtime_api
from wuyi.encoding import decode, encode
from wuyi.exceptions import (
    ContractFault,
    ContractRejected,
    ContractRevert,
    NotFound,
    OutOfGas,
    TxFailed,
    Unauthorized,
    ValidationError,
)
from wuyi.runtime import (
    CallSite,
    CompiledContract,
    GasMeter,
    GasSchedule,
    Identity,
    Limits,
    Runtime,
    check_source,
)

ALICE = Identity("wy" + "aa" * 20, "bank1", ("teller",), "did:wuyi:alice")
BOB = Identity("wy" + "bb" * 20, "bank2", (), None)


class KV:
    def __init__(self) -> None:
        self.data: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        return self.data.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        self.data[key] = value

    def delete(self, key: bytes) -> None:
        self.data.pop(key, None)

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        for k in sorted(self.data):
            if k.startswith(prefix):
                yield k, self.data[k]


class Host:
    """A minimal host: no journaling (tests that need reverts use the test kit)."""

    def __init__(self, rt: Runtime, signers: tuple[Identity, ...] = (ALICE,)) -> None:
        self.rt = rt
        self.kv = KV()
        self.signers = signers
        self.height = 42
        self.time = 1_700_000_000_123
        self.tx_hash = bytes(range(32))
        self.sources: dict[str, Any] = {}
        self.emitted: list[tuple[str, str, dict[str, Any]]] = []
        self.authorized: list[tuple[str | None, tuple[str, ...], CallSite]] = []

    def state_prefix(self, contract: str) -> bytes:
        return b"c/" + contract.encode() + b"/"

    def load(self, contract: str) -> Any:
        if contract == "frozen":
            raise TxFailed("contract 'frozen' is frozen")
        if contract not in self.sources:
            raise NotFound(f"no contract '{contract}'")
        return self.sources[contract]

    def authorize(self, policy: str | None, roles: tuple[str, ...], call: CallSite) -> None:
        self.authorized.append((policy, roles, call))
        sender = self.signers[0] if self.signers else None
        if roles and not (sender and set(roles) & set(sender.roles)):
            raise Unauthorized(f"{call} needs one of {list(roles)}")
        if policy == "deny":
            raise Unauthorized(f"{call} is guarded by {policy}")

    def hash(self, data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    def emit(self, contract: str, name: str, attrs: dict[str, Any]) -> None:
        self.emitted.append((contract, name, attrs))

    def run(
        self,
        source: str,
        method: str,
        gas: int = 1_000_000,
        name: str = "c",
        read_only: bool = False,
        **args: Any,
    ) -> Any:
        return self.rt.execute(
            source, method, args, self, gas_limit=gas, name=name, read_only=read_only
        )


@pytest.fixture
def host() -> Host:
    return Host(Runtime())


TOKEN = '''"""A token."""
from wuyi.contract import call, view, state, ctx, emit, require

ROLES = ["teller", "auditor"]


@call
def init(supply: int = 100) -> None:
    """Give the sender the supply."""
    state.set("bal/" + ctx.sender, supply)


@call(roles=["teller"])
def mint(to: str, amount: int) -> int:
    require(amount > 0, "amount must be positive")
    new = state.get("bal/" + to, 0) + amount
    state.set("bal/" + to, new)
    emit("Mint", to=to, amount=amount)
    return new


@call(policy="OR('bank1.admin', 'bank2.admin')")
def admin_only() -> None:
    pass


@view
def balance(account: str) -> int:
    return state.get("bal/" + account, 0)


@view
def echo(n: int, s: str, b: bytes, flag: bool, items: list[int], table: dict[str, int],
         maybe: str | None = None, anything: list | None = None, k: int = -3) -> list:
    return [n, s, b, flag, items, table, maybe, anything, k]
'''


# -- interface ------------------------------------------------------------------------------------


def test_public_names_are_pinned() -> None:
    assert sorted(runtime_api.__all__) == sorted(
        [
            "KV",
            "CallSite",
            "CompiledContract",
            "ContractInfo",
            "Event",
            "ExecResult",
            "GasMeter",
            "GasSchedule",
            "Host",
            "Identity",
            "Limits",
            "MethodInfo",
            "Param",
            "Runtime",
            "check_source",
            "compile_contract",
        ]
    )
    assert sorted(author_api.__all__) == sorted(
        [
            "Context",
            "Identity",
            "State",
            "assurance",
            "call",
            "ctx",
            "emit",
            "hash",
            "invoke",
            "packet",
            "presentation",
            "recognition",
            "require",
            "revert",
            "state",
            "view",
        ]
    )


def test_author_module_outside_the_sandbox() -> None:
    @author_api.call(roles=["x"])
    def f() -> int:
        return 1

    assert f() == 1 and f.__wuyi_method__["roles"] == ["x"]  # type: ignore[attr-defined]
    assert author_api.view(f) is f
    with pytest.raises(RuntimeError, match="only available while a contract runs"):
        author_api.state.get("k")
    with pytest.raises(RuntimeError):
        _ = author_api.ctx.sender
    with pytest.raises(ContractRevert, match="nope"):
        author_api.require(False, "nope")


def test_abi_from_check_source() -> None:
    info = check_source(TOKEN, "token", hasher=lambda b: hashlib.sha256(b"x" + b).digest())
    assert info.code_hash == hashlib.sha256(b"x" + TOKEN.encode()).digest()
    assert info.roles == ("teller", "auditor") and info.doc == "A token."
    assert list(info.methods) == ["init", "mint", "admin_only", "balance", "echo"]
    mint = info.methods["mint"]
    assert (mint.kind, mint.roles, mint.policy, mint.returns) == ("call", ("teller",), None, "int")
    assert info.methods["admin_only"].policy == "OR('bank1.admin', 'bank2.admin')"
    assert info.methods["init"].doc == "Give the sender the supply."
    echo = info.abi["methods"]["echo"]
    assert echo["kind"] == "view"
    assert [(p["name"], p["type"]) for p in echo["params"]] == [
        ("n", "int"),
        ("s", "str"),
        ("b", "bytes"),
        ("flag", "bool"),
        ("items", "list[int]"),
        ("table", "dict[str, int]"),
        ("maybe", "str | None"),
        ("anything", "list | None"),
        ("k", "int"),
    ]
    assert echo["params"][-1] == {"name": "k", "type": "int", "required": False, "default": -3}
    assert decode(encode(info.abi)) == info.abi  # the ledger stores it canonically


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("@call\ndef f(x) -> None:\n    pass\n", "needs a type annotation"),
        ("@call\ndef f(x: float) -> None:\n    pass\n", "is not supported"),
        ("@call\ndef f(x: int = 'a') -> None:\n    pass\n", "default of 'x' must be int"),
        ("@call(policy=5)\ndef f() -> None:\n    pass\n", "policy must be a string"),
        ("@call(roles='x')\ndef f() -> None:\n    pass\n", "roles must be a list"),
        ("@call(role=['x'])\ndef f() -> None:\n    pass\n", "unknown decorator argument"),
        ("@call\ndef Bad() -> None:\n    pass\n", "public method name"),
        ("@call\n@view\ndef f() -> None:\n    pass\n", "one decorator"),
        ("@call\ndef f(x: int, /) -> None:\n    pass\n", "positional-only"),
        ("ROLES = 'x'\n@call\ndef f() -> None:\n    pass\n", "ROLES must be a list"),
    ],
)
def test_abi_problems_are_refused(src: str, reason: str) -> None:
    with pytest.raises(ContractRejected, match=reason):
        check_source("from wuyi.contract import call, view\n" + src, "c")


# -- arguments and return values ------------------------------------------------------------------

GOOD: dict[str, Any] = dict(n=1, s="x", b=b"y", flag=True, items=[1, 2], table={"a": 1})


def test_arguments_are_checked_and_defaults_applied(host: Host) -> None:
    res = host.run(TOKEN, "echo", read_only=True, **GOOD)
    assert res.value == [1, "x", b"y", True, [1, 2], {"a": 1}, None, None, -3]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"n": True}, "n", "argument 'n' must be int, got bool"),
        ({"n": "1"}, "n", "argument 'n' must be int, got str"),
        ({"flag": 1}, "flag", "must be bool, got int"),
        ({"items": [1, "2"]}, "items", "must be list[int], got list with str at index 1"),
        ({"table": {"a": "b"}}, "table", "got dict with str at key 'a'"),
        ({"maybe": 5}, "maybe", "must be str | None, got int"),
        ({"extra": 1}, "extra", "unknown argument 'extra'"),
        ({"n": None}, "n", "must be int, got None"),
    ],
)
def test_bad_arguments_name_the_field(
    host: Host, change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        host.run(TOKEN, "echo", **{**GOOD, **change})
    assert err.value.detail["field"] == field and message in err.value.message
    assert err.value.detail["gas_used"] == 0


def test_missing_argument_and_unknown_method(host: Host) -> None:
    with pytest.raises(ValidationError, match="missing argument 'amount'") as err:
        host.run(TOKEN, "mint", to="x")
    assert err.value.detail["field"] == "amount"
    with pytest.raises(NotFound, match="no public method 'nope'"):
        host.run(TOKEN, "nope")


RETURNS = """from wuyi.contract import call, view
CONST = {"a": [1, (2, 3)]}

@view
def frozen() -> dict:
    return CONST

@view
def func() -> int:
    return frozen

@view
def big() -> str:
    return "x" * 70000

@view
def huge_int() -> int:
    return 2 ** 100

@view
def nested() -> list:
    a = []
    for i in range(40):
        a = [a]
    return a
"""


def test_return_values_must_be_canonical(host: Host) -> None:
    assert host.run(RETURNS, "frozen").value == {"a": [1, [2, 3]]}
    with pytest.raises(ContractFault, match="return value 'func' cannot be encoded"):
        host.run(RETURNS, "func")
    with pytest.raises(ContractFault, match="the limit is 65536"):
        host.run(RETURNS, "big")
    with pytest.raises(ContractFault, match="integer out of range"):
        host.run(RETURNS, "huge_int")
    with pytest.raises(ContractFault, match="nested deeper"):
        host.run(RETURNS, "nested")


# -- state, context, events, views ----------------------------------------------------------------

STATEFUL = """from wuyi.contract import call, view, state, ctx, emit, hash

@call
def fill(n: int) -> None:
    for i in range(n):
        state.set(f"k/{i:03}", {"i": i, "sq": i * i})
    state.set("other", b"x")

@call
def remove(i: int) -> bool:
    key = f"k/{i:03}"
    had = state.has(key)
    state.delete(key)
    return had and not state.has(key)

@view
def page(after: str | None = None, limit: int = 3) -> list:
    return state.range("k/", limit=limit, start_after=after)

@view
def context() -> dict:
    return {"sender": ctx.sender, "org": ctx.sender_org, "roles": ctx.sender_roles,
            "did": ctx.sender_did, "signers": [s.address for s in ctx.signers],
            "height": ctx.height, "time": ctx.time, "tx": ctx.tx_hash,
            "contract": ctx.contract, "caller": ctx.caller_contract,
            "digest": hash(b"abc")}

@view
def sneaky_write() -> None:
    state.set("x", 1)

@view
def sneaky_emit() -> None:
    emit("E")

@call
def events() -> None:
    emit("First", n=1, who=ctx.sender)
    emit("Second", data=[1, {"a": b"z"}])
    print("debug", [1, 2])
"""


def test_state_is_scoped_paged_and_deleted(host: Host) -> None:
    host.run(STATEFUL, "fill", n=5)
    assert all(k.startswith(b"c/c/") for k in host.kv.data)
    first = host.run(STATEFUL, "page").value
    assert first == [
        ["k/000", {"i": 0, "sq": 0}],
        ["k/001", {"i": 1, "sq": 1}],
        ["k/002", {"i": 2, "sq": 4}],
    ]
    rest = host.run(STATEFUL, "page", after="k/002", limit=10).value
    assert [k for k, _ in rest] == ["k/003", "k/004"]
    assert host.run(STATEFUL, "remove", i=1).value is True
    assert host.run(STATEFUL, "remove", i=1).value is False
    # another contract with the same source sees its own, empty state
    assert host.run(STATEFUL, "page", name="other_name").value == []


def test_context_fields(host: Host) -> None:
    v = host.run(STATEFUL, "context").value
    assert v == {
        "sender": ALICE.address,
        "org": "bank1",
        "roles": ["teller"],
        "did": "did:wuyi:alice",
        "signers": [ALICE.address],
        "height": 42,
        "time": 1_700_000_000_123,
        "tx": bytes(range(32)).hex(),
        "contract": "c",
        "caller": None,
        "digest": hashlib.sha256(b"abc").digest(),
    }


def test_views_cannot_write_or_emit(host: Host) -> None:
    with pytest.raises(ContractFault, match=r"view 'c\.sneaky_write' cannot write state"):
        host.run(STATEFUL, "sneaky_write")
    with pytest.raises(ContractFault, match="cannot emit events"):
        host.run(STATEFUL, "sneaky_emit")
    with pytest.raises(ValidationError, match="cannot run read-only") as err:
        host.run(STATEFUL, "fill", read_only=True, n=1)
    assert err.value.detail["field"] == "method"
    assert host.kv.data == {}


def test_events_and_logs(host: Host) -> None:
    res = host.run(STATEFUL, "events")
    assert [(e.contract, e.name) for e in res.events] == [("c", "First"), ("c", "Second")]
    assert res.events[0].attrs == {"n": 1, "who": ALICE.address}
    assert res.events[1].attrs == {"data": [1, {"a": b"z"}]}
    assert [(c, n) for c, n, _ in host.emitted] == [("c", "First"), ("c", "Second")]
    assert res.logs == ("debug [1, 2]",)


# -- gas ------------------------------------------------------------------------------------------


def test_gas_is_deterministic_and_grows_with_work(host: Host) -> None:
    used = [host.run(STATEFUL, "fill", n=3).gas_used for _ in range(3)]
    assert len(set(used)) == 1
    assert host.run(STATEFUL, "fill", n=6).gas_used > used[0]
    with pytest.raises(OutOfGas) as err:
        host.run(STATEFUL, "fill", gas=500, n=3)
    assert err.value.detail["gas_used"] == 500
    assert err.value.message.startswith("out of gas: state write needs ")
    assert err.value.message.endswith(" of 500 left")


def test_gas_meter_says_why() -> None:
    m = GasMeter(100)
    m.consume(60, "state read")
    with pytest.raises(OutOfGas, match=r"^out of gas: event needs 50, 40 of 100 left$"):
        m.consume(50, "event")
    assert m.used == m.limit == 100


def test_schedule_changes_the_price() -> None:
    cheap, dear = Runtime(), Runtime(schedule=GasSchedule(state_write=10_000))
    a = Host(cheap).run(STATEFUL, "fill", n=1).gas_used
    b = Host(dear).run(STATEFUL, "fill", n=1).gas_used
    assert b - a == 2 * (10_000 - GasSchedule().state_write)


def test_limit_and_schedule_validation() -> None:
    with pytest.raises(ValueError):
        Limits(max_writes=0)
    with pytest.raises(ValueError):
        Limits(max_call_depth=500)
    with pytest.raises(ValueError):
        GasSchedule(statement=-1)


# -- guards ---------------------------------------------------------------------------------------


def test_guards_call_the_host_before_the_body(host: Host) -> None:
    res = host.run(TOKEN, "mint", to="x", amount=5)
    assert res.value == 5
    policy, roles, site = host.authorized[-1]
    assert (policy, roles, str(site), site.caller_contract) == (None, ("teller",), "c.mint", None)
    host.signers = (BOB,)
    with pytest.raises(Unauthorized) as err:
        host.run(TOKEN, "mint", to="x", amount=5)
    assert err.value.detail["gas_used"] == GasSchedule().authorize
    assert host.run(TOKEN, "balance", account="x").value == 5  # nothing ran
    host.run(TOKEN, "admin_only")
    assert host.authorized[-1][0] == "OR('bank1.admin', 'bank2.admin')"


# -- cross-contract calls -------------------------------------------------------------------------

CALLER = """from wuyi.contract import call, view, state, ctx, invoke, require

@call
def pay(to: str, amount: int) -> int:
    state.set("paid", amount)
    return invoke("ledger", "credit", to=to, amount=amount)

@view
def peek(to: str) -> int:
    return invoke("ledger", "get", to=to)

@view
def sneaky(to: str) -> int:
    return invoke("ledger", "credit", to=to, amount=1)

@call
def call_missing() -> None:
    invoke("ledger", "nope")

@call
def call_unknown() -> None:
    invoke("ghost", "x")

@call
def call_frozen() -> None:
    invoke("frozen", "x")

@call
def bad_args() -> None:
    invoke("ledger", "credit", to=5, amount=1)

@call
def guarded() -> None:
    invoke("ledger", "guarded")

@call
def reenter() -> str:
    return invoke("ledger", "back")

@view
def name() -> str:
    return ctx.contract + "<-" + str(ctx.caller_contract)
"""
LEDGER = """from wuyi.contract import call, view, state, ctx, emit, invoke, require

@call
def credit(to: str, amount: int) -> int:
    require(amount < 100, "too much")
    total = state.get(to, 0) + amount
    state.set(to, total)
    emit("Credited", to=to, by=ctx.caller_contract)
    return total

@view
def get(to: str) -> int:
    return state.get(to, 0)

@call(roles=["auditor"])
def guarded() -> None:
    pass

@call
def back() -> str:
    return invoke("caller", "name")
"""


@pytest.fixture
def pair(host: Host) -> Host:
    host.sources = {"caller": CALLER, "ledger": LEDGER}
    return host


def test_invoke_runs_the_callee_with_its_own_state(pair: Host) -> None:
    res = pair.run(CALLER, "pay", name="caller", to="bob", amount=7)
    assert res.value == 7
    assert pair.kv.data[b"c/ledger/bob"] == encode(7)
    assert res.events[0] == ("ledger", "Credited", {"to": "bob", "by": "caller"})
    assert pair.run(CALLER, "peek", name="caller", read_only=True, to="bob").value == 7
    assert pair.run(CALLER, "reenter", name="caller").value == "caller<-ledger"


def test_callee_revert_fails_the_whole_call(pair: Host) -> None:
    with pytest.raises(ContractRevert, match="too much") as err:
        pair.run(CALLER, "pay", name="caller", to="bob", amount=500)
    assert err.value.detail["gas_used"] > 0


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("sneaky", "a view can only invoke views"),
        ("call_missing", "invoke ledger.nope: contract 'ledger' has no public method 'nope'"),
        ("call_unknown", "invoke ghost.x: no contract 'ghost'"),
        ("call_frozen", "invoke frozen.x: contract 'frozen' is frozen"),
        ("bad_args", "invoke ledger.credit: argument 'to' must be str, got int"),
        ("guarded", "invoke ledger.guarded: c.guarded needs one of"),
    ],
)
def test_invoke_failures_are_faults(pair: Host, method: str, message: str) -> None:
    args: dict[str, Any] = {"to": "x"} if method == "sneaky" else {}
    with pytest.raises(ContractFault) as err:
        pair.run(CALLER, method, name="caller", **args)
    assert message.replace("c.guarded", "ledger.guarded") in err.value.message


def test_invoke_shares_the_gas_meter(pair: Host) -> None:
    full = pair.run(CALLER, "pay", name="caller", to="a", amount=1).gas_used
    with pytest.raises(OutOfGas):
        pair.run(CALLER, "pay", name="caller", gas=full - 1, to="a", amount=1)


# -- compilation cache and threads ----------------------------------------------------------------


def test_compile_is_cached_by_source() -> None:
    rt = Runtime()
    a = rt.compile(TOKEN, "t")
    assert rt.compile(TOKEN, "t") is a and isinstance(a, CompiledContract)
    assert rt.compile(TOKEN + "\n", "t") is not a
    assert rt.check_source(TOKEN, "t") is a.info
    # An equal source text in another string object hits the same entry; another name does not.
    assert rt.compile("".join([TOKEN[:10], TOKEN[10:]]), "t") is a
    assert rt.compile(TOKEN, "t2") is not a


def test_the_source_text_cache_is_bounded_and_falls_back_to_the_hash() -> None:
    rt = Runtime(cache_size=2)
    a = rt.compile(TOKEN, "t")
    for i in range(3):
        rt.compile(TOKEN + "\n" * (i + 1), "t")
    assert len(rt._front) <= 2
    again = rt.compile(TOKEN, "t")  # evicted from both caches: compiled afresh, same meaning
    assert again.info == a.info


def test_threads_get_their_own_module_instances() -> None:
    rt = Runtime()
    compiled = rt.compile(STATEFUL, "c")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            h = Host(rt)
            for n in range(1, 30):
                rt.execute(compiled, "fill", {"n": n % 4}, h, gas_limit=10**6)
                assert rt.execute(compiled, "context", {}, h, gas_limit=10**6).value["height"]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
