"""Run a plan's operations phase by phase through ``$batch``; settle every uncertain write by
reading. A remove of what is already gone is success; a write whose response was lost is
checked by reading, never blindly re-sent; a re-run after any partial failure converges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pim_gitops.action import Action
from pim_gitops.apply.requests import request_item
from pim_gitops.apply.result import ApplyResult, OpResult
from pim_gitops.apply.settle import (
    REAIM_CODES,
    outcome_code,
    outcome_message,
    retryable,
    settle,
)
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.transport import GraphResponse, GraphTransport
from pim_gitops.plan import Operation, Plan, ScheduleRequest
from pim_gitops.policy_rules import Phase
from pim_gitops.state import TenantState

#: Rounds of send → settle per phase before an operation counts as unsettled.
SETTLE_ROUNDS = 3


class ApplyListener(Protocol):
    """Where apply reports its progress (the console implements it)."""

    def phase_started(self, phase: Phase, count: int) -> None: ...

    def operation_done(self, result: OpResult) -> None: ...


class SilentListener:
    """A listener that reports nothing (library use, tests)."""

    def phase_started(self, phase: Phase, count: int) -> None:
        return None

    def operation_done(self, result: OpResult) -> None:
        return None


class _Phase:
    """The state of one phase: what is still to send, with which action, and what is done."""

    def __init__(self, ops: Sequence[Operation]) -> None:
        self.ops = {str(i): op for i, op in enumerate(ops)}
        self.action: dict[str, Action | None] = {
            k: op.action if isinstance(op, ScheduleRequest) else None for k, op in self.ops.items()
        }
        self.done: dict[str, OpResult] = {}

    def todo(self) -> list[str]:
        return [k for k in self.ops if k not in self.done]


class Executor:
    def __init__(
        self, transport: GraphTransport, tenant: TenantState, now: datetime, listener: ApplyListener
    ) -> None:
        self.transport = transport
        self.tenant = tenant
        self.now = now
        self.listener = listener

    def items(self, state: _Phase, keys: Sequence[str]) -> list[BatchItem]:
        return [request_item(state.ops[k], self.tenant, self.now, k, state.action[k]) for k in keys]

    async def _judge(self, state: _Phase, key: str, outcome: object) -> None:
        """Record the outcome of one send, or leave it for the next round."""
        op = state.ops[key]
        if isinstance(outcome, GraphResponse) and outcome.status < 300:
            state.done[key] = OpResult(op, "succeeded", request_id=outcome.request_id)
            return
        code = outcome_code(outcome)
        if isinstance(op, ScheduleRequest):
            adopted, next_action = await settle(self.transport, op, code)
            if adopted:
                message = "already in place (adopted after a read-back)"
                state.done[key] = OpResult(op, "succeeded", message)
                return
            if next_action is not None:
                state.action[key] = next_action
            if code in REAIM_CODES:
                return  # re-sent next round with the re-aimed action
        if retryable(outcome):
            return
        request_id = getattr(outcome, "request_id", None)
        state.done[key] = OpResult(op, "failed", outcome_message(outcome), code, request_id)

    async def run_phase(self, ops: Sequence[Operation]) -> list[OpResult]:
        """Send, settle, re-send: every re-send is a retry drawn from the command's one
        retry budget (``graph/retry.py``), so no write is sent more than the budget allows."""
        state = _Phase(ops)
        budget = self.transport.budget
        reason = f"after {SETTLE_ROUNDS} rounds"
        for round_ in range(SETTLE_ROUNDS):
            todo = state.todo()
            if not todo:
                break
            if round_ and not budget.take(len(todo)):
                reason = budget.describe()
                break
            outcomes = await send_batched(self.transport, self.items(state, todo))
            for key in todo:
                await self._judge(state, key, outcomes[key])
        for key in state.todo():
            state.done[key] = OpResult(
                state.ops[key],
                "failed",
                f"no definite answer from Graph ({reason}); the next run will converge",
                "Unsettled",
            )
        ordered = [state.done[k] for k in state.ops]
        for result in ordered:
            self.listener.operation_done(result)
        return ordered


def phases(plan: Plan) -> list[tuple[Phase, list[Operation]]]:
    """The plan's operations by phase, in execution order, empty phases left out."""
    out = []
    for phase in Phase:
        ops = [op for op in plan.operations if op.phase == phase]
        if ops:
            out.append((phase, ops))
    return out


async def execute(
    transport: GraphTransport,
    plan: Plan,
    tenant: TenantState,
    now: datetime,
    listener: ApplyListener,
) -> ApplyResult:
    """Run every phase in order; later phases still run when an earlier one had failures
    (each write is independent of the others' success), and the summary says what failed."""
    executor = Executor(transport, tenant, now, listener)
    result = ApplyResult()
    for phase, ops in phases(plan):
        listener.phase_started(phase, len(ops))
        result.results += await executor.run_phase(ops)
    return result


def planned_requests(plan: Plan, tenant: TenantState, now: datetime) -> list[BatchItem]:
    """``apply --dry-run``: the exact requests apply would send first, in order."""
    ordered = [op for _, ops in phases(plan) for op in ops]
    return [request_item(op, tenant, now, str(index)) for index, op in enumerate(ordered)]
