"""The options of ``plan`` (its guard options are ``apply``'s: ``guard_options``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from pim_gitops.commands.guard_options import guard_options

F = TypeVar("F", bound=Callable[..., Any])

#: ``plan --help``'s closing paragraph (click keeps a ``\b`` paragraph's lines as written).
PLAN_EPILOG = """\b
Exit codes with --detailed-exitcode:
  0  no changes
  1  error
  2  changes present
  3  apply would refuse the plan (a guard no override of this run lifts); wins over 2
Without --detailed-exitcode: 0 unless an error (1).
Overrides: the --allow-… flags and --max-removals, or PIM_GITOPS_ALLOW (comma-separated
names: break-glass-change, no-pra-eligible, other-tenant, self-lockout) and
PIM_GITOPS_MAX_REMOVALS; an allowed refusal is shown as "allowed by …"."""

_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "markdown", "json"]),
        default="text",
        help="markdown: the whole pull-request comment (header, refusals, lint, plan).",
    ),
    click.option("--out", type=click.Path(dir_okay=False), help="Save the plan for `apply`."),
    click.option(
        "--detailed-exitcode",
        is_flag=True,
        help="Exit 2 when there are changes, 3 when apply would refuse them.",
    ),
    click.option("-v", "--verbose", is_flag=True, help="Also list unmanaged roles and scopes."),
    click.option(
        "--base",
        metavar="DIR|GIT_REF",
        help="Mark each change as from this pull request or as reverting drift.",
    ),
    click.option(
        "--lint",
        is_flag=True,
        help="Also lint the policy view over the tenant state the plan read (text, markdown; "
        "the exit code stays the plan's: gate on `pim-gitops lint`).",
    ),
]


def plan_options(func: F) -> F:
    """Add ``plan``'s options, then the guard options ``apply`` has too."""
    func = guard_options(func)
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


__all__ = ["PLAN_EPILOG", "plan_options"]
