"""The pull-request comment: what ``plan --format markdown`` (and ``show --format markdown``)
prints. In order: a stable marker line (the workflow updates the comment that starts with it),
a header (tenant, base → head commit, time, plan hash), the refusals, the lint summary (when
``plan --lint`` ran it), then the plan. Under GitHub's 65,536 characters whatever the size:
the header and the refusals are kept, the lint list and the plan's role sections are cut
with a count of what was cut and a link to the full plan. Names from the tenant and the
policy files, and lint messages quoting them, are escaped (``render/markdown_text.py``): no
name can open an HTML comment or close a section and hide what follows it.

Pure: the CI environment (``GITHUB_*``) comes in as a mapping inside ``CommentContext``.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field

from pim_gitops.lint.engine import Finding, LintResult
from pim_gitops.plan import Plan, plan_document
from pim_gitops.render.markdown_text import clip, fit, md_code, md_text, url_path
from pim_gitops.render.plan import GITHUB_COMMENT_LIMIT, refusal_markdown, render_markdown
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

#: The comment's first line: the workflow finds and updates the comment that starts with it.
MARKER = "<!-- pim-gitops-plan -->"
#: What the refusals may take of the comment; the rest is for the lint list and the plan.
REFUSALS_BUDGET = 20_000
#: What the lint list may take.
LINT_BUDGET = 16_000
#: Room kept for the closing note on what was cut.
FOOTER_ROOM = 600
#: Longest lint message a finding line quotes.
FINDING_CHARS = 1_500


@dataclass(frozen=True)
class CommentContext:
    """What the comment says about the run beside the plan: the tenant's display name, the
    base and head commits (short), the repository root (file paths in links are relative
    to it) and the CI environment (``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY``,
    ``GITHUB_SHA``, ``GITHUB_RUN_ID``)."""

    tenant_name: str | None = None
    base: str | None = None
    head: str | None = None
    root: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    #: The directory relative file paths are relative to (the run's working directory).
    cwd: str | None = None
    #: Rendered from a saved plan file (``show``), not from this run's read.
    saved: bool = False

    def _github(self, *names: str) -> list[str] | None:
        values = [self.environ.get(n, "").rstrip("/") for n in names]
        return values if all(values) else None

    def blob_url(self, path: str, line: int) -> str | None:
        """The finding's line on GitHub, when the workflow's variables are set (the path
        percent-encoded: a space or a parenthesis in a file name would end the link)."""
        found = self._github("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
        if found is None:
            return None
        server, repo, sha = found
        anchor = f"#L{line}" if line else ""
        return f"{server}/{repo}/blob/{sha}/{url_path(path)}{anchor}"

    def run_url(self) -> str | None:
        """The workflow run, whose artifacts hold the full plan."""
        found = self._github("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
        return None if found is None else f"{found[0]}/{found[1]}/actions/runs/{found[2]}"

    def shown_path(self, path: str) -> str:
        """``path`` relative to the repository root, with ``/`` (as GitHub names blobs)."""
        path = path.replace("\\", "/")
        if self.cwd and not posixpath.isabs(path):
            path = posixpath.normpath(posixpath.join(self.cwd.replace("\\", "/"), path))
        if self.root and posixpath.isabs(path):
            root = self.root.replace("\\", "/")
            if path.startswith(root.rstrip("/") + "/"):
                return posixpath.relpath(path, root)
        return path.removeprefix("./")


def plan_hash(plan: Plan) -> str:
    """sha256 of the canonical plan document (sorted keys, no spaces), short."""
    text = json.dumps(plan_document(plan), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _full_plan(context: CommentContext) -> str:
    run = context.run_url()
    if run is not None:
        return f"the full plan is in [the run's artifacts]({run}) (`pim-gitops show plan.json`)"
    return "run `pim-gitops show plan.json` for the full plan"


def _header(plan: Plan, context: CommentContext) -> list[str]:
    tenant = md_code(plan.tenant_id, cell=True) if plan.tenant_id else "unknown"
    if context.tenant_name:
        tenant = f"{md_text(context.tenant_name[:200], cell=True)} ({tenant})"
    base, head = (md_code(c, cell=True) if c else None for c in (context.base, context.head))
    commits = "not known (no git checkout)"
    if base and head:
        commits = f"{base} → {head}"
    elif head:
        commits = f"{head} (no base given)"
    elif base:
        commits = f"{base} → files not committed"
    allowed = len(plan.refusals) - len(plan.refused)
    if plan.refused:
        verdict = f"**Apply would refuse this plan** ({plural(len(plan.refused), 'refusal')})."
    elif allowed:
        verdict = (
            f"Apply would let this plan through only by the run's overrides "
            f"({plural(allowed, 'refusal')} allowed)."
        )
    else:
        verdict = "No guard refuses this plan."
    if context.saved:
        verdict += (
            " _(A saved plan: its refusals as recorded when it was made; apply judges every "
            "guard again.)_"
        )
    return [
        MARKER,
        "## pim-gitops plan",
        "",
        "| | |",
        "|---|---|",
        f"| Tenant | {tenant} |",
        f"| Commits | {commits} |",
        f"| Time | {format_instant(plan.generated_at)} |",
        f"| Plan hash | `{plan_hash(plan)}` |",
        "",
        verdict,
        "",
    ]


def _refusals(plan: Plan) -> tuple[list[str], int]:
    """The refusals (those apply would refuse first), within ``REFUSALS_BUDGET``, and how
    many did not fit."""
    ordered = sorted(plan.refusals, key=lambda r: r.allowed_by is not None)
    return fit([refusal_markdown(r) for r in ordered], REFUSALS_BUDGET)


def _finding_line(finding: Finding, context: CommentContext) -> str:
    path = context.shown_path(finding.file)
    where = f"{path}:{finding.line}" if finding.line else path
    url = None if posixpath.isabs(path) else context.blob_url(path, finding.line)
    shown = f"[{md_code(where)}]({url})" if url else md_code(where)
    message = md_text(clip(finding.message, FINDING_CHARS))
    return f"- **{finding.severity}** {finding.rule} {shown}: {message}"


def _lint(result: LintResult, context: CommentContext) -> tuple[list[str], int]:
    """The lint summary: counts, then each unwaived error and warning (errors first) within
    ``LINT_BUDGET``, and how many did not fit."""
    counts = result.summary()
    lines = [
        "### Lint (policy view)",
        "",
        f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{counts['info']} info, {counts['waived']} waived (preset {result.preset}).",
        "",
    ]
    rank = {"error": 0, "warning": 1}
    shown = sorted(
        (f for f in result.findings if f.waived is None and f.severity in rank),
        key=lambda f: (rank[f.severity], f.sort_key()),
    )
    kept, cut = fit([_finding_line(f, context) for f in shown], LINT_BUDGET, gap=1)
    return [*lines, *kept, ""], cut


def _footer(cut_refusals: int, cut_findings: int, context: CommentContext) -> str:
    parts = []
    if cut_refusals:
        parts.append(f"{plural(cut_refusals, 'more refusal')} not shown; {_full_plan(context)}")
    if cut_findings:
        parts.append(
            f"{plural(cut_findings, 'more lint finding')} not shown (`pim-gitops lint` lists "
            "them all)"
        )
    return "".join(f"\n_Cut to fit a comment: {part}._\n" for part in parts)


def render_comment(
    plan: Plan,
    context: CommentContext,
    lint: LintResult | None = None,
    *,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The whole comment, at most ``limit`` characters."""
    head = "\n".join(_header(plan, context)) + "\n"
    blocks, cut_refusals = _refusals(plan)
    head += "\n".join(blocks) + ("\n" if blocks else "")
    lint_lines, cut_findings = _lint(lint, context) if lint is not None else ([], 0)
    middle = "\n".join(lint_lines) + ("\n" if lint_lines else "")
    footer = _footer(cut_refusals, cut_findings, context)
    room = limit - len(head) - len(middle) - len(footer) - FOOTER_ROOM
    body = render_markdown(
        plan, limit=max(room, 0), refusals=False, title="### Plan", more=_full_plan(context)
    )
    if len(body) > room:  # the plan's own head (its warnings) does not fit: cut it
        body = body[: max(room, 0)].rsplit("\n", 1)[0] + f"\n\n_Plan cut; {_full_plan(context)}._\n"
    return head + middle + body + footer


__all__ = ["MARKER", "CommentContext", "plan_hash", "render_comment"]
