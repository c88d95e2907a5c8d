"""Conditional Access authentication contexts: ``GET /identity/conditionalAccess/
authenticationContextClassReferences`` (and one by id), seeded from a snapshot's
``authenticationContextClassReferences`` (``{id, displayName, description, isAvailable}``).

As Graph documents it (learn.microsoft.com/graph/api/conditionalaccessroot-list-
authenticationcontextclassreferences; resources/authenticationcontextclassreference): the ids
(``c1``, ``c2``, …) are the tenant's own, ``isAvailable`` false means "not published to
apps", ``$filter`` (eq) on ``id``. A JWT caller needs one of the permissions the
reference lists (least privileged ``AuthenticationContext.Read.All``; ``Policy.Read.
ConditionalAccess`` also reads it), else ``403 Authorization_RequestDenied``; any other token
reads freely, as for every emulator read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.emulator.errors import GraphReply, not_found
from pim_gitops.emulator.routes import Context, _collection, route

PATH = "identity/conditionalAccess/authenticationContextClassReferences"
READ_PERMISSIONS = frozenset(
    {
        "AuthenticationContext.Read.All",
        "AuthenticationContext.ReadWrite.All",
        "Policy.Read.ConditionalAccess",
        "Policy.ReadWrite.ConditionalAccess",
    }
)
DENIED = "Insufficient privileges to complete the operation."


@route("GET", PATH)
def list_contexts(ctx: Context, _: dict[str, str]) -> GraphReply:
    items = list(ctx.store.auth_contexts.values())
    return _collection(
        ctx, items, "identity/conditionalAccess/authenticationContextClassReferences", ("id",)
    )


@route("GET", PATH + "/{id}")
def get_context(ctx: Context, p: dict[str, str]) -> GraphReply:
    item = ctx.store.auth_contexts.get(p["id"])
    if item is None:
        raise not_found(f"Resource '{p['id']}' does not exist.")
    body = {"@odata.context": ctx.metadata(f"{PATH}/$entity"), **item}
    return GraphReply(200, body)


def read_refusal(claims: Mapping[str, Any] | None, template: str) -> str | None:
    """Why a JWT caller may not read the authentication contexts (``None``: it may, or the
    route is another one)."""
    if claims is None or not template.startswith(PATH):
        return None
    roles = claims.get("roles")
    granted = {str(r) for r in roles} if isinstance(roles, list) else set()
    granted |= set(str(claims.get("scp") or "").split())
    if granted & READ_PERMISSIONS:
        return None
    return f"{DENIED} The caller has none of {', '.join(sorted(READ_PERMISSIONS))}."
