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
from pim_gitops.console import (
    APPROVE_DETAIL,
    APPROVE_QUESTION,
    ColorChoice,
    PlainConsole,
    TerminalConsole,
    approved,
    make_console,
)
from pim_gitops.tenantgen import SAMPLE_NOW, oid
from tests.conftest import POLICIES, Live

ANSI = re.compile(r"\x1b[\[\]()]|\x1b.")
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[^\[]")


TOKEN = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b[^\[]|\r|\n|[^\x1b\r\n]+")


def screen_text(raw: str) -> str:
    """What output leaves on a screen that honours what a live display sends: a line feed,
    a carriage return, cursor up (``CSI n A``) and erase line (``CSI 2 K``); colours and
    other sequences dropped, text overwriting from the cursor's column."""
    rows, row, col = [""], 0, 0
    for token in TOKEN.finditer(raw):
        text, final = token.group(0), token.group(2)
        if text == "\n":
            row, col = row + 1, 0
            rows += [""] * (row + 1 - len(rows))
        elif text == "\r":
            col = 0
        elif final == "A":
            row = max(0, row - int(token.group(1) or 1))
        elif final == "K":
            rows[row] = ""
        elif not text.startswith("\x1b"):
            line = rows[row].ljust(col)
            rows[row], col = line[:col] + text + line[col + len(text) :], col + len(text)
    return "\n".join(rows)


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


@pytest.mark.parametrize("env", [{"CI": "true"}, {"CI": "1"}, {"NO_COLOR": "1"}, {"NO_COLOR": "x"}])
def test_ci_or_no_color_gets_the_plain_console_even_on_a_terminal(
    tty: io.TextIOWrapper, env: dict[str, str]
) -> None:
    console = make_console(tty, io.StringIO(), io.StringIO(), env)
    assert isinstance(console, PlainConsole) and not console.is_terminal


@pytest.mark.parametrize("env", [{"NO_COLOR": ""}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_an_empty_no_color_or_a_false_ci_leaves_colour_on(
    tty: io.TextIOWrapper, env: dict[str, str]
) -> None:
    # no-color.org: NO_COLOR counts when it is present *and not empty*.
    assert isinstance(make_console(tty, io.StringIO(), io.StringIO(), env), TerminalConsole)


@pytest.mark.parametrize(
    ("on_tty", "env", "color", "terminal"),
    [
        (True, {}, "auto", True),
        (False, {}, "auto", False),
        (False, {}, "always", True),  # colour into a pipe, e.g. `| less -R`
        (True, {"NO_COLOR": "1"}, "always", True),  # always beats NO_COLOR and CI
        (True, {"CI": "true"}, "always", True),
        (True, {}, "never", False),
    ],
)
def test_the_color_option_decides_before_the_environment(
    tty: io.TextIOWrapper, on_tty: bool, env: dict[str, str], color: ColorChoice, terminal: bool
) -> None:
    stdout = tty if on_tty else io.StringIO()
    console = make_console(stdout, io.StringIO(), io.StringIO(), env, color)
    assert isinstance(console, TerminalConsole if terminal else PlainConsole)


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
    assert len(lines) == 93
    failed = [line for line in lines if line.startswith("  FAILED ")]
    assert len(failed) == 2 and all("GroupNotRoleAssignable" in line for line in failed)
    assert all("request-id " in line for line in failed)
    assert streams.phase_lines()[0] == "phase 1: switch off policy controls (1)"
    assert (
        "Apply: 93 writes (one per policy rule or assignment): 91 succeeded, 2 failed"
        in streams.out.getvalue()
    )


def test_terminal_console_keeps_every_operation_line_and_ends_the_bar_at_100(
    live: Live,
) -> None:
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False
    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(out, err, interactive=False, force_terminal=True)
    code = apply_target(console, options(live), str(POLICIES), guards=Guards(), auto_approve=True)
    assert code == 1
    assert ANSI.search(out.getvalue())  # the plan and the summary in colour
    plain = screen_text(err.getvalue())
    kept = re.findall(r"^  (ok|FAILED|skipped) ", plain, re.MULTILINE)
    assert len(kept) == 93 and kept.count("FAILED") == 2  # every operation, not only failures
    assert plain.count("GroupNotRoleAssignable") == 2
    # The last frame of the bar: every operation counted, the run done.
    assert re.findall(r"applied .*100% 93/93", plain)
    assert not re.search(r"phase \d+: [^\n]*━", plain)  # no heading glued onto the bar


def test_a_stopped_apply_leaves_its_error_not_a_bar(live: Live) -> None:
    """A refusal before the first write (here the break-glass guard): no bar stays behind."""
    from pim_gitops.errors import GuardrailError

    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(out, err, interactive=False, force_terminal=True)
    with pytest.raises(GuardrailError), console.progress(3):
        raise GuardrailError("refused")
    assert "0/3" in CSI.sub("", err.getvalue())  # it was shown while apply ran
    assert "0/3" not in screen_text(err.getvalue())  # and erased when it stopped


@pytest.mark.parametrize(
    ("answer", "approves"),
    [
        ("yes\n", True),
        ("yes", True),  # the last line of a pipe, with no line end
        ("yes \r\n", True),
        ("y\n", False),
        ("YES\n", False),
        ("Yes\n", False),
        (" yes\n", False),
        ("yes please\n", False),
        ("\n", False),
        ("", False),  # end of input
    ],
)
def test_only_yes_approves(answer: str, approves: bool) -> None:
    assert approved(answer) is approves
    assert Streams(answer).plain(interactive=True).confirm(APPROVE_QUESTION) is approves
    terminal = TerminalConsole(
        io.StringIO(), io.StringIO(), io.StringIO(answer), interactive=True, force_terminal=True
    )
    assert terminal.confirm(APPROVE_QUESTION, APPROVE_DETAIL) is approves


def test_the_question_is_asked_as_terraform_asks_it() -> None:
    asked = Streams("yes\n")
    assert asked.plain(interactive=True).confirm(APPROVE_QUESTION, APPROVE_DETAIL)
    assert asked.err.getvalue() == (
        "\nDo you want to perform these actions?\n"
        "  pim-gitops will perform the actions described above.\n"
        "  Only 'yes' will be accepted to approve.\n"
        "\n"
        "  Enter a value: "
    )
    assert not Streams("yes\n").plain(interactive=False).confirm(APPROVE_QUESTION)  # not asked


def test_human_text_is_coloured_on_a_terminal_only() -> None:
    text = "policies/pim.yaml:3: ACT001 error: no MFA\npolicies: valid. Tenant t.\n"
    out = io.StringIO()
    TerminalConsole(out, io.StringIO(), interactive=False, force_terminal=True).human(text)
    assert ANSI.search(out.getvalue()) and CSI.sub("", out.getvalue()) == text
    plain = Streams()
    plain.plain().human(text)
    assert plain.out.getvalue() == text


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
    streams = Streams("yes\n")
    console = streams.plain(interactive=True)
    apply_target(console, options(live), str(POLICIES), guards=Guards())
    assert "Only 'yes' will be accepted to approve.\n\n  Enter a value: " in streams.err.getvalue()
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
    assert len(first) == 93 and sum(line.startswith("  FAILED") for line in first) == 2
    assert reports["_auto_approved"] == first and reports["_confirmed"] == first
    assert phases["_auto_approved"] == phases["_saved_plan"] == phases["_confirmed"]
    assert len(set(summaries.values())) == 1


@pytest.mark.parametrize("answer", ["n\n", "y\n", "YES\n", "\n"])
def test_anything_but_yes_cancels_and_writes_nothing(live: Live, answer: str) -> None:
    streams = Streams(answer)
    code = apply_target(
        streams.plain(interactive=True), options(live), str(POLICIES), guards=Guards()
    )
    assert code == 1  # Terraform's: a cancelled apply exits 1
    assert streams.err.getvalue().endswith("  Enter a value: Apply cancelled.\n")
    assert live.stats()["writes"] == 0
    assert streams.report_lines() == []


def test_no_terminal_and_no_auto_approve_is_a_usage_error(live: Live) -> None:
    with pytest.raises(click.UsageError, match="pass --auto-approve"):
        apply_target(Streams().plain(), options(live), str(POLICIES), guards=Guards())
    assert live.stats()["writes"] == 0


# --- what the terminal colours -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "style"),
    [
        ("  policies/pim.yaml:32: ACT002 warning: lasts long", "[yellow]warning[/]"),
        ("  policies/pim.yaml: ASG001 error: standing access", "[bold red]error[/]"),
        ("policies/pim.yaml:3:1: warning: unknown key", "[yellow]warning[/]"),
        ("policies/pim.yaml:32:21: 'PT4Q' is not an ISO 8601 duration", "[red]"),
        ("1 error found.", "[bold red]"),
        ("error: the tenant refused", "[bold red]"),
        ("policies: valid. Tenant contoso.onmicrosoft.com: 11 roles managed", "[green]"),
        ("wrote 12 files to out", "[green]"),
        ("Apply: 3 writes (x): 3 succeeded, 0 failed, 0 skipped; 0 changes not in", "[bold green]"),
        ("Apply: 3 writes (x): 2 succeeded, 0 failed, 1 skipped; 0 changes not in", "[bold yel"),
        ("Apply: 3 writes (x): 2 succeeded, 1 failed, 0 skipped; 0 changes not in", "[bold red]"),
        ("Apply: 3 writes (x): 3 succeeded, 0 failed, 0 skipped; 1 change not in", "[bold red]"),
        ("access lost in the tenant as read back: last-pra-path", "[bold red]"),
    ],
)
def test_the_terminal_colours_diagnostics_verdicts_and_summaries(line: str, style: str) -> None:
    from rich.text import Text

    from pim_gitops.render.highlight import highlight_line

    marked = highlight_line(line)
    assert style in marked
    assert Text.from_markup(marked).plain == line  # the same words as the plain text


def test_text_that_looks_like_markup_is_printed_as_it_is() -> None:
    from rich.text import Text

    from pim_gitops.render.highlight import highlight

    text = '[code Conflict, request-id 1] [bold]not a style[/]\nrole "[x]" :fire:'
    assert Text.from_markup(highlight(text), emoji=False).plain == text
    out = io.StringIO()
    TerminalConsole(out, io.StringIO(), interactive=False, force_terminal=True).human(text)
    assert CSI.sub("", out.getvalue()) == text  # no emoji either
