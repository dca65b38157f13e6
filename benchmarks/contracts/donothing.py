"""BLOCKBENCH's DoNothing: a method that returns at once. A call still pays for the signature
check, admission, consensus, the sandbox entry and a receipt: the floor of a contract call."""

from wuyi.contract import call


@call
def nothing() -> None:
    return None
