"""Who an access review reviews: the principals a definition's ``scope`` selects in the
emulator's tenant, and the decision items (one per principal, ``NotReviewed`` until a reviewer
acts) an instance carries.

Scopes understood (DC concepts/accessreviews-scope-concept.md, Example 9, and
concepts/tutorial-accessreviews-roleassignments.md Step 1):

- ``/roleManagement/directory/roleDefinitions/{id}``, alone or as the ``resourceScopes`` of a
  ``principalResourceMembershipsScope``: a role's active and eligible assignments;
- ``/roleManagement/directory/roleEligibilityScheduleInstances?…roleDefinitionId eq '{id}'``:
  its eligible assignments; ``…/roleAssignmentScheduleInstances?…``: its active ones (with
  ``assignmentType eq 'Assigned'``: not the activated ones);
- ``isof(principal,'microsoft.graph.user')`` (or ``principalScopes`` ``/users``, ``/groups``,
  ``/servicePrincipals``) narrows the principal types;
- ``/groups/{id}/transitiveMembers`` or ``/groups/{id}/members``: a group's members, with the
  eligible PIM-for-Groups members (*assumption*: Graph documents the members only).

The decision shape is the documented list (tutorial Step 3).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pim_gitops.emulator.store import Store

GRAPH = "https://graph.microsoft.com/v1.0"
_ROLE_DEF = re.compile(r"/roleManagement/directory/roleDefinitions/([0-9a-fA-F-]{36})", re.I)
_ROLE_EQ = re.compile(r"roleDefinitionId eq '([0-9a-fA-F-]{36})'", re.I)
_GROUP = re.compile(
    r"^/(?:v1\.0/|beta/)?groups/([0-9a-fA-F-]{36})/(?:transitiveMembers|members)", re.I
)
_ISOF = re.compile(r"isof\(principal,\s*'microsoft\.graph\.(\w+)'\)", re.I)
_TYPES = {"/users": "user", "/groups": "group", "/serviceprincipals": "servicePrincipal"}
_NAMESPACE = uuid.UUID("5d2c6a53-2f0e-4d6b-9a55-1d3c1e0a7b21")
NOBODY = {
    "id": "00000000-0000-0000-0000-000000000000",
    "displayName": "",
    "type": None,
    "userPrincipalName": "",
}


@dataclass(frozen=True)
class Target:
    """``kind`` ``role`` (covers ``eligible``/``active``/``all``) or ``group``; ``types``:
    the principal types reviewed (empty: all)."""

    kind: str
    id: str
    covers: str = "all"
    types: frozenset[str] = frozenset()
    assigned_only: bool = False


def _query(scope: Any) -> str:
    return str(scope.get("query") or "") if isinstance(scope, Mapping) else ""


def _from_query(query: str, types: frozenset[str]) -> Target | None:
    found = {m.lower() for m in _ISOF.findall(query)}
    names = {"servicePrincipal" if f == "serviceprincipal" else f for f in found}
    types = types | frozenset(names)
    role = _ROLE_DEF.search(query)
    if role:
        return Target("role", role.group(1).lower(), "all", types)
    role_eq = _ROLE_EQ.search(query)
    if role_eq and "roleEligibilityScheduleInstances" in query:
        return Target("role", role_eq.group(1).lower(), "eligible", types)
    if role_eq and "roleAssignmentScheduleInstances" in query:
        assigned = "assignmentType eq 'Assigned'" in query
        return Target("role", role_eq.group(1).lower(), "active", types, assigned)
    group = _GROUP.match(query)
    if group:
        return Target("group", group.group(1).lower(), "all", types)
    return None


def target(scope: Any) -> Target | None:
    """The role or group a definition's ``scope`` reviews; ``None`` for any other review."""
    if not isinstance(scope, Mapping):
        return None
    if "principalResourceMembershipsScope" in str(scope.get("@odata.type", "")):
        types = frozenset(
            _TYPES[q.split("?")[0].lower()]
            for q in map(_query, scope.get("principalScopes") or [])
            if q.split("?")[0].lower() in _TYPES
        )
        for resource in scope.get("resourceScopes") or []:
            found = _from_query(_query(resource), types)
            if found is not None:
                return found
        return None
    return _from_query(_query(scope), frozenset())


def _role_principals(store: Store, found: Target) -> set[str]:
    ids: set[str] = set()
    rows: list[Mapping[str, Any]] = []
    if found.covers in ("eligible", "all"):
        rows += list(store.eligibility.values())
    if found.covers in ("active", "all"):
        rows += [
            r
            for r in store.assignment.values()
            if not found.assigned_only or r.get("assignmentType", "Assigned") == "Assigned"
        ]
        rows += list(store.role_assignments.values())
    for row in rows:
        if str(row.get("roleDefinitionId", "")).lower() == found.id:
            ids.add(str(row.get("principalId")))
    return ids


def principals(store: Store, found: Target) -> list[str]:
    """The ids of the principals under review, sorted."""
    if found.kind == "role":
        ids = _role_principals(store, found)
    else:
        members = {k.lower(): v for k, v in store.group_members.items()}
        ids = {str(m) for m in members.get(found.id, [])}
        ids |= {
            str(r.get("principalId"))
            for r in store.group_eligibility.values()
            if str(r.get("groupId", "")).lower() == found.id and r.get("accessId") == "member"
        }
    if found.types:
        ids = {i for i in ids if store.object_type(i) in found.types}
    return sorted(ids)


def _identity(store: Store, object_id: str) -> dict[str, Any]:
    obj = store.objects.get(object_id) or {}
    kind = store.object_type(object_id) or "user"
    out: dict[str, Any] = {"id": object_id, "displayName": obj.get("displayName", ""), "type": kind}
    if kind == "user":
        out = {"@odata.type": "#microsoft.graph.userIdentity"} | out
        out["userPrincipalName"] = obj.get("userPrincipalName", "")
        out["lastUserSignInDateTime"] = ""
    return out


def _resource(store: Store, found: Target) -> tuple[dict[str, Any], str]:
    if found.kind == "role":
        role = next(
            (
                r
                for r in store.role_definitions.values()
                if found.id in (str(r.get("id", "")).lower(), str(r.get("templateId", "")).lower())
            ),
            {},
        )
        shown = {
            "id": found.id,
            "displayName": role.get("displayName", ""),
            "type": "directoryRole",
        }
        return shown, f"{GRAPH}/roleManagement/directory/roleDefinitions/{found.id}"
    group = store.objects.get(found.id) or {}
    shown = {"id": found.id, "displayName": group.get("displayName", ""), "type": "group"}
    return shown, f"{GRAPH}/groups/{found.id}"


def decision_items(store: Store, scope: Any, instance_id: str) -> list[dict[str, Any]]:
    """One ``NotReviewed`` decision item per principal the scope selects now."""
    found = target(scope)
    if found is None:
        return []
    resource, resource_link = _resource(store, found)
    items = []
    for object_id in principals(store, found):
        principal = _identity(store, object_id)
        collection = {"group": "groups", "servicePrincipal": "servicePrincipals"}.get(
            str(principal["type"]), "users"
        )
        items.append(
            {
                "id": str(uuid.uuid5(_NAMESPACE, f"{instance_id}/{object_id}")),
                "accessReviewId": instance_id,
                "decision": "NotReviewed",
                "applyResult": "New",
                "recommendation": "NoInfoAvailable",
                "principalLink": f"{GRAPH}/{collection}/{object_id}",
                "resourceLink": resource_link,
                "reviewedBy": dict(NOBODY),
                "appliedBy": dict(NOBODY),
                "resource": dict(resource),
                "principal": principal,
            }
        )
    return items
