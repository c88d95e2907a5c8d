"""The report's "Activation and approval history" (issue 23): for the sample tenant's Global
Administrator, the last activations with justification, ticket and approver, those made by
this tool marked with their commit (and PR); ``--since`` narrows what a snapshot holds."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.commands.history_options import (
    narrowed,
    parse_window,
    report_since,
    since_instant,
)
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.gitinfo import git_trace
from pim_gitops.history import APPROVALS
from pim_gitops.plan.build import _justification
from pim_gitops.render.report_history import PER_ROLE
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot, snapshot_tenant
from pim_gitops.wire import format_instant, parse_instant
from tests.conftest import POLICIES
from tests.test_history_wire import activation

NOW = "2026-11-24T09:00:00Z"
ALICE = "1dc0e604-e5c6-5d51-bd8f-c2c5bf879816"  # alice.admin@contoso.com, eligible GA
BOB = "0c3f0162-2220-5306-8f04-0064edc2778b"  # bob.sec@contoso.com, a Tier0 approver
APPLY = "5b1e9c2a-7f3d-4e8b-9a61-2c4d8e0f1a37"  # the apply identity (an application)
TRACE_ENV = {
    "GITHUB_SHA": "a1b2c3d4e5f6a7b8c9d0",
    "GITHUB_REPOSITORY": "contoso/pim-policies",
    "GITHUB_REF": "refs/pull/17/merge",
}


def _ga(request_id: str, days_ago: int, **kw: Any) -> dict[str, Any]:
    created = format_instant(parse_instant(NOW) - timedelta(days=days_ago))
    raw = activation(request_id, created, **kw)
    raw |= {"principalId": ALICE, "roleDefinitionId": GLOBAL_ADMINISTRATOR}
    raw["createdBy"]["user"]["id"] = ALICE
    return raw


def _approval(approval_id: str, result: str) -> dict[str, Any]:
    return {
        "id": approval_id,
        "steps": [
            {
                "id": f"{approval_id}-s1",
                "reviewResult": result,
                "status": "Completed",
                "reviewedBy": {"id": BOB, "displayName": "Bob Sec"},
                "reviewedDateTime": "2026-11-20T08:10:00Z",
                "justification": "",
            }
        ],
    }


def sample_with_history(tmp_path: Path, extra: list[dict[str, Any]] | None = None) -> Path:
    """The sample tenant with 90 days of Global Administrator requests."""
    data = read_snapshot(SAMPLE_TENANT)
    tool_made = _ga(
        "r-tool",
        40,
        justification=_justification(
            "Declared in the pim-gitops policy repository", git_trace(TRACE_ENV)
        ),
        ticket=None,
    ) | {"action": "adminAssign", "createdBy": {"application": {"id": APPLY}, "user": None}}
    data |= {
        "requestHistorySince": "2026-08-26T09:00:00Z",
        "roleAssignmentScheduleRequestHistory": [
            _ga("r-approved", 4, justification="Rotate the SSO certificate", approval_id="ap-1"),
            _ga("r-denied", 6, justification="Look around", ticket="see slack", approval_id="ap-2")
            | {"status": "Denied"},
            _ga("r-old", 60, justification="Quarterly check"),
            tool_made,
            *(extra or []),
        ],
        "roleEligibilityScheduleRequestHistory": [],
        # Global Administrator's history only (the group's: tests/test_group_history.py).
        "privilegedAccessGroupAssignmentScheduleRequestHistory": [],
        "privilegedAccessGroupEligibilityScheduleRequestHistory": [],
        "roleAssignmentApprovals": [_approval("ap-1", "Approve"), _approval("ap-2", "Deny")],
    }
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def report(path: Path, *more: str) -> str:
    args = ["--now", NOW, "report", str(POLICIES), "--snapshot", str(path), *more]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def _ga_part(text: str) -> str:
    start = text.index("## Activation and approval history: Global Administrator")
    return text[start : text.index("\n#", start + 5)]


def test_global_administrator_activations_with_justification_ticket_approver_and_mark(
    tmp_path: Path,
) -> None:
    text = report(sample_with_history(tmp_path))
    assert "- [Activation and approval history](#history)" in text
    part = _ga_part(text)
    rows = [line for line in part.splitlines() if line.startswith("| 2026")]
    assert [r.split(" | ")[0] for r in rows] == [
        "| 2026-11-20T09:00:00Z",
        "| 2026-11-18T09:00:00Z",
        "| 2026-10-15T09:00:00Z",
        "| 2026-09-25T09:00:00Z",
    ]  # newest first
    approved, denied, tool, old = rows
    assert (
        "| user:alice.admin@contoso.com | activation | 8 hours | Rotate the SSO certificate |"
        in (approved)
    )
    assert "| CHG1234 (ServiceNow) | approved by Bob Sec at 2026-11-20T08:10:00Z |" in approved
    assert "| see slack (ServiceNow) | **denied by Bob Sec at 2026-11-20T08:10:00Z** |" in denied
    assert "| **Denied** |" in denied
    # This tool's request: its trace is moved from the justification to "Made by".
    assert "| Declared in the pim-gitops policy repository | none |" in tool
    assert (
        "[pim-gitops a1b2c3d4e5f6, PR #17](https://github.com/contoso/pim-policies/pull/17) |"
        in tool
    )
    assert "| not required |" in old and old.rstrip().endswith("|  |")  # made in the portal
    assert "4 requests, 1 of them made by pim-gitops" in text
    # Roles nobody asked for are named once, without a section each.
    assert "No request in the window for: Application Administrator, " in text
    assert 'id="history-global-reader"' not in text


def test_html_shows_the_same_history(tmp_path: Path) -> None:
    html = report(sample_with_history(tmp_path), "--format", "html")
    assert 'id="history-global-administrator"' in html
    assert (
        '<a href="https://github.com/contoso/pim-policies/pull/17">pim-gitops a1b2c3d4e5f6' in html
    )
    assert "approved by Bob Sec" in html


def test_since_narrows_the_snapshot_history(tmp_path: Path) -> None:
    part = _ga_part(report(sample_with_history(tmp_path), "--since", "5d"))
    assert "Rotate the SSO certificate" in part and "Look around" not in part


def test_approvals_not_read_say_unknown(tmp_path: Path) -> None:
    path = sample_with_history(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["roleAssignmentApprovals"]
    data["requestHistoryGaps"] = {APPROVALS: "not read: list approvals in graph_beta"}
    path.write_text(json.dumps(data), encoding="utf-8")
    text = report(path)
    assert "| unknown (approvals not read) |" in _ga_part(text)
    assert "Not read: roleAssignmentApprovals: not read: list approvals in graph_beta." in text


def without_history(tmp_path: Path) -> Path:
    """The sample tenant as a snapshot taken without ``--since`` holds it."""
    data = read_snapshot(SAMPLE_TENANT)
    for key in list(data):
        if key.startswith("requestHistory") or key.endswith("RequestHistory"):
            del data[key]
    del data["roleAssignmentApprovals"]
    path = tmp_path / "no-history.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_snapshot_without_history_says_so(tmp_path: Path) -> None:
    text = report(without_history(tmp_path))
    start = text.index("## Activation and approval history")
    assert "The request history was not read" in text[start : start + 400]


@pytest.mark.parametrize(("older", "note"), [(0, False), (1, True)])
def test_the_newest_requests_per_role_are_shown_the_rest_counted(
    tmp_path: Path, older: int, note: bool
) -> None:
    """``PER_ROLE`` rows at most: the boundary shows all, one more is counted."""
    many = [_ga(f"m-{i:02}", 1, justification=f"batch {i}") for i in range(PER_ROLE - 4 + older)]
    part = _ga_part(report(sample_with_history(tmp_path, many)))
    assert sum(1 for line in part.splitlines() if line.startswith("| 2026")) == PER_ROLE
    assert ("And 1 older request in the window." in part) is note


@pytest.mark.parametrize(
    ("text", "days"),
    [("90d", 90), ("12w", 84), ("36h", 1.5), ("P90D", 90), ("P2W", 14), ("PT12H", 0.5)],
)
def test_since_lengths(text: str, days: float) -> None:
    assert parse_window(text) == timedelta(days=days)


def test_since_dates_and_refusals() -> None:
    now = parse_instant(NOW)
    assert since_instant(parse_window("2026-09-01"), now) == parse_instant("2026-09-01T00:00:00Z")
    assert since_instant(parse_window("2026-09-01T08:00:00Z"), now) == parse_instant(
        "2026-09-01T08:00:00Z"
    )
    with pytest.raises(ValueError, match="neither a length"):
        parse_window("last quarter")
    assert report_since(None, now, live=True) == now - timedelta(days=90)
    assert report_since(None, now, live=False) is None


def test_bad_or_future_since_is_a_usage_error(tmp_path: Path) -> None:
    path = sample_with_history(tmp_path)
    for value, words in (("soon", "neither a length"), ("2027-01-01", "in the future")):
        args = ["--now", NOW, "report", str(POLICIES), "--snapshot", str(path), "--since", value]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and words in result.output, result.output


def test_narrowed_leaves_a_tenant_without_history_as_it_is(tmp_path: Path) -> None:
    tenant = snapshot_tenant(read_snapshot(without_history(tmp_path)), parse_instant(NOW))
    assert tenant.history is None
    assert narrowed(tenant, parse_instant(NOW)) is tenant
