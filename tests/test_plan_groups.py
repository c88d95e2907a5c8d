"""Plans for PIM-for-Groups targets (diff_groups.py, plan/build.py): a group file's member
and owner sections diffed as roles are, under their group targets, with group addresses;
hand-built desired and tenant states (tests/groups_world.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from pim_gitops.action import Action
from pim_gitops.apply.requests import group_item, request_groups
from pim_gitops.errors import PlanError
from pim_gitops.plan import RulePatch, ScheduleRequest, build_plan, dump_plan, parse_plan
from pim_gitops.policy_rules import Phase
from pim_gitops.render.drift import render_drift, render_drift_text
from pim_gitops.render.plan import render_markdown
from pim_gitops.render.plan_text import render_text
from pim_gitops.state import TenantState, make_assignment_rules
from tests.groups_world import (
    ALICE,
    BOB,
    GROUP,
    GROUP_ID,
    MEMBER,
    NOW,
    OWNER,
    as_live,
    declared,
    desired,
    group_file,
    live,
    section,
    tenant,
    with_activation,
)
from tests.test_schema import valid

ADDRESS = f'group["{GROUP}"].member.activation.max_duration'


def eligible_max(state: TenantState, days: int) -> RulePatch:
    """The one rule patch of the member section's eligible maximum set to ``days``."""
    settings = state.group_policies[MEMBER].settings
    rules = make_assignment_rules(
        allow_permanent=False,
        max_duration=days * 86400,
        require_mfa=False,
        require_justification=False,
    )
    changed = replace(settings, eligible_assignment=rules)
    plan = build_plan(desired(group_file(section(changed))), state, NOW)
    (op,) = plan.operations
    assert isinstance(op, RulePatch) and op.rule_id == "Expiration_Admin_Eligibility"
    return op


def test_a_file_declaring_what_the_tenant_holds_plans_nothing() -> None:
    state = tenant(live(MEMBER, BOB), live(OWNER, ALICE, "active", None))
    plan = build_plan(as_live(state), state, NOW)
    assert plan.changes == () and plan.operations == ()


def test_the_member_activation_pt8h_to_pt1h_is_one_change_and_one_patch() -> None:
    state = tenant()
    assert state.group_policies[MEMBER].settings.activation.max_duration == 8 * 3600
    settings = with_activation(state.group_policies[MEMBER].settings, 3600)
    plan = build_plan(desired(group_file(section(settings))), state, NOW)
    (change,) = plan.changes
    assert (change.address, change.before, change.after) == (ADDRESS, "PT8H", "PT1H")
    assert change.role.id == MEMBER and change.role.name == GROUP
    (op,) = plan.operations
    assert isinstance(op, RulePatch)
    assert (op.rule_id, op.role.id, op.addresses) == (
        "Expiration_EndUser_Assignment",
        MEMBER,
        (ADDRESS,),
    )
    assert op.policy_id == state.group_policies[MEMBER].policy_id
    keyed = {"0": op}
    (keys,) = request_groups(keyed)
    item = group_item(keyed, keys, state, NOW)
    assert (item.method, item.url) == (
        "PATCH",
        f"/policies/roleManagementPolicies/Group_{GROUP_ID}_member-policy/rules/"
        "Expiration_EndUser_Assignment",
    )
    assert item.body["maximumDuration"] == "PT1H"
    assert item.body["target"] == state.group_policies[MEMBER].raw_rules[op.rule_id]["target"]


def test_a_shorter_eligible_maximum_tightens_last_and_a_longer_one_relaxes_first() -> None:
    state = tenant()  # Entra's group default: P365D
    assert eligible_max(state, 90).phase == Phase.TIGHTEN
    assert eligible_max(state, 400).phase == Phase.RELAX


def test_rules_of_one_group_policy_in_one_phase_go_in_one_patch_and_each_access_its_own() -> None:
    state = tenant()
    member = state.group_policies[MEMBER].settings
    tighter = replace(
        with_activation(member, 3600),
        activation=replace(
            with_activation(member, 3600).activation, require_mfa=True, require_ticket=True
        ),
    )
    owner = with_activation(state.group_policies[OWNER].settings, 3600)
    plan = build_plan(desired(group_file(section(tighter), section(owner))), state, NOW)
    patches = [op for op in plan.operations if isinstance(op, RulePatch)]
    assert {(p.role.id, p.rule_id) for p in patches} == {
        (MEMBER, "Expiration_EndUser_Assignment"),
        (MEMBER, "Enablement_EndUser_Assignment"),
        (OWNER, "Expiration_EndUser_Assignment"),
    }
    keyed = {str(i): op for i, op in enumerate(patches)}
    items = [group_item(keyed, keys, state, NOW) for keys in request_groups(keyed)]
    assert sorted((i.method, i.url) for i in items) == [
        ("PATCH", f"/policies/roleManagementPolicies/Group_{GROUP_ID}_member-policy"),
        (
            "PATCH",
            f"/policies/roleManagementPolicies/Group_{GROUP_ID}_owner-policy/rules/"
            "Expiration_EndUser_Assignment",
        ),
    ]
    whole = next(i for i in items if i.url.endswith("member-policy"))
    assert [r["id"] for r in whole.body["rules"]] == [
        "Enablement_EndUser_Assignment",
        "Expiration_EndUser_Assignment",
    ]


def test_a_declared_member_is_created_by_a_group_schedule_request() -> None:
    state = tenant()
    settings = state.group_policies[MEMBER].settings
    plan = build_plan(
        desired(group_file(section(settings, declared("user:alice@contoso.com")))), state, NOW
    )
    (change,) = plan.changes
    assert change.address == f'group["{GROUP}"].member.eligible["user:alice@contoso.com"]'
    (op,) = plan.operations
    assert isinstance(op, ScheduleRequest)
    assert (op.phase, op.action, op.role.id, op.principal.id, op.schedule) == (
        Phase.ASSIGN,
        Action.CREATE,
        MEMBER,
        ALICE,
        "eligible",
    )
    assert op.label == f"{GROUP} (member): adminAssign eligible user:alice@contoso.com"


def test_authoritative_removes_an_undeclared_owner_and_additive_keeps_it() -> None:
    state = tenant(live(OWNER, BOB, "active", None))
    owner = state.group_policies[OWNER].settings
    plan = build_plan(desired(group_file(owner=section(owner))), state, NOW)
    (op,) = plan.operations
    assert isinstance(op, ScheduleRequest)
    assert (op.phase, op.action, op.role.id, op.principal.id, op.schedule) == (
        Phase.REMOVE,
        Action.DELETE,
        OWNER,
        BOB,
        "active",
    )
    assert plan.changes[0].address == f'group["{GROUP}"].owner.active["user:bob@contoso.com"]'
    additive = build_plan(desired(group_file(owner=section(owner, mode="additive"))), state, NOW)
    assert additive.operations == ()


def test_an_absent_section_is_not_managed() -> None:
    state = tenant(live(OWNER, BOB, "active", None))
    member = state.group_policies[MEMBER].settings
    plan = build_plan(desired(group_file(section(member))), state, NOW)
    assert plan.operations == ()


def test_the_member_and_owner_of_one_person_are_two_keys() -> None:
    state = tenant(live(MEMBER, BOB))
    owner = state.group_policies[OWNER].settings
    plan = build_plan(
        desired(group_file(owner=section(owner, declared("user:bob@contoso.com")))), state, NOW
    )
    (op,) = plan.operations
    assert isinstance(op, ScheduleRequest) and op.action is Action.CREATE and op.role.id == OWNER


def test_a_group_file_may_name_the_group_by_object_id() -> None:
    state = tenant()
    settings = with_activation(state.group_policies[MEMBER].settings, 3600)
    by_id = build_plan(desired(group_file(section(settings), written=GROUP_ID.upper())), state, NOW)
    assert [c.address for c in by_id.changes] == [ADDRESS]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tier9 Nobody", "policies/groups/tier0-admins.yaml:1:1: group Tier9 Nobody was not found"),
        (ALICE, f"policies/groups/tier0-admins.yaml:1:1: {ALICE} is a user, not a group"),
        (
            "c3333333-3333-3333-3333-333333333333",
            "group c3333333-3333-3333-3333-333333333333 was not found in the tenant",
        ),
    ],
)
def test_a_group_that_does_not_resolve_to_a_group_is_a_plan_error(
    written: str, expected: str
) -> None:
    state = tenant()
    settings = state.group_policies[MEMBER].settings
    with pytest.raises(PlanError, match="the plan cannot be made") as caught:
        build_plan(desired(group_file(section(settings), written=written)), state, NOW)
    assert expected in str(caught.value)


def test_two_files_for_one_group_are_an_error_naming_both() -> None:
    state = tenant()
    settings = state.group_policies[MEMBER].settings
    first = group_file(section(settings))
    second = group_file(section(settings), written=GROUP_ID, file="policies/groups/z.yaml")
    with pytest.raises(PlanError) as caught:
        build_plan(desired(first, second), state, NOW)
    assert (
        f"policies/groups/z.yaml:1:1: group '{GROUP_ID}' is {GROUP} ({GROUP_ID}), already "
        "managed by policies/groups/tier0-admins.yaml:1:1"
    ) in str(caught.value)


def test_a_group_whose_schedules_were_not_read_fails_closed() -> None:
    state = tenant(read=False)
    settings = state.group_policies[MEMBER].settings
    with pytest.raises(PlanError, match="schedules were not read"):
        build_plan(desired(group_file(section(settings))), state, NOW)
    declaring = section(settings, declared("user:alice@contoso.com"), mode="additive")
    with pytest.raises(PlanError, match="schedules were not read"):
        build_plan(desired(group_file(declaring)), state, NOW)


def test_an_additive_section_declaring_nothing_needs_no_schedules() -> None:
    state = tenant(read=False)
    settings = with_activation(state.group_policies[MEMBER].settings, 3600)
    plan = build_plan(desired(group_file(section(settings, mode="additive"))), state, NOW)
    assert [c.address for c in plan.changes] == [ADDRESS]


def test_a_group_target_with_no_policy_read_is_an_error() -> None:
    state = tenant()
    state = replace(state, group_policies={OWNER: state.group_policies[OWNER]})
    settings = state.group_policies[OWNER].settings
    with pytest.raises(
        PlanError,
        match=f"{GROUP} \\(member\\): cannot read its PIM policy: Graph lists no "
        "PIM-for-Groups policy for this group yet",
    ):
        build_plan(desired(group_file(section(settings))), state, NOW)


def test_a_saved_group_plan_reads_back_and_fits_the_plan_schema() -> None:
    state = tenant(live(OWNER, BOB, "active", None))
    member = with_activation(state.group_policies[MEMBER].settings, 3600)
    owner = state.group_policies[OWNER].settings
    plan = build_plan(desired(group_file(section(member), section(owner))), state, NOW)
    document = json.loads(dump_plan(plan))
    valid("plan.schema.json", document)
    again = parse_plan(document, "plan.json")
    assert again.operations == plan.operations and len(again.operations) == 2


def test_plan_text_markdown_and_drift_name_the_group_target() -> None:
    state = tenant(live(OWNER, BOB, "active", None))
    member = with_activation(state.group_policies[MEMBER].settings, 3600)
    owner = state.group_policies[OWNER].settings
    plan = build_plan(desired(group_file(section(member), section(owner))), state, NOW)
    text = render_text(plan)
    assert f'group "{GROUP}" member\n  ~ activation.max_duration: PT8H → PT1H' in text
    assert f'group "{GROUP}" owner\n  - active user bob@contoso.com' in text
    markdown = render_markdown(plan)
    assert f"<b>{GROUP} (member)</b> — 1 change" in markdown
    assert f"<b>{GROUP} (owner)</b> — 1 change" in markdown
    modified = {MEMBER: ("2026-11-30T09:00:00Z", "Portal admin")}
    drift = render_drift_text(plan, modified)
    assert f'group "{GROUP}" member (policy last modified 2026-11-30T09:00:00Z' in drift
    assert f"#### {GROUP} (owner)" in render_drift(plan, modified)


def test_a_plan_names_the_groups_it_writes() -> None:
    state = tenant()
    settings = with_activation(state.group_policies[MEMBER].settings, 3600)
    assert build_plan(desired(group_file(section(settings))), state, NOW).group_ids == (GROUP_ID,)
    assert build_plan(as_live(state), state, NOW).group_ids == ()


def test_a_group_grant_that_starts_later_is_an_error_at_its_place() -> None:
    state = tenant()
    settings = state.group_policies[MEMBER].settings
    later = replace(declared("user:alice@contoso.com"), start=NOW + timedelta(days=1))
    with pytest.raises(PlanError) as caught:
        build_plan(desired(group_file(section(settings, later))), state, NOW)
    assert (
        f"policies/groups/tier0-admins.yaml:12:9: {GROUP} (member): user:alice@contoso.com: a "
        "start in the future is not supported"
    ) in str(caught.value)
    started = replace(later, start=NOW)
    plan = build_plan(desired(group_file(section(settings, started))), state, NOW)
    assert [c.action.value for c in plan.changes] == ["create"]
