"""The options of ``emulator``: what to serve, where, and the faults to inject."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

_OPTIONS = [
    click.option(
        "--snapshot",
        type=click.Path(dir_okay=False, exists=True),
        help="Tenant snapshot to serve (default: the bundled sample tenant).",
    ),
    click.option("--host", default="127.0.0.1", show_default=True),
    click.option("--port", default=8765, show_default=True, type=int),
    click.option("--page-size", default=100, show_default=True, type=click.IntRange(1, 999)),
    click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(0)),
    click.option("--throttle-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1)),
    click.option(
        "--error-rate",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 1),
        help="Share of requests answered 503 or 504.",
    ),
    click.option(
        "--reset-rate",
        default=0.0,
        show_default=True,
        type=click.FloatRange(0, 1),
        help="Share of requests whose connection is dropped.",
    ),
    click.option("--retry-after-max", default=3.0, show_default=True, type=click.FloatRange(0)),
    click.option(
        "--abort-after-writes",
        type=click.IntRange(0),
        default=None,
        help="Drop every write after the first N (crash-in-the-middle tests).",
    ),
    click.option("--seed", default=0, show_default=True, type=int),
    click.option(
        "--no-p2-licence", is_flag=True, help="Answer PIM as a tenant without Entra ID P2 does."
    ),
    click.option("--pin-clock", is_flag=True, help="Use --now as the emulator's clock."),
]


def emulator_options(func: F) -> F:
    """Add ``emulator``'s options to a command, in the order ``--help`` shows them."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func
