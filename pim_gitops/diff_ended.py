"""Declarations whose end has passed: the plan never creates nor re-creates them, notes
them, and brings a tenant that still holds one to the file.

The end is the repository's (``expires``, or ``start`` + ``duration``): Graph stops listing
a schedule once it has ended, so the tenant cannot say when a missing grant ended. A live
schedule with a later end was extended outside the repository (in the portal): in
authoritative mode it is left undeclared, so the plan removes it; an additive role never
removes, so the note says how to. A live schedule that ends with the declaration (within
the differ's tolerance) is left to end by itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pim_gitops.compile import CompiledRole, DeclaredAssignment
from pim_gitops.compile.checks import ended_message
from pim_gitops.resolve import Resolver
from pim_gitops.state import Assignment, RoleDefinition
from pim_gitops.wire import format_instant

AssignmentKey = tuple[str, str, str, str]


def has_ended(item: DeclaredAssignment, now: datetime) -> bool:
    """Ends at or before now (exactly now counts as ended)."""
    return item.end is not None and item.end <= now


@dataclass(frozen=True)
class Ended:
    """The plan note of an ended declaration, and the live key it still covers (``None``:
    nothing live, or a later live end that authoritative mode removes)."""

    note: str
    keep: AssignmentKey | None


def _extended(live: Assignment, additive: bool) -> str:
    until = "no end" if live.end is None else f"until {format_instant(live.end)}"
    head = f"; the tenant still holds it, {until} (extended outside the repository)"
    if additive:
        return (
            f"{head}: an additive role never removes, so remove it in the tenant or set the "
            "role to `assignments_mode: authoritative` to have the plan remove it"
        )
    return f"{head}: the plan removes it"


def _outlives(live: Assignment, item: DeclaredAssignment) -> bool:
    """A later live end, beyond the differ's tolerance (imported here: ``diff`` imports
    this module)."""
    from pim_gitops.diff import same_instant

    assert item.end is not None
    return live.end is None or (live.end > item.end and not same_instant(live.end, item.end))


def ended_declaration(
    compiled: CompiledRole,
    role: RoleDefinition,
    item: DeclaredAssignment,
    live: Mapping[AssignmentKey, Assignment],
    resolver: Resolver,
) -> Ended:
    """The note of a declaration that has ended, and what it keeps from removal."""
    note = f"{item.location}: {ended_message(compiled, item)}"
    found = resolver.principal(item.principal)
    if isinstance(found, str):
        return Ended(note, None)
    key: AssignmentKey = (role.id, found.id, item.scope, item.kind)
    current = live.get(key)
    if current is None:
        return Ended(note, None)
    if not _outlives(current, item):
        return Ended(note, key)  # ends with the declaration: left to end by itself
    additive = compiled.assignments_mode == "additive"
    return Ended(note + _extended(current, additive), None)
