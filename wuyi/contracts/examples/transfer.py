"""A simple token: a fixed owner mints, holders transfer, anyone reads balances."""

from wuyi.contract import call, ctx, emit, require, state, view

ROLES = ["minter"]
MAX_SUPPLY = 10**15


@call
def init(symbol: str = "WYT", supply: int = 0) -> None:
    """Name the token and give the deployer the initial ``supply`` (once: like any public
    method, ``init`` can be called again by anyone, so it guards itself)."""
    require(not state.has("symbol"), "already initialised")
    require(0 <= supply <= MAX_SUPPLY, "supply out of range")
    state.set("symbol", symbol)
    state.set("supply", supply)
    if supply:
        state.set("bal/" + ctx.sender, supply)


@call(roles=["minter"])
def mint(to: str, amount: int) -> None:
    """Create ``amount`` new tokens for ``to`` (holders of the minter role only)."""
    require(amount > 0, "amount must be positive")
    supply = state.get("supply", 0) + amount
    require(supply <= MAX_SUPPLY, "supply cap reached")
    state.set("supply", supply)
    state.set("bal/" + to, state.get("bal/" + to, 0) + amount)
    emit("Mint", to=to, amount=amount)


@call
def transfer(to: str, amount: int) -> None:
    """Move ``amount`` of the sender's tokens to ``to``."""
    require(amount > 0, "amount must be positive")
    sender = ctx.sender
    balance = state.get("bal/" + sender, 0)
    require(balance >= amount, "insufficient balance")
    state.set("bal/" + sender, balance - amount)
    state.set("bal/" + to, state.get("bal/" + to, 0) + amount)
    emit("Transfer", sender=sender, to=to, amount=amount)


@view
def balance(account: str) -> int:
    """Tokens held by ``account``."""
    return state.get("bal/" + account, 0)


@view
def total_supply() -> int:
    return state.get("supply", 0)


@view
def holders(start_after: str | None = None, limit: int = 100) -> list:
    """``[[address, balance], ...]`` in address order, a page at a time."""
    rows = state.range(
        "bal/", limit=limit, start_after=None if start_after is None else "bal/" + start_after
    )
    return [[key[4:], value] for key, value in rows]
