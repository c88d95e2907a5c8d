"""ALR: an open PIM alert is a posture finding with Graph's severity and its incidents
(issue 23's must-hold), a refused read is said, never a pass, and an alert turned off is
reported in the view that turns it off (pim.yaml's ``alerts:`` or the tenant's)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.alerts import AlertSetting
from pim_gitops.compile.types import CompiledAlerts
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.engine import run_lint
from pim_gitops.lint.example_extras import with_tenant_facts
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, lint_repo, write_repo

PIM = "tenant: contoso.onmicrosoft.com\n"
OUTSIDE = {
    "users": {"bob@contoso.com": {}},
    "alerts": {
        "open": [
            {
                "name": "roles_assigned_outside_pim",
                "severity": "high",
                "incidents": [{"subject": "user:bob@contoso.com", "role": "Global Administrator"}],
            }
        ]
    },
}


def _alr(tmp_path: Path, facts: dict[str, Any], pim: str = PIM) -> list[tuple[str, str, str]]:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), facts)
    return [(f.rule, f.severity, f.message) for f in result.findings if f.rule.startswith("ALR")]


def test_an_open_alert_is_a_posture_finding_naming_its_incidents(tmp_path: Path) -> None:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), OUTSIDE)
    found = [f for f in result.findings if f.rule == "ALR001"]
    assert [(f.view, f.severity) for f in found] == [("posture", "error")]
    assert "roles_assigned_outside_pim" in found[0].message
    assert "bob@contoso.com in Global Administrator" in found[0].message
    assert dict(result.ran)["ALR001"] == ("posture",)


@pytest.mark.parametrize(
    ("level", "severity"),
    [("high", "error"), ("medium", "warning"), ("low", "info"), ("informational", "info")],
)
def test_the_finding_takes_graph_severity(tmp_path: Path, level: str, severity: str) -> None:
    facts = {"alerts": {"open": [{"name": "stale_sign_in", "severity": level}]}}
    assert [s for _, s, _ in _alr(tmp_path, facts)] == [severity]


def test_more_incidents_than_shown_are_counted(tmp_path: Path) -> None:
    many = [{"subject": f"user:u{n}@contoso.com", "role": "Global Administrator"} for n in range(7)]
    facts = {"alerts": {"open": [{"name": "too_many_global_admins", "incidents": many}]}}
    (message,) = [m for _, _, m in _alr(tmp_path, facts)]
    assert "7 incidents" in message and "u4@contoso.com" in message
    assert "u5@contoso.com" not in message and message.endswith("; and 2 more")


def test_five_incidents_are_all_shown(tmp_path: Path) -> None:
    five = [{"subject": f"user:u{n}@contoso.com"} for n in range(5)]
    facts = {"alerts": {"open": [{"name": "too_many_global_admins", "incidents": five}]}}
    (message,) = [m for _, _, m in _alr(tmp_path, facts)]
    assert "u4@contoso.com" in message and "more" not in message


def test_a_refused_read_is_said_not_passed(tmp_path: Path) -> None:
    found = _alr(tmp_path, {"alerts": "403 Forbidden"})
    assert found == [
        (
            "ALR001",
            "warning",
            "the tenant's PIM alerts could not be read (403 Forbidden): open alerts are not judged",
        )
    ]


def test_alerts_not_read_are_not_checked(tmp_path: Path) -> None:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), {})
    ran = dict(result.ran)
    assert "ALR001" not in ran or ran["ALR001"] == ()
    assert "ALR002" not in ran or ran["ALR002"] == ()


def test_an_alert_off_in_the_tenant(tmp_path: Path) -> None:
    facts = {
        "alerts": {
            "settings": {
                "roles_assigned_outside_pim": {"enabled": False},
                "stale_sign_in": {"enabled": False},
                "too_many_global_admins": {"enabled": True, "accounts": 3, "percent": 30},
            }
        }
    }
    found = {(m.split('"]')[0], s) for _, s, m in _alr(tmp_path, facts)}
    assert found == {
        ('alert["roles_assigned_outside_pim', "error"),
        ('alert["stale_sign_in', "warning"),
    }


def test_may_be_off_allows_an_alert(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  rules:\n    ALR002: {options: {may_be_off: [stale_sign_in]}}\n"
    facts = {"alerts": {"settings": {"stale_sign_in": {"enabled": False}, "invalid_license": {}}}}
    assert _alr(tmp_path, facts, pim) == []
    facts["alerts"]["settings"]["invalid_license"] = {"enabled": False}
    assert [m.split('"]')[0] for _, _, m in _alr(tmp_path, facts, pim)] == [
        'alert["invalid_license'
    ]


def test_may_be_off_naming_no_alert_is_an_error(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  rules:\n    ALR002: {options: {may_be_off: [stale_signin]}}\n"
    with pytest.raises(LintConfigError, match=r"pim.yaml:4:\d+: .*names no alert: stale_signin"):
        _alr(tmp_path, {"alerts": {"settings": {}}}, pim)


def test_an_alert_off_in_pim_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    where = Location(desired.tenant_file, 5, 5)
    declared = CompiledAlerts(
        {
            "roles_assigned_outside_pim": AlertSetting("roles_assigned_outside_pim", False),
            "stale_sign_in": AlertSetting("stale_sign_in", True, (("duration", "P30D"),)),
        },
        {"roles_assigned_outside_pim": where},
    )
    result = run_lint(replace(desired, alerts=declared), None, NOW)
    found = [f for f in result.findings if f.rule == "ALR002"]
    assert [(f.view, f.line, f.column, f.severity) for f in found] == [("policy", 5, 5, "error")]


def test_the_policy_view_does_not_judge_without_alerts_declared(tmp_path: Path) -> None:
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    tenant = with_tenant_facts(
        normalize_tenant(tenant_snapshot({}, NOW), NOW),
        {"alerts": {"settings": {"stale_sign_in": {"enabled": False}}}},
        NOW,
    )
    result = run_lint(desired, tenant, NOW)
    assert [f.view for f in result.findings if f.rule == "ALR002"] == ["posture"]
    assert dict(result.ran)["ALR002"] == ("posture",)
