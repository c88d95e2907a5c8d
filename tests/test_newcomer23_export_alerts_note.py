"""`export` from a tenant whose PIM alerts were not read (live: no policy allows Graph beta)
says that the alerts are not in the repository it wrote, and how to include them; from a
snapshot that holds them it says nothing of the kind."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.snapshot import read_snapshot

NOW = "2026-11-24T09:00:00Z"


def _export(tmp_path: Path, snapshot: Path) -> str:
    args = ["--now", NOW, "export", "--snapshot", str(snapshot), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_export_without_alerts_says_how_to_include_them(tmp_path: Path) -> None:
    data = read_snapshot(SAMPLE_TENANT)
    del data["roleManagementAlertConfigurations"], data["roleManagementAlerts"]
    path = tmp_path / "no-alerts.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = _export(tmp_path, path)
    assert "PIM alerts not exported" in out and "snapshot --policy" in out, out
    assert "alerts:" not in (tmp_path / "out" / "pim.yaml").read_text(encoding="utf-8")


def test_export_with_alerts_has_no_note(tmp_path: Path) -> None:
    out = _export(tmp_path, SAMPLE_TENANT)
    assert "PIM alerts not exported" not in out, out
    assert "alerts:" in (tmp_path / "out" / "pim.yaml").read_text(encoding="utf-8")
