"""The tenant state behind the issue-23 resources, seeded from the snapshot's raw Graph
objects (DESIGN.md "Tenant snapshot" keys):

- ``roleManagementAlertConfigurations``: configurations, each with ``alertDefinition``
  expanded (the definitions are taken from there);
- ``roleManagementAlerts``: alerts with ``alertDefinition`` and, for active ones,
  ``alertIncidents``; the incidents of alerts the emulator cannot compute from the tenant
  (everything but too many Global Administrators and roles assigned outside PIM) are served
  as seeded;
- ``roleAssignmentApprovals``: beta approvals (``id``, ``steps``) by id;
- ``privilegedAccessCustomExtensions``: ``roleManagementCustomCalloutExtension`` objects.

An absent key seeds Graph's seven default configurations (``alert_table.py``), no approvals
and no custom extensions. ``snapshot`` writes a key back when the seed had it or it changed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pim_gitops.emulator.alert_table import ALERT_TYPES, ODATA, type_of

CONFIGS = "roleManagementAlertConfigurations"
ALERTS = "roleManagementAlerts"
APPROVALS = "roleAssignmentApprovals"
EXTENSIONS = "privilegedAccessCustomExtensions"
NEVER = "0001-01-01T08:00:00Z"


def _definition(tenant_id: str, suffix: str) -> dict[str, Any]:
    kind = type_of(suffix)
    assert kind is not None
    alert_id = kind.alert_id(tenant_id)
    return {
        "id": alert_id,
        "displayName": kind.display_name,
        "scopeType": "DirectoryRole",
        "scopeId": "/",
        "description": kind.display_name,
        "severityLevel": kind.severity,
        "securityImpact": "",
        "mitigationSteps": "",
        "howToPrevent": "",
        "isRemediatable": kind.suffix != "InvalidLicenseAlert",
        "isConfigurable": True,
    }


def default_configuration(tenant_id: str, suffix: str) -> dict[str, Any]:
    kind = type_of(suffix)
    assert kind is not None
    alert_id = kind.alert_id(tenant_id)
    config: dict[str, Any] = {
        "@odata.type": ODATA + kind.configuration_type,
        "id": alert_id,
        "alertDefinitionId": alert_id,
        "scopeType": "DirectoryRole",
        "scopeId": "/",
        "isEnabled": True,
    }
    for parameter in kind.parameters:
        config[parameter.graph] = parameter.default
    return config


@dataclass
class BetaState:
    tenant_id: str
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Seeded alerts (without their expansions) and incidents, by alert id.
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    incidents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Alerts dismissed (``PATCH alerts/{id}`` ``isActive: false``) until a refresh.
    dismissed: set[str] = field(default_factory=set)
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The Entra ID Governance licence PIM custom extensions need (``/_emulator/governance``).
    governance_licensed: bool = True
    #: When each request was cancelled through the emulator (``request_history.py``).
    canceled_at: dict[str, datetime] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    seeded: frozenset[str] = frozenset()

    @classmethod
    def from_snapshot(cls, snapshot: Mapping[str, Any], tenant_id: str) -> BetaState:
        state = cls(
            tenant_id,
            seeded=frozenset(k for k in (CONFIGS, ALERTS, APPROVALS, EXTENSIONS) if k in snapshot),
        )
        for kind in ALERT_TYPES:
            alert_id = kind.alert_id(tenant_id)
            state.configs[alert_id] = default_configuration(tenant_id, kind.suffix)
            state.definitions[alert_id] = _definition(tenant_id, kind.suffix)
        for raw in snapshot.get(CONFIGS) or []:
            state._seed_configuration(raw)
        for raw in snapshot.get(ALERTS) or []:
            state._seed_alert(raw)
        for name, table in ((APPROVALS, state.approvals), (EXTENSIONS, state.extensions)):
            for raw in snapshot.get(name) or []:
                if isinstance(raw, Mapping) and raw.get("id"):
                    table[str(raw["id"])] = copy.deepcopy(dict(raw))
        return state

    def _seed_configuration(self, raw: Any) -> None:
        if not isinstance(raw, Mapping) or type_of(str(raw.get("id", ""))) is None:
            return
        config = {k: copy.deepcopy(v) for k, v in raw.items() if k != "alertDefinition"}
        self.configs[str(raw["id"])] = config
        if isinstance(raw.get("alertDefinition"), Mapping):
            self.definitions[str(raw["id"])] = copy.deepcopy(dict(raw["alertDefinition"]))

    def _seed_alert(self, raw: Any) -> None:
        if not isinstance(raw, Mapping) or type_of(str(raw.get("id", ""))) is None:
            return
        alert_id = str(raw["id"])
        skip = {"alertDefinition", "alertConfiguration", "alertIncidents"}
        self.alerts[alert_id] = {k: copy.deepcopy(v) for k, v in raw.items() if k not in skip}
        self.incidents[alert_id] = copy.deepcopy(list(raw.get("alertIncidents") or []))
        if isinstance(raw.get("alertDefinition"), Mapping):
            self.definitions[alert_id] = copy.deepcopy(dict(raw["alertDefinition"]))
        if raw.get("isActive") is False and self.incidents[alert_id]:
            self.dismissed.add(alert_id)

    def snapshot(self, alerts: list[dict[str, Any]]) -> dict[str, Any]:
        """The keys to write back; ``alerts``: the alerts as served now (with expansions)."""
        wanted = self.seeded | self.changed
        out: dict[str, Any] = {}
        if CONFIGS in wanted:
            out[CONFIGS] = [
                copy.deepcopy(self.configs[k]) | {"alertDefinition": self.definitions[k]}
                for k in sorted(self.configs)
            ]
        if ALERTS in wanted:
            out[ALERTS] = alerts
        if APPROVALS in wanted:
            out[APPROVALS] = [copy.deepcopy(self.approvals[k]) for k in sorted(self.approvals)]
        if EXTENSIONS in wanted:
            out[EXTENSIONS] = [copy.deepcopy(self.extensions[k]) for k in sorted(self.extensions)]
        return out
