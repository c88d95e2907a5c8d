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

# The rule's properties (DC v1.0 and beta
# resources/unifiedrolemanagementpolicycustomextensionrule.md): customExtensionId (String),
# isEnabled (Boolean), target; displayName, customAttributes read-only.

PREFIX = "CustomExtension_"
#: The two rule ids Graph knows (a PATCH of another ``CustomExtension_`` id is refused).
RULE_IDS = (
    "CustomExtension_PreApproval_EndUser_Assignment",
    "CustomExtension_PostApproval_EndUser_Assignment",
)
RULE_TYPE = "#microsoft.graph.unifiedRoleManagementPolicyCustomExtensionRule"
EXTENSION_TYPE = "#microsoft.graph.roleManagementCustomCalloutExtension"
#: Writable: ``customExtensionId``, ``isEnabled``, ``target``; ``displayName`` and
#: ``customAttributes`` are read-only, echoed unchanged (the client sends the live rule back).
ALLOWED = {
    "@odata.type",
    "@odata.context",
    "id",
    "target",
    "customExtensionId",
    "isEnabled",
    "displayName",
    "customAttributes",
}


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
    if rule_id not in RULE_IDS:
        raise _invalid(f"{rule_id} is not a rule of a role management policy")
    if str(body.get("@odata.type") or "").lstrip("#") != RULE_TYPE.lstrip("#"):
        raise _invalid(f'{rule_id} needs "@odata.type": "{RULE_TYPE}"')
    unknown = set(body) - ALLOWED
    if unknown:
        raise _invalid(f"unknown properties {sorted(unknown)}")
    _check_target(rule_id, body.get("target"), existing)
    named = body.get("customExtensionId")
    if named not in (None, "") and not isinstance(named, str):
        raise _invalid("customExtensionId must be a string (the extension's id) or null")
    if not isinstance(body.get("isEnabled", False), bool):
        raise _invalid("isEnabled must be a boolean")
    if named:
        refused = unlicensed(store)
        if refused is not None:
            raise refused
        if named not in store.beta.extensions:
            raise _invalid(f"the custom extension {named} does not exist")
    stored = copy.deepcopy(dict(existing or {})) or {"displayName": "", "customAttributes": []}
    stored.update({k: copy.deepcopy(v) for k, v in body.items() if k in {"target", "isEnabled"}})
    stored["@odata.type"] = RULE_TYPE
    stored["id"] = rule_id
    stored["customExtensionId"] = named or None
    stored.setdefault("isEnabled", False)
    return stored


def _check_target(rule_id: str, target: Any, existing: Mapping[str, Any] | None) -> None:
    if not isinstance(target, Mapping) or not target.get("caller") or not target.get("level"):
        raise _invalid(f"{rule_id} needs its target (caller, level, operations)")
    if existing:
        for key in ("caller", "level"):
            live = str((existing.get("target") or {}).get(key, ""))
            if str(target.get(key, "")).lower() != live.lower():
                raise _invalid(f"target.{key} of {rule_id} is fixed")
