"""Graph's PIM alerts ↔ ``AlertState``, both ways.

``normalize_config`` reads a ``unifiedRoleManagementAlertConfiguration`` (``None``: a type
``alerts.ALERT_KINDS`` does not know), ``normalize_open`` an active
``unifiedRoleManagementAlert`` with the ``alertIncidents`` the reader added, and
``patch_body`` writes the PATCH that makes a configuration the declared setting:
``normalize_config(live | patch_body(kind, setting)) == setting`` for every parameter the
setting declares.

Sources (microsoftgraph/microsoft-graph-docs-contrib, api-reference/beta):
rolemanagementalert-list-alertconfigurations.md (the seven configuration types, their
``@odata.type``, ``isEnabled``, ``globalAdminCountThreshold``,
``percentageOfGlobalAdminsOutOfRolesThreshold``), resources/*alertconfiguration.md (each
type's parameters: ``duration``, ``sequentialActivationCounterThreshold`` Int32,
``timeIntervalBetweenActivations`` Duration), unifiedrolemanagementalertconfiguration-
update.md (PATCH with the type's ``@odata.type``), rolemanagementalert-list-alerts.md and
resources/unifiedrolemanagementalert.md (``isActive``, ``incidentCount``,
``lastScannedDateTime``; a ``null`` Boolean reads as false, a ``null`` ``incidentCount`` as
the incidents read), resources/*alertincident.md (``assigneeId``,
``assigneeDisplayName``, ``assigneeUserPrincipalName``, ``roleDisplayName``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pim_gitops.alerts import (
    AlertConfig,
    AlertIncident,
    AlertKind,
    AlertParameter,
    AlertSetting,
    AlertState,
    OpenAlert,
    kind_of_definition,
)
from pim_gitops.errors import SnapshotError
from pim_gitops.rawjson import RawObject
from pim_gitops.snapshot_extras import ALERT_CONFIGURATIONS, ALERT_READ_ERROR, ALERTS
from pim_gitops.state import Leaf
from pim_gitops.wire import format_duration

#: Incident properties worth a word in the report, in this order (the incident types'
#: own properties beyond the assignee).
DETAIL_KEYS = (
    "assignmentCreatedDateTime",
    "lastSignInDateTime",
    "sequentialActivationCounter",
    "activationCount",
)


def kind_of(raw: RawObject) -> AlertKind | None:
    """The alert a configuration or alert object is, by its definition id (else its id)."""
    found = raw.text("alertDefinitionId", optional=True) or raw.text("id", optional=True)
    return kind_of_definition(found) if found else None


def _whole(raw: RawObject, param: AlertParameter) -> str | None:
    value = raw.obj.get(param.graph)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise raw.fail(f"{param.graph!r} must be a whole number, got {value!r}")
    return str(value)


def read_parameter(raw: RawObject, param: AlertParameter) -> Leaf:
    """One parameter as ``AlertSetting`` keeps it (``None``: Graph did not say)."""
    if param.kind == "duration":
        seconds = raw.duration(param.graph)
        return None if seconds is None else format_duration(seconds)
    return _whole(raw, param)


def normalize_config(raw: Any) -> AlertConfig | None:
    r = RawObject(raw, "unifiedRoleManagementAlertConfiguration")
    kind = kind_of(r)
    if kind is None:
        return None
    config_id = r.req("id")
    r.what = f"alert configuration {config_id}"
    values = [(p.key, read_parameter(r, p)) for p in kind.parameters]
    enabled = r.optional_flag("isEnabled") is True
    setting = AlertSetting(kind.name, enabled, tuple(sorted((k, v) for k, v in values if v)))
    return AlertConfig(setting, config_id, MappingProxyType(dict(raw)))


def normalize_incident(raw: Any) -> AlertIncident:
    r = RawObject(raw, "unifiedRoleManagementAlertIncident")
    details = [f"{k} {r.obj[k]}" for k in DETAIL_KEYS if r.obj.get(k) not in (None, "")]
    name = r.text("assigneeUserPrincipalName", optional=True) or r.text(
        "assigneeDisplayName", optional=True
    )
    return AlertIncident(
        id=r.req("id"),
        subject_id=r.text("assigneeId", optional=True),
        subject_name=name,
        role_name=r.text("roleDisplayName", optional=True),
        detail="; ".join(details),
    )


def normalize_open(raw: Any) -> OpenAlert | None:
    """An alert with ``isActive: true`` → ``OpenAlert`` (``None``: inactive or unknown)."""
    r = RawObject(raw, "unifiedRoleManagementAlert")
    kind = kind_of(r)
    if kind is None or r.optional_flag("isActive") is not True:
        return None
    alert_id = r.req("id")
    r.what = f"alert {alert_id}"
    definition = r.child("alertDefinition")
    incidents = sorted(map(normalize_incident, r.items("alertIncidents")), key=lambda i: i.id)
    count = r.obj.get("incidentCount")
    count = len(incidents) if count is None else count
    if not isinstance(count, int) or isinstance(count, bool):
        raise r.fail(f"'incidentCount' must be a whole number, got {count!r}")
    return OpenAlert(
        name=kind.name,
        id=alert_id,
        title=definition.text("displayName", optional=True) or kind.title,
        severity=definition.text("severityLevel", optional=True) or "unknown",
        incident_count=count,
        last_scanned=r.instant("lastScannedDateTime"),
        incidents=tuple(incidents),
    )


def normalize_alerts(snapshot: Mapping[str, Any]) -> tuple[AlertState | None, str | None]:
    """The snapshot's alert keys → ``(AlertState, None)``; ``(None, why)`` when refused;
    ``(None, None)`` when not read."""
    error = snapshot.get(ALERT_READ_ERROR)
    if ALERT_CONFIGURATIONS not in snapshot:
        return None, str(error) if error else None
    configs: dict[str, AlertConfig] = {}
    for raw in snapshot.get(ALERT_CONFIGURATIONS) or []:
        config = normalize_config(raw)
        if config is None:
            continue
        if config.setting.name in configs:
            raise SnapshotError(f"two alert configurations of {config.setting.name!r}")
        configs[config.setting.name] = config
    found = [a for a in map(normalize_open, snapshot.get(ALERTS) or []) if a is not None]
    state = AlertState(
        MappingProxyType(dict(sorted(configs.items()))),
        tuple(sorted(found, key=lambda a: (a.name, a.id))),
    )
    return state, None


def alert_fields(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """``TenantState``'s ``alerts`` and ``alert_read_error``."""
    state, error = normalize_alerts(snapshot)
    return {"alerts": state, "alert_read_error": error}


def _graph_value(param: AlertParameter, value: Leaf) -> object:
    assert isinstance(value, str)
    return value if param.kind == "duration" else int(value)


def patch_body(kind: AlertKind, setting: AlertSetting) -> dict[str, Any]:
    """The PATCH of one configuration: its type, ``isEnabled``, and each declared
    parameter (a parameter not declared is not sent: Graph keeps it)."""
    body: dict[str, Any] = {"@odata.type": kind.odata_type, "isEnabled": setting.enabled}
    declared = dict(setting.values)
    for param in kind.parameters:
        if declared.get(param.key) is not None:
            body[param.graph] = _graph_value(param, declared[param.key])
    return body
