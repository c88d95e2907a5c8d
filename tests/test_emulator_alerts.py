"""The emulator's PIM alerts (Graph beta ``identityGovernance/roleManagementAlerts``):
served only under beta, scoped lists, computed incidents at their thresholds, typed and
range-checked configuration PATCHes, dismiss/refresh, permissions, seeding and snapshot."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pim_gitops.emulator.app import Emulator
from pim_gitops.snapshot import FORMAT
from pim_gitops.tenantgen import role_definition, user

TENANT = "2f3b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
GA = "62e90394-69f5-4237-9190-012177145e10"
READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
BASE = "http://graph.test/beta"
PATH = "identityGovernance/roleManagementAlerts"
SCOPE = {"$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole'"}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def alert_id(suffix: str) -> str:
    return f"DirectoryRole_{TENANT}_{suffix}"


TOO_MANY = alert_id("TooManyGlobalAdminsAssignedToTenantAlert")
OUTSIDE = alert_id("RolesAssignedOutsidePimAlert")
STALE = alert_id("StaleSignInAlert")


def tenant(admins: int, readers: int, *, scheduled: bool = True, **extra: Any) -> dict[str, Any]:
    """``admins`` active Global Administrators and ``readers`` Global Readers, each with an
    assignment schedule PIM made (``createdUsing`` set) unless ``scheduled`` is false."""
    users, assignments, schedules = [], [], []
    for index in range(admins + readers):
        principal = f"00000000-0000-4000-8000-{index:012d}"
        users.append(user(f"u{index}@contoso.com", f"User {index}") | {"id": principal})
        role = GA if index < admins else READER
        row = {"principalId": principal, "roleDefinitionId": role, "directoryScopeId": "/"}
        assignments.append(row | {"id": f"ra-{index}"})
        made = {"id": f"s-{index}", "assignmentType": "Assigned", "createdUsing": f"s-{index}"}
        schedules.append(row | made)
    return {
        "format": FORMAT,
        "tenantId": TENANT,
        "roleDefinitions": [
            role_definition(GA, "Global Administrator"),
            role_definition(READER, "Global Reader"),
        ],
        "directoryObjects": users,
        "roleAssignments": assignments,
        "roleAssignmentSchedules": schedules if scheduled else [],
    } | extra


class Graph:
    def __init__(self, seed: dict[str, Any]) -> None:
        self.emulator = Emulator(seed, clock=lambda: NOW)

    def __call__(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: Any = None,
        *,
        version: str = "beta",
        claims: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        base = BASE.replace("/beta", f"/{version}")
        reply, _ = self.emulator.execute(
            method, path, params or {}, body, base, claims, version=version
        )
        return reply.status, reply.body

    def alert(self, alert: str) -> dict[str, Any]:
        status, body = self("GET", f"{PATH}/alerts/{alert}")
        assert status == 200, body
        return dict(body)

    def patch(self, body: dict[str, Any], alert: str = TOO_MANY) -> tuple[int, Any]:
        return self("PATCH", f"{PATH}/alertConfigurations/{alert}", body=body)


def ga_body(**values: Any) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration"
    } | values


def test_alerts_are_beta_only() -> None:
    graph = Graph(tenant(1, 1))
    status, body = graph("GET", f"{PATH}/alerts", SCOPE, version="v1.0")
    assert status == 400
    assert "Resource not found for the segment 'alerts'" in body["error"]["message"]
    status, body = graph("GET", f"{PATH}/alerts", SCOPE)
    assert status == 200
    assert len(body["value"]) == 7
    assert body["@odata.context"] == f"{BASE}/$metadata#{PATH}/alerts"


@pytest.mark.parametrize("collection", ["alerts", "alertConfigurations", "alertDefinitions"])
def test_lists_need_the_tenant_scope(collection: str) -> None:
    graph = Graph(tenant(1, 1))
    status, body = graph("GET", f"{PATH}/{collection}")
    assert status == 400, body
    status, _ = graph("GET", f"{PATH}/{collection}", {"$filter": "scopeId eq '/'"})
    assert status == 400
    status, body = graph("GET", f"{PATH}/{collection}", SCOPE)
    assert status == 200
    assert {r["id"] for r in body["value"]} >= {TOO_MANY, OUTSIDE, STALE}


@pytest.mark.parametrize(
    ("count", "percent", "active"),
    [(3, 50, True), (4, 50, False), (3, 60, True), (3, 61, False)],
)
def test_too_many_global_admins_needs_both_thresholds(
    count: int, percent: int, active: bool
) -> None:
    # 3 of 5 assignments are Global Administrator: 60 %.
    graph = Graph(tenant(3, 2))
    assert graph.patch(ga_body(globalAdminCountThreshold=count))[0] == 204
    body = ga_body(percentageOfGlobalAdminsOutOfRolesThreshold=percent)
    assert graph.patch(body)[0] == 204
    shown = graph.alert(TOO_MANY)
    assert shown["isActive"] is active
    assert shown["incidentCount"] == (3 if active else 0)


def test_incidents_name_each_global_administrator() -> None:
    graph = Graph(tenant(3, 0))
    status, page = graph("GET", f"{PATH}/alerts/{TOO_MANY}/alertIncidents")
    assert status == 200
    assert [i["assigneeDisplayName"] for i in page["value"]] == ["User 0", "User 1", "User 2"]
    assert page["value"][0]["@odata.type"].endswith(
        "tooManyGlobalAdminsAssignedToTenantAlertIncident"
    )


def test_roles_assigned_outside_pim_are_the_unscheduled_assignments() -> None:
    assert Graph(tenant(1, 1)).alert(OUTSIDE)["incidentCount"] == 0
    # A direct assignment listed with a schedule that no request made is outside PIM too.
    direct = tenant(1, 1)
    for row in direct["roleAssignmentSchedules"]:
        row["createdUsing"] = None
    assert Graph(direct).alert(OUTSIDE)["incidentCount"] == 2
    graph = Graph(tenant(1, 1, scheduled=False))
    shown = graph.alert(OUTSIDE)
    assert shown["isActive"] is True
    assert shown["incidentCount"] == 2
    _, page = graph("GET", f"{PATH}/alerts/{OUTSIDE}/alertIncidents")
    assert {i["roleDisplayName"] for i in page["value"]} == {
        "Global Administrator",
        "Global Reader",
    }


def test_a_disabled_configuration_has_no_open_alert() -> None:
    graph = Graph(tenant(3, 0))
    assert graph.alert(TOO_MANY)["isActive"] is True
    assert graph.patch(ga_body(isEnabled=False))[0] == 204
    assert graph.alert(TOO_MANY) | {"lastScannedDateTime": None} == graph.alert(TOO_MANY) | {
        "lastScannedDateTime": None,
        "isActive": False,
        "incidentCount": 0,
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"isEnabled": True}, "@odata.type"),
        (
            {"@odata.type": "#microsoft.graph.staleSignInAlertConfiguration", "isEnabled": True},
            "@odata.type",
        ),
        (ga_body(globalAdminCountThreshold=1), "2..100"),
        (ga_body(globalAdminCountThreshold=101), "2..100"),
        (ga_body(globalAdminCountThreshold="3"), "whole number"),
        (ga_body(percentageOfGlobalAdminsOutOfRolesThreshold=101), "0..100"),
        (ga_body(percentageOfGlobalAdminsOutOfRolesThreshold=-1), "0..100"),
        (ga_body(isEnabled="yes"), "isEnabled"),
        (ga_body(duration="P30D"), "no property"),
        (ga_body(scopeId="/x"), "read-only"),
    ],
)
def test_invalid_configuration_patches_are_refused(body: dict[str, Any], fragment: str) -> None:
    graph = Graph(tenant(1, 1))
    status, reply = graph.patch(body)
    assert status == 400
    assert fragment in reply["error"]["message"]


@pytest.mark.parametrize(
    ("duration", "status"), [("P1D", 204), ("PT23H", 400), ("P365D", 204), ("P366D", 400)]
)
def test_stale_sign_in_duration_is_one_to_365_days(duration: str, status: int) -> None:
    graph = Graph(tenant(1, 1))
    body = {"@odata.type": "#microsoft.graph.staleSignInAlertConfiguration", "duration": duration}
    assert graph.patch(body, STALE)[0] == status


def test_a_patch_reads_back_and_lands_in_the_snapshot() -> None:
    graph = Graph(tenant(1, 1))
    body = ga_body(isEnabled=True, globalAdminCountThreshold=3)
    body["percentageOfGlobalAdminsOutOfRolesThreshold"] = 30
    assert graph.patch(body) == (204, None)
    status, shown = graph(
        "GET", f"{PATH}/alertConfigurations/{TOO_MANY}", {"$expand": "alertDefinition"}
    )
    assert status == 200
    assert (
        shown["globalAdminCountThreshold"],
        shown["percentageOfGlobalAdminsOutOfRolesThreshold"],
    ) == (3, 30)
    assert shown["alertDefinition"]["severityLevel"] == "low"
    snapshot = graph.emulator.store.snapshot("2026-03-02T09:00:00Z")
    saved = {c["id"]: c for c in snapshot["roleManagementAlertConfigurations"]}
    assert saved[TOO_MANY]["globalAdminCountThreshold"] == 3
    assert saved[TOO_MANY]["alertDefinition"]["id"] == TOO_MANY
    assert "roleManagementAlerts" not in snapshot


def test_a_seed_without_alert_keys_writes_none_back() -> None:
    snapshot = Graph(tenant(3, 0)).emulator.store.snapshot("2026-03-02T09:00:00Z")
    assert "roleManagementAlertConfigurations" not in snapshot


def test_seeded_configurations_and_incidents_are_served_and_round_trip() -> None:
    stale_incident = {
        "@odata.type": "#microsoft.graph.staleSignInAlertIncident",
        "id": "inc-1",
        "assigneeId": "00000000-0000-4000-8000-000000000000",
    }
    seed = tenant(
        1,
        1,
        roleManagementAlertConfigurations=[
            ga_body(id=TOO_MANY, alertDefinitionId=TOO_MANY, scopeId="/")
            | {"scopeType": "DirectoryRole", "isEnabled": False, "globalAdminCountThreshold": 9}
            | {"percentageOfGlobalAdminsOutOfRolesThreshold": 90}
        ],
        roleManagementAlerts=[
            {"id": STALE, "isActive": True, "incidentCount": 1, "alertIncidents": [stale_incident]}
        ],
    )
    graph = Graph(seed)
    _, config = graph("GET", f"{PATH}/alertConfigurations/{TOO_MANY}")
    assert (config["isEnabled"], config["globalAdminCountThreshold"]) == (False, 9)
    shown = graph.alert(STALE)
    assert (shown["isActive"], shown["incidentCount"]) == (True, 1)
    again = Graph(tenant(1, 1) | graph.emulator.store.snapshot("2026-03-02T09:00:00Z"))
    assert again.alert(STALE)["incidentCount"] == 1
    _, config = again("GET", f"{PATH}/alertConfigurations/{TOO_MANY}")
    assert config["globalAdminCountThreshold"] == 9


def test_dismiss_then_refresh() -> None:
    graph = Graph(tenant(3, 0))
    assert graph("PATCH", f"{PATH}/alerts/{TOO_MANY}", body={"isActive": False}) == (204, None)
    shown = graph.alert(TOO_MANY)
    assert (shown["isActive"], shown["incidentCount"]) == (False, 3)
    status, _ = graph("PATCH", f"{PATH}/alerts/{TOO_MANY}", body={"incidentCount": 0})
    assert status == 400
    reply, _ = graph.emulator.execute(
        "POST", f"{PATH}/alerts/{TOO_MANY}/refresh", {}, None, BASE, None, version="beta"
    )
    assert reply.status == 202
    assert reply.headers["Location"].endswith(f"/operations/refresh:{TOO_MANY}")
    assert graph.alert(TOO_MANY)["isActive"] is True


def test_expand_all_on_one_alert() -> None:
    graph = Graph(tenant(3, 0))
    status, body = graph("GET", f"{PATH}/alerts/{TOO_MANY}", {"$expand": "*"})
    assert status == 200
    assert body["alertConfiguration"]["globalAdminCountThreshold"] == 3
    assert body["alertDefinition"]["id"] == TOO_MANY
    assert len(body["alertIncidents"]) == 3
    status, _ = graph("GET", f"{PATH}/alerts", SCOPE | {"$expand": "alertFoo"})
    assert status == 400


def test_alerts_need_their_permissions() -> None:
    graph = Graph(tenant(1, 1))
    none = {"roles": ["RoleManagement.ReadWrite.Directory"], "idtyp": "app"}
    read = {"roles": ["RoleManagementAlert.Read.Directory"], "idtyp": "app"}
    write = {"roles": ["RoleManagementAlert.ReadWrite.Directory"], "idtyp": "app"}
    assert graph("GET", f"{PATH}/alerts", SCOPE, claims=none)[0] == 403
    assert graph("GET", f"{PATH}/alerts", SCOPE, claims=read)[0] == 200
    path = f"{PATH}/alertConfigurations/{TOO_MANY}"
    assert graph("PATCH", path, body=ga_body(isEnabled=False), claims=read)[0] == 403
    assert graph("PATCH", path, body=ga_body(isEnabled=False), claims=write)[0] == 204


def test_unknown_ids_are_not_found() -> None:
    graph = Graph(tenant(1, 1))
    assert graph("GET", f"{PATH}/alerts/{alert_id('NoSuchAlert')}")[0] == 404
    assert graph("GET", f"{PATH}/alertDefinitions/nope")[0] == 404


def test_the_alert_list_filters_on_is_active() -> None:
    graph = Graph(tenant(3, 0))
    status, page = graph(
        "GET", f"{PATH}/alerts", {"$filter": SCOPE["$filter"] + " and isActive eq true"}
    )
    assert status == 200
    assert [r["id"] for r in page["value"]] == [TOO_MANY]
    status, _ = graph(
        "GET",
        f"{PATH}/alertConfigurations",
        {"$filter": SCOPE["$filter"] + " and isActive eq true"},
    )
    assert status == 400
