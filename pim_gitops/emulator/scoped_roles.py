"""Which directory roles Graph lets a schedule request scope to an administrative unit
(``directoryScopeId: /administrativeUnits/{id}``).

ED ``docs/identity/role-based-access-control/admin-units-assign-roles.md``, "Roles that can
be assigned with administrative unit scope": the twelve built-in roles below, and "any custom
role ... as long as the custom role's permissions include at least one permission relevant
to users, groups, or devices". The emulator keeps its own copy of that list (it never
imports the client's ``roles.py``). The refusal's code and message are an *assumption*:
Graph documents none for a role outside the list, nor for an unknown administrative unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.emulator.errors import bad_request
from pim_gitops.emulator.store import Store

AU_PREFIX = "/administrativeUnits/"

#: Role template id → name (ED admin-units-assign-roles; ids from ED permissions-reference).
AU_SCOPABLE_ROLES: Mapping[str, str] = {
    "c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
    "7698a772-787b-4ac8-901f-60d6b08affd2": "Cloud Device Administrator",
    "fdd7a751-b60b-444a-984c-02652fe8fa1c": "Groups Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
    "966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
    "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f": "Printer Administrator",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "3d762c5a-1b6c-493f-843e-55a3b42923d4": "Teams Devices Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}
_OBJECT_PERMISSIONS = (
    "microsoft.directory/users/",
    "microsoft.directory/groups/",
    "microsoft.directory/devices/",
)


def _custom_scopable(role: Mapping[str, Any]) -> bool:
    actions = [
        str(action).lower()
        for permission in role.get("rolePermissions") or []
        for action in (permission or {}).get("allowedResourceActions") or []
    ]
    return any(a.startswith(_OBJECT_PERMISSIONS) for a in actions)


def scopable(role: Mapping[str, Any]) -> bool:
    """May this role definition be assigned at an administrative unit's scope?"""
    template = str(role.get("templateId") or role.get("id") or "").lower()
    if template in AU_SCOPABLE_ROLES:
        return True
    return role.get("isBuiltIn") is False and _custom_scopable(role)


def check_scope(store: Store, role_id: str, scope: str) -> None:
    """Refuse an administrative-unit scope that does not exist or that the role can't have."""
    if not scope.startswith(AU_PREFIX):
        return
    unit_id = scope[len(AU_PREFIX) :].strip("/")
    known = {k.lower() for k in store.administrative_units}
    if unit_id.lower() not in known:
        raise bad_request(
            f"The administrative unit {unit_id} does not exist.", "AdministrativeUnitNotFound"
        )
    role = store.role_definitions.get(role_id) or {}
    if not scopable(role):
        name = role.get("displayName") or role_id
        raise bad_request(
            f"The role {name} can't be assigned at an administrative unit's scope.",
            "RoleNotSupportedAtScope",
        )
