"""plan and drift: the policy against a snapshot file or the live tenant."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pim_gitops.commands import CommandOptions, ExitCode
from pim_gitops.console import Console

if TYPE_CHECKING:
    from pim_gitops.compile import DesiredState
    from pim_gitops.graph.transport import GraphTransport
    from pim_gitops.plan import Plan
    from pim_gitops.state import TenantState
    from pim_gitops.workflow import Desired


async def read_live_plan(
    console: Console,
    transport: GraphTransport,
    desired: Desired,
    options: CommandOptions,
    *,
    also: Sequence[DesiredState] = (),
) -> tuple[dict[str, Any], TenantState, Plan]:
    """One live read (with lookups for ``desired`` and ``also``) and the plan made from it;
    says how many requests the read took."""
    from pim_gitops.workflow import read_and_plan

    snapshot, state, plan = await read_and_plan(transport, desired, options.now, also=also)
    console.message(f"read the tenant in {transport.requests} Graph requests")
    return snapshot, state, plan


def live_plan(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    also: Sequence[DesiredState] = (),
) -> tuple[TenantState, Plan]:
    """Compile, then read the live tenant and plan in one Graph session (principals named
    by ``directory``'s policy and by ``also`` looked up)."""
    from pim_gitops.graph.session import open_graph
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now)

    async def go() -> tuple[TenantState, Plan]:
        async with open_graph(options.graph_url, options.tenant_id) as transport:
            _, state, plan = await read_live_plan(console, transport, desired, options, also=also)
            return state, plan

    return asyncio.run(go())


def plan_and_state(
    console: Console,
    options: CommandOptions,
    directory: str,
    snapshot_path: str | None,
    *,
    also: Sequence[DesiredState] = (),
) -> tuple[TenantState, Plan]:
    """The tenant state (from ``snapshot_path``, else live) and the plan against it."""
    if not snapshot_path:
        return live_plan(console, options, directory, also=also)
    from pim_gitops.gitinfo import git_trace
    from pim_gitops.snapshot import read_snapshot, snapshot_tenant
    from pim_gitops.workflow import load_desired, plan_against

    desired = load_desired(directory, options.now)
    state = snapshot_tenant(read_snapshot(snapshot_path), options.now)
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

    base_desired = load_base(options, base, directory) if base else None
    also = [base_desired.state] if base_desired else []
    state, plan = plan_and_state(console, options, directory, snapshot_path, also=also)
    if base_desired is not None:
        plan = mark_base_origins(plan, state, options, base_desired)
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


def load_base(options: CommandOptions, base: str, directory: str) -> Desired:
    """The base policy (a directory or a git ref), compiled."""
    import tempfile

    from pim_gitops.gitinfo import base_directory
    from pim_gitops.workflow import load_desired

    with tempfile.TemporaryDirectory() as scratch:
        return load_desired(base_directory(base, directory, scratch), options.now)


def mark_base_origins(
    plan: Plan, state: TenantState, options: CommandOptions, base: Desired
) -> Plan:
    """Plan the base against the same state (whose look-ups covered the base's principals
    too) and mark each change as from the pull request or reverting drift."""
    from pim_gitops.plan import mark_origins
    from pim_gitops.workflow import plan_against

    return mark_origins(plan, plan_against(base, state, options.now))


def show_drift(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None,
    fmt: str,
) -> int:
    """The plan framed as drift, worded as what changed in the tenant (``render/drift.py``);
    exit 2 when the tenant differs from the repository."""
    from pim_gitops.render.drift import render_drift, render_drift_text
    from pim_gitops.render.plan import render_json

    state, plan = plan_and_state(console, options, directory, snapshot_path)
    modified = {
        role_id: (p.last_modified, p.last_modified_by) for role_id, p in state.policies.items()
    }
    if fmt == "json":
        console.data(render_json(plan))
    elif fmt == "text":
        console.data(render_drift_text(plan, modified))
    else:
        console.data(render_drift(plan, modified))
    return ExitCode.CHANGES if not plan.empty else ExitCode.OK
