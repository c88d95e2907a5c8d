"""The read-back's ``access_lost`` check judges the tenant as read back with the principals
as read back (issue 16, review L2): a holder disabled while apply runs, after its last
re-read, is no usable PRA path, so a run that leaves only that holder fails."""

from __future__ import annotations

import json
from pathlib import Path

from pim_gitops.graph.reader import DIR
from tests.conftest import Live
from tests.test_concurrency import ALICE, GRACE, held, in_thread, pra_eligible, two_holders
from tests.test_concurrency import without_pra_holder as dropping
from tests.test_guards_horizon import cli_run, oid_of

__all__ = ["two_holders"]  # the fixture, used by name


def test_a_holder_disabled_during_the_run_is_access_lost(two_holders: Live, tmp_path: Path) -> None:
    """A drops Grace, leaving Alice. After A's re-read before its removal (the removal is
    held in flight), Alice is disabled in the tenant. The removal lands; the read-back shows
    Alice eligible but disabled: nobody but the apply identity can use PRA any more."""
    live = two_holders
    repo = dropping(tmp_path, "a", GRACE)
    removal = live.emulator.holds.add(
        f"{DIR}/roleEligibilityScheduleRequests",
        method="POST",
        body={"action": "adminRemove", "principalId": oid_of(live, GRACE)},
    )
    run_a = in_thread(str(repo), "--auto-approve", "--format", "json", url=live.url)
    held(removal)
    live.emulator.store.objects[oid_of(live, ALICE)]["accountEnabled"] = False
    removal.release()
    a = run_a.result(timeout=60)
    assert pra_eligible(live) == [ALICE]  # the removal was written; Alice remains, disabled
    assert a.exit_code == 1, a.output
    result = json.loads(a.stdout)
    (removed,) = result["results"]
    assert removed["status"] == "succeeded"
    (lost,) = result["access_lost"]
    assert lost.startswith("last-pra-path:")
    assert f"user:{ALICE}@contoso.com is a disabled account" in lost


def test_a_holder_still_enabled_after_the_run_is_no_access_lost(
    two_holders: Live, tmp_path: Path
) -> None:
    """The same run without the disabling: Alice remains usable, the run succeeds."""
    live = two_holders
    repo = dropping(tmp_path, "a", GRACE)
    a = cli_run(live.url, "apply", str(repo), "--auto-approve", "--format", "json")
    assert a.exit_code == 0, a.output
    assert json.loads(a.stdout)["access_lost"] == []
    assert pra_eligible(live) == [ALICE]


# --- the guards, pure: the read-back side judged with its own principals --------------------


def test_a_read_back_tenant_judges_its_side_with_its_own_principals() -> None:
    from pim_gitops.apply.guards import break_glass_lost, last_pra_path_removed, self_lockout
    from tests.test_guards import ALICE as A
    from tests.test_guards import APPLIER, BG1, GA, PRA, WINDOW, held, tenant

    rows = (held(PRA, A, "eligible"), held(PRA, APPLIER, "active"), held(GA, BG1))
    before = tenant(*rows)
    # As planned (a list), the first read's principals judge both sides: nothing is lost.
    assert last_pra_path_removed(before, list(rows), WINDOW, APPLIER).problems == ()
    # Read back with Alice and the break-glass account disabled, the same rows are lost.
    read_back = tenant(*rows, disabled=(A, BG1))
    lost = last_pra_path_removed(before, read_back, WINDOW, APPLIER).problems
    assert len(lost) == 1 and "user:alice@contoso.com is a disabled account" in lost[0]
    (bg,) = break_glass_lost(before, read_back, [BG1], WINDOW).problems
    assert bg.startswith("break-glass:") and "the account is a disabled account" in bg
    assert break_glass_lost(before, tenant(*rows), [BG1], WINDOW).problems == ()
    assert self_lockout(before, read_back, APPLIER, WINDOW).problems == ()  # still enabled
    gone = tenant(*rows, disabled=(APPLIER,))
    assert self_lockout(before, gone, APPLIER, WINDOW).problems
