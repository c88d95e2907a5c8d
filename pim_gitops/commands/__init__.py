"""The work behind each command, callable without the CLI: ``cli`` parses and calls one
function here; ``demo`` calls the same functions. Each takes the ``Console`` it prints
through and the ``CommandOptions`` of the run, and returns an exit code.

- ``policy``: validate, schema, lint, rules, export, report
- ``planning``: plan and drift (snapshot or live)
- ``applying``: apply, its three entry points and its one reporting path
- ``tenant``: snapshot and the emulator
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from pim_gitops.errors import PimGitopsError, PolicyErrors

if TYPE_CHECKING:
    from pim_gitops.console import Console


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # an error, blocking lint findings, or changes not in effect after apply
    CHANGES = 2  # changes present: plan --detailed-exitcode, drift
    REFUSED = 3  # plan --detailed-exitcode: apply would refuse the plan (wins over 2)


@dataclass(frozen=True)
class CommandOptions:
    """What every command may need to know about the run: the instant treated as now and
    the Graph endpoint and tenant to talk to."""

    now: datetime
    graph_url: str | None = None
    tenant_id: str | None = None


def describe_error(exc: PimGitopsError) -> str:
    """The message shown for one of our errors (several policy errors print as they are)."""
    return str(exc) if isinstance(exc, PolicyErrors) else f"error: {exc}"


def tenant_snapshot(console: Console, options: CommandOptions, path: str | None) -> dict[str, Any]:
    """A snapshot file if given, else the live tenant (read through Graph)."""
    from pim_gitops.snapshot import read_snapshot

    if path:
        return read_snapshot(path)
    from pim_gitops.graph.session import read_live_snapshot

    data, requests = read_live_snapshot(options.graph_url, options.tenant_id, options.now)
    console.message(f"read the tenant in {requests} Graph requests")
    return data
