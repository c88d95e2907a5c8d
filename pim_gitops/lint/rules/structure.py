"""GEN, structure: break-glass accounts, unresolved principals, and the waivers themselves
(GEN004, GEN005 run in the waivers phase, over how each waiver was used)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.views import ga_subject
from pim_gitops.state import Principal


def _break_glass_account(
    ctx: LintContext, ref: str, p: Principal, where: Location
) -> Iterator[Finding]:
    ga = "Global Administrator"
    if p.type != "user" or p.user_type == "Guest":
        message = f"break-glass account {ref} must be a member user, not a {p.user_type or p.type}"
        yield ctx.finding(message, where, role=ga, principal=ref)
    if p.on_premises_sync_enabled or p.on_premises_immutable_id:
        yield ctx.finding(
            f"break-glass account {ref} must be cloud-only (it is synced or "
            "federated from on-premises)",
            where,
            role=ga,
            principal=ref,
        )


def break_glass_accounts(ctx: LintContext) -> Iterator[Finding]:
    """Exactly two cloud-only break-glass accounts hold Global Administrator permanently

    ## What it checks

    `break_glass:` lists exactly `count` (2) accounts; each is declared as a permanent
    active Global Administrator in the role file; with a tenant view, each is a cloud-only
    member user.

    ## Why

    Emergency-access accounts keep the tenant reachable when PIM, MFA or federation fail.
    Microsoft recommends two, cloud-only, permanently active.

    ## How to fix

    Declare two accounts under `break_glass:` and give each a permanent active Global
    Administrator assignment in the role file.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    break_glass: [user:bg1@contoso.onmicrosoft.com]
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    break_glass: [user:bg1@contoso.onmicrosoft.com, user:bg2@contoso.onmicrosoft.com]
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    active_assignment: {allow_permanent: true}
    assignments:
      active:
        - {principal: user:bg1@contoso.onmicrosoft.com, permanent: true, justification: bg}
        - {principal: user:bg2@contoso.onmicrosoft.com, permanent: true, justification: bg}
    ```
    """
    expected = ctx.integer("count")
    declared = ctx.desired.break_glass
    source = ctx.desired.tenant_source
    where = source.key(("break_glass",)) if source else Location(ctx.desired.tenant_file, 1, 1)
    if len(declared) != expected:
        yield ctx.finding(
            f"{len(declared)} break-glass account(s) declared; exactly {expected} expected",
            where,
            role="Global Administrator",
        )
    found = ga_subject(ctx)
    ga = found.compiled if found is not None else None
    standing = (
        {}
        if ga is None
        else {a.principal.lower(): a for a in ga.assignments if a.kind == "active" and a.permanent}
    )
    for index, ref in enumerate(declared):
        if ref.lower() not in standing:
            yield ctx.finding(
                f"break-glass account {ref} is not declared as a permanent "
                "active Global Administrator",
                ga.location if ga else where,
                role="Global Administrator",
                principal=ref,
            )
        p = ctx.principal(ref)
        if p is not None:
            yield from _break_glass_account(ctx, ref, p, ctx.desired.break_glass_location(index))


rule(
    code="GEN001",
    name="break-glass-accounts",
    severity="error",
    options=(integer("count", 2, "How many break-glass accounts are declared, exactly."),),
    views=("policy",),
)(break_glass_accounts)


def unresolved_principal(ctx: LintContext) -> Iterator[Finding]:
    """Every principal named exists in the tenant

    ## What it checks

    Every assignment's principal and every approver resolves to an object of the tenant.

    ## Why

    A reference that does not resolve cannot be assigned or approve; apply would fail.

    ## How to fix

    Fix the UPN, group name or appId, or create the principal first.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - {principal: user:alice@contso.com, duration: P90D, justification: mail}
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - {principal: user:alice@contoso.com, duration: P90D, justification: mail}
    ```

    ```yaml
    # tenant
    users: {alice@contoso.com: {}}
    ```
    """
    assert ctx.resolver is not None
    for role in ctx.desired.roles:
        for item in role.assignments:
            found = ctx.resolver.principal(item.principal)
            if isinstance(found, str):
                yield ctx.finding(
                    found, item.location, role=role.ref.label, principal=item.principal
                )
        for ref in role.settings.activation.approvers:
            found = ctx.resolver.principal(ref)
            if isinstance(found, str):
                yield ctx.finding(
                    f"approver {found}",
                    role.source_of("activation.approval"),
                    role=role.ref.label,
                    principal=ref,
                )


rule(
    code="GEN002",
    name="unresolved-principal",
    severity="error",
    needs_tenant=True,
    views=("policy",),
)(unresolved_principal)


def expired_waiver(ctx: LintContext) -> Iterator[Finding]:
    """Waivers have not expired

    ## What it checks

    No waiver's `expires:` date is before today (a waiver still holds on its expiry date).
    An expired waiver covers nothing: the findings it named count again.

    ## Why

    An accepted exception is accepted until a date; after it, the finding counts again.

    ## How to fix

    Fix the finding, or renew the waiver with a new reason and date.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT12H}
    waivers:
      - {rule: ACT002, reason: night shift migration, expires: 2025-01-01}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT12H}
    waivers:
      - {rule: ACT002, reason: night shift until Q1, expires: 2027-03-31}
    ```
    """
    for use in ctx.waivers:
        if use.expired:
            w = use.waiver
            yield ctx.finding(
                f"the waiver of {w.rule} ({w.reason!r}) expired on {w.expires}; "
                "renew it or fix the finding",
                use.where,
                role=use.role,
            )


rule(code="GEN004", name="expired-waiver", severity="warning", phase="waivers")(expired_waiver)


def unused_waiver(ctx: LintContext) -> Iterator[Finding]:
    """Every waiver matches a finding

    ## What it checks

    Every waiver that has not expired covers at least one finding (of its rule, role and
    principal).

    ## Why

    A waiver that matches nothing hides nothing and misleads readers; it may also hide a
    future finding nobody has reviewed.

    ## How to fix

    Remove the waiver.

    ## Example

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT2H}
    waivers:
      - {rule: ACT002, reason: night shift migration, expires: 2027-03-31}
    ```

    ## Use instead

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    activation: {max_duration: PT2H}
    ```
    """
    for use in ctx.waivers:
        if not use.expired and not use.used:
            w = use.waiver
            yield ctx.finding(
                f"the waiver of {w.rule} ({w.reason!r}) matches no finding; remove it",
                use.where,
                role=use.role,
            )


rule(code="GEN005", name="unused-waiver", severity="warning", phase="waivers")(unused_waiver)
