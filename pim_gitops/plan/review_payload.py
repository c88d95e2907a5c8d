"""A minimal ``accessReviewScheduleDefinition`` body for POST and PUT, written here until
``review_wire.review_body`` (the reader's, with its round-trip test) is merged: the
integrator replaces the one import in ``plan/reviews.py`` and deletes this module.

Shapes from accessreviewset-post-definitions.md and accessreviewscope.md (v1.0)."""

from __future__ import annotations

from typing import Any

from pim_gitops.errors import PlanError
from pim_gitops.reviews import MANAGER, AccessReview, ReviewTarget

GRAPH = "MicrosoftGraph"
DIR = "/roleManagement/directory"


def _scope(target: ReviewTarget) -> dict[str, Any]:
    if target.kind == "group":
        query = f"/groups/{target.id}/transitiveMembers"
    elif target.covers == "all":
        query = f"{DIR}/roleDefinitions/{target.id}"
    else:
        kind = "Eligibility" if target.covers == "eligible" else "Assignment"
        query = (
            f"{DIR}/role{kind}ScheduleInstances?$expand=principal&$filter=(isof(principal,"
            f"'microsoft.graph.user') and roleDefinitionId eq '{target.id}')"
        )
    return {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "query": query,
        "queryType": GRAPH,
    }


def _reviewer(ref: str) -> dict[str, Any]:
    if ref == MANAGER:
        return {"query": "./manager", "queryType": GRAPH, "queryRoot": "decisions"}
    kind, _, value = ref.partition(":")
    queries = {"user": "/users/{}", "group": "/groups/{}/transitiveMembers"}
    if kind not in queries or not value:
        raise PlanError(f"reviewer {ref!r} is not resolved (user:<id>, group:<id>, manager)")
    return {"query": queries[kind].format(value), "queryType": GRAPH}


def review_body(review: AccessReview) -> dict[str, Any]:
    s, r = review.settings, review.recurrence
    pattern: dict[str, Any] = {"type": r.pattern, "interval": r.interval}
    span: dict[str, Any] = {"type": "noEnd", "startDate": r.start.isoformat()}
    if r.end is not None:
        span = span | {"type": "endDate", "endDate": r.end.isoformat()}
    return {
        "displayName": review.name,
        "descriptionForAdmins": review.description,
        "scope": _scope(review.target),
        "reviewers": [_reviewer(x) for x in review.reviewers],
        "fallbackReviewers": [_reviewer(x) for x in review.fallback_reviewers],
        "settings": {
            "instanceDurationInDays": s.instance_duration_days,
            "defaultDecisionEnabled": s.default_decision is not None,
            "defaultDecision": s.default_decision or "None",
            "autoApplyDecisionsEnabled": s.auto_apply,
            "justificationRequiredOnApproval": s.justification_required,
            "recommendationsEnabled": s.recommendations,
            "mailNotificationsEnabled": s.mail_notifications,
            "reminderNotificationsEnabled": s.reminders,
            "recurrence": {"pattern": pattern, "range": span},
        },
    }
