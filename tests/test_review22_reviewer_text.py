"""Hostile review of issue 22: a definition made elsewhere (the portal, the Graph tutorial)
has its own ``descriptionForReviewers`` (the text reviewers read in My Access), distinct from
``descriptionForAdmins``. The model keeps one description (the admins'), the plan compares
only that, and every PUT (a reviewer rotation, planned as "reviewers" and nothing else)
overwrote the reviewers' text with the admins': a change the plan never shows. A PUT now
keeps it unless the description changes."""

from __future__ import annotations

from dataclasses import replace

from pim_gitops.plan.review_build import put_body
from pim_gitops.review_wire import normalize_review, review_body
from tests.test_review22_numbered import numbered_definition


def test_a_rotation_put_keeps_the_reviewers_description() -> None:
    live = numbered_definition()
    live["settings"]["recurrence"]["range"] = {"type": "noEnd", "startDate": "2026-01-01"}
    live["descriptionForAdmins"] = "CIS 5.3.3"
    live["descriptionForReviewers"] = "Approve only people you work with daily."
    review = normalize_review(live)
    assert review is not None and review.description == "CIS 5.3.3"
    body = put_body(live, review_body(replace(review, reviewers=("user:bbb",))))
    assert body["descriptionForReviewers"] == "Approve only people you work with daily."


def test_a_changed_description_is_written_for_reviewers_too() -> None:
    live = numbered_definition()
    live["descriptionForReviewers"] = "old text"
    review = normalize_review(live)
    assert review is not None
    body = put_body(live, review_body(replace(review, description="new text")))
    assert (body["descriptionForAdmins"], body["descriptionForReviewers"]) == ("new text",) * 2
