"""What the plan shows of the guards: every refusal apply would make with the run's limits,
as ``plan.Refusal`` data, each marked with what would allow it and, when the run's overrides
(flags or ``PIM_GITOPS_ALLOW`` / ``PIM_GITOPS_MAX_REMOVALS``) allow it, by what.

The guards are judged strictly (nothing lifted, the removal cap no higher than the default),
so an override never hides a refusal: it is shown as "allowed by …". Apply judges again, with
the overrides, from its own read; it never reads these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.access import Window
from pim_gitops.apply.context import plan_context
from pim_gitops.apply.guards import Verdict, guard_verdict
from pim_gitops.apply.lockout import possible_self_lockouts
from pim_gitops.apply.overrides import (
    GUARD_ALLOWS,
    MAX_REMOVALS,
    Guards,
    allow_hint,
    guard_of,
    removals_hint,
)
from pim_gitops.apply.planned import planned_state
from pim_gitops.apply.reductions import reductions
from pim_gitops.plan import GuardFacts, Plan, Refusal
from pim_gitops.state import TenantState


def _removals(problem: str, count: int, guards: Guards) -> Refusal:
    hint = removals_hint(count)
    allowed = count <= guards.max_removals
    return Refusal(
        guard=MAX_REMOVALS,
        message=problem.removesuffix(f" ({hint})"),
        override=hint,
        allowed_by=(guards.max_removals_by or f"--max-removals {guards.max_removals}")
        if allowed
        else None,
    )


def as_refusal(problem: str, guards: Guards, count: int = 0) -> Refusal:
    """One guard's problem message as data; ``count`` is the plan's reductions of access."""
    guard = guard_of(problem)
    if guard == MAX_REMOVALS:
        return _removals(problem, count, guards)
    name = GUARD_ALLOWS.get(guard)
    if name is None:  # no override lifts it
        return Refusal(guard=guard, message=problem)
    hint = allow_hint(name)
    return Refusal(
        guard=guard,
        message=problem.removesuffix(f" ({hint})"),
        override=hint,
        allowed_by=guards.source(name) if guards.allows(name) else None,
    )


def judge_plan(
    plan: Plan,
    tenant: TenantState,
    now: datetime,
    guards: Guards,
    *,
    organization: Mapping[str, Any] | None = None,
    facts: GuardFacts | None = None,
    identity_known: bool = False,
) -> tuple[tuple[Refusal, ...], Verdict]:
    """The plan's refusals under ``guards`` (allowed ones marked, none hidden), and the
    strict verdict they come from (its warnings are the plan's, with the plan's context
    about effective access through groups: ``apply.context``).

    ``organization`` is the read's (``None``: none read, the other-tenant guard is left to
    apply); ``facts`` the trusted guard inputs (default the plan's). Unless
    ``identity_known`` (apply, which judges the identity it signs in as), a plan with no
    ``apply_identity:`` judges every service principal that may be it (fail closed)."""
    strict = guards.strict()
    trusted = plan.guards if facts is None else facts
    verdict = guard_verdict(plan, tenant, strict, organization, now, trusted)
    if not identity_known and trusted.apply_identity is None:
        after = planned_state(plan, tenant)
        verdict += possible_self_lockouts(tenant, after, Window(now, strict.horizon))
    verdict += Verdict(warnings=plan_context(plan, tenant))
    count = len(reductions(plan.operations))
    return tuple(as_refusal(p, guards, count) for p in verdict.problems), verdict


def with_guards(
    plan: Plan,
    tenant: TenantState,
    now: datetime,
    guards: Guards,
    *,
    organization: Mapping[str, Any] | None = None,
    facts: GuardFacts | None = None,
    identity_known: bool = False,
) -> Plan:
    """``plan`` with its refusals judged again under the run's ``guards`` (``judge_plan``)."""
    refusals, _ = judge_plan(
        plan,
        tenant,
        now,
        guards,
        organization=organization,
        facts=facts,
        identity_known=identity_known,
    )
    return plan.model_copy(update={"refusals": refusals})


__all__ = ["as_refusal", "judge_plan", "with_guards"]
