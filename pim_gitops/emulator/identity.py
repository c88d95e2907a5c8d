"""Who calls the emulator: a configurable caller, and the unsigned token it is issued.

The emulator plays the token issuer for loopback clients: ``GET /_emulator/token`` answers
an OAuth-style ``{"access_token", "token_type", "expires_in"}`` whose JWT payload carries the
claims Entra puts in a Graph access token (``oid``, ``sub``, ``appid``, ``idtyp``, ``tid``,
``roles`` for an app-only token or ``scp`` for a user token; Microsoft identity platform,
"Access token claims reference"). The token is unsigned (``alg: none``): loopback only.

Requests may carry any bearer token, as before; a token that *looks* like a JWT (three
dot-separated parts) must decode and name this tenant, else 401 ``InvalidAuthenticationToken``.
A write by a JWT caller is checked as Graph documents it (``write_refusal``): an app-only
caller needs a write permission in ``roles`` or a writing directory role; a user needs a
delegated write scope in ``scp`` **and** a writing role (Privileged Role Administrator or
Global Administrator, active at ``/``, directly or through a group). Other tokens write freely.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pim_gitops.emulator.store import Store

CallerKind = Literal["servicePrincipal", "user"]

#: The bundled sample tenant's apply service principal (``tenantgen.APPLY_APP_ID``).
SAMPLE_APPLY_APP_ID = "5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
SAMPLE_APPLY_OBJECT_ID = "7b0c92d1-d778-516b-a77c-42ff73a1969a"
#: The application permissions ``docs/permissions.md`` lists for apply: the two writes
#: (``RoleManagement.ReadWrite.Directory`` covers schedule requests, listing them app-only and
#: ``DELETE roleAssignments/{id}``) and the reads they do not cover.
APPLY_PERMISSIONS = (
    "AccessReview.ReadWrite.All",
    "AuthenticationContext.Read.All",
    "Directory.Read.All",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    "RoleManagement.ReadWrite.Directory",
    "RoleManagementAlert.ReadWrite.Directory",
    "RoleManagementPolicy.ReadWrite.AzureADGroup",
    "RoleManagementPolicy.ReadWrite.Directory",
)
#: Azure CLI's client id: the app a signed-in user's delegated token is usually issued to.
AZURE_CLI_APP_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
TOKEN_LIFETIME_S = 3600


@dataclass(frozen=True)
class Caller:
    """The identity every request is taken to come from."""

    object_id: str = SAMPLE_APPLY_OBJECT_ID
    kind: CallerKind = "servicePrincipal"
    #: The client application (``appid``); a service principal's own appId.
    app_id: str = SAMPLE_APPLY_APP_ID
    #: Application permissions (``roles``) of an app-only token.
    roles: tuple[str, ...] = APPLY_PERMISSIONS
    #: Delegated scopes (``scp``) of a user token.
    scopes: tuple[str, ...] = ()
    #: ``tid``; ``None``: the tenant the emulator serves.
    tenant_id: str | None = None
    upn: str | None = None
    #: Claims to add or override (e.g. ``{"idtyp": None}`` to leave one out, or ``wids``).
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def service_principal(
        cls, object_id: str, app_id: str, roles: tuple[str, ...] = APPLY_PERMISSIONS
    ) -> Caller:
        return cls(object_id, "servicePrincipal", app_id, tuple(roles))

    @classmethod
    def user(
        cls,
        object_id: str,
        upn: str | None = None,
        scopes: tuple[str, ...] = ("RoleManagement.ReadWrite.Directory",),
        app_id: str = AZURE_CLI_APP_ID,
    ) -> Caller:
        return cls(object_id, "user", app_id, (), tuple(scopes), upn=upn)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Caller:
        """From ``POST /_emulator/identity`` JSON (the fields above)."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown identity fields: {', '.join(unknown)}")
        values = dict(data)
        if values.get("kind", "servicePrincipal") not in ("servicePrincipal", "user"):
            raise ValueError("kind must be 'servicePrincipal' or 'user'")
        for name in ("object_id", "app_id"):
            if name in values and not (isinstance(values[name], str) and values[name]):
                raise ValueError(f"{name} must be a non-empty string")
        for name in ("roles", "scopes"):
            if name in values:
                if not isinstance(values[name], list | tuple) or not all(
                    isinstance(v, str) for v in values[name]
                ):
                    raise ValueError(f"{name} must be a list of strings")
                values[name] = tuple(values[name])
        if not isinstance(values.get("extra", {}), Mapping):
            raise ValueError("extra must be a JSON object")
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["roles"], data["scopes"] = list(self.roles), list(self.scopes)
        data["extra"] = dict(self.extra)
        return data

    def claims(self, tenant_id: str, now: datetime) -> dict[str, Any]:
        issued = int(now.timestamp())
        tid = self.tenant_id or tenant_id
        claims: dict[str, Any] = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{tid}/",
            "iat": issued,
            "nbf": issued,
            "exp": issued + TOKEN_LIFETIME_S,
            "oid": self.object_id,
            "sub": self.object_id,
            "tid": tid,
            "appid": self.app_id,
            "idtyp": "app" if self.kind == "servicePrincipal" else "user",
            "ver": "1.0",
        }
        if self.kind == "servicePrincipal":
            claims["roles"] = sorted(self.roles)
        else:
            claims["scp"] = " ".join(sorted(self.scopes))
            if self.upn:
                claims["upn"] = self.upn
        claims.update(self.extra)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, tenant_id: str, now: datetime) -> str:
        return encode_token(self.claims(tenant_id, now))


def _segment(data: Mapping[str, Any]) -> str:
    raw = json.dumps(dict(data), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def encode_token(claims: Mapping[str, Any]) -> str:
    """An unsigned JWT (``alg: none``, empty signature part)."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


def read_token(token: str, tenant_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """A presented bearer token's claims (``None`` when it is not JWT-shaped: accepted as
    before) and why it is refused (``None``: accepted). A JWT-shaped token must decode to an
    object and, when it names a tenant, name this one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None, None
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None, "Access token is malformed."
    if not isinstance(claims, dict):
        return None, "Access token is malformed."
    tid = claims.get("tid")
    if tid is not None and str(tid).lower() != tenant_id.lower():
        return None, f"Access token is for tenant {tid}, not {tenant_id}."
    return claims, None


# --- who may write ---------------------------------------------------------------------------

#: Global Administrator, Privileged Role Administrator (role template ids).
WRITING_ROLES = frozenset(
    {"62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814"}
)
SCHEDULE_WRITE = frozenset(
    {
        "RoleManagement.ReadWrite.Directory",
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
    }
)
POLICY_WRITE = frozenset(
    {"RoleManagement.ReadWrite.Directory", "RoleManagementPolicy.ReadWrite.Directory"}
)
#: PIM for Groups schedule requests (DC privilegedaccessgroup-post-eligibilityschedulerequests,
#: -post-assignmentschedulerequests, permissions tables).
GROUP_SCHEDULE_WRITE = frozenset(
    {
        "PrivilegedAccess.ReadWrite.AzureADGroup",
        "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
        "PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup",
    }
)
#: Access-review definitions (DC accessreviewset-post-definitions, permissions table).
REVIEW_WRITE = frozenset({"AccessReview.ReadWrite.All"})
#: A PIM-for-Groups policy (DC unifiedrolemanagementpolicy-update, graph-pim.md §6).
GROUP_POLICY_WRITE = frozenset({"RoleManagementPolicy.ReadWrite.AzureADGroup"})
#: PIM alerts (beta; DC concepts/how-to-pim-alerts.md prerequisites, ``alert_routes.py``).
ALERT_WRITE = frozenset({"RoleManagementAlert.ReadWrite.Directory"})
DENIED = "Insufficient privileges to complete the operation."


def holds_writing_role(store: Store, object_id: str) -> bool:
    """An active assignment of a writing role at ``/`` to the object or a group it is in."""
    with store.lock:
        ids = {object_id} | {g for g, m in store.group_members.items() if object_id in m}
        return any(
            row.get("principalId") in ids
            and row.get("roleDefinitionId") in WRITING_ROLES
            and row.get("directoryScopeId", "/") == "/"
            for row in store.role_assignments.values()
        )


def write_refusal(
    claims: Mapping[str, Any] | None, template: str, store: Store, path: str = ""
) -> str | None:
    """Why the caller may not make this write (``None``: it may); ``template`` is the route's,
    ``path`` the request's (a group policy's id starts ``Group_``)."""
    if claims is None:
        return None
    needed = POLICY_WRITE if template.startswith("policies/") else SCHEDULE_WRITE
    if template.startswith("identityGovernance/privilegedAccess/group"):
        needed = GROUP_SCHEDULE_WRITE
    elif template.startswith("policies/") and "/group_" in path.lower():
        needed = GROUP_POLICY_WRITE
    elif template.startswith("identityGovernance/accessReviews"):
        needed = REVIEW_WRITE
    elif template.startswith("identityGovernance/roleManagementAlerts"):
        needed = ALERT_WRITE
    object_id = str(claims.get("oid") or "")
    idtyp = claims.get("idtyp")
    app_only = idtyp == "app" or (idtyp is None and not claims.get("scp"))
    if app_only:
        roles = claims.get("roles")
        granted = {str(r) for r in roles} if isinstance(roles, list) else set()
        if needed & granted or holds_writing_role(store, object_id):
            return None
        return f"{DENIED} The application has none of {', '.join(sorted(needed))}."
    scopes = str(claims.get("scp") or "").split()
    if not needed.intersection(scopes):
        return f"{DENIED} The token has none of the scopes {', '.join(sorted(needed))}."
    if not holds_writing_role(store, object_id):
        return (
            f"{DENIED} The signed-in user holds neither Privileged Role Administrator nor "
            "Global Administrator."
        )
    return None
