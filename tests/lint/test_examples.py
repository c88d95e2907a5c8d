"""Every rule's documented examples are compiled and linted: the Example raises the rule,
Use instead does not (tenant views from the examples' ``# tenant`` blocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pim_gitops.lint.docstring import ExampleFile
from pim_gitops.lint.examples import example_repo
from pim_gitops.lint.registry import Rule, catalogue
from tests.lint.helpers import lint_repo, write_repo

RULES = catalogue()


def _codes(rule: Rule, files: tuple[ExampleFile, ...], root: Path) -> set[str]:
    repo, facts = example_repo(files)
    if rule.needs_tenant:
        assert facts is not None, f"{rule.code} needs a tenant view: add a '# tenant' block"
    result = lint_repo(write_repo(root, repo), facts)
    return {f.rule for f in result.findings if f.waived is None}


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_the_example_raises_the_rule(rule: Rule, tmp_path: Path) -> None:
    assert rule.code in _codes(rule, rule.doc.bad, tmp_path)


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_use_instead_does_not(rule: Rule, tmp_path: Path) -> None:
    assert rule.code not in _codes(rule, rule.doc.good, tmp_path)
