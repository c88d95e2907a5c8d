"""Command-line interface: parse, build objects, call one function, map to an exit code.

The work is in ``pim_gitops.commands``; each command here hands it the ``Console`` made
once in the group callback and the ``CommandOptions`` of the run, and exits with the code
it returns. Exit codes: 0 ok / no changes, 1 error or blocking findings, 2 changes present
(``plan --detailed-exitcode`` and ``drift``), 3 apply would refuse (``plan``). Usage errors
exit 1 too, so 2 always means "changes present". No traceback reaches a user unless
``--debug`` asks for it.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

import click

from pim_gitops import __version__
from pim_gitops.commands import CommandOptions, describe_error
from pim_gitops.commands.applying import apply_command, apply_options
from pim_gitops.commands.emulator_options import emulator_options
from pim_gitops.commands.history_options import since_instant, since_option
from pim_gitops.commands.lint_options import lint_options
from pim_gitops.commands.plan_options import PLAN_EPILOG, plan_options
from pim_gitops.commands.planning import plan_command, show_saved_plan
from pim_gitops.commands.stamp_options import stamp_command, stamp_options
from pim_gitops.commands.validate_options import validate_options
from pim_gitops.console import ColorChoice, Console, color_option, make_console
from pim_gitops.errors import PimGitopsError

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class CliOptions:
    """What the group callback hands every command: the console, the run's options and
    whether to show tracebacks."""

    console: Console
    options: CommandOptions
    debug: bool = False


def _parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    from pim_gitops.wire import parse_instant

    try:
        return parse_instant(value if "T" in value else f"{value}T00:00:00Z")
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or instant") from exc


def _fail(message: str, code: int = 1, console: Console | None = None) -> NoReturn:
    (console.error if console else lambda text: click.echo(text, err=True))(message)
    sys.exit(code)


def handle_errors(func: Callable[..., int]) -> Callable[..., None]:
    """Exit with the code the command returns; turn our errors into a message and exit 1
    (``--debug`` shows the traceback); a bug says so plainly."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        found = click.get_current_context().find_object(CliOptions)
        debug = bool(found and found.debug)
        try:
            code = func(*args, **kwargs)
        except PimGitopsError as exc:
            if debug:
                traceback.print_exc()
            _fail(describe_error(exc), exc.exit_code, found.console if found else None)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, the traceback only with --debug
            if debug:
                traceback.print_exc()
            _fail(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "(run with --debug for the traceback, and please report it)"
            )
        if code:
            sys.exit(code)

    return wrapper


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
@color_option
@click.pass_context
def cli(ctx: click.Context, /, debug: bool, now: str | None, **run: Any) -> None:
    """Policy-as-code and a GitOps reconciler for Microsoft Entra PIM."""
    color: ColorChoice = run.pop("color")
    console = make_console(sys.stdout, sys.stderr, sys.stdin, os.environ, color)
    options = CommandOptions(now=_parse_now(now), **run)  # graph_url, tenant_id
    ctx.obj = CliOptions(console=console, options=options, debug=debug)


def directory_argument(func: F) -> F:
    """The policy directory argument shared by the commands that read one."""
    return click.argument("directory", default="policies", type=click.Path(file_okay=False))(func)


def snapshot_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--snapshot", "snapshot_path", type=click.Path(dir_okay=False), help=help_text
    )


def one_tenant_view(flags: dict[str, Any]) -> None:
    """``--snapshot`` and ``--live`` name two different tenant views: refuse both at once
    (a usage error, exit 1 like every usage error) rather than silently prefer one."""
    if flags.get("snapshot_path") and flags.get("live"):
        raise click.UsageError(
            "--snapshot and --live cannot be used together: give --snapshot FILE for a "
            "snapshot file or --live for the live tenant"
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


@cli.command()
@validate_options
@click.pass_obj
@handle_errors
def validate(obj: CliOptions, directory: str, show: str | None, show_all: bool, fmt: str) -> int:
    """Check policy files: schema, references, durations, assignments vs. role policy."""
    from pim_gitops.commands.policy import validate_policies

    return validate_policies(
        obj.console, obj.options, directory, show=show, show_all=show_all, fmt=fmt
    )


@cli.command("stamp-starts")
@stamp_options
@click.pass_obj
@handle_errors
def stamp_starts(obj: CliOptions, directory: str, **flags: Any) -> int:
    """Write `start:` beside every assignment `duration:` without a start or renew: the held
    grant's start with --snapshot/--live, else now."""
    one_tenant_view(flags)
    return stamp_command(obj.console, obj.options, directory, **flags)


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="schemas",
    show_default=True,
    help="Directory to write the JSON Schemas to.",
)
@click.pass_obj
@handle_errors
def schema(obj: CliOptions, out: str) -> int:
    """Write the JSON Schemas of the policy files (and the snapshot format)."""
    from pim_gitops.commands.policy import write_schema_files

    return write_schema_files(obj.console, out)


@cli.command()
@click.option("--policies", "directory", default="policies", type=click.Path(file_okay=False))
@click.pass_obj
@handle_errors
def demo(obj: CliOptions, directory: str) -> int:
    """Run the loop against the bundled sample tenant on the built-in emulator."""
    from pim_gitops.demo.run import run_demo

    return run_demo(obj.console, directory)


@cli.command()
@emulator_options
@click.pass_obj
@handle_errors
def emulator(
    obj: CliOptions,
    snapshot: str | None,
    host: str,
    port: int,
    page_size: int,
    pin_clock: bool,
    **faults: Any,
) -> int:
    """Serve a local Microsoft Graph (PIM subset) seeded from a snapshot, for tests and demos."""
    from pim_gitops.commands.tenant import serve_emulator
    from pim_gitops.emulator.faults import FaultConfig

    return serve_emulator(
        obj.console,
        obj.options,
        snapshot=snapshot,
        host=host,
        port=port,
        page_size=page_size,
        faults=FaultConfig(**faults),
        pin_clock=pin_clock,
    )


@cli.command()
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option(
    "--policy",
    type=click.Path(file_okay=False, exists=True),
    help="Also record every principal this policy directory names (for lint/plan/report "
    "--snapshot), including those who hold no role.",
)
@since_option("Also store the request history since then (90d, 12w, P90D, 2026-09-01).")
@click.pass_obj
@handle_errors
def snapshot(obj: CliOptions, out: str, policy: str | None, since: Any) -> int:
    """Write the live tenant's PIM state to a snapshot file (raw Graph objects)."""
    from pim_gitops.commands.tenant import write_tenant_snapshot

    start = since_instant(since, obj.options.now)
    return write_tenant_snapshot(obj.console, obj.options, out, policy, start)


@cli.command(epilog=PLAN_EPILOG)
@directory_argument
@snapshot_option("Plan against a snapshot file instead of the live tenant.")
@plan_options
@click.pass_obj
@handle_errors
def plan(obj: CliOptions, directory: str, **flags: Any) -> int:
    """Show what apply would change in the tenant, and what apply would refuse."""
    return plan_command(obj.console, obj.options, directory, os.environ, **flags)


@cli.command()
@apply_options
@click.pass_obj
@handle_errors
def apply(obj: CliOptions, target: str, **flags: Any) -> int:
    """Apply a saved plan (PLAN file) or plan-and-apply a policy directory."""
    return apply_command(obj.console, obj.options, target, os.environ, **flags)


@cli.command()
@click.argument("plan_file", metavar="PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.pass_obj
@handle_errors
def show(obj: CliOptions, plan_file: str, fmt: str) -> int:
    """Render a saved plan (from `plan --out`) as plan does; no Graph call."""
    return show_saved_plan(obj.console, plan_file, fmt=fmt)


@cli.command()
@directory_argument
@snapshot_option("Tenant facts from a snapshot file.")
@click.option("--live", is_flag=True, help="Tenant facts from the live tenant (Graph).")
@lint_options
@click.pass_obj
@handle_errors
def lint(obj: CliOptions, directory: str, **flags: Any) -> int:
    """Check the policy and the tenant against best practice, CISA SCuBA MS.AAD.7 and CIS
    Microsoft 365 Foundations (v5.0.0). Exit 1 on an error of the views shown."""
    from pim_gitops.commands.policy import lint_policies

    one_tenant_view(flags)
    return lint_policies(obj.console, obj.options, directory, **flags)


@cli.command()
@click.argument("rule", required=False)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False),
    help="Write the rule pages (docs/rules) instead of printing.",
)
@click.pass_obj
@handle_errors
def rules(obj: CliOptions, rule: str | None, docs_dir: str | None) -> int:
    """List the lint rules, or explain one (by code or name)."""
    from pim_gitops.commands.policy import show_rules

    return show_rules(obj.console, rule, docs_dir)


@cli.command()
@snapshot_option("Export from a snapshot file instead of the live tenant.")
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--roles", "roles", multiple=True, help="Only these roles (name or id).")
@click.option("--force", is_flag=True, help="Overwrite a non-empty directory.")
@click.pass_obj
@handle_errors
def export(
    obj: CliOptions, snapshot_path: str | None, out: str, roles: tuple[str, ...], force: bool
) -> int:
    """Bootstrap a policy repository from a tenant (plan against it shows no changes)."""
    from pim_gitops.commands.policy import export_tenant

    return export_tenant(
        obj.console,
        obj.options,
        snapshot_path=snapshot_path,
        out=out,
        roles=list(roles),
        force=force,
    )


@cli.command()
@directory_argument
@snapshot_option("Compare with a snapshot file instead of the live tenant.")
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "text", "json"]), default="markdown"
)
@click.pass_obj
@handle_errors
def drift(obj: CliOptions, directory: str, snapshot_path: str | None, fmt: str) -> int:
    """The plan framed as drift, for a scheduled job: exit 2 and a report when the tenant
    differs from the repository."""
    from pim_gitops.commands.planning import show_drift

    return show_drift(obj.console, obj.options, directory, snapshot_path=snapshot_path, fmt=fmt)


@cli.command()
@directory_argument
@snapshot_option("Compare with a snapshot file instead of the live tenant.")
@click.option("--live", is_flag=True, help="Compare with the live tenant (Graph).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file.")
@since_option("Request history since then (90d, 12w, P90D, 2026-09-01; live default 90d).")
@click.pass_obj
@handle_errors
def report(obj: CliOptions, directory: str, **flags: Any) -> int:
    """The auditor's view: settings in plain words, holders, findings, drift, provenance."""
    from pim_gitops.commands.policy import write_report

    one_tenant_view(flags)
    return write_report(obj.console, obj.options, directory, **flags)
