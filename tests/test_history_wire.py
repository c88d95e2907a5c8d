"""Request history from the snapshot (issue 23): Graph's documented schedule requests and
approvals → ``RequestHistory``, newest first within the window, with this tool's provenance
parsed from the trace ``plan.build`` writes into a justification."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.errors import SnapshotError
from pim_gitops.gitinfo import git_trace
from pim_gitops.history import APPROVALS, RequestHistory
from pim_gitops.history_wire import normalize_history, provenance_of
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan.build import _justification
from pim_gitops.snapshot import check_snapshot, empty_snapshot
from pim_gitops.wire import parse_instant

DATA = Path(__file__).parent / "data" / "history"
CAPTURED = "2026-11-24T09:00:00Z"
SINCE = "2026-08-26T09:00:00Z"


def documented_request() -> dict[str, Any]:
    """Example 1 of the v1.0 list page (an adminAssign, no approval, no ticket)."""
    page = json.loads((DATA / "request-list-v1-example1.json").read_text(encoding="utf-8"))
    return dict(page["value"][0])


def documented_approval() -> dict[str, Any]:
    return json.loads((DATA / "approval-get-beta-example.json").read_text(encoding="utf-8"))


def activation(
    request_id: str,
    created: str,
    *,
    justification: str = "Patch night",
    ticket: str | None = "CHG1234",
    approval_id: str | None = None,
) -> dict[str, Any]:
    """The documented request shape as a selfActivate for 8 hours (the properties the v1.0
    resource page lists)."""
    raw = copy.deepcopy(documented_request())
    raw |= {
        "id": request_id,
        "action": "selfActivate",
        "createdDateTime": created,
        "justification": justification,
        "approvalId": approval_id,
        "ticketInfo": {"ticketNumber": ticket, "ticketSystem": "ServiceNow" if ticket else None},
    }
    raw["createdBy"]["user"]["id"] = raw["principalId"]
    raw["scheduleInfo"]["expiration"] = {
        "type": "afterDuration",
        "endDateTime": None,
        "duration": "PT8H",
    }
    return raw


def snapshot(
    assignments: list[dict[str, Any]],
    *,
    eligibilities: list[dict[str, Any]] | None = None,
    approvals: list[dict[str, Any]] | None = None,
    gaps: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = empty_snapshot("tenant", CAPTURED)
    data |= {
        "requestHistorySince": SINCE,
        "roleAssignmentScheduleRequestHistory": assignments,
        "roleEligibilityScheduleRequestHistory": eligibilities or [],
    }
    if approvals is not None:
        data["roleAssignmentApprovals"] = approvals
    if gaps:
        data["requestHistoryGaps"] = gaps
    return check_snapshot(data, "test")


def history_of(data: dict[str, Any]) -> RequestHistory:
    history = normalize_tenant(data, parse_instant(CAPTURED)).history
    assert history is not None
    return history


def test_the_documented_request_normalizes() -> None:
    raw = documented_request() | {"createdDateTime": "2026-10-01T11:50:05.95Z"}
    (record,) = history_of(snapshot([raw])).requests
    assert record.id == "95c690fb-3eb3-4942-a03f-4524aed6f31e"
    assert (record.kind, record.action, record.status) == ("active", "adminAssign", "Provisioned")
    assert record.role_id == "fdd7a751-b60b-444a-984c-02652fe8fa1c"
    assert record.principal_id == "071cc716-8147-4397-a5ba-b2105951cc0b"
    assert record.requested_by == "3fbd929d-8c56-4462-851e-0eb9a7b3a2a5"
    assert record.justification == "Assign Groups Admin to IT Helpdesk group"
    assert record.ticket_number is None and record.ticket_system is None
    assert record.start == parse_instant("2022-04-11T11:50:05.9999343Z")
    assert record.end is None and record.duration is None  # noExpiration
    assert record.approval is None  # approvalId null: none needed
    assert record.provenance is None


def test_this_tools_trace_is_its_provenance() -> None:
    """The justification apply writes (plan.build) is read back as its commit and PR."""
    env = {
        "GITHUB_SHA": "0123456789abcdef0123",
        "GITHUB_REPOSITORY": "contoso/pim",
        "GITHUB_REF": "refs/pull/42/merge",
    }
    written = _justification("Declared", git_trace(env))
    raw = activation("r1", "2026-11-01T08:00:00Z", justification=written)
    raw |= {"action": "adminAssign", "createdBy": {"application": {"id": "sp"}, "user": None}}
    (record,) = history_of(snapshot([raw])).requests
    assert record.provenance is not None
    assert record.provenance.commit == "0123456789ab"
    assert record.provenance.url == "https://github.com/contoso/pim/pull/42"
    assert record.provenance.pull_request == "42"
    # A push run's trace names the commit URL, no PR.
    pushed = provenance_of(_justification(None, git_trace({**env, "GITHUB_REF": "refs/heads/x"})))
    assert pushed is not None and pushed.pull_request is None
    assert pushed.url == "https://github.com/contoso/pim/commit/0123456789abcdef0123"
    # Someone writing "pim-gitops" in their own words is not this tool.
    assert provenance_of("asked pim-gitops folks [commit abc]") is None


def test_activation_fields_and_duration() -> None:
    (record,) = history_of(snapshot([activation("r1", "2026-11-01T08:00:00Z")])).requests
    assert record.is_activation and record.duration == 8 * 3600
    assert (record.ticket_system, record.ticket_number) == ("ServiceNow", "CHG1234")


def test_approval_steps_beta_and_v1_words() -> None:
    documented = documented_approval()
    decided = {
        "id": "ap-2",
        "stages": [  # v1.0 approvalStage words
            {
                "reviewResult": "Approved",
                "reviewedBy": {"id": "u-bob", "displayName": "Bob Sec"},
                "reviewedDateTime": "2026-11-02T08:05:00Z",
                "justification": "CHG1234 is open",
            }
        ],
    }
    data = snapshot(
        [
            activation("r1", "2026-11-01T08:00:00Z", approval_id=documented["id"]),
            activation("r2", "2026-11-02T08:00:00Z", approval_id="ap-2"),
            activation("r3", "2026-11-03T08:00:00Z", approval_id="ap-missing"),
        ],
        approvals=[documented, decided],
    )
    history = history_of(data)
    by_id = {r.id: r for r in history.requests}
    (pending,) = by_id["r1"].approval or ()
    assert pending.result == "NotReviewed" and pending.reviewer_id is None
    (approved,) = by_id["r2"].approval or ()
    assert (approved.result, approved.reviewer_id, approved.reviewer_name) == (
        "Approve",
        "u-bob",
        "Bob Sec",
    )
    assert approved.reviewed_at == parse_instant("2026-11-02T08:05:00Z")
    assert by_id["r3"].approval == ()  # names an approval Graph did not return
    assert history.approvals_read


def test_approvals_not_read_is_a_gap_not_none_on_record() -> None:
    data = snapshot(
        [activation("r1", "2026-11-01T08:00:00Z", approval_id="ap-1")],
        gaps={APPROVALS: "not read"},
    )
    history = history_of(data)
    assert not history.approvals_read
    assert history.requests[0].approval == ()
    assert history.gaps == ((APPROVALS, "not read"),)


def test_window_and_order() -> None:
    """Only requests created at or after ``since`` (the boundary included), newest first,
    ties by id; eligibility requests are ``eligible``."""
    eligible = documented_request() | {"id": "e1", "createdDateTime": "2026-09-01T00:00:00Z"}
    data = snapshot(
        [
            activation("old", "2026-08-26T08:59:59Z"),
            activation("edge", SINCE),
            activation("b", "2026-11-01T08:00:00Z"),
            activation("a", "2026-11-01T08:00:00Z"),
        ],
        eligibilities=[eligible],
    )
    history = history_of(data)
    assert [r.id for r in history.requests] == ["a", "b", "e1", "edge"]
    assert history.requests[2].kind == "eligible"
    assert history.since == parse_instant(SINCE)
    assert history.read_at == parse_instant(CAPTURED)


def test_narrowed_keeps_the_boundary_and_never_widens() -> None:
    history = history_of(
        snapshot([activation("a", "2026-11-01T08:00:00Z"), activation("b", "2026-10-01T08:00:00Z")])
    )
    cut = parse_instant("2026-11-01T08:00:00Z")
    assert [r.id for r in history.narrowed(cut).requests] == ["a"]
    assert history.narrowed(cut).since == cut
    assert [r.id for r in history.narrowed(cut + timedelta(seconds=1)).requests] == []
    earlier = history.since - timedelta(days=30)
    assert history.narrowed(earlier) is history
    assert history.narrowed(None) is history


def test_no_window_means_not_read() -> None:
    data = empty_snapshot("tenant", CAPTURED)
    assert normalize_tenant(data, parse_instant(CAPTURED)).history is None
    assert normalize_history(data) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"createdDateTime": None}, "createdDateTime and action are required"),
        ({"createdDateTime": "yesterday"}, "is not a date-time"),
        ({"action": ""}, "createdDateTime and action are required"),
    ],
)
def test_a_malformed_request_is_named(change: dict[str, Any], message: str) -> None:
    raw = activation("bad-1", "2026-11-01T08:00:00Z") | change
    with pytest.raises(SnapshotError, match=f"schedule request bad-1.*{message}"):
        normalize_history(snapshot([raw]))


def test_a_duration_in_weeks_is_kept_without_a_length() -> None:
    raw = activation("r1", "2026-11-01T08:00:00Z")
    raw["scheduleInfo"]["expiration"]["duration"] = "P1W"
    (record,) = history_of(snapshot([raw])).requests
    assert record.duration is None
