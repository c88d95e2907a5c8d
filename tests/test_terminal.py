"""pim-gitops in a real terminal: apply run in tmux at 120×40 against the emulator (the bar
reaches 100 % under the phase headings and the operation lines it keeps; only ``yes``
approves), and colour on a pseudo-terminal but not with ``NO_COLOR``, ``CI`` or a pipe unless
``--color always`` says so. The plan text fits 120 columns."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pim_gitops.render.plan_text import TEXT_WIDTH, render_text, role_change_lines
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import format_instant
from tests.conftest import POLICIES, ROOT, Live

ANSI = re.compile(r"\x1b\[")
BAR = "━"
#: How long a step in tmux may take before the test gives up (a bound, never asserted).
PATIENCE = 120.0


# --- tmux ---------------------------------------------------------------------------------


class Tmux:
    """One tmux server of our own (its own socket), one 120×40 session."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=PATIENCE,
        )
        return done.stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-x", "120", "-y", "40", "-s", "t", command)

    def screen(self) -> str:
        """Everything the pane shows and scrolled past, as text (no colours)."""
        return self.run("capture-pane", "-p", "-J", "-S", "-", "-t", "t")

    def wait_for_text(self, text: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        pytest.fail(f"tmux never showed {text!r}; the pane:\n{self.screen()}")

    def type(self, keys: str) -> None:
        if keys:
            self.run("send-keys", "-t", "t", "-l", keys)
        self.run("send-keys", "-t", "t", "Enter")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the real-terminal test needs it (apt install tmux)")
    server = Tmux(f"pim-gitops-test-{os.getpid()}")
    try:
        yield server
    finally:
        subprocess.run(["tmux", "-L", server.socket, "kill-server"], capture_output=True)


def apply_in_tmux(tmux: Tmux, live: Live, policies: Path) -> None:
    """``pim-gitops apply`` (interactive) in the pane; ``EXIT=<code>`` printed at its end.
    ``CI`` and ``NO_COLOR`` are cleared: this is a person at a terminal."""
    command = (
        f"cd {ROOT} && env -u CI -u NO_COLOR PIM_GITOPS_NOW={format_instant(SAMPLE_NOW)} "
        f"PIM_GITOPS_GRAPH_URL={live.url} {sys.executable} -m pim_gitops apply {policies}; "
        "echo EXIT=$?; sleep 600"
    )
    tmux.start(command)
    tmux.wait_for_text("Enter a value:")


def test_apply_in_a_real_terminal_ends_at_100_with_phases_and_operations_above(
    tmux: Tmux, live: Live
) -> None:
    apply_in_tmux(tmux, live, POLICIES)
    tmux.type("yes")
    screen = tmux.wait_for_text("EXIT=")
    assert "EXIT=0" in screen, screen
    lines = screen.splitlines()
    assert "  Enter a value: yes" in lines
    phases = [i for i, line in enumerate(lines) if re.match(r"phase \d+: .* \(\d+\)$", line)]
    bars = [i for i, line in enumerate(lines) if BAR in line]
    operations = [i for i, line in enumerate(lines) if re.match(r"  (ok|FAILED|skipped) ", line)]
    assert [lines[i].split(":")[0] for i in phases] == [f"phase {n}" for n in range(1, 6)]
    # One bar stays, below every heading and every operation line, and it reached 100 %.
    assert len(bars) == 1, screen
    assert re.search(r"100% 93/93$", lines[bars[0]].rstrip()), lines[bars[0]]
    assert len(operations) == 93 and max(phases + operations) < bars[0]
    assert not any(BAR in lines[i] for i in phases)  # no heading glued onto the bar
    assert live.stats()["writes"] > 0


@pytest.mark.parametrize("answer", ["y", "YES", ""])
def test_apply_in_a_real_terminal_refuses_anything_but_yes(
    tmux: Tmux, live: Live, answer: str
) -> None:
    apply_in_tmux(tmux, live, POLICIES)
    tmux.type(answer)
    screen = tmux.wait_for_text("EXIT=")
    assert "Apply cancelled.\nEXIT=1" in screen, screen
    assert "Only 'yes' will be accepted to approve." in screen
    assert live.stats()["writes"] == 0


# --- colour on and off ----------------------------------------------------------------------


def run_pim_gitops(args: list[str], env: dict[str, str], *, tty: bool) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal (``tty``) or on pipes; what
    it wrote to both."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    environ |= {"PIM_GITOPS_NOW": format_instant(SAMPLE_NOW), "TERM": "xterm-256color"} | env
    command = [sys.executable, "-m", "pim_gitops", *args]
    if not tty:
        done = subprocess.run(command, capture_output=True, text=True, env=environ, cwd=ROOT)
        return done.stdout + done.stderr
    leader, follower = os.openpty()
    with subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=environ, cwd=ROOT
    ) as child:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its end (Linux answers EIO)
                break
            if not chunk:
                break
            chunks.append(chunk)
        child.wait(timeout=PATIENCE)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


LINT = ["lint", "policies"]
VALIDATE = ["validate", "policies"]
PLAN = ["plan", "policies", "--snapshot", "pim_gitops/demo/tenant.json"]


@pytest.mark.parametrize(
    ("args", "env", "tty", "coloured"),
    [
        (VALIDATE, {}, True, True),
        (LINT, {}, True, True),
        (VALIDATE, {"NO_COLOR": "1"}, True, False),
        (LINT, {"NO_COLOR": "1"}, True, False),
        (LINT, {"CI": "true"}, True, False),
        (LINT, {}, False, False),  # a pipe
        (["--color", "always", *LINT], {}, False, True),
        (["--color", "always", *LINT], {"NO_COLOR": "1", "CI": "true"}, True, True),
        (["--color", "never", *LINT], {}, True, False),
        (PLAN, {}, True, True),
        (PLAN, {"NO_COLOR": "1"}, True, False),
    ],
)
def test_colour_on_a_terminal_plain_elsewhere(
    args: list[str], env: dict[str, str], tty: bool, coloured: bool
) -> None:
    shown = run_pim_gitops(args, env, tty=tty)
    assert any(word in shown for word in ("warning", "valid.", "Plan: ")), shown
    assert bool(ANSI.search(shown)) is coloured, shown


def test_validate_errors_are_coloured_on_a_terminal(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    pim = policies / "pim.yaml"
    pim.write_text(pim.read_text().replace("max_duration: PT4H", "max_duration: PT4Q"))
    shown = run_pim_gitops(["validate", str(policies)], {}, tty=True)
    assert "is not an ISO 8601 duration" in shown
    assert re.search(r"\x1b\[[0-9;]*31m", shown)  # red
    plain = run_pim_gitops(["validate", str(policies)], {"NO_COLOR": "1"}, tty=True)
    assert "is not an ISO 8601 duration" in plain and not ANSI.search(plain)


# --- the plan text fits the terminal ---------------------------------------------------------


def test_the_sample_tenant_plan_nests_under_its_roles_and_fits_120_columns() -> None:
    from tests.test_plan import plan_for

    text = render_text(plan_for())
    changes = [line for line in text.splitlines() if re.match(r"  [+~-] ", line)]
    assert changes and not any('role["' in line for line in changes)
    assert max(len(line) for line in text.splitlines() if line.startswith("  ")) <= TEXT_WIDTH


def test_a_long_change_wraps_with_its_continuation_indented() -> None:
    change = {
        "kind": "setting",
        "action": "update",
        "address": 'role["R"].notifications.activated.admin.recipients',
        "path": "notifications.activated.admin.recipients",
        "role": {"name": "R", "id": "r"},
        "before": [f"person{i}@contoso.com" for i in range(4)],
        "after": [f"person{i}@contoso.com" for i in range(8)],
    }
    wrapped = role_change_lines([change], width=TEXT_WIDTH)
    assert len(wrapped) > 1 and all(len(line) <= TEXT_WIDTH for line in wrapped)
    assert wrapped[0].startswith("~ notifications.activated.admin.recipients: [person0@")
    assert all(line.startswith("    ") for line in wrapped[1:])
    # Joined back, the words are the line's: wrapping only breaks at spaces.
    assert " ".join(part.strip() for part in wrapped) == role_change_lines([change])[0]


def test_assignments_read_as_schedule_kind_and_name() -> None:
    change = {
        "kind": "assignment",
        "action": "create",
        "address": 'role["Global Administrator"].eligible["user:alice@contoso.com"]',
        "role": {"name": "Global Administrator", "id": "g"},
        "principal": {"id": "a", "ref": "user:alice@contoso.com"},
        "schedule": "eligible",
        "before": None,
        "after": {"end": "2027-01-01T00:00:00Z"},
    }
    assert role_change_lines([change]) == [
        "+ eligible user alice@contoso.com: 2027-01-01T00:00:00Z"
    ]
