"""The report's per-role parts: each managed role's live settings beside the declared ones
(the state column worded as drift by ``drift.py``, from the plan's changes, not a second
diff), and who holds it, until when, approved by whom."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pim_gitops.access import holders, principal_problem
from pim_gitops.compile import CompiledRole, DeclaredAssignment
from pim_gitops.extension_wire import name_extension_leaves
from pim_gitops.plan import Plan, plan_document
from pim_gitops.render.drift import (
    Modified,
    modified_words,
    setting_change_words,
    value_words,
)
from pim_gitops.render.report_doc import Cell, Table, anchor, cells
from pim_gitops.resolve import Resolver
from pim_gitops.state import (
    ENTRA_DEFAULT_SETTINGS,
    Assignment,
    Leaf,
    RolePolicy,
    RoleSettings,
    TenantState,
    settings_leaves,
)
from pim_gitops.wire import format_duration, format_instant

_DEFAULTS = settings_leaves(ENTRA_DEFAULT_SETTINGS)


@dataclass(frozen=True)
class RoleView:
    """A managed role as the report shows it: the name the tenant gives it (a custom role
    written as a GUID gets its display name), its tenant id and live policy."""

    role: CompiledRole
    name: str
    role_id: str | None
    policy: RolePolicy | None

    @property
    def anchor(self) -> str:
        return anchor("role", self.name)


def role_views(roles: tuple[CompiledRole, ...], tenant: TenantState | None) -> list[RoleView]:
    resolver = Resolver(tenant) if tenant is not None else None
    out = []
    for role in roles:
        found = resolver.role(role) if resolver is not None else None
        name = found.display_name if found is not None else role.ref.label
        role_id = found.id if found is not None else role.ref.id
        policy = tenant.policies.get(found.id) if tenant is not None and found else None
        out.append(RoleView(role, name, role_id, policy))
    return sorted(out, key=lambda v: v.name.casefold())


def principal_name(tenant: TenantState, principal_id: str) -> str:
    """How the report names a principal: its policy reference, a service principal by its
    display name too (``sp:<appId>`` alone is a GUID)."""
    found = tenant.principals.get(principal_id)
    if found is None:
        return f"{principal_id} (not found in the tenant)"
    if found.type == "servicePrincipal" and found.display_name:
        return f"{found.display_name} ({found.reference})"
    return found.reference


def named_approvers(approvers: tuple[str, ...], tenant: TenantState) -> tuple[str, ...]:
    """Live approvers (``group:<id>``) as policy references (``group:PIM Tier0 Approvers``)."""
    named = []
    for ref in approvers:
        known = tenant.principals.get(ref.partition(":")[2])
        named.append(known.reference if known is not None else ref)
    return tuple(sorted(named))


def _named_leaves(settings: RoleSettings, tenant: TenantState) -> dict[str, Leaf]:
    """The live settings with approver and custom extension ids as references."""
    leaves = settings_leaves(settings)
    leaves["activation.approval.approvers"] = named_approvers(settings.activation.approvers, tenant)
    name_extension_leaves(leaves, tenant)
    return leaves


def _state_words(path: str, change: Mapping[str, Any], tenant: TenantState) -> str:
    """The drift words of a setting, custom extension ids named as the other columns are."""
    leaves = {path: change["before"]}
    name_extension_leaves(leaves, tenant)
    after = {path: change["after"]}
    name_extension_leaves(after, tenant)
    return setting_change_words(path, leaves[path], after[path])


def role_changes(plan: Plan | None, view: RoleView) -> list[dict[str, Any]]:
    if plan is None:
        return []
    changes: list[dict[str, Any]] = plan_document(plan)["changes"]
    if view.role_id is not None:
        return [c for c in changes if c["role"]["id"] == view.role_id]
    return [c for c in changes if c["role"]["name"].casefold() == view.name.casefold()]


def _shown(path: str, live: Leaf, declared: Leaf, drifted: bool) -> bool:
    """Every activation and assignment setting; a notification setting when either side
    differs from Entra's default (38 rows a role would bury the rest)."""
    if not path.startswith("notifications."):
        return True
    return drifted or live != _DEFAULTS[path] or declared != _DEFAULTS[path]


def settings_table(view: RoleView, tenant: TenantState | None, plan: Plan | None) -> Table:
    """setting | tenant | repository | state, one row per setting shown."""
    declared = settings_leaves(view.role.settings)
    live = (
        _named_leaves(view.policy.settings, tenant)
        if view.policy is not None and tenant is not None
        else None
    )
    drift = {c["path"]: c for c in role_changes(plan, view) if c["kind"] == "setting"}
    rows = []
    for path, want in declared.items():
        have = live[path] if live is not None else None
        if not _shown(path, have if live is not None else want, want, path in drift):
            continue
        if live is None:
            state = Cell("tenant not read", "muted")
        elif path in drift and tenant is not None:
            state = Cell(_state_words(path, drift[path], tenant), "warn")
        else:
            state = Cell("same", "pass")
        tenant_text = value_words(path, have) if live is not None else "not read"
        rows.append((Cell(path), Cell(tenant_text), Cell(value_words(path, want)), state))
    return Table(("Setting", "Tenant", "Repository", "State"), tuple(rows))


def policy_modified(view: RoleView, modified: Modified) -> str:
    words = modified_words(view.role_id or "", modified)
    return f"The role's policy was {words} (Graph's lastModifiedBy)." if words else ""


def _until(end: Any) -> str:
    return "permanent" if end is None else format_instant(end)


def _declared_until(item: DeclaredAssignment) -> str:
    if item.permanent:
        return "permanent"
    if item.end is not None:
        return format_instant(item.end)
    if item.duration is not None:
        return f"{format_duration(item.duration)} from assignment"
    return "?"


def _approved_by(kind: str, approvers: str) -> str:
    return "no activation (active)" if kind == "active" else approvers


def _approvers_words(settings: RoleSettings | None, leaves: Mapping[str, Leaf] | None) -> str:
    if settings is None or leaves is None:
        return "unknown"
    if not settings.activation.approval_required:
        return "no approval"
    named = leaves["activation.approval.approvers"]
    return value_words("activation.approval.approvers", named) if named else "default approvers"


def _live_row(
    a: Assignment, view: RoleView, tenant: TenantState, approvers: str, undeclared: set[str]
) -> tuple[Cell, ...]:
    name = principal_name(tenant, a.principal_id)
    problem = principal_problem(tenant, a.principal_id)
    notes = ["usable" if problem is None else problem]
    if a.outside_pim:
        notes.append("assigned outside PIM")
    known = tenant.principals.get(a.principal_id)
    if f"{a.kind} {known.reference if known else a.principal_id}" in undeclared:
        notes.append("not in the repository")
    return (
        Cell(view.name, link=f"#{view.anchor}"),
        *cells(name, a.kind, _until(a.end), _approved_by(a.kind, approvers)),
        Cell("; ".join(notes), "" if notes == ["usable"] else "warn"),
    )


def _declared_rows(view: RoleView) -> list[tuple[Cell, ...]]:
    approvers = _approvers_words(view.role.settings, settings_leaves(view.role.settings))
    return [
        (
            Cell(view.name, link=f"#{view.anchor}"),
            *cells(item.principal, item.kind, _declared_until(item)),
            Cell(_approved_by(item.kind, approvers)),
            Cell("declared (tenant not read)", "muted"),
        )
        for item in sorted(view.role.assignments, key=lambda i: (i.kind, i.principal))
    ]


def access_rows(
    view: RoleView, tenant: TenantState | None, plan: Plan | None
) -> list[tuple[Cell, ...]]:
    """Who can become this role, until when, approved by whom: the tenant's holders (and
    declared holders the tenant lacks, from the plan), or the declared ones offline."""
    if tenant is None or view.role_id is None:
        return _declared_rows(view)
    settings = view.policy.settings if view.policy is not None else None
    leaves = _named_leaves(settings, tenant) if settings is not None else None
    approvers = _approvers_words(settings, leaves)
    moved = [c for c in role_changes(plan, view) if c["kind"] == "assignment"]
    undeclared = {f"{c['schedule']} {c['principal']['ref']}" for c in moved if c["after"] is None}
    found = sorted(
        (
            a
            for a in holders(tenant.assignments, view.role_id)
            if a.principal_id in tenant.principals
        ),
        key=lambda a: (a.kind, principal_name(tenant, a.principal_id)),
    )
    rows = [_live_row(a, view, tenant, approvers, undeclared) for a in found]
    for change in (c for c in moved if c["before"] is None):
        end = change["after"].get("end", "?")
        rows.append(
            (
                Cell(view.name, link=f"#{view.anchor}"),
                *cells(change["principal"]["ref"], change["schedule"], end),
                Cell(_approved_by(change["schedule"], approvers)),
                Cell("in the repository, not held in the tenant (apply creates it)", "warn"),
            )
        )
    return rows


ACCESS_HEADERS = ("Role", "Holder", "Kind", "Until", "Activation approved by", "Status")
