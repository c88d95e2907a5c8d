"""GEN, structure: break-glass accounts, unresolved principals and the waivers' own findings
(reported by the engine)."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext, Rule, register
from pim_gitops.lint.rules.views import ga_role


def _break_glass(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    expected = int(ctx.option("count", 2))
    declared = ctx.desired.break_glass
    where = Location(ctx.desired.tenant_file, 1, 1)
    if len(declared) != expected:
        yield rule.finding(
            f"{len(declared)} break-glass account(s) declared; exactly {expected} expected",
            where,
            role="Global Administrator",
        )
    ga = ga_role(ctx)
    standing = (
        {}
        if ga is None
        else {a.principal.lower(): a for a in ga.assignments if a.kind == "active" and a.permanent}
    )
    for ref in declared:
        if ref.lower() not in standing:
            yield rule.finding(
                f"break-glass account {ref} is not declared as a permanent "
                "active Global Administrator",
                ga.location if ga else where,
                role="Global Administrator",
                principal=ref,
            )
        p = ctx.principal(ref)
        if p is None:
            continue
        if p.type != "user" or p.user_type == "Guest":
            yield rule.finding(
                f"break-glass account {ref} must be a member user, not a {p.user_type or p.type}",
                where,
                role="Global Administrator",
                principal=ref,
            )
        if p.on_premises_sync_enabled or p.on_premises_immutable_id:
            yield rule.finding(
                f"break-glass account {ref} must be cloud-only (it is synced or "
                "federated from on-premises)",
                where,
                role="Global Administrator",
                principal=ref,
            )


register(
    Rule(
        "GEN001",
        "break-glass-accounts",
        "error",
        "Exactly two cloud-only break-glass accounts hold Global Administrator permanently",
        "Emergency-access accounts keep the tenant reachable when PIM, MFA or federation fail. "
        "Microsoft recommends two, cloud-only, permanently active, excluded from nothing else.",
        "Declare two accounts under break_glass: and give each a permanent active Global "
        "Administrator assignment in the role file.",
        "break_glass: [user:bg1@contoso.onmicrosoft.com]",
        "break_glass: [user:bg1@contoso.onmicrosoft.com, user:bg2@contoso.onmicrosoft.com]",
        _break_glass,
        options={"count": 2},
    )
)


def _unresolved(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    assert ctx.resolver is not None
    for role in ctx.desired.roles:
        for item in role.assignments:
            found = ctx.resolver.principal(item.principal)
            if isinstance(found, str):
                yield rule.finding(
                    found, item.location, role=role.ref.label, principal=item.principal
                )
        for ref in role.settings.activation.approvers:
            found = ctx.resolver.principal(ref)
            if isinstance(found, str):
                yield rule.finding(
                    f"approver {found}",
                    role.source_of("activation.approval"),
                    role=role.ref.label,
                    principal=ref,
                )


register(
    Rule(
        "GEN002",
        "unresolved-principal",
        "error",
        "Every principal named exists in the tenant",
        "A reference that does not resolve cannot be assigned or approve; apply would fail.",
        "Fix the UPN, group name or appId, or create the principal first.",
        "principal: user:alice@contso.com",
        "principal: user:alice@contoso.com",
        _unresolved,
        needs_tenant=True,
    )
)


def _engine_reported(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    return ()  # reported by the engine while applying waivers


register(
    Rule(
        "GEN004",
        "expired-waiver",
        "warning",
        "Waivers have not expired",
        "An accepted exception is accepted until a date; after it, the finding counts again.",
        "Fix the finding, or renew the waiver with a new reason and date.",
        "waivers: [{rule: ASG001, reason: migration, expires: 2025-01-01}]",
        "waivers: [{rule: ASG001, reason: migration until Q1, expires: 2027-03-31}]",
        _engine_reported,
    )
)
register(
    Rule(
        "GEN005",
        "unused-waiver",
        "warning",
        "Every waiver matches a finding",
        "A waiver that matches nothing hides nothing and misleads readers.",
        "Remove the waiver.",
        "waivers: [{rule: APR001, role: Global Reader, ...}]",
        "waivers: []",
        _engine_reported,
    )
)
