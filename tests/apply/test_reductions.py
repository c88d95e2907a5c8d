"""Which writes reduce access (apply/reductions.py), at each boundary, and the assignments a
tenant holds once a plan's schedule writes are done."""

from __future__ import annotations

from datetime import timedelta

from pim_gitops.action import Action
from pim_gitops.apply.reductions import assignments_after, reduction, reductions
from pim_gitops.plan import LiveSchedule
from tests.test_guards import GA, NOW, held, request, tenant

LATER = NOW + timedelta(days=30)


def update(end: object, live_end: object, start: object = NOW, live_start: object = NOW) -> object:
    op = request(Action.UPDATE, GA, "alice", end=end)  # type: ignore[arg-type]
    live = LiveSchedule(id="s", start=live_start, end=live_end)  # type: ignore[arg-type]
    return op.model_copy(update={"live": live, "start": start})


def test_how_each_write_reduces_access() -> None:
    assert reduction(request(Action.DELETE, GA, "alice")) == "removed"
    assert reduction(request(Action.CREATE, GA, "alice", end=LATER)) is None
    assert reduction(update(LATER, None)) == "permanent → expiring"  # type: ignore[arg-type]
    assert reduction(update(LATER, LATER + timedelta(seconds=1))) == "ends earlier"  # type: ignore[arg-type]
    assert reduction(update(LATER, LATER)) is None  # type: ignore[arg-type]
    assert reduction(update(LATER + timedelta(days=1), LATER)) is None  # type: ignore[arg-type]
    assert reduction(update(None, LATER)) is None  # type: ignore[arg-type]
    later = NOW + timedelta(hours=1)
    assert reduction(update(LATER, LATER, start=later)) == "starts later"  # type: ignore[arg-type]
    assert reduction(update(LATER, LATER, start=NOW)) is None  # type: ignore[arg-type]
    assert reduction(update(LATER, LATER, start=NOW, live_start=None)) == "starts later"  # type: ignore[arg-type]
    assert reduction(update(LATER, LATER, start=None)) is None  # type: ignore[arg-type]


def test_reductions_lists_only_the_writes_that_reduce_with_how() -> None:
    removal = request(Action.DELETE, GA, "alice")
    create = request(Action.CREATE, GA, "bob", end=LATER)
    assert reductions([create, removal]) == [(removal, "removed")]


def test_assignments_after_applies_creates_updates_and_removals_keeping_live_starts() -> None:
    before = tenant(held(GA, "alice", end=LATER), held(GA, "bob"), held(GA, "carol"))
    ops = [
        request(Action.DELETE, GA, "bob"),
        request(Action.DELETE, GA, "nobody"),
        update(LATER + timedelta(days=5), LATER, start=None),
        request(Action.CREATE, GA, "user1", end=LATER).model_copy(update={"start": None}),
    ]
    after = {a.principal_id: a for a in assignments_after(ops, before)}  # type: ignore[arg-type]
    assert set(after) == {"alice", "carol", "user1"}
    assert (after["alice"].end, after["alice"].start) == (LATER + timedelta(days=5), NOW)
    assert after["user1"].start is None and after["user1"].end == LATER
    assert after["carol"] == held(GA, "carol")
