"""Review of issue 20: the per-control table must not pass a control whose rule did not run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.lint.registry import catalogue
from tests.conftest import write
from tests.test_report_controls import md_controls

NOW = "2026-11-24T09:00:00Z"


def report_of(repo: Path) -> dict[str, list[str]]:
    args = ["--now", NOW, "report", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return md_controls(result.output)


def test_a_control_whose_rule_is_outside_the_preset_is_not_passed(tmp_path: Path) -> None:
    """ASG010 (CIS 1.1.3) runs only in the presets ``cis`` and ``strict``; with ``cisa`` it
    never runs (``LintResult.not_run`` lists only rules of the chosen preset), yet the
    table says "pass" with "ASG010 found nothing in the tenant as it is"."""
    asg010 = next(r for r in catalogue() if r.code == "ASG010")
    assert "cisa" not in asg010.presets
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\nlint:\n  preset: cisa\n")
    write(repo / "roles" / "ga.yaml", "role: Global Administrator\nassignments_mode: additive\n")
    table = report_of(repo)
    assert table["CIS 1.1.3"][2] == "not checked", table["CIS 1.1.3"]


def test_a_scuba_control_outside_the_cis_preset_is_not_passed(tmp_path: Path) -> None:
    """The same with ``preset: cis``: ASG002 (MS.AAD.7.1v1) and ASG003 (MS.AAD.7.2v1) are
    not in it, so neither control was judged."""
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\nlint:\n  preset: cis\n")
    write(repo / "roles" / "ga.yaml", "role: Global Administrator\nassignments_mode: additive\n")
    table = report_of(repo)
    assert table["MS.AAD.7.1v1"][2] == "not checked", table["MS.AAD.7.1v1"]
    assert table["MS.AAD.7.2v1"][2] == "not checked", table["MS.AAD.7.2v1"]
