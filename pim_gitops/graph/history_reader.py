"""Read the request history of a window (``ExtraReads.history_since`` → now): every
directory-role schedule request created in it, and the approvals of those that have one.

Requests: ``GET /roleManagement/directory/roleAssignmentScheduleRequests`` and
``…/roleEligibilityScheduleRequests``, every page. The v1.0 resource pages document
``$filter`` on ``status``, ``principalId``, ``roleDefinitionId``… but not on
``createdDateTime`` (unifiedroleassignmentschedulerequest.md: no "Supports $filter" on it), so
the window is applied here, client-side: each collection is read whole (pages of 999), and
only the requests created at or after ``since`` are kept. App-only, listing requests needs a
write permission (``outside.LIST_NEEDS``): a 403 is a gap, never a failed read.

Approvals: ``GET /beta/roleManagement/directory/roleAssignmentApprovals/{approvalId}`` (Graph
beta, with its ``steps``) for each assignment request with an ``approvalId``, only when the
tenant file lists ``approvals`` in ``graph_beta``; otherwise the gap says so. Graph documents
this read for delegated callers only (approval-get, beta: "Application: Not supported"), so an
app-only 403 is a gap too; a 404 leaves that request's approval "not found"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BatchItem, Outcome, send_batched
from pim_gitops.graph.beta import beta_url
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.transport import GraphTransport, gather_or_cancel
from pim_gitops.history import APPROVALS
from pim_gitops.history_wire import member
from pim_gitops.outside import LIST_NEEDS
from pim_gitops.snapshot_extras import (
    GROUP_HISTORY_ASSIGNMENTS,
    GROUP_HISTORY_ELIGIBILITIES,
    HISTORY_APPROVALS,
    HISTORY_ASSIGNMENTS,
    HISTORY_ELIGIBILITIES,
    HISTORY_GAPS,
    HISTORY_SINCE,
)
from pim_gitops.wire import format_instant, parse_instant

DIR = "roleManagement/directory"
#: The snapshot keys of requests: directory roles' and PIM for Groups' (``group_history_reader``).
HISTORY_REQUESTS = (
    HISTORY_ASSIGNMENTS,
    HISTORY_ELIGIBILITIES,
    GROUP_HISTORY_ASSIGNMENTS,
    GROUP_HISTORY_ELIGIBILITIES,
)
ASSIGNMENT_REQUESTS = "roleAssignmentScheduleRequests"
ELIGIBILITY_REQUESTS = "roleEligibilityScheduleRequests"
APPROVAL_PATH = f"{DIR}/roleAssignmentApprovals"
NOT_BETA = "not read: list approvals in the tenant file's graph_beta to read them (Graph beta)"
DELEGATED_ONLY = (
    "; Graph serves approvals to delegated callers only "
    "(RoleAssignmentSchedule.Read.Directory; approval-get, beta)"
)


def created_since(rows: Sequence[Any], since: datetime) -> list[dict[str, Any]]:
    """The requests created at or after ``since``; one whose ``createdDateTime`` does not
    parse is kept, so normalizing names it instead of it vanishing."""
    kept = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        try:
            if parse_instant(str(row.get("createdDateTime"))) < since:
                continue
        except ValueError:
            pass
        kept.append(row)
    return kept


async def _requests(
    transport: GraphTransport, name: str, since: datetime
) -> tuple[list[dict[str, Any]], str | None]:
    """The requests of one collection created since ``since``, or why it was not listed."""
    from pim_gitops.graph.reader import _collection  # the reader's $top handling

    try:
        rows = await _collection(transport, f"{DIR}/{name}", target=f"{name} (history)")
    except GraphError as exc:
        if exc.status != 403:
            raise
        return [], f"403; needs {LIST_NEEDS[name]}"
    return created_since(rows, since), None


async def _approval(transport: GraphTransport, approval_id: str) -> dict[str, Any] | GraphError:
    try:
        found = await transport.get_json(
            beta_url(transport, f"{APPROVAL_PATH}/{approval_id}"),
            target=f"approval {approval_id}",
        )
        return dict(found)
    except GraphError as exc:
        if exc.status not in (400, 403, 404):
            raise
        return exc


def _batched(outcome: Outcome, approval_id: str) -> dict[str, Any] | GraphError | None:
    """One approval's answer in a beta ``$batch``: the approval, a refusal, or ``None``
    (404: not found)."""
    if isinstance(outcome, GraphError):
        if outcome.status in (400, 403, 404):
            return None if outcome.status == 404 else outcome
        raise outcome
    if outcome.status == 404:
        return None
    if outcome.status == 200 and isinstance(outcome.body, dict):
        return dict(outcome.body)
    return GraphError(
        f"approval {approval_id}: HTTP {outcome.status}",
        status=outcome.status,
        request_id=outcome.request_id,
    )


async def read_approvals(
    transport: GraphTransport, approval_ids: Sequence[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """The approvals found (a 404 is skipped: "not found"), or none and why when Graph
    refuses them (403, or 400: beta not served). The first is read alone: a refusal
    (app-only callers always get one) then costs one request, not one per approval; the
    rest go in beta ``$batch``es of 20."""
    if not approval_ids:
        return [], None
    first = await _approval(transport, approval_ids[0])
    outcomes: list[dict[str, Any] | GraphError | None] = [first]
    if isinstance(first, GraphError) and first.status == 404:
        outcomes = [None]
    if not isinstance(first, GraphError) or first.status == 404:
        items = [
            BatchItem(a, "GET", f"/{APPROVAL_PATH}/{a}", target=f"approval {a}")
            for a in approval_ids[1:]
        ]
        answers = await send_batched(transport, items, endpoint=beta_url(transport, "$batch"))
        outcomes += [_batched(answers[i.key], i.key) for i in items]
    refused = [o for o in outcomes if isinstance(o, GraphError)]
    if refused:
        error = refused[0]
        why = f"{error.status} {error.code or ''}".strip()
        return [], why + (DELEGATED_ONLY if error.status == 403 else "; beta not served")
    return [o for o in outcomes if isinstance(o, dict)], None


def _approval_ids(requests: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted({str(r["approvalId"]) for r in requests if r.get("approvalId")})


async def read_history(transport: GraphTransport, extras: ExtraReads) -> dict[str, Any]:
    """The snapshot keys of the request history (``{}`` when no window is asked for)."""
    since = extras.history_since
    if since is None:
        return {}
    (assigned, assigned_gap), (eligible, eligible_gap) = await gather_or_cancel(
        _requests(transport, ASSIGNMENT_REQUESTS, since),
        _requests(transport, ELIGIBILITY_REQUESTS, since),
    )
    gaps = {
        name: why
        for name, why in ((ASSIGNMENT_REQUESTS, assigned_gap), (ELIGIBILITY_REQUESTS, eligible_gap))
        if why
    }
    approvals: list[dict[str, Any]] = []
    if not extras.approvals:
        gaps[APPROVALS] = NOT_BETA
    else:
        approvals, why = await read_approvals(transport, _approval_ids(assigned))
        if why:
            gaps[APPROVALS] = why
    return {
        HISTORY_SINCE: format_instant(since),
        HISTORY_ASSIGNMENTS: assigned,
        HISTORY_ELIGIBILITIES: eligible,
        **({HISTORY_APPROVALS: approvals} if extras.approvals else {}),
        **({HISTORY_GAPS: dict(sorted(gaps.items()))} if gaps else {}),
    }


def history_principal_ids(data: Mapping[str, Any]) -> set[str]:
    """Who the history names: each request's principal and creator, each approval's
    reviewers, so the principal read names them in the report."""
    ids: set[str] = set()
    for key in HISTORY_REQUESTS:
        for raw in data.get(key) or []:
            user = member(member(raw, "createdBy"), "user")
            ids |= {str(v) for v in (raw.get("principalId"), user.get("id")) if v}
    for approval in data.get(HISTORY_APPROVALS) or []:
        for step in approval.get("steps", approval.get("stages")) or []:
            by = step.get("reviewedBy") if isinstance(step, Mapping) else None
            if isinstance(by, Mapping) and by.get("id"):
                ids.add(str(by["id"]))
    return ids - {"00000000-0000-0000-0000-000000000000"}
