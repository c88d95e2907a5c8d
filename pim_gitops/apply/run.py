"""Apply, start to end: read the tenant, refuse a stale plan or a guard violation, write
phase by phase, read back. ``dry_run`` stops before the first write and returns the requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pim_gitops.apply.evaluate import ApplyListener, execute, planned_requests
from pim_gitops.apply.guards import Guards, check_guards
from pim_gitops.apply.result import ApplyResult, NotInEffect
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import explain_not_in_effect, not_in_effect
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan
from pim_gitops.state import TenantState

#: A live read: the raw snapshot and its normalized state.
LiveRead = tuple[dict[str, Any], TenantState]


async def read_live(transport: GraphTransport, now: datetime) -> LiveRead:
    from pim_gitops.graph.reader import fetch_snapshot

    snapshot = await fetch_snapshot(transport, now=now)
    return snapshot, normalize_tenant(snapshot, now)


async def _checked(
    transport: GraphTransport, plan: Plan, now: datetime, guards: Guards, current: LiveRead | None
) -> TenantState:
    snapshot, state = current if current is not None else await read_live(transport, now)
    check_stale(plan, state)
    check_guards(plan, state, guards, snapshot.get("organization") or {})
    return state


async def apply_plan(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    listener: ApplyListener,
    *,
    current: LiveRead | None = None,
) -> ApplyResult:
    """Re-read (unless ``current`` is the read the plan was just made from, in the same
    session, with no wait for a human in between), check, write, then verify by reading."""
    state = await _checked(transport, plan, now, guards, current)
    result = await execute(transport, plan, state, now, listener)
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
) -> list[BatchItem]:
    """The requests apply would send, in order, after the same checks; writes nothing."""
    state = await _checked(transport, plan, now, guards, current)
    return planned_requests(plan, state, now)
