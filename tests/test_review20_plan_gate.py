"""Review of issue 20: refusals that apply makes but ``plan`` does not show."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"
CLEAN = {"PIM_GITOPS_ALLOW": "", "PIM_GITOPS_MAX_REMOVALS": "", "CI": "true"}


def other_tenant_policy(tmp_path: Path) -> Path:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    pim = copy / "pim.yaml"
    text = pim.read_text(encoding="utf-8")
    pim.write_text(
        text.replace("tenant: contoso.onmicrosoft.com", "tenant: fabrikam.onmicrosoft.com"),
        encoding="utf-8",
    )
    return copy


def test_plan_shows_the_other_tenant_refusal_that_apply_makes(live: Live, tmp_path: Path) -> None:
    """A policy declaring another tenant: apply refuses (other-tenant), so the PR plan must
    say so and exit 3, not 2 (the read has the organization: plan prints its name)."""
    policy = other_tenant_policy(tmp_path)
    base = ["--now", NOW, "--graph-url", live.url]
    planned = CliRunner().invoke(
        cli, [*base, "plan", str(policy), "--detailed-exitcode"], env=CLEAN
    )
    applied = CliRunner().invoke(cli, [*base, "apply", str(policy), "--auto-approve"], env=CLEAN)
    assert "other-tenant" in applied.output and applied.exit_code != 0, applied.output
    assert "apply will refuse: other-tenant" in planned.output, planned.output
    assert planned.exit_code == 3


def test_a_pull_request_that_undeclares_a_break_glass_account_and_removes_it_is_refused(
    tmp_path: Path,
) -> None:
    """The guard's input is in the pull request: dropping bg2 from `break_glass:` in
    pim.yaml and its permanent GA entry from the role file in the same PR plans with exit 2
    and "No guard refuses this plan." (the break-glass guard protects only what the head
    declares), though `--base` gives the plan the base's declaration. Merged, apply removes
    the emergency account's Global Administrator with no override."""
    from pim_gitops.demo import SAMPLE_TENANT

    head = tmp_path / "policies"
    shutil.copytree(POLICIES, head)
    pim = head / "pim.yaml"
    pim.write_text(
        pim.read_text(encoding="utf-8").replace("  - user:bg2@contoso.onmicrosoft.com\n", ""),
        encoding="utf-8",
    )
    ga = head / "roles" / "global-administrator.yaml"
    lines = ga.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "principal: user:bg2@" in line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    ga.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    args = ["--now", NOW, "plan", str(head), "--snapshot", str(SAMPLE_TENANT)]
    shown = CliRunner().invoke(
        cli,
        [*args, "--base", str(POLICIES), "--detailed-exitcode", "--format", "markdown"],
        env=CLEAN,
    )
    assert "active user bg2@contoso.onmicrosoft.com: (was permanent)" in shown.output
    assert shown.exit_code == 3, shown.output[:800]


def test_plan_shows_the_self_lockout_refusal_of_an_undeclared_apply_identity(
    live: Live, tmp_path: Path
) -> None:
    """Without `apply_identity:` apply protects the identity it is signed in as
    (``run.signed_in_facts``), but plan judges self-lockout with no identity and shows
    nothing: a PR removing the write app's permanent Privileged Role Administrator
    plans with exit 2, and apply refuses it after merge."""
    policy = tmp_path / "policies"
    shutil.copytree(POLICIES, policy)
    pim = policy / "pim.yaml"
    text = pim.read_text(encoding="utf-8")
    assert "\napply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b\n" in text
    pim.write_text(
        text.replace("\napply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b\n", "\n"),
        encoding="utf-8",
    )
    pra = policy / "roles" / "privileged-role-administrator.yaml"
    text = pra.read_text(encoding="utf-8")
    cut = text.index("  active:\n    - principal: sp:5b4b2a3c")
    pra.write_text(text[:cut], encoding="utf-8")
    base = ["--now", NOW, "--graph-url", live.url]
    planned = CliRunner().invoke(
        cli, [*base, "plan", str(policy), "--detailed-exitcode"], env=CLEAN
    )
    applied = CliRunner().invoke(cli, [*base, "apply", str(policy), "--auto-approve"], env=CLEAN)
    assert "self-lockout" in applied.output and applied.exit_code != 0, applied.output[-1500:]
    assert "apply will refuse: self-lockout" in planned.output, planned.output[-1500:]
    assert planned.exit_code == 3
