"""JSON batching (``POST $batch``): up to 20 requests per batch, built as raw JSON because
SDK versions wrote ``dependsOn`` wrongly (graph-pim.md §8). Each inner request is throttled
on its own: throttled items are re-sent after their ``Retry-After``; everything else is
returned to the caller, matched by id (responses come back in any order)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pim_gitops.errors import GraphError
from pim_gitops.graph.transport import (
    GraphResponse,
    GraphTransport,
    gather_or_cancel,
    parse_retry_after,
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


async def send_batched(
    transport: GraphTransport,
    items: Sequence[BatchItem],
    *,
    max_rounds: int = 8,
    parallel: int = 4,
) -> dict[str, Outcome]:
    """Send items in batches of 20 (``parallel`` batches at a time), re-sending throttled
    items after the longest ``Retry-After`` they were given."""
    pending = list(items)
    results: dict[str, Outcome] = {}
    gate = asyncio.Semaphore(parallel)

    async def one(chunk: Sequence[BatchItem]) -> dict[str, Outcome]:
        async with gate:
            return await _send_once(transport, chunk)

    for _ in range(max_rounds):
        if not pending:
            break
        chunks = [pending[i : i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
        outcomes: dict[str, Outcome] = {}
        for part in await gather_or_cancel(*(one(c) for c in chunks)):
            outcomes.update(part)
        throttled: list[BatchItem] = []
        waits: list[float] = []
        for item in pending:
            outcome = outcomes[item.key]
            results[item.key] = outcome
            if isinstance(outcome, GraphResponse) and outcome.status == 429:
                throttled.append(item)
                wait = parse_retry_after(outcome.headers.get("retry-after"))
                if wait is not None:
                    waits.append(wait)
        if not throttled:
            break
        await transport.sleep(max(waits or [1.0]))
        transport.retries += len(throttled)
        pending = throttled
    return results
