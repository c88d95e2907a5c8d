"""The options of ``lint``: preset, output, views, rule selection and the baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

_OPTIONS = [
    click.option("--preset", type=click.Choice(["default", "cisa", "cis", "strict"])),
    click.option(
        "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text"
    ),
    click.option(
        "--view",
        type=click.Choice(["policy", "posture", "all"]),
        default=None,
        help="policy: the repository (what apply makes of the tenant); posture: the tenant as it "
        "is now (needs --snapshot or --live). Default: both with a tenant view, else policy.",
    ),
    click.option(
        "--select",
        multiple=True,
        metavar="RULES",
        help="Run only these rules (codes, prefixes "
        "such as ASG, names, ALL; comma-separated or repeated).",
    ),
    click.option(
        "--extend-select", multiple=True, metavar="RULES", help="Run these rules as well."
    ),
    click.option("--ignore", multiple=True, metavar="RULES", help="Do not run these rules."),
    click.option(
        "--baseline",
        "baseline_out",
        type=click.Path(dir_okay=False),
        help="Write today's findings to FILE as waivers (reason and expiry to fill in), then "
        "read it from pim.yaml with `lint: {baseline: FILE}`.",
    ),
]


def lint_options(func: F) -> F:
    """Add ``lint``'s options to a command, in the order ``--help`` shows them."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
