"""The objects a contract sees: ``state``, ``ctx``, ``emit``, ``invoke``, ``require``,
``revert``, ``hash``, ``assurance``, ``presentation``, ``recognition``, ``packet``, ``call``,
``view`` (what
``from wuyi.contract import ...`` resolves to inside the sandbox). One set per module
instance; each reads the current call's frame."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from wuyi.encoding import decode_trusted, encode
from wuyi.exceptions import ContractRevert, EncodingError
from wuyi.runtime.guards import PLAIN, Namespace, Sandbox, expose, fault, type_name
from wuyi.runtime.host import Event, Host, Identity
from wuyi.runtime.meter import GasMeter, presentation_cost
from wuyi.runtime.rules import CTX_ATTRS, STATE_ATTRS

__all__ = ["CtxAPI", "Frame", "StateAPI", "TxContext", "encode_value", "make_api", "thaw"]

MAX_MESSAGE = 1024
MAX_ASSURANCE_LEVEL = 4
#: Most credentials (lines) one presentation may hold; most types and claims it may ask for.
MAX_PRESENTED = 8
MAX_ASKED_CLAIMS = 64
#: Bytes of a presentation nonce (as for ``vc.verify``).
MIN_NONCE, MAX_NONCE = 8, 64
MAX_EVENT_NAME = 64


class TxContext:
    """Everything shared by the calls of one transaction (or query)."""

    __slots__ = ("events", "host", "kv", "log_bytes", "logs", "meter", "runtime", "writes")

    def __init__(self, host: Host, meter: GasMeter, runtime: Any) -> None:
        self.host = host
        self.kv = host.kv
        self.meter = meter
        self.runtime = runtime
        self.writes = 0
        self.events: list[Event] = []
        self.logs: list[str] = []
        self.log_bytes = 0

    @property
    def sender(self) -> Identity | None:
        signers = self.host.signers
        return signers[0] if signers else None


class Frame:
    """One contract call within a transaction."""

    __slots__ = ("caller_contract", "contract", "method", "prefix", "read_only", "tx")

    def __init__(
        self,
        tx: TxContext,
        contract: str,
        prefix: bytes,
        method: str,
        read_only: bool,
        caller_contract: str | None,
    ) -> None:
        self.tx = tx
        self.contract = contract
        self.prefix = prefix
        self.method = method
        self.read_only = read_only
        self.caller_contract = caller_contract


def thaw(v: Any) -> Any:
    """Frozen module constants (tuples, read-only dicts) as plain lists and dicts."""
    t = type(v)
    if t is list or t is tuple:
        return [thaw(x) for x in v]
    if t is dict or t is MappingProxyType:
        return {k: thaw(x) for k, x in v.items()}
    return v


def encode_value(sb: Sandbox, value: Any, what: str, name: str) -> bytes:
    """Canonical bytes of ``value`` (charged by size first); :class:`ContractFault` naming
    ``what`` and ``name`` if it is outside the data model."""
    t = type(value)
    if t is int or t is bool or value is None:
        pass
    elif t is str or t is bytes:
        sb.work(len(value) // sb.byte_unit)
    else:
        sb.measure(value)
    try:
        return encode(value)
    except EncodingError:
        pass
    try:
        return encode(thaw(value))
    except EncodingError as exc:
        raise fault(f"{what} {name!r} cannot be encoded: {exc.message}") from None


def _message(sb: Sandbox, message: Any) -> str:
    text = message if type(message) is str else sb.to_str(message)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


class StateAPI:
    """The contract's own key-value state (keys are str, values canonical data)."""

    contract_name = "state"
    __slots__ = ("_c", "_sb")

    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb
        s, lim = sb.schedule, sb.limits
        #: the constants of the hot paths, read once
        self._c = (
            s.state_read,
            s.state_read_byte,
            s.state_write,
            s.state_write_byte,
            lim.max_value_size,
            lim.max_writes,
            sb.fast_key,
        )

    def _key(self, frame: Frame, key: Any) -> bytes:
        if type(key) is not str:
            raise fault(f"state keys must be str, got {type_name(key)}")
        try:
            raw = key.encode("utf-8")
        except UnicodeEncodeError:
            raise fault("state key is not valid UTF-8 text") from None
        if len(raw) > self._sb.limits.max_key_size:
            raise fault(
                f"state key of {len(raw)} bytes exceeds the limit of {self._sb.limits.max_key_size}"
            )
        return frame.prefix + raw

    def _writable(self, frame: Frame, what: str) -> None:
        if frame.read_only:
            raise fault(f"view '{frame.contract}.{frame.method}' cannot {what}")
        tx = frame.tx
        tx.writes += 1
        if tx.writes > self._sb.limits.max_writes:
            raise fault(
                f"more than {self._sb.limits.max_writes} state writes in one transaction",
                limit="max_writes",
            )

    def get(self, key: str, default: Any = None) -> Any:
        sb = self._sb
        frame = sb.frame
        read, read_byte, _, _, _, _, fast_key = self._c
        if type(key) is str and len(key) <= fast_key:
            try:
                k = frame.prefix + key.encode()
            except UnicodeEncodeError:
                k = self._key(frame, key)
        else:
            k = self._key(frame, key)
        raw = frame.tx.kv.get(k)
        cost = read + (len(k) if raw is None else len(k) + len(raw)) * read_byte
        meter = sb.meter
        used = meter.used + cost  # type: ignore[union-attr]
        if used > meter.limit:  # type: ignore[union-attr]
            meter.consume(cost, "state read")  # type: ignore[union-attr]
        meter.used = used  # type: ignore[union-attr]
        return default if raw is None else decode_trusted(raw)

    def has(self, key: str) -> bool:
        sb = self._sb
        frame = sb.frame
        k = self._key(frame, key)
        sb.meter.consume(sb.schedule.state_read + len(k), "state read")  # type: ignore[union-attr]
        return frame.tx.kv.get(k) is not None

    def set(self, key: str, value: Any) -> None:
        sb = self._sb
        frame = sb.frame
        _, _, write, write_byte, max_value, max_writes, fast_key = self._c
        if type(key) is str and len(key) <= fast_key:
            try:
                k = frame.prefix + key.encode()
            except UnicodeEncodeError:
                k = self._key(frame, key)
        else:
            k = self._key(frame, key)
        if frame.read_only:
            raise fault(f"view '{frame.contract}.{frame.method}' cannot write state")
        tx = frame.tx
        tx.writes += 1
        if tx.writes > max_writes:
            raise fault(
                f"more than {max_writes} state writes in one transaction", limit="max_writes"
            )
        t = type(value)
        if t is int or t is str or t is bytes or t is bool or value is None:
            try:  # scalars: the per-byte write cost covers encoding them
                data = encode(value)
            except EncodingError as exc:
                raise fault(f"value for key {key!r} cannot be encoded: {exc.message}") from None
        else:
            data = encode_value(sb, value, "value for key", key)
        if len(data) > max_value:
            raise fault(
                f"value for key {key!r} is {len(data)} bytes; the limit is {max_value}",
                limit="max_value_size",
            )
        cost = write + (len(k) + len(data)) * write_byte
        meter = sb.meter
        used = meter.used + cost  # type: ignore[union-attr]
        if used > meter.limit:  # type: ignore[union-attr]
            meter.consume(cost, "state write")  # type: ignore[union-attr]
        meter.used = used  # type: ignore[union-attr]
        tx.kv.set(k, data)

    def delete(self, key: str) -> None:
        sb = self._sb
        frame = sb.frame
        k = self._key(frame, key)
        self._writable(frame, "delete state")
        sb.meter.consume(sb.schedule.state_delete + len(k), "state delete")  # type: ignore[union-attr]
        frame.tx.kv.delete(k)

    def range(
        self, prefix: str = "", limit: int = 100, start_after: str | None = None
    ) -> list[tuple[str, Any]]:
        """``(key, value)`` pairs whose key starts with ``prefix``, in key order, at most
        ``limit`` of them, starting after the key ``start_after`` (for paging)."""
        sb = self._sb
        frame = sb.frame
        full = self._key(frame, prefix)
        if type(limit) is not int or not 0 < limit <= sb.limits.max_range:
            raise fault(f"range limit must be an int between 1 and {sb.limits.max_range}")
        if start_after is not None and type(start_after) is not str:
            raise fault("start_after must be a str or None")
        s = sb.schedule
        meter: GasMeter = sb.meter  # type: ignore[assignment]
        meter.consume(s.state_read, "state range")
        cut = len(frame.prefix)
        out: list[tuple[str, Any]] = []
        for k, raw in frame.tx.kv.iter_prefix(full):
            meter.consume(
                s.state_range_item + (len(k) + len(raw)) * s.state_read_byte, "state range"
            )
            key = k[cut:].decode("utf-8")
            if start_after is not None and key <= start_after:
                continue
            out.append((key, decode_trusted(raw)))
            if len(out) >= limit:
                break
        return out


class CtxAPI:
    """The call context: who calls, in which block and transaction, from which contract."""

    contract_name = "ctx"
    __slots__ = ("_sb",)

    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb

    @property
    def sender(self) -> str | None:
        signers = self._sb.frame.tx.host.signers
        return signers[0].address if signers else None

    @property
    def sender_org(self) -> str | None:
        signers = self._sb.frame.tx.host.signers
        return signers[0].org if signers else None

    @property
    def sender_roles(self) -> tuple[str, ...]:
        signers = self._sb.frame.tx.host.signers
        return tuple(signers[0].roles) if signers else ()

    @property
    def sender_did(self) -> str | None:
        signers = self._sb.frame.tx.host.signers
        return signers[0].did if signers else None

    @property
    def signers(self) -> tuple[Identity, ...]:
        return tuple(self._sb.frame.tx.host.signers)

    @property
    def height(self) -> int:
        return int(self._sb.frame.tx.host.height)

    @property
    def time(self) -> int:
        return int(self._sb.frame.tx.host.time)

    @property
    def tx_hash(self) -> str:
        h = self._sb.frame.tx.host.tx_hash
        return h.hex() if isinstance(h, bytes | bytearray) else str(h)

    @property
    def contract(self) -> str:
        return str(self._sb.frame.contract)

    @property
    def caller_contract(self) -> str | None:
        caller: str | None = self._sb.frame.caller_contract
        return caller


# the names the compile-time scan lets a contract read are the names the run time serves
expose(StateAPI, dict.fromkeys(sorted(STATE_ATTRS), PLAIN))
expose(CtxAPI, dict.fromkeys(sorted(CTX_ATTRS), PLAIN))
expose(Identity, dict.fromkeys(["address", "org", "roles", "did"], PLAIN))


def _identity_decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def make_api(sb: Sandbox) -> Namespace:
    """The sandbox's ``wuyi.contract`` module for one module instance."""

    def call(fn: Any = None, *, policy: Any = None, roles: Any = None, public: Any = None) -> Any:
        return fn if fn is not None else _identity_decorator

    def require(cond: Any, message: Any = "requirement failed") -> None:
        if not cond:
            raise ContractRevert(_message(sb, message))

    def revert(message: Any = "reverted") -> None:
        raise ContractRevert(_message(sb, message))

    max_events = sb.limits.max_events
    max_event_size = sb.limits.max_event_size
    event_cost = sb.schedule.event
    event_byte = sb.schedule.event_byte
    new_event = tuple.__new__

    def emit(name: Any, **attrs: Any) -> None:
        frame: Frame = sb.frame
        if frame.read_only:
            raise fault(f"view '{frame.contract}.{frame.method}' cannot emit events")
        if type(name) is not str or not 0 < len(name) <= MAX_EVENT_NAME:
            raise fault(f"event name must be a str of 1 to {MAX_EVENT_NAME} characters")
        tx = frame.tx
        events = tx.events
        if len(events) >= max_events:
            raise fault(f"more than {max_events} events in one transaction", limit="max_events")
        for v in attrs.values():
            t = type(v)
            if not (t is str or t is int or t is bool or t is bytes or v is None):
                data = encode_value(sb, attrs, "event", name)
                copy = decode_trusted(data)  # nothing the contract can still mutate
                break
        else:  # scalars only (the per-byte cost covers encoding them); kwargs are private
            try:
                data = encode(attrs)
            except EncodingError as exc:
                raise fault(f"event {name!r} cannot be encoded: {exc.message}") from None
            copy = attrs
        size = len(data)
        if size > max_event_size:
            raise fault(
                f"event '{name}' is {size} bytes; the limit is {max_event_size}",
                limit="max_event_size",
            )
        cost = event_cost + size * event_byte
        meter = sb.meter
        used = meter.used + cost  # type: ignore[union-attr]
        if used > meter.limit:  # type: ignore[union-attr]
            meter.consume(cost, "event")  # type: ignore[union-attr]
        meter.used = used  # type: ignore[union-attr]
        contract = frame.contract
        events.append(new_event(Event, (contract, name, copy)))
        tx.host.emit(contract, name, copy)

    def invoke(contract: Any, method: Any, **kwargs: Any) -> Any:
        frame: Frame = sb.frame
        if type(contract) is not str or type(method) is not str:
            raise fault("invoke(contract, method, **kwargs): contract and method are str")
        data = encode_value(sb, kwargs, "arguments of", f"{contract}.{method}")
        s = sb.schedule
        sb.meter.consume(s.invoke + len(data) * s.value_byte, "invoke")  # type: ignore[union-attr]
        return frame.tx.runtime.invoke(frame, contract, method, decode_trusted(data))

    def hash_(data: Any) -> bytes:
        if type(data) is not bytes:
            raise fault(f"hash() takes bytes, got {type_name(data)}")
        s = sb.schedule
        cost = s.hash + (len(data) // 32 + 1) * s.hash_unit
        sb.meter.consume(cost, "hash")  # type: ignore[union-attr]
        return bytes(sb.frame.tx.host.hash(data))

    def assurance(token: Any, min_level: Any = 1) -> dict[str, Any]:
        if type(token) is not str:
            raise fault(f"assurance() takes the token as str, got {type_name(token)}")
        if type(min_level) is not int or not 1 <= min_level <= MAX_ASSURANCE_LEVEL:
            raise fault(f"assurance(): min_level must be an int from 1 to {MAX_ASSURANCE_LEVEL}")
        s = sb.schedule
        cost = s.verify + (len(token) // 32 + 1) * s.hash_unit
        sb.meter.consume(cost, "assurance")  # type: ignore[union-attr]
        tx = sb.frame.tx
        check = getattr(tx.host, "assurance", None)
        if check is None:
            raise fault("assurance() needs the chain state; this host does not provide it")
        sender = tx.sender
        result = dict(check(token, sender.did if sender is not None else None))
        if result["level"] < min_level:
            raise ContractRevert(
                f"assurance: level {result['level']} is below the required {min_level}"
            )
        return result

    def _names(value: Any, what: str, most: int) -> list[str]:
        v = thaw(value)
        if type(v) is not list or not 1 <= len(v) <= most:
            raise fault(f"presentation(): {what} must be a list of 1 to {most} str")
        for x in v:
            if type(x) is not str or not 0 < len(x) <= 64:
                raise fault(f"presentation(): each of {what} is a str of 1 to 64 characters")
        if len(dict.fromkeys(v)) != len(v):
            raise fault(f"presentation(): {what} contain duplicates")
        return list(v)

    def presentation(
        text: Any, *, types: Any, claims: Any, verifier: Any, nonce: Any
    ) -> dict[str, Any]:
        frame: Frame = sb.frame
        if frame.read_only:
            raise fault("presentation() records a use on chain; a view cannot call it")
        if type(text) is not str:
            raise fault(
                "presentation() takes the presentation's side-car reference as str, got"
                f" {type_name(text)}"
            )
        asked_types = _names(types, "types", MAX_PRESENTED)
        asked_claims = _names(claims, "claims", MAX_ASKED_CLAIMS)
        if type(verifier) is not str or not 0 < len(verifier) <= 64:
            raise fault("presentation(): verifier is an organisation id (str)")
        if (
            type(nonce) is not str
            or not nonce.isascii()
            or not MIN_NONCE <= len(nonce) <= MAX_NONCE
        ):
            raise fault(
                f"presentation(): nonce is an ASCII str of {MIN_NONCE} to {MAX_NONCE} characters"
            )
        tx = frame.tx
        resolve = getattr(tx.host, "sidecar", None)
        body = resolve(text) if resolve is not None else None
        if body is None:
            raise ContractRevert(
                "presentation refused (not_sidecar): the presentation travels as the"
                " transaction's private side-car: pass its reference 'sidecar:<hash>' and send"
                " the text beside the transaction, never in it",
                reason="not_sidecar",
            )
        s = sb.schedule
        size = len(body)
        sb.work(size // sb.byte_unit)  # counting the lines
        lines = max(1, min(body.count(b"\n") + 1, MAX_PRESENTED + 1))
        # two signatures per credential (issuer, key binding) and the records of the use
        cost = presentation_cost(s, size, lines)
        sb.meter.consume(cost, "presentation")  # type: ignore[union-attr]
        if not body.isascii():
            raise ContractRevert(
                "presentation refused (malformed): the side-car is not SD-JWT text (ASCII)",
                reason="malformed",
            )
        check = getattr(tx.host, "presentation", None)
        if check is None:
            raise fault("presentation() needs the chain state; this host does not provide it")
        sender = tx.sender
        result = check(
            body.decode("ascii"),
            types=asked_types,
            claims=asked_claims,
            verifier=verifier,
            nonce=nonce,
            subject=sender.did if sender is not None else None,
            contract=frame.contract,
        )
        data = encode_value(sb, result, "result of", "presentation")
        sb.meter.consume(len(data) * s.value_byte, "presentation")  # type: ignore[union-attr]
        out: dict[str, Any] = decode_trusted(data)  # nothing shared with the host
        return out

    def recognition(record_id: Any, **kw: Any) -> dict[str, Any]:
        """A cross-chain recognition record addressed to this contract (``wuyi.crosschain``);
        ``value=`` checks a present fact's value against the recorded hash."""
        if type(record_id) is not str or len(record_id) != 32:
            raise fault("recognition() takes the record id as 32 hex characters")
        if set(kw) - {"value"}:
            raise fault("recognition(record_id, value=...) takes only 'value'")
        s = sb.schedule
        frame: Frame = sb.frame
        value = None
        if "value" in kw:
            value = encode_value(sb, kw["value"], "value of", "recognition")
            sb.meter.consume(s.hash + (len(value) // 32 + 1) * s.hash_unit, "recognition")  # type: ignore[union-attr]
        sb.meter.consume(s.state_read + 64 * s.state_read_byte, "recognition")  # type: ignore[union-attr]
        read = getattr(frame.tx.host, "recognition", None)
        if read is None:
            raise fault("recognition() needs the chain state; this host does not provide it")
        result = read(record_id, contract=frame.contract, value=value)
        data = encode_value(sb, result, "result of", "recognition")
        out: dict[str, Any] = decode_trusted(data)
        return out

    def packet() -> dict[str, Any] | None:
        """The cross-chain packet the chain is delivering to this contract in this
        transaction (verified against the sender chain's state), else ``None``."""
        frame: Frame = sb.frame
        sb.meter.consume(sb.schedule.state_read, "packet")  # type: ignore[union-attr]
        read = getattr(frame.tx.host, "packet", None)
        got = None if read is None else read(frame.contract)
        if got is None:
            return None
        out: dict[str, Any] = decode_trusted(encode_value(sb, got, "packet", "packet"))
        return out

    return Namespace(
        "module wuyi.contract",
        call=call,
        view=call,
        require=require,
        revert=revert,
        state=StateAPI(sb),
        ctx=CtxAPI(sb),
        emit=emit,
        invoke=invoke,
        hash=hash_,
        assurance=assurance,
        presentation=presentation,
        recognition=recognition,
        packet=packet,
    )
