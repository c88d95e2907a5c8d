"""Read-back: after the writes, read the tenant again, normalize it and compare, restricted
to the plan's addresses, with the same comparison the differ uses. So read-back can never
disagree with the next plan: whatever it reports as not in effect, a fresh plan shows too."""

from __future__ import annotations

from collections.abc import Mapping

from pim_gitops.action import Action
from pim_gitops.diff import changed_paths, same_instant
from pim_gitops.plan import Operation, Plan, RulePatch
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
    return live is not None and same_instant(live.end, op.end)


def not_in_effect(plan: Plan, tenant: TenantState) -> list[Operation]:
    """The plan's operations whose changes the tenant does not show after the apply."""
    assignments = {a.key: a for a in tenant.assignments}
    return [op for op in plan.operations if not in_effect(op, tenant, assignments)]
