"""Apply, start to end: read the tenant, refuse a stale plan or a guard violation, write
step by step (re-reading and re-checking the guards before every step that reduces access),
read back. ``dry_run`` stops before the first write and returns the requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pim_gitops.apply.evaluate import ApplyListener, Recheck, execute, planned_requests
from pim_gitops.apply.guards import Guards, access_verdict, check_guards
from pim_gitops.apply.result import ApplyResult, NotInEffect
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import explain_not_in_effect, not_in_effect
from pim_gitops.errors import StalePlanError
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import GuardFacts, Operation, Plan
from pim_gitops.state import TenantState

#: A live read: the raw snapshot and its normalized state.
LiveRead = tuple[dict[str, Any], TenantState]


async def read_live(transport: GraphTransport, now: datetime) -> LiveRead:
    from pim_gitops.graph.reader import fetch_snapshot

    snapshot = await fetch_snapshot(transport, now=now)
    return snapshot, normalize_tenant(snapshot, now)


async def _checked(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    current: LiveRead | None,
    facts: GuardFacts | None,
) -> TenantState:
    snapshot, state = current if current is not None else await read_live(transport, now)
    check_stale(plan, state)
    check_guards(plan, state, guards, snapshot.get("organization") or {}, now, facts)
    return state


def step_problem(
    plan: Plan,
    rest: Sequence[Operation],
    state: TenantState,
    guards: Guards,
    now: datetime,
    facts: GuardFacts | None,
) -> str | None:
    """Why the operations not yet run must not run on ``state`` (a fresh read), or ``None``:
    a live object they were planned against changed, or an access guard would now refuse
    them (a create the plan relied on failed, or someone else removed access meanwhile)."""
    remaining = plan.model_copy(update={"operations": tuple(rest)})
    try:
        check_stale(remaining, state)
    except StalePlanError as exc:
        return str(exc).split("\n", 1)[0]
    verdict = access_verdict(rest, state, guards, plan.guards if facts is None else facts, now)
    return "; ".join(verdict.problems) or None


def rechecker(
    transport: GraphTransport, plan: Plan, now: datetime, guards: Guards, facts: GuardFacts | None
) -> Recheck:
    async def recheck(rest: Sequence[Operation]) -> tuple[TenantState, str | None]:
        _, state = await read_live(transport, now)
        return state, step_problem(plan, rest, state, guards, now, facts)

    return recheck


async def apply_plan(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    listener: ApplyListener,
    *,
    current: LiveRead | None = None,
    facts: GuardFacts | None = None,
) -> ApplyResult:
    """Re-read (unless ``current`` is a read made in this session, with no wait for a human
    since), check, write, then verify by reading. ``facts`` are the trusted guard inputs
    (recomputed from the policy repository for a plan file); default the plan's own."""
    state = await _checked(transport, plan, now, guards, current, facts)
    recheck = rechecker(transport, plan, now, guards, facts)
    result = await execute(transport, plan, state, now, listener, recheck)
    _, after = await read_live(transport, now)
    result.remaining = [
        NotInEffect(op, tuple(explain_not_in_effect(op, after)))
        for op in not_in_effect(plan, after)
    ]
    return result


async def dry_run(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    *,
    current: LiveRead | None = None,
    facts: GuardFacts | None = None,
) -> list[BatchItem]:
    """The requests apply would send, in order, after the same checks; writes nothing."""
    state = await _checked(transport, plan, now, guards, current, facts)
    return planned_requests(plan, state, now)
