"""``pim-gitops demo``: the whole loop against the bundled sample tenant on the built-in
emulator — validate, lint, plan, apply, plan again with no changes, and the posture after.

Each step calls the function its command calls (``pim_gitops.commands``), with the same
console: the demo never goes through the CLI module."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from pim_gitops.commands import CommandOptions, describe_error
from pim_gitops.console import Console
from pim_gitops.errors import PimGitopsError
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import format_instant


@dataclass(frozen=True)
class Step:
    """One command of the loop: the line shown and the call that does it."""

    args: tuple[str, ...]
    run: Callable[[], int]
    #: Findings are the point of the lint step: it may fail without failing the demo.
    may_fail: bool = False


def _short(path: object) -> str:
    relative = os.path.relpath(str(path))
    return relative if not relative.startswith("..") else str(path)


def demo_steps(console: Console, options: CommandOptions, directory: str) -> list[Step]:
    from pim_gitops.apply import Guards
    from pim_gitops.commands.applying import apply_target
    from pim_gitops.commands.planning import show_plan
    from pim_gitops.commands.policy import lint_policies, validate_policies
    from pim_gitops.demo import SAMPLE_TENANT

    sample = _short(SAMPLE_TENANT)
    return [
        Step(
            ("validate", directory),
            lambda: validate_policies(console, options, directory, fmt="text"),
        ),
        Step(
            ("lint", directory, "--snapshot", sample),
            lambda: lint_policies(
                console,
                options,
                directory,
                snapshot_path=sample,
                live=False,
                preset=None,
                fmt="text",
            ),
            may_fail=True,
        ),
        Step(("plan", directory), lambda: show_plan(console, options, directory)),
        Step(
            ("apply", directory, "--auto-approve"),
            lambda: apply_target(console, options, directory, guards=Guards(), auto_approve=True),
        ),
        Step(
            ("plan", directory, "--detailed-exitcode"),
            lambda: show_plan(console, options, directory, detailed_exitcode=True),
        ),
        Step(
            ("lint", directory, "--live", "--view", "posture"),
            lambda: lint_policies(
                console,
                options,
                directory,
                snapshot_path=None,
                live=True,
                preset=None,
                fmt="text",
                view="posture",
            ),
            may_fail=True,
        ),
    ]


def run_step(console: Console, step: Step) -> int:
    """Run one step as its command would: our errors become a message and exit 1."""
    console.data(f"$ pim-gitops {' '.join(step.args)}\n")
    try:
        code = step.run()
    except PimGitopsError as exc:
        console.message(describe_error(exc))
        code = exc.exit_code
    console.data(f"(exit {code})\n\n")
    return code


def run_demo(console: Console, directory: str) -> int:
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.server import running
    from pim_gitops.snapshot import read_snapshot

    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        pinned = format_instant(SAMPLE_NOW)
        console.data(
            f"Emulator with the sample tenant at {url}/v1.0 (clock pinned to {pinned})\n\n"
        )
        options = CommandOptions(now=SAMPLE_NOW, graph_url=url)
        for step in demo_steps(console, options, directory):
            code = run_step(console, step)
            if step.may_fail:
                # The sample tenant has planted problems (pim_gitops/demo/planted-defects.json);
                # the plan fixes those in managed roles, the last posture shows what is left.
                console.data(
                    "(lint findings are expected here: "
                    "see pim_gitops/demo/planted-defects.json)\n\n"
                )
            elif code != 0:
                console.data(f"demo: `pim-gitops {step.args[0]}` failed\n")
                return 1
    console.data("Demo complete: the tenant now matches the policy repository.\n")
    return 0
