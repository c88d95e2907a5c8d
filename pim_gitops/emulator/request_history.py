"""Retention of schedule requests: a cancelled request is deleted 30 days after its cancel
("Immediately cancel … and have the system automatically delete the canceled request after
30 days", DC v1.0 unifiedroleassignmentschedulerequest-cancel.md and
unifiedroleeligibilityschedulerequest-cancel.md). Graph documents no retention for other
requests: the emulator keeps them (``docs/emulator.md`` "Request history and approvals").

A request cancelled through the emulator counts from its cancel; a seeded ``Canceled``
request from its ``completedDateTime``, else its ``createdDateTime`` (*assumption*: the
snapshot does not say when it was cancelled)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pim_gitops.wire import parse_instant

if TYPE_CHECKING:
    from pim_gitops.emulator.store import Store

RETENTION = timedelta(days=30)


def _cancelled_at(store: Store, key: str) -> datetime | None:
    if key in store.beta.canceled_at:
        return store.beta.canceled_at[key]
    row = store.requests[key]
    if row.get("status") != "Canceled":
        return None
    text = row.get("completedDateTime") or row.get("createdDateTime")
    try:
        return parse_instant(str(text)) if text else None
    except ValueError:
        return None


def purge(store: Store, now: datetime) -> None:
    """Delete the cancelled requests whose 30 days are over."""
    for key in list(store.requests):
        cancelled = _cancelled_at(store, key)
        if cancelled is not None and now - cancelled >= RETENTION:
            del store.requests[key]
            store.beta.canceled_at.pop(key, None)
