"""Apply of PIM-for-Groups operations: the group schedule requests' bodies and endpoints
(v1.0 privilegedAccessGroup{Eligibility,Assignment}ScheduleRequest, samples
``groups__post-*``), one PATCH per group policy per phase through the Executor, the settle
read-back of group schedules, read-back and stale checks on group policies and schedules.
Graph is a recorded ``httpx`` handler under the real transport; plans come from
``build_plan`` over hand-built states (tests/groups_world.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pim_gitops.action import Action
from pim_gitops.apply.evaluate import SilentListener, execute, planned_requests
from pim_gitops.apply.requests import schedule_body, schedule_item
from pim_gitops.apply.settle import activation_in_progress, live_schedule_row
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import lagging, not_in_effect
from pim_gitops.errors import StalePlanError
from pim_gitops.plan import LiveSchedule, Plan, RulePatch, ScheduleRequest, build_plan
from pim_gitops.state import TenantState
from pim_gitops.wire import format_instant
from tests.groups_world import (
    ALICE,
    BOB,
    GROUP_ID,
    LATER,
    MEMBER,
    NOW,
    OWNER,
    declared,
    desired,
    group_file,
    group_policy,
    live,
    section,
    tenant,
    with_activation,
)
from tests.test_network import Fake, page, run, transport_for

GROUP_PIM = "/identityGovernance/privilegedAccess/group"


def activation_plan(state: TenantState, seconds: int = 3600) -> Plan:
    settings = with_activation(state.group_policies[MEMBER].settings, seconds)
    return build_plan(desired(group_file(section(settings))), state, NOW)


def member_request(state: TenantState, *items: Any, mode: str = "authoritative") -> Plan:
    settings = state.group_policies[MEMBER].settings
    return build_plan(desired(group_file(section(settings, *items, mode=mode))), state, NOW)


def only_request(plan: Plan) -> ScheduleRequest:
    (op,) = plan.operations
    assert isinstance(op, ScheduleRequest)
    return op


# --- request bodies and endpoints -------------------------------------------------------------


def test_an_eligible_member_create_posts_the_documented_group_body() -> None:
    op = only_request(member_request(tenant(), declared("user:alice@contoso.com")))
    item = schedule_item(op, op.action, NOW, "0")
    assert (item.method, item.url) == ("POST", f"{GROUP_PIM}/eligibilityScheduleRequests")
    assert item.body == {
        "action": "adminAssign",
        "accessId": "member",
        "groupId": GROUP_ID,
        "principalId": ALICE,
        "justification": "Declared in the pim-gitops policy repository",
        "scheduleInfo": {
            "startDateTime": format_instant(NOW),
            "expiration": {"type": "afterDateTime", "endDateTime": format_instant(LATER)},
        },
    }


def test_an_active_owner_update_and_removal_go_to_the_assignment_requests() -> None:
    state = tenant(live(OWNER, BOB, "active", LATER), live(OWNER, ALICE, "active", None))
    owner = state.group_policies[OWNER].settings
    later = LATER + timedelta(days=30)
    plan = build_plan(
        desired(
            group_file(owner=section(owner, declared("user:bob@contoso.com", "active", later)))
        ),
        state,
        NOW,
    )
    update, removal = sorted(
        (op for op in plan.operations if isinstance(op, ScheduleRequest)),
        key=lambda op: op.phase,
    )
    assert (update.action, update.principal.id, removal.action, removal.principal.id) == (
        Action.UPDATE,
        BOB,
        Action.DELETE,
        ALICE,
    )
    body = schedule_body(update, update.action, NOW)
    assert (body["action"], body["accessId"], body["groupId"]) == ("adminUpdate", "owner", GROUP_ID)
    assert body["scheduleInfo"]["expiration"]["endDateTime"] == format_instant(later)
    gone = schedule_item(removal, removal.action, NOW, "1")
    assert gone.url == f"{GROUP_PIM}/assignmentScheduleRequests"
    assert gone.body == {
        "action": "adminRemove",
        "accessId": "owner",
        "groupId": GROUP_ID,
        "principalId": ALICE,
        "justification": "Declared in the pim-gitops policy repository",
    }
    assert "roleDefinitionId" not in gone.body and "directoryScopeId" not in gone.body


def test_removing_a_group_request_not_yet_scheduled_cancels_it_on_the_group_collection() -> None:
    state = tenant(live(MEMBER, BOB))
    op = only_request(member_request(state))
    pending = op.model_copy(
        update={"live": LiveSchedule(id=None, start=NOW, end=LATER, request_id="r-9")}
    )
    item = schedule_item(pending, Action.DELETE, NOW, "0")
    assert (item.method, item.url, item.body) == (
        "POST",
        f"{GROUP_PIM}/eligibilityScheduleRequests/r-9/cancel",
        None,
    )


# --- the Executor: one PATCH per policy per phase --------------------------------------------


class Graph:
    """Answers every ``$batch`` write with 204 and records each inner request."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.fake = Fake(self.answer)

    def answer(self, n: int, request: httpx.Request) -> httpx.Response:
        inner = json.loads(request.content)["requests"]
        self.batches.append(inner)
        responses = [{"id": r["id"], "status": 204, "headers": {}, "body": {}} for r in inner]
        return httpx.Response(200, json={"responses": responses})


def test_the_member_activation_pt8h_to_pt1h_applies_in_one_patch() -> None:
    state = tenant()
    plan = activation_plan(state)
    graph = Graph()
    t = transport_for(graph.fake)
    result = run(t, execute(t, plan, state, NOW, SilentListener()))
    assert [r.status for r in result.results] == ["succeeded"]
    (batch,) = graph.batches
    (write,) = batch
    assert (write["method"], write["url"]) == (
        "PATCH",
        f"/policies/roleManagementPolicies/Group_{GROUP_ID}_member-policy/rules/"
        "Expiration_EndUser_Assignment",
    )
    assert write["body"]["maximumDuration"] == "PT1H"


def test_two_rules_of_the_member_policy_in_one_phase_are_one_patch_of_the_policy() -> None:
    state = tenant()
    member = with_activation(state.group_policies[MEMBER].settings, 3600)
    member = replace(member, activation=replace(member.activation, require_ticket=True))
    plan = build_plan(desired(group_file(section(member))), state, NOW)
    assert len([op for op in plan.operations if isinstance(op, RulePatch)]) == 2
    (item,) = planned_requests(plan, state, NOW)
    assert (item.method, item.url) == (
        "PATCH",
        f"/policies/roleManagementPolicies/Group_{GROUP_ID}_member-policy",
    )
    assert sorted(r["id"] for r in item.body["rules"]) == [
        "Enablement_EndUser_Assignment",
        "Expiration_EndUser_Assignment",
    ]


# --- settling: the group schedule read back ---------------------------------------------------


def row(access: str = "member", **fields: Any) -> dict[str, Any]:
    """A group eligibility schedule as Graph lists it (sample groups__list-eligibilityschedules)."""
    return {
        "id": f"{GROUP_ID}_{access}_r-1",
        "groupId": GROUP_ID,
        "principalId": ALICE,
        "accessId": access,
        "memberType": "Direct",
        "status": "Provisioned",
        "scheduleInfo": {
            "expiration": {"type": "afterDateTime", "endDateTime": format_instant(LATER)}
        },
    } | fields


def test_the_read_back_filters_on_group_and_principal_and_keeps_the_requests_access() -> None:
    op = only_request(member_request(tenant(), declared("user:alice@contoso.com")))
    owner_row, member_row = row("owner"), row("member", memberType="direct")
    fake = Fake(lambda n, r: page([owner_row, member_row]))
    t = transport_for(fake)
    assert run(t, live_schedule_row(t, op)) == member_row
    url = urlsplit(str(fake.seen[0].url))
    assert url.path.endswith(f"{GROUP_PIM}/eligibilitySchedules")
    assert parse_qs(url.query)["$filter"] == [
        f"groupId eq '{GROUP_ID}' and principalId eq '{ALICE}'"
    ]


def test_an_inherited_or_other_access_row_is_not_the_requests() -> None:
    op = only_request(member_request(tenant(), declared("user:alice@contoso.com")))
    fake = Fake(lambda n, r: page([row("owner"), row(memberType="group")]))
    t = transport_for(fake)
    assert run(t, live_schedule_row(t, op)) is None


def test_an_activated_group_membership_is_an_activation_in_progress() -> None:
    op = only_request(member_request(tenant(), declared("user:alice@contoso.com", "active")))
    for rows, expected in (([row(assignmentType="activated")], True), ([row()], False)):
        fake = Fake(lambda n, r, rows=rows: page(rows))  # type: ignore[misc]
        t = transport_for(fake)
        assert run(t, activation_in_progress(t, op)) is expected
        assert urlsplit(str(fake.seen[0].url)).path.endswith(f"{GROUP_PIM}/assignmentSchedules")


# --- read-back and stale plans ----------------------------------------------------------------


def test_a_group_rule_patch_is_in_effect_once_the_group_policy_shows_it() -> None:
    state = tenant()
    plan = activation_plan(state)
    assert not_in_effect(plan, state) == list(plan.operations)
    after_settings = with_activation(state.group_policies[MEMBER].settings, 3600)
    after = replace(
        state,
        group_policies={
            **state.group_policies,
            MEMBER: replace(state.group_policies[MEMBER], settings=after_settings),
        },
    )
    assert not_in_effect(plan, after) == []
    assert lagging(list(plan.operations), state, state) == list(plan.operations)


def test_a_group_schedule_request_is_in_effect_once_the_group_schedule_shows_it() -> None:
    state = tenant()
    plan = member_request(state, declared("user:alice@contoso.com"))
    assert not_in_effect(plan, state) == list(plan.operations)
    after = tenant(live(MEMBER, ALICE))
    assert not_in_effect(plan, after) == []
    elsewhere = tenant(live(OWNER, ALICE))  # an owner schedule is another key
    assert not_in_effect(plan, elsewhere) == list(plan.operations)


def test_a_group_policy_changed_since_the_plan_makes_it_stale() -> None:
    state = tenant()
    plan = activation_plan(state)
    check_stale(plan, state)
    policy = group_policy("member")
    rule = dict(policy.raw_rules["Expiration_EndUser_Assignment"]) | {"maximumDuration": "PT4H"}
    changed = replace(
        state,
        group_policies={
            **state.group_policies,
            MEMBER: replace(policy, raw_rules={**policy.raw_rules, rule["id"]: rule}),
        },
    )
    with pytest.raises(StalePlanError, match=r"activation.max_duration: PT8H → PT4H"):
        check_stale(plan, changed)
    gone = replace(state, group_policies={OWNER: state.group_policies[OWNER]})
    with pytest.raises(StalePlanError, match="its PIM policy cannot be read now"):
        check_stale(plan, gone)


def test_a_group_schedule_changed_since_the_plan_makes_it_stale() -> None:
    state = tenant(live(MEMBER, BOB))
    plan = member_request(state)  # removes bob (authoritative)
    check_stale(plan, state)
    with pytest.raises(StalePlanError, match="the plan is stale"):
        check_stale(plan, tenant(live(MEMBER, BOB, end=LATER + timedelta(days=1))))
