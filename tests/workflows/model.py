"""The data of a local workflow run: the event, each job's and step's result, and the helpers
that read workflow files (inputs, `needs` order, GITHUB_ENV/GITHUB_OUTPUT files)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.workflows.actions import Services, StepFailed
from tests.workflows.expressions import substitute, text

ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


@dataclass(frozen=True)
class Trigger:
    """The event a run answers, as the `github` context shows it."""

    event_name: str
    sha: str
    event: Mapping[str, Any] = field(default_factory=dict)
    ref: str = "refs/heads/main"
    base_ref: str = ""
    head_ref: str = ""
    repository: str = "contoso/pim-policies"
    run_id: str = "4242"

    def context(self) -> dict[str, Any]:
        return {
            "event_name": self.event_name,
            "event": dict(self.event),
            "sha": self.sha,
            "ref": self.ref,
            "base_ref": self.base_ref,
            "head_ref": self.head_ref,
            "repository": self.repository,
            "repository_owner": self.repository.partition("/")[0],
            "run_id": self.run_id,
            "server_url": "https://github.com",
            "token": "fake-github-token",
            "workspace": "",
        }


@dataclass
class StepResult:
    name: str
    outcome: str
    conclusion: str
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    #: What the step wrote to GITHUB_ENV and GITHUB_STEP_SUMMARY.
    env: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    seconds: float = 0.0


@dataclass
class JobResult:
    name: str
    result: str
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    annotations: list[tuple[str, str, str]] = field(default_factory=list)
    environment: str | None = None
    #: A caller job: the `uses:` of the reusable workflow it ran.
    called: str | None = None

    def step(self, name: str) -> StepResult:
        """The step of this name (or id, or the first words of its `run:`)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r} in job {self.name}: {[s.name for s in self.steps]}")

    @property
    def log(self) -> str:
        return "\n".join(
            f"--- {s.name} ({s.outcome}, {s.seconds:.1f} s)\n{s.log}" for s in self.steps
        )


@dataclass
class RunResult:
    jobs: dict[str, JobResult]
    services: Services
    pip: list[list[str]]
    gh_state: Path

    def job(self, name: str) -> JobResult:
        return self.jobs[name]

    def gh(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.gh_state.read_text())
        return data


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return dict(data)


def parse_file_commands(path: Path) -> dict[str, str]:
    """`NAME=value` lines and `NAME<<DELIMITER` blocks of GITHUB_ENV / GITHUB_OUTPUT."""
    values: dict[str, str] = {}
    lines = iter(path.read_text().splitlines() if path.exists() else [])
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, delimiter = line.partition("<<")
            block: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def workflow_inputs(workflow: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The `workflow_call` inputs: given values, else defaults; a missing required one fails."""
    on = workflow.get("on") or {}
    declared = (on.get("workflow_call") or {}).get("inputs") or {} if isinstance(on, dict) else {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise StepFailed(f"unexpected inputs {unknown}")
    inputs: dict[str, Any] = {}
    for name, spec in declared.items():
        if name in given:
            inputs[name] = given[name]
        elif spec.get("required"):
            raise StepFailed(f"required input {name!r} not given")
        else:
            inputs[name] = spec.get("default", "" if spec.get("type") == "string" else None)
    return inputs


def job_order(jobs: Mapping[str, Any]) -> list[str]:
    """Jobs sorted so that each comes after its `needs`."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise StepFailed(f"needs cycle: {' -> '.join((*path, name))}")
        if name in done:
            return
        for need in needs_of(jobs[name]):
            visit(need, (*path, name))
        done.append(name)

    for name in jobs:
        visit(name, ())
    return done


def needs_of(job: Mapping[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


@dataclass
class Run:
    """One workflow run's directories, services and recorded results."""

    directory: Path
    services: Services
    trigger: Trigger
    variables: Mapping[str, str]
    env: Mapping[str, str]
    results: dict[str, JobResult] = field(default_factory=dict)
    counter: int = 0

    def next_dir(self, label: str) -> Path:
        self.counter += 1
        path = (
            self.directory / "files" / f"{self.counter:03d}-{re.sub(r'[^A-Za-z0-9]+', '-', label)}"
        )
        path.mkdir(parents=True)
        return path


def base_context(run: Run, inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "github": run.trigger.context(),
        "inputs": dict(inputs),
        "vars": dict(run.variables),
        "secrets": {"GITHUB_TOKEN": "fake-github-token"},
        "runner": {"os": "Linux", "temp": str(run.directory / "tmp")},
        "env": {},
        "steps": {},
        "needs": {},
    }


def strings(values: Mapping[str, Any] | None, context: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): text(substitute(v, context)) for k, v in (values or {}).items()}


def workflow_commands(log: str) -> list[tuple[str, str, str]]:
    found = []
    for line in log.splitlines():
        match = ANNOTATION.match(line)
        if match:
            found.append((match[1], match[2] or "", match[3]))
    return found
