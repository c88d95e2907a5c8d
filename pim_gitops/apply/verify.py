"""Read-back: after the writes, read the tenant again, normalize it and compare, restricted
to the plan's addresses, with the same comparison the differ uses. So read-back can never
disagree with the next plan: whatever it reports as not in effect, a fresh plan shows too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from pim_gitops.action import Action
from pim_gitops.apply.stale import explain_difference
from pim_gitops.diff import changed_paths, same_instant
from pim_gitops.plan import Operation, Plan, RulePatch
from pim_gitops.policy_rules import PolicyScope, rule_by_id
from pim_gitops.state import Assignment, TenantState, settings_leaves

AssignmentIndex = Mapping[tuple[str, str, str, str], Assignment]


def in_effect(op: Operation, tenant: TenantState, assignments: AssignmentIndex) -> bool:
    if isinstance(op, RulePatch):
        policy = tenant.policies.get(op.role.id)
        if policy is None:
            return False
        want = {path: op.want[path] for path in op.paths}
        return not changed_paths(want, settings_leaves(policy.settings))
    live = assignments.get(op.key)
    if op.action is Action.DELETE:
        return live is None
    if live is None:
        return False
    if op.duration is not None and live.start is not None:
        # As the differ judges a ``duration:``: counted from the schedule's start.
        return same_instant(live.end, live.start + timedelta(seconds=op.duration))
    return same_instant(live.end, op.end)


def explain_not_in_effect(op: Operation, tenant: TenantState) -> list[str]:
    """Why an operation is not in effect: for a rule, the raw properties a PATCH built from
    the rule as read back would still change (deepdiff of the two bodies)."""
    if not isinstance(op, RulePatch):
        return ["the schedule read back does not match the request"]
    policy = tenant.policies.get(op.role.id)
    live = policy.raw_rules.get(op.rule_id) if policy else None
    if live is None:
        return ["the rule could not be read back"]
    spec = rule_by_id(PolicyScope.DIRECTORY_ROLE, op.rule_id)
    return explain_difference(dict(live), spec.write(live, op.want))


def not_in_effect(plan: Plan, tenant: TenantState) -> list[Operation]:
    """The plan's operations whose changes the tenant does not show after the apply."""
    assignments = {a.key: a for a in tenant.assignments}
    return [op for op in plan.operations if not in_effect(op, tenant, assignments)]
