"""Policy files → desired state: Entra defaults ⊕ defaults ⊕ template chain ⊕ role, merged
as typed models (``merge.py``), checked across files (``checks.py``), and turned into the
normalized ``RoleSettings`` of ``state.py`` (``settings.py``).

Anything a policy leaves unsaid takes Entra's own default for a directory role, so a
managed role's settings are fully determined by its files; each setting path keeps where
its value came from (``CompiledRole.sources``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from pim_gitops.errors import (
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
)
from pim_gitops.loader import PolicySet, SourceMap
from pim_gitops.model import LintSettings, RoleFile
from pim_gitops.wire import is_guid

from .alerts import compile_tenant_alerts
from .checks import check_assignments, check_compiled, declare_assignment
from .groups import compile_groups
from .layers import compiled_role, tenant_layers
from .merge import (
    SETTING_PATHS,
    Layer,
    Merged,
    merge_layers,
    template_chain,
    unknown_template_message,
)
from .reviews import compile_reviews
from .scopes import managed_scopes_of
from .settings import role_settings, settings_to_dict
from .types import (
    ENTRA_DEFAULT,
    CompiledGroup,
    CompiledReview,
    CompiledRole,
    DeclaredAssignment,
    DesiredState,
    RoleRef,
    Source,
    resolve_role_ref,
)

__all__ = [
    "ENTRA_DEFAULT",
    "SETTING_PATHS",
    "CompiledGroup",
    "CompiledReview",
    "CompiledRole",
    "DeclaredAssignment",
    "DesiredState",
    "RoleRef",
    "Source",
    "all_principals",
    "check_assignments",
    "compile_policies",
    "merge_layers",
    "resolve_role_ref",
    "role_settings",
    "settings_to_dict",
    "unknown_template_message",
]


def _merged_role(
    role: RoleFile, source: SourceMap, policy: PolicySet, errors: list[PolicyError]
) -> tuple[Merged, list[str], list[Layer]] | None:
    layers, chain, problem = tenant_layers(role.template, source.value(("template",)), policy)
    if problem is not None:
        errors.append(problem)
        if policy.tenant is not None:
            return None  # a broken chain: the role's settings are unknown
    layers.append(Layer(role, source, (), "role"))
    return merge_layers(layers), chain, layers


def _compile_role(
    role: RoleFile, source: SourceMap, policy: PolicySet, errors: list[PolicyError]
) -> CompiledRole | None:
    found = _merged_role(role, source, policy, errors)
    if found is None:
        return None
    merged, chain, layers = found
    assignments = tuple(
        [
            declare_assignment(s, "eligible", i, source)
            for i, s in enumerate(role.assignments.eligible)
        ]
        + [
            declare_assignment(s, "active", i, source)
            for i, s in enumerate(role.assignments.active)
        ]
    )
    head = (resolve_role_ref(role.role), source.path, source.key(("role",)))
    declared = (assignments, role.assignments_mode, role.waivers)
    compiled = compiled_role(head, chain, declared, merged, layers)
    return replace(compiled, managed_scopes=managed_scopes_of(role, source))


def _check_templates(policy: PolicySet) -> list[PolicyError]:
    errors: list[PolicyError] = []
    if policy.tenant is None or policy.tenant_source is None:
        return errors
    for name, template in sorted(policy.tenant.templates.items()):
        if template.extends is not None:
            where = policy.tenant_source.value(("templates", name, "extends"))
            _, problem = template_chain(name, policy.tenant.templates, where)
            if problem is not None:
                errors.append(problem)
    return errors


def _compile_roles(
    policy: PolicySet, now: datetime, errors: list[PolicyError]
) -> tuple[list[CompiledRole], list[PolicyError]]:
    warnings: list[PolicyError] = []
    compiled: list[CompiledRole] = []
    by_key: dict[str, CompiledRole] = {}
    for role_file, source in policy.roles:
        role = _compile_role(role_file, source, policy, errors)
        if role is None:
            continue
        if role.ref.key in by_key:
            first = by_key[role.ref.key]
            message = f"role {role.ref.label!r} is already managed by {first.location}"
            errors.append(PolicySchemaError(role.location, message))
            continue
        by_key[role.ref.key] = role
        problems, notes = check_compiled(role, now, policy.tenant is not None)
        errors.extend(problems)
        warnings.extend(notes)
        compiled.append(role)
    return compiled, warnings


def compile_policies(policy: PolicySet, now: datetime) -> DesiredState:
    """Compile a loaded policy set; raises ``PolicyErrors`` with every problem found."""
    errors: list[PolicyError] = list(policy.errors)
    errors.extend(_check_templates(policy))
    compiled, warnings = _compile_roles(policy, now, errors)
    groups, group_warnings = compile_groups(policy, now, errors)
    warnings.extend(group_warnings)
    reviews = compile_reviews(policy, now, errors, warnings)
    alerts = compile_tenant_alerts(policy, errors)
    if errors:
        raise PolicyErrors(errors)
    tenant = policy.tenant
    assert tenant is not None and policy.tenant_source is not None  # no errors ⇒ loaded
    return DesiredState(
        tenant=tenant.tenant,
        roles=tuple(sorted(compiled, key=lambda r: (r.ref.label.casefold(), r.file))),
        break_glass=tenant.break_glass,
        automation=tuple((a.principal, a.reason) for a in tenant.automation),
        apply_identity=tenant.apply_identity,
        break_glass_locations=tuple(
            policy.tenant_source.value(("break_glass", i)) for i in range(len(tenant.break_glass))
        ),
        apply_identity_location=policy.tenant_source.value(("apply_identity",))
        if tenant.apply_identity
        else None,
        lint=tenant.lint or LintSettings(),
        waivers=tenant.waivers,
        tenant_file=policy.tenant_source.path,
        warnings=tuple(sorted(warnings, key=lambda w: (w.location, w.message))),
        tenant_source=policy.tenant_source,
        groups=tuple(groups),
        reviews=tuple(reviews),
        alerts=alerts,
        graph_beta=frozenset(tenant.graph_beta),
    )


def all_principals(state: DesiredState) -> Iterable[str]:
    """Every principal reference the desired state names (assignments, approvers, break-glass,
    the managed groups, the reviews' reviewers: every set of a rotation)."""
    seen: set[str] = set()
    sections = [s for g in state.groups for s in g.sections.values()]
    seen.update(g.written if is_guid(g.written) else f"group:{g.written}" for g in state.groups)
    for role in [*state.roles, *sections]:
        for item in role.assignments:
            seen.add(item.principal)
        seen.update(role.settings.activation.approvers)
    seen.update(state.break_glass)
    for review in state.reviews:
        sets = review.rotation.sets if review.rotation else ()
        refs = {*review.review.reviewers, *review.review.fallback_reviewers, *sum(sets, ())}
        for ref in refs - {"manager"}:
            owners = ref.removeprefix("owners:")
            seen.add(ref if owners == ref else owners if is_guid(owners) else f"group:{owners}")
        written = review.target_written
        if review.review.target.kind == "group":
            seen.add(written if is_guid(written) else f"group:{written}")
    seen.update(p for p, _ in state.automation)
    if state.apply_identity:
        seen.add(state.apply_identity)
    return sorted(seen)
