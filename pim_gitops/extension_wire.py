"""PIM custom extensions (``roleManagementCustomCalloutExtension``) between Graph and the
client: the snapshot's raw list → ``TenantState.custom_extensions``; an extension id → how a
policy file names it (export); and the body that adds a custom extension rule a live policy
lacks (apply).

Sources: DC rolemanagementcustomcalloutextension.md (``id``, ``displayName``,
``resourceType``: ``entraRoles`` / ``entraGroups`` / ``azureResources``),
privilegedaccessroot-list-customextensions.md (the list, ``PrivilegedAccess-CustomExt.Read.All``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from pim_gitops.rawjson import RawObject
from pim_gitops.snapshot_extras import EXTENSION_READ_ERROR, EXTENSIONS
from pim_gitops.state import (
    POST_APPROVAL_PATH,
    PRE_APPROVAL_PATH,
    CustomExtension,
    TenantState,
)
from pim_gitops.wire import is_guid

#: The ``resourceType`` of the extensions a directory role's / a group's policy may call.
RESOURCE_TYPES = {"directoryRole": "entraRoles", "group": "entraGroups"}


def normalize_extension(raw: Any) -> CustomExtension:
    reader = RawObject(raw, "PIM custom extension")
    extension_id = reader.req("id")
    reader.what = f"PIM custom extension {extension_id}"
    return CustomExtension(
        id=extension_id.lower(),
        display_name=reader.text("displayName", optional=True) or "",
        resource_type=reader.text("resourceType", optional=True),
    )


def extension_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """``TenantState``'s ``custom_extensions`` (``None``: not read) and the read error."""
    error = snapshot.get(EXTENSION_READ_ERROR)
    raw = snapshot.get(EXTENSIONS)
    found = None if raw is None else {e.id: e for e in map(normalize_extension, raw)}
    return {
        "custom_extensions": dict(sorted(found.items())) if found is not None else None,
        "custom_extension_read_error": str(error) if error else None,
    }


def named(tenant: TenantState, name: str) -> list[CustomExtension]:
    """The extensions a policy-file reference names: by id, else by display name."""
    known = tenant.custom_extensions or {}
    by_id = known.get(name.lower())
    if by_id is not None:
        return [by_id]
    return [e for e in known.values() if e.display_name.casefold() == name.casefold()]


def extension_reference(tenant: TenantState, extension_id: str) -> str:
    """How a policy file names an extension: its display name when that reads back as this
    extension and no other (and is no id), else its id."""
    found = (tenant.custom_extensions or {}).get(extension_id)
    if found is None or not found.display_name or is_guid(found.display_name):
        return extension_id
    name = found.display_name
    if name != name.strip() or [e.id for e in named(tenant, name)] != [found.id]:
        return extension_id
    return name


def name_extensions(activation: dict[str, Any], tenant: TenantState) -> None:
    """Export: the extension ids of a role's ``activation`` words → their references."""
    for key in ("custom_extension", "post_approval_extension"):
        if activation.get(key):
            activation[key] = extension_reference(tenant, str(activation[key]))


def name_extension_leaves(leaves: dict[str, Any], tenant: TenantState) -> None:
    """Report: the live extension ids of a role's leaves → their references."""
    for path in (PRE_APPROVAL_PATH, POST_APPROVAL_PATH):
        if leaves.get(path):
            leaves[path] = extension_reference(tenant, str(leaves[path]))


def append_rules(
    raw_rules: Mapping[str, Mapping[str, object]], bodies: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A policy PATCH body adding rules the policy lacks: every live rule (response
    annotations dropped) with ``bodies`` replacing or joining them by id, as the Entra
    portal adds the custom extension rules (nathanmcnulty/azd-pim, "full-policy append")."""
    rules = {rid: copy.deepcopy(dict(rule)) for rid, rule in raw_rules.items()}
    for rule in rules.values():
        rule.pop("@odata.context", None)
    for body in bodies:
        rules[str(body["id"])] = copy.deepcopy(dict(body))
    return {"rules": list(rules.values())}
