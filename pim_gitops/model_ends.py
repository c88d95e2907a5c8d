"""The end of an assignment as a policy file writes it: exactly one of `expires`,
`duration` or `permanent`; `renew` only with a `duration`; at least five minutes long.
(``model.GrantSpec`` runs these checks; they live here to keep the model short.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pim_gitops.values import MIN_SCHEDULE_SECONDS
from pim_gitops.wire import format_duration

if TYPE_CHECKING:
    from pim_gitops.model import GrantSpec


def check_assignment_end(spec: GrantSpec) -> None:
    """Raises ``ValueError`` (pydantic reports it at the assignment) when the end is unclear."""
    given = [
        name
        for name, value in (
            ("expires", spec.expires),
            ("duration", spec.duration),
            ("permanent", spec.permanent or None),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise ValueError(
            "an assignment needs exactly one of `expires`, `duration` or `permanent: true`"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if spec.renew and spec.duration is None:
        raise ValueError(
            f"`renew: true` is only for a `duration` (this one has `{given[0]}`): "
            "remove `renew`, or write `duration:` instead"
        )
    if spec.start is not None and spec.expires is not None and spec.expires <= spec.start:
        raise ValueError("`expires` is not after `start`")
    _check_schedule_length(spec)


def _check_schedule_length(spec: GrantSpec) -> None:
    """Graph refuses schedules shorter than five minutes (Terraform's azuread provider
    checks the same before sending: ``buildRequestSchedule`` in
    ``privileged_access_group_schedule_request.go``)."""
    minimum = format_duration(MIN_SCHEDULE_SECONDS)
    if spec.duration is not None and spec.duration < MIN_SCHEDULE_SECONDS:
        raise ValueError(
            f"`duration` {format_duration(spec.duration)} is shorter than {minimum}; "
            "Graph refuses schedules shorter than five minutes"
        )
    if spec.start is not None and spec.expires is not None:
        length = int((spec.expires - spec.start).total_seconds())
        if length < MIN_SCHEDULE_SECONDS:
            raise ValueError(
                f"`expires` is {format_duration(length)} after `start`, less than {minimum}; "
                "Graph refuses schedules shorter than five minutes"
            )
