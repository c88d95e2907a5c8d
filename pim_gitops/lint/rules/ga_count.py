"""ASG002, ASG003, ASG010: how many users hold Global Administrator, counted as each baseline
counts them (SCuBA MS.AAD.7.1v1 and 7.2v1, CIS 1.1.3). ``assignments.py`` has who may hold a
role and how (ASG001, ASG004)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.counting import UserCount, count_users
from pim_gitops.lint.engine import Finding, LintContext, Severity
from pim_gitops.lint.privileged import SCUBA_HIGHLY_PRIVILEGED
from pim_gitops.lint.registry import integer, rule
from pim_gitops.lint.rules.views import Holder, ga_where, holders, template_of
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.wording import plural

#: ASG002: SCuBA MS.AAD.7.1v1, "a minimum of two users and a maximum of eight users".
SCUBA_GA_RANGE = (2, 8)
#: ASG010: CIS 1.1.3, "between two and four global admins".
CIS_GA_RANGE = (2, 4)


def _ga_holders(ctx: LintContext) -> list[Holder]:
    return [h for h in holders(ctx) if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR]


def _holds(count: int) -> str:
    return f"{plural(count, 'user')} {'holds' if count == 1 else 'hold'}"


def _count_finding(
    ctx: LintContext, found: UserCount, low: int, high: int, baseline: str
) -> Iterator[Finding]:
    """The finding of a count outside ``low..high`` (inclusive). A lower bound above
    ``high`` is certain; one below ``low`` only says the count is unknown (a warning)."""
    count = len(found)
    most = count + len(found.unresolved)
    if low <= count and most <= high:
        return
    if count >= low:  # too many only with the holders nobody can resolve
        count = most
    text = f"{_holds(count)} Global Administrator (eligible or active)"
    if found.unresolved:
        text += (
            f", counting {plural(len(found.unresolved), 'holder')} the tenant view cannot "
            f"resolve ({', '.join(found.unresolved)}) only toward too many"
        )
    severity: Severity | None = None
    if found.unexpanded:
        groups = ", ".join(found.unexpanded)
        text = f"at least {text}: {groups} counted as one user (no tenant view lists members)"
        if count < low:
            severity = "warning"
            text += "; the count is unknown"
    if found.unread and count < low:
        text += (
            f"; not counting the eligible members (PIM for Groups) of "
            f"{', '.join(found.unread)}, whose schedules were not read"
        )
    yield ctx.finding(
        f"{text}; {baseline} asks for {low} to {high}",
        ga_where(ctx),
        role="Global Administrator",
        severity=severity,
    )


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def global_admin_count(ctx: LintContext) -> Iterator[Finding]:
    """Between two and eight users hold Global Administrator (SCuBA)

    ## What it checks

    The distinct users holding Global Administrator, eligible or active, are between `min`
    and `max` inclusive (2 to 8). A user assigned directly and through a group counts once;
    a group counts by its member users (its direct members, and its eligible and active
    members through PIM for Groups: in the policy view as a managed group's file declares
    them); service principals are not users and do not count. A group whose PIM-for-Groups
    schedules were not read counts by its direct members, and a count too low then says its
    eligible members were not counted.
    Without a tenant view a group counts as one user, and the message says the count is
    then a lower bound (too few is then only a warning: the group's members are unknown).
    CIS's two-to-four count is ASG010.

    ## Why

    > MS.AAD.7.1v1: A minimum of two users and a maximum of eight users SHALL be
    > provisioned with the Global Administrator role.

    SCuBA's instructions: "count each user only once ... Count users that are assigned
    directly to the role and users assigned via group membership. If you have Microsoft
    Entra ID PIM, count both the Eligible assignments and Active assignments. If any of the
    groups assigned to Global Administrator are enrolled in PIM for Groups, also count the
    number of group members from the PIM for Groups portal Eligible assignments." The control
    says *users*: ScubaGear also counts service principals, this rule (like Maester's
    Test-MtCisaGlobalAdminCount) does not. Fewer than two risks lockout; many widen the
    attack surface.

    ## How to fix

    Move people to finer-grained roles, or add a second administrator.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u3@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u4@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u5@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u6@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u7@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u8@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u9@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```

    ## Use instead

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```
    """
    low, high = ctx.integer("min"), ctx.integer("max")
    yield from _count_finding(ctx, count_users(ctx, _ga_holders(ctx)), low, high, "SCuBA")


rule(
    code="ASG002",
    name="global-admin-count",
    severity="error",
    scuba=("MS.AAD.7.1v1",),
    presets=("default", "cisa", "strict"),
    options=(
        integer("min", SCUBA_GA_RANGE[0], "Fewest users holding Global Administrator."),
        integer("max", SCUBA_GA_RANGE[1], "Most users holding Global Administrator."),
    ),
)(global_admin_count)


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def cis_global_admin_count(ctx: LintContext) -> Iterator[Finding]:
    """Between two and four users hold Global Administrator (CIS)

    ## What it checks

    The distinct users holding Global Administrator are between `min` and `max` inclusive
    (2 to 4). Groups count by their member users, service principals do not count, and
    eligible assignments count like active ones. Without a tenant view a group counts as
    one user (the message says the count is a lower bound). SCuBA's two-to-eight count is
    ASG002.

    ## Why

    CIS 1.1.3, *Ensure that between two and four global admins are designated*: "Between
    two and four global administrators should be designated in the tenant." The audit:
    "If there are groups present, then inspect each group and its members. Take note of the
    total number of Global Administrators in and outside of groups. Ensure the number of
    Global Administrators is between two and four."

    The CIS text does not say whether PIM-eligible administrators count (its PowerShell
    audit lists active directory-role members). This rule counts them, as Maester's
    Test-MtCisGlobalAdminCount does: CIS 5.3.1 asks for every Global Administrator to be
    eligible, not permanent, so a count of active members only would be zero in a tenant
    that follows 5.3.1, and an eligible administrator is one activation from the role.

    ## How to fix

    Move people to finer-grained roles, or add a second administrator.

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint: {preset: cis}
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u3@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u4@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u5@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint: {preset: cis}
    ```

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```
    """
    low, high = ctx.integer("min"), ctx.integer("max")
    yield from _count_finding(ctx, count_users(ctx, _ga_holders(ctx)), low, high, "CIS")


rule(
    code="ASG010",
    name="cis-global-admin-count",
    severity="error",
    cis=("1.1.3",),
    presets=("cis", "strict"),
    options=(
        integer("min", CIS_GA_RANGE[0], "Fewest users holding Global Administrator."),
        integer("max", CIS_GA_RANGE[1], "Most users holding Global Administrator."),
    ),
)(cis_global_admin_count)


def _score_detail(ga: int, others: int) -> str:
    if not others:
        return f"least-privilege score {ga}/0"
    return f"least-privilege score {ga}/{others} = {ga / others:.2f}"


# long: the docstring is the rule's documentation page (quoted control, tested examples)
def finer_grained_roles(ctx: LintContext) -> Iterator[Finding]:
    """More users hold finer-grained privileged roles than Global Administrator

    ## What it checks

    SCuBA's ratio: the users holding Global Administrator divided by the users holding one
    of SCuBA's other seven highly privileged roles but not Global Administrator is at most
    1 (equal counts pass). Users are counted as in ASG002 (groups by member users, service
    principals not at all). Only in the cisa and strict presets.

    ## Why

    > MS.AAD.7.2v1: Privileged users SHALL be provisioned with finer-grained roles instead
    > of Global Administrator.

    SCuBA's instructions: "X = (Number of users assigned to the Global Administrator role) /
    (Number of users assigned to other highly privileged roles) ... If a user is assigned to
    both Global Administrator and other roles, only count that user for the Global
    Administrator assignment ... If X is less than or equal to 1 then the tenant is
    compliant with the policy." The "other highly privileged roles" are the baseline's
    list, whatever privileged-role set lint judges.

    ScubaGear also fails 7.2 whenever 7.1 fails ("Policy MS.AAD.7.1 failed so score not
    computed"); the baseline's text computes X on its own, so this rule does too, and a
    7.1 failure is ASG002's finding alone.

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
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
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
        - {principal: user:u1@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
        - {principal: user:u2@contoso.com, start: 2026-11-24, duration: P30D, justification: ops}
    ```

    ```yaml
    # roles/exchange-administrator.yaml
    role: Exchange Administrator
    assignments:
      eligible:
        - {principal: user:u3@contoso.com, start: 2026-11-24, duration: P30D, justification: mail}
        - {principal: user:u4@contoso.com, start: 2026-11-24, duration: P30D, justification: mail}
    ```

    ```yaml
    # tenant
    users: {u1@contoso.com: {}, u2@contoso.com: {}, u3@contoso.com: {}, u4@contoso.com: {}}
    ```
    """
    every = holders(ctx)
    ga = count_users(ctx, [h for h in every if template_of(ctx, h.role_id) == GLOBAL_ADMINISTRATOR])
    others = count_users(
        ctx,
        [
            h
            for h in every
            if template_of(ctx, h.role_id) in SCUBA_HIGHLY_PRIVILEGED - {GLOBAL_ADMINISTRATOR}
        ],
    ).users
    others -= ga.users
    if len(ga) > len(others):
        yield ctx.finding(
            f"{_holds(len(ga))} Global Administrator and {_holds(len(others))} only other "
            f"highly privileged roles ({_score_detail(len(ga), len(others))}, should be 1 or "
            "less); use finer-grained roles",
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
