"""Settling a schedule write with no definite answer (apply/settle.py), code by code: which
codes are read back, what the read-back adopts or re-aims, which outcomes are worth another
round, and how long replication is waited for. Graph is a recorded ``httpx`` handler under
the real transport (tests/test_network.py's ``Fake``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from pim_gitops.action import Action
from pim_gitops.apply.settle import (
    SettleWait,
    activation_in_progress,
    live_schedule_row,
    outcome_code,
    outcome_message,
    outcome_status,
    replication_pending,
    retryable,
    row_matches,
    settle,
)
from pim_gitops.errors import GraphError, GraphThrottledError
from pim_gitops.graph.envelopes import GraphResponse
from pim_gitops.graph.retry import RetryBudget, RetryPolicy
from pim_gitops.plan import ScheduleRequest
from pim_gitops.wire import format_instant
from tests.test_guards import GA as GLOBAL_ADMIN
from tests.test_guards import NOW, request
from tests.test_network import Fake, page, run, transport_for
from tests.test_retry import FakeClock

END = NOW + timedelta(days=30)
#: Every code after which the write may or may not have happened.
UNCERTAIN = [
    None,
    "",
    "TooManyRequests",
    "serviceNotAvailable",
    "GatewayTimeout",
    "RoleAssignmentExists",
    "RoleAssignmentDoesNotExist",
]


def create(kind: str = "active", end: Any = END) -> ScheduleRequest:
    return request(Action.CREATE, GLOBAL_ADMIN, "alice", kind, end=end)  # type: ignore[arg-type]


def update(end: Any = END) -> ScheduleRequest:
    return request(Action.UPDATE, GLOBAL_ADMIN, "alice", end=end, live_end=NOW)


def delete() -> ScheduleRequest:
    return request(Action.DELETE, GLOBAL_ADMIN, "alice")


def row(end: Any = END, **fields: Any) -> dict[str, Any]:
    expiration = {"type": "noExpiration"}
    if end is not None:
        expiration = {"type": "afterDateTime", "endDateTime": format_instant(end)}
    return {
        "principalId": "alice",
        "roleDefinitionId": GLOBAL_ADMIN,
        "directoryScopeId": "/",
        "memberType": "Direct",
        "assignmentType": "Assigned",
        "scheduleInfo": {"expiration": expiration},
    } | fields


def graph(rows: list[dict[str, Any]] | None) -> Fake:
    """Graph answering every schedule read with ``rows`` (``None``: a 403 refusal)."""
    if rows is None:
        return Fake(lambda n, r: httpx.Response(403, json={"error": {"code": "Forbidden"}}))
    return Fake(lambda n, r: page(rows))


def settled(fake: Fake, op: ScheduleRequest, code: str | None) -> tuple[bool, Action | None]:
    t = transport_for(fake)
    result: tuple[bool, Action | None] = run(t, settle(t, op, code))
    return result


# --- which codes are read back ---------------------------------------------------------------


@pytest.mark.parametrize("code", UNCERTAIN)
def test_each_uncertain_code_reads_back_and_adopts_a_create_already_in_place(
    code: str | None,
) -> None:
    fake = graph([row()])
    assert settled(fake, create(), code) == (True, None)
    assert len(fake.seen) == 1


@pytest.mark.parametrize("code", ["PolicyViolation", "InvalidPolicy", "SubjectNotFound"])
def test_a_definite_refusal_of_a_create_is_not_read_back(code: str) -> None:
    fake = graph([row()])
    assert settled(fake, create(), code) == (False, None)
    assert fake.seen == []


def test_a_refused_removal_is_read_back_under_any_code_and_done_when_the_row_is_gone() -> None:
    gone = graph([])
    assert settled(gone, delete(), "ResourceNotFound") == (True, None)
    assert len(gone.seen) == 1
    still_there = graph([row()])
    assert settled(still_there, delete(), "ResourceNotFound") == (False, None)


def test_a_lost_create_whose_schedule_is_missing_is_sent_again_as_a_create() -> None:
    assert settled(graph([]), create(), "GatewayTimeout") == (False, Action.CREATE)


def test_role_assignment_exists_with_another_end_reaims_the_create_as_an_update() -> None:
    other_end = row(END + timedelta(days=1))
    assert settled(graph([other_end]), create(), "RoleAssignmentExists") == (False, Action.UPDATE)


def test_an_update_whose_schedule_is_gone_is_reaimed_as_a_create() -> None:
    assert settled(graph([]), update(), "RoleAssignmentDoesNotExist") == (False, Action.CREATE)


def test_a_failed_read_back_decides_nothing() -> None:
    assert settled(graph(None), create(), "GatewayTimeout") == (False, None)
    assert settled(graph(None), delete(), "ResourceNotFound") == (False, None)


# --- the read-back: which live row is the request's -------------------------------------------


def test_the_read_back_filters_by_principal_and_role_on_the_kind_of_schedule() -> None:
    for kind, collection in (
        ("eligible", "roleEligibilitySchedules"),
        ("active", "roleAssignmentSchedules"),
    ):
        fake = graph([row()])
        t = transport_for(fake)
        assert run(t, live_schedule_row(t, create(kind))) == row()
        url = urlsplit(str(fake.seen[0].url))
        assert url.path.endswith(f"/roleManagement/directory/{collection}")
        assert parse_qs(url.query)["$filter"] == [
            f"principalId eq 'alice' and roleDefinitionId eq '{GLOBAL_ADMIN}'"
        ]


@pytest.mark.parametrize(
    "other",
    [
        {"directoryScopeId": "/administrativeUnits/au-1"},
        {"memberType": "Inherited"},
        {"assignmentType": "Activated"},
    ],
)
def test_rows_at_another_scope_inherited_or_activated_are_not_the_requests(
    other: dict[str, str],
) -> None:
    fake = graph([row(**other)])
    t = transport_for(fake)
    assert run(t, live_schedule_row(t, create())) is None


def test_a_row_with_scope_member_and_assignment_type_absent_is_direct_assigned_at_root() -> None:
    bare = {k: v for k, v in row().items() if k not in ("directoryScopeId", "memberType")}
    bare.pop("assignmentType")
    fake = graph([row(assignmentType="Activated"), bare])
    t = transport_for(fake)
    assert run(t, live_schedule_row(t, create())) == bare


def test_row_matches_within_a_minute_and_permanent_only_equals_permanent() -> None:
    assert row_matches(create(), row(END + timedelta(seconds=60)))
    assert not row_matches(create(), row(END + timedelta(seconds=61)))
    assert row_matches(create(end=None), row(None))
    assert not row_matches(create(end=None), row(END))
    assert not row_matches(create(), row(None))
    assert not row_matches(create(), None)
    assert row_matches(delete(), None)
    assert not row_matches(delete(), row())
    assert row_matches(create(end=None), {"scheduleInfo": None})


# --- activations in progress ----------------------------------------------------------------


def in_progress(rows: list[dict[str, Any]] | None, op: ScheduleRequest) -> tuple[bool, int]:
    fake = graph(rows)
    t = transport_for(fake)
    found: bool = run(t, activation_in_progress(t, op))
    return found, len(fake.seen)


def test_an_activation_in_progress_is_seen_only_for_an_active_create() -> None:
    activated = [row(assignmentType="Activated")]
    assert in_progress(activated, create()) == (True, 1)
    assert in_progress(activated, create("eligible")) == (False, 0)
    assert in_progress(activated, update()) == (False, 0)
    assert in_progress([row()], create()) == (False, 1)
    away = [row(assignmentType="Activated", directoryScopeId="/administrativeUnits/au-1")]
    assert in_progress(away, create()) == (False, 1)
    assert in_progress([row(assignmentType="Activated", directoryScopeId=None)], create())[0]
    assert in_progress(None, create()) == (False, 1)


# --- which outcomes are worth another round ------------------------------------------------


def answer(status: int, code: str | None = None, message: str = "") -> GraphResponse:
    body: Any = {"error": {"code": code, "message": message}} if code is not None else {}
    return GraphResponse(status=status, headers={}, body=body, request_id=None)


@pytest.mark.parametrize(
    ("outcome", "again"),
    [
        (answer(429, "TooManyRequests"), True),
        (answer(503, "serviceNotAvailable"), True),
        (answer(504, "GatewayTimeout"), True),
        (answer(500, "InternalServerError"), False),
        (answer(400, "retry"), True),
        (answer(400, "InvalidRequest"), False),
        (GraphError("no answer"), True),
        (GraphError("refused", status=400, code="retry"), True),
        (GraphError("refused", status=409, code="Conflict"), False),
        (GraphThrottledError("budget spent", status=429), False),
    ],
)
def test_retryable_outcomes(outcome: Any, again: bool) -> None:
    assert retryable(outcome) is again


def test_outcome_status_code_and_message_of_answers_and_exceptions() -> None:
    refused = answer(400, "InvalidRequest", "bad start")
    assert (outcome_status(refused), outcome_code(refused), outcome_message(refused)) == (
        400,
        "InvalidRequest",
        "bad start",
    )
    bare = answer(502)
    assert (outcome_code(bare), outcome_message(bare)) == (None, "HTTP 502")
    assert outcome_message(answer(502, "BadGateway")) == "HTTP 502"
    error = GraphError("first line", status=404, code="NotFound")
    assert (outcome_status(error), outcome_code(error), outcome_message(error)) == (
        404,
        "NotFound",
        "first line",
    )
    assert (outcome_status(ValueError("x")), outcome_code(ValueError("x"))) == (None, None)


@pytest.mark.parametrize(
    ("action", "code", "pending"),
    [
        (Action.CREATE, "SubjectNotFound", True),
        (Action.UPDATE, "RoleNotFound", True),
        (Action.DELETE, "SubjectNotFound", False),
        (Action.CREATE, "RoleAssignmentExists", False),
        (Action.CREATE, None, False),
    ],
)
def test_replication_pending_only_for_a_create_or_update_of_an_unknown_subject_or_role(
    action: Action, code: str | None, pending: bool
) -> None:
    op = {Action.CREATE: create(), Action.UPDATE: update(), Action.DELETE: delete()}[action]
    assert replication_pending(op, code) is pending


# --- the replication wait -------------------------------------------------------------------


def waits(wait: SettleWait, attempts: int) -> list[bool]:
    async def go() -> list[bool]:
        return [await wait.wait(attempt) for attempt in range(attempts)]

    return asyncio.run(go())


def test_the_settle_wait_doubles_to_its_cap_and_stops_at_its_total() -> None:
    clock = FakeClock()
    wait = SettleWait(clock.sleep, max_total_s=60.0)
    # 1 + 2 + 4 + 8 + 15 + 15 = 45; another 15 makes 60 (allowed); then 75 > 60.
    assert waits(wait, 8) == [True] * 7 + [False]
    assert clock.waits == [1, 2, 4, 8, 15, 15, 15]
    assert wait.spent == 60
    assert wait.describe() == (
        "Graph still showed the old state after waiting 60 s for replication"
    )


def test_the_settle_wait_stays_within_the_retry_budgets_deadline() -> None:
    clock = FakeClock()
    budget = RetryBudget(RetryPolicy(max_wall_s=4.0), clock=clock)
    wait = SettleWait(clock.sleep, budget=budget)
    # 1 s leaves 3 s, 2 s leaves 1 s, then 4 s would pass the deadline.
    assert waits(wait, 3) == [True, True, False]
    assert clock.waits == [1, 2]


def test_a_late_attempt_waits_the_cap_not_an_overflowing_power() -> None:
    clock = FakeClock()
    assert waits(SettleWait(clock.sleep), 1) == [True]
    wait = SettleWait(clock.sleep)
    asyncio.run(wait.wait(10_000))
    assert clock.waits == [1, 15]
