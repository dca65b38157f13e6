"""OpenID4VCI 1.0 issuance by QR code (pre-authorized code): the protocol (``service``), its
routes (``api``), the wallet side (``sdk``) and ``wuyi oid4vci`` (``cli``). See ``README.md``."""

from __future__ import annotations

from wuyi.oid4vci.service import IssuanceService, offer_uri, parse_offer_uri

__all__ = ["IssuanceService", "offer_uri", "parse_offer_uri"]
