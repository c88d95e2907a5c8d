"""The managed groups' PIM-for-Groups targets (``policies/groups/*.yaml``) against the
tenant: each section (``member``, ``owner``) is diffed exactly as a directory role is
(``diff.target_diff``), under its group target id (``targets.group_target``), so its
changes carry addresses like ``group["Tier0 Admins"].member.activation.max_duration`` and
``group["Tier0 Admins"].owner.eligible["user:a@b.c"]``.

A group resolves to its object id here, at plan time (by object id, or by its one group of
that display name); a group whose PIM schedules were not read (``pim_groups_read``) has
unknown eligible and active members and owners, so it is an error, never a plan that
assumes it has none (fail closed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pim_gitops.compile import DesiredState
from pim_gitops.compile.types import CompiledGroup
from pim_gitops.diff_targets import TargetDiff, target_diff
from pim_gitops.resolve import Resolver
from pim_gitops.state import Assignment, Principal, RoleDefinition, RoleSettings, TenantState
from pim_gitops.targets import Access, group_target
from pim_gitops.wire import is_guid


def resolve_group(written: str, resolver: Resolver) -> Principal | str:
    """The group a group file names (object id or display name), or why it does not
    resolve to exactly one group."""
    text = written.strip()
    if is_guid(text):
        principals = resolver.tenant.principals
        found = principals.get(text.lower()) or principals.get(text)
        if found is None:
            return f"group {text} was not found in the tenant"
    else:
        by_name = resolver.principal(f"group:{text}")
        if isinstance(by_name, str):
            return by_name
        found = by_name
    if found.type != "group":
        return f"{text} is a {found.type}, not a group"
    return found


def target_role(group: Principal, access: Access) -> RoleDefinition:
    """A group's member or owner access as the differ sees a role: its id the group target,
    its name the group's display name (``plan RoleRef.name``)."""
    target = group_target(group.id, access)
    return RoleDefinition(
        id=target, template_id=target, display_name=group.display_name or group.id, is_builtin=False
    )


def managed_groups(
    desired: DesiredState, resolver: Resolver
) -> tuple[list[tuple[CompiledGroup, Principal]], list[str]]:
    """Each group file's group, in file order; a group that does not resolve, or that a
    second file manages too (under another spelling), is an error naming the files."""
    found: list[tuple[CompiledGroup, Principal]] = []
    errors: list[str] = []
    first: dict[str, CompiledGroup] = {}
    for compiled in sorted(desired.groups, key=lambda g: g.location):
        group = resolve_group(compiled.written, resolver)
        if isinstance(group, str):
            errors.append(f"{compiled.location}: {group}")
            continue
        other = first.setdefault(group.id, compiled)
        if other is not compiled:
            errors.append(
                f"{compiled.location}: group {compiled.written!r} is {group.display_name} "
                f"({group.id}), already managed by {other.location} (as {other.written!r})"
            )
            continue
        found.append((compiled, group))
    return found, errors


def unread_schedules(compiled: CompiledGroup, group: Principal, tenant: TenantState) -> str | None:
    """The error for a managed group whose PIM-for-Groups schedules were not read."""
    if group.id.lower() in tenant.pim_groups_read:
        return None
    return (
        f"{compiled.location}: group {group.display_name} ({group.id}): its PIM-for-Groups "
        "eligibility and assignment schedules were not read, so its members and owners "
        "through PIM are unknown; read the tenant again (a snapshot must be taken with this "
        "policy: `pim-gitops snapshot --policy DIR`)"
    )


def group_diffs(
    desired: DesiredState,
    tenant: TenantState,
    resolver: Resolver,
    now: datetime,
    live: Mapping[str, list[Assignment]],
    resolved: dict[str, RoleSettings],
) -> TargetDiff:
    """Every managed group's sections, diffed as roles are; ``resolved`` gets each section's
    desired settings by group target."""
    groups, errors = managed_groups(desired, resolver)
    out = TargetDiff(errors=errors)
    for compiled, group in groups:
        unread = unread_schedules(compiled, group, tenant)
        if unread is not None:
            out.errors.append(unread)
            continue
        for access, section in sorted(compiled.sections.items()):
            role = target_role(group, access)
            found = target_diff(
                section, role, tenant, resolver, now, live.get(role.id, []), resolved
            )
            out.changes += found.changes
            out.errors += found.errors
            out.warnings += found.warnings
    return out
