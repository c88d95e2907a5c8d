"""The report as one document model, rendered twice (markdown here, HTML in
``report_html.py``), so the two formats cannot say different things: every heading, table,
cell and sentence exists once, in the model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pim_gitops.render.markdown_text import md_text

#: Result words of a control, and the CSS class each is shown with.
STATUS_CLASS = {
    "pass": "pass",
    "fail": "fail",
    "warning": "warn",
    "accepted": "muted",
    "not checked": "muted",
}


@dataclass(frozen=True)
class Cell:
    text: str
    #: A CSS class for the HTML (``pass``, ``fail``, ``warn``, ``muted``); markdown bolds
    #: ``fail`` cells.
    status: str = ""
    #: An anchor this cell links to (``#role-global-administrator``).
    link: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    status: str = ""


@dataclass(frozen=True)
class Bullets:
    items: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    #: A class for the HTML table (``controls`` for the per-control table).
    name: str = ""


Block = Para | Bullets | Table


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    blocks: tuple[Block, ...]
    #: 2 for a top-level section, 3 for one under the section before it (a role).
    level: int = 2


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...]


def anchor(*words: str) -> str:
    """A stable anchor from words: lower case, runs of anything else as ``-``."""
    text = "-".join(words).casefold()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def cells(*texts: str) -> tuple[Cell, ...]:
    return tuple(Cell(t) for t in texts)


def _md_text(text: str) -> str:
    """Markdown-safe inline text: HTML, table pipes and emphasis escaped
    (``render/markdown_text.py``, as the PR comment escapes)."""
    return md_text(text, cell=True).replace("*", "\\*")


def _md_cell(cell: Cell) -> str:
    text = _md_text(cell.text)
    if cell.link:
        text = f"[{text}]({cell.link})"
    return f"**{text}**" if cell.status == "fail" else text


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Para):
        return [_md_text(block.text), ""]
    if isinstance(block, Bullets):
        return [*[f"- {_md_cell(c)}" for c in block.items], ""]
    lines = [
        "| " + " | ".join(_md_text(h) for h in block.headers) + " |",
        "|" + "---|" * len(block.headers),
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
    return [*lines, ""]


def contents(document: Document) -> list[tuple[Section, str]]:
    """The table of contents: each section with its indent (``""`` or two spaces)."""
    return [(s, "  " * (s.level - 2)) for s in document.sections]


def render_markdown(document: Document) -> str:
    """The document as GitHub markdown: a contents list linking to anchors, then sections."""
    lines = [f"# {_md_text(document.title)}", "", _md_text(document.subtitle), "", "Contents:", ""]
    lines += [f"{indent}- [{_md_text(s.title)}](#{s.anchor})" for s, indent in contents(document)]
    lines.append("")
    for section in document.sections:
        lines += [
            f'<a id="{section.anchor}"></a>',
            "",
            f"{'#' * section.level} {_md_text(section.title)}",
            "",
        ]
        for block in section.blocks:
            lines += _md_block(block)
    return "\n".join(lines).rstrip("\n") + "\n"
