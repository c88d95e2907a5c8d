"""Hostile review of issue 22: apply then plan = 0 for the reviewer kinds beyond users (the
principal's manager, a group's members as fallback, a group's owners) and for a review of a
group's members, over the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_reviews_end_to_end import World
from tests.test_reviews_end_to_end import world as world

REVIEW = """name: {name}
{target}
recurrence: {{every: month, start: 2026-10-01}}
duration: P3D
reviewers: [{reviewers}]
fallback_reviewers: [group:PRA Admins]
default_decision: none
auto_apply: true
"""


def test_manager_group_and_owner_reviewers_converge(world: World, tmp_path: Path) -> None:
    path = tmp_path / "repo"
    assert world.run("export", "--out", str(path)).exit_code == 0
    (path / "reviews").mkdir(exist_ok=True)
    files = {
        "m": ("By managers", "role: Privileged Role Administrator", "manager"),
        "o": ("By owners", "group: PRA Admins", "owners:PRA Admins"),
    }
    for key, (name, target, reviewers) in files.items():
        text = REVIEW.format(name=name, target=target, reviewers=reviewers)
        (path / "reviews" / f"{key}.yaml").write_text(text)
    out = world.run("plan", str(path), "--format", "json")
    assert out.exit_code == 0, out.output
    plan = json.loads(out.stdout)
    assert sorted(c["action"] for c in plan["review_changes"]) == ["create", "create"]
    world.applied(path)
    exported = tmp_path / "exported"
    assert world.run("export", "--out", str(exported)).exit_code == 0
    result = world.run("plan", str(exported), "--detailed-exitcode")
    assert result.exit_code == 0, result.output
