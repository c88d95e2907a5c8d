"""Pydantic model of a review policy file (``reviews/<name>.yaml``): one recurring access
review of a directory role's eligible and/or active assignments, or of a PIM-for-Groups
group's members, with its reviewers declared or taking turns (``rotation``).

Period words (``recurrence.every``, ``rotation.period``): ``week``, ``month``, ``quarter``,
``half_year``, ``year``, or an ISO 8601 period of whole weeks, months or years (``P2W``,
``P3M``, ``P1Y``). Graph's ``recurrencePattern`` has ``weekly`` and ``absoluteMonthly``
(``interval`` 3 = quarterly:
learn.microsoft.com/graph/api/resources/accessreviewscheduledefinition); a year is twelve months.
Settings left out take Graph's defaults for
``accessReviewScheduleSettings`` (all false, no default decision:
learn.microsoft.com/graph/api/resources/accessreviewschedulesettings).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from pim_gitops.model import CalendarDate, RoleName, Strict
from pim_gitops.model_groups import GroupName, check_group_name
from pim_gitops.reviews import MANAGER, Decision, Pattern
from pim_gitops.values import PRINCIPAL_PATTERN, check_principal, parse_positive_duration

DAY = 86_400
#: Period words → (Graph's pattern, interval).
PERIOD_WORDS: dict[str, tuple[Pattern, int]] = {
    "week": ("weekly", 1),
    "month": ("absoluteMonthly", 1),
    "quarter": ("absoluteMonthly", 3),
    "half_year": ("absoluteMonthly", 6),
    "year": ("absoluteMonthly", 12),
}
PERIOD_PATTERN = r"^(week|month|quarter|half_year|year|P[1-9]\d{0,2}[WMY])$"
_ISO_PERIOD = re.compile(r"P([1-9]\d{0,2})([WMY])")
#: The longest period written: Graph's ``interval`` is an int; a review beyond 10 years is a typo.
MAX_MONTHS = 120
#: Policy words → Graph's ``defaultDecision`` (``off`` = ``defaultDecisionEnabled: false``).
DECISIONS: dict[str, Decision | None] = {
    "off": None,
    "none": "None",
    "approve": "Approve",
    "deny": "Deny",
    "recommendation": "Recommendation",
}


def parse_period(value: object) -> tuple[Pattern, int]:
    """A period word or ISO period → ``(pattern, interval)``; ``P1Y`` is 12 months."""
    if not isinstance(value, str):
        raise ValueError(
            f"expected a period (week, month, quarter, half_year, year, P3M), got {value!r}"
        )
    if value in PERIOD_WORDS:
        return PERIOD_WORDS[value]
    match = _ISO_PERIOD.fullmatch(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a period: write week, month, quarter, half_year, year or an ISO "
            "8601 period of whole weeks, months or years (P2W, P3M, P1Y)"
        )
    count, unit = int(match[1]), match[2]
    if unit == "W":
        return ("weekly", count)
    months = count * 12 if unit == "Y" else count
    if months > MAX_MONTHS:
        raise ValueError(f"{value!r}: a period is at most {MAX_MONTHS // 12} years")
    return ("absoluteMonthly", months)


def period_words(pattern: Pattern, interval: int) -> str:
    """``(pattern, interval)`` → how a policy file writes it (``quarter``, ``P2M``, ``P2W``)."""
    for word, value in PERIOD_WORDS.items():
        if value == (pattern, interval):
            return word
    return f"P{interval}W" if pattern == "weekly" else f"P{interval}M"


Period = Annotated[
    tuple[Pattern, int],
    BeforeValidator(parse_period),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "description": "week, month, quarter, half_year, year, or an ISO 8601 period of "
            "whole weeks, months or years (P2W, P3M, P1Y)",
        }
    ),
]


def parse_days(value: object) -> int:
    """An instance duration: an ISO 8601 duration of whole days (``P3D``, ``P1W`` is refused)."""
    seconds = parse_positive_duration(value)
    if seconds % DAY:
        raise ValueError(f"{value!r}: a review lasts whole days (P3D)")
    return seconds // DAY


DurationDays = Annotated[
    int,
    BeforeValidator(parse_days),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^P[1-9]\d*D$",
            "description": "How long each instance lasts, in whole days (P3D); shorter than "
            "the recurrence period",
        }
    ),
]


OWNERS = "owners:"


def check_reviewer(value: str) -> str:
    """``manager``, ``user:UPN``, ``group:name`` (its members), ``owners:<group name or id>``
    (its owners) or an object id; service principals review nothing (Graph's reviewer
    queries: learn.microsoft.com/graph/accessreviews-reviewers-concept)."""
    if value == MANAGER:
        return value
    if value.startswith(OWNERS):
        check_group_name(value.removeprefix(OWNERS))
        return value
    if value.startswith("sp:"):  # before the principal's own checks: whatever follows `sp:`
        raise ValueError(f"{value!r}: a service principal cannot review; name users or groups")
    check_principal(value)
    return value


ReviewerRef = Annotated[
    str,
    AfterValidator(check_reviewer),
    Field(
        json_schema_extra={"pattern": rf"^manager$|^owners:\S|{PRINCIPAL_PATTERN}"},
        description="user:UPN, group:display name (its members review), owners:group name "
        "or id (its owners review), an object id, or manager (each reviewed principal's "
        "manager)",
        examples=["user:alice@contoso.com", "group:PIM Tier0 Approvers", "manager"],
    ),
]


def _one_line(value: str) -> str:
    if not value.strip() or not value.isprintable() or value != value.strip():
        raise ValueError("the review's name is one line of text without leading or trailing spaces")
    return value


class RecurrenceSpec(Strict):
    every: Period = Field(description="How often an instance starts.")
    start: CalendarDate = Field(description="The first instance's start date.")
    end: CalendarDate | None = Field(None, description="No instance starts after this date.")

    @model_validator(mode="after")
    def _ordered(self) -> RecurrenceSpec:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class RotationSpec(Strict):
    """Reviewer sets that take turns: set ``k`` reviews the period starting ``anchor + k ×
    period`` (cycling); the set due at ``now`` is what Graph gets."""

    period: Period = Field(description="How long each set serves: whole months.")
    anchor: CalendarDate = Field(description="When the first set's period starts.")
    reviewers: tuple[tuple[ReviewerRef, ...], ...] = Field(
        description="The reviewer sets, in turn order; each non-empty."
    )

    @model_validator(mode="after")
    def _sets(self) -> RotationSpec:
        if self.period[0] == "weekly":
            raise ValueError("rotation.period is whole months (month, quarter, P2M…), not weeks")
        if self.anchor.day > 28:
            raise ValueError(
                f"rotation.anchor {self.anchor} is past the 28th: anchor on a day every month has"
            )
        if len(self.reviewers) < 2:
            raise ValueError(
                "a rotation has at least two reviewer sets; write `reviewers:` for one"
            )
        for index, group in enumerate(self.reviewers):
            if not group:
                raise ValueError(f"rotation.reviewers[{index}] is empty: each set names a reviewer")
        return self


class ReviewNotifications(Strict):
    mail: bool = Field(False, description="E-mail reviewers when an instance starts.")
    reminders: bool = Field(False, description="Send reminder e-mails to reviewers.")


class ReviewFile(Strict):
    """``reviews/<name>.yaml``: one recurring access review."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "allOf": [
                {"oneOf": [{"required": ["role"]}, {"required": ["group"]}]},
                {"oneOf": [{"required": ["reviewers"]}, {"required": ["rotation"]}]},
            ]
        },
    )

    name: Annotated[str, AfterValidator(_one_line)] = Field(
        description="The review's display name in Entra (how it is matched); unique."
    )
    description: str = Field("", description="Shown to reviewers and admins.")
    role: RoleName | None = Field(None, description="The directory role reviewed.")
    group: GroupName | None = Field(None, description="The group whose members are reviewed.")
    covers: Literal["eligible", "active", "all"] | None = Field(
        None, description="Roles only: which assignments are reviewed (default all)."
    )
    recurrence: RecurrenceSpec
    duration: DurationDays
    reviewers: tuple[ReviewerRef, ...] | None = Field(
        None, description="Who reviews (not with rotation)."
    )
    rotation: RotationSpec | None = Field(None, description="Reviewer sets taking turns.")
    fallback_reviewers: tuple[ReviewerRef, ...] = Field(
        (), description="Who reviews when a principal has no manager."
    )
    default_decision: Literal["off", "none", "approve", "deny", "recommendation"] = Field(
        "off", description="Applied to principals not reviewed in time (off: none applied)."
    )
    auto_apply: bool = Field(False, description="Apply decisions when an instance ends.")
    justification_required: bool = Field(False, description="Reviewers justify approvals.")
    recommendations: bool = Field(False, description="Show reviewers recommendations.")
    notifications: ReviewNotifications = Field(default_factory=ReviewNotifications)
