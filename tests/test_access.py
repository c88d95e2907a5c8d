"""The usable-access model the guards share: principals, schedules, the horizon."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pim_gitops.access import (
    DEFAULT_HORIZON,
    FOREVER,
    Window,
    lasts_until,
    principal_problem,
    usable,
    usable_holders,
)
from pim_gitops.roles import PRIVILEGED_ROLE_ADMINISTRATOR as PRA
from pim_gitops.state import Assignment, Principal, TenantState

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def tenant(*assignments: Assignment, members: tuple[str, ...] = ("u-member",)) -> TenantState:
    principals = [
        Principal("u-alice", "user", user_principal_name="alice@x", account_enabled=True),
        Principal("u-off", "user", user_principal_name="off@x", account_enabled=False),
        Principal("u-unknown", "user", user_principal_name="unk@x", account_enabled=None),
        Principal("u-member", "user", account_enabled=True),
        Principal("u-member-off", "user", account_enabled=False),
        Principal("sp-ci", "servicePrincipal", app_id="ci", account_enabled=True),
        Principal("g-ok", "group", display_name="Ok", is_assignable_to_role=True),
        Principal("g-plain", "group", display_name="Plain", is_assignable_to_role=False),
        Principal("g-empty", "group", display_name="Empty", is_assignable_to_role=True),
        Principal("x-device", "other"),
    ]
    return TenantState(
        tenant_id="t",
        roles={},
        policies={},
        assignments=assignments,
        principals={p.id: p for p in principals},
        group_members={"g-ok": members, "g-plain": ("u-member",), "g-empty": ()},
    )


def grant(
    principal: str = "u-alice",
    *,
    end: datetime | None = None,
    start: datetime | None = None,
    kind: str = "eligible",
) -> Assignment:
    return Assignment(PRA, principal, "/", kind, end, start)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("principal", "problem"),
    [
        ("u-alice", None),
        ("sp-ci", None),
        ("g-ok", None),
        ("u-off", "a disabled account"),
        ("u-unknown", "a disabled account"),  # not known to be enabled: fail closed
        ("g-plain", "a group that is not role-assignable"),
        ("g-empty", "a group with no enabled member"),
        ("x-device", "a other object, which cannot hold a role"),
        ("nobody", "not found in the tenant"),
    ],
)
def test_principal_problem(principal: str, problem: str | None) -> None:
    assert principal_problem(tenant(), principal) == problem


def test_a_group_whose_members_are_all_disabled_or_unknown_is_not_usable() -> None:
    assert principal_problem(tenant(members=("u-member-off", "ghost")), "g-ok") == (
        "a group with no enabled member"
    )
    assert principal_problem(tenant(members=("u-member-off", "u-member")), "g-ok") is None


def test_default_horizon_is_a_day() -> None:
    assert timedelta(hours=24) == DEFAULT_HORIZON
    assert Window(NOW).until == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (NOW + DEFAULT_HORIZON, False),  # exactly at the horizon: ends within it
        (NOW + DEFAULT_HORIZON - SECOND, False),  # one second inside
        (NOW + DEFAULT_HORIZON + SECOND, True),  # one second outside
        (None, True),  # permanent
        (NOW - SECOND, False),  # already over
    ],
)
def test_usable_at_the_horizon(end: datetime | None, expected: bool) -> None:
    assert usable(grant(end=end), tenant(), Window(NOW)) is expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [(NOW, True), (NOW - SECOND, True), (NOW + SECOND, False), (NOW + timedelta(days=365), False)],
)
def test_a_schedule_counts_only_once_started(start: datetime, expected: bool) -> None:
    assert usable(grant(start=start), tenant(), Window(NOW)) is expected


def test_a_configured_horizon_moves_the_boundary() -> None:
    window = Window(NOW, timedelta(hours=2))
    assert usable(grant(end=NOW + timedelta(hours=2) + SECOND), tenant(), window)
    assert not usable(grant(end=NOW + timedelta(hours=2)), tenant(), window)


def test_an_unusable_principal_gives_no_access_whatever_its_schedule() -> None:
    for principal in ("u-off", "g-plain", "g-empty", "nobody"):
        assert not usable(grant(principal), tenant(), Window(NOW))
        assert lasts_until([grant(principal)], tenant(), NOW) is None


def test_lasts_until_is_the_latest_usable_end() -> None:
    soon, later = NOW + timedelta(hours=3), NOW + timedelta(days=3)
    state = tenant()
    assert lasts_until([], state, NOW) is None
    assert lasts_until([grant(end=soon), grant("sp-ci", end=later)], state, NOW) == later
    assert lasts_until([grant(end=soon), grant(end=None)], state, NOW) == FOREVER
    # a later end of an unusable principal or a schedule not yet started does not count
    assert lasts_until([grant(end=soon), grant("u-off", end=later)], state, NOW) == soon
    assert lasts_until([grant(end=soon), grant(start=NOW + SECOND)], state, NOW) == soon


def test_usable_holders_are_sorted_and_scoped_to_the_directory() -> None:
    scoped = Assignment(PRA, "u-member", "/administrativeUnits/1", "eligible")
    other_role = Assignment("some-role", "u-member", "/", "eligible")
    assignments = [grant("sp-ci", kind="active"), grant("u-alice"), grant("u-off"), scoped]
    state = tenant(*assignments, other_role)
    window = Window(NOW)
    assert usable_holders([*assignments, other_role], state, PRA, window) == ["sp-ci", "u-alice"]
    assert usable_holders(assignments, state, PRA, window, ("eligible",)) == ["u-alice"]
