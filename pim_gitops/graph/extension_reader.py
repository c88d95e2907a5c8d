"""Read the tenant's PIM custom extensions (``roleManagementCustomCalloutExtension``), for the
custom extension rules of ``policy_rules/extensions.py``: one ``GET
/identityGovernance/privilegedAccess/customExtensions`` (v1.0: DC
privilegedaccessroot-list-customextensions.md, and the v1.0 SDK's request builder
microsoftgraph/msgraph-sdk-java ``identitygovernance/privilegedaccess/customextensions``; the
concept page still says beta; paged if Graph pages), read only when a live
policy calls an extension or the policy files name one (``ExtraReads.custom_extensions``).

Permission ``PrivilegedAccess-CustomExt.Read.All``; the feature is preview and needs a
Microsoft Entra ID Governance or Entra Suite licence (entra-docs
privileged-identity-management-custom-extensions.md). A refused list (400, 403, 404: no
licence, no permission, not served) is recorded under ``privilegedAccessCustomExtensionReadError``,
never a failed read; a plan that names an extension then refuses with that reason
(``resolve_extensions``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.contexts import contexts_in_use
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.policy_rules.extensions import EXTENSION_RULES
from pim_gitops.snapshot_extras import EXTENSION_READ_ERROR, EXTENSIONS

EXTENSIONS_PATH = "identityGovernance/privilegedAccess/customExtensions"
UNREADABLE = frozenset({400, 403, 404})
PERMISSION = "PrivilegedAccess-CustomExt.Read.All"


def calls_extension(policies: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a policy has an enabled custom extension rule naming an extension."""
    return any(
        isinstance(rule, Mapping)
        and rule.get("id") in EXTENSION_RULES
        and rule.get("isEnabled") is True
        and bool(rule.get("customExtensionId"))
        for policy in policies
        for rule in (policy.get("rules") or [])
    )


def refusal(error: GraphError) -> str:
    """Why the list was refused, in words."""
    why = f"{error.status} {error.code or ''}".strip()
    return f"{why}; listing PIM custom extensions needs {PERMISSION}"


async def read_extensions(transport: GraphTransport) -> dict[str, Any]:
    """``{EXTENSIONS: [...]}``, or ``{EXTENSION_READ_ERROR: why}`` when refused."""
    try:
        found = await transport.get_all(EXTENSIONS_PATH, target="PIM custom extensions")
    except GraphError as exc:
        if exc.status not in UNREADABLE:
            raise
        return {EXTENSION_READ_ERROR: refusal(exc)}
    return {EXTENSIONS: sorted((dict(e) for e in found), key=lambda e: str(e.get("id")))}


async def policy_lookups(
    transport: GraphTransport, policies: list[dict[str, Any]], extras: ExtraReads
) -> dict[str, Any]:
    """What the policies read refer to: their authentication contexts
    (``contexts_in_use``) and, when needed, the PIM custom extensions."""
    found = await contexts_in_use(transport, policies)
    if extras.custom_extensions or calls_extension(policies):
        found.update(await read_extensions(transport))
    return found
