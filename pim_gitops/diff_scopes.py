"""The differ's scope rules (``scopes.py``): a declaration's scope resolved to the
``directoryScopeId`` it is keyed by, refused where Graph or the file's ``managed_scopes``
do not allow it, and the live assignments a role file does not manage (listed, never
touched)."""

from __future__ import annotations

from dataclasses import replace

from pim_gitops.compile import DeclaredAssignment
from pim_gitops.resolve import Resolver
from pim_gitops.scopes import (
    Managed,
    assignment_key,
    outside_managed,
    role_scope_problem,
    scope_label,
)
from pim_gitops.state import RoleDefinition


def resolved_item(item: DeclaredAssignment, resolver: Resolver) -> DeclaredAssignment:
    """The declaration with its scope as Graph writes it, where the scope resolves (one
    that does not is refused by ``resolve.declared_principal``, at its place)."""
    path, _ = resolver.scope(item.scope)
    return item if path is None or path == item.scope else replace(item, scope=path)


def scope_problem(item: DeclaredAssignment, role: RoleDefinition) -> str | None:
    """A located error for a (resolved) declared scope: a role Graph does not assign at an
    administrative unit."""
    problem = role_scope_problem(role, item.scope)
    return None if problem is None else f"{item.location}: {item.principal}: {problem}"


def unmanaged_scope_note(
    item: DeclaredAssignment, role: RoleDefinition, resolver: Resolver, managed: Managed
) -> str | None:
    """A declaration at a scope outside the file's ``managed_scopes`` is created and kept
    like any other, but nothing there is ever removed, not even this assignment once its
    lines are deleted: the plan says so, with the fix. (Refusing it instead would make a
    file that declared a scoped assignment before ``managed_scopes`` existed stop planning.)"""
    if managed.covers(item.scope):
        return None
    label = scope_label(item.scope, resolver.tenant.administrative_units)
    return f"{item.location}: {role.display_name}: {outside_managed(label, managed)}"


def declared_scope(
    found: object, item: DeclaredAssignment, role: RoleDefinition, r: Resolver, managed: Managed
) -> tuple[str | None, str | None]:
    """(error, plan note) of a declaration whose principal resolved to ``found`` (an error
    message when it did not): the principal's or the scope's error, and the note of a scope
    outside ``managed_scopes``."""
    if isinstance(found, str):
        return found, None
    problem = scope_problem(item, role)
    return problem, None if problem else unmanaged_scope_note(item, role, r, managed)


def assignment_address(role: RoleDefinition, kind: str, ref: str, scope: str, r: Resolver) -> str:
    """``role["<name>"].<kind>["<principal>"]``, with ``@"<scope>"`` inside the brackets
    at any scope but ``/``."""
    label = scope_label(scope, r.tenant.administrative_units)
    return f'role["{role.display_name}"].{kind}[{assignment_key(ref, label)}]'
