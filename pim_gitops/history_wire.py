"""Graph's schedule requests and approvals (the snapshot's request-history keys) →
``history.RequestHistory``.

A request is Graph's ``unifiedRoleAssignmentScheduleRequest`` /
``unifiedRoleEligibilityScheduleRequest`` (v1.0 resource pages: ``action``, ``status``,
``createdDateTime``, ``createdBy`` (identitySet), ``justification``, ``ticketInfo``,
``scheduleInfo.expiration``, ``approvalId``); an approval is the beta ``approval`` with its
``steps`` (approvalStep: ``reviewResult`` Approve/Deny/NotReviewed, ``reviewedBy``,
``reviewedDateTime``, ``justification``; v1.0's approvalStage says Approved/Denied and
``stages``: both are read). This tool's trace in a justification (``plan.build._justification``:
``… [pim-gitops commit <sha12> <url>]``) becomes the request's ``provenance``.

A PIM-for-Groups request (``privilegedAccessGroupAssignmentScheduleRequest`` /
``…EligibilityScheduleRequest``, v1.0: the same properties with ``groupId`` and ``accessId``
member|owner instead of ``roleDefinitionId``) is a request of the group target
(``targets.group_target``); its approval is not read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.errors import SnapshotError
from pim_gitops.history import ApprovalStep, Provenance, RequestHistory, RequestRecord
from pim_gitops.snapshot_extras import (
    GROUP_HISTORY_ASSIGNMENTS,
    GROUP_HISTORY_ELIGIBILITIES,
    HISTORY_APPROVALS,
    HISTORY_ASSIGNMENTS,
    HISTORY_ELIGIBILITIES,
    HISTORY_GAPS,
    HISTORY_SINCE,
)
from pim_gitops.state import Kind
from pim_gitops.targets import group_target
from pim_gitops.wire import DurationError, parse_duration, parse_instant

#: ``gitinfo.git_trace`` in brackets: the 12-hex commit, then the PR or commit URL if any.
TRACE = re.compile(r"\[pim-gitops commit ([0-9a-f]{7,40})(?: (https?://[^\s\]]+))?\]")
#: Graph's "nobody reviewed yet" reviewer (approvalStep.reviewedBy).
NOBODY = "00000000-0000-0000-0000-000000000000"
#: v1.0's approvalStage words → the beta approvalStep words ``ApprovalStep.result`` uses.
RESULT_WORDS = {"Approved": "Approve", "Denied": "Deny"}


def provenance_of(justification: str | None) -> Provenance | None:
    """This tool's trace in a justification (the last one, if several), else ``None``."""
    found = TRACE.findall(justification or "")
    if not found:
        return None
    commit, url = found[-1]
    return Provenance(commit=commit, url=url or None)


def tool_made(raw: Mapping[str, Any], requested_by: str | None) -> bool:
    """Whether this tool can have made the request: apply writes admin requests only, for
    other principals; a holder's own request (selfActivate, or an admin request a user made
    for themselves) with the trace in its justification is a user's text, not this tool."""
    action = str(raw.get("action") or "")
    return action.startswith("admin") and requested_by != str(raw.get("principalId") or "")


def _instant(value: Any, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        return parse_instant(str(value))
    except ValueError as exc:
        raise SnapshotError(f"{what}: {value!r} is not a date-time") from exc


def _creator(raw: Mapping[str, Any]) -> str | None:
    """``createdBy``'s user, else its application (an identitySet)."""
    made = raw.get("createdBy")
    if not isinstance(made, Mapping):
        return None
    for who in ("user", "application"):
        found = made.get(who)
        if isinstance(found, Mapping) and found.get("id"):
            return str(found["id"])
    return None


def _seconds(text: Any) -> int | None:
    try:
        return parse_duration(text) if isinstance(text, str) and text else None
    except DurationError:
        return None  # a form Graph may write but we do not count (P1W…): shown without length


def member(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``raw[key]`` when it is an object, else ``{}`` (Graph writes ``null`` for none)."""
    found = raw.get(key)
    return found if isinstance(found, Mapping) else {}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def normalize_step(raw: Any) -> ApprovalStep:
    """One approval step (or v1.0 stage)."""
    if not isinstance(raw, Mapping):
        raise SnapshotError(f"an approval step must be an object, got {raw!r}")
    result = str(raw.get("reviewResult") or "NotReviewed")
    by = member(raw, "reviewedBy")
    reviewer = _text(by.get("id"))
    return ApprovalStep(
        result=RESULT_WORDS.get(result, result),
        reviewer_id=None if reviewer == NOBODY else reviewer,
        reviewer_name=_text(by.get("displayName")) or _text(by.get("userPrincipalName")),
        reviewed_at=_instant(raw.get("reviewedDateTime"), "approval step reviewedDateTime"),
        justification=_text(raw.get("justification")),
    )


def _steps(approval: Mapping[str, Any]) -> tuple[ApprovalStep, ...]:
    rows = approval.get("steps", approval.get("stages")) or []
    if not isinstance(rows, list):
        raise SnapshotError(f"approval {approval.get('id')}: steps must be a list")
    return tuple(normalize_step(r) for r in rows)


def request_target(raw: Mapping[str, Any]) -> str:
    """The role id of a directory-role request; a PIM-for-Groups request's group target
    (``groupId`` and ``accessId`` member|owner: ``targets.group_target``)."""
    group = raw.get("groupId")
    if group:
        return group_target(str(group), "owner" if raw.get("accessId") == "owner" else "member")
    return str(raw.get("roleDefinitionId") or "")


def normalize_request(
    raw: Any, kind: Kind, approvals: Mapping[str, Mapping[str, Any]]
) -> RequestRecord:
    """One schedule request with its approval's steps (``()`` when it names an approval
    that is not among ``approvals``)."""
    if not isinstance(raw, Mapping) or not raw.get("id"):
        raise SnapshotError(f"a schedule request must be an object with an id, got {raw!r}")
    what = f"schedule request {raw['id']}"
    created = _instant(raw.get("createdDateTime"), f"{what} createdDateTime")
    if created is None or not raw.get("action"):
        raise SnapshotError(f"{what}: createdDateTime and action are required")
    schedule = member(raw, "scheduleInfo")
    expiration = member(schedule, "expiration")
    ticket = member(raw, "ticketInfo")
    approval_id = _text(raw.get("approvalId"))
    found = approvals.get(approval_id) if approval_id else None
    justification = _text(raw.get("justification"))
    requested_by = _creator(raw)
    return RequestRecord(
        id=str(raw["id"]),
        kind=kind,
        action=str(raw["action"]),
        role_id=request_target(raw),
        principal_id=str(raw.get("principalId") or ""),
        scope=str(raw.get("directoryScopeId") or "/"),
        created=created,
        status=str(raw.get("status") or ""),
        justification=justification,
        ticket_number=_text(ticket.get("ticketNumber")),
        ticket_system=_text(ticket.get("ticketSystem")),
        start=_instant(schedule.get("startDateTime"), f"{what} startDateTime"),
        end=_instant(expiration.get("endDateTime"), f"{what} endDateTime"),
        duration=_seconds(expiration.get("duration")),
        requested_by=requested_by,
        approval_id=approval_id,
        approval=None if approval_id is None else (_steps(found) if found else ()),
        provenance=provenance_of(justification) if tool_made(raw, requested_by) else None,
    )


def _approvals(snapshot: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        str(a["id"]): a
        for a in snapshot.get(HISTORY_APPROVALS) or []
        if isinstance(a, Mapping) and a.get("id")
    }


def normalize_history(snapshot: Mapping[str, Any]) -> RequestHistory | None:
    """The snapshot's request history (``None`` when it was not read), newest first, only
    the requests created in the window."""
    since = _instant(snapshot.get(HISTORY_SINCE), HISTORY_SINCE)
    if since is None:
        return None
    read_at = _instant(snapshot.get("capturedAt"), "capturedAt") or since
    approvals = _approvals(snapshot)
    kinds: tuple[tuple[Kind, str], ...] = (
        ("active", HISTORY_ASSIGNMENTS),
        ("eligible", HISTORY_ELIGIBILITIES),
        ("active", GROUP_HISTORY_ASSIGNMENTS),
        ("eligible", GROUP_HISTORY_ELIGIBILITIES),
    )
    records = [
        normalize_request(raw, kind, approvals)
        for kind, key in kinds
        for raw in snapshot.get(key) or []
    ]
    kept = sorted((r for r in records if r.created >= since), key=lambda r: r.id)
    kept.sort(key=lambda r: r.created, reverse=True)
    gaps = snapshot.get(HISTORY_GAPS) or {}
    return RequestHistory(
        since=since,
        read_at=read_at,
        requests=tuple(kept),
        gaps=tuple(sorted((str(k), str(v)) for k, v in gaps.items())),
    )
