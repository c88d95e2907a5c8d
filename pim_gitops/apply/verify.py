"""Read-back: after the writes, read the tenant again, normalize it and compare, restricted
to the plan's addresses, with the same comparison the differ uses. So read-back can never
disagree with the next plan: whatever it reports as not in effect, a fresh plan shows too.

Graph is eventually consistent, so one read right after the writes may not show them yet:
:func:`read_settled` reads again (read → normalize → compare) until every write Graph
accepted shows, or the settle budget (``settle.SettleWait``) is spent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from pim_gitops.action import Action
from pim_gitops.apply.result import OpResult
from pim_gitops.apply.settle import SettleWait
from pim_gitops.apply.stale import assignment_index, explain_difference
from pim_gitops.diff import changed_paths, same_instant
from pim_gitops.plan import Operation, Plan, RulePatch, ScheduleRequest
from pim_gitops.policy_rules import rule_by_id, scope_of
from pim_gitops.state import Assignment, TenantState, settings_leaves
from pim_gitops.targets import is_group
from pim_gitops.wire import format_instant

AssignmentIndex = Mapping[tuple[str, str, str, str], Assignment]


def in_effect(op: Operation, tenant: TenantState, assignments: AssignmentIndex) -> bool:
    if isinstance(op, RulePatch):
        policy = tenant.policy_of(op.role.id)
        if policy is None:
            return False
        want = {path: op.want[path] for path in op.paths}
        return not changed_paths(want, settings_leaves(policy.settings))
    live = assignments.get(op.key)
    if op.action is Action.DELETE:
        return live is None
    if live is None:
        return False
    if op.start is not None and not same_instant(op.start, live.start):
        return False  # as the differ judges a later ``start:`` (diff.py ``same_start``)
    if op.duration is not None and live.start is not None:
        # As the differ judges a ``duration:``: counted from the schedule's start.
        return same_instant(live.end, live.start + timedelta(seconds=op.duration))
    return same_instant(live.end, op.end)


def explain_not_in_effect(op: Operation, tenant: TenantState) -> list[str]:
    """Why an operation is not in effect: for a rule, the raw properties a PATCH built from
    the rule as read back would still change (deepdiff of the two bodies)."""
    if not isinstance(op, RulePatch):
        return ["the schedule read back does not match the request"]
    policy = tenant.policy_of(op.role.id)
    live = policy.raw_rules.get(op.rule_id) if policy else None
    if live is None:
        return ["the rule could not be read back"]
    spec = rule_by_id(scope_of(op.role.id), op.rule_id)
    return explain_difference(dict(live), spec.write(live, op.want))


def unverifiable(op: Operation, tenant: TenantState, now: datetime) -> str | None:
    """Why a create that starts later cannot be seen by this identity (its request collection
    could not be listed, and Graph makes no schedule before the start), or ``None``."""
    if not isinstance(op, ScheduleRequest) or op.action is not Action.CREATE:
        return None
    why = tenant.unlisted_requests.get(op.schedule)
    if why is None or op.start is None or op.start <= now:
        return None
    if is_group(op.role.id) or op.key in assignment_index(tenant):
        return None  # unlisted_requests names the role request collections only
    need = why.partition("needs ")[2] or "a permission to list requests"
    return (
        f"{op.label}: accepted by Graph, starts at {format_instant(op.start)}; not verifiable "
        f"without {need} (Graph keeps it only as a request until it starts, and listing "
        f"requests answered {why.partition(';')[0]})"
    )


def not_in_effect(plan: Plan, tenant: TenantState) -> list[Operation]:
    """The plan's operations whose changes the tenant does not show after the apply."""
    assignments = assignment_index(tenant)
    return [op for op in plan.operations if not in_effect(op, tenant, assignments)]


#: What apply says of a saved plan whose every write the tenant already shows.
ALREADY_IN_EFFECT = "this plan is already in effect: nothing to do"


def already_in_effect(plan: Plan, tenant: TenantState) -> bool:
    """Does the tenant already hold what every operation of the plan writes (a plan file
    applied before)? Then it is not stale: there is nothing to write."""
    return bool(plan.operations) and not not_in_effect(plan, tenant)


def expected_in_effect(results: Sequence[OpResult]) -> list[Operation]:
    """The operations a read should show: those Graph accepted. Refused, skipped and
    unanswered ones are not waited for (an unanswered write may never have happened)."""
    return [r.operation for r in results if r.status == "succeeded"]


def _looks_unchanged(op: Operation, before: TenantState, after: TenantState) -> bool:
    """Does ``after`` still show what ``before`` showed at the operation's address? Then
    the read is a replica that has not caught up yet; anything else is settled."""
    if isinstance(op, RulePatch):
        old, new = before.policy_of(op.role.id), after.policy_of(op.role.id)
        if old is None or new is None:
            return old is new
        was, now = settings_leaves(old.settings), settings_leaves(new.settings)
        return all(was.get(path) == now.get(path) for path in op.paths)
    return assignment_index(before).get(op.key) == assignment_index(after).get(op.key)


def lagging(ops: Sequence[Operation], before: TenantState, tenant: TenantState) -> list[Operation]:
    """The accepted operations a read does not show yet, where it still shows the old state."""
    assignments = assignment_index(tenant)
    return [
        op
        for op in ops
        if not in_effect(op, tenant, assignments) and _looks_unchanged(op, before, tenant)
    ]


async def read_settled(
    read: Callable[[], Awaitable[TenantState]],
    expected: Sequence[Operation],
    before: TenantState,
    wait: SettleWait,
) -> TenantState:
    """Read until no ``expected`` operation lags (shows neither its change nor anything but
    ``before``'s state), waiting between reads from ``wait``; the last read once the budget
    is spent (the caller reports what still does not show)."""
    attempt = 0
    while True:
        tenant = await read()
        if not lagging(expected, before, tenant) or not await wait.wait(attempt):
            return tenant
        attempt += 1
