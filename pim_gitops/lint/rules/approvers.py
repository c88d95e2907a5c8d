"""APR002 and APR004: who can approve an activation, and how many of them there are.

A *usable approver* is an existing, enabled user (``accountEnabled: true``; an account whose
state the tenant view does not give is not counted: fail closed). A group approves through
its enabled member users; a service principal, a disabled or unknown (deleted) user, a
group with no enabled member user and a nested group approve nothing. Without a tenant view
a named ``user:`` counts as one usable approver (the tenant view checks that it exists and
is enabled) and a group counts as nobody: that is said, never passed silently."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.lint.registry import integer, names, rule
from pim_gitops.lint.rules.judged import role_templates
from pim_gitops.lint.rules.views import (
    Subject,
    approver,
    configured,
    holders,
    role_finding,
    users_of,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Principal, TenantState
from pim_gitops.wire import is_guid
from pim_gitops.wording import clauses, plural

OFFLINE = "cannot be counted without a tenant view (lint with --snapshot or --live)"


def approval_needed(ctx: LintContext, template: str) -> tuple[bool, tuple[str, ...]]:
    """Whether activating the role must need approval (APR001), and the controls a role that
    does not violates: Global Administrator (MS.AAD.7.6v1, CIS 5.3.4) and Privileged Role
    Administrator (CIS 5.3.5) in every preset; every role of the privileged set in strict."""
    if template == GLOBAL_ADMINISTRATOR:
        return True, ("MS.AAD.7.6v1", "CIS 5.3.4")
    if template == PRIVILEGED_ROLE_ADMINISTRATOR:
        return True, ("CIS 5.3.5",)
    return ctx.preset == "strict" and template in ctx.privileged, ()


@dataclass(frozen=True)
class Approver:
    """One approver reference as this view can judge it."""

    ref: str
    #: How findings name it: the policy reference of the object it resolves to.
    shown: str
    #: The usable users it contributes: object ids, or offline the ``user:`` reference.
    users: frozenset[str]
    #: Why it contributes nobody; ``None`` when it contributes someone.
    problem: str | None = None
    #: The view cannot tell (offline group, members not read): counted as nobody.
    unknown: bool = False
    #: Not in the tenant (in the policy view GEN002 reports it).
    missing: bool = False


def _enabled_user(tenant: TenantState, principal_id: str) -> bool:
    p = tenant.principals.get(principal_id)
    return p is not None and p.type == "user" and p.account_enabled is True


def _offline(ref: str) -> Approver:
    kind, _, value = ref.partition(":")
    if kind == "user" and not is_guid(value):
        return Approver(ref, ref, frozenset({ref.casefold()}))
    if kind == "sp":
        return Approver(ref, ref, frozenset(), "is a service principal and cannot approve")
    return Approver(ref, ref, frozenset(), OFFLINE, unknown=True)


def _group(tenant: TenantState, ref: str, p: Principal) -> Approver:
    members = tenant.group_members.get(p.id)
    if members is None:
        problem = "has members the tenant view does not list; nobody in it is counted"
        return Approver(ref, p.reference, frozenset(), problem, unknown=True)
    usable = frozenset(m for m in members if _enabled_user(tenant, m))
    if not usable:
        return Approver(ref, p.reference, usable, "has no enabled member user")
    return Approver(ref, p.reference, usable)


def judge(ctx: LintContext, ref: str) -> Approver:
    """What one approver reference contributes in this view."""
    tenant = ctx.tenant
    if tenant is None:
        return _offline(ref)
    p = approver(ctx, ref)
    if p is None:
        return Approver(ref, ref, frozenset(), "is not in the tenant", missing=True)
    if p.type == "group":
        return _group(tenant, ref, p)
    if p.type == "servicePrincipal":
        return Approver(ref, p.reference, frozenset(), "is a service principal and cannot approve")
    if p.type != "user":
        return Approver(ref, p.reference, frozenset(), f"is a {p.type} and cannot approve")
    if p.account_enabled is False:
        return Approver(ref, p.reference, frozenset(), "is disabled")
    if p.account_enabled is not True:
        return Approver(ref, p.reference, frozenset(), "is not known to be enabled")
    return Approver(ref, p.reference, frozenset({p.id}))


def usable_users(judged: Iterable[Approver]) -> frozenset[str]:
    return frozenset().union(*(a.users for a in judged))


def approver_at(subject: Subject, ref: str) -> Location:
    """Where a finding about one approver is shown: where the policy names it."""
    if subject.view == "policy" and subject.compiled is not None:
        return subject.compiled.approver_location(ref)
    return subject.where


def approver_finding(
    ctx: LintContext,
    subject: Subject,
    text: str,
    where: Location,
    *,
    principal: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """Like ``views.role_finding``, at an approver's own place."""
    return ctx.finding(
        f"{subject.name}: {text}",
        where,
        role=subject.name,
        principal=principal,
        severity=severity,
        detail=text,
    )


def _who(ctx: LintContext, person: str, ref: str) -> str:
    p = ctx.tenant.principals.get(person) if ctx.tenant is not None else None
    if p is not None:
        return p.reference
    return ref if person == ref.lower() else person


def _self_approval(ctx: LintContext, subject: Subject, usable: frozenset[str]) -> Iterator[Finding]:
    """Eligible people who are the only usable approver of their own activation."""
    for h in holders(ctx):
        if h.role_id != subject.role_id or h.kind != "eligible":
            continue
        for person in sorted(users_of(ctx, [h])):
            if usable and usable <= {person}:
                who = _who(ctx, person, h.ref)
                text = f"{who} is eligible and the only usable approver; nobody can approve them"
                yield approver_finding(ctx, subject, text, h.where, principal=who)


# long: the docstring is the rule's documentation; the code is short
def approvers(ctx: LintContext) -> Iterator[Finding]:
    """Approvers exist, are enabled, can approve, and are not only the requesters

    ## What it checks

    For every role whose activation needs approval:

    - approvers are named (a warning when none are: Entra then falls back to the active
      Privileged Role and Global Administrators);
    - with a tenant view, each named approver can approve: a user that exists and is
      enabled (an account whose state the view does not give is not counted), a group with
      at least one enabled member user; a service principal, a disabled user, a user or
      group that is not in the tenant (posture view; in the policy view GEN002 reports an
      approver that does not resolve), a group with no enabled member user, and a group
      whose members the view does not list are errors;
    - nobody eligible for the role is its only usable approver (groups expanded; without a
      tenant view, named users are compared by reference). When every usable approver is
      eligible themselves, each is approved by the others, which is fine with two or more.

    The number of approvers is APR004.

    ## Why

    Approvers cannot approve their own requests, so an eligible person who is the only
    usable approver can never activate; a service principal cannot approve at all, and a
    disabled or deleted approver, or a group nobody usable is in, approves nothing.
    Microsoft's emergency-access guidance names this lockout:

    > If role assignments for Global Administrator and Privileged Role Administrator roles
    > are eligible, approval is required for activation, but no approvers are selected (or
    > all approvers are removed from the directory). Active Global Administrators and
    > Privileged Role Administrators are default approvers. But there will be no active
    > Global Administrators and Privileged Role Administrators and administration of the
    > tenant will effectively be locked, unless emergency access accounts are used.

    ## How to fix

    Name a group of at least two enabled people, none of them the only approver of
    themselves; remove service principals and departed users from the approvers.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [user:alice@contoso.com]
    assignments:
      eligible:
        - {principal: user:alice@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [user:alice@contoso.com, user:grace@contoso.com]
    assignments:
      eligible:
        - {principal: user:alice@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```
    """
    for subject, settings in configured(ctx):
        act = settings.activation
        if not act.approval_required:
            continue
        if not act.approvers:
            text = (
                "approval is required but no approvers are named; Entra falls back to the "
                "active Privileged Role and Global Administrators"
            )
            yield role_finding(ctx, subject, text, "activation.approval", severity="warning")
            continue
        judged = [judge(ctx, ref) for ref in act.approvers]
        for a in judged:
            if a.problem is None or (a.unknown and ctx.tenant is None):
                continue
            if a.missing and ctx.view == "policy":
                continue
            where = approver_at(subject, a.ref)
            yield approver_finding(ctx, subject, f"{a.shown} {a.problem}", where, principal=a.shown)
        yield from _self_approval(ctx, subject, usable_users(judged))


rule(code="APR002", name="approvers", severity="error")(approvers)


def _shortfall(usable: int, minimum: int, judged: list[Approver]) -> str:
    parts = [f"{plural(usable, 'usable approver')}, fewer than {minimum}"]
    if not judged:
        parts.append(
            "none is named, and Entra's fallback (the active Global and Privileged Role "
            "Administrators) is not counted: in a just-in-time tenant only the emergency "
            "accounts are active"
        )
    parts += [f"{a.shown} {a.problem}" for a in judged if a.problem is not None]
    return clauses(*parts)


# long: the docstring is the rule's documentation; the code is short
def approver_count(ctx: LintContext) -> Iterator[Finding]:
    """Global and Privileged Role Administrator have at least two usable approvers

    ## What it checks

    For each role of the option `roles` (Global Administrator and Privileged Role
    Administrator), activation needs approval and at least `min` (2) distinct usable
    approvers can give it: 2 pass, 1 fails. A usable approver is an existing, enabled user;
    a group counts by its enabled member users (a group of two enabled members counts 2,
    of one enabled and one disabled member 1); service principals, disabled or unknown
    users, empty groups and nested groups (not expanded: fail closed) count for nothing,
    and a user named twice (also through a group) once. An error, also when the tenant
    view cannot say (a group whose members it does not list counts nobody: fail closed).

    Without a tenant view (offline policy lint) a named `user:` counts one and a group
    cannot be counted: when the count falls short and a group could make up for it, the
    finding is a warning saying so; lint with `--snapshot` or `--live` to decide it.

    With approval required but no approver named, Entra falls back to the active Global
    and Privileged Role Administrators. They are not counted: in a just-in-time tenant the
    only active ones are the emergency accounts, and Microsoft names exactly this setup as
    the one that locks the tenant (APR002). A role of `roles` that does not require
    approval is APR001's finding for Global and Privileged Role Administrator, and this
    rule's for any other role listed.

    ## Why

    CIS 5.3.4 (*Ensure approval is required for Global Administrator role activation*) and
    5.3.5 (*... for Privileged Role Administrator activation*) both remediate with:

    > Check the Require approval to activate box. Add at least two approvers.

    and 5.3.4 explains:

    > It's important to have at least two approvers and an emergency access (break-glass)
    > account to prevent a scenario where no Global Administrators are available.

    The two approvers are the users' practice this rule checks, not the controls: their
    recommended state is "Require approval to activate" (APR001 carries 5.3.4 and 5.3.5),
    and the audit text we could read does not count approvers, so these findings carry no
    CIS id. One approver is a single point of failure: on leave, they block every
    activation; compromised, they approve the attacker.

    ## How to fix

    Name a group of at least two enabled people (or two users) as approvers.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    activation:
      approval:
        required: true
        approvers: [user:grace@contoso.com]
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

    ```yaml
    # tenant
    users: {grace@contoso.com: {}, bob@contoso.com: {}}
    groups: {PIM Tier0 Approvers: [grace@contoso.com, bob@contoso.com]}
    ```
    """
    minimum = ctx.integer("min")
    templates = role_templates(ctx, "roles")
    for subject, settings in configured(ctx, also=templates):
        if subject.template_id not in templates:
            continue
        act = settings.activation
        if not act.approval_required:
            if not approval_needed(ctx, subject.template_id)[0]:
                text = f"activation does not require approval; {plural(minimum, 'approver')} wanted"
                yield role_finding(ctx, subject, text, "activation.approval")
            continue
        judged = [judge(ctx, ref) for ref in act.approvers]
        usable = usable_users(judged)
        if len(usable) >= minimum:
            continue
        cannot_say = ctx.tenant is None and any(a.unknown for a in judged)
        text = _shortfall(len(usable), minimum, judged)
        severity: Severity = "warning" if cannot_say else "error"
        yield role_finding(ctx, subject, text, "activation.approval", severity=severity)


rule(
    code="APR004",
    name="approver-count",
    severity="error",
    options=(
        names(
            "roles",
            ("Global Administrator", "Privileged Role Administrator"),
            "The roles that need at least `min` usable approvers.",
        ),
        integer("min", 2, "The fewest distinct usable approvers of each of `roles`."),
    ),
)(approver_count)
