"""PIM for Groups, administrative units and scopes → ``TenantState`` (issue 21, item 2):
the documented group payloads, the filters role schedules also get, the AU/app scope split,
and the snapshot keys."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import SnapshotError
from pim_gitops.normalize import normalize_rules, normalize_tenant
from pim_gitops.normalize_groups import is_managed_scope, normalize_group_schedule
from pim_gitops.policy_rules import PolicyScope
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import check_snapshot, dump_snapshot, read_snapshot
from pim_gitops.state import Assignment
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import (
    SAMPLE_NOW,
    TenantBuilder,
    group,
    group_default_rules,
    oid,
    schedule,
    user,
)
from tests.conftest import load_sample

USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
DOCS_NOW = datetime(2023, 1, 1, tzinfo=UTC)
DOC_GROUP = "2b5ed229-4072-478d-9504-a047ebd4b07d"


def documented_owner_policy() -> tuple[dict[str, Any], dict[str, Any]]:
    body = load_sample(
        "groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules.response.json"
    )
    row = copy.deepcopy(body["value"][0])
    policy = row.pop("policy")
    return policy, row


def with_groups(snapshot: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**copy.deepcopy(snapshot), **extra}


def without_groups(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot written before PIM for Groups and administrative units were read."""
    old = {k: v for k, v in data.items() if k not in GROUP_KEYS}
    for key in ("roleManagementPolicies", "roleManagementPolicyAssignments"):
        old[key] = [p for p in data[key] if p.get("scopeType") != "Group"]
    return old


GROUP_KEYS = (
    "administrativeUnits",
    "privilegedAccessGroupAssignmentSchedules",
    "privilegedAccessGroupEligibilitySchedules",
    "privilegedAccessGroupsRead",
)


def test_documented_group_policy_is_read_by_its_group_target() -> None:
    policy, link = documented_owner_policy()
    base = without_groups(read_snapshot(SAMPLE_TENANT))
    data = with_groups(
        base,
        roleManagementPolicies=[*base["roleManagementPolicies"], policy],
        roleManagementPolicyAssignments=[*base["roleManagementPolicyAssignments"], link],
    )
    state = normalize_tenant(data, SAMPLE_NOW)
    target = group_target(link["scopeId"], "owner")
    assert list(state.group_policies) == [target]
    found = state.group_policies[target]
    assert found.policy_id == policy["id"] and found.role_id == target
    assert state.policy_of(target) is found
    # Entra's group defaults: expiring assignments, justification only on activation.
    settings = found.settings
    assert not settings.eligible_assignment.allow_permanent
    assert settings.eligible_assignment.max_duration == 365 * 86400
    assert settings.active_assignment.max_duration == 180 * 86400
    assert not settings.activation.require_mfa and settings.activation.require_justification
    assert settings.activation.max_duration == 8 * 3600
    # A group link never becomes a directory role named "owner", nor an error.
    assert "owner" not in state.policies and len(state.policies) == 31
    assert state.policy_errors == {}


def test_tenantgen_group_defaults_are_the_documented_ones() -> None:
    policy, _ = documented_owner_policy()
    documented = normalize_rules(policy["rules"], "docs", PolicyScope.GROUP)
    assert normalize_rules(group_default_rules(), "generated", PolicyScope.GROUP) == documented


def test_an_edited_group_rule_is_read() -> None:
    t = TenantBuilder(oid("tenant", "g"), SAMPLE_NOW)
    gid = t.add(group("Tier0 Admins"))
    t.add_pim_group(gid)
    t.group_rule(gid, "member", "Expiration_EndUser_Assignment")["maximumDuration"] = "PT1H"
    state = normalize_tenant(t.snapshot(), SAMPLE_NOW)
    member, owner = group_target(gid, "member"), group_target(gid, "owner")
    assert state.group_policies[member].settings.activation.max_duration == 3600
    assert state.group_policies[owner].settings.activation.max_duration == 8 * 3600
    assert state.pim_groups_read == frozenset({gid})


def test_a_group_policy_missing_a_rule_is_a_policy_error_of_its_target() -> None:
    t = TenantBuilder(oid("tenant", "g"), SAMPLE_NOW)
    gid = t.add(group("Tier0 Admins"))
    t.add_pim_group(gid)
    data = t.snapshot()
    policy = data["roleManagementPolicies"][0]
    policy["rules"] = [r for r in policy["rules"] if r["id"] != "Approval_EndUser_Assignment"]
    state = normalize_tenant(data, SAMPLE_NOW)
    (target,) = [k for k in state.policy_errors]
    assert (
        target.startswith(f"group:{gid}/")
        and "missing rules Approval_EndUser_Assignment" in (state.policy_errors[target])
    )


def test_documented_group_eligibility_schedule() -> None:
    row = load_sample("groups__list-eligibilityschedules.response.json")["value"][0]
    found = normalize_group_schedule(row, "eligible", DOCS_NOW)
    assert found == Assignment(
        group_target(DOC_GROUP, "member"),
        "3cce9d87-3986-4f19-8335-7ed075408ca2",
        "/",
        "eligible",
        datetime(2024, 4, 10, tzinfo=UTC),
        datetime(2022, 4, 12, 14, 44, 50, 287000, tzinfo=UTC),
    )
    assert found is not None and found.schedule_id == row["id"]
    assert normalize_group_schedule(row, "eligible", datetime(2024, 4, 10, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"memberType": "Group"}, "eligible"),
        ({"memberType": "group"}, "eligible"),
        ({"status": "PendingProvisioning"}, "eligible"),
        ({"assignmentType": "activated"}, "active"),
        ({"assignmentType": "Activated"}, "active"),
    ],
)
def test_group_schedules_are_filtered_as_role_schedules_are(
    change: dict[str, str], kind: str
) -> None:
    row = load_sample("groups__list-eligibilityschedules.response.json")["value"][0]
    assert normalize_group_schedule(row, kind, DOCS_NOW) is not None  # type: ignore[arg-type]
    assert normalize_group_schedule({**row, **change}, kind, DOCS_NOW) is None  # type: ignore[arg-type]


def test_group_schedule_enums_in_any_case_and_outside_pim() -> None:
    row = load_sample("groups__list-eligibilityschedules.response.json")["value"][0]
    row = {**row, "memberType": "direct", "status": "provisioned", "accessId": "Owner"}
    found = normalize_group_schedule({**row, "assignmentType": "assigned"}, "active", DOCS_NOW)
    assert found is not None and found.role_id == group_target(DOC_GROUP, "owner")
    assert not found.outside_pim
    # A member added outside PIM is an ordinary permanent membership PIM updates and removes.
    added = normalize_group_schedule({**row, "createdUsing": None}, "active", DOCS_NOW)
    assert added is not None and not added.outside_pim and added.key == found.key


def test_malformed_group_schedule_names_it() -> None:
    row = load_sample("groups__list-eligibilityschedules.response.json")["value"][0]
    with pytest.raises(SnapshotError, match=f"EligibilitySchedule {row['id']}: unknown accessId"):
        normalize_group_schedule({**row, "accessId": "admin"}, "eligible", DOCS_NOW)
    with pytest.raises(SnapshotError, match="missing 'groupId'"):
        normalize_group_schedule({"id": "x", "principalId": "p"}, "eligible", DOCS_NOW)


@pytest.mark.parametrize(
    ("scope", "managed"),
    [
        ("/", True),
        ("/administrativeUnits/1f6c7a52-0000-4000-8000-000000000001", True),
        ("/administrativeUnits/", False),
        ("/administrativeUnits/au/extra", False),
        ("/5a2a1e8c-0000-4000-8000-000000000009", False),
        ("app:0c8bd1a4-0000-4000-8000-000000000002", False),
    ],
)
def test_managed_scopes(scope: str, managed: bool) -> None:
    assert is_managed_scope(scope) is managed


def test_au_scoped_schedules_are_assignments_app_and_object_scopes_are_not() -> None:
    t = TenantBuilder(oid("tenant", "s"), SAMPLE_NOW)
    t.add_role(USER_ADMINISTRATOR, "User Administrator")
    ann = t.add(user("ann@c.com", "Ann"))
    paris = f"/administrativeUnits/{t.add_unit('Paris')}"
    t.grant("eligible", USER_ADMINISTRATOR, ann, scope=paris)
    t.grant("eligible", USER_ADMINISTRATOR, ann, scope="/")
    t.grant("eligible", USER_ADMINISTRATOR, ann, scope=f"/{oid('user', 'bob')}")
    data = t.snapshot()
    app = schedule("eligible", USER_ADMINISTRATOR, ann, start=SAMPLE_NOW, end=None)
    app.update(id="app-1", directoryScopeId=None, appScopeId="app-9")
    data["roleEligibilitySchedules"].append(app)
    state = normalize_tenant(data, SAMPLE_NOW)
    assert sorted(a.scope for a in state.assignments) == ["/", paris]
    assert sorted(a.scope for a in state.unmanaged_scoped) == [
        f"/{oid('user', 'bob')}",
        "app:app-9",
    ]
    assert state.administrative_units is not None
    (unit,) = state.administrative_units.values()
    assert (unit.display_name, unit.restricted) == ("Paris", False)


def test_an_au_scoped_request_in_flight_is_an_assignment() -> None:
    base = read_snapshot(SAMPLE_TENANT)
    paris = "/administrativeUnits/" + oid("au", "Paris")
    who = oid("user", "nobody")
    request = {
        "id": "req-au",
        "action": "adminAssign",
        "status": "Granted",
        "principalId": who,
        "roleDefinitionId": USER_ADMINISTRATOR,
        "directoryScopeId": paris,
        "createdDateTime": "2026-11-24T08:00:00Z",
        "scheduleInfo": {
            "startDateTime": "2026-12-01T00:00:00Z",
            "expiration": {"type": "noExpiration"},
        },
    }
    state = normalize_tenant(
        with_groups(base, roleEligibilityScheduleRequests=[request]), SAMPLE_NOW
    )
    (found,) = [a for a in state.assignments if a.principal_id == who]
    assert found.scope == paris and found.request == ("req-au", "Granted")


def test_units_and_groups_not_read_say_so() -> None:
    state = normalize_tenant(without_groups(read_snapshot(SAMPLE_TENANT)), SAMPLE_NOW)
    assert state.administrative_units is None and state.pim_groups_read == frozenset()
    assert state.group_policies == {} and state.group_assignments == ()
    empty = normalize_tenant(
        with_groups(read_snapshot(SAMPLE_TENANT), administrativeUnits=[]), SAMPLE_NOW
    )
    assert empty.administrative_units == {}


def test_group_read_errors_are_policy_errors_of_both_targets() -> None:
    gid = oid("group", "Locked")
    data = with_groups(
        read_snapshot(SAMPLE_TENANT), privilegedAccessGroupReadErrors={gid: "403 Forbidden"}
    )
    state = normalize_tenant(data, SAMPLE_NOW)
    for access in ("member", "owner"):
        assert state.policy_errors[group_target(gid, access)] == (
            "PIM for Groups could not be read: 403 Forbidden"
        )
    assert gid not in state.pim_groups_read


def test_group_snapshot_round_trips_and_sorts() -> None:
    t = TenantBuilder(oid("tenant", "rt"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    gid = t.add(group("Tier0 Admins"))
    t.grant("active", GLOBAL_ADMINISTRATOR, gid)
    for name in ("zed", "amy", "kim"):
        t.grant_group("eligible", gid, t.add(user(f"{name}@c.com", name)))
    t.grant_group("active", gid, t.add(user("own@c.com", "own")), access="owner")
    t.add_unit("Lyon")
    data = t.snapshot()
    data["privilegedAccessGroupsRead"] = [gid.upper()]
    text = dump_snapshot(data)
    again = check_snapshot(json.loads(text), "x")
    assert again["privilegedAccessGroupsRead"] == [gid]
    rows = again["privilegedAccessGroupEligibilitySchedules"]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert dump_snapshot(again) == text
    state = normalize_tenant(again, SAMPLE_NOW)
    assert {a.role_id for a in state.group_assignments} == {
        group_target(gid, "member"),
        group_target(gid, "owner"),
    }
    # An active owner is not a direct member.
    assert state.group_members.get(gid, ()) == ()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("privilegedAccessGroupsRead", "g1", "must be a list of group ids"),
        ("privilegedAccessGroupReadErrors", {"g1": 3}, "maps group ids to messages"),
        ("privilegedAccessGroupEligibilitySchedules", {"id": "x"}, "must be a list"),
        ("administrativeUnits", ["x"], "is not a JSON object"),
    ],
)
def test_malformed_group_keys_are_refused(key: str, value: Any, message: str) -> None:
    data = with_groups(read_snapshot(SAMPLE_TENANT), **{key: value})
    with pytest.raises(SnapshotError, match=message):
        check_snapshot(data, "t.json")
