"""Run a GitHub workflow of this repository locally, without act or Docker.

Jobs run in `needs` order; each `run:` block runs as GitHub's Linux runner runs it (a script
file under `bash -e {0}` when no shell is given, `bash --noprofile --norc -eo pipefail {0}`
for `shell: bash`), with `GITHUB_ENV`, `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files,
`if:`, `continue-on-error`, `working-directory` and workflow/job/step `env`. `uses:` steps
are stubs (``actions.py``); a caller job's `uses: …/.github/workflows/X.yml@ref` runs this
repository's X.yml with the job's `with:` as inputs. On PATH: a fake `gh` (``fake_gh.py``)
and a fake `pip` that records what it was asked to install and installs nothing (the
package under test is already installed in the test's interpreter)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.workflows.actions import Services
from tests.workflows.jobs import run_workflow
from tests.workflows.model import Run, RunResult, Trigger, load_workflow

HERE = Path(__file__).resolve().parent
__all__ = ["RunResult", "Runner", "Trigger"]


def tools_dir(directory: Path) -> Path:
    """`gh` and `pip` on PATH: the fake gh, and a pip that records its arguments."""
    tools = directory / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    gh = tools / "gh"
    gh.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "fake_gh.py"}" "$@"\n')
    pip = tools / "pip"
    pip.write_text(
        "#!/bin/sh\n"
        f'"{sys.executable}" -c "import json, sys; print(json.dumps(sys.argv[1:]))" "$@" '
        '>> "$FAKE_PIP_LOG"\necho "fake pip: recorded (the package under test is installed)"\n'
    )
    for script in (gh, pip):
        script.chmod(0o755)
    return tools


def inherited() -> dict[str, str]:
    """The test process's ``PYTHONPATH``, if any: the steps run the package under test."""
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": path} if path else {}


class Runner:
    """Runs workflows of this repository against a prepared repository (``repo``: a git
    repository with the commits the event names). ``env``: extra environment of every step
    (e.g. ``PIM_GITOPS_GRAPH_URL`` of an emulator); ``gh_state``: the fake GitHub's JSON
    state, kept across runs so a second run sees the first run's comment."""

    def __init__(
        self,
        work: Path,
        repo: Path,
        *,
        env: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
        code_scanning: bool = True,
    ) -> None:
        self.work = work
        self.repo = repo
        self.env = dict(env or {})
        self.variables = dict(variables or {})
        self.code_scanning = code_scanning
        self.gh_state = work / "github.json"
        self.runs = 0

    def run(
        self,
        workflow: Path,
        trigger: Trigger,
        inputs: Mapping[str, Any] | None = None,
        *,
        code_scanning: bool | None = None,
    ) -> RunResult:
        """One run of ``workflow`` for ``trigger``; ``code_scanning`` overrides the
        runner's setting for this run."""
        self.runs += 1
        directory = self.work / f"run-{self.runs}"
        scanning = self.code_scanning if code_scanning is None else code_scanning
        services = Services(self.repo, directory / "artifacts", code_scanning=scanning)
        tools = tools_dir(directory)
        env = {
            "PATH": os.pathsep.join(
                [str(tools), str(Path(sys.executable).parent), "/usr/bin", "/bin"]
            ),
            "HOME": str(directory / "home"),
            "LANG": "C.UTF-8",
            "FAKE_GH_STATE": str(self.gh_state),
            "FAKE_PIP_LOG": str(directory / "pip.log"),
            **inherited(),
            **self.env,
        }
        (directory / "home").mkdir(parents=True)
        run = Run(directory, services, trigger, self.variables, env)
        run_workflow(run, load_workflow(workflow), dict(inputs or {}), prefix="")
        pip_log = directory / "pip.log"
        pip = (
            [json.loads(line) for line in pip_log.read_text().splitlines()]
            if pip_log.exists()
            else []
        )
        return RunResult(run.results, services, pip, self.gh_state)
