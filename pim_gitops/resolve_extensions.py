"""The custom extensions a policy file names (``activation.custom_extension``,
``activation.post_approval_extension``: a display name or an id) → their ids, through the
tenant's list of PIM custom extensions (``GET /identityGovernance/privilegedAccess/
customExtensions``). A name that matches nothing, or several, is an error at its place; so
is any extension while the list was refused (an id the role's policy already calls is kept
as it is: an extension deleted since still exports and plans nothing): custom extensions are
preview and need a Microsoft Entra ID Governance (or Entra Suite) licence and
``PrivilegedAccess-CustomExt.Read.All`` (entra-docs
privileged-identity-management-custom-extensions.md), and a plan never writes a rule it
could not check."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pim_gitops.extension_wire import RESOURCE_TYPES, named
from pim_gitops.state import POST_APPROVAL_PATH, PRE_APPROVAL_PATH, RoleSettings, TenantState
from pim_gitops.targets import parse_group_target
from pim_gitops.wire import is_guid

if TYPE_CHECKING:
    from pim_gitops.compile import CompiledRole

LICENCE = (
    "PIM custom extensions are preview and need a Microsoft Entra ID Governance or Entra "
    "Suite licence and the permission PrivilegedAccess-CustomExt.Read.All"
)


def resolve_extension(
    tenant: TenantState, name: str, target: str | None = None
) -> tuple[str | None, str | None]:
    """``(id, None)`` or ``(None, why)``; ``target`` (a role id or group target) checks the
    extension's ``resourceType``."""
    if tenant.custom_extension_read_error is not None:
        return None, (
            f"custom extension {name!r}: the tenant's custom extensions could not be read "
            f"({tenant.custom_extension_read_error}); {LICENCE}"
        )
    if tenant.custom_extensions is None:
        # Not read (an older snapshot): an id is taken as written, a name cannot be.
        if is_guid(name):
            return name.lower(), None
        return None, f"custom extension {name!r}: the tenant's custom extensions were not read"
    found = named(tenant, name)
    if len(found) > 1:
        ids = ", ".join(sorted(e.id for e in found))
        return None, f"custom extension {name!r} is ambiguous ({ids}); write its id"
    if not found:
        known = ", ".join(sorted(repr(e.display_name) for e in tenant.custom_extensions.values()))
        return (
            None,
            f"no PIM custom extension is named {name!r} (the tenant has: {known or 'none'})",
        )
    wanted = RESOURCE_TYPES["group" if target and parse_group_target(target) else "directoryRole"]
    kind = found[0].resource_type
    if target is not None and kind and kind != wanted:
        return None, f"custom extension {name!r} is for {kind}, not {wanted}"
    return found[0].id, None


def _live_ids(tenant: TenantState, target: str | None) -> set[str]:
    """The extension ids the target's live policy calls now."""
    policy = tenant.policy_of(target) if target is not None else None
    if policy is None:
        return set()
    act = policy.settings.activation
    return {i for i in (act.pre_approval_extension, act.post_approval_extension) if i}


def resolve_extensions(
    settings: RoleSettings,
    tenant: TenantState,
    role_label: str,
    compiled: CompiledRole | None = None,
    target: str | None = None,
) -> tuple[RoleSettings, list[str]]:
    """Settings with the extensions' names replaced by their ids, and the errors."""
    act = settings.activation
    errors: list[str] = []
    ids: dict[str, str | None] = {}
    for path, value in (
        (PRE_APPROVAL_PATH, act.pre_approval_extension),
        (POST_APPROVAL_PATH, act.post_approval_extension),
    ):
        if value is None:
            ids[path] = None
            continue
        if is_guid(value) and value.lower() in _live_ids(tenant, target):
            ids[path] = value.lower()  # as the policy has it, even if the list lacks it
            continue
        ids[path], problem = resolve_extension(tenant, value, target)
        if problem is not None:
            where = f"{compiled.source_of(path)}: " if compiled is not None else ""
            errors.append(f"{where}{role_label}: {problem}")
    activation = replace(
        act,
        pre_approval_extension=ids[PRE_APPROVAL_PATH],
        post_approval_extension=ids[POST_APPROVAL_PATH],
    )
    return replace(settings, activation=activation), errors
