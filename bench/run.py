"""Benchmarks: `make bench` prints one table and writes bench/results.json.

Numbers, not asserts: reading (requests and wall time vs the lower bound and the per-role
pattern), applying at 100 ms latency, CPU for plan and lint, start-up, peak memory; and
(``bench/lookups.py``) looking up principals who hold no role, and apply under replication lag.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pim_gitops.authcontext import used
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.faults import FaultConfig
from pim_gitops.emulator.server import running
from pim_gitops.export import export_repo, write_export
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.lint.engine import run_lint
from pim_gitops.normalize import normalize_tenant
from pim_gitops.render.plan import render_text
from pim_gitops.snapshot import COLLECTIONS, OPTIONAL_COLLECTIONS, REVIEW_DEFINITIONS
from pim_gitops.tenantgen import synthetic_tenant
from pim_gitops.workflow import load_desired, plan_against

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BUILT = datetime(2026, 11, 1, tzinfo=UTC)
PAGE = 100  # the emulator's page size when no $top is given
TOP = 999  # the largest page Graph gives with $top, which the reader asks for


def tenant(assignments: int, roles: int = 130) -> dict[str, Any]:
    return synthetic_tenant(
        roles=roles, assignments=assignments, principals=max(200, assignments // 4), now=BUILT
    )


def lower_bound(snapshot: dict[str, Any], principals: int, page: int = TOP) -> int:
    """The fewest requests that can read a tenant: one per page of each collection (at the
    largest page the reader asks for; the administrative units too), one getByIds per 1,000
    principals, one organization, and one for the authentication contexts when a live policy
    requires one on activation, and the access review definitions' pages. PIM for Groups:
    ``bench/groups.py``."""
    pages = math.ceil(max(len(snapshot.get("administrativeUnits") or []), 1) / page)
    pages += sum(
        math.ceil(max(len(snapshot.get(c) or []), 1) / page)
        for c in (*COLLECTIONS, *OPTIONAL_COLLECTIONS)
        # principals by getByIds, contexts only when used: both counted below
        if c not in ("directoryObjects", "authenticationContextClassReferences")
    )
    contexts = 1 if used(snapshot["roleManagementPolicies"]) else 0
    # Access reviews: the definitions' pages of Graph's default 100 (graph/review_reader.py).
    pages += math.ceil(max(len(snapshot.get(REVIEW_DEFINITIONS) or []), 1) / PAGE)
    return pages + math.ceil(principals / 1000) + 1 + contexts  # + organization


def bench_read(assignments: int, latency_ms: float) -> dict[str, Any]:
    snapshot = tenant(assignments)
    emulator = Emulator(
        snapshot, page_size=PAGE, faults=FaultConfig(latency_ms=latency_ms), clock=lambda: NOW
    )
    with running(emulator) as url:

        async def go() -> dict[str, Any]:
            async with open_graph(url) as transport:
                return await fetch_snapshot(transport, now=NOW)

        start = time.perf_counter()
        data = asyncio.run(go())
        wall = time.perf_counter() - start
    stats = emulator.stats.as_dict()
    bound = lower_bound(snapshot, len(data["directoryObjects"]))
    longest = max(math.ceil(len(snapshot[c]) / TOP) for c in COLLECTIONS if c != "directoryObjects")
    return {
        "name": f"read 130 roles / {assignments} assignments @ {latency_ms:g} ms",
        "requests": stats["requests"],
        "lower_bound": bound,
        "ratio_to_lower_bound": round(stats["requests"] / bound, 2),
        "per_role_pattern": 3 * 130,
        "ratio_to_per_role": round(stats["requests"] / (3 * 130), 3),
        "depth_target": 2 + longest,
        "max_concurrency": stats["max_concurrency"],
        "wall_s": round(wall, 3),
    }


def bench_apply_setting(latency_ms: float) -> dict[str, Any]:
    snapshot = tenant(2000)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / "roles").mkdir()
        (repo / "pim.yaml").write_text("tenant: bench.onmicrosoft.com\n")
        for role in snapshot["roleDefinitions"]:
            (repo / "roles" / f"{role['id']}.yaml").write_text(
                f"role: {role['id']}\nassignments_mode: additive\n"
                "activation: {max_duration: PT2H}\n"
                "eligible_assignment: {allow_permanent: true}\n"
                "active_assignment: {allow_permanent: true, require: [justification]}\n"
            )
        return _apply(snapshot, repo, latency_ms, "apply: change activation on 130 roles")


def bench_apply_creates(latency_ms: float, count: int = 500) -> dict[str, Any]:
    snapshot = tenant(2000)
    users = [o for o in snapshot["directoryObjects"]][:count]
    role = snapshot["roleDefinitions"][5]["id"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / "roles").mkdir()
        (repo / "pim.yaml").write_text("tenant: bench.onmicrosoft.com\n")
        lines = [
            f"role: {role}",
            "assignments_mode: additive",
            "eligible_assignment: {allow_permanent: true}",
            "active_assignment: {allow_permanent: true, require: [justification]}",
            "assignments:",
            "  eligible:",
        ]
        existing = {
            s["principalId"]
            for s in snapshot["roleEligibilitySchedules"]
            if s["roleDefinitionId"] == role
        }
        for user in users:
            if user["id"] not in existing:
                lines.append(
                    f"    - {{principal: {user['id']}, duration: P30D, renew: true, "
                    "justification: bench}"
                )
        (repo / "roles" / "r.yaml").write_text("\n".join(lines) + "\n")
        return _apply(snapshot, repo, latency_ms, f"apply: create ~{count} assignments")


def _apply(snapshot: dict[str, Any], repo: Path, latency_ms: float, name: str) -> dict[str, Any]:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    emulator = Emulator(
        snapshot, page_size=PAGE, faults=FaultConfig(latency_ms=latency_ms), clock=lambda: NOW
    )
    with running(emulator) as url:
        start = time.perf_counter()
        result = CliRunner().invoke(
            cli,
            [
                "--now",
                "2026-11-24T09:00:00Z",
                "--graph-url",
                url,
                "apply",
                str(repo),
                "--auto-approve",
                "--max-removals",
                "0",
            ],
        )
        wall = time.perf_counter() - start
    stats = emulator.stats.as_dict()
    return {
        "name": f"{name} @ {latency_ms:g} ms",
        "exit_code": result.exit_code,
        "requests": stats["requests"],
        "batches": stats["by_route"].get("POST $batch", 0),
        "writes": stats["writes"],
        "wall_s": round(wall, 3),
    }


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench_plan(assignments: int) -> dict[str, Any]:
    snapshot = tenant(assignments)
    state = normalize_tenant(snapshot, NOW)
    with tempfile.TemporaryDirectory() as tmp:
        write_export(export_repo(state, now=NOW), Path(tmp), force=True)
        # 10% of the schedules disappear from the tenant: the plan re-creates them.
        snapshot["roleEligibilitySchedules"] = snapshot["roleEligibilitySchedules"][
            len(snapshot["roleEligibilitySchedules"]) // 10 :
        ]
        drifted = normalize_tenant(snapshot, NOW)
        tracemalloc.start()

        def work() -> Any:
            desired = load_desired(tmp, NOW)
            plan = plan_against(desired, drifted, NOW)
            render_text(plan)
            return plan

        plan, _ = _timed(work)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        _, plain = _timed(work)
        desired = load_desired(tmp, NOW).state
        lint_result, lint_s = _timed(lambda: run_lint(desired, drifted, NOW))
    return {
        "name": f"compile + diff + render plan, {assignments} assignments",
        "changes": len(plan.changes),
        "wall_s": round(plain, 3),
        "peak_memory_mb_traced": round(peak / 2**20, 1),
        "lint_s": round(lint_s, 3),
        "lint_findings": len(lint_result.findings),
    }


def bench_startup() -> dict[str, Any]:
    def run(args: list[str]) -> float:
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(args, check=False, capture_output=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    exe = str(Path(sys.executable).with_name("pim-gitops"))
    validate = run([exe, "validate", str(ROOT / "policies")])
    bare = run([sys.executable, "-c", "pass"])
    return {
        "name": "pim-gitops validate start-up vs python -c pass",
        "validate_s": round(validate, 3),
        "python_s": round(bare, 3),
        "overhead_s": round(validate - bare, 3),
    }


def main() -> None:
    if str(ROOT) not in sys.path:  # `python bench/run.py` (make bench): its sibling modules
        sys.path.insert(0, str(ROOT))
    from bench.groups import group_rows
    from bench.lookups import lookup_rows

    results = [
        bench_read(2000, 0),
        bench_read(2000, 100),
        bench_read(20000, 0),
        bench_read(20000, 100),
        bench_apply_setting(100),
        bench_apply_creates(100),
        bench_plan(10000),
        bench_plan(50000),
        bench_startup(),
        *lookup_rows(),
        *group_rows(),
    ]
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    for row in results:
        name = row.pop("name")
        print(f"{name:58} " + "  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
