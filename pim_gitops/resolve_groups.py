"""The managed groups of a desired state as the tenant resolves them: each group file's
``group:`` → the tenant's group (``Resolver.group``), each section → its policy target
(``targets.group_target``). A ``group:`` that does not resolve, or two files that resolve to
one group (a name in one, the object id in the other), is an error at the file's
``group:`` (``file:line:col: message``), never dropped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pim_gitops.compile import CompiledGroup, CompiledRole, DeclaredAssignment, DesiredState
from pim_gitops.resolve import Resolver
from pim_gitops.state import Principal
from pim_gitops.targets import Access, address_prefix, group_target


@dataclass(frozen=True, slots=True)
class ManagedSection:
    """One managed ``member`` or ``owner`` section of a resolved group."""

    #: ``group:<gid>/<access>``: where a directory role's id goes (policy, assignments, plan).
    target: str
    group: Principal
    access: Access
    section: CompiledRole
    compiled: CompiledGroup

    @property
    def name(self) -> str:
        """The group's display name (what a plan's ``RoleRef.name`` says), else its id."""
        return self.group.display_name or self.group.id


def managed_groups(
    desired: DesiredState, resolver: Resolver
) -> tuple[dict[int, Principal], list[str]]:
    """Each compiled group's tenant group (by index in ``desired.groups``), and the errors:
    unresolved ``group:`` and two files of one group, each naming both places."""
    found: dict[int, Principal] = {}
    errors: list[str] = []
    first: dict[str, CompiledGroup] = {}
    by_place = sorted(enumerate(desired.groups), key=lambda pair: pair[1].location)
    for index, compiled in by_place:
        group = resolver.group(compiled.written)
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
        found[index] = group
    return found, sorted(errors)


def managed_sections(
    desired: DesiredState, resolver: Resolver
) -> tuple[list[ManagedSection], list[str]]:
    """Every managed section of every group that resolves, sorted by target, and the errors
    of ``managed_groups``."""
    groups, errors = managed_groups(desired, resolver)
    sections = [
        ManagedSection(group_target(group.id, access), group, access, section, compiled)
        for index, group in groups.items()
        for compiled in (desired.groups[index],)
        for access, section in compiled.sections.items()
    ]
    return sorted(sections, key=lambda s: s.target), errors


def grant_principal(
    item: DeclaredAssignment,
    managed: ManagedSection,
    resolver: Resolver,
    declared: Mapping[tuple[str, str], DeclaredAssignment],
) -> Principal | str:
    """The principal of a section's grant, or a located error: not found, not a user or a
    group (PIM for Groups grants membership and ownership to users and groups), the group
    itself, or one principal declared twice (``declared``: ``(principal id, kind)`` → the
    first declaration of this section) under two spellings."""
    head = f"{item.location}: {address_prefix(managed.target, managed.name)}"
    found = resolver.principal(item.principal)
    if isinstance(found, str):
        return f"{head}: {found}"
    if found.type not in ("user", "group"):
        return (
            f"{head}: {item.principal} is a {found.type}; PIM for Groups grants membership "
            "and ownership to users and groups"
        )
    if found.id == managed.group.id:
        return f"{head}: {item.principal} is the group itself"
    first = declared.get((found.id, item.kind))
    if first is not None:
        return (
            f"{head}: {item.principal} and {first.principal} (at {first.location}) are the "
            f"same principal ({found.id}), declared twice as {item.kind}"
        )
    return found
