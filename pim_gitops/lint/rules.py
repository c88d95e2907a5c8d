"""The rule catalogue. SCuBA ids are those of CISA's M365 Secure Configuration Baseline for
Entra ID, section MS.AAD.7 (highly privileged access); CIS ids are the CIS Microsoft 365
Foundations Benchmark v4.0.0. A finding carries a control id only when it violates exactly
that control as the baseline words it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pim_gitops.compile import CompiledRole
from pim_gitops.errors import Location
from pim_gitops.lint.engine import Context, Finding, Rule, register
from pim_gitops.roles import (
    BUILTIN_ROLES,
    GLOBAL_ADMINISTRATOR,
    HIGHLY_PRIVILEGED,
    PRIVILEGED_ROLE_ADMINISTRATOR,
)
from pim_gitops.state import Principal
from pim_gitops.wire import format_duration, parse_duration

# --- shared views ---------------------------------------------------------------------------


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


def _tenant_location(ctx: Context) -> Location:
    return Location(ctx.desired.tenant_file, 1, 1)


def holders(ctx: Context) -> list[Holder]:
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
                    _tenant_location(ctx),
                    False,
                    (a.role_id, a.principal_id) in live_outside,
                )
            )
    return out


def template_of(ctx: Context, role_id: str) -> str:
    role = ctx.tenant.roles.get(role_id) if ctx.tenant else None
    return role.template_id if role else role_id


def highly_privileged(ctx: Context, role_id: str) -> bool:
    return template_of(ctx, role_id) in HIGHLY_PRIVILEGED


def users_of(ctx: Context, holder_list: Iterable[Holder]) -> set[str]:
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


def managed(ctx: Context) -> Iterator[tuple[CompiledRole, str]]:
    for role in ctx.desired.roles:
        yield role, template_of(ctx, ctx.role_id(role) or "")


def _ga_role(ctx: Context) -> CompiledRole | None:
    for role, template in managed(ctx):
        if template == GLOBAL_ADMINISTRATOR:
            return role
    return None


# --- GEN: structure -------------------------------------------------------------------------


def _break_glass(ctx: Context, rule: Rule) -> Iterable[Finding]:
    expected = int(ctx.option("count", 2))
    declared = ctx.desired.break_glass
    where = Location(ctx.desired.tenant_file, 1, 1)
    if len(declared) != expected:
        yield rule.finding(
            f"{len(declared)} break-glass account(s) declared; exactly {expected} expected",
            where,
            role="Global Administrator",
        )
    ga = _ga_role(ctx)
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


def _unresolved(ctx: Context, rule: Rule) -> Iterable[Finding]:
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


# --- ASG: assignments -----------------------------------------------------------------------


def _exempt(ctx: Context) -> set[str]:
    refs = {r.lower() for r in ctx.desired.break_glass}
    refs |= {p.lower() for p, _ in ctx.desired.automation}
    return refs


def _permanent_active(ctx: Context, rule: Rule) -> Iterable[Finding]:
    exempt = _exempt(ctx)
    for h in holders(ctx):
        if h.kind != "active" or not h.permanent or h.ref.lower() in exempt:
            continue
        privileged = highly_privileged(ctx, h.role_id)
        if privileged:
            yield rule.finding(
                f"{h.ref} has a permanent active {h.role_name} assignment; use "
                "an eligible assignment",
                h.where,
                role=h.role_name,
                principal=h.ref,
            )
        else:
            yield rule.finding(
                f"{h.ref} has a permanent active {h.role_name} assignment",
                h.where,
                role=h.role_name,
                principal=h.ref,
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


def _ga_count(ctx: Context, rule: Rule) -> Iterable[Finding]:
    low, high = (2, 4) if ctx.preset == "cis" else (2, 8)
    low, high = int(ctx.option("min", low)), int(ctx.option("max", high))
    ga = [h for h in holders(ctx) if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR]
    count = len(users_of(ctx, ga))
    if not low <= count <= high:
        role = _ga_role(ctx)
        where = role.location if role else _tenant_location(ctx)
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


def _finer_grained(ctx: Context, rule: Rule) -> Iterable[Finding]:
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
        role = _ga_role(ctx)
        detail = (
            "all privileged users are Global Administrators"
            if not others
            else f"least-privilege score {len(ga)}/{len(others)} = {len(ga) / len(others):.2f}"
        )
        yield rule.finding(
            f"{len(ga)} users hold Global Administrator and {len(others)} hold only other highly "
            f"privileged roles ({detail}, should be 1 or less); use finer-grained roles",
            role.location if role else _tenant_location(ctx),
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


def _cloud_only(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if not highly_privileged(ctx, h.role_id) or h.principal is None:
            continue
        p = h.principal
        if p.type == "user" and (p.on_premises_sync_enabled or p.on_premises_immutable_id):
            yield rule.finding(
                f"{h.ref} holds {h.role_name} but is synced or federated from "
                "on-premises; use a cloud-only account",
                h.where,
                role=h.role_name,
                principal=h.ref,
            )
        elif p.type == "user" and p.user_type == "Guest":
            yield rule.finding(
                f"{h.ref} is a guest and holds {h.role_name}",
                h.where,
                role=h.role_name,
                principal=h.ref,
            )
        elif p.type == "servicePrincipal" and h.ref.lower() not in _exempt(ctx):
            yield rule.finding(
                f"service principal {h.ref} holds {h.role_name}; declare it "
                "under automation: with a reason",
                h.where,
                role=h.role_name,
                principal=h.ref,
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


def _outside_pim(ctx: Context, rule: Rule) -> Iterable[Finding]:
    assert ctx.tenant is not None
    for a in ctx.tenant.assignments:
        if not a.outside_pim or not highly_privileged(ctx, a.role_id):
            continue
        p = ctx.tenant.principals.get(a.principal_id)
        ref = p.reference if p else a.principal_id
        name = ctx.role_named(a.role_id)
        yield rule.finding(
            f"{ref} was assigned {name} outside PIM (a direct, standing role assignment)",
            _tenant_location(ctx),
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


def _eligible_expiry(ctx: Context, rule: Rule) -> Iterable[Finding]:
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


def _justified(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.declared and not (h.justification or "").strip():
            yield rule.finding(
                f"{h.role_name}: the {h.kind} assignment of {h.ref} has no justification",
                h.where,
                role=h.role_name,
                principal=h.ref,
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


def _stale(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.declared and h.end is not None and h.end <= ctx.now:
            yield rule.finding(
                f"{h.role_name}: the {h.kind} assignment of {h.ref} expired on "
                f"{h.end:%Y-%m-%d}; remove it from the file",
                h.where,
                role=h.role_name,
                principal=h.ref,
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


# --- ACT: activation ------------------------------------------------------------------------


def _activation_controls(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for role, _ in managed(ctx):
        act = role.settings.activation
        where = role.source_of("activation.require")
        missing = []
        if not act.require_mfa and not act.authentication_context:
            missing.append("MFA or an authentication context")
        if not act.require_justification:
            missing.append("a justification")
        if missing:
            yield rule.finding(
                f"{role.ref.label}: activation does not require {' and '.join(missing)}",
                where,
                role=role.ref.label,
            )
        if not act.require_ticket and ctx.option("ticket", True):
            yield rule.finding(
                f"{role.ref.label}: activation does not require a ticket",
                where,
                role=role.ref.label,
                severity="warning",
            )


register(
    Rule(
        "ACT001",
        "activation-requirements",
        "error",
        "Activation requires MFA (or an authentication context), a justification and a ticket",
        "Activation is when standing risk becomes real privilege; it must be strongly "
        "authenticated and explained. A missing ticket is a warning (option ticket: false).",
        "activation: {require: [mfa, justification, ticket]}",
        "activation: {require: [justification]}",
        "activation: {require: [mfa, justification, ticket]}",
        _activation_controls,
        options={"ticket": True},
    )
)


def _activation_duration(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for role, template in managed(ctx):
        limit = parse_duration(str(ctx.option("max", "PT8H")))
        if ctx.preset == "strict" and template in HIGHLY_PRIVILEGED:
            limit = min(limit, 4 * 3600)
        duration = role.settings.activation.max_duration
        if duration > limit:
            yield rule.finding(
                f"{role.ref.label}: activation lasts up to "
                f"{format_duration(duration)}, more than "
                f"{format_duration(limit)}",
                role.source_of("activation.max_duration"),
                role=role.ref.label,
            )


register(
    Rule(
        "ACT002",
        "activation-duration",
        "warning",
        "Activation lasts at most 8 hours (4 for highly privileged roles in strict)",
        "Shorter activations shrink the window in which a stolen session holds privilege.",
        "Lower activation.max_duration.",
        "max_duration: PT12H",
        "max_duration: PT4H",
        _activation_duration,
        options={"max": "PT8H"},
    )
)


def _automation_mfa(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for role, _ in managed(ctx):
        for name in ("eligible_assignment", "active_assignment"):
            if getattr(role.settings, name).require_mfa:
                yield rule.finding(
                    f"{role.ref.label}: {name} requires MFA, which app-only apply (CI) cannot "
                    "satisfy: Graph answers RoleAssignmentRequestPolicyValidationFailed "
                    '["MfaRule"]; assign from an interactive session or drop the requirement',
                    role.source_of(f"{name}.require"),
                    role=role.ref.label,
                )


register(
    Rule(
        "ACT003",
        "mfa-breaks-automation",
        "warning",
        "Admin-side MFA requirements do not block the CI apply identity",
        "An app-only token carries no MFA claim, so every assignment request fails (graph-pim.md "
        "§7, microsoft-graph-docs-contrib#2302).",
        "Remove mfa from eligible_assignment/active_assignment require, or apply interactively.",
        "active_assignment: {require: [mfa, justification]}",
        "active_assignment: {require: [justification]}",
        _automation_mfa,
    )
)


# --- APR: approval --------------------------------------------------------------------------


def _approval_needed(ctx: Context, template: str) -> tuple[bool, tuple[str, ...]]:
    if template == GLOBAL_ADMINISTRATOR:
        return True, ("CIS 5.3.4",) if ctx.preset == "cis" else ("MS.AAD.7.6v1",)
    if template == PRIVILEGED_ROLE_ADMINISTRATOR and ctx.preset in ("cis", "strict"):
        return True, ("CIS 5.3.5",) if ctx.preset == "cis" else ()
    if template in HIGHLY_PRIVILEGED and ctx.preset == "strict":
        return True, ()
    return False, ()


def _approval(ctx: Context, rule: Rule) -> Iterable[Finding]:
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
                _tenant_location(ctx),
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


def _approvers(ctx: Context, rule: Rule) -> Iterable[Finding]:
    every = holders(ctx)
    for role, _ in managed(ctx):
        act = role.settings.activation
        if not act.approval_required:
            continue
        where = role.source_of("activation.approval")
        if not act.approvers:
            yield rule.finding(
                f"{role.ref.label}: approval is required but no approvers are "
                "named; Entra falls back to Privileged Role and Global "
                "Administrators",
                where,
                role=role.ref.label,
                severity="warning",
            )
            continue
        if ctx.tenant is None:
            continue
        approver_users: set[str] = set()
        for ref in act.approvers:
            p = ctx.principal(ref)
            if p is None:
                continue
            if p.type == "servicePrincipal":
                yield rule.finding(
                    f"{role.ref.label}: {ref} is a service principal and cannot approve",
                    where,
                    role=role.ref.label,
                    principal=ref,
                )
            elif p.type == "group":
                approver_users |= set(ctx.tenant.group_members.get(p.id, ()))
            else:
                approver_users.add(p.id)
        role_id = ctx.role_id(role)
        for h in every:
            if h.role_id != role_id or h.kind != "eligible" or h.principal is None:
                continue
            people = users_of(ctx, [h])
            for person in sorted(people):
                if approver_users and approver_users <= {person}:
                    p = ctx.tenant.principals.get(person)
                    who = p.reference if p else person
                    yield rule.finding(
                        f"{role.ref.label}: {who} is eligible and the only "
                        "approver; nobody can approve their activation",
                        h.where,
                        role=role.ref.label,
                        principal=who,
                    )


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


def _reviewed(ctx: Context, rule: Rule) -> Iterable[Finding]:
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


# --- NTF: notifications ---------------------------------------------------------------------


def _has_admin_alert(role: CompiledRole, event: str, defaults_count: bool) -> bool:
    note = role.settings.notification(event, "admin")
    if note.level == "None":
        return False
    return bool(note.recipients) or (defaults_count and note.default_recipients)


def _alerts(ctx: Context, rule: Rule) -> Iterable[Finding]:
    defaults_count = bool(ctx.option("default_recipients_count", False))
    for role, template in managed(ctx):
        if template not in HIGHLY_PRIVILEGED:
            continue
        for event, label in (("eligible_assigned", "eligible"), ("active_assigned", "active")):
            if not _has_admin_alert(role, event, defaults_count):
                yield rule.finding(
                    f"{role.ref.label}: {label} assignment alerts go to no "
                    "recipient beyond the defaults",
                    role.source_of(f"notifications.{event}"),
                    role=role.ref.label,
                    controls=("MS.AAD.7.7v1",),
                )
        if not _has_admin_alert(role, "activated", defaults_count):
            control = "MS.AAD.7.8v1" if template == GLOBAL_ADMINISTRATOR else "MS.AAD.7.9v1"
            yield rule.finding(
                f"{role.ref.label}: activation alerts go to no recipient beyond the defaults",
                role.source_of("notifications.activated"),
                role=role.ref.label,
                controls=(control,),
                severity="error" if template == GLOBAL_ADMINISTRATOR else "warning",
            )


register(
    Rule(
        "NTF001",
        "privileged-alerts",
        "error",
        "Assignments and activations of highly privileged roles alert the security team",
        "Eligible and active assignments of highly privileged roles SHALL trigger an alert (SCuBA "
        "MS.AAD.7.7v1); activating Global Administrator SHALL (MS.AAD.7.8v1) and the other "
        "highly privileged roles SHOULD (MS.AAD.7.9v1, a warning). Default recipients alone do "
        "not count unless the option default_recipients_count is true.",
        "notifications: {activated: {admin: {recipients: [secops@contoso.com]}}}",
        "notifications: {}",
        "notifications:\n  activated: {admin: {recipients: [secops@contoso.com]}}",
        _alerts,
        scuba=("MS.AAD.7.7v1", "MS.AAD.7.8v1", "MS.AAD.7.9v1"),
        options={"default_recipients_count": False},
    )
)


def role_names() -> dict[str, str]:
    return dict(BUILTIN_ROLES)


def _engine_reported(ctx: Context, rule: Rule) -> Iterable[Finding]:
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


def _disabled(ctx: Context, rule: Rule) -> Iterable[Finding]:
    for h in holders(ctx):
        if h.principal is not None and h.principal.account_enabled is False:
            yield rule.finding(
                f"{h.ref} is disabled but holds {h.role_name} ({h.kind}); remove the assignment",
                h.where,
                role=h.role_name,
                principal=h.ref,
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
