"""A plan as Terraform-like text: one heading per role (``role "Global Administrator"``) or
group target (``group "Tier0 Admins" member``), its changes nested under it.

A line under ``role "Global Administrator"`` names what changes relative to the role, never
the role again: ``~ activation.max_duration: PT8H → PT2H``, ``+ eligible user
alice@contoso.com: 2027-01-01T00:00:00Z``. Change lines fit ``TEXT_WIDTH`` columns; a longer
one wraps at a space with its continuation indented under the change, and so does each note
below the changes (a warning, a refusal), its continuation indented under it (search a
refusal in ``unwrap(text)``). ``role_change_lines`` gives
the markdown view the same lines (without the text view's indentation).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby
from typing import Any, TypeVar

from pim_gitops.action import Action
from pim_gitops.plan import Plan, plan_document
from pim_gitops.scopes import address_scope
from pim_gitops.targets import parse_group_target, title

SYMBOL = {action.value: action.symbol for action in Action}
COLOUR = {"create": "green", "update": "yellow", "delete": "red"}
#: The width plan text fits: a 120-column terminal, GitHub's PR file view.
TEXT_WIDTH = 120
#: How far a wrapped line's continuation is indented, relative to its change's symbol.
CONTINUATION = "    "
#: How a note under the plan is coloured, by how it starts (else bold: the summary).
NOTE_STYLE = (
    ("warning:", "yellow"),
    ("apply will refuse:", "bold red"),
    ("allowed by", "yellow"),
    ("unmanaged", "dim"),
)
ORIGIN = {
    "drift": "(reverts drift: the tenant differs from the base too)",
    "pull-request": "(this change)",
}


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


def _detail(change: dict[str, Any]) -> str:
    """What the change does to the value, and (``plan --base``) where it comes from."""
    action = change["action"]
    if action == "update":
        detail = f"{_value(change['before'])} → {_value(change['after'])}"
    elif action == "create":
        detail = _value(change["after"])
    else:
        detail = f"(was {_value(change['before'])})"
    origin = ORIGIN.get(change.get("origin") or "")
    return f"{detail}  {origin}" if origin else detail


def relative_address(change: dict[str, Any]) -> str:
    """The change's address below its role: the setting's path (``activation.max_duration``),
    or the schedule and the principal (``eligible user alice@contoso.com``), with the scope of
    a scoped one (``… at administrative_unit:Paris``)."""
    if change.get("kind") == "assignment":
        kind, _, name = change["principal"]["ref"].partition(":")
        head = f"{change['schedule']} {kind} {name}" if name else f"{change['schedule']} {kind}"
        scope = address_scope(str(change.get("address", "")))
        return f"{head} at {scope}" if scope else head
    return str(change["path"])


def nested_line(change: dict[str, Any]) -> str:
    """One change as it reads under its role's heading (``~ activation.max_duration: …``)."""
    return f"{SYMBOL[change['action']]} {relative_address(change)}: {_detail(change)}"


def fit(line: str, width: int | None) -> list[str]:
    """``line`` as it fits ``width`` columns: wrapped at spaces (never inside a value's word),
    continuation lines indented under the change; unchanged when it fits or ``width`` is
    ``None``."""
    if width is None or len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(
        line,
        width=width,
        initial_indent="",
        subsequent_indent=indent + CONTINUATION,
        break_long_words=False,
        break_on_hyphens=False,
    )


T = TypeVar("T")


def grouped_text(
    groups: Sequence[tuple[str, Sequence[T]]],
    heading: Callable[[str], str],
    line: Callable[[T], str],
    style: Callable[[T], str],
    colour: bool,
    escape: Callable[[str], str],
) -> list[str]:
    """Text blocks of named groups (an access review's or a PIM alert's changes): a bold
    heading, each change's line fitted under it in its ``style``, a blank line after."""
    lines: list[str] = []
    for name, changes in groups:
        lines.append(f"[bold]{escape(heading(name))}[/]" if colour else heading(name))
        for change in changes:
            for text in fit("  " + line(change), TEXT_WIDTH):
                lines.append(f"[{style(change)}]{escape(text)}[/]" if colour else text)
        lines.append("")
    return lines


def role_change_lines(changes: Sequence[dict[str, Any]], *, width: int | None = None) -> list[str]:
    """The lines of one role's changes (plan-document dicts), as they read under the role's
    heading, each starting with its symbol (a ``diff`` block colours them); wrapped to
    ``width`` when given. The markdown view uses it for its per-role sections."""
    return [part for change in changes for part in fit(nested_line(change), width)]


def by_role(changes: Iterable[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The plan document's changes (in the plan's order) grouped by role, or by a group's
    member or owner access: ``(its title, its changes)``, the title ``targets.title``'s
    (``Global Administrator``, ``Tier0 Admins (member)``)."""
    return [
        (title(target, name), list(items))
        for (name, target), items in groupby(
            changes, key=lambda c: (c["role"]["name"], c["role"]["id"])
        )
    ]


def text_heading(target: str, name: str) -> str:
    """A target's heading in plan and drift text: ``role "Global Administrator"``, or
    ``group "Tier0 Admins" member`` for a group's member (``owner``) access."""
    group = parse_group_target(target)
    return f'role "{name}"' if group is None else f'group "{name}" {group[1]}'


def _role_block(changes: list[dict[str, Any]], colour: bool) -> list[str]:
    heading = text_heading(changes[0]["role"]["id"], changes[0]["role"]["name"])
    lines = [f"[bold]{_escape(heading)}[/]" if colour else heading]
    for change in changes:
        for part in fit("  " + nested_line(change), TEXT_WIDTH):
            lines.append(f"[{COLOUR[change['action']]}]{_escape(part)}[/]" if colour else part)
    return [*lines, ""]


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _notes(plan: Plan, verbose: bool) -> list[str]:
    lines = [f"warning: {warning}" for warning in plan.warnings]
    from pim_gitops.render.plan import refusal_line

    lines += [refusal_line(r) for r in plan.refusals]
    if verbose and plan.unmanaged_roles:
        lines.append(
            f"unmanaged roles ({len(plan.unmanaged_roles)}, untouched): "
            + ", ".join(plan.unmanaged_roles)
        )
    if verbose:
        lines += [
            f"unmanaged scoped assignment (never removed): {item.kind} "
            f"{item.principal_id} on {item.role_id} at {item.scope}"
            for item in plan.unmanaged_scoped
        ]
    return lines


def render_text(plan: Plan, *, colour: bool = False, verbose: bool = False) -> str:
    """Terraform-like text; rich markup when ``colour`` (the CLI prints it through rich)."""
    from pim_gitops.render.plan import summary_line

    lines: list[str] = []
    for _, changes in by_role(plan_document(plan)["changes"]):
        lines += _role_block(changes, colour)
    from pim_gitops.render.plan_alerts import alert_notes, alert_text
    from pim_gitops.render.plan_reviews import review_notes, review_text

    lines += review_text(plan, colour, _escape) + alert_text(plan, colour, _escape)
    notes = [*review_notes(plan, verbose), *alert_notes(plan, verbose)]
    # Notes wrap as the changes do (a terminal would break them mid-word).
    for note in [*_notes(plan, verbose), *notes, summary_line(plan)]:
        style = next((s for prefix, s in NOTE_STYLE if note.startswith(prefix)), "bold")
        for part in fit(note, TEXT_WIDTH):
            lines.append(f"[{style}]{_escape(part)}[/]" if colour else part)
    return "\n".join(lines) + "\n"


def unwrap(text: str) -> str:
    """Plan text with each wrapped line joined again (a continuation is indented
    ``CONTINUATION`` deeper than the line it continues): a refusal or a change whole, for a
    search."""
    out: list[tuple[int, str]] = []
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(" "))
        if out and line.strip() and out[-1][1].strip() and depth == out[-1][0] + len(CONTINUATION):
            out[-1] = (out[-1][0], out[-1][1] + " " + line.strip())
        else:
            out.append((depth, line))
    return "\n".join(line for _, line in out)
