"""A saved plan is applied only while the live objects it touches are as it recorded them;
otherwise apply refuses before writing and says what changed, path by path."""

from __future__ import annotations

import json
from typing import Any

from deepdiff import DeepDiff

from pim_gitops.errors import SnapshotError, StalePlanError
from pim_gitops.plan import (
    LiveSchedule,
    Operation,
    Plan,
    RulePatch,
    live_schedule,
    rule_fingerprint,
    schedule_fingerprint,
)
from pim_gitops.policy_rules import rule_by_id, scope_of
from pim_gitops.rawjson import RawObject
from pim_gitops.state import Assignment, TenantState
from pim_gitops.wording import plural


def assignment_index(tenant: TenantState) -> dict[tuple[str, str, str, str], Assignment]:
    """Every live assignment, of directory roles and of group targets, by its key."""
    return {a.key: a for a in (*tenant.assignments, *tenant.group_assignments)}


def _live_rule(op: RulePatch, tenant: TenantState) -> dict[str, Any]:
    policy = tenant.policy_of(op.role.id)
    rule = policy.raw_rules.get(op.rule_id) if policy else None
    return dict(rule or {})


def _schedule_data(live: LiveSchedule | None) -> dict[str, Any] | None:
    return None if live is None else live.model_dump(mode="json")


def explain_difference(before: Any, after: Any) -> list[str]:
    """What changed between two JSON objects, ``key: before → after`` per changed property
    (``[]`` when they differ only in the order of a set)."""
    if before is None or after is None:
        return ["created" if before is None else "removed"]
    if not before and after:
        return ["created"]
    if before and not after:
        return ["removed"]
    if not DeepDiff(before, after, ignore_order=True):
        return []
    keys = sorted(set(before) | set(after))
    return [
        f"{key}: {_shown(before.get(key))} → {_shown(after.get(key))}"
        for key in keys
        if DeepDiff(before.get(key), after.get(key), ignore_order=True)
    ]


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _rule_difference(op: RulePatch, now_rule: dict[str, Any]) -> list[str]:
    """The change of a rule in the policy file's paths (``activation.max_duration: PT8H →
    PT4H``), then the changed Graph properties no path shows (unmanaged ones)."""
    spec = rule_by_id(scope_of(op.role.id), op.rule_id)

    def read(rule: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(spec.read(RawObject(rule, f"rule {op.rule_id}")))
        except SnapshotError:
            return None

    was, now = read(op.live_rule), read(now_rule)
    if was is None or now is None:
        return explain_difference(op.live_rule, now_rule)
    lines = [
        f"{path}: {_shown(_listed(was.get(path)))} → {_shown(_listed(now.get(path)))}"
        for path in spec.paths
        if was.get(path) != now.get(path)
    ]
    for key in sorted(set(op.live_rule) | set(now_rule)):
        before, after = op.live_rule.get(key), now_rule.get(key)
        if DeepDiff(before, after, ignore_order=True) and read({**op.live_rule, key: after}) == was:
            lines.append(f"Graph property {key}: {_shown(before)} → {_shown(after)}")
    return lines


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def staleness(op: Operation, tenant: TenantState, index: dict[Any, Any]) -> list[str] | None:
    """``None`` when the live object still matches the plan, else what changed."""
    if isinstance(op, RulePatch):
        if tenant.policy_of(op.role.id) is None:
            reason = tenant.policy_errors.get(op.role.id, "no PIM policy found")
            return [f"its PIM policy cannot be read now: {reason}"]
        now_rule = _live_rule(op, tenant)
        if rule_fingerprint(now_rule) == op.fingerprint:
            return None
        if not explain_difference(op.live_rule, now_rule):
            return None  # Graph may list a set (enabledRules, recipients) in another order
        return _rule_difference(op, now_rule)
    now_schedule = live_schedule(index.get(op.key))
    if schedule_fingerprint(now_schedule) == op.fingerprint:
        return None
    return explain_difference(_schedule_data(op.live), _schedule_data(now_schedule))


def check_stale(plan: Plan, tenant: TenantState) -> None:
    index = assignment_index(tenant)
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
