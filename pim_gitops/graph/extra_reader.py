"""The reads ``graph.extras.ExtraReads`` asks for, alongside the v1.0 PIM state: PIM alerts
(Graph beta, ``alert_reader``) and request history (``history_reader``). Each adds its
snapshot keys; a refused read is recorded in its own ``…ReadError`` key, never raised."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.graph.alert_reader import alert_principal_ids, read_alerts
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.transport import GraphTransport


async def read_extras(
    transport: GraphTransport, extras: ExtraReads, now: datetime
) -> dict[str, Any]:
    """The snapshot keys of the extra reads (``{}`` when none are asked for)."""
    data: dict[str, Any] = {}
    data |= await read_alerts(transport) if extras.alerts else {}
    return data


def extra_principal_ids(data: Mapping[str, Any]) -> set[str]:
    """Object ids the extra reads name (requesters, approvers, alert subjects), to look up
    with the role holders."""
    ids: set[str] = set()
    ids |= alert_principal_ids(data)
    return ids
