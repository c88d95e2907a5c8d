"""Conditional Access authentication contexts, read for ``authcontext.py``."""

from __future__ import annotations

from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.transport import GraphTransport

#: Conditional Access authentication contexts (``authcontext.py``): v1.0, ``$filter`` only.
CONTEXTS_PATH = "identity/conditionalAccess/authenticationContextClassReferences"


async def fetch_authentication_contexts(transport: GraphTransport) -> list[dict[str, Any]]:
    """Every authentication context of the tenant (one request; paged if Graph pages)."""
    found = await transport.get_all(CONTEXTS_PATH, target="authentication contexts")
    return sorted((dict(c) for c in found), key=lambda c: str(c.get("id")))


async def contexts_in_use(
    transport: GraphTransport, policies: list[dict[str, Any]]
) -> dict[str, Any]:
    """``{authcontext.KEY: [...]}`` when the live policies require a context on activation,
    so a snapshot carries what plan checks them against; nothing when none does, or when
    the read is refused (a policy that names one reads them again, strictly)."""
    from pim_gitops.authcontext import KEY, used

    if not used(policies):
        return {}
    try:
        return {KEY: await fetch_authentication_contexts(transport)}
    except GraphError as exc:
        if exc.status not in (401, 403):
            raise
        return {}
