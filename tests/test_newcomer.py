"""A newcomer's first day: export the sample tenant, edit it, validate, lint, plan. Each test
here is one thing that walk found wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pim_gitops.demo import SAMPLE_TENANT

from .conftest import ROOT


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", "2026-12-01", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh export of the bundled sample tenant (read only: copy it to edit)."""
    out = tmp_path_factory.mktemp("export") / "policies"
    result = _run("export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- 1. validate reports every error of the run at once ---------------------------------------


def test_validate_reports_every_error_in_one_run(policy_copy: Path) -> None:
    """A broken tenant file no longer hides what a role file declares wrongly; a second
    duplicate key and a schema error of the same file are reported with the first."""
    tenant = policy_copy / "pim.yaml"
    _edit(tenant, "tenant: contoso.onmicrosoft.com", "tenant: contoso.onmicrosoft.com\nbogus: 1")
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text(reader.read_text() + "role: x\nrole: y\nrolez: z\n")
    support = policy_copy / "roles" / "contoso-tier1-support.yaml"
    _edit(support, "max_duration: PT8H", "max_duration: PT30H")
    result = _run("validate", str(policy_copy))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    body = lines[:-1]
    assert lines[-1] == f"{len(body)} errors found."
    located = [line.split(": ", 1)[0] for line in body]
    assert located == sorted(located, key=lambda w: (w.split(":")[0], *map(int, w.split(":")[1:])))
    text = "\n".join(body)
    assert f"{tenant}:8:1: unknown key 'bogus'" in text
    assert f"{support}:6:17: Contoso Tier1 Support: activation.max_duration PT30H" in text
    assert text.count(f"{reader}:") == 3
    assert "duplicate key 'role' (first defined at line 2)" in text
    assert "unknown key 'rolez'" in text


def test_validate_reports_lint_rules_with_the_other_errors(policy_copy: Path) -> None:
    tenant = policy_copy / "pim.yaml"
    _edit(tenant, "  preset: cisa", "  preset: cisa\n  rules:\n    XYZ999: {enabled: false}")
    exchange = policy_copy / "roles" / "exchange-administrator.yaml"
    _edit(exchange, "template: privileged", "template: privilegd")
    result = _run("validate", str(policy_copy))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "2 errors found."
    assert "lint.rules names an unknown rule 'XYZ999'" in lines[0]
    assert lines[1].startswith(f"{exchange}:3:11: unknown template 'privilegd'")


# --- 4. --snapshot and --live are one choice --------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "report"])
def test_snapshot_and_live_together_is_a_usage_error(command: str) -> None:
    result = _run(command, "policies", "--snapshot", str(SAMPLE_TENANT), "--live")
    assert result.returncode == 1  # a usage error: exit 2 means "changes present"
    assert "Usage:" in result.stderr
    assert "--snapshot and --live cannot be used together" in result.stderr
    assert result.stdout == ""
