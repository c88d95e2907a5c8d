"""Policy references (``user:UPN``, ``group:name``, ``sp:appId``, object ids, role names) →
the tenant's objects, with an error message when a reference does not resolve or is
ambiguous."""

from __future__ import annotations

from dataclasses import dataclass

from pim_gitops.compile import CompiledRole, DesiredState
from pim_gitops.state import Principal, RoleDefinition, TenantState
from pim_gitops.values import AU_PATH, AU_PREFIX
from pim_gitops.wire import is_guid


class Resolver:
    """Policy references → tenant objects."""

    def __init__(self, tenant: TenantState) -> None:
        self.tenant = tenant
        self.by_upn: dict[str, Principal] = {}
        self.by_app: dict[str, Principal] = {}
        self.groups: dict[str, list[Principal]] = {}
        for p in tenant.principals.values():
            if p.user_principal_name:
                self.by_upn[p.user_principal_name.lower()] = p
            if p.app_id:
                self.by_app[p.app_id.lower()] = p
            if p.type == "group" and p.display_name:
                self.groups.setdefault(p.display_name.casefold(), []).append(p)

    def principal(self, ref: str) -> Principal | str:
        """The principal, or an error message."""
        kind, _, value = ref.partition(":")
        found: Principal | None = None
        if kind == "user" and is_guid(value):
            return f"{ref}: user: takes a UPN; write the object id without a prefix"
        if kind == "user" and value:
            found = self.by_upn.get(value.lower())
        elif kind == "sp" and value:
            found = self.by_app.get(value.lower())
        elif kind == "group" and value:
            matches = self.groups.get(value.casefold(), [])
            if len(matches) > 1:
                ids = ", ".join(sorted(m.id for m in matches))
                return f"{ref} is ambiguous: {len(matches)} groups have that name ({ids})"
            found = matches[0] if matches else None
        elif is_guid(ref):
            found = self.tenant.principals.get(ref.lower()) or self.tenant.principals.get(ref)
        if found is None:
            return f"principal {ref} was not found in the tenant"
        return found

    def role(self, compiled: CompiledRole) -> RoleDefinition | None:
        if compiled.ref.id:
            return self.tenant.role_by_template(compiled.ref.id)
        name = (compiled.ref.display_name or compiled.ref.written).casefold()
        for role in self.tenant.roles.values():
            if role.display_name.casefold() == name:
                return role
        return None

    def scope(self, scope: str) -> tuple[str, None] | tuple[None, str]:
        """A declared scope as Graph writes it (``/``, ``/administrativeUnits/<id>``), or an
        error message. Administrative units by name are not resolved yet (the tenant state
        holds no administrative units), so they fail closed."""
        if scope == "/" or scope.startswith(AU_PATH):
            return scope, None
        name = scope.removeprefix(AU_PREFIX)
        return None, (
            f"scope {scope!r}: administrative unit {name!r} cannot be resolved by name; "
            f"write its object id ({AU_PATH}<id>)"
        )


@dataclass(frozen=True)
class GuardRefs:
    """The guarded identities as the tenant resolves them, and every reference that did
    not resolve (``file:line:col: message``): guards never drop one silently."""

    break_glass: tuple[str, ...]
    apply_identity: str | None
    errors: tuple[str, ...]


def resolve_guard_refs(desired: DesiredState, resolver: Resolver) -> GuardRefs:
    """Object ids of the break-glass accounts and the apply identity; fail closed."""
    ids: dict[str, int] = {}
    errors: list[str] = []
    for index, ref in enumerate(desired.break_glass):
        found = resolver.principal(ref)
        where = desired.break_glass_location(index)
        if isinstance(found, str):
            errors.append(f"{where}: break_glass: {found}")
        elif found.id in ids:
            first = desired.break_glass_location(ids[found.id])
            errors.append(f"{where}: break_glass: {ref} is {found.id}, already listed at {first}")
        else:
            ids[found.id] = index
    identity: str | None = None
    if desired.apply_identity:
        found = resolver.principal(desired.apply_identity)
        if isinstance(found, str):
            errors.append(f"{desired.apply_identity_at()}: apply_identity: {found}")
        else:
            identity = found.id
    return GuardRefs(tuple(sorted(ids)), identity, tuple(errors))
