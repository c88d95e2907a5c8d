"""REV: who reviews: a rotation that never rotates (REV002), reviewers under review
(REV003), and a Tier-0 review whose default decision can remove the break-glass accounts
(REV006). ``review_views.py`` says what each view sees."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import rule
from pim_gitops.lint.review_views import (
    JUDGED_WHEN,
    ReviewSubject,
    covered_kinds,
    group_members_under_review,
    has_reviews,
    holder_keys,
    names,
    review_subjects,
    reviewer_keys,
    under_review,
)
from pim_gitops.lint.rules.reviews import CIS_REVIEWED_ROLES
from pim_gitops.lint.rules.views import approver, holders
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR

TIER0 = (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR)
#: Default decisions that remove an assignment nobody approved (``Recommendation`` denies
#: the principals who did not sign in lately: break-glass accounts, by design).
REMOVING = ("Deny", "Recommendation")


def _role_name(s: ReviewSubject) -> str:
    return BUILTIN_ROLES.get(s.template_id or "", s.review.target.id)


# long: the docstring is the rule's documentation; the code is short
def rotating_reviewers(ctx: LintContext) -> Iterator[Finding]:
    """A privileged role's review rotates its reviewers

    ## What it checks

    A review of a role of the privileged set (`lint.privileged_roles`) or of the five CIS
    5.3.3 names declares a `rotation:` with at least two different reviewer sets. A review
    with fixed `reviewers:`, or a rotation whose sets are all the same, is reported. Policy
    view only: Graph keeps the current reviewers only, the rotation lives in the repository.

    ## Why

    The users' practice: "rotate reviewers quarterly to avoid access fatigue or conflict of
    interest". The same people approving the same grants each period stop reading them.

    ## How to fix

    Replace `reviewers:` by `rotation: {period: quarter, anchor: <date>, reviewers: [[...],
    [...]]}` with two or more sets.

    ## Example

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
    # reviews/global-administrator.yaml
    name: Global Administrator (monthly)
    role: Global Administrator
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    rotation:
      period: quarter
      anchor: 2025-12-25          # a week before the instances' day (policy-reference.md)
      reviewers: [[user:alice@contoso.com], [user:bob@contoso.com]]
    auto_apply: true
    ```
    """
    for s in review_subjects(ctx) or ():
        if s.template_id not in ctx.privileged and s.template_id not in CIS_REVIEWED_ROLES:
            continue
        rotation = s.compiled.rotation if s.compiled is not None else None
        sets = {frozenset(x) for x in rotation.sets} if rotation is not None else set()
        if len(sets) >= 2:
            continue
        why = "its rotation's sets are all the same" if rotation else "it declares no rotation"
        yield ctx.finding(
            f"{s.label} of {_role_name(s)}: its reviewers never change ({why}): "
            f"{names(s.review.reviewers)} review every period",
            s.at("rotation" if rotation else "reviewers"),
            role=_role_name(s),
        )


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV002",
    name="rotating-reviewers",
    severity="warning",
    views=("policy",),
)(rotating_reviewers)


def _self_reviewers(ctx: LintContext, s: ReviewSubject) -> list[str]:
    """The reviewer references (of any set) that are, or include, a principal under review."""
    reviewed: set[str] = set()
    for h in under_review(ctx, s):
        reviewed |= holder_keys(h)
    reviewed |= group_members_under_review(ctx, s)
    found = []
    for reviewers in s.reviewer_sets():
        for ref in reviewers:
            if ref not in found and reviewer_keys(ctx, ref) & reviewed:
                found.append(ref)
    return found


def _shown(ctx: LintContext, ref: str) -> str:
    """A reviewer as a person reads it: the tenant side's ``user:<id>`` as its reference."""
    found = approver(ctx, ref) if ctx.view == "posture" else None
    return found.reference if found is not None else ref


# long: the docstring is the rule's documentation; the code is short
def self_review(ctx: LintContext) -> Iterator[Finding]:
    """No reviewer reviews their own access

    ## What it checks

    No reviewer of a review (in any set of its rotation, fallback reviewers included) is a
    principal the review reviews: a holder of the reviewed role of a kind it covers
    (`covers`), or a member of the reviewed group; a reviewer group counts when the tenant
    view lists a member under review. In the policy view the holders are the declared
    assignments (and, with `--snapshot` or `--live`, the references resolved to objects);
    in the posture view the tenant's.

    ## Why

    CIS 5.3.3's remediation chooses reviewers "other than self". A reviewer approving their
    own assignment is no review: the users' practice rotates reviewers "to avoid ... conflict
    of interest".

    ## How to fix

    Choose reviewers who do not hold the role (a security team, the role's owners), or
    review the role's holders by someone outside it.

    ## Example

    ```yaml
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:alice@contoso.com, start: 2026-11-24, duration: P90D, justification: ops}
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
    # roles/global-administrator.yaml
    role: Global Administrator
    assignments:
      eligible:
        - {principal: user:alice@contoso.com, start: 2026-11-24, duration: P90D, justification: ops}
    ```

    ```yaml
    # reviews/global-administrator.yaml
    name: Global Administrator (monthly)
    role: Global Administrator
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:carol@contoso.com]
    auto_apply: true
    ```
    """
    for s in review_subjects(ctx) or ():
        found = _self_reviewers(ctx, s)
        if found:
            what = _role_name(s) if s.review.target.kind == "role" else "its group"
            shown = [_shown(ctx, ref) for ref in found]
            yield ctx.finding(
                f"{s.label} of {what}: its reviewers include principals it reviews: {names(shown)}",
                s.at("rotation" if s.compiled and s.compiled.rotation else "reviewers"),
                role=_role_name(s) if s.review.target.kind == "role" else None,
                principal=found[0],
            )


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV003",
    name="self-review",
    severity="error",
)(self_review)


def _break_glass_safe(ctx: LintContext, s: ReviewSubject) -> bool:
    """Every break-glass account is known to hold the role only by a kind the review does
    not cover (none declared: not safe)."""
    refs = [r.lower() for r in ctx.desired.break_glass]
    if not refs:
        return False
    kinds = covered_kinds(s.review)
    ids = {s.target_id, s.template_id}
    for ref in refs:
        keys = {ref} | {p.id.lower() for p in [ctx.principal(ref)] if p is not None}
        held = [h.kind for h in holders(ctx) if h.role_id in ids and holder_keys(h) & keys]
        if not held or any(k in kinds for k in held):
            return False
    return True


# long: the docstring is the rule's documentation; the code is short
def tier0_review_removes_break_glass(ctx: LintContext) -> Iterator[Finding]:
    """An auto-applied review of a Tier-0 role cannot remove the break-glass accounts

    ## What it checks

    A review of Global Administrator or Privileged Role Administrator that applies its
    results (`auto_apply: true`) with a default decision that removes access when nobody
    decides (`default_decision: deny` or `recommendation`) is reported unless every
    break-glass account (`break_glass` in `pim.yaml`) holds the role only by a kind of
    assignment the review does not cover (`covers: eligible` with standing active
    break-glass accounts). A review cannot list exclusions: the scope is the role's
    assignments of the kinds covered.

    ## Why

    A default of Deny removes every assignment no reviewer approved; Recommendation denies
    principals who have not signed in lately, which the emergency access accounts are by
    design. Applied automatically, one ignored review removes the tenant's way back in.
    CIS 5.3.3 warns: "Care should be taken when configuring the If reviewers don't respond
    setting for Global Administrator reviews, if misconfigured break-glass accounts could
    automatically have roles revoked", and sets it to No change.

    ## How to fix

    Set `default_decision: none` (or `off`), or review only the eligible assignments
    (`covers: eligible`) while the break-glass accounts hold permanent active ones.

    ## Example

    ```yaml
    # reviews/global-administrator.yaml
    name: Global Administrator (monthly)
    role: Global Administrator
    covers: all
    recurrence: {every: month, start: 2026-01-01}
    duration: P3D
    reviewers: [user:alice@contoso.com]
    default_decision: deny
    auto_apply: true
    ```

    ## Use instead

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
    ```
    """
    for s in review_subjects(ctx) or ():
        st = s.review.settings
        if s.template_id not in TIER0 or not st.auto_apply or st.default_decision not in REMOVING:
            continue
        if _break_glass_safe(ctx, s):
            continue
        accounts = names(ctx.desired.break_glass) if ctx.desired.break_glass else "none declared"
        yield ctx.finding(
            f"{s.label} of {_role_name(s)} applies {st.default_decision} to every assignment "
            f"nobody approves, the break-glass accounts included ({accounts})",
            s.at("default_decision"),
            role=_role_name(s),
        )


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV006",
    name="tier0-review-removes-break-glass",
    severity="error",
)(tier0_review_removes_break_glass)
