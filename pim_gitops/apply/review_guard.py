"""An access review that can take the break-glass accounts' Global Administrator (or the
tenant's Privileged Role Administrator) away: the ``break-glass`` guard over a plan's review
writes, so the PR shows the refusal and apply refuses it, not only lint (REV006).

A review that applies its results automatically (``autoApplyDecisionsEnabled``) with a
default decision that removes access when nobody decides (``Deny``, or ``Recommendation``,
which denies principals who have not signed in lately, as emergency accounts by design have
not) removes, at the end of an instance nobody reviewed, every assignment it covers. CIS
M365 5.3.3 sets "If reviewers don't respond" to No change for this reason. It is safe only
when the review covers eligible assignments and no declared break-glass account holds the
role eligible; with no break-glass account declared it is never judged safe (fail closed).
"""

from __future__ import annotations

from pim_gitops.apply.overrides import allow_hint
from pim_gitops.errors import SnapshotError
from pim_gitops.plan import GuardFacts, Plan
from pim_gitops.review_wire import normalize_review
from pim_gitops.reviews import AccessReview
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import TenantState

TIER0 = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator",
}
REMOVING = ("Deny", "Recommendation")


def _safe(review: AccessReview, tenant: TenantState, break_glass: tuple[str, ...]) -> bool:
    role = tenant.role_by_template(review.target.id)
    role_id = role.id if role is not None else review.target.id
    if review.target.covers != "eligible" or not break_glass:
        return False
    return not any(
        a.role_id == role_id and a.kind == "eligible" and a.principal_id in break_glass
        for a in tenant.assignments
    )


def review_removes_break_glass(plan: Plan, tenant: TenantState, facts: GuardFacts) -> list[str]:
    """The ``break-glass`` problems of the plan's review creates, updates and replaces."""
    problems: list[str] = []
    for write in plan.review_writes:
        if write.action == "delete":
            continue
        try:
            review = normalize_review(write.body)
        except SnapshotError as exc:  # a body the guard cannot read is not judged safe
            problems.append(f"break-glass: access review {write.review!r}: {exc}")
            continue
        if review is None or review.target.kind != "role":
            continue
        role = tenant.role_by_template(review.target.id)
        template = role.template_id if role is not None else review.target.id
        settings = review.settings
        if template not in TIER0 or not settings.auto_apply:
            continue
        if settings.default_decision not in REMOVING or _safe(review, tenant, facts.break_glass):
            continue
        problems.append(
            f"break-glass: access review {write.review!r} of {TIER0[template]} applies "
            f"{settings.default_decision} automatically to every {review.target.covers} "
            "assignment nobody approves, the break-glass accounts' included; set "
            f"default_decision: none, or review eligible assignments only "
            f"({allow_hint('break-glass-change')})"
        )
    return problems
