"""apply: three ways in (a saved plan file; a directory with ``--auto-approve``; a directory
planned, shown and confirmed), one way through (``run_apply``) and one summary."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pim_gitops.commands import CommandOptions, ExitCode
from pim_gitops.commands.guard_options import guard_options
from pim_gitops.console import APPROVE_DETAIL, APPROVE_QUESTION, Console
from pim_gitops.wording import plural

if TYPE_CHECKING:
    from pim_gitops.apply import ApplyResult, Guards
    from pim_gitops.graph.transport import GraphTransport
    from pim_gitops.plan import GuardFacts, Plan
    from pim_gitops.state import TenantState

#: Where ``apply PLAN`` finds the policy repository it checks a plan file against.
DEFAULT_POLICY = "policies"

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def apply_options(func: F) -> F:
    """The arguments and options of ``pim-gitops apply``."""
    import click

    options = [
        click.argument("target", default="policies", type=click.Path(exists=True)),
        click.option("--auto-approve", is_flag=True, help="Apply without asking (CI)."),
        click.option(
            "--policy",
            default=DEFAULT_POLICY,
            show_default=True,
            type=click.Path(file_okay=False),
            help="Applying a PLAN file: the policy repository it must have been made from "
            "(the guards' inputs are recomputed from it, never read from the file).",
        ),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text"),
        click.option(
            "--dry-run", is_flag=True, help="Print the requests apply would send; write nothing."
        ),
    ]
    func = guard_options(func)
    for option in reversed(options):
        func = option(func)
    return func


def apply_command(
    console: Console,
    options: CommandOptions,
    target: str,
    environ: Mapping[str, str],
    **flags: Any,
) -> int:
    """``pim-gitops apply``: the guard options and ``environ`` (``PIM_GITOPS_ALLOW``,
    ``PIM_GITOPS_MAX_REMOVALS``) made into ``Guards``, then ``apply_target``."""
    from pim_gitops.commands.guard_options import make_guards

    guards, rest = make_guards(flags, environ)
    return apply_target(console, options, target, guards=guards, **rest)


def apply_target(
    console: Console,
    options: CommandOptions,
    target: str,
    *,
    guards: Guards,
    auto_approve: bool = False,
    fmt: str = "text",
    dry_run: bool = False,
    policy: str = DEFAULT_POLICY,
) -> int:
    """Apply a saved plan (``target`` is a file, checked against the policy repository
    ``policy``) or plan-and-apply a policy directory: at once with ``auto_approve`` (CI),
    else after showing the plan and asking."""
    if Path(target).is_file():
        plan = read_plan_file(target)
        return apply_saved_plan(
            console, options, plan, guards=guards, fmt=fmt, dry_run=dry_run, policy=policy
        )
    if auto_approve or dry_run:
        return plan_and_apply(console, options, target, guards=guards, fmt=fmt, dry_run=dry_run)
    return confirm_and_apply(console, options, target, guards=guards, fmt=fmt)


def read_plan_file(path: str) -> Plan:
    from pim_gitops.plan import load_plan

    return load_plan(path)


def apply_saved_plan(
    console: Console,
    options: CommandOptions,
    plan: Plan,
    *,
    guards: Guards,
    fmt: str,
    dry_run: bool = False,
    policy: str = DEFAULT_POLICY,
) -> int:
    """A plan saved by ``plan --out`` (untrusted): re-read the tenant, refuse the plan if
    stale, made from another version of ``policy`` or asking for writes it does not, and
    apply it with guard inputs recomputed from ``policy`` and the live tenant."""
    from pim_gitops.workflow import load_desired

    if plan.empty:
        return _nothing_to_apply(console, fmt)
    desired = load_desired(policy, options.now)

    async def go(transport: GraphTransport) -> ApplyResult | None:
        from pim_gitops.apply import ApplyResult
        from pim_gitops.apply.trust import in_effect_and_trusted, trusted_facts, trusted_plan
        from pim_gitops.apply.verify import ALREADY_IN_EFFECT
        from pim_gitops.workflow import plan_against, read_tenant

        snapshot, state = await read_tenant(transport, desired.state, options.now)
        replan = plan_against(desired, state, options.now)
        if in_effect_and_trusted(plan, desired.hash, replan, state, policy):  # applied before
            return ApplyResult(notes=[ALREADY_IN_EFFECT])
        facts = trusted_facts(plan, desired.hash, replan, state, policy)
        current, chosen = (snapshot, state), trusted_plan(plan, replan)
        return await run_apply(
            console, transport, chosen, options, guards, current, dry_run=dry_run, facts=facts
        )

    result = _in_session(options, go)
    return ExitCode.OK if result is None else report_apply(console, result, fmt)


def plan_and_apply(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    guards: Guards,
    fmt: str,
    dry_run: bool = False,
) -> int:
    """CI: plan and apply in one Graph session from one read (no human wait in between)."""
    from pim_gitops.apply.refusals import with_guards
    from pim_gitops.commands.planning import read_live_plan
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now)

    async def go(transport: GraphTransport) -> ApplyResult | None:
        snapshot, state, plan = await read_live_plan(console, transport, desired, options)
        organization = snapshot.get("organization") or {}
        # apply judges the identity it signs in as, right after: no guess at it shown here
        plan = with_guards(
            plan, state, options.now, guards, organization=organization, identity_known=True
        )
        _show_plan(console, plan, fmt)
        if plan.empty:
            return None
        current = (snapshot, state)
        return await run_apply(console, transport, plan, options, guards, current, dry_run=dry_run)

    result = _in_session(options, go)
    if result is None:
        return ExitCode.OK if fmt != "json" else _nothing_to_apply(console, fmt)
    return report_apply(console, result, fmt)


def confirm_and_apply(
    console: Console, options: CommandOptions, directory: str, *, guards: Guards, fmt: str
) -> int:
    """A person at a terminal: plan, show it, refuse it as apply would (before asking, as
    Terraform does), ask, then apply (re-reading the tenant, since it may have moved while
    they read the plan)."""
    import click

    from pim_gitops.apply.guards import check_guards

    judged = _judged_live_plan(console, options, directory, guards, console.interactive)
    _show_plan(console, judged.plan, fmt)
    if judged.plan.empty:
        return ExitCode.OK
    if not console.interactive:
        raise click.UsageError("not a terminal: pass --auto-approve to apply")
    check_guards(judged.plan, judged.state, guards, judged.organization, options.now, judged.facts)
    if not console.confirm(APPROVE_QUESTION, APPROVE_DETAIL):
        console.error("Apply cancelled.")  # Terraform's words and exit code
        return ExitCode.ERROR
    return apply_saved_plan(console, options, judged.plan, guards=guards, fmt=fmt, policy=directory)


@dataclass(frozen=True)
class _Judged:
    """A live plan judged as apply judges it: the read's organization and the guard facts
    with the identity apply signs in as."""

    state: TenantState
    plan: Plan
    organization: Mapping[str, Any]
    facts: GuardFacts


def _judged_live_plan(
    console: Console, options: CommandOptions, directory: str, guards: Guards, signed_in: bool
) -> _Judged:
    """Read, plan and (``signed_in``, a non-empty plan) ask Graph who apply signs in as, in
    one session; the plan's refusals are then the ones apply would make."""
    from pim_gitops.apply.refusals import with_guards
    from pim_gitops.apply.run import signed_in_facts
    from pim_gitops.commands.planning import read_live_plan
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, options.now)

    async def go(transport: GraphTransport) -> _Judged:
        snapshot, state, plan = await read_live_plan(console, transport, desired, options)
        facts = plan.guards
        if signed_in and not plan.empty:
            facts, _ = await signed_in_facts(transport, facts, state, options.now)
        organization = snapshot.get("organization") or {}
        judged = with_guards(
            plan,
            state,
            options.now,
            guards,
            organization=organization,
            facts=facts,
            identity_known=signed_in,
        )
        return _Judged(state, judged, organization, facts)

    return _in_session(options, go)


async def run_apply(
    console: Console,
    transport: GraphTransport,
    plan: Plan,
    options: CommandOptions,
    guards: Guards,
    current: tuple[dict[str, Any], TenantState] | None = None,
    *,
    dry_run: bool = False,
    facts: GuardFacts | None = None,
) -> ApplyResult | None:
    """The one apply path every entry point takes: progress, phases and each operation's
    result go to ``console``. ``current`` is the read the plan was just made from, in this
    session (else apply re-reads the tenant first)."""
    from pim_gitops.apply import apply_plan

    if dry_run:
        await show_requests(console, transport, plan, options, guards, current, facts)
        return None
    with console.progress(len(plan.operations)):
        return await apply_plan(
            transport, plan, options.now, guards, console, current=current, facts=facts
        )


async def show_requests(
    console: Console,
    transport: GraphTransport,
    plan: Plan,
    options: CommandOptions,
    guards: Guards,
    current: tuple[dict[str, Any], TenantState] | None,
    facts: GuardFacts | None = None,
) -> None:
    """``--dry-run``: the exact requests apply would send, in order, after the same stale and
    guard checks; nothing is written."""
    from pim_gitops.apply import dry_run

    items = await dry_run(transport, plan, options.now, guards, current=current, facts=facts)
    for item in items:
        body = json.dumps(item.body, indent=2, sort_keys=True, ensure_ascii=False)
        url = item.url if item.url.startswith("/beta/") else f"/v1.0{item.url}"
        console.data(f"{item.method} {url}  # {item.target}\n{body}\n\n")
    sent = plural(len(items), "request")
    console.message(f"dry run: {sent} would be sent; nothing was written")


def report_apply(console: Console, result: ApplyResult, fmt: str) -> int:
    """The summary (or the JSON result) on stdout; exit 1 unless everything took effect."""
    if fmt == "json":
        report = result.report().model_dump(mode="json")
        console.data(json.dumps(report, indent=2, sort_keys=True) + "\n")
    else:
        for note in result.notes:
            console.message(note)
        for lost in result.access_lost:
            console.message(f"access lost in the tenant as read back: {lost}")
        for missing in result.remaining:
            console.message(f"not in effect after read-back: {missing.operation.label}")
            for line in missing.why:
                console.message(f"    {line}")
        console.human(result.summary_line() + "\n")
    return ExitCode.OK if result.ok else ExitCode.ERROR


def _show_plan(console: Console, plan: Plan, fmt: str) -> None:
    """The plan for the person: on stdout, or on stderr when stdout carries the JSON result."""
    from pim_gitops.render.plan import render_text

    if fmt == "json":
        console.message(render_text(plan, colour=False).rstrip("\n"))
    else:
        console.show(lambda colour: render_text(plan, colour=colour))


def _nothing_to_apply(console: Console, fmt: str) -> int:
    """An empty plan: say so, or (``--format json``) print the empty result."""
    from pim_gitops.apply import ApplyResult

    if fmt == "json":
        return report_apply(console, ApplyResult(), fmt)
    console.data("No changes. Nothing to apply.\n")
    return ExitCode.OK


def _in_session(options: CommandOptions, work: Callable[[GraphTransport], Awaitable[T]]) -> T:
    """Run ``work(transport)`` in one Graph session."""
    from pim_gitops.graph.session import open_graph

    async def go() -> T:
        async with open_graph(options.graph_url, options.tenant_id) as transport:
            return await work(transport)

    return asyncio.run(go())
