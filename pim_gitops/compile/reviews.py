"""Review policy files → ``CompiledReview``: the definition as the repository wants it at
``now`` (a rotation's set due then, else the declared reviewers), its rotation, and where
each setting is written.

Checked here, each at its ``file:line:col``: exactly one of ``role:``/``group:`` and of
``reviewers:``/``rotation:``, ``covers`` on a group, an empty reviewer list, ``manager`` as a
fallback, a reviewer named twice in one set, an instance that would outlast its recurrence
period, a role name one typo away from a built-in role, and two files of one review name.
Targets and reviewers stay policy references; ``resolve_reviews`` resolves them at plan time.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from types import MappingProxyType

from pim_gitops.errors import Location, PolicyError, PolicySchemaError
from pim_gitops.loader import PolicySet, SourceMap, YamlPath
from pim_gitops.model_reviews import DECISIONS, ReviewFile
from pim_gitops.reviews import (
    AccessReview,
    Recurrence,
    ReviewSettings,
    ReviewTarget,
    Rotation,
    TargetKind,
    due_reviewers,
)
from pim_gitops.roles import BUILTIN_ROLES
from pim_gitops.wire import is_guid
from pim_gitops.wording import plural

from .review_boundaries import boundary_warning
from .types import CompiledReview, resolve_role_ref

#: The shortest length of one recurrence period, in days, per unit of ``interval``.
PERIOD_DAYS = {"weekly": 7, "absoluteMonthly": 28}
#: Setting paths a ``CompiledReview.provenance`` records (where each is written).
REVIEW_PATHS: tuple[str, ...] = (
    "name",
    "description",
    "role",
    "group",
    "covers",
    "recurrence",
    "duration",
    "reviewers",
    "rotation",
    "fallback_reviewers",
    "default_decision",
    "auto_apply",
    "justification_required",
    "recommendations",
    "notifications",
)


def target_key(kind: str, written: str) -> str:
    """The target id known without a tenant: a role's template id, an object id (lower
    case), else ``name:<name>`` for plan time to resolve."""
    text = written.strip()
    if kind == "role":
        return resolve_role_ref(text).key
    return text.lower() if is_guid(text) else f"name:{text.casefold()}"


def _at(source: SourceMap, *path: str | int) -> Location:
    loc: YamlPath = tuple(path)
    return source.key(loc) if loc in source.keys else source.value(loc)


def _shape_problems(review: ReviewFile, source: SourceMap) -> list[PolicyError]:
    problems: list[tuple[Location, str]] = []
    if (review.role is None) == (review.group is None):
        where = _at(source, "group") if review.group is not None else _at(source, "name")
        problems.append((where, "write exactly one of `role:` and `group:` (what is reviewed)"))
    if review.group is not None and review.covers is not None:
        problems.append(
            (_at(source, "covers"), "`covers` is for roles; a group review covers all members")
        )
    if (review.reviewers is None) == (review.rotation is None):
        where = _at(source, "rotation") if review.rotation is not None else _at(source, "name")
        problems.append((where, "write exactly one of `reviewers:` and `rotation:`"))
    if review.reviewers is not None and not review.reviewers:
        problems.append((_at(source, "reviewers"), "`reviewers` is empty: name a reviewer"))
    for index, ref in enumerate(review.fallback_reviewers):
        if ref == "manager":
            message = "`manager` is no fallback reviewer: fallbacks stand in for managers"
            problems.append((source.value(("fallback_reviewers", index)), message))
    return [PolicySchemaError(where, message) for where, message in problems]


def _twice(refs: tuple[str, ...], path: YamlPath, source: SourceMap) -> list[PolicyError]:
    seen: dict[str, int] = {}
    found: list[PolicyError] = []
    for index, ref in enumerate(refs):
        key = ref.casefold()
        if key in seen:
            first = source.value((*path, seen[key]))
            message = f"reviewer {ref} is named twice (first at line {first.line})"
            found.append(PolicySchemaError(source.value((*path, index)), message))
        seen.setdefault(key, index)
    return found


def _value_problems(review: ReviewFile, source: SourceMap) -> list[PolicyError]:
    problems: list[PolicyError] = []
    if review.reviewers:
        problems += _twice(review.reviewers, ("reviewers",), source)
    if review.rotation is not None:
        for index, group in enumerate(review.rotation.reviewers):
            problems += _twice(group, ("rotation", "reviewers", index), source)
    problems += _twice(review.fallback_reviewers, ("fallback_reviewers",), source)
    pattern, interval = review.recurrence.every
    longest = PERIOD_DAYS[pattern] * interval - 1
    if review.duration > longest:
        message = (
            f"an instance of {review.duration} days outlasts its recurrence period: at most "
            f"{longest} days, so one instance ends before the next starts"
        )
        problems.append(PolicySchemaError(source.value(("duration",)), message))
    if review.role is not None:
        problems += _role_problems(review.role, source)
    return problems


def _role_problems(written: str, source: SourceMap) -> list[PolicyError]:
    """A name that is no built-in role but one typo away from one; other names are custom
    roles, resolved at plan time."""
    ref = resolve_role_ref(written)
    if ref.id is not None:
        return []
    names = sorted(BUILTIN_ROLES.values())
    close = difflib.get_close_matches(written.strip(), names, n=1, cutoff=0.85)
    if not close:
        return []
    message = f"unknown role {written!r}; did you mean {close[0]!r}?"
    return [PolicySchemaError(source.value(("role",)), message)]


def _rotation(review: ReviewFile) -> Rotation | None:
    spec = review.rotation
    if spec is None:
        return None
    return Rotation(spec.period[1], spec.anchor, tuple(tuple(s) for s in spec.reviewers))


def _settings(review: ReviewFile) -> ReviewSettings:
    return ReviewSettings(
        instance_duration_days=review.duration,
        default_decision=DECISIONS[review.default_decision],
        auto_apply=review.auto_apply,
        justification_required=review.justification_required,
        recommendations=review.recommendations,
        mail_notifications=review.notifications.mail,
        reminders=review.notifications.reminders,
    )


def compile_review(review: ReviewFile, source: SourceMap, now: datetime) -> CompiledReview:
    """One checked review file at ``now`` (call ``review_problems`` first)."""
    kind: TargetKind = "role" if review.role is not None else "group"
    written = (review.role or review.group or "").strip()
    rotation = _rotation(review)
    current = due_reviewers(rotation, now.date()) if rotation else review.reviewers or ()
    every = review.recurrence.every
    access = AccessReview(
        name=review.name,
        target=ReviewTarget(kind, target_key(kind, written), review.covers or "all"),
        recurrence=Recurrence(every[0], every[1], review.recurrence.start, review.recurrence.end),
        reviewers=tuple(sorted(set(current))),
        fallback_reviewers=tuple(sorted(set(review.fallback_reviewers))),
        settings=_settings(review),
        description=review.description,
    )
    provenance = {p: _at(source, p) for p in REVIEW_PATHS if (p,) in source.keys}
    return CompiledReview(
        file=source.path,
        location=_at(source, "name"),
        review=access,
        target_written=written,
        rotation=rotation,
        provenance=MappingProxyType(provenance),
    )


def review_problems(review: ReviewFile, source: SourceMap) -> list[PolicyError]:
    """Everything wrong with one loaded review file, each at its place."""
    shape = _shape_problems(review, source)
    return shape or _value_problems(review, source)


def review_warnings(review: ReviewFile, source: SourceMap, now: datetime) -> list[PolicyError]:
    """Declared, valid, but likely not what is meant: a rotation faster than the reviews
    (some sets would never review: monthly sets on a quarterly review all fall on one
    set), a rotation that changes sets on an instance's day, and a recurrence that has ended."""
    found: list[PolicyError] = []
    pattern, interval = review.recurrence.every
    rotation = review.rotation
    if rotation is not None and pattern == "absoluteMonthly" and rotation.period[1] < interval:
        message = (
            f"rotation.period ({plural(rotation.period[1], 'month')}) is shorter than the "
            f"recurrence ({plural(interval, 'month')}): some reviewer sets would never review "
            "an instance"
        )
        found.append(PolicySchemaError(_at(source, "rotation", "period"), message, warning=True))
    recurrence = Recurrence(pattern, interval, review.recurrence.start, review.recurrence.end)
    rotating = _rotation(review)
    if rotating is not None and (clash := boundary_warning(recurrence, rotating)):
        found.append(PolicySchemaError(_at(source, "rotation", "anchor"), clash, warning=True))
    end = review.recurrence.end
    if end is not None and end < now.date():
        message = f"the recurrence ended on {end}: no instance starts any more"
        found.append(PolicySchemaError(_at(source, "recurrence", "end"), message, warning=True))
    return found


def compile_reviews(
    policy: PolicySet, now: datetime, errors: list[PolicyError], warnings: list[PolicyError]
) -> list[CompiledReview]:
    """Every review file of ``policy``, sorted by name; problems are appended to ``errors``,
    findings to ``warnings``. Two files of one name (any case) are an error at the second,
    naming the first."""
    compiled: list[CompiledReview] = []
    first: dict[str, CompiledReview] = {}
    for review_file, source in policy.reviews:
        problems = review_problems(review_file, source)
        if problems:
            errors.extend(problems)
            continue
        warnings.extend(review_warnings(review_file, source, now))
        review = compile_review(review_file, source, now)
        key = review.review.name.casefold()
        if key in first:
            message = f"review {review.review.name!r} is already declared at {first[key].location}"
            errors.append(PolicySchemaError(review.location, message))
            continue
        first[key] = review
        compiled.append(review)
    return sorted(compiled, key=lambda r: (r.review.name.casefold(), r.file))
