"""The tenant once a plan's schedule requests are done, as the guards judge it: directory
role assignments and PIM-for-Groups memberships (a request whose ``role.id`` is a group
target, ``targets.group_target``), with the group's direct members following its active
member schedules (an active member is a direct member in Graph). Principals stay the first
read's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pim_gitops.action import Action
from pim_gitops.plan import Operation, Plan, ScheduleRequest
from pim_gitops.state import Assignment, TenantState
from pim_gitops.targets import parse_group_target


def _members_key(members: Mapping[str, object], group_id: str) -> str:
    return next((g for g in members if g.lower() == group_id), group_id)


def _follow_members(members: dict[str, tuple[str, ...]], op: ScheduleRequest) -> None:
    """An active member schedule made or removed adds or removes the direct member."""
    parsed = parse_group_target(op.role.id)
    if parsed is None or parsed[1] != "member" or op.schedule != "active":
        return
    key = _members_key(members, parsed[0])
    now = [m for m in members.get(key, ()) if m != op.principal.id]
    if op.action is not Action.DELETE:
        now.append(op.principal.id)
    members[key] = tuple(now)


def _apply(table: dict[tuple[str, str, str, str], Assignment], op: ScheduleRequest) -> None:
    if op.action is Action.DELETE:
        table.pop(op.key, None)
        return
    live = table.get(op.key)
    start = op.start or (live.start if live is not None else None)
    table[op.key] = Assignment(op.role.id, op.principal.id, op.scope, op.schedule, op.end, start)


def planned_state(ops: Plan | Sequence[Operation], tenant: TenantState) -> TenantState:
    """``tenant`` with the schedule requests among ``ops`` done (module docstring)."""
    operations = ops.operations if isinstance(ops, Plan) else ops
    roles = {a.key: a for a in tenant.assignments}
    groups = {a.key: a for a in tenant.group_assignments}
    members = dict(tenant.group_members)
    for op in operations:
        if not isinstance(op, ScheduleRequest):
            continue
        if parse_group_target(op.role.id) is None:
            _apply(roles, op)
            continue
        _apply(groups, op)
        _follow_members(members, op)
    return replace(
        tenant,
        assignments=tuple(roles.values()),
        group_assignments=tuple(groups.values()),
        group_members=members,
    )


__all__ = ["planned_state"]
