"""The plan text fits 120 columns (tests/test_terminal.py holds the change lines to it), and
so must the refusal a reviewer reads under them: today "apply will refuse: break-glass: …"
is one line of about 290 characters, which a 120-column terminal breaks mid-word."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.render.plan_text import TEXT_WIDTH
from tests.conftest import POLICIES

BG2 = """    - principal: user:bg2@contoso.onmicrosoft.com
      permanent: true
      justification: Emergency access account
"""


def test_a_refused_plan_fits_120_columns(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    ga = policies / "roles" / "global-administrator.yaml"
    assert BG2 in ga.read_text()
    ga.write_text(ga.read_text().replace(BG2, ""))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pim_gitops",
            "--now",
            "2026-11-24T09:00:00Z",
            "plan",
            str(policies),
            "--snapshot",
            str(SAMPLE_TENANT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "apply will refuse: break-glass" in done.stdout, done.stdout + done.stderr
    too_long = [line for line in done.stdout.splitlines() if len(line) > TEXT_WIDTH]
    assert not too_long, too_long
