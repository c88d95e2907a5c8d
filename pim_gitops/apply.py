"""Execute a plan: verify it is not stale, check the guards, write in phase order through
``$batch``, settle every uncertain write by reading, then read back.

Idempotency (DESIGN.md, safety rules): a create that meets ``RoleAssignmentExists`` is
adopted when a read-back matches the declared assignment, else updated; a remove of what is
already gone is success; a write whose response was lost is checked by reading, never
blindly re-sent. A re-run after any partial failure converges.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pim_gitops.diff import Resolver, same_instant
from pim_gitops.errors import GraphError, GuardrailError, StalePlanError
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.transport import GraphResponse, GraphTransport, error_parts
from pim_gitops.plan import (
    ABSENT,
    PHASES,
    Operation,
    Plan,
    assignment_fingerprint,
    fingerprint,
)
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState
from pim_gitops.tenantgen import default_approval_stage
from pim_gitops.wire import format_instant, parse_instant

DIR = "/roleManagement/directory"
SETTLE_ROUNDS = 3


@dataclass(frozen=True)
class Guards:
    max_removals: int = 10
    allow_break_glass_change: bool = False
    allow_no_pra_eligible: bool = False
    allow_other_tenant: bool = False
    allow_self_lockout: bool = False


@dataclass
class OpResult:
    operation: Operation
    status: str  # succeeded | failed | skipped
    message: str = ""
    code: str | None = None
    request_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation.label,
            "addresses": list(self.operation.addresses),
            "status": self.status,
            "message": self.message,
            "code": self.code,
            "request_id": self.request_id,
        }


@dataclass
class ApplyResult:
    results: list[OpResult] = field(default_factory=list)
    remaining: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0 and self.remaining == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "succeeded": self.count("succeeded"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "remaining_changes": self.remaining,
            "results": [r.as_json() for r in self.results],
        }


# --- checks before writing ------------------------------------------------------------------


AssignmentIndex = Mapping[tuple[str, str, str, str], Assignment]


def _index(tenant: TenantState) -> dict[tuple[str, str, str, str], Assignment]:
    return {a.key: a for a in tenant.assignments}


def _optional_instant(text: str | None) -> datetime | None:
    return parse_instant(text) if text else None


def current_fingerprint(op: Operation, tenant: TenantState, assignments: AssignmentIndex) -> str:
    if op.op == "patch_rule":
        policy = tenant.policies.get(op.role_id)
        rule = policy.raw_rules.get(op.rule_id or "") if policy else None
        return fingerprint(rule or {})
    live = assignments.get(op.key)
    return (
        ABSENT if live is None else assignment_fingerprint(live.end, live.start, live.schedule_id)
    )


def check_stale(plan: Plan, tenant: TenantState) -> None:
    assignments = _index(tenant)
    stale = [
        op
        for op in plan.operations
        if current_fingerprint(op, tenant, assignments) != op.fingerprint
    ]
    if stale:
        listed = "\n  ".join(a for op in stale for a in op.addresses)
        raise StalePlanError(
            f"the plan is stale: {len(stale)} object(s) changed in the tenant since it was made; "
            f"nothing was written. Make a new plan.\n  {listed}"
        )


def check_guards(
    plan: Plan, tenant: TenantState, guards: Guards, organization: Mapping[str, Any]
) -> None:
    problems: list[str] = []
    info = plan.guards
    declared_tenant = str(info.get("tenant") or "").lower()
    names = {str(organization.get("id", "")).lower(), tenant.tenant_id.lower()}
    names |= {str(d.get("name", "")).lower() for d in organization.get("verifiedDomains") or []}
    if not guards.allow_other_tenant:
        if plan.tenant_id and tenant.tenant_id and plan.tenant_id != tenant.tenant_id:
            problems.append(
                f"the plan was made for tenant {plan.tenant_id}, but this is "
                f"{tenant.tenant_id} (--allow-other-tenant to override)"
            )
        if declared_tenant and declared_tenant not in names:
            problems.append(
                f"the policy declares tenant {declared_tenant!r}, but the signed-in "
                f"tenant is {sorted(n for n in names if n)} (--allow-other-tenant)"
            )
    removals = [op for op in plan.operations if op.action == "adminRemove"]
    if len(removals) > guards.max_removals:
        problems.append(
            f"the plan removes {len(removals)} assignments, more than "
            f"--max-removals {guards.max_removals}"
        )
    after = _after(plan, tenant)
    break_glass = set(info.get("break_glass") or [])
    if break_glass and not guards.allow_break_glass_change:
        standing = {
            a.principal_id
            for a in after
            if a.role_id == GLOBAL_ADMINISTRATOR and a.kind == "active" and a.permanent
        }
        kept = break_glass & standing
        before = break_glass & {
            a.principal_id
            for a in tenant.assignments
            if a.role_id == GLOBAL_ADMINISTRATOR and a.kind == "active"
        }
        if len(kept) < len(before):
            problems.append(
                f"the plan would leave Global Administrator with {len(kept)} of the "
                f"{len(break_glass)} declared break-glass accounts active "
                "(--allow-break-glass-change to override)"
            )
    had_pra = any(
        a.role_id == PRIVILEGED_ROLE_ADMINISTRATOR and a.kind == "eligible"
        for a in tenant.assignments
    )
    has_pra = any(
        a.role_id == PRIVILEGED_ROLE_ADMINISTRATOR and a.kind == "eligible" for a in after
    )
    if had_pra and not has_pra and not guards.allow_no_pra_eligible:
        problems.append(
            "the plan removes the last eligible path to Privileged Role "
            "Administrator (--allow-no-pra-eligible to override)"
        )
    identity = info.get("apply_identity")
    if identity and not guards.allow_self_lockout:
        for op in removals:
            if (
                op.principal_id == identity
                and op.schedule_kind == "active"
                and op.role_id in (GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR)
            ):
                problems.append(
                    f"the plan removes the apply identity's own {op.role_name} "
                    "assignment, which lets it write PIM (--allow-self-lockout)"
                )
    if problems:
        raise GuardrailError("refusing to apply; nothing was written:\n  " + "\n  ".join(problems))


def _after(plan: Plan, tenant: TenantState) -> list[Assignment]:
    """Assignments once the plan's schedule operations are done."""
    state = _index(tenant)
    for op in plan.operations:
        if op.op != "schedule":
            continue
        if op.action == "adminRemove":
            state.pop(op.key, None)
        else:
            state[op.key] = Assignment(
                op.role_id,
                op.principal_id or "",
                op.scope,
                "eligible" if op.schedule_kind == "eligible" else "active",
                _optional_instant(op.end),
            )
    return list(state.values())


# --- request bodies ------------------------------------------------------------------------


def _subject(ref: str) -> dict[str, Any]:
    kind, _, object_id = ref.partition(":")
    if kind == "group":
        return {"@odata.type": "#microsoft.graph.groupMembers", "groupId": object_id}
    return {"@odata.type": "#microsoft.graph.singleUser", "userId": object_id}


def rule_body(live: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body of one rule: the live rule (its ``target`` echoed, graph-pim.md §3.1)
    with only the managed properties replaced; unmanaged approval properties are kept."""
    body = copy.deepcopy(dict(live))
    body.pop("@odata.context", None)
    if "isApprovalRequired" in values:
        setting = body.setdefault("setting", {})
        setting["isApprovalRequired"] = values["isApprovalRequired"]
        if values["isApprovalRequired"]:
            stages = setting.get("approvalStages") or [default_approval_stage()]
            stages[0]["primaryApprovers"] = [_subject(a) for a in values["primaryApprovers"]]
            setting["approvalStages"] = stages
            setting.setdefault("approvalMode", "SingleStage")
        return body
    body.update(copy.deepcopy(dict(values)))
    return body


def schedule_body(op: Operation, action: str, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {
        "action": action,
        "principalId": op.principal_id,
        "roleDefinitionId": op.role_id,
        "directoryScopeId": op.scope,
        "justification": op.justification,
    }
    if action != "adminRemove":
        expiration: dict[str, Any] = (
            {"type": "afterDateTime", "endDateTime": op.end} if op.end else {"type": "noExpiration"}
        )
        body["scheduleInfo"] = {
            "startDateTime": op.start or format_instant(now),
            "expiration": expiration,
        }
    if op.ticket_number:
        body["ticketInfo"] = {
            "ticketNumber": op.ticket_number,
            "ticketSystem": op.ticket_system or "",
        }
    return body


def _schedules_path(kind: str | None) -> str:
    return f"{DIR}/{'roleEligibility' if kind == 'eligible' else 'roleAssignment'}"


# --- execution -------------------------------------------------------------------------------


class Executor:
    def __init__(
        self,
        transport: GraphTransport,
        tenant: TenantState,
        now: datetime,
        report: Callable[[OpResult], None],
    ) -> None:
        self.transport = transport
        self.tenant = tenant
        self.now = now
        self.report = report

    def _item(self, op: Operation, key: str, action: str | None = None) -> BatchItem:
        if op.op == "patch_rule":
            policy = self.tenant.policies[op.role_id]
            live = policy.raw_rules[op.rule_id or ""]
            return BatchItem(
                key,
                "PATCH",
                f"/policies/roleManagementPolicies/{policy.policy_id}/rules/{op.rule_id}",
                rule_body(live, op.values or {}),
                op.label,
            )
        return BatchItem(
            key,
            "POST",
            f"{_schedules_path(op.schedule_kind)}ScheduleRequests",
            schedule_body(op, action or op.action or "", self.now),
            op.label,
        )

    async def _live_schedule(self, op: Operation) -> Mapping[str, Any] | None:
        rows = await self.transport.get_all(
            f"{_schedules_path(op.schedule_kind)}Schedules",
            params={
                "$filter": f"principalId eq '{op.principal_id}' and "
                f"roleDefinitionId eq '{op.role_id}'"
            },
            target=op.label,
        )
        for row in rows:
            if (
                (row.get("directoryScopeId") or "/") == op.scope
                and row.get("memberType", "Direct") == "Direct"
                and row.get("assignmentType", "Assigned") == "Assigned"
            ):
                return dict(row)
        return None

    def _matches(self, op: Operation, row: Mapping[str, Any] | None) -> bool:
        if op.action == "adminRemove":
            return row is None
        if row is None:
            return False
        end = ((row.get("scheduleInfo") or {}).get("expiration") or {}).get("endDateTime")
        return same_instant(_optional_instant(end), _optional_instant(op.end))

    async def run_phase(self, ops: Sequence[Operation]) -> list[OpResult]:
        items = {str(i): op for i, op in enumerate(ops)}
        action: dict[str, str | None] = {k: op.action for k, op in items.items()}
        done: dict[str, OpResult] = {}
        for _ in range(SETTLE_ROUNDS):
            todo = [k for k in items if k not in done]
            if not todo:
                break
            outcomes = await send_batched(
                self.transport, [self._item(items[k], k, action[k]) for k in todo]
            )
            for key in todo:
                op, outcome = items[key], outcomes[key]
                if isinstance(outcome, GraphResponse) and outcome.status < 300:
                    done[key] = OpResult(op, "succeeded", request_id=outcome.request_id)
                    continue
                code = _code(outcome)
                request_id = outcome.request_id
                if op.op == "schedule":
                    settled = await self._settle(op, key, code, action)
                    if settled is not None:
                        done[key] = settled
                        continue
                if _status(outcome) in (429, 503, 504, None) or code == "retry":
                    continue  # try again next round
                if op.op == "schedule" and code in (
                    "RoleAssignmentExists",
                    "RoleAssignmentDoesNotExist",
                ):
                    continue  # action switched by _settle; re-send next round
                done[key] = OpResult(op, "failed", _message(outcome), code, request_id)
        for key, op in items.items():
            if key not in done:
                done[key] = OpResult(
                    op,
                    "failed",
                    "no definite answer from Graph after "
                    f"{SETTLE_ROUNDS} rounds; the next run will converge",
                    "Unsettled",
                )
        ordered = [done[k] for k in items]
        for result in ordered:
            self.report(result)
        return ordered

    async def _settle(
        self, op: Operation, key: str, code: str | None, action: dict[str, str | None]
    ) -> OpResult | None:
        """A schedule write that did not plainly succeed: read, and adopt or re-aim."""
        uncertain = code in (
            None,
            "",
            "TooManyRequests",
            "serviceNotAvailable",
            "GatewayTimeout",
            "RoleAssignmentExists",
            "RoleAssignmentDoesNotExist",
        )
        if not uncertain:
            return None
        try:
            row = await self._live_schedule(op)
        except GraphError:
            return None
        if self._matches(op, row):
            return OpResult(op, "succeeded", "already in place (adopted after a read-back)")
        if op.action != "adminRemove":
            action[key] = "adminAssign" if row is None else "adminUpdate"
        return None


def _status(outcome: Any) -> int | None:
    return (
        outcome.status if isinstance(outcome, GraphResponse) else getattr(outcome, "status", None)
    )


def _code(outcome: Any) -> str | None:
    if isinstance(outcome, GraphResponse):
        parts = error_parts(outcome.body)
        return parts[0] if parts else None
    return getattr(outcome, "code", None)


def _message(outcome: Any) -> str:
    if isinstance(outcome, GraphResponse):
        parts = error_parts(outcome.body)
        return (parts[1] if parts else "") or f"HTTP {outcome.status}"
    return str(outcome).splitlines()[0]


async def execute(
    transport: GraphTransport,
    plan: Plan,
    tenant: TenantState,
    now: datetime,
    report: Callable[[OpResult], None],
    phase_started: Callable[[int, int], None] | None = None,
) -> ApplyResult:
    """Run every phase in order; later phases still run when an earlier one had failures
    (each write is independent of the others' success), and the summary says what failed."""
    executor = Executor(transport, tenant, now, report)
    result = ApplyResult()
    for phase in sorted(PHASES):
        ops = [op for op in plan.operations if op.phase == phase]
        if not ops:
            continue
        if phase_started:
            phase_started(phase, len(ops))
        result.results += await executor.run_phase(ops)
    return result


def resolve_guard_ids(
    desired_break_glass: Sequence[str], apply_identity: str | None, tenant: TenantState
) -> dict[str, Any]:
    resolver = Resolver(tenant)
    ids = []
    for ref in desired_break_glass:
        found = resolver.principal(ref)
        if not isinstance(found, str):
            ids.append(found.id)
    identity = resolver.principal(apply_identity) if apply_identity else None
    return {
        "break_glass": sorted(ids),
        "apply_identity": None if identity is None or isinstance(identity, str) else identity.id,
    }


# --- read-back -----------------------------------------------------------------------------


def _same(key: str, want: Any, have: Any) -> bool:
    if key == "claimValue":
        return (want or None) == (have or None)
    if key in ("enabledRules", "notificationRecipients"):
        return sorted(str(v).lower() for v in want or []) == sorted(
            str(v).lower() for v in have or []
        )
    return bool(want == have)


def op_in_effect(op: Operation, tenant: TenantState, assignments: AssignmentIndex) -> bool:
    if op.op == "patch_rule":
        policy = tenant.policies.get(op.role_id)
        live = policy.raw_rules.get(op.rule_id or "") if policy else None
        if policy is None or live is None:
            return False
        values = op.values or {}
        if "isApprovalRequired" in values:
            setting = live.get("setting") or {}
            if not isinstance(setting, Mapping):
                return False
            if setting.get("isApprovalRequired") != values["isApprovalRequired"]:
                return False
            return not values["isApprovalRequired"] or sorted(
                policy.settings.activation.approvers
            ) == sorted(values["primaryApprovers"])
        if "isExpirationRequired" in values and not values["isExpirationRequired"]:
            return live.get("isExpirationRequired") is False
        return all(_same(k, v, live.get(k)) for k, v in values.items())
    live_assignment = assignments.get(op.key)
    if op.action == "adminRemove":
        return live_assignment is None
    if live_assignment is None:
        return False
    return same_instant(live_assignment.end, _optional_instant(op.end))


def verify(plan: Plan, tenant: TenantState) -> int:
    """How many of the plan's operations are not in effect after the apply."""
    assignments = _index(tenant)
    return sum(1 for op in plan.operations if not op_in_effect(op, tenant, assignments))
