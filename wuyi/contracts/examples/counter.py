"""A counter anyone may increase; only an admin may reset it."""

from wuyi.contract import call, ctx, emit, require, state, view


@call
def increment(by: int = 1) -> int:
    """Add ``by`` (1 to 1000) to the counter and return the new value."""
    require(0 < by <= 1000, "by must be between 1 and 1000")
    value = state.get("count", 0) + by
    state.set("count", value)
    state.set("last_by", ctx.sender)
    emit("Incremented", by=by, value=value)
    return value


@call(roles=["admin"])
def reset() -> None:
    """Set the counter back to zero (admins only)."""
    state.set("count", 0)
    emit("Reset", by=ctx.sender)


@view
def get() -> int:
    """The current value."""
    return state.get("count", 0)
