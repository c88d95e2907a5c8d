"""Hostile review of issue 22: Graph's own tutorial of a privileged-role review
(microsoft-graph-docs-contrib concepts/tutorial-accessreviews-roleassignments.md, the source
the emulator cites) creates and reads back queries with a version segment: principal scopes
``/v1.0/users`` and ``/v1.0/groups``, the resource ``/beta/roleManagement/directory/
roleDefinitions/{id}``, a reviewer ``/v1.0/users/{id}``. Such a definition was read as "not a
review this tool manages": export skipped it, lint called the role unreviewed and a declared
review of the same name planned a second definition."""

from __future__ import annotations

from typing import Any

from pim_gitops.review_wire import normalize_review

ROLE = "fe930be7-5e62-47db-91af-98c3a49a38b1"
REVIEWER = "f674a1c9-4a40-439c-bfa3-4b61a9f29d85"


def scope(query: str) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "query": query,
        "queryType": "MicrosoftGraph",
        "queryRoot": None,
    }


def tutorial_definition() -> dict[str, Any]:
    return {
        "id": "57457d7c-af59-470c-ae71-aa72c657fe0f",
        "displayName": "Review access of users and groups to privileged roles",
        "descriptionForAdmins": "Review access of users and groups to privileged roles",
        "scope": {
            "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
            "principalScopes": [scope("/v1.0/users"), scope("/v1.0/groups")],
            "resourceScopes": [scope(f"/beta/roleManagement/directory/roleDefinitions/{ROLE}")],
        },
        "reviewers": [
            {"query": f"/v1.0/users/{REVIEWER}", "queryType": "MicrosoftGraph", "queryRoot": None}
        ],
        "fallbackReviewers": [],
        "settings": {
            "mailNotificationsEnabled": True,
            "reminderNotificationsEnabled": True,
            "justificationRequiredOnApproval": True,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "instanceDurationInDays": 3,
            "autoApplyDecisionsEnabled": False,
            "recommendationsEnabled": True,
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 3, "dayOfMonth": 0},
                "range": {"type": "noEnd", "startDate": "2022-03-02", "endDate": "9999-12-31"},
            },
        },
    }


def test_the_tutorials_role_review_is_read_as_a_role_review() -> None:
    review = normalize_review(tutorial_definition())
    assert review is not None, "the documented role review is not managed"
    assert (review.target.kind, review.target.id, review.target.covers) == ("role", ROLE, "all")
    assert review.reviewers == (f"user:{REVIEWER}",)


def test_a_versioned_group_review_and_manager_fallback_read_the_same() -> None:
    raw = tutorial_definition()
    raw["scope"] = scope("/v1.0/groups/ABC/transitiveMembers")
    raw["fallbackReviewers"] = [{"query": "/v1.0/groups/G1/owners", "queryType": "MicrosoftGraph"}]
    review = normalize_review(raw)
    assert review is not None
    assert (review.target.kind, review.target.id) == ("group", "abc")
    assert review.fallback_reviewers == ("owners:g1",)


def test_a_version_segment_is_not_stripped_from_an_unrelated_path() -> None:
    raw = tutorial_definition()
    raw["reviewers"] = [{"query": "/v2/users/x", "queryType": "MicrosoftGraph"}]
    review = normalize_review(raw)
    assert review is not None and review.reviewers == ("query:/v2/users/x",)
