"""The custom extension rules (``CustomExtension_PreApproval_EndUser_Assignment`` and
``CustomExtension_PostApproval_EndUser_Assignment``): a PIM custom extension
(``roleManagementCustomCalloutExtension``, an external REST API) that PIM calls on each
activation, before or after approval, and whose answer (``Approved`` / ``AutoApproved`` /
``Denied``) it enforces.

Sources: DC unifiedrolemanagementpolicycustomextensionrule.md, v1.0 and beta (properties
``customExtensionId``, a string, and ``isEnabled``; ``displayName`` and ``customAttributes``
read-only), as the v1.0 SDK model has them (microsoftgraph/msgraph-sdk-java
``models/UnifiedRoleManagementPolicyCustomExtensionRule.java``); the rule ids and their
target (caller ``EndUser``, level ``Assignment``, operations ``All``) from the Entra portal's
audit record "CustomExtension_PreApproval_EndUser_Assignment added" and the rule body of
nathanmcnulty/azd-pim (scripts, ``New-AzdPimCustomExtensionRuleBody``); the feature is preview
and needs a Microsoft Entra ID Governance or Entra Suite licence (entra-docs
privileged-identity-management-custom-extensions.md).

A policy lists these rules only once someone configured them (the portal adds both on a save),
so a policy without them reads as "no extension" (``when_absent``). A rule the live policy
lacks is written as a whole rule (``new_rule``), which apply appends to the policy's rules
(``extension_wire.append_rules``), as the portal and azd-pim do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.policy_rules.common import COMMON_DOCS
from pim_gitops.policy_rules.spec import (
    RULE_TYPE_PREFIX,
    Leaves,
    PropertyDoc,
    RuleSpec,
    always_relax,
    bind,
    merge_values,
)
from pim_gitops.rawjson import RawObject
from pim_gitops.state import POST_APPROVAL_PATH, PRE_APPROVAL_PATH, Leaf

#: Rule id → the policy-file path it carries.
EXTENSION_RULES = {
    "CustomExtension_PreApproval_EndUser_Assignment": PRE_APPROVAL_PATH,
    "CustomExtension_PostApproval_EndUser_Assignment": POST_APPROVAL_PATH,
}
ODATA_TYPE = f"{RULE_TYPE_PREFIX}CustomExtensionRule"


def read_extension(path: str, rule: RawObject) -> dict[str, Leaf]:
    """The extension's id while the rule is enabled and names one, else ``None``
    (``isEnabled: null`` is disabled: the SDK model's Boolean is nullable)."""
    enabled = rule.optional_flag("isEnabled") is True
    extension = rule.text("customExtensionId", optional=True) or None
    return {path: extension.lower() if enabled and extension else None}


def new_rule(rule_id: str) -> dict[str, Any]:
    """A rule the live policy lacks, as the portal and azd-pim write it."""
    return {
        "@odata.type": ODATA_TYPE,
        "id": rule_id,
        "isEnabled": False,
        "customExtensionId": "",
        "target": {
            "caller": "EndUser",
            "operations": ["All"],
            "level": "Assignment",
            "inheritableSettings": [],
            "enforcedSettings": [],
        },
    }


def write_extension(
    rule_id: str, path: str, live: Mapping[str, Any], want: Leaves
) -> dict[str, Any]:
    """Enable the rule with the extension's id, or disable it (the id cleared); a rule the
    policy lacks is built whole (``new_rule``). The read-only ``displayName`` and
    ``customAttributes`` are not sent."""
    base = dict(live) if live else new_rule(rule_id)
    extension = want[path]
    body = merge_values(
        base, {"isEnabled": extension is not None, "customExtensionId": extension or ""}
    )
    body.setdefault("@odata.type", ODATA_TYPE)
    for read_only in ("displayName", "customAttributes"):
        body.pop(read_only, None)
    return body


def _docs(path: str) -> tuple[PropertyDoc, ...]:  # pragma: no mutate block
    return (
        PropertyDoc(
            "customExtensionId",
            path,
            note="The extension's id; the policy file names it by display name or id "
            "(resolved through `GET /identityGovernance/privilegedAccess/customExtensions`).",
        ),
        PropertyDoc(
            "isEnabled",
            path,
            note="On while an extension is set; `null` disables the rule (id cleared). "
            "A policy without the rule reads as `null`; setting one there adds the whole rule "
            "(target `EndUser` / `Assignment` / `All`) in one policy PATCH with every live rule.",
        ),
        PropertyDoc("displayName", reason="Read-only; never sent."),
        PropertyDoc("customAttributes", reason="Read-only; never sent."),
        *COMMON_DOCS,
    )


def extension_specs() -> list[RuleSpec]:  # pragma: no mutate block
    """The two custom extension rules, after the 17 rules every policy has."""
    return [
        RuleSpec(
            id=rule_id,
            kind="CustomExtension",
            paths=(path,),
            read=bind(read_extension, path),
            write=bind(bind(write_extension, rule_id), path),
            phase=always_relax,
            docs=_docs(path),
            when_absent={path: None},
        )
        for rule_id, path in EXTENSION_RULES.items()
    ]
