"""The Graph request of each plan operation, built from the tenant as read just before the
write: a rule PATCH is the policy-rule table's write of the live rule (so its ``target`` and
every unmanaged property are echoed), a schedule request the documented body.

At most one PATCH per policy per phase: the plan keeps one ``RulePatch`` per rule (for the
report and the read-back), and :func:`request_groups` puts a policy's rules of one step in
one request. One rule goes to ``PATCH …/rules/{ruleId}`` (the documented, widely used
update); several go, each rule whole, in one ``PATCH /policies/roleManagementPolicies/{id}``
with a ``rules`` array (documented in v1.0: "Update unifiedRoleManagementPolicy"), never as
concurrent writes to one policy inside a ``$batch``: patching rules of one policy at the
same time, or without their full body, is known to break it (microsoft-graph-docs#16689).
A chain of ``dependsOn`` was the other way; it was not taken because a ``$batch`` must be
entirely sequential or entirely parallel (microsoft-graph-docs-contrib#2339), so one chain
would serialize every other write of its batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pim_gitops.action import Action
from pim_gitops.extension_wire import append_rules
from pim_gitops.graph.batch import BatchItem
from pim_gitops.plan import Operation, RulePatch, ScheduleRequest
from pim_gitops.policy_rules import rule_by_id, scope_of
from pim_gitops.state import RolePolicy, TenantState
from pim_gitops.targets import is_group, parse_group_target, title
from pim_gitops.wire import format_instant

DIRECTORY = "/roleManagement/directory"
#: PIM for Groups (v1.0 "Create privilegedAccessGroupEligibilityScheduleRequest" and
#: "…AssignmentScheduleRequest"): ``{eligibility,assignment}ScheduleRequests`` under it.
GROUP_PIM = "/identityGovernance/privilegedAccess/group"


def schedules_path(kind: str, target: str = "") -> str:
    """The collection of a schedule kind, without the ``Schedules``/``ScheduleRequests`` tail:
    a directory role's, or a group target's (``targets.group_target``)."""
    if is_group(target):
        return f"{GROUP_PIM}/{'eligibility' if kind == 'eligible' else 'assignment'}"
    return f"{DIRECTORY}/{'roleEligibility' if kind == 'eligible' else 'roleAssignment'}"


def _policy(op: RulePatch, tenant: TenantState) -> RolePolicy:
    policy = tenant.policy_of(op.role.id)
    if policy is None:
        raise KeyError(op.role.id)  # check_stale refuses a plan whose policy went missing
    return policy


def rule_item(op: RulePatch, tenant: TenantState, key: str) -> BatchItem:
    policy = _policy(op, tenant)
    if op.rule_id not in policy.raw_rules:  # a custom extension rule the policy lacks
        return policy_item([op], tenant, key)
    spec = rule_by_id(scope_of(op.role.id), op.rule_id)
    return BatchItem(
        key,
        "PATCH",
        f"/policies/roleManagementPolicies/{policy.policy_id}/rules/{op.rule_id}",
        spec.write(policy.raw_rules[op.rule_id], op.want),
        op.label,
    )


def policy_item(ops: Sequence[RulePatch], tenant: TenantState, key: str) -> BatchItem:
    """One request for the changed rules of one policy (see the module docstring). A custom
    extension rule the policy lacks goes in a policy PATCH carrying every live rule with the
    new one appended (``extension_wire.append_rules``): the Entra portal's way."""
    policy = _policy(ops[0], tenant)
    if len(ops) == 1 and ops[0].rule_id in policy.raw_rules:
        return rule_item(ops[0], tenant, key)
    rules = []
    for op in sorted(ops, key=lambda o: o.rule_id):
        spec = rule_by_id(scope_of(op.role.id), op.rule_id)
        rules.append(spec.write(policy.raw_rules.get(op.rule_id, {}), op.want))
    absent = any(r["id"] not in policy.raw_rules for r in rules)
    return BatchItem(
        key,
        "PATCH",
        f"/policies/roleManagementPolicies/{policy.policy_id}",
        append_rules(policy.raw_rules, rules) if absent else {"rules": rules},
        f"{title(ops[0].role.id, ops[0].role.name)}: update rules "
        + ", ".join(r["id"] for r in rules),
    )


def request_groups(ops: Mapping[str, Operation]) -> list[list[str]]:
    """The keys of ``ops`` by request, in first-seen order: the rule patches of one policy
    together, each schedule request alone."""
    groups: dict[str, list[str]] = {}
    for key, op in ops.items():
        group = f"policy {op.role.id}" if isinstance(op, RulePatch) else f"op {key}"
        groups.setdefault(group, []).append(key)
    return list(groups.values())


def group_item(
    ops: Mapping[str, Operation],
    keys: Sequence[str],
    tenant: TenantState,
    now: datetime,
    action: Action | None = None,
) -> BatchItem:
    """The one request of a group from :func:`request_groups`, keyed by its first key."""
    first = ops[keys[0]]
    if isinstance(first, RulePatch):
        patches = [op for op in (ops[k] for k in keys) if isinstance(op, RulePatch)]
        return policy_item(patches, tenant, keys[0])
    return request_item(first, tenant, now, keys[0], action)


def _subject(op: ScheduleRequest) -> dict[str, Any]:
    """Who gets what: a role at a directory scope, or a group's ``accessId`` (member or
    owner) with its ``groupId`` (samples ``groups__post-*schedulerequests-adminassign``)."""
    group = parse_group_target(op.role.id)
    if group is not None:
        return {"accessId": group[1], "groupId": group[0], "principalId": op.principal.id}
    return {
        "principalId": op.principal.id,
        "roleDefinitionId": op.role.id,
        "directoryScopeId": op.scope,
    }


def schedule_body(op: ScheduleRequest, action: Action, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": action.graph_action,
        **_subject(op),
        "justification": op.justification,
    }
    if action is not Action.DELETE:
        start = op.start or now
        end = start + timedelta(seconds=op.duration) if op.duration is not None else op.end
        expiration: dict[str, Any] = (
            {"type": "afterDateTime", "endDateTime": format_instant(end)}
            if end
            else {"type": "noExpiration"}
        )
        body["scheduleInfo"] = {"startDateTime": format_instant(start), "expiration": expiration}
    if op.ticket_number:
        body["ticketInfo"] = {
            "ticketNumber": op.ticket_number,
            "ticketSystem": op.ticket_system or "",
        }
    return body


def removal_without_schedule(op: ScheduleRequest, action: Action) -> bool:
    """A removal of an assignment Graph holds with no schedule (``outside.py``)."""
    live = op.live
    return action is Action.DELETE and live is not None and live.id is None


def _unscheduled_removal(op: ScheduleRequest, key: str) -> BatchItem:
    """``DELETE …/roleAssignments/{id}`` ("Delete unifiedRoleAssignment") for one made
    outside PIM; ``POST …ScheduleRequests/{id}/cancel`` (no body) for one not yet started."""
    assert op.live is not None
    if op.live.role_assignment_id is not None:
        path = f"{DIRECTORY}/roleAssignments/{op.live.role_assignment_id}"
        return BatchItem(key, "DELETE", path, None, op.label)
    path = f"{schedules_path(op.schedule, op.role.id)}ScheduleRequests/{op.live.request_id}/cancel"
    return BatchItem(key, "POST", path, None, op.label)


def schedule_item(op: ScheduleRequest, action: Action, now: datetime, key: str) -> BatchItem:
    if removal_without_schedule(op, action):
        return _unscheduled_removal(op, key)
    return BatchItem(
        key,
        "POST",
        f"{schedules_path(op.schedule, op.role.id)}ScheduleRequests",
        schedule_body(op, action, now),
        op.label,
    )


def request_item(
    op: Operation, tenant: TenantState, now: datetime, key: str, action: Action | None = None
) -> BatchItem:
    if isinstance(op, RulePatch):
        return rule_item(op, tenant, key)
    return schedule_item(op, action or op.action, now, key)


def already_requested(op: ScheduleRequest, tenant: TenantState, now: datetime) -> str | None:
    """The result message of a create that starts later answered ``RoleAssignmentExists``
    while its requests could not be listed: *a* request for the assignment exists (Graph
    keeps it only as a request), perhaps with other values, so the create is not verified;
    ``None`` otherwise."""
    why = None if is_group(op.role.id) else tenant.unlisted_requests.get(op.schedule)
    if op.action is not Action.CREATE or why is None or op.start is None or op.start <= now:
        return None
    need = why.partition("needs ")[2] or "RoleManagement.ReadWrite.Directory"
    return (
        f"not verified: Graph answered RoleAssignmentExists for the assignment starting "
        f"{format_instant(op.start)}: a request for this assignment already exists, possibly "
        f"with other values; listing requests needs {need} to check"
    )
