"""A finding about an `sp:` principal reads the same with and without a tenant view. The
reference already says it is a service principal, and a waiver names its finding by text:
a baseline written in CI (`lint --live`) must still match in the pre-commit hook (offline
`lint policies`). Today offline ASG001 tells a service principal to "use an eligible
assignment" (PIM cannot make one eligible), the waiver written with the tenant view matches
nothing offline, and GEN005 asks to delete it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pim_gitops.demo import SAMPLE_TENANT

NOW = "2026-11-24T09:00:00Z"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", NOW, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _sp_asg001(*args: str) -> list[str]:
    done = _cli("lint", *args, "--select", "ASG001", "--view", "policy", "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    return sorted(f["message"] for f in findings if (f.get("principal") or "").startswith("sp:"))


def test_an_sp_finding_reads_the_same_offline_and_with_the_tenant(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    done = _cli("export", "--snapshot", str(SAMPLE_TENANT), "--out", str(policies))
    assert done.returncode == 0, done.stderr
    with_tenant = _sp_asg001(str(policies), "--snapshot", str(SAMPLE_TENANT))
    assert with_tenant, "the apply identity holds Privileged Role Administrator permanently"
    assert _sp_asg001(str(policies)) == with_tenant
