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

Nothing the network says is trusted (docs/reliability.md, "Network guarantees"): a redirect
is an error, never followed (``adapter``); a next link is followed only on its collection's
origin, never twice, within a page cap (``paging``); every answer's shape is checked
(``envelopes``); each request has a deadline, the command has one, and bodies have a size cap
(``capped``, ``limits``); credential and TLS failures are errors in words (``credentials``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from pim_gitops.errors import GraphAuthError, GraphError, GraphThrottledError
from pim_gitops.graph.adapter import StaticTokenProvider as StaticTokenProvider  # re-exported
from pim_gitops.graph.adapter import build_adapter as build_adapter
from pim_gitops.graph.capped import ResponseTooLarge, UnknownEncoding
from pim_gitops.graph.credentials import credential_error, is_credential_failure, tls_error
from pim_gitops.graph.envelopes import GraphResponse as GraphResponse  # re-exported
from pim_gitops.graph.envelopes import error_from as error_from
from pim_gitops.graph.envelopes import error_parts as error_parts
from pim_gitops.graph.envelopes import parse_object, parse_page, public_url, sanitize
from pim_gitops.graph.limits import NetworkLimits, cap_name
from pim_gitops.graph.paging import Pager
from pim_gitops.graph.retry import Clock, Decision
from pim_gitops.graph.retry import RetryBudget as RetryBudget  # re-exported
from pim_gitops.graph.retry import RetryPolicy as RetryPolicy
from pim_gitops.graph.retry import Sleeper as Sleeper
from pim_gitops.graph.retry import parse_retry_after as parse_retry_after
from pim_gitops.wording import clauses

#: Statuses worth re-sending a read on (502: a proxy or gateway in between, often HTML).
RETRYABLE = frozenset({429, 502, 503, 504})


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


def redirect_error(response: GraphResponse, where: dict[str, Any]) -> GraphError:
    """A 3xx: never followed (it could carry a write body or the token to another host)."""
    location = response.headers.get("location", "")
    host = urlsplit(location).netloc or "(no Location)"
    return GraphError(
        f"Graph answered a redirect to host {host}; redirects are never followed",
        status=response.status,
        request_id=response.request_id,
        **where,
    )


def _gave_up(
    failure: _Retryable, decision: Decision, method: str, url: str, target: str | None
) -> GraphError:
    """The error for a retryable failure that will not be retried: its cause and why not."""
    message = clauses(failure.message, decision.reason)
    where: dict[str, Any] = {
        "method": method,
        "url": public_url(url),
        "status": failure.status,
        "code": failure.code,
        "request_id": failure.request_id,
        "target": target,
    }
    if failure.status == 429:
        return GraphThrottledError(message, retry_after=failure.retry_after, **where)
    return GraphError(message, **where)


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
    rounds) and the caps of ``limits`` (a deadline per request and per command, counted on
    ``clock`` from now); counts requests. ``credential``: how the token is got, in words."""

    def __init__(
        self,
        adapter: Any,
        base_url: str,
        *,
        retry: RetryPolicy | None = None,
        budget: RetryBudget | None = None,
        limits: NetworkLimits | None = None,
        sleep: Sleeper = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        concurrency: int = 8,
        credential: str = "the local token",
        tenant: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.base_url = base_url.rstrip("/")
        self.budget = budget or RetryBudget(retry, rng=rng)
        self.limits = limits or NetworkLimits()
        self.sleep = sleep
        self.clock = clock
        self.deadline = clock() + self.limits.command_timeout_s
        self.concurrency = concurrency
        self.credential = credential
        self.tenant = tenant
        self._semaphore: asyncio.Semaphore | None = None
        self.requests = 0
        self.retries = 0
        #: Paths that refused ``$top`` in this session (see reader._collection).
        self.no_top: set[str] = set()

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        if path[:8].lower().startswith(("http://", "https://")):  # any case (RFC 3986)
            full = path
        else:
            full = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            full += ("&" if "?" in full else "?") + urlencode(
                params, quote_via=quote, safe="$,()'="
            )
        return full

    def _time_left(self, method: str, url: str, target: str | None) -> tuple[float, str]:
        """Seconds this request may take, and the cap that sets them; raises once the
        command's deadline has passed."""
        left = self.deadline - self.clock()
        if left <= 0:
            raise GraphError(
                f"the command ran past its deadline of {self.limits.command_timeout_s:g} s "
                f"({cap_name('command_timeout_s')}); no further request is sent",
                method=method,
                url=public_url(url),
                target=target,
            )
        if left < self.limits.request_timeout_s:
            return left, f"the command deadline of {self.limits.command_timeout_s:g} s " + (
                f"({cap_name('command_timeout_s')})"
            )
        return self.limits.request_timeout_s, (
            f"the request deadline of {self.limits.request_timeout_s:g} s "
            f"({cap_name('request_timeout_s')})"
        )

    async def _once(self, method: str, url: str, body: Any, seconds: float) -> GraphResponse:
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
                async with asyncio.timeout(seconds):
                    raw: httpx.Response = await self.adapter.get_http_response_message(info, span)
            finally:
                span.end()
        text = raw.text
        parsed: Any = None
        if text:
            try:
                parsed = json.loads(text)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's
                content_type = raw.headers.get("content-type", "?")
                parsed = f"non-JSON response ({content_type}): {sanitize(text)}"
        request_id = raw.headers.get("request-id")
        return GraphResponse(raw.status_code, raw.headers, parsed, request_id, len(raw.content))

    def _refused(
        self, exc: BaseException, cap: str, where: dict[str, Any], safe: bool
    ) -> GraphError | None:
        """The error for a send that failed for a reason never retried (a cap, the
        credential, TLS); ``None`` when ``exc`` is not one of those."""
        if is_credential_failure(exc):
            return credential_error(exc, self.credential, self.tenant)
        if isinstance(exc, httpx.ConnectError):
            return tls_error(exc, urlsplit(where["url"]).hostname or "?")
        if isinstance(exc, TimeoutError):
            message = f"no complete answer from Graph within {cap}"
        elif isinstance(exc, ResponseTooLarge):
            message = (
                f"the answer is larger than {exc.limit} bytes, the cap "
                f"{cap_name('max_response_bytes')}"
            )
        elif isinstance(exc, UnknownEncoding):
            message = str(exc)
        else:
            return None
        if not safe:
            message += "; the write may or may not have been applied"
            return UncertainWriteError(message, **where)
        return GraphError(message, **where)

    def _failed(self, exc: Exception, cap: str, where: dict[str, Any], safe: bool) -> _Retryable:
        """A send that raised: retryable (no connection; a dropped one on a read), or
        raised again as our error."""
        refused = self._refused(exc, cap, where, safe)
        if refused is not None:
            raise refused from exc
        if isinstance(exc, httpx.ConnectError):
            return _Retryable(f"cannot connect to Graph: {exc}")
        if not isinstance(exc, (httpx.TransportError, httpx.DecodingError)):
            raise exc
        if not safe:
            raise UncertainWriteError(
                f"the connection dropped before Graph answered ({type(exc).__name__}); "
                "the write may or may not have been applied",
                **where,
            ) from exc
        return _Retryable(f"the connection dropped: {type(exc).__name__}")

    async def _attempt(
        self, method: str, url: str, body: Any, target: str | None, safe: bool
    ) -> GraphResponse | _Retryable:
        """One send: the response, a retryable failure, or a raised error that is not."""
        public = public_url(url)
        where: dict[str, Any] = {"method": method, "url": public, "target": target}
        seconds, cap = self._time_left(method, url, target)
        try:
            response = await self._once(method, url, body, seconds)
        except Exception as exc:
            return self._failed(exc, cap, where, safe)
        if 300 <= response.status < 400:
            raise redirect_error(response, where)
        if response.status < 400:
            return response
        failure = error_from(response, method, url, target)
        if response.status not in RETRYABLE:
            raise failure
        if response.status != 429 and not safe:
            raise UncertainWriteError(
                f"Graph answered {response.status}; the write may or may not have been applied",
                status=response.status,
                code=failure.code,
                request_id=failure.request_id,
                **where,
            )
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        message = f"Graph answered {response.status}"
        if response.status == 429:
            message = "throttled by Graph"
        elif (parts := error_parts(response.body)) and parts[1]:
            message += f": {parts[1]}"
        elif isinstance(response.body, str):  # e.g. a gateway's HTML page
            message += f": {sanitize(response.body)}"
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
        """One JSON object (a ``MalformedAnswerError`` when the answer is not one)."""
        url = self.url(path, params)
        response = await self.send("GET", url, target=target)
        return parse_object(response, method="GET", url=url, target=target)

    async def get_all(
        self, path: str, *, params: Mapping[str, str] | None = None, target: str | None = None
    ) -> list[Any]:
        """Every item of a collection, following ``@odata.nextLink`` verbatim while it stays
        on the first page's origin, never repeats, and within ``limits.max_pages``."""
        url = self.url(path, params)
        limits = self.limits
        pager = Pager(url, limits.max_pages, target, self.base_url, limits.max_collection_bytes)
        url = pager.first  # scheme and host in normal form
        items: list[Any] = []
        while True:
            response = await self.send("GET", url, target=target)
            pager.count(response.size)
            page = parse_page(response, method="GET", url=url, target=target)
            items.extend(page.value)
            if not page.next_link:
                return items
            url = pager.follow(page.next_link)

    async def close(self) -> None:
        client = getattr(self.adapter, "_http_client", None)
        if client is None:
            return
        # msgraph's AsyncGraphTransport does not close the transport it wraps: do it here.
        inner = getattr(getattr(client, "_transport", None), "transport", None)
        await client.aclose()
        if isinstance(inner, httpx.AsyncBaseTransport):
            await inner.aclose()
