"""Governed parameters for contracts: the policy numbers and lists a department changes by a
transaction, never constants in code. Each parameter has a value, the height it is in force
from, its author (address and organisation), the reason for the change, the legal rule it
implements (``basis``) and its whole history.

A contract declares its parameters as one constant and keeps its own authorisation::

    from wuyi.contract import call, ctx, require, view
    from wuyi.contract.lib import params

    PARAMS = {
        "max_homes": {"kind": "int", "min": 0, "max": 100, "default": 2,
                      "basis": "江门市住房限购政策（住建局文件）"},
        "banks": {"kind": "codes", "default": ["nsyh", "zgyh"], "basis": "..."},
    }

    @call
    def init() -> None:
        params.init(PARAMS)

    @call(roles=["admin"])
    def set_param(name: str, value: Any, reason: str) -> dict:
        require(ctx.sender_org == "zjj", "param rule: only admins of 'zjj' ...")
        return params.change(PARAMS, name, value, reason)
        # or, the same: params.change_by(PARAMS, "zjj", "(住建局) ...", name, value, reason)

    ... params.value("max_homes")   # the value in force at this height

Kinds: ``int`` (``min``/``max``), ``codes`` (a list of 2-32 character codes, at most
``max_items``, default 64; ``min_items``), ``text``, ``bool``, ``table`` (``{"<digits>": int}``),
``bands`` (``[[upper bound, value], ...]`` with rising bounds), ``code_map`` (``{code: [codes]}``,
e.g. each registration office's districts; at most ``max_keys``, default 64, lists of at most
``max_items``) and ``holidays`` (a holiday table of :mod:`calendar`). A change is in force from
the next block: a transaction in the same block still sees the old value. State keys (in the
contract's own state): ``param/<name>`` (the latest record), ``param_hist/<name>/<seq:06d>``
(every record). Library code of the contract standard library.
"""

from wuyi.contract import ctx, emit, require, state
from wuyi.contract.lib import calendar

KINDS = ["int", "codes", "text", "bool", "table", "bands", "code_map", "holidays"]
MAX_INT = 10**15
INIT_REASON = "initial value"


def spec_of(spec, name):
    require(
        name in spec, f"param rule: unknown parameter '{name}' (one of {', '.join(spec.keys())})"
    )
    return spec[name]


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check(spec, name, value):
    """A refusal naming the rule unless ``value`` fits parameter ``name`` of ``spec``."""
    s = spec_of(spec, name)
    kind = s["kind"]
    if kind == "int":
        lo, hi = s.get("min", 0), s.get("max", MAX_INT)
        require(
            is_int(value) and lo <= value <= hi,
            f"param rule: '{name}' must be an integer from {lo} to {hi}",
        )
    elif kind == "codes":
        lo, hi = s.get("min_items", 0), s.get("max_items", 64)
        require(
            isinstance(value, list) and lo <= len(value) <= hi,
            f"param rule: '{name}' must be a list of {lo}-{hi} codes",
        )
        for v in value:
            require(
                isinstance(v, str) and 2 <= len(v) <= 32,
                f"param rule: '{name}' must hold codes of 2-32 characters",
            )
    elif kind == "code_map":
        require(
            isinstance(value, dict) and 0 < len(value) <= s.get("max_keys", 64),
            f"param rule: '{name}' must be a map {{code: [codes]}} of 1-{s.get('max_keys', 64)}"
            " entries",
        )
        for k, v in value.items():
            require(
                2 <= len(k) <= 32
                and isinstance(v, list)
                and len(v) <= s.get("max_items", 64)
                and all(isinstance(x, str) and 2 <= len(x) <= 32 for x in v),
                f"param rule: '{name}' maps codes of 2-32 characters to lists of such codes",
            )
    elif kind == "text":
        require(
            isinstance(value, str) and 0 < len(value) <= s.get("max_len", 200),
            f"param rule: '{name}' must be a text of 1-{s.get('max_len', 200)} characters",
        )
    elif kind == "bool":
        require(isinstance(value, bool), f"param rule: '{name}' must be true or false")
    elif kind == "table":
        require(
            isinstance(value, dict) and 0 < len(value) <= 64,
            f"param rule: '{name}' must be a table {{code: integer}}",
        )
        for k, v in value.items():
            require(
                k.isdigit() and is_int(v) and 0 <= v <= MAX_INT,
                f"param rule: '{name}' entries are integers keyed by digits",
            )
    elif kind == "bands":
        require(
            isinstance(value, list) and 0 < len(value) <= 64,
            f"param rule: '{name}' must be a list of [bound, value] bands",
        )
        last = -1
        bound = s.get("bound", "bound")
        for band in value:
            require(
                isinstance(band, list)
                and len(band) == 2
                and is_int(band[0])
                and is_int(band[1])
                and last < band[0] <= MAX_INT
                and 0 <= band[1] <= MAX_INT,
                f"param rule: '{name}' must be a list of [{bound}, value] bands with rising"
                f" {bound}",
            )
            last = band[0]
    else:
        require(kind == "holidays", f"param rule: '{name}' has an unknown kind '{kind}'")
        calendar.check_table(value)
    return value


def in_force(rec):
    """The value of record ``rec`` in force at this height."""
    return rec["value"] if ctx.height >= rec["effective_height"] else rec["previous"]


def record(name):
    """The latest record of ``name`` (None if the contract has no such parameter)."""
    return state.get("param/" + name)


def value(name):
    """The value of ``name`` in force at this height (a change applies from the next block)."""
    rec = state.get("param/" + name)
    require(rec is not None, f"param rule: parameter '{name}' is not set")
    return in_force(rec)


def describe(name):
    """``{name, value, record}``: the value of ``name`` in force now and its latest record."""
    rec = state.get("param/" + name)
    require(rec is not None, f"param rule: unknown parameter '{name}'")
    return {"name": name, "value": in_force(rec), "record": rec}


def values(spec):
    """Every parameter of ``spec`` in force at this height: ``{name: value}``."""
    return {name: value(name) for name in spec}


def history(name):
    """Every record of ``name``, oldest first."""
    return [v for k, v in state.range("param_hist/" + name + "/", limit=1000)]


def latest_basis(spec, name, old):
    """The basis a change keeps when it names none: the latest record's, else the spec's."""
    if old is not None and old.get("basis"):
        return old["basis"]
    return spec[name].get("basis", "")


def write(spec, name, new, reason, basis, effective):
    old = state.get("param/" + name)
    seq = 1 if old is None else old["seq"] + 1
    rec = {
        "name": name,
        "value": new,
        "effective_height": effective,
        "set_by": ctx.sender,
        "org": ctx.sender_org,
        "height": ctx.height,
        "time": ctx.time,
        "tx": ctx.tx_hash,
        "reason": reason,
        "basis": basis if basis is not None else latest_basis(spec, name, old),
        "previous": None if old is None else in_force(old),
        "seq": seq,
    }
    state.set("param/" + name, rec)
    state.set("param_hist/" + name + "/" + ("00000" + str(seq))[-6:], rec)
    emit("ParamSet", param=name, value=new, effective_height=effective, by=ctx.sender)
    return rec


def init(spec, overrides=None):
    """Write every parameter of ``spec`` in force from this block: its ``default``, or the
    value ``overrides`` gives (checked). The records' reason is ``initial value``."""
    given = overrides or {}
    for name in given:
        check(spec, name, given[name])
    for name in spec:
        new = given[name] if name in given else spec[name]["default"]
        write(spec, name, new, INIT_REASON, None, ctx.height)


def change(spec, name, new, reason, basis=None):
    """Change parameter ``name`` to ``new`` from the next block, with ``reason`` (1-200
    characters) and, if the rule it implements changed too, ``basis``; the caller has checked
    who may. Returns the record."""
    check(spec, name, new)
    require(
        isinstance(reason, str) and 0 < len(reason) <= 200,
        "param rule: a reason (1-200 characters) is required",
    )
    require(
        basis is None or (isinstance(basis, str) and 0 < len(basis) <= 600),
        "param rule: a legal basis is a text of 1-600 characters",
    )
    return write(spec, name, new, reason, basis, ctx.height + 1)


def change_by(spec, org, what, name, new, reason, basis=None):
    """:func:`change`, refused unless the sender is of organisation ``org`` (the method's roles
    say which of its members, e.g. ``admin``): ``param rule: only admins of '<org>' <what>``
    (``what``, e.g. ``(医保局) change these rules``). Returns the record."""
    require(ctx.sender_org == org, f"param rule: only admins of '{org}' {what}")
    return change(spec, name, new, reason, basis)
