"""Reading PIM for Groups (issue 21): 200 role-assignable groups holding a role, 20 PIM
members each, read at 0 and 100 ms latency; requests against the stated lower bound.

The lower bound for N groups: Graph has no tenant-wide read of PIM for Groups (the schedule
collections require a ``$filter`` on ``groupId`` or ``principalId``; group policies and their
assignments are filtered by one ``scopeId``), so it is one request per group per collection,
4 N requests (policies with rules, policy assignments, eligibility schedules, assignment
schedules), which ``$batch`` carries 20 at a time: ``ceil(4 N / 20)`` HTTP requests; and one
batch item per group for its members, ``ceil(N / 20)``. The rest of the read is bounded as
``run.lower_bound`` says (directory collections by page, ``getByIds`` per 1,000 principals).

The server is the emulator when it serves PIM for Groups, else ``graph_fake.FakeGraph`` (the
reader's own fake: same snapshot, same latency per HTTP request); the row says which.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.graph_fake import FakeGraph
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.faults import FaultConfig
from pim_gitops.emulator.server import running
from pim_gitops.graph.batch import BATCH_SIZE
from pim_gitops.graph.group_reader import LOWER_BOUND_PER_GROUP
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.normalize_groups import GROUP_COLLECTIONS_READ, is_group_scoped
from pim_gitops.tenantgen import synthetic_tenant

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BUILT = datetime(2026, 11, 1, tzinfo=UTC)


def group_tenant(groups: int, members: int) -> dict[str, Any]:
    return synthetic_tenant(
        roles=130,
        assignments=500,
        principals=max(200, groups * members),
        now=BUILT,
        pim_groups=groups,
        group_members=members,
    )


def group_lower_bound(groups: int, expanded: int) -> int:
    """HTTP requests PIM for Groups needs at least: ``ceil(4 N / 20)`` batches, plus the
    members of the ``expanded`` groups, ``ceil(G / 20)`` batches."""
    items = LOWER_BOUND_PER_GROUP * groups
    return math.ceil(items / BATCH_SIZE) + math.ceil(expanded / BATCH_SIZE)


def directory_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot without its PIM-for-Groups rows (``run.lower_bound`` counts its pages)."""
    out = {k: v for k, v in snapshot.items() if k not in GROUP_COLLECTIONS_READ}
    for name in ("roleManagementPolicies", "roleManagementPolicyAssignments"):
        out[name] = [r for r in snapshot[name] if not is_group_scoped(r)]
    return out


async def _read(url: str, http: httpx.AsyncBaseTransport | None) -> tuple[dict[str, Any], int]:
    async with open_graph(url, http=http) as transport:
        data = await fetch_snapshot(transport, now=NOW)
        return data, transport.requests


def _on_emulator(snapshot: dict[str, Any], latency_ms: float) -> tuple[dict[str, Any], int, float]:
    emulator = Emulator(
        snapshot, page_size=100, faults=FaultConfig(latency_ms=latency_ms), clock=lambda: NOW
    )
    with running(emulator) as url:
        start = time.perf_counter()
        data, requests = asyncio.run(_read(url, None))
        return data, requests, time.perf_counter() - start


def _on_fake(snapshot: dict[str, Any], latency_ms: float) -> tuple[dict[str, Any], int, float]:
    fake = FakeGraph(snapshot, latency_s=latency_ms / 1000)
    start = time.perf_counter()
    data, requests = asyncio.run(_read("http://127.0.0.1:9", httpx.MockTransport(fake)))
    return data, requests, time.perf_counter() - start


def bench_group_read(groups: int, members: int, latency_ms: float) -> dict[str, Any]:
    from bench.run import lower_bound

    snapshot = group_tenant(groups, members)
    server = "emulator"
    data, requests, wall = _on_emulator(snapshot, latency_ms)
    if data.get("privilegedAccessGroupReadErrors"):  # the emulator does not serve them yet
        server = "fake"
        data, requests, wall = _on_fake(snapshot, latency_ms)
    read = len(data.get("privilegedAccessGroupsRead") or [])
    expanded = len(data["groupMembers"])
    directory = lower_bound(directory_part(snapshot), len(data["directoryObjects"]))
    bound = directory + group_lower_bound(read, expanded)
    return {
        "name": f"read {groups} PIM groups x {members} members @ {latency_ms:g} ms ({server})",
        "groups_read": read,
        "group_items_lower_bound": LOWER_BOUND_PER_GROUP * groups,
        "requests": requests,
        "lower_bound": bound,
        "ratio_to_lower_bound": round(requests / bound, 2),
        "wall_s": round(wall, 3),
    }


def group_rows() -> list[dict[str, Any]]:
    return [bench_group_read(200, 20, 0), bench_group_read(200, 20, 100)]


if __name__ == "__main__":
    for row in group_rows():
        name = row.pop("name")
        print(f"{name:58} " + "  ".join(f"{k}={v}" for k, v in row.items()))
