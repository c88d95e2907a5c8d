"""One retry budget per command, shared by every layer that re-sends.

A command (``plan``, ``apply``, ``snapshot``) opens one transport, and the transport owns one
:class:`RetryBudget`. Every re-send draws from it: the transport's per-request retries
(429, 503/504 on reads, dropped connections), ``$batch`` re-sends of throttled inner requests
(:func:`pim_gitops.graph.batch.send_batched`) and apply's settle rounds. So the total number of
re-sends and the wall time spent retrying are bounded for the whole command, not per layer
(before, 6 attempts × 8 batch rounds × 3 settle rounds allowed 144 sends of one write).

The budget holds:

* ``max_retries``: re-sends allowed in the whole command (a first send never counts);
* a deadline, ``max_wall_s`` after the budget was made (clock injected): no retry starts
  after it, and a wait that would end after it is not started at all;
* ``max_attempts``: sends of one request, the first included;
* ``max_wait_s``: the longest single wait; a ``Retry-After`` beyond it is capped to it;
* exponential backoff with full jitter (rng injected) when Graph gives no ``Retry-After``.

tenacity and stamina were considered and not used: both retry one call, with attempt and
delay counters per call, where we need one budget drawn from by three loops that are not
"retry this call" (a batch re-sends only the subset of its items that were throttled; apply
re-aims a write between rounds); tenacity reads ``time.monotonic`` and the global ``random``
directly, so neither the clock nor the jitter can be injected, and stamina configures itself
through process-wide globals (``set_testing``). What is left to write is the small budget below.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

Sleeper = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """The limits of one command's retrying (see the module docstring)."""

    #: Sends of one request, the first included.
    max_attempts: int = 6
    #: Re-sends allowed in the whole command, all requests together.
    max_retries: int = 200
    #: Seconds after the start of the command past which no retry starts.
    max_wall_s: float = 900.0
    #: The longest single wait; a longer ``Retry-After`` is capped to it.
    max_wait_s: float = 60.0
    base_s: float = 0.5
    cap_s: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^attempt)]."""
        return rng.uniform(0, min(self.cap_s, self.base_s * (2 ** min(attempt, 62))))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from ``Retry-After``: integer or fractional (``2.128``), ``inf`` kept (the
    budget caps it); ``None`` if absent, negative, NaN or not a number (an HTTP date is not
    sent by Graph; back off instead)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None  # NaN compares false: dropped too


def longest_retry_after(values: Iterable[float | None]) -> float | None:
    """The longest usable ``Retry-After`` among those given (absent, negative and NaN
    values ignored); ``None`` when there is none."""
    usable = [v for v in values if v is not None and v >= 0]
    return max(usable) if usable else None


@dataclass(frozen=True)
class Decision:
    """Whether to retry and after how long; when not, ``reason`` says why."""

    retry: bool
    wait_s: float = 0.0
    reason: str = ""


class RetryBudget:
    """The retries left to one command: a count and a deadline, shared by every layer."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.rng = rng or random.Random()
        self.deadline = clock() + self.policy.max_wall_s
        #: Re-sends granted so far.
        self.used = 0

    @property
    def remaining_retries(self) -> int:
        return max(0, self.policy.max_retries - self.used)

    @property
    def remaining_s(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(0.0, self.deadline - self.clock())

    @property
    def exhausted(self) -> bool:
        """No retry can be granted any more: every re-send spent, or past the deadline."""
        return self.remaining_retries == 0 or self.clock() > self.deadline

    def describe(self) -> str:
        """``retry budget exhausted (200 retries / 900 s)``: for error messages."""
        p = self.policy
        return f"retry budget exhausted ({p.max_retries} retries / {p.max_wall_s:g} s)"

    def take(self, n: int = 1) -> bool:
        """Spend ``n`` re-sends, all or none, if they are left and the deadline has not
        passed (a retry exactly at the deadline is allowed); ``False`` spends nothing."""
        if n <= 0:
            return True
        if n > self.remaining_retries or self.clock() > self.deadline:
            return False
        self.used += n
        return True

    def wait_for(self, attempt: int, retry_after: Iterable[float | None] = ()) -> float:
        """How long to wait before send number ``attempt + 2`` of a request: the longest
        ``Retry-After`` given, else backoff; never more than ``max_wait_s`` (so ``inf`` or
        100000 do not wait for ever)."""
        longest = longest_retry_after(retry_after)
        wait = longest if longest is not None else self.policy.backoff(attempt, self.rng)
        return min(wait, self.policy.max_wait_s)

    def decide(
        self, attempt: int, retry_after: Iterable[float | None] = (), *, n: int = 1
    ) -> Decision:
        """May ``n`` requests whose send number ``attempt + 1`` (0-based ``attempt``) just
        failed be re-sent, and after how long? Granting spends ``n`` re-sends. Refused when
        the request has had ``max_attempts`` sends, when fewer than ``n`` re-sends are left,
        or when the wait would end after the deadline (then nothing is waited)."""
        p = self.policy
        if attempt + 1 >= p.max_attempts:
            return Decision(
                False, reason=f"gave up after {p.max_attempts} attempts of this request"
            )
        if n > self.remaining_retries:
            left = self.remaining_retries
            return Decision(False, reason=f"{self.describe()}: {left} left, {n} needed")
        wait = self.wait_for(attempt, retry_after)
        if self.clock() + wait > self.deadline:
            return Decision(
                False,
                wait,
                f"{self.describe()}: waiting {wait:g} s more would pass the deadline",
            )
        self.used += n
        return Decision(True, wait)
