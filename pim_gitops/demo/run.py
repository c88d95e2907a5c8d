"""``pim-gitops demo``: the whole loop against the bundled sample tenant on the built-in
emulator — validate, lint, plan, apply, plan again with no changes."""

from __future__ import annotations

from collections.abc import Callable

from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import format_instant


def _short(path: object) -> str:
    import os

    relative = os.path.relpath(str(path))
    return relative if not relative.startswith("..") else str(path)


def run_demo(directory: str, *, echo: Callable[[str], None]) -> int:
    import click

    from pim_gitops.cli import cli
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.server import running
    from pim_gitops.snapshot import read_snapshot

    now = format_instant(SAMPLE_NOW)
    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        echo(f"Emulator with the sample tenant at {url}/v1.0 (clock pinned to {now})\n")
        steps = [
            ["validate", directory],
            ["lint", directory, "--snapshot", _short(SAMPLE_TENANT)],
            ["plan", directory],
            ["apply", directory, "--auto-approve"],
            ["plan", directory, "--detailed-exitcode"],
        ]
        for args in steps:
            if args[0] == "lint" and "lint" not in cli.commands:
                continue
            echo(f"$ pim-gitops {' '.join(args)}")
            try:
                cli.main(
                    ["--now", now, "--graph-url", url, *args],
                    prog_name="pim-gitops",
                    standalone_mode=False,
                )
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
            except click.ClickException as exc:
                exc.show()
                code = 1
            echo(f"(exit {code})\n")
            if args[0] == "lint":
                # Findings are the point: the sample tenant has planted problems
                # (pim_gitops/demo/planted-defects.json); the plan fixes those in managed roles.
                echo(
                    "(lint findings are expected here: see pim_gitops/demo/planted-defects.json)\n"
                )
                continue
            if code != 0:
                echo(f"demo: `pim-gitops {args[0]}` failed")
                return 1
    echo("Demo complete: the tenant now matches the policy repository.")
    return 0
