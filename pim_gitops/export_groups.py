"""Export of PIM for Groups: ``groups/<slug>.yaml`` for each group worth managing, and the
``group_defaults:`` of ``pim.yaml``.

**Which groups.** A group whose member or owner policy was read (``TenantState.group_policies``)
and that either has a policy that differs from Entra's group defaults, or has PIM-for-Groups
assignments, or is a role-assignable group holding a directory role. A section (``member:``,
``owner:``) is written only when its policy was read: an absent section is not managed, so
nothing unknown is claimed. A group whose schedules were not read (not in
``pim_groups_read``) gets ``assignments_mode: additive`` and a comment: its grants are unknown,
so the export cannot declare them, and an authoritative section would remove them.

**Layers.** A group section compiles over Entra's group defaults ⊕ ``defaults`` (the roles'
export) ⊕ ``group_defaults`` ⊕ the section (``compile/groups.py``). ``group_defaults`` holds,
per setting, the value most sections have where it differs from what Entra and ``defaults``
give; each section holds what still differs. Where ``defaults`` sets an authentication
context that some section does not have, ``group_defaults`` writes it back to ``null``
(Entra's), the one ``null`` an export may write. Approval that ``defaults`` leaves implied by
its approvers follows the approvers in effect, as the compiler reads it: a section states
``approval.required`` wherever that would give another value than the tenant's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pim_gitops.export_layers import (
    APPROVERS,
    REQUIRED,
    Flat,
    common_values,
    differing,
    frozen,
    nest,
)
from pim_gitops.group_defaults import ENTRA_GROUP_DEFAULT_SETTINGS
from pim_gitops.model_groups import GroupName
from pim_gitops.resolve import Resolver
from pim_gitops.state import Assignment, Principal, RoleSettings, TenantState
from pim_gitops.targets import ACCESSES, Access, group_target
from pim_gitops.wire import is_guid
from pim_gitops.yamlwrite import checked, dump, eol, line, safe_comment

GROUP_SCHEMA = "policy-group.schema.json"
CONTEXT = ("activation", "authentication_context")
#: ``group_defaults`` holds a value only when at least this many sections share it.
MIN_SHARED = 2
_GROUP_NAME: TypeAdapter[str] = TypeAdapter(GroupName)
#: A role's settings as flat policy words (``export._settings_words`` bound to its names).
Words = Callable[[RoleSettings], Flat]
#: ``export._assignment_lines`` bound to its names and the adoption date.
AssignmentLines = Callable[[tuple[Assignment, ...]], tuple[list[str], dict[str, Any]]]


@dataclass(frozen=True)
class ExportedGroup:
    group: Principal
    #: The sections whose policy was read, with their settings words.
    sections: dict[Access, Flat]
    schedules_read: bool
    #: Each section's PIM grants whose principal the tenant knows.
    assignments: dict[Access, tuple[Assignment, ...]]
    #: Each section's service principals with a grant (a direct member): a group file
    #: cannot declare them (``sp:`` is refused), so the section is written additive.
    service_principals: dict[Access, tuple[str, ...]] = field(default_factory=dict)


def _holds_role(tenant: TenantState, group_id: str) -> bool:
    return any(a.principal_id == group_id for a in tenant.assignments) or any(
        r.principal_id == group_id for r in tenant.role_assignments
    )


def _grants(tenant: TenantState, target: str) -> tuple[Assignment, ...]:
    """A target's grants, leaving out a deleted principal's lingering schedule (as roles)
    and a service principal's (``_service_principals``)."""
    return tuple(
        a
        for a in tenant.assignments_of(target)
        if a.principal_id in tenant.principals
        and tenant.principals[a.principal_id].type != "servicePrincipal"
    )


def _service_principals(tenant: TenantState, target: str) -> tuple[str, ...]:
    found = (tenant.principals.get(a.principal_id) for a in tenant.assignments_of(target))
    return tuple(sorted({p.reference for p in found if p and p.type == "servicePrincipal"}))


def selected_groups(tenant: TenantState, words: Words) -> list[ExportedGroup]:
    """The groups the export writes (the module docstring), sorted by name and id."""
    entra = words(ENTRA_GROUP_DEFAULT_SETTINGS)
    found: list[ExportedGroup] = []
    for group in tenant.principals.values():
        if group.type != "group":
            continue
        sections = {
            access: words(policy.settings)
            for access in ACCESSES
            if (policy := tenant.group_policies.get(group_target(group.id, access))) is not None
        }
        held = {a: _grants(tenant, group_target(group.id, a)) for a in sections}
        sps = {a: _service_principals(tenant, group_target(group.id, a)) for a in sections}
        granted = any(held.values()) or any(sps.values())
        differs = any(flat != entra for flat in sections.values())
        role_holder = bool(group.is_assignable_to_role) and _holds_role(tenant, group.id)
        if sections and (differs or granted or role_holder):
            read = group.id.lower() in tenant.pim_groups_read
            found.append(ExportedGroup(group, sections, read, held, sps))
    return sorted(found, key=lambda g: (g.group.display_name.casefold(), g.group.id))


def _stated_approval(flat: Flat, own: Flat, above: Flat, stated_below: bool) -> Flat:
    """``own`` with ``approval.required`` written where the compiler would get it wrong: no
    layer states it, so it follows the approvers in effect (on when there are any)."""
    if stated_below or REQUIRED in own:
        return own
    approvers = own.get(APPROVERS, above.get(APPROVERS))
    return own if bool(approvers) == flat.get(REQUIRED) else {**own, REQUIRED: flat[REQUIRED]}


def group_layers(
    groups: list[ExportedGroup], role_defaults: Flat, words: Words
) -> tuple[dict[str, Any], dict[tuple[str, Access], Flat]]:
    """``group_defaults`` (nested, maybe with a ``null``) and each section's own values."""
    below = {**words(ENTRA_GROUP_DEFAULT_SETTINGS), **role_defaults}
    per_section = {(g.group.id, a): flat for g in groups for a, flat in g.sections.items()}
    shared = {
        path: value
        for path, value in common_values(per_section, below).items()
        if sum(frozen(f.get(path)) == frozen(value) for f in per_section.values()) >= MIN_SHARED
    }
    tree = nest(shared)
    if CONTEXT in below and any(CONTEXT not in flat for flat in per_section.values()):
        shared.pop(CONTEXT, None)
        tree = nest(shared)
        tree.setdefault("activation", {})["authentication_context"] = None
        below = {p: v for p, v in below.items() if p != CONTEXT}
    above = {**below, **shared}
    stated = REQUIRED in role_defaults or REQUIRED in shared
    own = {
        key: _stated_approval(flat, differing(flat, above), above, stated)
        for key, flat in per_section.items()
    }
    return tree, own


def group_reference(group: Principal, resolver: Resolver) -> tuple[str, str]:
    """``group:`` as written (the display name where it reads back as this group alone,
    else the object id) and the comment beside it."""
    name = group.display_name
    clean = safe_comment(name)
    try:
        _GROUP_NAME.validate_python(name)
        usable = name == name.strip() and not is_guid(name)
    except ValidationError:
        usable = False
    found = resolver.group(name) if usable else None
    if isinstance(found, Principal) and found.id == group.id:
        return name, group.id
    return group.id, f"{clean} (by object id: the name does not read back as this group)"


def _section(
    access: Access, exported: ExportedGroup, own: Flat, assignment_lines: AssignmentLines
) -> tuple[list[str], dict[str, Any]]:
    """A section's lines (indented under ``member:`` / ``owner:``) and the data they hold."""
    data: dict[str, Any] = nest(own)
    sps = exported.service_principals.get(access, ())
    if not exported.schedules_read or sps:
        data["assignments_mode"] = "additive"
    lines = dump(data).rstrip("\n").split("\n") if data else []
    if exported.schedules_read and sps:
        names = safe_comment(", ".join(sps))
        lines.append(f"# additive: {names} cannot be declared in a group file, so none is removed")
    if exported.schedules_read:
        block, held = assignment_lines(exported.assignments[access])
        lines += block
        data.update(held)
    else:
        lines.append(f"# {access} grants were not read: additive, so none is removed")
    head = f"{access}:" if lines else f"{access}: {{}}"
    return [head, *("  " + x for x in lines)], data


def _held_roles(tenant: TenantState, group_id: str) -> list[str]:
    """A comment naming the directory roles the group holds (what its members reach)."""
    held = sorted(
        {
            f"{safe_comment(tenant.roles[a.role_id].display_name)} ({a.kind})"
            for a in tenant.assignments
            if a.principal_id == group_id and a.role_id in tenant.roles
        },
        key=str.casefold,
    )
    return [f"# holds: {', '.join(held)}"] if held else []


def group_file(
    path: str,
    exported: ExportedGroup,
    own: dict[Access, Flat],
    resolver: Resolver,
    assignment_lines: AssignmentLines,
) -> str:
    """One group's file, read back before it is returned."""
    written, comment = group_reference(exported.group, resolver)
    up = "../" * path.count("/")
    lines = [f"# yaml-language-server: $schema={up}schemas/{GROUP_SCHEMA}"]
    lines.append(line("group", written) + eol(comment))
    lines += _held_roles(resolver.tenant, exported.group.id)
    data: dict[str, Any] = {"group": written}
    for access in ACCESSES:
        if access not in exported.sections:
            lines.append(f"# {access}: not exported (its policy was not read)")
            continue
        block, data[access] = _section(access, exported, own[access], assignment_lines)
        lines += block
    return checked(path, "\n".join(lines) + "\n", data)


def group_paths(groups: list[ExportedGroup], slug: Callable[[str], str]) -> dict[str, str]:
    """Group id → ``groups/<slug>.yaml``, unique (case-insensitively) and never empty."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for exported in groups:
        group = exported.group
        base = slug(group.display_name)[:60].strip("-") or "group"
        name = base
        while name.casefold() in taken:
            name = f"{name}-{slug(group.id)}"
        taken.add(name.casefold())
        names[group.id] = f"groups/{name}.yaml"
    return names


def export_groups(
    tenant: TenantState,
    resolver: Resolver,
    role_defaults: Flat,
    words: Words,
    assignment_lines: AssignmentLines,
    slug: Callable[[str], str],
) -> tuple[dict[str, Any], dict[str, str]]:
    """``group_defaults`` for ``pim.yaml`` (empty: none) and the group files by path."""
    groups = selected_groups(tenant, words)
    if not groups:
        return {}, {}
    defaults, own = group_layers(groups, role_defaults, words)
    paths = group_paths(groups, slug)
    files = {
        paths[g.group.id]: group_file(
            paths[g.group.id],
            g,
            {a: own[(g.group.id, a)] for a in g.sections},
            resolver,
            assignment_lines,
        )
        for g in groups
    }
    return defaults, files


__all__ = ["GROUP_SCHEMA", "ExportedGroup", "export_groups", "group_reference"]
