"""REV: the posture of the tenant's reviews: instances that ended with decisions nobody
made (REV005)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import rule
from pim_gitops.lint.review_views import JUDGED_WHEN, has_reviews
from pim_gitops.wording import plural


# long: the docstring is the rule's documentation; the code is short
def undecided_reviews(ctx: LintContext) -> Iterator[Finding]:
    """Ended review instances left no decision undecided

    ## What it checks

    Posture view, when the tenant's reviews were read: each instance of a review definition
    that has ended (its end is before now) and whose decisions were counted has no decision
    still `NotReviewed`. Instances whose decisions were not counted are not judged.

    ## Why

    An instance that ended without decisions reviewed nothing: with no default decision the
    access stays as it was, whatever the review was for. CIS 5.3.3 asks that reviews be
    "done"; the users ask for "recurring justification on high-risk roles".

    ## How to fix

    Follow up with the reviewers of the instance (rotate them: REV002), shorten the review
    or add reminders and fallback reviewers; decide the open items in the next instance.

    ## Example

    ```yaml
    # tenant
    reviews:
      - name: Global Administrator (monthly)
        role: Global Administrator
        instances: [{ended_days_ago: 3, undecided: 2}]
    ```

    ## Use instead

    ```yaml
    # tenant
    reviews:
      - name: Global Administrator (monthly)
        role: Global Administrator
        instances: [{ended_days_ago: 3, undecided: 0}]
    ```
    """
    state = ctx.tenant.reviews if ctx.tenant is not None else None
    if state is None:
        return
    for inst in sorted(state.instances, key=lambda i: (i.end, i.id)):
        if inst.end > ctx.now or not inst.undecided:
            continue
        found = state.definitions.get(inst.definition_id)
        name = found.name if found is not None else inst.definition_id
        yield ctx.finding(
            f'review["{name}"]: the instance that ended {inst.end.date().isoformat()} left '
            f"{plural(inst.undecided, 'decision')} undecided (status {inst.status})",
            ctx.tenant_location(),
        )


rule(
    applies=has_reviews,
    applies_words=JUDGED_WHEN,
    code="REV005",
    name="undecided-reviews",
    severity="warning",
    views=("posture",),
)(undecided_reviews)
