"""A reviewer rotation whose boundary falls on an instance's day: the instance starts early
that day (the emulator: at 00:00 UTC), before the scheduled drift/apply run can write the new
set, so it runs with the previous set. ``validate`` warns and suggests an anchor a week
earlier (docs/policy-reference.md "Reviewer rotation")."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from pim_gitops.reviews import Recurrence, Rotation, period_start

BOUNDARIES_CHECKED = 24
LEAD_DAYS = 7


def occurs_on(recurrence: Recurrence, day: date) -> bool:
    """Whether an occurrence of ``recurrence`` falls on ``day``: every ``interval`` weeks, or
    months on the start's day (a shorter month's last day)."""
    start = recurrence.start
    if day < start or (recurrence.end is not None and day > recurrence.end):
        return False
    if recurrence.pattern == "weekly":
        return (day - start).days % (7 * recurrence.interval) == 0
    months = (day.year - start.year) * 12 + day.month - start.month
    last = calendar.monthrange(day.year, day.month)[1]
    return months % recurrence.interval == 0 and day.day == min(start.day, last)


def boundary_on_instance_day(recurrence: Recurrence, rotation: Rotation) -> date | None:
    """The first of the rotation's next boundaries that is an occurrence's day, if any."""
    for index in range(1, BOUNDARIES_CHECKED + 1):
        boundary = period_start(rotation, index)
        if occurs_on(recurrence, boundary):
            return boundary
    return None


def earlier_anchor(anchor: date) -> date:
    """``anchor`` a week earlier, on a day every month has."""
    moved = anchor - timedelta(days=LEAD_DAYS)
    return moved if moved.day <= 28 else moved.replace(day=28)


def boundary_warning(recurrence: Recurrence, rotation: Rotation) -> str | None:
    boundary = boundary_on_instance_day(recurrence, rotation)
    if boundary is None:
        return None
    return (
        f"the rotation changes sets on {boundary}, the day an instance starts: that instance "
        "starts before the scheduled drift/apply run can write the new set, so it runs with "
        "the previous one; anchor the rotation a few days before the instances' day "
        f"(anchor: {earlier_anchor(rotation.anchor)})"
    )
