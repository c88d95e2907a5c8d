"""The layers below a role file or a group section: ``defaults``, for a group section
``group_defaults``, then the template chain (base first); and where the winning layer writes
each approver."""

from __future__ import annotations

from types import MappingProxyType

from pim_gitops.errors import Location, PolicyError, UnresolvedReferenceError
from pim_gitops.loader import PolicySet
from pim_gitops.model import Waiver

from .merge import Layer, Merged, template_chain, unknown_template_message
from .settings import role_settings
from .types import ENTRA_DEFAULT, CompiledRole, DeclaredAssignment, RoleRef

GROUP_DEFAULTS = "group_defaults"


def tenant_layers(
    template: str | None, where: Location, policy: PolicySet, *, group: bool = False
) -> tuple[list[Layer], list[str], PolicyError | None]:
    """The tenant file's layers under a role file (``group``: under a group section), the
    template chain, and the problem that breaks the chain (``where``: the ``template:``)."""
    tenant, tenant_source = policy.tenant, policy.tenant_source
    if tenant is None or tenant_source is None:
        known = policy.fallback_templates
        if template is not None and known is not None and template not in known:
            message = unknown_template_message(template, known)
            return [], [], UnresolvedReferenceError(where, message)
        return [], [], None
    layers: list[Layer] = []
    if tenant.defaults is not None:
        layers.append(Layer(tenant.defaults, tenant_source, ("defaults",), "defaults"))
    if group and tenant.group_defaults is not None:
        layers.append(
            Layer(tenant.group_defaults, tenant_source, (GROUP_DEFAULTS,), GROUP_DEFAULTS)
        )
    if template is None:
        return layers, [], None
    chain, problem = template_chain(template, tenant.templates, where)
    if problem is not None:
        return layers, chain, problem
    for name in chain:
        found = tenant.templates[name]
        layers.append(Layer(found, tenant_source, ("templates", name), f"templates.{name}"))
    return layers, chain, None


APPROVERS = ("activation", "approval", "approvers")


def approver_locations(merged: Merged, layers: list[Layer]) -> dict[str, Location]:
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


def compiled_role(
    head: tuple[RoleRef, str, Location],
    chain: list[str],
    declared: tuple[tuple[DeclaredAssignment, ...], str, tuple[Waiver, ...]],
    merged: Merged,
    layers: list[Layer],
) -> CompiledRole:
    """A ``CompiledRole`` from its ``(ref, file, location)``, template chain, ``(assignments,
    assignments_mode, waivers)`` and merged layers (a role file's or a group section's)."""
    activation = merged.settings.activation
    approval = activation.approval if activation is not None else None
    assignments, mode, waivers = declared
    return CompiledRole(
        ref=head[0],
        file=head[1],
        location=head[2],
        template_chain=tuple(chain),
        settings=role_settings(merged.settings),
        assignments=assignments,
        assignments_mode=mode,
        waivers=waivers,
        approvers_reviewed=approval.reviewed if approval is not None else None,
        provenance=MappingProxyType(
            {p: s.location for p, s in merged.sources.items() if s.location is not None}
        ),
        sources=MappingProxyType(dict(merged.sources)),
        policy=merged.settings,
        approver_locations=MappingProxyType(approver_locations(merged, layers)),
        replaced_lists=merged.replaced,
    )
