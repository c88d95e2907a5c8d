"""The Graph request of each plan operation, built from the tenant as read just before the
write: a rule PATCH is the policy-rule table's write of the live rule (so its ``target`` and
every unmanaged property are echoed), a schedule request the documented body."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pim_gitops.action import Action
from pim_gitops.graph.batch import BatchItem
from pim_gitops.plan import Operation, RulePatch, ScheduleRequest
from pim_gitops.policy_rules import PolicyScope, rule_by_id
from pim_gitops.state import TenantState
from pim_gitops.wire import format_instant

DIRECTORY = "/roleManagement/directory"


def schedules_path(kind: str) -> str:
    """The collection of a schedule kind, without the ``Schedules``/``ScheduleRequests`` tail."""
    return f"{DIRECTORY}/{'roleEligibility' if kind == 'eligible' else 'roleAssignment'}"


def rule_item(op: RulePatch, tenant: TenantState, key: str) -> BatchItem:
    policy = tenant.policies[op.role.id]
    spec = rule_by_id(PolicyScope.DIRECTORY_ROLE, op.rule_id)
    return BatchItem(
        key,
        "PATCH",
        f"/policies/roleManagementPolicies/{policy.policy_id}/rules/{op.rule_id}",
        spec.write(policy.raw_rules[op.rule_id], op.want),
        op.label,
    )


def schedule_body(op: ScheduleRequest, action: Action, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": action.graph_action,
        "principalId": op.principal.id,
        "roleDefinitionId": op.role.id,
        "directoryScopeId": op.scope,
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


def schedule_item(op: ScheduleRequest, action: Action, now: datetime, key: str) -> BatchItem:
    return BatchItem(
        key,
        "POST",
        f"{schedules_path(op.schedule)}ScheduleRequests",
        schedule_body(op, action, now),
        op.label,
    )


def request_item(
    op: Operation, tenant: TenantState, now: datetime, key: str, action: Action | None = None
) -> BatchItem:
    if isinstance(op, RulePatch):
        return rule_item(op, tenant, key)
    return schedule_item(op, action or op.action, now, key)
