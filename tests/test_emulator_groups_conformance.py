"""Replay the documented PIM-for-Groups requests (``../shared/graph-samples/groups__*``) and
the administrative-unit-scoped instance list against the emulator: the documented keys and
value types must be in its answers (the docs shorten their examples: "The response object
shown here might be shortened for readability"), documented ids where they are derived, and
Entra's group defaults exactly as the untouched documented policy reads."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.snapshot import FORMAT
from pim_gitops.tenantgen import role_definition, user
from tests.conftest import load_sample

BASE = "identityGovernance/privilegedAccess/group"
POLICY_GROUP = "60bba733-f09d-49b7-8445-32369aa066b3"
OWNER_SAMPLE_GROUP = "7e526275-97a8-4dc6-932a-4db521cccf96"
ELIGIBLE_GROUP = "2b5ed229-4072-478d-9504-a047ebd4b07d"
ACTIVE_GROUP = "68e55cce-cf7e-4a2d-9046-3e4e75c4bfa7"
PRINCIPAL = "3cce9d87-3986-4f19-8335-7ed075408ca2"
#: The documented group requests were processed on 2023-02-07 (sample responses).
DOCS_NOW = datetime(2023, 2, 7, 6, 57, 55, tzinfo=UTC)


def missing(documented: Any, ours: Any, path: str = "$") -> list[str]:
    """Documented keys absent from ours, or of another type, recursively (``null`` on either
    side matches anything)."""
    if documented is None or ours is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{path}: expected an object"]
        out = [f"{path}.{k}: missing" for k in sorted(set(documented) - set(ours))]
        for key in sorted(set(documented) & set(ours)):
            out += missing(documented[key], ours[key], f"{path}.{key}")
        return out
    if isinstance(documented, list):
        if not isinstance(ours, list):
            return [f"{path}: expected a list"]
        return missing(documented[0], ours[0], f"{path}[0]") if documented and ours else []
    if type(documented) is not type(ours):
        return [f"{path}: expected {type(documented).__name__}, got {type(ours).__name__}"]
    return []


def _group(object_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.group",
        "id": object_id,
        "displayName": name,
        "securityEnabled": True,
        "isAssignableToRole": True,
    } | extra


def docs_tenant() -> dict[str, Any]:
    groups = [
        _group(POLICY_GROUP, "Documented policy group"),
        _group(OWNER_SAMPLE_GROUP, "Documented owner-policy group"),
        _group(ELIGIBLE_GROUP, "Documented eligibility group"),
        _group(ACTIVE_GROUP, "Documented assignment group"),
    ]
    principal = user("docs.principal@contoso.com", "Documented principal") | {"id": PRINCIPAL}
    au_rows = load_sample(
        "eligibility__list-roleeligibilityscheduleinstances-au-scope.beta.response.json"
    )["value"]
    users = [
        user(f"{r['principalId'][:8]}@contoso.com", "AU sample") | {"id": r["principalId"]}
        for r in au_rows
    ]
    schedules = [
        {
            "id": r["roleEligibilityScheduleId"],
            "principalId": r["principalId"],
            "roleDefinitionId": r["roleDefinitionId"],
            "directoryScopeId": r["directoryScopeId"],
            "appScopeId": None,
            "createdUsing": r["roleEligibilityScheduleId"],
            "createdDateTime": r["startDateTime"],
            "modifiedDateTime": None,
            "status": "Provisioned",
            "memberType": "Direct",
            "scheduleInfo": {
                "startDateTime": r["startDateTime"],
                "recurrence": None,
                "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
            },
        }
        for r in au_rows
    ]
    return {
        "format": FORMAT,
        "tenantId": "cab01047-8ad9-4792-8e42-569340767f1b",
        "capturedAt": "2023-02-07T06:57:55Z",
        "roleDefinitions": [
            role_definition(au_rows[0]["roleDefinitionId"], "Groups Administrator")
        ],
        "roleManagementPolicies": [],
        "roleManagementPolicyAssignments": [],
        "roleEligibilitySchedules": schedules,
        "roleAssignmentSchedules": [],
        "roleAssignments": [],
        "directoryObjects": [*groups, principal, *users],
        "administrativeUnits": [
            {
                "id": au_rows[0]["directoryScopeId"].rsplit("/", 1)[-1],
                "displayName": "Documented AU",
                "isMemberManagementRestricted": False,
            }
        ],
    }


@pytest.fixture(scope="module")
def docs() -> Iterator[httpx.Client]:
    emulator = Emulator(docs_tenant(), clock=lambda: DOCS_NOW)
    with (
        running(emulator) as url,
        httpx.Client(base_url=url + "/v1.0", headers={"Authorization": "Bearer docs"}) as client,
    ):
        yield client


def group_scope(group_id: str) -> str:
    return f"scopeId eq '{group_id}' and scopeType eq 'Group'"


def _by_id(rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rules}


def test_a_groups_policies_exist_on_first_use_with_the_documented_shape(docs: httpx.Client) -> None:
    documented = load_sample(
        "groups__list-rolemanagementpolicies-group-expand-rules-select-id.response.json"
    )
    response = docs.get(
        "policies/roleManagementPolicies",
        params={
            "$filter": f"scopeId eq '{POLICY_GROUP}' and scopeType eq 'Group'",
            "$expand": "rules($select=id)",
        },
    )
    assert response.status_code == 200, response.text
    ours = response.json()
    assert missing(documented, ours) == []
    assert ours["@odata.context"].endswith("$metadata#policies/roleManagementPolicies(rules(id))")
    assert len(ours["value"]) == 2
    for policy in ours["value"]:
        assert policy["id"].startswith(f"Group_{POLICY_GROUP}_")
        assert policy["scopeId"] == POLICY_GROUP and policy["scopeType"] == "Group"
        assert {r["id"] for r in policy["rules"]} == {
            r["id"] for r in documented["value"][0]["rules"]
        }
        assert all(set(r) == {"@odata.type", "id"} for r in policy["rules"])
    links = docs.get(
        "policies/roleManagementPolicyAssignments",
        params={"$filter": f"scopeId eq '{POLICY_GROUP}' and scopeType eq 'Group'"},
    ).json()
    documented_links = load_sample("groups__list-rolemanagementpolicyassignments.response.json")
    assert missing(documented_links, links) == []
    assert sorted(a["roleDefinitionId"] for a in links["value"]) == ["member", "owner"]
    assert {a["policyId"] for a in links["value"]} == {p["id"] for p in ours["value"]}
    assert all(a["id"] == f"{a['policyId']}_{a['roleDefinitionId']}" for a in links["value"])


def test_a_new_groups_policy_reads_as_the_documented_untouched_one(docs: httpx.Client) -> None:
    documented = load_sample(
        "groups__list-rolemanagementpolicyassignments-owner-expand-policy-rules.response.json"
    )
    response = docs.get(
        "policies/roleManagementPolicyAssignments",
        params={
            "$filter": f"{group_scope(OWNER_SAMPLE_GROUP)} and roleDefinitionId eq 'owner'",
            "$expand": "policy($expand=rules)",
        },
    )
    assert response.status_code == 200, response.text
    ours = response.json()
    assert missing(documented, ours) == []
    assert ours["@odata.context"] == documented["@odata.context"].replace(
        "https://graph.microsoft.com/v1.0", str(docs.base_url).rstrip("/")
    )
    (row,) = ours["value"]
    assert row["roleDefinitionId"] == "owner" and row["id"] == f"{row['policyId']}_owner"
    assert _by_id(row["policy"]["rules"]) == _by_id(documented["value"][0]["policy"]["rules"])
    assert row["policy"]["lastModifiedDateTime"] is None


def test_the_documented_group_policy_patch_is_accepted(docs: httpx.Client) -> None:
    policies = docs.get(
        "policies/roleManagementPolicyAssignments",
        params={"$filter": f"{group_scope(POLICY_GROUP)} and roleDefinitionId eq 'member'"},
    ).json()["value"]
    policy_id = policies[0]["policyId"]
    body = load_sample("groups__update-rolemanagementpolicy.request.json")
    response = docs.patch(f"policies/roleManagementPolicies/{policy_id}", json=body)
    assert response.status_code == 200, response.text
    assert (
        missing(load_sample("groups__update-rolemanagementpolicy.response.json"), response.json())
        == []
    )
    assert response.json()["lastModifiedDateTime"] is not None and "rules" not in response.json()
    approval = docs.get(
        f"policies/roleManagementPolicies/{policy_id}/rules/Approval_EndUser_Assignment"
    ).json()
    assert approval["setting"]["isApprovalRequired"] is True
    assert (
        approval["setting"]["approvalStages"][0]["primaryApprovers"][0]["id"]
        == "c277c8cb-6bb7-42e5-a17f-0add9a718151"
    )


def test_documented_eligibility_requests_and_list_replay(docs: httpx.Client) -> None:
    assign = docs.post(
        f"{BASE}/eligibilityScheduleRequests",
        json=load_sample("groups__post-eligibilityschedulerequests-adminassign.request.json"),
    )
    assert assign.status_code == 201, assign.text
    ours = assign.json()
    assert (
        missing(
            load_sample("groups__post-eligibilityschedulerequests-adminassign.response.json"), ours
        )
        == []
    )
    assert (ours["action"], ours["status"]) == ("adminAssign", "Provisioned")
    assert ours["targetScheduleId"] == f"{ELIGIBLE_GROUP}_member_{ours['id']}"
    assert ours["scheduleInfo"]["expiration"] == {
        "type": "afterDateTime",
        "endDateTime": "2023-02-07T19:56:00Z",
        "duration": None,
    }
    listed = docs.get(
        f"{BASE}/eligibilitySchedules",
        params={"$filter": f"groupId eq '{ELIGIBLE_GROUP}' and principalId eq '{PRINCIPAL}'"},
    )
    assert listed.status_code == 200, listed.text
    assert (
        missing(load_sample("groups__list-eligibilityschedules.response.json"), listed.json()) == []
    )
    assert [s["id"] for s in listed.json()["value"]] == [ours["targetScheduleId"]]
    extend = docs.post(
        f"{BASE}/eligibilityScheduleRequests",
        json=load_sample("groups__post-eligibilityschedulerequests-adminextend.request.json"),
    )
    assert extend.status_code == 201, extend.text
    extended = extend.json()
    assert (
        missing(
            load_sample("groups__post-eligibilityschedulerequests-adminextend.response.json"),
            extended,
        )
        == []
    )
    assert extended["action"] == "adminExtend"
    # As documented: the extension answers a schedule id made of its own request id.
    assert extended["targetScheduleId"] == f"{ELIGIBLE_GROUP}_member_{extended['id']}"
    after = docs.get(
        f"{BASE}/eligibilitySchedules", params={"$filter": f"groupId eq '{ELIGIBLE_GROUP}'"}
    ).json()["value"]
    assert [(s["id"], s["scheduleInfo"]["expiration"]["endDateTime"]) for s in after] == [
        (extended["targetScheduleId"], "2023-02-07T20:56:00Z")
    ]


def test_documented_active_assignment_request_replays_and_makes_a_member(
    docs: httpx.Client,
) -> None:
    response = docs.post(
        f"{BASE}/assignmentScheduleRequests",
        json=load_sample("groups__post-assignmentschedulerequests-adminassign.request.json"),
    )
    assert response.status_code == 201, response.text
    documented = copy.deepcopy(
        load_sample("groups__post-assignmentschedulerequests-adminassign.response.json")
    )
    # A documented defect kept verbatim: the metadata URL sits under "@odata.type".
    documented["@odata.context"] = documented.pop("@odata.type")
    ours = response.json()
    assert missing(documented, ours) == []
    assert ours["scheduleInfo"]["expiration"]["type"] == "afterDuration"
    assert ours["scheduleInfo"]["expiration"]["duration"] == "PT2H"
    assert ours["targetScheduleId"] == f"{ACTIVE_GROUP}_member_{ours['id']}"
    members = docs.get(f"groups/{ACTIVE_GROUP}/members").json()["value"]
    assert [m["id"] for m in members] == [PRINCIPAL]


def test_the_documented_au_scoped_instances_are_served_with_their_ids(docs: httpx.Client) -> None:
    documented = load_sample(
        "eligibility__list-roleeligibilityscheduleinstances-au-scope.beta.response.json"
    )
    response = docs.get("roleManagement/directory/roleEligibilityScheduleInstances")
    assert response.status_code == 200
    ours = {r["id"]: r for r in response.json()["value"]}
    for row in documented["value"]:
        assert row["id"] in ours, row["id"]
        assert missing(row, ours[row["id"]]) == []
        assert ours[row["id"]]["directoryScopeId"] == row["directoryScopeId"]
    unit = docs.get("directory/administrativeUnits/dc626e71-4837-40eb-be4a-bc29d88a1178")
    assert unit.status_code == 200 and unit.json()["displayName"] == "Documented AU"
