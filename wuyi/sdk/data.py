"""The data-sharing channel from Python: offer, request, approve, deliver encrypted, fetch.

    from wuyi.sdk import WuyiClient
    from wuyi.sdk.data import DataShare, ensure_agreement_key

    ds = DataShare(WuyiClient("http://127.0.0.1:8600"))
    ds.offer(rsj_key, "social-insurance", "社保缴纳记录", ["person_hash", "months_paid"])
    ak = ensure_agreement_key("keys/zjj-clerk.key", passphrase, ds.suite_name)
    rid = ds.request(zjj_key, "social-insurance", "公积金贷款审核", ["months_paid"], until, ak)
    ds.approve(rsj_key, rid, until)
    d = ds.deliver(rsj_key, rid, b"...")                 # encrypts, uploads, data.deliver
    got = ds.fetch(zjj_key, d.delivery_id, "贷款审核", ak)  # data.access, download, check, open

Records that decide anything (the request's ``enc_key``, the delivery's hash, ephemeral key and
commitment) are read with :meth:`WuyiClient.get_state` and ``verify=True``: checked against a
block header and its quorum certificate, so a node cannot swap them.

**The key-agreement key** (X25519 on ``intl`` chains, SM2 on ``sm`` chains) receives the
payloads. It is kept next to the member's keystore file, in ``<keystore>.datakey`` (e.g.
``keys/zjj-admin.key.datakey``), mode 0600, encrypted with the keystore's passphrase exactly
as a key file is (scrypt + AES-256-GCM, :func:`wuyi.crypto.keystore.seal_document`)::

    {"format": "wuyi-data-key/1", "suite": "sm", "public_key": "04…", "owner": "wy…",
     "kdf": {…}, "cipher": {…}}

Losing it makes deliveries already made to its public key unreadable; the owner then asks
again with a new key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.api import models as m
from wuyi.crypto import address_of, format_address, get_suite
from wuyi.crypto.keystore import open_document, seal_document, write_private_file
from wuyi.encoding import decode
from wuyi.exceptions import KeyFileError, NotFound, ProofInvalid, ValidationError
from wuyi.ledger import keys
from wuyi.sdk.client import WuyiClient, succeeded
from wuyi.vc import envelope

__all__ = [
    "DATA_KEY_FORMAT",
    "AgreementKey",
    "DataShare",
    "Delivered",
    "Fetched",
    "agreement_key_path",
    "create_agreement_key",
    "ensure_agreement_key",
    "load_agreement_key",
]

DATA_KEY_FORMAT = "wuyi-data-key/1"
DATA_KEY_SUFFIX = ".datakey"


# -- the key-agreement key -----------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementKey:
    """A key-agreement key pair of one suite (``private`` never leaves the member's disk)."""

    suite: str
    private: bytes
    public: bytes

    def __repr__(self) -> str:
        return f"AgreementKey(suite={self.suite!r}, public={self.public.hex()})"


def agreement_key_path(keystore: str | os.PathLike[str]) -> Path:
    """``<keystore>.datakey``: where the key-agreement key of that keystore's member lives."""
    p = Path(keystore)
    return p.with_name(p.name + DATA_KEY_SUFFIX)


def create_agreement_key(
    keystore: str | os.PathLike[str],
    passphrase: str | bytes,
    suite_name: str,
    *,
    owner: PrivateKey | None = None,
    overwrite: bool = False,
) -> AgreementKey:
    """Generate a key-agreement key for ``suite_name`` and save it next to ``keystore``
    (encrypted with ``passphrase``). ``owner`` (the member's signing key) is noted in clear
    as its address, so a file can be matched to its member without the passphrase."""
    private, public = envelope.generate_recipient_key(suite_name)
    header: dict[str, Any] = {
        "format": DATA_KEY_FORMAT,
        "suite": suite_name,
        "public_key": public.hex(),
        "owner": (
            format_address(address_of(get_suite(owner.suite_name), owner.public_key))
            if owner is not None
            else ""
        ),
    }
    doc = seal_document(header, private, passphrase)
    path = agreement_key_path(keystore)
    write_private_file(
        path, json.dumps(doc, indent=2) + "\n", overwrite=overwrite, what="data key file"
    )
    return AgreementKey(suite_name, private, public)


def load_agreement_key(keystore: str | os.PathLike[str], passphrase: str | bytes) -> AgreementKey:
    """The key-agreement key saved next to ``keystore``; :class:`KeyFileError` naming the file
    and the problem (missing, wrong passphrase, edited)."""
    path = agreement_key_path(keystore)
    source = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyFileError(
            f"no data key {source}: request data first (it is created then)", path=source
        ) from None
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot read data key {source}: {exc}", path=source) from None
    if not isinstance(doc, dict) or doc.get("format") != DATA_KEY_FORMAT:
        raise KeyFileError(f"{source} is not a {DATA_KEY_FORMAT} file", path=source)
    private = open_document(doc, passphrase, source=source)
    suite_name = str(doc.get("suite"))
    public = envelope.public_key_of(suite_name, private)
    if public.hex() != doc.get("public_key"):
        raise KeyFileError(f"data key {source} does not match its public key", path=source)
    return AgreementKey(suite_name, private, public)


def ensure_agreement_key(
    keystore: str | os.PathLike[str],
    passphrase: str | bytes,
    suite_name: str,
    *,
    owner: PrivateKey | None = None,
) -> AgreementKey:
    """Load the key-agreement key next to ``keystore``, creating it on first use."""
    if agreement_key_path(keystore).exists():
        key = load_agreement_key(keystore, passphrase)
        if key.suite != suite_name:
            raise KeyFileError(
                f"data key {agreement_key_path(keystore)} is for suite '{key.suite}', the chain"
                f" uses '{suite_name}'"
            )
        return key
    return create_agreement_key(keystore, passphrase, suite_name, owner=owner)


# -- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    delivery_id: bytes
    tx_hash: str
    height: int
    ciphertext_hash: bytes
    commitment: bytes
    location: str
    size: int


@dataclass(frozen=True)
class Fetched:
    data: bytes
    delivery_id: bytes
    access_tx: str
    access_n: int
    commitment: bytes


# -- the channel ---------------------------------------------------------------------------------


class DataShare:
    """The data-sharing channel over one :class:`WuyiClient`. Write methods take the member's
    signing key, wait for the commit and raise the receipt's error if the chain refused."""

    def __init__(self, client: WuyiClient) -> None:
        self.client = client

    @property
    def suite_name(self) -> str:
        return self.client.suite.name

    # -- plumbing ------------------------------------------------------------------------------

    def _commit(self, key: PrivateKey, kind: str, payload: dict[str, Any]) -> m.TxCommitted:
        tx = self.client.builder(key).build(kind, payload)
        return succeeded(self.client.submit_and_wait(tx))

    def _verified(self, key: bytes, what: str) -> dict[str, Any]:
        res = self.client.get_state(key, verify=True)
        if res.value is None:
            raise NotFound(f"no {what} on chain")
        rec: dict[str, Any] = decode(res.value)
        return rec

    def verified_request(self, request_id: bytes) -> dict[str, Any]:
        """The request record, proven against a certified block header."""
        return self._verified(keys.data_request_key(request_id), f"data request {request_id.hex()}")

    def verified_delivery(self, delivery_id: bytes) -> dict[str, Any]:
        """The delivery record, proven against a certified block header."""
        return self._verified(keys.data_delivery_key(delivery_id), f"delivery {delivery_id.hex()}")

    # -- writes --------------------------------------------------------------------------------

    def offer(
        self,
        key: PrivateKey,
        dataset_id: str,
        title: str,
        fields: list[str],
        *,
        description: str = "",
        kind: str = "dataset",
        endpoint: str | None = None,
        gate: str | None = None,
    ) -> m.TxCommitted:
        """Offer a catalogue entry; ``gate`` names a contract whose view ``data_consent`` must
        accept each request, approval, delivery and access (the data subject's consent,
        ``docs/data-sharing.md``)."""
        payload: dict[str, Any] = {
            "id": dataset_id,
            "title": title,
            "description": description,
            "kind": kind,
            "fields": list(fields),
        }
        if endpoint:
            payload["endpoint"] = endpoint
        if gate:
            payload["gate"] = gate
        return self._commit(key, "data.offer", payload)

    def withdraw(self, key: PrivateKey, dataset_id: str) -> m.TxCommitted:
        return self._commit(key, "data.withdraw", {"id": dataset_id})

    def request(
        self,
        key: PrivateKey,
        dataset: str,
        purpose: str,
        fields: list[str],
        until: int,
        enc_key: AgreementKey | bytes,
    ) -> bytes:
        """Ask for ``fields`` of ``dataset`` until ``until`` (ms); returns the request id."""
        public = enc_key.public if isinstance(enc_key, AgreementKey) else enc_key
        res = self._commit(
            key,
            "data.request",
            {
                "dataset": dataset,
                "purpose": purpose,
                "fields": list(fields),
                "until": until,
                "enc_key": public,
            },
        )
        return bytes.fromhex(res.tx_hash)[:16]

    def approve(self, key: PrivateKey, request_id: bytes, until: int) -> m.TxCommitted:
        return self._commit(key, "data.approve", {"request": request_id, "until": until})

    def reject(self, key: PrivateKey, request_id: bytes, reason: str) -> m.TxCommitted:
        return self._commit(key, "data.reject", {"request": request_id, "reason": reason})

    def revoke(self, key: PrivateKey, request_id: bytes) -> m.TxCommitted:
        return self._commit(key, "data.revoke", {"request": request_id})

    def deliver(self, key: PrivateKey, request_id: bytes, payload: bytes) -> Delivered:
        """Encrypt ``payload`` to the requester's ``enc_key`` (read with a proof), store the
        ciphertext in the node's blob service and record ``data.deliver``."""
        req = self.verified_request(request_id)
        if req["status"] != "approved":
            raise ValidationError(f"request is {req['status']}, not approved")
        suite = self.client.suite
        blob, eph, salt = envelope.seal_to(suite.name, req["enc_key"], payload, info=request_id)
        ciphertext_hash = suite.hash(blob)
        stored = self.put_blob(key, request_id, blob)
        if stored["hash"] != ciphertext_hash.hex():
            raise ProofInvalid("the node stored the blob under a different hash")
        commit = envelope.commitment(suite, salt, payload)
        location = f"blob:{ciphertext_hash.hex()}"
        res = self._commit(
            key,
            "data.deliver",
            {
                "request": request_id,
                "ciphertext_hash": ciphertext_hash,
                "size": len(blob),
                "location": location,
                "sender_key": eph,
                "commitment": commit,
            },
        )
        return Delivered(
            bytes.fromhex(res.tx_hash)[:16],
            res.tx_hash,
            res.height,
            ciphertext_hash,
            commit,
            location,
            len(blob),
        )

    def fetch(
        self, key: PrivateKey, delivery_id: bytes, purpose: str, agreement: AgreementKey
    ) -> Fetched:
        """Record ``data.access`` for ``purpose``, download the blob with it, and check and
        open it (see :meth:`open_delivery`)."""
        dlv = self.verified_delivery(delivery_id)
        location = dlv["location"]
        if not location.startswith("blob:"):
            raise ValidationError(
                f"delivery {delivery_id.hex()} is at {location}, not in a node's blob service:"
                " record the access, fetch it there and call open_delivery()"
            )
        res = self._commit(key, "data.access", {"delivery": delivery_id, "purpose": purpose})
        n: int = next((e.attrs["n"] for e in res.receipt.events if e.type == "data.accessed"), -1)
        blob = self.get_blob(dlv["ciphertext_hash"], res.tx_hash)
        data = self.open_delivery(dlv, blob, agreement)
        return Fetched(data, delivery_id, res.tx_hash, n, dlv["commitment"])

    def open_delivery(
        self, delivery: dict[str, Any], blob: bytes, agreement: AgreementKey
    ) -> bytes:
        """Check ``blob`` against the delivery record (its hash), decrypt it with the
        key-agreement key, and check the commitment. :class:`ProofInvalid` if the blob or the
        plaintext is not what was recorded; :class:`DecryptionError` if it is not for this key."""
        suite = self.client.suite
        got = suite.hash(blob)
        if got != delivery["ciphertext_hash"]:
            raise ProofInvalid(
                f"the blob's {suite.hash_name} hash {got.hex()} differs from the ciphertext_hash"
                f" {delivery['ciphertext_hash'].hex()} recorded on chain: it was altered or"
                " replaced; refusing it"
            )
        if agreement.suite != suite.name:
            raise KeyFileError(f"the data key is for suite '{agreement.suite}', not '{suite.name}'")
        salt, data = envelope.open_framed(
            suite.name, agreement.private, blob, delivery["sender_key"], info=delivery["request"]
        )
        if envelope.commitment(suite, salt, data) != delivery["commitment"]:
            raise ProofInvalid("the decrypted payload does not match the commitment on chain")
        return data

    # -- blobs ---------------------------------------------------------------------------------

    def put_blob(self, key: PrivateKey, request_id: bytes, blob: bytes) -> dict[str, Any]:
        """Store ``blob`` in the node's blob service for data request ``request_id``; the
        upload is signed by ``key``, a member of the organisation that owns the request
        (``PUT /v1/blobs``, :mod:`wuyi.api.auth`). ``{hash, size, location}``."""
        resp = self.client.signed_request(
            key,
            "PUT",
            "/v1/blobs",
            params={"request": request_id.hex()},
            content=blob,
            headers={"content-type": "application/octet-stream"},
        )
        out: dict[str, Any] = resp.json()
        return out

    def get_blob(self, blob_hash: bytes, access_tx: str) -> bytes:
        resp = self.client._request(
            "GET", f"/v1/blobs/{blob_hash.hex()}", params={"access": access_tx}
        )
        return bytes(resp.content)

    # -- reads ---------------------------------------------------------------------------------

    def datasets(self, owner: str | None = None, status: str | None = None) -> list[Any]:
        out: list[Any] = self.client._get("/v1/data/datasets", owner=owner, status=status)[
            "datasets"
        ]
        return out

    def dataset(self, dataset_id: str) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/data/datasets/{dataset_id}")
        return out

    def requests(self, dataset: str | None = None, requester: str | None = None) -> list[Any]:
        out: list[Any] = self.client._get(
            "/v1/data/requests", dataset=dataset, requester=requester
        )["requests"]
        return out

    def get_request(self, request_id: bytes) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/data/requests/{request_id.hex()}")
        return out

    def delivery(self, delivery_id: bytes) -> dict[str, Any]:
        out: dict[str, Any] = self.client._get(f"/v1/data/deliveries/{delivery_id.hex()}")
        return out

    def audit(self, *, dataset: str | None = None, org: str | None = None) -> dict[str, Any]:
        """The audit of one dataset or of one requesting organisation (give exactly one)."""
        if (dataset is None) == (org is None):
            raise ValidationError("audit: give exactly one of dataset or org")
        path = f"/v1/data/datasets/{dataset}/audit" if dataset else f"/v1/data/audit/{org}"
        out: dict[str, Any] = self.client._get(path)
        return out
