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
import json
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from pim_gitops.errors import GraphAuthError, GraphError, GraphThrottledError
from pim_gitops.graph.clouds import LOCAL_TOKEN, Endpoint

RETRYABLE = frozenset({429, 503, 504})
Sleeper = Callable[[float], Awaitable[None]]


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
class RetryPolicy:
    max_attempts: int = 6
    #: Total seconds of waiting allowed for one request.
    max_wait_s: float = 120.0
    base_s: float = 0.5
    cap_s: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter."""
        return rng.uniform(0, min(self.cap_s, self.base_s * (2**attempt)))


@dataclass(frozen=True)
class GraphResponse:
    status: int
    headers: Mapping[str, str]
    body: Any
    request_id: str | None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from ``Retry-After``: integer or fractional (``2.128``); ``None`` if absent or
    not a number (an HTTP date is not sent by Graph; back off instead)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


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


class StaticTokenProvider:
    """The emulator's token provider: a fixed token, only for loopback hosts."""

    def __init__(self, host: str) -> None:
        from kiota_abstractions.authentication import AllowedHostsValidator

        self._validator = AllowedHostsValidator([host])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return LOCAL_TOKEN if self._validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> Any:
        return self._validator


def build_adapter(endpoint: Endpoint, credential: Any, *, timeout_s: float = 60.0) -> Any:
    """msgraph-sdk's request adapter for an endpoint, with our middleware choice."""
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
        auth: Any = BaseBearerTokenAuthenticationProvider(StaticTokenProvider(endpoint.host))
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
    )
    client = GraphClientFactory.create_with_custom_middleware(middleware, client=client)
    adapter = GraphRequestAdapter(auth, client=client)
    adapter.base_url = endpoint.base_url
    return adapter


class GraphTransport:
    """Sends one request at a time through the adapter, with retries; counts requests."""

    def __init__(
        self,
        adapter: Any,
        base_url: str,
        *,
        retry: RetryPolicy | None = None,
        sleep: Sleeper = asyncio.sleep,
        rng: random.Random | None = None,
        concurrency: int = 8,
    ) -> None:
        self.adapter = adapter
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
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
        """One Graph call with retries; raises our ``GraphError`` family on failure."""
        url = self.url(path, params)
        safe = idempotent if idempotent is not None else method in ("GET", "PATCH", "PUT")
        waited = 0.0
        for attempt in range(self.retry.max_attempts):
            try:
                response = await self._once(method, url, body)
            except httpx.ConnectError as exc:
                failure: GraphError = GraphError(
                    f"cannot connect to Graph: {exc}",
                    method=method,
                    url=_public_url(url),
                    target=target,
                )
                delay = self.retry.backoff(attempt, self.rng)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                if not safe:
                    raise UncertainWriteError(
                        f"the connection dropped before Graph answered ({type(exc).__name__}); "
                        "the write may or may not have been applied",
                        method=method,
                        url=_public_url(url),
                        target=target,
                    ) from exc
                failure = GraphError(
                    f"the connection dropped: {type(exc).__name__}",
                    method=method,
                    url=_public_url(url),
                    target=target,
                )
                delay = self.retry.backoff(attempt, self.rng)
            else:
                if response.status < 400:
                    return response
                failure = error_from(response, method, url, target)
                if response.status not in RETRYABLE:
                    raise failure
                if response.status != 429 and not safe:
                    raise UncertainWriteError(
                        f"Graph answered {response.status}; the write may or may not have been "
                        "applied",
                        method=method,
                        url=_public_url(url),
                        status=response.status,
                        code=failure.code,
                        request_id=failure.request_id,
                        target=target,
                    )
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                delay = (
                    retry_after
                    if retry_after is not None
                    else self.retry.backoff(attempt, self.rng)
                )
                if response.status == 429:
                    failure = GraphThrottledError(
                        "throttled by Graph past the retry budget",
                        retry_after=retry_after,
                        method=method,
                        url=_public_url(url),
                        status=429,
                        code=failure.code,
                        request_id=failure.request_id,
                        target=target,
                    )
            if attempt + 1 >= self.retry.max_attempts or waited + delay > self.retry.max_wait_s:
                raise failure
            self.retries += 1
            waited += delay
            await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

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
