"""Console sign-in: a member proves it holds its key by signing a challenge; never a password.

The flow (``docs/console.md``)::

    POST /v1/auth/challenge {address}          -> {challenge: {address, chain_id, expires, nonce},
                                                    sign_bytes}
    (the browser or ``wuyi login`` signs sign_bytes = LOGIN_DOMAIN || encode(challenge))
    POST /v1/auth/login {nonce, public_key, signature[, one_time]}
                                               -> {token, expires, member}   (a session)
                                               or {ticket, expires, path}   (``one_time``)
    POST /v1/auth/ticket {ticket}              -> {token, expires, member}  (ticket used up)
    GET  /v1/auth/session  (Authorization: Bearer token)  -> {address, expires, member}
    POST /v1/auth/logout   (Authorization: Bearer token)

What the node checks before it issues a session: the challenge is one it issued, unused and not
expired; the public key hashes to the challenged address; the signature verifies over the
domain-separated bytes (``LOGIN_DOMAIN`` differs from the transaction domain, so a login
signature can never be replayed as a transaction and vice versa); the address is a member on
chain, *active*, registered with this very public key, in an *active* organisation. The session
token is random, lives in this node's memory only, expires (``SESSION_TTL_S``), and is bound to
the address: every ``/v1/auth/session`` call reads the member's organisation and roles from the
chain again, so a suspended member loses the session at once.

A session grants no power on chain: every write is a transaction the member signs in the
browser, and the chain authorises it. The session only tells the console who is looking, so it
can show what that member may do.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Header, Request

from wuyi.api.wire import parse_hex
from wuyi.crypto import address_of, format_address, parse_address
from wuyi.encoding import decode, encode
from wuyi.exceptions import EncodingError, ValidationError, WuyiError
from wuyi.ledger import keys
from wuyi.node.node import Node

__all__ = [
    "CHALLENGE_TTL_S",
    "LOGIN_DOMAIN",
    "SESSION_TTL_S",
    "TICKET_TTL_S",
    "AuthFailed",
    "Sessions",
    "add_auth_routes",
    "challenge_sign_bytes",
    "member_profile",
]

LOGIN_DOMAIN = b"wuyi/console-login\x00"
CHALLENGE_TTL_S = 120
TICKET_TTL_S = 120
SESSION_TTL_S = 8 * 3600
_MAX_PENDING = 10_000
_NONCE_LEN = 16


class AuthFailed(WuyiError):
    """Sign-in refused, or a session token that is unknown or expired."""

    code = "auth_failed"
    http_status = 401


def challenge_sign_bytes(challenge: dict[str, Any]) -> bytes:
    """The bytes a member signs to sign in: ``LOGIN_DOMAIN || encode(challenge)`` where the
    challenge is ``{address: text, chain_id: text, expires: int (ms), nonce: bytes}``."""
    return LOGIN_DOMAIN + encode(challenge)


def member_profile(node: Node, address: bytes) -> dict[str, Any]:
    """The member at ``address`` as the console shows it, read from the latest state:
    ``{address, name, org, org_name, operator, roles, public_key}``. :class:`AuthFailed` unless
    the member and its organisation are active."""
    raw = node.get_state(keys.member_key(address))
    if raw is None:
        raise AuthFailed(f"{format_address(address)} is not a member of this chain")
    rec = decode(raw)
    if rec.get("status") != "active":
        raise AuthFailed(f"member {format_address(address)} is {rec.get('status')}, not active")
    org_raw = node.get_state(keys.org_key(rec["org"]))
    org = decode(org_raw) if org_raw is not None else {}
    if org.get("status") != "active":
        raise AuthFailed(f"organisation {rec['org']} is not active")
    return {
        "address": format_address(address),
        "name": rec.get("name", ""),
        "org": rec["org"],
        "org_name": org.get("name", rec["org"]),
        "operator": bool(org.get("operator")),
        "roles": list(rec["roles"]),
        "public_key": rec["public_key"].hex(),
    }


@dataclass
class _Session:
    address: bytes
    expires: float


class Sessions:
    """Pending challenges, one-time tickets and sessions of one node, in memory; ``clock``
    returns seconds (tests pass their own)."""

    def __init__(self, node: Node, clock: Any = time.time) -> None:
        self.node = node
        self.clock = clock
        self._lock = threading.Lock()
        self._challenges: dict[bytes, dict[str, Any]] = {}
        self._tickets: dict[str, _Session] = {}
        self._sessions: dict[str, _Session] = {}

    def _sweep(self, now: float) -> None:
        for table in (self._tickets, self._sessions):
            for k in [k for k, s in table.items() if s.expires <= now]:
                del table[k]
        for n in [n for n, c in self._challenges.items() if c["expires"] <= now * 1000]:
            del self._challenges[n]

    def challenge(self, address: bytes) -> dict[str, Any]:
        now = self.clock()
        challenge: dict[str, Any] = {
            "address": format_address(address),
            "chain_id": self.node.chain.chain_id,
            "expires": int((now + CHALLENGE_TTL_S) * 1000),
            "nonce": secrets.token_bytes(_NONCE_LEN),
        }
        with self._lock:
            self._sweep(now)
            if len(self._challenges) >= _MAX_PENDING:
                raise ValidationError("too many sign-ins pending; try again in a minute")
            self._challenges[challenge["nonce"]] = challenge
        return challenge

    def login(
        self, nonce: bytes, public_key: bytes, signature: bytes
    ) -> tuple[bytes, dict[str, Any]]:
        """Check the signed challenge; the member's address and profile. Uses the challenge up
        (whatever the outcome)."""
        now = self.clock()
        with self._lock:
            challenge = self._challenges.pop(nonce, None)
        if challenge is None or challenge["expires"] <= now * 1000:
            raise AuthFailed("unknown or expired challenge; ask for a new one")
        suite = self.node.suite
        address = parse_address(challenge["address"])
        if address_of(suite, public_key) != address:
            raise AuthFailed("the public key does not belong to the challenged address")
        if not suite.verify(public_key, challenge_sign_bytes(challenge), signature):
            raise AuthFailed("the signature over the challenge does not verify")
        profile = member_profile(self.node, address)
        if profile["public_key"] != public_key.hex():
            raise AuthFailed("the member is registered with another public key")
        return address, profile

    def open_session(self, address: bytes) -> tuple[str, float]:
        token = secrets.token_urlsafe(32)
        expires = self.clock() + SESSION_TTL_S
        with self._lock:
            self._sessions[token] = _Session(address, expires)
        return token, expires

    def open_ticket(self, address: bytes) -> tuple[str, float]:
        ticket = secrets.token_urlsafe(24)
        expires = self.clock() + TICKET_TTL_S
        with self._lock:
            self._tickets[ticket] = _Session(address, expires)
        return ticket, expires

    def redeem_ticket(self, ticket: str) -> bytes:
        with self._lock:
            s = self._tickets.pop(ticket, None)
        if s is None or s.expires <= self.clock():
            raise AuthFailed("unknown, used or expired sign-in link; run `wuyi login` again")
        return s.address

    def session(self, token: str) -> _Session:
        with self._lock:
            s = self._sessions.get(token)
        if s is None or s.expires <= self.clock():
            raise AuthFailed("not signed in, or the session expired")
        return s

    def close(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthFailed("send Authorization: Bearer <token>")
    return authorization[7:].strip()


async def _json_object(request: Request) -> dict[str, Any]:
    import json

    body = await request.body()
    if len(body) > 64 * 1024:
        raise ValidationError("request body too large")
    try:
        obj = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EncodingError("request body is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ValidationError("request body must be a JSON object")
    return obj


def _text(obj: dict[str, Any], name: str) -> str:
    v = obj.get(name)
    if not isinstance(v, str) or not v:
        raise ValidationError(f"request body: {name} is required (a string)", field=name)
    return v


def _session_json(
    token: str, expires: float, address: bytes, profile: dict[str, Any]
) -> dict[str, Any]:
    return {
        "token": token,
        "expires": int(expires * 1000),
        "address": format_address(address),
        "member": profile,
    }


def add_auth_routes(r: APIRouter, node: Node, sessions: Sessions) -> None:
    """``/v1/auth/*`` on router ``r`` (whose prefix is ``/v1``)."""

    @r.post("/auth/challenge", tags=["console"], summary="登录挑战 / a sign-in challenge")
    async def challenge(request: Request) -> dict[str, Any]:
        """Body ``{"address": "wy…"}``. Sign ``sign_bytes`` with the member's key and send it
        to ``/v1/auth/login`` within two minutes."""
        obj = await _json_object(request)
        try:
            address = parse_address(_text(obj, "address"))
        except EncodingError:
            raise ValidationError("address must be wy + 40 hex digits", field="address") from None
        c = sessions.challenge(address)
        return {
            "challenge": {**c, "nonce": c["nonce"].hex()},
            "sign_bytes": challenge_sign_bytes(c).hex(),
            "domain": LOGIN_DOMAIN.decode("ascii").rstrip("\x00"),
        }

    @r.post("/auth/login", tags=["console"], summary="签名登录 / sign in with a signed challenge")
    async def login(request: Request) -> dict[str, Any]:
        """Body ``{"nonce", "public_key", "signature"}`` (hex); ``"one_time": true`` returns a
        one-time ``ticket`` for a console link (``wuyi login``) instead of a session."""
        obj = await _json_object(request)
        nonce = parse_hex(_text(obj, "nonce"), "nonce")
        public_key = parse_hex(_text(obj, "public_key"), "public_key")
        signature = parse_hex(_text(obj, "signature"), "signature")
        address, profile = sessions.login(nonce, public_key, signature)
        if obj.get("one_time") is True:
            ticket, expires = sessions.open_ticket(address)
            return {
                "ticket": ticket,
                "expires": int(expires * 1000),
                "path": f"/console/#/login?ticket={ticket}",
                "member": profile,
            }
        token, expires = sessions.open_session(address)
        return _session_json(token, expires, address, profile)

    @r.post("/auth/ticket", tags=["console"], summary="一次性登录链接 / redeem a sign-in link")
    async def ticket(request: Request) -> dict[str, Any]:
        obj = await _json_object(request)
        address = sessions.redeem_ticket(_text(obj, "ticket"))
        profile = member_profile(node, address)
        token, expires = sessions.open_session(address)
        return _session_json(token, expires, address, profile)

    @r.get("/auth/session", tags=["console"], summary="当前会话 / who is signed in")
    def session(authorization: str | None = Header(None)) -> dict[str, Any]:
        """The member behind the bearer token, its organisation and roles read from the chain
        now (401 ``auth_failed`` once the session expired or the member was suspended)."""
        token = _bearer(authorization)
        s = sessions.session(token)
        try:
            profile = member_profile(node, s.address)
        except AuthFailed:
            sessions.close(token)
            raise
        return _session_json(token, s.expires, s.address, profile)

    @r.post("/auth/logout", tags=["console"], summary="退出登录 / sign out")
    def logout(authorization: str | None = Header(None)) -> dict[str, str]:
        sessions.close(_bearer(authorization))
        return {"status": "signed_out"}
