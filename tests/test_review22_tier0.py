"""Hostile review of issue 22: an auto-applied review of Global Administrator whose default
decision is Deny removes, at its first instance's end, every assignment nobody approved, the
break-glass accounts included. Lint says so (REV006, an error), but plan and apply are what
write it: nothing refuses the plan."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_reviews_end_to_end import NAME, World, review_file
from tests.test_reviews_end_to_end import world as world


def test_a_deny_auto_applied_global_admin_review_is_refused(world: World, tmp_path: Path) -> None:
    path = tmp_path / "repo"
    assert world.run("export", "--out", str(path)).exit_code == 0
    (path / "reviews").mkdir(exist_ok=True)
    text = review_file(covers="all").replace("default_decision: none", "default_decision: deny")
    (path / "reviews" / "ga.yaml").write_text(text)
    lint = json.loads(world.run("lint", str(path), "--format", "json").stdout)
    assert [f for f in lint["findings"] if f["rule"] == "REV006" and NAME in f["message"]]
    result = world.run("plan", str(path), "--format", "json")
    plan = json.loads(result.stdout)
    assert [(c["action"]) for c in plan["review_changes"]] == ["create"]
    (refusal,) = plan["refusals"]
    assert refusal["guard"] == "break-glass" and NAME in refusal["message"]
    assert refusal["override"] == (
        "allowed only with --allow-break-glass-change / PIM_GITOPS_ALLOW=break-glass-change"
    )
    assert world.run("plan", str(path), "--detailed-exitcode").exit_code == 3
    applied = world.run("apply", str(path), "--auto-approve")
    assert applied.exit_code != 0 and "nothing was written" in applied.output, applied.output
    # No change, or eligible assignments only while they hold GA active: nothing to refuse.
    (path / "reviews" / "ga.yaml").write_text(
        review_file(covers="eligible").replace("default_decision: none", "default_decision: deny")
    )
    assert json.loads(world.run("plan", str(path), "--format", "json").stdout)["refusals"] == []
