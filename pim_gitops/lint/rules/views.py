"""What the rules share: who holds which role (declared or live), which roles are managed
and which of them are highly privileged."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from pim_gitops.compile import CompiledRole
from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED
from pim_gitops.state import Principal


@dataclass(frozen=True)
class Holder:
    """Someone who holds (or will hold, once applied) a role at directory scope."""

    role_id: str
    role_name: str
    kind: str
    ref: str
    principal: Principal | None
    permanent: bool
    end: datetime | None
    where: Location
    declared: bool
    outside_pim: bool = False
    justification: str | None = None


def tenant_location(ctx: LintContext, role_id: str | None = None) -> Location:
    return ctx.tenant_location(role_id)


def holder_finding(
    ctx: LintContext,
    h: Holder,
    message: str,
    *,
    controls: tuple[str, ...] | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding about one holder: at the holder's place, naming its role and principal."""
    return ctx.finding(
        message, h.where, role=h.role_name, principal=h.ref, controls=controls, severity=severity
    )


def holders(ctx: LintContext) -> list[Holder]:
    """Declared assignments of managed roles; live ones of unmanaged roles (tenant view)."""
    out: list[Holder] = []
    managed: set[str] = set()
    for role in ctx.desired.roles:
        role_id = ctx.role_id(role) or role.ref.key
        managed.add(role_id)
        for item in role.assignments:
            if item.scope != "/":
                continue
            out.append(
                Holder(
                    role_id,
                    role.ref.label,
                    item.kind,
                    item.principal,
                    ctx.principal(item.principal),
                    item.permanent,
                    item.end,
                    item.location,
                    True,
                    justification=item.justification,
                )
            )
    if ctx.tenant is not None:
        live_outside = {
            (a.role_id, a.principal_id) for a in ctx.tenant.assignments if a.outside_pim
        }
        for a in ctx.tenant.assignments:
            if a.role_id in managed or a.scope != "/":
                continue
            p = ctx.tenant.principals.get(a.principal_id)
            out.append(
                Holder(
                    a.role_id,
                    ctx.role_named(a.role_id),
                    a.kind,
                    p.reference if p else a.principal_id,
                    p,
                    a.permanent,
                    a.end,
                    tenant_location(ctx),
                    False,
                    (a.role_id, a.principal_id) in live_outside,
                )
            )
    return out


def template_of(ctx: LintContext, role_id: str) -> str:
    role = ctx.tenant.roles.get(role_id) if ctx.tenant else None
    return role.template_id if role else role_id


def highly_privileged(ctx: LintContext, role_id: str) -> bool:
    return template_of(ctx, role_id) in HIGHLY_PRIVILEGED


def users_of(ctx: LintContext, holder_list: Iterable[Holder]) -> set[str]:
    """Distinct users behind holders, expanding role-assignable groups when the tenant
    says who their members are; an unexpandable group counts as one."""
    users: set[str] = set()
    for h in holder_list:
        if h.principal is not None and h.principal.type == "group" and ctx.tenant is not None:
            members = ctx.tenant.group_members.get(h.principal.id)
            if members is not None:
                users |= set(members)
                continue
        users.add(h.principal.id if h.principal else h.ref.lower())
    return users


def managed(ctx: LintContext) -> Iterator[tuple[CompiledRole, str]]:
    for role in ctx.desired.roles:
        yield role, template_of(ctx, ctx.role_id(role) or "")


def ga_role(ctx: LintContext) -> CompiledRole | None:
    for role, template in managed(ctx):
        if template == GLOBAL_ADMINISTRATOR:
            return role
    return None


def exempt_refs(ctx: LintContext) -> set[str]:
    """Principals allowed a permanent active assignment: break-glass and automation accounts."""
    refs = {r.lower() for r in ctx.desired.break_glass}
    refs |= {p.lower() for p, _ in ctx.desired.automation}
    return refs
