"""Policy references (``user:UPN``, ``group:name``, ``sp:appId``, object ids, role names,
scopes) → the tenant's objects, with an error message when a reference does not resolve or
is ambiguous.

Identity is decided here, after resolving: two files whose ``role:`` resolve to one role,
or two declarations whose principals resolve to one object (UPN vs object id vs case), are
errors naming both places; a ``break_glass``, ``apply_identity``, approver or assignee that
does not resolve is an error at its ``file:line:col``, never dropped (fail closed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from pim_gitops.compile import CompiledRole, DeclaredAssignment, DesiredState, RoleRef
from pim_gitops.resolve_extensions import resolve_extensions
from pim_gitops.scopes import resolve_scope
from pim_gitops.state import (
    Principal,
    RoleDefinition,
    RoleSettings,
    TenantState,
)
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
            return self.not_found(ref)
        return found

    def not_found(self, ref: str) -> str:
        """Not in the tenant, or (a snapshot that never looked it up) not in the snapshot."""
        looked_up = self.tenant.looked_up
        if looked_up is None or ref.casefold() in looked_up:
            return f"principal {ref} was not found in the tenant"
        return (
            f"principal {ref} was not found in the snapshot (a principal who holds no role is "
            "in a snapshot only if its policy was given); take it with "
            "`pim-gitops snapshot --policy DIR`"
        )

    def group(self, written: str) -> Principal | str:
        """The group a group file's ``group:`` names (display name or object id), or an error
        message: not found, two groups of that name, or an object that is no group."""
        text = written.strip()
        if is_guid(text):
            found = self.tenant.principals.get(text.lower()) or self.tenant.principals.get(text)
            if found is None:
                return self.not_found(text).replace("principal", "group", 1)
        else:
            matches = self.groups.get(text.casefold(), [])
            if len(matches) > 1:
                ids = ", ".join(sorted(m.id for m in matches))
                return (
                    f"group {text!r} is ambiguous: {len(matches)} groups have that name "
                    f"({ids}); write the object id"
                )
            if not matches:
                missing = self.not_found(f"group:{text}").replace("principal group:", "group ", 1)
                return missing + self._closest_group(text)
            found = matches[0]
        if found.type != "group":
            return f"{text} is a {found.type}, not a group"
        return found

    def _closest_group(self, text: str) -> str:
        """``; did you mean 'PIM Tier0 Approvers'?`` for a group name one typo away, else ``""``."""
        import difflib

        names = sorted({p.display_name for m in self.groups.values() for p in m if p.display_name})
        close = difflib.get_close_matches(text, names, n=1, cutoff=0.8)
        return f"; did you mean {close[0]!r}?" if close else ""

    def role(self, compiled: CompiledRole) -> RoleDefinition | None:
        return self.role_of(compiled.ref)

    def role_of(self, ref: RoleRef) -> RoleDefinition | None:
        """The tenant's role a policy file names: by template or object id, else by its
        one role of that display name."""
        if ref.id:
            return self.tenant.role_by_template(ref.id)
        matches = self.roles_named(ref.display_name or ref.written)
        return matches[0] if len(matches) == 1 else None  # two roles of one name: neither

    def roles_named(self, name: str) -> list[RoleDefinition]:
        """The tenant's roles with this display name (case-insensitive), sorted by id."""
        wanted = name.strip().casefold()
        found = (r for r in self.tenant.roles.values() if r.display_name.casefold() == wanted)
        return sorted(found, key=lambda r: r.id)

    def scope(self, scope: str) -> tuple[str, None] | tuple[None, str]:
        """A declared scope as Graph writes it (``/``, ``/administrativeUnits/<id>``), or an
        error message: an administrative unit by name or id through the tenant's
        administrative units (``scopes.resolve_scope``; by name it fails closed when they
        were not read)."""
        return resolve_scope(scope, self.tenant.administrative_units)


def resolve_settings(
    settings: RoleSettings,
    resolver: Resolver,
    role_label: str,
    compiled: CompiledRole | None = None,
    target: str | None = None,
) -> tuple[RoleSettings, list[str]]:
    """Approver references → ``user:<id>`` / ``group:<id>``, custom extension names → ids
    (``resolve_extensions``; ``target``, the role id or group target, checks each extension's
    kind); one that does not resolve is an error at the place it is
    written (when ``compiled`` says where)."""
    errors: list[str] = []
    resolved: list[str] = []
    for ref in settings.activation.approvers:
        found = resolver.principal(ref)
        where = f"{compiled.approver_location(ref)}: " if compiled is not None else ""
        if isinstance(found, str):
            errors.append(f"{where}{role_label}: approver {found}")
        elif found.type not in ("user", "group"):
            errors.append(
                f"{where}{role_label}: approver {ref} is a {found.type}, not a user or group"
            )
        else:
            resolved.append(f"{found.type}:{found.id}")
    # Approvers are a set, kept only while approval is on (as ``make_activation`` keeps them).
    approvers = tuple(sorted(set(resolved))) if settings.activation.approval_required else ()
    activation = replace(settings.activation, approvers=approvers)
    settings, problems = resolve_extensions(
        replace(settings, activation=activation), resolver.tenant, role_label, compiled, target
    )
    return settings, errors + problems


def declared_principal(
    item: DeclaredAssignment,
    role: RoleDefinition,
    resolver: Resolver,
    declared: Mapping[tuple[str, str, str, str], DeclaredAssignment],
) -> Principal | str:
    """The principal of a declaration, or a located error: not found, a scope that does
    not resolve, or the same principal already declared under another spelling."""
    head = f"{item.location}: {role.display_name}"
    found = resolver.principal(item.principal)
    if isinstance(found, str):
        return f"{head}: {found}"
    _, problem = resolver.scope(item.scope)
    if problem is not None:
        return f"{head}: {problem}"
    first = declared.get((role.id, found.id, item.scope, item.kind))
    if first is not None:
        return (
            f"{head}: {item.principal} and {first.principal} (at {first.location}) are the "
            f"same principal ({found.id}), declared twice as {item.kind} at scope {item.scope!r}"
        )
    return found


def _missing_role(compiled: CompiledRole, resolver: Resolver) -> str:
    same = [] if compiled.ref.id else resolver.roles_named(compiled.ref.written)
    if len(same) > 1:
        ids = ", ".join(r.id for r in same)
        return (
            f"role {compiled.ref.label!r} is ambiguous: {len(same)} roles have that name "
            f"({ids}); write the object id"
        )
    return f"role {compiled.ref.label!r} does not exist in the tenant"


def managed_roles(
    desired: DesiredState, resolver: Resolver
) -> tuple[dict[int, RoleDefinition], list[str]]:
    """Each compiled role's tenant role; two files managing one role is an error naming both."""
    found: dict[int, RoleDefinition] = {}
    errors: list[str] = []
    first: dict[str, CompiledRole] = {}
    by_place = sorted(enumerate(desired.roles), key=lambda pair: pair[1].location)
    for index, compiled in by_place:
        role = resolver.role(compiled)
        if role is None:
            errors.append(f"{compiled.location}: {_missing_role(compiled, resolver)}")
            continue
        other = first.setdefault(role.id, compiled)
        if other is not compiled:
            errors.append(
                f"{compiled.location}: role {compiled.ref.written!r} is {role.display_name} "
                f"({role.id}), already managed by {other.location} (as {other.ref.written!r})"
            )
            continue
        found[index] = role
    return found, sorted(errors)


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
