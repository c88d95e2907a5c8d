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
    what the error message itself says to write for a grant the tenant already holds.

    Fixed as: `stamp-starts --snapshot FILE` (or `--live`) writes the held schedule's start;
    without a tenant view it can only write now, and warns (the next test)."""
    repo = tmp_path / "policies"
    shutil.copytree(POLICIES, repo)
    ga = repo / "roles" / "global-administrator.yaml"
    text = ga.read_text(encoding="utf-8")
    assert "      start: 2026-11-04T09:00:00Z\n" in text
    ga.write_text(text.replace("      start: 2026-11-04T09:00:00Z\n", ""), encoding="utf-8")
    stamp = ["--now", NOW, "stamp-starts", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    stamped = CliRunner().invoke(cli, stamp, env=CLEAN)
    assert stamped.exit_code == 0, stamped.output
    assert ga.read_text(encoding="utf-8") == text  # the held grant's start, as it was
    assert (
        f"{ga}: eligible user:alice.admin@contoso.com: start: 2026-11-04T09:00:00Z "
        "(the start of the grant the tenant holds)\n"
    ) in stamped.stdout
    args = ["--now", NOW, "plan", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    planned = CliRunner().invoke(cli, args, env=CLEAN)
    assert planned.exit_code == 0, planned.output
    extended = "~ eligible user alice.admin@contoso.com: 2027-02-02T09:00:00Z → 2027-02-22"
    assert extended not in planned.output


def test_stamp_starts_without_a_tenant_view_warns_for_each_start_written_as_now(
    tmp_path: Path,
) -> None:
    """No tenant view: now is all stamp-starts can write; each stamped assignment is named on
    stderr with what it does to a grant the tenant holds, and how to avoid it."""
    repo = tmp_path / "policies"
    shutil.copytree(POLICIES, repo)
    ga = repo / "roles" / "global-administrator.yaml"
    text = ga.read_text(encoding="utf-8")
    ga.write_text(text.replace("      start: 2026-11-04T09:00:00Z\n", ""), encoding="utf-8")
    stamped = CliRunner().invoke(cli, ["--now", NOW, "stamp-starts", str(repo)], env=CLEAN)
    assert stamped.exit_code == 0, stamped.output
    assert stamped.stdout == f"{ga}: 1 start written ({NOW})\n"
    assert stamped.stderr == (
        f"warning: {ga}: eligible user:alice.admin@contoso.com: wrote start: {NOW} (now) "
        "without a tenant view; if the tenant already holds this grant, the next plan "
        "extends it to now + its duration: run `stamp-starts --snapshot FILE` or `--live` "
        "to write the held grant's start\n"
    )
    assert f"      start: {NOW}\n" in ga.read_text(encoding="utf-8")
