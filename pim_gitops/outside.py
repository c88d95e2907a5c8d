"""Assignments Graph holds without a PIM schedule.

*Made outside PIM*: a ``roleAssignments`` row (``unifiedRoleAssignment``) is who holds a role
now. Most direct assignments also show in ``roleAssignmentSchedules`` with ``createdUsing``
null, but not all of them do; a row at ``/`` that no assignment schedule covers (neither an
``Assigned`` one nor an activation) is a permanent active assignment made outside PIM. It is
removed with ``DELETE /roleManagement/directory/roleAssignments/{id}`` ("Delete
unifiedRoleAssignment", Graph v1.0), as PIM has no schedule of it to ``adminRemove``.

*Not yet started*: an ``adminAssign`` with a future start is answered ``Granted`` and no
schedule exists until it starts (microsoft-graph-docs-contrib#2145: the assignment "shows up
only under Pending requests with a Granted status"); other requests wait in ``Pending…``.
Such a request is the assignment as far as the plan goes (no create every run). A ``Granted``
one is removed by cancelling it (``POST …ScheduleRequests/{id}/cancel``, documented for a
request "whose status is Granted"; 400 otherwise); ``adminRemove`` finds no schedule to
remove. A request in any other in-flight status is left to settle: nothing is planned.

Pure functions; ``normalize`` interprets the payloads, ``diff`` calls the checks below.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from pim_gitops.state import Assignment, DirectRoleAssignment
from pim_gitops.wire import format_instant

#: Request statuses of a request not yet done (Graph v1.0 ``request`` resource: Canceled,
#: Denied, Failed, Granted, PendingAdminDecision, PendingApproval, PendingProvisioning,
#: PendingScheduleCreation, Provisioned, Revoked, ScheduleCreated).
IN_FLIGHT = frozenset(
    {
        "Granted",
        "PendingAdminDecision",
        "PendingApproval",
        "PendingProvisioning",
        "PendingScheduleCreation",
        "ScheduleCreated",
    }
)
#: Who may list a request collection app-only (v1.0 "List roleEligibilityScheduleRequests",
#: "List roleAssignmentScheduleRequests"): write permissions only.
LIST_NEEDS = {
    "roleEligibilityScheduleRequests": "RoleEligibilitySchedule.ReadWrite.Directory or "
    "RoleManagement.ReadWrite.Directory",
    "roleAssignmentScheduleRequests": "RoleManagement.ReadWrite.Directory",
}
#: A request collection by the kind of assignment it makes, and its name in words.
REQUEST_COLLECTIONS = {
    "eligible": ("roleEligibilityScheduleRequests", "eligibility requests"),
    "active": ("roleAssignmentScheduleRequests", "assignment requests"),
}
#: The one in-flight status Graph documents ``cancel`` for.
CANCELABLE = "Granted"


def held_outside_schedules(
    rows: Iterable[DirectRoleAssignment], covered: set[tuple[str, str, str]]
) -> list[Assignment]:
    """The ``roleAssignments`` rows at ``/`` that no assignment schedule covers (``covered``:
    (role, principal, scope) of every assignment schedule, whatever its type or status), as
    permanent active assignments made outside PIM."""
    found: dict[tuple[str, str], Assignment] = {}
    for row in sorted(rows, key=lambda r: r.id):
        if row.scope != "/" or (row.role_id, row.principal_id, row.scope) in covered:
            continue
        found.setdefault(
            (row.role_id, row.principal_id),
            Assignment(
                row.role_id, row.principal_id, "/", "active", outside_pim=True, direct_id=row.id
            ),
        )
    return list(found.values())


def not_yet_scheduled(
    requests: Iterable[Assignment], scheduled: Iterable[Assignment]
) -> list[Assignment]:
    """Requests in flight whose assignment no schedule shows yet, one per key (the first
    by request id)."""
    taken = {a.key for a in scheduled}
    found: dict[tuple[str, str, str, str], Assignment] = {}
    for a in sorted(requests, key=lambda a: a.request[0] if a.request else ""):
        if a.key not in taken:
            found.setdefault(a.key, a)
    return list(found.values())


def _what(current: Assignment, where: str) -> str:
    return f"{where}: {current.kind} assignment"


def _removal_advice(additive: bool) -> str:
    """How to have a removal planned: an additive role never removes."""
    if additive:
        return (
            "remove it from the file with the role set to `assignments_mode: authoritative` "
            "(an additive role never removes) and apply"
        )
    return "remove it from the file and apply"


def unreachable(
    current: Assignment, where: str, now: datetime, additive: bool = False
) -> str | None:
    """Why a declaration that differs from ``current`` cannot be planned as an update, or
    ``None`` when Graph can update it (it has a schedule)."""
    if current.direct_id is not None:
        return (
            f"{_what(current, where)} was made outside PIM and has no PIM schedule to update; "
            "to convert it to PIM, declare it eligible (plans the eligible create, then the "
            f"removal of the direct assignment) or {_removal_advice(additive)}, then declare "
            "the PIM assignment again"
        )
    if current.request is not None and current.request[1] == CANCELABLE:
        if current.start is None or current.start <= now:
            return None  # started but not provisioned: in_flight notes it
        return (
            f"{_what(current, where)} has not started yet (request {current.request[0]} is "
            f"Granted, no schedule exists) and Graph cannot update it; "
            f"{_removal_advice(additive)} (cancels the request), then declare it again"
        )
    return None


def in_flight(current: Assignment, where: str, now: datetime) -> str | None:
    """The plan note for an assignment whose request is still being processed (nothing is
    planned for it until it settles), or ``None``."""
    if current.request is None:
        return None
    request_id, status = current.request
    if status == CANCELABLE:
        if current.start is not None and current.start > now:
            return None  # a future start: cancelable, and changes are planned against it
        return (
            f"{_what(current, where)}: request {request_id} was granted and its start has "
            "passed, but Graph shows no schedule of it yet (not provisioned); it gives no "
            "access until it does; nothing planned until it settles"
        )
    return (
        f"{_what(current, where)}: request {request_id} is in flight ({status}); "
        "nothing planned until it settles"
    )


def in_flight_notes(
    role_name: str,
    live: Iterable[Assignment],
    declared: Collection[tuple[str, str, str, str]],
    now: datetime,
) -> list[str]:
    """The notes of in-flight assignments no declaration names (not removed: left to settle)."""
    found = (
        in_flight(a, f"{role_name}: {a.principal_id}", now) for a in live if a.key not in declared
    )
    return sorted(note for note in found if note)


def outside_pim_problem(declared_outside: bool, where: str) -> str | None:
    """A declaration marked ``outside_pim: true`` with no live counterpart: it describes a
    direct role assignment that exists, and pim-gitops creates only through PIM."""
    if not declared_outside:
        return None
    return (
        f"{where}: declared as made outside PIM (`outside_pim: true`), but the tenant holds no "
        "such role assignment; remove `outside_pim` to create it through PIM"
    )


# --- request collections that could not be listed ---------------------------------------------


def unlisted_requests(errors: Mapping[str, str]) -> dict[str, str]:
    """``requestReadErrors`` (collection → why) by the kind of assignment it makes."""
    return {
        kind: str(errors[name])
        for kind, (name, _) in sorted(REQUEST_COLLECTIONS.items())
        if name in errors
    }


def unlisted_notes(unlisted: Mapping[str, str]) -> list[str]:
    """The plan notes of request collections the read could not list."""
    words = {"eligible": "eligible assignments", "active": "assignments"}
    return [
        f"cannot list {REQUEST_COLLECTIONS[kind][1]} ({why}): {words[kind]} scheduled to start "
        "later are invisible"
        for kind, why in sorted(unlisted.items())
    ]


def unlisted_collections(unlisted: Mapping[str, str]) -> tuple[str, ...]:
    """The request collections, in words, the read could not list (by assignment kind)."""
    return tuple(REQUEST_COLLECTIONS[kind][1] for kind in sorted(unlisted))


def may_already_exist(where: str, kind: str, start: datetime, unlisted: Mapping[str, str]) -> str:
    """The plan note of a create that starts later while its requests could not be listed."""
    return (
        f"{where}: the {kind} assignment starting {format_instant(start)} may already exist "
        f"(Graph keeps a not-yet-started one only as a request, and {REQUEST_COLLECTIONS[kind][1]} "
        f"could not be listed: {unlisted[kind]}); apply reports it as not verified if Graph says so"
    )
