"""Which Graph host gets which credential.

A real token is only ever sent to a Microsoft Graph host of the global or a national cloud,
with that cloud's authority and ``/.default`` scope. A loopback URL (the emulator) gets a
fixed local token and no credential is ever built. Anything else is refused.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pim_gitops.errors import GraphAuthError

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
LOCAL_TOKEN = "pim-gitops-local-emulator-token"


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
