"""The report's "Access reviews": each declared review (``reviews/*.yaml``) with its target,
recurrence and today's reviewers, and the reviewers of the next four periods of its
rotation (``reviews.upcoming``); Graph keeps the current reviewers only, so the scheduled
drift/apply run must pass after each boundary, before the next instance starts."""

from __future__ import annotations

from datetime import date

from pim_gitops.compile.types import CompiledReview, DesiredState
from pim_gitops.render.report_doc import Cell, Para, Section, Table
from pim_gitops.reviews import upcoming
from pim_gitops.state import TenantState

ANCHOR = "access-reviews"
TITLE = "Access reviews"
HEADERS = ("Review", "Reviews", "Every", "Reviewers now", "Next four periods")
PERIODS = 4


def _every(c: CompiledReview) -> str:
    r = c.review.recurrence
    unit = "month" if r.pattern == "absoluteMonthly" else "week"
    units = unit if r.interval == 1 else unit + "s"
    return f"{r.interval} {units}, {c.review.settings.instance_duration_days} days"


def _next(c: CompiledReview, today: date) -> str:
    if c.rotation is None:
        return "the same (no rotation)"
    return "; ".join(
        f"from {start.isoformat()}: {', '.join(s) or 'nobody'}"
        for start, s in upcoming(c.rotation, today, PERIODS)
    )


def _tenant_words(desired: DesiredState, tenant: TenantState | None) -> list[Para]:
    """What the tenant has beside the declared reviews: those no file declares (never
    deleted: listed), or that its reviews were not read."""
    if tenant is None:
        return []
    if tenant.reviews is None:
        return [Para("The tenant's access reviews were not read.", "muted")]
    declared = {c.review.name for c in desired.reviews}
    others = sorted(r.name for r in tenant.reviews.definitions.values() if r.name not in declared)
    if not others:
        return []
    return [Para(f"In the tenant, declared by no file: {', '.join(others)}.", "warn")]


def reviews_section(
    desired: DesiredState, today: date, tenant: TenantState | None = None
) -> Section:
    """The section (module docstring); says so when the repository declares no review."""
    extra = _tenant_words(desired, tenant)
    if not desired.reviews:
        none = Para("The repository declares no access review.", "muted")
        return Section(ANCHOR, TITLE, (none, *extra))
    rows = tuple(
        (
            Cell(c.review.name),
            Cell(f"{c.target_written} ({c.review.target.covers})"),
            Cell(_every(c)),
            Cell(", ".join(c.review.reviewers) or "nobody"),
            Cell(_next(c, today)),
        )
        for c in sorted(desired.reviews, key=lambda c: c.review.name)
    )
    note = Para(
        "Graph keeps only the current reviewers: the scheduled drift/apply run changes them at "
        "each period boundary, so it must run after each boundary and before the review's next "
        "instance starts."
    )
    return Section(ANCHOR, TITLE, (note, Table(HEADERS, rows), *extra))
