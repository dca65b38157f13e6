"""Transaction handlers, one per kind. ``HANDLERS`` maps each kind to its handler."""

from __future__ import annotations

from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.ledger.handlers.chain import ChainSetParamsHandler
from wuyi.ledger.handlers.contracts import (
    ContractCallHandler,
    ContractCallProposeHandler,
    ContractCallSignHandler,
)
from wuyi.ledger.handlers.credentials import (
    ConsentGrantHandler,
    ConsentRevokeHandler,
    VcIssueHandler,
    VcSetStatusHandler,
)
from wuyi.ledger.handlers.datashare import DATA_HANDLERS
from wuyi.ledger.handlers.did import (
    DidAddKeyHandler,
    DidCreateHandler,
    DidDeactivateHandler,
    DidRemoveKeyHandler,
    DidRotateKeyHandler,
    DidSetServicesHandler,
)
from wuyi.ledger.handlers.evidence import EvidenceAnchorHandler, EvidenceRevokeHandler
from wuyi.ledger.handlers.governance import (
    GovCancelHandler,
    GovExecuteHandler,
    GovProposeHandler,
    GovVoteHandler,
)
from wuyi.ledger.handlers.identity import (
    MemberAddHandler,
    MemberSetRolesHandler,
    MemberSetStatusHandler,
    OrgCreateHandler,
)
from wuyi.ledger.handlers.misbehaviour import ConsensusEvidenceHandler
from wuyi.ledger.handlers.nodes import NODE_HANDLERS
from wuyi.ledger.handlers.validators import ValidatorUpdateHandler
from wuyi.ledger.handlers.verification import VcVerifyHandler

__all__ = ["HANDLERS", "ChainSpec", "ExecContext", "Handler"]

HANDLERS: dict[str, Handler] = {
    h.kind: h
    for h in (
        OrgCreateHandler(),
        MemberAddHandler(),
        MemberSetStatusHandler(),
        MemberSetRolesHandler(),
        EvidenceAnchorHandler(),
        EvidenceRevokeHandler(),
        ChainSetParamsHandler(),
        ValidatorUpdateHandler(),
        ConsensusEvidenceHandler(),
        GovProposeHandler(),
        GovVoteHandler(),
        GovExecuteHandler(),
        GovCancelHandler(),
        ContractCallHandler(),
        ContractCallProposeHandler(),
        ContractCallSignHandler(),
        DidCreateHandler(),
        DidAddKeyHandler(),
        DidRemoveKeyHandler(),
        DidRotateKeyHandler(),
        DidSetServicesHandler(),
        DidDeactivateHandler(),
        VcIssueHandler(),
        VcSetStatusHandler(),
        VcVerifyHandler(),
        ConsentGrantHandler(),
        ConsentRevokeHandler(),
        *DATA_HANDLERS,
        *NODE_HANDLERS,
    )
}

import wuyi.crosschain.handlers  # noqa: E402, F401  adds the xchain.* kinds (wuyi/crosschain)
