"""Hostile review of issue 22: a definition whose recurrence ends after a number of
occurrences (``recurrenceRange.type: numbered``, ``numberOfOccurrences``: the Entra portal's
"End: after number of occurrences"; learn.microsoft.com/graph/api/resources/recurrencerange)
is read as never ending. Export then writes no end, plan is 0, and the first PUT (a reviewer
rotation) sends ``range.type: noEnd``: the review silently runs for ever."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pim_gitops.plan.review_build import put_body
from pim_gitops.review_wire import normalize_review, review_body

GA = "62e90394-69f5-4237-9190-012177145e10"


def numbered_definition() -> dict[str, Any]:
    return {
        "id": "def-1",
        "displayName": "GA monthly, six times",
        "descriptionForAdmins": "",
        "scope": {
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": f"/roleManagement/directory/roleDefinitions/{GA}",
            "queryType": "MicrosoftGraph",
        },
        "reviewers": [{"query": "/users/aaa", "queryType": "MicrosoftGraph"}],
        "fallbackReviewers": [],
        "settings": {
            "instanceDurationInDays": 3,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 1},
                "range": {
                    "type": "numbered",
                    "numberOfOccurrences": 6,
                    "startDate": "2026-01-01",
                    "endDate": "9999-12-31",
                },
            },
        },
    }


@pytest.mark.xfail(
    strict=True,
    reason="recurrenceRange type 'numbered' is read as noEnd; a PUT then writes noEnd",
)
def test_a_rotation_put_keeps_a_numbered_recurrence_range() -> None:
    live = numbered_definition()
    review = normalize_review(live)
    assert review is not None
    rotated = replace(review, reviewers=("user:bbb",))
    body = put_body(live, review_body(rotated))
    assert body["reviewers"] == [{"query": "/users/bbb", "queryType": "MicrosoftGraph"}]
    span = body["settings"]["recurrence"]["range"]
    assert span["type"] == "numbered" and span["numberOfOccurrences"] == 6
