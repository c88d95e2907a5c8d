"""The guards apply checks before its first write. Each is a small pure function of the plan,
the tenant as read now and the operator's overrides, returning the problems it found."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pim_gitops.action import Action
from pim_gitops.errors import GuardrailError
from pim_gitops.plan import Plan, ScheduleRequest
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState


@dataclass(frozen=True)
class Guards:
    """The operator's limits and overrides (``apply --max-removals``, ``--allow-…``)."""

    max_removals: int = 10
    allow_break_glass_change: bool = False
    allow_no_pra_eligible: bool = False
    allow_other_tenant: bool = False
    allow_self_lockout: bool = False


def _requests(plan: Plan) -> list[ScheduleRequest]:
    return [op for op in plan.operations if isinstance(op, ScheduleRequest)]


def _removals(plan: Plan) -> list[ScheduleRequest]:
    return [op for op in _requests(plan) if op.action is Action.DELETE]


def assignments_after(plan: Plan, tenant: TenantState) -> list[Assignment]:
    """The tenant's assignments once the plan's schedule requests are done."""
    state = {a.key: a for a in tenant.assignments}
    for op in _requests(plan):
        if op.action is Action.DELETE:
            state.pop(op.key, None)
        else:
            state[op.key] = Assignment(
                op.role.id, op.principal.id, op.scope, op.schedule, op.end, op.start
            )
    return list(state.values())


def tenant_names(tenant: TenantState, organization: Mapping[str, Any]) -> set[str]:
    """Every name the signed-in tenant answers to: its id and verified domains."""
    names = {str(organization.get("id", "")).lower(), tenant.tenant_id.lower()}
    names |= {str(d.get("name", "")).lower() for d in organization.get("verifiedDomains") or []}
    return {n for n in names if n}


def other_tenant(plan: Plan, tenant: TenantState, organization: Mapping[str, Any]) -> list[str]:
    problems = []
    if plan.tenant_id and tenant.tenant_id and plan.tenant_id != tenant.tenant_id:
        problems.append(
            f"the plan was made for tenant {plan.tenant_id}, but this is "
            f"{tenant.tenant_id} (--allow-other-tenant to override)"
        )
    declared = plan.guards.tenant.lower()
    names = tenant_names(tenant, organization)
    if declared and declared not in names:
        problems.append(
            f"the policy declares tenant {declared!r}, but the signed-in "
            f"tenant is {sorted(names)} (--allow-other-tenant)"
        )
    return problems


def too_many_removals(plan: Plan, max_removals: int) -> list[str]:
    count = len(_removals(plan))
    if count > max_removals:
        return [f"the plan removes {count} assignments, more than --max-removals {max_removals}"]
    return []


#: How long an active assignment lasts, for comparing before and after: permanent is longest.
_FOREVER = datetime.max.replace(tzinfo=UTC)
_NEVER = datetime.min.replace(tzinfo=UTC)


def _active_ga_until(assignments: Iterable[Assignment]) -> dict[str, datetime]:
    """When each principal's active Global Administrator assignment ends."""
    return {
        a.principal_id: a.end or _FOREVER
        for a in assignments
        if a.role_id == GLOBAL_ADMINISTRATOR and a.kind == "active"
    }


def _principal_refs(plan: Plan) -> dict[str, str]:
    return {op.principal.id: op.principal.ref for op in _requests(plan)}


def break_glass_lost(plan: Plan, tenant: TenantState, after: list[Assignment]) -> list[str]:
    """A declared break-glass account whose active GA the plan removes or shortens
    (permanent → expiring, a nearer end); accounts the plan leaves alone are not its doing."""
    declared = plan.guards.break_glass
    before, now = _active_ga_until(tenant.assignments), _active_ga_until(after)
    lost = sorted(p for p in declared if p in before and now.get(p, _NEVER) < before[p])
    if not lost:
        return []
    refs = _principal_refs(plan)
    kept = sum(1 for p in declared if now.get(p) == _FOREVER)
    return [
        "the plan reduces the permanent active Global Administrator assignment of break-glass "
        f"account(s) {', '.join(refs.get(p, p) for p in lost)}; {kept} of the "
        f"{len(declared)} declared would keep one (--allow-break-glass-change to override)"
    ]


def _has_pra_path(assignments: Iterable[Assignment]) -> bool:
    return any(
        a.role_id == PRIVILEGED_ROLE_ADMINISTRATOR and a.kind == "eligible" for a in assignments
    )


def last_pra_path_removed(tenant: TenantState, after: list[Assignment]) -> list[str]:
    if _has_pra_path(tenant.assignments) and not _has_pra_path(after):
        return [
            "the plan removes the last eligible path to Privileged Role "
            "Administrator (--allow-no-pra-eligible to override)"
        ]
    return []


def self_lockout(plan: Plan) -> list[str]:
    identity = plan.guards.apply_identity
    if not identity:
        return []
    return [
        f"the plan removes the apply identity's own {op.role.name} "
        "assignment, which lets it write PIM (--allow-self-lockout)"
        for op in _removals(plan)
        if op.principal.id == identity
        and op.schedule == "active"
        and op.role.id in (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR)
    ]


def guard_problems(
    plan: Plan, tenant: TenantState, guards: Guards, organization: Mapping[str, Any]
) -> list[str]:
    """Every guard the plan breaks, unless the operator allowed it."""
    after = assignments_after(plan, tenant)
    problems: list[str] = []
    if not guards.allow_other_tenant:
        problems += other_tenant(plan, tenant, organization)
    problems += too_many_removals(plan, guards.max_removals)
    if not guards.allow_break_glass_change:
        problems += break_glass_lost(plan, tenant, after)
    if not guards.allow_no_pra_eligible:
        problems += last_pra_path_removed(tenant, after)
    if not guards.allow_self_lockout:
        problems += self_lockout(plan)
    return problems


def check_guards(
    plan: Plan, tenant: TenantState, guards: Guards, organization: Mapping[str, Any]
) -> None:
    problems = guard_problems(plan, tenant, guards, organization)
    if problems:
        raise GuardrailError("refusing to apply; nothing was written:\n  " + "\n  ".join(problems))
