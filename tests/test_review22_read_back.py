"""Hostile review of issue 22: apply's read-back (``in_effect``) asked Graph's answer to
contain the body as sent, key for key. Graph rewrites a definition's recurrence when it
answers: List definitions (microsoft-graph-docs-contrib api-reference/v1.0/api/
accessreviewset-list-definitions.md, Example 1) shows a review that never ends as
``range: {type: numbered, numberOfOccurrences: 0, endDate: 9999-12-31}`` and a pattern with
``dayOfMonth: 0``; the role-review tutorial's POST answer (concepts/tutorial-accessreviews-
roleassignments.md) has ``dayOfMonth: 0`` too. Such an answer shows the write, but apply
called it "not in effect after read-back" and failed, and never found a write already done."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from typing import Any

from pim_gitops.apply.reviews import in_effect
from pim_gitops.plan.review_model import ReviewWrite
from pim_gitops.review_wire import normalize_review, review_body
from pim_gitops.reviews import Recurrence
from tests.test_review22_numbered import numbered_definition


def _write(body: dict[str, Any]) -> ReviewWrite:
    return ReviewWrite(
        action="create",
        review=str(body["displayName"]),
        definition_id=None,
        addresses=(),
        body=body,
        live={},
        fingerprint="absent",
    )


def _sent() -> dict[str, Any]:
    review = normalize_review(numbered_definition())
    assert review is not None
    return review_body(
        replace(review, recurrence=Recurrence("absoluteMonthly", 1, date(2026, 1, 1)))
    )


def _as_graph_lists_it(body: dict[str, Any]) -> dict[str, Any]:
    answer = copy.deepcopy(body) | {"id": "def-9", "status": "NotStarted"}
    recurrence = answer["settings"]["recurrence"]
    recurrence["pattern"] = recurrence["pattern"] | {"dayOfMonth": 0, "month": 0, "index": "first"}
    recurrence["range"] = {
        "type": "numbered",
        "numberOfOccurrences": 0,
        "recurrenceTimeZone": None,
        "startDate": "2026-01-01",
        "endDate": "9999-12-31",
    }
    return answer


def test_graphs_spelling_of_a_never_ending_recurrence_shows_the_write() -> None:
    body = _sent()
    assert in_effect(_write(body), _as_graph_lists_it(body))


def test_a_different_recurrence_does_not_show_the_write() -> None:
    body = _sent()
    answer = _as_graph_lists_it(body)
    answer["settings"]["recurrence"]["pattern"]["interval"] = 3
    assert not in_effect(_write(body), answer)


def test_a_different_unmodelled_property_does_not_show_the_write() -> None:
    body = _sent() | {"stageSettings": []}
    answer = _as_graph_lists_it(body) | {"stageSettings": [{"stageId": "1"}]}
    assert not in_effect(_write(body), answer)
