"""What the rules of every policy scope share: the common properties, Graph's words."""

from __future__ import annotations

from typing import Any

from pim_gitops.policy_rules.spec import PropertyDoc
from pim_gitops.rawjson import RawObject
from pim_gitops.state import REQUIRE_WORDS, Leaf
from pim_gitops.wire import parse_duration

#: Graph's ``enabledRules`` words ↔ policy-file words.
GRAPH_WORDS = {
    "mfa": "MultiFactorAuthentication",
    "justification": "Justification",
    "ticket": "Ticketing",
}
POLICY_WORDS = {v: k for k, v in GRAPH_WORDS.items()}
#: ``critical_only`` (leaf and policy word) → Graph's ``notificationLevel``.
NOTIFICATION_LEVELS: dict[bool | str, str] = {False: "All", True: "Critical", "none": "None"}
COMMON_DOCS = (
    PropertyDoc("id", reason="Immutable rule id; the key of the rule."),
    PropertyDoc("@odata.type", reason="Derived from the rule id; sent on every PATCH."),
    PropertyDoc("@odata.context", reason="Response annotation of a single-rule GET."),
    PropertyDoc(
        "target.caller",
        reason="Fixed per rule id (immutable); echoed from the live rule on every PATCH "
        "(graph-pim.md §3.1, docs-contrib#2230).",
    ),
    PropertyDoc("target.operations", reason="Always `all`; echoed from the live rule."),
    PropertyDoc("target.level", reason="Fixed per rule id; echoed from the live rule."),
    PropertyDoc(
        "target.inheritableSettings",
        reason="Always empty for directory roles; echoed from the live rule.",
    ),
    PropertyDoc(
        "target.enforcedSettings",
        reason="Always empty for directory roles; echoed from the live rule.",
    ),
    PropertyDoc(
        "target.@odata.type",
        reason="Wire annotation; sent as `microsoft.graph.unifiedRoleManagementPolicyRuleTarget`.",
    ),
    PropertyDoc(
        "target.targetObjects",
        reason='Relationship marked "Not implemented" '
        "(DC unifiedrolemanagementpolicyruletarget.md).",
    ),
)


def default_approval_stage() -> dict[str, Any]:
    """The single stage Graph reports on a never-edited approval rule (graph-pim.md §3.3)."""
    return {
        "approvalStageTimeOutInDays": 1,
        "isApproverJustificationRequired": True,
        "escalationTimeInMinutes": 0,
        "isEscalationEnabled": False,
        "primaryApprovers": [],
        "escalationApprovers": [],
    }


def seconds(value: Leaf) -> int:
    return parse_duration(str(value)) if value is not None else 0


def policy_words(rule: RawObject, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = rule.strings("enabledRules")
    unknown = [v for v in values if v not in POLICY_WORDS]
    if unknown:
        raise rule.fail(f"unknown enabledRules {unknown}")
    present = {POLICY_WORDS[v] for v in values}
    return tuple(w for w in allowed if w in present)


def graph_words(value: Leaf) -> list[str]:
    words = value if isinstance(value, tuple) else ()
    return [GRAPH_WORDS[w] for w in REQUIRE_WORDS if w in words]
