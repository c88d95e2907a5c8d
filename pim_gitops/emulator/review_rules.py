"""Graph's rules for access-review definitions (``identityGovernance/accessReviews``, v1.0), as
pure functions of raw JSON: validation of a POST or PUT body, the defaults Graph fills in on
read-back, what a PUT may change, and the occurrences a recurrence yields. Sources in
``docs/emulator.md`` ("Access reviews"); **DC** = microsoft-graph-docs-contrib:

- required on create: ``displayName``, ``reviewers``, ``scope``, ``settings``
  (DC resources/accessreviewscheduledefinition.md, "Required on create");
- a PUT carries the full object (DC accessreviewscheduledefinition-update.md: "A PUT request
  expects the full object to be passed in"); it accepts ``displayName``,
  ``descriptionForAdmins``, ``descriptionForReviewers``, ``fallbackReviewers``, ``reviewers``,
  ``settings`` only, so ``scope`` and ``instanceEnumerationScope`` cannot change;
  "The reviewers property is only updatable if individual users are assigned as reviewers";
- the read-back defaults are the two documented create responses (DC accessreviewset-post-
  definitions.md Example 1, concepts/tutorial-accessreviews-roleassignments.md Step 1).

Every 400's code and message is an *assumption*: Graph documents none.
"""

from __future__ import annotations

import calendar
import copy
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pim_gitops.emulator.errors import GraphFault, bad_request

PATTERNS = ("weekly", "absoluteMonthly")
RANGES = ("noEnd", "endDate", "numbered")
DECISIONS = ("None", "Approve", "Deny", "Recommendation")
#: Writable on PUT (DC accessreviewscheduledefinition-update.md, "properties accepted").
UPDATABLE = (
    "displayName",
    "descriptionForAdmins",
    "descriptionForReviewers",
    "fallbackReviewers",
    "reviewers",
    "settings",
)
IMMUTABLE = ("scope", "instanceEnumerationScope")
SETTING_DEFAULTS: dict[str, Any] = {
    "mailNotificationsEnabled": True,
    "reminderNotificationsEnabled": True,
    "justificationRequiredOnApproval": True,
    "defaultDecisionEnabled": False,
    "defaultDecision": "None",
    "autoApplyDecisionsEnabled": False,
    "recommendationsEnabled": False,
    "recommendationLookBackDuration": None,
    "decisionHistoriesForReviewersEnabled": False,
    "applyActions": [],
    "recommendationInsightSettings": [],
}
PATTERN_DEFAULTS: dict[str, Any] = {
    "month": 0,
    "dayOfMonth": 0,
    "daysOfWeek": [],
    "firstDayOfWeek": "sunday",
    "index": "first",
}
RANGE_DEFAULTS: dict[str, Any] = {
    "numberOfOccurrences": 0,
    "recurrenceTimeZone": None,
    "endDate": None,
}
TOP_DEFAULTS: dict[str, Any] = {
    "descriptionForAdmins": None,
    "descriptionForReviewers": None,
    "fallbackReviewers": [],
    "instanceEnumerationScope": None,
    "stageSettings": [],
    "additionalNotificationRecipients": [],
}
_USER = re.compile(r"^/(?:v1\.0/|beta/)?users/[0-9a-fA-F-]{36}$")
#: The most occurrences one definition yields (a weekly review over ~20 years).
MAX_OCCURRENCES = 1000


def _invalid(message: str) -> GraphFault:
    return bad_request(message, "InvalidAccessReviewDefinition")


def _day(value: Any, name: str) -> date:
    """A ``startDate``/``endDate``: a date, or a date-time whose date part counts."""
    if not isinstance(value, str) or len(value) < 10:
        raise _invalid(f"settings.recurrence.range.{name} must be a date (YYYY-MM-DD).")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise _invalid(f"settings.recurrence.range.{name} {value!r} is not a date.") from exc


def _check_scopes(body: Mapping[str, Any], name: str, required: bool) -> None:
    value = body.get(name)
    if value is None and not required:
        return
    if not isinstance(value, list) or not all(
        isinstance(r, Mapping) and isinstance(r.get("query"), str) and r["query"] for r in value
    ):
        raise _invalid(f"{name} must be a list of reviewer scopes, each with a 'query'.")


def _check_recurrence(recurrence: Any) -> None:
    if not isinstance(recurrence, Mapping):
        raise _invalid("settings.recurrence must be an object with 'pattern' and 'range'.")
    pattern, range_ = recurrence.get("pattern"), recurrence.get("range")
    if not isinstance(pattern, Mapping) or not isinstance(range_, Mapping):
        raise _invalid("settings.recurrence must be an object with 'pattern' and 'range'.")
    if pattern.get("type") not in PATTERNS:
        raise _invalid(
            f"The emulator serves recurrence patterns {PATTERNS}, not {pattern.get('type')!r}."
        )
    interval = pattern.get("interval")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise _invalid("settings.recurrence.pattern.interval must be a positive integer.")
    if range_.get("type") not in RANGES:
        raise _invalid(f"settings.recurrence.range.type must be one of {RANGES}.")
    start = _day(range_.get("startDate"), "startDate")
    has_end = range_.get("type") == "endDate" or range_.get("endDate") not in (None, "null")
    if has_end and _day(range_.get("endDate"), "endDate") < start:
        raise _invalid("settings.recurrence.range.endDate is before its startDate.")


def _check_settings(settings: Any) -> None:
    if not isinstance(settings, Mapping):
        raise _invalid("settings is required (an accessReviewScheduleSettings object).")
    days = settings.get("instanceDurationInDays")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise _invalid("settings.instanceDurationInDays must be a positive whole number of days.")
    if settings.get("defaultDecision", "None") not in DECISIONS:
        raise _invalid(f"settings.defaultDecision must be one of {DECISIONS}.")
    _check_recurrence(settings.get("recurrence"))


def check_body(body: Any, *, create: bool) -> Mapping[str, Any]:
    """A POST (``create``) or PUT body that Graph would accept, else its 400."""
    if not isinstance(body, Mapping):
        raise _invalid("The request body must be an accessReviewScheduleDefinition object.")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        what = "is required" if create else "is required: a PUT carries the full definition"
        raise _invalid(f"displayName {what}.")
    if create and not isinstance(body.get("scope"), Mapping):
        raise _invalid("scope is required (an accessReviewScope object).")
    if "reviewers" not in body:
        raise _invalid("reviewers is required (an empty list makes a self-review).")
    _check_scopes(body, "reviewers", True)
    _check_scopes(body, "fallbackReviewers", False)
    _check_settings(body.get("settings"))
    return body


def reviewer_key(scopes: Any) -> list[tuple[str, str, str]]:
    """Reviewer scopes compared as Graph stores them (order and spelling of ids aside)."""
    return sorted(
        (
            str(s.get("query", "")).lower(),
            str(s.get("queryType") or ""),
            str(s.get("queryRoot") or ""),
        )
        for s in scopes or []
        if isinstance(s, Mapping)
    )


def individual_users(scopes: Any) -> bool:
    """Every reviewer is one user (``/users/{id}``), not a group, owners or managers."""
    return all(_USER.match(str(s.get("query", ""))) for s in scopes or [])


def check_update(stored: Mapping[str, Any], body: Mapping[str, Any]) -> None:
    """What a PUT may not change: the scope, the enumeration scope, and reviewers other than
    individual users."""
    for name in IMMUTABLE:
        if name in body and (body.get(name) or None) != (stored.get(name) or None):
            raise bad_request(
                f"The {name} of an access review definition cannot be changed; "
                "create a new definition instead.",
                "InvalidAccessReviewUpdate",
            )
    old, new = stored.get("reviewers"), body.get("reviewers")
    if reviewer_key(old) != reviewer_key(new) and not (
        individual_users(old) and individual_users(new)
    ):
        raise bad_request(
            "The reviewers of an access review definition can be updated only when "
            "individual users are assigned as reviewers.",
            "InvalidAccessReviewUpdate",
        )


def _filled(given: Any, defaults: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(given or {}))
    for key, value in defaults.items():
        out.setdefault(key, copy.deepcopy(value))
    return out


def settings_as_stored(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` with the defaults Graph reads back; ``startDate`` as a date."""
    out = _filled(settings, SETTING_DEFAULTS)
    recurrence = dict(out["recurrence"])
    recurrence["pattern"] = _filled(recurrence.get("pattern"), PATTERN_DEFAULTS)
    range_ = _filled(recurrence.get("range"), RANGE_DEFAULTS)
    range_["startDate"] = str(range_["startDate"])[:10]
    if range_.get("endDate") in ("null", ""):
        range_["endDate"] = None
    elif range_.get("endDate") is not None:
        range_["endDate"] = str(range_["endDate"])[:10]
    recurrence["range"] = range_
    out["recurrence"] = recurrence
    return out


def scopes_as_stored(scopes: Any) -> list[dict[str, Any]]:
    """Reviewer scopes read back with ``queryRoot`` (``null`` unless given; DC
    accessreviewset-post-definitions.md Example 2's response)."""
    return [_filled(s, {"queryRoot": None}) for s in scopes or []]


def as_stored(body: Mapping[str, Any]) -> dict[str, Any]:
    """A created definition's writable part as Graph reads it back."""
    out = _filled({k: v for k, v in body.items() if not k.startswith("@")}, TOP_DEFAULTS)
    out["settings"] = settings_as_stored(body["settings"])
    for name in ("reviewers", "fallbackReviewers"):
        out[name] = scopes_as_stored(out[name])
    return out


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrences(settings: Mapping[str, Any]) -> Iterator[tuple[int, date]]:
    """``(index, date)`` of every occurrence of ``settings.recurrence``, in order: every
    ``interval`` weeks or months from ``startDate`` (a month's last day when it is shorter),
    up to ``endDate`` or ``numberOfOccurrences`` (``numbered`` with 0 counts by endDate)."""
    recurrence = settings["recurrence"]
    pattern, range_ = recurrence["pattern"], recurrence["range"]
    start = date.fromisoformat(str(range_["startDate"])[:10])
    end = date.fromisoformat(str(range_["endDate"])[:10]) if range_.get("endDate") else None
    count = int(range_.get("numberOfOccurrences") or 0) if range_["type"] == "numbered" else 0
    interval = int(pattern["interval"])
    for index in range(MAX_OCCURRENCES):
        if count and index >= count:
            return
        if pattern["type"] == "weekly":
            day = start + timedelta(weeks=interval * index)
        else:
            day = _add_months(start, interval * index)
        if end is not None and day > end:
            return
        yield index, day


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def instance_status(start: datetime, end: datetime, now: datetime, stored: str | None) -> str:
    """``NotStarted`` before the start, ``InProgress`` until the end, then ``Completed`` (or
    the ended status a seed or an apply recorded: ``Applied``, ``AutoReviewed``, …)."""
    if now < start:
        return "NotStarted"
    if now < end:
        return "InProgress"
    if stored and stored not in ("NotStarted", "InProgress", "Initializing", "Starting"):
        return stored
    return "Completed"
