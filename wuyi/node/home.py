"""A node's home directory: what ``wuyi init`` writes and ``wuyi node start`` reads.

::

    <home>/genesis.json          the chain's genesis document (wuyi.ledger.genesis)
    <home>/node.toml             node settings (ports, batching) — :class:`NodeSettings`
    <home>/keys/validator.key    the validator's keystore file (passphrase protected)
    <home>/keys/<org>-admin.key  one admin key per founding organisation (``wuyi init`` only)
    <home>/data/                 the store (wuyi.node.store)

Passphrases come from the environment variable ``WUYI_PASSPHRASE`` or from a file named with
``--passphrase-file``; production code paths never fall back to a default.
"""

from __future__ import annotations

import fcntl
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Any

from wuyi.abc import PrivateKey
from wuyi.consensus.certificate import Validator, ValidatorSet
from wuyi.crypto import address_of, format_address, get_suite, load_key, save_key
from wuyi.exceptions import HsmError, KeyFileError, StoreError, ValidationError
from wuyi.ledger.genesis import GenesisDoc, GenesisOrg
from wuyi.params import ChainParams

__all__ = [
    "PASSPHRASE_ENV",
    "FoundingOrgs",
    "InitResult",
    "NodeHome",
    "NodeSettings",
    "OrgSpec",
    "compute_genesis_hash",
    "init_home",
    "make_founding_orgs",
    "parse_org_spec",
    "read_passphrase",
]

PASSPHRASE_ENV = "WUYI_PASSPHRASE"


@dataclass(frozen=True, slots=True)
class NodeSettings:
    """Settings of one node process (``node.toml``). Not part of the protocol: each node
    chooses its own."""

    api_host: str = "127.0.0.1"
    """Address the REST API listens on (loopback by default; put a proxy in front)."""
    api_port: int = 8600
    """TCP port of the REST API."""
    block_interval_ms: int = 30
    """How long the producer waits after the first waiting transaction before it builds a
    block, so that transactions arriving together share a block."""
    max_block_txs: int = 2000
    """Most transactions this node puts in one block (the chain's own limit still applies)."""
    blob_quota_bytes: int = 1024 * 1024 * 1024
    """``[blobs] quota_bytes``: bytes of data-sharing blobs one organisation may keep on this
    node (``wuyi.node.blobs``)."""
    blob_grace_s: int = 24 * 60 * 60
    """``[blobs] grace_s``: how long a blob no delivery on chain points at is kept."""
    blob_gc_interval_s: int = 10 * 60
    """``[blobs] gc_interval_s``: how often unreferenced blobs are collected."""
    public_explorer: bool = True
    """``[api] public_explorer``: serve the explorer's raw reads (blocks with their
    transactions, transactions, proofs, receipts, state, contract state and queries, events)
    to anyone. ``false``: only to a signed request of an active member (and logged), for a
    chain whose transactions or state carry personal records (``docs/operations.md``)."""
    sidecar_retention_days: int = 30
    """``[privacy] sidecar_retention_days``: how long (by block time) this node keeps the
    private side-cars (presentations) of committed blocks; 0 keeps them for ever. Peers that
    replay blocks older than every node's retention cannot get them (``docs/security.md``)."""

    api_tls_cert: str = ""
    """``[api] tls_cert``: serve the API over HTTPS with this certificate (PEM; relative to the
    node home), e.g. one the organisation's CA issued; reloaded without a restart."""
    api_tls_key: str = ""
    """``[api] tls_key``: its private key."""
    api_client_ca: str = ""
    """``[api] client_ca``: CA certificates whose client certificates the API accepts (a PEM
    file), or ``"chain"``: every CA the member organisations registered on chain
    (``tls/ca/<org>/…``), followed as it changes (``NodeService.reload_client_cas``)."""
    api_client_auth: str = "none"
    """``[api] client_auth``: ``none``, ``optional`` or ``required`` (with ``client_ca``)."""
    max_commit_waiters: int = 512
    """Most ``POST /v1/txs?wait=true`` requests waiting for their commit at once; past it the
    node answers 503 ``too_many_waiters`` with ``Retry-After`` (``wuyi.api.waiters``)."""

    def blobs(self) -> Any:
        """The ``[blobs]`` settings as :class:`wuyi.node.blobs.BlobSettings`."""
        from wuyi.node.blobs import BlobSettings

        return BlobSettings(self.blob_quota_bytes, self.blob_grace_s, self.blob_gc_interval_s)

    def __post_init__(self) -> None:
        if not 0 < self.api_port < 65536:
            raise ValidationError(
                f"node.toml: api_port {self.api_port} is not a TCP port", field="api_port"
            )
        if not 0 <= self.block_interval_ms <= 60_000:
            raise ValidationError(
                "node.toml: block_interval_ms must be 0-60000", field="block_interval_ms"
            )
        if self.max_block_txs <= 0:
            raise ValidationError(
                "node.toml: max_block_txs must be positive", field="max_block_txs"
            )
        if not 0 <= self.sidecar_retention_days <= 36_500:
            raise ValidationError(
                "node.toml: [privacy] sidecar_retention_days must be 0 (keep) to 36500",
                field="sidecar_retention_days",
            )
        self.blobs()  # checks [blobs]
        if bool(self.api_tls_cert) != bool(self.api_tls_key):
            raise ValidationError("node.toml: [api] tls_cert and tls_key go together", field="api")
        if self.api_client_auth not in ("none", "optional", "required"):
            raise ValidationError(
                "node.toml: [api] client_auth must be none, optional or required", field="api"
            )
        if self.api_client_auth != "none" and not (self.api_client_ca and self.api_tls_cert):
            raise ValidationError(
                "node.toml: [api] client_auth needs client_ca and tls_cert", field="api"
            )
        if not 1 <= self.max_commit_waiters <= 100_000:
            raise ValidationError(
                "node.toml: max_commit_waiters must be 1-100000", field="max_commit_waiters"
            )

    @property
    def sidecar_retention_ms(self) -> int | None:
        """The retention period in milliseconds, None to keep side-cars for ever."""
        days = self.sidecar_retention_days
        return days * 24 * 60 * 60 * 1000 if days else None

    def to_toml(self) -> str:
        lines = [
            "# Wuyi Chain node settings (五邑链节点配置)",
            "",
            "[api]",
            f'host = "{self.api_host}"',
            f"port = {self.api_port}",
            f"public_explorer = {'true' if self.public_explorer else 'false'}",
            *(
                [
                    f'tls_cert = "{self.api_tls_cert}"',
                    f'tls_key = "{self.api_tls_key}"',
                ]
                if self.api_tls_cert
                else []
            ),
            *([f'client_ca = "{self.api_client_ca}"'] if self.api_client_ca else []),
            *([f'client_auth = "{self.api_client_auth}"'] * (self.api_client_auth != "none")),
            f"max_commit_waiters = {self.max_commit_waiters}",
            "",
            "[producer]",
            f"block_interval_ms = {self.block_interval_ms}",
            f"max_block_txs = {self.max_block_txs}",
            "",
            "[blobs]",
            f"quota_bytes = {self.blob_quota_bytes}",
            f"grace_s = {self.blob_grace_s}",
            f"gc_interval_s = {self.blob_gc_interval_s}",
            "",
            "[privacy]",
            f"sidecar_retention_days = {self.sidecar_retention_days}",
            "",
        ]
        return "\n".join(lines)

    @classmethod
    def from_toml(cls, text: str, where: str = "node.toml") -> NodeSettings:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{where} is not valid TOML: {exc}") from None
        flat: dict[str, Any] = {}
        names = {
            ("api", "host"): "api_host",
            ("api", "port"): "api_port",
            ("api", "tls_cert"): "api_tls_cert",
            ("api", "tls_key"): "api_tls_key",
            ("api", "client_ca"): "api_client_ca",
            ("api", "client_auth"): "api_client_auth",
            ("api", "max_commit_waiters"): "max_commit_waiters",
            ("producer", "block_interval_ms"): "block_interval_ms",
            ("producer", "max_block_txs"): "max_block_txs",
            ("blobs", "quota_bytes"): "blob_quota_bytes",
            ("blobs", "grace_s"): "blob_grace_s",
            ("blobs", "gc_interval_s"): "blob_gc_interval_s",
            ("api", "public_explorer"): "public_explorer",
            ("privacy", "sidecar_retention_days"): "sidecar_retention_days",
        }
        for section, table in doc.items():
            if section in ("p2p", "consensus", "hsm", "sync", "oid4vci", "idp"):
                continue  # wuyi.node.p2p_config; [hsm]: below; [sync]: wuyi.node.snapshots;
                # [oid4vci], [idp]: wuyi.oid4vci.api, wuyi.idp.api (issue #19)
            if not isinstance(table, dict):
                raise ValidationError(f"{where}: '{section}' must be a table", field=section)
            for k, v in table.items():
                name = names.get((section, k))
                if name is None:
                    raise ValidationError(
                        f"{where}: unknown setting [{section}] {k}", field=f"{section}.{k}"
                    )
                flat[name] = v
        types = {f.name: f.type for f in fields(cls)}
        for name, v in flat.items():
            t = types[name]
            want = int if t in (int, "int") else bool if t in (bool, "bool") else str
            if type(v) is not want:
                raise ValidationError(f"{where}: {name} must be {want.__name__}", field=name)
        return cls(**flat)


@dataclass(frozen=True, slots=True)
class NodeHome:
    root: Path

    @property
    def genesis_path(self) -> Path:
        return self.root / "genesis.json"

    @property
    def settings_path(self) -> Path:
        return self.root / "node.toml"

    @property
    def keys_dir(self) -> Path:
        return self.root / "keys"

    @property
    def validator_key_path(self) -> Path:
        return self.keys_dir / "validator.key"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def exists(self) -> bool:
        return self.genesis_path.exists()

    def load_genesis(self) -> GenesisDoc:
        if not self.genesis_path.exists():
            raise ValidationError(
                f"{self.root} has no genesis.json; run 'wuyi init --home {self.root}' first"
            )
        return GenesisDoc.load(self.genesis_path)

    def load_settings(self) -> NodeSettings:
        if not self.settings_path.exists():
            return NodeSettings()
        return NodeSettings.from_toml(self.settings_path.read_text(), str(self.settings_path))

    def load_validator_key(self, passphrase: str) -> PrivateKey:
        """The validator key: from the PKCS#11 token ``[hsm]`` of ``node.toml`` names (its PIN
        in the environment variable ``pin_env``), else the keystore ``keys/validator.key``."""
        hsm = self.hsm_config()
        if hsm is None:
            return load_key(self.validator_key_path, passphrase)
        from wuyi.crypto.pkcs11 import open_pkcs11_key

        pin = os.environ.get(hsm.pin_env, "")
        if not pin:
            raise HsmError(f"node.toml [hsm]: set the token's PIN in ${hsm.pin_env}")
        return open_pkcs11_key(hsm, self.load_genesis().suite, pin)

    @property
    def next_key_path(self) -> Path:
        """Where ``wuyi node new-key`` puts the validator's next consensus key."""
        return self.keys_dir / "validator.next.key"

    def take_next_validator_key(self, passphrase: str, public_key: bytes) -> PrivateKey | None:
        """The next consensus key if it exists and is ``public_key`` (the key the chain moved
        this validator to); it then becomes ``keys/validator.key`` and the old one is kept as
        ``keys/validator.<first 8 hex digits>.old.key``. None otherwise."""
        if not self.next_key_path.exists():
            return None
        key = load_key(self.next_key_path, passphrase)
        if key.public_key != public_key:
            return None
        if self.validator_key_path.exists():
            old = load_key(self.validator_key_path, passphrase)
            self.validator_key_path.rename(
                self.keys_dir / f"validator.{old.public_key[:4].hex()}.old.key"
            )
        self.next_key_path.rename(self.validator_key_path)
        return key

    def hsm_config(self) -> Any:
        """The ``[hsm]`` section of ``node.toml`` (:class:`wuyi.crypto.pkcs11.HsmConfig`), or
        None when the validator key is in the keystore."""
        if not self.settings_path.exists():
            return None
        try:
            doc = tomllib.loads(self.settings_path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{self.settings_path} is not valid TOML: {exc}") from None
        sec = doc.get("hsm")
        if sec is None:
            return None
        from wuyi.crypto.pkcs11 import HsmConfig

        try:
            return HsmConfig(
                module=str(sec["module"]),
                token=str(sec["token"]),
                key=str(sec.get("key", "validator")),
                pin_env=str(sec.get("pin_env", "WUYI_HSM_PIN")),
            )
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"{self.settings_path}: bad [hsm] section: {exc!r}") from None

    def acquire_lock(self) -> IO[str]:
        """Hold ``<home>/node.lock`` so that two node processes never write one store; the
        lock lasts until the returned file is closed (or the process ends)."""
        f = (self.root / "node.lock").open("a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "?"
            f.close()
            raise StoreError(
                f"node home {self.root} is in use by another process (pid {holder})"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        return f


def read_passphrase(passphrase_file: Path | None = None) -> str:
    """The keystore passphrase from ``passphrase_file`` or ``$WUYI_PASSPHRASE``; no default."""
    if passphrase_file is not None:
        try:
            text = passphrase_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyFileError(f"cannot read passphrase file {passphrase_file}: {exc}") from None
        pw = text.rstrip("\r\n")
    else:
        pw = os.environ.get(PASSPHRASE_ENV, "")
    if not pw:
        raise KeyFileError(
            f"no keystore passphrase: set {PASSPHRASE_ENV} or pass --passphrase-file"
        )
    return pw


@dataclass(frozen=True, slots=True)
class OrgSpec:
    id: str
    name: str
    operator: bool = False


def parse_org_spec(text: str) -> OrgSpec:
    """``id:name[:operator]`` as given to ``wuyi init --org``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise ValidationError(f"--org '{text}' must be id:name or id:name:operator", field="org")
    if len(parts) == 3 and parts[2] != "operator":
        raise ValidationError(f"--org '{text}': the third part can only be 'operator'", field="org")
    return OrgSpec(parts[0], parts[1], len(parts) == 3)


@dataclass(frozen=True)
class InitResult:
    home: NodeHome
    genesis: GenesisDoc
    genesis_hash: bytes
    validator_address: str
    admin_keys: dict[str, tuple[Path, str]]
    """org id -> (key file, address)."""


@dataclass(frozen=True)
class FoundingOrgs:
    """New admin keys for the founding organisations (not yet written) and their genesis
    entries; see :func:`make_founding_orgs`."""

    genesis_orgs: tuple[GenesisOrg, ...]
    keys: tuple[tuple[Path, PrivateKey], ...]
    """(key file to write, key) per organisation."""
    admin_keys: dict[str, tuple[Path, str]]
    """org id -> (key file, address)."""


def make_founding_orgs(
    suite: str,
    orgs: list[OrgSpec],
    keys_dir: Path,
    keys: Mapping[str, PrivateKey] | None = None,
) -> FoundingOrgs:
    """One new admin key per organisation (``keys_dir/<org>-admin.key``, not written yet) and
    the genesis entries; the first organisation is made the operator if none is marked.
    ``keys`` gives an organisation's admin key instead of a new one (a chain template's)."""
    if orgs and not any(o.operator for o in orgs):
        orgs = [replace(orgs[0], operator=True), *orgs[1:]]
    s = get_suite(suite)
    admin_keys: dict[str, tuple[Path, str]] = {}
    genesis_orgs: list[GenesisOrg] = []
    new_keys: list[tuple[Path, PrivateKey]] = []
    for o in orgs:
        k = (keys or {}).get(o.id) or s.generate_private_key()
        path = keys_dir / f"{o.id}-admin.key"
        new_keys.append((path, k))
        admin_keys[o.id] = (path, format_address(address_of(s, k.public_key)))
        genesis_orgs.append(
            GenesisOrg(o.id, o.name, o.operator, ((f"{o.id}-admin", k.public_key),))
        )
    return FoundingOrgs(tuple(genesis_orgs), tuple(new_keys), admin_keys)


def compute_genesis_hash(doc: GenesisDoc) -> bytes:
    """The hash of block 0 built from ``doc``: the chain's identity."""
    from wuyi.ledger.genesis import build_genesis
    from wuyi.state import MemoryNodeStore, StateTree

    s = get_suite(doc.suite)
    block = build_genesis(doc, StateTree(s.hash, MemoryNodeStore()))[0]
    return block.compute_hash(s)


def init_home(
    root: Path,
    *,
    chain_id: str,
    suite: str,
    orgs: list[OrgSpec],
    passphrase: str,
    time_ms: int,
    name: str = "",
    settings: NodeSettings | None = None,
    params: ChainParams | None = None,
) -> InitResult:
    """Create a new chain in ``root``: a validator key, one admin key per organisation,
    ``genesis.json`` and ``node.toml``. Refuses a directory that already holds a chain."""
    home = NodeHome(root)
    if home.exists() or home.data_dir.exists():
        raise ValidationError(f"{root} already holds a chain (genesis.json or data/ exists)")
    s = get_suite(suite)
    vkey = s.generate_private_key()
    founding = make_founding_orgs(suite, orgs, home.keys_dir)
    admin_keys = founding.admin_keys
    genesis_orgs = founding.genesis_orgs
    new_keys: list[tuple[Path, PrivateKey]] = [(home.validator_key_path, vkey), *founding.keys]
    doc = GenesisDoc(
        chain_id=chain_id,
        suite=suite,
        time=time_ms,
        orgs=tuple(genesis_orgs),
        validators=ValidatorSet((Validator(vkey.public_key, 1, "node0"),)),
        params=params or ChainParams(),
        name=name,
    )  # validates everything before anything is written
    home.keys_dir.mkdir(parents=True, exist_ok=True)
    for path, k in new_keys:
        save_key(path, k, passphrase)
    doc.save(home.genesis_path)
    home.settings_path.write_text((settings or NodeSettings()).to_toml())
    return InitResult(
        home=home,
        genesis=doc,
        genesis_hash=compute_genesis_hash(doc),
        validator_address=format_address(address_of(s, vkey.public_key)),
        admin_keys=admin_keys,
    )
