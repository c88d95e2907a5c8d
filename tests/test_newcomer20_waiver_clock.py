"""A baseline written today must still waive the same finding tomorrow. A waiver names its
finding by text (docs/lint.md, "The first day"), so the text of a finding about an unchanged
file must not depend on the clock. ASG011 words an exported guest assignment
(`expires:` and no `start`) as "for <expires - now>", so the waiver `lint --baseline` writes
stops matching a second later and GEN005 asks to delete it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pim_gitops.demo import SAMPLE_TENANT

NOW = "2026-11-24T09:00:00Z"
LATER = "2026-11-24T09:00:01Z"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", *args], capture_output=True, text=True, check=False
    )


def _asg011(policies: Path, now: str) -> list[str]:
    done = _cli("--now", now, "lint", str(policies), "--select", "ASG011", "--format", "json")
    return sorted(f["message"] for f in json.loads(done.stdout)["findings"])


def test_a_guest_finding_reads_the_same_a_second_later(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    done = _cli("--now", NOW, "export", "--snapshot", str(SAMPLE_TENANT), "--out", str(policies))
    assert done.returncode == 0, done.stderr
    today = _asg011(policies, NOW)
    assert today, "the sample tenant's guest vendor holds a role for more than P30D"
    assert _asg011(policies, LATER) == today


def test_the_baseline_still_waives_the_guest_finding_a_second_later(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    done = _cli("--now", NOW, "export", "--snapshot", str(SAMPLE_TENANT), "--out", str(policies))
    assert done.returncode == 0, done.stderr
    baseline = policies / "lint-baseline.yaml"
    _cli("--now", NOW, "lint", str(policies), "--select", "ASG011", "--baseline", str(baseline))
    with (policies / "pim.yaml").open("a") as tenant_file:
        tenant_file.write("lint: {baseline: lint-baseline.yaml}\n")
    done = _cli("--now", LATER, "lint", str(policies), "--select", "ASG011,GEN005")
    assert "GEN005" not in done.stdout, done.stdout
