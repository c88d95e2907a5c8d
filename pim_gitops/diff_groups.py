"""The managed groups' PIM-for-Groups targets (``policies/groups/*.yaml``) against the
tenant: each section (``member``, ``owner``) is diffed with the differ's own functions, as a
directory role is, under its group target id (``targets.group_target``) where a role id
goes, so a section's settings and assignments mean what a role file's do. Its changes are
addressed under ``targets.address_prefix``: ``group["Tier0 Admins"].member.activation.
max_duration``, ``group["Tier0 Admins"].owner.eligible["user:a@b.c"]``.

A group resolves to its object id here, at plan time (by object id, or by its one group of
that display name); a group whose PIM schedules were not read (``pim_groups_read``) has
unknown eligible and active members and owners, so a section that depends on them (it is
authoritative or declares assignments) is an error, never a plan that assumes there are
none (fail closed). A section's desired settings go to
``Diff.desired_settings`` under its group target, which the plan's rule patches read."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.compile.checks import activation_out_of_range
from pim_gitops.diff import Change, _assignment_changes, _setting_changes
from pim_gitops.diff_notes import deleted_principals, tightening_warnings
from pim_gitops.resolve import Resolver, resolve_settings
from pim_gitops.resolve_groups import managed_groups
from pim_gitops.state import Principal, RoleDefinition, RoleSettings, TenantState
from pim_gitops.targets import Access, address_prefix, group_target, title


def target_role(group: Principal, access: Access) -> RoleDefinition:
    """A group's member or owner access as the differ sees a role: its id the group target,
    its name the group's display name (``plan RoleRef.name``)."""
    target = group_target(group.id, access)
    return RoleDefinition(
        id=target, template_id=target, display_name=group.display_name or group.id, is_builtin=False
    )


def unread_schedules(section: CompiledRole, group: Principal, tenant: TenantState) -> str | None:
    """The error for a section that depends on its group's PIM-for-Groups schedules (it is
    authoritative, or declares assignments) when they were not read; an additive section
    declaring none manages the policy only, so it needs none."""
    if group.id.lower() in tenant.pim_groups_read:
        return None
    if section.assignments_mode != "authoritative" and not section.assignments:
        return None
    return (
        f"{section.location}: group {group.display_name} ({group.id}): its PIM-for-Groups "
        "eligibility and assignment schedules were not read, so its members and owners "
        "through PIM are unknown; read the tenant again (a snapshot must be taken with this "
        "policy: `pim-gitops snapshot --policy DIR`)"
    )


#: A section's (changes, errors, plan notes).
Found = tuple[list[Change], list[str], list[str]]


def retargeted(change: Change) -> Change:
    """A change the differ addressed as a role's (``role["<name>"].…``) under its group
    target instead (``group["<name>"].member.…``)."""
    role_prefix = f'role["{change.role_name}"]'
    assert change.address.startswith(role_prefix + ".")
    rest = change.address.removeprefix(role_prefix)
    return replace(change, address=address_prefix(change.role_id, change.role_name) + rest)


def later_starts(section: CompiledRole, role: RoleDefinition, now: datetime) -> list[str]:
    """A group grant that starts later is an error: Graph keeps it as a request with no
    schedule until it starts, and group requests are not read, so no plan could see it
    (each would create it again)."""
    return [
        f"{item.location}: {title(role.id, role.display_name)}: {item.principal}: a start in "
        "the future is not supported for PIM-for-Groups assignments (Graph holds it only as "
        "a request until then, which pim-gitops does not read); declare it once it starts"
        for item in section.assignments
        if item.start is not None and item.start > now
    ]


#: A group Graph lists no policy for: Entra makes a group's member and owner policies when the
#: group is first used in PIM for Groups (docs/emulator.md, "PIM for Groups": undocumented).
NO_GROUP_POLICY = (
    "Graph lists no PIM-for-Groups policy for this group yet (Entra makes a group's policies "
    "when it is first used in PIM for Groups); open the group's PIM for Groups settings in the "
    "Entra admin center once, or assign one member there, then plan again"
)


def nesting_errors(
    section: CompiledRole, group: Principal, access: Access, resolver: Resolver
) -> list[str]:
    """Grants Graph refuses to nest: a group as an *active* member of a role-assignable group
    or as an active owner of any, or a group granted to itself (ED concept-pim-for-groups,
    "Privileged Identity Management and group nesting": "one group can't be an active member
    of another group that is role-assignable"; DC group-post-owners: owners are users or
    service principals). A group may be an eligible member."""
    errors = []
    for item in section.assignments:
        found = resolver.principal(item.principal)
        if isinstance(found, str) or found.type != "group":
            continue
        if found.id.lower() == group.id.lower():
            why = "a group cannot be a member or owner of itself"
        elif item.kind == "active" and (access == "owner" or group.is_assignable_to_role):
            kind = "owner of a group" if access == "owner" else "member of a role-assignable group"
            why = f"a group cannot be an active {kind} (Graph refuses it); make it eligible"
        else:
            continue
        errors.append(f"{item.location}: {group.display_name}: {item.principal}: {why}")
    return errors


def section_diff(
    section: CompiledRole,
    role: RoleDefinition,
    tenant: TenantState,
    resolver: Resolver,
    now: datetime,
    resolved: dict[str, RoleSettings],
) -> Found:
    """One section against its group target's policy and live schedules."""
    settings, errors = resolve_settings(
        section.settings, resolver, role.display_name, section, role.id
    )
    resolved[role.id] = settings
    rows = list(tenant.assignments_of(role.id))
    changes: list[Change] = []
    notes: list[str] = []
    policy = tenant.policy_of(role.id)
    if policy is None:
        why = tenant.policy_errors.get(role.id, NO_GROUP_POLICY)
        name = title(role.id, role.display_name)
        errors.append(f"{section.location}: {name}: cannot read its PIM policy: {why}")
    else:
        changes = _setting_changes(role, settings, policy.settings, tenant)
        written = activation_out_of_range(section)
        if written is not None and "activation.max_duration" in {c.path for c in changes}:
            errors.append(f"{written.location}: {written.message}")
        notes = tightening_warnings(role, settings, policy.settings, rows)
    errors += later_starts(section, role, now)
    index = {a.key: a for a in rows}
    found, problems, more = _assignment_changes(section, role, index, rows, resolver, now)
    notes += more + deleted_principals(role, rows, tenant)
    return [retargeted(c) for c in changes + found], errors + problems, notes


def group_diffs(
    desired: DesiredState,
    tenant: TenantState,
    resolver: Resolver,
    now: datetime,
    resolved: dict[str, RoleSettings],
) -> Found:
    """Every managed group's sections: (changes, errors, plan notes); ``resolved`` gets each
    section's desired settings by group target."""
    groups, errors = managed_groups(desired, resolver)  # in file order
    changes: list[Change] = []
    notes: list[str] = []
    for index, group in groups.items():
        for access, section in sorted(desired.groups[index].sections.items()):
            unread = unread_schedules(section, group, tenant)
            if unread is not None:
                errors.append(unread)
                continue
            found, problems, more = section_diff(
                section, target_role(group, access), tenant, resolver, now, resolved
            )
            changes += found
            errors += problems + nesting_errors(section, group, access, resolver)
            notes += more
    return changes, errors, notes
