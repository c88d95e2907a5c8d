"""The read-back of schedule writes (apply/verify.py): when a schedule write is in effect,
which accepted writes a read has not caught up with yet, and how long apply re-reads."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pim_gitops.action import Action
from pim_gitops.apply.result import OpResult
from pim_gitops.apply.settle import SettleWait
from pim_gitops.apply.verify import (
    expected_in_effect,
    explain_not_in_effect,
    in_effect,
    lagging,
    not_in_effect,
    read_settled,
)
from pim_gitops.state import TenantState
from tests.test_guards import GA, NOW, held, plan, request, tenant
from tests.test_retry import FakeClock

LATER = NOW + timedelta(days=30)


def shows(state: TenantState, op: object) -> bool:
    return in_effect(op, state, {a.key: a for a in state.assignments})  # type: ignore[arg-type]


def test_a_create_is_in_effect_when_the_schedule_ends_within_a_minute_of_the_request() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER)
    assert not shows(tenant(), op)
    assert shows(tenant(held(GA, "alice", end=LATER + timedelta(seconds=60))), op)
    assert not shows(tenant(held(GA, "alice", end=LATER + timedelta(seconds=61))), op)
    assert not shows(tenant(held(GA, "alice", "eligible", end=LATER)), op)


def test_a_duration_is_judged_from_the_schedules_own_start() -> None:
    op = request(Action.CREATE, GA, "alice", end=LATER).model_copy(update={"duration": 86400})
    # held() starts at NOW: a schedule of one day from its start is the request, whatever
    # end the plan computed.
    assert shows(tenant(held(GA, "alice", end=NOW + timedelta(days=1))), op)
    assert not shows(tenant(held(GA, "alice", end=NOW + timedelta(days=2))), op)


def test_a_removal_is_in_effect_once_the_schedule_is_gone() -> None:
    op = request(Action.DELETE, GA, "alice")
    assert shows(tenant(), op)
    assert not shows(tenant(held(GA, "alice")), op)
    made = plan(op, request(Action.CREATE, GA, "bob", end=LATER))
    assert not_in_effect(made, tenant(held(GA, "alice"))) == list(made.operations)
    assert explain_not_in_effect(op, tenant()) == [
        "the schedule read back does not match the request"
    ]


def test_only_accepted_writes_are_expected_to_show() -> None:
    ops = [request(Action.CREATE, GA, p, end=LATER) for p in ("alice", "bob", "carol")]
    results = [
        OpResult(ops[0], "succeeded"),
        OpResult(ops[1], "failed", "no", "Unsettled"),
        OpResult(ops[2], "skipped", "guard", "GuardRefused"),
    ]
    assert expected_in_effect(results) == [ops[0]]


def test_a_write_lags_while_the_read_still_shows_the_state_before_it() -> None:
    create = request(Action.CREATE, GA, "alice", end=LATER)
    before = tenant()
    assert lagging([create], before, tenant()) == [create]
    assert lagging([create], before, tenant(held(GA, "alice", end=LATER))) == []
    # Something else than before and than the request: settled, reported as not in effect.
    other = tenant(held(GA, "alice", end=LATER + timedelta(days=3)))
    assert lagging([create], before, other) == []


def test_read_settled_reads_again_until_the_writes_show() -> None:
    create = request(Action.CREATE, GA, "alice", end=LATER)
    reads = iter([tenant(), tenant(), tenant(held(GA, "alice", end=LATER)), tenant()])
    count = 0

    async def read() -> TenantState:
        nonlocal count
        count += 1
        return next(reads)

    clock = FakeClock()
    settled = asyncio.run(read_settled(read, [create], tenant(), SettleWait(clock.sleep)))
    assert shows(settled, create)
    assert (count, clock.waits) == (3, [1, 2])


def test_read_settled_returns_the_last_read_once_the_wait_is_spent() -> None:
    create = request(Action.CREATE, GA, "alice", end=LATER)
    count = 0

    async def read() -> TenantState:
        nonlocal count
        count += 1
        return tenant()

    clock = FakeClock()
    wait = SettleWait(clock.sleep, max_total_s=3.0)
    settled = asyncio.run(read_settled(read, [create], tenant(), wait))
    assert not shows(settled, create)
    assert (count, clock.waits) == (3, [1, 2])


def test_a_failed_write_the_read_back_shows_is_confirmed_keeping_graphs_answer() -> None:
    from pim_gitops.apply.run import confirm_by_read_back

    op = request(Action.CREATE, GA, "alice", end=LATER)
    failed = OpResult(op, "failed", "", "GatewayTimeout", "req-9")
    (confirmed,) = confirm_by_read_back([failed], missing=set())
    assert confirmed == OpResult(
        op,
        "succeeded",
        "in effect on read-back (Graph answered: GatewayTimeout)",
        "GatewayTimeout",
        "req-9",
    )
