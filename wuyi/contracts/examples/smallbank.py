"""SmallBank (Cahill et al.; the Blockbench/Hyperledger Caliper workload): customers with a
checking and a savings account, six transactions and a balance query."""

from wuyi.contract import call, emit, require, state, view

OVERDRAFT_PENALTY = 1


def key_of(kind, customer):
    return kind + "/" + customer


def account(customer):
    acct = state.get(key_of("acct", customer))
    require(acct is not None, f"no account for {customer}")
    return acct


@call
def create_account(customer: str, checking: int = 0, savings: int = 0) -> None:
    require(0 < len(customer) <= 64, "customer id must be 1-64 characters")
    require(checking >= 0 and savings >= 0, "opening balances must not be negative")
    require(not state.has(key_of("acct", customer)), f"{customer} already has an account")
    state.set(key_of("acct", customer), {"checking": checking, "savings": savings})
    emit("AccountCreated", customer=customer)


@call
def deposit_checking(customer: str, amount: int) -> None:
    require(amount > 0, "amount must be positive")
    acct = account(customer)
    acct["checking"] += amount
    state.set(key_of("acct", customer), acct)


@call
def transact_savings(customer: str, amount: int) -> None:
    """Deposit (positive ``amount``) or withdraw (negative) savings."""
    acct = account(customer)
    require(acct["savings"] + amount >= 0, "insufficient savings")
    acct["savings"] += amount
    state.set(key_of("acct", customer), acct)


@call
def amalgamate(source: str, dest: str) -> None:
    """Move all of ``source``'s money into ``dest``'s checking account."""
    require(source != dest, "source and dest must differ")
    src, dst = account(source), account(dest)
    dst["checking"] += src["checking"] + src["savings"]
    src["checking"], src["savings"] = 0, 0
    state.set(key_of("acct", source), src)
    state.set(key_of("acct", dest), dst)


@call
def write_check(customer: str, amount: int) -> None:
    """Debit checking; overdrawing the total balance costs a penalty."""
    require(amount > 0, "amount must be positive")
    acct = account(customer)
    if acct["checking"] + acct["savings"] < amount:
        amount += OVERDRAFT_PENALTY
    acct["checking"] -= amount
    state.set(key_of("acct", customer), acct)


@call
def send_payment(source: str, dest: str, amount: int) -> None:
    require(amount > 0, "amount must be positive")
    src, dst = account(source), account(dest)
    require(src["checking"] >= amount, "insufficient checking balance")
    src["checking"] -= amount
    dst["checking"] += amount
    state.set(key_of("acct", source), src)
    state.set(key_of("acct", dest), dst)
    emit("Payment", source=source, dest=dest, amount=amount)


@view
def balance(customer: str) -> int:
    acct = account(customer)
    return acct["checking"] + acct["savings"]
