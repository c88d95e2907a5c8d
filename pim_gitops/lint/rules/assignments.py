"""ASG001 and ASG004: who may hold a role and how: no standing privilege, cloud-only accounts
(``ga_count.py`` counts the Global Administrators; ``lifecycle.py`` has how assignments were
made, how long they last and when they go stale; ``guests.py`` the guests' and vendors')."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.group_views import enrolled, pim_members, standing_members
from pim_gitops.lint.privileged import CIS_PIM_ROLES, SCUBA_HIGHLY_PRIVILEGED
from pim_gitops.lint.registry import names, rule
from pim_gitops.lint.rules.views import (
    Holder,
    exempt_refs,
    holder_finding,
    holders,
    is_exempt,
    member_users,
    privileged,
    scoped_holders,
    template_of,
)
from pim_gitops.state import Principal

GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"


def _enrolled_group(ctx: LintContext, h: Holder) -> bool:
    """``h`` is a group enrolled in PIM for Groups (its members activate their membership
    there): its membership is eligible through PIM for Groups in this view
    (``group_views.enrolled``), or it is listed under the ASG001 option ``pim_groups``."""
    listed = {n.casefold().removeprefix("group:") for n in ctx.names("pim_groups")}
    kind, _, name = h.ref.partition(":")
    if h.principal is not None and h.principal.type == "group":
        named = h.principal.display_name.casefold() in listed or h.principal.id in listed
        return named or enrolled(ctx, h.principal)
    return kind.lower() == "group" and name.casefold() in listed


def _standing_findings(ctx: LintContext, h: Holder, controls: tuple[str, ...]) -> Iterator[Finding]:
    """An enrolled group's permanent active assignment is exempt, not its standing members
    (direct members outside PIM, permanent active PIM members): each has the role
    permanently, with nothing to activate. Exempt accounts (break-glass…) are not judged."""
    if h.principal is None or ctx.tenant is None:
        return
    exempt = exempt_refs(ctx)
    for pid in standing_members(ctx, h.principal):
        member = ctx.tenant.principals.get(pid)
        ref = member.reference if member is not None else pid
        if ref.lower() in exempt or any(
            (p := ctx.principal(r)) is not None and p.id == pid for r in exempt
        ):
            continue
        yield ctx.finding(
            f"{ref} is a standing member of {h.ref}, which has a permanent active "
            f"{h.role_name} assignment: the group is enrolled in PIM for Groups, its standing "
            "members are not; make the membership eligible",
            h.where,
            role=h.role_name,
            principal=ref,
            controls=controls,
        )


def permanent_active_controls(template_id: str) -> tuple[str, ...]:
    """The controls a permanent active assignment of the role violates: SCuBA 7.4 for its
    eight highly privileged roles, CIS 5.3.1 for the 24 roles it lists."""
    scuba = ("MS.AAD.7.4v1",) if template_id in SCUBA_HIGHLY_PRIVILEGED else ()
    return scuba + (("CIS 5.3.1",) if template_id in CIS_PIM_ROLES else ())


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def _instead(h: Holder) -> str:
    """What to do instead: a service principal cannot be made eligible (PIM refuses it:
    Microsoft's deployment plan), so it is declared under ``automation:`` or given an
    assignment that ends. An ``sp:`` reference says it is one without a tenant view, so the
    text (a waiver's key) is the same offline and with the tenant."""
    sp_ref = h.ref.partition(":")[0].lower() == "sp"
    if sp_ref or (h.principal is not None and h.principal.type == "servicePrincipal"):
        return (
            "a service principal cannot be eligible: give it an active assignment that ends, "
            "or declare it under automation: with a reason (or as apply_identity: when apply "
            "signs in as it)"
        )
    return "use an eligible assignment"


# long: the docstring is the rule's documentation page
def no_permanent_active(ctx: LintContext) -> Iterator[Finding]:
    """No permanent active assignments except break-glass, automation and PIM groups

    ## What it checks

    No principal holds an active assignment with no end (a role assignment made outside
    PIM, which has no schedule at all, included), except the `break_glass:` accounts, the
    service accounts declared under `automation:`, the `apply_identity:` (the service
    principal apply signs in as, a service account by definition: it holds Privileged Role
    Administrator permanently, docs/github-setup.md step 4) and the groups enrolled in PIM
    for Groups: a role-assignable group whose membership is eligible through PIM for Groups
    (at least one eligible member: in the tenant's schedules, or, in the policy view, as the
    group's file under `groups/` declares its `member:` assignments), or a group listed in
    the option `pim_groups`. An enrolled group's standing members (direct members outside
    PIM, permanent active members through PIM) hold the role permanently with nothing to
    activate: each is a finding of its own, unless it is itself exempt.

    The finding carries MS.AAD.7.4v1 for SCuBA's eight highly privileged roles and CIS 5.3.1
    for the 24 roles CIS lists (an error); a role of the configured privileged set in
    neither list is an error without a control id; any other role a warning.

    ## Why

    > MS.AAD.7.4v1: Permanent active role assignments SHALL NOT be allowed for highly
    > privileged roles.

    SCuBA's exceptions: "Emergency access accounts that require perpetual active
    assignment. Service accounts that require perpetual active assignment. If using PIM for
    Groups, a group that is enrolled in PIM is allowed to have a perpetual active assignment
    to a role because activation is handled by PIM for Groups." Its check: "Verify there are
    no users or groups with a value of Permanent in the End time column."

    CIS 5.3.1 (*Ensure 'Privileged Identity Management' is used to manage roles*): "Inspect
    at a minimum the following sensitive roles to ensure the members are Eligible and not
    Permanent" (24 roles, from Application Administrator to User Administrator). CIS names
    no exception; the same accounts are exempt here, as the accounts a tenant must keep
    standing (CIS 1.1.2 asks for two emergency accounts holding Global Administrator).

    ## How to fix

    Make the assignment eligible with an expiry, list the service account under
    `automation:` with a reason (the identity apply signs in as: `apply_identity:`), or make
    the group's membership eligible through PIM for Groups (`groups/<name>.yaml`).

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    active_assignment: {allow_permanent: true}
    assignments:
      active:
        - {principal: user:carol@contoso.com, permanent: true, justification: ops}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:carol@contoso.com, start: 2026-11-24, duration: P90D, justification: ops}
    ```
    """
    for h in [*holders(ctx), *scoped_holders(ctx)]:
        if h.kind != "active" or not h.permanent or is_exempt(ctx, h):
            continue
        controls = permanent_active_controls(template_of(ctx, h.role_id))
        if _enrolled_group(ctx, h):
            if controls or privileged(ctx, h.role_id):
                yield from _standing_findings(ctx, h, controls)
            continue
        how = " made outside PIM" if h.outside_pim else ""
        text = f"{h.ref} has a permanent active {h.role_name} assignment{how}"
        if controls or privileged(ctx, h.role_id):
            yield holder_finding(ctx, h, f"{text}; {_instead(h)}", controls=controls)
        else:
            yield holder_finding(ctx, h, text, controls=(), severity="warning")


rule(
    code="ASG001",
    name="no-permanent-active",
    severity="error",
    scuba=("MS.AAD.7.4v1",),
    cis=("5.3.1",),
    options=(
        names(
            "pim_groups",
            (),
            "Groups enrolled in PIM for Groups (by name), allowed a permanent active "
            "assignment (SCuBA 7.4).",
        ),
    ),
)(no_permanent_active)


def _accounts(ctx: LintContext, h: Holder) -> list[tuple[Principal, str]]:
    """The accounts behind a holder, each with how it holds the role: itself, or the member
    users of a group the tenant lists the members of (``" (member of group:X)"``), and its
    eligible and active members through PIM for Groups (``" (eligible member of
    group:X)"``)."""
    p = h.principal
    if p is None:
        return []
    if p.type != "group" or ctx.tenant is None:
        return [(p, "")]
    out = [(m, f" (member of {h.ref})") for m in member_users(ctx, p)]
    listed = {m.id for m, _ in out}
    for m in pim_members(ctx, p) or []:
        user = ctx.tenant.principals.get(m.principal_id)
        if user is not None and user.type == "user" and user.id not in listed:
            listed.add(user.id)
            out.append((user, f" ({m.kind} member of {h.ref})"))
    return out


def _members_unknown(ctx: LintContext, h: Holder) -> bool:
    """A group holder whose members no tenant view lists (the cloud-only check cannot look
    at them: said, not passed)."""
    p = h.principal
    return (
        ctx.tenant is not None
        and p is not None
        and p.type == "group"
        and p.id not in ctx.tenant.group_members
        and pim_members(ctx, p) is None
    )


def cis_administrative(ctx: LintContext, h: Holder) -> bool:
    """A role CIS 1.1.1's audit script treats as administrative: its name contains
    "Administrator", or it is Global Reader."""
    return "administrator" in h.role_name.casefold() or template_of(ctx, h.role_id) == GLOBAL_READER


def _not_cloud_only(ctx: LintContext, h: Holder, user: Principal) -> tuple[list[str], list[str]]:
    """The attributes that make ``user`` not cloud-only, and the controls this breaks for
    ``h``'s role (7.3: onPremisesImmutableId, SCuBA's eight; 1.1.1: onPremisesSyncEnabled,
    administrative roles)."""
    attributes: list[str] = []
    controls: list[str] = []
    if user.on_premises_immutable_id:
        attributes.append("onPremisesImmutableId is set")
        if template_of(ctx, h.role_id) in SCUBA_HIGHLY_PRIVILEGED:
            controls.append("MS.AAD.7.3v1")
    if user.on_premises_sync_enabled:
        attributes.append("onPremisesSyncEnabled is true")
        if cis_administrative(ctx, h):
            controls.append("CIS 1.1.1")
    return attributes, controls


def _cloud_only_findings(ctx: LintContext, h: Holder) -> Iterator[Finding]:
    for user, via in _accounts(ctx, h):
        if user.type != "user":
            continue
        attributes, controls = _not_cloud_only(ctx, h, user)
        if attributes and (controls or privileged(ctx, h.role_id)):
            yield ctx.finding(
                f"{user.reference}{via} holds {h.role_name} but is not cloud-only "
                f"({', '.join(attributes)}); use a cloud-only account",
                h.where,
                role=h.role_name,
                principal=user.reference,
                controls=tuple(controls),
            )


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def cloud_only_privileged(ctx: LintContext) -> Iterator[Finding]:
    """Privileged and administrative roles are held by cloud-only accounts

    ## What it checks

    No user holding a role, directly or as a member of a group holding it (a direct member,
    or an eligible or active member through PIM for Groups; owners are not members), eligible
    or active, is synced or federated from on-premises:

    * MS.AAD.7.3v1: a holder of one of SCuBA's eight highly privileged roles whose
      `onPremisesImmutableId` is set (the attribute SCuBA names);
    * CIS 1.1.1: a holder of an administrative role whose `onPremisesSyncEnabled` is true
      (the attribute CIS names). CIS does not list the administrative roles; as CIS's own
      audit script does, every role whose name contains "Administrator", and Global
      Reader, count. (The research behind this rule could not read the benchmark's audit
      text that defines them.)
    * a holder of another role in the configured privileged set with either attribute: an
      error with no control id.

    A service principal holding a privileged role must be declared under `automation:` or
    be the `apply_identity:` (a warning otherwise). Guests are not judged here: neither
    control covers them (ASG011 bounds how long guests and vendors hold a role).

    ## Why

    > MS.AAD.7.3v1: Privileged users SHALL be provisioned cloud-only accounts separate from
    > an on-premises directory or other federated identity providers.

    SCuBA lists "users assigned via group membership" and eligible ones with the direct
    holders (and the PIM for Groups eligible members, as for 7.1), then: "Review the output
    field named OnPremisesImmutableId. If this field contains a data value, it means that
    the user is not cloud-only."

    CIS 1.1.1, *Ensure Administrative accounts are cloud-only*: "Ensure administrative
    accounts are not On-premises sync enabled." A compromised on-premises directory or
    federation provider must not lead to tenant compromise.

    ## How to fix

    Create a separate cloud-only admin account (`…@tenant.onmicrosoft.com`) and assign that.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - principal: user:mallory@contoso.com
          start: 2026-11-24
          duration: P30D
          justification: ops
    ```

    ```yaml
    # tenant
    users:
      mallory@contoso.com: {synced: true}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - principal: user:mallory-adm@contoso.onmicrosoft.com
          start: 2026-11-24
          duration: P30D
          justification: ops
    ```

    ```yaml
    # tenant
    users:
      mallory-adm@contoso.onmicrosoft.com: {}
    ```
    """
    exempt = exempt_refs(ctx)
    for h in holders(ctx):
        yield from _cloud_only_findings(ctx, h)
        p = h.principal
        if _members_unknown(ctx, h) and (
            privileged(ctx, h.role_id) or template_of(ctx, h.role_id) in SCUBA_HIGHLY_PRIVILEGED
        ):
            yield holder_finding(
                ctx,
                h,
                f"{h.ref} holds {h.role_name}, and the tenant view does not list its members: "
                "whether they are cloud-only is not known",
                controls=(),
                severity="warning",
            )
        if (
            p is not None
            and p.type == "servicePrincipal"
            and privileged(ctx, h.role_id)
            and h.ref.lower() not in exempt
        ):
            yield holder_finding(
                ctx,
                h,
                f"service principal {h.ref} holds {h.role_name}; declare it under "
                "automation: with a reason (or as apply_identity: when apply signs in as it)",
                controls=(),
                severity="warning",
            )


rule(
    code="ASG004",
    name="cloud-only-privileged",
    severity="error",
    scuba=("MS.AAD.7.3v1",),
    cis=("1.1.1",),
    needs_tenant=True,
)(cloud_only_privileged)
