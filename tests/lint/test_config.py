"""``lint.rules`` overrides apply to every rule (GEN004 and GEN005 included); an unknown rule
code, an unknown option or a badly typed value is an error at its line in pim.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from pim_gitops.errors import LintConfigError
from tests.lint.helpers import lint_repo, write_repo

EXPIRED_AND_UNUSED = (
    "role: Global Reader\nactivation: {max_duration: PT12H}\nwaivers:\n"
    "  - {rule: ACT002, reason: night shift migration, expires: 2026-11-23}\n"
    "  - {rule: ASG007, reason: not needed any more, expires: 2027-03-31}\n"
)


def _lint(tmp_path: Path, lint_block: str) -> set[tuple[str, str, str | None]]:
    files = {
        "pim.yaml": "tenant: contoso.onmicrosoft.com\n" + lint_block,
        "roles/global-reader.yaml": EXPIRED_AND_UNUSED,
    }
    result = lint_repo(write_repo(tmp_path, files), None)
    return {(f.rule, f.severity, f.waived) for f in result.findings}


def test_waiver_rules_have_their_defaults(tmp_path: Path) -> None:
    found = _lint(tmp_path, "")
    assert {("GEN004", "warning", None), ("GEN005", "warning", None)} <= found
    assert ("ACT002", "warning", None) in found  # the expired waiver no longer covers it


def test_overrides_reach_the_waiver_rules(tmp_path: Path) -> None:
    found = _lint(
        tmp_path, "lint:\n  rules:\n    GEN005: {enabled: false}\n    GEN004: {severity: error}\n"
    )
    assert {f for f in found if f[0] in ("GEN004", "GEN005")} == {("GEN004", "error", None)}


def _error(tmp_path: Path, lint_block: str) -> str:
    with pytest.raises(LintConfigError) as caught:
        _lint(tmp_path, lint_block)
    return str(caught.value)


def test_an_unknown_rule_code_is_located(tmp_path: Path) -> None:
    message = _error(tmp_path, "lint:\n  rules:\n    GEN009: {enabled: false}\n")
    assert message == (
        f"{tmp_path / 'pim.yaml'}:4:5: lint.rules names an unknown rule 'GEN009'; "
        "did you mean GEN008?"
    )


def test_a_misspelled_option_is_located(tmp_path: Path) -> None:
    block = "lint:\n  rules:\n    ACT002:\n      options: {maximum: PT4H}\n"
    message = _error(tmp_path, block)
    assert message == (
        f"{tmp_path / 'pim.yaml'}:5:17: lint.rules.ACT002: unknown option 'maximum' "
        "(options: max, privileged, tier0, tier0_roles); did you mean max?"
    )


def test_an_option_of_a_rule_without_options_is_located(tmp_path: Path) -> None:
    message = _error(tmp_path, "lint:\n  rules:\n    GEN005: {options: {days: 3}}\n")
    assert message.startswith(f"{tmp_path / 'pim.yaml'}:4:24: lint.rules.GEN005: unknown option")
    assert "(options: none)" in message


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("ACT002: {options: {max: 8}}", "expected an ISO 8601 duration"),
        ("ACT002: {options: {max: P1Y}}", "years, months and weeks are not accepted"),
        ("APR003: {options: {days: '90'}}", "expected a whole number"),
        ("APR003: {options: {days: -1}}", "expected a whole number"),
        ("GEN001: {options: {count: true}}", "expected a whole number"),
        ("ACT001: {options: {ticket: 'no'}}", "expected true or false"),
    ],
)
def test_a_badly_typed_option_is_located_at_its_value(
    tmp_path: Path, setting: str, problem: str
) -> None:
    message = _error(tmp_path, f"lint:\n  rules:\n    {setting}\n")
    where, _, text = message.partition(": lint.rules.")
    column = setting.index(": ", setting.index("options: {") + 10) + 2 + 5
    assert where == f"{tmp_path / 'pim.yaml'}:4:{column}"
    assert problem in text


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    block = "lint:\n  rules:\n    XYZ001: {}\n    ACT002: {options: {mx: PT1H}}\n"
    lines = _error(tmp_path, block).splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 2)[1] for line in lines] == ["4", "5"]


def test_the_lint_command_reports_the_place_and_exits_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    files = {"pim.yaml": "tenant: contoso.onmicrosoft.com\nlint:\n  rules:\n    GEN05: {}\n"}
    write_repo(tmp_path, files)
    result = CliRunner().invoke(cli, ["--now", "2026-11-24", "lint", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'pim.yaml'}:4:5: lint.rules names an unknown rule 'GEN05'" in (
        result.stderr
    )
    assert result.stdout == ""


def test_validate_reports_a_misspelled_option_too(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    block = "lint:\n  rules:\n    ACT002: {options: {maxx: PT4H}}\n"
    write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n" + block})
    result = CliRunner().invoke(cli, ["--now", "2026-11-24", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'pim.yaml'}:4:24: lint.rules.ACT002: unknown option 'maxx'" in (
        result.stderr
    )
