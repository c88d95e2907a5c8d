"""The steps the commands share: compile the policy, read the tenant (snapshot or live),
plan. I/O lives here and in ``graph/``; the logic it calls is pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pim_gitops.compile import DesiredState, all_principals, compile_policies
from pim_gitops.diff import Resolver
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.loader import load_policies
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan, build_plan, desired_hash
from pim_gitops.render.desired import describe_desired
from pim_gitops.state import TenantState


@dataclass(frozen=True)
class Desired:
    state: DesiredState
    hash: str


def load_desired(directory: str, now: datetime) -> Desired:
    state = compile_policies(load_policies(directory), now)
    return Desired(state, desired_hash(describe_desired(state)))


def unresolved(desired: DesiredState, tenant: TenantState) -> list[str]:
    resolver = Resolver(tenant)
    refs = set(all_principals(desired))
    return sorted(r for r in refs if isinstance(resolver.principal(r), str))


async def read_tenant(
    transport: GraphTransport, desired: DesiredState, now: datetime
) -> tuple[dict[str, Any], TenantState]:
    """Read the live tenant; look up the principals the policy names that hold no role yet."""
    from pim_gitops.graph.reader import lookup_references, read_snapshot

    snapshot = await read_snapshot(transport, now=now)
    state = normalize_tenant(snapshot, now)
    missing = unresolved(desired, state)
    if missing:
        found = await lookup_references(transport, missing)
        known = {o["id"] for o in snapshot["directoryObjects"]}
        snapshot["directoryObjects"] += [o for o in found if o["id"] not in known]
        state = normalize_tenant(snapshot, now)
    return snapshot, state


async def read_and_plan(
    transport: GraphTransport, desired: Desired, now: datetime
) -> tuple[dict[str, Any], TenantState, Plan]:
    """One live read (with lookups) and the plan made from it."""
    snapshot, state = await read_tenant(transport, desired.state, now)
    return snapshot, state, plan_against(desired, state, now, git_trace())


def plan_against(
    desired: Desired, tenant: TenantState, now: datetime, trace: str | None = None
) -> Plan:
    return build_plan(desired.state, tenant, now, desired_hash=desired.hash, trace=trace)


async def apply_plan(
    transport: GraphTransport,
    plan: Plan,
    now: datetime,
    guards: Any,
    listener: Any,
    current: tuple[dict[str, Any], TenantState] | None = None,
) -> Any:
    """Re-read, check, write, verify (``apply.run.apply_plan``)."""
    from pim_gitops.apply import apply_plan as run_apply

    return await run_apply(transport, plan, now, guards, listener, current=current)


def git_trace() -> str | None:
    """The commit and pull request behind this run, for the tenant's audit log."""
    import os

    sha = os.environ.get("GITHUB_SHA")
    if not sha:
        return None
    parts = [f"commit {sha[:12]}"]
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repo = os.environ.get("GITHUB_REPOSITORY")
    ref = os.environ.get("GITHUB_REF", "")
    if repo and ref.startswith("refs/pull/"):
        parts.append(f"{server}/{repo}/pull/{ref.split('/')[2]}")
    elif repo:
        parts.append(f"{server}/{repo}/commit/{sha}")
    return "pim-gitops " + " ".join(parts)


def base_directory(base: str, directory: str, scratch: str) -> str:
    """``--base``: a directory as is, else a git ref whose copy of ``directory`` is extracted
    into ``scratch`` (``git archive``)."""
    import io
    import os
    import subprocess
    import tarfile

    if os.path.isdir(base):
        return base
    top = subprocess.run(
        ["git", "-C", directory, "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if top.returncode != 0:
        from pim_gitops.errors import PlanError

        raise PlanError(f"--base {base!r} is neither a directory nor usable as a git ref here")
    root = top.stdout.strip()
    relative = os.path.relpath(os.path.abspath(directory), root)
    archive = subprocess.run(
        ["git", "-C", root, "archive", base, relative], capture_output=True, check=False
    )
    if archive.returncode != 0:
        from pim_gitops.errors import PlanError

        raise PlanError(
            f"--base {base!r}: git archive failed: "
            f"{archive.stderr.decode(errors='replace').strip()}"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return os.path.join(scratch, relative)
