"""Multi-chain BaaS tooling (I/O): make a chain template with its keys, have the consortium's
governance approve it on the base chain (``chains.create``), start the approved chain as a
local network, and record it as active with its genesis hash and endpoints
(``chains.activate``). The registry itself is on chain (:mod:`wuyi.crosschain.registry`).

::

    tpl = make_template("jmfin", "江门金融链", "intl", [OrgSpec("jrj", "金融局", True), ...],
                        validators=1, keys_dir=Path("keys/jmfin"), passphrase=pw)
    base.govern(admin, voters, "chains.create", {"template": tpl}, title="新建金融链")
    spec = start_from_registry(base, "jmfin", root=Path(".wuyi-demo/jmfin"), ...)
    base.govern(admin, voters, "chains.activate", activation_args(spec, tpl), title="启用")

The keys an approved template names are the ones the network runs with: validator keys in
``keys_dir/validators/node<i>.key`` and one admin key per organisation
(``keys_dir/<org>-admin.key``), all under the passphrase.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wuyi.crypto import get_suite, load_key, save_key
from wuyi.exceptions import NotFound, ValidationError
from wuyi.ledger.genesis import GenesisDoc
from wuyi.node.cluster import ClusterSpec, create_network
from wuyi.node.home import NodeSettings, OrgSpec
from wuyi.params import ChainParams
from wuyi.sdk.client import WuyiClient

__all__ = ["activation_args", "make_template", "start_from_registry", "template_orgs"]


def make_template(
    chain_id: str,
    name: str,
    suite: str,
    orgs: list[OrgSpec],
    *,
    validators: int,
    keys_dir: Path,
    passphrase: str,
    params: ChainParams | None = None,
    consensus: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A ``chains.create`` template, with new keys written to ``keys_dir`` (refuses to
    overwrite a key)."""
    if validators < 1:
        raise ValidationError("a chain needs at least one validator", field="validators")
    s = get_suite(suite)
    if not any(o.operator for o in orgs):
        raise ValidationError("one organisation must be the operator", field="orgs")
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / "validators").mkdir(exist_ok=True)
    t_orgs = []
    for o in orgs:
        path = keys_dir / f"{o.id}-admin.key"
        if path.exists():
            raise ValidationError(f"{path} exists; refusing to overwrite a key")
        k = s.generate_private_key()
        save_key(path, k, passphrase)
        t_orgs.append(
            {
                "id": o.id,
                "name": o.name,
                "operator": o.operator,
                "admins": [{"name": f"{o.id}-admin", "public_key": k.public_key}],
            }
        )
    t_vals = []
    for i in range(validators):
        path = keys_dir / "validators" / f"node{i}.key"
        if path.exists():
            raise ValidationError(f"{path} exists; refusing to overwrite a key")
        k = s.generate_private_key()
        save_key(path, k, passphrase)
        t_vals.append({"name": f"node{i}", "public_key": k.public_key, "power": 1})
    return {
        "chain_id": chain_id,
        "name": name,
        "suite": suite,
        "orgs": t_orgs,
        "validators": t_vals,
        "params": (params or ChainParams()).to_obj(),
        "consensus": dict(consensus or {}),
    }


def template_orgs(template: dict[str, Any]) -> list[OrgSpec]:
    return [OrgSpec(o["id"], o["name"], o["operator"]) for o in template["orgs"]]


def start_from_registry(
    base: WuyiClient,
    chain_id: str,
    *,
    root: Path,
    keys_dir: Path,
    passphrase: str,
    base_api_port: int,
    base_p2p_port: int,
    host: str = "127.0.0.1",
    settings: NodeSettings | None = None,
) -> tuple[ClusterSpec, dict[str, Any]]:
    """Create (not start) the network of the template approved as ``chain_id`` on the base
    chain, with the template's keys; returns it and the template."""
    from wuyi.ledger.jsonform import from_json

    entry = from_json(base._get(f"/v1/xchain/chains/{chain_id}", form="file"))
    if entry.get("status") != "approved" or not entry.get("template"):
        raise NotFound(f"chain '{chain_id}' is not an approved template in the registry")
    template: dict[str, Any] = entry["template"]
    vkeys = [
        load_key(keys_dir / "validators" / f"{v['name']}.key", passphrase)
        for v in template["validators"]
    ]
    akeys = {
        o["id"]: load_key(keys_dir / f"{o['id']}-admin.key", passphrase) for o in template["orgs"]
    }
    for v, k in zip(template["validators"], vkeys, strict=True):
        if k.public_key != v["public_key"]:
            raise ValidationError(f"the key of {v['name']} is not the template's")
    spec = create_network(
        root,
        len(vkeys),
        chain_id=template["chain_id"],
        suite=template["suite"],
        orgs=template_orgs(template),
        passphrase=passphrase,
        name=template["name"],
        host=host,
        base_api_port=base_api_port,
        base_p2p_port=base_p2p_port,
        consensus=template["consensus"] or None,
        settings=settings,
        params=ChainParams.from_obj(template["params"]),
        validator_keys=vkeys,
        admin_keys=akeys,
    )
    return spec, template


def activation_args(spec: ClusterSpec, endpoints: list[str] | None = None) -> dict[str, Any]:
    """``chains.activate`` arguments for the network ``spec`` (its genesis document)."""
    doc = GenesisDoc.load(spec.root / "genesis.json")
    return {
        "chain_id": spec.chain_id,
        "genesis": doc.to_json(),
        "endpoints": endpoints or [f"http://{n.api_host}:{n.api_port}" for n in spec.nodes],
    }
