"""Policy input values, parsed strictly and once: instants, calendar dates, durations,
directory scopes and principal references. Each parser takes what YAML produced and either
returns the value or raises ``ValueError`` with a message that ends up at ``file:line:col``.

The rules (``docs/policy-reference.md`` repeats them for users):

- An **instant** is a YAML timestamp or an ISO 8601 string: a date (``2027-06-30``, 00:00
  UTC that day) or a date-time (``2027-06-30T17:00:00Z``, ``2027-06-30T19:00:00+02:00``;
  without an offset it is UTC). Numbers are refused: ``expires: 2027`` is not a year.
- A **calendar date** (``reviewed``, a waiver's ``expires``) is ``YYYY-MM-DD`` only.
- A **duration** is ISO 8601 in days, hours, minutes, seconds and longer than zero.
- A **scope** is ``/``, ``/administrativeUnits/<id>`` or ``administrative_unit:<name or id>``.
- A **principal** is ``user:<UPN>``, ``group:<display name>``, ``sp:<appId>`` or a bare
  object id; ``user:<object id>`` is refused (write the bare object id).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pim_gitops.wire import DurationError, is_guid, parse_duration, to_instant

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PRINCIPAL_PATTERN = rf"^(user:[^\s@]+@[^\s@]+|group:\S.*|sp:{_GUID}|{_GUID})$"
DURATION_PATTERN = r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$"
SCOPE_PATTERN = rf"^(/|/administrativeUnits/{_GUID}|administrative_unit:\S(.*\S)?)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
INSTANT_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?( ?([Zz]|[+-]\d{2}:?\d{2}))?)?$"
)
#: Graph refuses schedules shorter than this (so does Terraform's azuread provider).
MIN_SCHEDULE_SECONDS = 300
AU_PREFIX = "administrative_unit:"
AU_PATH = "/administrativeUnits/"

_PRINCIPAL = re.compile(PRINCIPAL_PATTERN)
_SCOPE = re.compile(SCOPE_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_INSTANT = re.compile(INSTANT_PATTERN)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INSTANT_HINT = "an ISO 8601 date or date-time such as 2027-06-30 or 2027-06-30T17:00:00Z"


def parse_positive_duration(value: object) -> int:
    """YAML text → whole seconds, more than zero; ``8``, ``true``, ``P0D`` are refused."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 duration such as PT8H or P30D, got {value!r}")
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None
    if seconds == 0:
        raise ValueError(f"{value!r}: a duration must be longer than zero")
    return seconds


def _calendar(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None


def _refuse_non_text(value: object, hint: str) -> None:
    if isinstance(value, bool | int | float):
        raise ValueError(f"expected {hint}, got the number {value!r}")
    if not isinstance(value, str):
        raise ValueError(f"expected {hint}, got {type(value).__name__} {value!r}")


def parse_calendar_date(value: object) -> date:
    """A YAML date or ``YYYY-MM-DD`` text; a date-time or a number is refused."""
    if isinstance(value, datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got the date-time {value.isoformat()}")
    if isinstance(value, date):
        return value
    _refuse_non_text(value, "a date (YYYY-MM-DD)")
    assert isinstance(value, str)
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD, e.g. 2027-06-30")
    return _calendar(value)


def _instant_text(text: str) -> datetime:
    if not _INSTANT.fullmatch(text):
        raise ValueError(f"{text!r} is not {_INSTANT_HINT}")
    if _DATE.fullmatch(text):
        return to_instant(_calendar(text))
    day, rest = text[:10], text[11:]
    _calendar(day)  # the date part's own message (day out of range for month) first
    value = re.sub(r" ?[Zz]$", "+00:00", rest)
    value = re.sub(r"\.(\d{1,7})", lambda m: "." + m.group(1)[:6].ljust(6, "0"), value)
    try:
        return to_instant(datetime.fromisoformat(f"{day}T{value.replace(' ', '')}"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date-time: {exc}") from None


def parse_instant(value: object) -> datetime:
    """A YAML timestamp or ISO 8601 text → an aware UTC datetime (see the module rules)."""
    if isinstance(value, date):
        return to_instant(value)
    _refuse_non_text(value, _INSTANT_HINT)
    assert isinstance(value, str)
    return _instant_text(value)


def check_scope(value: object) -> str:
    """One scope syntax; ``administrative_unit:<guid>`` becomes ``/administrativeUnits/<guid>``."""
    if not isinstance(value, str) or not _SCOPE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a scope: write '/' (the whole tenant), "
            "'administrative_unit:<name or id>' or '/administrativeUnits/<id>'"
        )
    if value.startswith(AU_PATH):
        return AU_PATH + value.removeprefix(AU_PATH).lower()
    name = value.removeprefix(AU_PREFIX)
    if value.startswith(AU_PREFIX) and is_guid(name):
        return AU_PATH + name.lower()
    return value


def check_principal(value: str) -> str:
    kind, _, rest = value.partition(":")
    if kind == "user" and is_guid(rest.strip()):
        raise ValueError(
            f"{value!r}: user: takes a UPN (user:alice@contoso.com); write an object id "
            "without a prefix"
        )
    if kind == "sp" and rest and not is_guid(rest.strip()):
        raise ValueError(f"{value!r}: sp: takes an application (client) id, a GUID")
    if not _PRINCIPAL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a principal: write user:UPN, group:display name, sp:appId"
            " or an object id"
        )
    return value


def check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def check_role_name(value: str) -> str:
    if not value.strip():
        raise ValueError("`role` is empty: write a role's display name, template id or object id")
    return value
