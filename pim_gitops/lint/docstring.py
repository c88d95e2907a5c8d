"""A rule's docstring is its documentation: the first line is the title, then sections headed
``## What it checks``, ``## Why``, ``## How to fix``, ``## Example`` (YAML that raises the
rule) and ``## Use instead`` (YAML that does not). Each YAML block opens with a comment naming
the file it stands for (``# roles/global-administrator.yaml``, ``# pim.yaml``) or ``# tenant``
for the tenant facts the rule reads (see ``lint/examples.py``)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

SECTIONS = ("What it checks", "Why", "How to fix", "Example", "Use instead")
_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_YAML_BLOCK = re.compile(r"^```yaml\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_FILE_HEADER = re.compile(r"^# (tenant|pim\.yaml|(?:roles|reviews)/[\w./-]+\.ya?ml)\s*$")


class RuleDocError(ValueError):
    """A rule docstring that lacks a section or whose examples cannot be read."""


@dataclass(frozen=True)
class ExampleFile:
    """One YAML block of an example: the file it stands for and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class RuleDoc:
    title: str
    #: Section heading → its text (Markdown), in the order of ``SECTIONS``.
    sections: tuple[tuple[str, str], ...]
    bad: tuple[ExampleFile, ...]
    good: tuple[ExampleFile, ...]

    def section(self, name: str) -> str:
        return dict(self.sections)[name]


def _example_files(code: str, section: str, text: str) -> tuple[ExampleFile, ...]:
    files: list[ExampleFile] = []
    for block in _YAML_BLOCK.findall(text):
        first, _, rest = block.partition("\n")
        header = _FILE_HEADER.match(first)
        if header is None:
            raise RuleDocError(
                f"{code}: each YAML block of '## {section}' must open with '# <file>' "
                f"(pim.yaml, roles/<name>.yaml, reviews/<name>.yaml or tenant), not {first!r}"
            )
        files.append(ExampleFile(header.group(1), rest))
    if not files:
        raise RuleDocError(f"{code}: '## {section}' has no ```yaml block")
    return tuple(files)


def parse_rule_doc(code: str, docstring: str | None) -> RuleDoc:
    """Split a rule's docstring into title, sections and examples; raise on a missing part."""
    text = inspect.cleandoc(docstring or "")
    title, _, body = text.partition("\n")
    if not title.strip():
        raise RuleDocError(f"{code}: the docstring's first line (the title) is empty")
    parts = _HEADING.split(body)
    found = {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    missing = [s for s in SECTIONS if not found.get(s)]
    unknown = sorted(set(found) - set(SECTIONS))
    if missing or unknown:
        raise RuleDocError(
            f"{code}: docstring sections missing: {missing or 'none'}; unknown: {unknown or 'none'}"
        )
    return RuleDoc(
        title.strip(),
        tuple((s, found[s]) for s in SECTIONS),
        _example_files(code, "Example", found["Example"]),
        _example_files(code, "Use instead", found["Use instead"]),
    )
