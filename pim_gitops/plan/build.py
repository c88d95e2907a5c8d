"""Diff → plan: group setting changes by the policy rule that carries them, turn assignment
changes into schedule requests, order everything by phase, and resolve the guard facts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pim_gitops import __version__
from pim_gitops.action import Action
from pim_gitops.authcontext import context_problems
from pim_gitops.compile import DesiredState
from pim_gitops.diff import Change, Diff, diff
from pim_gitops.diff_alerts import diff_alerts
from pim_gitops.errors import PlanError
from pim_gitops.outside import unlisted_collections
from pim_gitops.plan.alert_build import alert_parts
from pim_gitops.plan.model import (
    AssignmentChange,
    GuardFacts,
    LiveSchedule,
    Operation,
    Plan,
    PlanChange,
    PrincipalRef,
    RoleRef,
    RulePatch,
    ScheduleRequest,
    ScopedAssignment,
    SettingChange,
    Summary,
    rule_fingerprint,
    schedule_fingerprint,
)
from pim_gitops.plan.review_build import review_counts, review_parts
from pim_gitops.policy_rules import Phase, rule_by_id, rule_for_path, scope_of
from pim_gitops.resolve import Resolver, resolve_guard_refs
from pim_gitops.state import Assignment, TenantState, settings_leaves

DEFAULT_JUSTIFICATION = "Declared in the pim-gitops policy repository"
#: Graph's limit on a schedule request's justification.
JUSTIFICATION_LIMIT = 500


def _justification(text: str | None, trace: str | None) -> str:
    base = (text or DEFAULT_JUSTIFICATION).strip()
    if trace:
        base = f"{base} [{trace}]"
    return base[:JUSTIFICATION_LIMIT]


def _role(change: Change) -> RoleRef:
    return RoleRef(id=change.role_id, name=change.role_name)


def plan_change(change: Change) -> PlanChange:
    if change.kind == "setting":
        return SettingChange(
            address=change.address,
            action=Action(change.action),
            role=_role(change),
            path=change.path,
            before=change.before,
            after=change.after,
        )
    return AssignmentChange(
        address=change.address,
        action=Action(change.action),
        role=_role(change),
        principal=PrincipalRef(id=change.principal_id or "", ref=change.principal_ref or ""),
        schedule="eligible" if change.path == "eligible" else "active",
        before=change.before,
        after=change.after,
    )


def _rule_patches(result: Diff, tenant: TenantState) -> list[RulePatch]:
    grouped: dict[tuple[str, str], list[Change]] = {}
    for change in result.changes:
        if change.kind == "setting":
            spec = rule_for_path(scope_of(change.role_id), change.path)
            grouped.setdefault((change.role_id, spec.id), []).append(change)
    patches = []
    for (role_id, rule_id), changes in sorted(grouped.items()):
        spec = rule_by_id(scope_of(role_id), rule_id)
        policy = tenant.policy_of(role_id)
        assert policy is not None  # the differ made no setting change without one
        want_all = settings_leaves(result.desired_settings[role_id])
        have_all = settings_leaves(policy.settings)
        live_rule = dict(policy.raw_rules.get(rule_id, {}))
        patches.append(
            RulePatch(
                phase=spec.phase(have_all, want_all),
                role=_role(changes[0]),
                policy_id=policy.policy_id,
                rule_id=rule_id,
                addresses=tuple(c.address for c in changes),
                paths=tuple(c.path for c in changes),
                want={path: want_all[path] for path in spec.paths},
                live_rule=live_rule,
                fingerprint=rule_fingerprint(live_rule),
            )
        )
    return patches


def live_schedule(live: Assignment | None) -> LiveSchedule | None:
    if live is None:
        return None
    return LiveSchedule(
        id=live.schedule_id,
        start=live.start,
        end=live.end,
        role_assignment_id=live.direct_id,
        request_id=live.request[0] if live.request else None,
    )


def _declared_duration(change: Change) -> int | None:
    """A ``duration:`` counts from the write, so apply, not the plan, fixes the end."""
    declared = change.declared
    if change.desired is None or declared is None or declared.permanent:
        return None
    return declared.duration if declared.end is None else None


def _schedule_request(change: Change, trace: str | None) -> ScheduleRequest:
    target = change.desired or change.live
    assert target is not None
    declared = change.declared
    live = live_schedule(change.live)
    action = Action(change.action)
    desired = change.desired
    return ScheduleRequest(
        phase=Phase.REMOVE if action is Action.DELETE else Phase.ASSIGN,
        role=_role(change),
        action=action,
        schedule=target.kind,
        principal=PrincipalRef(id=change.principal_id or "", ref=change.principal_ref or ""),
        scope=target.scope,
        addresses=(change.address,),
        start=desired.start if desired is not None else None,
        end=desired.end if desired is not None else None,
        duration=_declared_duration(change),
        justification=_justification(declared.justification if declared else None, trace),
        ticket_number=declared.ticket_number if declared else None,
        ticket_system=declared.ticket_system if declared else None,
        live=live,
        fingerprint=schedule_fingerprint(live),
    )


def _summary(changes: Sequence[Change]) -> Summary:
    counts = {"add": 0, "change": 0, "remove": 0}
    for change in changes:
        counts[Action(change.action).summary_word] += 1
    return Summary(**counts)


def guard_facts(desired: DesiredState, tenant: TenantState) -> GuardFacts:
    """The declared tenant, and the object ids of the break-glass accounts and the apply
    identity, as the tenant resolves them now; raises ``PlanError`` (with each entry's
    ``file:line:col``) when one does not resolve."""
    refs = resolve_guard_refs(desired, Resolver(tenant))
    if refs.errors:  # fail closed: a guard never drops a reference it cannot resolve
        raise PlanError("the plan cannot be made:\n  " + "\n  ".join(refs.errors))
    return GuardFacts(
        tenant=desired.tenant, break_glass=refs.break_glass, apply_identity=refs.apply_identity
    )


def _order(operation: Operation) -> tuple[int, str, tuple[str, ...]]:
    return (operation.phase, operation.role.name.casefold(), operation.addresses)


def build_plan(
    desired: DesiredState,
    tenant: TenantState,
    now: datetime,
    *,
    desired_hash: str = "",
    trace: str | None = None,
) -> Plan:
    """Diff and order; raises ``PlanError`` when principals or roles do not resolve."""
    result = diff(desired, tenant, now)
    alerts = diff_alerts(desired, tenant)
    context_errors, context_warnings = context_problems(desired, tenant)
    if result.errors or context_errors or alerts.errors:
        errors = (*result.errors, *context_errors, *alerts.errors)
        raise PlanError("the plan cannot be made:\n  " + "\n  ".join(errors))
    operations: list[Operation] = [*_rule_patches(result, tenant)]
    operations += [_schedule_request(c, trace) for c in result.changes if c.kind == "assignment"]
    operations.sort(key=_order)
    review_changes, review_writes, rotations = review_parts(result.reviews)
    counts = _summary(result.changes).model_dump()
    extra = review_counts(review_changes)
    alert_changes, alert_writes = alert_parts(alerts)
    extra["change"] += len(alert_changes)
    plan = Plan(
        tool_version=__version__,
        tenant_id=tenant.tenant_id,
        desired_hash=desired_hash,
        generated_at=now,
        summary=Summary(**{k: counts[k] + extra[k] for k in counts}),
        changes=tuple(plan_change(c) for c in result.changes),
        operations=tuple(operations),
        warnings=result.warnings + tuple(context_warnings),
        unmanaged_roles=result.unmanaged_roles,
        unlisted_requests=unlisted_collections(tenant.unlisted_requests),
        unmanaged_scoped=tuple(
            ScopedAssignment(
                role_id=a.role_id, principal_id=a.principal_id, scope=a.scope, kind=a.kind
            )
            for a in result.unmanaged_scoped
        ),
        guards=guard_facts(desired, tenant),
        review_changes=review_changes,
        review_writes=review_writes,
        review_rotations=rotations,
        unmanaged_reviews=result.reviews.unmanaged,
        alert_changes=alert_changes,
        alert_writes=alert_writes,
        unmanaged_alerts=alerts.unmanaged,
    )
    return with_refusals(plan, tenant, now)


def with_refusals(plan: Plan, tenant: TenantState, now: datetime) -> Plan:
    """The plan with what apply's default guards would refuse, and their warnings (``plan``
    judges the refusals again under the run's overrides: ``apply.refusals.with_guards``)."""
    from pim_gitops.apply.overrides import Guards
    from pim_gitops.apply.refusals import judge_plan

    refusals, verdict = judge_plan(plan, tenant, now, Guards())
    return plan.model_copy(
        update={"refusals": refusals, "warnings": plan.warnings + verdict.warnings}
    )


__all__ = ["build_plan", "guard_facts", "live_schedule", "plan_change"]
