"""Read-back uses the differ's comparison: what it calls not in effect, a fresh plan shows,
and however Graph spells an equal value, it is in effect."""

from __future__ import annotations

import copy

from pim_gitops.apply.verify import explain_not_in_effect, not_in_effect
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import RulePatch
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import parse_duration
from tests.test_plan import apply_in_memory, plan_for


def test_nothing_applied_means_every_operation_is_reported_with_the_raw_difference() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    plan = plan_for(snapshot=snapshot)
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert {op.label for op in not_in_effect(plan, state)} == {op.label for op in plan.operations}
    duration = next(
        op
        for op in plan.operations
        if isinstance(op, RulePatch)
        and op.rule_id == "Expiration_EndUser_Assignment"
        and op.role.name == "Global Administrator"
    )
    why = explain_not_in_effect(duration, state)
    assert any(line.startswith("maximumDuration: ") and "PT1H" in line for line in why), why


def test_applied_and_respelled_is_in_effect() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    plan = plan_for(snapshot=snapshot)
    after = apply_in_memory(snapshot, plan)
    for policy in after["roleManagementPolicies"]:
        for rule in policy["rules"]:
            if rule.get("maximumDuration"):
                minutes = parse_duration(rule["maximumDuration"]) // 60
                rule["maximumDuration"] = f"PT{minutes}M"
            for key in ("notificationRecipients", "enabledRules"):
                if rule.get(key):
                    rule[key] = [str(v).upper() if "@" in str(v) else v for v in rule[key]][::-1]
        policy["rules"].reverse()
    state = normalize_tenant(copy.deepcopy(after), SAMPLE_NOW)
    assert not_in_effect(plan, state) == []
    assert plan_for(snapshot=after).empty  # the same verdict as a fresh plan


def test_a_failed_write_the_read_back_shows_is_confirmed_and_only_missing_ones_fail() -> None:
    from pim_gitops.apply.result import ApplyResult, NotInEffect, OpResult
    from pim_gitops.apply.run import confirm_by_read_back

    ops = plan_for().operations[:3]
    results = [
        OpResult(ops[0], "failed", "no definite answer", "Unsettled"),
        OpResult(ops[1], "failed", "", "GatewayTimeout"),
        OpResult(ops[2], "skipped", "guard", "GuardRefused"),
    ]
    confirmed = confirm_by_read_back(results, missing={id(ops[1]), id(ops[2])})
    assert [r.status for r in confirmed] == ["succeeded", "failed", "skipped"]
    assert (
        "in effect on read-back" in confirmed[0].message and "no definite" in confirmed[0].message
    )
    outcome = ApplyResult(confirmed, [NotInEffect(ops[1], ("x",))])
    assert not outcome.ok
    assert ApplyResult(confirm_by_read_back(results[:1], missing=set())).ok
