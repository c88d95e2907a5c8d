"""``validate`` warns when a reviewer rotation changes sets on an instance's day: the instance
starts before the scheduled run can write the new set (docs/policy-reference.md "Reviewer
rotation"); a rotation anchored a few days earlier is not reported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pim_gitops.compile.review_boundaries import boundary_on_instance_day, occurs_on
from pim_gitops.reviews import Recurrence, Rotation

from .test_compile_reviews import QUARTERLY, _at, _compile, _with

MONTHLY = Recurrence("absoluteMonthly", 1, date(2026, 12, 1))


def _rotation(anchor: date, months: int = 3) -> Rotation:
    return Rotation(months, anchor, (("user:a@contoso.com",), ("user:b@contoso.com",)))


def _warnings(tmp_path: Path, anchor: str) -> list[str]:
    text = _with(QUARTERLY, "anchor: 2026-01-01", f"anchor: {anchor}")
    return [str(w) for w in _compile(tmp_path, _at("2026-05-01"), ga=text).warnings]


def test_a_rotation_anchored_on_the_recurrence_day_is_reported(tmp_path: Path) -> None:
    (warning,) = _warnings(tmp_path, "2026-01-01")
    assert "reviews/ga.yaml:9:3: " in warning, warning  # at `anchor:`
    assert "changes sets on 2026-04-01, the day an instance starts" in warning
    assert "(anchor: 2025-12-25)" in warning


@pytest.mark.parametrize("anchor", ["2025-12-25", "2026-01-02", "2025-12-28"])
def test_a_rotation_off_the_instance_days_is_not(tmp_path: Path, anchor: str) -> None:
    assert _warnings(tmp_path, anchor) == []


def test_the_boundaries_and_the_occurrences() -> None:
    assert boundary_on_instance_day(MONTHLY, _rotation(date(2026, 12, 1))) == date(2027, 3, 1)
    assert boundary_on_instance_day(MONTHLY, _rotation(date(2026, 11, 24))) is None
    # a month's last day stands in for a start past the 28th
    late = Recurrence("absoluteMonthly", 1, date(2026, 1, 31))
    assert occurs_on(late, date(2026, 2, 28)) and not occurs_on(late, date(2026, 3, 28))
    assert boundary_on_instance_day(late, _rotation(date(2026, 1, 28), 1)) == date(2026, 2, 28)
    # weekly: every interval weeks from the start, nothing before it or after the end
    weekly = Recurrence("weekly", 2, date(2026, 1, 5), date(2026, 3, 30))
    assert occurs_on(weekly, date(2026, 1, 19)) and not occurs_on(weekly, date(2026, 1, 12))
    assert not occurs_on(weekly, date(2025, 12, 22)) and not occurs_on(weekly, date(2026, 4, 13))
    # every 3 months: a boundary on the day of a month with no instance is fine
    quarterly = Recurrence("absoluteMonthly", 3, date(2026, 1, 1))
    assert boundary_on_instance_day(quarterly, _rotation(date(2026, 2, 1), 1)) == date(2026, 4, 1)
