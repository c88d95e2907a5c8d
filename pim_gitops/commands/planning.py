"""plan and drift: the policy against a snapshot file or the live tenant."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pim_gitops.commands import CommandOptions, ExitCode
from pim_gitops.console import Console
from pim_gitops.errors import PlanError

if TYPE_CHECKING:
    from pim_gitops.apply import Guards
    from pim_gitops.compile import DesiredState
    from pim_gitops.graph.transport import GraphTransport
    from pim_gitops.lint.engine import LintResult
    from pim_gitops.plan import Plan
    from pim_gitops.render.comment import CommentContext
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


@dataclass(frozen=True)
class Planned:
    """What a plan command read and made: the compiled policy, the tenant state, the plan,
    and the read's ``organization`` (the other-tenant guard judges it; ``None``: a snapshot
    file without it)."""

    desired: Desired
    state: TenantState
    plan: Plan
    organization: Mapping[str, Any] | None = None

    @property
    def tenant_name(self) -> str | None:
        """The tenant's display name, when the read had it."""
        name = (self.organization or {}).get("displayName")
        return str(name) if name else None


def _organization(snapshot: Mapping[str, Any]) -> Mapping[str, Any] | None:
    organization = snapshot.get("organization")
    return organization if isinstance(organization, Mapping) else None


def live_planned(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    also: Sequence[DesiredState] = (),
) -> Planned:
    """Compile, then read the live tenant and plan in one Graph session (principals named
    by ``directory``'s policy and by ``also`` looked up)."""
    from pim_gitops.graph.session import open_graph
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now)

    async def go() -> Planned:
        async with open_graph(options.graph_url, options.tenant_id) as transport:
            snapshot, state, plan = await read_live_plan(
                console, transport, desired, options, also=also
            )
            return Planned(desired, state, plan, _organization(snapshot))

    return asyncio.run(go())


def live_plan(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    also: Sequence[DesiredState] = (),
) -> tuple[TenantState, Plan]:
    """The live tenant state and the plan against it (``live_planned``)."""
    done = live_planned(console, options, directory, also=also)
    return done.state, done.plan


def planned(
    console: Console,
    options: CommandOptions,
    directory: str,
    snapshot_path: str | None,
    *,
    also: Sequence[DesiredState] = (),
) -> Planned:
    """The policy, the tenant state (from ``snapshot_path``, else live) and the plan."""
    if not snapshot_path:
        return live_planned(console, options, directory, also=also)
    from pim_gitops.gitinfo import git_trace
    from pim_gitops.snapshot import read_snapshot, snapshot_tenant
    from pim_gitops.workflow import load_desired, plan_against

    desired = load_desired(directory, options.now)
    snapshot = read_snapshot(snapshot_path)
    state = snapshot_tenant(snapshot, options.now)
    plan = plan_against(desired, state, options.now, git_trace())
    return Planned(desired, state, plan, _organization(snapshot))


def plan_and_state(
    console: Console,
    options: CommandOptions,
    directory: str,
    snapshot_path: str | None,
    *,
    also: Sequence[DesiredState] = (),
) -> tuple[TenantState, Plan]:
    """The tenant state (from ``snapshot_path``, else live) and the plan against it."""
    done = planned(console, options, directory, snapshot_path, also=also)
    return done.state, done.plan


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
    guards: Guards | None = None,
    lint: bool = False,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Print the plan (and save it to ``out``), its refusals judged under ``guards`` (the
    run's limits and overrides), with ``lint`` the policy view's findings over the same
    state; ``detailed_exitcode``: 3 when apply would refuse, else 2 with changes.
    ``base`` marks each change as from the pull request or reverting drift."""
    from pim_gitops.apply import Guards
    from pim_gitops.apply.refusals import with_guards
    from pim_gitops.commands.plan_comment import comment_context, lint_plan_state
    from pim_gitops.plan import dump_plan

    if lint and fmt == "json":
        raise PlanError("--lint shows in text and markdown; for JSON run `pim-gitops lint`")
    base_desired = load_base(options, base, directory) if base else None
    also = [base_desired.state] if base_desired else []
    done = planned(console, options, directory, snapshot_path, also=also)
    plan = with_guards(
        done.plan, done.state, options.now, guards or Guards(), organization=done.organization
    )
    if base_desired is not None:
        plan = mark_base_origins(plan, done.state, options, base_desired)
    if out:
        Path(out).write_text(dump_plan(plan), encoding="utf-8")
        console.message(f"saved the plan to {out}")
    found = (
        lint_plan_state(done.desired.state, done.state, options.now, directory) if lint else None
    )
    env = os.environ if environ is None else environ
    context = partial(comment_context, directory, base, env, done.tenant_name)
    _print_plan(console, plan, fmt, verbose, found, context)
    return plan_exit_code(plan) if detailed_exitcode else ExitCode.OK


def plan_command(
    console: Console,
    options: CommandOptions,
    directory: str,
    environ: Mapping[str, str],
    **flags: Any,
) -> int:
    """``pim-gitops plan``: the guard options and ``environ`` (``PIM_GITOPS_ALLOW``,
    ``PIM_GITOPS_MAX_REMOVALS``, ``GITHUB_*``) made into ``Guards``, then ``show_plan``."""
    from pim_gitops.commands.guard_options import make_guards

    guards, rest = make_guards(flags, environ)
    return show_plan(console, options, directory, guards=guards, environ=environ, **rest)


def plan_exit_code(plan: Plan) -> int:
    """``--detailed-exitcode``: 3 when apply would refuse (over 2), 2 with changes, else 0."""
    if plan.refused:
        return ExitCode.REFUSED
    return ExitCode.CHANGES if not plan.empty else ExitCode.OK


def _print_plan(
    console: Console,
    plan: Plan,
    fmt: str,
    verbose: bool,
    lint: LintResult | None,
    context: Callable[[], CommentContext],
) -> None:
    """The plan in ``fmt``; markdown is the PR comment, whose ``context`` (git, the CI
    environment) is read only then."""
    from pim_gitops.render.plan import render_json, render_text

    if fmt == "json":
        console.data(render_json(plan))
    elif fmt == "markdown":
        from pim_gitops.render.comment import render_comment

        console.data(render_comment(plan, context(), lint))
    else:
        console.show(lambda colour: render_text(plan, colour=colour, verbose=verbose))
        if lint is not None:
            from pim_gitops.lint.render import render_text as render_lint

            console.data("\n" + render_lint(lint))


def show_saved_plan(
    console: Console, path: str, *, fmt: str = "text", environ: Mapping[str, str] | None = None
) -> int:
    """``show PLAN``: a saved plan rendered as ``plan`` renders it, with no Graph call; its
    refusals as saved (the comment then has no lint section: the file holds none)."""
    from pim_gitops.plan import load_plan

    plan = load_plan(path)
    from pim_gitops.commands.plan_comment import comment_context

    env = os.environ if environ is None else environ
    here = os.path.dirname(os.path.abspath(path))
    context = partial(comment_context, here, None, env, saved=True)
    _print_plan(console, plan, fmt, False, None, context)
    return ExitCode.OK


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
        target: (p.last_modified, p.last_modified_by)
        for target, p in {**state.policies, **state.group_policies}.items()
    }
    if fmt == "json":
        console.data(render_json(plan))
    elif fmt == "text":
        console.data(render_drift_text(plan, modified))
    else:
        console.data(render_drift(plan, modified))
    return ExitCode.CHANGES if not plan.empty else ExitCode.OK
