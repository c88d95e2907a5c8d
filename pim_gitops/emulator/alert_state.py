"""PIM alerts as the tenant makes them: incidents computed from the tenant where that is
cheap, else the seeded ones (``beta_state.py``). Sources in ``docs/emulator.md`` "PIM alerts".

- Too many Global Administrators: fires when *both* the number of Global Administrator
  assignments reaches ``globalAdminCountThreshold`` and their share of all role assignments
  reaches ``percentageOfGlobalAdminsOutOfRolesThreshold`` ("reaches or exceeds", DC
  beta/resources/toomanyglobaladminsassignedtotenantalertconfiguration.md); assignments are
  the role assignments plus the eligibility schedules (*assumption*); one incident per
  Global Administrator principal (DC concepts/how-to-pim-alerts.md incidents example).
- Roles assigned outside PIM: one incident per role assignment without an assignment
  schedule (a direct assignment, emulator "Direct role assignments").
- A disabled configuration makes its alert inactive with no incidents (*assumption*: PIM no
  longer scans it); a dismissed alert is inactive until refreshed (how-to-pim-alerts.md
  "Dismiss an alert", "Refresh an alert type").
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pim_gitops.emulator.alert_table import (
    GLOBAL_ADMINISTRATOR,
    ODATA,
    OUTSIDE_PIM,
    TOO_MANY_GA,
    type_of,
)
from pim_gitops.emulator.beta_state import NEVER

if TYPE_CHECKING:
    from pim_gitops.emulator.store import Store


def _assignee(store: Store, principal_id: str) -> dict[str, Any]:
    obj = store.objects.get(principal_id) or {}
    return {
        "assigneeId": principal_id,
        "assigneeDisplayName": obj.get("displayName"),
        "assigneeUserPrincipalName": obj.get("userPrincipalName"),
    }


def _all_assignments(store: Store) -> list[tuple[str, str]]:
    """(role, principal) of every role assignment and eligibility schedule."""
    rows = [
        (str(r.get("roleDefinitionId")), str(r.get("principalId")))
        for r in store.role_assignments.values()
    ]
    rows += [
        (str(s.get("roleDefinitionId")), str(s.get("principalId")))
        for s in store.eligibility.values()
    ]
    return rows


def too_many_global_admins(store: Store, config: dict[str, Any]) -> list[dict[str, Any]]:
    rows = _all_assignments(store)
    admins = [p for r, p in rows if r == GLOBAL_ADMINISTRATOR]
    count = int(config.get("globalAdminCountThreshold") or 0)
    percent = int(config.get("percentageOfGlobalAdminsOutOfRolesThreshold") or 0)
    if not rows or len(admins) < count or 100 * len(admins) < percent * len(rows):
        return []
    kind = ODATA + "tooManyGlobalAdminsAssignedToTenantAlertIncident"
    return [{"@odata.type": kind, "id": p} | _assignee(store, p) for p in sorted(set(admins))]


def _scheduled(store: Store, row: dict[str, Any]) -> bool:
    """Whether PIM made this role assignment: a schedule of it created through a request
    (``createdUsing`` set). A direct assignment made outside PIM has no schedule, or one with
    ``createdUsing`` null (graph-pim.md §2; docs/emulator.md "PIM alerts")."""
    return any(
        s.get("roleDefinitionId") == row.get("roleDefinitionId")
        and str(s.get("principalId")).lower() == str(row.get("principalId")).lower()
        and (s.get("directoryScopeId") or "/") == (row.get("directoryScopeId") or "/")
        and s.get("createdUsing")
        for s in store.assignment.values()
    )


def outside_pim(store: Store) -> list[dict[str, Any]]:
    kind = ODATA + "rolesAssignedOutsidePrivilegedIdentityManagementAlertIncident"
    out = []
    for rid in sorted(store.role_assignments):
        row = store.role_assignments[rid]
        if _scheduled(store, row):
            continue
        role = store.role_definitions.get(str(row.get("roleDefinitionId"))) or {}
        out.append(
            {"@odata.type": kind, "id": rid}
            | _assignee(store, str(row.get("principalId")))
            | {
                "assignmentCreatedDateTime": None,
                "roleDefinitionId": row.get("roleDefinitionId"),
                "roleDisplayName": role.get("displayName"),
                "roleTemplateId": role.get("templateId", row.get("roleDefinitionId")),
            }
        )
    return out


def incidents(store: Store, alert_id: str) -> list[dict[str, Any]]:
    """The alert's incidents now (none when its configuration is disabled)."""
    state = store.beta
    config = state.configs.get(alert_id) or {}
    if not config.get("isEnabled", True):
        return []
    suffix = alert_id.rsplit("_", 1)[-1]
    if suffix == TOO_MANY_GA:
        return too_many_global_admins(store, config)
    if suffix == OUTSIDE_PIM:
        return outside_pim(store)
    return copy.deepcopy(state.incidents.get(alert_id, []))


def alert(store: Store, alert_id: str, now: str) -> dict[str, Any]:
    """The ``unifiedRoleManagementAlert`` as Graph lists it (no expansions)."""
    found = incidents(store, alert_id)
    active = bool(found) and alert_id not in store.beta.dismissed
    seeded = store.beta.alerts.get(alert_id, {})
    return {
        "id": alert_id,
        "alertDefinitionId": alert_id,
        "scopeId": "/",
        "scopeType": "DirectoryRole",
        "incidentCount": len(found),
        "isActive": active,
        "lastModifiedDateTime": seeded.get("lastModifiedDateTime") or (now if found else NEVER),
        "lastScannedDateTime": now,
    }


def alert_ids(store: Store) -> list[str]:
    return sorted(k for k in store.beta.configs if type_of(k) is not None)


def served_alerts(store: Store, now: str) -> list[dict[str, Any]]:
    """Every alert with its definition and, when active, its incidents (snapshot key
    ``roleManagementAlerts``)."""
    out = []
    for alert_id in alert_ids(store):
        row = alert(store, alert_id, now)
        row["alertDefinition"] = copy.deepcopy(store.beta.definitions[alert_id])
        if row["isActive"]:
            row["alertIncidents"] = incidents(store, alert_id)
        out.append(row)
    return out
