"""How a policy target is named to a person: a directory role, or a group's PIM-for-Groups
member or owner access (``state.group_target``).

Every address, label and heading of a change goes through here, so that the plan, the PR
comment, drift and the report name a group target the same way:
``role["Global Administrator"].activation.require`` and
``group["Tier0 Admins"].member.activation.require``."""

from __future__ import annotations

from typing import Literal

#: PIM for Groups: what an assignment of a group gives (Graph's ``accessId``).
Access = Literal["member", "owner"]
ACCESSES: tuple[Access, ...] = ("member", "owner")
GROUP_TARGET_PREFIX = "group:"


def group_target(group_id: str, access: Access) -> str:
    """The id a PIM-for-Groups policy target goes by wherever a directory role's id goes
    (``RolePolicy.role_id``, ``Assignment.role_id``, a plan's ``role.id``):
    ``group:<groupId>/member`` or ``group:<groupId>/owner``. It can never be a role id
    (those are GUIDs)."""
    return f"{GROUP_TARGET_PREFIX}{group_id.lower()}/{access}"


def parse_group_target(target: str) -> tuple[str, Access] | None:
    """``(group id, access)`` of a group target id; ``None`` for a directory role's id."""
    if not target.startswith(GROUP_TARGET_PREFIX):
        return None
    group_id, _, access = target.removeprefix(GROUP_TARGET_PREFIX).partition("/")
    if not group_id or access not in ACCESSES:
        return None
    return group_id, "member" if access == "member" else "owner"


def address_prefix(target: str, name: str) -> str:
    """``role["<name>"]`` for a role; ``group["<group name>"].member`` (or ``.owner``) for a
    group target, where ``name`` is the group's display name."""
    group = parse_group_target(target)
    if group is None:
        return f'role["{name}"]'
    return f'group["{name}"].{group[1]}'


def address(target: str, name: str, path: str) -> str:
    """A setting's (``activation.require``) or an assignment's (``eligible["user:a@b"]``)
    address under its target."""
    return f"{address_prefix(target, name)}.{path}"


def title(target: str, name: str) -> str:
    """A heading: the role's name, or ``<group name> (member)``."""
    group = parse_group_target(target)
    return name if group is None else f"{name} ({group[1]})"


def is_group(target: str) -> bool:
    return parse_group_target(target) is not None
