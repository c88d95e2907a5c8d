"""A rule's docstring parsed into its documentation: title, sections in a fixed order, and the
YAML examples by the file each stands for; a missing or unknown section, or an example block
that names no file, is refused naming the rule and the section."""

from __future__ import annotations

import re

import pytest

from pim_gitops.lint.docstring import SECTIONS, ExampleFile, RuleDocError, parse_rule_doc
from tests.lint.test_registry import DOC

TWO_FILES = DOC.replace(
    "## Use instead\n\n```yaml\n# pim.yaml\ntenant: b\n```\n",
    "## Use instead\n\n```yaml\n# pim.yaml\ntenant: b\n```\n\n"
    "```yaml\n# roles/reader.yaml\nrole: Global Reader\n```\n",
)


def test_a_docstring_becomes_title_sections_and_examples() -> None:
    doc = parse_rule_doc("ACT901", "  " + TWO_FILES)
    assert doc.title == "A title"
    assert [name for name, _ in doc.sections] == list(SECTIONS)
    assert (doc.section("What it checks"), doc.section("Why"), doc.section("How to fix")) == (
        "x",
        "y",
        "z",
    )
    assert doc.bad == (ExampleFile("pim.yaml", "tenant: a\n"),)
    assert doc.good == (
        ExampleFile("pim.yaml", "tenant: b\n"),
        ExampleFile("roles/reader.yaml", "role: Global Reader\n"),
    )


@pytest.mark.parametrize("docstring", [None, "", "   "])
def test_a_docstring_without_a_title_is_refused(docstring: str | None) -> None:
    with pytest.raises(RuleDocError, match="ACT901: the docstring's first line \\(the title\\) is"):
        parse_rule_doc("ACT901", docstring)


def test_a_missing_section_is_named() -> None:
    text = DOC.replace("## How to fix\n\nz\n", "")
    with pytest.raises(RuleDocError) as caught:
        parse_rule_doc("ACT901", text)
    assert str(caught.value) == (
        "ACT901: docstring sections missing: ['How to fix']; unknown: none"
    )


def test_an_unknown_section_is_named() -> None:
    with pytest.raises(RuleDocError) as caught:
        parse_rule_doc("ACT901", DOC + "\n## Notes\n\nmore\n")
    assert str(caught.value) == "ACT901: docstring sections missing: none; unknown: ['Notes']"


@pytest.mark.parametrize("section", ["Example", "Use instead"])
def test_an_example_block_naming_no_file_is_refused_with_its_section(section: str) -> None:
    head = "```yaml\n# pim.yaml\n"
    start = DOC.index(f"## {section}")
    at = DOC.index(head, start)
    text = DOC[:at] + "```yaml\n# somewhere\n" + DOC[at + len(head) :]
    message = (
        f"ACT901: each YAML block of '## {section}' must open with '# <file>' "
        "(pim.yaml, roles/<name>.yaml, reviews/<name>.yaml or tenant), not '# somewhere'"
    )
    with pytest.raises(RuleDocError, match=re.escape(message)):
        parse_rule_doc("ACT901", text)


@pytest.mark.parametrize("section", ["Example", "Use instead"])
def test_a_section_without_a_yaml_block_is_refused(section: str) -> None:
    start = DOC.index(f"## {section}")
    end = DOC.find("## ", start + 3)
    replaced = f"## {section}\n\nprose only\n\n"
    text = DOC[:start] + replaced + (DOC[end:] if end != -1 else "")
    with pytest.raises(
        RuleDocError, match=re.escape(f"ACT901: '## {section}' has no ```yaml block")
    ):
        parse_rule_doc("ACT901", text)
