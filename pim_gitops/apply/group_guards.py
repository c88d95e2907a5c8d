"""What the guards say about access through groups (``access_paths``): the member paths a
plan ends, and the groups holding a guarded role whose PIM schedules were not read yet whose
role or membership the plan changes (what they gave is unknown: the guard fails closed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pim_gitops.access import holders, principal_ref
from pim_gitops.access_paths import describe, path_until, paths
from pim_gitops.memberships import MEMBER, pim_known, schedules_of
from pim_gitops.state import TenantState


def lost_paths(
    tenant: TenantState, later: TenantState, role_id: str, now: datetime, skip: str | None
) -> list[str]:
    """``ended through a group: <who> (<how>)`` for each usable member path to the role
    (besides ``skip``'s) that ``later`` no longer has."""

    def usable(at: TenantState) -> dict[tuple[str, str], str]:
        return {
            (p.principal_id, p.holding.principal_id): describe(at, p)
            for p in paths(at, role_id, MEMBER)
            if p.via is not None and p.principal_id != skip and path_until(at, p, now) is not None
        }

    before, after = usable(tenant), usable(later)
    lost = [
        f"{principal_ref(tenant, pid)} ({how})"
        for key, how in before.items()
        if key not in after
        for pid in (key[0],)
    ]
    return [f"ended through a group: {', '.join(sorted(lost))}"] if lost else []


def _groups(tenant: TenantState, role_id: str) -> set[str]:
    return {
        a.principal_id
        for a in holders(tenant.assignments, role_id)
        if (p := tenant.principals.get(a.principal_id)) is not None and p.type == "group"
    }


def unread_changed(tenant: TenantState, later: TenantState, role_id: str) -> list[str]:
    """The groups holding the role (before or after) whose PIM schedules were not read and
    whose assignments of the role or memberships the plan changes, in words."""
    changed = []
    for gid in sorted(_groups(tenant, role_id) | _groups(later, role_id)):
        if pim_known(tenant, gid):
            continue
        role_rows = [
            set(holders(s.assignments, role_id, principal_id=gid)) for s in (tenant, later)
        ]
        group_rows = [set(schedules_of(s.group_assignments, gid)) for s in (tenant, later)]
        if role_rows[0] != role_rows[1] or group_rows[0] != group_rows[1]:
            changed.append(principal_ref(tenant, gid))
    if not changed:
        return []
    return [
        f"the plan changes access through {', '.join(changed)}, whose eligible members and "
        "owners (PIM for Groups) were not read: what it gave before is unknown, so it is "
        "judged as if the floor did not hold"
    ]


def known_first(
    tenant: TenantState, later: TenantState, lasts: Callable[[TenantState, bool], datetime | None]
) -> tuple[datetime | None, datetime | None]:
    """(before, after) of a floor, counted only through groups whose PIM schedules were
    read: an unread group's direct member may be an active PIM membership that ends within
    the horizon, so it cannot stand in for a known path the plan ends. Where the tenant has
    no known path at all, both sides count every path, as the read shows them (the plan is
    then judged on what it changes: ``group_guards.unread_changed``)."""
    before = lasts(tenant, True)
    if before is None:
        return lasts(tenant, False), lasts(later, False)
    return before, lasts(later, True)


__all__ = ["known_first", "lost_paths", "unread_changed"]
