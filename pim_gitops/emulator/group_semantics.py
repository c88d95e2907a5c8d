"""PIM for Groups: what ``…/privilegedAccess/group/{eligibility,assignment}ScheduleRequests``
accept and refuse, and what a write changes. Sources in ``docs/emulator.md`` ("PIM for
Groups"); codes marked *assumption* there are ours.

- ``accessId`` is ``member`` or ``owner``; ``groupId`` a group PIM for Groups can manage
  (``group_policies.unmanageable``); ``principalId`` a user, group or service principal.
- A group can't be an *active* member of a role-assignable group (ED concept-pim-for-groups,
  "Privileged Identity Management and group nesting"); it can be an eligible member.
- The request is checked against the policy of that access (``group_policies``), with the
  rules directory roles use (``semantics.check_rules``).
- Schedule ids are ``{groupId}_{accessId}_{requestId}``, the id of the request that last
  wrote the schedule: an ``adminExtend`` answers a new ``targetScheduleId`` (samples
  ``groups__post-eligibilityschedulerequests-*``), so clients must key schedules by group,
  principal and access, never by id.
- An active membership is a direct membership of the group; an active ownership makes an
  owner. A direct member added outside PIM shows as a permanent ``Assigned`` schedule with
  ``createdUsing: null`` (DC privilegedaccessgroup-list-assignmentschedules example).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.emulator.errors import GraphFault, bad_request
from pim_gitops.emulator.group_policies import group_of, policy_for_access, unmanageable
from pim_gitops.emulator.semantics import ACTIONS, check_rules, schedule_window
from pim_gitops.emulator.store import Store
from pim_gitops.wire import format_instant, parse_instant

ACCESS_IDS = ("member", "owner")
_OUTSIDE = uuid.UUID("0b6f9a3e-2c4d-4e8f-9a1b-3c5d7e9f1a2b")


def _key(kind: str, request_id: str) -> str:
    return f"{kind}:{request_id}"


def _membership(store: Store, access: str) -> dict[str, list[str]]:
    return store.group_members if access == "member" else store.group_owners


def outside_pim(store: Store, group_id: str) -> None:
    """Show each direct member added outside PIM as the permanent active membership Graph
    lists for it (id ``{groupId}_member_{guid}``, ``createdUsing: null``)."""
    group = group_of(store, group_id)
    if group is None or unmanageable(group):
        return
    gid = str(group["id"])
    scheduled = {
        str(s.get("principalId")).lower()
        for s in store.group_assignment.values()
        if str(s.get("groupId")).lower() == gid.lower() and s.get("accessId") == "member"
    }
    for member in store.group_members.get(gid, []):
        if member.lower() in scheduled or member not in store.objects:
            continue
        sid = f"{gid}_member_{uuid.uuid5(_OUTSIDE, f'{gid}/{member}'.lower())}"
        store.group_assignment[sid] = {
            "id": sid,
            "groupId": gid,
            "principalId": member,
            "accessId": "member",
            "createdUsing": None,
            "createdDateTime": None,
            "modifiedDateTime": None,
            "status": "Provisioned",
            "memberType": "Direct",
            "assignmentType": "Assigned",
            "scheduleInfo": {
                "startDateTime": None,
                "recurrence": None,
                "expiration": {"type": "noExpiration", "endDateTime": None, "duration": None},
            },
        }


def find(store: Store, kind: str, group_id: str, principal_id: str, access: str) -> str | None:
    """The id of the principal's direct (``Assigned``) schedule for this access."""
    for sid, row in store.group_schedules(kind).items():
        if (
            str(row.get("groupId")).lower() == group_id.lower()
            and str(row.get("principalId")).lower() == principal_id.lower()
            and row.get("accessId") == access
            # Graph's group enums are lower case (privilegedAccessGroupMemberType, …AssignmentType)
            # where the documented examples capitalize them: a stored row may say either.
            and str(row.get("memberType") or "Direct").lower() == "direct"
            and str(row.get("assignmentType") or "Assigned").lower() == "assigned"
        ):
            return sid
    return None


def _waiting(store: Store, kind: str, group_id: str, principal_id: str, access: str) -> bool:
    return any(
        k.startswith(f"{kind}:")
        and r.get("status") == "Granted"
        and r.get("action") == "adminAssign"
        and str(r.get("groupId")).lower() == group_id.lower()
        and str(r.get("principalId")).lower() == principal_id.lower()
        and r.get("accessId") == access
        for k, r in store.group_requests.items()
    )


def _parties(store: Store, kind: str, body: Mapping[str, Any]) -> tuple[str, str, str]:
    """(group id, principal id, access) of a valid request; a 400 otherwise."""
    access = str(body.get("accessId") or "").lower()
    if access not in ACCESS_IDS:
        raise bad_request("accessId must be 'member' or 'owner'.")
    group = group_of(store, str(body.get("groupId") or ""))
    if group is None:
        raise bad_request(f"The group {body.get('groupId')!r} does not exist.", "GroupNotFound")
    refusal = unmanageable(group)
    if refusal:
        raise bad_request(f"The group {group['id']}: {refusal}.", "GroupNotManageable")
    principal_id = str(body.get("principalId") or "")
    principal_kind = store.object_type(principal_id)
    if principal_kind not in ("user", "group", "servicePrincipal"):
        raise bad_request(f"The principal {principal_id} does not exist.", "PrincipalNotFound")
    gid = str(group["id"])
    if principal_kind == "group":
        _check_nesting(kind, access, principal_id, group)
    return gid, principal_id, access


def _check_nesting(kind: str, access: str, principal_id: str, group: Mapping[str, Any]) -> None:
    """A group can be an eligible member of another group, even a role-assignable one, but
    not an active member of a role-assignable group (ED concept-pim-for-groups; the admin
    center refuses an active group assignment, MicrosoftDocs/azure-docs#95678); group owners
    are users or service principals (DC group-post-owners), so a group is never an active
    owner; and a group is never a member of itself (*assumption*)."""
    gid = str(group["id"])
    if principal_id.lower() == gid.lower():
        raise bad_request("A group can't be a member or owner of itself.", "GroupNestingNotAllowed")
    if kind != "assignment":
        return
    if access == "owner" or group.get("isAssignableToRole"):
        raise bad_request(
            "A group can't be an active owner of a group, nor an active member of a "
            "role-assignable group; it can be an eligible member.",
            "GroupNestingNotAllowed",
        )


def _response(
    body: Mapping[str, Any], action: str, parties: tuple[str, str, str], now: datetime
) -> dict[str, Any]:
    gid, principal_id, access = parties
    ticket = body.get("ticketInfo") if isinstance(body.get("ticketInfo"), Mapping) else {}
    return {
        "id": str(uuid.uuid4()),
        "status": "Provisioned",
        "createdDateTime": format_instant(now),
        "completedDateTime": format_instant(now),
        "approvalId": None,
        "customData": body.get("customData"),
        "action": action,
        "isValidationOnly": bool(body.get("isValidationOnly", False)),
        "justification": body.get("justification"),
        "principalId": principal_id,
        "accessId": access,
        "groupId": gid,
        "targetScheduleId": None,
        "createdBy": {
            "application": {"displayName": "pim-gitops", "id": None},
            "device": None,
            "user": None,
        },
        "scheduleInfo": None,
        "ticketInfo": {
            "ticketNumber": (ticket or {}).get("ticketNumber"),
            "ticketSystem": (ticket or {}).get("ticketSystem"),
        },
    }


def _echoed(info: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The request's scheduleInfo as answered: an ``afterDuration`` expiration is echoed with
    its duration (sample ``groups__post-assignmentschedulerequests-adminassign``)."""
    shown = copy.deepcopy(dict(info))
    asked = (body.get("scheduleInfo") or {}).get("expiration") or {}
    if str(asked.get("type", "")).lower() == "afterduration":
        shown["expiration"] = {
            "type": "afterDuration",
            "endDateTime": None,
            "duration": asked.get("duration"),
        }
    return shown


def _set_active(store: Store, kind: str, row: Mapping[str, Any], present: bool) -> None:
    if kind != "assignment":
        return
    table = _membership(store, str(row["accessId"])).setdefault(str(row["groupId"]), [])
    principal = str(row["principalId"])
    if present and principal not in table:
        table.append(principal)
    elif not present and principal in table:
        table.remove(principal)


def _schedule(
    kind: str, response: Mapping[str, Any], old: Mapping[str, Any] | None, now: datetime
) -> dict[str, Any]:
    gid, access = str(response["groupId"]), str(response["accessId"])
    row: dict[str, Any] = {
        "id": f"{gid}_{access}_{response['id']}",
        "groupId": gid,
        "principalId": response["principalId"],
        "accessId": access,
        "createdUsing": response["id"],
        "createdDateTime": (old or {}).get("createdDateTime") or format_instant(now),
        "modifiedDateTime": format_instant(now) if old is not None else None,
        "status": "Provisioned",
        "memberType": "Direct",
        "scheduleInfo": copy.deepcopy(response["scheduleInfo"]),
    }
    if kind == "assignment":
        row["assignmentType"] = "Assigned"
    return row


def group_request(store: Store, kind: str, body: Any, now: datetime) -> dict[str, Any]:
    """Process ``POST …/privilegedAccess/group/{kind}ScheduleRequests``; returns the request."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a JSON object.")
    action = ACTIONS.get(str(body.get("action", "")).lower())
    if action is None:
        raise bad_request(f"Invalid action {body.get('action')!r}.")
    if action.startswith("self"):
        raise bad_request(
            f"{action} needs a signed-in user; the emulator serves app-only callers.",
            "SelfActionNotSupported",
        )
    parties = _parties(store, kind, body)
    outside_pim(store, parties[0])
    existing = find(store, kind, *parties)
    response = _response(body, action, parties, now)
    if action == "adminRemove":
        return _remove(store, kind, existing, response)
    start, end, info = schedule_window(body.get("scheduleInfo"), now)
    if action == "adminAssign" and (existing is not None or _waiting(store, kind, *parties)):
        raise bad_request("The Role assignment already exists.", "RoleAssignmentExists")
    if action != "adminAssign" and existing is None:
        raise bad_request("The Role assignment does not exist.", "RoleAssignmentDoesNotExist")
    policy = policy_for_access(store, parties[0], parties[2])
    if policy is not None:
        check_rules(store, policy, kind, start, end, body)
    response["scheduleInfo"] = info
    if not response["isValidationOnly"]:
        _write(store, kind, existing, response, start > now, now)
    response["scheduleInfo"] = _echoed(info, body)
    return response


def _remove(
    store: Store, kind: str, existing: str | None, response: dict[str, Any]
) -> dict[str, Any]:
    if existing is None:
        raise bad_request("The Role assignment does not exist.", "RoleAssignmentDoesNotExist")
    response["status"] = "Revoked"
    response["completedDateTime"] = None
    if not response["isValidationOnly"]:
        _set_active(store, kind, store.group_schedules(kind).pop(existing), present=False)
        remember(store, kind, response)
    return response


def _write(
    store: Store,
    kind: str,
    existing: str | None,
    response: dict[str, Any],
    future: bool,
    now: datetime,
) -> None:
    schedules = store.group_schedules(kind)
    row = _schedule(kind, response, schedules.get(existing) if existing else None, now)
    response["targetScheduleId"] = row["id"]
    if future and existing is None:
        # A future start: Granted, no schedule until it starts (as for directory roles).
        response["status"], response["completedDateTime"] = "Granted", None
    else:
        if existing is not None:
            schedules.pop(existing)
        schedules[row["id"]] = row
        _set_active(store, kind, row, present=True)
    remember(store, kind, response)


def remember(store: Store, kind: str, response: Mapping[str, Any]) -> None:
    store.group_requests[_key(kind, str(response["id"]))] = copy.deepcopy(dict(response))


def provision_due(store: Store, kind: str, now: datetime) -> None:
    """``Granted`` group requests whose start has come become schedules."""
    for name, row in store.group_requests.items():
        if not name.startswith(f"{kind}:") or row.get("status") != "Granted":
            continue
        start = (row.get("scheduleInfo") or {}).get("startDateTime")
        if not start or parse_instant(str(start)) > now:
            continue
        row["status"] = "Provisioned"
        schedule = _schedule(kind, row, None, parse_instant(str(row["createdDateTime"])))
        schedule["scheduleInfo"]["startDateTime"] = start
        store.group_schedules(kind)[schedule["id"]] = schedule
        _set_active(store, kind, schedule, present=True)


def cancel(store: Store, kind: str, request_id: str) -> None:
    """``POST …ScheduleRequests/{id}/cancel`` (DC privilegedaccessgroupeligibilityschedule
    request-cancel, …assignmentschedulerequest-cancel: 204, no body): only a ``Granted``
    request, which then never provisions; it becomes ``Revoked`` (eligibility) or
    ``Canceled`` (assignment) as for directory roles (*assumption*: the group pages name no
    status); any other status is a 400 (code *assumption*), an unknown id a 404."""
    row = store.group_requests.get(_key(kind, request_id))
    if row is None:
        raise GraphFault(404, "ResourceNotFound", f"Request {request_id} was not found.")
    if row.get("status") != "Granted":
        raise bad_request(
            f"The request {request_id} is {row.get('status')} and cannot be cancelled.",
            "RequestNotCancelable",
        )
    row["status"] = "Canceled" if kind == "assignment" else "Revoked"
