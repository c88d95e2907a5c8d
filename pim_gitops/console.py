"""The console seam: everything a command shows a person goes through one ``Console``.

Data (plans, reports, JSON) goes to stdout; messages, phases, per-operation results and
progress go to stderr, so ``--format json > plan.json`` stays clean. Two implementations:

- ``TerminalConsole``: rich, colour, a transient progress bar; only failures are listed
  while the bar runs.
- ``PlainConsole``: CI and pipes; plain lines, no colour and no control codes, one line
  per operation.

``make_console`` picks one (a TTY on stdout, no ``CI``, no ``NO_COLOR`` → terminal). It is
called once, by the CLI's entry point, and the console is passed down explicitly: there is
no process-wide console.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from pim_gitops.apply import OpResult
    from pim_gitops.policy_rules import Phase

#: How each operation status is marked in a report line.
MARKS = {"succeeded": "ok", "failed": "FAILED", "skipped": "skipped"}


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

    def message(self, text: str) -> None:
        """One line (or several) for the person, on stderr."""
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

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question on stderr; ``False`` unless the answer is yes."""
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

    def message(self, text: str) -> None:
        self._err.write(text + "\n")
        self._err.flush()

    def phase_started(self, phase: Phase, count: int) -> None:
        self.message(phase_line(phase, count))

    def operation_done(self, result: OpResult) -> None:
        self.message(report_line(result))

    @contextmanager
    def progress(self, total: int) -> Iterator[None]:
        yield

    def confirm(self, question: str) -> bool:
        if not self._interactive or self._in is None:
            return False
        self._err.write(f"{question} [y/N]: ")
        self._err.flush()
        return self._in.readline().strip().lower() in ("y", "yes")


class TerminalConsole:
    """rich on a terminal: colour, a transient progress bar, failures listed above it."""

    def __init__(
        self,
        stdout: TextIO,
        stderr: TextIO,
        *,
        interactive: bool,
        force_terminal: bool | None = None,
    ) -> None:
        from rich.console import Console as RichConsole

        self._out = RichConsole(
            file=stdout, highlight=False, soft_wrap=True, force_terminal=force_terminal
        )
        self._err = RichConsole(
            file=stderr, highlight=False, soft_wrap=True, force_terminal=force_terminal
        )
        self._interactive = interactive
        self._advance: Callable[[], None] | None = None

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

    def message(self, text: str) -> None:
        self._err.print(text, markup=False)

    def phase_started(self, phase: Phase, count: int) -> None:
        self._err.print(f"[bold]{phase_line(phase, count)}[/]")

    def operation_done(self, result: OpResult) -> None:
        from rich.markup import escape

        if result.status != "succeeded":  # successes only advance the bar
            colour = "red" if result.status == "failed" else "yellow"
            self._err.print(f"[{colour}]{escape(report_line(result))}[/]")
        if self._advance is not None:
            self._advance()

    @contextmanager
    def progress(self, total: int) -> Iterator[None]:
        from rich.progress import Progress

        with Progress(console=self._err, transient=True) as bar:
            task = bar.add_task("applying", total=total)
            self._advance = lambda: bar.advance(task)
            try:
                yield
            finally:
                self._advance = None

    def confirm(self, question: str) -> bool:
        from rich.prompt import Confirm

        if not self._interactive:
            return False
        return Confirm.ask(question, console=self._err, default=False)


def make_console(
    stdout: TextIO, stderr: TextIO, stdin: TextIO, environ: Mapping[str, str]
) -> Console:
    """A terminal console when a person watches stdout (a TTY, no ``CI``, no ``NO_COLOR``),
    else a plain one. Call once, at the entry point, and pass the console down."""
    interactive = _isatty(stdin)
    if _isatty(stdout) and not environ.get("CI") and not environ.get("NO_COLOR"):
        return TerminalConsole(stdout, stderr, interactive=interactive)
    return PlainConsole(stdout, stderr, stdin, interactive=interactive)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
