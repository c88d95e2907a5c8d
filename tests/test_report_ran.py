"""A control passes only when a rule that judges it ran in the view the table reads: the lint
result says which rules ran, in which views (``LintResult.ran``, ``ran`` in the lint JSON),
and a control whose rule did not run says why and how to run it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from tests.conftest import write
from tests.test_review20_report import report_of

NOW = "2026-11-24T09:00:00Z"
GA = "role: Global Administrator\nassignments_mode: additive\n"


def repo_with(tmp_path: Path, lint: str) -> Path:
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", f"tenant: contoso.onmicrosoft.com\nlint:\n{lint}")
    write(repo / "roles" / "ga.yaml", GA)
    return repo


def ran(repo: Path, *snapshot: str) -> dict[str, Any]:
    args = ["--now", NOW, "lint", str(repo), *snapshot, "--format", "json"]
    data: dict[str, Any] = json.loads(CliRunner().invoke(cli, args).output)
    return data


def test_the_lint_json_says_which_rules_ran_in_which_views(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, "  preset: cisa\n")
    live = ran(repo, "--snapshot", str(SAMPLE_TENANT))["ran"]
    assert "ASG010" not in live  # not in preset cisa
    assert live["ASG004"] == ["policy", "posture"]
    assert live["ASG005"] == ["posture"]  # a posture-only rule
    assert live["GEN005"] == ["policy"]  # the waivers phase
    offline = ran(repo)
    assert "ASG004" not in offline["ran"] and "ASG004" in offline["skipped"]
    assert offline["ran"]["ASG001"] == ["policy"]
    # GEN001 runs offline without the part that reads the tenant: in ran and in skipped.
    assert offline["ran"]["GEN001"] == ["policy"] and "GEN001" in offline["skipped"]


def test_a_rule_outside_the_preset_says_how_to_run_it(tmp_path: Path) -> None:
    table = report_of(repo_with(tmp_path, "  preset: cisa\n"))
    assert table["CIS 1.1.3"][2] == "not checked"
    assert table["CIS 1.1.3"][4] == (
        "ASG010 is not in preset cisa; `lint: {extend_select: [ASG010]}` in pim.yaml "
        "(`lint --extend-select ASG010`) or preset cis"
    )


def test_the_rule_selected_in_pim_yaml_checks_its_control(tmp_path: Path) -> None:
    table = report_of(repo_with(tmp_path, "  preset: cisa\n  extend_select: [ASG010]\n"))
    assert table["CIS 1.1.3"][2] == "pass"
    assert table["CIS 1.1.3"][4].startswith("ASG010 found nothing in the tenant as it is")


def test_a_rule_turned_off_says_where(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, "  preset: cis\n  rules: {ASG010: {enabled: false}}\n")
    table = report_of(repo)
    assert table["CIS 1.1.3"][2] == "not checked"
    assert table["CIS 1.1.3"][4] == (
        "ASG010 was not run (turned off in pim.yaml: lint.select, lint.ignore or "
        "lint.rules.ASG010.enabled: false)"
    )
