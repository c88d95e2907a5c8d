"""`apply DIR` at a terminal must not ask for approval of a plan it already knows it will
refuse: today it prints "apply will refuse: break-glass …", asks "Do you want to perform
these actions? … Enter a value:", and only after `yes` says "refusing to apply; nothing was
written". The operator is asked to approve what cannot happen (Terraform stops before its
prompt when a check fails)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import POLICIES, Live
from tests.test_terminal import PATIENCE, Tmux, apply_in_tmux, tmux  # noqa: F401

BG2 = """    - principal: user:bg2@contoso.onmicrosoft.com
      permanent: true
      justification: Emergency access account
"""


def _first_of(pane: Tmux, *texts: str) -> str:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        shown = pane.screen()
        if any(text in shown for text in texts):
            return shown
        time.sleep(0.2)
    pytest.fail(f"tmux never showed any of {texts!r}; the pane:\n{pane.screen()}")


def test_apply_refuses_before_asking_for_approval(
    tmux: Tmux,  # noqa: F811
    live: Live,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    ga = policies / "roles" / "global-administrator.yaml"
    assert BG2 in ga.read_text()
    ga.write_text(ga.read_text().replace(BG2, ""))
    # apply_in_tmux waits for the prompt; start the command the same way without waiting.
    monkeypatch.setattr(Tmux, "wait_for_text", lambda self, text: self.screen())
    apply_in_tmux(tmux, live, policies)
    screen = _first_of(tmux, "EXIT=", "Enter a value:")
    assert "Enter a value:" not in screen, screen
    assert "refusing to apply" in screen and "EXIT=1" in screen, screen
    assert live.stats()["writes"] == 0
