"""The sample tenant's audit trail and ticket-system hook (issue 23), as raw Graph objects:

* 90 days of schedule requests (``roleAssignmentScheduleRequestHistory`` /
  ``roleEligibilityScheduleRequestHistory``): Global Administrator activations by Alice with
  justification, ticket and approver (one with the ticket ``see slack``, one denied), a
  Privileged Role Administrator activation by Grace, and the eligibility requests this tool
  made, with its trace (commit and pull request) in the justification;
* Alice's activations of her Tier0 Operators membership (PIM for Groups,
  ``privilegedAccessGroupAssignmentScheduleRequestHistory``);
* the beta approvals of the activations that needed one (``roleAssignmentApprovals``, with
  ``steps``, DC beta approval-get.md);
* one PIM custom extension (``privilegedAccessCustomExtensions``) that Exchange
  Administrator's policy calls before approval (``CustomExtension_PreApproval_EndUser_Assignment``).

PIM alerts are left to the emulator, which computes them from the tenant (docs/emulator.md,
"PIM alerts"); ``sample_alerts`` reads them back as the client's reader stores them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pim_gitops.wire import format_instant

#: The commit and pull request of the sample's earlier apply run (a trace as
#: ``gitinfo.git_trace`` writes it into the justification).
SAMPLE_TRACE = "pim-gitops commit 4f1c2e9a7b3d https://github.com/contoso/pim-policies/pull/42"
TOOL_JUSTIFICATION = f"Declared in the pim-gitops policy repository [{SAMPLE_TRACE}]"
EXTENSION_NAME = "ServiceNow change check"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
DAY = timedelta(days=1)


def _id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "pim-gitops-sample/" + "/".join(parts)))


def request(
    action: str,
    role_id: str,
    principal_id: str,
    created: datetime,
    *,
    justification: str,
    ticket: str | None = None,
    hours: int | None = None,
    by: dict[str, Any] | None = None,
    status: str = "Provisioned",
    approval_id: str | None = None,
) -> dict[str, Any]:
    """A completed schedule request as Graph lists it (DC v1.0
    unifiedroleassignmentschedulerequest.md)."""
    request_id = _id("request", action, role_id, principal_id, format_instant(created))
    expiration: dict[str, Any] = (
        {"type": "afterDuration", "endDateTime": None, "duration": f"PT{hours}H"}
        if hours
        else {"type": "afterDateTime", "endDateTime": format_instant(created + timedelta(90))}
    )
    return {
        "id": request_id,
        "status": status,
        "createdDateTime": format_instant(created),
        "completedDateTime": format_instant(created + timedelta(minutes=12)),
        "approvalId": approval_id,
        "customData": None,
        "action": action,
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": "/",
        "appScopeId": None,
        "isValidationOnly": False,
        "targetScheduleId": request_id,
        "justification": justification,
        "createdBy": by or {"application": None, "device": None, "user": {"id": principal_id}},
        "scheduleInfo": {
            "startDateTime": format_instant(created),
            "recurrence": None,
            "expiration": expiration,
        },
        "ticketInfo": {"ticketNumber": ticket, "ticketSystem": "ServiceNow" if ticket else None},
    }


def approval(
    approval_id: str, reviewer: str, name: str, result: str, at: datetime
) -> dict[str, Any]:
    """A decided beta approval (DC beta approval-get.md: ``steps`` inline)."""
    return {
        "id": approval_id,
        "steps": [
            {
                "id": _id("step", approval_id),
                "assignedToMe": False,
                "displayName": None,
                "justification": "Change is scheduled" if result == "Approve" else "No change",
                "reviewResult": result,
                "status": "Completed",
                "reviewedDateTime": format_instant(at),
                "reviewedBy": {"id": reviewer, "displayName": name},
            }
        ],
    }


def sample_history(
    now: datetime, ga: str, pra: str, people: dict[str, str], apply_sp: str
) -> dict[str, Any]:
    """The request history and approvals of the sample tenant (created within 90 days)."""
    alice, grace, bob = people["alice.admin"], people["grace.identity"], people["bob.sec"]
    tool = {"application": {"id": apply_sp, "displayName": "pim-gitops apply"}, "user": None}
    activations = [
        (4, "Rotate the federation signing certificate", "CHG1042", "Approve", grace),
        (9, "Fix the mail flow connector", "see slack", "Approve", bob),
        (16, "Look around the portal", "CHG1017", "Deny", bob),
        (33, "Break a tenant-wide lockout of the helpdesk", "CHG0988", "Approve", grace),
    ]
    assignments: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    for days, why, ticket, result, reviewer in activations:
        created = now - days * DAY
        approval_id = _id("approval", ga, str(days))
        assignments.append(
            request(
                "selfActivate",
                ga,
                alice,
                created,
                justification=why,
                ticket=ticket,
                hours=1,
                status="Provisioned" if result == "Approve" else "Denied",
                approval_id=approval_id,
            )
        )
        name = "Grace Identity" if reviewer == grace else "Bob Sec"
        approvals.append(
            approval(approval_id, reviewer, name, result, created + timedelta(minutes=9))
        )
    assignments.append(
        request(
            "selfActivate",
            pra,
            grace,
            now - 3 * DAY,
            justification="Onboard the new SOC role",
            ticket="CHG1050",
            hours=2,
        )
    )
    eligibilities = [
        request(
            "adminAssign", ga, alice, now - 20 * DAY, justification=TOOL_JUSTIFICATION, by=tool
        ),
        request(
            "adminAssign", pra, grace, now - 10 * DAY, justification=TOOL_JUSTIFICATION, by=tool
        ),
    ]
    return {
        "requestHistorySince": format_instant(now - 90 * DAY),
        "roleAssignmentScheduleRequestHistory": assignments,
        "roleEligibilityScheduleRequestHistory": eligibilities,
        "roleAssignmentApprovals": approvals,
    }


def _object_id(snapshot: dict[str, Any], key: str, value: str) -> str:
    return next(str(o["id"]) for o in snapshot["directoryObjects"] if o.get(key) == value)


def group_request(
    action: str, group_id: str, principal_id: str, created: datetime, **kwargs: Any
) -> dict[str, Any]:
    """A completed PIM-for-Groups membership request as Graph lists it (DC v1.0
    privilegedaccessgroup-list-assignmentschedulerequests.md: ``accessId``, ``groupId``)."""
    row = request(action, "group:" + group_id, principal_id, created, **kwargs)
    for key in ("roleDefinitionId", "directoryScopeId", "appScopeId"):
        del row[key]
    return {**row, "accessId": "member", "groupId": group_id}


def sample_group_history(snapshot: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Alice's activations of her Tier0 Operators membership (the way to Global
    Administrator through the group): the group's request history."""
    operators = _object_id(snapshot, "displayName", "Tier0 Operators")
    alice = _object_id(snapshot, "userPrincipalName", "alice.admin@contoso.com")
    activations = [
        (2, "Renew the tenant's break-glass credentials", "CHG1061"),
        (6, "Review Conditional Access exclusions", "CHG1055"),
    ]
    return {
        "privilegedAccessGroupAssignmentScheduleRequestHistory": [
            group_request(
                "selfActivate",
                operators,
                alice,
                now - days * DAY,
                justification=why,
                ticket=ticket,
                hours=1,
                approval_id=_id("group approval", operators, str(days)),
            )
            for days, why, ticket in activations
        ],
        "privilegedAccessGroupEligibilityScheduleRequestHistory": [],
    }


def sample_extension() -> dict[str, Any]:
    """A PIM custom extension (DC v1.0 privilegedaccessroot-post-customextensions.md shape)."""
    return {
        "@odata.type": "#microsoft.graph.roleManagementCustomCalloutExtension",
        "id": _id("extension", EXTENSION_NAME),
        "displayName": EXTENSION_NAME,
        "description": "Checks the activation's ticket against an approved ServiceNow change",
        "endpointConfiguration": {
            "@odata.type": "#microsoft.graph.httpRequestEndpoint",
            "targetUrl": "https://api.contoso.com/pim/change-check",
        },
        "clientConfiguration": {
            "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
            "timeoutInMilliseconds": 10000,
            "maximumRetries": 1,
        },
        "authenticationConfiguration": {
            "@odata.type": "#microsoft.graph.azureAdTokenAuthentication",
            "resourceId": "api://api.contoso.com/7d0e6c1a-5b2f-4e8d-9a3c-1f2e3d4c5b6a",
        },
        "resourceType": "entraRoles",
        "customAttributes": [],
    }


def extension_rule(extension_id: str) -> dict[str, Any]:
    """The rule a policy carries once an extension is called before approval."""
    return {
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyCustomExtensionRule",
        "id": "CustomExtension_PreApproval_EndUser_Assignment",
        "customExtensionId": extension_id,
        "isEnabled": True,
        "displayName": "",
        "customAttributes": [],
        "target": {
            "caller": "EndUser",
            "operations": ["All"],
            "level": "Assignment",
            "inheritableSettings": [],
            "enforcedSettings": [],
        },
    }


def sample_alerts(snapshot: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The PIM alert keys of ``snapshot`` as the client's reader stores them, read from the
    emulator serving it (so the file and the emulator agree)."""
    from pim_gitops.emulator.app import Emulator

    graph = Emulator(snapshot, clock=lambda: now)
    base = "http://sample/beta"
    scope = {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"}
    where = "identityGovernance/roleManagementAlerts"

    def get(path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        reply, _ = graph.execute("GET", f"{where}/{path}", params, None, base, version="beta")
        assert reply.status == 200, reply.body
        return [dict(v) for v in reply.body["value"]]

    expand = scope | {"$expand": "alertDefinition"}
    alerts = get("alerts", expand)
    for alert in alerts:
        if alert.get("isActive"):
            alert["alertIncidents"] = get(f"alerts/{alert['id']}/alertIncidents", {})
    return {
        "roleManagementAlertConfigurations": get("alertConfigurations", expand),
        "roleManagementAlerts": alerts,
    }
