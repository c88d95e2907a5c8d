"""End to end over HTTP against the emulator, once it serves PIM for Groups: a tenant whose
role-assignable group holds a role exports to files that plan nothing; changing the group's
member activation maximum PT8H → PT1H plans one change at
``group["<name>"].member.activation.max_duration`` and applies in one PATCH, after which the
plan is empty again. Skipped where the emulator has no group endpoints yet."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.tenantgen import SAMPLE_NOW, synthetic_tenant

pytest.importorskip("pim_gitops.emulator.group_routes", reason="no PIM-for-Groups emulator")

NOW = "2026-11-24T09:00:00Z"
RULES = "PATCH policies/roleManagementPolicies/{id}/rules/{rule}"


def test_the_member_activation_pt8h_to_pt1h_is_one_change_and_one_patch(tmp_path: Path) -> None:
    snapshot = synthetic_tenant(
        roles=4, assignments=6, principals=12, now=SAMPLE_NOW, pim_groups=1, group_members=3
    )
    emulator = Emulator(snapshot, clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:

        def run(*args: str) -> Result:
            return CliRunner().invoke(cli, ["--now", NOW, "--graph-url", url, *args])

        repo = tmp_path / "repo"
        assert run("export", "--out", str(repo)).exit_code == 0
        assert run("plan", str(repo), "--detailed-exitcode").exit_code == 0
        (path,) = (repo / "groups").glob("*.yaml")
        data = yaml.safe_load(path.read_text())
        name = data["group"]
        data["member"].setdefault("activation", {})["max_duration"] = "PT1H"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        planned = run("plan", str(repo))
        assert (
            f'group "{name}" member\n  ~ activation.max_duration: PT8H → PT1H\n' in planned.output
        )
        assert "Plan: 0 to add, 1 to change, 0 to remove." in planned.output
        before = emulator.stats.as_dict()
        applied = run("apply", str(repo), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        after = emulator.stats.as_dict()
        assert after["writes"] - before["writes"] == 1
        assert after["by_route"].get(RULES, 0) - before["by_route"].get(RULES, 0) == 1
        assert "0 changes not in effect" in applied.output
        assert run("plan", str(repo), "--detailed-exitcode").exit_code == 0
