"""One retry budget per command: attempts and wall time, Retry-After (the longest, capped),
and the transport's retries and ``$batch`` re-sends drawing from the same budget.

The clock and the sleeper are injected (``FakeClock``): sleeping advances the clock, nothing
really waits, and no assertion depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pim_gitops.errors import GraphError, GraphThrottledError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.clouds import resolve_endpoint
from pim_gitops.graph.retry import (
    RetryBudget,
    RetryPolicy,
    longest_retry_after,
    parse_retry_after,
)
from pim_gitops.graph.session import open_graph
from pim_gitops.graph.transport import GraphResponse, GraphTransport, build_adapter
from tests.conftest import Live

ROLES = "roleManagement/directory/roleDefinitions"


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def budget(clock: FakeClock, **limits: Any) -> RetryBudget:
    return RetryBudget(RetryPolicy(**limits), clock=clock, rng=random.Random(0))


# --- the budget on its own ------------------------------------------------------------------


def test_retries_are_granted_up_to_the_limit_and_not_one_more() -> None:
    clock = FakeClock()
    b = budget(clock, max_retries=3, max_attempts=100)
    assert [b.decide(0, [1.0]).retry for _ in range(3)] == [True, True, True]
    assert b.used == 3 and b.exhausted and b.remaining_retries == 0
    refused = b.decide(0, [1.0])
    assert not refused.retry and b.used == 3
    assert "retry budget exhausted (3 retries / 900 s)" in refused.reason


def test_one_request_is_sent_at_most_max_attempts_times() -> None:
    b = budget(FakeClock(), max_attempts=3)
    assert b.decide(0).retry and b.decide(1).retry  # sends 2 and 3
    refused = b.decide(2)  # send 3 failed: that was the last
    assert not refused.retry and "gave up after 3 attempts" in refused.reason
    assert b.used == 2 and not b.exhausted


def test_take_is_all_or_nothing() -> None:
    b = budget(FakeClock(), max_retries=5)
    assert b.take(3) and b.remaining_retries == 2
    assert not b.take(3) and b.remaining_retries == 2  # nothing spent on a refusal
    assert b.take(2) and b.exhausted
    assert b.take(0)  # nothing asked, nothing refused
    assert not b.decide(0, n=1).retry


def test_a_group_of_re_sends_is_refused_when_fewer_are_left() -> None:
    b = budget(FakeClock(), max_retries=4)
    assert b.decide(0, n=3).retry
    refused = b.decide(1, n=2)
    assert not refused.retry and "1 left, 2 needed" in refused.reason and b.used == 3


def test_wall_time_deadline_refuses_a_wait_that_would_pass_it() -> None:
    clock = FakeClock()
    b = budget(clock, max_wall_s=10, max_retries=100, max_attempts=100)
    for _ in range(2):
        decision = b.decide(0, [4.0])
        assert decision.retry and decision.wait_s == 4.0
        clock.now += decision.wait_s
    assert clock.now == 8.0 and b.remaining_s == 2.0
    refused = b.decide(0, [4.0])  # would end at 12 > 10
    assert not refused.retry and "would pass the deadline" in refused.reason
    assert "(100 retries / 10 s)" in refused.reason and b.used == 2
    assert b.decide(0, [2.0]).retry  # ends exactly at the deadline: allowed


def test_exactly_at_the_deadline_and_just_after() -> None:
    clock = FakeClock()
    b = budget(clock, max_wall_s=5)
    clock.now = 5.0
    assert b.remaining_s == 0.0 and not b.exhausted
    assert b.take(1)  # a retry starting exactly at the deadline
    assert b.decide(0, [0.0]).retry
    clock.now = 5.000001
    assert b.exhausted and not b.take(1) and not b.decide(0, [0.0]).retry
    assert b.remaining_s == 0.0


def test_the_longest_retry_after_wins() -> None:
    b = budget(FakeClock())
    assert b.decide(0, [1.0, None, 7.5, 3.0]).wait_s == 7.5
    assert longest_retry_after([None, 2.0, -1.0, math.nan, 0.5]) == 2.0
    assert longest_retry_after([None, -3.0]) is None
    assert longest_retry_after([]) is None


@pytest.mark.parametrize("header", ["100000", "inf", "Infinity", "1e308"])
def test_a_huge_retry_after_is_capped_at_the_longest_single_wait(header: str) -> None:
    b = budget(FakeClock(), max_wait_s=60, max_wall_s=900)
    decision = b.decide(0, [parse_retry_after(header)])
    assert decision.retry and decision.wait_s == 60.0


def test_a_capped_wait_longer_than_the_time_left_is_not_started() -> None:
    b = budget(FakeClock(), max_wait_s=1000, max_wall_s=100)
    refused = b.decide(0, [parse_retry_after("inf")])
    assert not refused.retry and refused.wait_s == 1000.0 and b.used == 0


@pytest.mark.parametrize("header", ["-5", "soon", "nan", "", None, "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_garbage_retry_after_is_ignored_for_backoff(header: str | None) -> None:
    assert parse_retry_after(header) is None
    b = budget(FakeClock(), base_s=0.5, cap_s=30)
    same_rng = random.Random(0)
    decision = b.decide(3, [parse_retry_after(header)])
    assert decision.retry and decision.wait_s == RetryPolicy().backoff(3, same_rng)
    assert 0 <= decision.wait_s <= 0.5 * 2**3


def test_backoff_is_full_jitter_under_the_cap_even_for_a_huge_attempt_number() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=30)
    rng = random.Random(1)
    waits = [policy.backoff(attempt, rng) for attempt in (0, 1, 5, 10_000) for _ in range(50)]
    assert all(0 <= w <= 30 for w in waits)
    assert all(w <= 0.5 for w in waits[:50]) and max(waits[150:]) > 15


# --- the transport and $batch over an httpx MockTransport -----------------------------------


class Script:
    """A fake Graph behind ``httpx.MockTransport``: answers from a function of the request
    number, records every request (method, path, body) and hands out request ids."""

    def __init__(self, answer: Callable[[int, httpx.Request], httpx.Response]) -> None:
        self.answer = answer
        self.seen: list[tuple[str, str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append((request.method, request.url.path, body))
        response = self.answer(len(self.seen), request)
        response.headers["request-id"] = f"req-{len(self.seen)}"
        return response


def throttled(retry_after: str | None = "1") -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = {"error": {"code": "TooManyRequests", "message": "Please retry again later."}}
    return httpx.Response(429, json=body, headers=headers)


def ok(body: Any = None) -> httpx.Response:
    return httpx.Response(200, json=body if body is not None else {"value": []})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def transport_for(script: Script, clock: FakeClock, **limits: Any) -> GraphTransport:
    endpoint = resolve_endpoint("http://127.0.0.1:9")
    adapter = build_adapter(endpoint, None, http=httpx.MockTransport(script))
    return GraphTransport(
        adapter, endpoint.base_url, budget=budget(clock, **limits), sleep=clock.sleep
    )


def run(transport: GraphTransport, *coros: Any) -> list[Any]:
    async def go() -> list[Any]:
        try:
            return [await c for c in coros]
        finally:
            await transport.close()

    return asyncio.run(go())


def test_transport_stops_when_the_command_budget_is_spent(clock: FakeClock) -> None:
    script = Script(lambda n, r: throttled("1"))
    t = transport_for(script, clock, max_retries=5, max_attempts=100)

    async def two_reads() -> list[BaseException]:
        errors: list[BaseException] = []
        for _ in range(2):
            try:
                await t.get_json(ROLES)
            except GraphError as exc:
                errors.append(exc)
        return errors

    first, second = run(t, two_reads())[0]
    assert isinstance(first, GraphThrottledError) and isinstance(second, GraphThrottledError)
    assert "retry budget exhausted (5 retries / 900 s)" in str(first)
    assert first.request_id == "req-6" and first.retry_after == 1.0 and first.status == 429
    # The second read gets no retry at all: the budget is the command's, not the request's.
    assert second.request_id == "req-7" and "retry budget exhausted" in str(second)
    assert len(script.seen) == 7 and clock.waits == [1.0] * 5 and t.retries == 5


def test_transport_stops_at_the_wall_time_deadline(clock: FakeClock) -> None:
    script = Script(lambda n, r: throttled("3"))
    t = transport_for(script, clock, max_wall_s=6, max_attempts=100)
    with pytest.raises(GraphThrottledError) as info:
        run(t, t.get_json(ROLES))
    # waits end at 3 and at 6 (exactly the deadline: allowed); a third would end at 9.
    assert clock.waits == [3.0, 3.0] and len(script.seen) == 3
    assert "would pass the deadline" in str(info.value) and info.value.request_id == "req-3"


def test_transport_honours_the_per_request_cap(clock: FakeClock) -> None:
    script = Script(lambda n, r: throttled("0.25"))
    t = transport_for(script, clock, max_attempts=4)
    with pytest.raises(GraphThrottledError) as info:
        run(t, t.get_json(ROLES))
    assert len(script.seen) == 4 and clock.waits == [0.25] * 3
    assert "gave up after 4 attempts" in str(info.value) and t.budget.used == 3


@pytest.mark.parametrize(("header", "waited"), [("100000", 60.0), ("inf", 60.0), ("2.128", 2.128)])
def test_transport_waits_the_retry_after_capped(
    clock: FakeClock, header: str, waited: float
) -> None:
    script = Script(lambda n, r: throttled(header) if n == 1 else ok())
    t = transport_for(script, clock, max_wait_s=60)
    assert run(t, t.get_json(ROLES)) == [{"value": []}]
    assert clock.waits == [waited] and len(script.seen) == 2


def test_transport_backs_off_on_a_garbage_retry_after(clock: FakeClock) -> None:
    script = Script(lambda n, r: throttled("-1" if n == 1 else "soon") if n < 3 else ok())
    t = transport_for(script, clock, base_s=0.5)
    run(t, t.get_json(ROLES))
    rng = random.Random(0)
    assert clock.waits == [RetryPolicy().backoff(0, rng), RetryPolicy().backoff(1, rng)]


def test_server_errors_on_reads_say_the_budget_ran_out(clock: FakeClock) -> None:
    body = {"error": {"code": "serviceNotAvailable", "message": "Try later."}}
    script = Script(lambda n, r: httpx.Response(503, json=body))
    t = transport_for(script, clock, max_retries=2)
    with pytest.raises(GraphError) as info:
        run(t, t.get_json(ROLES))
    error = info.value
    assert not isinstance(error, GraphThrottledError) and error.status == 503
    assert error.code == "serviceNotAvailable" and error.request_id == "req-3"
    assert "Graph answered 503: Try later; retry budget" in str(error)  # no ".;"
    assert "(2 retries /" in str(error)


def _batch_answer(plan: dict[int, dict[str, str] | None]) -> Callable[..., httpx.Response]:
    """Answers request n: ``$batch`` with each inner request throttled when ``plan[n]`` maps
    its url to a Retry-After (else 204), or the whole batch throttled when ``plan[n]`` is
    ``None``; any other request is throttled."""
    throttle = {"code": "TooManyRequests", "message": "Please retry again later."}

    def answer(n: int, request: httpx.Request) -> httpx.Response:
        inner = plan.get(n, {})
        if not request.url.path.endswith("$batch") or inner is None:
            return throttled("1")
        responses: list[dict[str, Any]] = []
        for r in json.loads(request.content)["requests"]:
            headers = {"request-id": f"inner-{n}-{r['id']}"}
            if r["url"] in inner:
                headers["Retry-After"] = inner[r["url"]]
                responses.append(
                    {"id": r["id"], "status": 429, "headers": headers, "body": {"error": throttle}}
                )
            else:
                responses.append({"id": r["id"], "status": 204, "headers": headers})
        return ok({"responses": list(reversed(responses))})  # any order: matched by id

    return answer


def _items(n: int) -> list[BatchItem]:
    return [BatchItem(f"k{i}", "PATCH", f"/x/{i}", {"v": i}, f"object {i}") for i in range(n)]


def test_batch_re_sends_and_transport_retries_share_one_budget(clock: FakeClock) -> None:
    script = Script(
        _batch_answer(
            {
                1: None,  # the whole $batch throttled: a transport retry
                2: {"/x/0": "2", "/x/1": "5"},  # two items re-sent
                3: {"/x/1": "1"},  # one re-sent: the budget of 4 is now spent
                4: {"/x/1": "1"},
            }
        )
    )
    t = transport_for(script, clock, max_retries=4, max_attempts=100)
    results, after = run(t, send_batched(t, _items(3)), _read_after(t))
    assert [s[1] for s in script.seen] == ["/v1.0/$batch"] * 4 + ["/v1.0/" + ROLES]
    assert [len(s[2]["requests"]) for s in script.seen[:4]] == [3, 3, 2, 1]
    assert clock.waits == [1.0, 5.0, 1.0]  # the longest Retry-After of the round
    assert isinstance(results["k0"], GraphResponse) and results["k0"].status == 204
    assert isinstance(results["k2"], GraphResponse) and results["k2"].status == 204
    left = results["k1"]
    assert isinstance(left, GraphThrottledError) and left.target == "object 1"
    assert "retry budget exhausted (4 retries / 900 s)" in str(left)
    assert left.request_id == "inner-4-1" and left.code == "TooManyRequests"
    # A read after that gets no retry either.
    assert isinstance(after, GraphThrottledError) and "retry budget exhausted" in str(after)
    assert t.budget.used == 4 and t.budget.exhausted


async def _read_after(t: GraphTransport) -> BaseException | None:
    try:
        await t.get_json(ROLES)
    except GraphError as exc:
        return exc
    return None


def test_batch_item_is_sent_at_most_max_attempts_times(clock: FakeClock) -> None:
    script = Script(_batch_answer({n: {"/x/0": "1"} for n in range(1, 10)}))
    t = transport_for(script, clock, max_attempts=3)
    results = run(t, send_batched(t, _items(2)))[0]
    assert len(script.seen) == 3 and t.budget.used == 2
    assert "gave up after 3 attempts" in str(results["k0"])
    assert isinstance(results["k1"], GraphResponse)


def test_batch_refuses_a_round_the_budget_cannot_afford_whole(clock: FakeClock) -> None:
    script = Script(_batch_answer({1: {f"/x/{i}": "1" for i in range(3)}}))
    t = transport_for(script, clock, max_retries=2)
    results = run(t, send_batched(t, _items(3)))[0]
    assert len(script.seen) == 1 and clock.waits == [] and t.budget.used == 0
    assert all("2 left, 3 needed" in str(results[f"k{i}"]) for i in range(3))


# --- against the emulator: the requests Graph saw --------------------------------------------


@pytest.fixture
def throttling(live: Live) -> Iterator[Live]:
    live.faults(throttle_rate=1.0, retry_after_max=2)
    yield live


def test_one_budget_for_a_whole_session_against_the_emulator(
    throttling: Live, clock: FakeClock
) -> None:
    policy = RetryPolicy(max_retries=5, max_attempts=100)

    async def go() -> tuple[list[BaseException | None], dict[str, Any], int]:
        async with open_graph(
            throttling.url, retry=policy, sleep=clock.sleep, clock=clock, rng=random.Random(0)
        ) as t:
            errors = [await _read_after(t), await _read_after(t)]
            batch = await send_batched(t, _items(2))
            return errors, batch, t.budget.used

    errors, batch, used = asyncio.run(go())
    assert throttling.stats()["requests"] == 1 + 5 + 1 + 1
    assert used == 5 and len(clock.waits) == 5 and all(0 < w <= 3 for w in clock.waits)
    assert all(isinstance(e, GraphThrottledError) for e in errors)
    assert all("retry budget exhausted (5 retries / 900 s)" in str(e) for e in errors)
    assert all(isinstance(o, GraphThrottledError) and o.request_id for o in batch.values())


def test_an_empty_batch_sends_nothing(clock: FakeClock) -> None:
    script = Script(lambda n, r: ok())
    t = transport_for(script, clock)
    assert run(t, send_batched(t, [])) == [{}]
    assert script.seen == [] and t.budget.used == 0
