"""PIM-for-Groups policies: two per group (membership, ownership), made on first use.

- Listing ``policies/roleManagementPolicies`` or ``…PolicyAssignments`` with
  ``$filter=scopeId eq '<groupId>' and scopeType eq 'Group'`` answers the group's two
  policies (DC policyroot-list-rolemanagementpolicies Ex. 3, …policyassignments Ex. 3/4):
  ids ``Group_{groupId}_{guid}``, assignment ids ``{policyId}_member`` / ``_owner``.
- A group has them as soon as anything asks: Entra brings any security or Microsoft 365
  group into PIM for Groups without it having to be role-assignable (ED
  concept-pim-for-groups), and a policy read right after the group was made finds both
  policies at the defaults (hashicorp/terraform-provider-azuread
  ``group_role_management_policy_resource.go``: "Fetch the existing policy, as they already
  exist", on a group the same configuration has just created). The emulator makes them on
  the first read or schedule request that names the group, at Entra's group defaults
  (``group_defaults.py``).
- Dynamic membership groups and groups synchronized from on-premises "can't be managed in
  PIM for Groups" (ED groups-discover-groups): they get no policies (an empty list), and
  schedule requests for them are refused.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from pim_gitops.emulator.errors import bad_request
from pim_gitops.emulator.group_defaults import ACCESS_IDS, new_policy
from pim_gitops.emulator.store import Store

SCOPE_TYPE = "Group"


def group_of(store: Store, group_id: str) -> dict[str, Any] | None:
    """The group object with this id (case-insensitive), if any."""
    for key in (group_id, group_id.lower()):
        obj = store.objects.get(key)
        if obj is not None and store.object_type(key) == "group":
            return obj
    for key, obj in store.objects.items():
        if key.lower() == group_id.lower() and store.object_type(key) == "group":
            return obj
    return None


def unmanageable(group: Mapping[str, Any]) -> str | None:
    """Why PIM for Groups cannot manage this group (``None``: it can). ED
    groups-discover-groups: dynamic groups and groups synchronized from on-premises can't
    be managed; ED concept-pim-for-groups: security groups and Microsoft 365 groups can."""
    types = [str(t).lower() for t in group.get("groupTypes") or []]
    if "dynamicmembership" in types:
        return "a dynamic membership group can't be managed in PIM for Groups"
    if group.get("onPremisesSyncEnabled"):
        return "a group synchronized from on-premises can't be managed in PIM for Groups"
    if group.get("securityEnabled") is False and "unified" not in types:
        return "only security groups and Microsoft 365 groups can be managed in PIM for Groups"
    return None


def ensure_policies(store: Store, group_id: str) -> list[dict[str, Any]]:
    """The group's policy assignments (member, owner), made at the defaults on first use;
    ``[]`` for an unknown or unmanageable group."""
    group = group_of(store, group_id)
    if group is None or unmanageable(group):
        return []
    gid = str(group["id"])
    links = [
        a
        for a in store.group_policy_assignments.values()
        if str(a.get("scopeId", "")).lower() == gid.lower()
    ]
    have = {str(a["roleDefinitionId"]) for a in links}
    for access in ACCESS_IDS:
        if access in have:
            continue
        policy = new_policy(gid, access)
        store.group_policies[policy["id"]] = policy
        link = {
            "id": f"{policy['id']}_{access}",
            "policyId": policy["id"],
            "scopeId": gid,
            "scopeType": SCOPE_TYPE,
            "roleDefinitionId": access,
        }
        store.group_policy_assignments[link["id"]] = link
        links.append(link)
    return sorted(links, key=lambda a: str(a["id"]))


def policy_for_access(store: Store, group_id: str, access_id: str) -> dict[str, Any] | None:
    """The policy that governs ``access_id`` (member/owner) of the group."""
    for link in ensure_policies(store, group_id):
        if link["roleDefinitionId"] == access_id:
            return store.group_policies.get(str(link["policyId"]))
    return None


def check_group_scope(scope_id: str) -> str:
    """A group policy filter names the group by its object id."""
    if not scope_id or scope_id == "/":
        raise bad_request("For scopeType 'Group' the scopeId must be the group's object id.")
    return scope_id


def as_group_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """A stored group policy without its rules, as Graph shows it."""
    out = {k: copy.deepcopy(v) for k, v in policy.items() if k != "rules"}
    out["scopeType"] = out["displayName"] = out["description"] = SCOPE_TYPE
    return out


def rotate(store: Store, policy_id: str) -> str:
    """Re-key a group policy after its first change, as the Terraform provider reports
    Graph doing ("Handle the change in ID for policies when updated": it reads the policy id
    again after every update, hashicorp/terraform-provider-azuread commit a4a0726, "Update
    the ID as it changes on modification"). The old id then answers 404 (*assumption*).
    Opt-in: ``FaultConfig.rotate_group_policy_ids``."""
    policy = store.group_policies.pop(policy_id)
    group_id = str(policy["scopeId"])
    new_id = f"Group_{group_id}_{uuid.uuid5(uuid.NAMESPACE_URL, policy_id)}"
    policy["id"] = new_id
    store.group_policies[new_id] = policy
    for key, link in list(store.group_policy_assignments.items()):
        if link["policyId"] == policy_id:
            del store.group_policy_assignments[key]
            moved = link | {"policyId": new_id, "id": f"{new_id}_{link['roleDefinitionId']}"}
            store.group_policy_assignments[moved["id"]] = moved
    return new_id
