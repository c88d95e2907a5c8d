"""A snapshot taken without ``--policy`` holds no PIM alerts (nothing allowed Graph beta);
planning or reporting against it with ``alerts:`` declared names the way out
(``snapshot --policy DIR``) rather than only "not read"."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.snapshot import read_snapshot
from tests.conftest import POLICIES

NOW = "2026-11-24T09:00:00Z"


def _without_alerts(tmp_path: Path) -> Path:
    data = read_snapshot(SAMPLE_TENANT)
    del data["roleManagementAlertConfigurations"], data["roleManagementAlerts"]
    path = tmp_path / "no-alerts.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_snapshot_without_alerts_says_how_to_take_one_with_them(tmp_path: Path) -> None:
    path = str(_without_alerts(tmp_path))
    for command in ("plan", "report"):
        args = ["--now", NOW, command, str(POLICIES), "--snapshot", path]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, result.output
        assert "the tenant's were not read" in result.output
        assert "snapshot --policy" in result.output, result.output
