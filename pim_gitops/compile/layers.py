"""The layers below a role file or a group section: ``defaults``, for a group section
``group_defaults``, then the template chain (base first); and where the winning layer writes
each approver."""

from __future__ import annotations

from pim_gitops.errors import Location, PolicyError, UnresolvedReferenceError
from pim_gitops.loader import PolicySet

from .merge import Layer, Merged, template_chain, unknown_template_message
from .types import ENTRA_DEFAULT

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
