"""Colour for human text on a terminal: the plain text every command prints, marked up for
rich line by line, so the plain text (CI logs, pipes, goldens) and the coloured one never
differ in their words.

What is coloured: diagnostics (``file:line: CODE severity: message`` from lint,
``file:line:col: message`` from validate, ``error:``/``warning:`` lines) by severity, the
headings of lint's views and files, validate's verdict, the summaries of apply and export.
"""

from __future__ import annotations

import re
from collections.abc import Callable

SEVERITY = {"error": "bold red", "warning": "yellow", "info": "cyan"}

#: ``  policies/pim.yaml:32: ACT002 warning: …`` and ``policies/pim.yaml:3:1: warning: …``
DIAGNOSTIC = re.compile(
    r"^(?P<indent>\s*)(?P<where>\S[^:\s]*(?::\d+){0,2}): (?:(?P<code>[A-Z]{3}\d{3}) )?"
    r"(?P<severity>error|warning|info): (?P<rest>.*)$"
)
#: ``policies/pim.yaml:32:21: templates….max_duration: 'PT4Q' is not …`` (validate's errors)
LOCATED = re.compile(r"^(?P<indent>\s*)(?P<where>\S+:\d+(?::\d+)?): (?P<rest>.+)$")
#: A line's style by the pattern it matches (first match wins).
LINE_STYLE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(error: |\d+ errors? found\.$|apply will refuse: )"), "bold red"),
    (re.compile(r"^warning: "), "yellow"),
    (re.compile(r"^(Policy|Posture): "), "bold"),
    (re.compile(r"^\S+\.ya?ml( \(roles without a file\))?$"), "bold underline"),
    (re.compile(r"^\S+: valid\. "), "green"),
    (re.compile(r"^wrote "), "green"),
    (re.compile(r"^Apply: .*: \d+ succeeded, 0 failed, 0 skipped; 0 changes "), "bold green"),
    (re.compile(r"^Apply: .*: \d+ succeeded, 0 failed, \d+ skipped; 0 changes "), "bold yellow"),
    (re.compile(r"^Apply: nothing written\.$"), "bold"),
    (re.compile(r"^(Apply: |access lost in the tenant|not in effect after read-back)"), "bold red"),
    (re.compile(r"^\d+ errors?, \d+ warnings?, "), "bold"),
)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _diagnostic(match: re.Match[str]) -> str:
    severity = match["severity"]
    code = f"[dim]{_escape(match['code'])}[/] " if match["code"] else ""
    return (
        f"{match['indent']}[bold]{_escape(match['where'])}[/]: {code}"
        f"[{SEVERITY[severity]}]{severity}[/]: {_escape(match['rest'])}"
    )


def _located(match: re.Match[str]) -> str:
    return f"{match['indent']}[bold]{_escape(match['where'])}[/]: [red]{_escape(match['rest'])}[/]"


def highlight_line(line: str, default: str | None = None) -> str:
    """One line of plain text as rich markup (escaped; styled when it is one we know, else
    in ``default`` when given)."""
    shapes: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
        (DIAGNOSTIC, _diagnostic),
        (LOCATED, _located),
    )
    for pattern, mark in shapes:
        if found := pattern.match(line):
            return mark(found)
    for pattern, style in LINE_STYLE:
        if pattern.match(line):
            return f"[{style}]{_escape(line)}[/]"
    return f"[{default}]{_escape(line)}[/]" if default and line else _escape(line)


def highlight(text: str, default: str | None = None) -> str:
    """Plain text as rich markup, line by line; the words and line breaks unchanged."""
    return "\n".join(highlight_line(line, default) for line in text.split("\n"))
