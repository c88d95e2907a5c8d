"""Hostile review of issue 22: a definition made elsewhere (the portal, the Graph tutorial)
has its own ``descriptionForReviewers`` (the text reviewers read in My Access), distinct from
``descriptionForAdmins``. The model keeps one description (the admins'), the plan compares
only that, and every PUT (a reviewer rotation, planned as "reviewers" and nothing else)
overwrites the reviewers' text with the admins': a change the plan never shows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pim_gitops.plan.review_build import put_body
from pim_gitops.review_wire import normalize_review, review_body
from tests.test_review22_numbered import numbered_definition


@pytest.mark.xfail(
    strict=True,
    reason="review_body writes descriptionForReviewers = the admins' description, and put_body "
    "lets it override the live reviewers' text",
)
def test_a_rotation_put_keeps_the_reviewers_description() -> None:
    live = numbered_definition()
    live["settings"]["recurrence"]["range"] = {"type": "noEnd", "startDate": "2026-01-01"}
    live["descriptionForAdmins"] = "CIS 5.3.3"
    live["descriptionForReviewers"] = "Approve only people you work with daily."
    review = normalize_review(live)
    assert review is not None and review.description == "CIS 5.3.3"
    body = put_body(live, review_body(replace(review, reviewers=("user:bbb",))))
    assert body["descriptionForReviewers"] == "Approve only people you work with daily."
