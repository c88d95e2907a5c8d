"""PIM for Groups, administrative units and AU-scoped role schedules in the emulator: the
rules Graph enforces (sources in docs/emulator.md), driven through the emulator's own
dispatch (``Emulator.execute``, the path every HTTP and ``$batch`` request takes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.identity import Caller
from pim_gitops.emulator.server import running
from pim_gitops.snapshot import FORMAT
from pim_gitops.tenantgen import group, role_definition, user
from pim_gitops.wire import format_instant, role_assignment_id

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = "identityGovernance/privilegedAccess/group"
URL = "http://emulator.test/v1.0"
TIER0 = group("Tier0 Admins")
PLAIN = group("App Owners", role_assignable=False)
DYNAMIC = group("All Staff", role_assignable=False) | {"groupTypes": ["DynamicMembership"]}
SYNCED = group("Synced Admins", role_assignable=False) | {"onPremisesSyncEnabled": True}
ALICE = user("alice@contoso.com", "Alice")
BOB = user("bob@contoso.com", "Bob")
CAROL = user("carol@contoso.com", "Carol")
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
GA = "62e90394-69f5-4237-9190-012177145e10"
CUSTOM = "0e7a1c2b-3d4e-4f50-8a6b-7c8d9e0f1a2b"
AU = "a04006f3-6e28-547f-99e8-4ae4832a3e56"


def tenant(**extra: Any) -> dict[str, Any]:
    custom = role_definition(CUSTOM, "Custom user helper", builtin=False)
    return {
        "format": FORMAT,
        "tenantId": "11111111-2222-3333-4444-555555555555",
        "capturedAt": format_instant(NOW),
        "roleDefinitions": [
            role_definition(USER_ADMIN, "User Administrator"),
            role_definition(GA, "Global Administrator"),
            custom,
        ],
        "roleManagementPolicies": [],
        "roleManagementPolicyAssignments": [],
        "roleEligibilitySchedules": [],
        "roleAssignmentSchedules": [],
        "roleAssignments": [],
        "directoryObjects": [TIER0, PLAIN, DYNAMIC, SYNCED, ALICE, BOB, CAROL],
        "groupMembers": {PLAIN["id"]: [CAROL["id"]]},
        "administrativeUnits": [
            {"id": AU, "displayName": "Paris", "isMemberManagementRestricted": False}
        ],
    } | extra


def call(emu: Emulator, method: str, path: str, body: Any = None, **params: str) -> tuple[int, Any]:
    reply, _ = emu.execute(method, path, params, body, URL)
    return reply.status, reply.body


def request(
    group_id: str,
    principal_id: str,
    *,
    access: str = "member",
    action: str = "adminAssign",
    days: float | None = 30,
    justification: str | None = "needed",
) -> dict[str, Any]:
    expiration: dict[str, Any] = {"type": "noExpiration"}
    if days is not None:
        end = NOW + timedelta(days=days)
        expiration = {"type": "afterDateTime", "endDateTime": format_instant(end)}
    body: dict[str, Any] = {
        "accessId": access,
        "groupId": group_id,
        "principalId": principal_id,
        "action": action,
        "scheduleInfo": {"startDateTime": format_instant(NOW), "expiration": expiration},
    }
    if justification:
        body["justification"] = justification
    return body


def emulator(**extra: Any) -> Emulator:
    return Emulator(tenant(**extra), clock=lambda: NOW)


def group_filter(group_id: str) -> dict[str, str]:
    return {"$filter": f"groupId eq '{group_id}'"}


def test_group_schedule_lists_require_a_group_or_principal_filter() -> None:
    emu = emulator()
    for kind in ("eligibilitySchedules", "assignmentSchedules"):
        status, body = call(emu, "GET", f"{BASE}/{kind}")
        assert status == 400 and "groupId or principalId" in body["error"]["message"]
        status, body = call(emu, "GET", f"{BASE}/{kind}", **{"$filter": "accessId eq 'member'"})
        assert status == 400
        assert call(emu, "GET", f"{BASE}/{kind}", **group_filter(TIER0["id"]))[0] == 200
        principal = {"$filter": f"principalId eq '{ALICE['id']}'"}
        assert call(emu, "GET", f"{BASE}/{kind}", **principal)[0] == 200


def _policies(emu: Emulator, group_id: str) -> list[dict[str, Any]]:
    status, body = call(
        emu,
        "GET",
        "policies/roleManagementPolicyAssignments",
        **{
            "$filter": f"scopeId eq '{group_id}' and scopeType eq 'Group'",
            "$expand": "policy($expand=rules)",
        },
    )
    assert status == 200, body
    return list(body["value"])


def test_policies_are_made_on_first_use_only_for_groups_pim_can_manage() -> None:
    emu = emulator()
    assert emu.store.group_policies == {}
    links = _policies(emu, PLAIN["id"])  # not role-assignable: PIM for Groups still manages it
    assert sorted(a["roleDefinitionId"] for a in links) == ["member", "owner"]
    assert len(emu.store.group_policies) == 2
    assert _policies(emu, PLAIN["id"]) == links  # the same two, not two more
    assert _policies(emu, DYNAMIC["id"]) == []
    assert _policies(emu, SYNCED["id"]) == []
    assert _policies(emu, "99999999-9999-9999-9999-999999999999") == []
    directory = call(
        emu,
        "GET",
        "policies/roleManagementPolicies",
        **{"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"},
    )[1]
    assert directory["value"] == []  # group policies never show among the directory roles'
    for bad in (DYNAMIC, SYNCED):
        status, body = call(
            emu, "POST", f"{BASE}/eligibilityScheduleRequests", request(bad["id"], ALICE["id"])
        )
        assert (status, body["error"]["code"]) == (400, "GroupNotManageable")


def test_group_defaults_require_expiry_up_to_the_maximum() -> None:
    emu = emulator()
    eligible = f"{BASE}/eligibilityScheduleRequests"
    status, body = call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=None))
    assert status == 400
    assert body["error"]["code"] == "RoleAssignmentRequestPolicyValidationFailed"
    assert '"ExpirationRule"' in body["error"]["message"]
    assert call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=365.001))[0] == 400
    assert call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=365))[0] == 201
    active = f"{BASE}/assignmentScheduleRequests"
    assert call(emu, "POST", active, request(TIER0["id"], BOB["id"], days=180.001))[0] == 400
    status, body = call(
        emu, "POST", active, request(TIER0["id"], BOB["id"], days=180, justification=None)
    )
    assert (status, body["error"]["message"]) == (
        400,
        'The following policy rules failed: ["JustificationRule"]',
    )
    assert call(emu, "POST", active, request(TIER0["id"], BOB["id"], days=180))[0] == 201


def test_a_patched_member_policy_governs_member_requests_only() -> None:
    emu = emulator()
    links = {a["roleDefinitionId"]: a for a in _policies(emu, TIER0["id"])}
    rule = next(
        r for r in links["member"]["policy"]["rules"] if r["id"] == "Expiration_Admin_Eligibility"
    )
    rule = rule | {"isExpirationRequired": False}
    status, _ = call(
        emu,
        "PATCH",
        f"policies/roleManagementPolicies/{links['member']['policyId']}",
        {"rules": [rule]},
    )
    assert status == 200
    eligible = f"{BASE}/eligibilityScheduleRequests"
    assert call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=None))[0] == 201
    owner = request(TIER0["id"], ALICE["id"], days=None, access="owner")
    assert call(emu, "POST", eligible, owner)[0] == 400


def test_activation_maximum_patch_reads_back_and_respects_the_limits() -> None:
    emu = emulator()
    link = next(a for a in _policies(emu, TIER0["id"]) if a["roleDefinitionId"] == "member")
    rule = next(r for r in link["policy"]["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    path = f"policies/roleManagementPolicies/{link['policyId']}/rules/Expiration_EndUser_Assignment"
    assert call(emu, "PATCH", path, rule | {"maximumDuration": "PT25H"})[0] == 400
    assert call(emu, "PATCH", path, rule | {"maximumDuration": "PT1H"})[0] == 204
    assert call(emu, "GET", path)[1]["maximumDuration"] == "PT1H"


def test_active_membership_is_group_membership_and_ownership_is_ownership() -> None:
    emu = emulator()
    active = f"{BASE}/assignmentScheduleRequests"
    status, made = call(emu, "POST", active, request(TIER0["id"], ALICE["id"]))
    assert status == 201
    assert made["targetScheduleId"] == f"{TIER0['id']}_member_{made['id']}"
    members = call(emu, "GET", f"groups/{TIER0['id']}/members")[1]["value"]
    assert [m["id"] for m in members] == [ALICE["id"]]
    assert call(emu, "POST", active, request(TIER0["id"], BOB["id"], access="owner"))[0] == 201
    owners = call(emu, "GET", f"groups/{TIER0['id']}/owners")[1]["value"]
    assert [o["id"] for o in owners] == [BOB["id"]]
    status, removed = call(
        emu, "POST", active, request(TIER0["id"], ALICE["id"], action="adminRemove")
    )
    assert (status, removed["status"]) == (201, "Revoked")
    assert call(emu, "GET", f"groups/{TIER0['id']}/members")[1]["value"] == []
    # An eligible membership is no membership.
    assert (
        call(emu, "POST", f"{BASE}/eligibilityScheduleRequests", request(TIER0["id"], ALICE["id"]))[
            0
        ]
        == 201
    )
    assert call(emu, "GET", f"groups/{TIER0['id']}/members")[1]["value"] == []


def test_group_nesting_rules() -> None:
    emu = emulator()
    active, eligible = f"{BASE}/assignmentScheduleRequests", f"{BASE}/eligibilityScheduleRequests"
    status, body = call(emu, "POST", active, request(TIER0["id"], PLAIN["id"]))
    assert (status, body["error"]["code"]) == (400, "GroupNestingNotAllowed")
    assert call(emu, "POST", eligible, request(TIER0["id"], PLAIN["id"]))[0] == 201
    assert call(emu, "POST", active, request(PLAIN["id"], TIER0["id"]))[0] == 201
    assert call(emu, "POST", active, request(PLAIN["id"], TIER0["id"], access="owner"))[0] == 400
    assert call(emu, "POST", eligible, request(TIER0["id"], TIER0["id"]))[0] == 400


def test_a_member_added_outside_pim_shows_as_a_permanent_active_membership() -> None:
    emu = emulator()
    status, body = call(emu, "GET", f"{BASE}/assignmentSchedules", **group_filter(PLAIN["id"]))
    assert status == 200
    (row,) = body["value"]
    assert (row["principalId"], row["accessId"], row["createdUsing"]) == (
        CAROL["id"],
        "member",
        None,
    )
    assert row["id"].startswith(f"{PLAIN['id']}_member_")
    assert row["scheduleInfo"]["expiration"]["type"] == "noExpiration"
    active = f"{BASE}/assignmentScheduleRequests"
    status, body = call(emu, "POST", active, request(PLAIN["id"], CAROL["id"]))
    assert (status, body["error"]["code"]) == (400, "RoleAssignmentExists")
    assert (
        call(emu, "POST", active, request(PLAIN["id"], CAROL["id"], action="adminRemove"))[0] == 201
    )
    assert call(emu, "GET", f"groups/{PLAIN['id']}/members")[1]["value"] == []


def test_duplicates_and_missing_schedules_are_refused() -> None:
    emu = emulator()
    eligible = f"{BASE}/eligibilityScheduleRequests"
    assert call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"]))[0] == 201
    status, body = call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"]))
    assert (status, body["error"]["code"]) == (400, "RoleAssignmentExists")
    for action in ("adminUpdate", "adminExtend", "adminRemove"):
        status, body = call(emu, "POST", eligible, request(TIER0["id"], BOB["id"], action=action))
        assert (status, body["error"]["code"]) == (400, "RoleAssignmentDoesNotExist")
    status, body = call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], access="guest"))
    assert status == 400 and "accessId" in body["error"]["message"]


def test_update_replaces_the_schedule_under_the_new_requests_id() -> None:
    emu = emulator()
    eligible = f"{BASE}/eligibilityScheduleRequests"
    first = call(emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=30))[1]
    second = call(
        emu, "POST", eligible, request(TIER0["id"], ALICE["id"], days=60, action="adminUpdate")
    )[1]
    rows = call(emu, "GET", f"{BASE}/eligibilitySchedules", **group_filter(TIER0["id"]))[1]["value"]
    assert [r["id"] for r in rows] == [second["targetScheduleId"]] != [first["targetScheduleId"]]
    assert rows[0]["createdUsing"] == second["id"]
    assert rows[0]["scheduleInfo"]["expiration"]["endDateTime"] == format_instant(
        NOW + timedelta(days=60)
    )


def test_snapshot_round_trip_keeps_group_pim_and_units() -> None:
    emu = emulator()
    call(emu, "POST", f"{BASE}/eligibilityScheduleRequests", request(TIER0["id"], ALICE["id"]))
    call(emu, "POST", f"{BASE}/assignmentScheduleRequests", request(TIER0["id"], BOB["id"]))
    snap = emu.store.snapshot(format_instant(NOW))
    assert {p["scopeType"] for p in snap["roleManagementPolicies"]} == {"Group"}
    assert len(snap["privilegedAccessGroupEligibilitySchedules"]) == 1
    assert [a["principalId"] for a in snap["privilegedAccessGroupAssignmentSchedules"]] == [
        BOB["id"]
    ]
    assert snap["administrativeUnits"][0]["id"] == AU
    assert TIER0["id"] in snap["privilegedAccessGroupsRead"]
    again = Emulator(snap, clock=lambda: NOW)
    assert again.store.snapshot(format_instant(NOW)) == snap
    # Seeded active membership is membership, and the seeded policies are the group's.
    assert [m["id"] for m in call(again, "GET", f"groups/{TIER0['id']}/members")[1]["value"]] == [
        BOB["id"]
    ]
    assert {a["policyId"] for a in _policies(again, TIER0["id"])} == {
        a["policyId"] for a in _policies(emu, TIER0["id"])
    }


def test_administrative_units_are_listed_and_read() -> None:
    emu = emulator()
    status, body = call(
        emu, "GET", "directory/administrativeUnits", **{"$filter": "displayName eq 'Paris'"}
    )
    assert status == 200 and [u["id"] for u in body["value"]] == [AU]
    assert call(emu, "GET", f"directory/administrativeUnits/{AU}")[1]["displayName"] == "Paris"
    status, _ = call(
        emu, "GET", "directory/administrativeUnits/00000000-0000-0000-0000-000000000000"
    )
    assert status == 404


def _role_request(role_id: str, scope: str) -> dict[str, Any]:
    return {
        "action": "adminAssign",
        "principalId": ALICE["id"],
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "justification": "scoped",
        "scheduleInfo": {
            "startDateTime": format_instant(NOW),
            "expiration": {"type": "noExpiration"},
        },
    }


def test_only_roles_graph_allows_there_may_be_scoped_to_an_administrative_unit() -> None:
    emu = emulator()
    path = "roleManagement/directory/roleEligibilityScheduleRequests"
    scope = f"/administrativeUnits/{AU}"
    status, body = call(emu, "POST", path, _role_request(GA, scope))
    assert (status, body["error"]["code"]) == (400, "RoleNotSupportedAtScope")
    unknown = "/administrativeUnits/00000000-0000-0000-0000-000000000001"
    status, body = call(emu, "POST", path, _role_request(USER_ADMIN, unknown))
    assert (status, body["error"]["code"]) == (400, "AdministrativeUnitNotFound")
    assert call(emu, "POST", path, _role_request(GA, "/"))[0] == 201
    assert call(emu, "POST", path, _role_request(USER_ADMIN, scope))[0] == 201
    assert call(emu, "POST", path, _role_request(CUSTOM, scope))[0] == 201  # users permission
    instances = call(emu, "GET", "roleManagement/directory/roleEligibilityScheduleInstances")[1][
        "value"
    ]
    scoped = {r["id"] for r in instances if r["directoryScopeId"] == scope}
    assert role_assignment_id(USER_ADMIN, ALICE["id"], AU) + "-e" in scoped


def test_a_custom_role_without_user_group_or_device_permissions_is_not_au_scopable() -> None:
    custom = role_definition(CUSTOM, "Custom app helper", builtin=False)
    custom["rolePermissions"] = [
        {"allowedResourceActions": ["microsoft.directory/applications/basic/update"]}
    ]
    emu = Emulator(tenant() | {"roleDefinitions": [custom]}, clock=lambda: NOW)
    body = _role_request(CUSTOM, f"/administrativeUnits/{AU}")
    status, reply = call(
        emu, "POST", "roleManagement/directory/roleEligibilityScheduleRequests", body
    )
    assert (status, reply["error"]["code"]) == (400, "RoleNotSupportedAtScope")


def test_group_schedules_of_twenty_groups_read_in_one_batch() -> None:
    groups = [group(f"PIM group {i:02d}") for i in range(20)]
    emu = Emulator(tenant(directoryObjects=[*groups, ALICE]), clock=lambda: NOW)
    for g in groups:
        call(emu, "POST", f"{BASE}/eligibilityScheduleRequests", request(g["id"], ALICE["id"]))
    requests = [
        {
            "id": str(i),
            "method": "GET",
            "url": f"/{BASE}/eligibilitySchedules?$filter=groupId eq '{g['id']}'",
        }
        for i, g in enumerate(groups)
    ]
    with running(emu) as url:
        response = httpx.post(
            f"{url}/v1.0/$batch", json={"requests": requests}, headers={"Authorization": "Bearer t"}
        )
    assert response.status_code == 200
    answers = {r["id"]: r for r in response.json()["responses"]}
    assert len(answers) == 20
    for i, g in enumerate(groups):
        assert answers[str(i)]["status"] == 200
        assert [s["groupId"] for s in answers[str(i)]["body"]["value"]] == [g["id"]]
    assert emu.stats.as_dict()["requests"] == 1


def test_rotating_group_policy_ids_is_opt_in_and_moves_the_link() -> None:
    for rotate in (False, True):
        emu = emulator()
        emu.faults.configure(emu.faults.config.update({"rotate_group_policy_ids": rotate}))
        link = next(a for a in _policies(emu, TIER0["id"]) if a["roleDefinitionId"] == "member")
        rule = next(
            r for r in link["policy"]["rules"] if r["id"] == "Expiration_EndUser_Assignment"
        )
        path = f"policies/roleManagementPolicies/{link['policyId']}"
        assert (
            call(emu, "PATCH", f"{path}/rules/{rule['id']}", rule | {"maximumDuration": "PT1H"})[0]
            == 204
        )
        after = next(a for a in _policies(emu, TIER0["id"]) if a["roleDefinitionId"] == "member")
        assert (after["policyId"] != link["policyId"]) is rotate
        assert after["id"] == f"{after['policyId']}_member"
        assert call(emu, "GET", path)[0] == (404 if rotate else 200)
        shown = call(
            emu, "GET", f"policies/roleManagementPolicies/{after['policyId']}/rules/{rule['id']}"
        )
        assert shown[1]["maximumDuration"] == "PT1H"
        # Only the first change re-keys the policy.
        again = f"policies/roleManagementPolicies/{after['policyId']}/rules/{rule['id']}"
        assert call(emu, "PATCH", again, rule | {"maximumDuration": "PT2H"})[0] == 204
        assert call(emu, "GET", again)[0] == 200


def test_a_future_group_request_is_granted_until_its_start_and_can_be_cancelled() -> None:
    clock = {"now": NOW}
    emu = Emulator(tenant(), clock=lambda: clock["now"])
    later = request(TIER0["id"], ALICE["id"], days=30)
    later["scheduleInfo"]["startDateTime"] = format_instant(NOW + timedelta(days=1))
    active = f"{BASE}/assignmentScheduleRequests"
    status, granted = call(emu, "POST", active, later)
    assert (status, granted["status"]) == (201, "Granted")
    assert call(emu, "GET", f"groups/{TIER0['id']}/members")[1]["value"] == []
    status, body = call(emu, "POST", active, later)
    assert (status, body["error"]["code"]) == (400, "RoleAssignmentExists")
    clock["now"] = NOW + timedelta(days=1)
    rows = call(emu, "GET", f"{BASE}/assignmentSchedules", **group_filter(TIER0["id"]))[1]["value"]
    assert [r["id"] for r in rows] == [granted["targetScheduleId"]]
    assert [m["id"] for m in call(emu, "GET", f"groups/{TIER0['id']}/members")[1]["value"]] == [
        ALICE["id"]
    ]
    assert call(emu, "POST", f"{active}/{granted['id']}/cancel")[0] == 400  # provisioned now
    bob = request(TIER0["id"], BOB["id"], days=30)
    bob["scheduleInfo"]["startDateTime"] = format_instant(NOW + timedelta(days=3))
    waiting = call(emu, "POST", f"{BASE}/eligibilityScheduleRequests", bob)[1]
    assert call(emu, "POST", f"{BASE}/eligibilityScheduleRequests/{waiting['id']}/cancel")[0] == 204
    clock["now"] = NOW + timedelta(days=4)
    rows = call(emu, "GET", f"{BASE}/eligibilitySchedules", **group_filter(TIER0["id"]))[1]["value"]
    assert rows == []
    # Graph requires the groupId (or principalId) filter on the request list too.
    scoped = f"groupId eq '{TIER0['id']}' and id eq '{waiting['id']}'"
    listed = call(emu, "GET", f"{BASE}/eligibilityScheduleRequests", **{"$filter": scoped})
    assert [r["status"] for r in listed[1]["value"]] == ["Revoked"]


def test_group_instances_flatten_each_schedule_and_need_the_filter_too() -> None:
    emu = emulator()
    call(
        emu,
        "POST",
        f"{BASE}/eligibilityScheduleRequests",
        request(TIER0["id"], ALICE["id"], days=10),
    )
    assert call(emu, "GET", f"{BASE}/eligibilityScheduleInstances")[0] == 400
    rows = call(emu, "GET", f"{BASE}/eligibilityScheduleInstances", **group_filter(TIER0["id"]))[1][
        "value"
    ]
    (row,) = rows
    assert row["eligibilityScheduleId"] == row["id"]
    assert (row["startDateTime"], row["endDateTime"]) == (
        format_instant(NOW),
        format_instant(NOW + timedelta(days=10)),
    )
    active = call(emu, "GET", f"{BASE}/assignmentScheduleInstances", **group_filter(PLAIN["id"]))[
        1
    ]["value"]
    assert [(r["principalId"], r["assignmentType"], r["endDateTime"]) for r in active] == [
        (CAROL["id"], "Assigned", None)
    ]


def test_group_writes_need_the_azureadgroup_permissions_or_a_writing_role() -> None:
    emu = emulator()
    link = next(a for a in _policies(emu, TIER0["id"]) if a["roleDefinitionId"] == "member")
    rule = next(r for r in link["policy"]["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    patch = f"policies/roleManagementPolicies/{link['policyId']}/rules/{rule['id']}"
    body = request(TIER0["id"], ALICE["id"])
    directory_only = Caller.service_principal(
        CAROL["id"], "app", ("RoleManagement.ReadWrite.Directory",)
    )
    group_perms = Caller.service_principal(
        CAROL["id"],
        "app",
        (
            "RoleManagementPolicy.ReadWrite.AzureADGroup",
            "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
        ),
    )
    for caller, allowed in ((directory_only, False), (group_perms, True)):
        claims = caller.claims(emu.store.tenant_id, NOW)
        reply, _ = emu.execute("PATCH", patch, {}, rule, URL, claims)
        assert (reply.status == 204) is allowed, reply.body
        reply, _ = emu.execute("POST", f"{BASE}/eligibilityScheduleRequests", {}, body, URL, claims)
        assert (reply.status == 201) is allowed, reply.body
