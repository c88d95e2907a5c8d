"""Review of issue 20: an export of an odd tenant must plan to no change (or say why not)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT

NOW = "2026-11-24T09:00:00Z"
CLEAN = {"PIM_GITOPS_ALLOW": "", "PIM_GITOPS_MAX_REMOVALS": "", "CI": "true"}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", NOW, *args], env=CLEAN)


def test_export_of_a_notification_level_none_plans_no_change(tmp_path: Path) -> None:
    """Graph's notificationLevel ``None`` (one role's admin alert on active assignments):
    export pops ``level`` (export.py ``_settings_words``) and writes nothing, so the
    exported repository plans ``critical_only: null → false`` (turning the alert on)
    against the very tenant it was exported from, and export says nothing about it."""
    data = json.loads(Path(SAMPLE_TENANT).read_text(encoding="utf-8"))
    rules = data["roleManagementPolicies"][0]["rules"]
    rule = next(r for r in rules if r["id"] == "Notification_Admin_Admin_Assignment")
    rule["notificationLevel"] = "None"
    snapshot = tmp_path / "tenant.json"
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    exported = run("export", "--snapshot", str(snapshot), "--out", str(out))
    assert exported.exit_code == 0, exported.output
    planned = run("plan", str(out), "--snapshot", str(snapshot), "--detailed-exitcode")
    assert planned.exit_code == 0 or "critical_only" in exported.output, planned.output
