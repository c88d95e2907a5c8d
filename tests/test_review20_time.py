"""Review of issue 20: one-off grants must end where the tenant's grant ends."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from tests.conftest import POLICIES

NOW = "2026-11-24T09:00:00Z"
CLEAN = {"PIM_GITOPS_ALLOW": "", "PIM_GITOPS_MAX_REMOVALS": "", "CI": "true"}


def test_stamp_starts_does_not_extend_a_grant_the_tenant_holds(tmp_path: Path) -> None:
    """A repository from before `start:` was required: alice's Global Administrator
    eligibility `duration: P90D`, granted 2026-11-04 and held until 2027-02-02. validate
    points at `stamp-starts`, which writes `start: <now>`, and the next plan extends the
    held Tier-0 grant by 20 days (2027-02-02 → 2027-02-22): the one-off grant is renewed
    once more by the migration helper. The held grant's start (or end, as `expires`) is
    what the error message itself says to write for a grant the tenant already holds."""
    repo = tmp_path / "policies"
    shutil.copytree(POLICIES, repo)
    ga = repo / "roles" / "global-administrator.yaml"
    text = ga.read_text(encoding="utf-8")
    assert "      start: 2026-11-04T09:00:00Z\n" in text
    ga.write_text(text.replace("      start: 2026-11-04T09:00:00Z\n", ""), encoding="utf-8")
    stamped = CliRunner().invoke(cli, ["--now", NOW, "stamp-starts", str(repo)], env=CLEAN)
    assert stamped.exit_code == 0, stamped.output
    args = ["--now", NOW, "plan", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    planned = CliRunner().invoke(cli, args, env=CLEAN)
    assert planned.exit_code == 0, planned.output
    extended = "~ eligible user alice.admin@contoso.com: 2027-02-02T09:00:00Z → 2027-02-22"
    assert extended not in planned.output
