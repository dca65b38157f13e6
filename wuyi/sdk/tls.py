"""TLS for a client of a node's API served over HTTPS (``[api] tls_cert``; ``docs/deploy.md``
section 8): the CA bundle to trust and the client certificate to present to a node with
``client_auth = "required"``.

``client_context(client_cert, client_key, ca)`` builds the ``ssl.SSLContext`` the SDK hands to
httpx; unset arguments come from ``$WUYI_CLIENT_CERT``, ``$WUYI_CLIENT_KEY`` and ``$WUYI_CA``. A
missing or unreadable file, or a key that does not match its certificate, raises
:class:`~wuyi.exceptions.ValidationError` naming the file. :func:`describe_tls_failure` turns a
handshake refused by either side into a sentence saying what to do, instead of OpenSSL's words;
a node that refuses a client certificate by closing the connection without a TLS alert (uvicorn
does) is recognised by probing it once (:func:`is_refused_after_handshake`).
"""

from __future__ import annotations

import datetime
import os
import ssl
from pathlib import Path

__all__ = [
    "CA_ENV",
    "CLIENT_CERT_ENV",
    "CLIENT_KEY_ENV",
    "client_context",
    "describe_client_certificate",
    "describe_tls_failure",
    "is_refused_after_handshake",
    "may_be_refused_after_handshake",
    "refusal_message",
]

CLIENT_CERT_ENV = "WUYI_CLIENT_CERT"
"""PEM file of the client certificate (it may hold the key too) when none is given."""
CLIENT_KEY_ENV = "WUYI_CLIENT_KEY"
"""PEM file of the client certificate's private key when none is given."""
CA_ENV = "WUYI_CA"
"""PEM bundle of the CAs whose server certificates a client trusts when none is given."""

PathLike = str | os.PathLike[str]


def _from_env(value: PathLike | None, env: str) -> tuple[Path | None, str]:
    """The path given, else the one in ``$env``; with where it came from (for messages)."""
    if value is not None and str(value) != "":
        return Path(value), ""
    raw = os.environ.get(env, "").strip()
    return (Path(raw), f" (from ${env})") if raw else (None, "")


def _readable(path: Path, what: str, origin: str) -> None:
    from wuyi.exceptions import ValidationError

    try:
        with path.open("rb") as f:
            f.read(1)
    except FileNotFoundError:
        raise ValidationError(f"{what} file {path}{origin} does not exist", field=what) from None
    except IsADirectoryError:
        raise ValidationError(f"{what} file {path}{origin} is a directory", field=what) from None
    except OSError as exc:
        raise ValidationError(
            f"{what} file {path}{origin} cannot be read: {exc.strerror or exc}", field=what
        ) from None


def client_context(
    client_cert: PathLike | None = None,
    client_key: PathLike | None = None,
    ca: PathLike | None = None,
) -> ssl.SSLContext | None:
    """The TLS context of an API client, or ``None`` when nothing is set (httpx's default:
    the system's CAs, or ``$SSL_CERT_FILE``).

    ``ca`` is a PEM bundle of the CAs that may have issued the node's API certificate (only
    those are trusted; host names are checked). ``client_cert`` (PEM, may contain its key) and
    ``client_key`` are presented to a node that asks for a client certificate. Unset values
    come from ``$WUYI_CA``, ``$WUYI_CLIENT_CERT`` and ``$WUYI_CLIENT_KEY`` (the key's variable
    only when the certificate is not given either)."""
    from wuyi.exceptions import ValidationError

    cert, cert_origin = _from_env(client_cert, CLIENT_CERT_ENV)
    key, key_origin = _from_env(client_key, CLIENT_KEY_ENV)
    if client_key is None and client_cert is not None and str(client_cert) != "":
        key, key_origin = None, ""  # a certificate given alone holds its key: not the env's
    bundle, ca_origin = _from_env(ca, CA_ENV)
    if cert is None and key is None and bundle is None:
        return None
    if key is not None and cert is None:
        raise ValidationError(
            f"client key {key}{key_origin} given without its certificate"
            f" (--client-cert / ${CLIENT_CERT_ENV})",
            field="client_cert",
        )
    if bundle is not None:
        _readable(bundle, "CA", ca_origin)
        try:
            ctx = ssl.create_default_context(cafile=str(bundle))
        except (ssl.SSLError, ValueError) as exc:
            raise ValidationError(
                f"CA file {bundle}{ca_origin} holds no PEM certificate: {exc}", field="ca"
            ) from None
    else:
        import httpx

        ctx = httpx.create_ssl_context()  # certifi, or $SSL_CERT_FILE / $SSL_CERT_DIR
    if cert is not None:
        _readable(cert, "client certificate", cert_origin)
        if key is not None:
            _readable(key, "client key", key_origin)
        try:
            ctx.load_cert_chain(str(cert), None if key is None else str(key))
        except ssl.SSLError as exc:
            files = f"{cert}{cert_origin}" + ("" if key is None else f" and {key}{key_origin}")
            reason = (
                "the key does not match the certificate"
                if "KEY_VALUES_MISMATCH" in str(exc)
                else "not a PEM certificate and its unencrypted private key"
            )
            raise ValidationError(
                f"client certificate {files}: {reason} ({exc.reason or exc})",
                field="client_cert",
            ) from None
    return ctx


_ALERTS = {
    "CERTIFICATE_REQUIRED": "",
    "UNKNOWN_CA": "not issued by a CA the node trusts for clients",
    "BAD_CERTIFICATE": "",
    "CERTIFICATE_UNKNOWN": "",
    "UNSUPPORTED_CERTIFICATE": "not a certificate for clientAuth",
    "CERTIFICATE_EXPIRED": "expired",
    "CERTIFICATE_REVOKED": "revoked",
}
_EOF_MARKERS = ("UNEXPECTED_EOF", "SERVER_DISCONNECTED_WITHOUT", "CONNECTION_RESET", "ERRNO_104")


def _chain_text(exc: BaseException) -> tuple[str, str]:
    """The messages of ``exc`` and what caused it: as written, and upper-case with ``_``."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    texts: list[str] = []
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        texts.append(str(cur))
        if isinstance(cur, ssl.SSLError) and cur.reason:
            texts.append(str(cur.reason))
        cur = cur.__cause__ or cur.__context__
    plain = " ".join(texts)
    return plain, plain.upper().replace(" ", "_")


def describe_client_certificate(path: PathLike) -> str:
    """``path (CN=…, issued by …, valid until …)``: which certificate a client presents."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError):
        return str(path)
    until = cert.not_valid_after_utc
    expired = " — EXPIRED" if until < datetime.datetime.now(datetime.UTC) else ""
    return (
        f"{path} ({cert.subject.rfc4514_string()}, issued by {cert.issuer.rfc4514_string()},"
        f" valid until {until:%Y-%m-%d}{expired})"
    )


def refusal_message(presented: str | None, reason: str = "") -> str:
    """Why a node refused the TLS connection of a client presenting ``presented`` (a
    :func:`describe_client_certificate`, or None: no certificate)."""
    advice = (
        "this node's API (client_auth = required) accepts only a valid client certificate issued"
        " by its client CA (client_ca)"
    )
    if presented is None:
        return (
            f"TLS handshake refused: the node requires a client certificate and none was"
            f" presented; {advice}: give one with its key (--client-cert/--client-key, or"
            f" ${CLIENT_CERT_ENV}/${CLIENT_KEY_ENV}; wuyi tls issue --client makes one)"
        )
    why = f" ({reason})" if reason else ""
    return (
        f"TLS handshake refused: the node refused the client certificate {presented}{why};"
        f" {advice}: ask that CA's organisation for one"
    )


def describe_tls_failure(exc: BaseException, presented: str | None = None) -> str | None:
    """What a TLS failure with a node means, in words that say what to do; ``None`` if
    ``exc`` (or what caused it) is no TLS failure that says so. ``presented`` describes the
    client certificate the client sent (None: none). A node refusing a client certificate
    with a TLS alert is recognised here; one that only closes the connection (uvicorn's) is
    recognised by :func:`is_refused_after_handshake`."""
    plain, text = _chain_text(exc)
    for marker, reason in _ALERTS.items():
        if f"ALERT_{marker}" in text:
            return refusal_message(presented, reason)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        low = plain.lower()
        if "hostname" in low or "ip address mismatch" in low:
            why = "its certificate does not name the host in the URL"
        elif "expired" in low:
            why = "its certificate has expired"
        else:
            why = "its certificate is not issued by a CA this client trusts"
        return (
            f"TLS: the node's certificate was not accepted ({why}); give the CA that issued the"
            f" node's API certificate with --ca or ${CA_ENV}"
        )
    if "WRONG_VERSION_NUMBER" in text or "RECORD_LAYER_FAILURE" in text:
        return "TLS: the node does not speak HTTPS on this port (try http://)"
    return None


def may_be_refused_after_handshake(exc: BaseException) -> bool:
    """``exc`` is what a client sees when a node closes the connection during or just after
    the TLS handshake without a word (no answer, reset, EOF)."""
    return any(m in _chain_text(exc)[1] for m in _EOF_MARKERS)


def is_refused_after_handshake(url: str, ctx: ssl.SSLContext, timeout: float) -> bool:
    """Probe ``url`` (https) once with ``ctx``: True if the node closes a fresh TLS connection
    without answering ``GET /healthz`` — what a node does to a client certificate it refuses
    (or to none when it requires one): with TLS 1.3 the handshake completes on the client's
    side before the node checks the certificate. A node that answers, or cannot be reached,
    gives False."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            return tls.recv(1) == b""
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError, BrokenPipeError):
        return True
    except (OSError, ValueError):
        return False
