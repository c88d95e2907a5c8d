"""What normalize reads when Graph leaves a property out, and where a schedule stops being one
to manage: the defaults of absent properties, the expiry boundary, every expiration type."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pim_gitops.errors import SnapshotError
from pim_gitops.normalize import (
    normalize_principal,
    normalize_role,
    normalize_role_assignment,
    normalize_rules,
    normalize_schedule,
    normalize_tenant,
)
from pim_gitops.policy_rules import PolicyScope, rule_by_id
from pim_gitops.rawjson import RawObject
from pim_gitops.tenantgen import default_rules
from pim_gitops.wire import format_instant
from tests.test_normalize import rule, schedule_row

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NOTIFY = "Notification_Admin_Admin_Eligibility"
PREFIX = "notifications.eligible_assigned.admin"


def read(rule_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    return rule_by_id(PolicyScope.DIRECTORY_ROLE, rule_id).read(RawObject(raw, "rule"))


# --- notification rules ----------------------------------------------------------------------


def test_a_notification_rule_without_level_or_default_flag_notifies_everything_by_default() -> None:
    raw = {"id": NOTIFY, "notificationRecipients": ["A@Contoso.com ", "", "a@contoso.com"]}
    assert read(NOTIFY, raw) == {
        f"{PREFIX}.default_recipients": True,
        f"{PREFIX}.recipients": ("a@contoso.com",),
        f"{PREFIX}.critical_only": False,
    }


@pytest.mark.parametrize(
    ("level", "critical"), [("All", False), ("Critical", True), ("None", "none")]
)
def test_notification_levels(level: str, critical: bool | str) -> None:
    """Each level reads as the ``critical_only`` word a policy file writes for it."""
    raw = {"id": NOTIFY, "notificationLevel": level, "isDefaultRecipientsEnabled": False}
    leaves = read(NOTIFY, raw)
    assert leaves[f"{PREFIX}.critical_only"] == critical
    assert leaves[f"{PREFIX}.default_recipients"] is False


def test_an_unknown_notification_level_is_refused() -> None:
    with pytest.raises(SnapshotError, match="unknown notificationLevel 'Loud'"):
        read(NOTIFY, {"id": NOTIFY, "notificationLevel": "Loud"})


def test_the_documented_default_policy_reads_default_recipients_on() -> None:
    rules = default_rules()
    for r in rules:
        r.pop("isDefaultRecipientsEnabled", None)
        r.pop("notificationLevel", None)
    settings = normalize_rules(rules, "x")
    note = settings.notification("activated", "approver")
    assert note.default_recipients is True and note.level == "All"


# --- expiration rules -------------------------------------------------------------------------


def test_expiration_read_hides_the_maximum_while_permanence_is_allowed() -> None:
    rule_id, name = "Expiration_Admin_Assignment", "active_assignment"
    required = {"id": rule_id, "isExpirationRequired": True, "maximumDuration": "P15D"}
    assert read(rule_id, required) == {
        f"{name}.allow_permanent": False,
        f"{name}.max_duration": "P15D",
    }
    optional = required | {"isExpirationRequired": False}
    assert read(rule_id, optional) == {
        f"{name}.allow_permanent": True,
        f"{name}.max_duration": None,
    }
    absent = {"id": rule_id}
    assert read(rule_id, absent) == {f"{name}.allow_permanent": True, f"{name}.max_duration": None}
    with pytest.raises(SnapshotError, match="maximumDuration is missing"):
        read(rule_id, {"id": rule_id, "isExpirationRequired": True})


def test_an_activation_rule_without_its_maximum_is_refused() -> None:
    with pytest.raises(SnapshotError, match="missing 'maximumDuration'"):
        read("Expiration_EndUser_Assignment", {"id": "Expiration_EndUser_Assignment"})


def test_an_authentication_context_is_read_only_while_enabled() -> None:
    rule_id, path = "AuthenticationContext_EndUser_Assignment", "activation.authentication_context"
    assert read(rule_id, {"id": rule_id, "isEnabled": True, "claimValue": "c1"}) == {path: "c1"}
    assert read(rule_id, {"id": rule_id, "isEnabled": False, "claimValue": "c1"}) == {path: None}
    assert read(rule_id, {"id": rule_id, "claimValue": "c1"}) == {path: None}
    assert read(rule_id, {"id": rule_id, "isEnabled": True, "claimValue": ""}) == {path: None}


# --- schedules --------------------------------------------------------------------------------


def ending(end: datetime, **fields: Any) -> dict[str, Any]:
    info = {
        "startDateTime": format_instant(NOW - timedelta(days=1)),
        "expiration": {"type": "afterDateTime", "endDateTime": format_instant(end)},
    }
    return schedule_row(scheduleInfo=info, **fields)


def test_a_schedule_ending_now_has_expired_and_one_ending_a_second_later_has_not() -> None:
    assert normalize_schedule(ending(NOW), "eligible", NOW) is None
    later = normalize_schedule(ending(NOW + timedelta(seconds=1)), "eligible", NOW)
    assert later is not None and later.end == NOW + timedelta(seconds=1)


@pytest.mark.parametrize("etype", ["noExpiration", "notSpecified", "NOEXPIRATION"])
def test_open_ended_expiration_types_are_permanent(etype: str) -> None:
    row = schedule_row(scheduleInfo={"expiration": {"type": etype}})
    found = normalize_schedule(row, "eligible", NOW)
    assert found is not None and found.permanent and found.start is None


def test_an_absent_expiration_is_permanent() -> None:
    found = normalize_schedule(schedule_row(scheduleInfo=None), "eligible", NOW)
    assert found is not None and found.permanent


def test_an_after_duration_expiration_ends_its_duration_after_the_start() -> None:
    start = NOW - timedelta(days=1)
    info = {
        "startDateTime": format_instant(start),
        "expiration": {"type": "afterDuration", "duration": "P2D"},
    }
    found = normalize_schedule(schedule_row(scheduleInfo=info), "eligible", NOW)
    assert found is not None and (found.start, found.end) == (start, start + timedelta(days=2))
    no_start = {"expiration": {"type": "afterDuration", "duration": "P2D"}}
    with pytest.raises(SnapshotError, match="afterDuration expiration needs a start"):
        normalize_schedule(schedule_row(scheduleInfo=no_start), "eligible", NOW)


@pytest.mark.parametrize(
    ("expiration", "message"),
    [
        ({"type": "afterDateTime"}, "afterDateTime expiration without endDateTime"),
        ({"type": "whenever"}, "unknown expiration type 'whenever'"),
    ],
)
def test_malformed_expirations_are_refused(expiration: dict[str, Any], message: str) -> None:
    row = schedule_row(scheduleInfo={"expiration": expiration})
    with pytest.raises(SnapshotError, match=message):
        normalize_schedule(row, "eligible", NOW)


def test_schedule_fields_default_to_direct_provisioned_at_the_root() -> None:
    bare = {k: v for k, v in ending(NOW + timedelta(days=1)).items()}
    for key in ("directoryScopeId", "memberType", "status"):
        bare.pop(key, None)
    found = normalize_schedule(bare, "eligible", NOW)
    assert found is not None and found.scope == "/"
    granted = normalize_schedule(ending(NOW + timedelta(days=1), status="Granted"), "active", NOW)
    assert granted is not None and granted.kind == "active"


def test_an_active_schedule_not_made_through_pim_is_marked_outside() -> None:
    future = NOW + timedelta(days=1)
    outside = normalize_schedule(ending(future, createdUsing=None), "active", NOW)
    inside = normalize_schedule(ending(future, createdUsing="req-1"), "active", NOW)
    eligible = normalize_schedule(ending(future, createdUsing=None), "eligible", NOW)
    assert outside is not None and inside is not None and eligible is not None
    assert (outside.outside_pim, inside.outside_pim, eligible.outside_pim) == (True, False, False)


# --- principals, roles, the tenant ------------------------------------------------------------


@pytest.mark.parametrize(
    ("odata", "kind"),
    [
        ("#microsoft.graph.user", "user"),
        ("#microsoft.graph.group", "group"),
        ("#microsoft.graph.servicePrincipal", "servicePrincipal"),
        ("#microsoft.graph.device", "other"),
        (None, "other"),
    ],
)
def test_principal_kinds(odata: str | None, kind: str) -> None:
    principal = normalize_principal({"id": "p1", "@odata.type": odata})
    assert (principal.type, principal.display_name) == (kind, "")


def test_a_role_without_template_or_flags_is_its_own_template_enabled_and_custom() -> None:
    role = normalize_role({"id": "r1", "displayName": "Custom"})
    assert (role.template_id, role.is_enabled, role.is_builtin) == ("r1", True, False)


def minimal_snapshot(**fields: Any) -> dict[str, Any]:
    return {"tenantId": "t"} | fields


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"policyReadErrors": ["x"]}, "policyReadErrors must map policy ids to messages"),
        ({"groupMembers": ["x"]}, "groupMembers must map group ids to lists of member ids"),
    ],
)
def test_malformed_snapshot_sections_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        normalize_tenant(minimal_snapshot(**fields), NOW)


def test_rules_that_are_not_a_list_are_refused_with_a_hint() -> None:
    with pytest.raises(SnapshotError, match=r"was the policy read with \$expand=rules"):
        normalize_rules({"id": "x"}, "policy p")


def test_an_unprefixed_odata_type_matches_its_rule() -> None:
    rules = copy.deepcopy(default_rules())
    spec = rule_by_id(PolicyScope.DIRECTORY_ROLE, "Expiration_Admin_Eligibility")
    rule(rules, spec.id)["@odata.type"] = spec.odata_type.lstrip("#")
    assert normalize_rules(rules, "x") == normalize_rules(default_rules(), "x")


def refusal(read: Any) -> str:
    with pytest.raises(SnapshotError) as caught:
        read()
    return str(caught.value)


SCHEDULE = {"id": "s1", "roleDefinitionId": "r1", "principalId": "p1"}


def test_malformed_objects_are_refused_naming_the_object() -> None:
    assert refusal(lambda: normalize_principal({})) == "directory object: missing 'id'"
    assert refusal(lambda: normalize_principal({"id": "p1", "mail": 5})) == (
        "directory object p1: 'mail' must be a string, got 5"
    )
    assert refusal(lambda: normalize_role_assignment({})) == "roleAssignment: missing 'id'"
    bad_scope = {"id": "ra1", "roleDefinitionId": "r", "principalId": "p", "directoryScopeId": 5}
    assert refusal(lambda: normalize_role_assignment(bad_scope)) == (
        "roleAssignment ra1: 'directoryScopeId' must be a string, got 5"
    )
    assert refusal(lambda: normalize_schedule({}, "active", NOW)) == (
        "roleAssignmentSchedule: missing 'id'"
    )
    typed = SCHEDULE | {"scheduleInfo": {"expiration": {"type": 5}}}
    assert refusal(lambda: normalize_schedule(typed, "active", NOW)) == (
        "roleAssignmentSchedule s1, expiration: 'type' must be a string, got 5"
    )
    no_end = SCHEDULE | {"scheduleInfo": {"expiration": {"type": "afterDateTime"}}}
    assert refusal(lambda: normalize_schedule(no_end, "eligible", NOW)) == (
        "roleEligibilitySchedule s1: afterDateTime expiration without endDateTime"
    )
    no_start = SCHEDULE | {"scheduleInfo": {"expiration": {"type": "afterDuration"}}}
    assert refusal(lambda: normalize_schedule(no_start, "eligible", NOW)) == (
        "roleEligibilitySchedule s1: afterDuration expiration needs a start and a duration"
    )


def test_a_direct_role_assignment_is_read_with_its_scope_defaulting_to_the_root() -> None:
    raw = {"id": "ra1", "roleDefinitionId": "r1", "principalId": "p1"}
    found = normalize_role_assignment(raw)
    assert (found.id, found.role_id, found.principal_id, found.scope) == ("ra1", "r1", "p1", "/")
    scoped = normalize_role_assignment(raw | {"directoryScopeId": "/administrativeUnits/a"})
    assert scoped.scope == "/administrativeUnits/a"


def test_a_principals_mail_and_sync_state_are_read() -> None:
    principal = normalize_principal(
        {"id": "p1", "mail": "a@contoso.com", "onPremisesSyncEnabled": True}
    )
    assert (principal.mail, principal.on_premises_sync_enabled) == ("a@contoso.com", True)
