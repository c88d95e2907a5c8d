"""The PR comment document: marker, header, refusals, lint summary with links, then the plan;
under GitHub's 65,536 characters however large the plan and the lint list."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from pim_gitops.action import Action
from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.plan import Plan, Refusal, RoleRef, SettingChange, Summary, plan_document
from pim_gitops.render.comment import MARKER, CommentContext, plan_hash, render_comment
from pim_gitops.render.plan import GITHUB_COMMENT_LIMIT
from pim_gitops.tenantgen import SAMPLE_NOW

TENANT = "11111111-2222-4333-8444-555555555555"
GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "contoso/pim-policy",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_RUN_ID": "987654",
}
BREAK_GLASS = Refusal(
    guard="break-glass",
    message="break-glass: break-glass account user:bg2@contoso.com must keep access",
    override="allowed only with --allow-break-glass-change / PIM_GITOPS_ALLOW=break-glass-change",
)


def big_plan(roles: int, per_role: int, refusals: tuple[Refusal, ...] = (BREAK_GLASS,)) -> Plan:
    changes = tuple(
        SettingChange(
            address=f'role["Role {r:04}"].notifications.n{c:03}.recipients',
            action=Action.UPDATE,
            role=RoleRef(id=f"role-{r:04}", name=f"Role {r:04}"),
            path=f"notifications.n{c:03}.recipients",
            before=["old@contoso.com"],
            after=[f"someone-{c}@contoso.com"],
        )
        for r in range(roles)
        for c in range(per_role)
    )
    return Plan(
        tool_version="0",
        tenant_id=TENANT,
        desired_hash="sha256:0",
        generated_at=SAMPLE_NOW,
        summary=Summary(change=len(changes)),
        changes=changes,
        operations=(),
        refusals=refusals,
    )


def finding(index: int, severity: str = "warning") -> Finding:
    return Finding(
        rule="ACT001",
        name="activation-without-ticket",
        severity=severity,  # type: ignore[arg-type]
        message=f"Role {index}: activation does not require a ticket",
        file=f"/repo/policies/roles/role-{index}.yaml",
        line=7,
    )


def lint_of(findings: list[Finding]) -> LintResult:
    return LintResult(tuple(findings), (), "cisa")


def test_the_comment_leads_with_marker_header_refusals_lint_then_plan() -> None:
    context = CommentContext(
        tenant_name="Contoso", base="abc1234", head="0123456", root="/repo", environ=GITHUB
    )
    text = render_comment(big_plan(2, 2), context, lint_of([finding(1, "error"), finding(2)]))
    lines = text.splitlines()
    assert lines[0] == MARKER
    assert f"| Tenant | Contoso (`{TENANT}`) |" in lines
    assert "| Commits | `abc1234` → `0123456` |" in lines
    assert "| Time | 2026-11-24T09:00:00Z |" in lines
    assert f"| Plan hash | `{plan_hash(big_plan(2, 2))}` |" in lines
    order = ["| Tenant", "> [!CAUTION]", "### Lint (policy view)", "### Plan", "<details>"]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert "1 error, 1 warning, 0 info, 0 waived (preset cisa)." in text
    blob = "https://github.com/contoso/pim-policy/blob/" + GITHUB["GITHUB_SHA"]
    assert (
        f"- **error** ACT001 [`policies/roles/role-1.yaml:7`]({blob}/policies/roles/role-1.yaml#L7)"
        in text
    )
    # Errors before warnings.
    assert text.index("role-1.yaml") < text.index("role-2.yaml")


def test_without_the_github_variables_findings_are_plain_and_commits_unknown() -> None:
    text = render_comment(big_plan(1, 1), CommentContext(root="/repo"), lint_of([finding(3)]))
    assert "- **warning** ACT001 `policies/roles/role-3.yaml:7`: Role 3" in text
    assert "](" not in text
    assert "| Commits | not known (no git checkout) |" in text


def test_the_plan_hash_is_sha256_of_the_canonical_plan_document() -> None:
    plan = big_plan(1, 2)
    canonical = json.dumps(plan_document(plan), sort_keys=True, separators=(",", ":"))
    assert plan_hash(plan) == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:12]
    assert plan_hash(plan) != plan_hash(big_plan(1, 3))


def test_a_huge_plan_and_lint_list_fit_a_comment_keeping_header_and_refusals() -> None:
    cap = Refusal(
        guard="max-removals",
        message="max-removals: the plan reduces access 50000 times: " + "x, " * 50_000,
        override="allowed only with --max-removals 50000 / PIM_GITOPS_MAX_REMOVALS=50000",
    )
    allowed = BREAK_GLASS.model_copy(update={"allowed_by": "PIM_GITOPS_ALLOW"})
    plan = big_plan(400, 60, (allowed, BREAK_GLASS, cap))
    lint = lint_of([finding(i, "error" if i % 3 else "warning") for i in range(5_000)])
    for environ, full in (
        (GITHUB, "https://github.com/contoso/pim-policy/actions/runs/987654"),
        ({}, "run `pim-gitops show plan.json`"),
    ):
        text = render_comment(plan, CommentContext(environ=environ), lint)
        assert len(text) <= GITHUB_COMMENT_LIMIT
        assert text.startswith(MARKER + "\n## pim-gitops plan\n")
        assert f"| Tenant | `{TENANT}` |" in text
        # Every refusal is kept, those apply would refuse first; the long one is cut short.
        assert text.count("**apply will refuse:**") == 2
        assert text.index("max-removals") < text.index("**allowed by PIM_GITOPS_ALLOW**")
        assert "more characters)" in text
        # What was cut is counted, and the full plan is named.
        assert "more lint finding" in text and "more role sections not shown" in text
        assert full in text
        assert "more lint findings not shown (`pim-gitops lint` lists them all)" in text


def test_many_refusals_are_cut_with_a_count() -> None:
    many = tuple(
        BREAK_GLASS.model_copy(update={"message": f"break-glass: account {i} " + "y" * 3_000})
        for i in range(40)
    )
    text = render_comment(big_plan(1, 1, many), CommentContext(environ=GITHUB))
    assert len(text) <= GITHUB_COMMENT_LIMIT
    shown = text.count("**apply will refuse:**")
    assert 0 < shown < 40
    assert (
        f"{40 - shown} more refusals not shown; the full plan is in [the run's artifacts](" in text
    )


def test_huge_warnings_still_fit() -> None:
    plan = big_plan(1, 1).model_copy(
        update={"warnings": tuple(f"warning {i}: " + "z" * 3_000 for i in range(100))}
    )
    text = render_comment(plan, CommentContext())
    assert len(text) <= GITHUB_COMMENT_LIMIT and "> [!CAUTION]" in text
    assert "_Plan cut; run `pim-gitops show plan.json` for the full plan._" in text


def _git(repo: object, *args: str) -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_base_and_head_come_from_git_and_the_workflows_variables(tmp_path: object) -> None:
    import shutil
    from pathlib import Path

    import pytest

    from pim_gitops.commands.plan_comment import commits

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = Path(str(tmp_path))
    _git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("a")
    _git(repo, "add", "a.txt")
    _git(repo, "commit", "-qm", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "a.txt").write_text("b")
    _git(repo, "commit", "-qam", "head")
    head = _git(repo, "rev-parse", "HEAD")
    assert commits(str(repo), "main~1", {}) == (base[:7], head[:7])
    # In a workflow: the checked-out commit is GITHUB_SHA, the base branch GITHUB_BASE_REF.
    env = {"GITHUB_SHA": "fedcba9876543210", "GITHUB_BASE_REF": "main"}
    assert commits(str(repo), None, env) == ("main", "fedcba9")
    # A base that is a directory is named as given.
    outside = repo / "base-dir"
    outside.mkdir()
    assert commits(str(outside), str(outside), {})[0] == str(outside)


def test_a_finding_outside_the_repository_is_never_linked() -> None:
    context = CommentContext(root="/elsewhere", environ=GITHUB)
    text = render_comment(big_plan(1, 1), context, lint_of([finding(4)]))
    assert "- **warning** ACT001 `/repo/policies/roles/role-4.yaml:7`: Role 4" in text


def test_a_relative_path_is_named_from_the_repository_root() -> None:
    context = CommentContext(root="/repo", cwd="/repo/sub", environ=GITHUB)
    relative = Finding("ACT001", "n", "warning", "m", "policies/roles/x.yaml", 3)
    text = render_comment(big_plan(1, 1), context, lint_of([relative]))
    assert "[`sub/policies/roles/x.yaml:3`](" in text and "/sub/policies/roles/x.yaml#L3)" in text


def test_the_verdict_line_says_refused_allowed_or_clear() -> None:
    allowed = BREAK_GLASS.model_copy(update={"allowed_by": "PIM_GITOPS_ALLOW"})
    refused = render_comment(big_plan(1, 1), CommentContext())
    assert "**Apply would refuse this plan** (1 refusal)." in refused
    let_through = render_comment(big_plan(1, 1, (allowed,)), CommentContext())
    assert "only by the run's overrides (1 refusal allowed)." in let_through
    assert "No guard refuses this plan." in render_comment(big_plan(1, 1, ()), CommentContext())
    saved = render_comment(big_plan(1, 1), CommentContext(saved=True))
    assert "A saved plan: its refusals as recorded when it was made" in saved


def test_names_and_messages_are_text_in_every_part_of_the_comment() -> None:
    """The tenant's name, a refusal, a warning, a role name and a lint message each carry
    markup: none of it reaches the comment as markup (``render/markdown_text.py``)."""
    refusal = BREAK_GLASS.model_copy(update={"message": "break-glass: user <!-- x"})
    plan = big_plan(1, 1, (refusal,)).model_copy(
        update={"warnings": ("a group named </details><!-- was deleted",)}
    )
    odd = plan.changes[0].model_copy(
        update={"role": RoleRef(id="role-x", name="Tier1 </details> <!--"), "after": ["a```b"]}
    )
    plan = plan.model_copy(update={"changes": (odd,)})
    lint = lint_of([replace(finding(1), message="reason: ok <!-- </details>")])
    context = CommentContext(
        tenant_name="A & B > C | D", base="../base `dir`", head="0123456", environ=GITHUB
    )
    text = render_comment(plan, context, lint)
    body = text.split("\n", 1)[1]
    assert "<!--" not in body and "</details>" not in body.replace("```\n</details>", "")
    assert f"| Tenant | A &amp; B &gt; C \\| D (`{TENANT}`) |" in text
    assert "| Commits | `` ../base `dir` `` → `0123456` |" in text
    assert "> **apply will refuse:** break-glass: user &lt;!-- x" in text
    assert "> a group named &lt;/details&gt;&lt;!-- was deleted" in text
    assert "<summary><b>Tier1 &lt;/details&gt; &lt;!--</b> — 1 change</summary>" in text
    assert "reason: ok &lt;!-- &lt;/details&gt;" in text
    # A backtick run in the diff: the fence is longer than it.
    assert "````diff\n" in text and "\n````\n</details>" in text


def test_a_finding_in_an_oddly_named_file_links_and_quotes_it_whole() -> None:
    context = CommentContext(root="/repo", environ=GITHUB)
    odd = replace(finding(1), file="/repo/policies/roles/tier `0` #1.yaml")
    text = render_comment(big_plan(1, 1), context, lint_of([odd]))
    blob = "https://github.com/contoso/pim-policy/blob/" + GITHUB["GITHUB_SHA"]
    assert (
        "[``policies/roles/tier `0` #1.yaml:7``]"
        f"({blob}/policies/roles/tier%20%600%60%20%231.yaml#L7)"
    ) in text
