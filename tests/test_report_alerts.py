"""The report's "PIM alerts" and its summary line: an open alert in the tenant appears in
the report (issue 23's must-hold) with its incidents, in markdown and HTML; alerts not read
or refused are said so."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pim_gitops.alerts import AlertSetting
from pim_gitops.compile.types import CompiledAlerts
from pim_gitops.lint.engine import run_lint
from pim_gitops.lint.example_extras import with_tenant_facts
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.render.report import ReportInputs, build_report, render_html, render_markdown
from pim_gitops.render.report_alerts import alerts_section, alerts_summary
from pim_gitops.render.report_doc import Document, Para, Table
from pim_gitops.state import TenantState
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo

OPEN = {
    "users": {"bob@contoso.com": {}},
    "alerts": {
        "settings": {
            "roles_assigned_outside_pim": {"enabled": True},
            "too_many_global_admins": {"enabled": False, "accounts": 3, "percent": 30},
        },
        "open": [
            {
                "name": "roles_assigned_outside_pim",
                "severity": "high",
                "incidents": [{"subject": "user:bob@contoso.com", "role": "Global Administrator"}],
            },
            {"name": "stale_sign_in", "severity": "medium", "incident_count": 2},
        ],
    },
}


def _tenant(facts: dict[str, Any]) -> TenantState:
    return with_tenant_facts(normalize_tenant(tenant_snapshot(facts, NOW), NOW), facts, NOW)


def _report(tmp_path: Path, facts: dict[str, Any] | None) -> Document:
    desired = load_desired(
        str(write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n"})), NOW
    ).state
    tenant = _tenant(facts) if facts is not None else None
    lint = run_lint(desired, tenant, NOW)
    return build_report(ReportInputs(desired, lint, tenant, None, NOW))


def _section(document: Document) -> tuple[Table, list[str]]:
    section = next(s for s in document.sections if s.anchor == "pim-alerts")
    tables = [b for b in section.blocks if isinstance(b, Table)]
    return tables[-1], [b.text for b in section.blocks if isinstance(b, Para)]


def test_an_open_alert_appears_in_the_report(tmp_path: Path) -> None:
    document = _report(tmp_path, OPEN)
    table, texts = _section(document)
    rows = {r[0].text.rsplit("(", 1)[1].rstrip(")"): [c.text for c in r[1:]] for r in table.rows}
    outside = rows["roles_assigned_outside_pim"]
    assert outside[:3] == ["high", "1", "bob@contoso.com in Global Administrator"]
    assert rows["stale_sign_in"][:3] == [
        "medium",
        "2",
        "no incident listed",
    ]
    assert "Open in the tenant: 2 alerts." in texts
    markdown, html = render_markdown(document), render_html(document)
    for text in (markdown, html):
        assert "PIM alerts: 2 open alerts (1 high, 1 medium)." in text
        assert "bob@contoso.com in Global Administrator" in text
    assert "ALR001" in markdown  # the lint finding, beside the section


def test_the_configuration_table_sets_tenant_beside_repository(tmp_path: Path) -> None:
    desired = load_desired(
        str(write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n"})), NOW
    ).state
    declared = CompiledAlerts(
        {
            "too_many_global_admins": AlertSetting(
                "too_many_global_admins", True, (("accounts", "3"), ("percent", "30"))
            )
        }
    )
    section = alerts_section(replace(desired, alerts=declared), _tenant(OPEN))
    config = next(b for b in section.blocks if isinstance(b, Table))
    rows = {r[0].text.rsplit("(", 1)[1].rstrip(")"): [c.text for c in r[1:]] for r in config.rows}
    assert rows["too_many_global_admins"] == [
        "Low",
        "off (accounts 3, percent 30 %)",
        "on (accounts 3, percent 30 %)",
    ]
    assert rows["roles_assigned_outside_pim"] == ["High", "on", "not managed"]
    assert rows["stale_sign_in"][1:] == ["not found", "not managed"]
    assert len(config.rows) == 7


def test_alerts_not_read_or_refused_are_said(tmp_path: Path) -> None:
    _, texts = _section(_report(tmp_path, {}))
    assert any("were not read" in t and "graph_beta" in t for t in texts)
    refused = _tenant({"alerts": "403 Forbidden"})
    summary = alerts_summary(refused)
    assert summary is not None and summary.text == "PIM alerts: could not be read (403 Forbidden)."
    section = alerts_section(
        load_desired(str(write_repo(tmp_path, {"pim.yaml": "tenant: c\n"})), NOW).state, refused
    )
    assert any("could not be read: 403 Forbidden" in getattr(b, "text", "") for b in section.blocks)


def test_no_open_alert_and_offline(tmp_path: Path) -> None:
    quiet = _tenant({"alerts": {"open": []}})
    summary = alerts_summary(quiet)
    assert summary is not None and (summary.text, summary.status) == (
        "PIM alerts: none open.",
        "pass",
    )
    assert alerts_summary(None) is None
    _, texts = _section(_report(tmp_path, None))
    assert texts[-1] == "Open alerts: not known (the tenant was not read)."
