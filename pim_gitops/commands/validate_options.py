"""The argument and options of ``validate``: the directory, which roles to show, and the
output format.

The directory argument accepts any path (not ``click.Path(file_okay=False)`` as the other
commands do): a file given by mistake (``validate policies/pim.yaml``) is reported by the
loader as "not a directory", so ``--format json`` still prints its one document rather
than a click usage error on stderr and nothing on stdout."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

#: ``validate --show`` given without a role: every role.
SHOW_EVERY_ROLE = ""

_OPTIONS = [
    click.argument("directory", default="policies", type=click.Path()),
    click.option(
        "--show",
        metavar="ROLE",
        is_flag=False,
        flag_value=SHOW_EVERY_ROLE,
        default=None,
        help="Print one role (display name, template id or file name), or a managed group's "
        "member and owner sections (group name or file name), with each setting's value and "
        "the file:line it came from; without ROLE, every role.",
    ),
    click.option(
        "--show-all",
        is_flag=True,
        help="Print the fully resolved settings of every role (long: --show ROLE prints one).",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        help="json: one document on stdout whatever happens, errors included "
        "(schemas/validate-result.schema.json).",
    ),
]


def validate_options(func: F) -> F:
    """``validate``'s ``DIRECTORY`` argument and its options."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
