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
from pim_gitops.graph.envelopes import (
    MalformedAnswerError,
    batch_answer_id,
    inner_response,
    malformed,
    parse_batch,
)
from pim_gitops.graph.retry import Decision, parse_retry_after
from pim_gitops.graph.transport import (
    GraphResponse,
    GraphTransport,
    error_parts,
    gather_or_cancel,
)

BATCH_SIZE = 20
BATCH_URL = "/v1.0/$batch"


@dataclass(frozen=True)
class BatchItem:
    key: str
    method: str
    url: str  # relative to /v1.0, with a leading slash
    body: Any = None
    target: str = ""


Outcome = GraphResponse | GraphError


def _answers(
    response: GraphResponse, items: Sequence[BatchItem], target: str
) -> dict[str, Outcome]:
    """Each item's inner response, matched by id; an item whose answer is missing or
    malformed, or all of them when the envelope is, gets a ``GraphError`` (a
    ``MalformedAnswerError`` with the batch's status and request id) instead."""
    try:
        raw_answers = parse_batch(response, url=BATCH_URL, target=target)
        answers = _by_id(raw_answers, len(items), response, target)
    except MalformedAnswerError as exc:
        return {item.key: exc for item in items}
    out: dict[str, Outcome] = {}
    for index, item in enumerate(items):
        found = answers.get(str(index + 1), [])
        inner = inner_response(found[0]) if len(found) == 1 else None
        if isinstance(inner, GraphResponse):
            out[item.key] = inner
            continue
        if len(found) > 1:
            problem = f"the batch answer has {len(found)} responses for this request"
        elif inner is None:
            problem = "the batch answer has no response for this request"
        else:
            problem = inner
        out[item.key] = MalformedAnswerError(
            f"malformed answer from Graph: {problem} (inside the $batch answer; the write "
            "may or may not have been applied)",
            method=item.method,
            url=item.url,
            status=response.status,
            request_id=response.request_id,
            target=item.target,
        )
    return out


def _by_id(
    raw_answers: list[Any], asked: int, response: GraphResponse, target: str
) -> dict[str, list[Any]]:
    """The inner responses by id (a list: Graph answers each id once, so two are a malformed
    answer for that request, never one taken at random); an answer for an id that was not
    asked makes the whole answer malformed (it cannot be matched to what was sent)."""
    answers: dict[str, list[Any]] = {}
    for raw in raw_answers:
        key = batch_answer_id(raw)
        if key is not None:
            answers.setdefault(key, []).append(raw)
    unasked = sorted(set(answers) - {str(n) for n in range(1, asked + 1)})
    if unasked:
        raise malformed(
            "a $batch answer {responses: [...]} to the requests sent",
            f"it answers request id {unasked[0]!r}, which was not asked ({asked} were)",
            response,
            method="POST",
            url=BATCH_URL,
            target=target,
        )
    return answers


async def _send_once(
    transport: GraphTransport, items: Sequence[BatchItem], endpoint: str = "$batch"
) -> dict[str, Outcome]:
    requests = []
    for index, item in enumerate(items):
        entry: dict[str, Any] = {"id": str(index + 1), "method": item.method, "url": item.url}
        if item.body is not None:
            entry["body"] = item.body
            entry["headers"] = {"Content-Type": "application/json"}
        requests.append(entry)
    target = f"batch of {len(items)}"
    try:
        response = await transport.send(
            "POST",
            endpoint,
            body={"requests": requests},
            target=target,
            # A batch of reads only is as safe to re-send as a GET.
            idempotent=all(item.method == "GET" for item in items),
        )
    except GraphError as exc:
        return {item.key: exc for item in items}
    return _answers(response, items, target)


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
    transport: GraphTransport,
    items: Sequence[BatchItem],
    *,
    parallel: int = 4,
    endpoint: str = "$batch",
) -> dict[str, Outcome]:
    """Send items in batches of 20 (``parallel`` batches at a time) to ``endpoint`` (v1.0's
    ``$batch``, or ``graph.beta.beta_url(transport, "$batch")`` for beta items, whose URLs
    are then relative to ``/beta``), re-sending throttled
    items after the longest ``Retry-After`` they were given, while ``transport.budget``
    allows (each re-sent item is one retry; an item is sent at most ``max_attempts`` times).
    A throttled item the budget refuses comes back as a ``GraphThrottledError`` saying why."""
    pending = list(items)
    results: dict[str, Outcome] = {}
    gate = asyncio.Semaphore(parallel)

    async def one(chunk: Sequence[BatchItem]) -> dict[str, Outcome]:
        async with gate:
            return await _send_once(transport, chunk, endpoint)

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
