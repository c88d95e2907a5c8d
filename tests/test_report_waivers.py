"""The report's waivers say what lint does with them: a waiver written by ``lint --baseline``
whose reason is still the placeholder is not yet reasoned (lint lets it waive warnings only,
an error stays open) and never an accepted exception; each waiver covers the findings lint
shows as waived by it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.lint.waivers import PLACEHOLDER
from tests.conftest import POLICIES
from tests.test_report_controls import md_controls

NOW = "2026-11-24T09:00:00Z"
REASON = "Accepted by the change board until the Conditional Access rollout"


def baseline_repo(tmp_path: Path) -> Path:
    """The sample policies with the baseline ``lint --baseline`` writes for the sample
    tenant, read back from pim.yaml."""
    repo = tmp_path / "repo"
    shutil.copytree(POLICIES, repo)
    args = ["--now", NOW, "lint", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    written = CliRunner().invoke(cli, [*args, "--baseline", str(repo / "baseline.yaml")])
    assert written.exit_code == 0, written.output
    tenant_file = repo / "pim.yaml"  # the baseline goes into its lint: section
    text = tenant_file.read_text(encoding="utf-8")
    assert "\nlint:\n" in text
    tenant_file.write_text(
        text.replace("\nlint:\n", "\nlint:\n  baseline: baseline.yaml\n", 1), encoding="utf-8"
    )
    return repo


def lint_json(repo: Path) -> dict[str, Any]:
    args = ["--now", NOW, "lint", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    data: dict[str, Any] = json.loads(result.output)
    return data


def report(repo: Path) -> str:
    args = ["--now", NOW, "report", str(repo), "--snapshot", str(SAMPLE_TENANT)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def waiver_rows(markdown: str) -> list[list[str]]:
    """The waiver table's rows: rule, role, principal, finding, reason, owner, expires, state."""
    section = markdown.split("## Accepted exceptions (waivers)")[1].split("\n## ")[0]
    rows = [
        [c.strip().strip("*") for c in line.strip("|").split(" | ")]
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| Rule ")
    ]
    return [r for r in rows if len(r) == 8]


def test_a_placeholder_waiver_accepts_nothing(tmp_path: Path) -> None:
    repo = baseline_repo(tmp_path)
    summary = lint_json(repo)["summary"]
    assert summary["waived"] > 0 and summary["error"] > 0  # errors stay open
    markdown = report(repo)
    assert (
        f"- Lint (cisa): {summary['error']} errors, {summary['warning']} warning, "
        f"0 accepted exceptions, {summary['waived']} waived by a waiver not yet reasoned"
    ) in markdown
    waivers = (repo / "baseline.yaml").read_text(encoding="utf-8").count("  - rule: ")
    assert f"{waivers} waivers not yet reasoned (the reason is still {PLACEHOLDER!r})" in markdown
    assert "accepted: TODO" not in markdown and "(accepted: " not in markdown
    table = md_controls(markdown)
    assert [cid for cid, row in table.items() if row[2] == "accepted"] == []
    # MS.AAD.7.9v1 has warnings only, all waived by the placeholder: still a warning.
    assert table["MS.AAD.7.9v1"][2] == "warning"
    assert "(waived by a waiver not yet reasoned)" in table["MS.AAD.7.9v1"][4]
    assert table["MS.AAD.7.6v1"][2] == "fail"  # an error a placeholder names stays open
    assert "(warning, waived by a waiver not yet reasoned, tenant now)" in markdown


def _lint_waived(row: list[str], findings: list[dict[str, Any]]) -> tuple[int, int, str]:
    """How many findings lint shows as waived by this waiver, and the open errors it names
    (read from the lint JSON: the role is the finding's, or one of those it names)."""
    rule, role, principal, text = row[0], row[1].casefold(), row[2], row[3]
    role = "" if role == "any role" else role  # a tenant-wide finding (ALR001) has no role
    waived = errors = 0
    noun = "warning"  # the report says "finding" once it waives an info (ALR001's low alert)
    for f in findings:
        roles = {r.casefold() for r in (f["role"] or "", *f["roles"])}
        if f["rule"] != rule or role not in roles:
            continue
        if principal != "—" and (f["principal"] or "").casefold() != principal.casefold():
            continue
        shared = bool(f["roles"]) and f["message"].startswith(f"{text} (")
        if f["message"] not in (text, f"{row[1]}: {text}") and not shared:
            continue
        waived += f["waived"] is not None
        errors += f["waived"] is None and f["severity"] == "error"
        if f["waived"] is not None and f["severity"] != "warning":
            noun = "finding"
    return waived, errors, noun


def test_each_waiver_covers_what_lint_waived(tmp_path: Path) -> None:
    repo = baseline_repo(tmp_path)
    findings = lint_json(repo)["findings"]
    rows = waiver_rows(report(repo))
    assert len(rows) == (repo / "baseline.yaml").read_text(encoding="utf-8").count("  - rule: ")
    for row in rows:
        waived, errors, noun = _lint_waived(row, findings)
        words = noun if waived == 1 else f"{noun}s"
        state = f"not yet reasoned: covers {waived} {words}; errors stay open"
        if errors:
            state += f" ({errors} error{'s' if errors > 1 else ''} it names open)"
        assert row[7] == state, row
    by_finding = {(r[0], r[1], r[3]): r[7] for r in rows}
    # Two ACT001 waivers for one role: the error (no MFA) stays open, the warning is waived.
    mfa = "activation does not require MFA (or an authentication context)"
    assert by_finding["ACT001", "Security Administrator", mfa] == (
        "not yet reasoned: covers 0 warnings; errors stay open (1 error it names open)"
    )
    ticket = "activation does not require a ticket"
    assert by_finding["ACT001", "Security Administrator", ticket] == (
        "not yet reasoned: covers 1 warning; errors stay open"
    )
    # A finding of one shared line, reported once for four roles: each role's waiver covers it.
    shared = "activation lasts up to PT4H, more than PT2H"
    assert by_finding["ACT002", "Exchange Administrator", shared] == (
        "not yet reasoned: covers 1 warning; errors stay open"
    )


def test_a_reasoned_baseline_waiver_is_an_accepted_exception(tmp_path: Path) -> None:
    """Once each reason says why, the same waivers accept errors too, and the report says
    accepted."""
    repo = baseline_repo(tmp_path)
    baseline = repo / "baseline.yaml"
    lines = baseline.read_text(encoding="utf-8").splitlines(keepends=True)
    baseline.write_text(
        "".join(
            f'    reason: "{REASON}"\n' if line.startswith(f'    reason: "{PLACEHOLDER}') else line
            for line in lines
        ),
        encoding="utf-8",
    )
    summary = lint_json(repo)["summary"]
    markdown = report(repo)
    assert f"{summary['waived']} accepted exceptions." in markdown
    assert summary["error"] == 0 and "not yet reasoned" not in markdown
    table = md_controls(markdown)
    assert table["MS.AAD.7.9v1"][2] == "accepted"
    assert table["MS.AAD.7.6v1"][2] == "accepted"
    assert f"(accepted: {REASON})" in table["MS.AAD.7.6v1"][4]
    rows = waiver_rows(markdown)
    assert rows and all(r[7].startswith("covers ") for r in rows)
    sec = {(r[0], r[1], r[3]): r[7] for r in rows}
    assert sec["ACT001", "Security Administrator", "activation does not require a ticket"] == (
        "covers 1"
    )
