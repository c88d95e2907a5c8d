"""The console seam: everything a command shows a person goes through one ``Console``.

Data (plans, reports, JSON) goes to stdout; messages, phases, per-operation results and
progress go to stderr, so ``--format json > plan.json`` stays clean. Two implementations:

- ``TerminalConsole``: rich and colour. Apply shows a progress bar that advances per
  operation to 100 %, with the phase headings and every operation's line printed above it
  (as ``terraform apply`` keeps its ``Creating... / Creation complete`` lines); it stays on
  the screen when apply ends.
- ``PlainConsole``: CI, pipes, ``NO_COLOR``: plain lines, no colour and no control codes, one
  line per operation.

``make_console`` picks one from ``--color`` (``auto``/``always``/``never``) and the
environment: with ``auto``, a TTY on stdout and neither ``NO_COLOR`` (any non-empty value,
no-color.org) nor ``CI`` → terminal. It is called once, by the CLI's entry point, and the
console is passed down explicitly: there is no process-wide console.

Interactive apply asks as Terraform does: only ``yes`` approves (``APPROVE_PROMPT``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Literal, Protocol, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.console import Console as RichConsole
    from rich.progress import Progress

    from pim_gitops.apply import OpResult
    from pim_gitops.policy_rules import Phase

F = TypeVar("F", bound=Callable[..., Any])
#: ``--color``: ``auto`` (a terminal, no ``NO_COLOR``, no ``CI``), ``always`` or ``never``.
ColorChoice = Literal["auto", "always", "never"]
COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")
#: How each operation status is marked in a report line.
MARKS = {"succeeded": "ok", "failed": "FAILED", "skipped": "skipped"}
STATUS_STYLE = {"succeeded": "green", "failed": "bold red", "skipped": "yellow"}
#: The only answer that approves an interactive apply (as Terraform's).
APPROVAL = "yes"
#: What apply asks before writing, after the plan: Terraform's words, this tool's name.
APPROVE_QUESTION = "Do you want to perform these actions?"
APPROVE_DETAIL = (
    "  pim-gitops will perform the actions described above.\n"
    f"  Only '{APPROVAL}' will be accepted to approve."
)
APPROVE_PROMPT = "  Enter a value: "
#: ``CI`` values that mean "not in CI".
NOT_CI = ("", "0", "false", "no")


class Console(Protocol):
    """What commands may do with the screen."""

    @property
    def is_terminal(self) -> bool:
        """Colour and live displays are shown (a person is watching stdout)."""
        ...

    def data(self, text: str) -> None:
        """Write ``text`` to stdout verbatim (no newline added)."""
        ...

    def show(self, render: Callable[[bool], str]) -> None:
        """Write to stdout what ``render(colour)`` returns: rich markup when ``colour``."""
        ...

    def human(self, text: str) -> None:
        """Plain text for a person on stdout (no newline added): coloured on a terminal
        (diagnostics by severity, headings, verdicts), verbatim elsewhere."""
        ...

    def message(self, text: str) -> None:
        """One line (or several) for the person, on stderr."""
        ...

    def error(self, text: str) -> None:
        """An error message on stderr (red on a terminal)."""
        ...

    def phase_started(self, phase: Phase, count: int) -> None:
        """Apply starts ``phase`` with ``count`` operations."""
        ...

    def operation_done(self, result: OpResult) -> None:
        """One apply operation finished (succeeded, failed or skipped)."""
        ...

    def progress(self, total: int) -> AbstractContextManager[None]:
        """Around the run of ``total`` operations (a progress bar on a terminal)."""
        ...

    def confirm(self, question: str, detail: str = "") -> bool:
        """Ask as Terraform does, on stderr: ``question``, ``detail``, then ``Enter a value:``;
        ``True`` only when the answer is exactly ``yes``."""
        ...

    @property
    def interactive(self) -> bool:
        """A person can answer ``confirm`` (stdin is a terminal)."""
        ...


def report_line(result: OpResult) -> str:
    """The plain report line of one operation: ``  ok      <label>``, failures with details."""
    mark = MARKS[result.status]
    extra = ""
    if result.status == "failed":
        extra = f": {result.message} {_failure_ids(result)}"
    elif result.message:
        extra = f" ({result.message})"
    return f"  {mark:7} {result.operation.label}{extra}"


def _failure_ids(result: OpResult) -> str:
    return f"[code {result.code or '-'}, request-id {result.request_id or '-'}]"


def phase_line(phase: Phase, count: int) -> str:
    return f"phase {int(phase)}: {phase.title} ({count})"


def approved(answer: str) -> bool:
    """Terraform's rule: only ``yes`` approves (its line end and trailing blanks aside);
    ``y``, ``YES``, `` yes`` and an empty answer do not."""
    return answer.rstrip() == APPROVAL


def ask_lines(question: str, detail: str) -> str:
    """The text of the question, as Terraform lays it out, up to the prompt."""
    return f"\n{question}\n{detail}\n\n" if detail else f"\n{question}\n\n"


class PlainConsole:
    """Plain lines for CI logs and pipes: no colour, no control codes, no live display."""

    def __init__(
        self, stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None, *, interactive: bool
    ) -> None:
        self._out = stdout
        self._err = stderr
        self._in = stdin
        self._interactive = interactive and stdin is not None

    @property
    def is_terminal(self) -> bool:
        return False

    @property
    def interactive(self) -> bool:
        return self._interactive

    def data(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def show(self, render: Callable[[bool], str]) -> None:
        self.data(render(False))

    def human(self, text: str) -> None:
        self.data(text)

    def message(self, text: str) -> None:
        self._err.write(text + "\n")
        self._err.flush()

    def error(self, text: str) -> None:
        self.message(text)

    def phase_started(self, phase: Phase, count: int) -> None:
        self.message(phase_line(phase, count))

    def operation_done(self, result: OpResult) -> None:
        self.message(report_line(result))

    @contextmanager
    def progress(self, total: int) -> Iterator[None]:
        yield

    def confirm(self, question: str, detail: str = "") -> bool:
        if not self._interactive or self._in is None:
            return False
        self._err.write(ask_lines(question, detail) + APPROVE_PROMPT)
        self._err.flush()
        return approved(self._in.readline())


class TerminalConsole:
    """rich on a terminal: colour; apply's progress bar with its phases and operations above."""

    def __init__(
        self,
        stdout: TextIO,
        stderr: TextIO,
        stdin: TextIO | None = None,
        *,
        interactive: bool,
        force_terminal: bool | None = None,
    ) -> None:
        self._out = _rich(stdout, force_terminal)
        self._err = _rich(stderr, force_terminal)
        self._in = stdin
        self._interactive = interactive and stdin is not None
        self._bar: tuple[Progress, Any] | None = None

    @property
    def is_terminal(self) -> bool:
        return True

    @property
    def interactive(self) -> bool:
        return self._interactive

    def data(self, text: str) -> None:
        self._out.file.write(text)
        self._out.file.flush()

    def show(self, render: Callable[[bool], str]) -> None:
        self._out.print(render(True), end="")

    def human(self, text: str) -> None:
        from pim_gitops.render.highlight import highlight

        self._out.print(highlight(text), end="")

    def message(self, text: str) -> None:
        from pim_gitops.render.highlight import highlight

        self._print_err(highlight(text))

    def error(self, text: str) -> None:
        from pim_gitops.render.highlight import highlight

        self._print_err(highlight(text, default="bold red"))

    def phase_started(self, phase: Phase, count: int) -> None:
        from rich.markup import escape

        if self._bar is not None:
            bar, task = self._bar
            bar.update(task, description=f"phase {int(phase)}")
        self._print_err(f"[bold]{escape(phase_line(phase, count))}[/]")

    def operation_done(self, result: OpResult) -> None:
        from rich.markup import escape

        self._print_err(f"[{STATUS_STYLE[result.status]}]{escape(report_line(result))}[/]")
        if self._bar is not None:
            bar, task = self._bar
            bar.advance(task)
            bar.refresh()

    def _print_err(self, markup: str) -> None:
        """A line on stderr; above the progress bar while it runs."""
        self._err.print(markup)
        if self._bar is not None:
            self._bar[0].refresh()

    @contextmanager
    def progress(self, total: int) -> Iterator[None]:
        bar = _progress_bar(self._err)
        task = bar.add_task("apply", total=total)
        with bar:
            self._bar = (bar, task)
            try:
                yield
            except BaseException:
                bar.live.transient = True  # an apply that stopped: its error, not a bar
                raise
            finally:
                self._bar = None
                if bar.finished:
                    bar.update(task, description="applied")
                bar.refresh()

    def confirm(self, question: str, detail: str = "") -> bool:
        from rich.markup import escape

        if not self._interactive or self._in is None:
            return False
        rest = ask_lines(question, detail)[len(question) + 1 :]
        self._err.print(f"\n[bold]{escape(question)}[/]{escape(rest)}", end="")
        self._err.print(APPROVE_PROMPT, end="", markup=False)
        self._err.file.flush()
        return approved(self._in.readline())


def _rich(stream: TextIO, force_terminal: bool | None) -> RichConsole:
    from rich.console import Console as RichConsole

    return RichConsole(
        file=stream, highlight=False, soft_wrap=True, emoji=False, force_terminal=force_terminal
    )


def _progress_bar(console: RichConsole) -> Progress:
    """A bar that stays when done (``transient=False``) and redraws only when told (each
    phase, each operation): no refresh thread, the same screen for the same run."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
        auto_refresh=False,
    )


def color_option(func: F) -> F:
    """The CLI group's ``--color auto|always|never`` option (``--colour`` too)."""
    import click

    return click.option(
        "--color",
        "--colour",
        "color",
        type=click.Choice(COLOR_CHOICES),
        default="auto",
        show_default=True,
        help="Colour and live progress: auto (a terminal, unless NO_COLOR or CI is set), "
        "always (even then), never.",
    )(func)


def colour_wanted(stdout: TextIO, environ: Mapping[str, str], color: ColorChoice) -> bool:
    """``--color always`` beats ``NO_COLOR`` and ``CI``; ``never`` is plain; ``auto`` colours a
    TTY on stdout unless ``NO_COLOR`` is set (any non-empty value) or ``CI`` is."""
    if color != "auto":
        return color == "always"
    if environ.get("NO_COLOR") or environ.get("CI", "").strip().lower() not in NOT_CI:
        return False
    return _isatty(stdout)


def make_console(
    stdout: TextIO,
    stderr: TextIO,
    stdin: TextIO,
    environ: Mapping[str, str],
    color: ColorChoice = "auto",
) -> Console:
    """A terminal console when colour is wanted (``colour_wanted``), else a plain one. Call
    once, at the entry point, and pass the console down."""
    interactive = _isatty(stdin)
    if colour_wanted(stdout, environ, color):
        force = True if color == "always" else None
        return TerminalConsole(stdout, stderr, stdin, interactive=interactive, force_terminal=force)
    return PlainConsole(stdout, stderr, stdin, interactive=interactive)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
