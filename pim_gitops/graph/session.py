"""Open a Graph transport for a ``--graph-url`` and read a tenant (CLI-facing helpers)."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx

from pim_gitops.graph.clouds import (
    LOCAL_TOKEN,
    LOCAL_TOKEN_DEADLINE_S,
    Endpoint,
    build_credential,
    fetch_local_token,
    resolve_endpoint,
)
from pim_gitops.graph.credentials import SharedToken
from pim_gitops.graph.limits import NetworkLimits, limits_from_env, retry_from_env
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.retry import Clock, RetryBudget, RetryPolicy, Sleeper
from pim_gitops.graph.transport import GraphTransport, build_adapter

#: Where the emulator issues the token of the caller it is configured with.
EMULATOR_TOKEN_PATH = "/_emulator/token"


async def emulator_token(
    endpoint: Endpoint,
    http: httpx.AsyncBaseTransport | None = None,
    deadline_s: float = LOCAL_TOKEN_DEADLINE_S,
) -> str:
    """The token a loopback emulator issues for its caller (``GET /_emulator/token``), or
    ``LOCAL_TOKEN`` when it issues none (another loopback server, not yet listening: the
    first Graph request then reports the connection error as usual). The fetch has a total
    deadline and a size cap (``clouds.fetch_local_token``)."""
    assert endpoint.cloud is None, "only a loopback endpoint is asked for a local token"
    root = endpoint.base_url.removesuffix("/v1.0")
    token = await fetch_local_token(root + EMULATOR_TOKEN_PATH, http, deadline_s=deadline_s)
    return token or LOCAL_TOKEN


def describe_credential(credential: Any) -> str:
    """``DefaultAzureCredential``: the credential's class, for error messages."""
    inner = getattr(credential, "inner", credential)
    return type(inner).__name__ if inner is not None else "the local token"


@asynccontextmanager
async def open_graph(
    graph_url: str | None,
    tenant_id: str | None = None,
    *,
    retry: RetryPolicy | None = None,
    limits: NetworkLimits | None = None,
    environ: Mapping[str, str] | None = None,
    sleep: Sleeper = asyncio.sleep,
    rng: random.Random | None = None,
    clock: Clock = time.monotonic,
    concurrency: int = 8,
    credential: Any = None,
    http: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[GraphTransport]:
    """A transport for one command, with the command's one retry budget
    (``transport.budget``: ``retry`` limits, its deadline counted on ``clock`` from now) and
    network caps (``limits``). Caps not given are read from ``environ`` (default
    ``os.environ``: ``PIM_GITOPS_*``, see ``graph.limits``), else their defaults.
    ``credential``: an azure-identity credential to use instead of the default one;
    ``http``: the httpx transport underneath (tests). One token is shared by all requests."""
    env = os.environ if environ is None else environ
    retry = retry or retry_from_env(env)
    limits = limits or limits_from_env(env)
    endpoint = resolve_endpoint(graph_url)
    shared: SharedToken | None = None
    if endpoint.cloud is not None:
        shared = SharedToken(credential or build_credential(endpoint, tenant_id))
    deadline = min(LOCAL_TOKEN_DEADLINE_S, limits.request_timeout_s)
    local = LOCAL_TOKEN if endpoint.cloud else await emulator_token(endpoint, http, deadline)
    transport = GraphTransport(
        build_adapter(endpoint, shared, limits=limits, http=http, local_token=local),
        endpoint.base_url,
        budget=RetryBudget(retry, clock=clock, rng=rng),
        limits=limits,
        sleep=sleep,
        clock=clock,
        concurrency=concurrency,
        credential=describe_credential(shared),
        tenant=tenant_id or env.get("AZURE_TENANT_ID"),
    )
    try:
        yield transport
    finally:
        await transport.close()
        if shared is not None and credential is None:
            await shared.close()  # a credential passed in is the caller's to close


def read_live_snapshot(
    graph_url: str | None, tenant_id: str | None, now: datetime
) -> tuple[dict[str, Any], int]:
    """The live tenant as a snapshot, and the number of HTTP requests it took."""

    async def go() -> tuple[dict[str, Any], int]:
        async with open_graph(graph_url, tenant_id) as transport:
            data = await fetch_snapshot(transport, now=now, tenant_id=tenant_id or "")
            return data, transport.requests

    return asyncio.run(go())
