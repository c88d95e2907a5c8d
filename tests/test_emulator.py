"""The emulator over real HTTP: queries, paging, policy PATCH and schedule-request semantics,
$batch, fault injection and the control endpoints."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import uuid
from typing import Any

import httpx
import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.faults import FaultConfig, Faults
from pim_gitops.emulator.respell import Respeller, duration_spellings
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.tenantgen import APPLY_APP_ID, oid
from pim_gitops.wire import parse_duration, parse_instant
from tests.conftest import Live

DIR = "roleManagement/directory"
SECURITY_ADMIN = "194ae4cb-b126-40b2-bd5b-6091b380977d"
SCOPE = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
ALICE = oid("user", "alice.admin@contoso.com")
HEIDI = oid("user", "heidi.audit@contoso.com")
BG1 = oid("user", "bg1@contoso.onmicrosoft.com")


def all_pages(live: Live, path: str, **params: str) -> tuple[list[dict[str, Any]], int]:
    response = live.http.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    items, pages = list(body["value"]), 1
    while "@odata.nextLink" in body:
        link = body["@odata.nextLink"]
        assert link.startswith("http://"), "nextLink must be absolute"
        body = live.http.get(link).json()
        items += body["value"]
        pages += 1
    return items, pages


def policy_of(live: Live, role_id: str) -> dict[str, Any]:
    response = live.http.get(
        "policies/roleManagementPolicyAssignments",
        params={
            "$filter": f"{SCOPE} and roleDefinitionId eq '{role_id}'",
            "$expand": "policy($expand=rules)",
        },
    )
    assert response.status_code == 200, response.text
    (row,) = response.json()["value"]
    return dict(row["policy"])


def rule_of(policy: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in policy["rules"] if r["id"] == rule_id)


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "innerError"}
    assert set(body["error"]["innerError"]) >= {"request-id", "date"}
    return str(body["error"]["code"])


def request(kind: str, **body: Any) -> dict[str, Any]:
    base = {"action": "adminAssign", "directoryScopeId": "/", "justification": "test"}
    return base | body


def post(live: Live, kind: str, body: dict[str, Any]) -> httpx.Response:
    name = (
        "roleEligibilityScheduleRequests"
        if kind == "eligible"
        else "roleAssignmentScheduleRequests"
    )
    return live.http.post(f"{DIR}/{name}", json=body)


# --- reads -----------------------------------------------------------------------------------


def test_requires_a_bearer_token(live: Live) -> None:
    response = httpx.get(f"{live.graph}/{DIR}/roleDefinitions")
    assert response.status_code == 401
    assert error_code(response) == "InvalidAuthenticationToken"
    assert live.stats()["requests"] == 1


@pytest.mark.parametrize("page_size", [1, 7, 100])
def test_paging_returns_every_item_once_at_any_page_size(live: Live, page_size: int) -> None:
    live.emulator.page_size = page_size
    items, pages = all_pages(live, f"{DIR}/roleDefinitions")
    total = len(live.emulator.store.role_definitions)
    assert len(items) == total and len({i["id"] for i in items}) == total
    assert pages == -(-total // page_size)


def test_top_is_honoured_and_capped_at_999(live: Live) -> None:
    live.emulator.page_size = 2
    body = live.http.get(f"{DIR}/roleDefinitions", params={"$top": "5"}).json()
    assert len(body["value"]) == 5
    body = live.http.get(f"{DIR}/roleDefinitions", params={"$top": "5000"}).json()
    assert len(body["value"]) == len(live.emulator.store.role_definitions)
    assert "@odata.nextLink" not in body
    assert live.http.get(f"{DIR}/roleDefinitions", params={"$top": "x"}).status_code == 400


def test_next_link_keeps_the_other_query_options(live: Live) -> None:
    live.emulator.page_size = 3
    items, pages = all_pages(
        live,
        f"{DIR}/roleEligibilitySchedules",
        **{"$filter": "directoryScopeId eq '/'", "$select": "id,principalId"},
    )
    assert pages > 1
    assert all(set(i) == {"id", "principalId"} for i in items)


@pytest.mark.parametrize("field", ["roleDefinitionId", "principalId", "directoryScopeId"])
def test_schedule_filters(live: Live, field: str) -> None:
    everything, _ = all_pages(live, f"{DIR}/roleEligibilitySchedules")
    value = everything[0][field]
    filtered, _ = all_pages(
        live, f"{DIR}/roleEligibilitySchedules", **{"$filter": f"{field} eq '{value}'"}
    )
    assert filtered and all(i[field] == value for i in filtered)
    assert len(filtered) == sum(1 for i in everything if i[field] == value)


def test_unsupported_filter_is_a_400(live: Live) -> None:
    response = live.http.get(f"{DIR}/roleAssignments", params={"$filter": "foo eq 'x'"})
    assert response.status_code == 400 and error_code(response) == "BadRequest"
    response = live.http.get(f"{DIR}/roleAssignments", params={"$filter": "principalId ne 'x'"})
    assert response.status_code == 400


def test_role_definitions_filter_on_is_built_in(live: Live) -> None:
    items, _ = all_pages(live, f"{DIR}/roleDefinitions", **{"$filter": "isBuiltIn eq false"})
    assert [i["displayName"] for i in items] == ["Contoso Tier1 Support"]


def test_expand_principal_on_role_assignments(live: Live) -> None:
    items, _ = all_pages(
        live,
        f"{DIR}/roleAssignments",
        **{"$filter": f"roleDefinitionId eq '{GLOBAL_ADMINISTRATOR}'", "$expand": "principal"},
    )
    names = sorted(i["principal"]["displayName"] for i in items)
    assert names == ["Break Glass 1", "Break Glass 2", "Carol It"]
    assert all(i["principal"]["@odata.type"] == "#microsoft.graph.user" for i in items)
    bad = live.http.get(f"{DIR}/roleAssignments", params={"$expand": "nonsense"})
    assert bad.status_code == 400


def test_instance_ids_follow_graphs_encoding(live: Live) -> None:
    items, _ = all_pages(live, f"{DIR}/roleAssignmentScheduleInstances")
    row = next(i for i in items if i["principalId"] == BG1)
    raw = base64.urlsafe_b64decode(row["id"][:-2] + "==")
    assert row["id"].endswith("-1")
    assert uuid.UUID(bytes_le=raw[:16]) == uuid.UUID(GLOBAL_ADMINISTRATOR)
    assert uuid.UUID(bytes_le=raw[16:]) == uuid.UUID(BG1)
    assert row["startDateTime"] is None and row["endDateTime"] is None  # permanent
    eligible, _ = all_pages(live, f"{DIR}/roleEligibilityScheduleInstances")
    assert all(i["id"].endswith(("-1-e", "-2-e")) for i in eligible)


# --- policies --------------------------------------------------------------------------------


def test_policy_list_needs_the_scope_filter(live: Live) -> None:
    response = live.http.get("policies/roleManagementPolicies")
    assert response.status_code == 400
    for scope_type, prefix in (("DirectoryRole", "DirectoryRole_"), ("Directory", "Directory_")):
        items, _ = all_pages(
            live,
            "policies/roleManagementPolicies",
            **{"$filter": f"scopeId eq '/' and scopeType eq '{scope_type}'"},
        )
        assert len(items) == len(live.emulator.store.role_definitions)
        assert all(i["id"].startswith(prefix) and i["scopeType"] == scope_type for i in items)
        assert all("rules" not in i for i in items)
    wrong = live.http.get(
        "policies/roleManagementPolicies",
        params={"$filter": "scopeId eq '/x' and scopeType eq 'Directory'"},
    )
    assert wrong.status_code == 400


def test_policy_list_expands_rules_and_nested_select(live: Live) -> None:
    items, _ = all_pages(
        live, "policies/roleManagementPolicies", **{"$filter": SCOPE, "$expand": "rules"}
    )
    # The 17 rules every policy has; Exchange Administrator's also calls a custom extension.
    assert all(
        len([r for r in i["rules"] if "CustomExtension" not in r["id"]]) == 17 for i in items
    )
    assert sum(len(i["rules"]) == 18 for i in items) == 1
    items, _ = all_pages(
        live,
        "policies/roleManagementPolicies",
        **{"$filter": SCOPE, "$expand": "rules($select=id)"},
    )
    assert all(set(r) <= {"id", "@odata.type"} for i in items for r in i["rules"])


def test_policy_assignments_filter_by_role_and_alias_prefix(live: Live) -> None:
    response = live.http.get(
        "policies/roleManagementPolicyAssignments",
        params={
            "$filter": f"scopeId eq '/' and scopeType eq 'Directory' and "
            f"roleDefinitionId eq '{GLOBAL_ADMINISTRATOR}'"
        },
    )
    (row,) = response.json()["value"]
    assert row["policyId"].startswith("Directory_")
    assert row["id"] == f"{row['policyId']}_{GLOBAL_ADMINISTRATOR}"
    # The same policy is reachable under both prefixes.
    direct = live.http.get(f"policies/roleManagementPolicies/{row['policyId']}")
    assert direct.status_code == 200 and direct.json()["scopeType"] == "Directory"


def patch_rule(live: Live, policy: dict[str, Any], rule: dict[str, Any]) -> httpx.Response:
    return live.http.patch(
        f"policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}", json=rule
    )


def test_rule_patch_changes_only_that_rule(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    rule["maximumDuration"] = "PT2H"
    rule["target"]["operations"] = ["All"]
    response = patch_rule(live, policy, rule)
    assert response.status_code == 204 and response.content == b""
    after = policy_of(live, SECURITY_ADMIN)
    assert rule_of(after, "Expiration_EndUser_Assignment")["maximumDuration"] == "PT2H"
    # Graph stores operations lower-cased (graph-pim.md §4).
    assert rule_of(after, "Expiration_EndUser_Assignment")["target"]["operations"] == ["all"]
    others = [r for r in after["rules"] if r["id"] != "Expiration_EndUser_Assignment"]
    assert others == [r for r in policy["rules"] if r["id"] != "Expiration_EndUser_Assignment"]
    assert after["lastModifiedDateTime"] is not None


def test_rule_patch_without_target_is_refused(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    del rule["target"]
    response = patch_rule(live, policy, rule)
    assert response.status_code == 400 and error_code(response) == "InvalidPolicyRule"


def test_rule_patch_with_wrong_type_is_a_500_with_empty_code(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    rule["@odata.type"] = "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule"
    response = patch_rule(live, policy, rule)
    assert response.status_code == 500 and error_code(response) == ""


def test_unknown_rule_and_unknown_property_are_refused(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    rule["id"] = "Expiration_Nobody_Assignment"
    response = patch_rule(live, policy, rule)
    assert response.status_code == 404 and error_code(response) == "InvalidPolicyRule"
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    rule["IsExpirationRequired"] = True  # wrong casing (microsoft-graph-docs#19168)
    assert patch_rule(live, policy, rule).status_code == 400


@pytest.mark.parametrize("duration", ["PT25H", "P2D", "P1W", "8:00:00", "-PT1H"])
def test_activation_duration_limits_and_formats(live: Live, duration: str) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    rule["maximumDuration"] = duration
    response = patch_rule(live, policy, rule)
    assert response.status_code == 400 and error_code(response) == "InvalidPolicyRule"


def test_mfa_and_authentication_context_conflict(live: Live) -> None:
    policy = policy_of(live, GLOBAL_ADMINISTRATOR)  # MFA on activation by default
    context = copy.deepcopy(rule_of(policy, "AuthenticationContext_EndUser_Assignment"))
    context.update(isEnabled=True, claimValue="c1")
    response = patch_rule(live, policy, context)
    assert response.status_code == 400 and error_code(response) == "MfaAndAcrsConflict"
    # Switching MFA off first, then the context on, works (the order apply uses).
    enablement = copy.deepcopy(rule_of(policy, "Enablement_EndUser_Assignment"))
    enablement["enabledRules"] = ["Justification"]
    assert patch_rule(live, policy, enablement).status_code == 204
    assert patch_rule(live, policy, context).status_code == 204
    stored = rule_of(
        policy_of(live, GLOBAL_ADMINISTRATOR), "AuthenticationContext_EndUser_Assignment"
    )
    assert stored["isEnabled"] is True and stored["claimValue"] == "c1"


def test_policy_patch_is_atomic_and_returns_the_policy_without_rules(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    good = copy.deepcopy(rule_of(policy, "Expiration_Admin_Eligibility"))
    good.update(isExpirationRequired=True, maximumDuration="P90D")
    bad = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    bad["maximumDuration"] = "PT30H"
    url = f"policies/roleManagementPolicies/{policy['id']}"
    response = live.http.patch(url, json={"rules": [good, bad]})
    assert response.status_code == 400
    assert policy_of(live, SECURITY_ADMIN)["rules"] == policy["rules"]
    response = live.http.patch(url, json={"rules": [good]})
    assert response.status_code == 200 and "rules" not in response.json()
    assert (
        rule_of(policy_of(live, SECURITY_ADMIN), "Expiration_Admin_Eligibility")[
            "isExpirationRequired"
        ]
        is True
    )


def test_approval_without_approvers_is_accepted(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Approval_EndUser_Assignment"))
    rule["setting"]["isApprovalRequired"] = True
    assert patch_rule(live, policy, rule).status_code == 204


# --- schedule requests -----------------------------------------------------------------------


def test_admin_assign_creates_a_schedule_and_a_role_assignment(live: Live) -> None:
    body = request(
        "active",
        principalId=HEIDI,
        roleDefinitionId=SECURITY_ADMIN,
        scheduleInfo={
            "startDateTime": "2020-01-01T00:00:00Z",
            "expiration": {"type": "AfterDuration", "duration": "P10D"},
        },
    )
    response = post(live, "active", body)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["status"] == "Provisioned" and result["action"] == "adminAssign"
    # A past start is replaced by the processing time.
    assert result["scheduleInfo"]["startDateTime"] == result["createdDateTime"]
    assert result["targetScheduleId"] == result["id"]
    schedules, _ = all_pages(
        live, f"{DIR}/roleAssignmentSchedules", **{"$filter": f"principalId eq '{HEIDI}'"}
    )
    assert [s["id"] for s in schedules] == [result["id"]]
    start = parse_instant(schedules[0]["scheduleInfo"]["startDateTime"])
    end = parse_instant(schedules[0]["scheduleInfo"]["expiration"]["endDateTime"])
    assert (end - start).days == 10
    rows, _ = all_pages(live, f"{DIR}/roleAssignments", **{"$filter": f"principalId eq '{HEIDI}'"})
    assert [r["roleDefinitionId"] for r in rows] == [SECURITY_ADMIN]


def test_duplicate_create_is_role_assignment_exists(live: Live) -> None:
    body = request(
        "eligible",
        principalId=ALICE,
        roleDefinitionId=GLOBAL_ADMINISTRATOR,
        scheduleInfo={"expiration": {"type": "afterDuration", "duration": "P30D"}},
    )
    response = post(live, "eligible", body)
    assert response.status_code == 400 and error_code(response) == "RoleAssignmentExists"


def test_remove_of_nothing_is_role_assignment_does_not_exist(live: Live) -> None:
    body = request(
        "eligible", action="adminRemove", principalId=HEIDI, roleDefinitionId=GLOBAL_ADMINISTRATOR
    )
    response = post(live, "eligible", body)
    assert response.status_code == 400 and error_code(response) == "RoleAssignmentDoesNotExist"
    update = request(
        "eligible", action="adminUpdate", principalId=HEIDI, roleDefinitionId=GLOBAL_ADMINISTRATOR
    )
    assert error_code(post(live, "eligible", update)) == "RoleAssignmentDoesNotExist"


def test_admin_remove_revokes(live: Live) -> None:
    body = request(
        "active", action="adminRemove", principalId=BG1, roleDefinitionId=GLOBAL_ADMINISTRATOR
    )
    response = post(live, "active", body)
    assert response.status_code == 201 and response.json()["status"] == "Revoked"
    rows, _ = all_pages(live, f"{DIR}/roleAssignments", **{"$filter": f"principalId eq '{BG1}'"})
    assert rows == []


def set_rule(live: Live, role_id: str, rule_id: str, **values: Any) -> None:
    policy = policy_of(live, role_id)
    rule = copy.deepcopy(rule_of(policy, rule_id))
    rule.update(values)
    assert patch_rule(live, policy, rule).status_code == 204


@pytest.mark.parametrize(
    ("rules", "body", "failed"),
    [
        (
            {
                "Expiration_Admin_Eligibility": {
                    "isExpirationRequired": True,
                    "maximumDuration": "P30D",
                }
            },
            {"scheduleInfo": {"expiration": {"type": "noExpiration"}}},
            "ExpirationRule",
        ),
        (
            {
                "Expiration_Admin_Eligibility": {
                    "isExpirationRequired": True,
                    "maximumDuration": "P30D",
                }
            },
            {"scheduleInfo": {"expiration": {"type": "afterDuration", "duration": "P31D"}}},
            "ExpirationRule",
        ),
        (
            {"Enablement_Admin_Eligibility": {"enabledRules": ["Justification"]}},
            {"justification": ""},
            "JustificationRule",
        ),
        (
            {"Enablement_Admin_Eligibility": {"enabledRules": ["MultiFactorAuthentication"]}},
            {},
            "MfaRule",
        ),
    ],
)
def test_requests_are_checked_against_the_role_policy(
    live: Live, rules: dict[str, dict[str, Any]], body: dict[str, Any], failed: str
) -> None:
    for rule_id, values in rules.items():
        set_rule(live, SECURITY_ADMIN, rule_id, **values)
    payload = request("eligible", principalId=HEIDI, roleDefinitionId=SECURITY_ADMIN) | body
    response = post(live, "eligible", payload)
    assert response.status_code == 400
    assert error_code(response) == "RoleAssignmentRequestPolicyValidationFailed"
    assert failed in response.json()["error"]["message"]


def test_unknown_principal_role_and_non_assignable_group(live: Live) -> None:
    missing = str(uuid.uuid4())
    response = post(
        live, "eligible", request("eligible", principalId=missing, roleDefinitionId=SECURITY_ADMIN)
    )
    assert error_code(response) == "PrincipalNotFound"
    response = post(
        live, "eligible", request("eligible", principalId=HEIDI, roleDefinitionId=missing)
    )
    assert error_code(response) == "RoleNotFound"
    response = post(
        live,
        "eligible",
        request("eligible", principalId=oid("group", "All Staff"), roleDefinitionId=SECURITY_ADMIN),
    )
    assert error_code(response) == "GroupNotRoleAssignable"


def test_extend_and_update_change_the_end(live: Live) -> None:
    body = request(
        "eligible",
        action="adminExtend",
        principalId=ALICE,
        roleDefinitionId=GLOBAL_ADMINISTRATOR,
        scheduleInfo={
            "expiration": {"type": "afterDateTime", "endDateTime": "2027-01-31T00:00:00Z"}
        },
    )
    response = post(live, "eligible", body)
    assert response.status_code == 201, response.text
    schedules, _ = all_pages(
        live, f"{DIR}/roleEligibilitySchedules", **{"$filter": f"principalId eq '{ALICE}'"}
    )
    (schedule,) = [s for s in schedules if s["roleDefinitionId"] == GLOBAL_ADMINISTRATOR]
    assert schedule["scheduleInfo"]["expiration"]["endDateTime"] == "2027-01-31T00:00:00Z"
    assert response.json()["targetScheduleId"] == schedule["id"]


def test_self_actions_are_refused_for_app_only_callers(live: Live) -> None:
    body = request(
        "active", action="selfActivate", principalId=ALICE, roleDefinitionId=GLOBAL_ADMINISTRATOR
    )
    assert error_code(post(live, "active", body)) == "SelfActionNotSupported"


# --- directory objects ---------------------------------------------------------------------


def test_get_by_ids_returns_a_user_subset_unless_selected(live: Live) -> None:
    sp = oid("sp", APPLY_APP_ID)
    body = {"ids": [ALICE, sp, str(uuid.uuid4())]}
    values = live.http.post("directoryObjects/getByIds", json=body).json()["value"]
    assert [v["id"] for v in values] == [ALICE, sp]
    assert set(values[0]) == {"@odata.type", "id", "accountEnabled", "displayName"}
    assert values[1]["appId"] == APPLY_APP_ID
    selected = live.http.post(
        "directoryObjects/getByIds",
        params={"$select": "id,userType,onPremisesSyncEnabled"},
        json={"ids": [ALICE], "types": ["user"]},
    ).json()["value"]
    assert set(selected[0]) == {"@odata.type", "id", "userType", "onPremisesSyncEnabled"}
    typed = live.http.post(
        "directoryObjects/getByIds", json={"ids": [ALICE, sp], "types": ["servicePrincipal"]}
    ).json()
    assert [v["id"] for v in typed["value"]] == [sp]
    too_many = live.http.post("directoryObjects/getByIds", json={"ids": ["x"] * 1001})
    assert too_many.status_code == 400


def test_lookups_by_upn_name_and_app_id(live: Live) -> None:
    users = live.http.get(
        "users", params={"$filter": "userPrincipalName eq 'alice.admin@contoso.com'"}
    ).json()["value"]
    assert [u["id"] for u in users] == [ALICE]
    groups = live.http.get(
        "groups", params={"$filter": "displayName eq 'Helpdesk Operators'"}
    ).json()["value"]
    assert [g["id"] for g in groups] == [oid("group", "Helpdesk Operators")]
    sps = live.http.get(
        "servicePrincipals", params={"$filter": f"appId eq '{APPLY_APP_ID}'"}
    ).json()["value"]
    assert [s["appId"] for s in sps] == [APPLY_APP_ID]
    members = live.http.get(f"groups/{groups[0]['id']}/members").json()["value"]
    assert len(members) == 7 and all("@odata.type" in m for m in members)
    assert live.http.get(f"groups/{uuid.uuid4()}/members").status_code == 404


# --- $batch ----------------------------------------------------------------------------------


def batch(live: Live, requests: list[dict[str, Any]]) -> httpx.Response:
    return live.http.post("$batch", json={"requests": requests})


def test_batch_runs_requests_and_matches_by_id(live: Live) -> None:
    requests = [
        {"id": str(n), "method": "GET", "url": f"/{DIR}/roleDefinitions/{role}"}
        for n, role in enumerate([GLOBAL_ADMINISTRATOR, SECURITY_ADMIN, str(uuid.uuid4())])
    ]
    response = batch(live, requests)
    assert response.status_code == 200
    by_id = {r["id"]: r for r in response.json()["responses"]}
    assert by_id["0"]["body"]["id"] == GLOBAL_ADMINISTRATOR
    assert by_id["1"]["body"]["id"] == SECURITY_ADMIN
    assert by_id["2"]["status"] == 404
    stats = live.stats()
    assert stats["requests"] == 1 and stats["inner_requests"] == 3


def test_batch_limits_and_dependencies(live: Live) -> None:
    one = {"method": "GET", "url": f"/{DIR}/roleDefinitions"}
    assert batch(live, [{"id": str(n), **one} for n in range(21)]).status_code == 400
    # A dependency must appear earlier in the array.
    forward = [{"id": "1", "dependsOn": ["2"], **one}, {"id": "2", **one}]
    assert batch(live, forward).status_code == 400
    body_without_header = [
        {"id": "1", "method": "POST", "url": "/directoryObjects/getByIds", "body": {"ids": []}}
    ]
    assert batch(live, body_without_header).status_code == 400
    failing = [
        {"id": "a", "method": "GET", "url": f"/{DIR}/roleDefinitions/{uuid.uuid4()}"},
        {"id": "b", "dependsOn": ["a"], **one},
    ]
    by_id = {r["id"]: r for r in batch(live, failing).json()["responses"]}
    assert by_id["a"]["status"] == 404 and by_id["b"]["status"] == 424


def test_batch_items_are_throttled_individually(live: Live) -> None:
    live.faults(throttle_rate=0.5, retry_after_max=2.5, seed=3)
    one = {"method": "GET", "url": f"/{DIR}/roleDefinitions"}
    seen = set()
    for _ in range(10):
        response = batch(live, [{"id": str(n), **one} for n in range(20)])
        if response.status_code != 200:
            assert response.status_code == 429
            continue
        for item in response.json()["responses"]:
            seen.add(item["status"])
            if item["status"] == 429:
                assert 0 < float(item["headers"]["Retry-After"]) <= 3
    assert seen == {200, 429}


def test_batch_write_inside_applies(live: Live) -> None:
    body = request(
        "active",
        principalId=HEIDI,
        roleDefinitionId=SECURITY_ADMIN,
        scheduleInfo={"expiration": {"type": "afterDuration", "duration": "P5D"}},
    )
    response = batch(
        live,
        [
            {
                "id": "1",
                "method": "POST",
                "url": f"/{DIR}/roleAssignmentScheduleRequests",
                "headers": {"Content-Type": "application/json"},
                "body": body,
            }
        ],
    )
    (item,) = response.json()["responses"]
    assert item["status"] == 201
    assert live.stats()["writes"] == 1


# --- faults ----------------------------------------------------------------------------------


def test_same_seed_same_faults() -> None:
    config = FaultConfig(seed=42, throttle_rate=0.3, error_rate=0.2, reset_rate=0.1)
    runs = []
    for _ in range(2):
        faults = Faults(config)
        runs.append([faults.decide(write=n % 3 == 0) for n in range(200)])
    assert runs[0] == runs[1]
    kinds = {d.fault for d in runs[0]}
    assert {"throttle", "unavailable", "timeout", "reset"} <= kinds


def test_retry_after_is_capped_and_sometimes_fractional() -> None:
    faults = Faults(FaultConfig(seed=1, throttle_rate=1.0, retry_after_max=1.5))
    values = [faults.decide(write=False).retry_after for _ in range(100)]
    numbers = [float(v) for v in values if v is not None]
    assert len(numbers) == 100 and max(numbers) <= 1.5
    assert any("." in str(v) for v in values) and any("." not in str(v) for v in values)


def test_latency_and_spikes_are_decided_per_request() -> None:
    faults = Faults(FaultConfig(latency_ms=100, spike_rate=1.0, spike_ms=900))
    assert faults.decide(write=False).delay_s == pytest.approx(1.0)
    assert faults.decide(write=False, inner=True).delay_s == 0.0  # batch items: no own latency


def test_throttled_request_has_retry_after_and_graph_body(live: Live) -> None:
    live.faults(throttle_rate=1.0)
    response = live.http.get(f"{DIR}/roleDefinitions")
    assert response.status_code == 429 and error_code(response) == "TooManyRequests"
    assert float(response.headers["Retry-After"]) > 0


def test_server_errors(live: Live) -> None:
    live.faults(error_rate=1.0, seed=5)
    statuses = {live.http.get(f"{DIR}/roleDefinitions").status_code for _ in range(20)}
    assert statuses == {503, 504}


def test_connection_reset(live: Live) -> None:
    live.faults(reset_rate=1.0)
    with pytest.raises(httpx.HTTPError):
        live.http.get(f"{DIR}/roleDefinitions")


def test_ghost_write_is_applied_but_reported_as_timeout(live: Live) -> None:
    live.faults(ghost_rate=1.0)
    body = request(
        "active",
        principalId=HEIDI,
        roleDefinitionId=SECURITY_ADMIN,
        scheduleInfo={"expiration": {"type": "afterDuration", "duration": "P5D"}},
    )
    response = post(live, "active", body)
    assert response.status_code == 504
    again = post(live, "active", body)  # a blind retry now collides
    assert again.status_code == 504 or error_code(again) == "RoleAssignmentExists"
    rows, _ = all_pages(
        live, f"{DIR}/roleAssignmentSchedules", **{"$filter": f"principalId eq '{HEIDI}'"}
    )
    assert len(rows) == 1


def test_abort_after_n_writes_drops_later_writes_only(live: Live) -> None:
    live.faults(abort_after_writes=1)
    first = request(
        "active",
        principalId=HEIDI,
        roleDefinitionId=SECURITY_ADMIN,
        scheduleInfo={"expiration": {"type": "afterDuration", "duration": "P5D"}},
    )
    assert post(live, "active", first).status_code == 201
    second = first | {"roleDefinitionId": GLOBAL_ADMINISTRATOR}
    with pytest.raises(httpx.HTTPError):
        post(live, "active", second)
    assert live.http.get(f"{DIR}/roleDefinitions").status_code == 200  # reads still work
    rows, _ = all_pages(
        live, f"{DIR}/roleAssignmentSchedules", **{"$filter": f"principalId eq '{HEIDI}'"}
    )
    assert [r["roleDefinitionId"] for r in rows] == [SECURITY_ADMIN]
    live.faults(abort_after_writes=None)
    assert post(live, "active", second).status_code == 201


def test_fault_control_rejects_unknown_settings(live: Live) -> None:
    response = httpx.post(live.url + "/_emulator/faults", json={"nonsense": 1})
    assert response.status_code == 400
    response = httpx.post(live.url + "/_emulator/faults", json={"throttle_rate": 2})
    assert response.status_code == 400


# --- control endpoints ------------------------------------------------------------------------


def test_stats_count_requests_by_route_and_not_control_calls(live: Live) -> None:
    live.http.get(f"{DIR}/roleDefinitions")
    live.http.get(f"{DIR}/roleDefinitions")
    live.http.get("policies/roleManagementPolicies", params={"$filter": SCOPE})
    live.snapshot()
    stats = live.stats()
    assert stats["requests"] == 3
    assert stats["by_route"] == {
        f"GET {DIR}/roleDefinitions": 2,
        "GET policies/roleManagementPolicies": 1,
    }


def test_max_concurrency_is_measured(live: Live) -> None:
    live.faults(latency_ms=300)
    threads = [
        threading.Thread(target=live.http.get, args=(f"{DIR}/roleDefinitions",)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert live.stats()["max_concurrency"] >= 2


def test_snapshot_reflects_writes_and_reset_restores(live: Live) -> None:
    before = live.snapshot()
    body = request(
        "active", action="adminRemove", principalId=BG1, roleDefinitionId=GLOBAL_ADMINISTRATOR
    )
    assert post(live, "active", body).status_code == 201
    after = live.snapshot()
    assert after["format"] == "pim-gitops.tenant-snapshot/v1"
    assert len(after["roleAssignmentSchedules"]) == len(before["roleAssignmentSchedules"]) - 1
    assert httpx.post(live.url + "/_emulator/reset").status_code == 204
    assert live.snapshot()["roleAssignmentSchedules"] == before["roleAssignmentSchedules"]


def test_unknown_segment_and_method(live: Live) -> None:
    response = live.http.get("nothing/here")
    assert response.status_code == 400 and "segment" in response.json()["error"]["message"]
    response = live.http.delete(f"{DIR}/roleDefinitions")
    assert response.status_code == 405


def test_privileged_role_administrator_exists_for_the_apply_identity(live: Live) -> None:
    sp = oid("sp", APPLY_APP_ID)
    rows, _ = all_pages(live, f"{DIR}/roleAssignments", **{"$filter": f"principalId eq '{sp}'"})
    assert [r["roleDefinitionId"] for r in rows] == [PRIVILEGED_ROLE_ADMINISTRATOR]


def test_cli_serves_on_the_given_port(tmp_path: Any) -> None:
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "pim_gitops", "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1.0/{DIR}/roleDefinitions"
        for _ in range(200):
            try:
                response = httpx.get(url, headers={"Authorization": "Bearer x"})
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        else:
            pytest.fail("the emulator did not start")
        assert response.status_code == 200
        assert len(response.json()["value"]) == 31
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


# --- respelled reads --------------------------------------------------------------------------

ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
APPROVERS = oid("group", "PIM Tier0 Approvers")
RULE_READS = ["policies", "policy", "assignments", "rules", "rule"]
JSON = {"Content-Type": "application/json"}


def iso_seconds(text: str) -> int:
    """Plain ISO 8601 arithmetic (days/hours/minutes/seconds), independent of the client."""
    match = ISO.match(text)
    assert match and text not in ("P", "PT") and not text.endswith("T"), text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def meaning(rule: dict[str, Any]) -> dict[str, Any]:
    """What a rule says, with every spelling choice taken out."""
    out = {k: v for k, v in rule.items() if k != "@odata.context"}
    if isinstance(out.get("maximumDuration"), str):
        out["maximumDuration"] = iso_seconds(out["maximumDuration"])
    if "enabledRules" in out:
        out["enabledRules"] = sorted(out["enabledRules"])
    if "notificationRecipients" in out:
        out["notificationRecipients"] = sorted(r.lower() for r in out["notificationRecipients"])
    if "target" in out:
        out["target"] = dict(
            out["target"], operations=[o.lower() for o in out["target"]["operations"]]
        )
    if "claimValue" in out and not out.get("isEnabled"):
        out["claimValue"] = out["claimValue"] or None
    for stage in (out.get("setting") or {}).get("approvalStages") or []:
        for key in ("primaryApprovers", "escalationApprovers"):
            stage[key] = sorted(stage.get(key) or [], key=lambda a: sorted(a.items()))
    return out


def by_id(rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: meaning(copy.deepcopy(r)) for r in rules}


def varied_policy(live: Live) -> dict[str, Any]:
    """Security Administrator's policy with lists long enough to be reordered."""
    set_rule(
        live,
        SECURITY_ADMIN,
        "Enablement_EndUser_Assignment",
        enabledRules=["MultiFactorAuthentication", "Justification", "Ticketing"],
    )
    set_rule(
        live,
        SECURITY_ADMIN,
        "Notification_Admin_Admin_Eligibility",
        notificationRecipients=["SecOps@contoso.com", "audit@contoso.com", "ciso@contoso.com"],
    )
    policy = policy_of(live, SECURITY_ADMIN)
    approval = copy.deepcopy(rule_of(policy, "Approval_EndUser_Assignment"))
    approval["setting"]["isApprovalRequired"] = True
    approval["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.singleUser", "userId": ALICE},
        {"@odata.type": "#microsoft.graph.groupMembers", "groupId": APPROVERS},
        {"@odata.type": "#microsoft.graph.singleUser", "userId": HEIDI},
    ]
    assert patch_rule(live, policy, approval).status_code == 204
    return dict(live.emulator.store.policy(policy["id"]) or {})


def read_rules(live: Live, how: str, policy_id: str) -> list[dict[str, Any]]:
    base = f"policies/roleManagementPolicies/{policy_id}"
    if how == "policies":
        items, _ = all_pages(
            live, "policies/roleManagementPolicies", **{"$filter": SCOPE, "$expand": "rules"}
        )
        return list(next(p for p in items if p["id"] == policy_id)["rules"])
    if how == "policy":
        return list(live.http.get(base, params={"$expand": "rules"}).json()["rules"])
    if how == "assignments":
        return list(policy_of(live, SECURITY_ADMIN)["rules"])
    if how == "rules":
        return list(live.http.get(f"{base}/rules").json()["value"])
    stored = live.emulator.store.policy(policy_id) or {}
    return [live.http.get(f"{base}/rules/{r['id']}").json() for r in stored["rules"]]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("PT8H", "PT480M"), ("P1D", "PT24H"), ("P365D", "PT8760H"), ("PT1H45M", "PT105M")],
)
def test_duration_spellings_are_equal_and_use_graphs_units(written: str, expected: str) -> None:
    spellings = duration_spellings(iso_seconds(written))
    assert written in spellings and expected in spellings and len(spellings) >= 3
    assert {iso_seconds(s) for s in spellings} == {iso_seconds(written)}
    assert all(parse_duration(s) == iso_seconds(written) for s in spellings)  # Graph-valid
    assert not any(unit in s for s in spellings for unit in ("W", "Y")), spellings


def test_respelled_duration_always_differs_from_the_written_one() -> None:
    for seed in range(20):
        for written in ("PT8H", "P1D", "P365D", "PT30M", "P15D", "PT1H45M"):
            shown = Respeller(seed).duration(written, "policy", "rule")
            assert shown != written and iso_seconds(shown) == iso_seconds(written)


@pytest.mark.parametrize("how", RULE_READS)
def test_every_rule_read_is_respelled_to_the_same_meaning(respelling: Live, how: str) -> None:
    stored = varied_policy(respelling)
    shown = read_rules(respelling, how, stored["id"])
    assert by_id(shown) == by_id(stored["rules"])
    raw = {r["id"]: r for r in shown}
    kept = {r["id"]: r for r in stored["rules"]}
    for rule_id in ("Expiration_EndUser_Assignment", "Expiration_Admin_Eligibility"):
        assert raw[rule_id]["maximumDuration"] != kept[rule_id]["maximumDuration"]
    for rule_id, key in (
        ("Enablement_EndUser_Assignment", "enabledRules"),
        ("Notification_Admin_Admin_Eligibility", "notificationRecipients"),
        ("AuthenticationContext_EndUser_Assignment", "claimValue"),
        ("Approval_EndUser_Assignment", "setting"),
    ):
        assert raw[rule_id][key] != kept[rule_id][key], rule_id
    assert all(r["target"]["operations"] == ["All"] for r in shown)  # stored as ["all"]
    recipients = "Notification_Admin_Admin_Eligibility", "notificationRecipients"
    # Re-cased, not only reordered: no address keeps its written spelling.
    assert not set(raw[recipients[0]][recipients[1]]) & set(kept[recipients[0]][recipients[1]])
    if how != "rule":
        assert [r["id"] for r in shown] != [r["id"] for r in stored["rules"]]


def test_respelling_is_deterministic_per_seed(respelling: Live) -> None:
    stored = varied_policy(respelling)
    first = respelling.http.get(f"policies/roleManagementPolicies/{stored['id']}/rules").content
    again = respelling.http.get(f"policies/roleManagementPolicies/{stored['id']}/rules").content
    assert first == again  # unchanged content reads the same bytes: fingerprints stay stable
    assert Respeller(3).rules("p", stored["rules"]) == Respeller(3).rules("p", stored["rules"])
    seeds = {json.dumps(Respeller(s).rules("p", stored["rules"])) for s in range(5)}
    assert len(seeds) > 1


def test_respelled_read_patched_back_is_accepted_and_changes_no_meaning(respelling: Live) -> None:
    stored = copy.deepcopy(varied_policy(respelling))
    for rule in read_rules(respelling, "rules", stored["id"]):
        assert patch_rule(respelling, stored, rule).status_code == 204, rule["id"]
    after = respelling.emulator.store.policy(stored["id"]) or {}
    assert by_id(after["rules"]) == by_id(stored["rules"])


def test_writes_store_what_was_written_under_respelling(respelling: Live) -> None:
    set_rule(respelling, SECURITY_ADMIN, "Expiration_EndUser_Assignment", maximumDuration="PT3H")
    policy_id = policy_of(respelling, SECURITY_ADMIN)["id"]
    policy = next(
        p for p in respelling.snapshot()["roleManagementPolicies"] if p["id"] == policy_id
    )
    assert rule_of(policy, "Expiration_EndUser_Assignment")["maximumDuration"] == "PT3H"
    shown = rule_of(policy_of(respelling, SECURITY_ADMIN), "Expiration_EndUser_Assignment")
    assert shown["maximumDuration"] != "PT3H" and iso_seconds(shown["maximumDuration"]) == 10800
    stats = respelling.stats()
    assert stats["writes"] == 1 and stats["write_attempts"] == 1


def test_respell_is_off_by_default_and_set_by_constructor_or_control() -> None:
    assert FaultConfig().respell is False
    assert Emulator({}, respell=True).faults.config.respell is True
    assert Emulator({}, faults=FaultConfig(respell=True, seed=4)).faults.config.seed == 4
    assert FaultConfig().update({"respell": True}).respell is True
    with pytest.raises(ValueError, match="respell"):
        FaultConfig().update({"respell": "yes"})


def test_reads_are_verbatim_without_respell(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    stored = live.emulator.store.policy(policy["id"]) or {}
    assert policy["rules"] == stored["rules"]
    response = httpx.post(live.url + "/_emulator/faults", json={"respell": "yes"})
    assert response.status_code == 400


def test_write_attempts_count_refused_faulted_and_batched_writes(live: Live) -> None:
    policy = policy_of(live, SECURITY_ADMIN)
    rule = copy.deepcopy(rule_of(policy, "Expiration_EndUser_Assignment"))
    refused = dict(rule, maximumDuration="PT25H")
    assert patch_rule(live, policy, refused).status_code == 400
    live.http.post("directoryObjects/getByIds", json={"ids": [ALICE]})
    url = f"/policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}"
    items = [
        {"id": "1", "method": "PATCH", "url": url, "body": rule, "headers": JSON},
        {"id": "2", "method": "PATCH", "url": url, "body": refused, "headers": JSON},
        {"id": "3", "method": "GET", "url": f"/{DIR}/roleDefinitions"},
    ]
    assert batch(live, items).status_code == 200
    stats = live.stats()
    assert (stats["writes"], stats["write_attempts"]) == (1, 3)
    live.faults(throttle_rate=1.0, retry_after_max=0.01)
    assert patch_rule(live, policy, rule).status_code == 429
    assert live.stats()["write_attempts"] == 4 and live.stats()["writes"] == 1


# --- holds (the pause hook for concurrency tests) ---------------------------------------------

ASSIGN = f"{DIR}/roleAssignmentScheduleRequests"


def _client(live: Live) -> httpx.Client:
    return httpx.Client(base_url=live.graph, headers={"Authorization": "Bearer t"}, timeout=30)


def _in_background(live: Live, method: str, path: str, body: Any) -> Any:
    """Send one request from another thread; returns a future of the response."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)

    def send() -> httpx.Response:
        with _client(live) as client:
            return client.request(method, path, json=body)

    future = pool.submit(send)
    pool.shutdown(wait=False)
    return future


def _assign(principal: str, role: str = SECURITY_ADMIN) -> dict[str, Any]:
    return request(
        "active",
        principalId=principal,
        roleDefinitionId=role,
        scheduleInfo={"expiration": {"type": "afterDuration", "duration": "P5D"}},
    )


def _holds_role(live: Live, principal: str, role: str = SECURITY_ADMIN) -> bool:
    rows, _ = all_pages(
        live, f"{DIR}/roleAssignments", **{"$filter": f"principalId eq '{principal}'"}
    )
    return role in [r["roleDefinitionId"] for r in rows]


def test_a_held_write_is_not_applied_until_released_while_others_proceed(live: Live) -> None:
    hold = live.emulator.holds.add(ASSIGN, method="POST")
    held = _in_background(live, "POST", ASSIGN, _assign(HEIDI))
    assert hold.wait_held()
    assert not held.done() and not _holds_role(live, HEIDI)
    # Reads and other writes go on meanwhile (the hold took its one request).
    other = post(live, "active", _assign(ALICE))
    assert other.status_code == 201 and _holds_role(live, ALICE)
    assert live.http.get(f"{DIR}/roleDefinitions").status_code == 200
    assert hold.as_dict() | {"id": "-"} == {
        "id": "-",
        "method": "POST",
        "path": ASSIGN,
        "body": {},
        "count": 1,
        "after": False,
        "caught": 1,
        "waiting": 1,
        "released": False,
    }
    hold.release()
    response = held.result(timeout=30)
    assert response.status_code == 201 and _holds_role(live, HEIDI)
    assert hold.as_dict()["waiting"] == 0
    assert live.stats()["writes"] == 2


def test_a_hold_after_applying_delays_only_the_answer(live: Live) -> None:
    hold = live.emulator.holds.add(ASSIGN, after=True)
    held = _in_background(live, "POST", ASSIGN, _assign(HEIDI))
    assert hold.wait_held()
    assert _holds_role(live, HEIDI) and not held.done()  # applied, not yet answered
    hold.release()
    assert held.result(timeout=30).status_code == 201
    assert live.stats()["writes"] == 1


def test_a_hold_matches_body_fields_and_takes_count_requests(live: Live) -> None:
    hold = live.emulator.holds.add(ASSIGN, body={"principalId": HEIDI}, count=1)
    assert post(live, "active", _assign(ALICE)).status_code == 201  # another principal
    held = _in_background(live, "POST", ASSIGN, _assign(HEIDI))
    assert hold.wait_held()
    # The hold is full: a second matching write passes.
    second = post(live, "active", _assign(HEIDI, GLOBAL_ADMINISTRATOR))
    assert second.status_code == 201 and not held.done()
    assert not _holds_role(live, HEIDI, SECURITY_ADMIN)
    hold.release()
    assert held.result(timeout=30).status_code == 201


def test_a_write_inside_batch_is_held_too(live: Live) -> None:
    hold = live.emulator.holds.add("roleManagement/directory/role*ScheduleRequests")
    item = {
        "id": "1",
        "method": "POST",
        "url": f"/{DIR}/roleAssignmentScheduleRequests",
        "headers": {"Content-Type": "application/json"},
        "body": _assign(HEIDI),
    }
    held = _in_background(live, "POST", "$batch", {"requests": [item]})
    assert hold.wait_held()
    assert not held.done() and not _holds_role(live, HEIDI)
    hold.release()
    (answer,) = held.result(timeout=30).json()["responses"]
    assert answer["status"] == 201 and _holds_role(live, HEIDI)


def test_reads_are_not_held_unless_the_method_is_named(live: Live) -> None:
    live.emulator.holds.add(f"{DIR}/roleDefinitions")
    assert live.http.get(f"{DIR}/roleDefinitions").status_code == 200
    hold = live.emulator.holds.add(f"{DIR}/roleDefinitions", method="GET")
    held = _in_background(live, "GET", f"{DIR}/roleDefinitions", None)
    assert hold.wait_held() and not held.done()
    hold.release()
    assert held.result(timeout=30).status_code == 200


def test_holds_over_the_control_endpoint(live: Live) -> None:
    created = httpx.post(
        live.url + "/_emulator/holds", json={"path": ASSIGN, "body": {"principalId": HEIDI}}
    )
    assert created.status_code == 201
    hold_id = created.json()["id"]
    held = _in_background(live, "POST", ASSIGN, _assign(HEIDI))
    hold = live.emulator.holds.get(hold_id)
    assert hold is not None and hold.wait_held()
    (listed,) = httpx.get(live.url + "/_emulator/holds").json()["value"]
    assert listed["id"] == hold_id and listed["waiting"] == 1
    released = httpx.post(f"{live.url}/_emulator/holds/{hold_id}/release")
    assert released.status_code == 200 and released.json()["released"] is True
    assert held.result(timeout=30).status_code == 201
    bad = [{"path": ASSIGN, "colour": "red"}, {"path": ""}, {"path": ASSIGN, "count": 0}, []]
    for body in bad:
        assert httpx.post(live.url + "/_emulator/holds", json=body).status_code == 400
    assert httpx.post(live.url + "/_emulator/holds/h999/release").status_code == 404
    # Control calls are not Graph requests.
    assert live.stats()["requests"] == 1


def test_reset_releases_every_hold(live: Live) -> None:
    hold = live.emulator.holds.add(ASSIGN)
    held = _in_background(live, "POST", ASSIGN, _assign(HEIDI))
    assert hold.wait_held()
    assert httpx.post(live.url + "/_emulator/reset").status_code == 204
    assert held.result(timeout=30).status_code == 201
    assert live.emulator.holds.all() == []


def test_an_unreleased_hold_lets_go_after_its_timeout(live: Live) -> None:
    hold = live.emulator.holds.add(ASSIGN, timeout_s=0.05)
    assert post(live, "active", _assign(HEIDI)).status_code == 201
    assert hold.as_dict()["caught"] == 1 and _holds_role(live, HEIDI)


# --- the caller and its token ------------------------------------------------------------------


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_the_token_endpoint_issues_a_token_for_the_configured_caller(live: Live) -> None:
    issued = httpx.get(live.url + "/_emulator/token").json()
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 3600
    claims = _claims(issued["access_token"])
    assert claims["oid"] == oid("sp", APPLY_APP_ID) and claims["appid"] == APPLY_APP_ID
    assert claims["idtyp"] == "app" and "scp" not in claims
    assert "RoleManagement.ReadWrite.Directory" in claims["roles"]
    assert claims["tid"] == live.emulator.store.tenant_id
    assert claims["exp"] - claims["iat"] == 3600
    user = {"object_id": ALICE, "kind": "user", "scopes": ["RoleManagement.ReadWrite.Directory"]}
    changed = httpx.post(live.url + "/_emulator/identity", json=user)
    assert changed.status_code == 200 and changed.json()["kind"] == "user"
    claims = _claims(httpx.get(live.url + "/_emulator/token").json()["access_token"])
    assert (claims["oid"], claims["idtyp"]) == (ALICE, "user")
    assert claims["scp"] == "RoleManagement.ReadWrite.Directory" and "roles" not in claims
    for bad in ({"kind": "robot"}, {"object_id": ""}, {"roles": "x"}, {"nickname": "a"}, [1]):
        assert httpx.post(live.url + "/_emulator/identity", json=bad).status_code == 400
    httpx.post(live.url + "/_emulator/reset")
    assert httpx.get(live.url + "/_emulator/identity").json()["kind"] == "servicePrincipal"


def test_the_default_caller_is_the_sample_apply_service_principal() -> None:
    from pim_gitops.emulator.identity import Caller

    caller = Caller()
    assert (caller.object_id, caller.app_id) == (oid("sp", APPLY_APP_ID), APPLY_APP_ID)


def test_jwt_shaped_tokens_must_decode_and_name_this_tenant(live: Live) -> None:
    from pim_gitops.emulator.identity import encode_token

    url = f"{live.graph}/{DIR}/roleDefinitions"
    tenant = live.emulator.store.tenant_id

    def status(token: str) -> int:
        return httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(live.emulator.token()) == 200
    assert status(encode_token({"oid": ALICE, "tid": tenant.upper()})) == 200
    assert status(encode_token({"oid": ALICE})) == 200  # names no tenant
    assert status("opaque-test-token") == 200  # not JWT-shaped: accepted as before
    assert status("a.%%%.c") == 401
    assert status("a.W10.") == 401  # "[]" decodes but is no object
    other = httpx.get(
        url,
        headers={"Authorization": f"Bearer {encode_token({'tid': str(uuid.uuid4())})}"},
    )
    assert other.status_code == 401 and error_code(other) == "InvalidAuthenticationToken"
    assert "not " + tenant in other.json()["error"]["message"]


# --- who may write ---------------------------------------------------------------------------

LEGACY_APP_ID = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
LEGACY_SP = oid("sp", LEGACY_APP_ID)
GRACE = oid("user", "grace.identity@contoso.com")
WRITE_ALL = "RoleManagement.ReadWrite.Directory"


def as_caller(live: Live, caller: Any) -> httpx.Client:
    """A client sending the token the emulator issues for ``caller``."""
    live.sign_in(caller)
    token = live.emulator.token()
    return httpx.Client(
        base_url=live.graph, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def test_an_app_writes_with_a_write_permission_or_a_writing_role(live: Live) -> None:
    from pim_gitops.emulator.identity import Caller

    with as_caller(live, Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, ())) as client:
        denied = client.post(ASSIGN, json=_assign(HEIDI))
        assert denied.status_code == 403 and error_code(denied) == "Authorization_RequestDenied"
        assert "none of" in denied.json()["error"]["message"]
        assert client.get(f"{DIR}/roleDefinitions").status_code == 200  # reads are not checked
    assert not _holds_role(live, HEIDI)
    with as_caller(live, Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, (WRITE_ALL,))) as c:
        assert c.post(ASSIGN, json=_assign(HEIDI)).status_code == 201
        # Give the app Privileged Role Administrator: then it writes without a permission.
        pra = _assign(LEGACY_SP, PRIVILEGED_ROLE_ADMINISTRATOR)
        assert c.post(ASSIGN, json=pra).status_code == 201
    with as_caller(live, Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, ())) as client:
        assert client.post(ASSIGN, json=_assign(ALICE)).status_code == 201


def test_a_policy_patch_needs_a_policy_write_permission(live: Live) -> None:
    from pim_gitops.emulator.identity import Caller

    schedules_only = ("RoleAssignmentSchedule.ReadWrite.Directory",)
    policy = policy_of(live, SECURITY_ADMIN)
    rule = rule_of(policy, "Expiration_EndUser_Assignment")
    path = f"policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}"
    with as_caller(live, Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, schedules_only)) as c:
        assert c.patch(path, json=rule).status_code == 403
        assert c.post(ASSIGN, json=_assign(HEIDI)).status_code == 201
    policy_write = ("RoleManagementPolicy.ReadWrite.Directory",)
    with as_caller(live, Caller.service_principal(LEGACY_SP, LEGACY_APP_ID, policy_write)) as c:
        assert c.patch(path, json=rule).status_code == 204


def test_a_user_needs_a_write_scope_and_an_active_writing_role(live: Live) -> None:
    from pim_gitops.emulator.identity import Caller

    with as_caller(live, Caller.user(GRACE)) as client:  # PRA eligible only: no active role
        denied = client.post(ASSIGN, json=_assign(HEIDI))
        assert denied.status_code == 403
        assert "neither Privileged Role Administrator" in denied.json()["error"]["message"]
    with as_caller(live, Caller.user(BG1, scopes=("User.Read",))) as client:
        denied = client.post(ASSIGN, json=_assign(HEIDI))
        assert denied.status_code == 403 and "scopes" in denied.json()["error"]["message"]
    assert not _holds_role(live, HEIDI)
    with as_caller(live, Caller.user(BG1)) as client:  # active Global Administrator
        assert client.post(ASSIGN, json=_assign(HEIDI)).status_code == 201


def test_a_user_who_removes_their_own_role_is_locked_out(live: Live) -> None:
    from pim_gitops.emulator.identity import Caller

    with as_caller(live, Caller.user(BG1)) as client:
        remove = {
            "action": "adminRemove",
            "principalId": BG1,
            "roleDefinitionId": GLOBAL_ADMINISTRATOR,
            "directoryScopeId": "/",
        }
        assert client.post(ASSIGN, json=remove).status_code == 201
        after = client.post(ASSIGN, json=_assign(HEIDI))
        assert after.status_code == 403 and not _holds_role(live, HEIDI)


def test_writes_inside_batch_are_checked_per_caller(live: Live) -> None:
    from pim_gitops.emulator.identity import Caller

    item = {
        "id": "1",
        "method": "POST",
        "url": f"/{DIR}/roleAssignmentScheduleRequests",
        "headers": {"Content-Type": "application/json"},
        "body": _assign(HEIDI),
    }
    with as_caller(live, Caller.user(GRACE)) as client:
        (answer,) = client.post("$batch", json={"requests": [item]}).json()["responses"]
    assert answer["status"] == 403 and answer["body"]["error"]["code"] == (
        "Authorization_RequestDenied"
    )
    assert not _holds_role(live, HEIDI)


def test_batch_is_entirely_sequential_or_entirely_parallel(live: Live) -> None:
    """microsoft-graph-docs-contrib#2339: a chain, or no dependsOn at all; never a mix."""
    one = {"method": "GET", "url": f"/{DIR}/roleDefinitions"}
    mixed = [{"id": "a", **one}, {"id": "b", "dependsOn": ["a"], **one}, {"id": "c", **one}]
    refused = batch(live, mixed)
    assert refused.status_code == 400
    assert "entirely sequential" in refused.json()["error"]["message"]
    fan_out = [{"id": "a", **one}, {"id": "b", "dependsOn": ["a"], **one}]
    fan_out.append({"id": "c", "dependsOn": ["a"], **one})
    assert batch(live, fan_out).status_code == 400
    missing = {"id": "a", "method": "GET", "url": f"/{DIR}/roleDefinitions/{uuid.uuid4()}"}
    chain = [
        missing,
        {"id": "b", "dependsOn": ["a"], **one},
        {"id": "c", "dependsOn": ["b"], **one},
    ]
    by_id = {r["id"]: r["status"] for r in batch(live, chain).json()["responses"]}
    assert by_id == {"a": 404, "b": 424, "c": 424}
    parallel = [{"id": str(n), **one} for n in range(3)]
    assert {r["status"] for r in batch(live, parallel).json()["responses"]} == {200}
