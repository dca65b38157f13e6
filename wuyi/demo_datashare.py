"""Demo data for the data-sharing channel (``make run``), through the API and the SDK:

* 人社局 (rsj) offers ``social-insurance-months`` (社保缴费月数) and ``retirement-status``;
* 住建局 (zjj) asked for the first for home-purchase eligibility checks; rsj approved, delivered
  an encrypted extract (blob on node0, hash on chain), and zjj fetched it once — the whole trail
  is in ``wuyi data audit --dataset social-insurance-months``;
* 不动产登记中心 (bdc) asked for the second; the request waits for rsj's decision.

The extract is keyed by salted person hashes, never names; and it only ever travels encrypted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from wuyi.abc import PrivateKey
from wuyi.exceptions import NotFound
from wuyi.sdk import WuyiClient

__all__ = ["load_datashare_demo"]

DATASETS = (
    (
        "social-insurance-months",
        "社保缴费月数 / social-insurance months paid",
        ["person_hash", "months_paid", "last_paid_month"],
    ),
    (
        "retirement-status",
        "退休状态 / retirement status",
        ["person_hash", "retired", "pension_type"],
    ),
)
EXTRACT = (
    b"person_hash,months_paid,last_paid_month\n"
    b"9f2c61e0a4d1,64,2026-10\n"
    b"03b7d5c28e9a,23,2026-10\n"
    b"c41e8f0b7a36,120,2026-09\n"
)
DAY_MS = 86_400_000


def load_datashare_demo(
    client: WuyiClient, admins: dict[str, PrivateKey], keys_dir: Path, passphrase: str
) -> dict[str, Any]:
    """Load the data-sharing demo (idempotent)."""
    from wuyi.sdk.data import DataShare, ensure_agreement_key

    ds = DataShare(client)
    for dataset_id, title, fields in DATASETS:
        try:
            ds.dataset(dataset_id)
        except NotFound:
            ds.offer(admins["rsj"], dataset_id, title, fields, description="人社局 / rsj")
    out: dict[str, Any] = {}
    if ds.requests(dataset="social-insurance-months", requester="zjj"):
        return out
    until = int(time.time() * 1000) + 30 * DAY_MS
    zjj_ak = ensure_agreement_key(keys_dir / "zjj-admin.key", passphrase, client.suite.name)
    rid = ds.request(
        admins["zjj"],
        "social-insurance-months",
        "购房资格审核 / home-purchase eligibility",
        ["person_hash", "months_paid"],
        until,
        zjj_ak,
    )
    ds.approve(admins["rsj"], rid, until)
    delivered = ds.deliver(admins["rsj"], rid, EXTRACT)
    ds.fetch(admins["zjj"], delivered.delivery_id, "购房资格审核 / eligibility check", zjj_ak)
    bdc_ak = ensure_agreement_key(keys_dir / "bdc-admin.key", passphrase, client.suite.name)
    pending = ds.request(
        admins["bdc"],
        "retirement-status",
        "不动产继承登记核查 / inheritance registration check",
        ["person_hash", "retired"],
        until,
        bdc_ak,
    )
    out.update(
        request=rid.hex(), delivery=delivered.delivery_id.hex(), pending_request=pending.hex()
    )
    return out
