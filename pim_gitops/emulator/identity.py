"""Who calls the emulator: a configurable caller, and the unsigned token it is issued.

The emulator plays the token issuer for loopback clients: ``GET /_emulator/token`` answers
an OAuth-style ``{"access_token", "token_type", "expires_in"}`` whose JWT payload carries the
claims Entra puts in a Graph access token (``oid``, ``sub``, ``appid``, ``idtyp``, ``tid``,
``roles`` for an app-only token or ``scp`` for a user token; Microsoft identity platform,
"Access token claims reference"). The token is unsigned (``alg: none``): loopback only.

Requests may carry any bearer token, as before; a token that *looks* like a JWT (three
dot-separated parts) must decode and name this tenant, else 401 ``InvalidAuthenticationToken``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

CallerKind = Literal["servicePrincipal", "user"]

#: The bundled sample tenant's apply service principal (``tenantgen.APPLY_APP_ID``).
SAMPLE_APPLY_APP_ID = "5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
SAMPLE_APPLY_OBJECT_ID = "7b0c92d1-d778-516b-a77c-42ff73a1969a"
#: The application permissions ``docs/permissions.md`` lists for apply.
APPLY_PERMISSIONS = (
    "Directory.Read.All",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleEligibilitySchedule.ReadWrite.Directory",
    "RoleManagement.Read.Directory",
    "RoleManagementPolicy.Read.Directory",
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


def token_problem(token: str, tenant_id: str) -> str | None:
    """Why a presented bearer token is refused (``None``: accepted). Tokens that are not
    JWT-shaped are accepted as before; a JWT-shaped one must decode and name this tenant
    when it names one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return "Access token is malformed."
    if not isinstance(claims, dict):
        return "Access token is malformed."
    tid = claims.get("tid")
    if tid is not None and str(tid).lower() != tenant_id.lower():
        return f"Access token is for tenant {tid}, not {tenant_id}."
    return None
