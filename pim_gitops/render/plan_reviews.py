"""Access reviews in plan and drift output: one heading per review (``review "<name>"``),
its changes under it (``~ reviewers: [user:a] → [user:b]``, ``-/+ review: replaced …``),
then each rotating review's reviewers now and in the next four periods. Read from the plan
model (``Plan.review_changes``, ``Plan.review_rotations``), never from Graph payloads."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from pim_gitops.plan import Plan
from pim_gitops.plan.review_model import REVIEW_SYMBOL, ReviewPlanChange, ReviewRotation
from pim_gitops.render.plan_text import grouped_text

COLOUR = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items())
    return str(value)


def review_line(change: ReviewPlanChange) -> str:
    """One change as it reads under its review's heading."""
    symbol = REVIEW_SYMBOL[change.action]
    if change.action == "update":
        return f"{symbol} {change.path}: {_value(change.before)} → {_value(change.after)}"
    if change.action == "create":
        return f"{symbol} review: created ({_value(change.after)})"
    if change.action == "delete":
        return f"{symbol} review: deleted (was {_value(change.before)})"
    return (
        f"{symbol} review: replaced (DELETE, then POST): {_value(change.before)} → "
        f"{_value(change.after)}; {change.note}"
    )


def by_review(plan: Plan) -> list[tuple[str, list[ReviewPlanChange]]]:
    """The review changes grouped by review, in the plan's order (by name)."""
    return [(name, list(items)) for name, items in groupby(plan.review_changes, lambda c: c.review)]


def heading(name: str) -> str:
    return f'review "{name}"'


def rotation_line(rotation: ReviewRotation) -> str:
    """``review "X" reviewers: now [a]; from 2026-04-01 [b]; …``."""
    later = "; ".join(
        f"from {p.start.isoformat()} {_value(list(p.reviewers))}" for p in rotation.upcoming
    )
    return f"{heading(rotation.review)} reviewers: now {_value(list(rotation.current))}; {later}"


def review_notes(plan: Plan, verbose: bool) -> list[str]:
    """Lines below the changes: the rotations, and (verbose) the unmanaged reviews."""
    lines = [rotation_line(r) for r in plan.review_rotations]
    if verbose and plan.unmanaged_reviews:
        lines.append(
            f"unmanaged access reviews ({len(plan.unmanaged_reviews)}, never deleted): "
            + ", ".join(plan.unmanaged_reviews)
        )
    return lines


def review_text(plan: Plan, colour: bool, escape: Any) -> list[str]:
    """The text plan's review blocks (``escape`` is rich's, for ``colour``)."""
    return grouped_text(
        by_review(plan), heading, review_line, lambda c: COLOUR[c.action], colour, escape
    )


def review_markdown(plan: Plan, md_text: Any, md_fence: Any) -> list[str]:
    """The markdown plan's review sections and rotation table (markdown helpers passed in)."""
    out = []
    for name, changes in by_review(plan):
        body = "\n".join(review_line(c) for c in changes)
        out.append(
            f"<details><summary><b>access review {md_text(name)}</b></summary>\n\n"
            f"{md_fence(body, 'diff')}\n</details>\n"
        )
    if plan.review_rotations:
        out.append(rotation_table(plan.review_rotations, md_text))
    return out


def rotation_table(rotations: Sequence[ReviewRotation], md_text: Any) -> str:
    rows = ["| access review | now | next four periods |", "|---|---|---|"]
    for r in rotations:
        later = "; ".join(f"{p.start.isoformat()}: {', '.join(p.reviewers)}" for p in r.upcoming)
        rows.append(f"| {md_text(r.review)} | {md_text(', '.join(r.current))} | {md_text(later)} |")
    return "\n".join(rows) + "\n"


def drift_review_lines(plan: Plan) -> list[str]:
    """Drift words: what differs in the tenant, per review (text and markdown list items)."""
    return [f"{heading(c.review)}: {drift_words(c)}" for c in plan.review_changes]


def drift_words(c: ReviewPlanChange) -> str:
    says = f"the repository says {_value(c.after)}"
    if c.action == "update":
        return f"{c.path} is {_value(c.before)} in the tenant; {says}"
    if c.action == "create":
        return "missing from the tenant"
    if c.action == "delete":
        return "only in the tenant"
    return f"its scope differs ({_value(c.before)}; {says}): a replace"
