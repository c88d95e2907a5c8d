"""How an export names a role, and which roles ``--roles`` selects: a built-in by template
id, a custom role by a display name that reads back as that role, else by object id."""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from pim_gitops.model import RoleName
from pim_gitops.roles import builtin_role_by_name
from pim_gitops.scopes import ROOT, scope_label
from pim_gitops.state import Assignment, RoleDefinition, TenantState
from pim_gitops.wire import is_guid
from pim_gitops.yamlwrite import ExportError, safe_comment

#: What the loader accepts as a role file's ``role:``.
_ROLE_NAME: TypeAdapter[str] = TypeAdapter(RoleName)


def _name_problem(role: RoleDefinition, tenant: TenantState) -> str | None:
    """Why a custom role's display name, written as ``role:``, would not find this role and
    no other (``None``: it does). The loader must keep it verbatim, it must be no id and no
    built-in role's name, and no other role may have it (``Resolver.role`` compares names
    case-insensitively)."""
    name = role.display_name
    if not name or name != name.strip() or not name.isprintable():
        return "the name is not one line of printable text"
    if is_guid(name):
        return "the name looks like an object id"
    if builtin_role_by_name(name) is not None:
        return "a built-in role has that name"
    try:
        _ROLE_NAME.validate_python(name)
    except ValidationError:
        return "the name is not a valid role reference"
    same = sum(r.display_name.casefold() == name.casefold() for r in tenant.roles.values())
    return None if same == 1 else f"{same} roles of the tenant have that name"


def role_reference(role: RoleDefinition, tenant: TenantState) -> tuple[str, str]:
    """How a role file names its role, and the comment beside it: a built-in by template id
    (its name in the comment); a custom role by display name where that name reads back as
    this role, else by object id with the name (and why) in the comment."""
    name = safe_comment(role.display_name)
    if role.is_builtin:
        return role.template_id, name
    problem = _name_problem(role, tenant)
    if problem is None:
        return role.display_name, f"custom role {role.id}"
    return role.id, f"{name} (custom role, by object id: {problem})"


def check_roles(tenant: TenantState, roles: list[str]) -> None:
    """``--roles`` that name no role with a PIM policy are an error, with a suggestion."""
    import difflib

    names = sorted({r.display_name for r in tenant.roles.values() if r.id in tenant.policies})
    known = {n.casefold() for n in names}
    known |= {key.casefold() for r in tenant.roles.values() for key in (r.id, r.template_id)}
    for role in roles:
        if role.casefold() not in known:
            close = difflib.get_close_matches(role, names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ExportError(f"--roles {role!r}: no role with a PIM policy has that name{hint}")


# --- scoped assignments ------------------------------------------------------------------------


def scope_entry(assignment: Assignment, tenant: TenantState) -> dict[str, str]:
    """An exported assignment's ``scope:`` (none at ``/``): an administrative unit by the
    name that reads back as that unit, else by its ``directoryScopeId``."""
    if assignment.scope == ROOT:
        return {}
    return {"scope": scope_label(assignment.scope, tenant.administrative_units)}


def managed_scopes_entry(
    assignments: tuple[Assignment, ...], tenant: TenantState
) -> dict[str, list[str]]:
    """``managed_scopes`` of an exported role file: ``/`` and each scope it declares an
    assignment at (so that planning the export changes nothing); none when it declares
    only tenant-wide ones (the default)."""
    units = tenant.administrative_units
    scoped = sorted({scope_label(a.scope, units) for a in assignments if a.scope != ROOT})
    return {"managed_scopes": [ROOT, *scoped]} if scoped else {}


__all__ = ["check_roles", "managed_scopes_entry", "role_reference", "scope_entry"]
