"""Postponing a started assignment (same end, a later start), applied from the policy
directory: the read-back agrees with the next plan."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Live
from tests.test_future_start_permissions import FUTURE, HELPDESK, JUDY
from tests.test_outside_pim import add_entry, drop_entry, export, role_file
from tests.test_real_graph import run


def test_postponing_a_start_then_planning_again_shows_no_change(live: Live, tmp_path: Path) -> None:
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
        "justification: x",
    )
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    again = run(live, "plan", str(out))
    assert "No changes" in again.output, applied.output + "\n----\n" + again.output
