"""``stamp-starts``: its arguments and options, and the tenant view it reads.

``--snapshot FILE`` / ``--live`` read the tenant as ``lint`` does, so a grant the tenant
already holds is stamped with its schedule's start (the grant keeps its end) and only a grant
it does not hold gets ``now``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from pim_gitops.commands import CommandOptions, tenant_snapshot
from pim_gitops.console import Console

F = TypeVar("F", bound=Callable[..., object])

_OPTIONS = [
    click.argument("directory", default="policies", type=click.Path(file_okay=False)),
    click.option(
        "--snapshot",
        "snapshot_path",
        type=click.Path(dir_okay=False),
        help="Tenant from a snapshot file: a grant it holds gets its schedule's start.",
    ),
    click.option(
        "--live",
        is_flag=True,
        help="Tenant from Graph: a grant it holds gets its schedule's start.",
    ),
]


def stamp_options(func: F) -> F:
    """``stamp-starts``' ``DIRECTORY`` argument and its tenant-view options."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def stamp_command(
    console: Console,
    options: CommandOptions,
    directory: str,
    *,
    snapshot_path: str | None = None,
    live: bool = False,
) -> int:
    """Stamp the starts; with a tenant view, the held grants' starts."""
    from pim_gitops.snapshot import snapshot_tenant
    from pim_gitops.stamp import stamp_starts

    tenant = None
    if snapshot_path or live:
        tenant = snapshot_tenant(tenant_snapshot(console, options, snapshot_path), options.now)
    return stamp_starts(console, directory, options.now, tenant)
