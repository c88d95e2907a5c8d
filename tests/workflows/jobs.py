"""Jobs and steps of a local workflow run (see ``runner.py`` for what is emulated)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.workflows.actions import StepFailed, action_for
from tests.workflows.expressions import Status, condition, substitute
from tests.workflows.model import (
    JobResult,
    Run,
    StepResult,
    base_context,
    job_order,
    load_workflow,
    needs_of,
    parse_file_commands,
    strings,
    workflow_commands,
    workflow_inputs,
)

ROOT = Path(__file__).resolve().parents[2]
SHELLS: dict[str | None, list[str]] = {
    None: ["bash", "-e", "{0}"],
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    "sh": ["sh", "-e", "{0}"],
    "python": [sys.executable, "{0}"],
}
#: `uses: OWNER/REPO/.github/workflows/FILE@REF` of a caller job: this repository's FILE.
CALLED = re.compile(r"^[^/]+/[^/]+/\.github/workflows/(?P<file>[^@]+)@(?P<ref>.+)$")
STEP_TIMEOUT_S = 300


def run_workflow(run: Run, workflow: dict[str, Any], given: Mapping[str, Any], prefix: str) -> bool:
    """Every job of ``workflow`` in `needs` order; true when none failed."""
    inputs = workflow_inputs(workflow, given)
    jobs: dict[str, Any] = workflow.get("jobs") or {}
    ok = True
    for name in job_order(jobs):
        result = run_job(run, workflow, name, jobs[name], inputs, prefix)
        run.results[prefix + name] = result
        ok = ok and result.result != "failure"
    return ok


def needs_context(run: Run, job: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    context = {}
    for need in needs_of(job):
        result = run.results[prefix + need]
        context[need] = {"result": result.result, "outputs": dict(result.outputs)}
    return context


def run_job(
    run: Run,
    workflow: dict[str, Any],
    name: str,
    job: Mapping[str, Any],
    inputs: Mapping[str, Any],
    prefix: str,
) -> JobResult:
    context = base_context(run, inputs)
    context["needs"] = needs = needs_context(run, job, prefix)
    status = Status(
        failed=any(n["result"] == "failure" for n in needs.values()),
        blocked=any(n["result"] != "success" for n in needs.values()),
    )
    if not condition(job.get("if"), context, status, "success()"):
        return JobResult(prefix + name, "skipped")
    if "uses" in job:
        return call_workflow(run, job, context, prefix + name)
    env = strings(workflow.get("env"), context)
    context["env"] = env
    env = {**env, **strings(job.get("env"), context)}
    environment = substitute(job.get("environment"), context)
    result = JobResult(prefix + name, "success", environment=environment_name(environment))
    workspace = run.directory / "jobs" / (prefix + name).replace("/", "-") / "workspace"
    workspace.mkdir(parents=True)
    defaults = {
        **(workflow.get("defaults") or {}).get("run", {}),
        **(job.get("defaults") or {}).get("run", {}),
    }
    for step in job.get("steps") or []:
        context["env"] = env
        failed = result.result == "failure"
        outcome = run_step(run, step, context, env, workspace, defaults, failed)
        env.update(outcome.env)
        result.steps.append(outcome)
        result.summary += outcome.summary
        result.annotations += workflow_commands(outcome.log)
        if outcome.conclusion == "failure":
            result.result = "failure"
        if step.get("id"):
            context["steps"][step["id"]] = {
                "outputs": dict(outcome.outputs),
                "outcome": outcome.outcome,
                "conclusion": outcome.conclusion,
            }
    result.outputs = strings(job.get("outputs"), context)
    return result


def environment_name(environment: Any) -> str | None:
    if isinstance(environment, Mapping):
        return str(environment.get("name"))
    return None if environment is None else str(environment)


def call_workflow(
    run: Run, job: Mapping[str, Any], context: Mapping[str, Any], name: str
) -> JobResult:
    """A caller job: this repository's reusable workflow, with the job's `with:`."""
    match = CALLED.match(str(job["uses"]))
    if match is None:
        raise StepFailed(f"the local runner cannot call {job['uses']!r}")
    workflow = load_workflow(ROOT / ".github" / "workflows" / match["file"])
    given = substitute(job.get("with") or {}, context)
    ok = run_workflow(run, workflow, given, prefix=name + "/")
    return JobResult(name, "success" if ok else "failure", called=str(job["uses"]))


def run_step(
    run: Run,
    step: Mapping[str, Any],
    context: dict[str, Any],
    env: dict[str, str],
    workspace: Path,
    defaults: Mapping[str, Any],
    failed: bool,
) -> StepResult:
    label = str(
        step.get("name")
        or step.get("id")
        or step.get("uses")
        or str(step.get("run")).split("\n")[0]
    )
    if not condition(step.get("if"), context, Status(failed=failed), "success()"):
        return StepResult(label, "skipped", "skipped")
    step_env = {**env, **strings(step.get("env"), {**context, "env": env})}
    started = time.monotonic()
    try:
        if "uses" in step:
            action = action_for(str(step["uses"]))
            log = action(run.services, workspace, substitute(step.get("with") or {}, context))
            outcome = StepResult(label, "success", "success", log)
        else:
            outcome = run_script(run, step, context, step_env, workspace, defaults, label)
    except StepFailed as exc:
        outcome = StepResult(label, "failure", "failure", str(exc))
    if outcome.outcome == "failure" and substitute(step.get("continue-on-error", False), context):
        outcome.conclusion = "success"
    outcome.seconds = time.monotonic() - started
    return outcome


def shell_command(step: Mapping[str, Any], defaults: Mapping[str, Any], script: Path) -> list[str]:
    shell = step.get("shell") or defaults.get("shell")
    template = SHELLS.get(shell) or str(shell).split()
    if "{0}" not in template:
        template = [*template, "{0}"]
    return [str(script) if part == "{0}" else part for part in template]


def run_script(
    run: Run,
    step: Mapping[str, Any],
    context: Mapping[str, Any],
    env: dict[str, str],
    workspace: Path,
    defaults: Mapping[str, Any],
    label: str,
) -> StepResult:
    files = run.next_dir(label)
    script = files / "script"
    script.write_text(str(substitute(step["run"], {**context, "env": env})))
    paths = {
        name: files / name.lower()
        for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
    }
    for path in paths.values():
        path.touch()
    trigger = run.trigger
    process_env = {
        **run.env,
        **env,
        **{name: str(path) for name, path in paths.items()},
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_REPOSITORY": trigger.repository,
        "GITHUB_SHA": trigger.sha,
        "GITHUB_REF": trigger.ref,
        "GITHUB_BASE_REF": trigger.base_ref,
        "GITHUB_HEAD_REF": trigger.head_ref,
        "GITHUB_EVENT_NAME": trigger.event_name,
        "GITHUB_RUN_ID": trigger.run_id,
        "GITHUB_SERVER_URL": "https://github.com",
        "RUNNER_TEMP": str(files),
    }
    cwd = workspace / str(
        substitute(
            step.get("working-directory") or defaults.get("working-directory") or ".", context
        )
    )
    done = subprocess.run(
        shell_command(step, defaults, script),
        cwd=cwd,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )
    outcome = "success" if done.returncode == 0 else "failure"
    log = done.stdout
    if done.returncode:
        log += f"\nError: Process completed with exit code {done.returncode}."
    return StepResult(
        label,
        outcome,
        outcome,
        log,
        outputs=parse_file_commands(paths["GITHUB_OUTPUT"]),
        env=parse_file_commands(paths["GITHUB_ENV"]),
        summary=paths["GITHUB_STEP_SUMMARY"].read_text(),
    )
