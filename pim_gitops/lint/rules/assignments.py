"""ASG001–ASG004: who holds the highly privileged roles (ASG005–ASG009, how assignments
were made, how long they last and when they go stale, are in ``lifecycle.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.views import (
    exempt_refs,
    ga_where,
    holder_finding,
    holders,
    privileged,
    template_of,
    users_of,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR

#: ASG002: SCuBA MS.AAD.7.1v1 allows two to eight Global Administrators, CIS 1.1.3 two to four.
GA_COUNT = {"cis": (2, 4)}
GA_COUNT_DEFAULT = (2, 8)


def no_permanent_active(ctx: LintContext) -> Iterator[Finding]:
    """No permanent active assignments except break-glass and declared service accounts

    ## What it checks

    No principal holds a permanent active assignment, except the `break_glass:` accounts
    and the service accounts declared under `automation:`. For a highly privileged role
    this is an error; for any other role a warning.

    ## Why

    > MS.AAD.7.4v1: Permanent active role assignments SHALL NOT be allowed for highly
    > privileged roles.

    The baseline excepts emergency-access accounts and service accounts that need a
    perpetual assignment. Standing privilege is always exposed; PIM's value is just-in-time
    activation.

    ## How to fix

    Make the assignment eligible with an expiry, or list the service account under
    `automation:` with a reason.

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
        - {principal: user:carol@contoso.com, duration: P90D, justification: ops}
    ```
    """
    exempt = exempt_refs(ctx)
    for h in holders(ctx):
        if h.kind != "active" or not h.permanent or h.ref.lower() in exempt:
            continue
        if privileged(ctx, h.role_id):
            message = f"{h.ref} has a permanent active {h.role_name} assignment; use "
            yield holder_finding(ctx, h, message + "an eligible assignment")
        else:
            message = f"{h.ref} has a permanent active {h.role_name} assignment"
            yield holder_finding(ctx, h, message, controls=(), severity="warning")


rule(code="ASG001", name="no-permanent-active", severity="error", scuba=("MS.AAD.7.4v1",))(
    no_permanent_active
)


def global_admin_count(ctx: LintContext) -> Iterator[Finding]:
    """Between two and eight users hold Global Administrator (CIS: two to four)

    ## What it checks

    The distinct users holding Global Administrator, eligible or active, are between `min`
    and `max` inclusive: 2 to 8, or 2 to 4 in the cis preset. Groups are expanded to their
    members when the tenant view lists them.

    ## Why

    > MS.AAD.7.1v1: A minimum of two users and a maximum of eight users SHALL be
    > provisioned with the Global Administrator role.

    CIS 1.1.3: *Ensure that between two and four global admins are designated*. Fewer than
    two risks lockout; many widen the attack surface.

    ## How to fix

    Move people to finer-grained roles, or add a second administrator.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u3@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u4@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u5@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u6@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u7@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u8@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u9@contoso.com, duration: P30D, justification: ops}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, duration: P30D, justification: ops}
    ```
    """
    low, high = GA_COUNT.get(ctx.preset, GA_COUNT_DEFAULT)
    low, high = ctx.integer("min", low), ctx.integer("max", high)
    ga = [h for h in holders(ctx) if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR]
    count = len(users_of(ctx, ga))
    if not low <= count <= high:
        yield ctx.finding(
            f"{count} users hold Global Administrator (eligible or active); "
            f"between {low} and {high} expected",
            ga_where(ctx),
            role="Global Administrator",
            controls=("CIS 1.1.3",) if ctx.preset == "cis" else ("MS.AAD.7.1v1",),
        )


rule(
    code="ASG002",
    name="global-admin-count",
    severity="error",
    scuba=("MS.AAD.7.1v1",),
    cis=("1.1.3",),
    options=(
        integer("min", None, "Fewest users holding Global Administrator (by preset: 2)."),
        integer("max", None, "Most users holding Global Administrator (by preset: 8, cis 4)."),
    ),
)(global_admin_count)


def _score_detail(ga: int, others: int) -> str:
    if not others:
        return "all privileged users are Global Administrators"
    return f"least-privilege score {ga}/{others} = {ga / others:.2f}"


def finer_grained_roles(ctx: LintContext) -> Iterator[Finding]:
    """More users hold finer-grained privileged roles than Global Administrator

    ## What it checks

    ScubaGear's least-privilege score: the users holding Global Administrator divided by
    the users holding other highly privileged roles but not Global Administrator is at
    most 1 (equal counts pass). Only in the cisa and strict presets.

    ## Why

    > MS.AAD.7.2v1: Privileged users SHALL be provisioned with finer-grained roles instead
    > of Global Administrator.

    ## How to fix

    Give administrators the narrowest role that does the job.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint: {preset: cisa}
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, duration: P30D, justification: ops}
    ```

    ```yaml
    # tenant
    users: {u1@contoso.com: {}, u2@contoso.com: {}}
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint: {preset: cisa}
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, duration: P30D, justification: ops}
    ```

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - {principal: user:u3@contoso.com, duration: P30D, justification: mail}
        - {principal: user:u4@contoso.com, duration: P30D, justification: mail}
    ```

    ```yaml
    # tenant
    users: {u1@contoso.com: {}, u2@contoso.com: {}, u3@contoso.com: {}, u4@contoso.com: {}}
    ```
    """
    every = holders(ctx)
    is_ga = [template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR for h in every]
    ga = users_of(ctx, [h for h, flag in zip(every, is_ga, strict=True) if flag])
    others = users_of(
        ctx,
        [
            h
            for h, flag in zip(every, is_ga, strict=True)
            if not flag and privileged(ctx, h.role_id)
        ],
    )
    others -= ga
    if ga and len(ga) > len(others):
        yield ctx.finding(
            f"{len(ga)} users hold Global Administrator and {len(others)} hold only other highly "
            f"privileged roles ({_score_detail(len(ga), len(others))}, should be 1 or less); "
            "use finer-grained roles",
            ga_where(ctx),
            role="Global Administrator",
        )


rule(
    code="ASG003",
    name="finer-grained-roles",
    severity="error",
    scuba=("MS.AAD.7.2v1",),
    presets=("cisa", "strict"),
    needs_tenant=True,
)(finer_grained_roles)


def cloud_only_privileged(ctx: LintContext) -> Iterator[Finding]:
    """Highly privileged roles are held by cloud-only member accounts

    ## What it checks

    No holder of a highly privileged role is a user synced or federated from on-premises,
    or a guest; a service principal holding one must be declared under `automation:` (a
    warning otherwise).

    ## Why

    > MS.AAD.7.3v1: Privileged users SHALL be provisioned cloud-only accounts separate from
    > an on-premises directory or other federated identity providers.

    CIS 1.1.1: *Ensure Administrative accounts are cloud-only*. A compromised on-premises
    directory or federation provider must not lead to tenant compromise; guests are
    outside your control.

    ## How to fix

    Create a separate cloud-only admin account (`…@tenant.onmicrosoft.com`) and assign that.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:mallory@contoso.com, duration: P30D, justification: ops}
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
        if not privileged(ctx, h.role_id) or h.principal is None:
            continue
        p = h.principal
        if p.type == "user" and (p.on_premises_sync_enabled or p.on_premises_immutable_id):
            yield holder_finding(
                ctx,
                h,
                f"{h.ref} holds {h.role_name} but is synced or federated from "
                "on-premises; use a cloud-only account",
            )
        elif p.type == "user" and p.user_type == "Guest":
            yield holder_finding(ctx, h, f"{h.ref} is a guest and holds {h.role_name}")
        elif p.type == "servicePrincipal" and h.ref.lower() not in exempt:
            yield holder_finding(
                ctx,
                h,
                f"service principal {h.ref} holds {h.role_name}; declare it "
                "under automation: with a reason",
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
