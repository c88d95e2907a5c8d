"""Raw Graph JSON → TenantState: the documented payloads, Graph's equivalences, and clear
errors for malformed input."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import SnapshotError
from pim_gitops.normalize import normalize_rules, normalize_schedule, normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import dump_snapshot, read_snapshot
from pim_gitops.state import ENTRA_DEFAULT_SETTINGS
from pim_gitops.tenantgen import SAMPLE_NOW, default_rules, sample_tenant
from tests.conftest import load_sample

DOCS_NOW = datetime(2022, 4, 12, 12, 0, tzinfo=UTC)


def documented_rules() -> list[dict[str, Any]]:
    body = load_sample(
        "policies__list-rolemanagementpolicyassignments-expand-policy-rules.response.json"
    )
    return list(body["value"][0]["policy"]["rules"])


def rule(rules: list[dict[str, Any]], rule_id: str) -> dict[str, Any]:
    return next(r for r in rules if r["id"] == rule_id)


def test_documented_untouched_policy_is_entra_default() -> None:
    assert normalize_rules(documented_rules(), "docs") == ENTRA_DEFAULT_SETTINGS
    assert normalize_rules(default_rules(), "generated") == ENTRA_DEFAULT_SETTINGS


def test_rule_order_does_not_matter() -> None:
    rules = documented_rules()
    shuffled = copy.deepcopy(rules)
    random.Random(3).shuffle(shuffled)
    assert normalize_rules(shuffled, "x") == normalize_rules(rules, "x")


def test_graph_equivalences() -> None:
    rules = documented_rules()
    baseline = normalize_rules(rules, "x")
    changed = copy.deepcopy(rules)
    rule(changed, "AuthenticationContext_EndUser_Assignment")["claimValue"] = ""
    rule(changed, "Notification_Admin_Admin_Eligibility")["notificationRecipients"] = [""]
    # maximumDuration is ignored while permanence is allowed.
    rule(changed, "Expiration_Admin_Eligibility")["maximumDuration"] = "P30D"
    # Stale approvers while approval is off are ignored.
    stage = rule(changed, "Approval_EndUser_Assignment")["setting"]["approvalStages"][0]
    stage["primaryApprovers"] = [{"@odata.type": "#microsoft.graph.singleUser", "userId": "u1"}]
    rule(changed, "Expiration_EndUser_Assignment")["maximumDuration"] = "PT480M"
    rule(changed, "Enablement_EndUser_Assignment")["enabledRules"] = [
        "Justification",
        "MultiFactorAuthentication",
    ]
    assert normalize_rules(changed, "x") == baseline


def test_settings_are_read_from_every_rule() -> None:
    rules = documented_rules()
    rule(rules, "Expiration_Admin_Assignment").update(
        isExpirationRequired=True, maximumDuration="P15D"
    )
    rule(rules, "Enablement_EndUser_Assignment")["enabledRules"] = ["Justification", "Ticketing"]
    rule(rules, "AuthenticationContext_EndUser_Assignment").update(isEnabled=True, claimValue="c1")
    approval = rule(rules, "Approval_EndUser_Assignment")["setting"]
    approval["isApprovalRequired"] = True
    approval["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": "g1"},
        {"@odata.type": "#microsoft.graph.singleUser", "userId": "u1"},
    ]
    rule(rules, "Notification_Requestor_EndUser_Assignment").update(
        notificationLevel="Critical",
        isDefaultRecipientsEnabled=False,
        notificationRecipients=["SecOps@Contoso.com"],
    )
    settings = normalize_rules(rules, "x")
    assert settings.active_assignment.allow_permanent is False
    assert settings.active_assignment.max_duration == 15 * 86400
    assert settings.activation.require_ticket and not settings.activation.require_mfa
    assert settings.activation.authentication_context == "c1"
    assert settings.activation.approvers == ("group:g1", "user:u1")
    note = settings.notification("activated", "requestor")
    assert (note.level, note.default_recipients, note.recipients) == (
        "Critical",
        False,
        ("secops@contoso.com",),
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda rs: rs.pop(0), "missing rules Expiration_Admin_Eligibility"),
        (
            lambda rs: rule(rs, "Expiration_EndUser_Assignment").update(maximumDuration="8:00:00"),
            "rule Expiration_EndUser_Assignment: 'maximumDuration'",
        ),
        (
            lambda rs: rule(rs, "Expiration_Admin_Eligibility").update(
                {"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule"}
            ),
            "unexpected @odata.type",
        ),
        (
            lambda rs: rule(rs, "Enablement_EndUser_Assignment").update(
                enabledRules=["Fingerprint"]
            ),
            "unknown enabledRules",
        ),
        (
            lambda rs: rule(rs, "Notification_Admin_Admin_Eligibility").update(
                isDefaultRecipientsEnabled="yes"
            ),
            "must be true or false",
        ),
        (lambda rs: rs.append(42), "expected an object"),
    ],
)
def test_malformed_rules_name_the_object(mutate: Any, message: str) -> None:
    rules = documented_rules()
    mutate(rules)
    with pytest.raises(SnapshotError, match="policy DirectoryRole_x") as info:
        normalize_rules(rules, "policy DirectoryRole_x")
    assert message in str(info.value)


def schedule_row(**changes: Any) -> dict[str, Any]:
    row = load_sample("eligibility__list-roleeligibilityschedules.response.json")["value"][0]
    return dict(row) | changes


def test_documented_schedules_normalize() -> None:
    row = schedule_row()
    assignment = normalize_schedule(row, "eligible", DOCS_NOW)
    assert assignment is not None
    assert (assignment.role_id, assignment.principal_id, assignment.scope) == (
        row["roleDefinitionId"],
        row["principalId"],
        "/",
    )
    assert assignment.schedule_id == row["id"] and assignment.end is not None
    active = load_sample("assignment__list-roleassignmentschedules.response.json")["value"]
    normalized = [normalize_schedule(r, "active", DOCS_NOW) for r in active]
    assert all(a is not None for a in normalized)
    assert any(a is not None and a.permanent for a in normalized)


def test_schedules_that_are_not_assignments_to_manage() -> None:
    far_future = datetime(2100, 1, 1, tzinfo=UTC)
    assert normalize_schedule(schedule_row(), "eligible", far_future) is None  # expired
    assert normalize_schedule(schedule_row(memberType="Group"), "eligible", DOCS_NOW) is None
    activated = schedule_row(assignmentType="Activated")
    assert normalize_schedule(activated, "active", DOCS_NOW) is None
    pending = schedule_row(status="PendingApproval")
    assert normalize_schedule(pending, "eligible", DOCS_NOW) is None


def test_malformed_schedule_names_it() -> None:
    row = schedule_row()
    row["scheduleInfo"] = {"startDateTime": "yesterday", "expiration": {"type": "noExpiration"}}
    with pytest.raises(SnapshotError, match=f"roleEligibilitySchedule {row['id']}"):
        normalize_schedule(row, "eligible", DOCS_NOW)
    with pytest.raises(SnapshotError, match="missing 'principalId'"):
        normalize_schedule({"id": "x", "roleDefinitionId": "r"}, "eligible", DOCS_NOW)


def test_sample_tenant_normalizes() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert len(state.roles) == len(state.policies) == 31
    assert state.policy_errors == {}
    # The sample's one AU-scoped eligibility is an assignment like a tenant-wide one.
    assert state.unmanaged_scoped == ()
    scoped = [a for a in state.assignments if a.scope != "/"]
    assert len(scoped) == 1 and scoped[0].scope.startswith("/administrativeUnits/")
    assert state.policies[GLOBAL_ADMINISTRATOR].settings.activation.max_duration == 2 * 3600
    ga_active = [
        a for a in state.assignments if a.role_id == GLOBAL_ADMINISTRATOR and a.kind == "active"
    ]
    assert len(ga_active) == 3 and all(a.permanent for a in ga_active)


def test_policy_keyed_by_role_whatever_the_prefix() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    for policy in snapshot["roleManagementPolicies"]:
        policy["id"] = policy["id"].replace("DirectoryRole_", "Directory_")
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert len(state.policies) == 31


def test_role_without_policy_is_reported_not_dropped() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    snapshot["roleManagementPolicyAssignments"] = [
        a
        for a in snapshot["roleManagementPolicyAssignments"]
        if a["roleDefinitionId"] != GLOBAL_ADMINISTRATOR
    ]
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert GLOBAL_ADMINISTRATOR in state.policy_errors


def test_bundled_sample_tenant_is_current() -> None:
    """``make sample-tenant`` regenerates it; this fails when the generator changed."""
    assert SAMPLE_TENANT.read_text(encoding="utf-8") == dump_snapshot(sample_tenant(SAMPLE_NOW))


def test_snapshot_from_the_emulator_round_trips(live: Any) -> None:
    served = live.snapshot()
    original = read_snapshot(SAMPLE_TENANT)
    assert json.loads(dump_snapshot(served | {"capturedAt": original["capturedAt"]})) == json.loads(
        dump_snapshot(original)
    )
