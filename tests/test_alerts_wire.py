"""Graph's PIM alert objects ↔ ``AlertState`` (issue 23): the documented list example
normalizes, unknown types are left out, open alerts carry their incidents, a refused read
is "not read" with its reason, and ``patch_body`` round-trips:
``normalize_config(live | patch_body(kind, setting)).setting == setting``."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pim_gitops.alert_wire import normalize_alerts, normalize_config, normalize_open, patch_body
from pim_gitops.alerts import ALERT_KINDS, ALERTS_BY_NAME, AlertSetting
from pim_gitops.errors import SnapshotError
from pim_gitops.snapshot_extras import ALERT_CONFIGURATIONS, ALERT_READ_ERROR, ALERTS

TENANT = "19356be4-7e93-4ed6-a7c6-0ae28454d125"
#: rolemanagementalert-list-alertconfigurations.md, the response example (beta):
#: https://learn.microsoft.com/graph/api/rolemanagementalert-list-alertconfigurations?view=graph-rest-beta
DOCUMENTED_GA_CONFIG: dict[str, Any] = {
    "@odata.type": "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
    "id": f"DirectoryRole_{TENANT}_TooManyGlobalAdminsAssignedToTenantAlert",
    "alertDefinitionId": f"DirectoryRole_{TENANT}_TooManyGlobalAdminsAssignedToTenantAlert",
    "scopeType": "DirectoryRole",
    "scopeId": "/",
    "isEnabled": True,
    "globalAdminCountThreshold": 2,
    "percentageOfGlobalAdminsOutOfRolesThreshold": 4,
    "alertDefinition": {
        "id": f"DirectoryRole_{TENANT}_TooManyGlobalAdminsAssignedToTenantAlert",
        "displayName": "There are too many global administrators",
        "scopeType": "DirectoryRole",
        "scopeId": "/",
        "severityLevel": "low",
        "isRemediatable": True,
        "isConfigurable": True,
    },
}


def config(name: str, **values: Any) -> dict[str, Any]:
    """A configuration of ``name`` as the list answers it (hand-built from its type page)."""
    kind = ALERTS_BY_NAME[name]
    raw = {
        "@odata.type": kind.odata_type,
        "id": kind.configuration_id(TENANT),
        "alertDefinitionId": kind.configuration_id(TENANT),
        "scopeType": "DirectoryRole",
        "scopeId": "/",
        "isEnabled": True,
    }
    return raw | values


def active_alert(name: str, incidents: list[dict[str, Any]]) -> dict[str, Any]:
    """An alert as rolemanagementalert-list-alerts.md answers it, with the incidents the
    reader adds (unifiedrolemanagementalert-list-alertincidents.md)."""
    kind = ALERTS_BY_NAME[name]
    return {
        "id": kind.configuration_id(TENANT),
        "alertDefinitionId": kind.configuration_id(TENANT),
        "scopeId": "/",
        "scopeType": "DirectoryRole",
        "incidentCount": len(incidents),
        "isActive": True,
        "lastScannedDateTime": "2026-01-31T10:00:00Z",
        "alertDefinition": {"displayName": kind.title, "severityLevel": "medium"},
        "alertIncidents": incidents,
    }


def test_the_documented_example_normalizes_to_its_thresholds() -> None:
    found = normalize_config(DOCUMENTED_GA_CONFIG)
    assert found is not None
    assert found.setting == AlertSetting(
        "too_many_global_admins", True, (("accounts", "2"), ("percent", "4"))
    )
    assert found.id == DOCUMENTED_GA_CONFIG["id"]


def test_durations_read_as_format_duration_spells_them() -> None:
    raw = config("sequential_activation_renewals", sequentialActivationCounterThreshold=2)
    raw["timeIntervalBetweenActivations"] = "PT60M"
    found = normalize_config(raw)
    assert found is not None and found.setting.values == (("renewals", "2"), ("within", "PT1H"))


def test_an_unknown_alert_type_is_left_out_and_a_malformed_threshold_fails() -> None:
    assert (
        normalize_config(
            config("stale_sign_in")
            | {"id": "DirectoryRole_t_NewAlert", "alertDefinitionId": "DirectoryRole_t_NewAlert"}
        )
        is None
    )
    with pytest.raises(SnapshotError, match="globalAdminCountThreshold"):
        normalize_config(config("too_many_global_admins", globalAdminCountThreshold="3"))


def test_open_alerts_carry_incidents_and_inactive_ones_are_not_open() -> None:
    incident = {
        "@odata.type": "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertIncident",
        "id": "inc-1",
        "assigneeId": "u-1",
        "assigneeDisplayName": "Ada",
        "assigneeUserPrincipalName": "ada@contoso.com",
    }
    found = normalize_open(active_alert("too_many_global_admins", [incident]))
    assert found is not None and found.incident_count == 1 and found.severity == "medium"
    assert found.incidents[0].subject_name == "ada@contoso.com"
    inactive = active_alert("too_many_global_admins", []) | {"isActive": False}
    assert normalize_open(inactive) is None


def test_not_read_refused_and_read() -> None:
    assert normalize_alerts({}) == (None, None)
    assert normalize_alerts({ALERT_READ_ERROR: "403 Forbidden"}) == (None, "403 Forbidden")
    state, error = normalize_alerts({ALERT_CONFIGURATIONS: [DOCUMENTED_GA_CONFIG], ALERTS: []})
    assert error is None and state is not None and list(state.configs) == ["too_many_global_admins"]


@pytest.mark.parametrize("kind", ALERT_KINDS, ids=lambda k: k.name)
def test_patch_body_round_trips_every_alert(kind: Any) -> None:
    samples = {"count": "3", "percent": "30", "duration": "P30D"}
    values = tuple(sorted((p.key, samples[p.kind]) for p in kind.parameters))
    want = AlertSetting(kind.name, False, values)
    body = patch_body(kind, want)
    assert body["@odata.type"] == kind.odata_type and body["isEnabled"] is False
    live = copy.deepcopy(config(kind.name))
    found = normalize_config(live | body)
    assert found is not None and found.setting == want


def test_patch_body_sends_numbers_and_only_declared_parameters() -> None:
    kind = ALERTS_BY_NAME["too_many_global_admins"]
    body = patch_body(kind, AlertSetting(kind.name, True, (("percent", "30"),)))
    assert body == {
        "@odata.type": "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
        "isEnabled": True,
        "percentageOfGlobalAdminsOutOfRolesThreshold": 30,
    }
