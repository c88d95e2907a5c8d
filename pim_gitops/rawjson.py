"""Typed access to one raw Graph JSON object, with errors that name it.

``normalize`` and the policy-rule table read Graph payloads through ``RawObject`` so a
malformed answer becomes a ``SnapshotError`` naming the object and the property, never a
``KeyError`` deep in the planner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.errors import SnapshotError
from pim_gitops.wire import DurationError, parse_duration, parse_instant


class RawObject:
    """One raw object (a dict from Graph) and what to call it in an error."""

    def __init__(self, obj: Any, what: str) -> None:
        if not isinstance(obj, Mapping):
            raise SnapshotError(f"{what}: expected an object, got {type(obj).__name__}")
        self.obj: Mapping[str, Any] = obj
        self.what = what

    def fail(self, message: str) -> SnapshotError:
        return SnapshotError(f"{self.what}: {message}")

    def child(self, key: str, what: str | None = None) -> RawObject:
        """A nested object (``{}`` when absent)."""
        return RawObject(self.obj.get(key) or {}, what or f"{self.what}, {key}")

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self.obj.get(key)
        if value is None:
            if optional:
                return None
            raise self.fail(f"missing {key!r}")
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string, got {value!r}")
        return value

    def req(self, key: str) -> str:
        value = self.text(key)
        assert value is not None
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.obj.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, got {value!r}")
        return value

    def optional_flag(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is not None and not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true, false or null, got {value!r}")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{key!r} must be a list, got {value!r}")
        return value

    def strings(self, key: str) -> list[str]:
        values = self.items(key)
        if not all(isinstance(v, str) for v in values):
            raise self.fail(f"{key!r} must be a list of strings")
        return values

    def duration(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be an ISO 8601 duration, got {value!r}")
        try:
            return parse_duration(value)
        except DurationError as exc:
            raise self.fail(f"{key!r}: {exc}") from None

    def instant(self, key: str, value: Any = None) -> datetime | None:
        raw = self.obj.get(key) if value is None else value
        if raw in (None, ""):
            return None
        if not isinstance(raw, str):
            raise self.fail(f"{key} must be a date-time string, got {raw!r}")
        try:
            return parse_instant(raw)
        except ValueError:
            raise self.fail(f"{key} is not a valid date-time: {raw!r}") from None
