"""APR: approval of activations, the approvers and their review."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.views import (
    Holder,
    Subject,
    approver,
    configured,
    holders,
    role_finding,
    users_of,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import TenantState


def _approval_needed(ctx: LintContext, template: str) -> tuple[bool, tuple[str, ...]]:
    """Whether activating the role must need approval, and the controls a role that does
    not violates: Global Administrator (MS.AAD.7.6v1, CIS 5.3.4) and Privileged Role
    Administrator (CIS 5.3.5) in every preset; every privileged role in strict."""
    if template == GLOBAL_ADMINISTRATOR:
        return True, ("MS.AAD.7.6v1", "CIS 5.3.4")
    if template == PRIVILEGED_ROLE_ADMINISTRATOR:
        return True, ("CIS 5.3.5",)
    return ctx.preset == "strict" and template in ctx.privileged, ()


def approval_required(ctx: LintContext) -> Iterator[Finding]:
    """Activating Global Administrator requires approval (and more roles in cis/strict)

    ## What it checks

    Activating Global Administrator requires approval; the cis preset adds Privileged Role
    Administrator, the strict preset every highly privileged role. With a tenant view, a
    Global Administrator the repository does not manage is checked as the tenant has it.

    ## Why

    A second person must agree before anyone becomes Global Administrator.

    > MS.AAD.7.6v1: Activation of the Global Administrator role SHALL require approval.

    CIS 5.3.4: *Ensure approval is required for Global Administrator role activation*;
    CIS 5.3.5: *Ensure approval is required for Privileged Role Administrator activation*.

    ## How to fix

    Set `activation.approval.required: true` and name the approvers.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval: {required: false}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
    ```
    """
    for subject, settings in configured(ctx):
        needed, controls = _approval_needed(ctx, subject.template_id)
        if needed and not settings.activation.approval_required:
            text = "activation does not require approval"
            yield role_finding(ctx, subject, text, "activation.approval", controls=controls)


rule(
    code="APR001",
    name="approval-required",
    severity="error",
    scuba=("MS.AAD.7.6v1",),
    cis=("5.3.4", "5.3.5"),
)(approval_required)


def _approver_users(ctx: LintContext, tenant: TenantState, approvers: Iterable[str]) -> set[str]:
    """The users who can approve: groups expanded; service principals and unknowns left out."""
    users: set[str] = set()
    for ref in approvers:
        p = approver(ctx, ref)
        if p is None or p.type == "servicePrincipal":
            continue
        if p.type == "group":
            users |= set(tenant.group_members.get(p.id, ()))
        else:
            users.add(p.id)
    return users


def _approver_findings(
    ctx: LintContext, tenant: TenantState, subject: Subject, every: list[Holder]
) -> Iterator[Finding]:
    """Approvers that are service principals; eligible people who are their only approver."""
    assert subject.settings is not None
    approvers = subject.settings.activation.approvers
    for ref in approvers:
        p = approver(ctx, ref)
        if p is not None and p.type == "servicePrincipal":
            text = f"{p.reference} is a service principal and cannot approve"
            yield role_finding(ctx, subject, text, "activation.approval", principal=p.reference)
    approver_users = _approver_users(ctx, tenant, approvers)
    for h in every:
        if h.role_id != subject.role_id or h.kind != "eligible" or h.principal is None:
            continue
        for person in sorted(users_of(ctx, [h])):
            if approver_users and approver_users <= {person}:
                p = tenant.principals.get(person)
                who = p.reference if p else person
                yield ctx.finding(
                    f"{subject.name}: {who} is eligible and the only "
                    "approver; nobody can approve their activation",
                    h.where,
                    role=subject.name,
                    principal=who,
                )


def approvers(ctx: LintContext) -> Iterator[Finding]:
    """Approvers are named, can approve, and are not the only approver of themselves

    ## What it checks

    A role whose activation needs approval names its approvers (a warning when none are
    named). With a tenant view: no approver is a service principal, and no eligible person
    is the only approver of their own activation (groups are expanded to their members).

    ## Why

    Approvers cannot approve their own requests, so an eligible person who is the only
    approver is locked out; service principals cannot approve at all. With no approvers
    named, Entra falls back to the Privileged Role and Global Administrators.

    ## How to fix

    Name a group of at least two people as approvers.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval: {required: true}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
    ```
    """
    every = holders(ctx)
    for subject, settings in configured(ctx):
        act = settings.activation
        if not act.approval_required:
            continue
        if not act.approvers:
            text = (
                "approval is required but no approvers are named; Entra falls back to "
                "Privileged Role and Global Administrators"
            )
            yield role_finding(ctx, subject, text, "activation.approval", severity="warning")
        elif ctx.tenant is not None:
            yield from _approver_findings(ctx, ctx.tenant, subject, every)


rule(code="APR002", name="approvers", severity="error")(approvers)


def approvers_reviewed(ctx: LintContext) -> Iterator[Finding]:
    """Approver lists are reviewed at least every 90 days

    ## What it checks

    A role whose activation needs named approvers records when the list was reviewed
    (`activation.approval.reviewed`), at most `days` (90) days ago: reviewed exactly 90 days
    ago passes, 91 fails.

    ## Why

    Approvers change jobs; a quarterly review keeps the approval meaningful.

    ## How to fix

    Review the list and set `approval.reviewed:` to the date of the review.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
        reviewed: 2025-01-01
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [group:PIM Tier0 Approvers]
        reviewed: 2026-10-01
    ```
    """
    max_age = timedelta(days=ctx.integer("days"))
    for subject, settings in configured(ctx):
        act = settings.activation
        if subject.compiled is None or not act.approval_required or not act.approvers:
            continue
        setting = "activation.approval.approvers"
        reviewed = subject.compiled.approvers_reviewed
        if reviewed is None:
            yield role_finding(ctx, subject, "the approver list has no reviewed: date", setting)
        elif ctx.now.date() - reviewed > max_age:
            text = f"approvers were last reviewed on {reviewed}, more than {max_age.days} days ago"
            yield role_finding(ctx, subject, text, setting)


rule(
    code="APR003",
    name="approvers-reviewed",
    severity="warning",
    options=(integer("days", 90, "The longest time since the approver list's review."),),
    views=("policy",),
)(approvers_reviewed)
