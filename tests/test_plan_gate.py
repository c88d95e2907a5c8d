"""Refusals before merge: ``plan`` shows what apply would refuse and what would allow it,
takes apply's guard options and ``PIM_GITOPS_ALLOW`` / ``PIM_GITOPS_MAX_REMOVALS``, exits 3
with ``--detailed-exitcode`` when apply would refuse, and ``show`` renders a saved plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pim_gitops.apply.reductions import reductions
from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.normalize import normalize_tenant
from pim_gitops.render.plan_text import unwrap
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES

NOW = "2026-11-24T09:00:00Z"
OVERRIDE = "allowed only with --allow-break-glass-change / PIM_GITOPS_ALLOW=break-glass-change"
#: What the CI environment of the runner may set and the tests must not inherit.
CLEAN = {
    name: ""
    for name in (
        "PIM_GITOPS_ALLOW",
        "PIM_GITOPS_MAX_REMOVALS",
        "GITHUB_SHA",
        "GITHUB_BASE_REF",
        "GITHUB_SERVER_URL",
        "GITHUB_REPOSITORY",
        "GITHUB_RUN_ID",
    )
}


def plan_cli(directory: Path | str, *args: str, env: dict[str, str] | None = None) -> Result:
    command = ["--now", NOW, "plan", str(directory), "--snapshot", str(SAMPLE_TENANT), *args]
    return CliRunner().invoke(cli, command, env={**CLEAN, **(env or {})})


@pytest.fixture
def without_bg2(policy_copy: Path) -> Path:
    """The example repository with a pull request that drops break-glass account bg2's
    permanent active Global Administrator entry from the role file."""
    path = policy_copy / "roles" / "global-administrator.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if "principal: user:bg2@" in line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    return policy_copy


def test_removing_a_break_glass_account_is_refused_in_the_markdown_and_exits_3(
    without_bg2: Path,
) -> None:
    shown = plan_cli(without_bg2, "--format", "markdown", "--detailed-exitcode")
    assert shown.exit_code == 3, shown.output
    assert shown.output.startswith("<!-- pim-gitops-plan -->\n")
    assert "> [!CAUTION]\n> **apply will refuse:** break-glass: break-glass account " in (
        shown.output
    )
    assert "user:bg2@contoso.onmicrosoft.com" in shown.output and OVERRIDE in shown.output
    # The refusal comes before the plan's sections.
    assert shown.output.index("apply will refuse") < shown.output.index("<details>")
    text = plan_cli(without_bg2, "--detailed-exitcode")
    assert text.exit_code == 3 and "apply will refuse: break-glass: " in text.output
    # Without --detailed-exitcode the plan exits 0: showing a refusal is no error.
    assert plan_cli(without_bg2).exit_code == 0


def test_the_untouched_example_plan_exits_2_not_3() -> None:
    shown = plan_cli(POLICIES, "--detailed-exitcode")
    assert shown.exit_code == 2, shown.output
    assert "apply will refuse" not in shown.output


@pytest.mark.parametrize(
    ("args", "env", "by"),
    [
        ((), {"PIM_GITOPS_ALLOW": "break-glass-change"}, "PIM_GITOPS_ALLOW"),
        ((), {"PIM_GITOPS_ALLOW": " self-lockout , break-glass-change "}, "PIM_GITOPS_ALLOW"),
        (("--allow-break-glass-change",), {}, "--allow-break-glass-change"),
        # The flag wins over the variable in what is shown.
        (
            ("--allow-break-glass-change",),
            {"PIM_GITOPS_ALLOW": "break-glass-change"},
            "--allow-break-glass-change",
        ),
    ],
)
def test_an_allowed_refusal_is_shown_as_allowed_and_exits_2(
    without_bg2: Path, args: tuple[str, ...], env: dict[str, str], by: str
) -> None:
    shown = plan_cli(without_bg2, "--format", "markdown", "--detailed-exitcode", *args, env=env)
    assert shown.exit_code == 2, shown.output
    assert f"**allowed by {by}** (apply would refuse otherwise): break-glass: " in shown.output
    assert "apply will refuse" not in shown.output
    text = plan_cli(without_bg2, *args, env=env)
    assert f"allowed by {by} (apply would refuse otherwise): break-glass: " in text.output


def test_another_guards_override_does_not_allow_the_break_glass_refusal(
    without_bg2: Path,
) -> None:
    shown = plan_cli(without_bg2, "--detailed-exitcode", env={"PIM_GITOPS_ALLOW": "self-lockout"})
    assert shown.exit_code == 3 and "apply will refuse: break-glass:" in shown.output


def test_the_json_plan_carries_the_refusal_as_data(without_bg2: Path) -> None:
    refused = json.loads(plan_cli(without_bg2, "--format", "json").output)["refusals"]
    assert [(r["guard"], r["override"], r["allowed_by"]) for r in refused] == [
        ("break-glass", OVERRIDE, None)
    ]
    assert refused[0]["message"].startswith("break-glass: break-glass account user:bg2@")
    env = {"PIM_GITOPS_ALLOW": "break-glass-change"}
    allowed = json.loads(plan_cli(without_bg2, "--format", "json", env=env).output)["refusals"]
    assert [r["allowed_by"] for r in allowed] == ["PIM_GITOPS_ALLOW"]


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_unknown_allow_name_is_an_error_naming_the_valid_ones(command: str) -> None:
    args = ["--now", NOW, command, str(POLICIES)]
    if command == "plan":
        args += ["--snapshot", str(SAMPLE_TENANT)]
    env = {**CLEAN, "PIM_GITOPS_ALLOW": "break-glass-change,break-glass"}
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 1, result.output
    assert "PIM_GITOPS_ALLOW names unknown guard 'break-glass'" in result.output
    assert (
        "the valid names are: break-glass-change, no-pra-eligible, other-tenant, self-lockout"
        in result.output
    )


def test_a_max_removals_variable_that_is_no_number_is_an_error() -> None:
    result = plan_cli(POLICIES, env={"PIM_GITOPS_MAX_REMOVALS": "ten"})
    assert result.exit_code == 1
    assert "PIM_GITOPS_MAX_REMOVALS='ten' is not a whole number" in result.output


def example_reductions() -> int:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    made = plan_against(load_desired(str(POLICIES), SAMPLE_NOW), state, SAMPLE_NOW)
    return len(reductions(made.operations))


def test_max_removals_n_allows_n_reductions_and_refuses_n_plus_one() -> None:
    count = example_reductions()
    assert 1 < count <= 10  # the default cap lets the example through
    at = plan_cli(POLICIES, "--detailed-exitcode", "--max-removals", str(count))
    assert at.exit_code == 2, at.output
    below = plan_cli(POLICIES, "--detailed-exitcode", "--max-removals", str(count - 1))
    assert below.exit_code == 3, below.output
    whole = unwrap(below.output)  # the refusal as one line (the text wraps at 120 columns)
    assert (
        f"more than --max-removals {count - 1}: " in whole
        and f"(allowed only with --max-removals {count} / PIM_GITOPS_MAX_REMOVALS={count})" in whole
    )
    env = {"PIM_GITOPS_MAX_REMOVALS": str(count - 1)}
    assert plan_cli(POLICIES, "--detailed-exitcode", env=env).exit_code == 3
    env = {"PIM_GITOPS_MAX_REMOVALS": str(count)}
    assert plan_cli(POLICIES, "--detailed-exitcode", env=env).exit_code == 2
    # The flag wins over the variable.
    both = plan_cli(
        POLICIES,
        "--detailed-exitcode",
        "--max-removals",
        str(count),
        env={"PIM_GITOPS_MAX_REMOVALS": str(count - 1)},
    )
    assert both.exit_code == 2


def test_show_reproduces_the_plans_text_and_hash(without_bg2: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    planned = plan_cli(without_bg2, "--out", str(saved))
    shown = CliRunner().invoke(cli, ["show", str(saved)], env=CLEAN)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    assert "apply will refuse: break-glass:" in shown.stdout
    as_json = CliRunner().invoke(cli, ["show", str(saved), "--format", "json"], env=CLEAN)
    assert as_json.stdout == saved.read_text(encoding="utf-8")
    markdown = plan_cli(without_bg2, "--format", "markdown").stdout
    shown_md = CliRunner().invoke(cli, ["show", str(saved), "--format", "markdown"], env=CLEAN)
    hash_line = next(line for line in markdown.splitlines() if line.startswith("| Plan hash"))
    assert hash_line in shown_md.stdout.splitlines()
    assert "### Lint" not in shown_md.stdout
    assert "A saved plan: its refusals as recorded" in shown_md.stdout
    assert "A saved plan" not in markdown


def test_plan_lint_puts_the_policy_views_findings_in_the_comment(without_bg2: Path) -> None:
    shown = plan_cli(without_bg2, "--format", "markdown", "--lint")
    assert shown.exit_code == 0, shown.output
    text = shown.output
    assert "### Lint (policy view)" in text
    # Dropping bg2's assignment is itself a finding of the policy view (GEN001), at its line.
    assert "- **error** GEN001 `" in text and "pim.yaml:" in text
    assert text.index("apply will refuse") < text.index("### Lint") < text.index("### Plan")
    assert "### Lint" not in plan_cli(without_bg2, "--format", "markdown").output
    as_json = plan_cli(without_bg2, "--format", "json", "--lint")
    assert as_json.exit_code == 1 and "--lint shows in text and markdown" in as_json.output


def test_plan_help_documents_the_exit_codes() -> None:
    shown = CliRunner().invoke(cli, ["plan", "--help"])
    assert "3  apply would refuse the plan" in shown.output
    assert "PIM_GITOPS_ALLOW" in shown.output and "--allow-break-glass-change" in shown.output
    applied = CliRunner().invoke(cli, ["apply", "--help"])
    for flag in ("--max-removals", "--guard-horizon", "--allow-self-lockout"):
        assert flag in shown.output and flag in applied.output


# --- the refusals as data, at the removal cap's boundaries ----------------------------------


def test_a_cap_above_the_default_shows_the_reductions_as_allowed_by_it() -> None:
    from pim_gitops.apply import Guards
    from pim_gitops.apply.refusals import judge_plan
    from tests.test_guards import NOW as GUARD_NOW
    from tests.test_guards import removals, tenant

    made = removals(12)
    by_env = Guards(max_removals=12, max_removals_by="PIM_GITOPS_MAX_REMOVALS=12")
    (shown,), _ = judge_plan(made, tenant(), GUARD_NOW, by_env)
    # Judged against the default cap (10), so the run's higher cap shows, never hides it.
    assert (shown.guard, shown.allowed_by) == ("max-removals", "PIM_GITOPS_MAX_REMOVALS=12")
    assert "more than --max-removals 10" in shown.message
    (refused,), _ = judge_plan(made, tenant(), GUARD_NOW, Guards(max_removals=11))
    assert refused.allowed_by is None
    assert refused.override == ("allowed only with --max-removals 12 / PIM_GITOPS_MAX_REMOVALS=12")
    # A cap below the default refuses what the default would let through.
    (lower,), _ = judge_plan(removals(3), tenant(), GUARD_NOW, Guards(max_removals=2))
    assert lower.allowed_by is None and "more than --max-removals 2" in lower.message
    assert judge_plan(removals(3), tenant(), GUARD_NOW, Guards(max_removals=3))[0] == ()


def test_every_guard_message_names_a_guard_the_override_table_knows() -> None:
    from pim_gitops.apply import Guards
    from pim_gitops.apply.guards import guard_problems
    from pim_gitops.apply.overrides import GUARD_ALLOWS, MAX_REMOVALS, guard_of
    from tests.test_guards import NOW as GUARD_NOW
    from tests.test_guards import ORGANIZATION, breaking_everything

    made, before = breaking_everything()
    problems = guard_problems(made, before, Guards(max_removals=2), ORGANIZATION, GUARD_NOW)
    assert len(problems) >= 5
    assert {guard_of(p) for p in problems} <= {*GUARD_ALLOWS, MAX_REMOVALS}


# --- apply judges again: refusals in a plan file are never read ------------------------------


def live_cli(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    from pim_gitops.tenantgen import SAMPLE_NOW as NOW_
    from pim_gitops.wire import format_instant

    command = ["--now", format_instant(NOW_), "--graph-url", url, *args]
    return CliRunner().invoke(cli, command, env={**CLEAN, **(env or {})})


def test_apply_refuses_a_plan_file_whose_refusals_were_removed(
    live: Any, without_bg2: Path, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    planned = live_cli(live.url, "plan", str(without_bg2), "--out", str(saved))
    assert "apply will refuse: break-glass:" in planned.output, planned.output
    data = json.loads(saved.read_text(encoding="utf-8"))
    saved.write_text(json.dumps({**data, "refusals": []}), encoding="utf-8")
    applied = live_cli(live.url, "apply", str(saved), "--policy", str(without_bg2))
    assert applied.exit_code == 1, applied.output
    assert "refusing to apply; nothing was written" in applied.output
    assert "break-glass: break-glass account user:bg2@" in applied.output
    assert live.stats()["writes"] == 0
    # The variable an admin set lifts it for apply too.
    env = {"PIM_GITOPS_ALLOW": "break-glass-change"}
    allowed = live_cli(live.url, "apply", str(saved), "--policy", str(without_bg2), env=env)
    assert allowed.exit_code == 0, allowed.output
