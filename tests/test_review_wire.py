"""``review_wire``: Graph's accessReviewScheduleDefinition ↔ ``AccessReview``.

The payloads are the documented ones (microsoftgraph/microsoft-graph-docs-contrib:
api-reference/v1.0/api/accessreviewset-post-definitions.md, concepts/
accessreviews-scope-concept.md, concepts/accessreviews-reviewers-concept.md), as dicts."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pim_gitops.errors import PlanError, SnapshotError
from pim_gitops.review_wire import (
    normalize_instance,
    normalize_review,
    normalize_reviews,
    review_body,
    review_target,
    role_scope_query,
)
from pim_gitops.reviews import (
    AccessReview,
    Recurrence,
    ReviewSettings,
    ReviewTarget,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR

GROUP = "02f3bafb-448c-487c-88c2-5fd65ce49a41"
USER = "398164b1-5196-49dd-ada2-364b49f99b27"


def documented_group_review() -> dict[str, Any]:
    """accessreviewset-post-definitions.md, Example 1 (the request, with the id Graph adds)."""
    return {
        "id": "29f2d16e-9ca6-4052-bbfe-802c48944448",
        "displayName": "Test create",
        "descriptionForAdmins": "New scheduled access review",
        "descriptionForReviewers": "If you have any questions, contact jerry@contoso.com",
        "scope": {
            "@odata.type": "#microsoft.graph.accessReviewQueryScope",
            "query": f"/groups/{GROUP}/transitiveMembers",
            "queryType": "MicrosoftGraph",
        },
        "reviewers": [{"query": f"/users/{USER}", "queryType": "MicrosoftGraph"}],
        "settings": {
            "mailNotificationsEnabled": True,
            "reminderNotificationsEnabled": True,
            "justificationRequiredOnApproval": True,
            "defaultDecisionEnabled": False,
            "defaultDecision": "None",
            "instanceDurationInDays": 1,
            "recommendationsEnabled": True,
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1},
                "range": {"type": "noEnd", "startDate": "2020-09-08T12:02:30.667Z"},
            },
        },
    }


def role_review(query: str) -> dict[str, Any]:
    raw = documented_group_review()
    raw["scope"] = {
        "@odata.type": "#microsoft.graph.accessReviewQueryScope",
        "query": query,
        "queryType": "MicrosoftGraph",
    }
    return raw


def test_the_documented_group_review_normalizes() -> None:
    review = normalize_review(documented_group_review())
    assert review is not None
    assert review.name == "Test create" and review.id == "29f2d16e-9ca6-4052-bbfe-802c48944448"
    assert review.target == ReviewTarget("group", GROUP, "all")
    # Graph accepts a date-time and answers the date (the POST's response).
    assert review.recurrence == Recurrence("weekly", 1, date(2020, 9, 8))
    assert review.reviewers == (f"user:{USER}",) and review.fallback_reviewers == ()
    assert review.settings == ReviewSettings(1, None, False, True, True, True, True)
    assert review.raw["displayName"] == "Test create"


@pytest.mark.parametrize(
    ("query", "covers"),
    [
        (f"/roleManagement/directory/roleDefinitions/{GLOBAL_ADMINISTRATOR}", "all"),
        (
            "/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&"
            "$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq "
            f"'{GLOBAL_ADMINISTRATOR.upper()}')",
            "eligible",
        ),
        (
            "/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&"
            "$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') "
            f"and roleDefinitionId eq '{GLOBAL_ADMINISTRATOR}')",
            "active",
        ),
    ],
)
def test_the_documented_role_scopes_are_role_reviews(query: str, covers: str) -> None:
    """accessreviews-scope-concept.md, Example 9."""
    assert review_target(role_review(query)) == ReviewTarget("role", GLOBAL_ADMINISTRATOR, covers)  # type: ignore[arg-type]
    assert role_scope_query(GLOBAL_ADMINISTRATOR, covers).lower() == query.lower()


def test_a_role_as_the_resource_of_a_memberships_scope_is_a_role_review() -> None:
    raw = documented_group_review()
    resource = f"/roleManagement/directory/roleDefinitions/{GLOBAL_ADMINISTRATOR}"
    raw["scope"] = {
        "@odata.type": "#microsoft.graph.principalResourceMembershipsScope",
        "principalScopes": [{"query": "/users", "queryType": "MicrosoftGraph"}],
        "resourceScopes": [{"query": resource, "queryType": "MicrosoftGraph"}],
    }
    assert review_target(raw) == ReviewTarget("role", GLOBAL_ADMINISTRATOR, "all")
    # Example 12: only the guests assigned to the role: not a review of the role.
    raw["scope"]["principalScopes"][0]["query"] = "/users?$filter=(userType eq 'Guest')"
    assert review_target(raw) is None


@pytest.mark.parametrize(
    "scope",
    [
        # Example 2: guests of a group; Example 8: service principals of a role.
        {
            "query": f"/groups/{GROUP}/transitiveMembers/microsoft.graph.user/"
            "?$filter=(userType eq 'Guest')"
        },
        {
            "query": "/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal"
            "&$filter=(isof(principal,'microsoft.graph.servicePrincipal') and roleDefinitionId "
            f"eq '{GLOBAL_ADMINISTRATOR}')"
        },
        # Example 1: inactive users only; access packages (Example 7).
        {
            "@odata.type": "#microsoft.graph.accessReviewInactiveUsersQueryScope",
            "query": f"/groups/{GROUP}/transitiveMembers/microsoft.graph.user",
            "inactiveDuration": "P30D",
        },
        {"query": "/identityGovernance/entitlementManagement/accessPackageAssignments"},
        {},  # a scope without a query: someone else's shape, not an error
    ],
)
def test_reviews_of_something_else_are_not_ours(scope: dict[str, Any]) -> None:
    raw = documented_group_review()
    raw["scope"] = {"queryType": "MicrosoftGraph", **scope}
    assert normalize_review(raw) is None


def test_an_all_groups_review_is_not_ours_one_enumerating_its_group_alone_is() -> None:
    raw = documented_group_review()
    raw["instanceEnumerationScope"] = {"query": "/groups", "queryType": "MicrosoftGraph"}
    assert normalize_review(raw) is None
    # accessreviewscheduledefinition-update.md's example: the one group, enumerated.
    raw["instanceEnumerationScope"]["query"] = f"/groups/{GROUP}"
    assert review_target(raw) == ReviewTarget("group", GROUP, "all")
    raw["instanceEnumerationScope"] = None  # as Graph answers a review without one
    assert review_target(raw) == ReviewTarget("group", GROUP, "all")


def test_documented_reviewer_shapes() -> None:
    """accessreviews-reviewers-concept.md, Examples 2-5."""
    raw = documented_group_review()
    raw["reviewers"] = [
        {"query": f"/users/{USER.upper()}", "queryType": "MicrosoftGraph"},
        {"query": f"/groups/{GROUP}/transitiveMembers", "queryType": "MicrosoftGraph"},
        {"query": f"/groups/{GROUP}/owners", "queryType": "MicrosoftGraph"},
        {"query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions"},
    ]
    raw["fallbackReviewers"] = [{"query": "./owners", "queryType": "MicrosoftGraph"}]
    review = normalize_review(raw)
    assert review is not None
    assert review.reviewers == (f"group:{GROUP}", "manager", f"owners:{GROUP}", f"user:{USER}")
    assert review.fallback_reviewers == ("query:./owners",)
    body = review_body(review)
    assert {"query": "./manager", "queryType": "MicrosoftGraph", "queryRoot": "decisions"} in body[
        "reviewers"
    ]


def test_settings_of_the_documented_quarterly_review() -> None:
    """accessreviewset-post-definitions.md, Example 2's settings: quarterly, 3 days, deny."""
    raw = documented_group_review()
    raw["settings"] = {
        "mailNotificationsEnabled": True,
        "reminderNotificationsEnabled": True,
        "justificationRequiredOnApproval": True,
        "recommendationsEnabled": True,
        "instanceDurationInDays": 3,
        "recurrence": {
            "pattern": {"type": "absoluteMonthly", "dayOfMonth": 5, "interval": 3},
            "range": {"type": "noEnd", "startDate": "2020-05-04T00:00:00.000Z"},
        },
        "defaultDecisionEnabled": True,
        "defaultDecision": "Deny",
        "autoApplyDecisionsEnabled": True,
    }
    review = normalize_review(raw)
    assert review is not None
    assert review.recurrence == Recurrence("absoluteMonthly", 3, date(2020, 5, 4))
    assert review.recurrence.months == 3
    assert review.settings == ReviewSettings(3, "Deny", True, True, True, True, True)
    raw["settings"]["recurrence"]["range"] = {
        "type": "endDate",
        "startDate": "2020-05-04",
        "endDate": "2021-05-04",
    }
    ended = normalize_review(raw)
    assert ended is not None and ended.recurrence.end == date(2021, 5, 4)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("displayName",), None, "missing 'displayName'"),
        (("settings", "instanceDurationInDays"), "P3D", "instanceDurationInDays"),
        (("settings", "instanceDurationInDays"), 0, "instanceDurationInDays"),
        (("settings", "recurrence", "pattern", "type"), "absoluteYearly", "recurrence type"),
        (("settings", "recurrence", "pattern", "interval"), 0, "interval"),
        (("settings", "recurrence", "range", "startDate"), "soon", "not a date"),
        (("settings", "defaultDecisionEnabled"), "yes", "defaultDecisionEnabled"),
        (("reviewers",), [{"queryType": "MicrosoftGraph"}], "missing 'query'"),
    ],
)
def test_a_malformed_review_of_ours_names_what_is_wrong(
    path: tuple[str, ...], value: Any, message: str
) -> None:
    raw = documented_group_review()
    node = raw
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    with pytest.raises(SnapshotError, match=message):
        normalize_review(raw)


def test_an_unknown_default_decision_is_malformed() -> None:
    raw = documented_group_review()
    raw["settings"] |= {"defaultDecisionEnabled": True, "defaultDecision": "Maybe"}
    with pytest.raises(SnapshotError, match="unknown defaultDecision 'Maybe'"):
        normalize_review(raw)
    raw["settings"]["defaultDecisionEnabled"] = False  # ignored while disabled
    review = normalize_review(raw)
    assert review is not None and review.settings.default_decision is None


def test_an_instance_with_its_definition_and_undecided_count() -> None:
    raw = {
        "id": "i1",
        "definitionId": "d1",
        "startDateTime": "2026-10-01T00:00:00Z",
        "endDateTime": "2026-10-04T00:00:00Z",
        "status": "Completed",
        "undecidedCount": 2,
    }
    instance = normalize_instance(raw)
    assert (instance.definition_id, instance.undecided, instance.status) == ("d1", 2, "Completed")
    assert instance.end - instance.start == timedelta(days=3)
    assert normalize_instance({**raw, "undecidedCount": None}).undecided is None
    with pytest.raises(SnapshotError, match="definitionId"):
        normalize_instance({k: v for k, v in raw.items() if k != "definitionId"})
    with pytest.raises(SnapshotError, match="endDateTime"):
        normalize_instance({**raw, "endDateTime": None})


def test_unresolved_reviewers_and_group_coverage_are_refused_in_a_body() -> None:
    review = normalize_review(documented_group_review())
    assert review is not None
    with pytest.raises(PlanError, match="not resolved"):
        review_body(AccessReview(**{**_fields(review), "reviewers": ("alice@contoso.com",)}))
    target = ReviewTarget("group", GROUP, "eligible")
    with pytest.raises(PlanError, match="all members"):
        review_body(AccessReview(**{**_fields(review), "target": target}))


def _fields(review: AccessReview) -> dict[str, Any]:
    return {k: getattr(review, k) for k in AccessReview.__dataclass_fields__}


def test_the_snapshot_keys_become_the_review_state() -> None:
    ours, theirs = documented_group_review(), documented_group_review()
    theirs |= {"id": "other", "instanceEnumerationScope": {"query": "/groups"}}
    instance = {
        "id": "i1",
        "startDateTime": "2026-10-01T00:00:00Z",
        "endDateTime": "2026-10-04T00:00:00Z",
        "status": "Completed",
    }
    snapshot = {
        "accessReviewDefinitions": [theirs, ours],
        "accessReviewInstances": [
            {**instance, "definitionId": ours["id"]},
            {**instance, "id": "i2", "definitionId": "other"},
        ],
    }
    state, why = normalize_reviews(snapshot)
    assert why is None and state is not None
    assert list(state.definitions) == [ours["id"]]
    assert [i.id for i in state.instances] == ["i1"]
    assert normalize_reviews({}) == (None, None)  # an older snapshot: not read
    refused = {"accessReviewReadError": "403 Forbidden; listing access reviews needs X"}
    assert normalize_reviews(refused) == (None, refused["accessReviewReadError"])
    del ours["id"]
    with pytest.raises(SnapshotError, match="missing 'id'"):
        normalize_reviews(snapshot)


# --- normalize_review(review_body(r)) == r -------------------------------------------------

guids = st.uuids().map(str)
references = st.one_of(
    guids.map(lambda g: f"user:{g}"),
    guids.map(lambda g: f"group:{g}"),
    guids.map(lambda g: f"owners:{g}"),
    st.just("manager"),
    st.just("query:./owners"),
    guids.map(lambda g: f"query:/servicePrincipals/{g}/owners"),
)
reviewer_sets = st.frozensets(references, max_size=4).map(lambda s: tuple(sorted(s)))
targets = st.one_of(
    st.builds(
        ReviewTarget,
        st.just("role"),
        guids,
        st.sampled_from(["eligible", "active", "all"]),
    ),
    st.builds(ReviewTarget, st.just("group"), guids, st.just("all")),
)
starts = st.dates(date(2020, 1, 1), date(2035, 12, 31))


@st.composite
def recurrences(draw: st.DrawFn) -> Recurrence:
    start = draw(starts)
    end = draw(st.one_of(st.none(), st.integers(0, 3000).map(lambda d: start + timedelta(d))))
    pattern = draw(st.sampled_from(["weekly", "absoluteMonthly"]))
    return Recurrence(pattern, draw(st.integers(1, 12)), start, end)


review_settings = st.builds(
    ReviewSettings,
    st.integers(1, 180),
    st.sampled_from([None, "None", "Approve", "Deny", "Recommendation"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
reviews = st.builds(
    AccessReview,
    name=st.text(min_size=1, max_size=40),
    target=targets,
    recurrence=recurrences(),
    reviewers=reviewer_sets,
    fallback_reviewers=reviewer_sets,
    settings=review_settings,
    description=st.text(max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(reviews)
def test_a_body_normalizes_back_to_the_review(review: AccessReview) -> None:
    body = review_body(review)
    again = normalize_review({**copy.deepcopy(body), "id": "x"})
    assert again == review
    assert again is not None and again.id == "x"
