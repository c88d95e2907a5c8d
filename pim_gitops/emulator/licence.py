"""A tenant without the licence PIM needs (``FaultConfig.no_p2_licence``).

Graph answers the PIM endpoints of such a tenant ``400 AadPremiumLicenseRequired`` "The tenant
needs an AAD Premium 2 license." (JulianHayward/Azure-MG-Sub-Governance-Reporting#114;
microsoft/EntraExporter#61 quotes the same message; cisagov/ScubaGear#981: the PIM schedule
reads fail on tenants without P2). Role definitions, role assignments and the directory stay
readable: they are not PIM features.
"""

from __future__ import annotations

from pim_gitops.emulator.errors import GraphFault

CODE = "AadPremiumLicenseRequired"
MESSAGE = "The tenant needs an AAD Premium 2 license."
#: Route templates (``routes.py``) that belong to PIM.
PIM_MARKERS = ("Schedule", "policies/roleManagementPolic")


def is_pim(template: str) -> bool:
    return any(marker in template for marker in PIM_MARKERS)


def licence_fault(template: str, unlicensed: bool) -> GraphFault | None:
    """The refusal for a request to ``template`` when the tenant is ``unlicensed``."""
    if unlicensed and is_pim(template):
        return GraphFault(400, CODE, MESSAGE)
    return None
