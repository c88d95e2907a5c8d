"""The Graph request of each operation (apply/requests.py), body by body: schedule requests
as documented, a policy's rule patches of one step in one PATCH."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from pim_gitops.action import Action
from pim_gitops.apply.requests import group_item, request_groups, schedule_body, schedule_item
from pim_gitops.plan import Plan, RulePatch
from pim_gitops.policy_rules import PolicyScope, rule_by_id
from pim_gitops.state import TenantState
from pim_gitops.wire import format_instant
from tests.test_guards import GA, NOW, request, tenant
from tests.test_stale import made  # noqa: F401  (the module-scoped fixture)

LATER = NOW + timedelta(days=30)


def test_a_create_with_an_end_and_a_ticket() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER).model_copy(
        update={"ticket_number": "CHG-1", "ticket_system": "ServiceNow"}
    )
    assert schedule_body(op, Action.CREATE, NOW) == {
        "action": "adminAssign",
        "principalId": "alice",
        "roleDefinitionId": GA,
        "directoryScopeId": "/",
        "justification": "test",
        "scheduleInfo": {
            "startDateTime": format_instant(NOW),
            "expiration": {"type": "afterDateTime", "endDateTime": format_instant(LATER)},
        },
        "ticketInfo": {"ticketNumber": "CHG-1", "ticketSystem": "ServiceNow"},
    }


def test_a_permanent_update_with_a_ticket_of_no_system() -> None:
    op = request(Action.UPDATE, GA, "alice", end=None).model_copy(update={"ticket_number": "CHG-2"})
    body = schedule_body(op, Action.UPDATE, NOW)
    assert body["action"] == "adminUpdate"
    assert body["scheduleInfo"]["expiration"] == {"type": "noExpiration"}
    assert body["ticketInfo"] == {"ticketNumber": "CHG-2", "ticketSystem": ""}


def test_a_duration_counts_from_the_start_and_a_removal_has_no_schedule() -> None:
    later_start = NOW + timedelta(hours=2)
    op = request(Action.CREATE, GA, "alice", end=LATER).model_copy(
        update={"start": later_start, "duration": 3600}
    )
    expiration = schedule_body(op, Action.CREATE, NOW)["scheduleInfo"]["expiration"]
    assert expiration["endDateTime"] == format_instant(later_start + timedelta(hours=1))
    removal = schedule_body(request(Action.DELETE, GA, "alice"), Action.DELETE, NOW)
    assert removal["action"] == "adminRemove" and "scheduleInfo" not in removal
    assert "ticketInfo" not in removal


def test_a_schedule_item_posts_to_its_kinds_collection() -> None:
    active = request(Action.CREATE, GA, "alice", end=LATER)
    item = schedule_item(active, Action.CREATE, NOW, "7")
    assert (item.key, item.method, item.url, item.target) == (
        "7",
        "POST",
        "/roleManagement/directory/roleAssignmentScheduleRequests",
        active.label,
    )
    eligible = request(Action.CREATE, GA, "alice", "eligible", end=LATER)
    assert schedule_item(eligible, Action.CREATE, NOW, "1").url == (
        "/roleManagement/directory/roleEligibilityScheduleRequests"
    )
    reaimed = group_item({"3": active}, ["3"], tenant(), NOW, Action.UPDATE)
    assert reaimed.key == "3" and reaimed.body["action"] == "adminUpdate"


def policy_with_patches(plan: Plan) -> list[RulePatch]:
    """The rule patches of one step of the policy with the most of them."""
    patches = [op for op in plan.operations if isinstance(op, RulePatch)]
    (key, count), *_ = Counter((p.role.id, p.phase) for p in patches).most_common(1)
    assert count >= 2
    return [p for p in patches if (p.role.id, p.phase) == key]


def test_the_rule_patches_of_one_policy_go_in_one_patch_of_the_policy(
    made: tuple[Plan, TenantState],  # noqa: F811
) -> None:
    plan, state = made
    patches = policy_with_patches(plan)
    schedule = request(Action.CREATE, GA, "alice", end=LATER)
    ops = {str(i): op for i, op in enumerate([*patches, schedule])}
    groups = request_groups(ops)
    assert groups == [[str(i) for i in range(len(patches))], [str(len(patches))]]
    item = group_item(ops, groups[0], state, NOW)
    policy = state.policies[patches[0].role.id]
    ids = sorted(p.rule_id for p in patches)
    assert (item.key, item.method, item.url) == (
        "0",
        "PATCH",
        f"/policies/roleManagementPolicies/{policy.policy_id}",
    )
    assert [r["id"] for r in item.body["rules"]] == ids
    assert item.target == f"{patches[0].role.name}: update rules {', '.join(ids)}"
    first = min(patches, key=lambda p: p.rule_id)
    spec = rule_by_id(PolicyScope.DIRECTORY_ROLE, first.rule_id)
    assert item.body["rules"][0] == spec.write(policy.raw_rules[first.rule_id], first.want)


def test_a_single_rule_patch_goes_to_the_rule(made: tuple[Plan, TenantState]) -> None:  # noqa: F811
    plan, state = made
    patch = policy_with_patches(plan)[1]
    item = group_item({"5": patch}, ["5"], state, NOW)
    policy = state.policies[patch.role.id]
    assert (item.key, item.method, item.url, item.target) == (
        "5",
        "PATCH",
        f"/policies/roleManagementPolicies/{policy.policy_id}/rules/{patch.rule_id}",
        patch.label,
    )
    spec = rule_by_id(PolicyScope.DIRECTORY_ROLE, patch.rule_id)
    assert item.body == spec.write(policy.raw_rules[patch.rule_id], patch.want)
