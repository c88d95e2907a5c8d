"""Usable access: who can use a role now and over a horizon after it.

The guards (``apply/guards.py``) and lint share this model. An eligible or active
assignment gives *usable* access over a window ``[now, now + horizon]`` only when

* its principal exists in the tenant and is enabled (a user or service principal with
  ``accountEnabled: true``; a group that is role-assignable and has at least one enabled
  member, per ``TenantState.group_members``) — anything not known is not usable;
* its schedule has started (``start <= now``);
* it does not end within the horizon: ``end`` is ``None`` (permanent) or ``end > now +
  horizon``. A schedule ending exactly at ``now + horizon`` ends within it.

What the guards compare is *how long* usable access lasts (``lasts_until``): the latest end
among the usable assignments of a set, ``FOREVER`` for a permanent one, ``None`` for none.
Checking "at now and at now + horizon" is then one comparison: access that lasts past
``now + horizon`` holds at both instants; access that lasts past ``now`` only holds at now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pim_gitops.memberships import (
    FOREVER,
    MEMBER,
    enabled,
    ends_at,
    group_until,
    memberships,
    started,
)
from pim_gitops.state import Assignment, Kind, TenantState

#: How far past the end of the run the guards look unless ``apply --guard-horizon`` says.
DEFAULT_HORIZON = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """The instant the guards look from and how far ahead they look."""

    now: datetime
    horizon: timedelta = DEFAULT_HORIZON

    @property
    def until(self) -> datetime:
        return self.now + self.horizon


def principal_problem(tenant: TenantState, principal_id: str) -> str | None:
    """Why the principal gives no usable access, or ``None`` when it does."""
    principal = tenant.principals.get(principal_id)
    if principal is None:
        return "not found in the tenant"
    if principal.type == "group":
        if principal.is_assignable_to_role is not True:
            return "a group that is not role-assignable"
        members = memberships(tenant, principal_id, MEMBER)
        if not any(enabled(tenant, m.principal_id) for m in members):
            return "a group with no enabled member"
        return None
    if principal.type not in ("user", "servicePrincipal"):
        return f"a {principal.type} object, which cannot hold a role"
    if principal.account_enabled is not True:
        return "a disabled account"
    return None


def acting_as(tenant: TenantState, identity: str) -> set[str]:
    """The principals whose roles ``identity`` can use: itself and every group it is a
    member of (a role-assignable group's role is its members')."""
    return {identity} | {g for g, members in tenant.group_members.items() if identity in members}


def only_through(tenant: TenantState, identity: str) -> set[str]:
    """The principals whose access no one but ``identity`` can use: itself, and the groups
    it is in whose every enabled member is ``identity``."""
    groups = {
        g
        for g, members in tenant.group_members.items()
        if identity in members and all(m == identity for m in members if enabled(tenant, m))
    }
    return {identity} | groups


def principal_ref(tenant: TenantState, principal_id: str) -> str:
    """How a policy file names the principal (``Principal.reference``), its id when the
    tenant does not know it."""
    principal = tenant.principals.get(principal_id)
    return principal.reference if principal else principal_id


def usable_principal(tenant: TenantState, principal_id: str) -> bool:
    return principal_problem(tenant, principal_id) is None


def usable(assignment: Assignment, tenant: TenantState, window: Window) -> bool:
    """The assignment gives usable access over the whole window."""
    return lasts_until([assignment], tenant, window.now) is not None and (
        ends_at(assignment) > window.until
    )


def lasts_until(
    assignments: Iterable[Assignment], tenant: TenantState, now: datetime
) -> datetime | None:
    """Until when the usable ones among ``assignments`` give access: the latest end of those
    whose principal is usable and whose schedule has started and not ended; ``FOREVER`` for
    a permanent one; ``None`` when none gives access now."""
    ends = [
        end
        for a in assignments
        if started(a, now) and ends_at(a) > now and (end := _bounded(tenant, a, now)) is not None
    ]
    return max(ends) if ends else None


def _bounded(tenant: TenantState, assignment: Assignment, now: datetime) -> datetime | None:
    """The assignment's end, no later than its principal can use it: a group's, than its
    last usable membership (``memberships.group_until``)."""
    if not usable_principal(tenant, assignment.principal_id):
        return None
    principal = tenant.principals[assignment.principal_id]
    if principal.type != "group":
        return ends_at(assignment)
    members = group_until(tenant, assignment.principal_id, now)
    return None if members is None else min(members, ends_at(assignment))


def holders_by_principal(
    assignments: Iterable[Assignment],
    role_id: str,
    kinds: tuple[Kind, ...] = ("eligible", "active"),
) -> dict[str, list[Assignment]]:
    """``holders`` of a role grouped by principal, in one pass: the guards judge each holder,
    and a tenant holds thousands of assignments."""
    grouped: dict[str, list[Assignment]] = {}
    for a in holders(assignments, role_id, kinds):
        grouped.setdefault(a.principal_id, []).append(a)
    return grouped


def holders(
    assignments: Iterable[Assignment],
    role_id: str,
    kinds: tuple[Kind, ...] = ("eligible", "active"),
    *,
    principal_id: str | None = None,
) -> list[Assignment]:
    """The directory-wide (scope ``/``) assignments of a role, of the given kinds, optionally
    of one principal."""
    return [
        a
        for a in assignments
        if a.role_id == role_id
        and a.kind in kinds
        and a.scope == "/"
        and (principal_id is None or a.principal_id == principal_id)
    ]


def usable_holders(
    assignments: Iterable[Assignment],
    tenant: TenantState,
    role_id: str,
    window: Window,
    kinds: tuple[Kind, ...] = ("eligible", "active"),
) -> list[str]:
    """The principals with usable access to a role over the window, sorted."""
    return sorted(
        {a.principal_id for a in holders(assignments, role_id, kinds) if usable(a, tenant, window)}
    )


__all__ = [
    "DEFAULT_HORIZON",
    "FOREVER",
    "Window",
    "ends_at",
    "holders",
    "lasts_until",
    "principal_problem",
    "started",
    "usable",
    "usable_holders",
    "usable_principal",
]
