"""Plans as text (Terraform-like), markdown (PR comments) and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from pim_gitops.action import Action
from pim_gitops.plan import Plan, Refusal, plan_document
from pim_gitops.wording import plural

#: GitHub's limit on an issue or pull-request comment.
GITHUB_COMMENT_LIMIT = 65_536
SYMBOL = {action.value: action.symbol for action in Action}
COLOUR = {"create": "green", "update": "yellow", "delete": "red"}


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict) and "end" in value and set(value) <= {"end", "start", "note"}:
        # An assignment: its end, ``start → end`` when it starts later, and a mark.
        span = f"{value['start']} → {value['end']}" if "start" in value else str(value["end"])
        return f"{span}; {value['note']}" if "note" in value else span
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


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


def refusal_line(refusal: Refusal) -> str:
    """``apply will refuse: …`` with what would allow it, or ``allowed by …``."""
    if refusal.allowed_by is not None:
        return f"allowed by {refusal.allowed_by} (apply would refuse otherwise): {refusal.message}"
    lifts = refusal.override or "no override lifts it"
    return f"apply will refuse: {refusal.message} ({lifts})"


#: Longest refusal message a markdown block shows (a removal cap lists every reduction).
REFUSAL_CHARS = 4_000


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars] + f"… ({len(text) - chars} more characters)"


def refusal_markdown(refusal: Refusal, *, chars: int = REFUSAL_CHARS) -> str:
    """One refusal as a GitHub alert: CAUTION when apply would refuse, WARNING when the
    run's overrides allow it."""
    message = _cut(refusal.message, chars)
    if refusal.allowed_by is not None:
        return (
            f"> [!WARNING]\n> **allowed by {refusal.allowed_by}** (apply would refuse "
            f"otherwise): {message}\n"
        )
    lifts = refusal.override or "no override lifts it"
    return f"> [!CAUTION]\n> **apply will refuse:** {message} ({lifts})\n"


def change_line(change: dict[str, Any]) -> str:
    action = change["action"]
    if action == "update":
        detail = f"{_value(change['before'])} → {_value(change['after'])}"
    elif action == "create":
        detail = _value(change["after"])
    else:
        detail = f"(was {_value(change['before'])})"
    origin = {
        "drift": "  (reverts drift: the tenant differs from the base too)",
        "pull-request": "  (this change)",
    }.get(change.get("origin", ""), "")
    return f"{SYMBOL[action]} {change['address']}: {detail}{origin}"


def _by_role(changes: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (name, list(items)) for name, items in groupby(changes, key=lambda c: c["role"]["name"])
    ]


def render_text(plan: Plan, *, colour: bool = False, verbose: bool = False) -> str:
    """Terraform-like text; rich markup when ``colour`` (the CLI prints it through rich)."""
    lines: list[str] = []
    for role, changes in _by_role(_changes(plan)):
        lines.append(f'role "{role}"')
        for change in changes:
            text = "  " + change_line(change)
            if colour:
                from rich.markup import escape

                text = f"[{COLOUR[change['action']]}]{escape(text)}[/]"
            lines.append(text)
        lines.append("")
    for warning in plan.warnings:
        lines.append(f"warning: {warning}")
    lines += [refusal_line(r) for r in plan.refusals]
    if verbose:
        if plan.unmanaged_roles:
            lines.append(
                f"unmanaged roles ({len(plan.unmanaged_roles)}, untouched): "
                + ", ".join(plan.unmanaged_roles)
            )
        for item in plan.unmanaged_scoped:
            lines.append(
                f"unmanaged scoped assignment (never removed): {item.kind} "
                f"{item.principal_id} on {item.role_id} at {item.scope}"
            )
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


TRUNCATED = "see the plan artifact or run `pim-gitops plan` locally"


def render_markdown(
    plan: Plan,
    *,
    limit: int = GITHUB_COMMENT_LIMIT,
    refusals: bool = True,
    title: str = "### pim-gitops plan",
    more: str = TRUNCATED,
) -> str:
    """The plan in markdown: summary table first, the refusals (unless the PR comment shows
    them above: ``render.comment``), one collapsible section per role, under ``limit``;
    ``more`` says where the sections cut off are."""
    s = plan.summary
    head = [
        title,
        "",
        "| add | change | remove |",
        "|---:|---:|---:|",
        f"| {s.add} | {s.change} | {s.remove} |",
        "",
        summary_line(plan),
        "",
    ]
    for warning in plan.warnings:
        head.append(f"> [!WARNING]\n> {_cut(warning, REFUSAL_CHARS)}\n")
    if refusals:
        head += [refusal_markdown(r) for r in plan.refusals]
    sections = []
    for role, changes in _by_role(_changes(plan)):
        body = "\n".join(change_line(c) for c in changes)
        sections.append(
            f"<details><summary><b>{role}</b> — {plural(len(changes), 'change')}</summary>\n\n"
            f"```diff\n{body}\n```\n</details>\n"
        )
    out = "\n".join(head) + "\n"
    for index, section in enumerate(sections):
        cut = plural(len(sections) - index, "more role section")
        truncated = f"\n_Truncated: {cut} not shown; {more}._\n"
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
