"""ASG: who holds which role, for how long, and how they came to hold it."""

from __future__ import annotations

from collections.abc import Iterable

from pim_gitops.lint.engine import Finding, LintContext, Rule, register
from pim_gitops.lint.rules.views import (
    ga_role,
    highly_privileged,
    holder_finding,
    holders,
    managed,
    template_of,
    tenant_location,
    users_of,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED
from pim_gitops.wire import format_duration, parse_duration


def _exempt(ctx: LintContext) -> set[str]:
    refs = {r.lower() for r in ctx.desired.break_glass}
    refs |= {p.lower() for p, _ in ctx.desired.automation}
    return refs


def _permanent_active(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    exempt = _exempt(ctx)
    for h in holders(ctx):
        if h.kind != "active" or not h.permanent or h.ref.lower() in exempt:
            continue
        privileged = highly_privileged(ctx, h.role_id)
        if privileged:
            yield holder_finding(
                rule,
                h,
                f"{h.ref} has a permanent active {h.role_name} assignment; use "
                "an eligible assignment",
            )
        else:
            yield holder_finding(
                rule,
                h,
                f"{h.ref} has a permanent active {h.role_name} assignment",
                controls=(),
                severity="warning",
            )


register(
    Rule(
        "ASG001",
        "no-permanent-active",
        "error",
        "No permanent active assignments except break-glass and declared service accounts",
        "Standing privilege is always exposed; PIM's value is just-in-time activation. SCuBA "
        "MS.AAD.7.4v1 forbids permanent active assignments of highly privileged roles except "
        "emergency and service accounts; for other roles this is best practice (a warning).",
        "Make the assignment eligible with an expiry, or list the service account under "
        "automation: with a reason.",
        "active:\n  - principal: user:carol@contoso.com\n    permanent: true",
        "eligible:\n  - principal: user:carol@contoso.com\n    duration: P90D",
        _permanent_active,
        scuba=("MS.AAD.7.4v1",),
    )
)


def _ga_count(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    low, high = (2, 4) if ctx.preset == "cis" else (2, 8)
    low, high = int(ctx.option("min", low)), int(ctx.option("max", high))
    ga = [h for h in holders(ctx) if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR]
    count = len(users_of(ctx, ga))
    if not low <= count <= high:
        role = ga_role(ctx)
        where = role.location if role else tenant_location(ctx)
        controls = ("CIS 1.1.3",) if ctx.preset == "cis" else ("MS.AAD.7.1v1",)
        yield rule.finding(
            f"{count} users hold Global Administrator (eligible or active); "
            f"between {low} and {high} expected",
            where,
            role="Global Administrator",
            controls=controls,
        )


register(
    Rule(
        "ASG002",
        "global-admin-count",
        "error",
        "Between two and eight users hold Global Administrator (CIS: two to four)",
        "Fewer than two risks lockout; many Global Administrators widen the attack surface. "
        "SCuBA MS.AAD.7.1v1: a minimum of two and a maximum of eight users; CIS 1.1.3: two to "
        "four. Groups are expanded to their members.",
        "Move people to finer-grained roles, or add a second administrator.",
        "eligible: [9 users]",
        "eligible: [4 users]",
        _ga_count,
        scuba=("MS.AAD.7.1v1",),
        cis=("1.1.3",),
    )
)


def _finer_grained(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    """ScubaGear's least-privilege score: Global Administrators divided by the users who
    hold other highly privileged roles but not Global Administrator; at most 1."""
    every = holders(ctx)
    ga = users_of(ctx, [h for h in every if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR])
    others = (
        users_of(
            ctx,
            [
                h
                for h in every
                if highly_privileged(ctx, h.role_id)
                and template_of(ctx, h.role_id) != GLOBAL_ADMINISTRATOR
            ],
        )
        - ga
    )
    if ga and len(ga) > len(others):
        role = ga_role(ctx)
        detail = (
            "all privileged users are Global Administrators"
            if not others
            else f"least-privilege score {len(ga)}/{len(others)} = {len(ga) / len(others):.2f}"
        )
        yield rule.finding(
            f"{len(ga)} users hold Global Administrator and {len(others)} hold only other highly "
            f"privileged roles ({detail}, should be 1 or less); use finer-grained roles",
            role.location if role else tenant_location(ctx),
            role="Global Administrator",
        )


register(
    Rule(
        "ASG003",
        "finer-grained-roles",
        "error",
        "More users hold finer-grained privileged roles than Global Administrator",
        "SCuBA MS.AAD.7.2v1: privileged users SHALL be provisioned with finer-grained roles "
        "instead of Global Administrator; decided as ScubaGear does, by comparing the number of "
        "Global Administrators with the users holding the other highly privileged roles.",
        "Give administrators the narrowest role that does the job.",
        "5 Global Administrators, 2 Exchange Administrators",
        "2 Global Administrators, 5 holders of other privileged roles",
        _finer_grained,
        scuba=("MS.AAD.7.2v1",),
        needs_tenant=True,
        presets=("cisa", "strict"),
    )
)


def _cloud_only(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if not highly_privileged(ctx, h.role_id) or h.principal is None:
            continue
        p = h.principal
        if p.type == "user" and (p.on_premises_sync_enabled or p.on_premises_immutable_id):
            yield holder_finding(
                rule,
                h,
                f"{h.ref} holds {h.role_name} but is synced or federated from "
                "on-premises; use a cloud-only account",
            )
        elif p.type == "user" and p.user_type == "Guest":
            yield holder_finding(rule, h, f"{h.ref} is a guest and holds {h.role_name}")
        elif p.type == "servicePrincipal" and h.ref.lower() not in _exempt(ctx):
            yield holder_finding(
                rule,
                h,
                f"service principal {h.ref} holds {h.role_name}; declare it "
                "under automation: with a reason",
                controls=(),
                severity="warning",
            )


register(
    Rule(
        "ASG004",
        "cloud-only-privileged",
        "error",
        "Highly privileged roles are held by cloud-only member accounts",
        "A compromised on-premises directory or federation provider must not lead to tenant "
        "compromise (SCuBA MS.AAD.7.3v1, CIS 1.1.1). Guests are outside your control.",
        "Create a separate cloud-only admin account (…@tenant.onmicrosoft.com) and assign that.",
        "principal: user:mallory@contoso.com  # synced from AD",
        "principal: user:mallory-adm@contoso.onmicrosoft.com",
        _cloud_only,
        scuba=("MS.AAD.7.3v1",),
        cis=("1.1.1",),
        needs_tenant=True,
    )
)


def _outside_pim(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    assert ctx.tenant is not None
    for a in ctx.tenant.assignments:
        if not a.outside_pim or not highly_privileged(ctx, a.role_id):
            continue
        p = ctx.tenant.principals.get(a.principal_id)
        ref = p.reference if p else a.principal_id
        name = ctx.role_named(a.role_id)
        yield rule.finding(
            f"{ref} was assigned {name} outside PIM (a direct, standing role assignment)",
            tenant_location(ctx),
            role=name,
            principal=ref,
        )


register(
    Rule(
        "ASG005",
        "assigned-outside-pim",
        "error",
        "Highly privileged roles are assigned only through PIM",
        "Assignments made directly bypass PIM's expiry, approval and alerts (SCuBA MS.AAD.7.5v1); "
        "such an assignment is also standing and permanent.",
        "Declare the assignment in the role file (apply re-creates it through PIM), or remove it.",
        "New-MgRoleManagementDirectoryRoleAssignment …",
        "eligible: [principal: …, duration: P90D]",
        _outside_pim,
        scuba=("MS.AAD.7.5v1",),
        needs_tenant=True,
    )
)


def _eligible_expiry(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    limit = parse_duration(str(ctx.option("max", "P90D" if ctx.preset == "strict" else "P365D")))
    for role, template in managed(ctx):
        if template not in HIGHLY_PRIVILEGED:
            continue
        rules = role.settings.eligible_assignment
        where = role.source_of("eligible_assignment")
        if rules.allow_permanent:
            yield rule.finding(
                f"{role.ref.label}: permanent eligible assignments are allowed",
                where,
                role=role.ref.label,
            )
        elif rules.max_duration is not None and rules.max_duration > limit:
            yield rule.finding(
                f"{role.ref.label}: eligible assignments may last "
                f"{format_duration(rules.max_duration)}, more than "
                f"{format_duration(limit)}",
                where,
                role=role.ref.label,
            )


register(
    Rule(
        "ASG006",
        "eligible-expiry",
        "warning",
        "Eligible assignments of highly privileged roles expire",
        "Eligibility that never expires is never reviewed; an expiry forces a periodic decision.",
        "Set eligible_assignment: {allow_permanent: false, max_duration: P365D} (P90D in strict).",
        "eligible_assignment: {allow_permanent: true}",
        "eligible_assignment: {allow_permanent: false, max_duration: P180D}",
        _eligible_expiry,
    )
)


def _justified(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.declared and not (h.justification or "").strip():
            yield holder_finding(
                rule, h, f"{h.role_name}: the {h.kind} assignment of {h.ref} has no justification"
            )


register(
    Rule(
        "ASG007",
        "assignment-justification",
        "warning",
        "Every assignment says why it exists",
        "Auditors ask why someone holds a role; the justification travels to Entra's audit log.",
        "Add justification: (and ticket:) to the assignment.",
        "- principal: user:alice@contoso.com\n  duration: P90D",
        "- principal: user:alice@contoso.com\n  duration: P90D\n  justification: Tier-0 ops",
        _justified,
    )
)


def _stale(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.declared and h.end is not None and h.end <= ctx.now:
            yield holder_finding(
                rule,
                h,
                f"{h.role_name}: the {h.kind} assignment of {h.ref} expired on "
                f"{h.end:%Y-%m-%d}; remove it from the file",
            )


register(
    Rule(
        "ASG008",
        "stale-assignment",
        "warning",
        "No declared assignment has already expired",
        "An expired declaration is dead text that misleads reviewers.",
        "Delete the assignment or give it a new expiry.",
        "expires: 2024-01-31",
        "expires: 2027-01-31",
        _stale,
    )
)


def _disabled(ctx: LintContext, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.principal is not None and h.principal.account_enabled is False:
            yield holder_finding(
                rule,
                h,
                f"{h.ref} is disabled but holds {h.role_name} ({h.kind}); remove the assignment",
            )


register(
    Rule(
        "ASG009",
        "disabled-holder",
        "warning",
        "Disabled accounts hold no roles",
        "A leaver's account that keeps a role is one re-enable away from privilege, and its "
        "assignment hides from reviews of active staff.",
        "Remove the assignment (declare the role, or remove it in the portal).",
        "eligible: [principal: user:leaver@contoso.com]  # accountEnabled: false",
        "eligible: []",
        _disabled,
        needs_tenant=True,
    )
)
