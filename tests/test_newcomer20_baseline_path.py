"""`lint --baseline FILE` takes FILE from the current directory, `lint: {baseline: FILE}` in
pim.yaml from the policy directory. docs/lint.md ("The first day") wrote the same
`lint-baseline.yaml` for both, so a newcomer's baseline landed beside `policies/` and the
`lint:` line pointed at a file that was not there. The message `lint --baseline` prints
names the path as pim.yaml reads it, and says that a TODO reason quiets warnings only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pim_gitops.demo import SAMPLE_TENANT

NOW = "2026-11-24T09:00:00Z"


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", NOW, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def _first_day(tmp_path: Path, out: str) -> tuple[str, list[dict[str, object]]]:
    """Export, write the baseline to ``out``, add the `lint:` line the message names, lint."""
    done = _cli(tmp_path, "export", "--snapshot", str(SAMPLE_TENANT), "--out", "policies")
    assert done.returncode == 0, done.stderr
    done = _cli(tmp_path, "lint", "policies", "--baseline", out)
    assert done.returncode == 0, done.stderr
    line = done.stderr.split("read the file with `", 1)[1].split("`", 1)[0]
    with (tmp_path / "policies" / "pim.yaml").open("a") as tenant_file:
        tenant_file.write(line + "\n")
    done = _cli(tmp_path, "lint", "policies", "--format", "json")
    return done.stderr, json.loads(done.stdout)["findings"]


def test_the_documented_baseline_path_is_read_back(tmp_path: Path) -> None:
    message, findings = _first_day(tmp_path, "policies/lint-baseline.yaml")
    assert message == "", message
    open_warnings = {f["rule"] for f in findings if not f["waived"] and f["severity"] != "error"}
    assert open_warnings == {"GEN006"}, open_warnings  # only "write the TODO reasons"


def test_a_baseline_outside_the_policy_directory_is_named_as_pim_yaml_reads_it(
    tmp_path: Path,
) -> None:
    done = _cli(tmp_path, "export", "--snapshot", str(SAMPLE_TENANT), "--out", "policies")
    assert done.returncode == 0, done.stderr
    done = _cli(tmp_path, "lint", "policies", "--baseline", "lint-baseline.yaml")
    assert "`lint: {baseline: ../lint-baseline.yaml}`" in done.stderr, done.stderr
    assert "quiets warnings only: errors stay open" in done.stderr, done.stderr


def test_a_todo_reason_leaves_the_errors_open(tmp_path: Path) -> None:
    _, findings = _first_day(tmp_path, "policies/lint-baseline.yaml")
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors and not any(f["waived"] for f in errors)
    assert any(f["waived"] for f in findings if f["severity"] == "warning")
