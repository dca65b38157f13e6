"""免证办 certificate-free services (scenario 4 of the plan): e-licences whose key features are
committed on chain by the issuing departments, presented by the holder ("亮证") to a service
under a consent with an identity provider's attestation, verified and logged. Its chain logic
is the platform's native credential handlers (``wuyi/ledger/handlers/credentials.py``): this
folder holds its routes, SDK, CLI, demo step, console page and README. See ``README.md``."""

from __future__ import annotations

from wuyi.scenarios.spec import Scenario

__all__ = ["SCENARIO"]

SCENARIO = Scenario("elicence", "免证办", "Certificate-free services", identifiers=("ELicence",))
