"""Plans as text (Terraform-like), markdown (PR comments) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from pim_gitops.plan import Plan, plan_document

# Plan text lives in render/plan_text.py; re-exported here for the renderers that use it.
from pim_gitops.render.plan_text import COLOUR as COLOUR
from pim_gitops.render.plan_text import SYMBOL as SYMBOL
from pim_gitops.render.plan_text import change_line as change_line
from pim_gitops.render.plan_text import render_text as render_text
from pim_gitops.wording import plural

#: GitHub's limit on an issue or pull-request comment.
GITHUB_COMMENT_LIMIT = 65_536


def _changes(plan: Plan) -> list[dict[str, Any]]:
    """The changes as JSON data: renderers read the plan document, as Terraform's do."""
    changes: list[dict[str, Any]] = plan_document(plan)["changes"]
    return changes


def summary_line(plan: Plan) -> str:
    s = plan.summary
    if not (s.add or s.change or s.remove):
        if plan.unlisted_requests:
            return (
                "No changes found, but requests could not be listed "
                f"({', '.join(plan.unlisted_requests)}): "
                "assignments scheduled to start later are not compared."
            )
        return "No changes. The tenant matches the policy."
    return f"Plan: {s.add} to add, {s.change} to change, {s.remove} to remove."


def _by_role(changes: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (name, list(items)) for name, items in groupby(changes, key=lambda c: c["role"]["name"])
    ]


def render_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """A PR comment: summary table first, one collapsible section per role, under the limit."""
    s = plan.summary
    head = [
        "### pim-gitops plan",
        "",
        "| add | change | remove |",
        "|---:|---:|---:|",
        f"| {s.add} | {s.change} | {s.remove} |",
        "",
        summary_line(plan),
        "",
    ]
    for warning in plan.warnings:
        head.append(f"> [!WARNING]\n> {warning}\n")
    for problem in plan.refusals:
        head.append(f"> [!CAUTION]\n> **apply will refuse:** {problem}\n")
    sections = []
    for role, changes in _by_role(_changes(plan)):
        body = "\n".join(change_line(c) for c in changes)
        sections.append(
            f"<details><summary><b>{role}</b> — {plural(len(changes), 'change')}</summary>\n\n"
            f"```diff\n{body}\n```\n</details>\n"
        )
    out = "\n".join(head) + "\n"
    note = "\n_Truncated: {n} not shown; see the plan artifact or run `pim-gitops plan` locally._\n"
    for index, section in enumerate(sections):
        truncated = note.format(n=plural(len(sections) - index, "more role section"))
        if len(out) + len(section) + len(truncated) + 20 > limit:
            out += truncated
            break
        out += section
    return out


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_drift(plan: Plan, policies: dict[str, tuple[str | None, str | None]]) -> str:
    """A drift report (markdown) for an issue body: ``render/drift.py`` words it."""
    from pim_gitops.render.drift import render_drift as drift_markdown

    return drift_markdown(plan, policies)
