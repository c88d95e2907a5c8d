"""Issue 23's must-holds end to end: the CLI over HTTP against the emulator serving the bundled
sample tenant (its PIM alerts, 90 days of requests with approvals, and a PIM custom extension
Exchange Administrator calls).

* "Too many global administrators" at 3 accounts and 30 % in ``pim.yaml``: apply changes the
  alert configuration and the next plan is empty; the open alert "roles assigned outside PIM"
  is in lint's posture view and in the report.
* The report shows Global Administrator's last activations with justification, ticket and
  approver, and marks those this tool made with their commit; the ``see slack`` ticket is
  flagged by the ticket-pattern rule (HIS001).
* Exchange Administrator's policy requires a custom extension: export → plan = 0; removing
  the requirement plans one change."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.identity import Caller
from pim_gitops.emulator.server import running
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW, SAMPLE_TENANT_ID, oid
from pim_gitops.tenantgen_audit import EXTENSION_NAME
from pim_gitops.wire import format_instant
from tests.conftest import POLICIES

TOO_MANY = f"DirectoryRole_{SAMPLE_TENANT_ID}_TooManyGlobalAdminsAssignedToTenantAlert"
CONFIGURATIONS = "beta/identityGovernance/roleManagementAlerts/alertConfigurations"
#: A signed-in auditor: Graph serves approvals to delegated callers only.
AUDITOR = Caller.user(
    oid("user", "heidi.audit@contoso.com"),
    "heidi.audit@contoso.com",
    scopes=(
        "RoleManagement.Read.Directory",
        "RoleAssignmentSchedule.Read.Directory",
        "RoleManagementAlert.Read.Directory",
        "AuthenticationContext.Read.All",
        "AccessReview.Read.All",
        "PrivilegedAccess-CustomExt.Read.All",
        "PrivilegedEligibilitySchedule.Read.AzureADGroup",
        "PrivilegedAssignmentSchedule.Read.AzureADGroup",
        "RoleManagementPolicy.Read.AzureADGroup",
        "Directory.Read.All",
    ),
)


class World:
    def __init__(self, url: str) -> None:
        self.url = url

    def run(self, *args: str) -> Result:
        now = format_instant(SAMPLE_NOW)
        return CliRunner().invoke(cli, ["--now", now, "--graph-url", self.url, *args])

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def configuration(self) -> dict[str, Any]:
        token = httpx.get(f"{self.url}/_emulator/token").json()["access_token"]
        where = f"{self.url}/{CONFIGURATIONS}/{TOO_MANY}"
        reply = httpx.get(where, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body


def _serve(caller: Caller | None = None) -> Iterator[World]:
    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: SAMPLE_NOW)
    if caller is not None:
        emulator.caller = caller
    with running(emulator) as url:
        yield World(url)


@pytest.fixture
def world() -> Iterator[World]:
    yield from _serve()


@pytest.fixture
def auditor() -> Iterator[World]:
    yield from _serve(AUDITOR)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "policies"
    shutil.copytree(POLICIES, path)
    return path


def test_too_many_global_admins_at_3_and_30_percent_is_applied_and_then_plans_nothing(
    world: World, repo: Path
) -> None:
    before = world.configuration()
    assert (before["globalAdminCountThreshold"], before["isEnabled"]) == (3, True)
    assert before["percentageOfGlobalAdminsOutOfRolesThreshold"] != 30
    plan = json.loads(world.run("plan", str(repo), "--format", "json").stdout)
    changes = [c for c in plan["alert_changes"] if c["alert"] == "too_many_global_admins"]
    assert [(c["path"], c["before"], c["after"]) for c in changes] == [("percent", "10", "30")]
    world.ok("apply", str(repo), "--auto-approve")
    after = world.configuration()
    assert after["globalAdminCountThreshold"] == 3
    assert after["percentageOfGlobalAdminsOutOfRolesThreshold"] == 30
    assert world.run("plan", str(repo), "--detailed-exitcode").exit_code == 0


def test_an_open_alert_is_in_the_posture_view_and_in_the_report(world: World, repo: Path) -> None:
    posture = world.run("lint", str(repo), "--live", "--view", "posture").output
    (line,) = [x for x in posture.splitlines() if 'alert["roles_assigned_outside_pim"]' in x]
    assert "ALR001 error" in line
    assert "carol.it@contoso.com in Global Administrator" in line
    report = world.ok("report", str(repo), "--live")
    section = report[report.index("## PIM alerts") :]
    assert "Roles are being assigned outside of Privileged Identity Management" in section
    assert "carol.it@contoso.com" in section


def _ga_history(report: str) -> str:
    """Global Administrator's history table (up to the next heading or anchor)."""
    start = report.index("## Activation and approval history: Global Administrator")
    return report[start : report.index("\n<a id=", start)]


def test_the_report_shows_global_administrator_activations_approvers_and_this_tools_commit(
    auditor: World, repo: Path
) -> None:
    part = _ga_history(auditor.ok("report", str(repo), "--live", "--since", "90d"))
    (approved,) = [x for x in part.splitlines() if "Rotate the federation signing certificate" in x]
    assert "CHG1042" in approved
    assert "Grace Identity" in approved
    (denied,) = [x for x in part.splitlines() if "Look around the portal" in x]
    assert "Bob Sec" in denied and "Denied" in denied
    (made,) = [x for x in part.splitlines() if "4f1c2e9a7b3d" in x]
    assert "#42" in made
    assert "Declared in the pim-gitops policy repository" in made


def test_the_report_shows_alices_tier0_operators_membership_activation(
    auditor: World, repo: Path
) -> None:
    report = auditor.ok("report", str(repo), "--live", "--since", "90d")
    start = report.index('## Activation and approval history: group["Tier0 Operators"].member')
    part = report[start : report.index("\n<a id=", start)]
    (line,) = [x for x in part.splitlines() if "Review Conditional Access exclusions" in x]
    assert "user:alice.admin@contoso.com" in line and "CHG1055" in line
    assert "activation" in line and "unknown (approvals not read)" in line


def test_a_see_slack_ticket_is_flagged_by_the_ticket_pattern_rule(world: World, repo: Path) -> None:
    posture = world.run("lint", str(repo), "--live", "--view", "posture").output
    (line,) = [x for x in posture.splitlines() if "HIS001" in x]
    assert '"see slack"' in line and "^CHG[0-9]+$" in line
    assert "Global Administrator" in line


def test_a_required_custom_extension_exports_plans_nothing_and_its_removal_plans_one_change(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "exported"
    world.ok("export", "--out", str(out))
    (exchange,) = [
        p for p in (out / "roles").glob("*.yaml") if "Exchange Administrator" in p.read_text()
    ]
    text = exchange.read_text()
    assert f"custom_extension: {EXTENSION_NAME}" in text
    assert world.run("plan", str(out), "--detailed-exitcode").exit_code == 0
    exchange.write_text(
        "\n".join(x for x in text.splitlines() if "custom_extension:" not in x) + "\n"
    )
    plan = json.loads(world.run("plan", str(out), "--format", "json").stdout)
    # One change, the extension named as the file named it (not by its id).
    assert [(c["role"]["name"], c["path"], c["before"], c["after"]) for c in plan["changes"]] == [
        ("Exchange Administrator", "activation.custom_extension", EXTENSION_NAME, None)
    ]
