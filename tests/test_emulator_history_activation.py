"""A signed-in user's ``selfActivate`` in the emulator: the end-user rules, approval
(``PendingApproval`` with a beta approval, nothing provisioned) or an ``Activated``
assignment, and the request in the history list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.app import Emulator
from pim_gitops.snapshot import read_snapshot

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUESTS = "roleManagement/directory/roleAssignmentScheduleRequests"
APPROVALS = "roleManagement/directory/roleAssignmentApprovals"


def setup(approval: bool) -> tuple[Emulator, dict[str, Any]]:
    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: NOW)
    eligible = sorted(emulator.store.eligibility.values(), key=lambda s: str(s["id"]))[0]
    policy = emulator.store.policy_for_role(str(eligible["roleDefinitionId"]))
    assert policy is not None
    rule = emulator.store.rule(policy, "Approval_EndUser_Assignment")
    assert rule is not None
    rule["setting"]["isApprovalRequired"] = approval
    return emulator, eligible


def user_claims(
    oid: str, scope: str = "RoleAssignmentSchedule.ReadWrite.Directory"
) -> dict[str, Any]:
    return {"oid": oid, "scp": scope, "idtyp": "user"}


def activate(
    emulator: Emulator, eligible: dict[str, Any], claims: dict[str, Any], **changes: Any
) -> tuple[int, Any]:
    body = {
        "action": "selfActivate",
        "principalId": eligible["principalId"],
        "roleDefinitionId": eligible["roleDefinitionId"],
        "directoryScopeId": "/",
        "justification": "Rotate keys",
        "ticketInfo": {"ticketNumber": "CHG1", "ticketSystem": "ServiceNow"},
        "scheduleInfo": {
            "startDateTime": "2026-03-02T09:00:00Z",
            "expiration": {"type": "afterDuration", "duration": "PT8H"},
        },
    } | changes
    reply, _ = emulator.execute("POST", REQUESTS, {}, body, "http://graph.test/v1.0", claims)
    return reply.status, reply.body


def test_an_activation_needing_approval_is_pending_with_an_approval() -> None:
    emulator, eligible = setup(approval=True)
    status, request = activate(emulator, eligible, user_claims(eligible["principalId"]))
    assert status == 201, request
    assert request["status"] == "PendingApproval"
    assert request["approvalId"]
    assert not [
        s for s in emulator.store.assignment.values() if s.get("assignmentType") == "Activated"
    ]
    reply, _ = emulator.execute(
        "GET",
        f"{APPROVALS}/{request['approvalId']}",
        {},
        None,
        "http://graph.test/beta",
        user_claims(eligible["principalId"]),
        version="beta",
    )
    assert reply.status == 200
    assert [(s["reviewResult"], s["status"]) for s in reply.body["steps"]] == [
        ("NotReviewed", "InProgress")
    ]
    listed, _ = emulator.execute(
        "GET", REQUESTS, {"$filter": "status eq 'PendingApproval'"}, None, "http://graph.test/v1.0"
    )
    assert [r["id"] for r in listed.body["value"]] == [request["id"]]
    assert listed.body["value"][0]["ticketInfo"]["ticketNumber"] == "CHG1"


def test_an_activation_without_approval_is_provisioned_and_active() -> None:
    emulator, eligible = setup(approval=False)
    status, request = activate(emulator, eligible, user_claims(eligible["principalId"]))
    assert status == 201, request
    assert (request["status"], request["approvalId"]) == ("Provisioned", None)
    schedule = emulator.store.assignment[request["id"]]
    assert schedule["assignmentType"] == "Activated"
    assert schedule["scheduleInfo"]["expiration"]["endDateTime"] == "2026-03-02T17:00:00Z"
    assert request["createdBy"]["user"]["id"] == eligible["principalId"]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"justification": ""}, "JustificationRule"),
        (
            {
                "scheduleInfo": {
                    "startDateTime": "2026-03-02T09:00:00Z",
                    "expiration": {"type": "afterDuration", "duration": "PT8H1M"},
                }
            },
            "ExpirationRule",
        ),
    ],
)
def test_the_end_user_rules_apply(changes: dict[str, Any], rule: str) -> None:
    emulator, eligible = setup(approval=False)
    status, body = activate(emulator, eligible, user_claims(eligible["principalId"]), **changes)
    assert status == 400
    assert body["error"]["code"] == "RoleAssignmentRequestPolicyValidationFailed"
    assert rule in body["error"]["message"]


def test_only_an_eligible_user_activates_only_itself() -> None:
    emulator, eligible = setup(approval=False)
    other = "00000000-0000-4000-8000-000000000001"
    status, _ = activate(emulator, eligible, user_claims(other))
    assert status == 403
    status, body = activate(
        emulator,
        eligible,
        user_claims(eligible["principalId"]),
        roleDefinitionId="62e90394-69f5-4237-9190-012177145e10",
    )
    assert (status, body["error"]["code"]) == (400, "RoleAssignmentDoesNotExist")
    status, body = activate(emulator, eligible, user_claims(eligible["principalId"], "User.Read"))
    assert status == 403


def test_an_app_still_cannot_self_activate() -> None:
    emulator, eligible = setup(approval=False)
    claims = {"roles": ["RoleManagement.ReadWrite.Directory"], "idtyp": "app"}
    status, body = activate(emulator, eligible, claims)
    assert (status, body["error"]["code"]) == (400, "SelfActionNotSupported")
