"""A raw-JSON Graph transport on msgraph-sdk's request pipeline.

Requests go through msgraph's ``GraphRequestAdapter`` — its authentication provider (azure-
identity credentials, allowed hosts), its httpx client and Graph middleware (telemetry,
user agent, parameter decoding) — but bodies are sent and read as raw JSON, not as the SDK's
typed models, because those lose information we need (graph-pim.md §3.5, §8):

* durations: the Python SDK serializes ``timedelta`` with ``str()`` (``8:00:00``), which
  Graph rejects (msgraph-sdk-python#1262); we format ISO 8601 ourselves;
* ``$batch``: ``dependsOn`` was written as ``depends_on`` by some SDK versions
  (msgraph-sdk-python-core PR #996), which Graph ignores; we build batch JSON ourselves;
* unknown rule properties and ``@odata.type`` must round-trip untouched so a PATCH can echo a
  live rule's ``target``.

Retries are ours too: kiota's ``RetryHandler`` re-sends POST and PATCH on 429/503/504 and
cannot parse a fractional ``Retry-After`` (graph-pim.md §8), so it is left out of the
pipeline. Here a POST is re-sent only when Graph provably did not process it (429, or the
connection was never made); otherwise the caller gets ``UncertainWriteError`` and checks by
reading.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from pim_gitops.errors import GraphAuthError, GraphError, GraphThrottledError
from pim_gitops.graph.clouds import LOCAL_TOKEN, Endpoint
from pim_gitops.graph.retry import Decision
from pim_gitops.graph.retry import RetryBudget as RetryBudget  # re-exported
from pim_gitops.graph.retry import RetryPolicy as RetryPolicy
from pim_gitops.graph.retry import Sleeper as Sleeper
from pim_gitops.graph.retry import parse_retry_after as parse_retry_after

RETRYABLE = frozenset({429, 503, 504})


async def gather_or_cancel(*awaitables: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that, when one fails, cancels the others and waits for them to
    finish before raising, so no request is left half-read when the client closes."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class UncertainWriteError(GraphError):
    """A write whose outcome is unknown (lost response, 503/504): check by reading."""


@dataclass(frozen=True)
class GraphResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None


def _sanitize(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def error_parts(body: Any) -> tuple[str | None, str, str | None] | None:
    """Graph's error body ``{"error": {code, message, innerError}}`` → code (``None`` when
    absent), message and the request id inside it; ``None`` when the body is not one."""
    if not (isinstance(body, Mapping) and isinstance(body.get("error"), Mapping)):
        return None
    error = body["error"]
    code = str(error.get("code")) if error.get("code") is not None else None
    inner = error.get("innerError") or error.get("innererror") or {}
    request_id = (
        inner.get("request-id") or inner.get("requestId") if isinstance(inner, Mapping) else None
    )
    return code, str(error.get("message") or ""), request_id


def error_from(response: GraphResponse, method: str, url: str, target: str | None) -> GraphError:
    """Our exception for a Graph error response: code, message, request id, object."""
    parts = error_parts(response.body)
    if parts is None:
        code, request_id = None, response.request_id
        message = f"unexpected response: {_sanitize(str(response.body))}"
    else:
        code, message, inner_id = parts
        request_id = response.request_id or inner_id
    cls = GraphAuthError if response.status in (401, 403) else GraphError
    return cls(
        f"Graph refused the request: {message or 'no message'}",
        method=method,
        url=_public_url(url),
        status=response.status,
        code=code if code is not None else "",
        request_id=request_id,
        target=target,
    )


def _public_url(url: str) -> str:
    """URLs in errors: no query secrets exist in ours, but strip skiptokens to stay short."""
    return url.split("$skiptoken", 1)[0].rstrip("?&")


def _gave_up(
    failure: _Retryable, decision: Decision, method: str, url: str, target: str | None
) -> GraphError:
    """The error for a retryable failure that will not be retried: its cause and why not."""
    message = f"{failure.message}; {decision.reason}"
    where: dict[str, Any] = {
        "method": method,
        "url": _public_url(url),
        "status": failure.status,
        "code": failure.code,
        "request_id": failure.request_id,
        "target": target,
    }
    if failure.status == 429:
        return GraphThrottledError(message, retry_after=failure.retry_after, **where)
    return GraphError(message, **where)


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
    timeout_s: float = 60.0,
    http: httpx.AsyncBaseTransport | None = None,
    local_token: str = LOCAL_TOKEN,
) -> Any:
    """msgraph-sdk's request adapter for an endpoint, with our middleware choice (``http``:
    the httpx transport underneath the Graph pipeline, e.g. a ``MockTransport`` in tests;
    ``local_token``: what a loopback endpoint is sent, see ``session.emulator_token``)."""
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from kiota_http.kiota_client_factory import KiotaClientFactory
    from kiota_http.middleware import RetryHandler
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory
    from msgraph_core.middleware import GraphTelemetryHandler

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
        if not isinstance(m, RetryHandler)  # retries are ours (module docstring)
    ]
    middleware.append(GraphTelemetryHandler())
    client = httpx.AsyncClient(
        base_url=endpoint.base_url,
        timeout=httpx.Timeout(timeout_s),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        follow_redirects=False,
        transport=http,
    )
    client = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    adapter = GraphRequestAdapter(auth, client=client)
    adapter.base_url = endpoint.base_url
    return adapter


@dataclass(frozen=True)
class _Retryable:
    """A failed send that may be retried, and what to raise if it is not."""

    message: str
    status: int | None = None
    code: str | None = None
    request_id: str | None = None
    retry_after: float | None = None


class GraphTransport:
    """Sends one request at a time through the adapter, with retries drawn from one
    :class:`RetryBudget` (``budget``, shared with ``$batch`` re-sends and apply's settle
    rounds); counts requests."""

    def __init__(
        self,
        adapter: Any,
        base_url: str,
        *,
        retry: RetryPolicy | None = None,
        budget: RetryBudget | None = None,
        sleep: Sleeper = asyncio.sleep,
        rng: random.Random | None = None,
        concurrency: int = 8,
    ) -> None:
        self.adapter = adapter
        self.base_url = base_url.rstrip("/")
        self.budget = budget or RetryBudget(retry, rng=rng)
        self.sleep = sleep
        self.concurrency = concurrency
        self._semaphore: asyncio.Semaphore | None = None
        self.requests = 0
        self.retries = 0
        #: Paths that refused ``$top`` in this session (see reader._collection).
        self.no_top: set[str] = set()

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        if path.startswith(("http://", "https://")):
            full = path
        else:
            full = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            full += ("&" if "?" in full else "?") + urlencode(
                params, quote_via=quote, safe="$,()'="
            )
        return full

    async def _once(self, method: str, url: str, body: Any) -> GraphResponse:
        from kiota_abstractions.method import Method
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation()
        info.http_method = Method[method]
        info.url = url
        info.headers.try_add("Accept", "application/json")
        if body is not None:
            info.content = json.dumps(body).encode()
            info.headers.try_add("Content-Type", "application/json")
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        async with self._semaphore:
            self.requests += 1
            span = self.adapter.start_tracing_span(info, method)
            try:
                raw: httpx.Response = await self.adapter.get_http_response_message(info, span)
            finally:
                span.end()
        text = raw.text
        parsed: Any = None
        if text:
            try:
                parsed = json.loads(text)
            except ValueError:
                content_type = raw.headers.get("content-type", "?")
                parsed = f"non-JSON response ({content_type}): {_sanitize(text)}"
        return GraphResponse(raw.status_code, raw.headers, parsed, raw.headers.get("request-id"))

    async def _attempt(
        self, method: str, url: str, body: Any, target: str | None, safe: bool
    ) -> GraphResponse | _Retryable:
        """One send: the response, a retryable failure, or a raised error that is not."""
        public = _public_url(url)
        try:
            response = await self._once(method, url, body)
        except httpx.ConnectError as exc:
            return _Retryable(f"cannot connect to Graph: {exc}")
        except (httpx.TransportError, httpx.DecodingError) as exc:
            if not safe:
                raise UncertainWriteError(
                    f"the connection dropped before Graph answered ({type(exc).__name__}); "
                    "the write may or may not have been applied",
                    method=method,
                    url=public,
                    target=target,
                ) from exc
            return _Retryable(f"the connection dropped: {type(exc).__name__}")
        if response.status < 400:
            return response
        failure = error_from(response, method, url, target)
        if response.status not in RETRYABLE:
            raise failure
        if response.status != 429 and not safe:
            raise UncertainWriteError(
                f"Graph answered {response.status}; the write may or may not have been applied",
                method=method,
                url=public,
                status=response.status,
                code=failure.code,
                request_id=failure.request_id,
                target=target,
            )
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        message = f"Graph answered {response.status}"
        if response.status == 429:
            message = "throttled by Graph"
        elif (parts := error_parts(response.body)) and parts[1]:
            message += f": {parts[1]}"
        return _Retryable(message, response.status, failure.code, failure.request_id, retry_after)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        target: str | None = None,
        idempotent: bool | None = None,
    ) -> GraphResponse:
        """One Graph call, re-sent while the budget allows: a read on 429/503/504 or a dropped
        connection, a write only when Graph provably did not process it (429, or no
        connection); raises our ``GraphError`` family on failure."""
        url = self.url(path, params)
        safe = idempotent if idempotent is not None else method in ("GET", "PATCH", "PUT")
        for attempt in itertools.count():
            result = await self._attempt(method, url, body, target, safe)
            if isinstance(result, GraphResponse):
                return result
            decision = self.budget.decide(attempt, [result.retry_after])
            if not decision.retry:
                raise _gave_up(result, decision, method, url, target)
            self.retries += 1
            await self.sleep(decision.wait_s)
        raise AssertionError("unreachable")  # pragma: no cover

    async def access_token(self) -> str:
        """The bearer token this transport sends to its Graph host (for ``identity.whoami``;
        never logged): asked from the adapter's authentication provider, as for a request."""
        from kiota_abstractions.request_information import RequestInformation

        info = RequestInformation()
        info.url = self.url("")
        await self.adapter._authentication_provider.authenticate_request(info)
        header = info.headers.get("Authorization")
        value = next(iter(header), "") if header else ""
        if not value.lower().startswith("bearer "):
            raise GraphAuthError("no access token is available for " + self.base_url)
        return str(value[7:].strip())

    async def get_json(
        self, path: str, *, params: Mapping[str, str] | None = None, target: str | None = None
    ) -> Any:
        return (await self.send("GET", path, params=params, target=target)).body

    async def get_all(
        self, path: str, *, params: Mapping[str, str] | None = None, target: str | None = None
    ) -> list[Any]:
        """Every item of a collection, following ``@odata.nextLink`` verbatim."""
        items: list[Any] = []
        body = await self.get_json(path, params=params, target=target)
        while True:
            if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
                raise GraphError(
                    f"expected a collection, got {_sanitize(json.dumps(body, default=str))}",
                    method="GET",
                    url=_public_url(self.url(path, params)),
                    target=target,
                )
            items.extend(body["value"])
            link = body.get("@odata.nextLink")
            if not link:
                return items
            body = await self.get_json(str(link), target=target)

    async def close(self) -> None:
        client = getattr(self.adapter, "_http_client", None)
        if client is None:
            return
        # msgraph's AsyncGraphTransport does not close the transport it wraps: do it here.
        inner = getattr(getattr(client, "_transport", None), "transport", None)
        await client.aclose()
        if isinstance(inner, httpx.AsyncBaseTransport):
            await inner.aclose()
