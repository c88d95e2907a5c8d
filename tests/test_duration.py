"""Time semantics of an assignment (docs/policy-reference.md, "Time"): a `duration` is a
one-off grant ending at `start` + `duration`, known from the repository alone; the plan
never creates or re-creates a grant whose end has passed, notes it, and lint reports it;
`renew: true` keeps a rolling grant, re-granted whenever it is missing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.apply.requests import schedule_body
from pim_gitops.cli import cli
from pim_gitops.diff import Diff, diff
from pim_gitops.errors import PolicyErrors
from pim_gitops.lint.engine import run_lint
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import ScheduleRequest
from pim_gitops.tenantgen import TenantBuilder, schedule
from pim_gitops.wire import format_instant
from pim_gitops.workflow import load_desired
from tests.conftest import write
from tests.test_plan import NOW, ROLE_ID, tiny_tenant, uid

SEC = "Security Administrator"
SEC_ID = ROLE_ID[SEC]
CID = "user:cid@contoso.com"
START = NOW  # 2026-11-24T09:00:00Z
END = START + timedelta(days=30)
ONE_OFF = f"    - {{principal: {CID}, start: {format_instant(START)}, duration: P30D}}\n"
ROLLING = f"    - {{principal: {CID}, duration: P30D, renew: true}}\n"


def repo(root: Path, eligible: str, mode: str = "") -> Path:
    write(root / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(root / "roles" / "sec.yaml", f"role: {SEC}\n{mode}assignments:\n  eligible:\n{eligible}")
    return root


def hold(tenant: TenantBuilder, principal: str, start: datetime, end: datetime | None) -> None:
    """The tenant lists a schedule of ``principal`` (Graph lists only those not ended)."""
    tenant.eligible.append(schedule("eligible", SEC_ID, uid(principal), start=start, end=end))


def diff_at(root: Path, tenant: TenantBuilder, now: datetime) -> Diff:
    state = normalize_tenant(tenant.snapshot(), now)
    return diff(load_desired(str(root), now).state, state, now)


def expired_findings(root: Path, now: datetime) -> list[str]:
    result = run_lint(load_desired(str(root), now).state, None, now, views=("policy",))
    return [f.message for f in result.findings if f.rule == "ASG008"]


def creates(result: Diff) -> list[str]:
    return [c.principal_ref or "" for c in result.changes if c.action == "create"]


# --- the must-hold: a month's grant ends -------------------------------------------------------


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_day_after_a_P30D_grant_ends_the_plan_creates_nothing_and_lint_says_expired(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path / "repo", ONE_OFF)
    # The day it is declared: the plan grants it until start + P30D.
    (op,) = [o for o in tiny_plan_ops(root, tiny_tenant(SEC), START)]
    assert (op.action.value, op.end, op.duration) == ("create", END, None)
    assert schedule_body(op, op.action, START)["scheduleInfo"]["expiration"] == {
        "type": "afterDateTime",
        "endDateTime": "2026-12-24T09:00:00Z",
    }
    # A day after it ended Graph no longer lists it: the tenant holds nothing of cid.
    later = format_instant(END + timedelta(days=1))
    snapshot = write(tmp_path / "tenant.json", json.dumps(tiny_tenant(SEC).snapshot()))
    plan = _cli("--now", later, "plan", str(root), "--snapshot", str(snapshot), "--format", "json")
    document = json.loads(plan.stdout)
    assert [c["action"] for c in document["changes"] if "cid" in c["address"]] == []
    assert any(
        "ended 2026-12-24T09:00:00Z: remove it from the file" in w for w in document["warnings"]
    )
    lint = _cli("--now", later, "lint", str(root), "--select", "ASG008", "--format", "json")
    assert lint.exit_code == 0  # a warning: an ended grant blocks no unrelated change
    (finding,) = [f for f in json.loads(lint.stdout)["findings"] if f["rule"] == "ASG008"]
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        f"{SEC}: the eligible assignment of {CID} expired 2026-12-24T09:00:00Z: "
        "remove it from the file"
    )


def tiny_plan_ops(root: Path, tenant: TenantBuilder, now: datetime) -> list[ScheduleRequest]:
    from pim_gitops.workflow import plan_against

    state = normalize_tenant(tenant.snapshot(), now)
    plan = plan_against(load_desired(str(root), now), state, now)
    return [op for op in plan.operations if isinstance(op, ScheduleRequest)]


def test_renew_true_grants_it_again_for_its_duration_whenever_it_is_missing(
    tmp_path: Path,
) -> None:
    root = repo(tmp_path / "repo", ROLLING)
    later = END + timedelta(days=1)
    (op,) = tiny_plan_ops(root, tiny_tenant(SEC), later)
    assert (op.action.value, op.duration, op.end) == ("create", 30 * 86400, later + timedelta(30))
    assert expired_findings(root, later) == []
    # Held since it was last granted: nothing to do.
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START, END)
    assert creates(diff_at(root, tenant, START + timedelta(days=1))) == []
    assert diff_at(root, tenant, START + timedelta(days=1)).changes == ()


# --- the boundary: ended at or before now ------------------------------------------------------


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_grant_has_ended_at_its_end_and_after_but_not_a_second_before(
    tmp_path: Path, offset: int
) -> None:
    """``now`` is the end plus ``offset`` seconds; the tenant no longer lists it."""
    now = END + timedelta(seconds=offset)
    root = repo(tmp_path / "repo", ONE_OFF)
    result = diff_at(root, tiny_tenant(SEC), now)
    ended = [w for w in result.warnings if "ended 2026-12-24T09:00:00Z" in w]
    if offset >= 0:
        assert (creates(result), result.errors, len(ended)) == ([], (), 1)
        assert len(expired_findings(root, now)) == 1
    else:  # still running: a new grant is considered, and refused as shorter than PT5M
        assert ended == [] and expired_findings(root, now) == []
        (error,) = result.errors
        assert "would end 2026-12-24T09:00:00Z, 1s after it starts" in error


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_expires_has_the_same_boundary(tmp_path: Path, offset: int) -> None:
    now = END + timedelta(seconds=offset)
    root = repo(tmp_path / "repo", f"    - {{principal: {CID}, expires: {format_instant(END)}}}\n")
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START, END)  # listed a second before its end
    result = diff_at(root, tenant, now)
    assert result.changes == ()
    assert len([w for w in result.warnings if "ended" in w]) == (offset >= 0)
    assert len(expired_findings(root, now)) == (offset >= 0)


# --- a one-off grant keeps its end -------------------------------------------------------------


def test_a_one_off_grant_is_never_regranted_from_now(tmp_path: Path) -> None:
    root = repo(tmp_path / "repo", ONE_OFF)
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START + timedelta(hours=4), END)  # applied four hours after `start`
    assert diff_at(root, tenant, START + timedelta(days=20)).changes == ()
    # Missing before its end (removed in the portal): granted again until the same end.
    (op,) = tiny_plan_ops(root, tiny_tenant(SEC), START + timedelta(days=20))
    assert (op.action.value, op.start, op.end, op.duration) == ("create", None, END, None)


def test_a_later_start_is_sent_and_the_end_counts_from_it(tmp_path: Path) -> None:
    later = START + timedelta(days=2)
    line = f"    - {{principal: {CID}, start: {format_instant(later)}, duration: P30D}}\n"
    (op,) = tiny_plan_ops(repo(tmp_path / "repo", line), tiny_tenant(SEC), START)
    assert (op.start, op.end) == (later, later + timedelta(days=30))


# --- the tenant still holds an ended grant (extended in the portal) ----------------------------


def test_an_ended_grant_extended_in_the_tenant_is_removed_in_authoritative_mode(
    tmp_path: Path,
) -> None:
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START, END + timedelta(days=10))
    result = diff_at(repo(tmp_path / "repo", ONE_OFF), tenant, END + timedelta(days=1))
    assert [(c.action, c.principal_ref) for c in result.changes] == [("delete", CID)]
    (note,) = [w for w in result.warnings if "ended" in w]
    assert note.endswith(
        "ended 2026-12-24T09:00:00Z: remove it from the file (the plan does not create it); "
        "the tenant still holds it, until 2027-01-03T09:00:00Z (extended outside the "
        "repository): the plan removes it"
    )


def test_an_ended_grant_extended_in_the_tenant_is_noted_in_additive_mode(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START, None)  # made permanent in the portal
    root = repo(tmp_path / "repo", ONE_OFF, "assignments_mode: additive\n")
    result = diff_at(root, tenant, END + timedelta(days=1))
    assert result.changes == ()
    (note,) = [w for w in result.warnings if "ended" in w]
    assert "the tenant still holds it, no end (extended outside the repository): an " in note
    assert "additive role never removes" in note


def test_an_ended_grant_still_listed_within_the_tolerance_is_left_to_end(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    hold(tenant, "cid", START, END + timedelta(seconds=60))  # ends with the declaration
    result = diff_at(repo(tmp_path / "repo", ONE_OFF), tenant, END + timedelta(seconds=30))
    assert result.changes == ()
    assert len([w for w in result.warnings if "ended" in w]) == 1


# --- validate: what to write --------------------------------------------------------------------


def test_a_duration_without_start_says_what_to_write_at_its_line(tmp_path: Path) -> None:
    root = repo(tmp_path / "repo", f"    - {{principal: {CID}, duration: P30D}}\n")
    result = _cli("--now", "2026-12-01T12:30:00Z", "validate", str(root))
    assert result.exit_code == 1
    assert f"{root / 'roles' / 'sec.yaml'}:4:7: {SEC}: eligible assignment of {CID} has " in (
        result.stderr
    )
    assert "add `start: 2026-12-01T12:30:00Z` (now;" in result.stderr
    with pytest.raises(PolicyErrors) as raised:
        load_desired(str(root), NOW)
    (error,) = raised.value.errors
    assert (error.location.line, error.location.col) == (4, 7)
    assert error.message == (
        f"{SEC}: eligible assignment of {CID} has `duration: P30D` but no `start`, so its end "
        "cannot be known once Graph stops listing it. For a one-off grant ending at start + "
        "P30D, add `start: 2026-11-24T09:00:00Z` (now; for a grant the tenant already holds, "
        "its start: `pim-gitops stamp-starts --snapshot FILE` or `--live` writes it, and now "
        "for a grant not held); to grant it again for P30D whenever it is missing, add "
        "`renew: true`"
    )


@pytest.mark.parametrize(
    ("end", "named"), [("expires: 2027-01-01", "expires"), ("permanent: true", "permanent")]
)
def test_renew_is_only_for_a_duration(tmp_path: Path, end: str, named: str) -> None:
    root = repo(tmp_path / "repo", f"    - {{principal: {CID}, {end}, renew: true}}\n")
    with pytest.raises(PolicyErrors) as raised:
        load_desired(str(root), NOW)
    (error,) = raised.value.errors
    assert f"`renew: true` is only for a `duration` (this one has `{named}`)" in error.message
    assert error.location.line == 4
