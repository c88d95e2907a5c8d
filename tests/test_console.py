"""The console seam: which console the CLI picks, what each one prints, and that the three
ways of running apply report every operation the same way."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from pim_gitops.apply import Guards
from pim_gitops.commands import CommandOptions
from pim_gitops.commands.applying import apply_target
from pim_gitops.commands.planning import show_plan
from pim_gitops.console import PlainConsole, TerminalConsole, make_console
from pim_gitops.tenantgen import SAMPLE_NOW, oid
from tests.conftest import POLICIES, Live

ANSI = re.compile(r"\x1b[\[\]()]|\x1b.")
REPORT = re.compile(r"^  (ok|FAILED|skipped) ")


class Streams:
    """The three streams a console is given, kept to read back."""

    def __init__(self, answers: str = "") -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.inp = io.StringIO(answers)

    def plain(self, *, interactive: bool = False) -> PlainConsole:
        return PlainConsole(self.out, self.err, self.inp, interactive=interactive)

    def report_lines(self) -> list[str]:
        return [line for line in self.err.getvalue().splitlines() if REPORT.match(line)]

    def phase_lines(self) -> list[str]:
        # (a line may follow a prompt answered from a pipe, which echoes no newline)
        return re.findall(r"phase \d+: .*", self.err.getvalue())


@pytest.fixture
def tty() -> Iterator[io.TextIOWrapper]:
    """A real terminal (a pseudo-terminal's end), as a text stream."""
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    try:
        yield stream
    finally:
        stream.close()
        os.close(leader)


def options(live: Live) -> CommandOptions:
    return CommandOptions(now=SAMPLE_NOW, graph_url=live.url)


# --- the factory ------------------------------------------------------------------------


def test_a_terminal_gets_the_terminal_console(tty: io.TextIOWrapper) -> None:
    console = make_console(tty, io.StringIO(), io.StringIO(), {})
    assert isinstance(console, TerminalConsole) and console.is_terminal


@pytest.mark.parametrize("env", [{"CI": "true"}, {"NO_COLOR": "1"}])
def test_ci_or_no_color_gets_the_plain_console_even_on_a_terminal(
    tty: io.TextIOWrapper, env: dict[str, str]
) -> None:
    console = make_console(tty, io.StringIO(), io.StringIO(), env)
    assert isinstance(console, PlainConsole) and not console.is_terminal


def test_a_pipe_gets_the_plain_console() -> None:
    console = make_console(io.StringIO(), io.StringIO(), io.StringIO(), {})
    assert isinstance(console, PlainConsole)
    assert not console.interactive  # stdin is no terminal: confirm cannot be asked


def test_stdin_on_a_terminal_makes_the_console_interactive(tty: io.TextIOWrapper) -> None:
    assert make_console(io.StringIO(), io.StringIO(), tty, {}).interactive


# --- what each console prints -----------------------------------------------------------


def test_plain_console_apply_has_no_control_codes(live: Live) -> None:
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False  # two writes fail
    streams = Streams()
    code = apply_target(
        streams.plain(), options(live), str(POLICIES), guards=Guards(), auto_approve=True
    )
    assert code == 1
    text = streams.out.getvalue() + streams.err.getvalue()
    assert not ANSI.search(text)
    lines = streams.report_lines()
    assert len(lines) == 85
    failed = [line for line in lines if line.startswith("  FAILED ")]
    assert len(failed) == 2 and all("GroupNotRoleAssignable" in line for line in failed)
    assert all("request-id " in line for line in failed)
    assert streams.phase_lines()[0] == "phase 1: switch off policy controls (1)"
    assert (
        "Apply: 85 writes (one per policy rule or assignment): 83 succeeded, 2 failed"
        in streams.out.getvalue()
    )


def test_terminal_console_colours_the_plan_and_lists_only_failures(live: Live) -> None:
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False
    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(out, err, interactive=False, force_terminal=True)
    code = apply_target(console, options(live), str(POLICIES), guards=Guards(), auto_approve=True)
    assert code == 1
    assert ANSI.search(out.getvalue())  # the plan in colour
    plain = ANSI.sub("", err.getvalue())
    assert plain.count("GroupNotRoleAssignable") == 2
    assert "  ok " not in plain  # successes only advance the bar


def test_plain_confirm_reads_yes_and_defaults_to_no() -> None:
    assert Streams("y\n").plain(interactive=True).confirm("Apply?")
    assert not Streams("\n").plain(interactive=True).confirm("Apply?")
    assert not Streams("y\n").plain(interactive=False).confirm("Apply?")  # never asked
    asked = Streams("yes\n")
    asked.plain(interactive=True).confirm("Apply these changes?")
    assert asked.err.getvalue() == "Apply these changes? [y/N]: "


# --- one apply reporting path ------------------------------------------------------------


def _reset(live: Live) -> None:
    live.emulator.store.reset()
    live.emulator.stats.reset()
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False


def _saved_plan(live: Live, tmp_path: Path) -> Streams:
    saved = tmp_path / "plan.json"
    show_plan(Streams().plain(), options(live), str(POLICIES), out=str(saved))
    streams = Streams()
    apply_target(streams.plain(), options(live), str(saved), guards=Guards())
    return streams


def _auto_approved(live: Live, tmp_path: Path) -> Streams:
    streams = Streams()
    apply_target(streams.plain(), options(live), str(POLICIES), guards=Guards(), auto_approve=True)
    return streams


def _confirmed(live: Live, tmp_path: Path) -> Streams:
    streams = Streams("y\n")
    console = streams.plain(interactive=True)
    apply_target(console, options(live), str(POLICIES), guards=Guards())
    assert "Apply these changes? [y/N]: " in streams.err.getvalue()
    return streams


def _without_request_ids(lines: list[str]) -> list[str]:
    return sorted(re.sub(r"request-id [^\]]+\]", "request-id *]", line) for line in lines)


def test_the_three_ways_to_apply_report_the_same_lines(live: Live, tmp_path: Path) -> None:
    runs = {}
    for way in (_saved_plan, _auto_approved, _confirmed):
        _reset(live)
        runs[way.__name__] = way(live, tmp_path)
    reports = {name: _without_request_ids(s.report_lines()) for name, s in runs.items()}
    phases = {name: s.phase_lines() for name, s in runs.items()}
    summaries = {name: s.out.getvalue().splitlines()[-1] for name, s in runs.items()}
    first = reports["_saved_plan"]
    assert len(first) == 85 and sum(line.startswith("  FAILED") for line in first) == 2
    assert reports["_auto_approved"] == first and reports["_confirmed"] == first
    assert phases["_auto_approved"] == phases["_saved_plan"] == phases["_confirmed"]
    assert len(set(summaries.values())) == 1


def test_declining_writes_nothing(live: Live) -> None:
    streams = Streams("n\n")
    with pytest.raises(click.Abort):
        apply_target(streams.plain(interactive=True), options(live), str(POLICIES), guards=Guards())
    assert live.stats()["writes"] == 0
    assert streams.report_lines() == []


def test_no_terminal_and_no_auto_approve_is_a_usage_error(live: Live) -> None:
    with pytest.raises(click.UsageError, match="pass --auto-approve"):
        apply_target(Streams().plain(), options(live), str(POLICIES), guards=Guards())
    assert live.stats()["writes"] == 0
