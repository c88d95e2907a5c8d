"""Two applies at once (issue 16, finding 6), interleaved exactly with the emulator's holds.

Two policy repositories manage Privileged Role Administrator: A drops one of its two eligible
holders (Grace, Alice), B the other. Each plan alone leaves one usable holder, so each passes
its own checks; together they would leave none. Apply re-reads the tenant right before every
step that reduces access, so when B finishes between A's plan and A's removal step, A's
re-read sees B's removal and A refuses its own. What remains is the window between that
re-read and the removal write itself (docs/reliability.md, "Concurrency"), shown here too.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.emulator.holds import Hold
from pim_gitops.graph.reader import DIR
from pim_gitops.roles import PRIVILEGED_ROLE_ADMINISTRATOR as PRA
from tests.conftest import POLICIES, Live
from tests.test_guards_horizon import cli_run, oid_of

GRACE, ALICE = "grace.identity", "alice.admin"
APPLY_APP = "5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
PRA_FILE = "privileged-role-administrator.yaml"


def without_pra_holder(root: Path, name: str, holder: str) -> Path:
    """A copy of the example repository whose PRA file no longer declares ``holder``."""
    target = root / name
    shutil.copytree(POLICIES, target)
    path = target / "roles" / PRA_FILE
    lines = path.read_text().splitlines(keepends=True)
    start = lines.index(f"    - principal: user:{holder}@contoso.com\n")
    assert lines[start + 3].startswith("      justification:")  # the entry's four lines
    path.write_text("".join(lines[:start] + lines[start + 4 :]))
    return target


def pra_eligible(live: Live) -> list[str]:
    """Who is PRA eligible in the emulator now, besides the apply identity (UPN prefixes)."""
    snapshot = live.snapshot()
    names = {
        str(o["id"]): str(o.get("userPrincipalName") or o.get("appId")).split("@")[0]
        for o in snapshot["directoryObjects"]
    }
    return sorted(
        names.get(str(s["principalId"]), str(s["principalId"]))
        for s in snapshot["roleEligibilitySchedules"]
        if s["roleDefinitionId"] == PRA and names.get(str(s["principalId"])) != APPLY_APP
    )


@pytest.fixture
def two_holders(live: Live) -> Iterator[Live]:
    """The sample tenant with the example repository applied: Grace and Alice are both PRA
    eligible (the sample tenant holds Grace; the repository adds Alice). Every hold is
    released afterwards, so a failing test leaves no apply thread waiting."""
    done = cli_run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert done.exit_code == 0, done.output
    assert pra_eligible(live) == sorted([ALICE, GRACE])
    try:
        yield live
    finally:
        live.emulator.holds.release_all()


def in_thread(*args: str, url: str) -> Future[Any]:
    """``pim-gitops apply`` in another thread (the CLI's result, once it ends). The other
    apply runs only while this one waits on a hold, so the two ``CliRunner`` output captures
    nest and never interleave."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(cli_run, url, "apply", *args)
    pool.shutdown(wait=False)
    return future


def held(hold: Hold) -> Hold:
    assert hold.wait_held(), f"nothing reached the hold on {hold.path}"
    return hold


ORDERS = [
    pytest.param(GRACE, ALICE, id="A-drops-grace"),
    pytest.param(ALICE, GRACE, id="A-drops-alice"),
]


@pytest.mark.parametrize(("a_drops", "b_drops"), ORDERS)
def test_the_second_removal_is_refused_by_the_re_read_before_it(
    two_holders: Live, tmp_path: Path, a_drops: str, b_drops: str
) -> None:
    """A plans and passes its first check; B applies to completion; A's re-read right before
    its removal step sees B's removal, and A skips its own: one usable holder remains."""
    live = two_holders
    repo_a = without_pra_holder(tmp_path, "a", a_drops)
    repo_b = without_pra_holder(tmp_path, "b", b_drops)
    holds = live.emulator.holds
    # A's check of who it is signed in as (its first check) comes after its read and plan ...
    signed_in = holds.add("directoryObjects/*", method="GET")
    run_a = in_thread(str(repo_a), "--auto-approve", "--format", "json", url=live.url)
    held(signed_in)
    assert pra_eligible(live) == sorted([ALICE, GRACE])  # A has planned, written nothing
    # ... and its next read of the eligibilities is the re-read before its removal step.
    re_read = holds.add(f"{DIR}/roleEligibilitySchedules", method="GET")
    signed_in.release()
    held(re_read)
    assert pra_eligible(live) == sorted([ALICE, GRACE])

    b = cli_run(live.url, "apply", str(repo_b), "--auto-approve")
    assert b.exit_code == 0, b.output
    assert f"user:{b_drops}@contoso.com" in b.output and "1 succeeded" in b.output
    assert pra_eligible(live) == [a_drops]

    re_read.release()
    a = run_a.result(timeout=60)
    assert a.exit_code == 1, a.output
    (skipped,) = json.loads(a.stdout)["results"]
    assert skipped["status"] == "skipped" and skipped["code"] == "GuardRefused"
    assert skipped["operation"].endswith(f"adminRemove eligible user:{a_drops}@contoso.com")
    assert skipped["message"].startswith(
        "not run: the guards refused this step against a fresh read: last-pra-path:"
    )
    assert f"reduced by this plan: user:{a_drops}@contoso.com" in skipped["message"]
    assert pra_eligible(live) == [a_drops]  # A's removal was not sent


@pytest.mark.parametrize(("a_drops", "b_drops"), ORDERS)
def test_the_window_between_the_re_read_and_the_removal_write_remains(
    two_holders: Live, tmp_path: Path, a_drops: str, b_drops: str
) -> None:
    """The documented limit (Graph has no transactions): A has re-read and its removal is in
    flight, not yet applied, while B reads, checks and removes the other holder. Neither can
    see the other; both succeed and no PRA eligible holder is left. Only serializing the
    applies (the workflow's concurrency group) prevents this; this test pins the window so
    the documentation stays true."""
    live = two_holders
    repo_a = without_pra_holder(tmp_path, "a", a_drops)
    repo_b = without_pra_holder(tmp_path, "b", b_drops)
    removal = live.emulator.holds.add(
        f"{DIR}/roleEligibilityScheduleRequests",
        method="POST",
        body={"action": "adminRemove", "principalId": oid_of(live, a_drops)},
    )
    run_a = in_thread(str(repo_a), "--auto-approve", url=live.url)
    held(removal)

    b = cli_run(live.url, "apply", str(repo_b), "--auto-approve")
    assert b.exit_code == 0, b.output
    removal.release()
    a = run_a.result(timeout=60)
    assert pra_eligible(live) == []
    # No re-read closes the window, but the run that finishes last judges the tenant as read
    # back against its first read: it fails, naming the guard, so CI goes red.
    assert a.exit_code == 1, a.output
    assert "access lost in the tenant as read back: last-pra-path" in a.output, a.output
    # The next plan of either repository restores a holder.
    again = cli_run(live.url, "plan", str(repo_a))
    assert again.exit_code == 0, again.output
    restored = f'role "Privileged Role Administrator"\n  + eligible user {b_drops}@contoso.com: '
    assert restored in again.output and "Plan: 1 to add, 0 to change, 0 to remove." in again.output
