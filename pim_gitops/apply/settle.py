"""Settling a schedule write that did not plainly succeed: read the schedule, and adopt what
is already in place or re-aim the request (``RoleAssignmentExists`` after a lost response
means the create happened: update, or adopt when it already matches).

Graph is eventually consistent: a principal or custom role made a moment ago is unknown to
PIM for tens of seconds, up to a minute or two (``SubjectNotFound`` / ``RoleNotFound``,
msgraph-sdk-dotnet#2772, EasyPIM#22, terraform-provider-azuread#1356), and a write is not at
once visible to reads. :class:`SettleWait` is the one bounded budget apply waits from for
both: re-sending a create that met a replication 404, and polling the read-back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pim_gitops.action import Action
from pim_gitops.apply.requests import schedules_path
from pim_gitops.diff import same_instant
from pim_gitops.errors import GraphError, GraphThrottledError
from pim_gitops.graph.retry import RetryBudget, Sleeper
from pim_gitops.graph.transport import GraphResponse, GraphTransport, error_parts
from pim_gitops.graph.words import in_words
from pim_gitops.plan import ScheduleRequest
from pim_gitops.targets import parse_group_target
from pim_gitops.wire import parse_instant

#: Codes after which the write may or may not have happened: read before deciding.
UNCERTAIN_CODES = frozenset(
    {
        None,
        "",
        "TooManyRequests",
        "serviceNotAvailable",
        "GatewayTimeout",
        "RoleAssignmentExists",
        "RoleAssignmentDoesNotExist",
    }
)
#: Codes that re-aim a request (create ↔ update) rather than fail it.
REAIM_CODES = frozenset({"RoleAssignmentExists", "RoleAssignmentDoesNotExist"})
RETRY_STATUSES = frozenset({429, 503, 504})
#: Codes of a principal or role PIM does not know *yet*: re-sent after a wait, within the
#: settle budget (Graph answers them under 404, and under 400 in some reports).
REPLICATION_CODES = frozenset({"SubjectNotFound", "RoleNotFound"})


@dataclass
class SettleWait:
    """How long apply may wait, in all, for Graph's replicas to catch up: waits of
    ``first_s``, doubling, at most ``cap_s`` each, ``max_total_s`` together, none past the
    retry budget's deadline. ``sleep`` is injected (the transport's), so tests do not wait."""

    sleep: Sleeper
    budget: RetryBudget | None = None
    max_total_s: float = 120.0
    first_s: float = 1.0
    cap_s: float = 15.0
    #: Seconds waited so far.
    spent: float = 0.0

    def describe(self) -> str:
        return f"Graph still showed the old state after waiting {self.spent:g} s for replication"

    async def wait(self, attempt: int) -> bool:
        """Wait before try ``attempt + 2`` of one poll or re-send; ``False`` (no wait) once
        the budget is spent."""
        seconds = min(self.cap_s, self.first_s * 2 ** min(attempt, 30))
        if self.spent + seconds > self.max_total_s:
            return False
        if self.budget is not None and seconds > self.budget.remaining_s:
            return False
        self.spent += seconds
        await self.sleep(seconds)
        return True


def replication_pending(op: ScheduleRequest, code: str | None) -> bool:
    """A create or update PIM refused because its principal or role has not replicated to
    it yet: worth re-sending after a wait (a removal of an unknown subject is not)."""
    return code in REPLICATION_CODES and op.action is not Action.DELETE


def outcome_status(outcome: Any) -> int | None:
    if isinstance(outcome, GraphResponse):
        return outcome.status
    return getattr(outcome, "status", None)


def outcome_code(outcome: Any) -> str | None:
    if isinstance(outcome, GraphResponse):
        parts = error_parts(outcome.body)
        return parts[0] if parts else None
    return getattr(outcome, "code", None)


def outcome_message(outcome: Any) -> str:
    if isinstance(outcome, GraphResponse):
        parts = error_parts(outcome.body)
        return (in_words(parts[0], parts[1]) if parts else "") or f"HTTP {outcome.status}"
    return str(outcome).splitlines()[0]


def retryable(outcome: Any) -> bool:
    """Worth another round: not when the retry budget already refused it (the transport
    raised ``GraphThrottledError``), else on no answer or a throttling/unavailable status."""
    if isinstance(outcome, GraphThrottledError):
        return False
    status = outcome_status(outcome)
    return status is None or status in RETRY_STATUSES or outcome_code(outcome) == "retry"


def _schedule_filter(op: ScheduleRequest) -> str:
    """The ``$filter`` of the schedules of the request's principal and target: a group's
    schedules must be filtered on ``groupId`` or ``principalId`` (graph-pim.md §6)."""
    group = parse_group_target(op.role.id)
    if group is not None:
        return f"groupId eq '{group[0]}' and principalId eq '{op.principal.id}'"
    return f"principalId eq '{op.principal.id}' and roleDefinitionId eq '{op.role.id}'"


def _word(row: Mapping[str, Any], key: str, default: str) -> str:
    """A schedule's enum value, lower case: group schedules spell ``direct``/``assigned``
    in camel case where role schedules write ``Direct``/``Assigned``."""
    return str(row.get(key, default)).lower()


def _same_target(op: ScheduleRequest, row: Mapping[str, Any]) -> bool:
    """The row is of the request's scope (a role's) or access (a group's member/owner)."""
    group = parse_group_target(op.role.id)
    if group is not None:
        return _word(row, "accessId", "") == group[1]
    return (row.get("directoryScopeId") or "/") == op.scope


async def _schedule_rows(transport: GraphTransport, op: ScheduleRequest) -> list[Mapping[str, Any]]:
    rows = await transport.get_all(
        f"{schedules_path(op.schedule, op.role.id)}Schedules",
        params={"$filter": _schedule_filter(op)},
        target=op.label,
    )
    return [row for row in rows if _same_target(op, row)]


async def live_schedule_row(
    transport: GraphTransport, op: ScheduleRequest
) -> Mapping[str, Any] | None:
    for row in await _schedule_rows(transport, op):
        if (
            _word(row, "memberType", "direct") == "direct"
            and _word(row, "assignmentType", "assigned") == "assigned"
        ):
            return dict(row)
    return None


async def activation_in_progress(transport: GraphTransport, op: ScheduleRequest) -> bool:
    """Is an activation of the role (or group access) by the principal in progress? Then
    Graph answers the create of a standing active assignment ``RoleAssignmentExists`` with
    no ``Assigned`` schedule to adopt or update, until the activation ends."""
    if op.schedule != "active" or op.action is not Action.CREATE:
        return False
    try:
        rows = await _schedule_rows(transport, op)
    except GraphError:
        return False
    return any(_word(row, "assignmentType", "") == "activated" for row in rows)


def row_matches(op: ScheduleRequest, row: Mapping[str, Any] | None) -> bool:
    """Is the request's intent already in place in this live schedule row?"""
    if op.action is Action.DELETE:
        return row is None
    if row is None:
        return False
    end = ((row.get("scheduleInfo") or {}).get("expiration") or {}).get("endDateTime")
    return same_instant(parse_instant(end) if end else None, op.end)


async def settle(
    transport: GraphTransport, op: ScheduleRequest, code: str | None
) -> tuple[bool, Action | None]:
    """(adopted, the action to send next) for a schedule write with an uncertain outcome.
    A removal that failed with any code is read back too: Graph answers a removal of a
    schedule that is already gone with 404 under several codes; absent means done."""
    if code not in UNCERTAIN_CODES and op.action is not Action.DELETE:
        return False, None
    try:
        row = await live_schedule_row(transport, op)
    except GraphError:
        return False, None
    if row_matches(op, row):
        return True, None
    if op.action is Action.DELETE:
        return False, None
    return False, Action.CREATE if row is None else Action.UPDATE
