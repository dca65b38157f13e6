"""The identity provider (统一身份认证平台) as an OpenID Connect provider (``provider``) and its
routes (``api``); the chain accepts its ID tokens as attestations (``wuyi.vc.idtoken``). See
``README.md``."""

from __future__ import annotations

from wuyi.idp.provider import Client, IdentityProvider, acr_for_level, new_signing_jwk

__all__ = ["Client", "IdentityProvider", "acr_for_level", "new_signing_jwk"]
