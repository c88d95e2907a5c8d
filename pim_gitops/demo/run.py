"""``pim-gitops demo``: the loop against the bundled sample tenant on the built-in emulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pim_gitops.compile import compile_policies
from pim_gitops.loader import load_policies
from pim_gitops.render.desired import show_desired, summarize_desired


def run_demo(directory: str, *, now: datetime, echo: Callable[[str], None]) -> int:
    echo("== validate")
    desired = compile_policies(load_policies(directory), now)
    echo(summarize_desired(desired, directory))
    echo("== compiled settings")
    echo(show_desired(desired))
    return 0
