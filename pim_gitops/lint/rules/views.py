"""What the rules see, in each view (``registry.View``):

* **policy**: the managed roles as the repository declares them, which is what apply makes
  of the tenant: the compiled settings, the declared assignments, and, for a role in
  ``assignments_mode: additive``, the live assignments apply leaves in place;
* **posture**: the tenant as it is now, every role: the live policy and the live
  assignments, with the requests in flight (a future start, awaiting approval), said so.

A rule is written once over ``subjects`` (roles and their settings) and ``holders`` (who
holds which role) and runs in each view it declares; the engine labels its findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from pim_gitops.compile import CompiledRole, DeclaredAssignment
from pim_gitops.errors import Location
from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.lint.privileged import SCUBA_HIGHLY_PRIVILEGED
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Assignment, Principal, RoleSettings
from pim_gitops.wire import is_guid


@dataclass(frozen=True)
class Subject:
    """A role as one view sees it."""

    role_id: str
    template_id: str
    name: str
    #: ``None`` in the posture view when the role's policy could not be read.
    settings: RoleSettings | None
    #: The role's file when the repository manages it.
    compiled: CompiledRole | None
    where: Location
    view: str

    def at(self, setting: str) -> Location:
        """Where a finding about ``setting`` is shown: the line that declares it (policy
        view), else the role's file or, for an unmanaged role, the tenant file."""
        if self.view == "policy" and self.compiled is not None:
            return self.compiled.source_of(setting)
        return self.where

    def unset(self, setting: str) -> bool:
        """In the policy view, no file declares ``setting``: the role has Entra's default."""
        if self.view != "policy" or self.compiled is None:
            return False
        return self.compiled.source_of(setting) == self.compiled.location


@dataclass(frozen=True)
class Holder:
    """Someone who holds (policy view: will hold, once applied) a role at directory scope."""

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
    start: datetime | None = None
    #: Declared with ``adopted:``: taken over from the tenant by an export.
    adopted: bool = False
    #: Declared as a duration from creation (seconds), when it was.
    duration: int | None = None
    #: Declared ``renew: true``: granted again whenever it lapses, so it never ends.
    renew: bool = False
    #: Live: a request in flight (its status), not yet an assignment.
    requested: str | None = None
    #: The scope: ``/`` (directory-wide) for ``holders``; an administrative unit or an
    #: object for ``scoped_holders``.
    scope: str = "/"


def holder_finding(
    ctx: LintContext,
    h: Holder,
    message: str,
    *,
    controls: tuple[str, ...] | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding about one holder: at the holder's place, naming its role and principal (and
    saying when it is a request in flight, not yet in effect)."""
    if h.scope != "/":
        message += f" (scope {h.scope})"
    if h.requested:
        message += f" (requested, {h.requested}: not yet in effect)"
    return ctx.finding(
        message, h.where, role=h.role_name, principal=h.ref, controls=controls, severity=severity
    )


def role_finding(
    ctx: LintContext,
    subject: Subject,
    text: str,
    setting: str,
    *,
    principal: str | None = None,
    controls: tuple[str, ...] | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding about one role's setting: ``"<role>: <text>"`` at the setting's place.
    Roles sharing the line (a ``defaults`` or template value) are reported once (engine)."""
    return ctx.finding(
        f"{subject.name}: {text}",
        subject.at(setting),
        role=subject.name,
        principal=principal,
        controls=controls,
        severity=severity,
        detail=text,
        unset=subject.unset(setting),
    )


def template_of(ctx: LintContext, role_id: str) -> str:
    role = ctx.tenant.roles.get(role_id) if ctx.tenant else None
    return role.template_id if role else role_id


def privileged(ctx: LintContext, role_id: str) -> bool:
    """In the configured privileged-role set (``lint.privileged_roles``)."""
    return template_of(ctx, role_id) in ctx.privileged


def _managed_subjects(ctx: LintContext) -> list[Subject]:
    out = []
    for role in ctx.desired.roles:
        role_id = ctx.role_id(role) or role.ref.key
        out.append(
            Subject(
                role_id,
                template_of(ctx, role_id),
                role.ref.label,
                role.settings,
                role,
                role.location,
                "policy",
            )
        )
    return out


def _live_subjects(ctx: LintContext, also: frozenset[str]) -> list[Subject]:
    tenant = ctx.tenant
    if tenant is None:
        return []
    managed = {ctx.role_id(r): r for r in ctx.desired.roles}
    held = {a.role_id for a in live_assignments(ctx)}
    out = []
    for role_id, role in tenant.roles.items():
        if not (
            role_id in held
            or role_id in managed
            or role.template_id in ctx.privileged
            or role.template_id in also
        ):
            continue
        policy = tenant.policies.get(role_id)
        out.append(
            Subject(
                role_id,
                role.template_id,
                role.display_name,
                policy.settings if policy else None,
                managed.get(role_id),
                ctx.tenant_location(role_id),
                "posture",
            )
        )
    return sorted(out, key=lambda s: (s.name.casefold(), s.role_id))


def subjects(ctx: LintContext, *, also: Iterable[str] = ()) -> list[Subject]:
    """The roles of this view: managed ones (policy); in the posture view every role that is
    managed, held by someone or in the privileged-role set, and the roles of ``also``
    (template ids) that a rule judges whatever set is configured: SCuBA's eight for every
    rule that enforces SCuBA, Global and Privileged Role Administrator for CIS 5.3.4/5.3.5,
    a rule's own ``roles`` option."""
    if ctx.view == "posture":
        fixed = frozenset(also) | (SCUBA_HIGHLY_PRIVILEGED if ctx.rule.scuba else frozenset())
        return ctx.memo(("subjects", "posture", fixed), lambda: _live_subjects(ctx, fixed))
    return ctx.memo(("subjects", "policy"), lambda: _managed_subjects(ctx))


def configured(ctx: LintContext, *, also: Iterable[str] = ()) -> list[tuple[Subject, RoleSettings]]:
    """``subjects`` whose settings are known (a posture role whose policy could not be read
    is GEN003's finding, not judged here)."""
    return [(s, s.settings) for s in subjects(ctx, also=also) if s.settings is not None]


def live_assignments(ctx: LintContext) -> list[Assignment]:
    """The tenant's directory-wide assignments, with the requests in flight."""
    tenant = ctx.tenant
    if tenant is None:
        return []
    return ctx.memo("live assignments", lambda: _in_effect_or_asked(tenant.assignments))


def _in_effect_or_asked(assignments: Iterable[Assignment]) -> list[Assignment]:
    """Directory-wide assignments, and the requests in flight (a future start, awaiting
    approval) for what no assignment gives yet: a permanent Global Administrator scheduled
    for tomorrow is the tenant's problem today."""
    found = [a for a in assignments if a.scope == "/"]
    given = {(a.role_id, a.principal_id, a.kind) for a in found if a.request is None}
    return [
        a for a in found if a.request is None or (a.role_id, a.principal_id, a.kind) not in given
    ]


def _live_holder(ctx: LintContext, a: Assignment, where: Location) -> Holder:
    assert ctx.tenant is not None
    p = ctx.tenant.principals.get(a.principal_id)
    return Holder(
        a.role_id,
        ctx.role_named(a.role_id),
        a.kind,
        p.reference if p else a.principal_id,
        p,
        a.permanent,
        a.end,
        where,
        False,
        a.outside_pim,
        start=a.start,
        requested=a.request[1] if a.request else None,
    )


def _declared_holder(
    ctx: LintContext, role: CompiledRole, role_id: str, item: DeclaredAssignment
) -> Holder:
    return Holder(
        role_id,
        role.ref.label,
        item.kind,
        item.principal,
        ctx.principal(item.principal),
        item.permanent,
        item.end,
        item.location,
        True,
        item.outside_pim,
        item.justification,
        item.start,
        item.adopted is not None,
        item.duration,
        renew=item.renew,
    )


def _declared_holders(ctx: LintContext, role: CompiledRole, role_id: str) -> list[Holder]:
    return [
        _declared_holder(ctx, role, role_id, item) for item in role.assignments if item.scope == "/"
    ]


def _kept_live(ctx: LintContext, role: CompiledRole, role_id: str) -> list[Holder]:
    """Live assignments of an additive role that the repository does not declare: apply
    leaves them, so they are part of what the tenant will be."""
    if role.assignments_mode != "additive":
        return []
    declared = set()
    for item in role.assignments:
        p = ctx.principal(item.principal)
        declared.add((p.id if p else item.principal.lower(), item.kind))
    return [
        _live_holder(ctx, a, role.location)
        for a in live_assignments(ctx)
        if a.role_id == role_id and (a.principal_id, a.kind) not in declared
    ]


def holders(ctx: LintContext) -> list[Holder]:
    """Who holds which role in this view (see the module docstring); computed once per run
    and view."""
    return ctx.memo(("holders", ctx.view), lambda: _holders(ctx))


def _holders(ctx: LintContext) -> list[Holder]:
    if ctx.view == "posture":
        return [_live_holder(ctx, a, ctx.tenant_location(a.role_id)) for a in live_assignments(ctx)]
    out: list[Holder] = []
    for role in ctx.desired.roles:
        role_id = ctx.role_id(role) or role.ref.key
        out += _declared_holders(ctx, role, role_id) + _kept_live(ctx, role, role_id)
    return out


def scoped_holders(ctx: LintContext) -> list[Holder]:
    """Who holds a role at a narrower scope than the directory (an administrative unit, an
    application): declared (policy view) or live (posture view). A standing assignment there
    is still a standing assignment of the role (MS.AAD.7.4v1 names no scope)."""
    return ctx.memo(("scoped holders", ctx.view), lambda: _scoped(ctx))


def _scoped(ctx: LintContext) -> list[Holder]:
    if ctx.view == "posture":
        if ctx.tenant is None:
            return []
        live = [a for a in ctx.tenant.assignments if a.scope != "/"]
        live += list(ctx.tenant.unmanaged_scoped)
        return [
            replace(_live_holder(ctx, a, ctx.tenant_location(a.role_id)), scope=a.scope)
            for a in live
        ]
    out: list[Holder] = []
    for role in ctx.desired.roles:
        role_id = ctx.role_id(role) or role.ref.key
        for item in role.assignments:
            if item.scope != "/":
                out.append(replace(_declared_holder(ctx, role, role_id, item), scope=item.scope))
    return out


def member_users(ctx: LintContext, group: Principal) -> list[Principal]:
    """The member users of a group, as the tenant view lists them (none when it does not:
    ``group.id not in tenant.group_members`` tells the two apart)."""
    if ctx.tenant is None:
        return []
    principals = ctx.tenant.principals
    return [
        p
        for m in ctx.tenant.group_members.get(group.id, ())
        if (p := principals.get(m)) is not None and p.type == "user"
    ]


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


def approver(ctx: LintContext, ref: str) -> Principal | None:
    """An approver: a reference of the policy (``group:PIM Tier0 Approvers``) or, as the
    live policy names them, ``user:<object id>`` / ``group:<object id>``."""
    kind, _, value = ref.partition(":")
    if ctx.tenant is not None and kind in ("user", "group") and is_guid(value):
        return ctx.tenant.principals.get(value.lower()) or ctx.tenant.principals.get(value)
    return ctx.principal(ref)


def ga_subject(ctx: LintContext) -> Subject | None:
    for s in subjects(ctx):
        if s.template_id == GLOBAL_ADMINISTRATOR:
            return s
    return None


def ga_where(ctx: LintContext) -> Location:
    """Where a finding about Global Administrator as a whole is shown in this view."""
    found = ga_subject(ctx)
    if found is not None:
        return found.where
    return ctx.tenant_location(ctx.tenant_role_id(GLOBAL_ADMINISTRATOR))


def exempt_refs(ctx: LintContext) -> set[str]:
    """Who may hold a permanent active assignment: break-glass, automation, apply identity."""
    refs = {r.lower() for r in ctx.desired.break_glass}
    refs |= {p.lower() for p, _ in ctx.desired.automation}
    apply_identity = ctx.desired.apply_identity
    return (refs | {apply_identity.lower()}) if apply_identity else refs


def is_exempt(ctx: LintContext, h: Holder) -> bool:
    """``h`` is a declared break-glass, automation or apply account (by reference or, with a
    tenant, by the object it resolves to). A group never is: SCuBA's exceptions are
    emergency access accounts and service accounts, and a group's standing assignment is
    standing access for every member (a PIM-enrolled group is ASG001's ``pim_groups``)."""
    if h.ref.lower().startswith("group:") or (
        h.principal is not None and h.principal.type == "group"
    ):
        return False
    refs = exempt_refs(ctx)
    if h.ref.lower() in refs:
        return True
    if h.principal is None:
        return False
    return any((p := ctx.principal(r)) is not None and p.id == h.principal.id for r in refs)
