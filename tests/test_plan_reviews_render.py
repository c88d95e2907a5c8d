"""Access reviews in plan text, markdown and JSON, in drift output, and in saved plans."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pim_gitops.errors import PlanFormatError
from pim_gitops.plan import Plan, dump_plan, parse_plan, plan_document
from pim_gitops.render.drift import render_drift, render_drift_text
from pim_gitops.render.plan import render_json, render_markdown, render_text
from pim_gitops.reviews import ReviewTarget
from tests.test_plan_reviews import GA, NAME, desired, live, plan_of, review, tenant

BOUNDARY = datetime(2026, 4, 1, 9, tzinfo=UTC)


def rotated() -> Plan:
    """At the April boundary: the live definition still has the first quarter's reviewer."""
    return plan_of(desired(review(BOUNDARY)), tenant(live(review())), BOUNDARY)


def test_text_shows_the_reviewer_change_under_its_review_and_the_next_four_periods() -> None:
    text = render_text(rotated(), verbose=True)
    assert f'review "{NAME}"\n  ~ reviewers: [user:u-alice] → [user:u-bob]\n' in text
    assert (
        f'review "{NAME}" reviewers: now [user:u-bob]; from 2026-07-01 [user:u-carol]; '
        "from 2026-10-01 [user:u-alice]; from 2027-01-01 [user:u-bob]; from 2027-04-01"
    ) in text.replace("\n    ", " ")
    assert text.rstrip().endswith("Plan: 0 to add, 1 to change, 0 to remove.")


def test_text_shows_a_replace_with_what_happens_to_the_running_instance() -> None:
    target = ReviewTarget("role", GA, "active")
    plan = plan_of(desired(review(target=target)), tenant(live(review())))
    text = render_text(plan).replace("\n      ", " ")
    assert all(len(line) <= 120 for line in render_text(plan).splitlines())
    assert (
        "  -/+ review: replaced (DELETE, then POST): target role Global Administrator (eligible)"
        " → target role Global Administrator (active); the scope of a review cannot be changed"
    ) in text
    assert "no instance is running" in text
    assert "Plan: 1 to add, 0 to change, 1 to remove." in text


def test_markdown_has_a_review_section_and_the_rotation_table() -> None:
    md = render_markdown(rotated())
    assert f"<b>access review {NAME}</b>" in md
    assert "~ reviewers: [user:u-alice] → [user:u-bob]" in md
    assert "| access review | now | next four periods |" in md
    assert "2026-07-01: user:u-carol; 2026-10-01: user:u-alice" in md


def test_json_carries_the_review_parts_only_when_there_are_some() -> None:
    data = json.loads(render_json(rotated()))
    (change,) = data["review_changes"]
    assert change["address"] == f'review["{NAME}"].reviewers' and change["action"] == "update"
    assert data["review_writes"][0]["op"] == "review"
    without = plan_of(desired(), tenant())
    assert not {"review_changes", "review_writes", "review_rotations"} & set(plan_document(without))


def test_drift_words_the_review_difference() -> None:
    plan = rotated()
    words = f'review "{NAME}": reviewers is [user:u-alice] in the tenant; the repository says'
    assert words in render_drift_text(plan, {})
    md = render_drift(plan, {})
    assert "#### Access reviews" in md and "reviewers is [user:u-alice]" in md


def test_a_saved_plan_with_review_writes_round_trips_and_refuses_an_edited_one() -> None:
    plan = rotated()
    text = dump_plan(plan)
    assert dump_plan(parse_plan(json.loads(text), "plan.json")) == text
    edited = json.loads(text)
    edited["review_writes"][0]["live"]["displayName"] = "something else"
    with pytest.raises(PlanFormatError, match="does not match the definition"):
        parse_plan(edited, "plan.json")
