"""Python SDK of Wuyi Chain (五邑链): everything a department's program needs.

    from wuyi.sdk import WuyiClient, load_key
    key = load_key("keys/zjj-admin.key", passphrase)
    with WuyiClient("http://127.0.0.1:8600") as c:
        doc_hash, res = c.anchor(key, b"...", meta={"title": "新会陈皮产地证明"})
        c.get_state(c.evidence_key(doc_hash))      # proof checked here against header + QC
        c.get_tx(res.tx_hash)                      # inclusion and receipt checked here

What is here (the quick-start is ``docs/sdk.md``):

* :class:`WuyiClient` — the REST client; reads of state, blocks and transactions are verified
  by the client itself against quorum certificates and Merkle proofs (``ProofInvalid`` if a
  node lies); :class:`TxBuilder` builds and signs transactions; ``submit_and_wait``.
* keys — :func:`generate_key`, :func:`load_key` / :func:`save_key` (passphrase-encrypted key
  files), :func:`import_key` (PEM, DER or raw keys made elsewhere).
* :class:`Identity` (DIDs, credentials, consent), :class:`Verifier` (check presentations),
  :class:`Wallet` (a holder's credentials), :class:`DataShare` (the data-sharing channel).
* the scenarios: ``client.scenario(name)`` (or :func:`scenario`) is a registered scenario's
  client (``wuyi/scenarios/<name>/sdk.py``), one method per step of its flows;
  :func:`check_certificate` is the public check of an e-certificate credential
  (``docs/scenarios/api.md``).
* event subscription: :mod:`wuyi.sdk.events`.

Errors are the platform's own exceptions (:mod:`wuyi.exceptions`): a node's problem document
becomes the matching class (``Replay``, ``NotFound``, ``Unauthorized``, ...) or
:class:`ApiError`.
"""

from wuyi.crypto import import_key, load_key, save_key
from wuyi.sdk.client import (
    ApiError,
    StateResult,
    TxBuilder,
    WuyiClient,
    event_attr,
    generate_key,
    make_sidecar,
    raise_problem,
    raise_receipt,
)
from wuyi.sdk.data import DataShare
from wuyi.sdk.identity import Identity, Verdict, Verifier
from wuyi.sdk.scenarios import check_certificate, scenario
from wuyi.sdk.wallet import Wallet

__all__ = [
    "ApiError",
    "DataShare",
    "Identity",
    "StateResult",
    "TxBuilder",
    "Verdict",
    "Verifier",
    "Wallet",
    "WuyiClient",
    "check_certificate",
    "event_attr",
    "generate_key",
    "import_key",
    "load_key",
    "make_sidecar",
    "raise_problem",
    "raise_receipt",
    "save_key",
    "scenario",
]
