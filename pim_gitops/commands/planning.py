"""plan and drift: the policy against a snapshot file or the live tenant."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pim_gitops.commands import CommandOptions, ExitCode
from pim_gitops.console import Console

if TYPE_CHECKING:
    from pim_gitops.graph.transport import GraphTransport
    from pim_gitops.plan import Plan
    from pim_gitops.state import TenantState
    from pim_gitops.workflow import Desired


async def read_live_plan(
    console: Console, transport: GraphTransport, desired: Desired, options: CommandOptions
) -> tuple[dict[str, Any], TenantState, Plan]:
    """One live read (with lookups) and the plan made from it; says how many requests the
    read took."""
    from pim_gitops.workflow import read_and_plan

    snapshot, state, plan = await read_and_plan(transport, desired, options.now)
    console.message(f"read the tenant in {transport.requests} Graph requests")
    return snapshot, state, plan


def live_plan(
    console: Console, options: CommandOptions, directory: str
) -> tuple[TenantState, Plan]:
    """Compile, then read the live tenant and plan in one Graph session."""
    from pim_gitops.graph.session import open_graph
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now)

    async def go() -> tuple[TenantState, Plan]:
        async with open_graph(options.graph_url, options.tenant_id) as transport:
            _, state, plan = await read_live_plan(console, transport, desired, options)
            return state, plan

    return asyncio.run(go())


def plan_and_state(
    console: Console, options: CommandOptions, directory: str, snapshot_path: str | None
) -> tuple[TenantState, Plan]:
    """The tenant state (from ``snapshot_path``, else live) and the plan against it."""
    if not snapshot_path:
        return live_plan(console, options, directory)
    from pim_gitops.gitinfo import git_trace
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.snapshot import read_snapshot
    from pim_gitops.workflow import load_desired, plan_against

    desired = load_desired(directory, options.now)
    state = normalize_tenant(read_snapshot(snapshot_path), options.now)
    return state, plan_against(desired, state, options.now, git_trace())


def show_plan(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None = None,
    fmt: str = "text",
    out: str | None = None,
    detailed_exitcode: bool = False,
    verbose: bool = False,
    base: str | None = None,
) -> int:
    """Print the plan (and save it to ``out``); exit 2 with ``detailed_exitcode`` when it
    has changes. ``base`` marks each change as from the pull request or reverting drift."""
    from pim_gitops.plan import dump_plan
    from pim_gitops.render.plan import render_json, render_markdown, render_text

    state, plan = plan_and_state(console, options, directory, snapshot_path)
    if base:
        plan = mark_base_origins(plan, state, options, base, directory)
    if out:
        Path(out).write_text(dump_plan(plan), encoding="utf-8")
        console.message(f"saved the plan to {out}")
    if fmt == "json":
        console.data(render_json(plan))
    elif fmt == "markdown":
        console.data(render_markdown(plan))
    else:
        console.show(lambda colour: render_text(plan, colour=colour, verbose=verbose))
    return ExitCode.CHANGES if detailed_exitcode and not plan.empty else ExitCode.OK


def mark_base_origins(
    plan: Plan, state: TenantState, options: CommandOptions, base: str, directory: str
) -> Plan:
    """Plan the base (a directory or a git ref) against the same state and mark origins."""
    import tempfile

    from pim_gitops.gitinfo import base_directory
    from pim_gitops.plan import mark_origins
    from pim_gitops.workflow import load_desired, plan_against

    with tempfile.TemporaryDirectory() as scratch:
        base_dir = base_directory(base, directory, scratch)
        base_plan = plan_against(load_desired(base_dir, options.now), state, options.now)
    return mark_origins(plan, base_plan)


def show_drift(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None,
    fmt: str,
) -> int:
    """The plan framed as drift; exit 2 when the tenant differs from the repository."""
    from pim_gitops.render.plan import render_drift, render_json, render_text

    state, plan = plan_and_state(console, options, directory, snapshot_path)
    modified = {
        role_id: (p.last_modified, p.last_modified_by) for role_id, p in state.policies.items()
    }
    if fmt == "json":
        console.data(render_json(plan))
    elif fmt == "text":
        console.data(render_text(plan))
    else:
        console.data(render_drift(plan, modified))
    return ExitCode.CHANGES if not plan.empty else ExitCode.OK
