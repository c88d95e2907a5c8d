"""What a newcomer managing PIM for Groups and administrative-unit scopes reads: a scoped
assignment's plan and drift line name its scope (a tenant-wide and an AU-scoped grant of one
user read differently), an over-policy grant of a group section names Entra's group default
as the setting's origin (not the section's first line), and a saved plan refused against the
wrong policy directory names that directory and `--policy`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.compile import compile_policies
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.loader import load_policies

from .conftest import NOW, POLICIES, Live, write

PINNED = "2026-11-24T09:00:00Z"
SCOPED = """    - principal: user:sven.novak@contoso.com
      scope: administrative_unit:Paris
      expires: 2027-03-01
      justification: Paris helpdesk
"""


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--now", PINNED, *args])
    assert result.exit_code in (0, 2), result.output
    return str(result.output)


def _scoped_repository(tmp_path: Path) -> Path:
    policies = tmp_path / "policies"
    write(policies / "pim.yaml", (POLICIES / "pim.yaml").read_text())
    for path in sorted((POLICIES / "roles").glob("*.yaml")):
        write(policies / "roles" / path.name, path.read_text())
    helpdesk = policies / "roles" / "helpdesk-administrator.yaml"
    helpdesk.write_text(helpdesk.read_text() + SCOPED)
    return policies


def test_a_scoped_assignment_names_its_scope_in_plan_text_markdown_and_drift(
    tmp_path: Path,
) -> None:
    policies = _scoped_repository(tmp_path)
    snapshot = ("--snapshot", str(SAMPLE_TENANT))
    wanted = "+ eligible user sven.novak@contoso.com at administrative_unit:Paris: 2027-03-01"
    assert wanted in _run("plan", str(policies), *snapshot)
    assert wanted in _run("plan", str(policies), *snapshot, "--format", "markdown")
    drift = _run("drift", str(policies), *snapshot)
    assert "eligible user:sven.novak@contoso.com at administrative_unit:Paris" in drift
    # a tenant-wide grant keeps its plain line: no scope is named for `/`
    plain = _run("plan", str(POLICIES), *snapshot)
    assert "+ eligible user " in plain
    assert " at /" not in plain and "at administrative_unit" not in plain


def test_an_over_policy_group_grant_names_entras_group_default_as_the_origin(
    tmp_path: Path,
) -> None:
    write(tmp_path / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(
        tmp_path / "groups" / "ops.yaml",
        "group: Helpdesk Operators\nmember:\n  assignments:\n    active:\n"
        "      - {principal: user:a@contoso.com, permanent: true}\n",
    )
    (warning,) = compile_policies(load_policies(tmp_path), NOW).warnings
    assert "(active_assignment.allow_permanent is false, from Entra default for groups)" in (
        warning.message
    )
    # declared in the section, the origin is the line that declares it
    write(
        tmp_path / "groups" / "ops.yaml",
        "group: Helpdesk Operators\nmember:\n  active_assignment: {max_duration: P30D}\n"
        "  assignments:\n    active:\n"
        "      - {principal: user:a@contoso.com, expires: 2027-06-30}\n",
    )
    (warning,) = compile_policies(load_policies(tmp_path), NOW).warnings
    assert "longer than the role's maximum P30D (active_assignment.max_duration, from " in (
        warning.message
    )
    assert "ops.yaml:3:" in warning.message


def test_a_saved_plan_refused_against_another_policy_directory_names_it(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    helpdesk = policy_copy / "roles" / "helpdesk-administrator.yaml"
    helpdesk.write_text(helpdesk.read_text() + SCOPED)
    plan = tmp_path / "plan.json"
    graph = ("--now", PINNED, "--graph-url", live.url)
    made = CliRunner().invoke(cli, [*graph, "plan", str(policy_copy), "--out", str(plan)])
    assert made.exit_code == 0, made.output
    assert json.loads(plan.read_text())["changes"]
    writes = live.stats()["writes"]
    result = CliRunner().invoke(cli, [*graph, "apply", str(plan), "--policy", str(POLICIES)])
    assert result.exit_code == 1, result.output
    assert live.stats()["writes"] == writes
    output = " ".join(result.output.split())
    assert f"repository {POLICIES} sha256:" in output
    assert "or name the directory the plan was made from with `--policy DIR`" in output


def test_apply_names_the_scope_of_each_write(live: Live, tmp_path: Path) -> None:
    policies = _scoped_repository(tmp_path)
    graph = ("--now", PINNED, "--graph-url", live.url)
    dry = CliRunner().invoke(cli, [*graph, "apply", str(policies), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    wanted = "Helpdesk Administrator: adminAssign eligible user:sven.novak@contoso.com"
    assert f"{wanted} at administrative_unit:Paris" in dry.output
    done = CliRunner().invoke(cli, [*graph, "apply", str(policies), "--auto-approve"])
    assert done.exit_code == 0, done.output
    assert f"ok      {wanted} at administrative_unit:Paris" in done.output
    # a tenant-wide write's label is unchanged
    tenant_wide = [line for line in done.output.splitlines() if "adminAssign" in line]
    assert any(
        line.endswith("Global Reader: adminAssign active user:heidi.audit@contoso.com")
        for line in tenant_wide
    ), tenant_wide


def test_validate_show_prints_a_groups_sections_with_their_sources() -> None:
    shown = CliRunner().invoke(cli, ["validate", str(POLICIES), "--show", "tier0 operators"])
    assert shown.exit_code == 0, shown.output
    assert "Tier0 Operators (member) (resolved against the tenant at plan time)" in shown.output
    assert "Entra default for groups" in shown.output
    lines = shown.output.splitlines()
    (duration,) = [line for line in lines if line.split()[:1] == ["activation.max_duration"]]
    assert duration.split()[1] == "PT1H" and "(templates.critical)" in duration
    by_file = CliRunner().invoke(cli, ["validate", str(POLICIES), "--show", "tier0-operators"])
    assert by_file.exit_code == 0 and by_file.output == shown.output
    as_json = CliRunner().invoke(
        cli, ["validate", str(POLICIES), "--show", "Tier0 Operators", "--format", "json"]
    )
    roles = json.loads(as_json.stdout)["roles"]
    assert [r["role"] for r in roles] == ["Tier0 Operators (member)"]
    # a role's name still finds the role, and an unknown name is still refused
    role = CliRunner().invoke(cli, ["validate", str(POLICIES), "--show", "Global Administrator"])
    assert role.output.startswith("Global Administrator (62e90394")
    unknown = CliRunner().invoke(cli, ["validate", str(POLICIES), "--show", "Tier9 Operators"])
    assert unknown.exit_code == 1
    assert "no managed role 'Tier9 Operators'" in unknown.output


def test_a_group_file_naming_a_group_one_typo_away_is_told_the_name(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    write(policies / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(policies / "groups" / "approvers.yaml", "group: PIM Tier0 Approver\nmember: {}\n")
    result = CliRunner().invoke(
        cli, ["--now", PINNED, "plan", str(policies), "--snapshot", str(SAMPLE_TENANT)]
    )
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "approvers.yaml:1:1: group PIM Tier0 Approver was not found in the " in output
    assert output.endswith("; did you mean 'PIM Tier0 Approvers'?")
    write(policies / "groups" / "approvers.yaml", "group: Nobody At All\nmember: {}\n")
    result = CliRunner().invoke(
        cli, ["--now", PINNED, "plan", str(policies), "--snapshot", str(SAMPLE_TENANT)]
    )
    assert "group Nobody At All was not found in the " in result.output
    assert "did you mean" not in result.output
