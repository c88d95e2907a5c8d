"""The report's document model as one self-contained HTML page that prints well: a table of
contents with anchors, status colours, tables that wrap long names instead of overflowing."""

from __future__ import annotations

import html

from pim_gitops.render.report_doc import Block, Bullets, Cell, Document, Para, Section, contents

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;
color:#1b1f24;max-width:100%}
h1{font-size:1.6rem;margin:0 0 .3rem} h2{font-size:1.25rem;margin:1.8rem 0 .4rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem} h3{font-size:1.05rem;margin:1.4rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;table-layout:auto}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:#f6f8fa} td.pass{background:#dafbe1;color:#116329;font-weight:600}
td.fail{background:#ffebe9;color:#b42318;font-weight:600}
td.warn{background:#fff8c5;color:#7d4e00;font-weight:600}
.muted{color:#57606a} li{overflow-wrap:anywhere} p{overflow-wrap:anywhere}
nav.toc{border:1px solid #d0d7de;background:#f6f8fa;padding:.5rem 1rem;margin:1rem 0}
nav.toc ul{margin:.2rem 0;padding-left:1.2rem;columns:2} nav.toc li{break-inside:avoid}
nav.toc li.sub{margin-left:1.2rem} table.controls td:nth-child(-n+4){white-space:nowrap}
table.controls td:nth-child(2){white-space:normal;min-width:12rem}
table.history td,table.history th{overflow-wrap:anywhere}
a{color:#0969da;text-decoration:none}
@media print{body{margin:1cm} h2,h3{break-after:avoid} tr{break-inside:avoid}
nav.toc{break-after:page} a{color:inherit}}
"""


def _cell(cell: Cell, tag: str = "td") -> str:
    text = html.escape(cell.text)
    if cell.link:
        text = f'<a href="{html.escape(cell.link)}">{text}</a>'
    cls = f' class="{cell.status}"' if cell.status else ""
    return f"<{tag}{cls}>{text}</{tag}>"


def _block(block: Block) -> str:
    if isinstance(block, Para):
        cls = f' class="{block.status}"' if block.status else ""
        return f"<p{cls}>{html.escape(block.text)}</p>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(_cell(c, "li") for c in block.items) + "</ul>"
    cls = f' class="{block.name}"' if block.name else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in block.headers)
    rows = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in block.rows)
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _section(section: Section) -> str:
    tag = f"h{section.level}"
    title = html.escape(section.title)
    body = "".join(_block(b) for b in section.blocks)
    return f'<section id="{section.anchor}"><{tag}>{title}</{tag}>{body}</section>'


def _toc(document: Document) -> str:
    items = "".join(
        f'<li{" class=sub" if indent else ""}><a href="#{s.anchor}">{html.escape(s.title)}</a></li>'
        for s, indent in contents(document)
    )
    return f'<nav class="toc"><b>Contents</b><ul>{items}</ul></nav>'


def render_html(document: Document) -> str:
    """The page: one self-contained file (no script, no external resource)."""
    title = html.escape(document.title)
    parts = [
        f"<h1>{title}</h1><p class=muted>{html.escape(document.subtitle)}</p>",
        _toc(document),
        *[_section(s) for s in document.sections],
    ]
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>\n"
    )
