"""The policy-rule table: every rule of a PIM policy, once.

For each rule a ``RuleSpec`` holds Graph's rule id and ``@odata.type``, the policy-file paths
it carries, how to read them from a raw rule, how to write them into a copy of the live rule,
which apply phase a change belongs to, and the documentation of every Graph property of the
rule. ``normalize`` (reading), ``plan`` (request bodies and phases), apply's read-back (which
is read → normalize → compare, so it cannot disagree with the next plan) and
``docs/settings-map.md`` all use it; nothing else in the client names a rule id.

The table is keyed by policy scope: PIM-for-Groups member/owner policies and Azure resource
policies carry the same rule types and become new rows, not new code paths. The emulator keeps
its own, independent reading of Graph and never imports this package.
"""

from __future__ import annotations

from pim_gitops.policy_rules.common import default_approval_stage
from pim_gitops.policy_rules.directory import DIRECTORY_ROLE_RULES
from pim_gitops.policy_rules.spec import Phase, PolicyScope, PropertyDoc, RuleSpec
from pim_gitops.targets import parse_group_target

#: Every policy scope the client manages, and its rules in Graph's documented order.
POLICY_RULES: dict[PolicyScope, tuple[RuleSpec, ...]] = {
    PolicyScope.DIRECTORY_ROLE: DIRECTORY_ROLE_RULES,
    # A group's member and owner policies carry the same 17 rules, ids and types (samples
    # groups__list-rolemanagementpolicies-*); only Entra's defaults differ (graph-pim.md §3).
    # Custom extensions serve groups too (entra-docs privileged-identity-management-custom-
    # extensions.md), so the two custom extension rows apply to both scopes.
    PolicyScope.GROUP: DIRECTORY_ROLE_RULES,
}


def scope_of(target: str) -> PolicyScope:
    """The policy scope of a target id: a group target (``state.group_target``) or a role."""
    return PolicyScope.GROUP if parse_group_target(target) else PolicyScope.DIRECTORY_ROLE


def rules_of(scope: PolicyScope) -> tuple[RuleSpec, ...]:
    return POLICY_RULES[scope]


def rule_by_id(scope: PolicyScope, rule_id: str) -> RuleSpec:
    for spec in POLICY_RULES[scope]:
        if spec.id == rule_id:
            return spec
    raise KeyError(rule_id)


def rule_for_path(scope: PolicyScope, path: str) -> RuleSpec:
    """The rule that carries a policy-file path (``activation.require``)."""
    for spec in POLICY_RULES[scope]:
        if path in spec.paths:
            return spec
    raise KeyError(path)


__all__ = [
    "POLICY_RULES",
    "Phase",
    "PolicyScope",
    "PropertyDoc",
    "RuleSpec",
    "default_approval_stage",
    "rule_by_id",
    "rule_for_path",
    "rules_of",
    "scope_of",
]
