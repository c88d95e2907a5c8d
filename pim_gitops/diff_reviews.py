"""Declared access reviews (``DesiredState.reviews``) against the tenant's
(``TenantState.reviews``): changes addressed ``review["<name>"].<path>``, matched by display
name, and the writes that make them so.

Graph's rules (``docs/plan-reviews.md`` names every source):

- an update is a PUT of the full definition and affects future instances only: the running
  instance keeps its reviewers and settings (accessreviewscheduledefinition-update.md);
- the scope cannot be changed in place (the update page accepts no ``scope``), so a target
  change (role, group, or what is covered) is a **replace**: DELETE the definition (its
  instances, the running one included, go with it: an assumption, the DELETE page is
  silent) then POST the new one;
- reviewers are changed in place only when they are individual users; a change involving a
  group or the manager is planned as a replace too;
- a review in the tenant that no file declares is listed as unmanaged and never deleted.

A rotation boundary is a reviewers change and nothing else: ``compile`` computes the
reviewers due at ``now``, so at the boundary the only field that differs is ``reviewers``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pim_gitops.compile.types import CompiledReview, DesiredState
from pim_gitops.reviews import AccessReview, ReviewInstance, ReviewTarget, Rotation, upcoming
from pim_gitops.state import TenantState

ReviewAction = Literal["create", "update", "replace", "delete"]
#: A plan warns when the next rotation boundary is this close: the scheduled drift/apply
#: workflow (weekly at least) must run between the boundary and the next instance's start.
BOUNDARY_WARNING_DAYS = 14
#: How many periods after the current one the plan shows.
UPCOMING_PERIODS = 4
#: Turns a declared review into the one to write (policy references resolved), or errors.
ReviewResolve = Callable[[CompiledReview], AccessReview | list[str]]


@dataclass(frozen=True)
class ReviewChange:
    address: str
    action: ReviewAction
    name: str
    #: The field (``recurrence``, ``reviewers``…); empty for the whole definition.
    path: str
    before: Any
    after: Any
    #: What else happens (a replace: the running instance).
    note: str = ""


@dataclass(frozen=True)
class ReviewStep:
    """One definition write: ``desired`` (create, update, replace), ``live`` (update,
    replace, delete)."""

    action: ReviewAction
    name: str
    addresses: tuple[str, ...]
    desired: AccessReview | None
    live: AccessReview | None


@dataclass(frozen=True)
class RotationView:
    name: str
    current: tuple[str, ...]
    #: ``(start, reviewers)`` of the next ``UPCOMING_PERIODS`` periods.
    upcoming: tuple[tuple[date, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ReviewDiff:
    changes: tuple[ReviewChange, ...] = ()
    steps: tuple[ReviewStep, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: Reviews of roles or groups in the tenant that no file declares: never touched.
    unmanaged: tuple[str, ...] = ()
    rotations: tuple[RotationView, ...] = ()


def as_declared(compiled: CompiledReview) -> AccessReview:
    """The declared review as it is (references already resolved, as in tests)."""
    return compiled.review


def address(name: str, path: str = "") -> str:
    return f'review["{name}"]' + (f".{path}" if path else "")


def target_words(target: ReviewTarget, tenant: TenantState | None = None) -> str:
    """``role Global Administrator (eligible)``, ``group Tier0 Operators``: the name the
    tenant gives it, else its id."""
    name = target.id
    if tenant is not None and target.kind == "role":
        role = tenant.role_by_template(target.id)
        name = role.display_name if role is not None else name
    elif tenant is not None:
        group = tenant.principals.get(target.id)
        name = group.display_name or name if group is not None else name
    covers = f" ({target.covers})" if target.kind == "role" else ""
    return f"{target.kind} {name}{covers}"


def shown_refs(refs: tuple[str, ...], tenant: TenantState | None) -> list[str]:
    """Reviewer ids (``user:<id>``) as a policy file names them (``user:a@contoso.com``),
    sorted; an id the tenant does not know is shown as it is."""
    shown = []
    for ref in refs:
        kind, _, object_id = ref.partition(":")
        found = tenant.principals.get(object_id) if tenant is not None and object_id else None
        shown.append(found.reference if found is not None and kind in ("user", "group") else ref)
    return sorted(shown)


def fields(review: AccessReview, tenant: TenantState | None = None) -> dict[str, Any]:
    """Every compared field but the target, in JSON words (reviewers by name when
    ``tenant`` is given: compare without it)."""
    s, r = review.settings, review.recurrence
    every = f"{r.interval} {'week' if r.pattern == 'weekly' else 'month'}"
    return {
        "description": review.description,
        "recurrence": f"every {every}{'s' if r.interval > 1 else ''} from {r.start.isoformat()}"
        + (f" until {r.end.isoformat()}" if r.end else ""),
        "reviewers": shown_refs(review.reviewers, tenant),
        "fallback_reviewers": shown_refs(review.fallback_reviewers, tenant),
        "duration": f"P{s.instance_duration_days}D",
        "default_decision": s.default_decision or "off",
        "auto_apply": s.auto_apply,
        "justification_required": s.justification_required,
        "recommendations": s.recommendations,
        "notifications.mail": s.mail_notifications,
        "notifications.reminders": s.reminders,
    }


def in_place_reviewers(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """Graph changes reviewers in place only when they are individual users."""
    return all(ref.startswith("user:") for ref in (*before, *after))


def running_instance(
    live: AccessReview, instances: tuple[ReviewInstance, ...], now: datetime
) -> str:
    """What a replace does to the instance under way, in words."""
    running = [i for i in instances if i.definition_id == live.id and i.start <= now < i.end]
    if not running:
        return "no instance is running: nothing is lost"
    inst = running[0]
    undecided = "" if inst.undecided is None else f", {inst.undecided} decisions not yet made"
    return (
        f"the running instance ({inst.start.date()} to {inst.end.date()}{undecided}) goes with "
        "the deleted definition: its decisions not yet applied are lost; the new definition's "
        "instances start from its recurrence"
    )


def _compare(
    want: AccessReview, have: AccessReview, tenant: TenantState, now: datetime
) -> tuple[list[ReviewChange], ReviewStep | None]:
    paths = [p for p, v in fields(want).items() if v != fields(have)[p]]
    a, b = fields(want, tenant), fields(have, tenant)
    why = ""
    if want.target != have.target:
        why = "the scope of a review cannot be changed (Graph)"
    elif "reviewers" in paths and not in_place_reviewers(have.reviewers, want.reviewers):
        why = "reviewers that are not individual users cannot be changed in place (Graph)"
    if why:
        before = {"target": target_words(have.target, tenant)} | {p: b[p] for p in paths}
        after = {"target": target_words(want.target, tenant)} | {p: a[p] for p in paths}
        assert tenant.reviews is not None
        note = f"{why}; {running_instance(have, tenant.reviews.instances, now)}"
        change = ReviewChange(address(want.name), "replace", want.name, "", before, after, note)
        return [change], ReviewStep("replace", want.name, (change.address,), want, have)
    if not paths:
        return [], None
    changes = [
        ReviewChange(address(want.name, p), "update", want.name, p, b[p], a[p]) for p in paths
    ]
    step = ReviewStep("update", want.name, tuple(c.address for c in changes), want, have)
    return changes, step


def rotation_view(
    name: str, rotation: Rotation, current: tuple[str, ...], now: datetime
) -> RotationView:
    later = upcoming(rotation, now.date(), UPCOMING_PERIODS)
    return RotationView(name, current, tuple(later))


def boundary_warning(view: RotationView, now: datetime) -> str | None:
    if not view.upcoming:
        return None
    start, reviewers = view.upcoming[0]
    days = (start - now.date()).days
    if days > BOUNDARY_WARNING_DAYS:
        return None
    return (
        f"review {view.name}: the reviewer rotation changes on {start.isoformat()} (in {days} "
        f"days) to [{', '.join(reviewers)}]; Graph keeps only the current reviewers, so the "
        "scheduled drift/apply workflow must run on or after that day, before the next "
        "instance starts"
    )


def _live_by_name(tenant: TenantState) -> tuple[dict[str, AccessReview], list[str]]:
    assert tenant.reviews is not None
    found: dict[str, AccessReview] = {}
    errors = []
    for review in sorted(tenant.reviews.definitions.values(), key=lambda r: (r.name, r.id or "")):
        if review.name in found:
            errors.append(
                f"access review {review.name!r}: the tenant has more than one definition of "
                f"this name ({found[review.name].id}, {review.id}); rename or delete one in Entra"
            )
        found[review.name] = review
    return found, errors


def diff_reviews(
    desired: DesiredState,
    tenant: TenantState,
    now: datetime,
    resolve: ReviewResolve = as_declared,
) -> ReviewDiff:
    if tenant.reviews is None:
        if not desired.reviews:
            return ReviewDiff()
        return ReviewDiff(
            errors=(
                "access reviews are declared but the tenant's were not read (missing "
                "AccessReview.ReadWrite.All?); nothing about them can be planned",
            )
        )
    live, errors = _live_by_name(tenant)
    changes: list[ReviewChange] = []
    steps: list[ReviewStep] = []
    views: list[RotationView] = []
    for compiled in sorted(desired.reviews, key=lambda c: c.review.name):
        want = resolve(compiled)
        if isinstance(want, list):
            errors += want
            continue
        if compiled.rotation is not None:
            current = compiled.review.reviewers  # as the file names them, like the sets
            views.append(rotation_view(want.name, compiled.rotation, current, now))
        have = live.get(want.name)
        if have is None:
            after = {"target": target_words(want.target, tenant)} | fields(want, tenant)
            change = ReviewChange(address(want.name), "create", want.name, "", None, after)
            changes.append(change)
            steps.append(ReviewStep("create", want.name, (change.address,), want, None))
            continue
        found, step = _compare(want, have, tenant, now)
        changes += found
        steps += [step] if step else []
    declared = {c.review.name for c in desired.reviews}
    warnings = [w for v in views if (w := boundary_warning(v, now))]
    unmanaged = tuple(sorted(n for n in live if n not in declared))
    return ReviewDiff(
        tuple(changes), tuple(steps), tuple(errors), tuple(warnings), unmanaged, tuple(views)
    )


__all__ = [
    "BOUNDARY_WARNING_DAYS",
    "UPCOMING_PERIODS",
    "ReviewChange",
    "ReviewDiff",
    "ReviewStep",
    "RotationView",
    "diff_reviews",
    "fields",
    "target_words",
]
