"""Group policy files → ``CompiledGroup``: each ``member:`` / ``owner:`` section compiled as
a role file is, over Entra's defaults **for groups** (``group_defaults.py``) ⊕ ``defaults`` ⊕
``group_defaults`` ⊕ the section's template chain ⊕ the section; checked as a role is
(settings Graph refuses, assignments the section's own policy forbids, a principal declared
twice); two files naming one group (as written) are an error naming both."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from pim_gitops.errors import PolicyError, PolicySchemaError
from pim_gitops.group_defaults import ENTRA_GROUP_DEFAULT_SETTINGS
from pim_gitops.loader import PolicySet, SourceMap
from pim_gitops.model_groups import GroupFile, GroupSection
from pim_gitops.targets import ACCESSES, Access
from pim_gitops.wire import is_guid

from .checks import check_compiled, declare_assignment
from .layers import compiled_role, tenant_layers
from .merge import Layer, entra_layer, merge_layers
from .types import ENTRA_GROUP_DEFAULT, ROLE_LAYER, CompiledGroup, CompiledRole, RoleRef

#: Entra's group defaults as the bottom layer of a group section's merge.
ENTRA_GROUP_LAYER = entra_layer(ENTRA_GROUP_DEFAULT_SETTINGS)


def group_ref(written: str) -> RoleRef:
    """The group as a section's ``CompiledRole.ref`` names it: the object id when a GUID is
    written, and the name written (``RoleRef.key`` tells two files of one group apart)."""
    text = written.strip()
    return RoleRef(text, text.lower() if is_guid(text) else None, text)


def _compile_section(
    group: GroupFile,
    access: Access,
    section: GroupSection,
    source: SourceMap,
    policy: PolicySet,
    errors: list[PolicyError],
) -> CompiledRole | None:
    where = source.value((access, "template"))
    below, chain, problem = tenant_layers(section.template, where, policy, group=True)
    if problem is not None:
        errors.append(problem)
        if policy.tenant is not None:
            return None  # a broken chain: the section's settings are unknown
    layers = [*below, Layer(section, source, (access,), ROLE_LAYER)]
    merged = merge_layers(layers, ENTRA_GROUP_LAYER, ENTRA_GROUP_DEFAULT)
    grants = section.assignments
    assignments = tuple(
        [
            declare_assignment(s, "eligible", i, source, (access,))
            for i, s in enumerate(grants.eligible)
        ]
        + [
            declare_assignment(s, "active", i, source, (access,))
            for i, s in enumerate(grants.active)
        ]
    )
    head = (group_ref(group.group), source.path, source.key((access,)))
    declared = (assignments, section.assignments_mode, section.waivers)
    return compiled_role(head, chain, declared, merged, layers)


def _compile_group(
    group: GroupFile, source: SourceMap, policy: PolicySet, now: datetime, errors: list[PolicyError]
) -> tuple[CompiledGroup, list[PolicyError]]:
    sections: dict[Access, CompiledRole] = {}
    warnings: list[PolicyError] = []
    for access in ACCESSES:
        section = group.member if access == "member" else group.owner
        if section is None:
            continue
        compiled = _compile_section(group, access, section, source, policy, errors)
        if compiled is None:
            continue
        problems, notes = check_compiled(compiled, now, policy.tenant is not None)
        errors.extend(problems)
        warnings.extend(notes)
        sections[access] = compiled
    found = CompiledGroup(
        written=group.group.strip(),
        file=source.path,
        location=source.key(("group",)),
        sections=MappingProxyType(sections),
    )
    return found, warnings


def compile_groups(
    policy: PolicySet, now: datetime, errors: list[PolicyError]
) -> tuple[list[CompiledGroup], list[PolicyError]]:
    """Every group file of ``policy``, sorted by file; problems are appended to ``errors``.
    Two files whose ``group:`` is the same (name, any case; or object id) are an error at the
    second; two spellings of one group (a name and its id) are caught at plan time
    (``resolve_groups.managed_groups``)."""
    compiled: list[CompiledGroup] = []
    warnings: list[PolicyError] = []
    first: dict[str, CompiledGroup] = {}
    for group_file, source in policy.groups:
        group, notes = _compile_group(group_file, source, policy, now, errors)
        key = group_ref(group.written).key
        if key in first:
            message = f"group {group.written!r} is already managed by {first[key].location}"
            errors.append(PolicySchemaError(group.location, message))
            continue
        first[key] = group
        warnings.extend(notes)
        compiled.append(group)
    return sorted(compiled, key=lambda g: g.file), warnings
