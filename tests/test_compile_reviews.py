"""Review policy files (``reviews/*.yaml``): the model, the loader, compiling into
``CompiledReview`` (a rotation's set due at ``now``), the errors at ``file:line:col``, and
resolving targets and reviewers at plan time (``resolve_reviews``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pim_gitops.compile import DesiredState, all_principals, compile_policies
from pim_gitops.errors import PolicyErrors
from pim_gitops.loader import load_policies
from pim_gitops.resolve import Resolver
from pim_gitops.resolve_reviews import resolve_review, resolve_reviews
from pim_gitops.reviews import ReviewSettings, ReviewTarget
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Principal, RoleDefinition, TenantState

from .conftest import write

TENANT = "tenant: contoso.onmicrosoft.com\n"
QUARTERLY = """\
name: Global Administrator eligibility (quarterly)
description: Who may become Global Administrator
role: Global Administrator
covers: eligible
recurrence: {every: quarter, start: 2026-01-01}
duration: P3D
rotation:
  period: quarter
  anchor: 2026-01-01
  reviewers: [[user:a@contoso.com], [user:b@contoso.com], [user:c@contoso.com]]
fallback_reviewers: [group:PIM Tier0 Approvers]
default_decision: none
auto_apply: true
justification_required: true
recommendations: true
notifications: {mail: true, reminders: true}
"""
GROUP = """\
name: Tier0 Operators members
group: Tier0 Operators
recurrence: {every: P1M, start: 2026-02-01, end: 2027-02-01}
duration: P5D
reviewers: [manager, group:PIM Tier0 Approvers, owners:Tier0 Operators]
fallback_reviewers: [user:a@contoso.com]
"""


def _at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def _compile(tmp_path: Path, now: datetime, **files: str) -> DesiredState:
    write(tmp_path / "pim.yaml", TENANT)
    for name, text in files.items():
        write(tmp_path / "reviews" / f"{name}.yaml", text)
    return compile_policies(load_policies(tmp_path), now)


def _errors(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(PolicyErrors) as caught:
        _compile(tmp_path, _at("2026-05-01"), **files)
    return [str(e) for e in caught.value.errors]


def test_quarterly_rotation_compiles_to_the_set_due_now(tmp_path: Path) -> None:
    state = _compile(tmp_path, _at("2026-05-01"), ga=QUARTERLY)
    (compiled,) = state.reviews
    review = compiled.review
    assert review.name == "Global Administrator eligibility (quarterly)"
    assert review.target == ReviewTarget("role", GLOBAL_ADMINISTRATOR, "eligible")
    assert (review.recurrence.pattern, review.recurrence.interval) == ("absoluteMonthly", 3)
    assert review.recurrence.start == date(2026, 1, 1) and review.recurrence.end is None
    assert review.reviewers == ("user:b@contoso.com",)  # Q2 2026: the second set
    assert review.fallback_reviewers == ("group:PIM Tier0 Approvers",)
    assert review.settings == ReviewSettings(3, "None", True, True, True, True, True)
    assert compiled.rotation is not None and compiled.rotation.period_months == 3
    assert compiled.target_written == "Global Administrator"
    assert str(compiled.provenance["duration"]).endswith(":6:1")


@pytest.mark.parametrize(
    ("day", "due"),
    [
        ("2026-03-31", "user:a@contoso.com"),
        ("2026-04-01", "user:b@contoso.com"),
        ("2026-09-30", "user:c@contoso.com"),
        ("2026-10-01", "user:a@contoso.com"),  # the sets cycle
        ("2025-12-31", "user:c@contoso.com"),  # before the anchor: the set before the first
    ],
)
def test_rotation_boundaries(tmp_path: Path, day: str, due: str) -> None:
    (compiled,) = _compile(tmp_path, _at(day), ga=QUARTERLY).reviews
    assert compiled.review.reviewers == (due,)


def test_group_review_defaults_and_principals(tmp_path: Path) -> None:
    state = _compile(tmp_path, _at("2026-05-01"), ops=GROUP, ga=QUARTERLY)
    assert [r.review.name for r in state.reviews] == [
        "Global Administrator eligibility (quarterly)",
        "Tier0 Operators members",
    ]
    review = state.reviews[1].review
    assert review.target == ReviewTarget("group", "name:tier0 operators", "all")
    assert review.recurrence.end == date(2027, 2, 1) and review.recurrence.interval == 1
    assert review.reviewers == ("group:PIM Tier0 Approvers", "manager", "owners:Tier0 Operators")
    # Graph's defaults: all off, no default decision
    assert review.settings == ReviewSettings(5, None, False, False, False, False, False)
    names = set(all_principals(state))
    assert {"user:a@contoso.com", "user:b@contoso.com", "user:c@contoso.com"} <= names
    assert {"group:Tier0 Operators", "group:PIM Tier0 Approvers"} <= names
    assert "manager" not in names


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            ("fallback_reviewers:", "reviewers: [user:a@contoso.com]\nfallback_reviewers:"),
            ":7:1",
            "exactly one of `reviewers:` and `rotation:`",
        ),
        (
            ("role: Global Administrator", "role: Global Administrator\ngroup: X"),
            ":4:1",
            "exactly one of `role:` and `group:`",
        ),
        (("every: quarter", "every: fortnight"), ":5:21", "is not a period"),
        (("every: quarter", "every: P0M"), ":5:21", "is not a period"),
        (("period: quarter", "period: week"), ":8:3", "whole months"),
        (("anchor: 2026-01-01", "anchor: 2026-01-29"), ":8:3", "past the 28th"),
        (("duration: P3D", "duration: PT36H"), ":6:11", "whole days"),
        (("duration: P3D", "duration: P90D"), ":6:11", "at most 83 days"),
        (("[user:b@contoso.com]", "[]"), ":8:3", "rotation.reviewers[1] is empty"),
        (
            ("[user:b@contoso.com]", "[user:b@contoso.com, user:b@contoso.com]"),
            ":10:58",
            "named twice",
        ),
        (
            ("role: Global Administrator", "role: Global Adminstrator"),
            ":3:7",
            "did you mean 'Global Administrator'",
        ),
        (("[group:PIM Tier0 Approvers]", "[manager]"), ":11:22", "no fallback reviewer"),
        (
            ("[user:a@contoso.com], ", "[sp:0f4e0e4c-2c43-4a8e-9c9c-3a1f4b0d5e6a], "),
            ":10:16",
            "a service principal cannot review",
        ),
        (("default_decision: none", "default_decision: maybe"), ":12:19", "default_decision"),
        (
            ("start: 2026-01-01}", "start: 2026-01-01, end: 2025-01-01}"),
            ":5:13",
            "is not after start",
        ),
    ],
)
def test_errors_at_their_place(
    tmp_path: Path, change: tuple[str, str], where: str, message: str
) -> None:
    errors = _errors(tmp_path, ga=_with(QUARTERLY, *change))
    assert any(where in e and message in e for e in errors), errors


def test_the_longest_duration_is_accepted(tmp_path: Path) -> None:
    """A quarter is at least 84 days: 83 is the longest instance (boundary)."""
    (compiled,) = _compile(tmp_path, _at("2026-05-01"), ga=_with(QUARTERLY, "P3D", "P83D")).reviews
    assert compiled.review.settings.instance_duration_days == 83


def test_covers_on_a_group_and_duplicate_names(tmp_path: Path) -> None:
    errors = _errors(
        tmp_path,
        a=_with(GROUP, "duration:", "covers: eligible\nduration:"),
        b=GROUP,
        c=_with(GROUP, "name: Tier0 Operators members", "name: TIER0 operators MEMBERS"),
    )
    assert any("a.yaml:4:1" in e and "`covers` is for roles" in e for e in errors), errors
    assert any("c.yaml:1:1" in e and "already declared at" in e and "b.yaml" in e for e in errors)


# --- plan time: targets and reviewers resolved --------------------------------------------

A, B = "0a0a0a0a-0000-4000-8000-00000000000a", "0b0b0b0b-0000-4000-8000-00000000000b"
APPROVERS, OPS = "0c0c0c0c-0000-4000-8000-00000000000c", "0d0d0d0d-0000-4000-8000-00000000000d"
APP = "0e0e0e0e-0000-4000-8000-00000000000e"


def tenant() -> TenantState:
    people = [
        Principal(A, "user", "A", user_principal_name="a@contoso.com"),
        Principal(B, "user", "B", user_principal_name="b@contoso.com"),
        Principal(APPROVERS, "group", "PIM Tier0 Approvers"),
        Principal(OPS, "group", "Tier0 Operators"),
        Principal(APP, "servicePrincipal", "App", app_id=APP),
    ]
    ga = RoleDefinition("role-ga", GLOBAL_ADMINISTRATOR, "Global Administrator", True)
    return TenantState("t", {ga.id: ga}, {}, (), {p.id: p for p in people})


def test_resolve_replaces_references_by_ids(tmp_path: Path) -> None:
    state = _compile(tmp_path, _at("2026-05-01"), ga=QUARTERLY, ops=GROUP)
    found, errors = resolve_reviews(state, Resolver(tenant()))
    assert errors == []
    ga = found["Global Administrator eligibility (quarterly)"][1]
    assert ga.target.id == GLOBAL_ADMINISTRATOR
    assert ga.reviewers == (f"user:{B}",)
    assert ga.fallback_reviewers == (f"group:{APPROVERS}",)
    ops = found["Tier0 Operators members"][1]
    assert ops.target == ReviewTarget("group", OPS, "all")
    assert ops.reviewers == (f"group:{APPROVERS}", "manager", f"owners:{OPS}")
    assert ops.fallback_reviewers == (f"user:{A}",)


def test_unresolved_references_are_errors_at_their_place(tmp_path: Path) -> None:
    text = _with(GROUP, "group: Tier0 Operators", "group: Nobody")
    text = _with(text, "group:PIM Tier0 Approvers, owners:Tier0 Operators", f"{APP}, owners:X")
    (compiled,) = _compile(tmp_path, _at("2026-05-01"), ops=text).reviews
    errors = resolve_review(compiled, Resolver(tenant()))
    assert isinstance(errors, list)
    assert any("ops.yaml:2:1" in e and "Nobody" in e for e in errors), errors
    assert any("ops.yaml:5:1" in e and "servicePrincipal" in e for e in errors), errors
    assert any("ops.yaml:5:1" in e and "group X was not found" in e for e in errors), errors


def test_a_custom_role_missing_from_the_tenant(tmp_path: Path) -> None:
    text = _with(QUARTERLY, "role: Global Administrator", "role: Contoso Helpdesk Lead")
    (compiled,) = _compile(tmp_path, _at("2026-05-01"), ga=text).reviews
    assert compiled.review.target.id == "name:contoso helpdesk lead"
    assert resolve_review(compiled, Resolver(tenant())) == [
        f"{compiled.provenance['role']}: role 'Contoso Helpdesk Lead' was not found in the tenant"
    ]


def test_the_desired_hash_changes_at_a_rotation_boundary_only(tmp_path: Path) -> None:
    from pim_gitops.workflow import load_desired

    _compile(tmp_path, _at("2026-05-01"), ga=QUARTERLY)
    april, june, july = (
        load_desired(str(tmp_path), _at(d)).hash for d in ("2026-04-01", "2026-06-30", "2026-07-01")
    )
    assert april == june != july
    write(tmp_path / "reviews" / "ga.yaml", _with(QUARTERLY, "P3D", "P4D"))
    assert load_desired(str(tmp_path), _at("2026-04-01")).hash != april


def test_the_schema_takes_the_documented_file_which_compiles(tmp_path: Path) -> None:
    import json

    import jsonschema
    import yaml

    from .conftest import ROOT

    schema = json.loads((ROOT / "schemas" / "policy-review.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    page = (ROOT / "docs" / "policy-reference.md").read_text(encoding="utf-8")
    example = page.split("$schema=../schemas/policy-review.schema.json\n", 1)[1].split("```")[0]
    data = json.loads(json.dumps(yaml.safe_load(example), default=str))
    assert validator.is_valid(data)
    (compiled,) = _compile(tmp_path, _at("2026-08-15"), doc=example).reviews
    assert compiled.review.reviewers == ("user:c@contoso.com",)
    both = {**data, "reviewers": ["user:a@contoso.com"]}
    neither = {k: v for k, v in data.items() if k != "rotation"}
    for bad in (both, neither, {**data, "group": "G"}, {**data, "duration": "PT3H"}):
        assert not validator.is_valid(bad)
    assert not validator.is_valid(
        {**data, "recurrence": {"every": "fortnight", "start": "2026-01-01"}}
    )


def test_validate_counts_the_reviews(tmp_path: Path) -> None:
    from pim_gitops.render.desired import summarize_desired

    state = _compile(tmp_path, _at("2026-05-01"), ga=QUARTERLY, ops=GROUP)
    text = summarize_desired(state, "policies")
    assert "2 access reviews declared (1 with a reviewer rotation;" in text


def test_warnings_a_rotation_faster_than_the_reviews_and_an_ended_recurrence(
    tmp_path: Path,
) -> None:
    text = _with(QUARTERLY, "period: quarter", "period: month")
    text = _with(text, "start: 2026-01-01}", "start: 2026-01-01, end: 2026-04-30}")
    state = _compile(tmp_path, _at("2026-05-01"), ga=text)
    warnings = [str(w) for w in state.warnings]
    assert any(":8:3" in w and "some reviewer sets would never review" in w for w in warnings)
    assert any(":5:49" in w and "ended on 2026-04-30" in w for w in warnings), warnings
    # the boundaries: the same period as the recurrence, the end day itself
    same = _with(QUARTERLY, "start: 2026-01-01}", "start: 2026-01-01, end: 2026-05-01}")
    same = _with(same, "anchor: 2026-01-01", "anchor: 2025-12-25")  # boundaries off instance days
    assert _compile(tmp_path, _at("2026-05-01"), ga=same).warnings == ()
