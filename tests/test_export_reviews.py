"""Export of access reviews: one ``reviews/<slug>.yaml`` per definition, today's reviewers
and a commented rotation stub; compiling and resolving the export gives exactly the tenant's
normalized reviews (export → plan = 0)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pim_gitops.compile import compile_policies
from pim_gitops.export import ExportError, export_repo, write_export
from pim_gitops.export_reviews import export_reviews
from pim_gitops.loader import load_policies
from pim_gitops.resolve import Resolver
from pim_gitops.resolve_reviews import resolve_reviews
from pim_gitops.reviews import AccessReview, Recurrence, ReviewSettings, ReviewState, ReviewTarget
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Principal, TenantState

from .test_compile_reviews import APPROVERS, OPS, A, B, tenant

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)
GA_REVIEW = AccessReview(
    name="Global Administrator eligibility (quarterly)",
    target=ReviewTarget("role", GLOBAL_ADMINISTRATOR, "eligible"),
    recurrence=Recurrence("absoluteMonthly", 3, date(2026, 1, 1)),
    reviewers=(f"user:{B}",),
    fallback_reviewers=(f"group:{APPROVERS}",),
    settings=ReviewSettings(3, "None", True, True, True, True, True),
    description="Who may become Global Administrator",
    id="def-ga",
)
OPS_REVIEW = AccessReview(
    name="Tier0 Operators: members",
    target=ReviewTarget("group", OPS, "all"),
    recurrence=Recurrence("weekly", 2, date(2026, 2, 2), date(2027, 2, 1)),
    reviewers=(f"group:{APPROVERS}", "manager", f"owners:{OPS}"),
    fallback_reviewers=(f"user:{A}",),
    settings=ReviewSettings(5, None, False, False, False, False, False),
    id="def-ops",
)
ODD_REVIEW = AccessReview(
    name="'off' review: yes",
    target=ReviewTarget("role", GLOBAL_ADMINISTRATOR, "active"),
    recurrence=Recurrence("absoluteMonthly", 2, date(2026, 3, 31)),
    reviewers=(f"user:{A}", f"user:{B}"),
    fallback_reviewers=(),
    settings=ReviewSettings(1, "Recommendation", False, True, False, True, False),
    id="def-odd",
)


def _tenant(*reviews: AccessReview) -> TenantState:
    return replace(tenant(), reviews=ReviewState({r.id or "": r for r in reviews}))


def _round_trip(state: TenantState, tmp_path: Path) -> dict[str, AccessReview]:
    write_export(export_repo(state, now=NOW), tmp_path / "out", force=False)
    desired = compile_policies(load_policies(tmp_path / "out"), NOW)
    found, errors = resolve_reviews(desired, Resolver(state))
    assert errors == []
    return {name: review for name, (_, review) in found.items()}


def test_export_then_compile_gives_the_tenant_reviews(tmp_path: Path) -> None:
    state = _tenant(GA_REVIEW, OPS_REVIEW, ODD_REVIEW)
    assert state.reviews is not None
    expected = {r.name: r for r in state.reviews.definitions.values()}
    assert _round_trip(state, tmp_path) == expected
    assert (tmp_path / "out" / "schemas" / "policy-review.schema.json").is_file()


def test_the_file_names_today_s_reviewers_and_a_rotation_stub() -> None:
    state = _tenant(GA_REVIEW)
    ((path, text),) = export_reviews(state, Resolver(state)).items()
    assert path == "reviews/global-administrator-eligibility-quarterly.yaml"
    assert text.startswith("# yaml-language-server: $schema=../schemas/policy-review.schema.json")
    assert "role: Global Administrator\ncovers: eligible\n" in text
    assert "reviewers:\n  - user:b@contoso.com\n# rotation:" in text
    assert "#   period: quarter\n#   anchor: 2026-01-01\n" in text
    late = replace(GA_REVIEW, recurrence=Recurrence("absoluteMonthly", 1, date(2026, 1, 31)))
    state = _tenant(late)
    (text,) = export_reviews(state, Resolver(state)).values()
    assert "#   period: month\n#   anchor: 2026-01-01\n" in text  # a day every month has
    assert "fallback_reviewers:\n  - group:PIM Tier0 Approvers\n" in text


def test_the_uncommented_stub_is_a_rotation_that_keeps_today_s_reviewer(tmp_path: Path) -> None:
    state = _tenant(GA_REVIEW)
    write_export(export_repo(state, now=NOW), tmp_path, force=False)
    path = tmp_path / "reviews" / "global-administrator-eligibility-quarterly.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("reviewers:")
    stub = [ln[2:].split("  #")[0] for ln in lines if ln.startswith(("#   ", "# r"))]
    kept = [ln for ln in lines[:start] + lines[start + 2 :] if not ln.startswith("#")]
    path.write_text("\n".join([*kept, *stub]) + "\n", encoding="utf-8")
    desired = compile_policies(load_policies(tmp_path), NOW)
    (compiled,) = desired.reviews
    assert compiled.rotation is not None and len(compiled.rotation.sets) == 2
    # anchored a week before the quarter today falls in (Q2 2026), the first set is today's
    assert compiled.rotation.anchor == date(2026, 3, 25)
    assert compiled.rotation.sets[0] == ("user:b@contoso.com",)
    assert compiled.review.reviewers == ("user:b@contoso.com",)


def test_a_name_that_does_not_read_back_is_written_as_the_object_id(tmp_path: Path) -> None:
    twin = Principal("0f0f0f0f-0000-4000-8000-00000000000f", "group", "PIM Tier0 Approvers")
    base = _tenant(GA_REVIEW)
    state = replace(base, principals={**base.principals, twin.id: twin})
    text = export_reviews(state, Resolver(state))[
        "reviews/global-administrator-eligibility-quarterly.yaml"
    ]
    assert f"  - {APPROVERS}  # PIM Tier0 Approvers\n" in text
    assert _round_trip(state, tmp_path)[GA_REVIEW.name] == GA_REVIEW


def test_nothing_is_exported_when_reviews_were_not_read() -> None:
    state = tenant()
    assert state.reviews is None
    assert export_reviews(state, Resolver(state)) == {}
    assert not any(p.startswith("reviews/") for p in export_repo(state, now=NOW))


def test_two_reviews_of_one_slug_get_two_files() -> None:
    other = replace(GA_REVIEW, name="Global Administrator eligibility, quarterly", id="x")
    state = _tenant(GA_REVIEW, other)
    assert sorted(export_reviews(state, Resolver(state))) == [
        "reviews/global-administrator-eligibility-quarterly-2.yaml",
        "reviews/global-administrator-eligibility-quarterly.yaml",
    ]


@pytest.mark.parametrize("interval", [1, 6, 12, 5])
def test_every_monthly_period_reads_back(tmp_path: Path, interval: int) -> None:
    review = replace(
        GA_REVIEW, recurrence=Recurrence("absoluteMonthly", interval, date(2026, 1, 1))
    )
    assert _round_trip(_tenant(review), tmp_path)[review.name] == review


def test_a_reviewer_query_no_file_can_name_is_refused() -> None:
    odd = replace(GA_REVIEW, reviewers=("query:/users?$filter=department eq 'IT'",))
    state = _tenant(odd)
    with pytest.raises(ExportError, match="reviewer query a policy file cannot name"):
        export_reviews(state, Resolver(state))


PEOPLE = [f"user:{A}", f"user:{B}", f"group:{APPROVERS}", f"owners:{OPS}"]


@st.composite
def reviews(draw: st.DrawFn) -> AccessReview:
    weekly = draw(st.booleans())
    interval = draw(st.integers(1, 8 if weekly else 24))
    longest = (7 if weekly else 28) * interval - 1
    start = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    end = draw(st.none() | st.integers(1, 900).map(lambda n: start + timedelta(days=n)))
    kind = draw(st.sampled_from(["role", "group"]))
    covers = draw(st.sampled_from(["eligible", "active", "all"])) if kind == "role" else "all"
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
    name = draw(text.filter(lambda t: t.strip() == t and t.strip() and t.isprintable()))
    reviewers = draw(st.sets(st.sampled_from([*PEOPLE, "manager"]), min_size=1))
    fallbacks = draw(st.sets(st.sampled_from(PEOPLE)))
    return AccessReview(
        name=name,
        target=ReviewTarget(kind, GLOBAL_ADMINISTRATOR if kind == "role" else OPS, covers),
        recurrence=Recurrence("weekly" if weekly else "absoluteMonthly", interval, start, end),
        reviewers=tuple(sorted(reviewers)),
        fallback_reviewers=tuple(sorted(fallbacks)),
        settings=ReviewSettings(
            draw(st.integers(1, longest)),
            draw(st.sampled_from([None, "None", "Approve", "Deny", "Recommendation"])),
            *(draw(st.booleans()) for _ in range(5)),
        ),
        description=draw(text),
        id="def",
    )


@settings(max_examples=40)
@given(review=reviews())
def test_any_exported_review_compiles_back_to_itself(review: AccessReview) -> None:
    state = _tenant(review)
    (text,) = export_reviews(state, Resolver(state)).values()
    with TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pim.yaml").write_text("tenant: t\n", encoding="utf-8")
        (root / "reviews").mkdir()
        (root / "reviews" / "r.yaml").write_text(text, encoding="utf-8")
        desired = compile_policies(load_policies(root), NOW)
    found, errors = resolve_reviews(desired, Resolver(state))
    assert errors == []
    assert found[review.name][1] == review
