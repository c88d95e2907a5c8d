"""HIS001's ``ticket_pattern`` is matched against text anyone who may activate writes: a
pattern with a repeat inside a repeat (exponential backtracking in Python's ``re`` on a
crafted ticket) is refused at its line; ordinary ticket patterns are taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from pim_gitops.errors import LintConfigError
from pim_gitops.lint.pattern_safety import nested_repeat
from tests.lint.helpers import lint_repo, write_repo

PIM = (
    "tenant: contoso.onmicrosoft.com\nlint:\n  rules:\n"
    "    HIS001: {options: {ticket_pattern: %s}}\n"
)
FACTS = {
    "users": {"alice@contoso.com": {}},
    "history": {
        "requests": [
            {
                "role": "Global Administrator",
                "principal": "user:alice@contoso.com",
                "justification": "x",
                "ticket": "see slack",
            }
        ]
    },
}


@pytest.mark.parametrize("written", ["^(CHG[0-9]+)+$", "(\\\\w+\\\\s?)*$", "^(?:(C+)*H)+$"])
def test_a_nested_repeat_is_refused_at_its_line(tmp_path: Path, written: str) -> None:
    repo = write_repo(tmp_path, {"pim.yaml": PIM % f'"{written}"'})
    with pytest.raises(LintConfigError, match=r"pim\.yaml:4:\d+: .*repeat inside a repeat"):
        lint_repo(repo, FACTS)


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        ("^CHG[0-9]+$", False),
        ("^(CHG|INC)[0-9]{4,8}$", False),
        ("^([A-Z]+-)?[0-9]+$", False),  # a repeat of at most one does not nest
        ("^(?:[A-Z]{3}[0-9]+)+$", True),
        ("^(a|b+)*$", True),
        ("(?=(a+)+)", True),
        ("^(?>a+)+$", False),  # an atomic group is not backtracked into
    ],
)
def test_nesting_is_judged_on_unbounded_repeats(pattern: str, nested: bool) -> None:
    assert nested_repeat(pattern) is nested


def test_an_ordinary_pattern_judges_the_ticket(tmp_path: Path) -> None:
    repo = write_repo(tmp_path, {"pim.yaml": PIM % '"^CHG[0-9]+$"'})
    assert [f.rule for f in lint_repo(repo, FACTS).findings if f.rule == "HIS001"] == ["HIS001"]
