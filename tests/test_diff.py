"""The differ's comparisons at their boundaries (diff.py): when two instants are the same,
when a new grant is too short, when a tighter maximum warns about existing assignments, what
authoritative mode removes. Each case is a tiny policy repo against a tiny tenant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.diff import GRANDFATHERED, TOLERANCE, Diff, changed_paths, diff, same_instant
from pim_gitops.normalize import normalize_tenant
from pim_gitops.tenantgen import TenantBuilder
from pim_gitops.wire import format_instant
from pim_gitops.workflow import load_desired
from tests.conftest import write
from tests.test_plan import NOW, ROLE_ID, tiny_tenant, uid

SEC = "Security Administrator"
SEC_ID = ROLE_ID[SEC]


def diff_of(root: Path, role_yaml: str, tenant: TenantBuilder) -> Diff:
    repo = root / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(repo / "roles" / "sec.yaml", f"role: {SEC}\n" + role_yaml)
    state = normalize_tenant(tenant.snapshot(), NOW)
    return diff(load_desired(str(repo), NOW).state, state, NOW)


def assignment_changes(result: Diff) -> list[tuple[str, str]]:
    return [(c.action, c.principal_ref or "") for c in result.changes if c.kind == "assignment"]


# --- instants -------------------------------------------------------------------------------


def test_instants_within_the_tolerance_of_a_minute_are_the_same() -> None:
    assert timedelta(seconds=60) == TOLERANCE
    t = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert same_instant(t, t + timedelta(seconds=60))
    assert same_instant(t + timedelta(seconds=60), t)
    assert not same_instant(t, t + timedelta(seconds=61))
    assert not same_instant(t + timedelta(seconds=61), t)
    assert same_instant(None, None)
    assert not same_instant(t, None)
    assert not same_instant(None, t)


@pytest.mark.parametrize(("offset", "changed"), [(60, False), (-60, False), (61, True)])
def test_a_declared_end_a_minute_off_the_live_end_plans_nothing(
    tmp_path: Path, offset: int, changed: bool
) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, uid("ben"), days_left=10)
    end = format_instant(NOW + timedelta(days=10, seconds=offset))
    role = f"assignments:\n  eligible:\n    - {{principal: user:ben@contoso.com, expires: {end}}}\n"
    found = assignment_changes(diff_of(tmp_path, role, tenant))
    assert found == ([("update", "user:ben@contoso.com")] if changed else [])


# --- a new grant's length -------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "refused"), [(299, True), (300, False)])
def test_a_new_grant_must_last_five_minutes(tmp_path: Path, seconds: int, refused: bool) -> None:
    end = format_instant(NOW + timedelta(seconds=seconds))
    role = f"assignments:\n  eligible:\n    - {{principal: user:cid@contoso.com, expires: {end}}}\n"
    result = diff_of(tmp_path, role, tiny_tenant(SEC))
    if refused:
        assert assignment_changes(result) == []
        assert len(result.errors) == 1
        assert f"{seconds}s after it starts" in result.errors[0]
        assert "shorter than PT5M" in result.errors[0]
    else:
        assert assignment_changes(result) == [("create", "user:cid@contoso.com")]
        assert result.errors == ()


def test_a_declaration_that_has_already_ended_is_neither_created_nor_kept(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, uid("ben"), days_left=10)
    ended = format_instant(NOW)
    role = (
        "assignments:\n  eligible:\n"
        f"    - {{principal: user:cid@contoso.com, expires: {ended}}}\n"
        f"    - {{principal: user:ben@contoso.com, expires: {ended}}}\n"
    )
    # Ended declarations count as undeclared: ben's live eligibility is removed.
    assert assignment_changes(diff_of(tmp_path, role, tenant)) == [
        ("delete", "user:ben@contoso.com")
    ]


def test_a_duration_is_counted_from_the_live_start_and_regranted_from_now(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    # Started 30 days ago, ends in 10: 40 days from its start.
    tenant.grant("eligible", SEC_ID, uid("ben"), days_ago=30, days_left=10)
    same = (
        "assignments:\n  eligible:\n"
        "    - {principal: user:ben@contoso.com, duration: P40D, renew: true}\n"
    )
    assert assignment_changes(diff_of(tmp_path / "a", same, tenant)) == []
    longer = (
        "assignments:\n  eligible:\n"
        "    - {principal: user:ben@contoso.com, duration: P41D, renew: true}\n"
    )
    result = diff_of(tmp_path / "b", longer, tenant)
    (change,) = (c for c in result.changes if c.kind == "assignment")
    assert change.action == "update"
    assert change.desired is not None and change.desired.end == NOW + timedelta(days=41)


# --- settings -------------------------------------------------------------------------------


def test_changed_paths_are_the_desired_leaves_that_differ_or_are_missing() -> None:
    assert changed_paths({"a": 1, "b": 2, "c": None}, {"a": 1, "b": 3}) == ["b"]
    assert changed_paths({"a": 1, "d": 4}, {"a": 1}) == ["d"]
    assert changed_paths({}, {"a": 1}) == []


def test_a_setting_change_shows_before_and_after_in_json_words(tmp_path: Path) -> None:
    result = diff_of(tmp_path, "activation:\n  max_duration: PT4H\n", tiny_tenant(SEC))
    (change,) = result.changes
    assert (change.address, change.action, change.kind) == (
        f'role["{SEC}"].activation.max_duration',
        "update",
        "setting",
    )
    assert (change.before, change.after, change.path) == ("PT8H", "PT4H", "activation.max_duration")


# --- the tightening warning -----------------------------------------------------------------


def tenant_with_maximum(days: int, held: dict[str, tuple[int, int | None]]) -> TenantBuilder:
    """Security Administrator allowing eligible assignments of at most ``days`` days, held by
    ``name: (days ago, days left)``."""
    tenant = tiny_tenant(SEC)
    rule = tenant.rule(SEC_ID, "Expiration_Admin_Eligibility")
    rule.update({"isExpirationRequired": True, "maximumDuration": f"P{days}D"})
    for name, (ago, left) in held.items():
        tenant.grant("eligible", SEC_ID, uid(name), days_ago=ago, days_left=left)
    return tenant


def eligible_policy(days: int) -> str:
    return (
        "assignments_mode: additive\n"
        f"eligible_assignment: {{allow_permanent: false, max_duration: P{days}D}}\n"
    )


@pytest.mark.parametrize(("declared", "warned"), [(30, False), (31, False), (29, True)])
def test_a_maximum_at_least_as_long_as_the_live_one_does_not_warn(
    tmp_path: Path, declared: int, warned: bool
) -> None:
    # ann's eligibility (130 days) already exceeds the live P30D: only a shorter maximum is new.
    tenant = tenant_with_maximum(30, {"ann": (30, 100)})
    result = diff_of(tmp_path, eligible_policy(declared), tenant)
    assert bool(result.warnings) is warned
    if warned:
        assert result.warnings == (
            f"{SEC}: 1 existing eligible assignment exceeds the new maximum P29D; Graph "
            "leaves it, but its next update or extension will fail",
        )


def test_the_warning_counts_longer_and_permanent_holders_of_that_kind_only(
    tmp_path: Path,
) -> None:
    held = {"ann": (10, 10), "ben": (10, 11), "cid": (10, None)}
    tenant = tenant_with_maximum(365, held)
    tenant.grant("active", SEC_ID, uid("ann"), days_ago=100, days_left=100)
    # ann spans exactly 20 days (not over), ben 21, cid is permanent; ann's active is another kind.
    result = diff_of(tmp_path, eligible_policy(20), tenant)
    assert len(result.warnings) == 1
    assert "2 existing eligible assignments exceed the new maximum P20D" in result.warnings[0]


def test_allowing_permanence_never_warns(tmp_path: Path) -> None:
    tenant = tenant_with_maximum(30, {"ann": (30, None)})
    policy = "assignments_mode: additive\neligible_assignment: {allow_permanent: true}\n"
    assert diff_of(tmp_path, policy, tenant).warnings == ()


def test_requiring_expiration_where_permanence_was_allowed_warns(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    rule = tenant.rule(SEC_ID, "Expiration_Admin_Eligibility")
    rule.update({"isExpirationRequired": False, "maximumDuration": "P365D"})
    tenant.grant("eligible", SEC_ID, uid("ann"), days_ago=1, days_left=None)
    result = diff_of(tmp_path, eligible_policy(400), tenant)
    assert len(result.warnings) == 1 and "1 existing eligible" in result.warnings[0]


# --- authoritative removals -----------------------------------------------------------------


def test_authoritative_mode_removes_undeclared_root_assignments_only(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, uid("ann"), days_left=30)
    tenant.grant("active", SEC_ID, uid("ben"), days_left=30)
    au = "/administrativeUnits/au-1"
    tenant.grant("eligible", SEC_ID, uid("cid"), days_left=30, scope=au)
    tenant.grant("eligible", SEC_ID, "deleted-principal", days_left=30)
    role = (
        "assignments:\n  active:\n"
        "    - {principal: user:ben@contoso.com, duration: P30D, renew: true}\n"
    )
    result = diff_of(tmp_path, role, tenant)
    removals = [c for c in result.changes if c.action == "delete"]
    assert [(c.address, c.before, c.after) for c in removals] == [
        (
            f'role["{SEC}"].eligible["user:ann@contoso.com"]',
            {"end": format_instant(NOW + timedelta(days=30))},
            None,
        )
    ]
    assert [a.principal_id for a in result.unmanaged_scoped] == [uid("cid")]
    assert result.warnings == (
        f"{SEC}: eligible assignment of deleted principal deleted-principal: the directory no "
        "longer returns it, PIM keeps its schedule for up to 7 days; nothing planned",
    )


def test_additive_mode_removes_nothing(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, uid("ann"), days_left=30)
    assert assignment_changes(diff_of(tmp_path, "assignments_mode: additive\n", tenant)) == []


def changes_in_order(result: Diff) -> list[Any]:
    return [(c.role_name, c.kind, c.action) for c in result.changes]


def test_changes_are_sorted_settings_first_then_assignments_by_address(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, uid("ann"), days_left=30)
    role = (
        "activation:\n  max_duration: PT4H\n"
        "assignments:\n  eligible:\n"
        "    - {principal: user:cid@contoso.com, duration: P30D, renew: true}\n"
    )
    result = diff_of(tmp_path, role, tenant)
    assert [c.address for c in result.changes] == [
        f'role["{SEC}"].activation.max_duration',
        f'role["{SEC}"].eligible["user:ann@contoso.com"]',
        f'role["{SEC}"].eligible["user:cid@contoso.com"]',
    ]
    assert result.unmanaged_roles == ("Privileged Role Administrator",)


# --- more of the differ's paths -----------------------------------------------------------------


def test_approvers_are_shown_as_the_references_a_policy_file_uses(tmp_path: Path) -> None:
    tenant = tiny_tenant(SEC)
    role = (
        "activation:\n  approval:\n    required: true\n"
        "    approvers: [user:ben@contoso.com, user:ann@contoso.com]\n"
    )
    result = diff_of(tmp_path, role, tenant)
    by_path = {c.path: c for c in result.changes}
    approvers = by_path["activation.approval.approvers"]
    assert (approvers.before, approvers.after) == (
        [],
        ["user:ann@contoso.com", "user:ben@contoso.com"],
    )
    assert (
        by_path["activation.approval.required"].before,
        by_path["activation.approval.required"].after,
    ) == (False, True)


def test_a_future_start_is_planned_and_a_start_of_now_is_not(tmp_path: Path) -> None:
    later = NOW + timedelta(days=1)
    for start, expected in ((later, later), (NOW, None)):
        role = (
            "assignments:\n  eligible:\n"
            f"    - {{principal: user:cid@contoso.com, start: {format_instant(start)}, "
            "duration: P30D, renew: true}\n"
        )
        (change,) = diff_of(tmp_path / str(expected is None), role, tiny_tenant(SEC)).changes
        assert change.desired is not None and change.desired.start == expected


def test_each_declaration_is_judged_after_an_ended_or_unresolvable_one(tmp_path: Path) -> None:
    role = (
        "assignments:\n  eligible:\n"
        f"    - {{principal: user:ann@contoso.com, expires: {format_instant(NOW)}}}\n"
        "    - {principal: user:nobody@contoso.com, duration: P30D, renew: true}\n"
        "    - {principal: user:cid@contoso.com, duration: P30D, renew: true}\n"
    )
    result = diff_of(tmp_path, role, tiny_tenant(SEC))
    assert assignment_changes(result) == [("create", "user:cid@contoso.com")]
    assert len(result.errors) == 1 and "nobody@contoso.com" in result.errors[0]


def test_a_permanent_declaration_of_a_schedule_that_ends_is_an_update_to_permanent(
    tmp_path: Path,
) -> None:
    tenant = tiny_tenant(SEC)
    rule = tenant.rule(SEC_ID, "Expiration_Admin_Eligibility")
    rule.update({"isExpirationRequired": False})
    tenant.grant("eligible", SEC_ID, uid("ben"), days_left=10)
    role = "assignments:\n  eligible:\n    - {principal: user:ben@contoso.com, permanent: true}\n"
    (change,) = diff_of(tmp_path, role, tenant).changes
    assert change.action == "update" and change.desired is not None
    assert change.desired.end is None and change.after == {"end": "permanent"}


def test_held_assignments_the_policy_no_longer_allows_are_kept_with_a_note_each(
    tmp_path: Path,
) -> None:
    tenant = tenant_with_maximum(30, {})
    for name in ("ann", "ben"):
        tenant.grant("eligible", SEC_ID, uid(name), days_ago=1, days_left=None)
    role = (
        "assignments:\n  eligible:\n"
        "    - {principal: user:ann@contoso.com, permanent: true}\n"
        "    - {principal: user:ben@contoso.com, permanent: true}\n"
    )
    result = diff_of(
        tmp_path,
        "eligible_assignment: {allow_permanent: false, max_duration: P30D}\n" + role,
        tenant,
    )
    assert assignment_changes(result) == [] and result.errors == ()
    notes = [w for w in result.warnings if "grandfathered" in w]
    assert len(notes) == 2
    assert all(w.endswith(GRANDFATHERED) for w in notes)


def test_an_update_the_policy_does_not_allow_is_an_error(tmp_path: Path) -> None:
    tenant = tenant_with_maximum(30, {"ann": (1, 10)})
    role = "assignments:\n  eligible:\n    - {principal: user:ann@contoso.com, permanent: true}\n"
    result = diff_of(
        tmp_path,
        "eligible_assignment: {allow_permanent: false, max_duration: P30D}\n" + role,
        tenant,
    )
    assert assignment_changes(result) == []
    assert len(result.errors) == 1 and result.errors[0].endswith("Graph refuses to update it")


def test_removals_go_on_past_a_deleted_principal_and_deleted_ones_are_listed_sorted(
    tmp_path: Path,
) -> None:
    tenant = tiny_tenant(SEC)
    tenant.grant("eligible", SEC_ID, "00000000-0000-0000-0000-00000000dead", days_left=30)
    tenant.grant("eligible", SEC_ID, "00000000-0000-0000-0000-00000000beef", days_left=30)
    tenant.grant("eligible", SEC_ID, uid("ann"), days_left=30)
    result = diff_of(tmp_path, "", tenant)
    assert assignment_changes(result) == [("delete", "user:ann@contoso.com")]
    removal = next(c for c in result.changes if c.action == "delete")
    assert (removal.path, removal.live is not None) == ("eligible", True)
    deleted = [w.split(" deleted principal ")[1].split(":")[0] for w in result.warnings]
    assert deleted == [
        "00000000-0000-0000-0000-00000000beef",
        "00000000-0000-0000-0000-00000000dead",
    ]
