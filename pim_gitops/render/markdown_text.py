"""Putting text into GitHub markdown (the PR comment, the drift issue, the report): escaping
and fitting under a limit.

Text from the tenant (its display name, custom role names, ``lastModifiedBy``), from the
pull request (role files, waiver reasons) and lint messages quoting either is data, never
markup: ``<!--`` in a tenant's name would open an HTML comment GitHub never closes, hiding
the rest of the comment from reviewers, and ``</details>`` in a role name would close a
section early. So prose gets ``&``, ``<`` and ``>`` as entities (``md_text``), table cells
also ``|`` (``cell=True``), inline code a backtick run longer than any inside it
(``md_code``), and a fenced block a fence longer than any backtick run in its body
(``md_fence``). Paths in links are percent-encoded (``url_path``).

``fit`` keeps the leading blocks that fit a budget and counts the rest: the comment's
refusals and lint list, the plan's role sections and the drift issue's differences are cut
with it, each saying how many it cut.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

_NEWLINES = re.compile(r"\r\n|\r|\n")
_BACKTICKS = re.compile(r"`+")


def md_text(text: str, *, cell: bool = False) -> str:
    """``text`` as literal markdown prose on one line: ``&``, ``<``, ``>`` as entities, line
    breaks as spaces; with ``cell``, also ``\\`` and ``|`` escaped for a table cell."""
    text = _NEWLINES.sub(" ", text)
    if cell:
        text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _longest_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def md_code(text: str, *, cell: bool = False) -> str:
    """``text`` as an inline code span whose delimiter no backtick run in it can close
    (markup inside a code span is shown as it is); with ``cell``, ``|`` escaped for a
    table cell (GitHub unescapes it inside code there)."""
    text = _NEWLINES.sub(" ", text)
    fence = "`" * (_longest_run(text) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    code = f"{fence}{pad}{text}{pad}{fence}"
    return code.replace("|", "\\|") if cell else code


def md_fence(body: str, info: str = "") -> str:
    """``body`` in a fenced code block whose fence is longer than any backtick run in it,
    so no line of ``body`` can close it."""
    fence = "`" * max(3, _longest_run(body) + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def url_path(path: str) -> str:
    """A repository path for a URL: percent-encoded, ``/`` kept."""
    return quote(path, safe="/")


def clip(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters, saying how many more there were."""
    return text if len(text) <= chars else text[:chars] + f"… ({len(text) - chars} more characters)"


def fit(blocks: Sequence[str], room: int, *, gap: int = 0) -> tuple[list[str], int]:
    """The leading ``blocks`` that fit in ``room`` characters (each taking its length plus
    ``gap``, the separator written after it), and how many did not fit."""
    kept: list[str] = []
    used = 0
    for index, block in enumerate(blocks):
        if used + len(block) > room:
            return kept, len(blocks) - index
        kept.append(block)
        used += len(block) + gap
    return kept, 0


__all__ = ["clip", "fit", "md_code", "md_fence", "md_text", "url_path"]
