"""A saved plan is applied only while the live objects it touches are as it recorded them;
otherwise apply refuses before writing and says what changed, path by path."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from pim_gitops.errors import StalePlanError
from pim_gitops.plan import (
    LiveSchedule,
    Operation,
    Plan,
    RulePatch,
    live_schedule,
    rule_fingerprint,
    schedule_fingerprint,
)
from pim_gitops.state import TenantState
from pim_gitops.wording import plural


def _live_rule(op: RulePatch, tenant: TenantState) -> dict[str, Any]:
    policy = tenant.policies.get(op.role.id)
    rule = policy.raw_rules.get(op.rule_id) if policy else None
    return dict(rule or {})


def _schedule_data(live: LiveSchedule | None) -> dict[str, Any] | None:
    return None if live is None else live.model_dump(mode="json")


def explain_difference(before: Any, after: Any) -> list[str]:
    """What changed between two JSON values, one line per path (deepdiff)."""
    if before is None or after is None:
        return ["created" if before is None else "removed"]
    if not before and after:
        return ["created"]
    if before and not after:
        return ["removed"]
    found = DeepDiff(before, after, ignore_order=True, verbose_level=2)
    return sorted(line.strip() for line in found.pretty().splitlines() if line.strip())


def staleness(op: Operation, tenant: TenantState, index: dict[Any, Any]) -> list[str] | None:
    """``None`` when the live object still matches the plan, else what changed."""
    if isinstance(op, RulePatch):
        if op.role.id not in tenant.policies:
            reason = tenant.policy_errors.get(op.role.id, "no PIM policy found")
            return [f"its PIM policy cannot be read now: {reason}"]
        now_rule = _live_rule(op, tenant)
        if rule_fingerprint(now_rule) == op.fingerprint:
            return None
        changed = explain_difference(op.live_rule, now_rule)
        # Graph may list a set (enabledRules, recipients) in another order: not a change.
        return changed or None
    now_schedule = live_schedule(index.get(op.key))
    if schedule_fingerprint(now_schedule) == op.fingerprint:
        return None
    return explain_difference(_schedule_data(op.live), _schedule_data(now_schedule))


def check_stale(plan: Plan, tenant: TenantState) -> None:
    index = {a.key: a for a in tenant.assignments}
    lines: list[str] = []
    count = 0
    for op in plan.operations:
        changed = staleness(op, tenant, index)
        if changed is None:
            continue
        count += 1
        lines.append(f"{op.label} ({', '.join(op.addresses)}):")
        lines += [f"    {line}" for line in changed]
    if count:
        raise StalePlanError(
            f"the plan is stale: {plural(count, 'object')} changed in the tenant since it was "
            "made; "
            "nothing was written. Make a new plan.\n  " + "\n  ".join(lines)
        )
