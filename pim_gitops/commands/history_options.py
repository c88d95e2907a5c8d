"""``--since`` of ``report`` and ``snapshot``: how far back the request history goes.

A length back from now (``90d``, ``12w``, ``36h``, or an ISO 8601 duration: ``P90D``,
``P12W``, ``PT36H``) or a date or instant (``2026-09-01``, ``2026-09-01T08:00:00Z``). ``report``
reads the live tenant's last ``REPORT_DEFAULT`` by default (its auditor section); from a
snapshot it shows what the snapshot holds, narrowed by ``--since``. ``snapshot`` stores no
history unless ``--since`` is given (the monthly backup workflow gives it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import click

from pim_gitops.state import TenantState
from pim_gitops.wire import (
    MAX_DURATION_SECONDS,
    DurationError,
    parse_duration,
    parse_instant,
    to_instant,
)

F = TypeVar("F", bound=Callable[..., Any])

#: What ``report`` reads live without ``--since``.
REPORT_DEFAULT = "90d"
SHORT = re.compile(r"^(\d+)\s*([dwh])$", re.IGNORECASE)
WEEKS = re.compile(r"^P(\d+)W$", re.IGNORECASE)
UNIT_SECONDS = {"d": 86400, "w": 7 * 86400, "h": 3600}

Window = timedelta | datetime


def parse_window(text: str) -> Window:
    """A length back from now, or an instant; ``ValueError`` (in words) otherwise."""
    value = text.strip()
    if found := SHORT.match(value):
        return _length(text, int(found.group(1)) * UNIT_SECONDS[found.group(2).lower()])
    if found := WEEKS.match(value):
        return _length(text, int(found.group(1)) * UNIT_SECONDS["w"])
    if value[:1].upper() == "P":
        try:
            return timedelta(seconds=parse_duration(value))
        except DurationError as exc:
            raise ValueError(str(exc)) from exc
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return to_instant(date.fromisoformat(value))
        return parse_instant(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a length (90d, 12w, 36h, P90D, PT36H) nor a date or "
            "instant (2026-09-01, 2026-09-01T08:00:00Z)"
        ) from None


def _length(text: str, seconds: int) -> timedelta:
    """A length back from now, at most as long as a duration may be (100 years)."""
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"{text!r} is longer than 100 years")
    return timedelta(seconds=seconds)


def since_instant(window: Window | None, now: datetime) -> datetime | None:
    """The window's start (a length counts back from ``now``); an instant after ``now``,
    or more than 100 years before it, is refused."""
    if window is None:
        return None
    start = now - window if isinstance(window, timedelta) else window
    if start > now:
        raise click.BadParameter(f"{start.isoformat()} is in the future", param_hint="--since")
    if now - start > timedelta(seconds=MAX_DURATION_SECONDS):
        raise click.BadParameter(
            f"{start.isoformat()} is more than 100 years back", param_hint="--since"
        )
    return start


def _checked(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Window | None:
    if value is None:
        return None
    try:
        return parse_window(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def since_option(help_text: str) -> Callable[[F], F]:
    """``--since`` (a ``Window`` for the command, ``None`` when not given)."""
    return click.option("--since", "since", callback=_checked, metavar="WHEN", help=help_text)


def report_since(window: Window | None, now: datetime, *, live: bool) -> datetime | None:
    """``report``'s window: ``--since``, else ``REPORT_DEFAULT`` when reading live."""
    if window is None and live:
        window = parse_window(REPORT_DEFAULT)
    return since_instant(window, now)


def narrowed(tenant: TenantState, since: datetime | None) -> TenantState:
    """A snapshot's tenant with its history narrowed to ``since`` (none read: as it is)."""
    if tenant.history is None or since is None:
        return tenant
    return replace(tenant, history=tenant.history.narrowed(since))


def live_snapshot_since(
    graph_url: str | None, tenant_id: str | None, now: datetime, since: datetime
) -> tuple[dict[str, Any], int]:
    """``snapshot --since`` without ``--policy``: the live tenant with its request history
    (no Graph beta: no tenant file allows it), and the number of requests it took."""
    import asyncio

    from pim_gitops.graph.extras import ExtraReads
    from pim_gitops.graph.reader import fetch_snapshot
    from pim_gitops.graph.session import open_graph

    async def go() -> tuple[dict[str, Any], int]:
        async with open_graph(graph_url, tenant_id) as transport:
            extras = ExtraReads(history_since=since)
            data = await fetch_snapshot(
                transport, now=now, tenant_id=tenant_id or "", extras=extras
            )
            return data, transport.requests

    return asyncio.run(go())
