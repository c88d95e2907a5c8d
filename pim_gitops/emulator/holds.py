"""Holding writes for concurrency tests: a matching request waits, unapplied, until released.

A test (or ``POST /_emulator/holds``) adds a hold — a method, a path pattern relative to
``/v1.0`` (``fnmatch``, case-insensitive), optional body fields that must be equal, and how
many matching requests to hold. A matching request, alone or inside ``$batch``, then waits
*before* it is applied (or, with ``after=True``, applied but not yet answered), while every
other request proceeds; ``release()`` (or ``POST /_emulator/holds/{id}/release``) lets it
go on. So two applies can be interleaved exactly: hold apply B's first write, run apply A to
the end, release B.

A held request that is never released goes on after ``timeout_s`` (default 60 s), so a
failing test cannot wedge the server; ``release_all()`` (also on ``POST /_emulator/reset``)
lets every held request go.
"""

from __future__ import annotations

import asyncio
import fnmatch
import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Hold:
    """One hold: what it matches, how many it still takes, and its state."""

    id: str
    path: str
    method: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)
    count: int = 1
    timeout_s: float = 60.0
    #: Hold once applied, before the answer (``False``: before it is applied).
    after: bool = False
    #: Requests this hold has caught (held now or earlier).
    caught: int = 0
    #: Requests waiting on it right now.
    waiting: int = 0
    _released: threading.Event = field(default_factory=threading.Event, repr=False)
    _reached: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def matches(self, method: str, path: str, body: Any) -> bool:
        if self.method is None:
            if method not in WRITE_METHODS:
                return False
        elif method != self.method:
            return False
        clean = path.strip("/").split("?", 1)[0].lower()
        if not fnmatch.fnmatchcase(clean, self.path.strip("/").lower()):
            return False
        if self.body:
            if not isinstance(body, Mapping):
                return False
            return all(body.get(k) == v for k, v in self.body.items())
        return True

    def take(self, method: str, path: str, body: Any) -> bool:
        """Catch this request if it matches and the hold has room (thread-safe)."""
        with self._lock:
            if self._released.is_set() or self.caught >= self.count:
                return False
            if not self.matches(method, path, body):
                return False
            self.caught += 1
            self.waiting += 1
            self._reached.set()
            return True

    async def wait(self) -> None:
        """Called by the request it caught: returns once released (or timed out)."""
        try:
            await asyncio.to_thread(self._released.wait, self.timeout_s)
        finally:
            with self._lock:
                self.waiting -= 1

    # --- the test's side ------------------------------------------------------------------

    def wait_held(self, timeout_s: float = 10.0) -> bool:
        """Block until a request has been caught; ``False`` if none came in time."""
        return self._reached.wait(timeout_s)

    def release(self) -> None:
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "body": dict(self.body),
            "count": self.count,
            "after": self.after,
            "caught": self.caught,
            "waiting": self.waiting,
            "released": self.released,
        }


class Holds:
    """The emulator's holds (thread-safe: tests add and release them from their thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: dict[str, Hold] = {}
        self._ids = itertools.count(1)

    def add(
        self,
        path: str,
        *,
        method: str | None = None,
        body: Mapping[str, Any] | None = None,
        count: int = 1,
        timeout_s: float = 60.0,
        after: bool = False,
    ) -> Hold:
        """Hold the next ``count`` requests to ``path`` (a pattern; ``method`` ``None``: any
        write) whose body has the fields of ``body``; ``after``: once applied."""
        if count < 1:
            raise ValueError("count must be at least 1")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        with self._lock:
            hold = Hold(
                f"h{next(self._ids)}",
                path,
                method.upper() if method else None,
                dict(body or {}),
                count,
                timeout_s,
                after,
            )
            self._holds[hold.id] = hold
            return hold

    def add_from(self, data: Mapping[str, Any]) -> Hold:
        """From ``POST /_emulator/holds`` JSON: ``path`` plus the keyword arguments above."""
        unknown = sorted(set(data) - {"path", "method", "body", "count", "timeout_s", "after"})
        if unknown:
            raise ValueError(f"unknown hold fields: {', '.join(unknown)}")
        path, method, body = data.get("path"), data.get("method"), data.get("body")
        if not isinstance(path, str) or not path.strip("/"):
            raise ValueError("path must be a non-empty string")
        if method is not None and not isinstance(method, str):
            raise ValueError("method must be a string")
        if body is not None and not isinstance(body, Mapping):
            raise ValueError("body must be a JSON object")
        if not isinstance(data.get("after", False), bool):
            raise ValueError("after must be true or false")
        return self.add(
            path,
            method=method,
            body=body,
            count=int(data.get("count", 1)),
            timeout_s=float(data.get("timeout_s", 60.0)),
            after=bool(data.get("after", False)),
        )

    def get(self, hold_id: str) -> Hold | None:
        with self._lock:
            return self._holds.get(hold_id)

    def all(self) -> list[Hold]:
        with self._lock:
            return [self._holds[k] for k in sorted(self._holds, key=lambda h: int(h[1:]))]

    def catch(self, method: str, path: str, body: Any, *, after: bool = False) -> Hold | None:
        """The hold that takes this request at this stage, if any (the oldest that matches)."""
        for hold in self.all():
            if hold.after == after and hold.take(method, path, body):
                return hold
        return None

    async def pause(self, method: str, path: str, body: Any, *, after: bool = False) -> None:
        """Wait here if a hold takes this request (called before and after applying it)."""
        hold = self.catch(method, path, body, after=after)
        if hold is not None:
            await hold.wait()

    def release_all(self) -> None:
        """Release every hold and forget them."""
        with self._lock:
            holds, self._holds = list(self._holds.values()), {}
        for hold in holds:
            hold.release()
