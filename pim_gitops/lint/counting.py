"""How SCuBA and CIS count the users behind a role's holders (ASG002, ASG003, ASG010):
users assigned directly and through a group, the group's members through PIM for Groups
included (``group_views``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pim_gitops.lint.engine import LintContext
from pim_gitops.lint.group_views import pim_members
from pim_gitops.lint.rules.views import Holder
from pim_gitops.state import Principal


@dataclass(frozen=True)
class UserCount:
    """Distinct users behind some holders; ``unexpanded``: groups whose members no tenant
    view lists, each counted as one user (the count is then a lower bound)."""

    users: frozenset[str]
    unexpanded: tuple[str, ...]
    #: Holders the tenant view cannot resolve (an object id it has no object for: deleted,
    #: or not read): perhaps users. They count toward too many, never toward enough.
    unresolved: tuple[str, ...] = ()
    #: Groups counted by their direct members whose PIM-for-Groups schedules were not read:
    #: their eligible members are not counted (too few is then not certain).
    unread: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.users)


def _kind(h: Holder) -> str:
    if h.principal is not None:
        return h.principal.type
    return {"sp": "servicePrincipal"}.get(h.ref.partition(":")[0].lower(), h.ref.partition(":")[0])


def _member_users(ctx: LintContext, group: Principal) -> set[str] | None:
    """The group's member users: direct members and members through PIM for Groups,
    eligible or active (SCuBA 7.1: "also count the number of group members from the PIM
    for Groups portal Eligible assignments"); owners are not members (ScubaGear skips
    them). ``None`` when neither is known."""
    if ctx.tenant is None:
        return None
    direct = ctx.tenant.group_members.get(group.id)
    pim = pim_members(ctx, group)
    if direct is None and pim is None:
        return None
    ids = set(direct or ()) | {m.principal_id for m in pim or ()}
    principals = ctx.tenant.principals
    users = {m for m in ids if (p := principals.get(m)) is None or p.type == "user"}
    for m in sorted(ids - users):  # a group as an (eligible) member: its users can activate
        if principals[m].type == "group":
            inner = ctx.tenant.group_members.get(m)
            users |= {m} if inner is None else {u for u in inner if _is_user(ctx, u)}
    return users


def _is_user(ctx: LintContext, principal_id: str) -> bool:
    assert ctx.tenant is not None
    found = ctx.tenant.principals.get(principal_id)
    return found is not None and found.type == "user"


def count_users(ctx: LintContext, holder_list: Iterable[Holder]) -> UserCount:
    """The distinct users behind ``holder_list`` as SCuBA and CIS count them: users assigned
    directly and through a group (expanded to its member users when the tenant lists them,
    else counted as one); service principals are not users and are not counted. One level
    is all there is for a group's direct members: a role-assignable group cannot have groups
    as active members. Members of a group through PIM for Groups, eligible or active, count
    as its members (``_member_users``), and a group that is an eligible member counts as its
    own member users, who can activate that membership (ED concept-pim-for-groups, "Privileged
    Identity Management and group nesting")."""
    users: set[str] = set()
    unexpanded: set[str] = set()
    unresolved: set[str] = set()
    unread: set[str] = set()
    for h in holder_list:
        kind = _kind(h)
        if h.principal is None and ":" not in h.ref:
            unresolved.add(h.ref)
            continue
        if kind == "group":
            members = _member_users(ctx, h.principal) if h.principal is not None else None
            if members is None:
                unexpanded.add(h.ref)
                users.add(h.ref.lower())
            else:
                users |= members
                if h.principal is not None and pim_members(ctx, h.principal) is None:
                    unread.add(h.ref)
        elif kind == "user":
            users.add(h.principal.id if h.principal is not None else h.ref.lower())
    return UserCount(
        frozenset(users),
        tuple(sorted(unexpanded)),
        tuple(sorted(unresolved)),
        tuple(sorted(unread)),
    )


__all__ = ["UserCount", "count_users"]
