"""The wrong-tenant guard: a plan is applied only to the tenant it was made for, and only to
the tenant the policy repository names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.apply.overrides import allow_hint
from pim_gitops.plan import Plan
from pim_gitops.state import TenantState


def tenant_names(tenant: TenantState, organization: Mapping[str, Any]) -> set[str]:
    """Every name the signed-in tenant answers to: its id and verified domains."""
    names = {str(organization.get("id", "")).lower(), tenant.tenant_id.lower()}
    names |= {str(d.get("name", "")).lower() for d in organization.get("verifiedDomains") or []}
    return {n for n in names if n}


def other_tenant(
    plan: Plan, tenant: TenantState, organization: Mapping[str, Any], declared: str | None = None
) -> list[str]:
    """``declared`` is the tenant the policy repository names (default: the plan's)."""
    problems = []
    if plan.tenant_id and tenant.tenant_id and plan.tenant_id != tenant.tenant_id:
        problems.append(
            f"other-tenant: the plan was made for tenant {plan.tenant_id}, but this is "
            f"{tenant.tenant_id} ({allow_hint('other-tenant')})"
        )
    wanted = (plan.guards.tenant if declared is None else declared).lower()
    names = tenant_names(tenant, organization)
    if wanted and wanted not in names:
        problems.append(
            f"other-tenant: the policy declares tenant {wanted!r}, but the signed-in "
            f"tenant is {sorted(names)} ({allow_hint('other-tenant')})"
        )
    return problems
