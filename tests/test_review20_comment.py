"""Review of issue 20: names from the tenant must not rewrite the PR comment's markdown."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from tests.test_plan_gate import CLEAN, without_bg2  # noqa: F401  (fixture)

NOW = "2026-11-24T09:00:00Z"


def odd_snapshot(tmp_path: Path, tenant: str | None = None, custom: str | None = None) -> Path:
    data = json.loads(Path(SAMPLE_TENANT).read_text(encoding="utf-8"))
    if tenant is not None:
        data["organization"]["displayName"] = tenant
    if custom is not None:
        for role in data["roleDefinitions"]:
            if role["displayName"] == "Contoso Tier1 Support":
                role["displayName"] = custom
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def comment(directory: Path, snapshot: Path) -> Result:
    args = ["--now", NOW, "plan", str(directory), "--snapshot", str(snapshot)]
    return CliRunner().invoke(cli, [*args, "--format", "markdown"], env=CLEAN)


def test_a_tenant_name_cannot_hide_the_refusals_in_an_html_comment(
    without_bg2: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The organization's displayName goes raw into the header table: ``<!--`` in it opens
    an HTML comment that GitHub never closes, so the rendered comment ends at the tenant
    cell and the "apply will refuse" block below it is invisible to reviewers."""
    shown = comment(without_bg2, odd_snapshot(tmp_path, tenant="Contoso <!-- EMEA"))
    assert "apply will refuse" in shown.output
    body = shown.output.split("\n", 1)[1]  # after the marker line
    assert "<!--" not in body, body[:600]


def test_a_tenant_name_with_a_pipe_keeps_the_header_table_whole(
    without_bg2: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    shown = comment(without_bg2, odd_snapshot(tmp_path, tenant="Contoso | EMEA"))
    row = next(line for line in shown.output.splitlines() if line.startswith("| Tenant |"))
    assert row.count(" | ") == 1 and "\\|" in row, row


def test_a_custom_role_name_cannot_close_the_plan_sections(
    without_bg2: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A custom role's displayName is put raw into ``<summary><b>…</b>``: ``<!--`` in it
    hides every later role section (and the truncation note) from the rendered comment."""
    snapshot = odd_snapshot(tmp_path, custom="Contoso Tier1 Support <!--")
    tier1 = without_bg2 / "roles" / "contoso-tier1-support.yaml"
    text = tier1.read_text(encoding="utf-8")
    tier1.write_text(
        text.replace("role: Contoso Tier1 Support", "role: Contoso Tier1 Support <!--")
    )
    shown = comment(without_bg2, snapshot)
    assert "Contoso Tier1 Support" in shown.output, shown.output
    body = shown.output.split("\n", 1)[1]
    assert "<!--" not in body, body[body.find("<!--") - 200 :][:400]


def test_the_drift_issue_body_fits_an_issue(tmp_path: Path) -> None:
    """``pim-drift.yml`` passes ``drift``'s markdown to ``gh issue create --body-file``;
    GitHub refuses a body over 65,536 characters, so on a tenant with much drift the job
    fails and no issue is opened. ``render_drift`` has no limit (the PR comment has one)."""
    from pim_gitops.tenantgen import SAMPLE_NOW, synthetic_tenant
    from tests.conftest import write

    tenant = synthetic_tenant(roles=3, assignments=3000, principals=2000, now=SAMPLE_NOW)
    snapshot = tmp_path / "big.json"
    snapshot.write_text(json.dumps(tenant), encoding="utf-8")
    repo = tmp_path / "repo"
    write(repo / "pim.yaml", "tenant: bench.onmicrosoft.com\n")
    for name in (
        "Global Administrator",
        "Privileged Role Administrator",
        "Privileged Authentication Administrator",
    ):
        slug = name.lower().replace(" ", "-")
        write(repo / "roles" / f"{slug}.yaml", f"role: {name}\nassignments_mode: authoritative\n")
    args = ["--now", NOW, "drift", str(repo), "--snapshot", str(snapshot), "--format", "markdown"]
    shown = CliRunner().invoke(cli, args, env=CLEAN)
    assert shown.exit_code == 2, shown.output[-2000:]
    assert len(shown.stdout) <= 65_536, len(shown.stdout)


def test_a_waiver_reason_in_a_role_file_cannot_hide_the_plan(tmp_path: Path) -> None:
    """The PR author controls a waiver's `reason` (a role file outside CODEOWNERS); GEN005
    quotes it into the comment's lint list (``comment._finding_line`` writes the message
    raw), so ``<!--`` there hides the whole "### Plan" section below it on GitHub."""
    import shutil

    from tests.conftest import POLICIES

    repo = tmp_path / "policies"
    shutil.copytree(POLICIES, repo)
    helpdesk = repo / "roles" / "helpdesk-administrator.yaml"
    with helpdesk.open("a", encoding="utf-8") as out:
        out.write('waivers:\n  - {rule: ASG002, reason: "reviewed <!-- ", expires: 2027-03-31}\n')
    args = ["--now", NOW, "plan", str(repo), "--snapshot", str(SAMPLE_TENANT), "--lint"]
    shown = CliRunner().invoke(cli, [*args, "--format", "markdown"], env=CLEAN)
    assert "GEN005" in shown.output and "### Plan" in shown.output, shown.output
    body = shown.output.split("\n", 1)[1]
    assert "<!--" not in body[: body.index("### Plan")], body[: body.index("### Plan")]


def test_a_finding_link_to_a_path_with_spaces_is_a_working_link() -> None:
    """``CommentContext.blob_url`` joins the path raw: a role file named
    `global admin (tier 0).yaml` gives `[…](https://…/global admin (tier 0).yaml#L3)`,
    which GitHub's markdown does not read as a link (a link destination has no spaces
    unless written `<…>` or percent-encoded)."""
    from pim_gitops.lint.engine import Finding
    from pim_gitops.render.comment import CommentContext, _finding_line

    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "contoso/pim",
        "GITHUB_SHA": "0" * 40,
    }
    context = CommentContext(environ=env, root="/repo", cwd="/repo")
    path = "policies/roles/global admin (tier 0).yaml"
    line = _finding_line(Finding("ACT001", "n", "warning", "m", path, 3), context)
    target = line.split("](", 1)[1]
    url = target.split("#L3", 1)[0]
    assert target.startswith("<") or " " not in url, line
