"""The emulator's in-memory tenant, seeded from a snapshot file (raw Graph objects)."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pim_gitops.emulator import alert_state, review_state
from pim_gitops.emulator.beta_state import BetaState
from pim_gitops.emulator.replication import Replication

POLICY_PREFIX = "DirectoryRole_"
GROUP_POLICY_PREFIX = "Group_"
#: The snapshot's bookkeeping of the groups whose PIM schedules were read.
READ_KEY = "privilegedAccessGroupsRead"
REQUEST_COLLECTIONS = {
    "eligibility": "roleEligibilityScheduleRequests",
    "assignment": "roleAssignmentScheduleRequests",
}
#: A snapshot's request history (issue 23) seeds the same requests, completed ones too; the
#: window it was read for is written back with it.
HISTORY_SINCE = "requestHistorySince"
HISTORY_COLLECTIONS = {
    "eligibility": "roleEligibilityScheduleRequestHistory",
    "assignment": "roleAssignmentScheduleRequestHistory",
}
#: The same for PIM for Groups requests (``group_requests``).
GROUP_HISTORY_COLLECTIONS = {
    "eligibility": "privilegedAccessGroupEligibilityScheduleRequestHistory",
    "assignment": "privilegedAccessGroupAssignmentScheduleRequestHistory",
}


def _by_id(items: list[Any]) -> dict[str, dict[str, Any]]:
    return {str(item["id"]): copy.deepcopy(item) for item in items if isinstance(item, dict)}


def _policy_key(policy_id: str) -> str:
    """Policies are stored under their ``DirectoryRole_`` id; ``Directory_`` is an alias."""
    if policy_id.startswith("Directory_"):
        return POLICY_PREFIX + policy_id[len("Directory_") :]
    return policy_id


class Store:
    """Mutable tenant state. One lock guards every change; handlers hold it briefly."""

    def __init__(self, snapshot: Mapping[str, Any]) -> None:
        self.initial = copy.deepcopy(dict(snapshot))
        self.lock = threading.RLock()
        self.load(self.initial)

    def load(self, snapshot: Mapping[str, Any]) -> None:
        with self.lock:
            self.tenant_id = str(snapshot.get("tenantId", "00000000-0000-0000-0000-000000000000"))
            self.organization = copy.deepcopy(
                dict(snapshot.get("organization") or {"id": self.tenant_id})
            )
            self.role_definitions = _by_id(snapshot.get("roleDefinitions", []))
            self.policies: dict[str, dict[str, Any]] = {}
            self.policy_assignments: dict[str, dict[str, Any]] = {}
            #: PIM for Groups (``group_semantics.py``): policies by id, their assignments by
            #: ``{policyId}_{member|owner}``, schedules by id, requests by ``kind:id``.
            self.group_policies: dict[str, dict[str, Any]] = {}
            self.group_policy_assignments: dict[str, dict[str, Any]] = {}
            self._load_policies(snapshot)
            self.group_eligibility = _by_id(
                snapshot.get("privilegedAccessGroupEligibilitySchedules") or []
            )
            self.group_assignment = _by_id(
                snapshot.get("privilegedAccessGroupAssignmentSchedules") or []
            )
            self.group_requests: dict[str, dict[str, Any]] = _requests_of(
                snapshot, GROUP_HISTORY_COLLECTIONS
            )
            #: Owners made by active PIM ownership (``GET /groups/{id}/owners``).
            self.group_owners: dict[str, list[str]] = {}
            #: Administrative units (``admin_units.py``).
            self.administrative_units = _by_id(snapshot.get("administrativeUnits") or [])
            self.eligibility = _by_id(snapshot.get("roleEligibilitySchedules", []))
            self.assignment = _by_id(snapshot.get("roleAssignmentSchedules", []))
            self.role_assignments = _by_id(snapshot.get("roleAssignments", []))
            self.objects = _by_id(snapshot.get("directoryObjects", []))
            #: Conditional Access authentication contexts (``authcontexts.py``).
            self.auth_contexts = _by_id(snapshot.get("authenticationContextClassReferences", []))
            self.group_members = {
                k: list(v) for k, v in (snapshot.get("groupMembers") or {}).items()
            }
            #: Schedule requests by ``eligibility:<id>`` / ``assignment:<id>`` (``pending.py``).
            self.requests: dict[str, dict[str, Any]] = {
                f"{kind}:{row['id']}": copy.deepcopy(row)
                for table in (HISTORY_COLLECTIONS, REQUEST_COLLECTIONS)
                for kind, name in table.items()
                for row in snapshot.get(name) or []
                if isinstance(row, dict) and row.get("id")
            }
            #: Access reviews (``review_state.py``): definitions and instances by id, decision
            #: items by instance id, and per definition the instant up to which instances exist.
            self.review_definitions = _by_id(snapshot.get("accessReviewDefinitions") or [])
            self.review_instances = _by_id(snapshot.get("accessReviewInstances") or [])
            self.review_decisions: dict[str, list[dict[str, Any]]] = {}
            self.review_horizon: dict[str, datetime] = {}
            for definition_id in self.review_definitions:
                horizon = review_state.seeded_horizon(self, definition_id)
                if horizon is not None:
                    self.review_horizon[definition_id] = horizon
            #: PIM alerts, beta approvals, PIM custom extensions (``beta_state.py``).
            self.beta = BetaState.from_snapshot(snapshot, self.tenant_id)
            #: Writes not yet visible to reads, principals not yet known to PIM.
            self.replication = Replication()
            self._seed_active_groups()

    def _load_policies(self, snapshot: Mapping[str, Any]) -> None:
        """Directory-role and group policies share the snapshot's arrays, told apart by
        ``scopeType`` (DESIGN.md "Tenant snapshot")."""
        for policy in snapshot.get("roleManagementPolicies", []):
            stored = copy.deepcopy(policy)
            stored.setdefault("rules", [])
            if str(policy.get("scopeType", "")).lower() == "group":
                self.group_policies[str(policy["id"])] = stored
                continue
            stored["id"] = _policy_key(str(policy["id"]))
            stored["scopeType"] = "DirectoryRole"
            self.policies[stored["id"]] = stored
        for item in snapshot.get("roleManagementPolicyAssignments", []):
            stored = copy.deepcopy(item)
            if str(item.get("scopeType", "")).lower() == "group":
                stored["id"] = f"{item['policyId']}_{item['roleDefinitionId']}"
                self.group_policy_assignments[stored["id"]] = stored
                continue
            stored["policyId"] = _policy_key(str(item["policyId"]))
            stored["scopeType"] = "DirectoryRole"
            stored["id"] = f"{stored['policyId']}_{stored['roleDefinitionId']}"
            self.policy_assignments[stored["id"]] = stored

    def _seed_active_groups(self) -> None:
        """An active PIM membership is a direct membership, an active ownership an ownership
        (ED groups-assign-member-owner; ``group_semantics.py``)."""
        for schedule in self.group_assignment.values():
            table = (
                self.group_members if schedule.get("accessId") == "member" else self.group_owners
            )
            rows = table.setdefault(str(schedule.get("groupId")), [])
            if schedule.get("principalId") not in rows:
                rows.append(str(schedule.get("principalId")))

    def reset(self) -> None:
        self.load(self.initial)

    def add_principal(self, obj: Mapping[str, Any], born: float) -> None:
        """Create a directory object now (``born``: the emulator's ``lag_clock``): under
        ``principal_lag_s`` PIM does not know it yet (``replication.py``)."""
        with self.lock:
            self.objects[str(obj["id"])] = copy.deepcopy(dict(obj))
            self.replication.born[str(obj["id"])] = born

    def delete_principal(self, object_id: str) -> bool:
        """Delete a directory object the way Entra does for PIM: ``getByIds`` and the typed
        collections stop returning it and it leaves every group, but its schedules and role
        assignments stay visible (Microsoft365DSC#5445: up to 7 days in PIM; here until
        reset). False if there was no such object."""
        with self.lock:
            if self.objects.pop(object_id, None) is None:
                return False
            self.group_members.pop(object_id, None)
            for table in (self.group_members, self.group_owners):
                table.pop(object_id, None)
                for members in table.values():
                    if object_id in members:
                        members.remove(object_id)
            return True

    # --- lookups ------------------------------------------------------------------------

    def policy(self, policy_id: str) -> dict[str, Any] | None:
        if policy_id.startswith(GROUP_POLICY_PREFIX):
            return self.group_policies.get(policy_id)
        return self.policies.get(_policy_key(policy_id))

    def policy_for_role(self, role_id: str) -> dict[str, Any] | None:
        for item in self.policy_assignments.values():
            if item["roleDefinitionId"] == role_id:
                return self.policies.get(item["policyId"])
        return None

    def rule(self, policy: Mapping[str, Any], rule_id: str) -> dict[str, Any] | None:
        for rule in policy.get("rules", []):
            if rule.get("id") == rule_id:
                return rule  # type: ignore[no-any-return]
        return None

    def object_type(self, object_id: str) -> str | None:
        obj = self.objects.get(object_id)
        if obj is None:
            return None
        return str(obj.get("@odata.type", "")).rsplit(".", 1)[-1] or None

    def schedules(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.eligibility if kind == "eligibility" else self.assignment

    def group_schedules(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.group_eligibility if kind == "eligibility" else self.group_assignment

    # --- snapshot -----------------------------------------------------------------------

    def snapshot(self, captured_at: str) -> dict[str, Any]:
        with self.lock:
            return {
                "format": "pim-gitops.tenant-snapshot/v1",
                "tenantId": self.tenant_id,
                "capturedAt": captured_at,
                "organization": copy.deepcopy(self.organization),
                "roleDefinitions": _sorted(self.role_definitions),
                "roleManagementPolicies": _sorted(self.policies | self.group_policies),
                "roleManagementPolicyAssignments": _sorted(
                    self.policy_assignments | self.group_policy_assignments
                ),
                "roleEligibilitySchedules": _sorted(self.eligibility),
                "roleAssignmentSchedules": _sorted(self.assignment),
                "roleAssignments": _sorted(self.role_assignments),
                "directoryObjects": _sorted(self.objects),
                "authenticationContextClassReferences": _sorted(self.auth_contexts),
                "groupMembers": {k: sorted(v) for k, v in sorted(self.group_members.items())},
            } | self._group_snapshot(captured_at)

    def _group_snapshot(self, captured_at: str) -> dict[str, Any]:
        """The PIM-for-Groups, administrative-unit and access-review keys, each written when it
        holds something or the seed had it (so a seed without them round-trips unchanged)."""
        tables = {
            "privilegedAccessGroupEligibilitySchedules": self.group_eligibility,
            "privilegedAccessGroupAssignmentSchedules": self.group_assignment,
            "administrativeUnits": self.administrative_units,
        }
        out: dict[str, Any] = {k: _sorted(v) for k, v in tables.items() if v or k in self.initial}
        if READ_KEY in self.initial:
            out[READ_KEY] = sorted(self.initial[READ_KEY])
        elif self.group_eligibility or self.group_assignment or self.group_policies:
            # The emulator holds every group's PIM schedules: all of them are "read".
            out[READ_KEY] = sorted(k for k in self.objects if self.object_type(k) == "group")
        out |= self.beta.snapshot(alert_state.served_alerts(self, captured_at))
        return out | review_state.snapshot(self, captured_at) | self._history_snapshot()

    def _history_snapshot(self) -> dict[str, Any]:
        """The request history, when the seed had one: the requests created since its
        ``requestHistorySince`` (completed ones too), as a reader with that window stores it."""
        since = self.initial.get(HISTORY_SINCE)
        if not isinstance(since, str):
            return {}
        out: dict[str, Any] = {HISTORY_SINCE: since}
        for table, requests in (
            (HISTORY_COLLECTIONS, self.requests),
            (GROUP_HISTORY_COLLECTIONS, self.group_requests),
        ):
            for kind, name in table.items():
                rows = {
                    k: v
                    for k, v in requests.items()
                    if k.startswith(f"{kind}:") and str(v.get("createdDateTime") or "") >= since
                }
                out[name] = _sorted(rows)
        return out


def _requests_of(snapshot: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    """A seed's requests by ``kind:id``."""
    return {
        f"{kind}:{row['id']}": copy.deepcopy(row)
        for kind, name in table.items()
        for row in snapshot.get(name) or []
        if isinstance(row, dict) and row.get("id")
    }


def _sorted(table: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [copy.deepcopy(table[k]) for k in sorted(table)]
