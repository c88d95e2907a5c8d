"""Review of issue 20: the workflows that hold Tier-0 credentials run only pinned code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REUSABLE = ("pim-pr.yml", "pim-apply.yml", "pim-drift.yml", "pim-snapshot.yml")
COMMIT = re.compile(r"@[0-9a-f]{40}$")


def uses(workflow: dict[str, Any]) -> list[str]:
    return [
        str(step["uses"])
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "uses" in step
    ]


@pytest.mark.parametrize("name", REUSABLE)
def test_every_action_is_pinned_to_a_commit(name: str) -> None:
    """docs/github-setup.md: "Always a full 40-hex commit: a branch or tag can be moved to
    other code after review" — yet every third-party step (`actions/checkout@v4`,
    `actions/download-artifact@v4`, `github/codeql-action/upload-sarif@v3`…) is named by a
    movable tag, and runs in jobs with `id-token: write` (the apply job's token is the
    write app's, federated to the `pim-apply` environment)."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text("utf-8"))
    moving = [ref for ref in uses(workflow) if not COMMIT.search(ref)]
    assert moving == [], moving


def _at(commit: str, path: str) -> str | None:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def test_the_pinned_commit_has_the_workflows_and_commands_they_run() -> None:
    """The example's `uses: …/pim-pr.yml@<commit>` and every `install` default name
    2c35d15, the commit *before* issue 20: copied as documented, a policy repository runs
    that commit's pim-pr.yml, which installs the bare name `pim-gitops` from the package
    index (`pip install "${{ inputs.pim-gitops }}"`, default `pim-gitops`), and the current
    workflows would install a pim-gitops that has no `show` command nor `plan --lint`."""
    example = ROOT / "examples" / "policy-repo" / ".github" / "workflows" / "pim.yml"
    jobs = yaml.safe_load(example.read_text("utf-8"))["jobs"]
    pins = {str(job["uses"]).rpartition("@")[2] for job in jobs.values()}
    assert len(pins) == 1
    pin = pins.pop()
    if _at(pin, "pyproject.toml") is None:
        pytest.skip(f"commit {pin} is not in this clone")
    cli = _at(pin, "pim_gitops/cli.py") or ""
    assert '@cli.command("show")' in cli or "def show(" in cli, f"{pin} has no `show`"
    for name in REUSABLE:
        text = _at(pin, f".github/workflows/{name}") or ""
        assert "install" in text and "pip install pim-gitops\n" not in text, name
        assert "default: pim-gitops," not in text, f"{pin}:{name} installs the bare name"
