"""Activation and approval history: who asked PIM for what, when, why, and who approved.

The normalized form of Graph's ``unifiedRoleAssignmentScheduleRequest`` /
``unifiedRoleEligibilityScheduleRequest`` (and the PIM-for-Groups
``privilegedAccessGroupAssignmentScheduleRequest`` / ``...EligibilityScheduleRequest``)
objects of a window (``since`` → the read), with the approval steps of those that needed
one. Graph keeps request objects for a limited time only; docs/auditing.md says how long,
and where the directory audit log must take over.

Requests this tool made carry its trace in their justification (``plan.build._justification``:
``… [pim-gitops commit <sha12> <url>]``); ``provenance`` is parsed from it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from pim_gitops.state import Kind

#: Graph's ``reviewResult`` of an approval step.
ReviewResult = Literal["Approve", "Deny", "NotReviewed"]


@dataclass(frozen=True, slots=True)
class ApprovalStep:
    """One reviewer's decision on a request (``approvalStage`` / ``approvalStep``)."""

    result: str  # Graph's reviewResult: Approve | Deny | NotReviewed (others kept as given)
    reviewer_id: str | None = None
    reviewer_name: str | None = None
    reviewed_at: datetime | None = None
    justification: str | None = None


@dataclass(frozen=True, slots=True)
class Provenance:
    """This tool's trace in a request's justification: the commit and the pull request or
    commit URL of the run that wrote it."""

    commit: str
    url: str | None = None

    @property
    def pull_request(self) -> str | None:
        """The PR number when the URL is a pull request's."""
        if self.url and "/pull/" in self.url:
            return self.url.rsplit("/pull/", 1)[1].split("/", 1)[0]
        return None


@dataclass(frozen=True)
class RequestRecord:
    """One schedule request, as the report and lint see it."""

    id: str
    #: ``eligible`` (an eligibility request) or ``active`` (an assignment/activation request).
    kind: Kind
    #: Graph's action: adminAssign | adminUpdate | adminRemove | adminExtend | adminRenew |
    #: selfActivate | selfDeactivate | selfExtend | selfRenew.
    action: str
    #: Role definition id, or a group target (``targets.group_target``).
    role_id: str
    principal_id: str
    scope: str
    created: datetime
    #: Graph's status: Provisioned, PendingApproval, Denied, Canceled, Failed, Granted, Revoked…
    status: str
    justification: str | None = None
    ticket_number: str | None = None
    ticket_system: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    #: Requested length in seconds (``expiration.duration``), when given as a duration.
    duration: int | None = None
    #: Who created the request (``createdBy``: a user's or an application's object id).
    requested_by: str | None = None
    approval_id: str | None = None
    #: The approval's steps; ``()`` when the request has an ``approvalId`` but its approval
    #: was not found; ``None`` when the request needed none (no ``approvalId``).
    approval: tuple[ApprovalStep, ...] | None = None
    #: Set when this tool made the request (its trace in ``justification``).
    provenance: Provenance | None = None

    @property
    def is_activation(self) -> bool:
        return self.action in {"selfActivate", "selfExtend", "selfRenew"}


@dataclass(frozen=True)
class RequestHistory:
    """The requests created in ``[since, read_at]``, newest first (ties by id)."""

    since: datetime
    read_at: datetime
    requests: tuple[RequestRecord, ...] = ()
    #: Why part of the history is missing (collection → reason), e.g. approvals refused (403).
    gaps: tuple[tuple[str, str], ...] = ()

    @property
    def approvals_read(self) -> bool:
        """Whether the approvals of the requests were read: if not (``APPROVALS`` is a gap),
        a request's ``approval`` of ``()`` means "unknown", not "none on record"."""
        return all(name != APPROVALS for name, _ in self.gaps)

    def narrowed(self, since: datetime | None) -> RequestHistory:
        """The requests created at or after ``since`` (a window cannot widen past what was
        read: an earlier ``since`` keeps the history as it is)."""
        if since is None or since <= self.since:
            return self
        kept = tuple(r for r in self.requests if r.created >= since)
        return replace(self, since=since, requests=kept)


#: The gap name of the approvals (``requestHistoryGaps``), as Graph names the collection.
APPROVALS = "roleAssignmentApprovals"
