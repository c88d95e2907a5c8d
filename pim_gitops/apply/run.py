"""Apply, start to end: read the tenant, refuse a stale plan or a guard violation, write
step by step (re-reading and re-checking the guards before every step that reduces access),
read back. ``dry_run`` stops before the first write and returns the requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from pim_gitops.apply.alerts import alert_items, apply_alerts
from pim_gitops.apply.evaluate import ApplyListener, Recheck, execute, planned_requests
from pim_gitops.apply.guards import Guards, access_change_verdict, access_verdict, check_guards
from pim_gitops.apply.result import ApplyResult, NotInEffect, OpResult
from pim_gitops.apply.reviews import apply_reviews, review_items
from pim_gitops.apply.settle import SettleWait
from pim_gitops.apply.stale import check_stale
from pim_gitops.apply.verify import (
    expected_in_effect,
    explain_not_in_effect,
    not_in_effect,
    read_settled,
    unverifiable,
)
from pim_gitops.errors import GuardrailError, StalePlanError
from pim_gitops.graph.batch import BatchItem
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import GuardFacts, Operation, Plan
from pim_gitops.state import TenantState

#: A live read: the raw snapshot and its normalized state.
LiveRead = tuple[dict[str, Any], TenantState]


async def read_live(
    transport: GraphTransport, now: datetime, groups: Sequence[str] = ()
) -> LiveRead:
    """The tenant as apply reads it: with PIM for Groups of ``groups`` (the groups a plan
    writes, ``Plan.group_ids``) besides every role-holding one the reader reads anyway."""
    from pim_gitops.graph.reader import fetch_snapshot

    snapshot = await fetch_snapshot(transport, now=now, groups=groups)
    return snapshot, normalize_tenant(snapshot, now)


async def signed_in_facts(
    transport: GraphTransport, facts: GuardFacts, state: TenantState, now: datetime
) -> tuple[GuardFacts, str]:
    """Who apply is signed in as (the token's claims, checked with Graph), cross-checked with
    ``apply_identity:``; where it writes PIM through a directory role, that identity is the
    one the self-lockout guard protects. Returns the facts and a note for the summary."""
    from pim_gitops.graph.identity import apply_identity_mismatch, relied_on_roles, whoami

    identity = await whoami(transport)
    problem = apply_identity_mismatch(identity, facts.apply_identity)
    if problem:
        raise GuardrailError(f"refusing to apply; nothing was written:\n  {problem}")
    reliance = relied_on_roles(identity, state, now)
    if facts.apply_identity is None and reliance.mode == "directory_role":
        facts = facts.model_copy(update={"apply_identity": identity.object_id})
    return facts, reliance.describe()


async def _checked(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    current: LiveRead | None,
    facts: GuardFacts | None,
) -> tuple[TenantState, GuardFacts, str]:
    read = current if current is not None else await read_live(transport, now, plan.group_ids)
    snapshot, state = read
    check_stale(plan, state)
    trusted, note = await signed_in_facts(transport, facts or plan.guards, state, now)
    check_guards(plan, state, guards, snapshot.get("organization") or {}, now, trusted)
    return state, trusted, note


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


def live_reader(
    transport: GraphTransport, now: datetime, groups: Sequence[str] = ()
) -> Callable[[], Awaitable[TenantState]]:
    async def read() -> TenantState:
        return (await read_live(transport, now, groups))[1]

    return read


def rechecker(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Guards,
    facts: GuardFacts | None,
    wait: SettleWait,
    before: TenantState,
) -> Recheck:
    """The fresh read before a step that reduces access waits (within the settle budget)
    until the earlier steps' writes show, so the guards never judge a stale replica."""

    async def recheck(
        rest: Sequence[Operation], done: Sequence[OpResult]
    ) -> tuple[TenantState, str | None]:
        expected = expected_in_effect(done)
        state = await read_settled(
            live_reader(transport, now, plan.group_ids), expected, before, wait
        )
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
    since), check, write, then verify by reading until the writes show (within the settle
    budget: Graph is eventually consistent). ``facts`` are the trusted guard inputs
    (recomputed from the policy repository for a plan file); default the plan's own."""
    state, trusted, note = await _checked(transport, plan, now, guards, current, facts)
    wait = SettleWait(transport.sleep, transport.budget)
    recheck = rechecker(transport, plan, now, guards, trusted, wait, state)
    result = await execute(transport, plan, state, now, listener, recheck, wait)
    result.notes.append(note)
    result.reviews = await apply_reviews(transport, plan.review_writes, wait)
    result.notes += [r.line for r in result.reviews]
    result.alerts = await apply_alerts(transport, plan.alert_writes, wait)
    result.notes += [r.line for r in result.alerts]
    accepted = expected_in_effect(result.results)
    unseen = {id(op): why for op in accepted if (why := unverifiable(op, state, now))}
    expected = [op for op in accepted if id(op) not in unseen]
    after = await read_settled(live_reader(transport, now, plan.group_ids), expected, state, wait)
    if wait.spent:
        result.notes.append(f"waited {wait.spent:g} s for Graph to replicate the writes")
    # A create that starts later is invisible to an identity that cannot list its requests:
    # reported as accepted, not as "not in effect" (it would never show before its start).
    hidden = {id(op): why for op in accepted if (why := unverifiable(op, after, now))}
    result.notes += list(hidden.values())
    missing = [op for op in not_in_effect(plan, after) if id(op) not in hidden]
    result.remaining = [NotInEffect(op, tuple(explain_not_in_effect(op, after))) for op in missing]
    result.results = confirm_by_read_back(result.results, {id(op) for op in missing})
    # Graph has no transactions: another apply (or the portal) may have reduced access in
    # the window between the last re-read and a write. Judge the tenant as read back, its
    # principals too (read again with it): a holder disabled meanwhile is no usable path.
    lost = access_change_verdict(state, after, guards, trusted, now)
    result.access_lost = list(lost.problems)
    return result


def confirm_by_read_back(results: list[OpResult], missing: set[int]) -> list[OpResult]:
    """A write Graph answered with an error (or never answered) whose change the read-back
    shows is done: the tenant converged, so it counts as succeeded, with Graph's answer kept
    in the message. Only what is truly not in effect fails the run; a write a guard skipped
    stays skipped."""
    out = []
    for r in results:
        if r.status == "failed" and id(r.operation) not in missing:
            note = f"in effect on read-back (Graph answered: {r.message or r.code})"
            r = OpResult(r.operation, "succeeded", note, r.code, r.request_id)
        out.append(r)
    return out


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
    state, _, _ = await _checked(transport, plan, now, guards, current, facts)
    items = planned_requests(plan, state, now)
    items += review_items(plan.review_writes, len(items))
    return items + alert_items(plan.alert_writes, len(items))
