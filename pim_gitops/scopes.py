"""Directory scopes of role assignments: the whole tenant (``/``) and administrative units.

A scope is written ``/``, ``/administrativeUnits/<id>`` or ``administrative_unit:<name or
id>`` (``values.check_scope``) and resolved here, against the tenant's administrative units,
to the ``directoryScopeId`` Graph writes. An assignment is keyed by (role, principal, scope,
kind), so each scope is its own key and its own plan address:
``role["User Administrator"].eligible["user:a@b.c"@"administrative_unit:Paris"]``.

A role file's ``managed_scopes`` (default ``['/']``) are the scopes it manages: in
authoritative mode an undeclared assignment there is removed. An undeclared assignment at
any other scope is listed as unmanaged and never touched, so a file written before
``managed_scopes`` existed never removes a scoped assignment; a declaration at such a scope
is created and kept, and the plan notes that deleting it will not remove it. App scopes
(``/<appObjectId>``) and single-object scopes are never managed (``docs/policy-reference.md``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from pim_gitops.errors import Location
from pim_gitops.roles import AU_SCOPE_SOURCE, scopable_to_administrative_unit
from pim_gitops.state import AdministrativeUnit, Assignment, RoleDefinition
from pim_gitops.values import AU_PATH, AU_PREFIX, SCOPE_PATTERN, check_scope
from pim_gitops.wire import is_guid

ROOT = "/"
#: ``managed_scopes: all``: the tenant and every administrative unit.
ALL = "all"
Units = Mapping[str, AdministrativeUnit] | None


@dataclass(frozen=True, slots=True)
class ManagedScopes:
    """A role file's ``managed_scopes`` as written: every scope (``all``), or a list of
    scopes with where each is written."""

    every: bool = False
    written: tuple[str, ...] = (ROOT,)
    locations: tuple[Location, ...] = ()

    def location(self, index: int) -> Location:
        return self.locations[index] if index < len(self.locations) else Location("")


#: What a role file without ``managed_scopes`` manages: the whole tenant only.
DEFAULT_MANAGED = ManagedScopes()


@dataclass(frozen=True, slots=True)
class Managed:
    """Resolved managed scopes: ``None`` for every scope, else ``directoryScopeId``s."""

    paths: frozenset[str] | None

    def covers(self, scope: str) -> bool:
        return self.paths is None or canonical(scope) in self.paths

    def only(self, rows: Iterable[Assignment]) -> list[Assignment]:
        """The assignments at the scopes managed."""
        return [a for a in rows if self.covers(a.scope)]

    def others(self, rows: Iterable[Assignment]) -> list[Assignment]:
        """The assignments at scopes not managed (listed, never touched)."""
        return [a for a in rows if not self.covers(a.scope)]

    def shown(self) -> str:
        return ALL if self.paths is None else str(sorted(self.paths))


#: What a file without ``managed_scopes`` manages, resolved.
TENANT_WIDE = Managed(frozenset({ROOT}))


def check_managed_scopes(value: object) -> object:
    """``managed_scopes`` as YAML wrote it: ``all`` (kept as ``("all",)``) or a non-empty
    list of scopes (each checked by ``check_managed_scope``)."""
    if value == ALL:
        return (ALL,)
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected all or a list of scopes, got {value!r}")
    if not value:
        raise ValueError("write at least one scope (['/'] is the default), or all")
    if ALL in value and len(value) > 1:
        raise ValueError("all stands alone: write `managed_scopes: all` or a list of scopes")
    return value


def check_managed_scope(value: object) -> str:
    """One entry of ``managed_scopes``: a scope (``values.check_scope``), or ``all``."""
    return ALL if value == ALL else check_scope(value)


def au_id(scope: str) -> str | None:
    """The administrative unit's id of ``/administrativeUnits/<id>``; ``None`` otherwise."""
    return scope[len(AU_PATH) :] if scope.startswith(AU_PATH) else None


def canonical(scope: str) -> str:
    """A ``directoryScopeId`` with its administrative unit's id in lower case."""
    unit_id = au_id(scope)
    return scope if unit_id is None else AU_PATH + unit_id.lower()


def _by_id(units: Mapping[str, AdministrativeUnit], unit_id: str) -> AdministrativeUnit | None:
    found = units.get(unit_id) or units.get(unit_id.lower())
    if found is not None:
        return found
    return next((u for u in units.values() if u.id.lower() == unit_id.lower()), None)


def units_named(units: Mapping[str, AdministrativeUnit], name: str) -> list[AdministrativeUnit]:
    """The administrative units of this display name (case-insensitive), sorted by id."""
    wanted = name.casefold()
    return sorted((u for u in units.values() if u.display_name.casefold() == wanted), key=_id)


def _id(unit: AdministrativeUnit) -> str:
    return unit.id


def resolve_scope(scope: str, units: Units) -> tuple[str, None] | tuple[None, str]:
    """A declared scope as Graph writes it (``/``, ``/administrativeUnits/<id>``), or an
    error message. By name it needs the tenant's administrative units (``None``: not read,
    so it fails closed); by id it must exist when they were read."""
    unit_id = au_id(scope)
    if scope == ROOT or (unit_id is not None and units is None):
        return scope, None
    if unit_id is not None:
        assert units is not None
        found = _by_id(units, unit_id)
        if found is None:
            return None, f"scope {scope!r}: administrative unit {unit_id} was not found"
        return AU_PATH + found.id.lower(), None
    name = scope.removeprefix(AU_PREFIX)
    if units is None:
        return None, (  # not read (a snapshot taken without them)
            f"scope {scope!r}: administrative unit {name!r} cannot be resolved by name; "
            f"write its object id ({AU_PATH}<id>)"
        )
    matches = units_named(units, name)
    if not matches:
        return None, f"scope {scope!r}: no administrative unit is named {name!r}"
    if len(matches) > 1:
        ids = ", ".join(u.id for u in matches)
        return None, (
            f"scope {scope!r} is ambiguous: {len(matches)} administrative units are named "
            f"{name!r} ({ids}); write the object id ({AU_PATH}<id>)"
        )
    return AU_PATH + matches[0].id.lower(), None


def scope_label(scope: str, units: Units) -> str:
    """How a policy file names a ``directoryScopeId``: ``administrative_unit:<name>`` where
    that name reads back as this unit and no other, else the scope itself."""
    unit_id = au_id(scope)
    if unit_id is None or units is None:
        return scope
    found = _by_id(units, unit_id)
    if found is None:
        return scope
    label = AU_PREFIX + found.display_name
    try:
        written = check_scope(label)
    except ValueError:
        return scope
    if is_guid(found.display_name) or written != label:
        return scope
    same = resolve_scope(label, units)[0]
    return label if same is not None and same == canonical(scope) else scope


def assignment_key(principal_ref: str, label: str) -> str:
    """The bracketed part of an assignment's address: ``"user:a@b.c"`` at ``/``, else
    ``"user:a@b.c"@"administrative_unit:Paris"`` (each scope its own key)."""
    head = f'"{principal_ref}"'
    return head if label == ROOT else f'{head}@"{label}"'


def address_scope(address: str) -> str | None:
    """The scope an assignment's address carries after ``@``
    (``…["user:a@b.c"@"administrative_unit:Paris"]`` → ``administrative_unit:Paris``);
    ``None`` for a tenant-wide one (the inverse of ``assignment_key``)."""
    _, found, tail = address.rpartition('"@"')
    return tail[: -len('"]')] if found and tail.endswith('"]') else None


def role_scope_problem(role: RoleDefinition, scope: str) -> str | None:
    """Why Graph refuses this role at this (resolved) scope; ``None`` when it does not."""
    if au_id(scope) is None or scopable_to_administrative_unit(role.template_id, role.is_builtin):
        return None
    return not_scopable(role.display_name, scope)


def not_scopable(role_name: str, scope: str) -> str:
    return (
        f"{role_name} cannot be assigned at an administrative unit's scope ({scope}): "
        f"Graph allows only the roles listed at {AU_SCOPE_SOURCE}, and custom roles"
    )


def resolve_managed(
    managed: ManagedScopes, units: Units, role: RoleDefinition
) -> tuple[Managed, list[str]]:
    """A role file's managed scopes as ``directoryScopeId``s, and located errors (a scope
    that does not resolve, or one the role cannot be assigned at). An entry in error
    manages nothing: nothing there is removed (fail closed)."""
    if managed.every:
        return Managed(None), []
    paths: set[str] = set()
    errors: list[str] = []
    for index, written in enumerate(managed.written):
        where = f"{managed.location(index)}: {role.display_name}: managed_scopes"
        path, problem = resolve_scope(written, units)
        if path is None:
            errors.append(f"{where}: {problem}")
            continue
        problem = role_scope_problem(role, path)
        if problem is not None:
            errors.append(f"{where}: {problem}")
            continue
        paths.add(canonical(path))
    return Managed(frozenset(paths)), errors


def outside_managed(label: str, managed: Managed) -> str:
    """What a declaration at an unmanaged scope means, and the fix."""
    return (
        f"scope {label!r} is not among this file's managed_scopes ({managed.shown()}): the "
        f"assignment is created and kept, but undeclared assignments there are never removed, "
        f"nor this one once its lines are deleted; add it to `managed_scopes` to manage the "
        f"scope"
    )


#: ``managed_scopes``: ``all`` (kept as ``("all",)``) or a non-empty list of scopes.
ManagedScopesField = Annotated[
    tuple[Annotated[str, BeforeValidator(check_managed_scope)], ...],
    BeforeValidator(check_managed_scopes),
    WithJsonSchema(
        {
            "oneOf": [
                {"const": "all", "description": "the tenant and every administrative unit"},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": SCOPE_PATTERN},
                    "description": "scopes: '/', 'administrative_unit:<name or id>', "
                    "'/administrativeUnits/<id>'",
                },
            ]
        }
    ),
]
