"""The plan's context about effective access (issue 21): what a write changes of who can use
a directory role through a group (``access_paths``), said beside the plan's warnings:

* a membership or ownership of a group holding roles (a group-target request): who gains or
  loses the way to each role the group holds, and how;
* a role assignment of a group: whose access it gives or takes (the group's members and
  owners, each with how; unknown ones said when its PIM schedules were not read)."""

from __future__ import annotations

from collections.abc import Sequence

from pim_gitops.access import principal_ref
from pim_gitops.action import Action
from pim_gitops.memberships import memberships, pim_known
from pim_gitops.plan import Operation, Plan, ScheduleRequest
from pim_gitops.state import TenantState
from pim_gitops.targets import parse_group_target

PREFIX = "effective access"


def _role_name(tenant: TenantState, role_id: str) -> str:
    role = tenant.roles.get(role_id)
    return role.display_name if role is not None else role_id


def _group_key(tenant: TenantState, group_id: str) -> str:
    """The group's id as the tenant's principals spell it."""
    return next((k for k in tenant.principals if k.lower() == group_id), group_id)


def _membership_line(tenant: TenantState, op: ScheduleRequest) -> str | None:
    parsed = parse_group_target(op.role.id)
    assert parsed is not None
    gid = _group_key(tenant, parsed[0])
    held = sorted(
        {a.role_id for a in tenant.assignments if a.principal_id == gid and a.scope == "/"}
    )
    if not held:
        return None
    roles = ", ".join(_role_name(tenant, r) for r in held)
    who = op.principal.ref
    how = f"{op.schedule} {parsed[1]} of {principal_ref(tenant, gid)}"
    if op.action is Action.DELETE:
        return f"{PREFIX}: {op.addresses[0]}: {who} loses a way to {roles} ({how})"
    owner = "; an owner can add itself as a member" if parsed[1] == "owner" else ""
    verb = "keeps" if op.action is Action.UPDATE else "gains"
    return f"{PREFIX}: {op.addresses[0]}: {who} {verb} a way to {roles} ({how}{owner})"


def _group_holder_line(tenant: TenantState, op: ScheduleRequest) -> str | None:
    group = tenant.principals.get(op.principal.id)
    if group is None or group.type != "group":
        return None
    found = [
        f"{principal_ref(tenant, m.principal_id)} ({m.words})"
        for m in memberships(tenant, op.principal.id)
    ]
    who = ", ".join(sorted(set(found))) or "no one known"
    if not pim_known(tenant, op.principal.id):
        who += "; its eligible members and owners (PIM for Groups) were not read"
    verb = "takes it from" if op.action is Action.DELETE else "gives it to"
    return f"{PREFIX}: {op.addresses[0]}: {verb} the group's members and owners: {who}"


def plan_context(ops: Plan | Sequence[Operation], tenant: TenantState) -> tuple[str, ...]:
    """The lines of the module docstring, in the plan's order."""
    operations = ops.operations if isinstance(ops, Plan) else ops
    lines: list[str] = []
    for op in operations:
        if not isinstance(op, ScheduleRequest) or not op.addresses:
            continue
        if parse_group_target(op.role.id) is not None:
            line = _membership_line(tenant, op)
        else:
            line = _group_holder_line(tenant, op)
        if line is not None:
            lines.append(line)
    return tuple(lines)


__all__ = ["PREFIX", "plan_context"]
