"""``RoleAssignmentExists`` on a future-start create, for an identity that cannot list
requests: *a* request exists, maybe with other values, so it is not verified and fails the
run; an empty plan with unlisted requests does not claim the tenant matches."""

from __future__ import annotations

from pathlib import Path

from pim_gitops.emulator.identity import Caller
from pim_gitops.render.plan_text import unwrap
from tests.conftest import Live
from tests.test_future_start_permissions import FUTURE, HELPDESK, NARROW, _future_active
from tests.test_outside_pim import role_file
from tests.test_real_graph import run

LATER_START = "2027-01-20T09:00:00Z"


def _requests(live: Live) -> list[dict[str, object]]:
    return [
        r for r in live.emulator.store.requests.values() if r.get("justification") == "starts later"
    ]


def test_a_moved_start_is_reported_applied_though_the_old_request_stands(
    live: Live, tmp_path: Path
) -> None:
    live.sign_in(Caller(roles=NARROW))
    out = _future_active(live, tmp_path)
    assert run(live, "apply", str(out), "--auto-approve").exit_code == 0
    path = role_file(out, HELPDESK)
    # the repository postpones the access (and lengthens it): Judy must not get it on FUTURE
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace(FUTURE, LATER_START)
        .replace("2027-03-15T09:00:00Z", "2027-06-15T09:00:00Z"),
        encoding="utf-8",
    )
    again = run(live, "apply", str(out), "--auto-approve")
    (request,) = _requests(live)  # only the first request exists: the second was refused
    info = request["scheduleInfo"]
    assert isinstance(info, dict) and str(info["startDateTime"]).startswith(FUTURE[:19])
    # expected: not a success; Graph refused the write and the tenant still grants on FUTURE
    assert again.exit_code != 0, again.output


def test_a_dropped_future_start_is_never_cancelled_and_apply_says_so(
    live: Live, tmp_path: Path
) -> None:
    """The repository revokes the future access before it starts; the identity cannot list
    requests, so nothing is planned and the request still grants on FUTURE: apply must not
    say the tenant matches the policy, but that later starts are not compared."""
    from tests.test_future_start_permissions import JUDY
    from tests.test_outside_pim import drop_entry

    live.sign_in(Caller(roles=NARROW))
    out = _future_active(live, tmp_path)
    assert run(live, "apply", str(out), "--auto-approve").exit_code == 0
    drop_entry(role_file(out, HELPDESK), JUDY)
    again = run(live, "apply", str(out), "--auto-approve")
    assert [r.get("status") for r in _requests(live)] == ["Granted"]  # still grants on FUTURE
    # apply does not claim the tenant matches while it cannot tell it revoked nothing
    assert "The tenant matches the policy" not in again.output, again.output
    assert "requests could not be listed" in again.output, again.output
    whole = unwrap(again.output)  # the plan text wraps at 120 columns
    assert "scheduled to start later are not compared" in whole, again.output
