"""Which Graph host gets which credential.

A real token is only ever sent to a Microsoft Graph host of the global or a national cloud,
with that cloud's authority and ``/.default`` scope. A loopback URL (the emulator) gets a
local token and no credential is ever built: the one the emulator issues for the caller it is
configured with (``session.emulator_token``, through :func:`fetch_local_token`: one GET with
a total deadline and a size cap), else ``LOCAL_TOKEN``. Anything else is refused.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pim_gitops.errors import GraphAuthError, GraphError

if TYPE_CHECKING:
    import httpx

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"


def _segment(data: Mapping[str, Any]) -> str:
    raw = json.dumps(dict(data), sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unsigned_token(claims: Mapping[str, Any]) -> str:
    """A JWT-shaped token that is not signed (``alg: none``, empty signature): only ever sent
    to a loopback emulator, which is where its claims are read."""
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


#: The loopback token when the emulator names no caller (an older emulator, a test double):
#: app-only, the nil object id, no permission.
LOCAL_TOKEN = unsigned_token(
    {
        "aud": "https://graph.microsoft.com",
        "iss": "pim-gitops-local",
        "idtyp": "app",
        "oid": "00000000-0000-0000-0000-000000000000",
        "appid": "00000000-0000-0000-0000-000000000000",
        "ver": "1.0",
    }
)


#: The whole local token fetch (connect, send, read, a slow drip included), in seconds, at
#: most; and the bytes its answer may have (a token is a few hundred).
LOCAL_TOKEN_DEADLINE_S = 10.0
LOCAL_TOKEN_MAX_BYTES = 64 * 1024


def _too_large(body: bytes | bytearray, url: str, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise GraphError(
            f"the loopback token endpoint answered more than {max_bytes} bytes; "
            "it is not an emulator issuing a token",
            method="GET",
            url=url,
        )


async def _read_capped(response: httpx.Response, url: str, max_bytes: int) -> bytes:
    """The body as sent (never inflated), read no further than one chunk past the cap."""
    if response.is_stream_consumed:  # read already (an in-process transport): counted whole
        _too_large(response.content, url, max_bytes)
        return response.content
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        _too_large(body, url, max_bytes)
    return bytes(body)


async def fetch_local_token(
    url: str,
    http: httpx.AsyncBaseTransport | None = None,
    *,
    deadline_s: float = LOCAL_TOKEN_DEADLINE_S,
    max_bytes: int = LOCAL_TOKEN_MAX_BYTES,
) -> str | None:
    """The ``access_token`` a loopback emulator issues at ``url``; ``None`` when nothing
    answers there or the answer is not a token (another loopback server). A server that
    does not answer completely within ``deadline_s`` or answers more than ``max_bytes``
    is a ``GraphError`` naming the cap, never a wait without end or a body held in memory."""
    import httpx

    try:
        async with (
            asyncio.timeout(deadline_s),
            httpx.AsyncClient(transport=http, timeout=deadline_s) as client,
            client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response,
        ):
            if response.status_code != 200:
                return None
            raw = await _read_capped(response, url, max_bytes)  # as sent: never inflated
    except TimeoutError as exc:
        raise GraphError(
            f"the loopback token endpoint gave no complete answer within {deadline_s:g} s",
            method="GET",
            url=url,
        ) from exc
    except httpx.HTTPError:
        return None
    try:
        token = json.loads(raw).get("access_token")
    except (ValueError, AttributeError, RecursionError):
        return None
    return token if isinstance(token, str) and token else None


@dataclass(frozen=True)
class Cloud:
    name: str
    graph_host: str
    authority_host: str


#: Graph hosts and their Entra authorities (learn: "National cloud deployments").
CLOUDS = (
    Cloud("global", "graph.microsoft.com", "login.microsoftonline.com"),
    Cloud("us-gov", "graph.microsoft.us", "login.microsoftonline.us"),
    Cloud("us-dod", "dod-graph.microsoft.us", "login.microsoftonline.us"),
    Cloud("china", "microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
)


@dataclass(frozen=True)
class Endpoint:
    """Where requests go and how they are authenticated."""

    base_url: str  # …/v1.0
    host: str
    cloud: Cloud | None  # None: loopback emulator, local token

    @property
    def scope(self) -> str:
        return f"https://{self.host}/.default"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_endpoint(graph_url: str | None) -> Endpoint:
    """``--graph-url`` → an endpoint; refuses hosts that are neither Graph nor loopback."""
    url = (graph_url or DEFAULT_GRAPH_URL).rstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if not path.endswith("/v1.0"):
        path = path + "/v1.0"
    base = f"{parts.scheme}://{parts.netloc}{path}"
    for cloud in CLOUDS:
        if host == cloud.graph_host:
            if parts.scheme != "https":
                raise GraphAuthError(f"refusing to call Microsoft Graph over {parts.scheme}: {url}")
            return Endpoint(base, host, cloud)
    if is_loopback(host):
        return Endpoint(base, host, None)
    raise GraphAuthError(
        f"refusing to send credentials to {host!r}: --graph-url must be a Microsoft Graph host "
        f"({', '.join(c.graph_host for c in CLOUDS)}) or a loopback address (the emulator)"
    )


def github_oidc_assertion(
    fetch: Callable[[str, str], str] | None = None,
) -> Callable[[], str]:
    """A callback returning a *fresh* GitHub Actions OIDC token on every call (a token captured
    once expires mid-job). Needs ``id-token: write`` in the workflow."""
    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"]
    bearer = os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]

    def default_fetch(request_url: str, request_bearer: str) -> str:
        import httpx

        response = httpx.get(
            request_url,
            params={"audience": "api://AzureADTokenExchange"},
            headers={"Authorization": f"Bearer {request_bearer}"},
            timeout=30,
        )
        response.raise_for_status()
        return str(response.json()["value"])

    getter = fetch or default_fetch
    return lambda: getter(url, bearer)


def build_credential(endpoint: Endpoint, tenant_id: str | None) -> Any:
    """An azure-identity credential for a Graph endpoint: workload-identity federation in
    GitHub Actions (``ClientAssertionCredential``), ``DefaultAzureCredential`` elsewhere."""
    assert endpoint.cloud is not None
    from azure.identity.aio import ClientAssertionCredential, DefaultAzureCredential

    authority = endpoint.cloud.authority_host
    client_id = os.environ.get("AZURE_CLIENT_ID")
    tenant = tenant_id or os.environ.get("AZURE_TENANT_ID")
    if os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") and client_id and tenant:
        return ClientAssertionCredential(
            tenant_id=tenant,
            client_id=client_id,
            func=github_oidc_assertion(),
            authority=authority,
        )
    tenants = (
        {
            "workload_identity_tenant_id": tenant,
            "shared_cache_tenant_id": tenant,
            "visual_studio_code_tenant_id": tenant,
        }
        if tenant
        else {}
    )
    return DefaultAzureCredential(authority=authority, **tenants)
