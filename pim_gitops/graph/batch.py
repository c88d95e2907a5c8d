"""JSON batching (``POST $batch``): up to 20 requests per batch, built as raw JSON because
SDK versions wrote ``dependsOn`` wrongly (graph-pim.md §8). Each inner request is throttled
on its own: throttled items are re-sent after the longest ``Retry-After`` they were given,
drawing on the transport's retry budget (one per command, see ``graph.retry``); everything
else is returned to the caller, matched by id (responses come back in any order)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pim_gitops.errors import GraphError, GraphThrottledError
from pim_gitops.graph.retry import Decision, parse_retry_after
from pim_gitops.graph.transport import (
    GraphResponse,
    GraphTransport,
    error_parts,
    gather_or_cancel,
)

BATCH_SIZE = 20


@dataclass(frozen=True)
class BatchItem:
    key: str
    method: str
    url: str  # relative to /v1.0, with a leading slash
    body: Any = None
    target: str = ""


Outcome = GraphResponse | GraphError


def _inner_response(raw: Any) -> GraphResponse:
    headers = {str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items()}
    return GraphResponse(
        int(raw.get("status", 0)), headers, raw.get("body"), headers.get("request-id")
    )


async def _send_once(transport: GraphTransport, items: Sequence[BatchItem]) -> dict[str, Outcome]:
    requests = []
    for index, item in enumerate(items):
        entry: dict[str, Any] = {"id": str(index + 1), "method": item.method, "url": item.url}
        if item.body is not None:
            entry["body"] = item.body
            entry["headers"] = {"Content-Type": "application/json"}
        requests.append(entry)
    try:
        response = await transport.send(
            "POST", "$batch", body={"requests": requests}, target=f"batch of {len(items)}"
        )
    except GraphError as exc:
        return {item.key: exc for item in items}
    answers = {
        str(r.get("id")): r
        for r in (response.body or {}).get("responses", [])
        if isinstance(r, dict)
    }
    out: dict[str, Outcome] = {}
    for index, item in enumerate(items):
        raw = answers.get(str(index + 1))
        if raw is None:
            out[item.key] = GraphError(
                "the batch response has no answer for this request",
                method=item.method,
                url=item.url,
                target=item.target,
            )
        else:
            out[item.key] = _inner_response(raw)
    return out


def _still_throttled(item: BatchItem, response: GraphResponse, why: Decision) -> GraphError:
    """The outcome of a throttled item that will not be re-sent: why not, and its request id."""
    parts = error_parts(response.body)
    return GraphThrottledError(
        f"throttled by Graph; {why.reason}",
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        method=item.method,
        url=item.url,
        status=429,
        code=parts[0] if parts else None,
        request_id=response.request_id,
        target=item.target,
    )


async def send_batched(
    transport: GraphTransport, items: Sequence[BatchItem], *, parallel: int = 4
) -> dict[str, Outcome]:
    """Send items in batches of 20 (``parallel`` batches at a time), re-sending throttled
    items after the longest ``Retry-After`` they were given, while ``transport.budget``
    allows (each re-sent item is one retry; an item is sent at most ``max_attempts`` times).
    A throttled item the budget refuses comes back as a ``GraphThrottledError`` saying why."""
    pending = list(items)
    results: dict[str, Outcome] = {}
    gate = asyncio.Semaphore(parallel)

    async def one(chunk: Sequence[BatchItem]) -> dict[str, Outcome]:
        async with gate:
            return await _send_once(transport, chunk)

    for attempt in itertools.count():
        chunks = [pending[i : i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
        outcomes: dict[str, Outcome] = {}
        for part in await gather_or_cancel(*(one(c) for c in chunks)):
            outcomes.update(part)
        throttled: list[tuple[BatchItem, GraphResponse]] = []
        for item in pending:
            outcome = results[item.key] = outcomes[item.key]
            if isinstance(outcome, GraphResponse) and outcome.status == 429:
                throttled.append((item, outcome))
        if not throttled:
            break
        waits = [parse_retry_after(r.headers.get("retry-after")) for _, r in throttled]
        decision = transport.budget.decide(attempt, waits, n=len(throttled))
        if not decision.retry:
            for item, response in throttled:
                results[item.key] = _still_throttled(item, response, decision)
            break
        await transport.sleep(decision.wait_s)
        transport.retries += len(throttled)
        pending = [item for item, _ in throttled]
    return results
