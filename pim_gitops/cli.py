"""Command-line interface: parse, build objects, call one function, map to an exit code.

Exit codes: 0 ok / no changes, 1 error or blocking findings, 2 changes present
(``plan --detailed-exitcode`` and ``drift``). Usage errors exit 1 too, so 2 always
means "changes present".
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from pim_gitops import __version__
from pim_gitops.errors import PimGitopsError, PolicyErrors

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """Options shared by every command."""

    def __init__(
        self,
        debug: bool,
        now: datetime,
        graph_url: str | None = None,
        tenant_id: str | None = None,
    ) -> None:
        self.debug = debug
        self.now = now
        self.graph_url = graph_url
        self.tenant_id = tenant_id

    def tenant_snapshot(self, path: str | None) -> dict[str, Any]:
        """A snapshot file if given, else the live tenant (read through Graph)."""
        from pim_gitops.snapshot import read_snapshot

        if path:
            return read_snapshot(path)
        from pim_gitops.graph.session import read_live_snapshot

        data, requests = read_live_snapshot(self.graph_url, self.tenant_id, self.now)
        click.echo(f"read the tenant in {requests} Graph requests", err=True)
        return data


def _parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    from pim_gitops.wire import parse_instant

    try:
        return parse_instant(value if "T" in value else f"{value}T00:00:00Z")
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or instant") from exc


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn our errors into a message and exit 1; ``--debug`` shows the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_object(Context) and ctx.find_object(Context).debug)  # type: ignore[union-attr]
        try:
            return func(*args, **kwargs)
        except PimGitopsError as exc:
            if debug:
                traceback.print_exc()
            _fail(f"error: {exc}" if not isinstance(exc, PolicyErrors) else str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, the traceback only with --debug
            if debug:
                traceback.print_exc()
            _fail(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "(run with --debug for the traceback, and please report it)"
            )

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pim-gitops")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.option(
    "--now",
    envvar="PIM_GITOPS_NOW",
    metavar="INSTANT",
    help="Treat this UTC date/instant as now (env PIM_GITOPS_NOW); for reproducible runs.",
)
@click.option(
    "--graph-url",
    envvar="PIM_GITOPS_GRAPH_URL",
    metavar="URL",
    help="Microsoft Graph endpoint (env PIM_GITOPS_GRAPH_URL): a national cloud's Graph host, "
    "or a loopback URL of the emulator. Default https://graph.microsoft.com.",
)
@click.option(
    "--tenant-id",
    envvar="PIM_GITOPS_TENANT_ID",
    metavar="ID",
    help="Entra tenant id to sign in to (env PIM_GITOPS_TENANT_ID, else AZURE_TENANT_ID).",
)
@click.pass_context
def cli(
    ctx: click.Context, debug: bool, now: str | None, graph_url: str | None, tenant_id: str | None
) -> None:
    """Policy-as-code and a GitOps reconciler for Microsoft Entra PIM."""
    ctx.obj = Context(debug=debug, now=_parse_now(now), graph_url=graph_url, tenant_id=tenant_id)


def directory_argument(func: F) -> F:
    """The policy directory argument shared by the commands that read one."""
    return click.argument("directory", default="policies", type=click.Path(file_okay=False))(func)


def snapshot_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--snapshot", "snapshot_path", type=click.Path(dir_okay=False), help=help_text
    )


def main() -> None:
    try:
        cli.main(prog_name="pim-gitops", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted")
    except click.ClickException as exc:
        exc.show()
        sys.exit(1)  # usage errors exit 1: exit 2 means "changes present"
    sys.exit(0)


# --- validate ---------------------------------------------------------------------------


@cli.command()
@directory_argument
@click.option("--show", is_flag=True, help="Print the fully resolved settings of every role.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@handle_errors
def validate(obj: Context, directory: str, show: bool, fmt: str) -> None:
    """Check policy files: schema, references, durations, assignments vs. role policy."""
    from pim_gitops.compile import compile_policies
    from pim_gitops.loader import load_policies
    from pim_gitops.render.desired import describe_desired, show_desired, summarize_desired

    desired = compile_policies(load_policies(directory), obj.now)
    for warning in desired.warnings:
        click.echo(f"{warning.location}: warning: {warning.message}", err=True)
    if fmt == "json":
        click.echo(json.dumps(describe_desired(desired), indent=2, sort_keys=True))
        return
    click.echo(summarize_desired(desired, directory))
    if show:
        click.echo(show_desired(desired))


# --- schema -----------------------------------------------------------------------------


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="schemas",
    show_default=True,
    help="Directory to write the JSON Schemas to.",
)
@handle_errors
def schema(out: str) -> None:
    """Write the JSON Schemas of the policy files (and the snapshot format)."""
    from pim_gitops.schemas import write_schemas

    for path in write_schemas(Path(out)):
        click.echo(f"wrote {path}")


# --- demo -------------------------------------------------------------------------------


@cli.command()
@click.option("--policies", "directory", default="policies", type=click.Path(file_okay=False))
@click.pass_obj
@handle_errors
def demo(obj: Context, directory: str) -> None:
    """Run the loop against the bundled sample tenant on the built-in emulator."""
    from pim_gitops.demo.run import run_demo

    sys.exit(run_demo(directory, echo=click.echo))


# --- emulator ---------------------------------------------------------------------------


@cli.command()
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, exists=True),
    help="Tenant snapshot to serve (default: the bundled sample tenant).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--page-size", default=100, show_default=True, type=click.IntRange(1, 999))
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0))
@click.option("--throttle-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option(
    "--error-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of requests answered 503 or 504.",
)
@click.option(
    "--reset-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of requests whose connection is dropped.",
)
@click.option("--retry-after-max", default=3.0, show_default=True, type=click.FloatRange(0))
@click.option(
    "--abort-after-writes",
    type=click.IntRange(0),
    default=None,
    help="Drop every write after the first N (crash-in-the-middle tests).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--pin-clock", is_flag=True, help="Use --now as the emulator's clock.")
@click.pass_obj
@handle_errors
def emulator(
    obj: Context,
    snapshot: str | None,
    host: str,
    port: int,
    page_size: int,
    latency_ms: float,
    throttle_rate: float,
    error_rate: float,
    reset_rate: float,
    retry_after_max: float,
    abort_after_writes: int | None,
    seed: int,
    pin_clock: bool,
) -> None:
    """Serve a local Microsoft Graph (PIM subset) seeded from a snapshot, for tests and demos."""
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.faults import FaultConfig
    from pim_gitops.emulator.server import serve
    from pim_gitops.snapshot import read_snapshot

    faults = FaultConfig(
        seed=seed,
        latency_ms=latency_ms,
        throttle_rate=throttle_rate,
        error_rate=error_rate,
        reset_rate=reset_rate,
        retry_after_max=retry_after_max,
        abort_after_writes=abort_after_writes,
    )
    now = obj.now
    emu = Emulator(read_snapshot(snapshot or SAMPLE_TENANT), page_size=page_size, faults=faults)
    if pin_clock:
        emu.clock = lambda: now
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: the emulator accepts any token; keep it off shared networks", err=True)
    click.echo(f"emulator: http://{host}:{port}/v1.0 (Ctrl-C to stop)", err=True)
    serve(emu, host, port)


# --- snapshot ---------------------------------------------------------------------------


@cli.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.pass_obj
@handle_errors
def snapshot(obj: Context, out: str) -> None:
    """Write the live tenant's PIM state to a snapshot file (raw Graph objects)."""
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.snapshot import write_snapshot

    data = obj.tenant_snapshot(None)
    state = normalize_tenant(data, obj.now)  # refuse to write what we could not read back
    write_snapshot(data, Path(out))
    click.echo(
        f"wrote {out}: {len(state.roles)} roles, {len(state.policies)} policies, "
        f"{len(state.assignments)} assignments, {len(state.principals)} principals"
    )


# --- plan -------------------------------------------------------------------------------


def _console_text(text: str, colour_markup: bool) -> None:
    """Print through rich on a terminal (colour), plain elsewhere (CI, pipes)."""
    if colour_markup:
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(text, end="")
    else:
        click.echo(text, nl=False)


def _is_terminal() -> bool:
    import os

    return sys.stdout.isatty() and not os.environ.get("CI") and not os.environ.get("NO_COLOR")


def _live_plan(obj: Context, directory: str) -> tuple[Any, Any, Any]:
    """Compile, read the live tenant (with lookups) and plan, in one Graph session."""
    import asyncio

    from pim_gitops.graph.session import open_graph
    from pim_gitops.workflow import load_desired, read_and_plan

    desired = load_desired(directory, obj.now)

    async def go() -> tuple[Any, Any]:
        async with open_graph(obj.graph_url, obj.tenant_id) as transport:
            _, state, plan = await read_and_plan(transport, desired, obj.now)
            click.echo(f"read the tenant in {transport.requests} Graph requests", err=True)
            return state, plan

    state, plan = asyncio.run(go())
    return desired, state, plan


def _plan_and_state(obj: Context, directory: str, snapshot_path: str | None) -> tuple[Any, Any]:
    if snapshot_path:
        from pim_gitops.normalize import normalize_tenant
        from pim_gitops.snapshot import read_snapshot
        from pim_gitops.workflow import git_trace, load_desired, plan_against

        desired = load_desired(directory, obj.now)
        state = normalize_tenant(read_snapshot(snapshot_path), obj.now)
        return state, plan_against(desired, state, obj.now, git_trace())
    _, state, result = _live_plan(obj, directory)
    return state, result


@cli.command()
@directory_argument
@snapshot_option("Plan against a snapshot file instead of the live tenant.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan for `apply`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option("-v", "--verbose", is_flag=True, help="Also list unmanaged roles and scopes.")
@click.option(
    "--base",
    metavar="DIR|GIT_REF",
    help="Mark each change as from this pull request or as reverting drift.",
)
@click.pass_obj
@handle_errors
def plan(
    obj: Context,
    directory: str,
    snapshot_path: str | None,
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    verbose: bool,
    base: str | None,
) -> None:
    """Show what apply would change in the tenant."""
    from pim_gitops.plan import dump_plan
    from pim_gitops.render.plan import render_json, render_markdown, render_text

    state, result = _plan_and_state(obj, directory, snapshot_path)
    if base:
        import tempfile

        from pim_gitops.plan import mark_origins
        from pim_gitops.workflow import base_directory, load_desired, plan_against

        with tempfile.TemporaryDirectory() as scratch:
            base_dir = base_directory(base, directory, scratch)
            base_plan = plan_against(load_desired(base_dir, obj.now), state, obj.now)
        result = mark_origins(result, base_plan)
    if out:
        Path(out).write_text(dump_plan(result), encoding="utf-8")
        click.echo(f"saved the plan to {out}", err=True)
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        colour = _is_terminal()
        _console_text(render_text(result, colour=colour, verbose=verbose), colour)
    if detailed_exitcode and not result.empty:
        sys.exit(2)


# --- apply ------------------------------------------------------------------------------


def _report_line(result: Any) -> None:
    mark = {"succeeded": "ok", "failed": "FAILED", "skipped": "skipped"}[result.status]
    extra = ""
    if result.status == "failed":
        extra = (
            f": {result.message} [code {result.code or '-'}, request-id {result.request_id or '-'}]"
        )
    elif result.message:
        extra = f" ({result.message})"
    click.echo(f"  {mark:7} {result.operation.label}{extra}", err=True)


@cli.command()
@click.argument("target", default="policies", type=click.Path(exists=True))
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option("--max-removals", default=10, show_default=True, type=click.IntRange(0))
@click.option("--allow-break-glass-change", is_flag=True)
@click.option("--allow-no-pra-eligible", is_flag=True)
@click.option("--allow-other-tenant", is_flag=True)
@click.option("--allow-self-lockout", is_flag=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
@handle_errors
def apply(
    obj: Context,
    target: str,
    auto_approve: bool,
    max_removals: int,
    allow_break_glass_change: bool,
    allow_no_pra_eligible: bool,
    allow_other_tenant: bool,
    allow_self_lockout: bool,
    fmt: str,
) -> None:
    """Apply a saved plan (PLAN file) or plan-and-apply a policy directory."""
    import asyncio

    from pim_gitops.apply import Guards
    from pim_gitops.graph.session import open_graph
    from pim_gitops.plan import load_plan
    from pim_gitops.render.plan import render_text
    from pim_gitops.workflow import apply_plan

    guards = Guards(
        max_removals,
        allow_break_glass_change,
        allow_no_pra_eligible,
        allow_other_tenant,
        allow_self_lockout,
    )
    if Path(target).is_dir() and auto_approve:
        # CI: plan and apply in one Graph session from one read (no human wait in between).
        sys.exit(_plan_and_apply(obj, target, guards, fmt))
    if Path(target).is_file():
        the_plan = load_plan(target)
    else:
        _, _, the_plan = _live_plan(obj, target)
        colour = _is_terminal()
        _console_text(render_text(the_plan, colour=colour), colour)
        if the_plan.empty:
            return
        if not auto_approve:
            if not sys.stdin.isatty():
                raise click.UsageError("not a terminal: pass --auto-approve to apply")
            click.confirm("Apply these changes?", abort=True)
    if the_plan.empty:
        click.echo("No changes. Nothing to apply.")
        return

    report: Any = _report_line
    progress: Any = None
    if _is_terminal():
        from rich.progress import Progress

        progress = Progress(transient=True)
        task = progress.add_task("applying", total=len(the_plan.operations))

        def report(result: Any) -> None:
            if result.status != "succeeded":
                progress.console.print(
                    f"[red]{result.status}[/] {result.operation.label}: "
                    f"{result.message} [code {result.code or '-'}, "
                    f"request-id {result.request_id or '-'}]"
                )
            progress.advance(task)

    async def go() -> Any:
        async with open_graph(obj.graph_url, obj.tenant_id) as transport:
            return await apply_plan(transport, the_plan, obj.now, guards, _Listener(report))

    if progress is not None:
        with progress:
            result = asyncio.run(go())
    else:
        result = asyncio.run(go())
    sys.exit(_apply_summary(result, fmt))


class _Listener:
    def __init__(self, report: Any) -> None:
        self.report = report

    def phase_started(self, phase: Any, count: int) -> None:
        _phase(int(phase), count)

    def operation_done(self, result: Any) -> None:
        self.report(result)


def _phase(number: int, count: int) -> None:
    from pim_gitops.policy_rules import Phase

    click.echo(f"phase {number}: {Phase(number).title} ({count})", err=True)


def _apply_summary(result: Any, fmt: str) -> int:
    if fmt == "json":
        click.echo(json.dumps(result.report().model_dump(mode="json"), indent=2, sort_keys=True))
    else:
        click.echo(
            f"Apply: {result.count('succeeded')} succeeded, {result.count('failed')} failed, "
            f"{result.count('skipped')} skipped; {len(result.remaining)} change(s) not in effect "
            "after read-back."
        )
    return 0 if result.ok else 1


def _plan_and_apply(obj: Context, directory: str, guards: Any, fmt: str) -> int:
    import asyncio

    from pim_gitops.graph.session import open_graph
    from pim_gitops.render.plan import render_text
    from pim_gitops.workflow import apply_plan, load_desired, read_and_plan

    desired = load_desired(directory, obj.now)

    async def go() -> Any:
        async with open_graph(obj.graph_url, obj.tenant_id) as transport:
            snapshot, state, the_plan = await read_and_plan(transport, desired, obj.now)
            _console_text(render_text(the_plan, colour=False), False)
            if the_plan.empty:
                return None
            return await apply_plan(
                transport,
                the_plan,
                obj.now,
                guards,
                _Listener(_report_line),
                current=(snapshot, state),
            )

    result = asyncio.run(go())
    if result is None:
        return 0
    return _apply_summary(result, fmt)


# --- lint and rules -----------------------------------------------------------------------


@cli.command()
@directory_argument
@snapshot_option("Tenant facts from a snapshot file.")
@click.option("--live", is_flag=True, help="Tenant facts from the live tenant (Graph).")
@click.option("--preset", type=click.Choice(["default", "cisa", "cis", "strict"]))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text"
)
@click.pass_obj
@handle_errors
def lint(
    obj: Context,
    directory: str,
    snapshot_path: str | None,
    live: bool,
    preset: str | None,
    fmt: str,
) -> None:
    """Check the policy against best practice, CISA SCuBA MS.AAD.7 and CIS controls."""
    from pim_gitops.lint.engine import run_lint
    from pim_gitops.lint.render import render_github, render_json, render_sarif, render_text
    from pim_gitops.workflow import load_desired

    desired = load_desired(directory, obj.now).state
    tenant = None
    if snapshot_path or live:
        from pim_gitops.normalize import normalize_tenant

        tenant = normalize_tenant(obj.tenant_snapshot(snapshot_path), obj.now)
    result = run_lint(desired, tenant, obj.now, preset=preset)
    render = {
        "text": render_text,
        "json": render_json,
        "sarif": render_sarif,
        "github": render_github,
    }[fmt]
    click.echo(render(result), nl=False)
    if result.blocking:
        sys.exit(1)


@cli.command()
@click.argument("rule", required=False)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False),
    help="Write the rule pages (docs/rules) instead of printing.",
)
@handle_errors
def rules(rule: str | None, docs_dir: str | None) -> None:
    """List the lint rules, or explain one (by code or name)."""
    from pim_gitops.lint.engine import catalogue, iter_rules
    from pim_gitops.lint.render import rule_markdown, rules_docs

    if docs_dir:
        out = Path(docs_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, text in sorted(rules_docs().items()):
            (out / name).write_text(text, encoding="utf-8")
        click.echo(f"wrote {len(rules_docs())} pages to {out}")
        return
    if rule:
        found = list(iter_rules([rule]))
        if not found:
            raise click.UsageError(f"no rule {rule!r}; see `pim-gitops rules`")
        click.echo(rule_markdown(found[0]), nl=False)
        return
    for item in catalogue():
        controls = f"  [{', '.join(item.controls)}]" if item.controls else ""
        click.echo(f"{item.code}  {item.name:26} {item.severity:8} {item.title}{controls}")


# --- export -------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(dir_okay=False),
    help="Export from a snapshot file instead of the live tenant.",
)
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--roles", "roles_", multiple=True, help="Only these roles (name or id).")
@click.option("--force", is_flag=True, help="Overwrite a non-empty directory.")
@click.pass_obj
@handle_errors
def export(
    obj: Context, snapshot_path: str | None, out: str, roles_: tuple[str, ...], force: bool
) -> None:
    """Bootstrap a policy repository from a tenant (plan against it shows no changes)."""
    from pim_gitops.export import export_repo, write_export
    from pim_gitops.normalize import normalize_tenant

    tenant = normalize_tenant(obj.tenant_snapshot(snapshot_path), obj.now)
    files = export_repo(tenant, list(roles_) or None)
    write_export(files, Path(out), force=force)
    click.echo(f"wrote {len(files)} files to {out}")


# --- drift --------------------------------------------------------------------------------


@cli.command()
@directory_argument
@snapshot_option("Compare with a snapshot file instead of the live tenant.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "text", "json"]), default="markdown"
)
@click.pass_obj
@handle_errors
def drift(obj: Context, directory: str, snapshot_path: str | None, fmt: str) -> None:
    """The plan framed as drift, for a scheduled job: exit 2 and a report when the tenant
    differs from the repository."""
    from pim_gitops.render.plan import render_drift, render_json, render_text

    state, result = _plan_and_state(obj, directory, snapshot_path)
    modified = {
        role_id: (p.last_modified, p.last_modified_by) for role_id, p in state.policies.items()
    }
    if fmt == "json":
        click.echo(render_json(result), nl=False)
    elif fmt == "text":
        click.echo(render_text(result), nl=False)
    else:
        click.echo(render_drift(result, modified), nl=False)
    if not result.empty:
        sys.exit(2)


# --- report -------------------------------------------------------------------------------


@cli.command()
@directory_argument
@snapshot_option("Compare with a snapshot file instead of the live tenant.")
@click.option("--live", is_flag=True, help="Compare with the live tenant (Graph).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file.")
@click.pass_obj
@handle_errors
def report(
    obj: Context, directory: str, snapshot_path: str | None, live: bool, fmt: str, out: str | None
) -> None:
    """The auditor's view: settings in plain words, holders, findings, drift, provenance."""
    from pim_gitops.lint.engine import run_lint
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.render import report as rep
    from pim_gitops.workflow import load_desired, plan_against

    desired = load_desired(directory, obj.now)
    tenant = plan = None
    if snapshot_path or live:
        tenant = normalize_tenant(obj.tenant_snapshot(snapshot_path), obj.now)
        plan = plan_against(desired, tenant, obj.now)
    lint_result = run_lint(desired.state, tenant, obj.now)
    sections = rep.build_sections(
        desired.state,
        lint_result,
        plan,
        obj.now,
        rep.git_provenance([r.file for r in desired.state.roles]),
    )
    render = rep.render_html if fmt == "html" else rep.render_markdown
    text = render(desired.state, lint_result, sections, plan, obj.now)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)
