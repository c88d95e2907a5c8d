"""Graph beta's PIM alert objects with ``null`` where the resource pages give a Boolean or an
Int32 (OData properties are nullable unless declared otherwise): a configuration with
``isEnabled: null`` reads as disabled (a declared ``enabled: true`` then plans a PATCH), an
alert with ``isActive: null`` is not open, an open alert with ``incidentCount: null`` counts
the incidents read. None of them fails the tenant read."""

from __future__ import annotations

from pim_gitops.alert_wire import normalize_config, normalize_open
from tests.test_alerts_wire import active_alert, config

GA = "too_many_global_admins"


def test_a_configuration_with_is_enabled_null_reads_as_disabled() -> None:
    found = normalize_config(config(GA, isEnabled=None))
    assert found is not None and found.setting.enabled is False


def test_an_alert_with_is_active_null_is_not_open() -> None:
    assert normalize_open(active_alert(GA, []) | {"isActive": None}) is None


def test_an_open_alert_with_incident_count_null_counts_its_incidents() -> None:
    incidents = [{"id": "i1", "assigneeId": "u1"}, {"id": "i2", "assigneeId": "u2"}]
    found = normalize_open(active_alert(GA, incidents) | {"incidentCount": None})
    assert found is not None and found.incident_count == 2
