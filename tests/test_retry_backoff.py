"""Exponential backoff: the ceiling of the jittered wait doubles with every attempt."""

from __future__ import annotations

import random

from pim_gitops.graph.retry import RetryPolicy


def test_the_backoff_ceiling_doubles_per_attempt_up_to_the_cap() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=30)
    rng = random.Random(7)
    for attempt, ceiling in ((0, 0.5), (1, 1.0), (3, 4.0), (5, 16.0), (6, 30.0)):
        waits = [policy.backoff(attempt, rng) for _ in range(400)]
        assert max(waits) <= ceiling
        # Full jitter: uniform below the ceiling, so the draws reach its upper half.
        assert max(waits) > 0.9 * ceiling, (attempt, max(waits))
