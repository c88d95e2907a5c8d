"""The export's commented ``rotation:`` stub, uncommented as its comment says, keeps today's
reviewers: it is anchored a week before the rotation period ``now`` falls in, not on the
recurrence start (a review started months ago would otherwise hand today's instance to the next
set), and its boundaries miss the instances' days (no ``validate`` warning)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pim_gitops.compile import compile_policies
from pim_gitops.export import export_repo, write_export
from pim_gitops.loader import load_policies
from pim_gitops.reviews import Recurrence

from .test_export_reviews import GA_REVIEW, _tenant

MONTHLY = replace(GA_REVIEW, recurrence=Recurrence("absoluteMonthly", 1, date(2026, 12, 1)))
SLUG = "global-administrator-eligibility-quarterly.yaml"


def _uncommented(tmp_path: Path, now: datetime) -> tuple[date, tuple[str, ...]]:
    """Export at ``now``, replace ``reviewers:`` by the stub, compile at ``now``."""
    write_export(export_repo(_tenant(MONTHLY), now=now), tmp_path, force=False)
    path = tmp_path / "reviews" / SLUG
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("reviewers:")
    stub = [ln[2:].split("  #")[0] for ln in lines if ln.startswith(("#   ", "# r"))]
    kept = [ln for ln in lines[:start] + lines[start + 2 :] if not ln.startswith("#")]
    path.write_text("\n".join([*kept, *stub]) + "\n", encoding="utf-8")
    desired = compile_policies(load_policies(tmp_path), now)
    assert not [w for w in desired.warnings if "reviews/" in str(w)], desired.warnings
    (compiled,) = desired.reviews
    assert compiled.rotation is not None
    return compiled.rotation.anchor, compiled.review.reviewers


@pytest.mark.parametrize(
    ("now", "anchor"),
    [
        (datetime(2027, 3, 2, 12, tzinfo=UTC), date(2027, 2, 22)),  # 4th month: set 3 % 2 = 1
        (datetime(2027, 3, 1, 0, tzinfo=UTC), date(2027, 2, 22)),  # on the instance's day
        (datetime(2027, 2, 22, 0, tzinfo=UTC), date(2027, 2, 22)),  # a week before it
        (datetime(2027, 2, 21, 23, tzinfo=UTC), date(2027, 1, 25)),  # the day before that
        (datetime(2026, 12, 1, 9, tzinfo=UTC), date(2026, 11, 24)),  # the first period
        (datetime(2026, 11, 20, 9, tzinfo=UTC), date(2026, 10, 25)),  # before the start
    ],
)
def test_the_uncommented_stub_keeps_today_s_reviewer(
    tmp_path: Path, now: datetime, anchor: date
) -> None:
    found_anchor, reviewers = _uncommented(tmp_path, now)
    assert found_anchor == anchor
    assert reviewers == ("user:b@contoso.com",)  # today's, the first set
