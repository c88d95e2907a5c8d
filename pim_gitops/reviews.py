"""Access reviews of privileged roles and PIM-for-Groups groups: the normalized model both
sides produce (policy files → ``compile``, Graph's ``accessReviewScheduleDefinition`` →
``normalize_reviews``), and the reviewer rotation the repository keeps.

Graph keeps a definition's current reviewers only; a rotation (a list of reviewer sets and a
period) lives in the policy files, and the set due now is computed from the clock
(``due_reviewers``). A definition is matched by its display name (``AccessReview.name``,
unique among the managed reviews). Reviewer references are ``user:<id>``, ``group:<id>``
(its members review) or ``manager`` (each principal's manager) once resolved; policy
references (``user:a@b.c``, ``group:Name``) before that."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Literal

#: What a review covers: a directory role's eligible and/or active assignments, or a group's
#: members (PIM for Groups eligible and active members included).
TargetKind = Literal["role", "group"]
Covered = Literal["eligible", "active", "all"]
#: Graph's ``accessReviewScheduleSettings.defaultDecision`` when ``defaultDecisionEnabled``.
Decision = Literal["None", "Approve", "Deny", "Recommendation"]
#: Graph's ``recurrencePattern.type`` values a review uses.
Pattern = Literal["weekly", "absoluteMonthly"]
MANAGER = "manager"


@dataclass(frozen=True, slots=True, order=True)
class ReviewTarget:
    kind: TargetKind
    #: Role template id (``kind == "role"``) or group object id, lower case.
    id: str
    #: Roles: which assignments are reviewed; groups: always ``all``.
    covers: Covered = "all"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """``settings.recurrence``: every ``interval`` weeks or months from ``start``."""

    pattern: Pattern
    interval: int
    start: date
    end: date | None = None

    @property
    def months(self) -> int | None:
        """The period in months (``None`` for a weekly review)."""
        return self.interval if self.pattern == "absoluteMonthly" else None


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    instance_duration_days: int
    #: ``None`` when ``defaultDecisionEnabled`` is false.
    default_decision: Decision | None
    auto_apply: bool
    justification_required: bool
    recommendations: bool
    mail_notifications: bool
    reminders: bool


@dataclass(frozen=True, slots=True)
class AccessReview:
    """One recurring review definition, normalized (sets sorted, ids lower case)."""

    name: str
    target: ReviewTarget
    recurrence: Recurrence
    reviewers: tuple[str, ...]
    fallback_reviewers: tuple[str, ...]
    settings: ReviewSettings
    description: str = ""
    #: Tenant side: the definition's id; ``None`` on the desired side.
    id: str | None = field(default=None, compare=False)
    #: Tenant side: the raw definition as read (a PUT sends the whole definition).
    raw: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}), compare=False)


@dataclass(frozen=True, slots=True)
class ReviewInstance:
    """One instance of a definition (``/definitions/{id}/instances``), for posture."""

    id: str
    definition_id: str
    start: datetime
    end: datetime
    #: Graph's ``status`` (``InProgress``, ``Completed``, ``Applied``…).
    status: str
    #: Decisions still ``NotReviewed`` when read; ``None``: not read.
    undecided: int | None = None


@dataclass(frozen=True)
class ReviewState:
    """``TenantState.reviews``: the definitions read, by id, and their recent instances."""

    definitions: Mapping[str, AccessReview] = field(default_factory=dict)
    instances: tuple[ReviewInstance, ...] = ()


@dataclass(frozen=True, slots=True)
class Rotation:
    """Reviewer sets that take turns, each for ``period_months`` from ``anchor``: set ``k``
    reviews the period starting ``anchor + k × period`` (cycling)."""

    period_months: int
    anchor: date
    sets: tuple[tuple[str, ...], ...]


def period_start(rotation: Rotation, index: int) -> date:
    """The first day of period ``index`` (0 = the one starting at ``anchor``)."""
    months = rotation.anchor.month - 1 + index * rotation.period_months
    year = rotation.anchor.year + months // 12
    return date(year, months % 12 + 1, min(rotation.anchor.day, 28))


def period_index(rotation: Rotation, today: date) -> int:
    """The index of the period ``today`` falls in (negative before ``anchor``)."""
    index = ((today.year - rotation.anchor.year) * 12 + today.month - rotation.anchor.month) // (
        rotation.period_months
    )
    while period_start(rotation, index) > today:
        index -= 1
    while period_start(rotation, index + 1) <= today:
        index += 1
    return index


def due_reviewers(rotation: Rotation, today: date) -> tuple[str, ...]:
    """The reviewer set due for the period ``today`` falls in."""
    return rotation.sets[period_index(rotation, today) % len(rotation.sets)]


def upcoming(rotation: Rotation, today: date, count: int = 4) -> list[tuple[date, tuple[str, ...]]]:
    """``(start, reviewers)`` of the ``count`` periods after the one ``today`` falls in."""
    first = period_index(rotation, today) + 1
    return [
        (period_start(rotation, i), rotation.sets[i % len(rotation.sets)])
        for i in range(first, first + count)
    ]
