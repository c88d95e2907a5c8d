"""Schedule requests as the emulator keeps them, future starts, ``cancel``, and direct role
assignments. Sources in ``docs/emulator.md``.

- Every schedule request that is not ``isValidationOnly`` is kept and listed by
  ``GET …/role{Eligibility,Assignment}ScheduleRequests``; a snapshot may seed them
  (``roleEligibilityScheduleRequests`` / ``roleAssignmentScheduleRequests``), e.g. requests
  in flight (``PendingProvisioning``) that never settle.
- An ``adminAssign`` with a future start is answered ``Granted``, keeps its start
  (graph-pim.md §5.3) and makes no schedule, no instance and no role assignment until it
  starts (microsoft-graph-docs-contrib#2145: "shows up only under Pending requests with a
  Granted status"); from its start on, a read provisions it (schedule id = request id).
- ``POST …ScheduleRequests/{id}/cancel`` (no body) answers 204 and turns a ``Granted``
  eligibility request ``Revoked`` and an assignment request ``Canceled`` (the two v1.0
  ``cancel`` pages word it so); a request in any other status answers 400.
- ``DELETE /roleManagement/directory/roleAssignments/{id}`` answers 204 and removes the role
  assignment and the ``Assigned`` schedule that mirrors it (*assumption*: the assignment is
  gone, so its schedule is too); an unknown id answers 404; a caller without
  ``RoleManagement.ReadWrite.Directory`` 403 (v1.0 "Delete unifiedRoleAssignment").
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.emulator.errors import GraphFault, bad_request
from pim_gitops.emulator.store import Store
from pim_gitops.wire import parse_instant, role_assignment_id


def key(kind: str, request_id: str) -> str:
    return f"{kind}:{request_id}"


def of_kind(store: Store, kind: str) -> list[dict[str, Any]]:
    prefix = f"{kind}:"
    return [row for k, row in store.requests.items() if k.startswith(prefix)]


def remember(store: Store, kind: str, response: Mapping[str, Any]) -> None:
    if not response.get("isValidationOnly"):
        stored = {k: copy.deepcopy(v) for k, v in response.items() if not k.startswith("@")}
        store.requests[key(kind, str(response["id"]))] = stored


def _start(row: Mapping[str, Any]) -> datetime | None:
    text = (row.get("scheduleInfo") or {}).get("startDateTime")
    return parse_instant(str(text)) if text else None


def waiting(store: Store, kind: str, role_id: str, principal_id: str, scope: str) -> str | None:
    """The id of a ``Granted`` ``adminAssign`` not yet started for this assignment: a second
    ``adminAssign`` is refused ``RoleAssignmentExists`` (*assumption*, as for a schedule)."""
    for row in of_kind(store, kind):
        if (
            row.get("status") == "Granted"
            and row.get("action") == "adminAssign"
            and row.get("roleDefinitionId") == role_id
            and str(row.get("principalId")).lower() == principal_id.lower()
            and (row.get("directoryScopeId") or "/") == scope
        ):
            return str(row["id"])
    return None


def provision_due(store: Store, kind: str, now: datetime) -> None:
    """``Granted`` requests whose start has come become schedules (and, for active ones,
    role assignments), as PIM provisions them at their start."""
    for row in of_kind(store, kind):
        start = _start(row)
        if row.get("status") != "Granted" or row.get("action") != "adminAssign":
            continue
        if start is None or start > now:
            continue
        row["status"] = "Provisioned"
        schedule: dict[str, Any] = {
            "id": row["id"],
            "principalId": row["principalId"],
            "roleDefinitionId": row["roleDefinitionId"],
            "directoryScopeId": row.get("directoryScopeId") or "/",
            "appScopeId": None,
            "createdUsing": row["id"],
            "createdDateTime": row.get("createdDateTime"),
            "modifiedDateTime": None,
            "status": "Provisioned",
            "memberType": "Direct",
            "scheduleInfo": copy.deepcopy(row.get("scheduleInfo")),
        }
        if kind == "assignment":
            schedule["assignmentType"] = "Assigned"
            write_role_assignment(store, schedule)
        store.schedules(kind)[str(row["id"])] = schedule


def write_role_assignment(store: Store, schedule: Mapping[str, Any]) -> None:
    scope = str(schedule["directoryScopeId"])
    target = None if scope == "/" else scope.rstrip("/").rsplit("/", 1)[-1]
    rid = role_assignment_id(
        str(schedule["roleDefinitionId"]), str(schedule["principalId"]), target
    )
    store.role_assignments[rid] = {
        "id": rid,
        "principalId": schedule["principalId"],
        "roleDefinitionId": schedule["roleDefinitionId"],
        "directoryScopeId": scope,
        "resourceScope": scope,
    }


def cancel(store: Store, kind: str, request_id: str) -> None:
    """``cancel``: only a ``Granted`` request; it becomes ``Revoked`` (eligibility) or
    ``Canceled`` (assignment) and never provisions."""
    with store.lock:
        row = store.requests.get(key(kind, request_id))
        if row is None:
            raise GraphFault(404, "ResourceNotFound", f"Request {request_id} was not found.")
        if row.get("status") != "Granted":
            # Code is our assumption; the docs name only the 400.
            raise bad_request(
                f"The request {request_id} is {row.get('status')} and cannot be cancelled.",
                "RequestNotCancelable",
            )
        # Graph v1.0: a cancelled eligibility request "changes to Revoked"
        # (unifiedroleeligibilityschedulerequest-cancel), an assignment request "changes to
        # Canceled" (unifiedroleassignmentschedulerequest-cancel).
        row["status"] = "Canceled" if kind == "assignment" else "Revoked"


def delete_role_assignment(store: Store, assignment_id: str) -> None:
    """``DELETE …/roleAssignments/{id}``: the row and the ``Assigned`` schedule mirroring it."""
    with store.lock:
        row = store.role_assignments.pop(assignment_id, None)
        if row is None:
            raise GraphFault(
                404, "Request_ResourceNotFound", f"Resource '{assignment_id}' does not exist."
            )
        for sid, schedule in list(store.assignment.items()):
            if (
                schedule.get("roleDefinitionId") == row.get("roleDefinitionId")
                and schedule.get("principalId") == row.get("principalId")
                and (schedule.get("directoryScopeId") or "/") == row.get("directoryScopeId", "/")
                and schedule.get("assignmentType", "Assigned") == "Assigned"
            ):
                del store.assignment[sid]


#: Who may list schedule requests (DC ``includes/permissions/rbacapplication-list-
#: role{eligibility,assignment}schedulerequests-permissions.md``, v1.0): app-only, only
#: write permissions; delegated, the read ones too.
LIST_PERMISSIONS = {
    "roleEligibilityScheduleRequests": (
        frozenset(
            {"RoleEligibilitySchedule.ReadWrite.Directory", "RoleManagement.ReadWrite.Directory"}
        ),
        frozenset(
            {
                "RoleEligibilitySchedule.Read.Directory",
                "RoleEligibilitySchedule.ReadWrite.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.Read.Directory",
                "RoleManagement.ReadWrite.Directory",
            }
        ),
    ),
    "roleAssignmentScheduleRequests": (
        frozenset({"RoleManagement.ReadWrite.Directory"}),
        frozenset(
            {
                "RoleAssignmentSchedule.Read.Directory",
                "RoleAssignmentSchedule.ReadWrite.Directory",
                "RoleManagement.Read.All",
                "RoleManagement.Read.Directory",
                "RoleManagement.ReadWrite.Directory",
            }
        ),
    ),
}


#: ``DELETE …/roleAssignments/{id}`` (v1.0 "Delete unifiedRoleAssignment"): the one
#: permission Graph names, delegated and application alike (no schedule permission covers it).
DELETE_ROLE_ASSIGNMENT = frozenset({"RoleManagement.ReadWrite.Directory"})


def _granted(claims: Mapping[str, Any]) -> tuple[bool, set[str]]:
    """(app-only?, the permissions the token carries: ``roles`` app-only, ``scp`` else)."""
    idtyp = claims.get("idtyp")
    if idtyp == "app" or (idtyp is None and not claims.get("scp")):
        roles = claims.get("roles")
        return True, {str(r) for r in roles} if isinstance(roles, list) else set()
    return False, set(str(claims.get("scp") or "").split())


def list_refusal(claims: Mapping[str, Any] | None, method: str, template: str) -> str | None:
    """Why the caller may not list these requests, or delete a role assignment (``None``:
    it may). A writing directory role does not stand in for the permission here."""
    if claims is not None and method == "DELETE" and template.endswith("roleAssignments/{id}"):
        if DELETE_ROLE_ASSIGNMENT & _granted(claims)[1]:
            return None
        return (
            "Insufficient privileges to complete the operation. Needs "
            "RoleManagement.ReadWrite.Directory."
        )
    name = template.rsplit("/", 1)[-1]
    if claims is None or method != "GET" or name not in LIST_PERMISSIONS:
        return None
    app_only, delegated = LIST_PERMISSIONS[name]
    is_app, granted = _granted(claims)
    needed = app_only if is_app else delegated
    if needed & granted:
        return None
    wanted = ", ".join(sorted(needed))
    return f"Insufficient privileges to complete the operation. Needs one of {wanted}."
