"""One managed target's part of the diff: a directory role, or a managed group's member or
owner section under its group target (``diff_groups.py``); both compare the same way, so a
group section's settings and assignments mean what a role file's do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pim_gitops.compile import CompiledRole
from pim_gitops.compile.checks import activation_out_of_range
from pim_gitops.diff import Change, _assignment_changes, _setting_changes
from pim_gitops.diff_notes import deleted_principals, tightening_warnings
from pim_gitops.resolve import Resolver, resolve_settings
from pim_gitops.state import Assignment, RoleDefinition, RoleSettings, TenantState


@dataclass
class TargetDiff:
    """What one managed target (a directory role, a group's member or owner access) adds
    to the diff."""

    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def target_diff(
    compiled: CompiledRole,
    role: RoleDefinition,
    tenant: TenantState,
    resolver: Resolver,
    now: datetime,
    live_of_role: list[Assignment],
    resolved: dict[str, RoleSettings],
) -> TargetDiff:
    """One managed target's settings and assignments (``live_of_role``) against the
    tenant's; the policy by ``tenant.policy_of`` (a role id or a group target). Its desired
    settings, approvers resolved, go to ``resolved``."""
    out = TargetDiff()
    settings, out.errors = resolve_settings(
        compiled.settings, resolver, role.display_name, compiled
    )
    resolved[role.id] = settings
    policy = tenant.policy_of(role.id)
    if policy is None:
        reason = tenant.policy_errors.get(role.id, "no PIM policy found")
        out.errors.append(f"{role.display_name}: cannot read its PIM policy: {reason}")
    else:
        found_settings = _setting_changes(role, settings, policy.settings, tenant)
        out.changes += found_settings
        out_of_range = activation_out_of_range(compiled)
        if out_of_range and any(c.path == "activation.max_duration" for c in found_settings):
            out.errors.append(f"{out_of_range.location}: {out_of_range.message}")
        out.warnings += tightening_warnings(role, settings, policy.settings, live_of_role)
    live = {a.key: a for a in live_of_role}
    found, problems, notes = _assignment_changes(compiled, role, live, live_of_role, resolver, now)
    out.changes += found
    out.errors += problems
    out.warnings += notes + deleted_principals(role, live_of_role, tenant)
    return out


def by_target(tenant: TenantState) -> dict[str, list[Assignment]]:
    """Every live assignment (directory roles and group targets) by its target id."""
    out: dict[str, list[Assignment]] = {}
    for a in (*tenant.assignments, *tenant.group_assignments):
        out.setdefault(a.role_id, []).append(a)
    return out
