"""How a policy target is named to a person: a directory role, or a group's PIM-for-Groups
member or owner access (``state.group_target``).

Every address, label and heading of a change goes through here, so that the plan, the PR
comment, drift and the report name a group target the same way:
``role["Global Administrator"].activation.require`` and
``group["Tier0 Admins"].member.activation.require``."""

from __future__ import annotations

from pim_gitops.state import parse_group_target


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
