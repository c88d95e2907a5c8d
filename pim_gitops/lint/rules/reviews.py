"""REV: access reviews of privileged roles (``review_views.py`` says what each view sees):
CIS 5.3.3 (REV001) and privileged roles nobody reviews (REV004)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.privileged import EXCHANGE_ADMINISTRATOR, SHAREPOINT_ADMINISTRATOR
from pim_gitops.lint.registry import rule
from pim_gitops.lint.review_views import (
    JUDGED_WHEN,
    ReviewSubject,
    covered_kinds,
    has_reviews,
    review_subjects,
)
from pim_gitops.lint.rules.views import holders
from pim_gitops.reviews import AccessReview, Recurrence
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR

TEAMS_ADMINISTRATOR = "69091246-20e8-4a56-aa4d-066075b2a7a8"
SECURITY_ADMINISTRATOR = "194ae4cb-b126-40b2-bd5b-6091b380977d"
#: CIS M365 v5.0.0 5.3.3: "These reviews should include at a minimum the roles listed below".
CIS_REVIEWED_ROLES = (
    GLOBAL_ADMINISTRATOR,
    EXCHANGE_ADMINISTRATOR,
    SHAREPOINT_ADMINISTRATOR,
    TEAMS_ADMINISTRATOR,
    SECURITY_ADMINISTRATOR,
)
#: 5.3.3's remediation: "Duration (in days): At most 4".
MAX_DURATION_DAYS = 4
#: "monthly or more frequently": every 4 weeks at most (28 days, within any month).
MAX_WEEKS = 4


def every(recurrence: Recurrence) -> str:
    """The recurrence in words: ``every month``, ``every 3 months``, ``every 2 weeks``."""
    unit = "month" if recurrence.pattern == "absoluteMonthly" else "week"
    n = recurrence.interval
    return f"every {unit}" if n == 1 else f"every {n} {unit}s"


def monthly_or_more(recurrence: Recurrence) -> bool:
    if recurrence.pattern == "absoluteMonthly":
        return recurrence.interval <= 1
    return recurrence.interval <= MAX_WEEKS


def _core_problems(review: AccessReview) -> list[tuple[str, str]]:
    """(setting, why) for each of 5.3.3's own criteria the review misses."""
    out = []
    if not monthly_or_more(review.recurrence):
        out.append(("recurrence", f"recurs {every(review.recurrence)}: less often than monthly"))
    days = review.settings.instance_duration_days
    if days > MAX_DURATION_DAYS:
        out.append(("duration", f"lasts {days} days: more than {MAX_DURATION_DAYS}"))
    if not review.settings.auto_apply:
        out.append(("auto_apply", "does not apply its results (auto_apply is off)"))
    return out


def _settings_problems(review: AccessReview) -> list[tuple[str, str]]:
    """(setting, why) for the other settings of 5.3.3's remediation (warnings)."""
    s = review.settings
    out = []
    if review.recurrence.end is not None:
        out.append(("recurrence", f"ends on {review.recurrence.end} (the control: End Never)"))
    if s.default_decision not in (None, "None"):
        out.append(
            (
                "default_decision",
                f"decides {s.default_decision} when reviewers do not respond (the control: "
                "No change)",
            )
        )
    for setting, on, words in (
        ("recommendations", s.recommendations, "shows no recommendations"),
        ("justification_required", s.justification_required, "requires no reason on approval"),
        ("notifications", s.mail_notifications, "sends no mail notifications"),
        ("notifications", s.reminders, "sends no reminders"),
    ):
        if not on:
            out.append((setting, words))
    return out


def _role_findings(ctx: LintContext, role: str, reviews: list[ReviewSubject]) -> Iterator[Finding]:
    name = BUILTIN_ROLES[role]
    if not reviews:  # no line says it: the tenant file
        yield ctx.finding(
            f"{name}: no access review of its assignments", ctx.tenant_location(), role=name
        )
        return
    good = [s for s in reviews if not _core_problems(s.review)]
    missing = [
        k for k in ("eligible", "active") if not any(k in covered_kinds(s.review) for s in good)
    ]
    for s in reviews:
        for setting, why in _core_problems(s.review):
            yield ctx.finding(f"{s.label} of {name} {why}", s.at(setting), role=name)
        for setting, why in _settings_problems(s.review):
            yield ctx.finding(
                f"{s.label} of {name} {why}", s.at(setting), role=name, severity="warning"
            )
    if good and missing:
        yield ctx.finding(
            f"{name}: its {' and '.join(missing)} assignments are under no review that meets "
            "5.3.3 (the control: All active and eligible assignments)",
            good[0].at("covers"),
            role=name,
        )


# long: the docstring is the rule's documentation; the code is short
def cis_role_reviews(ctx: LintContext) -> Iterator[Finding]:
    """The five roles CIS 5.3.3 names are reviewed monthly, for at most 4 days, results applied

    ## What it checks

    CIS Microsoft 365 Foundations v5.0.0 5.3.3 names five roles: Global Administrator,
    Exchange Administrator, SharePoint Administrator, Teams Administrator and Security
    Administrator. For each of them, in each view that has reviews to judge (the policy view
    when the repository declares reviews under `reviews/`, the posture view when the
    tenant's review definitions were read):

    - the role has an access review of its assignments (error);
    - each review of the role recurs monthly or more often (error): every month, or every 1
      to 4 weeks; every 2 months, a quarter or a year fails;
    - each lasts at most 4 days (`duration: P4D` passes, `P5D` fails; error);
    - each applies its results (`auto_apply: true`; error);
    - the reviews that meet those three cover both the eligible and the active assignments
      (`covers: all`, or one review of each; error);
    - the other settings of the control's remediation (warnings): no end date ("End
      Never"), no default decision when reviewers do not respond ("No change":
      `default_decision: none` or `off`), recommendations shown, a reason required on
      approval, mail notifications and reminders.

    The control's "reviewers other than self" is REV003's. Reviews of other roles are
    REV004's.

    ## Why

    > CIS 5.3.3: Ensure 'Access reviews' for privileged roles are configured. ... Ensure
    > Access reviews for high privileged Entra ID roles are done monthly or more frequently.

    > Set Frequency to Monthly or more frequently. Set Duration (in days) to at most 4.
    > Set End to Never. ... Set Assignment type to All active and eligible assignments.
    > ... Set Auto apply results to resource to Enable. Set If reviewers don't respond to
    > No change. ... Set Show recommendations to Enable. Set Require reason on approval to
    > Enable. Set Mail notifications to Enable. Set Reminders to Enable.

    Quoted from a published copy of the v5.0.0 text (its audit: "Frequency - Monthly or
    more frequently", "Duration (in days) - 4 at most"). A quarterly review (the users'
    habit) is less often than the control asks.

    ## How to fix

    Set `recurrence: {every: month}`, `duration: P4D` or less, and `auto_apply: true`, with
    `covers: all`; add a review for each of the five roles.

    ## Example

    ```yaml
    # reviews/global-administrator.yaml
    name: Global Administrator (quarterly)
    role: Global Administrator
    covers: all
    recurrence: {every: quarter, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    auto_apply: true
    ```

    ## Use instead

    One review for each of the five roles:

    ```yaml
    # reviews/global-administrator.yaml
    name: Global Administrator (monthly)
    role: Global Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: none
    auto_apply: true
    justification_required: true
    recommendations: true
    notifications: {mail: true, reminders: true}
    ```

    ```yaml
    # reviews/exchange-administrator.yaml
    name: Exchange Administrator (monthly)
    role: Exchange Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: none
    auto_apply: true
    justification_required: true
    recommendations: true
    notifications: {mail: true, reminders: true}
    ```

    ```yaml
    # reviews/sharepoint-administrator.yaml
    name: SharePoint Administrator (monthly)
    role: SharePoint Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: none
    auto_apply: true
    justification_required: true
    recommendations: true
    notifications: {mail: true, reminders: true}
    ```

    ```yaml
    # reviews/teams-administrator.yaml
    name: Teams Administrator (monthly)
    role: Teams Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: none
    auto_apply: true
    justification_required: true
    recommendations: true
    notifications: {mail: true, reminders: true}
    ```

    ```yaml
    # reviews/security-administrator.yaml
    name: Security Administrator (monthly)
    role: Security Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: none
    auto_apply: true
    justification_required: true
    recommendations: true
    notifications: {mail: true, reminders: true}
    ```
    """
    found = review_subjects(ctx)
    if found is None:
        return
    for role in CIS_REVIEWED_ROLES:
        yield from _role_findings(ctx, role, [s for s in found if s.template_id == role])


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV001",
    name="cis-role-reviews",
    severity="error",
    cis=("5.3.3",),
)(cis_role_reviews)


# long: the docstring is the rule's documentation; the code is short
def unreviewed_privileged_roles(ctx: LintContext) -> Iterator[Finding]:
    """A privileged role has an access review

    ## What it checks

    Each role of the privileged set (`lint.privileged_roles`) other than the five CIS 5.3.3
    names (REV001's) has at least one access review of its assignments, in each view that
    has reviews to judge (the policy view when the repository declares reviews under
    `reviews/`, the posture view when the tenant's review definitions were read). In the
    posture view a role that nobody holds is not reported: there is nothing to review.

    ## Why

    The users' practice: "use Access Reviews for recurring justification on high-risk
    roles". Microsoft's PIM deployment plan: "Configure recurring access reviews to revoke
    unneeded permissions over time". A privileged role without a review keeps every grant
    until someone remembers it.

    ## How to fix

    Add a file under `reviews/` for the role (`role: <name>`, `covers: all`).

    ## Example

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint:
      privileged_roles: [Privileged Role Administrator]
    ```

    ```yaml
    # reviews/global-administrator.yaml
    name: Global Administrator (monthly)
    role: Global Administrator
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    auto_apply: true
    ```

    ## Use instead

    ```yaml
    # pim.yaml
    tenant: contoso.onmicrosoft.com
    lint:
      privileged_roles: [Privileged Role Administrator]
    ```

    ```yaml
    # reviews/privileged-role-administrator.yaml
    name: Privileged Role Administrator (monthly)
    role: Privileged Role Administrator
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    auto_apply: true
    ```
    """
    found = review_subjects(ctx)
    if found is None:
        return
    reviewed = {s.template_id for s in found}
    held = {h.role_id for h in holders(ctx)} if ctx.view == "posture" else None
    for role in sorted(ctx.privileged, key=lambda r: BUILTIN_ROLES.get(r, r)):
        if role in reviewed or role in CIS_REVIEWED_ROLES:
            continue
        if held is not None and role not in held and ctx.tenant_role_id(role) not in held:
            continue
        name = ctx.role_named(role)  # no line says it: the tenant file
        yield ctx.finding(
            f"{name}: no access review of its assignments", ctx.tenant_location(), role=name
        )


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV004",
    name="unreviewed-privileged-role",
    severity="warning",
)(unreviewed_privileged_roles)
