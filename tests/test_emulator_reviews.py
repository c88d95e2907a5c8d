"""The emulator's access reviews: Graph's rules for a PUT (full definition, future instances
only, reviewers changeable in place only when they are individual users, scope immutable),
instances from the recurrence and the clock, decision items, seeding and snapshots."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.identity import APPLY_PERMISSIONS, Caller
from pim_gitops.emulator.review_rules import occurrences, settings_as_stored
from pim_gitops.snapshot import FORMAT
from pim_gitops.tenantgen import role_definition, user

PATH = "identityGovernance/accessReviews/definitions"
GA = "62e90394-69f5-4237-9190-012177145e10"
TENANT = "11111111-2222-3333-4444-555555555555"
ALICE, BOB, CAROL = (f"{n}0000000-0000-4000-8000-00000000000{n}" for n in "abc")
GROUP = "d0000000-0000-4000-8000-00000000000d"
EXPLICIT = "e0000000-0000-4000-8000-00000000000e"
BASE = "http://emulator/v1.0"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def tenant() -> dict[str, Any]:
    users = [
        user("alice@contoso.com", "Alice") | {"id": ALICE},
        user("bob@contoso.com", "Bob") | {"id": BOB},
        user("carol@contoso.com", "Carol") | {"id": CAROL},
    ]
    group = {"@odata.type": "#microsoft.graph.group", "id": GROUP, "displayName": "Tier0"}
    eligible = {"id": "el-1", "principalId": ALICE, "roleDefinitionId": GA, "directoryScopeId": "/"}
    active = {
        "id": "as-1",
        "principalId": BOB,
        "roleDefinitionId": GA,
        "directoryScopeId": "/",
        "assignmentType": "Assigned",
    }
    return {
        "format": FORMAT,
        "tenantId": TENANT,
        "roleDefinitions": [role_definition(GA, "Global Administrator")],
        "directoryObjects": [*users, group],
        "roleEligibilitySchedules": [eligible],
        "roleAssignmentSchedules": [active],
        "groupMembers": {GROUP: [CAROL]},
    }


def scope(query: str) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.accessReviewQueryScope", "query": query}


ROLE_SCOPE = scope(f"/roleManagement/directory/roleDefinitions/{GA}")
ELIGIBLE_SCOPE = scope(
    "/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter="
    f"(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{GA}')"
)


def body(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "displayName": "GA eligibility (quarterly)",
        "descriptionForAdmins": "GA",
        "scope": ROLE_SCOPE,
        "reviewers": [{"query": f"/users/{ALICE}", "queryType": "MicrosoftGraph"}],
        "settings": {
            "instanceDurationInDays": 3,
            "autoApplyDecisionsEnabled": True,
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 3},
                "range": {"type": "noEnd", "startDate": "2026-01-01"},
            },
        },
    }
    return out | changes


class Graph:
    def __init__(self, now: datetime, seed: dict[str, Any] | None = None) -> None:
        self.clock = Clock(now)
        self.emulator = Emulator(seed or tenant(), clock=self.clock)

    def __call__(
        self, method: str, path: str, data: Any = None, claims: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        reply, _ = self.emulator.execute(method, path, {}, data, BASE, claims)
        return reply.status, reply.body

    def create(self, **changes: Any) -> str:
        status, created = self("POST", PATH, body(**changes))
        assert status == 201, created
        return str(created["id"])

    def instances(self, definition_id: str) -> list[dict[str, Any]]:
        status, page = self("GET", f"{PATH}/{definition_id}/instances")
        assert status == 200, page
        return sorted(page["value"], key=lambda i: i["startDateTime"])


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_a_created_definition_reads_back_with_graphs_defaults() -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    definition_id = graph.create()
    status, shown = graph("GET", f"{PATH}/{definition_id}")
    assert status == 200
    assert shown["status"] == "NotStarted"
    assert shown["fallbackReviewers"] == [] and shown["instanceEnumerationScope"] is None
    settings = shown["settings"]
    assert settings["defaultDecisionEnabled"] is False and settings["defaultDecision"] == "None"
    assert settings["recurrence"]["pattern"]["firstDayOfWeek"] == "sunday"
    assert settings["recurrence"]["range"]["endDate"] is None
    assert shown["createdDateTime"] == "2025-12-15T08:00:00Z"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"displayName": " "}, "displayName"),
        ({"scope": None}, "scope"),
        ({"reviewers": None}, "reviewers"),
        ({"settings": None}, "settings"),
        ({"reviewers": [{"queryType": "MicrosoftGraph"}]}, "reviewers"),
    ],
)
def test_a_create_missing_a_required_field_is_refused(
    change: dict[str, Any], fragment: str
) -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    sent = {k: v for k, v in (body() | change).items() if v is not None}
    status, error = graph("POST", PATH, sent)
    assert status == 400
    assert fragment in error["error"]["message"]


@pytest.mark.parametrize(
    ("settings_change", "fragment"),
    [
        ({"instanceDurationInDays": 0}, "instanceDurationInDays"),
        ({"instanceDurationInDays": 1.5}, "instanceDurationInDays"),
        ({"defaultDecision": "Maybe"}, "defaultDecision"),
        ({"recurrence": {"pattern": {"type": "daily", "interval": 1}, "range": {}}}, "daily"),
        (
            {
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 0},
                    "range": {"type": "noEnd", "startDate": "2026-01-01"},
                }
            },
            "interval",
        ),
        (
            {
                "recurrence": {
                    "pattern": {"type": "weekly", "interval": 1},
                    "range": {
                        "type": "endDate",
                        "startDate": "2026-01-02",
                        "endDate": "2026-01-01",
                    },
                }
            },
            "endDate",
        ),
    ],
)
def test_invalid_settings_are_refused(settings_change: dict[str, Any], fragment: str) -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    sent = body()
    sent["settings"] = sent["settings"] | settings_change
    status, error = graph("POST", PATH, sent)
    assert status == 400
    assert fragment in error["error"]["message"]


def test_a_one_day_review_is_accepted() -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    sent = body()
    sent["settings"] = sent["settings"] | {"instanceDurationInDays": 1}
    assert graph("POST", PATH, sent)[0] == 201


def test_instances_follow_the_recurrence_and_their_status_the_clock() -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    definition_id = graph.create()
    (first,) = graph.instances(definition_id)
    assert first["status"] == "NotStarted" and first["startDateTime"] == "2026-01-01T00:00:00Z"
    graph.clock.now = at("2026-01-03T23:59:59")
    (running,) = [i for i in graph.instances(definition_id) if i["status"] != "NotStarted"]
    assert running["status"] == "InProgress" and running["endDateTime"] == "2026-01-04T00:00:00Z"
    graph.clock.now = at("2026-01-04T00:00:00")
    rows = graph.instances(definition_id)
    assert [r["status"] for r in rows] == ["Completed", "NotStarted"]
    assert rows[1]["startDateTime"] == "2026-04-01T00:00:00Z"
    assert graph("GET", f"{PATH}/{definition_id}")[1]["status"] == "InProgress"


def test_a_put_changes_only_the_future_instances() -> None:
    graph = Graph(at("2025-12-31T12:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-01-02T12:00:00")  # the first instance runs, unread so far
    new = body(reviewers=[{"query": f"/users/{BOB}", "queryType": "MicrosoftGraph"}])
    new["settings"] = new["settings"] | {"instanceDurationInDays": 5}
    status, reply = graph("PUT", f"{PATH}/{definition_id}", new)
    assert (status, reply) == (204, None)
    running, upcoming = graph.instances(definition_id)
    assert running["reviewers"][0]["query"] == f"/users/{ALICE}"
    assert running["endDateTime"] == "2026-01-04T00:00:00Z"
    assert upcoming["reviewers"][0]["query"] == f"/users/{BOB}"
    assert upcoming["endDateTime"] == "2026-04-06T00:00:00Z"
    shown = graph("GET", f"{PATH}/{definition_id}")[1]
    assert shown["reviewers"][0]["query"] == f"/users/{BOB}"
    assert shown["lastModifiedDateTime"] == "2026-01-02T12:00:00Z"


def test_a_put_of_a_new_recurrence_does_not_backfill_past_occurrences() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-01-02T12:00:00")
    weekly = body()
    weekly["settings"] = weekly["settings"] | {
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2025-06-01"},
        }
    }
    assert graph("PUT", f"{PATH}/{definition_id}", weekly)[0] == 204
    rows = graph.instances(definition_id)
    assert [r["startDateTime"] for r in rows] == ["2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"]


def test_a_put_must_carry_the_full_definition() -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    definition_id = graph.create()
    status, error = graph("PUT", f"{PATH}/{definition_id}", {"displayName": "renamed"})
    assert status == 400
    assert "reviewers" in error["error"]["message"]


def test_the_scope_cannot_change_but_may_be_repeated() -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    definition_id = graph.create()
    assert graph("PUT", f"{PATH}/{definition_id}", body())[0] == 204
    status, error = graph("PUT", f"{PATH}/{definition_id}", body(scope=ELIGIBLE_SCOPE))
    assert status == 400
    assert "scope" in error["error"]["message"]
    enumeration = body(instanceEnumerationScope=scope(f"/groups/{GROUP}"))
    assert graph("PUT", f"{PATH}/{definition_id}", enumeration)[0] == 400


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ([f"/users/{ALICE}"], [f"/users/{BOB}", f"/users/{CAROL}"], 204),
        ([f"/users/{ALICE}"], [f"/groups/{GROUP}/transitiveMembers"], 400),
        ([f"/groups/{GROUP}/transitiveMembers"], [f"/users/{ALICE}"], 400),
        (["./manager"], ["./manager"], 204),
        ([f"/groups/{GROUP}/transitiveMembers"], [f"/groups/{GROUP}/transitiveMembers"], 204),
    ],
)
def test_reviewers_change_in_place_only_when_they_are_individual_users(
    before: list[str], after: list[str], expected: int
) -> None:
    graph = Graph(at("2025-12-15T08:00:00"))
    definition_id = graph.create(reviewers=[{"query": q} for q in before])
    status, error = graph(
        "PUT", f"{PATH}/{definition_id}", body(reviewers=[{"query": q} for q in after])
    )
    assert status == expected, error
    if expected == 400:
        assert "individual users" in error["error"]["message"]


def test_decisions_are_the_principals_under_review_when_the_instance_started() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    all_id = graph.create()
    eligible_id = graph.create(displayName="eligible only", scope=ELIGIBLE_SCOPE)
    group_id = graph.create(displayName="group", scope=scope(f"/groups/{GROUP}/transitiveMembers"))
    graph.clock.now = at("2026-01-02T00:00:00")
    seen = {}
    for definition_id in (all_id, eligible_id, group_id):
        (running, _) = graph.instances(definition_id)
        status, page = graph("GET", f"{PATH}/{definition_id}/instances/{running['id']}/decisions")
        assert status == 200
        seen[definition_id] = sorted(d["principal"]["id"] for d in page["value"])
        assert {d["decision"] for d in page["value"]} == {"NotReviewed"}
    assert seen == {all_id: [ALICE, BOB], eligible_id: [ALICE], group_id: [CAROL]}
    upcoming = graph.instances(all_id)[1]
    path = f"{PATH}/{all_id}/instances/{upcoming['id']}/decisions"
    assert graph("GET", path)[1]["value"] == []


def test_delete_removes_the_definition_and_its_instances() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-01-02T00:00:00")
    graph.instances(definition_id)
    assert graph("DELETE", f"{PATH}/{definition_id}") == (204, None)
    assert graph("GET", f"{PATH}/{definition_id}")[0] == 404
    assert graph("DELETE", f"{PATH}/{definition_id}")[0] == 404
    assert graph.emulator.store.review_instances == {}


def test_the_snapshot_carries_definitions_and_instances_and_seeds_back() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-04-10T00:00:00")
    saved = graph.emulator.store.snapshot("2026-04-10T00:00:00Z")
    (definition,) = saved["accessReviewDefinitions"]
    assert definition["id"] == definition_id and definition["status"] == "InProgress"
    rows = saved["accessReviewInstances"]
    assert [(r["definitionId"], r["status"], r["undecidedCount"]) for r in rows] == [
        (definition_id, "Completed", 2),
        (definition_id, "Completed", 2),
    ]
    again = Graph(at("2026-04-10T00:00:00"), copy.deepcopy(saved))
    resaved = again.emulator.store.snapshot("2026-04-10T00:00:00Z")
    assert resaved["accessReviewInstances"] == rows
    assert resaved["accessReviewDefinitions"] == saved["accessReviewDefinitions"]
    assert "accessReviewDefinitions" not in Graph(
        at("2026-01-01T00:00:00")
    ).emulator.store.snapshot("2026-01-01T00:00:00Z")


def test_a_seeded_undecided_count_is_kept_and_not_shown_by_graph() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-01-02T00:00:00")
    saved = graph.emulator.store.snapshot("2026-01-02T00:00:00Z")
    saved["accessReviewInstances"][0]["undecidedCount"] = 1
    again = Graph(at("2026-01-02T00:00:00"), saved)
    (running, _) = again.instances(definition_id)
    assert "undecidedCount" not in running and "definitionId" not in running
    path = f"{PATH}/{definition_id}/instances/{running['id']}/decisions"
    decisions = [d["decision"] for d in again(*("GET", path))[1]["value"]]
    assert sorted(decisions) == ["Approve", "NotReviewed"]


def test_access_reviews_need_their_permissions() -> None:
    graph = Graph(at("2026-01-02T00:00:00"))
    now = graph.clock.now
    allowed = Caller().claims(TENANT, now)
    assert graph("GET", PATH, claims=allowed)[0] == 200
    assert graph("POST", PATH, body(), claims=allowed)[0] == 201
    without = Caller(roles=tuple(p for p in APPLY_PERMISSIONS if not p.startswith("AccessReview")))
    status, error = graph("GET", PATH, claims=without.claims(TENANT, now))
    assert status == 403 and error["error"]["code"] == "Authorization_RequestDenied"
    reader = Caller(roles=("AccessReview.Read.All",)).claims(TENANT, now)
    assert graph("GET", PATH, claims=reader)[0] == 200
    assert graph("POST", PATH, body(), claims=reader)[0] == 403


def test_monthly_occurrences_keep_to_the_months_last_day() -> None:
    settings = settings_as_stored(
        {
            "instanceDurationInDays": 1,
            "recurrence": {
                "pattern": {"type": "absoluteMonthly", "interval": 1},
                "range": {"type": "numbered", "numberOfOccurrences": 3, "startDate": "2026-01-31"},
            },
        }
    )
    assert [d.isoformat() for _, d in occurrences(settings)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
    ]
    ended = copy.deepcopy(settings)
    ended["recurrence"]["range"] = {
        "type": "endDate",
        "startDate": "2026-01-01",
        "endDate": "2026-01-15",
    }
    ended["recurrence"]["pattern"] = {"type": "weekly", "interval": 1}
    assert len(list(occurrences(ended))) == 3


def test_no_instance_is_made_for_occurrences_before_the_definition_existed() -> None:
    graph = Graph(at("2026-02-15T10:00:00"))
    definition_id = graph.create()
    (upcoming,) = graph.instances(definition_id)
    assert (upcoming["status"], upcoming["startDateTime"]) == ("NotStarted", "2026-04-01T00:00:00Z")


def test_the_definition_as_read_can_be_put_back_with_changes() -> None:
    graph = Graph(at("2025-12-20T00:00:00"))
    definition_id = graph.create()
    graph.clock.now = at("2026-01-02T00:00:00")
    live = graph("GET", f"{PATH}/{definition_id}")[1]
    live["displayName"] = "renamed"
    live["settings"]["instanceDurationInDays"] = 4
    assert graph("PUT", f"{PATH}/{definition_id}", live)[0] == 204
    again = graph("GET", f"{PATH}/{definition_id}")[1]
    assert again["displayName"] == "renamed" and again["settings"]["instanceDurationInDays"] == 4
    assert again["scope"] == live["scope"] and again["createdDateTime"] == live["createdDateTime"]
