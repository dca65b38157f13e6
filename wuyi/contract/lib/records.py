"""Records for contracts: numbered ids, who-and-when stamps, counters and the load of a record
that must exist — kept in the contract's own state.

    from wuyi.contract.lib import records

    cid = records.seq("complaint", "CP")          # 'CP000001', 'CP000002', ... (seq/complaint)
    n = records.next_number("filing")             # 1, 2, ... (seq/filing)
    records.pad(7, 4)                             # '0007'
    c = records.load("pc/" + cid, f"contract rule: no prepaid contract '{cid}'")
    rec["at"] = records.stamp()                   # {height, time, date, by, org, did}
    records.add("count/" + status, 1)             # a counter in state

Library code of the contract standard library.
"""

from wuyi.contract import ctx, require, state
from wuyi.contract.lib import calendar


def pad(n, width):
    """``n`` as text, zero-padded to ``width`` characters (never cut)."""
    s = str(n)
    return "0" * (width - len(s)) + s if len(s) < width else s


def next_number(counter):
    """The next number (1, 2, ...) of counter ``counter`` (state key ``seq/<counter>``)."""
    n = state.get("seq/" + counter, 0) + 1
    state.set("seq/" + counter, n)
    return n


def seq(counter, prefix, width=6):
    """The next id of counter ``counter``: ``prefix`` and the number padded to ``width``."""
    return prefix + pad(next_number(counter), width)


def add(key, delta):
    """Add ``delta`` to the number at state ``key`` (0 if unset); returns the new value."""
    n = state.get(key, 0) + delta
    state.set(key, n)
    return n


def zeros(names):
    """``{name: 0}`` for each of ``names``."""
    out = {}
    for n in names:
        out[n] = 0
    return out


def load(key, refusal):
    """The value at state ``key``; the refusal ``refusal`` if there is none."""
    value = state.get(key)
    require(value is not None, refusal)
    return value


def stamp(did=True, time=True):
    """Who and when, for a record's trace: ``{height, time, date, by, org, did}`` — the block
    (height, time in ms, date in China Standard Time) and the sender (address, organisation,
    DID); without ``did`` (or ``time``) if those are false."""
    out = {
        "height": ctx.height,
        "time": ctx.time,
        "date": calendar.today(),
        "by": ctx.sender,
        "org": ctx.sender_org,
        "did": ctx.sender_did,
    }
    if not time:
        del out["time"]
    if not did:
        del out["did"]
    return out
