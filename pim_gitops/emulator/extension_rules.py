"""The custom extension rule of role management policies
(``unifiedRoleManagementPolicyCustomExtensionRule``, ids ``CustomExtension_…``): what a policy
PATCH carrying one is checked for (``semantics.patch_rules`` calls :func:`checked_rule`), and
the Entra ID Governance licence it needs. Rules in ``extension_routes.py``'s docstring;
sources in ``docs/emulator.md`` "PIM custom extensions"."""

import copy
from collections.abc import Mapping
from typing import Any

from pim_gitops.emulator.errors import GraphFault, bad_request
from pim_gitops.emulator.store import Store

PREFIX = "CustomExtension_"
RULE_TYPE = "#microsoft.graph.unifiedRoleManagementPolicyCustomExtensionRule"
EXTENSION_TYPE = "#microsoft.graph.roleManagementCustomCalloutExtension"
ALLOWED = {"@odata.type", "@odata.context", "id", "target", "customExtension"}


def unlicensed(store: Store, no_p2: bool = False) -> GraphFault | None:
    if store.beta.governance_licensed and not no_p2:
        return None
    return GraphFault(
        403,
        "MissingGovernanceLicense",
        "PIM custom extensions need a Microsoft Entra ID Governance license.",
    )


def is_extension_rule(rule_id: str) -> bool:
    return rule_id.startswith(PREFIX)


def _invalid(message: str) -> GraphFault:
    return bad_request(f"The policy rule is invalid: {message}", "InvalidPolicyRule")


def checked_rule(
    store: Store, rule_id: str, body: Mapping[str, Any], existing: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The stored custom extension rule after this PATCH body; a GraphFault if refused."""
    if str(body.get("@odata.type") or "").lstrip("#") != RULE_TYPE.lstrip("#"):
        raise _invalid(f'{rule_id} needs "@odata.type": "{RULE_TYPE}"')
    unknown = set(body) - ALLOWED
    if unknown:
        raise _invalid(f"unknown properties {sorted(unknown)}")
    target = body.get("target")
    if not isinstance(target, Mapping) or not target.get("caller") or not target.get("level"):
        raise _invalid(f"{rule_id} needs its target (caller, level, operations)")
    if existing:
        for key in ("caller", "level"):
            live = str((existing.get("target") or {}).get(key, ""))
            if str(target.get(key, "")).lower() != live.lower():
                raise _invalid(f"target.{key} of {rule_id} is fixed")
    extension = body.get("customExtension")
    if extension is not None:
        if not isinstance(extension, Mapping) or not isinstance(extension.get("id"), str):
            raise _invalid("customExtension must be null or an object with an id")
        refused = unlicensed(store)
        if refused is not None:
            raise refused
        if extension["id"] not in store.beta.extensions:
            raise _invalid(f"the custom extension {extension['id']} does not exist")
        extension = {"@odata.type": EXTENSION_TYPE} | copy.deepcopy(
            store.beta.extensions[extension["id"]]
        )
    stored = copy.deepcopy(dict(existing or {}))
    stored.update({k: copy.deepcopy(v) for k, v in body.items() if not k.startswith("@odata.c")})
    stored["@odata.type"] = RULE_TYPE
    stored["id"] = rule_id
    stored["customExtension"] = extension
    return stored
