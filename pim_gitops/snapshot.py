"""Tenant snapshot files: raw Graph v1.0 objects, exactly as Graph returns them.

A snapshot is the offline form of a tenant: ``snapshot`` writes one from a live tenant,
``--snapshot FILE`` makes plan/lint/export/report work from it, and the emulator is
seeded from it. Writing is deterministic (sorted keys and collections).

``snapshot --policy DIR`` also records the principals a policy directory names who hold no
role (looked up as ``plan`` looks them up) and, in ``lookedUpReferences``, every reference
it asked about, so an offline command can tell "not in the tenant" from "not asked".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pim_gitops.errors import SnapshotError
from pim_gitops.normalize_groups import (
    ADMINISTRATIVE_UNITS,
    GROUP_ASSIGNMENT,
    GROUP_ELIGIBILITY,
    GROUP_READ_ERRORS,
    GROUPS_READ,
)
from pim_gitops.snapshot_extras import (
    ALERT_COLLECTIONS,
    ALERT_CONFIGURATIONS,
    ALERT_READ_ERROR,
    ALERTS,
    GROUP_HISTORY_DESCRIPTIONS,
    HISTORY_APPROVALS,
    HISTORY_ASSIGNMENTS,
    HISTORY_COLLECTIONS,
    HISTORY_ELIGIBILITIES,
    HISTORY_GAPS,
    HISTORY_SINCE,
    REVIEW_READ_ERROR,
    extension_properties,
    history_properties,
)

if TYPE_CHECKING:
    from pim_gitops.state import TenantState

FORMAT = "pim-gitops.tenant-snapshot/v1"
#: The policy references a ``snapshot --policy DIR`` looked up in the tenant.
LOOKED_UP = "lookedUpReferences"
#: Request collections the reader could not list (collection name → why), e.g. a 403 for an
#: identity without the write permission listing needs app-only; absent when all were read.
REQUEST_READ_ERRORS = "requestReadErrors"
#: Access reviews (``review_wire``): every definition as listed, the recent instances of the
#: role and group reviews (each with its ``definitionId``, and ``undecidedCount`` when its
#: decisions were counted), and why they could not be read (then both lists are absent).
REVIEW_DEFINITIONS = "accessReviewDefinitions"
REVIEW_INSTANCES = "accessReviewInstances"
REVIEW_COLLECTIONS = (REVIEW_DEFINITIONS, REVIEW_INSTANCES)
COLLECTIONS = (
    "roleDefinitions",
    "roleManagementPolicies",
    "roleManagementPolicyAssignments",
    "roleEligibilitySchedules",
    "roleAssignmentSchedules",
    "roleAssignments",
    "directoryObjects",
)
#: Collections a snapshot may lack: read only when needed (authentication contexts, see
#: ``authcontext.py``; absent means "not read"), or written by older snapshots (requests).
OPTIONAL_COLLECTIONS = (
    "authenticationContextClassReferences",
    "roleEligibilityScheduleRequests",
    "roleAssignmentScheduleRequests",
)
#: The request collections ``requestReadErrors`` may name.
REQUEST_COLLECTIONS = OPTIONAL_COLLECTIONS[1:]
#: PIM for Groups schedules (of the groups in ``privilegedAccessGroupsRead``) and the
#: administrative units (absent: not read); older snapshots lack them.
GROUP_COLLECTIONS = (GROUP_ELIGIBILITY, GROUP_ASSIGNMENT, ADMINISTRATIVE_UNITS)
#: Every list of Graph objects a snapshot may lack (canonical order, checks, schema).
LISTS = (
    *OPTIONAL_COLLECTIONS,
    *GROUP_COLLECTIONS,
    *REVIEW_COLLECTIONS,
    *HISTORY_COLLECTIONS,
    *ALERT_COLLECTIONS,
)


def _sort_key(item: Any) -> str:
    if isinstance(item, Mapping):
        return str(item.get("id", "")) + json.dumps(item, sort_keys=True)
    return json.dumps(item, sort_keys=True)


def canonical_snapshot(data: Mapping[str, Any]) -> dict[str, Any]:
    """Sort every collection (by id) and each group's members, so equal tenants are equal bytes."""
    out: dict[str, Any] = dict(data)
    for name in COLLECTIONS:
        out[name] = sorted(out.get(name) or [], key=_sort_key)
    for name in LISTS:
        if name in out:
            out[name] = sorted(out.get(name) or [], key=_sort_key)
    if GROUPS_READ in out:
        out[GROUPS_READ] = sorted({str(g).lower() for g in out[GROUPS_READ]})
    if GROUP_READ_ERRORS in out:
        out[GROUP_READ_ERRORS] = dict(sorted(out[GROUP_READ_ERRORS].items()))
    for policy in out["roleManagementPolicies"]:
        if isinstance(policy, dict) and isinstance(policy.get("rules"), list):
            policy["rules"] = sorted(policy["rules"], key=_sort_key)
    members = out.get("groupMembers") or {}
    out["groupMembers"] = {k: sorted(v) for k, v in sorted(members.items())}
    if LOOKED_UP in out:
        out[LOOKED_UP] = sorted(set(out[LOOKED_UP]))
    return out


def dump_snapshot(data: Mapping[str, Any]) -> str:
    return json.dumps(canonical_snapshot(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_snapshot(data: Mapping[str, Any], path: Path) -> None:
    path.write_text(dump_snapshot(data), encoding="utf-8")


def check_snapshot(data: Any, origin: str) -> dict[str, Any]:
    """The structural checks of the format; the normalizer checks each object."""
    if not isinstance(data, dict):
        raise SnapshotError(f"{origin}: a snapshot is a JSON object")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise SnapshotError(f"{origin}: unknown snapshot format {fmt!r} (expected {FORMAT!r})")
    for name in (*COLLECTIONS, *LISTS):
        value = data.get(name, [])
        if not isinstance(value, list):
            raise SnapshotError(f"{origin}: {name!r} must be a list of Graph objects")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise SnapshotError(f"{origin}: {name}[{index}] is not a JSON object")
    _check_maps(data, origin)
    return data


def _check_maps(data: Mapping[str, Any], origin: str) -> None:
    if not isinstance(data.get("organization", {}), dict):
        raise SnapshotError(f"{origin}: 'organization' must be a JSON object")
    errors = data.get("policyReadErrors", {})
    if not isinstance(errors, dict) or not all(isinstance(v, str) for v in errors.values()):
        raise SnapshotError(f"{origin}: 'policyReadErrors' maps policy ids to messages")
    unlisted = data.get(REQUEST_READ_ERRORS, {})
    if not isinstance(unlisted, dict) or not all(
        k in REQUEST_COLLECTIONS and isinstance(v, str) for k, v in unlisted.items()
    ):
        raise SnapshotError(
            f"{origin}: {REQUEST_READ_ERRORS!r} maps request collections to messages"
        )
    members = data.get("groupMembers", {})
    if not isinstance(members, dict) or not all(isinstance(v, list) for v in members.values()):
        raise SnapshotError(f"{origin}: 'groupMembers' maps group ids to lists of member ids")
    for key, what in ((LOOKED_UP, "policy references"), (GROUPS_READ, "group ids")):
        refs = data.get(key, [])
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise SnapshotError(f"{origin}: {key!r} must be a list of {what}")
    _check_messages(data, origin)


def _check_messages(data: Mapping[str, Any], origin: str) -> None:
    """The read-error keys: maps of messages, or one message."""
    for key, what in ((GROUP_READ_ERRORS, "group ids"), (HISTORY_GAPS, "collections")):
        errors = data.get(key, {})
        if not isinstance(errors, dict) or not all(isinstance(v, str) for v in errors.values()):
            raise SnapshotError(f"{origin}: {key!r} maps {what} to messages")
    for key in (REVIEW_READ_ERROR, ALERT_READ_ERROR, HISTORY_SINCE):
        if not isinstance(data.get(key, ""), str):
            raise SnapshotError(f"{origin}: {key!r} must be a string")


def with_looked_up(data: Mapping[str, Any], refs: Iterable[str]) -> dict[str, Any]:
    """The snapshot recording that ``refs`` (policy references) were looked up in the
    tenant; those found are among its ``directoryObjects``."""
    return {**data, LOOKED_UP: sorted({*data.get(LOOKED_UP, []), *refs})}


def snapshot_tenant(data: Mapping[str, Any], now: datetime) -> TenantState:
    """The tenant state of a snapshot file, knowing which references it looked up: a
    principal it lacks and did not look up is "not in the snapshot", not "not in the tenant"."""
    from dataclasses import replace

    from pim_gitops.normalize import normalize_tenant

    looked_up = frozenset(str(r).casefold() for r in data.get(LOOKED_UP) or [])
    return replace(normalize_tenant(data, now), looked_up=looked_up)


def read_snapshot(path: str | Path) -> dict[str, Any]:
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"{origin}: cannot read snapshot: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{origin}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
    return check_snapshot(data, origin)


def empty_snapshot(tenant_id: str, captured_at: str) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT, "tenantId": tenant_id, "capturedAt": captured_at}
    for name in COLLECTIONS:
        data[name] = []
    data["groupMembers"] = {}
    return data


LOOKED_UP_SCHEMA = {
    "type": "array",
    "description": "Policy references (user:UPN, group:name, sp:appId, object ids) "
    "that `snapshot --policy DIR` looked up in the tenant; those found are in "
    "directoryObjects, the others were not in the tenant when the snapshot was taken.",
    "items": {"type": "string"},
}


#: Where each collection of a snapshot comes from (the schema's descriptions).
DESCRIPTIONS = {
    "roleDefinitions": "GET /roleManagement/directory/roleDefinitions",
    "roleManagementPolicies": "GET /policies/roleManagementPolicies?$expand=rules "
    "(scopeId '/', scopeType DirectoryRole; and scopeId '<groupId>', scopeType Group for "
    "each group in privilegedAccessGroupsRead)",
    "roleManagementPolicyAssignments": "GET /policies/roleManagementPolicyAssignments "
    "(the same scopes; a group's link has roleDefinitionId member or owner)",
    "roleEligibilitySchedules": "GET /roleManagement/directory/roleEligibilitySchedules",
    "roleAssignmentSchedules": "GET /roleManagement/directory/roleAssignmentSchedules",
    "roleAssignments": "GET /roleManagement/directory/roleAssignments",
    "roleEligibilityScheduleRequests": "GET /roleManagement/directory/"
    "roleEligibilityScheduleRequests (adminAssign requests in flight only)",
    "roleAssignmentScheduleRequests": "GET /roleManagement/directory/"
    "roleAssignmentScheduleRequests (adminAssign requests in flight only)",
    "directoryObjects": "POST /directoryObjects/getByIds: users, groups, service "
    "principals with @odata.type",
    "authenticationContextClassReferences": "GET /identity/conditionalAccess/"
    "authenticationContextClassReferences; absent when not read",
    GROUP_ELIGIBILITY: "GET /identityGovernance/privilegedAccess/group/eligibilitySchedules"
    "?$filter=groupId eq '<id>' for each group in privilegedAccessGroupsRead",
    GROUP_ASSIGNMENT: "GET /identityGovernance/privilegedAccess/group/assignmentSchedules"
    "?$filter=groupId eq '<id>' for each group in privilegedAccessGroupsRead",
    ADMINISTRATIVE_UNITS: "GET /directory/administrativeUnits (id, displayName, "
    "isMemberManagementRestricted); absent when not read",
    REVIEW_DEFINITIONS: "GET /identityGovernance/accessReviews/definitions (every "
    "accessReviewScheduleDefinition, paged); absent when not read",
    REVIEW_INSTANCES: "GET /identityGovernance/accessReviews/definitions/{id}/instances"
    "?$orderby=startDateTime desc&$top=4 for each role or group review, each with the "
    "definitionId added, and undecidedCount (decisions still NotReviewed) when it has ended",
    HISTORY_ASSIGNMENTS: "GET /roleManagement/directory/roleAssignmentScheduleRequests, "
    "those created since requestHistorySince (filtered client-side); absent when not read",
    HISTORY_ELIGIBILITIES: "GET /roleManagement/directory/roleEligibilityScheduleRequests, "
    "those created since requestHistorySince (filtered client-side); absent when not read",
    HISTORY_APPROVALS: "GET /beta/roleManagement/directory/roleAssignmentApprovals/{id} "
    "(with its steps) for each history request with an approvalId; Graph beta, read only "
    "with `graph_beta: [approvals]`",
    **GROUP_HISTORY_DESCRIPTIONS,
    ALERT_CONFIGURATIONS: "GET /beta/identityGovernance/roleManagementAlerts/"
    "alertConfigurations?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand="
    "alertDefinition (Graph beta: only with graph_beta: [alerts]); absent when not read",
    ALERTS: "GET /beta/identityGovernance/roleManagementAlerts/alerts?$filter=scopeId eq '/' "
    "and scopeType eq 'DirectoryRole'&$expand=alertDefinition, each active alert with its "
    "alertIncidents added (Graph beta: only with graph_beta: [alerts]); absent when not read",
}


def _group_properties() -> dict[str, Any]:
    """The schema of the PIM-for-Groups bookkeeping keys."""
    return {
        GROUPS_READ: {
            "type": "array",
            "description": "Groups (object ids) whose PIM-for-Groups policies and schedules "
            "were read: every role-assignable group holding a role, and the managed groups; "
            "any other group's eligible membership and ownership is unknown.",
            "items": {"type": "string"},
        },
        GROUP_READ_ERRORS: {
            "type": "object",
            "description": "Groups (object ids) whose PIM for Groups could not be read, with "
            "the reason (e.g. a 403: the PrivilegedEligibilitySchedule / "
            "PrivilegedAssignmentSchedule / RoleManagementPolicy .Read.AzureADGroup "
            "permissions are missing).",
            "additionalProperties": {"type": "string"},
        },
    }


def list_description(name: str) -> str:
    version = "beta" if name in (*ALERT_COLLECTIONS, HISTORY_APPROVALS) else "v1.0"
    return f"Raw Graph {version} objects from {DESCRIPTIONS[name]}"


def snapshot_schema() -> dict[str, Any]:
    graph_object = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}},
        "additionalProperties": True,
    }
    properties: dict[str, Any] = {
        "format": {"const": FORMAT},
        "tenantId": {"type": "string"},
        "capturedAt": {"type": "string", "format": "date-time"},
        "organization": {
            "type": "object",
            "description": "GET /organization: the tenant's id, name and verified domains.",
            "additionalProperties": True,
        },
        "groupMembers": {
            "type": "object",
            "description": "Members (object ids) of groups that hold roles or approve.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        LOOKED_UP: LOOKED_UP_SCHEMA,
        REQUEST_READ_ERRORS: {
            "type": "object",
            "description": "Request collections (roleEligibilityScheduleRequests, "
            "roleAssignmentScheduleRequests) that could not be listed, with the reason (a 403: "
            "app-only listing needs a write permission); their requests in flight, e.g. "
            "assignments scheduled to start later, are not in this snapshot.",
            "propertyNames": {"enum": list(REQUEST_COLLECTIONS)},
            "additionalProperties": {"type": "string"},
        },
        **_group_properties(),
        **history_properties(),
        **extension_properties(graph_object),
        "policyReadErrors": {
            "type": "object",
            "description": "Policies (by id) whose rules could not be read, with the reason; "
            "the policy itself is kept in roleManagementPolicies without rules.",
            "additionalProperties": {"type": "string"},
        },
    }
    for name in (*COLLECTIONS, *LISTS):
        properties[name] = {
            "type": "array",
            "description": list_description(name),
            "items": graph_object,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://pim-gitops.dev/schemas/tenant-snapshot.schema.json",
        "title": "pim-gitops tenant snapshot",
        "type": "object",
        "required": ["format", "tenantId", *COLLECTIONS],
        "properties": properties,
        "additionalProperties": False,
    }
