"""Effective access: who can use a directory role, and how.

A principal reaches a role by an assignment of its own, or through a role-assignable group
that holds it (``memberships.py``): as a standing member, an eligible or active member
through PIM for Groups, or an owner (who can add itself as a member). Each way is an
``AccessPath``: the role assignment it ends in (``holding``) and the membership it goes
through (``via``). A path is *active* when nothing has to be activated on it (an active
role assignment reached by a standing or active membership), else *eligible*; it lasts as
long as both its parts (``path_until``).

A group can be an *eligible* member of a role-assignable group (never an active one), and a
user who is an active (or standing) member of that group can then activate its membership
of the role-assignable one (ED concept-pim-for-groups, "Privileged Identity Management and
group nesting"): such a path goes ``through`` the nested group as well, and its users are
listed in place of the group where the group's members were read.

The guards count member paths only (an owner must change the group first); lint and the
report show owners too. A group whose PIM schedules were not read (``pim_known``) has
unknown eligible members and owners: ``unread_groups`` names them, and whoever must be sure
(a break-glass floor, the last-PRA guard) does not count what it cannot see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pim_gitops.access import holders, principal_ref, usable_principal
from pim_gitops.memberships import (
    FOREVER,
    MEMBER,
    Membership,
    ends_at,
    membership_until,
    memberships,
    pim_known,
    started,
)
from pim_gitops.state import KINDS, Assignment, Kind, TenantState
from pim_gitops.targets import Access
from pim_gitops.wire import format_instant


@dataclass(frozen=True, slots=True)
class AccessPath:
    """``principal_id`` can use ``role_id`` through ``holding`` (its own assignment, or
    that of the group it is in by ``via``)."""

    principal_id: str
    role_id: str
    holding: Assignment
    via: Membership | None = None
    #: The principal's membership of the group that is ``via``'s member (nesting).
    through: Membership | None = None

    @property
    def kind(self) -> Kind:
        direct = all(m is None or m.gives_active for m in (self.via, self.through))
        return "active" if self.holding.kind == "active" and direct else "eligible"

    @property
    def end(self) -> datetime | None:
        """The earlier end of its parts; ``None``: permanent."""
        parts = (self.holding.end, *(m.end for m in (self.via, self.through) if m))
        ends = [e for e in parts if e]
        return min(ends) if ends else None

    @property
    def permanent(self) -> bool:
        return self.end is None

    @property
    def group_id(self) -> str | None:
        return self.via.group_id if self.via is not None else None

    @property
    def requested(self) -> bool:
        """A part of it is a request not yet provisioned (``outside.py``)."""
        parts = (self.holding, *(m.schedule for m in (self.via, self.through) if m))
        return any(p is not None and p.request is not None for p in parts)


def paths(
    tenant: TenantState, role_id: str, accesses: tuple[Access, ...] = ("member", "owner")
) -> list[AccessPath]:
    """Every way to the role's directory-wide assignments (module docstring), sorted."""
    return sorted(_paths(tenant, role_id, accesses), key=_order)


def _order(p: AccessPath) -> tuple[str, str, str, str, str]:
    inner = p.through.group_id if p.through else ""
    return (p.principal_id, p.group_id or "", inner, p.holding.kind, p.via.words if p.via else "")


def _is_group(tenant: TenantState, principal_id: str) -> bool:
    principal = tenant.principals.get(principal_id)
    return principal is not None and principal.type == "group"


def _members_read(tenant: TenantState, group_id: str) -> bool:
    return any(g.lower() == group_id.lower() for g in tenant.group_members)


def _paths(tenant: TenantState, role_id: str, accesses: tuple[Access, ...]) -> Iterator[AccessPath]:
    for a in holders(tenant.assignments, role_id):
        if not _is_group(tenant, a.principal_id):
            yield AccessPath(a.principal_id, role_id, a)
            continue
        for m in memberships(tenant, a.principal_id, accesses):
            nested = m.access == "member" and _is_group(tenant, m.principal_id)
            if not nested or not _members_read(tenant, m.principal_id):
                yield AccessPath(m.principal_id, role_id, a, m)
            if nested:
                for inner in memberships(tenant, m.principal_id, MEMBER):
                    if inner.gives_active and not _is_group(tenant, inner.principal_id):
                        yield AccessPath(inner.principal_id, role_id, a, m, inner)


def path_until(tenant: TenantState, path: AccessPath, now: datetime) -> datetime | None:
    """Until when the path is usable from ``now``: both parts started and not ended, the
    principal usable (an enabled account; the group role-assignable); ``None``: not now."""
    a = path.holding
    if not started(a, now) or ends_at(a) <= now:
        return None
    if path.via is None:
        return ends_at(a) if usable_principal(tenant, a.principal_id) else None
    group = tenant.principals.get(a.principal_id)
    if group is None or group.is_assignable_to_role is not True:
        return None
    if path.through is None:
        member = membership_until(tenant, path.via, now)
    else:  # the nested group's own membership: its window, and the user's membership of it
        row = path.via.schedule
        window = None if row is None or not started(row, now) else ends_at(row)
        inner = membership_until(tenant, path.through, now)
        member = None if window is None or window <= now or inner is None else min(window, inner)
    return None if member is None else min(member, ends_at(a))


def reach_until(
    tenant: TenantState,
    role_id: str,
    now: datetime,
    *,
    kinds: tuple[Kind, ...] = KINDS,
    principal_id: str | None = None,
    others_than: str | None = None,
    known: bool = False,
) -> datetime | None:
    """Until when someone (``principal_id``, or anyone but ``others_than``) can use the role
    by a member path of one of ``kinds``: the latest end, ``FOREVER`` for a permanent one,
    ``None`` for none now. ``known``: only through groups whose PIM schedules were read (a
    standing member of another group may be a PIM member whose schedule ends)."""
    ends = [
        end
        for p in paths(tenant, role_id, MEMBER)
        if p.kind in kinds
        and (principal_id is None or p.principal_id == principal_id)
        and (others_than is None or p.principal_id != others_than)
        and all(not known or m is None or pim_known(tenant, m.group_id) for m in (p.via, p.through))
        and (end := path_until(tenant, p, now)) is not None
    ]
    return max(ends) if ends else None


def unread_groups(tenant: TenantState, role_id: str) -> list[str]:
    """The groups holding the role (directory-wide) whose PIM schedules were not read: their
    eligible members and owners are unknown. Sorted ids."""
    return sorted(
        {
            a.principal_id
            for a in holders(tenant.assignments, role_id)
            if (p := tenant.principals.get(a.principal_id)) is not None
            and p.type == "group"
            and not pim_known(tenant, a.principal_id)
        }
    )


def _window(row: Assignment | None) -> str:
    if row is None:
        return "standing"
    if row.request is not None:
        return f"requested ({row.request[1]}), not yet in effect"
    if row.end is None:
        return "permanent"
    return f"until {format_instant(row.end)}"


def describe(tenant: TenantState, path: AccessPath) -> str:
    """How the path reaches the role, in words: ``eligible assignment, permanent`` or
    ``eligible member of group:Tier0 Admins (PIM for Groups, until …), which holds it
    active, permanent``."""
    own = f"{path.holding.kind}, {_window(path.holding)}"
    if path.via is None:
        return f"{path.holding.kind} assignment, {_window(path.holding)}"
    via = path.via
    group = principal_ref(tenant, path.holding.principal_id)
    pim = "" if via.schedule is None else f" (PIM for Groups, {_window(via.schedule)})"
    owner = "; an owner can add itself as a member" if via.access == "owner" else ""
    how = f"{via.words} of {group}{pim}, which holds it {own}{owner}"
    inner = path.through
    if inner is None:
        return how
    inner_pim = "" if inner.schedule is None else f" (PIM for Groups, {_window(inner.schedule)})"
    nested = principal_ref(tenant, via.principal_id)
    article = "an" if via.words[0] in "aeiou" else "a"
    return f"{inner.words} of {nested}{inner_pim}, which is {article} {how}"


@dataclass(frozen=True)
class Reach:
    """One principal who can use a role, and every way it can."""

    principal_id: str
    name: str
    ways: tuple[str, ...]
    #: Some way needs no activation (an active path).
    active: bool
    #: Some way lasts for ever.
    permanent: bool


def who_can_use(tenant: TenantState, role_id: str) -> list[Reach]:
    """Everyone who can use the role, by name, each with the ways (``describe``); owners
    included. Groups themselves are not listed: their members are."""
    by_principal: dict[str, list[AccessPath]] = {}
    for p in paths(tenant, role_id):
        by_principal.setdefault(p.principal_id, []).append(p)
    out = [
        Reach(
            pid,
            principal_ref(tenant, pid),
            tuple(describe(tenant, p) for p in found),
            any(p.kind == "active" for p in found),
            any(p.permanent for p in found),
        )
        for pid, found in by_principal.items()
    ]
    return sorted(out, key=lambda r: (r.name.casefold(), r.principal_id))


__all__ = [
    "FOREVER",
    "AccessPath",
    "Reach",
    "describe",
    "path_until",
    "paths",
    "reach_until",
    "unread_groups",
    "who_can_use",
]
