"""Graph's beta endpoint, for the few PIM resources that exist only there (PIM alerts:
``/beta/identityGovernance/roleManagementAlerts``). The transport's base URL is the cloud's
``…/v1.0``; a beta URL is the same host with ``/beta``, so national clouds and the emulator
work alike and the token (scoped to the host) stays valid. Callers use beta only behind a
setting the tenant file names (``alerts.graph_beta``), never silently."""

from __future__ import annotations

from pim_gitops.graph.transport import GraphTransport

BETA = "/beta"


def beta_url(transport: GraphTransport, path: str) -> str:
    """The absolute beta URL of ``path`` (``identityGovernance/roleManagementAlerts/…``)."""
    root = transport.base_url.removesuffix("/v1.0")
    return f"{root}{BETA}/{path.lstrip('/')}"
