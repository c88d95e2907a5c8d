"""Issue 22's must-holds end to end: the CLI over HTTP against the emulator, whose clock
moves with the test's.

* A quarterly review of Global Administrator eligibility with three rotating reviewers:
  created by apply, then plan = 0; export → plan = 0 within the period (export writes today's
  reviewers and a commented rotation stub); at the next boundary the plan changes the
  reviewers and nothing else; the plan shows the next four quarters.
* Changing the recurrence plans one change (a PUT); changing the scope plans a replace.
* Lint: the quarterly review raises CIS 5.3.3 (REV001); a monthly, 3-day, auto-applied
  one does not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.tenantgen import SAMPLE_NOW, user
from pim_gitops.wire import format_instant
from tests.test_groups_end_to_end import base_tenant

NAME = "Global Administrator eligibility (quarterly)"
REVIEWERS = ("rev.a@contoso.com", "rev.b@contoso.com", "rev.c@contoso.com")
#: The first quarter after SAMPLE_NOW (2026-11-24) starts here.
BOUNDARY = datetime(2027, 1, 1, tzinfo=UTC)


def review_file(every: str = "quarter", covers: str = "eligible") -> str:
    sets = ", ".join(f"[user:{r}]" for r in REVIEWERS)
    return (
        f"name: {NAME}\nrole: Global Administrator\ncovers: {covers}\n"
        f"recurrence: {{every: {every}, start: 2026-10-01}}\nduration: P3D\n"
        f"rotation:\n  period: quarter\n  anchor: 2026-10-01\n  reviewers: [{sets}]\n"
        "default_decision: none\nauto_apply: true\njustification_required: true\n"
        "recommendations: true\nnotifications: {mail: true, reminders: true}\n"
    )


class World:
    def __init__(self, url: str, clock: list[datetime]) -> None:
        self.url, self.clock = url, clock

    def run(self, *args: str) -> Result:
        now = format_instant(self.clock[0])
        return CliRunner().invoke(cli, ["--now", now, "--graph-url", self.url, *args])

    def plan_json(self, repo: Path) -> dict[str, Any]:
        result = self.run("plan", str(repo), "--format", "json")
        assert result.exit_code == 0, result.output
        plan: dict[str, Any] = json.loads(result.stdout)
        return plan

    def applied(self, repo: Path) -> None:
        result = self.run("apply", str(repo), "--auto-approve")
        assert result.exit_code == 0, result.output
        assert self.run("plan", str(repo), "--detailed-exitcode").exit_code == 0


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    tenant = base_tenant()
    for name in REVIEWERS:
        tenant.add(user(name, name))
    clock = [SAMPLE_NOW]
    with running(Emulator(tenant.snapshot(), clock=lambda: clock[0])) as url:
        yield World(url, clock)


@pytest.fixture
def repo(world: World, tmp_path: Path) -> Path:
    """The tenant exported, with the quarterly review declared and applied."""
    path = tmp_path / "repo"
    assert world.run("export", "--out", str(path)).exit_code == 0
    (path / "reviews").mkdir(exist_ok=True)
    (path / "reviews" / "ga.yaml").write_text(review_file())
    changes = world.plan_json(path)["review_changes"]
    assert [(c["address"], c["action"]) for c in changes] == [(f'review["{NAME}"]', "create")]
    world.applied(path)
    return path


def test_export_writes_todays_reviewers_and_plans_nothing_within_the_period(
    world: World, repo: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "exported"
    assert world.run("export", "--out", str(exported)).exit_code == 0
    (text,) = [p.read_text() for p in (exported / "reviews").glob("*.yaml")]
    assert f"reviewers:\n  - user:{REVIEWERS[0]}\n" in text
    assert "# rotation:" in text and "#   period: quarter" in text
    assert world.run("plan", str(exported), "--detailed-exitcode").exit_code == 0


def test_at_the_next_boundary_only_the_reviewers_change(world: World, repo: Path) -> None:
    just_before = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    world.clock[0] = just_before
    assert world.run("plan", str(repo), "--detailed-exitcode").exit_code == 0
    world.clock[0] = BOUNDARY
    changes = world.plan_json(repo)["review_changes"]
    assert [(c["address"], c["action"], c["before"], c["after"]) for c in changes] == [
        (
            f'review["{NAME}"].reviewers',
            "update",
            [f"user:{REVIEWERS[0]}"],
            [f"user:{REVIEWERS[1]}"],
        )
    ]
    text = world.run("plan", str(repo)).output
    quarters = ("2027-04-01", "2027-07-01", "2027-10-01", "2028-01-01")
    assert all(f"from {q}" in " ".join(text.split()) for q in quarters), text
    world.applied(repo)


def test_a_recurrence_change_is_one_change_and_a_scope_change_a_replace(
    world: World, repo: Path
) -> None:
    path = repo / "reviews" / "ga.yaml"
    path.write_text(review_file(every="month"))
    plan = world.plan_json(repo)
    assert [(c["address"], c["action"]) for c in plan["review_changes"]] == [
        (f'review["{NAME}"].recurrence', "update")
    ]
    assert [w["action"] for w in plan["review_writes"]] == ["update"]
    world.applied(repo)
    path.write_text(review_file(every="month", covers="all"))
    plan = world.plan_json(repo)
    assert [(c["address"], c["action"]) for c in plan["review_changes"]] == [
        (f'review["{NAME}"]', "replace")
    ]
    world.applied(repo)


def _rev001(world: World, repo: Path) -> list[str]:
    result = world.run("lint", str(repo), "--format", "json")
    found = json.loads(result.stdout)["findings"]
    return [f["message"] for f in found if f["rule"] == "REV001" and NAME in f["message"]]


def test_cis_533_flags_the_quarterly_review_and_passes_a_monthly_three_day_one(
    world: World, repo: Path
) -> None:
    assert [m for m in _rev001(world, repo) if "less often than monthly" in m]
    (repo / "reviews" / "ga.yaml").write_text(review_file(every="month"))
    assert _rev001(world, repo) == []
