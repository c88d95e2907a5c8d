"""Read PIM alerts for directory roles, on Graph beta (only where ``pim.yaml`` lists
``graph_beta: [alerts]``): the configurations, the alerts, and the incidents of the active
ones. Requests: one list of configurations and one list of alerts (each with
``$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=alertDefinition``, as
rolemanagementalert-list-alertconfigurations.md and rolemanagementalert-list-alerts.md
send them; pages followed), then one list of ``alertIncidents`` per active alert
(unifiedrolemanagementalert-list-alertincidents.md): at most 2 + 7 lists.

Permission: ``RoleManagementAlert.Read.Directory`` (those pages). A refused list
(``UNREADABLE``: 403 without the permission or the licence; 400/404 where beta does not
serve it) is recorded under ``roleManagementAlertReadError``: alerts "not read", never a
failed snapshot. A refused incident list leaves that alert without incidents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.beta import beta_url
from pim_gitops.graph.transport import GraphTransport, gather_or_cancel
from pim_gitops.snapshot_extras import ALERT_CONFIGURATIONS, ALERT_READ_ERROR, ALERTS

ROOT = "identityGovernance/roleManagementAlerts"
CONFIGURATIONS = f"{ROOT}/alertConfigurations"
ALERT_LIST = f"{ROOT}/alerts"
#: The directory-role scope every PIM alert of Entra roles has (the list pages' example).
SCOPE = {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"}
EXPANDED = {**SCOPE, "$expand": "alertDefinition"}
UNREADABLE = frozenset({400, 403, 404})
PERMISSION = "RoleManagementAlert.Read.Directory"


def refusal(error: GraphError) -> str:
    """Why the alerts were not read, in words."""
    why = f"{error.status} {error.code or ''}".strip()
    if error.status == 403:
        return (
            f"{why}; reading PIM alerts needs {PERMISSION} (and Microsoft Entra ID P2 or "
            "Governance)"
        )
    return f"{why}; PIM alerts are not served by this endpoint (Graph beta)"


def configuration_url(transport: GraphTransport, config_id: str) -> str:
    return beta_url(transport, f"{CONFIGURATIONS}/{config_id}")


async def _incidents(transport: GraphTransport, alert: Mapping[str, Any]) -> dict[str, Any]:
    """An active alert with its incidents (sorted by id); unchanged when not active."""
    if alert.get("isActive") is not True or not alert.get("id"):
        return dict(alert)
    url = beta_url(transport, f"{ALERT_LIST}/{alert['id']}/alertIncidents")
    try:
        rows = await transport.get_all(url, target="PIM alert incidents")
    except GraphError as exc:
        if exc.status not in UNREADABLE:
            raise
        return dict(alert)
    found = sorted((r for r in rows if isinstance(r, dict)), key=lambda r: str(r.get("id")))
    return {**alert, "alertIncidents": found}


async def read_alerts(transport: GraphTransport) -> dict[str, Any]:
    """The snapshot keys of the PIM alerts (``snapshot.ALERT_*``)."""
    try:
        configs = await transport.get_all(
            beta_url(transport, CONFIGURATIONS), params=EXPANDED, target="PIM alert settings"
        )
        alerts = await transport.get_all(
            beta_url(transport, ALERT_LIST), params=EXPANDED, target="PIM alerts"
        )
    except GraphError as exc:
        if exc.status not in UNREADABLE:
            raise
        return {ALERT_READ_ERROR: refusal(exc)}
    rows = [a for a in alerts if isinstance(a, dict)]
    with_incidents = await gather_or_cancel(*(_incidents(transport, a) for a in rows))
    return {ALERT_CONFIGURATIONS: configs, ALERTS: list(with_incidents)}


def alert_principal_ids(data: Mapping[str, Any]) -> set[str]:
    """The principals the open alerts' incidents name (``assigneeId``)."""
    ids: set[str] = set()
    for alert in data.get(ALERTS) or ():
        for incident in alert.get("alertIncidents") or () if isinstance(alert, dict) else ():
            subject = incident.get("assigneeId") if isinstance(incident, dict) else None
            if isinstance(subject, str) and subject:
                ids.add(subject.lower())
    return ids
