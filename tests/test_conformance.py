"""Replay the documented Graph requests against the emulator and compare the structure of
its responses with the documented ones: the same keys and value types at every level,
``@odata`` annotations included. Where they differ, the docs win."""

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

GA = "62e90394-69f5-4237-9190-012177145e10"
DIR = "roleManagement/directory"
#: The documented requests were processed at this instant (adminAssign sample response).
DOCS_NOW = datetime(2022, 4, 12, 9, 5, 41, tzinfo=UTC)


def structure_mismatches(documented: Any, ours: Any, path: str = "$") -> list[str]:
    """Differences in shape: keys of objects and types of values, recursively. ``null`` in
    either is compatible with anything (the docs show nulls where a tenant has values)."""
    if documented is None or ours is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(ours, dict):
            return [f"{path}: expected an object, got {type(ours).__name__}"]
        problems = []
        for key in sorted(set(documented) ^ set(ours)):
            where = "missing" if key in documented else "unexpected"
            problems.append(f"{path}.{key}: {where}")
        for key in sorted(set(documented) & set(ours)):
            problems += structure_mismatches(documented[key], ours[key], f"{path}.{key}")
        return problems
    if isinstance(documented, list):
        if not isinstance(ours, list):
            return [f"{path}: expected a list, got {type(ours).__name__}"]
        if documented and ours:
            first = documented[0]
            same = [
                o
                for o in ours
                if isinstance(o, dict)
                and isinstance(first, dict)
                and "id" in first
                and o.get("id") == first["id"]
            ]
            return structure_mismatches(first, (same or ours)[0], f"{path}[0]")
        return []
    if type(documented) is not type(ours):
        return [f"{path}: expected {type(documented).__name__}, got {type(ours).__name__}"]
    return []


def docs_tenant() -> dict[str, Any]:
    """A tenant made of the documented objects, so documented requests can be replayed."""
    roles = load_sample("rbac__list-roledefinitions.response.json")["value"]
    known = {r["id"] for r in roles}
    for role_id in (
        GA,
        "8424c6f0-a189-499e-bbd0-26c1753c96d4",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "31392ffb-586c-42d1-9346-e59415a2cc4e",
    ):
        if role_id not in known:
            roles.append(role_definition(role_id, f"Role {role_id[:8]}"))
    link = load_sample(
        "policies__list-rolemanagementpolicyassignments-expand-policy-rules.response.json"
    )["value"][0]
    policy = copy.deepcopy(link.pop("policy"))
    principal_rows = load_sample(
        "rbac__list-roleassignments-filter-roledefinition-expand-principal.response.json"
    )["value"]
    objects = {}
    for row in principal_rows:
        objects[row["principal"]["id"]] = row["principal"]
    for object_id in (
        "071cc716-8147-4397-a5ba-b2105951cc0b",
        "aaaaaaaa-bbbb-cccc-1111-222222222222",
    ):
        obj = user(f"{object_id[:8]}@contoso.com", "Documented user")
        objects[object_id] = obj | {"id": object_id}
    # The documented getByIds request has malformed ids (a docs defect kept verbatim): seed
    # objects under exactly those ids so the request can be replayed as written.
    documented_objects = load_sample("directoryobjects__getbyids.response.json")["value"]
    requested = load_sample("directoryobjects__getbyids.request.json")["ids"]
    for object_id, obj in zip(requested, documented_objects, strict=True):
        objects[object_id] = obj | {"id": object_id}
    assignment_rows = [{k: v for k, v in row.items() if k != "principal"} for row in principal_rows]
    assignment_rows += load_sample("rbac__list-roleassignments-filter-principal.response.json")[
        "value"
    ]
    extend_target = {
        "id": "extend-target",
        "principalId": "aaaaaaaa-bbbb-cccc-1111-222222222222",
        "roleDefinitionId": "31392ffb-586c-42d1-9346-e59415a2cc4e",
        "directoryScopeId": "/",
        "appScopeId": None,
        "createdUsing": "extend-target",
        "createdDateTime": None,
        "modifiedDateTime": None,
        "status": "Provisioned",
        "assignmentType": "Assigned",
        "memberType": "Direct",
        "scheduleInfo": {
            "startDateTime": "2022-04-01T00:00:00Z",
            "recurrence": None,
            "expiration": {
                "type": "afterDateTime",
                "endDateTime": "2022-04-20T00:00:00Z",
                "duration": None,
            },
        },
    }
    replayed_creates = {
        (b["roleDefinitionId"], b["principalId"])
        for b in (
            load_sample(
                "eligibility__post-roleeligibilityschedulerequests-adminassign.request.json"
            ),
            load_sample(
                "assignment__post-roleassignmentschedulerequests-adminassign-noexpiration"
                ".request.json"
            ),
        )
    }

    def without_replayed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r for r in rows if (r["roleDefinitionId"], r["principalId"]) not in replayed_creates
        ]

    return {
        "format": FORMAT,
        "tenantId": "cab01047-8ad9-4792-8e42-569340767f1b",
        "capturedAt": "2022-04-12T09:05:41Z",
        "roleDefinitions": roles,
        "roleManagementPolicies": [policy],
        "roleManagementPolicyAssignments": [link],
        "roleEligibilitySchedules": without_replayed(
            load_sample("eligibility__list-roleeligibilityschedules.response.json")["value"]
        ),
        "roleAssignmentSchedules": [
            *without_replayed(
                load_sample("assignment__list-roleassignmentschedules.response.json")["value"]
            ),
            extend_target,
        ],
        "roleAssignments": assignment_rows,
        "directoryObjects": list(objects.values()),
    }


@pytest.fixture(scope="module")
def docs() -> Iterator[httpx.Client]:
    emulator = Emulator(docs_tenant(), clock=lambda: DOCS_NOW)
    with (
        running(emulator) as url,
        httpx.Client(base_url=url + "/v1.0", headers={"Authorization": "Bearer docs"}) as client,
    ):
        yield client


SCOPE_DR = "scopeId eq '/' and scopeType eq 'DirectoryRole'"
SCOPE_D = "scopeId eq '/' and scopeType eq 'Directory'"
POLICY = "DirectoryRole_cab01047-8ad9-4792-8e42-569340767f1b_70c808b5-0d35-4863-a0ba-07888e99d448"

#: (documented response file, method, path, query, request-body file, expected status)
REPLAYS: list[tuple[str, str, str, dict[str, str], str | None, int]] = [
    # Creates first, so the list calls below see what they made (the docs' list examples
    # show the schedules these requests created).
    (
        "eligibility__post-roleeligibilityschedulerequests-adminassign",
        "POST",
        f"{DIR}/roleEligibilityScheduleRequests",
        {},
        "eligibility__post-roleeligibilityschedulerequests-adminassign",
        201,
    ),
    (
        "assignment__post-roleassignmentschedulerequests-adminassign-noexpiration",
        "POST",
        f"{DIR}/roleAssignmentScheduleRequests",
        {},
        "assignment__post-roleassignmentschedulerequests-adminassign-noexpiration",
        201,
    ),
    ("rbac__list-roledefinitions", "GET", f"{DIR}/roleDefinitions", {}, None, 200),
    (
        "rbac__list-roleassignments-filter-roledefinition-expand-principal",
        "GET",
        f"{DIR}/roleAssignments",
        {"$filter": f"roleDefinitionId eq '{GA}'", "$expand": "principal"},
        None,
        200,
    ),
    (
        "rbac__list-roleassignments-filter-principal",
        "GET",
        f"{DIR}/roleAssignments",
        {"$filter": "principalId eq 'f1847572-48aa-47aa-96a3-2ec61904f41f'"},
        None,
        200,
    ),
    (
        "eligibility__list-roleeligibilityschedules",
        "GET",
        f"{DIR}/roleEligibilitySchedules",
        {},
        None,
        200,
    ),
    (
        "eligibility__list-roleeligibilityscheduleinstances",
        "GET",
        f"{DIR}/roleEligibilityScheduleInstances",
        {},
        None,
        200,
    ),
    (
        "assignment__list-roleassignmentschedules",
        "GET",
        f"{DIR}/roleAssignmentSchedules",
        {},
        None,
        200,
    ),
    (
        "assignment__list-roleassignmentscheduleinstances",
        "GET",
        f"{DIR}/roleAssignmentScheduleInstances",
        {},
        None,
        200,
    ),
    (
        "policies__list-rolemanagementpolicies-directoryrole",
        "GET",
        "policies/roleManagementPolicies",
        {"$filter": SCOPE_DR},
        None,
        200,
    ),
    (
        "policies__list-rolemanagementpolicies-expand-rules",
        "GET",
        "policies/roleManagementPolicies",
        {"$filter": SCOPE_D, "$expand": "rules"},
        None,
        200,
    ),
    (
        "policies__get-rolemanagementpolicy",
        "GET",
        f"policies/roleManagementPolicies/{POLICY.replace('DirectoryRole_', 'Directory_')}",
        {},
        None,
        200,
    ),
    (
        "policies__get-rolemanagementpolicy-expand-effectiverules-rules",
        "GET",
        f"policies/roleManagementPolicies/{POLICY}",
        {"$expand": "effectiveRules,rules"},
        None,
        200,
    ),
    (
        "policies__get-rule",
        "GET",
        f"policies/roleManagementPolicies/{POLICY}/rules/Expiration_Admin_Eligibility",
        {},
        None,
        200,
    ),
    (
        "policies__list-rolemanagementpolicyassignments",
        "GET",
        "policies/roleManagementPolicyAssignments",
        {"$filter": SCOPE_D},
        None,
        200,
    ),
    (
        "policies__list-rolemanagementpolicyassignments-expand-policy-rules",
        "GET",
        "policies/roleManagementPolicyAssignments",
        {
            "$filter": f"{SCOPE_DR} and roleDefinitionId eq '{GA}'",
            "$expand": "policy($expand=rules)",
        },
        None,
        200,
    ),
    (
        "policies__update-rolemanagementpolicy",
        "PATCH",
        f"policies/roleManagementPolicies/{POLICY}",
        {},
        "policies__update-rolemanagementpolicy",
        200,
    ),
    (
        "eligibility__post-roleeligibilityschedulerequests-adminremove",
        "POST",
        f"{DIR}/roleEligibilityScheduleRequests",
        {},
        "eligibility__post-roleeligibilityschedulerequests-adminremove",
        201,
    ),
    (
        "assignment__post-roleassignmentschedulerequests-adminextend",
        "POST",
        f"{DIR}/roleAssignmentScheduleRequests",
        {},
        "assignment__post-roleassignmentschedulerequests-adminextend",
        201,
    ),
    (
        "directoryobjects__getbyids",
        "POST",
        "directoryObjects/getByIds",
        {},
        "directoryobjects__getbyids",
        200,
    ),
]

#: Single-rule PATCH bodies from the docs, each answered 204 with no body.
RULE_PATCHES = [
    ("policies__update-rule-expiration-enduser-assignment", "Expiration_EndUser_Assignment"),
    ("policies__update-rule-enablement-enduser-assignment", "Enablement_EndUser_Assignment"),
    ("policies__update-rule-approval", "Approval_EndUser_Assignment"),
    ("policies__update-rule-expiration-admin-eligibility", "Expiration_Admin_Eligibility"),
    ("policies__update-rule-expiration-admin-assignment", "Expiration_Admin_Assignment"),
    ("policies__update-rule-enablement-admin-assignment", "Enablement_Admin_Assignment"),
    ("policies__update-rule-notification", "Notification_Admin_Admin_Eligibility"),
    ("policies__update-rule-authenticationcontext", "AuthenticationContext_EndUser_Assignment"),
]


def test_documented_requests_replay_with_documented_response_shapes(
    docs: httpx.Client,
) -> None:
    replayed, problems = 0, []
    for response_file, method, path, params, body_file, status in REPLAYS:
        body = load_sample(f"{body_file}.request.json") if body_file else None
        response = docs.request(method, path, params=params, json=body)
        if response.status_code != status:
            problems.append(f"{response_file}: HTTP {response.status_code}: {response.text}")
            continue
        documented = load_sample(f"{response_file}.response.json")
        if documented.get("value") and not response.json().get("value"):
            problems.append(f"{response_file}: empty list where the docs show items")
        mismatches = structure_mismatches(documented, response.json())
        problems += [f"{response_file}: {m}" for m in mismatches]
        replayed += 1
    assert problems == [], "\n".join(problems)
    assert replayed == len(REPLAYS) == 20


def test_documented_rule_patches_are_accepted(docs: httpx.Client) -> None:
    accepted = 0
    for request_file, rule_id in RULE_PATCHES:
        body = load_sample(f"{request_file}.request.json")
        response = docs.patch(
            f"policies/roleManagementPolicies/{POLICY}/rules/{rule_id}", json=body
        )
        assert response.status_code == 204, f"{request_file}: {response.text}"
        assert response.content == b""
        stored = docs.get(f"policies/roleManagementPolicies/{POLICY}/rules/{rule_id}").json()
        for key, value in body.items():
            if key not in ("target", "@odata.type", "claimValue"):
                assert stored[key] == value, f"{request_file}: {key}"
        accepted += 1
    assert accepted == len(RULE_PATCHES) == 8


def test_documented_batch_shapes(docs: httpx.Client) -> None:
    documented = load_sample("batch__dependson.request.json")
    requests = [r | {"url": f"/{DIR}/roleDefinitions"} for r in documented["requests"]]
    response = docs.post("$batch", json={"requests": requests})
    assert response.status_code == 200
    ours = response.json()
    assert sorted(r["id"] for r in ours["responses"]) == ["1", "2", "3", "4"]
    shape = load_sample("batch__json-batching.response.json")
    ok = next(r for r in shape["responses"] if r["status"] == 200 and "body" in r)
    for item in ours["responses"]:
        assert set(item) == set(ok)


def test_error_shapes_match_the_documented_ones(docs: httpx.Client) -> None:
    response = docs.get("policies/roleManagementPolicies")  # no scope filter
    assert response.status_code == 400
    generic = load_sample("errors__generic-error-shape.response.json")
    assert set(response.json()["error"]) == set(generic["error"])
    throttled = load_sample("errors__throttling-429.response.json")
    assert throttled["error"]["code"] == "TooManyRequests"
    assert {"request-id", "date"} <= set(throttled["error"]["innerError"])
