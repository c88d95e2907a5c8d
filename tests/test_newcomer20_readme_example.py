"""The README's minimal tenant file and role file compile to what their comments say and
lint to what the README says they report. A newcomer copied them: the `critical` template
set approvers while `defaults` said `approval.required: false`, so Global Administrator
compiled without approval (APR001), the second break-glass account held no assignment
(GEN001) and two alert kinds named no recipient (NTF001)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"
NOW = "2026-12-01T09:00:00Z"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", NOW, *args],
        capture_output=True,
        text=True,
        check=False,
    )


def _example(tmp_path: Path) -> Path:
    tenant_file, role_file = re.findall(r"```yaml\n(.*?)```", README.read_text(), re.S)[:2]
    policies = tmp_path / "policies"
    (policies / "roles").mkdir(parents=True)
    (policies / "pim.yaml").write_text(tenant_file, encoding="utf-8")
    (policies / "roles" / "global-administrator.yaml").write_text(role_file, encoding="utf-8")
    return policies


def test_the_readme_example_is_valid_and_global_administrator_needs_approval(
    tmp_path: Path,
) -> None:
    policies = _example(tmp_path)
    done = _cli("validate", str(policies), "--show", "Global Administrator")
    assert done.returncode == 0, done.stdout + done.stderr
    required = next(ln for ln in done.stdout.splitlines() if "activation.approval.required" in ln)
    assert required.split()[1] == "true", required


def test_the_readme_example_lints_to_the_one_warning_the_readme_names(tmp_path: Path) -> None:
    done = _cli("lint", str(_example(tmp_path)), "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    assert [(f["rule"], f["severity"]) for f in findings] == [("APR004", "warning")], findings
    assert "reports one warning, APR004" in " ".join(README.read_text().split())
