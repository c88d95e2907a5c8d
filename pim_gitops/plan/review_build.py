"""The review diff (``diff_reviews``) as plan parts: changes, writes with the live
definition's fingerprint, and the rotations' next periods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.diff_reviews import ReviewDiff, ReviewStep
from pim_gitops.plan.model import fingerprint
from pim_gitops.plan.review_model import (
    ReviewPeriod,
    ReviewPlanChange,
    ReviewRotation,
    ReviewWrite,
)
from pim_gitops.review_wire import review_body

#: Properties Graph sets and a PUT does not send back: the definition's identity and audit
#: fields, its computed status and instances, and OData annotations.
READ_ONLY = frozenset(
    {"id", "createdBy", "createdDateTime", "lastModifiedDateTime", "status", "instances"}
)
#: Properties that change without a write (``status`` follows the clock): not fingerprinted.
VOLATILE = frozenset({"status", "instances"})


def stable(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A live definition without what changes by itself (a stale check must not trip on
    ``status`` moving from ``NotStarted`` to ``InProgress``)."""
    return {k: v for k, v in raw.items() if k not in VOLATILE and not k.startswith("@odata.")}


def review_fingerprint(live: Mapping[str, Any]) -> str:
    return fingerprint(stable(live)) if live else "absent"


#: Sent as read: the scope cannot change (an update plans none: ``diff_reviews``), and the
#: live spelling of the same scope must not read as a change to Graph.
KEPT = ("scope", "instanceEnumerationScope")


def put_body(live: Mapping[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The full definition a PUT sends ("a PUT request expects the full object … all
    writable properties", accessreviewscheduledefinition-update.md): the live one as read
    (what the repository does not declare is kept), every declared property written over
    it but the scope; ``settings`` merged a level down so undeclared settings survive."""
    base = {k: v for k, v in live.items() if k not in READ_ONLY and not k.startswith("@odata.")}
    merged = base | {k: v for k, v in desired.items() if k not in KEPT or k not in live}
    if live.get("descriptionForAdmins") == desired.get("descriptionForAdmins") and isinstance(
        live.get("descriptionForReviewers"), str
    ):  # the reviewers' text is not modelled: kept unless the description changes
        merged["descriptionForReviewers"] = live["descriptionForReviewers"]
    settings = live.get("settings")
    if isinstance(settings, Mapping) and isinstance(desired.get("settings"), dict):
        merged["settings"] = dict(settings) | desired["settings"]
    return merged


def review_write(step: ReviewStep) -> ReviewWrite:
    live = dict(step.live.raw) if step.live is not None else {}
    if step.action == "delete":
        body: dict[str, Any] = {}
    else:
        assert step.desired is not None
        body = review_body(step.desired)
        body = put_body(live, body) if step.action == "update" else body
    return ReviewWrite(
        action=step.action,
        review=step.name,
        definition_id=step.live.id if step.live is not None else None,
        addresses=step.addresses,
        body=body,
        live=live,
        fingerprint=review_fingerprint(live),
    )


def review_parts(
    result: ReviewDiff,
) -> tuple[tuple[ReviewPlanChange, ...], tuple[ReviewWrite, ...], tuple[ReviewRotation, ...]]:
    changes = tuple(
        ReviewPlanChange(
            address=c.address,
            action=c.action,
            review=c.name,
            path=c.path,
            before=c.before,
            after=c.after,
            note=c.note,
        )
        for c in result.changes
    )
    rotations = tuple(
        ReviewRotation(
            review=v.name,
            current=v.current,
            upcoming=tuple(ReviewPeriod(start=s, reviewers=r) for s, r in v.upcoming),
        )
        for v in result.rotations
    )
    return changes, tuple(review_write(s) for s in result.steps), rotations


def review_counts(changes: tuple[ReviewPlanChange, ...]) -> dict[str, int]:
    """Summary counts: a replace is one to add and one to remove (Terraform's count)."""
    counts = {"add": 0, "change": 0, "remove": 0}
    for change in changes:
        if change.action in ("create", "replace"):
            counts["add"] += 1
        if change.action in ("delete", "replace"):
            counts["remove"] += 1
        if change.action == "update":
            counts["change"] += 1
    return counts
