"""The reads ``graph.extras.ExtraReads`` asks for, alongside the v1.0 PIM state: PIM alerts
(Graph beta, ``alert_reader``) and request history (``history_reader``). Each adds its
snapshot keys; a refused read is recorded in its own ``…ReadError`` key, never raised."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.graph.alert_reader import alert_principal_ids, read_alerts
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.group_history_reader import with_group_history as with_group_history
from pim_gitops.graph.history_reader import history_principal_ids, read_history
from pim_gitops.graph.transport import GraphTransport, gather_or_cancel


async def read_extras(
    transport: GraphTransport, extras: ExtraReads, now: datetime
) -> dict[str, Any]:
    """The snapshot keys of the extra reads (``{}`` when none are asked for)."""
    alerts = read_alerts(transport) if extras.alerts else _nothing()
    history, alerted = await gather_or_cancel(read_history(transport, extras), alerts)
    return {**history, **alerted}


async def _nothing() -> dict[str, Any]:
    return {}


def extra_principal_ids(data: Mapping[str, Any]) -> set[str]:
    """Object ids the extra reads name (requesters, approvers, alert subjects), to look up
    with the role holders."""
    return history_principal_ids(data) | alert_principal_ids(data)
