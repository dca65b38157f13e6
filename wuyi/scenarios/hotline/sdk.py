"""12345 热线 in the SDK: :class:`Hotline` — the hotline centre (calls, acceptance, dispatch,
return and extension reviews, reassignment, merging, revisits, redo, closing, parameters), the
departments and streets/towns (sign-off, handling, replies, returns, extensions) and the
citizen (online requests and ratings with their wallet's DID key); reads through
``/v1/hotline/...``::

    s = client.scenario("hotline")                       # or Hotline(client)
    salt = new_salt()                                    # kept in the centre's system
    t = s.receive(operator, "complaint", "market", "440703",
                  seal("商户短斤缺两……", salt), seal("13800138000", salt), caller=did)
    s.dispatch(operator, t["id"], "scjgj")               # along the 派单目录
    s.sign(handler, t["id"]); s.reply(handler, t["id"], seal("已核查处理……", salt))
    s.rate(wallet, t["id"], "satisfied")                 # the citizen's own rating
    s.scores()                                           # the public board, in tiers

The call's content and the caller's phone never leave the centre: the chain gets
:func:`seal` values (a salted SHA-256). A refusal raises the platform's error carrying the
contract's message, which names the rule (``dispatch rule (派单目录): …``,
``push-down rule (不得推诿基层): …``).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.sdk.scenarios import ScenarioClient, contract_step, seg
from wuyi.sdk.wallet import Wallet

__all__ = ["CLIENT", "Hotline", "new_salt", "seal"]


def new_salt() -> bytes:
    """A fresh 32-byte salt for one ticket (the centre keeps it with the ticket's text)."""
    return secrets.token_bytes(32)


def seal(text: str, salt: bytes) -> bytes:
    """The salted hash of ``text`` (a call's content, a phone number, a reply) that goes on
    chain instead of it: SHA-256 of ``salt`` and the UTF-8 text."""
    return hashlib.sha256(b"wuyi-hotline:" + salt + text.encode("utf-8")).digest()


class Hotline(ScenarioClient):
    """12345 热线: one method per step of a ticket (see the module docstring)."""

    default_name = "hotline"

    # -- the hotline centre (role operator) ----------------------------------------------------

    @contract_step
    def receive(
        self,
        key: PrivateKey,
        category: str,
        matter: str,
        district: str,
        content_hash: bytes,
        caller_commitment: bytes,
        *,
        channel: str = "phone",
        caller: str | None = None,
    ) -> dict[str, Any]:
        """来电 and 受理: record a call (hashes only) and accept it; returns the ticket."""

    @contract_step
    def accept(self, key: PrivateKey, ticket_id: str) -> dict[str, Any]: ...

    @contract_step
    def dispatch(self, key: PrivateKey, ticket_id: str, dept: str) -> dict[str, Any]:
        """派单 to a unit of the catalogue for the ticket's matter."""

    @contract_step
    def reassign(
        self, key: PrivateKey, ticket_id: str, dept: str, reason: str
    ) -> dict[str, Any]: ...

    @contract_step
    def merge(self, key: PrivateKey, ticket_id: str, master_id: str) -> dict[str, Any]: ...

    @contract_step
    def review_return(
        self, key: PrivateKey, ticket_id: str, *, approve: bool
    ) -> dict[str, Any]: ...

    @contract_step
    def review_extension(
        self, key: PrivateKey, ticket_id: str, *, approve: bool
    ) -> dict[str, Any]: ...

    @contract_step
    def revisit(self, key: PrivateKey, ticket_id: str, result: str) -> dict[str, Any]:
        """回访: satisfied, basic or unsatisfied."""

    @contract_step
    def redo(self, key: PrivateKey, ticket_id: str) -> dict[str, Any]: ...

    @contract_step
    def close(self, key: PrivateKey, ticket_id: str, reason: str = "") -> dict[str, Any]: ...

    # -- the unit (role handler) -----------------------------------------------------------------

    @contract_step
    def sign(self, key: PrivateKey, ticket_id: str) -> dict[str, Any]:
        """签收."""

    @contract_step
    def handle(self, key: PrivateKey, ticket_id: str, note_hash: bytes) -> dict[str, Any]: ...

    @contract_step
    def reply(self, key: PrivateKey, ticket_id: str, reply_hash: bytes) -> dict[str, Any]:
        """反馈."""

    @contract_step
    def request_return(self, key: PrivateKey, ticket_id: str, reason: str) -> dict[str, Any]: ...

    @contract_step
    def request_extension(
        self, key: PrivateKey, ticket_id: str, days: int, reason_hash: bytes
    ) -> dict[str, Any]: ...

    # -- the citizen (their wallet's DID key) ---------------------------------------------------

    @contract_step
    def lodge(
        self,
        wallet: Wallet,
        category: str,
        matter: str,
        district: str,
        content_hash: bytes,
        caller_commitment: bytes,
    ) -> dict[str, Any]:
        """An online request, signed with the citizen's DID key."""

    @contract_step
    def rate(self, wallet: Wallet, ticket_id: str, result: str) -> dict[str, Any]:
        """The citizen's own rating of their answered ticket."""

    # -- reads -----------------------------------------------------------------------------------

    def scores(self, period: str = "") -> list[dict[str, Any]]:
        """The public board: every unit's rates, score and tier."""
        out: list[dict[str, Any]] = self._get("/v1/hotline/scores", period=period)["items"]
        return out

    def statistics(self) -> dict[str, Any]:
        return self._get_record("/v1/hotline/statistics")

    # The tickets are signed reads (the citizen's DID key, the centre, the units, auditors):
    # ``key`` signs one read, else the client reads as ``WuyiClient.read_as`` set.

    def tickets(
        self,
        *,
        caller: str | None = None,
        dept: str | None = None,
        status: str | None = None,
        key: PrivateKey | None = None,
    ) -> list[dict[str, Any]]:
        return self._pages("/v1/hotline/tickets", key=key, caller=caller, dept=dept, status=status)

    def ticket(self, ticket_id: str, *, key: PrivateKey | None = None) -> dict[str, Any]:
        return self._get_record(f"/v1/hotline/tickets/{seg(ticket_id)}", key=key)


CLIENT = Hotline
