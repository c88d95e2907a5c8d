"""Benchmarks of issue 17: looking up principals who hold no role, and apply under
replication lag. Numbers, not asserts (``bench/run.py`` prints and records them).

- Look-up: the resolver ``plan``, ``lint --live`` and ``snapshot --policy`` use
  (``reader.lookup_references``): names in ``in (…)`` filters of 15 (Graph's limit), sent in
  ``$batch``es of 20, so its own bound is ⌈Σ⌈n_type/15⌉ / 20⌉ requests; reported beside
  ⌈N/20⌉ (one ``$batch`` item per principal) and N (one request per principal).
- Apply under lag: writes visible after ``replication_lag_s``, new principals answered
  ``404 SubjectNotFound`` for ``principal_lag_s`` (emulator faults). Run on the real clock
  (the emulator counts the lag on ``time.monotonic`` and apply sleeps for real: wall time
  includes the waiting) and on a fake clock (lag and sleeps on a counter only sleeping
  advances: wall time is the work alone, ``simulated_wait_s`` the waiting).
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.faults import FaultConfig
from pim_gitops.emulator.server import running
from pim_gitops.graph.reader import IN_VALUES, lookup_references
from pim_gitops.graph.session import open_graph
from pim_gitops.tenantgen import group, service_principal, synthetic_tenant, user

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BUILT = datetime(2026, 11, 1, tzinfo=UTC)
BATCH = 20


def _tenant() -> dict[str, Any]:
    return synthetic_tenant(roles=130, assignments=2000, principals=500, now=BUILT)


def newcomers(users: int, groups: int, apps: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Principals who hold nothing, and their policy references."""
    objects: list[dict[str, Any]] = []
    refs: list[str] = []
    for n in range(users):
        upn = f"new{n:05d}@contoso.com"
        objects.append(user(upn, f"Newcomer {n}"))
        refs.append(f"user:{upn}")
    for n in range(groups):
        objects.append(group(f"Newcomers {n:04d}"))
        refs.append(f"group:Newcomers {n:04d}")
    for n in range(apps):
        app_id = f"00000000-0000-4000-8000-{n:012d}"
        objects.append(service_principal(app_id, f"Newcomer app {n}"))
        refs.append(f"sp:{app_id}")
    return objects, refs


def resolver_bound(counts: Sequence[int]) -> int:
    """The resolver's own bound: ⌈n/15⌉ ``in`` filters per type, in ``$batch``es of 20."""
    return math.ceil(sum(math.ceil(n / IN_VALUES) for n in counts) / BATCH)


def bench_lookup(users: int, groups: int, apps: int, latency_ms: float) -> dict[str, Any]:
    objects, refs = newcomers(users, groups, apps)
    emulator = Emulator(_tenant(), faults=FaultConfig(latency_ms=latency_ms), clock=lambda: NOW)
    for obj in objects:
        emulator.store.objects[obj["id"]] = obj
    with running(emulator) as url:

        async def go() -> int:
            async with open_graph(url) as transport:
                found = await lookup_references(transport, refs)
                assert len(found) == len(refs), (len(found), len(refs))
                return transport.requests

        start = time.perf_counter()
        requests = asyncio.run(go())
        wall = time.perf_counter() - start
    n = len(refs)
    stats = emulator.stats.as_dict()
    return {
        "name": f"look up {n} principals who hold no role ({users}u/{groups}g/{apps}sp) "
        f"@ {latency_ms:g} ms",
        "requests": requests,
        "inner_requests": stats["inner_requests"],
        "ceil_n_over_20": math.ceil(n / BATCH),
        "resolver_bound": resolver_bound([users, groups, apps]),
        "one_per_principal": n,
        "wall_s": round(wall, 3),
    }


def _lag_repo(root: Path, role: str, refs: list[str]) -> Path:
    (root / "roles").mkdir()
    (root / "pim.yaml").write_text("tenant: bench.onmicrosoft.com\n")
    lines = [
        f"role: {role}",
        "assignments_mode: additive",
        "activation: {max_duration: PT2H}",
        "eligible_assignment: {allow_permanent: true}",
        "active_assignment: {allow_permanent: true, require: [justification]}",
        "assignments:",
        "  eligible:",
        *(
            f'    - {{principal: "{r}", duration: P30D, renew: true, justification: bench}}'
            for r in refs
        ),
    ]
    (root / "roles" / "r.yaml").write_text("\n".join(lines) + "\n")
    return root


class FakeTime:
    """Seconds that only sleeping advances (the emulator's lag clock and apply's sleep)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def _apply(url: str, repo: Path, sleep: Callable[[float], Any] | None) -> tuple[Any, int, str]:
    from pim_gitops.apply import SilentListener, apply_plan
    from pim_gitops.apply.guards import Guards
    from pim_gitops.workflow import load_desired, read_and_plan

    async def go() -> tuple[Any, int, str]:
        extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        async with open_graph(url, **extra) as transport:
            desired = load_desired(str(repo), NOW)
            snapshot, state, plan = await read_and_plan(transport, desired, NOW)
            result = await apply_plan(
                transport, plan, NOW, Guards(), SilentListener(), current=(snapshot, state)
            )
            waited = next((n for n in result.notes if "replicate" in n), "no wait")
            return result, transport.requests, waited

    return asyncio.run(go())


def bench_apply_lag(lag_s: float, fake: bool, existing: int = 50, new: int = 50) -> dict[str, Any]:
    """Apply ``existing + new`` eligible assignments to one role (``new`` principals made
    just before, unknown to PIM for ``lag_s``) and an activation change, with writes
    visible after ``lag_s``."""
    snapshot = _tenant()
    role = snapshot["roleDefinitions"][7]["id"]
    holders = {s["principalId"] for s in snapshot["roleEligibilitySchedules"]}
    old = [o for o in snapshot["directoryObjects"] if o["id"] not in holders]
    old = [o for o in old if o["@odata.type"].endswith(".user")][:existing]
    objects, refs = newcomers(new, 0, 0)
    clock = FakeTime()
    emulator = Emulator(
        snapshot,
        faults=FaultConfig(replication_lag_s=lag_s, principal_lag_s=lag_s),
        clock=lambda: NOW,
        lag_clock=clock if fake else time.monotonic,
    )
    with tempfile.TemporaryDirectory() as tmp, running(emulator) as url:
        repo = _lag_repo(Path(tmp), role, [o["id"] for o in old] + refs)
        for obj in objects:
            emulator.add_principal(obj)  # made now: PIM does not know them for lag_s
        start = time.perf_counter()
        result, requests, waited = _apply(url, repo, clock.sleep if fake else None)
        wall = time.perf_counter() - start
    stats = emulator.stats.as_dict()
    return {
        "name": f"apply {len(old) + new} creates + 1 setting, lag {lag_s:g} s, "
        + ("fake clock" if fake else "real clock"),
        "ok": result.ok,
        "remaining": len(result.remaining),
        "requests": requests,
        "writes": stats["writes"],
        "settle": waited,
        "simulated_wait_s": round(clock.slept, 3) if fake else None,
        "wall_s": round(wall, 3),
    }


def lookup_rows() -> list[dict[str, Any]]:
    return [
        bench_lookup(1000, 0, 0, 0),
        bench_lookup(1000, 0, 0, 100),
        bench_lookup(900, 50, 50, 0),
        bench_apply_lag(0, fake=False),
        bench_apply_lag(3, fake=False),
        bench_apply_lag(3, fake=True),
    ]


if __name__ == "__main__":
    for row in lookup_rows():
        print(row)
