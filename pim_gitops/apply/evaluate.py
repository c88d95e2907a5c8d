"""Run a plan's operations phase by phase through ``$batch``; settle every uncertain write by
reading. A remove of what is already gone is success; a write whose response was lost is
checked by reading, never blindly re-sent; a re-run after any partial failure converges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from pim_gitops.action import Action
from pim_gitops.apply.reductions import reduction
from pim_gitops.apply.requests import (
    already_requested,
    group_item,
    removal_without_schedule,
    request_groups,
)
from pim_gitops.apply.result import ApplyResult, OpResult
from pim_gitops.apply.settle import (
    REAIM_CODES,
    SettleWait,
    activation_in_progress,
    outcome_code,
    outcome_message,
    outcome_status,
    replication_pending,
    retryable,
    settle,
)
from pim_gitops.graph.batch import BatchItem, send_batched
from pim_gitops.graph.envelopes import MalformedAnswerError
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
        #: Keys refused this round because PIM does not know their principal/role yet.
        self.lagging: set[str] = set()

    def todo(self) -> list[str]:
        return [k for k in self.ops if k not in self.done]


async def _settled(
    transport: GraphTransport, op: ScheduleRequest, code: str | None, outcome: object
) -> tuple[bool, Action | None]:
    """``settle``, except for a removal of an assignment with no schedule to read back (a
    direct role assignment, a request not yet started): only 404 means already gone."""
    if removal_without_schedule(op, op.action):
        return outcome_status(outcome) == 404, None
    return await settle(transport, op, code)


class Executor:
    def __init__(
        self,
        transport: GraphTransport,
        tenant: TenantState,
        now: datetime,
        listener: ApplyListener,
        wait: SettleWait | None = None,
    ) -> None:
        self.transport = transport
        self.tenant = tenant
        self.now = now
        self.listener = listener
        self.wait = wait or SettleWait(transport.sleep, transport.budget)
        #: The first malformed answer seen: no later step is sent.
        self.malformed: str | None = None

    def items(self, state: _Phase, keys: Sequence[str]) -> list[tuple[BatchItem, list[str]]]:
        """The requests for ``keys``, one per policy for rule patches, with their keys."""
        todo = {k: state.ops[k] for k in keys}
        return [
            (group_item(todo, group, self.tenant, self.now, state.action[group[0]]), group)
            for group in request_groups(todo)
        ]

    async def _exists(self, op: ScheduleRequest) -> OpResult | None:
        """The result of a create answered ``RoleAssignmentExists`` with no schedule to adopt:
        an activation in progress, or a not-yet-started request this identity cannot list (not
        verified: it may hold other values, so the run fails)."""
        if await activation_in_progress(self.transport, op):
            message = (
                "waits for the activation to end: the principal has activated this role, "
                "and Graph refuses a standing assignment until that activation ends; "
                "the next apply after it ends creates it"
            )
            return OpResult(op, "failed", message, "ActivationInProgress")
        requested = already_requested(op, self.tenant, self.now)
        return OpResult(op, "failed", requested, "RoleAssignmentExists") if requested else None

    async def _judge(self, state: _Phase, key: str, outcome: object) -> None:
        """Record the outcome of one send, or leave it for the next round."""
        op = state.ops[key]
        if isinstance(outcome, GraphResponse) and outcome.status < 300:
            state.done[key] = OpResult(op, "succeeded", request_id=outcome.request_id)
            return
        if isinstance(outcome, MalformedAnswerError) and self.malformed is None:
            self.malformed = str(outcome).splitlines()[0]  # stop writing after this step
        code = outcome_code(outcome)
        if isinstance(op, ScheduleRequest):
            if replication_pending(op, code):
                state.lagging.add(key)  # re-sent after a wait, from the settle budget
                return
            adopted, next_action = await _settled(self.transport, op, code, outcome)
            if adopted:
                message = "already in place (adopted after a read-back)"
                state.done[key] = OpResult(op, "succeeded", message)
                return
            if code == "RoleAssignmentExists" and (found := await self._exists(op)):
                state.done[key] = found
                return
            if next_action is not None:
                state.action[key] = next_action
            if code in REAIM_CODES:
                return  # re-sent next round with the re-aimed action
        if retryable(outcome):
            return
        request_id = getattr(outcome, "request_id", None)
        state.done[key] = OpResult(op, "failed", outcome_message(outcome), code, request_id)

    async def _wait_for_replication(self, state: _Phase, waits: int) -> bool:
        """After a round with replication 404s: wait, or (budget spent) fail those writes."""
        if await self.wait.wait(waits):
            return True
        for key in sorted(state.lagging):
            state.done[key] = OpResult(
                state.ops[key],
                "failed",
                f"PIM does not know the principal or role yet ({self.wait.describe()}); "
                "a new object can take minutes to replicate: run apply again later",
                "ReplicationPending",
            )
        return False

    async def run_phase(self, ops: Sequence[Operation]) -> list[OpResult]:
        """Send, settle, re-send: every re-send is a retry drawn from the command's one
        retry budget (``graph/retry.py``), so no write is sent more than the budget allows.
        A round in which only replication 404s were left does not count toward
        ``SETTLE_ROUNDS``: those wait on the settle budget (``SettleWait``) instead."""
        state = _Phase(ops)
        budget = self.transport.budget
        reason = f"after {SETTLE_ROUNDS} rounds"
        rounds = waits = 0
        sent = False
        while (todo := state.todo()) and rounds < SETTLE_ROUNDS:
            if sent and not budget.take(len(todo)):
                reason = budget.describe()
                break
            state.lagging = set()
            groups = self.items(state, todo)
            outcomes = await send_batched(self.transport, [item for item, _ in groups])
            sent = True
            for item, keys in groups:
                for key in keys:
                    await self._judge(state, key, outcomes[item.key])
            if state.lagging:
                if not await self._wait_for_replication(state, waits):
                    continue
                waits += 1
            if set(todo) - state.lagging:
                rounds += 1
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


#: Before a step that reduces access: given the operations not yet run (that step's first)
#: and the results so far, a fresh read's state (once those results show, within the settle
#: budget) and ``None`` to go on, or the state and why the step must not run.
Recheck = Callable[
    [Sequence[Operation], Sequence[OpResult]], Awaitable[tuple[TenantState, str | None]]
]


def steps(plan: Plan) -> list[tuple[Phase, list[Operation], bool]]:
    """Each phase's operations in execution order, those that reduce access (removals,
    shortened ends) split into a step of their own after the phase's other writes, so a
    guard can look at what the other writes really did first: ``(phase, ops, reduces)``."""
    out = []
    for phase, ops in phases(plan):
        grow = [op for op in ops if reduction(op) is None]
        shrink = [op for op in ops if reduction(op) is not None]
        out += [(phase, part, reduces) for part, reduces in ((grow, False), (shrink, True)) if part]
    return out


def _skipped(ops: Sequence[Operation], why: str) -> list[OpResult]:
    message = f"not run: the guards refused this step against a fresh read: {why}"
    return [OpResult(op, "skipped", message, "GuardRefused") for op in ops]


def _not_sent(ops: Sequence[Operation], why: str) -> list[OpResult]:
    message = (
        f"not sent: an earlier answer from Graph was malformed ({why}); what was written is "
        "settled by the read-back and the next run converges"
    )
    return [OpResult(op, "skipped", message, "MalformedAnswer") for op in ops]


async def execute(
    transport: GraphTransport,
    plan: Plan,
    tenant: TenantState,
    now: datetime,
    listener: ApplyListener,
    recheck: Recheck | None = None,
    wait: SettleWait | None = None,
) -> ApplyResult:
    """Run every step in order; later steps still run when an earlier one had failures
    (each write is independent of the others' success), and the summary says what failed.
    A step that reduces access runs only when ``recheck`` lets it, against a fresh read of
    what the earlier steps really did; else its operations are skipped, with the reason."""
    executor = Executor(transport, tenant, now, listener, wait)
    result = ApplyResult()
    plan_steps = steps(plan)
    started: set[Phase] = set()
    for index, (phase, ops, reduces) in enumerate(plan_steps):
        if phase not in started:
            started.add(phase)
            listener.phase_started(phase, sum(len(o) for p, o, _ in plan_steps if p == phase))
        if executor.malformed is not None:
            # Something between us and Graph mangles answers: write nothing more this run.
            stopped = _not_sent(ops, executor.malformed)
            for item in stopped:
                listener.operation_done(item)
            result.results += stopped
            continue
        if reduces and recheck is not None:
            rest = [op for _, later, _ in plan_steps[index:] for op in later]
            executor.tenant, why = await recheck(rest, result.results)
            if why is not None:
                skipped = _skipped(ops, why)
                for item in skipped:
                    listener.operation_done(item)
                result.results += skipped
                continue
        result.results += await executor.run_phase(ops)
    return result


def planned_requests(plan: Plan, tenant: TenantState, now: datetime) -> list[BatchItem]:
    """``apply --dry-run``: the exact requests apply would send first, in order."""
    out: list[BatchItem] = []
    for _, ops, _ in steps(plan):
        keyed = {str(len(out) + i): op for i, op in enumerate(ops)}
        groups = request_groups(keyed)
        out += [group_item(keyed, group, tenant, now) for group in groups]
    return [BatchItem(str(i), it.method, it.url, it.body, it.target) for i, it in enumerate(out)]
