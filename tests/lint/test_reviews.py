"""The REV rules over hand-built DesiredState.reviews / TenantState.reviews."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from pim_gitops.compile.types import CompiledReview, DesiredState
from pim_gitops.errors import Location
from pim_gitops.lint.engine import run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.lint.rules.reviews import CIS_REVIEWED_ROLES
from pim_gitops.normalize import normalize_tenant
from pim_gitops.reviews import (
    AccessReview,
    Recurrence,
    ReviewInstance,
    ReviewSettings,
    ReviewState,
    ReviewTarget,
    Rotation,
)
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo

GOOD = ReviewSettings(3, None, True, True, True, True, True)


def review(
    role: str = GLOBAL_ADMINISTRATOR,
    *,
    pattern: str = "absoluteMonthly",
    interval: int = 1,
    days: int = 3,
    auto_apply: bool = True,
    covers: str = "all",
    reviewers: tuple[str, ...] = ("user:alice@contoso.com",),
    decision: str | None = None,
    name: str | None = None,
) -> AccessReview:
    return AccessReview(
        name or f"{BUILTIN_ROLES[role]} review",
        ReviewTarget("role", role, covers),  # type: ignore[arg-type]
        Recurrence(pattern, interval, date(2026, 1, 1)),  # type: ignore[arg-type]
        reviewers,
        (),
        replace(
            GOOD, instance_duration_days=days, auto_apply=auto_apply, default_decision=decision
        ),  # type: ignore[arg-type]
    )


def compiled(r: AccessReview, rotation: Rotation | None = None) -> CompiledReview:
    where = Location(f"reviews/{r.name}.yaml", 1, 1)
    return CompiledReview(
        where.path,
        where,
        r,
        BUILTIN_ROLES.get(r.target.id, r.target.id),
        rotation,
        {"recurrence": Location(where.path, 4, 1), "duration": Location(where.path, 5, 1)},
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> DesiredState:
    root = tmp_path_factory.mktemp("repo")
    files = {
        "pim.yaml": (
            "tenant: contoso.onmicrosoft.com\nbreak_glass: [user:bg1@contoso.onmicrosoft.com]\n"
        ),
        "roles/ga.yaml": (
            "role: Global Administrator\nassignments:\n  eligible:\n"
            "    - {principal: user:alice@contoso.com, start: 2026-11-24, duration: P90D, "
            "justification: ops}\n"
        ),
    }
    return load_desired(str(write_repo(Path(root), files)), NOW).state


def lint(
    desired: DesiredState, code: str, tenant: object = None, views: tuple[str, ...] | None = None
) -> list[str]:
    result = run_lint(desired, tenant, NOW, views=views)  # type: ignore[arg-type]
    return [f.message for f in result.findings if f.rule == code]


def with_reviews(base: DesiredState, *items: CompiledReview) -> DesiredState:
    return replace(base, reviews=tuple(items))


def all_five(**kw: object) -> list[CompiledReview]:
    return [compiled(review(r, **kw)) for r in CIS_REVIEWED_ROLES]  # type: ignore[arg-type]


def test_quarterly_global_administrator_review_raises_cis_533(base: DesiredState) -> None:
    items = all_five()
    items[0] = compiled(review(interval=3, reviewers=("user:carol@contoso.com",)))
    found = lint(with_reviews(base, *items), "REV001")
    assert found == [
        'review["Global Administrator review"] of Global Administrator recurs every 3 months: '
        "less often than monthly"
    ]


def test_monthly_three_day_auto_applied_reviews_pass(base: DesiredState) -> None:
    assert lint(with_reviews(base, *all_five()), "REV001") == []


@pytest.mark.parametrize(("days", "raised"), [(4, False), (5, True)])
def test_duration_at_most_four_days(base: DesiredState, days: int, raised: bool) -> None:
    found = lint(with_reviews(base, *all_five(days=days)), "REV001")
    assert bool(found) is raised
    assert all("lasts 5 days" in m for m in found)


@pytest.mark.parametrize(("weeks", "raised"), [(4, False), (5, True)])
def test_weekly_counts_as_monthly_up_to_four_weeks(
    base: DesiredState, weeks: int, raised: bool
) -> None:
    found = lint(with_reviews(base, *all_five(pattern="weekly", interval=weeks)), "REV001")
    assert bool(found) is raised


def test_results_not_applied_and_missing_roles(base: DesiredState) -> None:
    found = lint(with_reviews(base, compiled(review(auto_apply=False))), "REV001")
    assert (
        'review["Global Administrator review"] of Global Administrator does not apply its '
        "results (auto_apply is off)" in found
    )
    assert "Teams Administrator: no access review of its assignments" in found
    assert len(found) == 5


def test_eligible_only_reviews_leave_active_uncovered(base: DesiredState) -> None:
    items = all_five()
    items[0] = compiled(review(covers="eligible"))
    found = lint(with_reviews(base, *items), "REV001")
    assert found == [
        "Global Administrator: its active assignments are under no review that meets 5.3.3 "
        "(the control: All active and eligible assignments)"
    ]


def test_a_repository_without_reviews_is_not_judged(base: DesiredState) -> None:
    assert lint(base, "REV001") == [] and lint(base, "REV004") == []


def test_deny_default_is_a_warning_and_tier0_error(base: DesiredState) -> None:
    items = all_five()
    items[0] = compiled(review(decision="Deny"))
    result = run_lint(with_reviews(base, *items), None, NOW)
    rev001 = [f for f in result.findings if f.rule == "REV001"]
    assert [f.severity for f in rev001] == ["warning"]
    rev006 = [f.message for f in result.findings if f.rule == "REV006"]
    assert rev006 == [
        'review["Global Administrator review"] of Global Administrator applies Deny to every '
        "assignment nobody approves, the break-glass accounts included "
        "(user:bg1@contoso.onmicrosoft.com)"
    ]


@pytest.mark.parametrize(
    ("decision", "auto_apply", "role", "raised"),
    [
        ("Recommendation", True, PRIVILEGED_ROLE_ADMINISTRATOR, True),
        ("Deny", False, GLOBAL_ADMINISTRATOR, False),
        ("None", True, GLOBAL_ADMINISTRATOR, False),
        ("Deny", True, CIS_REVIEWED_ROLES[1], False),
    ],
)
def test_tier0_rule_conditions(
    base: DesiredState, decision: str, auto_apply: bool, role: str, raised: bool
) -> None:
    item = compiled(review(role, decision=decision, auto_apply=auto_apply))
    assert bool(lint(with_reviews(base, item), "REV006")) is raised


def test_rotation_never_changing(base: DesiredState) -> None:
    fixed = compiled(review())
    same = compiled(review(), Rotation(3, date(2026, 1, 1), (("user:a@x.com",), ("user:a@x.com",))))
    turns = compiled(
        review(), Rotation(3, date(2026, 1, 1), (("user:a@x.com",), ("user:b@x.com",)))
    )
    assert len(lint(with_reviews(base, fixed), "REV002")) == 1
    assert "rotation's sets are all the same" in lint(with_reviews(base, same), "REV002")[0]
    assert lint(with_reviews(base, turns), "REV002") == []


def test_self_review_by_a_declared_holder(base: DesiredState) -> None:
    found = lint(with_reviews(base, compiled(review())), "REV003")
    assert found == [
        'review["Global Administrator review"] of Global Administrator: its reviewers '
        "include principals it reviews: user:alice@contoso.com"
    ]
    other = compiled(review(reviewers=("user:carol@contoso.com",)))
    assert lint(with_reviews(base, other), "REV003") == []
    active_only = compiled(review(covers="active"))
    assert lint(with_reviews(base, active_only), "REV003") == []


def test_self_review_in_a_later_rotation_set(base: DesiredState) -> None:
    rot = Rotation(3, date(2026, 1, 1), (("user:carol@contoso.com",), ("user:alice@contoso.com",)))
    item = compiled(review(reviewers=("user:carol@contoso.com",)), rot)
    assert len(lint(with_reviews(base, item), "REV003")) == 1


def test_unreviewed_privileged_roles(base: DesiredState) -> None:
    found = lint(with_reviews(base, compiled(review())), "REV004")
    assert "Privileged Role Administrator: no access review of its assignments" in found
    assert not any(m.startswith("Global Administrator") for m in found)


def _tenant(instances: tuple[ReviewInstance, ...]) -> object:
    tenant = normalize_tenant(tenant_snapshot({}, NOW), NOW)
    r = replace(review(), id="d1")
    return replace(tenant, reviews=ReviewState({"d1": r}, instances))


def _instance(ended: timedelta, undecided: int | None) -> ReviewInstance:
    end = NOW - ended
    return ReviewInstance("i", "d1", end - timedelta(days=3), end, "Completed", undecided)


@pytest.mark.parametrize(
    ("ended", "undecided", "raised"),
    [
        (timedelta(days=1), 2, True),
        (timedelta(days=1), 0, False),
        (timedelta(days=1), None, False),
        (timedelta(seconds=0), 1, True),
        (timedelta(days=-1), 3, False),
    ],
)
def test_undecided_ended_instances(
    base: DesiredState, ended: timedelta, undecided: int | None, raised: bool
) -> None:
    tenant = _tenant((_instance(ended, undecided),))
    assert bool(lint(base, "REV005", tenant, ("posture",))) is raised


def test_posture_judges_the_tenant_reviews(base: DesiredState) -> None:
    tenant = _tenant(())
    found = lint(base, "REV001", tenant, ("posture",))
    assert "Exchange Administrator: no access review of its assignments" in found
    unread = replace(tenant, reviews=None)  # type: ignore[type-var]
    assert lint(base, "REV001", unread, ("posture",)) == []


def test_report_section_shows_the_next_four_periods(base: DesiredState) -> None:
    from pim_gitops.render.report_reviews import reviews_section

    sets = (("user:a@x.com",), ("user:b@x.com",), ("user:c@x.com",))
    item = compiled(review(interval=3, reviewers=sets[0]), Rotation(3, date(2026, 1, 1), sets))
    section = reviews_section(with_reviews(base, item), date(2026, 2, 10))
    text = repr(section)
    for expected in (
        "from 2026-04-01: user:b@x.com",
        "from 2026-07-01: user:c@x.com",
        "from 2026-10-01: user:a@x.com",
        "from 2027-01-01: user:b@x.com",
    ):
        assert expected in text
    assert "2028" not in text
    assert "declares no access review" in repr(reviews_section(base, date(2026, 2, 10)))


def test_a_view_without_reviews_does_not_count_as_run(base: DesiredState) -> None:
    ran = dict(run_lint(base, None, NOW).ran)
    assert ran["REV001"] == ()
    ran = dict(run_lint(with_reviews(base, compiled(review())), None, NOW).ran)
    assert ran["REV001"] == ("policy",)


def test_report_section_lists_tenant_reviews_no_file_declares(base: DesiredState) -> None:
    from pim_gitops.render.report_reviews import reviews_section

    tenant = _tenant(())
    declared = with_reviews(base, compiled(review(name="Declared")))
    text = repr(reviews_section(declared, date(2026, 2, 10), tenant))  # type: ignore[arg-type]
    assert "declared by no file: Global Administrator review" in text
    unread = replace(tenant, reviews=None)  # type: ignore[type-var]
    assert "were not read" in repr(reviews_section(declared, date(2026, 2, 10), unread))  # type: ignore[arg-type]
