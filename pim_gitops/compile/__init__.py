"""Policy files → desired state: Entra defaults ⊕ defaults ⊕ template chain ⊕ role, merged
as typed models (``merge.py``), checked across files (``checks.py``), and turned into the
normalized ``RoleSettings`` of ``state.py`` (``settings.py``).

Anything a policy leaves unsaid takes Entra's own default for a directory role, so a
managed role's settings are fully determined by its files; each setting path keeps where
its value came from (``CompiledRole.sources``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from types import MappingProxyType

from pim_gitops.errors import (
    Location,
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
    UnresolvedReferenceError,
)
from pim_gitops.loader import PolicySet, SourceMap
from pim_gitops.model import LintSettings, RoleFile

from .checks import (
    activation_out_of_range,
    check_assignments,
    check_everything,
    check_settings,
    declare_assignment,
    role_declared,
)
from .merge import (
    SETTING_PATHS,
    Layer,
    Merged,
    merge_layers,
    template_chain,
    unknown_template_message,
)
from .scopes import managed_scopes_of
from .settings import role_settings, settings_to_dict
from .types import (
    ENTRA_DEFAULT,
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


def _tenant_layers(
    role: RoleFile, source: SourceMap, policy: PolicySet
) -> tuple[list[Layer], list[str], PolicyError | None]:
    """The layers below the role file (defaults, then the template chain) and the chain."""
    tenant, tenant_source = policy.tenant, policy.tenant_source
    if tenant is None or tenant_source is None:
        known = policy.fallback_templates
        if role.template is not None and known is not None and role.template not in known:
            message = unknown_template_message(role.template, known)
            return [], [], UnresolvedReferenceError(source.value(("template",)), message)
        return [], [], None
    layers: list[Layer] = []
    if tenant.defaults is not None:
        layers.append(Layer(tenant.defaults, tenant_source, ("defaults",), "defaults"))
    if role.template is None:
        return layers, [], None
    chain, problem = template_chain(role.template, tenant.templates, source.value(("template",)))
    if problem is not None:
        return layers, chain, problem
    for name in chain:
        template = tenant.templates[name]
        layers.append(Layer(template, tenant_source, ("templates", name), f"templates.{name}"))
    return layers, chain, None


def _merged_role(
    role: RoleFile, source: SourceMap, policy: PolicySet, errors: list[PolicyError]
) -> tuple[Merged, list[str], list[Layer]] | None:
    layers, chain, problem = _tenant_layers(role, source, policy)
    if problem is not None:
        errors.append(problem)
        if policy.tenant is not None:
            return None  # a broken chain: the role's settings are unknown
    layers.append(Layer(role, source, (), "role"))
    return merge_layers(layers), chain, layers


APPROVERS = ("activation", "approval", "approvers")


def _approver_locations(merged: Merged, layers: list[Layer]) -> dict[str, Location]:
    """Where each approver reference of the winning layer is written."""
    winner = merged.sources.get(".".join(APPROVERS), ENTRA_DEFAULT)
    layer = next((x for x in layers if x.label == winner.layer), None)
    approval = merged.settings.activation.approval if merged.settings.activation else None
    if layer is None or approval is None:
        return {}
    found: dict[str, Location] = {}
    for i, ref in enumerate(approval.approvers or ()):
        found.setdefault(ref, layer.source.value((*layer.prefix, *APPROVERS, i)))
    return found


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
    activation = merged.settings.activation
    approval = activation.approval if activation is not None else None
    return CompiledRole(
        ref=resolve_role_ref(role.role),
        file=source.path,
        location=source.key(("role",)),
        template_chain=tuple(chain),
        settings=role_settings(merged.settings),
        assignments=assignments,
        assignments_mode=role.assignments_mode,
        waivers=role.waivers,
        approvers_reviewed=approval.reviewed if approval is not None else None,
        provenance=MappingProxyType(
            {p: s.location for p, s in merged.sources.items() if s.location is not None}
        ),
        sources=MappingProxyType(dict(merged.sources)),
        policy=merged.settings,
        approver_locations=MappingProxyType(_approver_locations(merged, layers)),
        replaced_lists=merged.replaced,
        managed_scopes=managed_scopes_of(role, source),
    )


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
        # The tenant file failed: inherited settings are unknown, so only what the role
        # file declares itself is checked (the rest would mislead).
        known = check_everything if policy.tenant is not None else role_declared(role)
        errors.extend(check_settings(role, known))
        out_of_range = activation_out_of_range(role)
        if out_of_range is not None and known("activation.max_duration"):
            warnings.append(out_of_range)
        problems, notes = check_assignments(role, now, known)
        errors.extend(problems)
        warnings.extend(notes)
        compiled.append(role)
    return compiled, warnings


def compile_policies(policy: PolicySet, now: datetime) -> DesiredState:
    """Compile a loaded policy set; raises ``PolicyErrors`` with every problem found."""
    errors: list[PolicyError] = list(policy.errors)
    errors.extend(_check_templates(policy))
    compiled, warnings = _compile_roles(policy, now, errors)
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
    )


def all_principals(state: DesiredState) -> Iterable[str]:
    """Every principal reference the desired state names (assignments, approvers, break-glass)."""
    seen: set[str] = set()
    for role in state.roles:
        for item in role.assignments:
            seen.add(item.principal)
        seen.update(role.settings.activation.approvers)
    seen.update(state.break_glass)
    seen.update(p for p, _ in state.automation)
    if state.apply_identity:
        seen.add(state.apply_identity)
    return sorted(seen)
