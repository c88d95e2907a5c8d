"""Per-rule fixtures: ``fixtures/<CODE>/{fail,pass}/<case>/`` is a small policy repository
(``tenant.yaml``: the tenant facts, when the case needs a tenant view) and ``findings.txt``
its golden findings of that rule (location, code, severity, message). ``UPDATE_GOLDEN=1``
rewrites the goldens; review the diff like code. Thresholds have a case exactly at the limit
and one just past it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from pim_gitops.lint.engine import Finding
from pim_gitops.lint.registry import catalogue
from tests.lint.helpers import case_view, lint_repo

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*/*") if p.is_dir() and p.parent.name != "roles")


def _line(case: Path, f: Finding) -> str:
    path = Path(f.file).resolve().relative_to(case.resolve()).as_posix()
    controls = f" [{', '.join(f.controls)}]" if f.controls else ""
    waived = f" (waived: {f.waived})" if f.waived else ""
    where = f"{path}:{f.line}:{f.column}" if f.line else path  # line 0: about the tenant
    return f"{where}: {f.rule} {f.severity}: {f.message}{controls}{waived}"


def _findings(case: Path) -> list[Finding]:
    code = case.parent.parent.name
    facts_file = case / "tenant.yaml"
    facts = yaml.safe_load(facts_file.read_text()) or {} if facts_file.is_file() else None
    return [f for f in lint_repo(case, facts, case_view(case)).findings if f.rule == code]


@pytest.mark.parametrize("case", CASES, ids=[c.relative_to(FIXTURES).as_posix() for c in CASES])
def test_fixture_findings_match_the_golden(case: Path) -> None:
    findings = _findings(case)
    text = "".join(_line(case, f) + "\n" for f in findings)
    golden = case / "findings.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    raised = [f for f in findings if f.waived is None]
    if case.parent.name == "fail":
        assert raised, f"{case}: a fail fixture must raise its rule"
    else:
        assert not raised, f"{case}: a pass fixture must not raise its rule"


@pytest.mark.parametrize("rule", catalogue(), ids=lambda r: r.code)
def test_every_rule_has_pass_and_fail_fixtures(rule: object) -> None:
    code = getattr(rule, "code")  # noqa: B009
    for outcome in ("pass", "fail"):
        cases = [c for c in CASES if c.parent.name == outcome and c.parent.parent.name == code]
        assert cases, f"{code} has no {outcome} fixture under tests/lint/fixtures/{code}/"


def test_every_fixture_names_a_rule() -> None:
    codes = {r.code for r in catalogue()}
    assert {c.parent.parent.name for c in CASES} <= codes
    assert {c.parent.name for c in CASES} <= {"pass", "fail"}
