"""APR: approval of activations, the approvers and their review."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from pim_gitops.compile import CompiledRole
from pim_gitops.lint.engine import Finding, LintContext, Rule, register
from pim_gitops.lint.rules.views import Holder, holders, managed, tenant_location, users_of
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import TenantState


def _approval_needed(ctx: LintContext, template: str) -> tuple[bool, tuple[str, ...]]:
    if template == GLOBAL_ADMINISTRATOR:
        return True, ("CIS 5.3.4",) if ctx.preset == "cis" else ("MS.AAD.7.6v1",)
    if template == PRIVILEGED_ROLE_ADMINISTRATOR and ctx.preset in ("cis", "strict"):
        return True, ("CIS 5.3.5",) if ctx.preset == "cis" else ()
    if template in HIGHLY_PRIVILEGED and ctx.preset == "strict":
        return True, ()
    return False, ()


def _approval(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    seen_ga = False
    for role, template in managed(ctx):
        needed, controls = _approval_needed(ctx, template)
        seen_ga |= template == GLOBAL_ADMINISTRATOR
        if needed and not role.settings.activation.approval_required:
            yield rule.finding(
                f"{role.ref.label}: activation does not require approval",
                role.source_of("activation.approval"),
                role=role.ref.label,
                controls=controls,
            )
    if not seen_ga and ctx.tenant is not None:
        ga_role = ctx.tenant_role(GLOBAL_ADMINISTRATOR)
        policy = ctx.tenant.policies.get(ga_role.id) if ga_role else None
        if policy is not None and not policy.settings.activation.approval_required:
            yield rule.finding(
                "Global Administrator (not managed here): activation does not require approval",
                tenant_location(ctx),
                role="Global Administrator",
                controls=("CIS 5.3.4",) if ctx.preset == "cis" else ("MS.AAD.7.6v1",),
            )


register(
    Rule(
        "APR001",
        "approval-required",
        "error",
        "Activating Global Administrator requires approval (and more roles in cis/strict)",
        "A second person must agree before anyone becomes Global Administrator (SCuBA "
        "MS.AAD.7.6v1, CIS 5.3.4); CIS 5.3.5 adds Privileged Role Administrator; strict adds the "
        "other highly privileged roles.",
        "activation: {approval: {required: true, approvers: [group:PIM Approvers]}}",
        "activation: {approval: {required: false}}",
        "activation: {approval: {required: true, approvers: [group:PIM Tier0 Approvers]}}",
        _approval,
        scuba=("MS.AAD.7.6v1",),
        cis=("5.3.4", "5.3.5"),
    )
)


def _approver_users(ctx: LintContext, tenant: TenantState, approvers: Iterable[str]) -> set[str]:
    """The users who can approve: groups expanded; service principals and unknowns left out."""
    users: set[str] = set()
    for ref in approvers:
        p = ctx.principal(ref)
        if p is None or p.type == "servicePrincipal":
            continue
        if p.type == "group":
            users |= set(tenant.group_members.get(p.id, ()))
        else:
            users.add(p.id)
    return users


def _approver_findings(
    ctx: LintContext, tenant: TenantState, rule: Rule, role: CompiledRole, every: list[Holder]
) -> Iterator[Finding]:
    """Approvers that are service principals; eligible people who are their only approver."""
    approvers = role.settings.activation.approvers
    for ref in approvers:
        p = ctx.principal(ref)
        if p is not None and p.type == "servicePrincipal":
            yield rule.finding(
                f"{role.ref.label}: {ref} is a service principal and cannot approve",
                role.source_of("activation.approval"),
                role=role.ref.label,
                principal=ref,
            )
    approver_users = _approver_users(ctx, tenant, approvers)
    role_id = ctx.role_id(role)
    for h in every:
        if h.role_id != role_id or h.kind != "eligible" or h.principal is None:
            continue
        people = users_of(ctx, [h])
        for person in sorted(people):
            if approver_users and approver_users <= {person}:
                p = tenant.principals.get(person)
                who = p.reference if p else person
                yield rule.finding(
                    f"{role.ref.label}: {who} is eligible and the only "
                    "approver; nobody can approve their activation",
                    h.where,
                    role=role.ref.label,
                    principal=who,
                )


def _approvers(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    every = holders(ctx)
    for role, _ in managed(ctx):
        act = role.settings.activation
        if not act.approval_required:
            continue
        if not act.approvers:
            yield rule.finding(
                f"{role.ref.label}: approval is required but no approvers are "
                "named; Entra falls back to Privileged Role and Global "
                "Administrators",
                role.source_of("activation.approval"),
                role=role.ref.label,
                severity="warning",
            )
        elif ctx.tenant is not None:
            yield from _approver_findings(ctx, ctx.tenant, rule, role, every)


register(
    Rule(
        "APR002",
        "approvers",
        "error",
        "Approvers are named, can approve, and are not the only approver of themselves",
        "Approvers cannot approve their own requests: an eligible person who is the only approver "
        "is locked out. Service principals cannot approve. With no approvers, Entra falls back to "
        "Privileged Role and Global Administrators (a warning).",
        "Name a group of at least two people as approvers.",
        "approvers: [user:alice@contoso.com]  # alice is also eligible",
        "approvers: [group:PIM Tier0 Approvers]",
        _approvers,
    )
)


def _reviewed(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    max_age = timedelta(days=int(ctx.option("days", 90)))
    for role, _ in managed(ctx):
        act = role.settings.activation
        if not act.approval_required or not act.approvers:
            continue
        where = role.source_of("activation.approval.approvers")
        reviewed = role.approvers_reviewed
        if reviewed is None:
            yield rule.finding(
                f"{role.ref.label}: the approver list has no reviewed: date",
                where,
                role=role.ref.label,
            )
        elif ctx.now.date() - reviewed > max_age:
            yield rule.finding(
                f"{role.ref.label}: approvers were last reviewed on {reviewed}, "
                f"more than {max_age.days} days ago",
                where,
                role=role.ref.label,
            )


register(
    Rule(
        "APR003",
        "approvers-reviewed",
        "warning",
        "Approver lists are reviewed at least every 90 days",
        "Approvers change jobs; a quarterly review keeps the approval meaningful.",
        "Review the list and update approval.reviewed: to today's date.",
        "approval: {approvers: [...], reviewed: 2025-01-01}",
        "approval: {approvers: [...], reviewed: 2026-10-01}",
        _reviewed,
        options={"days": 90},
    )
)
