"""One phase of apply (apply/evaluate.py), answer by answer: a write with no definite answer
is read back and adopted, never blindly re-sent; a lost create is re-sent; a create that
exists is re-aimed as an update; a definite refusal fails at once; a replication 404 waits;
no answer at all ends as unsettled. Graph is a recorded ``httpx`` handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from pim_gitops.action import Action
from pim_gitops.apply.evaluate import SETTLE_ROUNDS, Executor, SilentListener
from pim_gitops.apply.result import OpResult
from pim_gitops.apply.settle import SettleWait
from pim_gitops.graph.retry import RetryBudget, RetryPolicy
from pim_gitops.plan import ScheduleRequest
from pim_gitops.wire import format_instant
from tests.apply.test_settle import create, row
from tests.test_guards import GA, NOW, request, tenant
from tests.test_network import Fake, page, run, transport_for
from tests.test_retry import FakeClock

#: Answers to the n-th write (status, Graph error code); the last one repeats.
Answers = list[tuple[int, str | None]]


class Graph:
    """Answers ``$batch`` writes from ``answers`` and schedule reads from ``rows()``."""

    def __init__(self, answers: Answers, rows: Callable[[int], list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.rows = rows
        self.writes: list[dict[str, Any]] = []
        self.reads = 0
        self.fake = Fake(self.answer)

    def answer(self, n: int, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            self.reads += 1
            return page(self.rows(len(self.writes)))
        inner = json.loads(request.content)["requests"]
        self.writes += [r["body"] for r in inner]
        status, code = self.answers[min(len(self.writes), len(self.answers)) - 1]
        if status < 0:  # a malformed $batch answer: no response for the request
            return httpx.Response(200, json={"responses": []})
        body = {"error": {"code": code, "message": f"{code} says no"}} if code else {}
        responses = [
            {
                "id": r["id"],
                "status": status,
                "headers": {"Request-Id": f"w-{len(self.writes)}"},
                "body": body,
            }
            for r in inner
        ]
        return httpx.Response(200, json={"responses": responses})


class Recorder(SilentListener):
    """A listener keeping what apply reports."""

    def __init__(self) -> None:
        self.done: list[OpResult] = []

    def operation_done(self, result: OpResult) -> None:
        self.done.append(result)


def phases(
    graph: Graph, ops: list[ScheduleRequest], wait_total: float | None = 120.0, **limits: Any
) -> tuple[list[OpResult], list[float], Recorder]:
    clock = FakeClock()
    t = transport_for(graph.fake, clock=clock)
    if limits:
        t.budget = RetryBudget(RetryPolicy(**limits), clock=clock)
    wait = None if wait_total is None else SettleWait(clock.sleep, max_total_s=wait_total)
    listener = Recorder()
    executor = Executor(t, tenant(), NOW, listener, wait)
    results: list[OpResult] = run(t, executor.run_phase(ops))
    return results, clock.waits, listener


def phase(
    graph: Graph, op: ScheduleRequest, wait_total: float | None = 120.0
) -> tuple[OpResult, list[float]]:
    (result,), waits, _ = phases(graph, [op], wait_total)
    return result, waits


def nothing(_: int) -> list[dict[str, Any]]:
    return []


def in_place(_: int) -> list[dict[str, Any]]:
    return [row()]


def test_a_create_with_a_lost_answer_already_in_place_is_adopted_not_resent() -> None:
    graph = Graph([(504, "GatewayTimeout")], in_place)
    result, _ = phase(graph, create())
    assert (result.status, result.message) == (
        "succeeded",
        "already in place (adopted after a read-back)",
    )
    assert len(graph.writes) == 1 and graph.reads == 1


def test_a_create_with_a_lost_answer_not_in_place_is_sent_again() -> None:
    graph = Graph([(504, "GatewayTimeout"), (201, None)], nothing)
    result, _ = phase(graph, create())
    assert result.status == "succeeded" and result.message == ""
    assert [w["action"] for w in graph.writes] == ["adminAssign", "adminAssign"]


def test_a_create_that_exists_with_another_end_is_resent_as_an_update() -> None:
    def elsewhere(_: int) -> list[dict[str, Any]]:
        return [row(NOW + timedelta(days=90))]

    graph = Graph([(400, "RoleAssignmentExists"), (201, None)], elsewhere)
    result, _ = phase(graph, create())
    assert result.status == "succeeded"
    assert [w["action"] for w in graph.writes] == ["adminAssign", "adminUpdate"]


def test_a_definite_refusal_fails_at_once_with_graphs_words() -> None:
    graph = Graph([(400, "PolicyViolation")], in_place)
    result, _ = phase(graph, create())
    assert (result.status, result.code, result.message) == (
        "failed",
        "PolicyViolation",
        "PolicyViolation says no",
    )
    assert len(graph.writes) == 1 and graph.reads == 0


def test_a_write_never_answered_definitely_is_unsettled_after_the_rounds() -> None:
    graph = Graph([(503, "serviceNotAvailable")], nothing)
    result, _ = phase(graph, create())
    assert (result.status, result.code) == ("failed", "Unsettled")
    assert result.message == (
        f"no definite answer from Graph (after {SETTLE_ROUNDS} rounds); the next run will converge"
    )
    assert len(graph.writes) == SETTLE_ROUNDS


def test_a_replication_404_is_resent_after_a_wait_without_using_up_the_rounds() -> None:
    answers: Answers = [(404, "SubjectNotFound")] * (SETTLE_ROUNDS + 1) + [(201, None)]
    graph = Graph(answers, nothing)
    result, waits = phase(graph, create())
    assert result.status == "succeeded"
    assert len(graph.writes) == SETTLE_ROUNDS + 2
    assert waits == [1, 2, 4, 8]


def test_a_replication_404_past_the_settle_budget_fails_saying_so() -> None:
    graph = Graph([(404, "RoleNotFound")], nothing)
    result, waits = phase(graph, create(), wait_total=3.0)
    assert waits == [1, 2]
    assert (result.status, result.code) == ("failed", "ReplicationPending")
    assert result.message.startswith("PIM does not know the principal or role yet (Graph still")
    assert "after waiting 3 s for replication" in result.message


def test_an_active_create_refused_during_an_activation_waits_for_it_to_end() -> None:
    def activated(_: int) -> list[dict[str, Any]]:
        return [row(assignmentType="Activated")]

    graph = Graph([(400, "RoleAssignmentExists")], activated)
    result, _ = phase(graph, create())
    assert (result.status, result.code) == ("failed", "ActivationInProgress")
    assert result.message.startswith("waits for the activation to end")
    assert len(graph.writes) == 1


def test_a_removal_of_what_is_already_gone_succeeds() -> None:
    from tests.apply.test_settle import delete

    graph = Graph([(404, "ResourceNotFound")], nothing)
    result, _ = phase(graph, delete())
    assert result.status == "succeeded" and result.operation.action is Action.DELETE


def test_each_operation_of_a_phase_gets_its_own_result_in_order_with_graphs_request_id() -> None:
    ops = [create(), request(Action.CREATE, GA, "bob", end=create().end)]
    graph = Graph([(201, None)], nothing)
    results, _, listener = phases(graph, ops)
    assert [(r.operation, r.status, r.request_id) for r in results] == [
        (ops[0], "succeeded", "w-2"),
        (ops[1], "succeeded", "w-2"),
    ]
    assert listener.done == results


def test_a_refusal_carries_graphs_request_id() -> None:
    result, _ = phase(Graph([(400, "PolicyViolation")], nothing), create())
    assert result.request_id == "w-1"


def test_a_redirect_answer_inside_the_batch_is_no_success() -> None:
    result, _ = phase(Graph([(300, None)], nothing), create())
    assert result.status == "failed"


def test_a_write_from_now_is_sent_with_the_apply_time_as_its_start() -> None:
    op = create().model_copy(update={"start": None, "duration": 86400})
    graph = Graph([(201, None)], nothing)
    phase(graph, op)
    (body,) = graph.writes
    assert body["scheduleInfo"]["startDateTime"] == format_instant(NOW)
    assert body["scheduleInfo"]["expiration"]["endDateTime"] == format_instant(
        NOW + timedelta(days=1)
    )


def test_without_a_settle_wait_given_the_transports_sleep_and_budget_are_used() -> None:
    answers: Answers = [(404, "SubjectNotFound"), (201, None)]
    result, waits = phase(Graph(answers, nothing), create(), wait_total=None)
    assert result.status == "succeeded" and waits == [1]


def test_the_first_send_needs_no_retry_and_a_resend_does() -> None:
    graph = Graph([(504, "GatewayTimeout"), (201, None)], nothing)
    (result,), _, _ = phases(graph, [create()], max_retries=0)
    assert len(graph.writes) == 1
    assert (result.status, result.code) == ("failed", "Unsettled")
    assert result.message == (
        "no definite answer from Graph (retry budget exhausted (0 retries / 900 s)); "
        "the next run will converge"
    )


def two_steps(answers: Answers) -> tuple[list[tuple[str, str | None]], Graph]:
    """A create (phase 3), then a removal (phase 4), through ``execute``."""
    from pim_gitops.apply.evaluate import execute
    from tests.apply.test_settle import delete
    from tests.test_guards import plan

    graph = Graph(answers, nothing)
    t = transport_for(graph.fake, clock=FakeClock())
    made = plan(request(Action.CREATE, GA, "bob", end=create().end), delete())
    result = run(t, execute(t, made, tenant(), NOW, SilentListener()))
    return [(r.status, r.code) for r in result.results], graph


def test_after_a_malformed_answer_no_later_step_is_sent() -> None:
    results, graph = two_steps([(-1, None)])
    assert results == [("failed", None), ("skipped", "MalformedAnswer")]
    assert [w["action"] for w in graph.writes] == ["adminAssign"]


def test_a_definite_refusal_does_not_stop_the_later_steps() -> None:
    results, graph = two_steps([(400, "PolicyViolation"), (404, "ResourceNotFound")])
    assert results == [("failed", "PolicyViolation"), ("succeeded", None)]
    assert [w["action"] for w in graph.writes] == ["adminAssign", "adminRemove"]
