"""Who is in a role-assignable group, and how: the ground the effective-access model
(``access.py``, ``access_paths.py``) stands on.

A group's membership comes from two reads (``state.TenantState``):

* ``group_members``: its direct members as Graph lists them. An *active* member through PIM
  for Groups is a direct member there too, so a direct member who also has an active member
  schedule is that schedule (with its end), not a standing member;
* ``group_assignments``: its PIM-for-Groups schedules (``targets.group_target``): eligible or
  active, ``member`` or ``owner``, each with its window. Only the groups of
  ``pim_groups_read`` were read: any other group's eligible membership and ownership are
  unknown (``pim_known``), and whoever needs to be sure fails closed on it.

A membership is *usable* at ``now`` when its schedule has started (a request with no schedule
yet never has), has not ended, and its member is an enabled user or service principal (a
role-assignable group cannot have groups as members). It lasts until its end (``FOREVER``
for a standing member or a permanent schedule)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pim_gitops.state import Assignment, Kind, TenantState
from pim_gitops.targets import Access, parse_group_target

#: How long a permanent assignment lasts.
FOREVER = datetime.max.replace(tzinfo=UTC)
#: How a principal is in a group: ``standing`` (a direct member outside PIM), or through a
#: PIM-for-Groups schedule (its kind).
How = Literal["standing", "eligible", "active"]
#: The member accesses that make a principal a member (an owner must add itself first).
MEMBER: tuple[Access, ...] = ("member",)


def started(assignment: Assignment, now: datetime) -> bool:
    """In effect at ``now``: a direct role assignment (made outside PIM) is; a request with
    no schedule yet never is, whatever its status or start: until Graph provisions it, it
    gives no access (``outside.py``)."""
    if assignment.request is not None:
        return False
    return assignment.start is None or assignment.start <= now


def ends_at(assignment: Assignment) -> datetime:
    return FOREVER if assignment.end is None else assignment.end


@dataclass(frozen=True, slots=True)
class Membership:
    """``principal_id`` is in ``group_id`` (lower case) as ``access`` (``member``/``owner``),
    ``how``; ``schedule`` is the PIM-for-Groups row (``None`` for a standing member)."""

    group_id: str
    principal_id: str
    access: Access
    how: How
    schedule: Assignment | None = None

    @property
    def start(self) -> datetime | None:
        return self.schedule.start if self.schedule is not None else None

    @property
    def end(self) -> datetime | None:
        return self.schedule.end if self.schedule is not None else None

    @property
    def gives_active(self) -> bool:
        """A member without activating anything (standing, or an active member schedule)."""
        return self.access == "member" and self.how != "eligible"

    @property
    def words(self) -> str:
        """``standing member``, ``eligible member``, ``active owner``…"""
        return f"{self.how} {self.access}"


def pim_known(tenant: TenantState, group_id: str) -> bool:
    """The group's PIM-for-Groups schedules were read (else its eligible membership and its
    ownership are unknown)."""
    return group_id.lower() in tenant.pim_groups_read


def _direct(tenant: TenantState, group_id: str) -> tuple[str, ...]:
    found = tenant.group_members.get(group_id)
    if found is None:
        found = next(
            (m for g, m in tenant.group_members.items() if g.lower() == group_id.lower()), ()
        )
    return found


def schedules_of(rows: Iterable[Assignment], group_id: str) -> list[Assignment]:
    """The PIM-for-Groups rows of one group (any access), directory-wide."""
    gid = group_id.lower()
    out = []
    for a in rows:
        parsed = parse_group_target(a.role_id)
        if parsed is not None and parsed[0] == gid and a.scope == "/":
            out.append(a)
    return out


def memberships(
    tenant: TenantState, group_id: str, accesses: tuple[Access, ...] = ("member", "owner")
) -> list[Membership]:
    """Everyone in the group, each way they are (module docstring), sorted."""
    gid = group_id.lower()
    rows = schedules_of(tenant.group_assignments, gid)
    out: list[Membership] = []
    for a in rows:
        parsed = parse_group_target(a.role_id)
        assert parsed is not None
        if parsed[1] in accesses:
            out.append(Membership(gid, a.principal_id, parsed[1], _kind(a.kind), a))
    if "member" in accesses:
        scheduled = {
            a.principal_id
            for a in rows
            if a.kind == "active" and parse_group_target(a.role_id) == (gid, "member")
        }
        out += [
            Membership(gid, m, "member", "standing")
            for m in _direct(tenant, group_id)
            if m not in scheduled
        ]
    return sorted(out, key=lambda m: (m.principal_id, m.access, m.how, ends(m)))


def _kind(kind: Kind) -> How:
    return "eligible" if kind == "eligible" else "active"


def ends(membership: Membership) -> datetime:
    return FOREVER if membership.end is None else membership.end


def enabled(tenant: TenantState, principal_id: str) -> bool:
    """An enabled user or service principal (what a group member must be to use access)."""
    member = tenant.principals.get(principal_id)
    return (
        member is not None
        and member.type in ("user", "servicePrincipal")
        and member.account_enabled is True
    )


def membership_until(tenant: TenantState, membership: Membership, now: datetime) -> datetime | None:
    """Until when the membership is usable (module docstring), ``None``: not at ``now``."""
    if not enabled(tenant, membership.principal_id):
        return None
    row = membership.schedule
    if row is None:
        return FOREVER
    if not started(row, now) or ends_at(row) <= now:
        return None
    return ends_at(row)


def group_until(tenant: TenantState, group_id: str, now: datetime) -> datetime | None:
    """Until when someone can use what a role-assignable group holds as its member: the
    latest end of its usable memberships (eligible ones included: a member activates its
    membership, then the group's role); ``None`` when none is usable now, or the group is not
    role-assignable. Owners are not counted (an owner must first add itself)."""
    group = tenant.principals.get(group_id) or tenant.principals.get(group_id.lower())
    if group is None or group.type != "group" or group.is_assignable_to_role is not True:
        return None
    found = [
        end
        for m in memberships(tenant, group_id, MEMBER)
        if (end := membership_until(tenant, m, now)) is not None
    ]
    return max(found) if found else None


__all__ = [
    "FOREVER",
    "MEMBER",
    "How",
    "Membership",
    "enabled",
    "ends",
    "ends_at",
    "group_until",
    "membership_until",
    "memberships",
    "pim_known",
    "schedules_of",
    "started",
]
