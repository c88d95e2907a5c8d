"""The commit the example pins is the code the docs describe: a policy repository copied from
examples/policy-repo runs the reusable workflows *at that commit* (GitHub resolves `@ref`;
the local runner does not), so they must take the `install` input and never install the
bare package name (docs/github-setup.md, "Pinned install")."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "policy-repo" / ".github" / "workflows" / "pim.yml"
JOBS = yaml.safe_load(EXAMPLE.read_text())["jobs"]


def _at(commit: str, path: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_pinned_workflow_takes_the_inputs_the_example_passes(job: str) -> None:
    """`uses: …/pim-pr.yml@<pin>` with `with: {...}`: every key must be an input of the
    workflow as it is at the pinned commit, and its install must be a commit pin."""
    uses = JOBS[job]["uses"]
    path, _, commit = uses.partition("pim-gitops/pim-gitops/")[2].rpartition("@")
    pinned = yaml.load(_at(commit, path), Loader=yaml.BaseLoader)
    inputs = pinned["on"]["workflow_call"]["inputs"]
    assert set(JOBS[job].get("with", {})) <= set(inputs), (path, sorted(inputs))
    assert "install" in inputs, f"{path}@{commit[:7]} has no `install` input: {sorted(inputs)}"
    assert inputs["install"]["default"].startswith("pim-gitops @ git+"), inputs["install"]
