"""The report's role details name a custom extension by its display name in every column: the
state of a drifted `activation.custom_extension` read "cleared in the tenant (was
e98bc31b-…)" beside "ServiceNow change check" in the repository column."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from tests.conftest import POLICIES

EXTENSION_ID = "e98bc31b-86f3-51b9-b856-08f4b8f667ac"


def test_a_drifted_extension_is_named_in_the_state_column(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    ga = policies / "roles" / "global-administrator.yaml"
    text = ga.read_text(encoding="utf-8")
    ga.write_text(
        text.replace(
            "template: critical\n",
            "template: critical\nactivation:\n  custom_extension: ServiceNow change check\n",
            1,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "report.md"
    args = ["--now", "2026-11-24T09:00:00Z", "report", str(policies)]
    result = CliRunner().invoke(cli, [*args, "--snapshot", str(SAMPLE_TENANT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [
        line
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.startswith("| activation.custom_extension |") and "in the tenant" in line
    ]
    assert rows == [
        "| activation.custom_extension | not set | ServiceNow change check "
        "| cleared in the tenant (was ServiceNow change check) |"
    ]
