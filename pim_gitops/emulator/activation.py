"""A signed-in user's ``selfActivate`` of an eligible directory role
(``POST /roleManagement/directory/roleAssignmentScheduleRequests``, v1.0). Sources in
``docs/emulator.md`` "Request history and approvals".

- only a user token may self-activate, and only for itself (an app-only caller keeps
  ``SelfActionNotSupported``; another principal: 403, *assumption* on the code);
- the user must be eligible for the role at the scope, else 400
  ``RoleAssignmentDoesNotExist`` (*assumption*, as for an admin update);
- the end-user rules apply: ``Enablement_EndUser_Assignment`` (``Justification``,
  ``Ticketing``) and ``Expiration_EndUser_Assignment`` (the duration); a failure is
  ``RoleAssignmentRequestPolicyValidationFailed`` naming the rules, like admin requests;
- when ``Approval_EndUser_Assignment`` requires approval the request is ``PendingApproval``
  with an ``approvalId``; the beta approval (``approval_routes.py``) has one
  ``NotReviewed``/``InProgress`` stage per approval stage and nothing is provisioned
  (DC v1.0 unifiedroleassignmentschedulerequest.md ``approvalId``; beta approvalstage.md);
- otherwise it is ``Provisioned`` with an ``Activated`` assignment schedule and a role
  assignment until the end.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.emulator import pending
from pim_gitops.emulator.beta_state import APPROVALS
from pim_gitops.emulator.errors import GraphFault, bad_request
from pim_gitops.emulator.semantics import _policy_failure, schedule_window
from pim_gitops.emulator.store import Store
from pim_gitops.wire import format_instant, parse_duration


def _eligible(store: Store, role_id: str, principal_id: str, scope: str) -> bool:
    return any(
        s.get("roleDefinitionId") == role_id
        and str(s.get("principalId")).lower() == principal_id.lower()
        and (s.get("directoryScopeId") or "/") == scope
        for s in store.eligibility.values()
    )


def _failed_rules(
    store: Store, role_id: str, body: Mapping[str, Any], seconds: float | None
) -> list[str]:
    policy = store.policy_for_role(role_id)
    if policy is None:
        return []
    failed = []
    enabled = (store.rule(policy, "Enablement_EndUser_Assignment") or {}).get("enabledRules")
    enabled = enabled or []
    if "Justification" in enabled and not str(body.get("justification") or "").strip():
        failed.append("JustificationRule")
    ticket = body.get("ticketInfo") or {}
    if "Ticketing" in enabled and not str(ticket.get("ticketNumber") or "").strip():
        failed.append("TicketingRule")
    expiration = store.rule(policy, "Expiration_EndUser_Assignment") or {}
    maximum = parse_duration(str(expiration.get("maximumDuration") or "PT8H"))
    if seconds is None or seconds > maximum:
        failed.append("ExpirationRule")
    return failed


def _approval_stages(store: Store, role_id: str) -> list[dict[str, Any]] | None:
    """The steps of the beta approval a request needs, one per approval stage of the policy
    (``None``: it needs none)."""
    policy = store.policy_for_role(role_id)
    rule = store.rule(policy, "Approval_EndUser_Assignment") if policy else None
    setting = (rule or {}).get("setting") or {}
    if not setting.get("isApprovalRequired"):
        return None
    stages = setting.get("approvalStages") or [{}]
    return [
        {
            "id": str(uuid.uuid4()),
            "assignedToMe": False,
            "displayName": None,
            "justification": None,
            "reviewResult": "NotReviewed",
            "status": "InProgress" if index == 0 else "NotStarted",
            "reviewedDateTime": None,
            "reviewedBy": None,
        }
        for index, _ in enumerate(stages)
    ]


def self_activate(
    store: Store, body: Mapping[str, Any], now: datetime, caller_id: str
) -> dict[str, Any]:
    """Process a user's ``selfActivate``; returns the request (kept by the caller)."""
    principal_id = str(body.get("principalId") or "")
    role_id = str(body.get("roleDefinitionId") or "")
    scope = str(body.get("directoryScopeId") or "/")
    if principal_id.lower() != caller_id.lower():
        raise GraphFault(403, "Authorization_RequestDenied", "A user activates only itself.")
    if not _eligible(store, role_id, principal_id, scope):
        raise bad_request("The Role assignment does not exist.", "RoleAssignmentDoesNotExist")
    start, end, info = schedule_window(body.get("scheduleInfo"), now)
    seconds = (end - start).total_seconds() if end is not None else None
    failed = _failed_rules(store, role_id, body, seconds)
    if failed:
        raise _policy_failure(failed)
    request_id = str(uuid.uuid4())
    response: dict[str, Any] = {
        "id": request_id,
        "status": "Provisioned",
        "createdDateTime": format_instant(now),
        "completedDateTime": format_instant(now),
        "approvalId": None,
        "customData": None,
        "action": "selfActivate",
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "appScopeId": None,
        "isValidationOnly": bool(body.get("isValidationOnly", False)),
        "targetScheduleId": request_id,
        "justification": body.get("justification"),
        "createdBy": {"application": None, "device": None, "user": {"id": caller_id}},
        "scheduleInfo": info,
        "ticketInfo": {
            "ticketNumber": (body.get("ticketInfo") or {}).get("ticketNumber"),
            "ticketSystem": (body.get("ticketInfo") or {}).get("ticketSystem"),
        },
    }
    if response["isValidationOnly"]:
        return response
    stages = _approval_stages(store, role_id)
    if stages is not None:
        response |= {"status": "PendingApproval", "completedDateTime": None}
        response["approvalId"] = request_id
        store.beta.approvals[request_id] = {"id": request_id, "steps": stages}
        store.beta.changed.add(APPROVALS)
        return response
    schedule = {
        "id": request_id,
        "principalId": principal_id,
        "roleDefinitionId": role_id,
        "directoryScopeId": scope,
        "appScopeId": None,
        "createdUsing": request_id,
        "createdDateTime": format_instant(now),
        "modifiedDateTime": None,
        "status": "Provisioned",
        "memberType": "Direct",
        "assignmentType": "Activated",
        "scheduleInfo": copy.deepcopy(info),
    }
    store.assignment[request_id] = schedule
    pending.write_role_assignment(store, schedule)
    return response


#: A user's own activation needs one of these delegated scopes, not an admin role (DC v1.0
#: rbacapplication-post-roleassignmentschedulerequests.md permissions).
SELF_SCOPES = frozenset(
    {"RoleAssignmentSchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
)


def own_activation_refusal(
    claims: Mapping[str, Any] | None, template: str, body: Any, refusal: str | None
) -> str | None:
    """A signed-in user's ``selfActivate`` for itself needs a scope, not a writing role:
    the refusal ``write_refusal`` gave, or none."""
    if (
        refusal is None
        or claims is None
        or not template.endswith("roleAssignmentScheduleRequests")
        or not isinstance(body, Mapping)
        or body.get("action") != "selfActivate"
        or str(body.get("principalId") or "").lower() != str(claims.get("oid") or "").lower()
    ):
        return refusal
    if SELF_SCOPES & set(str(claims.get("scp") or "").split()):
        return None
    return refusal
