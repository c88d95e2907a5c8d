"""A declared access review in words, for ``validate --show``, its JSON and the plan's
``desired_hash`` (a review changed in the files, or a rotation boundary passed, changes the
hash). File paths are left out: the hash is the same from any checkout."""

from __future__ import annotations

from typing import Any

from pim_gitops.compile import CompiledReview
from pim_gitops.wording import plural


def describe_review(compiled: CompiledReview) -> dict[str, Any]:
    review = compiled.review
    recurrence = review.recurrence
    s = review.settings
    out: dict[str, Any] = {
        "name": review.name,
        "description": review.description,
        review.target.kind: compiled.target_written,
        "covers": review.target.covers,
        "recurrence": {
            "pattern": recurrence.pattern,
            "interval": recurrence.interval,
            "start": recurrence.start.isoformat(),
            "end": recurrence.end.isoformat() if recurrence.end else None,
        },
        "duration_days": s.instance_duration_days,
        "reviewers": list(review.reviewers),
        "fallback_reviewers": list(review.fallback_reviewers),
        "default_decision": s.default_decision,
        "auto_apply": s.auto_apply,
        "justification_required": s.justification_required,
        "recommendations": s.recommendations,
        "mail_notifications": s.mail_notifications,
        "reminders": s.reminders,
    }
    if compiled.rotation is not None:
        out["rotation"] = {
            "period_months": compiled.rotation.period_months,
            "anchor": compiled.rotation.anchor.isoformat(),
            "sets": [list(group) for group in compiled.rotation.sets],
        }
    return out


def review_summary(reviews: tuple[CompiledReview, ...]) -> str:
    """``validate``'s line: how many reviews, how many rotate (targets and reviewers are
    resolved at plan time)."""
    rotating = sum(1 for r in reviews if r.rotation is not None)
    return (
        f"{plural(len(reviews), 'access review')} declared ({rotating} with a reviewer "
        "rotation; targets and reviewers resolved at plan time)."
    )
