"""Hostile contracts: every escape, bomb and non-determinism attempt is refused at deploy (with
its line) or fails at run time with nothing written — identically on every run and process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from wuyi.exceptions import ContractFault, ContractRejected, OutOfGas, WuyiError
from wuyi.runtime import Limits, check_source
from wuyi.testing.contracts import ContractTester

HEADER = "from wuyi.contract import call, view, state, ctx, emit, require, invoke\n@call\n"


def method(body: str, params: str = "") -> str:
    """A contract whose method ``f`` (line 3) has ``body`` starting on line 4."""
    return HEADER + f"def f({params}) -> None:\n" + textwrap.indent(textwrap.dedent(body), "    ")


# -- refused at deploy, with the line ---------------------------------------------------------

REFUSED = [
    ("subclasses", "x = ().__class__.__bases__[0].__subclasses__()", 4, "starting with '_'"),
    ("getattr_concat", "x = getattr(1, '__cl' + 'ass__')", 4, "'getattr' is not allowed"),
    ("format_attr", "x = '{0.__class__}'.format(1)", 4, "str.format is not allowed"),
    ("format_method", "s = 'x'\nm = s.format", 5, "str.format is not allowed"),
    ("format_map", "s = '{a}'\nm = s.format_map", 5, "format_map is not allowed"),
    ("type_dict", "x = type(1).__dict__", 4, "'type' is not allowed"),
    ("fstring_attr", "x = f'{(1).__class__.__mro__}'", 4, "starting with '_'"),
    ("gen_frame", "g = (x for x in [1])\ny = g.gi_frame.f_back", 5, "frame, code and traceback"),
    ("traceback", "x = 1\ny = x.__traceback__", 5, "starting with '_'"),
    ("tb_frame", "x = 1\ny = x.tb_frame", 5, "frame, code and traceback"),
    ("f_globals", "y = f.f_globals", 4, "frame, code and traceback"),
    ("import_os", "import os", 4, "import of 'os' is not allowed"),
    ("dunder_import", "m = __import__('os')", 4, "starting with '_'"),
    ("importlib", "import importlib", 4, "import of 'importlib' is not allowed"),
    ("open", "open('/etc/passwd')", 4, "'open' is not allowed"),
    ("exec", "exec('x = 1')", 4, "'exec' is not allowed"),
    ("eval", "eval('1')", 4, "'eval' is not allowed"),
    ("compile", "compile('1', 'x', 'eval')", 4, "'compile' is not allowed"),
    ("globals", "g = globals()", 4, "'globals' is not allowed"),
    ("vars", "v = vars()", 4, "'vars' is not allowed"),
    ("builtins", "b = __builtins__", 4, "starting with '_'"),
    ("type3", "T = type('T', (), {})", 4, "'type' is not allowed"),
    ("super", "s = super()", 4, "'super' is not allowed"),
    ("set_literal", "s = {1, 2}", 4, "sets are not allowed"),
    ("set_call", "s = set([1])", 4, "'set' is not allowed"),
    ("set_comp", "s = {x for x in [1]}", 4, "sets are not allowed"),
    ("frozenset", "s = frozenset()", 4, "'frozenset' is not allowed"),
    ("float", "x = 1.5", 4, "floats are not allowed"),
    ("true_division", "x = 3 / 2", 4, "true division"),
    ("div_assign", "x = 3\nx /= 2", 5, "true division"),
    ("try_swallow", "try:\n    while True:\n        pass\nexcept:\n    pass", 4, "try/except"),
    ("with", "with ctx:\n    pass", 4, "'with' statements"),
    ("class", "class A:\n    pass", 4, "class definitions"),
    ("global", "global X", 4, "'global' is not allowed"),
    ("nonlocal", "def g():\n    nonlocal x", 5, "'nonlocal' is not allowed"),
    ("yield", "yield 1", 4, "generators"),
    ("async", "async def g():\n    pass", 4, "async code"),
    ("raise", "raise ValueError('x')", 4, "'raise' is not allowed"),
    ("assert", "assert 1 == 1", 4, "'assert' is not allowed"),
    ("underscore_name", "_g_ = 1", 4, "starting with '_'"),
    ("rebind_guard", "_getattr_ = 5", 4, "starting with '_'"),
    ("attr_assign", "state.get = 1", 4, "assigning or deleting attributes"),
    ("match", "match 1:\n    case 1:\n        pass", 4, "Match statements are not allowed"),
    ("star_import", "from math import *", 4, "imports"),
    ("mutable_default", "def g(x=[]):\n    return x", 4, "default values must be constants"),
    ("varargs", "def g(*a):\n    return a", 4, "*args and **kwargs"),
    ("undefined", "x = undefined_name", 4, "name 'undefined_name' is not defined"),
    ("id", "x = id(1)", 4, "'id' is not allowed"),
    ("slice_assign", "x = [1, 2]\nx[0:1] = [3]", 5, "slices"),
    ("state_attr", "x = state.kv", 4, "'state' has no attribute 'kv'"),
    ("ellipsis", "x = ...", 4, "'...' is not allowed"),
    ("mro", "x = int.mro", 4, "types and classes"),
]


@pytest.mark.parametrize(
    ("code", "line", "reason"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_at_deploy_with_line(code: str, line: int, reason: str) -> None:
    with pytest.raises(ContractRejected) as err:
        check_source(method(code), "hostile")
    assert err.value.detail["line"] == line, err.value.message
    assert reason in err.value.detail["reason"], err.value.message
    assert err.value.message.startswith(f"line {line}: ")


MODULE_REFUSED = [
    ("module_call", "from wuyi.contract import call\nX = len([1])\n", 2, "module-level values"),
    ("module_loop", "from wuyi.contract import call\nfor i in []:\n    pass\n", 2, "module level"),
    ("rel_import", "from . import x\n", 1, "import from '.' is not allowed"),
    ("import_contract", "import wuyi.contract\n", 1, "from wuyi.contract import"),
    ("bad_name", "from wuyi.contract import secrets\n", 1, "cannot be imported"),
    ("twice", "from wuyi.contract import call\nX = 1\nX = 2\n", 3, "bound twice"),
    ("no_methods", "from wuyi.contract import call\nX = 1\n", 1, "at least one public method"),
    (
        "decorator",
        "from wuyi.contract import call\ndef d(f):\n    return f\n@d\ndef g():\n    pass\n",
        4,
        "only @call and @view",
    ),
    ("big_int", "X = " + "9" * 400 + "\n", 1, "bits"),
    ("nesting", "X = " + "-" * 200 + "1\n", 1, "nested too deeply"),
    ("long_chain", "X = 1" + " + 1" * 3000 + "\n", 1, "nested too deeply"),
    (
        "elif_chain",
        "def g(x):\n    if x:\n        pass\n" + "    elif x:\n        pass\n" * 120,
        195,
        "nested too deeply",
    ),
    ("fstring_chain", "def g(x):\n    return f'{x" + "+x" * 200 + "}'\n", 2, "nested too deeply"),
    ("syntax", "def g(:\n", 1, "syntax error"),
    ("null_byte", "X = 1\x00\n", 1, "NUL"),
]


@pytest.mark.parametrize(
    ("src", "line", "reason"), [c[1:] for c in MODULE_REFUSED], ids=[c[0] for c in MODULE_REFUSED]
)
def test_module_refused(src: str, line: int, reason: str) -> None:
    with pytest.raises(ContractRejected) as err:
        check_source(src, "hostile")
    assert reason in err.value.detail["reason"], err.value.message
    assert err.value.detail["line"] == line, err.value.message


def test_oversize_source_is_refused() -> None:
    src = method("pass") + "# " + "x" * 300_000 + "\n"
    with pytest.raises(ContractRejected, match="bytes; the limit is"):
        check_source(src, "big")


# -- fails at run time, deterministically, with nothing written ---------------------------------

RUNTIME_FAILS: list[tuple[str, str, type[WuyiError], str]] = [
    ("str_bomb", "x = 'x' * 10**10", ContractFault, "exceed the limit"),
    ("list_bomb", "x = [0] * 10**9", ContractFault, "exceed the limit"),
    ("pow_bomb", "x = 2 ** 10**9", ContractFault, "power exceeds"),
    ("shift_bomb", "x = 1 << 10**9", ContractFault, "shift result exceeds"),
    ("range_list", "x = list(range(10**12))", ContractFault, "exceed the limit"),
    ("join_bomb", "s = 'x' * 1000000\nx = ''.join([s] * 1000)", ContractFault, "joined text"),
    ("bytes_bomb", "x = bytes(10**10)", ContractFault, "exceeds the limit"),
    ("int_parse", "x = int('9' * 10**6)", ContractFault, "too long"),
    ("str_doubling", "x = 'ab'\nwhile True:\n    x = x + x", ContractFault, "exceeds the limit"),
    ("fstr_doubling", "x = 'ab'\nwhile True:\n    x = f'{x}{x}'", ContractFault, "exceeds"),
    ("list_doubling", "x = [1]\nwhile True:\n    x += x", OutOfGas, "builtin work needs"),
    ("int_squaring", "x = 3\nwhile True:\n    x = x * x", ContractFault, "exceeds 1024 bits"),
    ("int_doubling", "x = 3\nwhile True:\n    x = x - (-x)", ContractFault, "exceeds 1024 bits"),
    (
        "dict_union",
        "d = dict.fromkeys(range(100000))\nwhile True:\n    x = d | d",
        OutOfGas,
        "builtin work needs",
    ),
    ("hex_doubling", "x = b'a'\nwhile True:\n    x = x.hex().encode()", ContractFault, "exceeds"),
    ("unpack_bomb", "x = [*range(10**9)]", ContractFault, "exceed the limit"),
    ("sum_range", "x = sum(range(10**12))", ContractFault, "exceed the limit"),
    ("all_range", "x = all(range(1, 10**12))", OutOfGas, "builtin work needs"),
    ("in_range", "x = 'a' in range(10**12)", OutOfGas, "builtin work needs"),
    ("width_bomb", "x = f'{1:>99999999999}'", ContractFault, "format width"),
    ("center_bomb", "x = 'a'.center(10**10)", ContractFault, "width"),
    ("replace_bomb", "x = ('a' * 1000).replace('a', 'a' * 100000)", ContractFault, "exceed"),
    ("to_bytes_bomb", "x = (1).to_bytes(10**10, 'big')", ContractFault, "exceeds the limit"),
    ("percent_format", "x = '%0999999999d' % 1", ContractFault, "%-formatting"),
    ("negative_pow", "x = 2 ** -1", ContractFault, "floats"),
    ("infinite_loop", "while True:\n    pass", OutOfGas, "loop iteration needs"),
    ("comprehension_loop", "x = [i for i in range(10**9)]", OutOfGas, "comprehension"),
    ("recursion", "def r(n):\n    return r(n + 1)\nr(0)", ContractFault, "call depth"),
    ("lambda_recursion", "g = lambda n: g(n + 1)\ng(0)", ContractFault, "call depth"),
    (
        "sort_key_recursion",
        "def k(x):\n    return sorted([1], key=k)\nsorted([1], key=k)",
        ContractFault,
        "call depth",
    ),
    (
        "deep_compare",
        "a = []\nb = []\nfor i in range(5000):\n    a = [a]\n    b = [b]\nx = a == b",
        ContractFault,
        "nested deeper",
    ),
    (
        "deep_repr",
        "a = []\nfor i in range(5000):\n    a = [a]\nx = str(a)",
        ContractFault,
        "nested deeper",
    ),
    (
        "deep_sort",
        "a = []\nfor i in range(100):\n    a = [a]\nx = sorted([a, a])",
        ContractFault,
        "nested deeper",
    ),
    (
        "deep_tuple_hash",
        "t = []\nfor i in range(100000):\n    t = (t,)\nd = {}\nd[t] = 1",
        ContractFault,
        "unhashable",
    ),
    ("huge_value", "state.set('k', 'x' * 100000)", ContractFault, "the limit is 65536"),
    (
        "too_many_writes",
        "for i in range(2000):\n    state.set('k' + str(i), i)",
        ContractFault,
        "state writes",
    ),
    ("too_many_events", "for i in range(300):\n    emit('E', i=i)", ContractFault, "events"),
    ("huge_event", "emit('E', blob='x' * 20000)", ContractFault, "the limit is 16384"),
    ("punycode", "x = 'abc'.encode('punycode')", ContractFault, "utf-8"),
    ("gen_send", "g = (x for x in [1])\ng.send(None)", ContractFault, "no attribute 'send'"),
    ("function_attr", "x = f.x", ContractFault, "no attribute 'x'"),
    (
        "dynamic_internal",
        "t = int\nx = t.from_bytes(b'a', 'big')\ny = t.mro",
        ContractRejected,
        "types",
    ),
    ("key_type", "state.set(5, 1)", ContractFault, "state keys must be str"),
    ("long_key", "state.set('k' * 300, 1)", ContractFault, "state key of 300 bytes"),
    ("float_value", "state.set('k', 10**30)", ContractFault, "cannot be encoded"),
    ("dict_view_setops", "d = {'a': 1}\nx = d.keys() | d.keys()", ContractFault, "TypeError"),
    ("keyerror_address", "d = {}\nx = d[f]", ContractFault, "0x?"),
]


@pytest.mark.parametrize(
    ("code", "exc", "text"), [c[1:] for c in RUNTIME_FAILS], ids=[c[0] for c in RUNTIME_FAILS]
)
def test_fails_at_run_time_with_nothing_written(code: str, exc: type[WuyiError], text: str) -> None:
    t = ContractTester(gas_limit=1_000_000)
    src = method("state.set('before', 1)\n" + code)
    if exc is ContractRejected:
        with pytest.raises(ContractRejected, match=text):
            t.deploy("c", src)
        return
    t.deploy("c", src)
    with pytest.raises(exc) as err:
        t.call("c", "f")
    assert text in err.value.message
    assert err.value.detail["gas_used"] > 0
    assert t.state("c") == {}  # the write before the failure was discarded
    if exc is OutOfGas:
        assert err.value.detail["gas_used"] == 1_000_000


def test_module_constants_are_frozen() -> None:
    t = ContractTester()
    t.deploy(
        "c",
        HEADER.replace("@call\n", "")
        + "CACHE = []\nCONF = {'a': [1]}\n"
        + "@call\ndef f() -> None:\n    CACHE.append(1)\n"
        + "@call\ndef g() -> None:\n    CONF['b'] = 2\n"
        + "@view\ndef h() -> dict:\n    return CONF\n",
    )
    with pytest.raises(ContractFault, match="no attribute 'append'"):
        t.call("c", "f")
    with pytest.raises(ContractFault, match="TypeError"):
        t.call("c", "g")
    assert t.query("c", "h") == {"a": [1]}


@pytest.mark.parametrize(
    "code",
    [
        "def r(n):\n    return r(n + 1)\nr(0)",
        "def h(n):\n    return sum(h(n - 1) for _ in [1])\nh(0)",
        "def k(x):\n    return sorted([1, 2], key=k)[0]\nk(0)",
        "invoke(ctx.contract, 'f')",
    ],
    ids=["plain", "through_generator", "through_sort_key", "through_invoke"],
)
def test_depth_limit_fires_before_cpython_recursion_limit(code: str) -> None:
    t = ContractTester()
    t.deploy("c", method(code))
    results = set()

    def nest(k: int) -> None:  # call the runtime from deeper and deeper host stacks
        if k:
            return nest(k - 1)
        try:
            t.call("c", "f")
        except ContractFault as exc:
            results.add((exc.message, exc.detail["gas_used"]))

    for depth in (0, 300, 900):
        nest(depth)
    assert len(results) == 1
    assert "call depth exceeds the limit of 64" in next(iter(results))[0]


def test_host_objects_are_unreachable() -> None:
    t = ContractTester()
    t.deploy(
        "c",
        HEADER + "def f() -> list:\n"
        "    import_attempts = [str(state), str(ctx), str(emit), repr(int), str(f)]\n"
        "    return import_attempts\n",
    )
    out = t.call("c", "f")
    assert all("0x" not in s for s in out)  # no addresses: messages are deterministic


# -- determinism: identical gas and messages, in-process and across processes -----------------

SCENARIOS: dict[str, str] = {
    "loop": "x = 0\nwhile True:\n    x = x + 1",
    "recursion": "def r(n):\n    return r(n + 1) + 1\nr(0)",
    "huge_write": "for i in range(100):\n    state.set('k' + str(i), 'v' * (i * 1000))",
    "dict_order": "d = {}\nfor w in ['pear', 'apple', 'fig', 'kiwi', 'plum']:\n"
    "    d[w] = len(w)\nrequire(False, str(list(d.items())))",
}
_RUN = """
import json, textwrap
from wuyi.exceptions import WuyiError
from wuyi.testing.contracts import ContractTester
HEADER = {header!r}
out = {{}}
for name, code in {scenarios!r}.items():
    t = ContractTester(gas_limit=200_000)
    t.deploy("c", HEADER + "def f() -> None:\\n" + textwrap.indent(code, "    "))
    try:
        t.call("c", "f")
        out[name] = ["ok", t.last.gas_used]
    except WuyiError as exc:
        out[name] = [type(exc).__name__, exc.message, exc.detail["gas_used"]]
print(json.dumps(out, sort_keys=True))
"""


def _run_scenarios_here() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    code = _RUN.format(header=HEADER, scenarios=SCENARIOS).replace("print(", "result = (")
    exec(code, namespace)
    result: dict[str, Any] = json.loads(namespace["result"])
    return result


def test_failures_are_identical_across_runs_and_processes() -> None:
    here = _run_scenarios_here()
    assert here == _run_scenarios_here()
    assert here["loop"][0] == "OutOfGas" and here["loop"][2] == 200_000
    assert here["recursion"][0] == "ContractFault"
    assert here["dict_order"][1].startswith("[['pear', 4], ['apple', 5]")
    root = Path(__file__).resolve().parents[2]
    code = _RUN.format(header=HEADER, scenarios=SCENARIOS)
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        assert json.loads(proc.stdout) == here, f"PYTHONHASHSEED={seed} differs"


def test_limits_are_parameters() -> None:
    t = ContractTester(limits=Limits(max_writes=3, max_events=1, max_call_depth=5))
    t.deploy("c", method("for i in range(4):\n    state.set(str(i), i)"))
    with pytest.raises(ContractFault, match="more than 3 state writes"):
        t.call("c", "f")
    t.deploy("d", method("emit('A')\nemit('B')"))
    with pytest.raises(ContractFault, match="more than 1 events"):
        t.call("d", "f")
    t.deploy("e", method("def r(n):\n    return r(n + 1)\nr(0)"))
    with pytest.raises(ContractFault, match="limit of 5"):
        t.call("e", "f")


@pytest.mark.parametrize(
    "code",
    [
        "d = {}\nfor k in range(1, 20000):\n    d[k * (2**61 - 1)] = 1",
        "d = {k * (2**61 - 1): 1 for k in range(1, 20000)}",
        "d = dict.fromkeys([k * (2**61 - 1) for k in range(1, 20000)])",
        "d = {}\nfor k in range(1, 20000):\n    d.setdefault(divmod(k * (2**61 - 1), 1), 1)",
        "d = {}\nd.update([[k * (2**61 - 1), 1] for k in range(1, 20000)])",
        "d = dict([[k * (2**61 - 1), 1] for k in range(1, 20000)])",
        "k = 2**61 - 1\nd = {k: 1}",
    ],
    ids=["store", "comprehension", "fromkeys", "tuple_keys", "update", "dict_pairs", "display"],
)
def test_colliding_int_keys_are_refused(code: str) -> None:
    """CPython's int hash is not randomised: big keys could be chosen to collide."""
    t = ContractTester(gas_limit=5_000_000)
    t.deploy("c", method(code))
    with pytest.raises(ContractFault, match="int dict keys must be smaller than 2\\*\\*61"):
        t.call("c", "f")
