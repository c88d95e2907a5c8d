"""msgraph-sdk's request adapter for an endpoint: authentication, the Graph middleware we
keep (no retry handler, no redirect handler: see ``transport``), timeouts and the response
size cap (``capped``)."""

from __future__ import annotations

from typing import Any

import httpx

from pim_gitops.graph.capped import CappedTransport
from pim_gitops.graph.clouds import LOCAL_TOKEN, Endpoint
from pim_gitops.graph.limits import NetworkLimits


class StaticTokenProvider:
    """The emulator's token provider: a fixed token, only for loopback hosts."""

    def __init__(self, host: str, token: str = LOCAL_TOKEN) -> None:
        from kiota_abstractions.authentication import AllowedHostsValidator

        self._validator = AllowedHostsValidator([host])
        self._token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self._token if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> Any:
        return self._validator


def build_adapter(
    endpoint: Endpoint,
    credential: Any,
    *,
    limits: NetworkLimits | None = None,
    http: httpx.AsyncBaseTransport | None = None,
    local_token: str = LOCAL_TOKEN,
) -> Any:
    """msgraph-sdk's request adapter for an endpoint, with our middleware choice: no retry
    handler (retries are ours, module docstring) and no redirect handler (a 3xx is an error,
    never followed). ``http``: the httpx transport underneath the Graph pipeline (e.g. a
    ``MockTransport`` in tests), wrapped to cap response sizes; ``local_token``: what a
    loopback endpoint is sent, see ``session.emulator_token``."""
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import RedirectHandler, RetryHandler
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler

    caps = limits or NetworkLimits()
    if endpoint.cloud is None:
        auth: Any = BaseBearerTokenAuthenticationProvider(
            StaticTokenProvider(endpoint.host, local_token)
        )
    else:
        auth = AzureIdentityAuthenticationProvider(
            credential, scopes=[endpoint.scope], allowed_hosts=[endpoint.host]
        )
    middleware = [
        m
        for m in KiotaClientFactory.get_default_middleware(None)
        if not isinstance(m, (RetryHandler, RedirectHandler))
    ]
    middleware.append(GraphTelemetryHandler())
    pool = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    inner = http or httpx.AsyncHTTPTransport(limits=pool)
    client = httpx.AsyncClient(
        base_url=endpoint.base_url,
        timeout=httpx.Timeout(caps.request_timeout_s, connect=caps.connect_timeout_s),
        limits=pool,
        follow_redirects=False,
        transport=CappedTransport(inner, caps.max_response_bytes),
    )
    client = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    adapter = GraphRequestAdapter(auth, client=client)
    adapter.base_url = endpoint.base_url
    return adapter
