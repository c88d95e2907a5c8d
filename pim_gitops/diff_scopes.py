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


def scope_problem(
    item: DeclaredAssignment, role: RoleDefinition, resolver: Resolver, managed: Managed
) -> str | None:
    """A located error for a (resolved) declared scope: a role Graph does not assign at an
    administrative unit, or a scope outside the file's ``managed_scopes``."""
    problem = role_scope_problem(role, item.scope)
    if problem is not None:
        return f"{item.location}: {item.principal}: {problem}"
    if managed.covers(item.scope):
        return None
    label = scope_label(item.scope, resolver.tenant.administrative_units)
    return f"{item.location}: {role.display_name}: {outside_managed(label, managed)}"


def assignment_address(role: RoleDefinition, kind: str, ref: str, scope: str, r: Resolver) -> str:
    """``role["<name>"].<kind>["<principal>"]``, with ``@"<scope>"`` inside the brackets
    at any scope but ``/``."""
    label = scope_label(scope, r.tenant.administrative_units)
    return f'role["{role.display_name}"].{kind}[{assignment_key(ref, label)}]'
