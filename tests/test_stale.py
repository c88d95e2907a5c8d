"""A saved plan whose live objects changed is refused, naming each changed object and what
changed in it, path by path (deepdiff); objects the plan does not touch may change freely."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.action import Action
from pim_gitops.apply import check_stale
from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import StalePlanError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan, RulePatch, ScheduleRequest
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import Assignment, TenantState
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, Live

APP_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"
ACTIVATION_EXPIRY = "Expiration_EndUser_Assignment"


@pytest.fixture(scope="module")
def made() -> tuple[Plan, TenantState]:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    return plan_against(load_desired(str(POLICIES), SAMPLE_NOW), state, SAMPLE_NOW), state


def with_rule(state: TenantState, role_id: str, rule_id: str, **fields: Any) -> TenantState:
    """The tenant with one raw rule of one role's policy edited, as in the portal."""
    policy = state.policies[role_id]
    rules = dict(policy.raw_rules)
    rules[rule_id] = {**rules[rule_id], **fields}
    policies = {**state.policies, role_id: replace(policy, raw_rules=rules)}
    return replace(state, policies=policies)


def schedule_op(plan: Plan, action: Action) -> ScheduleRequest:
    return next(
        op for op in plan.operations if isinstance(op, ScheduleRequest) and op.action is action
    )


def without(state: TenantState, key: tuple[str, str, str, str]) -> TenantState:
    return replace(state, assignments=tuple(a for a in state.assignments if a.key != key))


def refusal(plan: Plan, state: TenantState) -> list[str]:
    with pytest.raises(StalePlanError) as caught:
        check_stale(plan, state)
    return str(caught.value).splitlines()


def test_the_tenant_the_plan_was_made_from_is_not_stale(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    check_stale(plan, state)


def test_a_changed_rule_is_named_with_the_changed_path(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    edited = with_rule(state, APP_ADMIN, ACTIVATION_EXPIRY, maximumDuration="PT3H")
    assert refusal(plan, edited) == [
        "the plan is stale: 1 object changed in the tenant since it was made; nothing was "
        "written. Make a new plan.",
        "  Application Administrator: update rule Expiration_EndUser_Assignment "
        '(role["Application Administrator"].activation.max_duration):',
        "      activation.max_duration: PT8H → PT3H",
    ]


def test_every_changed_path_of_a_rule_is_listed(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    edited = with_rule(
        state, APP_ADMIN, ACTIVATION_EXPIRY, maximumDuration="PT3H", isExpirationRequired=False
    )
    lines = refusal(plan, edited)
    assert lines[2:] == [
        "      activation.max_duration: PT8H → PT3H",
        "      Graph property isExpirationRequired: true → false",
    ]


def test_a_rule_the_plan_does_not_patch_may_change(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    patched = {(op.role.id, op.rule_id) for op in plan.operations if isinstance(op, RulePatch)}
    role_id, policy = next(
        (role_id, policy)
        for role_id, policy in sorted(state.policies.items())
        if (role_id, ACTIVATION_EXPIRY) not in patched
    )
    assert ACTIVATION_EXPIRY in policy.raw_rules
    check_stale(plan, with_rule(state, role_id, ACTIVATION_EXPIRY, maximumDuration="PT1H"))


def test_an_unreadable_policy_is_not_explained_as_a_change(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    policies = {k: v for k, v in state.policies.items() if k != APP_ADMIN}
    unreadable = replace(state, policies=policies, policy_errors={APP_ADMIN: "403 Forbidden"})
    lines = refusal(plan, unreadable)
    patches = [
        op for op in plan.operations if isinstance(op, RulePatch) and op.role.id == APP_ADMIN
    ]
    objects = "1 object" if len(patches) == 1 else f"{len(patches)} objects"
    assert lines[0].startswith(f"the plan is stale: {objects} changed")
    assert lines[1:] == [
        line
        for op in patches
        for line in (
            f"  {op.label} ({', '.join(op.addresses)}):",
            "      its PIM policy cannot be read now: 403 Forbidden",
        )
    ]


def test_a_changed_schedule_is_named_with_the_changed_path(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    op = schedule_op(plan, Action.UPDATE)
    assert op.live is not None and op.live.end is not None
    moved = op.live.end + timedelta(days=1)
    assignments = tuple(replace(a, end=moved) if a.key == op.key else a for a in state.assignments)
    lines = refusal(plan, replace(state, assignments=assignments))
    assert lines[1:] == [
        f"  {op.label} ({op.addresses[0]}):",
        f"      end: {op.live.end:%Y-%m-%dT%H:%M:%SZ} → {moved:%Y-%m-%dT%H:%M:%SZ}",
    ]


def test_a_schedule_made_meanwhile_stales_its_create(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    op = schedule_op(plan, Action.CREATE)
    created = Assignment(
        op.role.id, op.principal.id, op.scope, op.schedule, None, SAMPLE_NOW, schedule_id="new"
    )
    lines = refusal(plan, replace(state, assignments=(*state.assignments, created)))
    assert lines[1:] == [f"  {op.label} ({op.addresses[0]}):", "      created"]


def test_a_schedule_gone_meanwhile_stales_its_removal(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    op = schedule_op(plan, Action.DELETE)
    lines = refusal(plan, without(state, op.key))
    assert lines[1:] == [f"  {op.label} ({op.addresses[0]}):", "      removed"]


def test_each_stale_object_is_counted_and_listed(made: tuple[Plan, TenantState]) -> None:
    plan, state = made
    removal = schedule_op(plan, Action.DELETE)
    edited = with_rule(state, APP_ADMIN, ACTIVATION_EXPIRY, maximumDuration="PT3H")
    lines = refusal(plan, without(edited, removal.key))
    assert lines[0].startswith("the plan is stale: 2 objects changed")
    assert sum(1 for line in lines if line.startswith("  ") and line.endswith(":")) == 2


# --- end to end: a saved plan against the emulator ----------------------------------------


def test_saved_plan_refused_after_a_portal_edit_names_the_path(live: Live, tmp_path: Path) -> None:
    now = ["--now", "2026-11-24T09:00:00Z", "--graph-url", live.url]
    plan_file = tmp_path / "plan.json"
    made = CliRunner().invoke(cli, [*now, "plan", str(POLICIES), "--out", str(plan_file)])
    assert made.exit_code == 0, made.output
    policy = live.http.get(
        "policies/roleManagementPolicyAssignments",
        params={
            "$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole' and "
            f"roleDefinitionId eq '{GLOBAL_ADMINISTRATOR}'",
            "$expand": "policy($expand=rules)",
        },
    ).json()["value"][0]["policy"]
    rule = next(r for r in policy["rules"] if r["id"] == ACTIVATION_EXPIRY)
    was = rule["maximumDuration"]
    rule["maximumDuration"] = "PT3H"
    url = f"policies/roleManagementPolicies/{policy['id']}/rules/{ACTIVATION_EXPIRY}"
    assert live.http.patch(url, json=rule).status_code == 204
    writes = live.stats()["writes"]

    result = CliRunner().invoke(cli, [*now, "apply", str(plan_file)])

    assert result.exit_code == 1
    assert "the plan is stale: 1 object changed" in result.output
    assert (
        "Global Administrator: update rule Expiration_EndUser_Assignment "
        '(role["Global Administrator"].activation.max_duration):'
    ) in result.output
    assert f"activation.max_duration: {was} → PT3H" in result.output
    assert live.stats()["writes"] == writes
