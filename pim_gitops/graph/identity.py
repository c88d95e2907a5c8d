"""Who apply is signed in as, and what it relies on to write PIM.

The access token the transport sends is a JWT whose payload names the caller (Microsoft
identity platform, "Access token claims reference"): ``oid`` (the object id of the user or
service principal), ``appid`` (v1.0) / ``azp`` (v2.0) (the client application), ``roles``
(application permissions of an app-only token), ``scp`` (delegated scopes, user tokens only),
``idtyp`` (``app`` for app-only tokens), ``wids`` (tenant-wide role templates) and ``tid``.
The claims are decoded **without verifying the signature**: the token was just issued to this
process, and nothing here grants access; Graph is then asked who that object is.

Graph lets a caller write PIM for directory roles in two ways (graph-pim.md §1, E12/E13):

* **through a directory role**: a signed-in user (delegated) needs Privileged Role
  Administrator (or Global Administrator) besides the delegated scope; older Graph pages say
  the same of an app. Losing that role locks the tool out, so it is what the self-lockout
  guard protects;
* **through application permissions alone**: an app-only token carrying
  ``RoleManagement.ReadWrite.Directory`` (or the two schedule write permissions) with no such
  role. There is then no directory role to protect, and the plan says so.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from pim_gitops.errors import GraphAuthError, GraphError
from pim_gitops.graph.transport import GraphTransport, gather_or_cancel
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import TenantState
from pim_gitops.wire import is_guid

IdentityKind = Literal["user", "servicePrincipal"]
Mode = Literal["directory_role", "application_permission", "none"]

ROLE_MANAGEMENT_WRITE = "RoleManagement.ReadWrite.Directory"
#: Application permissions that let an app-only caller send admin schedule requests
#: (graph-pim.md §1, E12/E13).
SCHEDULE_WRITE_PERMISSIONS = frozenset(
    {
        ROLE_MANAGEMENT_WRITE,
        "RoleAssignmentSchedule.ReadWrite.Directory",
        "RoleEligibilitySchedule.ReadWrite.Directory",
    }
)
#: Directory roles through which a caller can write PIM for directory roles, in the order
#: they are named.
WRITING_ROLES = (PRIVILEGED_ROLE_ADMINISTRATOR, GLOBAL_ADMINISTRATOR)
DIR = "roleManagement/directory"


@dataclass(frozen=True)
class SignedInIdentity:
    """The caller named by the access token, cross-checked with Graph."""

    object_id: str
    kind: IdentityKind
    #: The client application (``appid``/``azp``); for a service principal, its appId.
    app_id: str | None
    tenant_id: str | None = None
    #: The ``roles`` claim of an app-only token: application permissions, sorted.
    application_permissions: tuple[str, ...] = ()
    #: The ``scp`` claim of a user token: delegated scopes, sorted.
    delegated_scopes: tuple[str, ...] = ()
    #: The ``wids`` claim when present: tenant-wide role template ids, sorted.
    token_role_templates: tuple[str, ...] = ()
    #: Role definition ids of the ``roleAssignments`` at ``/`` held directly (read from Graph).
    directory_roles: tuple[str, ...] = ()
    display_name: str = ""

    @property
    def writes_by_application_permission(self) -> bool:
        """An app-only caller whose permissions alone allow admin schedule requests."""
        return self.kind == "servicePrincipal" and bool(
            SCHEDULE_WRITE_PERMISSIONS.intersection(self.application_permissions)
        )

    @property
    def has_role_management_write(self) -> bool:
        return self.kind == "servicePrincipal" and (
            ROLE_MANAGEMENT_WRITE in self.application_permissions
        )

    def describe(self) -> str:
        name = f" {self.display_name!r}" if self.display_name else ""
        if self.kind == "servicePrincipal":
            return f"service principal{name} (appId {self.app_id}, object id {self.object_id})"
        return f"user{name} (object id {self.object_id})"


# --- token claims ------------------------------------------------------------------------


def _auth_error(message: str) -> GraphAuthError:
    return GraphAuthError(f"cannot tell who is signed in: {message}")


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, **not verified**; a ``GraphAuthError`` when the
    token is not a readable JWT (never the token itself in the message)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise _auth_error(
            f"the access token is not a JWT (expected 3 dot-separated parts, got {len(parts)})"
        )
    payload = parts[1]
    if not payload:
        raise _auth_error("the access token has an empty payload")
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError) as exc:
        raise _auth_error(
            f"the access token's payload is not base64url-encoded JSON ({type(exc).__name__})"
        ) from exc
    if not isinstance(claims, dict):
        raise _auth_error("the access token's payload is not a JSON object")
    return claims


def _strings(value: Any, claim: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _auth_error(f"the {claim!r} claim is not a list of strings")
    return tuple(sorted(set(value)))


def _text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise _auth_error(f"the {name!r} claim is not a non-empty string")
    return value


def _kind(claims: Mapping[str, Any]) -> IdentityKind:
    """``idtyp`` when present ("the most accurate way" to tell an app-only token); otherwise
    an app-only token is one without ``scp`` (only user tokens carry it)."""
    idtyp = _text(claims, "idtyp")
    if idtyp is not None:
        if idtyp.lower() not in ("app", "user"):
            raise _auth_error(f"unknown token type idtyp={idtyp!r}")
        return "servicePrincipal" if idtyp.lower() == "app" else "user"
    return "user" if claims.get("scp") else "servicePrincipal"


def identity_from_claims(claims: Mapping[str, Any]) -> SignedInIdentity:
    """The caller as the claims name it (pure; Graph is not asked)."""
    object_id = _text(claims, "oid")
    if object_id is None or not is_guid(object_id):
        raise _auth_error("the access token has no object id ('oid' claim) that is a GUID")
    kind = _kind(claims)
    scp = _text(claims, "scp")
    roles = _strings(claims.get("roles"), "roles")
    return SignedInIdentity(
        object_id=object_id.lower(),
        kind=kind,
        app_id=_text(claims, "appid") or _text(claims, "azp"),
        tenant_id=_text(claims, "tid"),
        application_permissions=roles if kind == "servicePrincipal" else (),
        delegated_scopes=tuple(sorted(set(scp.split()))) if scp else (),
        token_role_templates=_strings(claims.get("wids"), "wids"),
    )


# --- Graph ---------------------------------------------------------------------------------


def _checked(identity: SignedInIdentity, obj: Mapping[str, Any]) -> SignedInIdentity:
    """The identity with Graph's name for it; an error when Graph's object contradicts the
    token (another type, another appId)."""
    found = str(obj.get("@odata.type", "")).rsplit(".", 1)[-1]
    if found != identity.kind:
        raise _auth_error(
            f"the token names a {identity.kind} ({identity.object_id}) but Graph says that "
            f"object is a {found or 'directory object of no known type'}"
        )
    app_id = obj.get("appId")
    if identity.kind == "servicePrincipal" and app_id and identity.app_id != app_id:
        raise _auth_error(
            f"the token's application {identity.app_id} is not the appId {app_id} of service "
            f"principal {identity.object_id}"
        )
    return replace(identity, display_name=str(obj.get("displayName") or ""))


async def _directory_object(transport: GraphTransport, identity: SignedInIdentity) -> Any:
    try:
        return await transport.get_json(
            f"directoryObjects/{identity.object_id}",
            params={"$select": "id,displayName,appId"},
            target=f"signed-in identity {identity.object_id}",
        )
    except GraphError as exc:
        if exc.status == 404:
            raise _auth_error(
                f"the token's object id {identity.object_id} is not a directory object of "
                "this tenant"
            ) from exc
        raise


async def _direct_roles(transport: GraphTransport, object_id: str) -> tuple[str, ...]:
    rows = await transport.get_all(
        f"{DIR}/roleAssignments",
        params={"$filter": f"principalId eq '{object_id}'"},
        target=f"role assignments of {object_id}",
    )
    return tuple(
        sorted(
            {
                str(r["roleDefinitionId"])
                for r in rows
                if isinstance(r, Mapping) and r.get("directoryScopeId", "/") == "/"
            }
        )
    )


async def whoami(transport: GraphTransport) -> SignedInIdentity:
    """The identity the transport is signed in as: the token's claims, then Graph (two
    reads: the directory object, and its role assignments at ``/``)."""
    identity = identity_from_claims(decode_claims(await transport.access_token()))
    obj, roles = await gather_or_cancel(
        _directory_object(transport, identity), _direct_roles(transport, identity.object_id)
    )
    if not isinstance(obj, Mapping):
        raise _auth_error(f"Graph answered no object for {identity.object_id}")
    return replace(_checked(identity, obj), directory_roles=roles)


# --- what it relies on ---------------------------------------------------------------------


@dataclass(frozen=True)
class HeldRole:
    """A tenant-wide directory role the identity holds actively now."""

    role_id: str
    #: The role-assignable group it holds the role through; ``None`` when held directly.
    via_group: str | None = None
    #: When the active assignment ends; ``None`` when permanent or not known to end.
    end: datetime | None = None

    @property
    def role_name(self) -> str:
        return BUILTIN_ROLES.get(self.role_id, self.role_id)

    def describe(self) -> str:
        via = f" through group {self.via_group}" if self.via_group else ""
        until = f" until {self.end.isoformat()}" if self.end else ""
        return f"{self.role_name}{via}{until}"

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.role_id, self.via_group or "", self.end.isoformat() if self.end else "")


@dataclass(frozen=True)
class Reliance:
    """What the signed-in identity relies on to write PIM (see the module docstring)."""

    identity: SignedInIdentity
    mode: Mode
    #: The writing roles (Privileged Role Administrator, Global Administrator) it holds
    #: actively at ``/``; any one of them lets it write. Empty unless ``mode`` is
    #: ``directory_role``.
    relied_on: tuple[HeldRole, ...]
    #: Every active tenant-wide role it holds (writing or not), for the plan's text.
    held: tuple[HeldRole, ...]
    notes: tuple[str, ...] = ()

    @property
    def protected_role_ids(self) -> tuple[str, ...]:
        """Role ids the self-lockout guard must keep at least one of (empty: nothing)."""
        return tuple(sorted({h.role_id for h in self.relied_on}))

    def describe(self) -> str:
        who = self.identity.describe()
        if self.mode == "directory_role":
            roles = ", ".join(h.describe() for h in self.relied_on)
            text = f"apply signs in as {who} and writes PIM through {roles}"
        elif self.mode == "application_permission":
            perms = ", ".join(
                sorted(
                    SCHEDULE_WRITE_PERMISSIONS.intersection(self.identity.application_permissions)
                )
            )
            text = (
                f"apply signs in as {who} and writes PIM through application permissions "
                f"alone ({perms}): there is no directory role to protect"
            )
        else:
            text = (
                f"apply signs in as {who}, which holds neither Privileged Role Administrator "
                "nor Global Administrator nor a PIM write permission: its writes will be refused"
            )
        return "; ".join((text, *self.notes))


def _principal_ids(identity: SignedInIdentity, tenant: TenantState) -> dict[str, str | None]:
    """The identity's object id and the groups it is a direct member of (→ via group)."""
    ids: dict[str, str | None] = {identity.object_id: None}
    for group, members in sorted(tenant.group_members.items()):
        if identity.object_id in members:
            ids[group] = group
    return ids


def _active_holdings(
    identity: SignedInIdentity, tenant: TenantState, now: datetime
) -> tuple[HeldRole, ...]:
    ids = _principal_ids(identity, tenant)
    found: dict[tuple[str, str | None], datetime | None] = {}
    for a in tenant.assignments:
        started = a.start is None or a.start <= now
        live = a.end is None or a.end > now
        if a.kind == "active" and a.scope == "/" and a.principal_id in ids and started and live:
            key = (a.role_id, ids[a.principal_id])
            ends = [e for e in (found.get(key, a.end), a.end) if e is not None]
            permanent = a.end is None or (key in found and found[key] is None)
            found[key] = None if permanent else max(ends)
    rows = [(r.role_id, r.principal_id) for r in tenant.role_assignments if r.scope == "/"]
    rows += [(role, identity.object_id) for role in identity.directory_roles]
    for role_id, principal in rows:
        if principal in ids:
            found.setdefault((role_id, ids[principal]), None)
    held = (HeldRole(role, via, end) for (role, via), end in found.items())
    return tuple(sorted(held, key=lambda h: h.sort_key))


def _template(role_id: str, tenant: TenantState) -> str:
    role = tenant.roles.get(role_id)
    return role.template_id if role is not None else role_id


def relied_on_roles(identity: SignedInIdentity, tenant: TenantState, now: datetime) -> Reliance:
    """Which writing roles the identity holds actively at ``/`` (directly or through a
    role-assignable group it is a member of), and whether it writes through them or through
    application permissions alone. Pure: reads only ``tenant`` (a fresh read) and ``identity``.
    """
    held = tuple(
        sorted(
            (
                replace(h, role_id=_template(h.role_id, tenant))
                for h in _active_holdings(identity, tenant, now)
            ),
            key=lambda h: h.sort_key,
        )
    )
    writing = tuple(h for h in held if h.role_id in WRITING_ROLES)
    notes: list[str] = []
    if writing:
        mode: Mode = "directory_role"
        if identity.writes_by_application_permission:
            notes.append(
                "it also has application permissions that may write alone; its role is kept "
                "as older Graph documentation requires both"
            )
        elif identity.kind == "user" and not _delegated_write(identity):
            notes.append("the token carries no delegated PIM write scope")
    elif identity.writes_by_application_permission:
        mode = "application_permission"
    else:
        mode = "none"
    return Reliance(identity, mode, writing if mode == "directory_role" else (), held, tuple(notes))


def _delegated_write(identity: SignedInIdentity) -> bool:
    return bool(SCHEDULE_WRITE_PERMISSIONS.intersection(identity.delegated_scopes))


def apply_identity_mismatch(
    identity: SignedInIdentity, declared_object_id: str | None
) -> str | None:
    """The message when ``apply_identity:`` (resolved to an object id) is not who apply is
    signed in as; ``None`` when it is, or when none is declared."""
    if declared_object_id is None or declared_object_id.lower() == identity.object_id:
        return None
    return (
        f"apply_identity: names object {declared_object_id}, but apply is signed in as "
        f"{identity.describe()}; sign in as the declared identity or correct apply_identity: "
        "(the self-lockout guard must protect the identity that actually writes)"
    )
