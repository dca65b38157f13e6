"""Money in fen (分), for contracts: amounts are whole numbers of fen, never floats.

    from wuyi.contract.lib import money

    price = money.positive(price, "price")          # a refusal names the field
    money.yuan(168_000_000)                         # '1,680,000.00'
    money.percent(price, 70)                        # 70 % of it, rounded down to the fen
    money.split(100, [1, 1, 1])                     # [34, 33, 33]: the remainder goes first

Library code of the contract standard library (``docs/contract-runtime.md`` §11): it runs in
the sandbox like the contract that imports it, metered the same way.
"""

from wuyi.contract import require

MAX_FEN = 10**15  # 10 万亿元: far above any amount a scenario handles, well inside 64 bits
MAX_PARTS = 1000


def is_fen(amount):
    """Whether ``amount`` is a whole number of fen from 0 to ``MAX_FEN``."""
    return isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount <= MAX_FEN


def check(amount, what):
    """``amount`` if it is a whole number of fen from 0 to ``MAX_FEN``; else a refusal."""
    require(is_fen(amount), f"money rule: {what} must be a whole number of fen from 0 to {MAX_FEN}")
    return amount


def positive(amount, what):
    """``amount`` if it is a positive whole number of fen (at most ``MAX_FEN``)."""
    require(
        is_fen(amount) and amount > 0,
        f"money rule: {what} must be a positive whole number of fen (at most {MAX_FEN})",
    )
    return amount


def yuan(fen):
    """``fen`` as yuan with thousands separators and two decimals: ``-1,234.05``."""
    sign = "-" if fen < 0 else ""
    n = -fen if fen < 0 else fen
    whole = str(n // 100)
    head = len(whole) % 3 or 3
    groups = [whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)]
    cents = n % 100
    return sign + ",".join(groups) + "." + ("0" if cents < 10 else "") + str(cents)


def of_yuan(text):
    """The fen of ``text``, an amount in yuan (``1,680,000.5`` or ``12``): at most two
    decimals, no sign; a refusal names what is wrong."""
    s = text.replace(",", "")
    parts = s.split(".")
    require(
        0 < len(parts) <= 2 and parts[0].isdigit() and len(parts[0]) <= 16,
        f"money rule: '{text}' is not an amount in yuan",
    )
    cents = 0
    if len(parts) == 2:
        frac = parts[1]
        require(
            0 < len(frac) <= 2 and frac.isdigit(),
            f"money rule: '{text}' has more than two decimals (fen)",
        )
        cents = int(frac) * (10 if len(frac) == 1 else 1)
    return check(int(parts[0]) * 100 + cents, f"'{text}'")


def percent(amount, pct):
    """``pct`` percent of ``amount``, rounded down to the fen."""
    return amount * pct // 100


def basis_points(amount, bp):
    """``bp`` basis points (万分之一) of ``amount``, rounded down to the fen."""
    return amount * bp // 10000


def split(amount, weights):
    """``amount`` shared by ``weights`` (positive ints) in whole fen that sum to ``amount``:
    each part rounded down, the fen left over go one each to the largest remainders, the
    earlier part first on a tie."""
    require(0 < len(weights) <= MAX_PARTS, f"money rule: split into 1 to {MAX_PARTS} parts")
    total = 0
    for w in weights:
        require(
            isinstance(w, int) and not isinstance(w, bool) and w > 0,
            "money rule: split weights are positive whole numbers",
        )
        total += w
    parts = [amount * w // total for w in weights]
    rest = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: [-(amount * weights[i] % total), i])
    for i in order[:rest]:
        parts[i] += 1
    return parts
