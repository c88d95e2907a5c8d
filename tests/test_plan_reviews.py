"""Planning access reviews (``diff_reviews.py``, ``plan/review_build.py``): hand-built declared
reviews against hand-built tenant definitions, through ``build_plan``. The quarterly Global
Administrator eligibility review with three rotating reviewers is the issue's example."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest

from pim_gitops.compile import DesiredState
from pim_gitops.compile.types import CompiledReview
from pim_gitops.diff_reviews import BOUNDARY_WARNING_DAYS, diff_reviews
from pim_gitops.errors import Location, PlanError
from pim_gitops.plan import Plan, build_plan, plan_document
from pim_gitops.review_wire import review_body
from pim_gitops.reviews import (
    AccessReview,
    Recurrence,
    ReviewInstance,
    ReviewSettings,
    ReviewState,
    ReviewTarget,
    Rotation,
    due_reviewers,
)
from pim_gitops.state import Principal, RoleDefinition, TenantState
from tests.groups_world import desired as bare_desired

GA = "62e90394-69f5-4237-9190-012177145e10"
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
NAME = "Global Administrator eligibility (quarterly)"
SETS = (("user:u-alice",), ("user:u-bob",), ("user:u-carol",))
ROTATION = Rotation(period_months=3, anchor=date(2026, 1, 1), sets=SETS)
#: Inside the first quarter (set 0 due).
NOW = datetime(2026, 2, 15, 9, 0, tzinfo=UTC)
DEF_ID = "def-1"
SETTINGS = ReviewSettings(
    instance_duration_days=3,
    default_decision="None",
    auto_apply=True,
    justification_required=True,
    recommendations=True,
    mail_notifications=True,
    reminders=True,
)


def review(now: datetime = NOW, **changes: Any) -> AccessReview:
    base = AccessReview(
        name=NAME,
        target=ReviewTarget("role", GA, "eligible"),
        recurrence=Recurrence("absoluteMonthly", 3, date(2026, 1, 1)),
        reviewers=due_reviewers(ROTATION, now.date()),
        fallback_reviewers=("group:g-approvers",),
        settings=SETTINGS,
        description="Quarterly review of GA eligibility",
    )
    return replace(base, **changes)


NAMES = {GA: "Global Administrator", EXCHANGE: "Exchange Administrator"}


def desired(*reviews: AccessReview, rotation: Rotation | None = ROTATION) -> DesiredState:
    compiled = tuple(
        CompiledReview(
            file="policies/reviews/ga.yaml",
            location=Location("policies/reviews/ga.yaml", 1, 1),
            review=r,
            target_written=NAMES.get(r.target.id, r.target.id),
            rotation=rotation,
        )
        for r in reviews
    )
    return bare_desired(reviews=compiled)


def live(r: AccessReview, definition_id: str = DEF_ID, **extra: Any) -> AccessReview:
    """A definition as the reader gives it: its id and its raw JSON."""
    raw = {"id": definition_id, "status": "InProgress", **review_body(r), **extra}
    raw["createdDateTime"] = "2026-01-01T00:00:00Z"
    return replace(r, id=definition_id, raw=MappingProxyType(raw))


#: The reviewers, so that the declared ``user:u-alice`` resolves to ``user:<id>`` (the same
#: text: id and user principal name are one here).
PRINCIPALS = {
    **{
        u: Principal(u, "user", u, user_principal_name=u)
        for u in ("u-alice", "u-bob", "u-carol", "u-zed")
    },
    **{g: Principal(g, "group", g) for g in ("g-approvers", "g-ops")},
}


def tenant(*definitions: AccessReview, instances: tuple[ReviewInstance, ...] = ()) -> TenantState:
    return TenantState(
        tenant_id="t",
        roles={
            GA: RoleDefinition(GA, GA, "Global Administrator", is_builtin=True),
            EXCHANGE: RoleDefinition(EXCHANGE, EXCHANGE, "Exchange Administrator", is_builtin=True),
        },
        policies={},
        assignments=(),
        principals=PRINCIPALS,
        reviews=ReviewState({d.id or "": d for d in definitions}, instances),
    )


def plan_of(want: DesiredState, have: TenantState, now: datetime = NOW) -> Plan:
    return build_plan(want, have, now)


# --- the example ------------------------------------------------------------------


def test_within_a_period_the_live_review_as_declared_plans_nothing() -> None:
    plan = plan_of(desired(review()), tenant(live(review())))
    assert plan.empty and plan.review_changes == () and plan.review_writes == ()
    assert plan.summary.add == plan.summary.change == plan.summary.remove == 0


@pytest.mark.parametrize(
    ("boundary", "was", "now"),
    [(datetime(2026, 4, 1, tzinfo=UTC), 0, 1), (datetime(2026, 7, 1, tzinfo=UTC), 1, 2)],
)
def test_at_the_next_boundary_the_plan_changes_the_reviewers_and_nothing_else(
    boundary: datetime, was: int, now: int
) -> None:
    before = boundary - timedelta(seconds=1)
    have = tenant(live(review(before)))
    plan = plan_of(desired(review(boundary)), have, boundary)
    assert [(c.address, c.action) for c in plan.review_changes] == [
        (f'review["{NAME}"].reviewers', "update")
    ]
    change = plan.review_changes[0]
    assert (change.before, change.after) == (list(SETS[was]), list(SETS[now]))
    assert [(w.action, w.requests()) for w in plan.review_writes] == [
        ("update", [("PUT", f"/identityGovernance/accessReviews/definitions/{DEF_ID}")])
    ]
    assert plan.summary.change == 1 and plan.summary.add == plan.summary.remove == 0
    # A second before the boundary, the same tenant plans nothing.
    assert plan_of(desired(review(before)), have, before).empty


def test_the_plan_shows_the_reviewers_of_the_next_four_quarters() -> None:
    plan = plan_of(desired(review()), tenant(live(review())))
    (rotation,) = plan.review_rotations
    assert rotation.current == SETS[0]
    assert [(p.start, p.reviewers) for p in rotation.upcoming] == [
        (date(2026, 4, 1), SETS[1]),
        (date(2026, 7, 1), SETS[2]),
        (date(2026, 10, 1), SETS[0]),
        (date(2027, 1, 1), SETS[1]),
    ]
    assert plan_document(plan)["review_rotations"][0]["upcoming"][0] == {
        "start": "2026-04-01",
        "reviewers": ["user:u-bob"],
    }


@pytest.mark.parametrize(
    ("days", "warned"), [(BOUNDARY_WARNING_DAYS, True), (BOUNDARY_WARNING_DAYS + 1, False)]
)
def test_a_plan_warns_when_the_next_boundary_is_near(days: int, warned: bool) -> None:
    now = datetime(2026, 4, 1, 9, tzinfo=UTC) - timedelta(days=days)
    plan = plan_of(desired(review(now)), tenant(live(review(now))), now)
    found = [w for w in plan.warnings if "rotation changes on 2026-04-01" in w]
    assert bool(found) is warned
    if warned:
        assert f"(in {days} days) to [user:u-bob]" in found[0]
        assert "drift/apply workflow must run" in found[0]


# --- setting changes and replaces ---------------------------------------------------------


def test_changing_the_recurrence_plans_one_change() -> None:
    monthly = review(recurrence=Recurrence("absoluteMonthly", 1, date(2026, 1, 1)))
    plan = plan_of(desired(monthly), tenant(live(review())))
    assert [(c.address, c.action, c.before, c.after) for c in plan.review_changes] == [
        (
            f'review["{NAME}"].recurrence',
            "update",
            "every 3 months from 2026-01-01",
            "every 1 month from 2026-01-01",
        )
    ]
    (write,) = plan.review_writes
    assert write.action == "update"
    pattern = write.body["settings"]["recurrence"]["pattern"]
    assert (pattern["type"], pattern["interval"]) == ("absoluteMonthly", 1)


@pytest.mark.parametrize(
    "target", [ReviewTarget("role", GA, "active"), ReviewTarget("role", EXCHANGE, "eligible")]
)
def test_changing_the_scope_plans_a_replace(target: ReviewTarget) -> None:
    plan = plan_of(desired(review(target=target)), tenant(live(review())))
    (change,) = plan.review_changes
    assert (change.address, change.action) == (f'review["{NAME}"]', "replace")
    assert change.before == {"target": "role Global Administrator (eligible)"}
    assert (
        change.after["target"]
        == f"role {'Global Administrator' if target.id == GA else 'Exchange Administrator'} "
        f"({target.covers})"
    )
    assert "scope of a review cannot be changed" in change.note
    (write,) = plan.review_writes
    assert write.requests() == [
        ("DELETE", f"/identityGovernance/accessReviews/definitions/{DEF_ID}"),
        ("POST", "/identityGovernance/accessReviews/definitions"),
    ]
    assert write.body["scope"]["query"].count(target.id) == 1
    assert (plan.summary.add, plan.summary.change, plan.summary.remove) == (1, 0, 1)


def test_a_replace_says_what_happens_to_the_running_instance() -> None:
    running = ReviewInstance(
        "i-1", DEF_ID, NOW - timedelta(days=1), NOW + timedelta(days=2), "InProgress", 4
    )
    ended = ReviewInstance("i-0", DEF_ID, NOW - timedelta(days=40), NOW - timedelta(days=37), "x")
    target = ReviewTarget("role", GA, "all")
    plan = plan_of(desired(review(target=target)), tenant(live(review()), instances=(running,)))
    note = plan.review_changes[0].note
    assert "running instance (2026-02-14 to 2026-02-17, 4 decisions not yet made) goes with" in note
    quiet = plan_of(desired(review(target=target)), tenant(live(review()), instances=(ended,)))
    assert "no instance is running" in quiet.review_changes[0].note


def test_user_reviewers_change_in_place_but_group_reviewers_force_a_replace() -> None:
    users = plan_of(desired(review(reviewers=("user:u-zed",))), tenant(live(review())))
    assert [c.action for c in users.review_changes] == ["update"]
    group = plan_of(desired(review(reviewers=("group:g-ops",))), tenant(live(review())))
    assert [c.action for c in group.review_changes] == ["replace"]
    assert "not individual users" in group.review_changes[0].note


def test_a_put_sends_the_full_definition_keeping_what_the_repository_does_not_declare() -> None:
    have = live(review(), additionalNotificationRecipients=[{"notificationRecipientScope": {}}])
    plan = plan_of(desired(review(description="new words")), tenant(have))
    (write,) = plan.review_writes
    assert write.body["descriptionForAdmins"] == "new words"
    assert write.body["additionalNotificationRecipients"] == [{"notificationRecipientScope": {}}]
    assert write.body["scope"] == review_body(review())["scope"]
    # The scope is sent as read: the same target spelt differently is no scope change.
    spelt = {"@odata.type": "#microsoft.graph.principalResourceMembershipsScope", "x": 1}
    other = live(review(), scope=spelt, instanceEnumerationScope={"query": "/x"})
    (put,) = plan_of(desired(review(description="new words")), tenant(other)).review_writes
    assert (put.body["scope"], put.body["instanceEnumerationScope"]) == (spelt, {"query": "/x"})
    assert not {"id", "status", "createdDateTime"} & set(write.body)


def test_a_new_review_is_created_and_an_undeclared_one_is_listed_never_deleted() -> None:
    other = live(review(name="Someone else's review"), "def-2")
    plan = plan_of(desired(review()), tenant(other))
    assert [(c.address, c.action) for c in plan.review_changes] == [(f'review["{NAME}"]', "create")]
    (write,) = plan.review_writes
    assert (write.action, write.definition_id, write.live) == ("create", None, {})
    assert write.body == review_body(review())
    assert plan.unmanaged_reviews == ("Someone else's review",)
    assert plan.summary.add == 1 and plan.summary.remove == 0


def test_declared_reviews_need_the_tenants_reviews_read() -> None:
    unread = replace(tenant(), reviews=None)
    with pytest.raises(PlanError, match="tenant's were not read"):
        plan_of(desired(review()), unread)
    assert plan_of(desired(), unread).empty


def test_two_live_definitions_of_one_name_are_an_error() -> None:
    twins = tenant(live(review()), live(review(), "def-2"))
    with pytest.raises(PlanError, match="more than one definition of this name"):
        plan_of(desired(review()), twins)


def test_reviewers_are_shown_as_the_files_name_them_and_resolution_is_injected() -> None:
    alice = Principal("u-alice", "user", user_principal_name="alice@contoso.com")
    bob = Principal("u-bob", "user", user_principal_name="bob@contoso.com")
    have = replace(tenant(live(review())), principals={p.id: p for p in (alice, bob)})
    written = review(reviewers=("user:bob@contoso.com",))  # as compile leaves it

    def resolve(compiled: CompiledReview) -> AccessReview | list[str]:
        ids = {"user:bob@contoso.com": "user:u-bob"}
        if any(r not in ids for r in compiled.review.reviewers):
            return [f"{compiled.location}: unknown reviewer"]
        return replace(compiled.review, reviewers=tuple(ids[r] for r in compiled.review.reviewers))

    found = diff_reviews(desired(written), have, NOW, resolve)
    assert [(c.path, c.before, c.after) for c in found.changes] == [
        ("reviewers", ["user:alice@contoso.com"], ["user:bob@contoso.com"])
    ]
    assert found.steps[0].desired is not None and found.steps[0].desired.reviewers == (
        "user:u-bob",
    )
    unknown = diff_reviews(desired(review(reviewers=("user:zed@contoso.com",))), have, NOW, resolve)
    assert unknown.errors == ("policies/reviews/ga.yaml:1:1: unknown reviewer",)
    assert unknown.changes == ()
