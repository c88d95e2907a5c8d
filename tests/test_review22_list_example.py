"""Hostile review of issue 22: List definitions' Example 1 (microsoft-graph-docs-contrib
api-reference/v1.0/api/accessreviewset-list-definitions.md) answers a weekly review of one
group's members, managers reviewing, with ``instanceDurationInDays: 0``. The reader takes it
for one of ours (a whole group's members) and refuses it as malformed: one definition made
elsewhere, declared nowhere, fails every plan, export and drift of the tenant."""

from __future__ import annotations

from typing import Any

import pytest

from pim_gitops.review_wire import normalize_reviews
from pim_gitops.snapshot import REVIEW_DEFINITIONS, REVIEW_INSTANCES

GROUP = "119cc181-22f0-4e18-8537-264e7524ee0b"


def listed() -> dict[str, Any]:
    query = {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "queryType": "MicrosoftGraph",
    }
    return {
        "id": "98dcebed-c7f6-46f4-bcf3-4a3fccdb3e2a",
        "displayName": "Access Review",
        "scope": query | {"query": f"/groups/{GROUP}/transitiveMembers"},
        "instanceEnumerationScope": query | {"query": f"/groups/{GROUP}"},
        "reviewers": [
            {"query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions"}
        ],
        "settings": {
            "mailNotificationsEnabled": True,
            "reminderNotificationsEnabled": True,
            "justificationRequiredOnApproval": True,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "instanceDurationInDays": 0,
            "autoApplyDecisionsEnabled": False,
            "recommendationsEnabled": True,
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "month": 0, "dayOfMonth": 0},
                "range": {
                    "type": "numbered",
                    "numberOfOccurrences": 0,
                    "startDate": "2020-09-11",
                    "endDate": "9999-12-31",
                },
            },
        },
    }


@pytest.mark.xfail(
    strict=True,
    reason="instanceDurationInDays 0 (a documented Graph answer) raises SnapshotError and fails "
    "the whole tenant read",
)
def test_the_documented_list_answer_reads() -> None:
    state, why = normalize_reviews({REVIEW_DEFINITIONS: [listed()], REVIEW_INSTANCES: []})
    assert why is None and state is not None
