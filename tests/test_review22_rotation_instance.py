"""Hostile review of issue 22: the must-hold's quarterly review starts its instances on the
rotation's boundaries (recurrence and rotation both from 2026-10-01). Graph fixes an
instance's reviewers when it starts (updates "only apply to future instances"), at midnight
UTC of its date in the emulator; the plan computes the set due at ``--now``. A plan run
before 2027-01-01 keeps rev.a; one run on 2027-01-01 is too late for the instance that started
at midnight. Whenever the workflow runs, the Q1 instance is reviewed by rev.a, not rev.b:
every instance gets the previous period's set (the plan's warning asks for a run "on or
after that day, before the next instance starts", which is impossible here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.tenantgen import SAMPLE_NOW, user
from tests.test_groups_end_to_end import base_tenant
from tests.test_reviews_end_to_end import REVIEWERS, World, review_file


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[World, Emulator, Path]]:
    tenant = base_tenant()
    for name in REVIEWERS:
        tenant.add(user(name, name))
    clock = [SAMPLE_NOW]
    emulator = Emulator(tenant.snapshot(), clock=lambda: clock[0])
    with running(emulator) as url:
        world = World(url, clock)
        repo = tmp_path / "repo"
        assert world.run("export", "--out", str(repo)).exit_code == 0
        (repo / "reviews").mkdir(exist_ok=True)
        (repo / "reviews" / "ga.yaml").write_text(review_file())
        world.applied(repo)
        yield world, emulator, repo


def _reviewers_of_instance_starting(emulator: Emulator, day: str) -> list[str]:
    found = [
        i for i in emulator.store.review_instances.values() if i["startDateTime"].startswith(day)
    ]
    assert len(found) == 1, found
    return sorted(r["query"] for r in found[0]["reviewers"])


def _definition_reviewers(emulator: Emulator) -> list[str]:
    (definition,) = emulator.store.review_definitions.values()
    return sorted(r["query"] for r in definition["reviewers"])


@pytest.mark.xfail(
    strict=True,
    reason="the rotation set is computed for --now, not for the next instance's start: an "
    "instance starting on a rotation boundary always gets the outgoing set",
)
def test_the_instance_starting_on_a_boundary_gets_the_incoming_set(
    setup: tuple[World, Emulator, Path],
) -> None:
    world, emulator, repo = setup
    outgoing = _definition_reviewers(emulator)  # rev.a, due for the quarter from 2026-10-01
    world.clock[0] = datetime(2026, 12, 31, 12, tzinfo=UTC)  # the day before the boundary
    world.applied(repo)
    world.clock[0] = datetime(2027, 1, 1, 6, tzinfo=UTC)  # and the morning after
    world.applied(repo)
    incoming = _definition_reviewers(emulator)
    assert incoming != outgoing  # the plan did rotate the definition to rev.b
    got = _reviewers_of_instance_starting(emulator, "2027-01-01")
    assert got == incoming, "the instance of the quarter from 2027-01-01 is reviewed by rev.a"
