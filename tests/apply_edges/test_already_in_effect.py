"""A saved plan whose writes are all in effect is "nothing to do" only once the plan file
is trusted (commands/applying.py, apply/trust.py); a later start counts as a change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Live
from tests.test_future_start_permissions import _saved_plan, set_activation
from tests.test_real_graph import run


def _applied(live: Live, tmp_path: Path) -> tuple[Path, Path]:
    out, saved = _saved_plan(live, tmp_path)
    first = run(live, "apply", str(saved), "--policy", str(out), "--auto-approve")
    assert first.exit_code == 0, first.output
    return out, saved


def test_an_old_plan_exits_0_while_the_repository_asks_for_more(live: Live, tmp_path: Path) -> None:
    """The repository changed after the plan was applied: the tenant no longer matches it,
    yet applying the old file exits 0 "nothing to do" instead of "stale/untrusted plan"."""
    out, saved = _applied(live, tmp_path)
    set_activation(out, "PT4H")  # the repository now asks for PT4H; the tenant holds PT3H
    fresh = run(live, "plan", str(out))
    assert "1 to change" in fresh.output, fresh.output  # the tenant differs from the repo
    again = run(live, "apply", str(saved), "--policy", str(out), "--auto-approve")
    # expected: refused (exit 1) as made from another version of the policy
    assert again.exit_code == 1, again.output


def test_a_foreign_edited_plan_file_skips_every_trust_check(live: Live, tmp_path: Path) -> None:
    """desired_hash, tenant_id and the declared tenant all edited: exit 0, no refusal."""
    out, saved = _applied(live, tmp_path)
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["desired_hash"] = "0" * 64
    data["tenant_id"] = "11111111-1111-1111-1111-111111111111"
    data["guards"]["tenant"] = "someone-else.onmicrosoft.com"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    again = run(live, "apply", str(edited), "--policy", str(out), "--auto-approve")
    assert "untrusted-plan" in again.output and again.exit_code == 1, again.output


def test_a_saved_plan_that_postpones_a_start_is_already_in_effect(
    live: Live, tmp_path: Path
) -> None:
    """A trusted, fresh plan whose one write moves an active assignment's start later (same
    end) is not "already in effect" (verify.in_effect compares the start too): it is written."""
    from tests.test_future_start_permissions import FUTURE, HELPDESK, JUDY
    from tests.test_outside_pim import add_entry, drop_entry, export, role_file

    out = export(live, tmp_path)
    path = role_file(out, HELPDESK)
    add_entry(path, "active", JUDY, "expires: 2027-03-15T09:00:00Z", "justification: now")
    assert run(live, "apply", str(out), "--auto-approve").exit_code == 0
    drop_entry(path, JUDY)
    add_entry(
        path,
        "active",
        JUDY,
        f"start: {FUTURE}",
        "expires: 2027-03-15T09:00:00Z",
        "justification: later",
    )
    saved = tmp_path / "postpone.json"
    made = run(live, "plan", str(out), "--out", str(saved))
    assert made.exit_code == 0 and "1 to change" in made.output, made.output
    applied = run(live, "apply", str(saved), "--policy", str(out), "--auto-approve")
    assert "already in effect" not in applied.output, applied.output
    assert applied.exit_code == 0, applied.output  # written: the start moved
    assert "No changes" in run(live, "plan", str(out)).output  # and the next plan agrees
