"""What the monthly backup's log says it stored: ``snapshot --policy DIR --since`` names, beside
roles and assignments, the PIM alerts, the request history's window and count, and what could
not be read (app-only, approvals are a gap), so a run that stored less than it should shows it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"


def _snapshot(live: Live, tmp_path: Path, *extra: str) -> str:
    args = ["--graph-url", live.url, "--now", NOW, "snapshot", "--out", str(tmp_path / "s.json")]
    result = CliRunner().invoke(cli, [*args, *extra])
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_the_summary_names_alerts_history_and_gaps(live: Live, tmp_path: Path) -> None:
    out = _snapshot(live, tmp_path, "--policy", str(POLICIES), "--since", "90d")
    assert "7 PIM alert settings (2 open)" in out, out
    assert "requests since 2026-08-26T09:00:00Z" in out, out
    assert "not read: roleAssignmentApprovals: 403" in out, out


def test_without_policy_or_since_it_says_what_it_did_not_store(live: Live, tmp_path: Path) -> None:
    out = _snapshot(live, tmp_path)
    assert "PIM alerts not read" in out and "request history not read" in out, out
