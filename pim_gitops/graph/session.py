"""Open a Graph transport for a ``--graph-url`` and read a tenant (CLI-facing helpers)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from pim_gitops.graph.clouds import LOCAL_TOKEN, Endpoint, build_credential, resolve_endpoint
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.retry import Clock, RetryBudget, RetryPolicy, Sleeper
from pim_gitops.graph.transport import GraphTransport, build_adapter

#: Where the emulator issues the token of the caller it is configured with.
EMULATOR_TOKEN_PATH = "/_emulator/token"


async def emulator_token(endpoint: Endpoint, http: httpx.AsyncBaseTransport | None = None) -> str:
    """The token a loopback emulator issues for its caller (``GET /_emulator/token``), or
    ``LOCAL_TOKEN`` when it issues none (another loopback server, not yet listening: the
    first Graph request then reports the connection error as usual)."""
    assert endpoint.cloud is None, "only a loopback endpoint is asked for a local token"
    root = endpoint.base_url.removesuffix("/v1.0")
    try:
        async with httpx.AsyncClient(transport=http, timeout=10) as client:
            response = await client.get(root + EMULATOR_TOKEN_PATH)
        token = response.json().get("access_token") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError, AttributeError):
        token = None
    return token if isinstance(token, str) and token else LOCAL_TOKEN


@asynccontextmanager
async def open_graph(
    graph_url: str | None,
    tenant_id: str | None = None,
    *,
    retry: RetryPolicy | None = None,
    sleep: Sleeper = asyncio.sleep,
    rng: random.Random | None = None,
    clock: Clock = time.monotonic,
    concurrency: int = 8,
) -> AsyncIterator[GraphTransport]:
    """A transport for one command, with the command's one retry budget
    (``transport.budget``: ``retry`` limits, its deadline counted on ``clock`` from now)."""
    endpoint = resolve_endpoint(graph_url)
    credential = build_credential(endpoint, tenant_id) if endpoint.cloud else None
    local = LOCAL_TOKEN if endpoint.cloud else await emulator_token(endpoint)
    transport = GraphTransport(
        build_adapter(endpoint, credential, local_token=local),
        endpoint.base_url,
        budget=RetryBudget(retry, clock=clock, rng=rng),
        sleep=sleep,
        concurrency=concurrency,
    )
    try:
        yield transport
    finally:
        await transport.close()
        if credential is not None:
            await credential.close()


def read_live_snapshot(
    graph_url: str | None, tenant_id: str | None, now: datetime
) -> tuple[dict[str, Any], int]:
    """The live tenant as a snapshot, and the number of HTTP requests it took."""

    async def go() -> tuple[dict[str, Any], int]:
        async with open_graph(graph_url, tenant_id) as transport:
            data = await fetch_snapshot(transport, now=now, tenant_id=tenant_id or "")
            return data, transport.requests

    return asyncio.run(go())
