"""Raw Graph v1.0 JSON of PIM for Groups and administrative units → ``TenantState`` fields.

PIM for Groups (graph-pim.md §2, §6): a group's ``member`` and ``owner`` policies sit in the
same ``roleManagementPolicies`` / ``roleManagementPolicyAssignments`` arrays as the
directory-role ones, told apart by ``scopeType: Group`` (``scopeId`` = the group's id, the
link's ``roleDefinitionId`` = ``member`` / ``owner``). Their 17 rules are read through the
policy-rule table (``PolicyScope.GROUP``), as a role's are. Eligibility and assignment
schedules (``privilegedAccessGroup…Schedule``: ``groupId``, ``principalId``, ``accessId``,
``memberType``, ``status``, ``scheduleInfo``…) become ``Assignment`` rows whose ``role_id`` is
the group target (``targets.group_target``) at scope ``/``, filtered as role schedules are:
``Direct``, ``Assigned`` (not an activation), provisioned, not ended.

``privilegedAccessGroupsRead`` lists the groups whose schedules were read: for any other
group, eligible membership and ownership are unknown. ``privilegedAccessGroupReadErrors``
(group id → why) are groups the reader could not read (e.g. a 403 for a missing
``…AzureADGroup`` permission): their targets carry the reason as a policy error, so a plan
that manages one refuses instead of guessing.

``administrativeUnits`` (``id``, ``displayName``, ``isMemberManagementRestricted``): absent
means "not read" (``None``), an empty list "none in the tenant".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.errors import SnapshotError
from pim_gitops.rawjson import RawObject
from pim_gitops.state import AdministrativeUnit, Assignment, Kind
from pim_gitops.targets import ACCESSES, group_target

#: The snapshot keys of PIM for Groups and administrative units (raw Graph objects and our
#: bookkeeping; ``snapshot.py`` sorts and checks them).
GROUP_ELIGIBILITY = "privilegedAccessGroupEligibilitySchedules"
GROUP_ASSIGNMENT = "privilegedAccessGroupAssignmentSchedules"
GROUPS_READ = "privilegedAccessGroupsRead"
GROUP_READ_ERRORS = "privilegedAccessGroupReadErrors"
ADMINISTRATIVE_UNITS = "administrativeUnits"
GROUP_SCOPE_TYPE = "Group"
#: Every snapshot key that holds PIM-for-Groups reads only (not the shared policy arrays).
GROUP_COLLECTIONS_READ = (GROUP_ELIGIBILITY, GROUP_ASSIGNMENT, GROUPS_READ, GROUP_READ_ERRORS)
AU_SCOPE_PREFIX = "/administrativeUnits/"


def is_managed_scope(scope: str) -> bool:
    """Tenant-wide (``/``) or one administrative unit (``/administrativeUnits/<id>``): the
    scopes whose schedules are ``TenantState.assignments``."""
    if scope == "/":
        return True
    unit = scope[len(AU_SCOPE_PREFIX) :] if scope.startswith(AU_SCOPE_PREFIX) else ""
    return bool(unit) and "/" not in unit


#: The schedule collections by the kind of assignment they hold.
GROUP_SCHEDULES: tuple[tuple[Kind, str], ...] = (
    ("eligible", GROUP_ELIGIBILITY),
    ("active", GROUP_ASSIGNMENT),
)


def is_group_scoped(raw: Mapping[str, Any]) -> bool:
    """A policy or policy assignment of PIM for Groups (``scopeType: Group``)."""
    return str(raw.get("scopeType") or "").casefold() == GROUP_SCOPE_TYPE.casefold()


def group_link_target(raw: Any) -> tuple[str, str] | None:
    """(policy id, group target) of a ``scopeType: Group`` policy assignment; ``None`` for a
    link of another access than ``member``/``owner`` (not one we manage)."""
    link = RawObject(raw, "roleManagementPolicyAssignment")
    policy_id, group_id = link.req("policyId"), link.req("scopeId")
    access = link.req("roleDefinitionId").casefold()
    if access not in ACCESSES:
        return None
    return policy_id, group_target(group_id, "member" if access == "member" else "owner")


def _same(value: str | None, expected: str, default: str) -> bool:
    """Graph's enum values compared case-insensitively (the group pages document them in
    camelCase, the samples answer in PascalCase)."""
    return (value or default).casefold() == expected.casefold()


def normalize_group_schedule(obj: Any, kind: Kind, now: datetime) -> Assignment | None:
    """A PIM-for-Groups schedule → an ``Assignment`` of its group target; ``None`` when it is
    not one to manage (expired, an activation, inherited, not provisioned)."""
    from pim_gitops.normalize import schedule_window

    name = (
        "privilegedAccessGroupEligibilitySchedule"
        if kind == "eligible"
        else "privilegedAccessGroupAssignmentSchedule"
    )
    r = RawObject(obj, name)
    schedule_id = r.req("id")
    r.what = f"{name} {schedule_id}"
    group_id, principal_id = r.req("groupId"), r.req("principalId")
    access = r.req("accessId").casefold()
    if access not in ACCESSES:
        raise r.fail(f"unknown accessId {r.req('accessId')!r} (expected member or owner)")
    if not _same(r.text("memberType", optional=True), "Direct", "Direct"):
        return None
    if kind == "active" and not _same(
        r.text("assignmentType", optional=True), "Assigned", "Assigned"
    ):
        return None
    status = (r.text("status", optional=True) or "Provisioned").casefold()
    if status not in ("provisioned", "granted"):
        return None
    start, end = schedule_window(obj, r)
    if end is not None and end <= now:
        return None
    target = group_target(group_id, "member" if access == "member" else "owner")
    # A member or owner added outside PIM is listed as a permanent active assignment whose
    # ``createdUsing`` is null; unlike a direct role assignment it needs no other API: PIM
    # updates and removes it like its own (docs/emulator.md, PIM for Groups), so it is an
    # ordinary assignment here, declared ``permanent: true``.
    return Assignment(target, principal_id, "/", kind, end, start, schedule_id)


def group_assignments(snapshot: Mapping[str, Any], now: datetime) -> tuple[Assignment, ...]:
    rows: list[Assignment] = []
    for kind, collection in GROUP_SCHEDULES:
        for raw in snapshot.get(collection) or []:
            found = normalize_group_schedule(raw, kind, now)
            rows += [found] if found is not None else []
    return tuple(sorted(rows))


def without_activations(
    members: Mapping[str, tuple[str, ...]], snapshot: Mapping[str, Any], now: datetime
) -> dict[str, tuple[str, ...]]:
    """The groups' direct members less those who are members only by a running activation
    (``assignmentType: activated``): such a member is an eligible one who activated, for
    hours, not a standing member (``memberships``); a direct member with an ``Assigned``
    schedule as well stays."""
    from pim_gitops.normalize import schedule_window

    activated: set[tuple[str, str]] = set()
    assigned = {
        (a.role_id, a.principal_id) for a in group_assignments(snapshot, now) if a.kind == "active"
    }
    for raw in snapshot.get(GROUP_ASSIGNMENT) or []:
        r = RawObject(raw, "privilegedAccessGroupAssignmentSchedule")
        if r.req("accessId").casefold() != "member" or _same(
            r.text("assignmentType", optional=True), "Assigned", "Assigned"
        ):
            continue
        end = schedule_window(raw, r)[1]
        target = group_target(r.req("groupId"), "member")
        if (end is None or end > now) and (target, r.req("principalId")) not in assigned:
            activated.add((r.req("groupId").lower(), r.req("principalId")))
    return {
        gid: tuple(m for m in ids if (gid.lower(), m) not in activated)
        for gid, ids in members.items()
    }


def groups_read(snapshot: Mapping[str, Any]) -> frozenset[str]:
    """The groups (ids, lower case) whose PIM schedules were read."""
    ids = snapshot.get(GROUPS_READ) or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise SnapshotError(f"{GROUPS_READ} must be a list of group ids")
    return frozenset(i.lower() for i in ids)


def group_read_errors(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """Group targets → why their group could not be read (both accesses of the group)."""
    errors = snapshot.get(GROUP_READ_ERRORS) or {}
    if not isinstance(errors, Mapping) or not all(isinstance(v, str) for v in errors.values()):
        raise SnapshotError(f"{GROUP_READ_ERRORS} must map group ids to messages")
    return {
        group_target(gid, access): f"PIM for Groups could not be read: {why}"
        for gid, why in errors.items()
        for access in ACCESSES
    }


def normalize_administrative_unit(obj: Any) -> AdministrativeUnit:
    r = RawObject(obj, "administrativeUnit")
    unit_id = r.req("id")
    r.what = f"administrativeUnit {unit_id}"
    return AdministrativeUnit(
        id=unit_id,
        display_name=r.text("displayName", optional=True) or "",
        restricted=r.optional_flag("isMemberManagementRestricted"),
    )


def administrative_units(snapshot: Mapping[str, Any]) -> dict[str, AdministrativeUnit] | None:
    """The administrative units by id; ``None`` when the snapshot did not read them."""
    if ADMINISTRATIVE_UNITS not in snapshot:
        return None
    units = map(normalize_administrative_unit, snapshot.get(ADMINISTRATIVE_UNITS) or [])
    return {u.id: u for u in sorted(units, key=lambda u: u.id)}
