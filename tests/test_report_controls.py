"""The auditor's report of the sample tenant: a result per control (SCuBA MS.AAD.7.1v1-7.9v1
and the CIS ids the lint cites) with evidence, live beside declared settings for every
managed role, names rather than GUIDs, and the same content in markdown and HTML."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.lint.references import CONTROLS
from pim_gitops.snapshot import write_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder
from tests.conftest import POLICIES, write
from tests.report_dom import ReportPage

NOW = "2026-11-24T09:00:00Z"
CUSTOM = "3f1b5d2e-8c4a-4e6b-9d7f-1a2b3c4d5e6f"


def reports(directory: Path, snapshot: Path | None, tmp: Path) -> tuple[str, str]:
    """The markdown and the HTML report of the same inputs."""
    args = ["--now", NOW, "report", str(directory)]
    if snapshot is not None:
        args += ["--snapshot", str(snapshot)]
    markdown = CliRunner().invoke(cli, args)
    assert markdown.exit_code == 0, markdown.output
    page = tmp / "report.html"
    html = CliRunner().invoke(cli, [*args, "--format", "html", "--out", str(page)])
    assert html.exit_code == 0, html.output
    return markdown.output, page.read_text(encoding="utf-8")


def md_controls(markdown: str) -> dict[str, list[str]]:
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip().strip("*") for c in line.strip("|").split(" | ")]
        if line.startswith("| ") and cells[0] in CONTROLS:
            rows[cells[0]] = cells
    return rows


def test_every_control_with_result_and_evidence_in_both_formats(tmp_path: Path) -> None:
    markdown, html = reports(POLICIES, SAMPLE_TENANT, tmp_path)
    table = md_controls(markdown)
    page = {row[0]: row for row in ReportPage(html).controls}
    assert list(table) == list(CONTROLS) == list(page), "every control, in order, in both"
    for cid, row in table.items():
        assert row[2] == page[cid][2], f"{cid}: one result in both formats"
        assert row[4] and row[4].replace("\\", "") == page[cid][4], cid
    results = {cid: row[2] for cid, row in table.items()}
    # The sample tenant: a hybrid Hybrid Identity Administrator, approval off for GA.
    assert results["MS.AAD.7.3v1"] == "fail" and results["CIS 1.1.1"] == "fail"
    assert results["MS.AAD.7.6v1"] == "fail" and results["CIS 5.3.4"] == "fail"
    assert results["MS.AAD.7.9v1"] == "warning"  # a SHOULD: NTF001 warns
    assert results["MS.AAD.7.1v1"] == "pass"
    assert (
        "5 Global Administrator holders (eligible or active): group:Tier0 Operators, "
        "user:alice.admin" in (table["MS.AAD.7.1v1"][4])
    )
    # The group is no user: SCuBA 7.1 counts who can become Global Administrator through it.
    assert (
        "4 principals can become Global Administrator (through groups and PIM for Groups "
        "included): user:alice.admin" in (table["MS.AAD.7.1v1"][4])
    )
    assert (
        "ASG004 error: user:mallory.hybrid@contoso.com holds Hybrid Identity"
        in (table["MS.AAD.7.3v1"][4])
    )
    # No rule judges these: never "pass".
    for cid in ("CIS 1.1.4", "CIS 5.3.2"):
        assert results[cid] == "not checked"
        assert table[cid][3] == "none"
    # REV001 judges 5.3.3, but the sample declares no review and its snapshot has none read.
    assert results["CIS 5.3.3"] == "not checked" and table["CIS 5.3.3"][3] == "REV001"
    assert "REV001 had nothing to judge" in table["CIS 5.3.3"][4]
    assert "Judged on the tenant as it is (tenant now view)" in markdown


def test_offline_and_turned_off_rules_are_not_checked(tmp_path: Path) -> None:
    """Without a tenant the posture-only rules say nothing: their controls are not checked
    (and the table reads the repository view); a rule turned off leaves its control
    unchecked too, never passed."""
    markdown, _ = reports(POLICIES, None, tmp_path)
    table = md_controls(markdown)
    assert table["MS.AAD.7.3v1"][2] == "not checked"
    assert "needs a tenant view" in table["MS.AAD.7.3v1"][4]
    assert table["MS.AAD.7.6v1"][2] == "pass"  # APR001 judges the repository offline
    assert "Judged on the repository" in markdown
    repo = tmp_path / "repo"
    write(
        repo / "pim.yaml",
        "tenant: contoso.onmicrosoft.com\nlint:\n  preset: cisa\n"
        "  rules: {ASG004: {enabled: false}}\n",
    )
    write(repo / "roles" / "ga.yaml", "role: Global Administrator\nassignments_mode: additive\n")
    markdown, _ = reports(repo, SAMPLE_TENANT, tmp_path)
    table = md_controls(markdown)
    assert table["MS.AAD.7.3v1"][2] == "not checked"
    assert "not run" in table["MS.AAD.7.3v1"][4]


def _headings(markdown: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"^(##|###) (.+)$", markdown, re.M)]


def test_same_sections_in_both_formats_with_contents(tmp_path: Path) -> None:
    markdown, html = reports(POLICIES, SAMPLE_TENANT, tmp_path)
    page = ReportPage(html)
    headings = _headings(markdown)
    assert headings == page.headings
    for title in (
        "Summary",
        "Controls",
        "Managed roles",
        "Who can become what",
        "Break-glass accounts",
        "Accepted exceptions (waivers)",
        "Role details",
        "Global Administrator",
        "Contoso Tier1 Support",
    ):
        assert title in headings
    # A contents list linking to every section's anchor, in both formats.
    for anchor in page.section_ids:
        assert f"](#{anchor})" in markdown and f'<a id="{anchor}"></a>' in markdown
        assert f'href="#{anchor}"' in html


def test_live_beside_declared_for_every_managed_role(tmp_path: Path) -> None:
    markdown, html = reports(POLICIES, SAMPLE_TENANT, tmp_path)
    roles = sorted(p for p in (POLICIES / "roles").glob("*.yaml"))
    history = "Activation and approval history"  # its per-role sub-sections are not details
    sections = [s for s in markdown.split("\n### ")[1:] if not s.startswith(history)]
    assert len(sections) == len(roles)
    for section in sections:
        assert "| Setting | Tenant | Repository | State |" in section, section[:40]
        assert re.search(
            r"^\| activation\.max_duration \| \d+ hours? \| \d+ hours? \| ", section, re.M
        )
    ga = next(s for s in sections if s.startswith("Global Administrator"))
    assert (
        "| activation.max_duration | 2 hours | 1 hour | raised in the tenant from 1 hour to "
        "2 hours |" in ga
    )
    assert "| activation.approval.required | off | on | turned off in the tenant |" in ga
    assert "last modified 2026-10-15T09:00:00Z by Portal admin" in ga
    assert "<td>raised in the tenant from 1 hour to 2 hours</td>" not in html  # a class
    assert 'class="warn">raised in the tenant from 1 hour to 2 hours</td>' in html
    # Who can become what: live holders with ends and who approves, names not GUIDs.
    assert (
        "| [Global Administrator](#role-global-administrator) | user:carol.it@contoso.com | "
        "active | permanent | no activation (active) | usable; assigned outside PIM; not in "
        "the repository |" in markdown
    )
    assert "| pim-gitops apply (sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b) | active |" in markdown


def test_custom_role_written_as_a_guid_is_named(tmp_path: Path) -> None:
    tenant = TenantBuilder("11111111-2222-4333-8444-555555555555", SAMPLE_NOW)
    tenant.add_role(CUSTOM, "Contoso Password Desk", builtin=False)
    snapshot = tmp_path / "tenant.json"
    write_snapshot(tenant.snapshot(), snapshot)
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(
        repo / "roles" / "desk.yaml",
        f"role: {CUSTOM}\nassignments_mode: additive\nactivation: {{max_duration: PT2H}}\n",
    )
    markdown, html = reports(repo, snapshot, tmp_path)
    # Its drift is found by the role's id, whatever name the file gives it.
    assert (
        "| activation.max_duration | 8 hours | 2 hours | raised in the tenant from 2 hours to "
        "8 hours |" in markdown.split("### Contoso Password Desk")[1]
    )
    assert "### Contoso Password Desk" in markdown
    assert "<h3>Contoso Password Desk</h3>" in html
    assert "[Contoso Password Desk](#role-contoso-password-desk)" in markdown
    assert CUSTOM not in "\n".join(_headings(markdown))
    assert f"[{CUSTOM}]" not in markdown


def test_waivers_with_reason_owner_and_expiry(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\nlint: {preset: cisa}\n")
    write(
        repo / "roles" / "reader.yaml",
        "role: Global Reader\nassignments_mode: additive\n"
        "activation: {require: [mfa, justification]}\n"
        "waivers:\n"
        "  - {rule: ACT001, reason: No ticket system for read-only roles, expires: 2027-01-31}\n"
        "  - {rule: ACT002, reason: Old exception, expires: 2026-11-01}\n",
    )
    markdown, html = reports(repo, SAMPLE_TENANT, tmp_path)
    section = markdown.split("## Accepted exceptions (waivers)")[1].split("\n## ")[0]
    assert (
        "| ACT001 | Global Reader | — | any | No ticket system for read-only roles | not in git | "
        "2027-01-31 | covers 1 |" in section
    )
    assert (
        "| ACT002 | Global Reader | — | any | Old exception | not in git | 2026-11-01 | "
        "**expired** |" in (section)
    )
    assert "No ticket system for read-only roles" in html


def test_baseline_waivers_are_listed(tmp_path: Path) -> None:
    """The lint baseline's waivers are listed; one whose reason is still the placeholder is
    not yet reasoned: it covers warnings only (an error stays open) and accepts nothing, so
    a control whose warnings it waives is a warning, not accepted."""
    import shutil

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
    markdown, _ = reports(repo, SAMPLE_TENANT, tmp_path)
    assert (
        "| APR001 | Global Administrator | — | activation does not require approval | "
        "TODO: say why this is accepted" in markdown
    )
    assert (
        "| not yet reasoned: covers 0 warnings; errors stay open (1 error it names open) |"
        in markdown
    )
    assert md_controls(markdown)["MS.AAD.7.9v1"][2] == "warning"  # waived, not accepted
    assert md_controls(markdown)["MS.AAD.7.6v1"][2] == "fail"  # the error stays open
