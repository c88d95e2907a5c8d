"""Which writes reduce access, and the assignments a tenant has once writes are done: the
inputs of every guard and of ``--max-removals``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pim_gitops.action import Action
from pim_gitops.plan import Operation, Plan, ScheduleRequest
from pim_gitops.state import Assignment, TenantState


def _requests(ops: Iterable[Operation]) -> list[ScheduleRequest]:
    return [op for op in ops if isinstance(op, ScheduleRequest)]


def reduction(op: Operation) -> str | None:
    """How a write reduces access, or ``None``: a removal, a permanent assignment made to
    expire, an end moved nearer, a start moved later."""
    if not isinstance(op, ScheduleRequest):
        return None
    if op.action is Action.DELETE:
        return "removed"
    if op.action is not Action.UPDATE or op.live is None:
        return None
    if op.live.end is None and op.end is not None:
        return "permanent → expiring"
    if op.end is not None and op.live.end is not None and op.end < op.live.end:
        return "ends earlier"
    if op.start is not None and (op.live.start is None or op.start > op.live.start):
        return "starts later"
    return None


def reductions(ops: Iterable[Operation]) -> list[tuple[ScheduleRequest, str]]:
    """Every write that reduces access, with how."""
    found = []
    for op in _requests(ops):
        how = reduction(op)
        if how is not None:
            found.append((op, how))
    return found


def assignments_after(ops: Plan | Sequence[Operation], tenant: TenantState) -> list[Assignment]:
    """The tenant's assignments once the schedule requests among ``ops`` are done."""
    operations = ops.operations if isinstance(ops, Plan) else ops
    state = {a.key: a for a in tenant.assignments}
    for op in _requests(operations):
        if op.action is Action.DELETE:
            state.pop(op.key, None)
            continue
        live = state.get(op.key)
        start = op.start or (live.start if live is not None else None)
        state[op.key] = Assignment(
            op.role.id, op.principal.id, op.scope, op.schedule, op.end, start
        )
    return list(state.values())


__all__ = ["assignments_after", "reduction", "reductions"]
