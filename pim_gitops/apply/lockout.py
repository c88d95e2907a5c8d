"""The self-lockout guard at plan time with no ``apply_identity:`` declared: the plan is
made with the read app and cannot know which identity apply signs in as, so it fails closed
(``possible_self_lockouts``). Apply knows its identity (``run.signed_in_facts``) and judges
``guards.self_lockout`` exactly."""

from __future__ import annotations

from pim_gitops.access import Window
from pim_gitops.access_paths import paths
from pim_gitops.apply.guards import (
    ROLE_NAMES,
    Side,
    Verdict,
    lockout_floor,
    writing_access,
)
from pim_gitops.memberships import MEMBER
from pim_gitops.state import TenantState


def _writers(tenant: TenantState) -> list[str]:
    """The service principals holding an active writing role, themselves or as a standing
    or active member of a group holding it (``access_paths``)."""
    found = {
        p.principal_id
        for role_id in ROLE_NAMES
        for p in paths(tenant, role_id, MEMBER)
        if p.kind == "active"
    }
    return sorted(
        pid
        for pid in found
        if (p := tenant.principals.get(pid)) is not None and p.type == "servicePrincipal"
    )


def possible_self_lockouts(tenant: TenantState, side: Side, window: Window) -> Verdict:
    """Plan time with no ``apply_identity:`` declared (apply signs in with its own identity,
    which the plan's read cannot know): fail closed, refusing a plan that reduces any service
    principal's active writing role as the self-lockout guard would if that service
    principal were the one apply signs in as. Apply, knowing its identity, checks exactly."""
    problems: list[str] = []
    for identity in _writers(tenant):
        ends = writing_access(tenant, side, identity, window)
        if ends[0] is not None:  # what it holds today, judged as for the apply identity
            floor = lockout_floor(tenant, identity, ends, window, known=False)
            problems += floor.verdict().problems  # worsened by the plan; never a warning
    return Verdict(tuple(problems))


__all__ = ["possible_self_lockouts"]
