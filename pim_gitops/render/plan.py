"""Plans as text (Terraform-like), markdown (PR comments) and JSON."""

from __future__ import annotations

import json
from typing import Any

from pim_gitops.plan import Plan, Refusal, plan_document
from pim_gitops.render.markdown_text import clip, fit, md_fence, md_text

# Plan text lives in render/plan_text.py; re-exported here for the renderers that use it.
from pim_gitops.render.plan_text import by_role, role_change_lines
from pim_gitops.render.plan_text import render_text as render_text
from pim_gitops.wording import plural

#: The width a code block in a PR comment shows without scrolling sideways (the
#: conversation column at a common screen width).
MARKDOWN_WIDTH = 100
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


def refusal_line(refusal: Refusal) -> str:
    """``apply will refuse: …`` with what would allow it, or ``allowed by …``."""
    if refusal.allowed_by is not None:
        return f"allowed by {refusal.allowed_by} (apply would refuse otherwise): {refusal.message}"
    lifts = refusal.override or "no override lifts it"
    return f"apply will refuse: {refusal.message} ({lifts})"


#: Longest refusal message a markdown block shows (a removal cap lists every reduction).
REFUSAL_CHARS = 4_000


def refusal_markdown(refusal: Refusal, *, chars: int = REFUSAL_CHARS) -> str:
    """One refusal as a GitHub alert: CAUTION when apply would refuse, WARNING when the
    run's overrides allow it. The message (it quotes names from the tenant and the policy
    files) is escaped: ``render/markdown_text.py``."""
    message = md_text(clip(refusal.message, chars))
    if refusal.allowed_by is not None:
        return (
            f"> [!WARNING]\n> **allowed by {refusal.allowed_by}** (apply would refuse "
            f"otherwise): {message}\n"
        )
    lifts = refusal.override or "no override lifts it"
    return f"> [!CAUTION]\n> **apply will refuse:** {message} ({lifts})\n"


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
        head.append(f"> [!WARNING]\n> {md_text(clip(warning, REFUSAL_CHARS))}\n")
    if refusals:
        head += [refusal_markdown(r) for r in plan.refusals]
    sections = []
    for role, changes in by_role(_changes(plan)):
        body = "\n".join(role_change_lines(changes, width=MARKDOWN_WIDTH))
        sections.append(
            f"<details><summary><b>{md_text(role)}</b> — "
            f"{plural(len(changes), 'change')}</summary>\n\n"
            f"{md_fence(body, 'diff')}\n</details>\n"
        )
    from pim_gitops.render.plan_reviews import review_markdown

    sections += review_markdown(plan, md_text, md_fence)
    from pim_gitops.render.plan_alerts import alert_markdown

    sections += alert_markdown(plan, md_text, md_fence)
    out = "\n".join(head) + "\n"

    def note(cut: int) -> str:
        return f"\n_Truncated: {plural(cut, 'more role section')} not shown; {more}._\n"

    # The note for every section is the longest a note can be: room for whichever is cut.
    kept, cut = fit(sections, limit - len(out) - len(note(len(sections))) - 20)
    return out + "".join(kept) + (note(cut) if cut else "")


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_drift(plan: Plan, policies: dict[str, tuple[str | None, str | None]]) -> str:
    """A drift report (markdown) for an issue body: ``render/drift.py`` words it."""
    from pim_gitops.render.drift import render_drift as drift_markdown

    return drift_markdown(plan, policies)
