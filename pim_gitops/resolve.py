"""Policy references (``user:UPN``, ``group:name``, ``sp:appId``, object ids, role names) →
the tenant's objects, with an error message when a reference does not resolve or is
ambiguous."""

from __future__ import annotations

from pim_gitops.compile import CompiledRole
from pim_gitops.state import Principal, RoleDefinition, TenantState
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
