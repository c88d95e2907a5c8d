"""APR: approval of activations, the approvers and their review."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from pim_gitops.compile import CompiledRole
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import integer, rule
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


# long: the docstring is the rule's documentation page
@rule(
    code="APR001",
    name="approval-required",
    severity="error",
    scuba=("MS.AAD.7.6v1",),
    cis=("5.3.4", "5.3.5"),
)
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
    seen_ga = False
    for role, template in managed(ctx):
        needed, controls = _approval_needed(ctx, template)
        seen_ga |= template == GLOBAL_ADMINISTRATOR
        if needed and not role.settings.activation.approval_required:
            yield ctx.finding(
                f"{role.ref.label}: activation does not require approval",
                role.source_of("activation.approval"),
                role=role.ref.label,
                controls=controls,
            )
    if not seen_ga and ctx.tenant is not None:
        ga_role = ctx.tenant_role(GLOBAL_ADMINISTRATOR)
        policy = ctx.tenant.policies.get(ga_role.id) if ga_role else None
        if policy is not None and not policy.settings.activation.approval_required:
            yield ctx.finding(
                "Global Administrator (not managed here): activation does not require approval",
                tenant_location(ctx),
                role="Global Administrator",
                controls=("CIS 5.3.4",) if ctx.preset == "cis" else ("MS.AAD.7.6v1",),
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
    ctx: LintContext, tenant: TenantState, role: CompiledRole, every: list[Holder]
) -> Iterator[Finding]:
    """Approvers that are service principals; eligible people who are their only approver."""
    approvers = role.settings.activation.approvers
    for ref in approvers:
        p = ctx.principal(ref)
        if p is not None and p.type == "servicePrincipal":
            yield ctx.finding(
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
                yield ctx.finding(
                    f"{role.ref.label}: {who} is eligible and the only "
                    "approver; nobody can approve their activation",
                    h.where,
                    role=role.ref.label,
                    principal=who,
                )


@rule(code="APR002", name="approvers", severity="error")
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
    for role, _ in managed(ctx):
        act = role.settings.activation
        if not act.approval_required:
            continue
        if not act.approvers:
            yield ctx.finding(
                f"{role.ref.label}: approval is required but no approvers are "
                "named; Entra falls back to Privileged Role and Global "
                "Administrators",
                role.source_of("activation.approval"),
                role=role.ref.label,
                severity="warning",
            )
        elif ctx.tenant is not None:
            yield from _approver_findings(ctx, ctx.tenant, role, every)


# long: the docstring is the rule's documentation page
@rule(
    code="APR003",
    name="approvers-reviewed",
    severity="warning",
    options=(integer("days", 90, "The longest time since the approver list's review."),),
)
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
    for role, _ in managed(ctx):
        act = role.settings.activation
        if not act.approval_required or not act.approvers:
            continue
        where = role.source_of("activation.approval.approvers")
        reviewed = role.approvers_reviewed
        if reviewed is None:
            yield ctx.finding(
                f"{role.ref.label}: the approver list has no reviewed: date",
                where,
                role=role.ref.label,
            )
        elif ctx.now.date() - reviewed > max_age:
            yield ctx.finding(
                f"{role.ref.label}: approvers were last reviewed on {reviewed}, "
                f"more than {max_age.days} days ago",
                where,
                role=role.ref.label,
            )
