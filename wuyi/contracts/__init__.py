"""Contracts that ship with the platform: ``examples`` (counter, token, SmallBank) today; the
scenario contracts of the action plan will live beside them."""
