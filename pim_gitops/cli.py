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

    def __init__(self, debug: bool, now: datetime) -> None:
        self.debug = debug
        self.now = now


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
@click.pass_context
def cli(ctx: click.Context, debug: bool, now: str | None) -> None:
    """Policy-as-code and a GitOps reconciler for Microsoft Entra PIM."""
    ctx.obj = Context(debug=debug, now=_parse_now(now))


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
@click.argument("directory", default="policies", type=click.Path(file_okay=False))
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

    sys.exit(run_demo(directory, now=obj.now, echo=click.echo))
