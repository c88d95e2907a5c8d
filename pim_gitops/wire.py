"""Wire-format basics shared by the client side and the emulator: ISO 8601 durations,
instants, and Graph's role-assignment id encoding. Semantics never live here.

Graph's PIM rules accept durations in days, hours, minutes and seconds (``P365D``,
``PT8H``, ``PT1H45M``). Weeks, months and years are refused here because they are
ambiguous or were rejected by Graph when SDKs emitted them (msgraph-sdk-go-core#280).
Durations are compared as whole seconds, so ``P1D`` == ``PT24H``.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, date, datetime, timedelta

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_FORBIDDEN_UNITS = re.compile(r"^P(?:\d+Y|\d+M|\d+W)|^P[^T]*[YMW]")

MAX_DURATION_SECONDS = 100 * 365 * 86400  # far beyond any Graph limit; guards overflow


class DurationError(ValueError):
    """A duration string Graph would not accept."""


def parse_duration(text: str) -> int:
    """Parse an ISO 8601 duration of days/hours/minutes/seconds into whole seconds."""
    if not isinstance(text, str):
        raise DurationError(f"expected an ISO 8601 duration string, got {type(text).__name__}")
    value = text.strip().upper()
    if value.startswith("-"):
        raise DurationError(f"{text!r}: negative durations are not allowed")
    if _FORBIDDEN_UNITS.match(value):
        raise DurationError(
            f"{text!r}: years, months and weeks are not accepted; use days, hours or minutes"
            " (for example P30D, PT8H, PT1H30M)"
        )
    match = _DURATION.match(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        raise DurationError(
            f"{text!r} is not an ISO 8601 duration (expected forms like P30D, PT8H, PT1H30M)"
        )
    days = int(match.group("days") or 0)
    hours = int(match.group("hours") or 0)
    minutes = int(match.group("minutes") or 0)
    seconds_text = match.group("seconds") or "0"
    seconds = float(seconds_text)
    if seconds != int(seconds):
        raise DurationError(f"{text!r}: fractional seconds are not accepted")
    total = days * 86400 + hours * 3600 + minutes * 60 + int(seconds)
    if total > MAX_DURATION_SECONDS:
        raise DurationError(f"{text!r} is longer than 100 years")
    return total


def format_duration(seconds: int) -> str:
    """Canonical ISO 8601 form: whole days as ``PnD``, otherwise ``PTnHnMnS``."""
    if seconds < 0:
        raise DurationError("negative durations cannot be formatted")
    if seconds == 0:
        return "PT0S"
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs:
        out += f"{secs}S"
    return out


def parse_instant(text: str) -> datetime:
    """Parse a Graph date-time (``2024-01-01T00:00:00Z``, 7 fractional digits allowed)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Graph writes 7 fractional digits; Python accepts at most 6.
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$", value)
    if match:
        value = f"{match.group(1)}.{match.group(2)[:6].ljust(6, '0')}{match.group(3)}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    """UTC instant as Graph writes it, to the second: ``2024-01-01T00:00:00Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_instant(value: date | datetime) -> datetime:
    """A YAML date or datetime as a UTC instant; a bare date means 00:00 UTC that day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def add_seconds(moment: datetime, seconds: int) -> datetime:
    return moment + timedelta(seconds=seconds)


def role_assignment_id(
    role_definition_id: str, principal_id: str, scope_object_id: str | None = None
) -> str:
    """Graph's id for a role assignment / instance: base64url of the GUIDs' little-endian
    bytes without padding, ``-1`` for tenant scope and ``-2`` with an AU/object scope."""
    raw = uuid.UUID(role_definition_id).bytes_le + uuid.UUID(principal_id).bytes_le
    suffix = "-1"
    if scope_object_id:
        raw += uuid.UUID(scope_object_id).bytes_le
        suffix = "-2"
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") + suffix


GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(text: str) -> bool:
    return bool(GUID.match(text))
