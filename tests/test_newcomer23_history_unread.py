"""A snapshot taken by a read-only app (the snapshot workflow's read app: Graph lists schedule
requests app-only to a write permission only) holds no requests and records the gap; the
report must not tell the auditor that a role had "No request in the window": it is unknown."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.snapshot import read_snapshot
from tests.conftest import POLICIES

NOW = "2026-11-24T09:00:00Z"
GAPS = {
    "roleAssignmentScheduleRequests": "403; needs RoleManagement.ReadWrite.Directory",
    "roleEligibilityScheduleRequests": "403; needs RoleManagement.ReadWrite.Directory",
}


def _report(tmp_path: Path, gaps: dict[str, str]) -> str:
    data = read_snapshot(SAMPLE_TENANT)
    data |= {
        "requestHistoryGaps": gaps,
        "roleAssignmentScheduleRequestHistory": [],
        "roleEligibilityScheduleRequestHistory": [],
    }
    path = tmp_path / "read-only.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "report.md"
    args = ["--now", NOW, "report", str(POLICIES), "--snapshot", str(path), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    return text.split("## Activation and approval history")[1].split("<a id=")[0]


def test_unread_requests_are_unknown_not_none(tmp_path: Path) -> None:
    section = _report(tmp_path, GAPS)
    assert "No request in the window" not in section, section
    assert "Unknown (the requests could not be read) for: " in section, section
    assert "Global Administrator" in section


def test_read_requests_still_say_none(tmp_path: Path) -> None:
    section = _report(tmp_path, {})
    assert "No request in the window for: " in section, section
