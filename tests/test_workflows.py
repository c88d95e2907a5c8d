"""GitHub workflows: valid against the workflow schema (SchemaStore, vendored), least
permissions per job, the right triggers, no secrets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
    (ROOT / "examples" / "policy-repo" / ".github" / "workflows").glob("*.yml")
)
SCHEMA = json.loads((ROOT / "tests" / "data" / "github-workflow.schema.json").read_text())
ALLOWED_WRITES: dict[str, dict[str, set[str]]] = {
    "pim-pr.yml": {"plan": {"id-token", "pull-requests", "security-events"}},
    "pim-apply.yml": {"plan": {"id-token"}, "apply": {"id-token"}},
    "pim-drift.yml": {"drift": {"id-token", "issues"}},
    "pim-snapshot.yml": {"snapshot": {"id-token", "contents"}},
    "ci.yml": {"test": set()},
    # The example caller: each job grants what the reusable workflow it calls needs.
    "pim.yml": {
        "pull-request": {"id-token", "pull-requests", "security-events"},
        "apply": {"id-token"},
        "drift": {"id-token", "issues"},
        "snapshot": {"id-token", "contents"},
    },
}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True; GitHub means the string.
    if True in data:
        data["on"] = data.pop(True)
    return dict(data)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_valid_workflow(path: Path) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(load(path))


def test_the_example_caller_workflows_are_checked() -> None:
    assert {p.name for p in WORKFLOWS if p.parent.parent.parent.name == "policy-repo"} == {
        "pim.yml"
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_permissions(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}, "read-only by default"
    allowed = ALLOWED_WRITES.get(path.name)
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        assert permissions != "write-all"
        writes = {k for k, v in permissions.items() if v == "write"}
        if allowed is not None:
            assert writes <= allowed[name], (name, writes)
        if "id-token" in writes:
            assert "AZURE_CLIENT_SECRET" not in json.dumps(job)


def test_no_secrets_anywhere() -> None:
    for path in [*WORKFLOWS, ROOT / ".pre-commit-hooks.yaml"]:
        text = path.read_text()
        assert "client-secret" not in text and "CLIENT_SECRET" not in text
        assert not re.search(r"secrets\.(?!GITHUB_TOKEN)", text), path


def test_apply_needs_an_environment_and_never_overlaps() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "pim-apply.yml")
    assert workflow["concurrency"]["cancel-in-progress"] is False
    apply = workflow["jobs"]["apply"]
    assert apply["needs"] == "plan" and "environment" in apply
    assert apply["env"]["AZURE_CLIENT_ID"] == "${{ inputs.write-client-id }}"
    plan = workflow["jobs"]["plan"]
    assert plan["env"]["AZURE_CLIENT_ID"] == "${{ inputs.read-client-id }}"
    steps = " ".join(s.get("run", "") for s in apply["steps"])
    assert "apply plan.json" in steps, "apply exactly the reviewed file"


def test_example_policy_repo_triggers() -> None:
    workflow = load(ROOT / "examples" / "policy-repo" / ".github" / "workflows" / "pim.yml")
    on = workflow["on"]
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    crons = {s["cron"] for s in on["schedule"]}
    assert len(crons) == 2
    jobs = workflow["jobs"]
    for name in ("pull-request", "apply", "drift", "snapshot"):
        assert jobs[name]["uses"].startswith("pim-gitops/pim-gitops/.github/workflows/")
    assert "security-events" in jobs["pull-request"]["permissions"]


def test_project_ci_runs_make_test() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "ci.yml")
    runs = [s.get("run") for s in workflow["jobs"]["test"]["steps"]]
    assert "make test" in runs


def test_pre_commit_hooks() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"pim-gitops-validate", "pim-gitops-lint"}
    assert all(h["pass_filenames"] is False for h in hooks)


PIM_WORKFLOWS = [
    p
    for p in WORKFLOWS
    if p.name.startswith("pim-") and p.parent.name == "workflows" and p.parent.parent.parent == ROOT
]


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for job in workflow["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("path", PIM_WORKFLOWS, ids=lambda p: p.name)
def test_piped_steps_fail_when_the_command_fails(path: Path) -> None:
    """GitHub's default shell has no pipefail: `apply | tee` would be green when apply
    fails. `shell: bash` runs `bash -eo pipefail`."""
    workflow = load(path)
    shell = (workflow.get("defaults") or {}).get("run", {}).get("shell")
    piped = [s for s in _steps(workflow) if "|" in str(s.get("run", "")).replace("||", "")]
    assert shell == "bash" or all(s.get("shell") == "bash" for s in piped), path.name


def test_lint_reaches_the_pr_without_code_scanning() -> None:
    """A private repository without code scanning: the SARIF upload must not fail the job,
    and the policy view still reaches the PR as annotations."""
    workflow = load(ROOT / ".github" / "workflows" / "pim-pr.yml")
    steps = _steps(workflow)
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action")]
    assert uploads and all(s.get("continue-on-error") is True for s in uploads)
    assert any("--format github" in str(s.get("run", "")) for s in steps)


def test_the_drift_workflow_creates_its_label_before_using_it() -> None:
    text = (ROOT / ".github" / "workflows" / "pim-drift.yml").read_text()
    assert text.index("gh label create pim-drift") < text.index("gh issue create")


# --- pinned install and pinned references (issue 20) --------------------------------------

COMMIT = re.compile(r"[0-9a-f]{40}")
PIN = re.compile(
    r"^pim-gitops @ git\+https://github\.com/[^/@\s]+/[^/@\s]+@(?P<commit>[0-9a-f]{40})$"
)
EXAMPLE = ROOT / "examples" / "policy-repo"


def _install_default(workflow: dict[str, Any]) -> str:
    return str(workflow["on"]["workflow_call"]["inputs"]["install"]["default"])


@pytest.mark.parametrize("path", PIM_WORKFLOWS, ids=lambda p: p.name)
def test_the_install_default_is_a_commit_pin(path: Path) -> None:
    """A package name not registered on the index could be registered by anyone and would
    run with Tier-0 credentials: the default is a git commit of this repository."""
    assert PIN.match(_install_default(load(path))), path.name


def test_every_workflow_pins_the_same_commit() -> None:
    """One commit everywhere: the install defaults, the example's `uses:` references and
    its pre-commit `rev`, so a fork changes one value (docs/github-setup.md, "Pinning")."""
    pins = {_install_default(load(p)).rpartition("@")[2] for p in PIM_WORKFLOWS}
    jobs = load(EXAMPLE / ".github" / "workflows" / "pim.yml")["jobs"]
    refs = {job["uses"].rpartition("@")[2] for job in jobs.values()}
    # The example installs from the commit it calls (a reusable workflow's own default is
    # one commit older: no commit can name itself).
    refs |= {job["with"]["install"].rpartition("@")[2] for job in jobs.values()}
    config = yaml.safe_load((EXAMPLE / ".pre-commit-config.yaml").read_text())
    revs = {repo["rev"] for repo in config["repos"]}
    assert len(pins | refs | revs) == 1, (pins, refs, revs)
    assert all(COMMIT.fullmatch(ref) for ref in pins | refs | revs)


def _pip_installs(text: str) -> list[str]:
    return re.findall(r"pip3? install[^\n]*", text)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_installs_an_unpinned_package(path: Path) -> None:
    """The one install line reads the pinned input; nothing else installs pim-gitops."""
    installs = _pip_installs(path.read_text())
    for line in installs:
        assert line.strip() == 'pip install "$REQUIREMENT"', (path.name, line)
    workflow = load(path)
    for step in _steps(workflow):
        if "pip install" in str(step.get("run", "")):
            assert step["env"]["REQUIREMENT"] == "${{ inputs.install }}", path.name


def test_the_docs_install_from_a_commit_or_a_clone() -> None:
    """The package is not on the package index: no page tells a reader to install it
    from there."""
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), EXAMPLE / "README.md"]:
        for line in _pip_installs(page.read_text()):
            assert "pim-gitops @ git+" in line or "pip install ." in line or "-e ." in line, (
                page.name,
                line,
            )


def test_the_examples_point_at_no_tag() -> None:
    """`@v1` and `rev: v0.1.0` named tags that do not exist: the example names commits."""
    text = (EXAMPLE / ".github" / "workflows" / "pim.yml").read_text()
    text += (EXAMPLE / ".pre-commit-config.yaml").read_text()
    assert not re.search(r"@v\d|rev: v\d", text)


def test_one_pr_run_at_a_time_posts_the_comment() -> None:
    """Two pushes in quick succession must not both find no comment and post two."""
    job = load(ROOT / ".github" / "workflows" / "pim-pr.yml")["jobs"]["plan"]
    assert "pull_request.number" in job["concurrency"]["group"]


def _cli_calls(text: str) -> set[tuple[str, str]]:
    """The subcommands and ``--options`` the workflows call ``pim-gitops`` with, as
    (subcommand, option or "")."""
    calls: set[tuple[str, str]] = set()
    for command, rest in re.findall(r"pim-gitops ([a-z-]+)((?:[^\n|>;]|\\\n)*)", text):
        calls.add((command, ""))
        calls.update((command, option) for option in re.findall(r"(--[a-z][a-z-]*)", rest))
    return calls


def test_the_pinned_commit_has_every_command_the_workflows_call() -> None:
    """A pin to a commit older than the workflows would install a pim-gitops that lacks what
    they call (`plan --lint`, `show`): every subcommand and option they use is in the
    pinned commit's source."""
    import subprocess

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )

    if git("rev-parse", "--is-shallow-repository").stdout.strip() != "false":
        pytest.skip("a shallow or missing git history cannot show the pinned commit")
    commit = _install_default(load(PIM_WORKFLOWS[0])).rpartition("@")[2]
    assert git("merge-base", "--is-ancestor", commit, "HEAD").returncode == 0, commit
    calls = set().union(*(_cli_calls(p.read_text()) for p in PIM_WORKFLOWS))
    calls.discard(("pull", ""))  # the workflow's name, "pim-gitops pull request"

    def defined(command: str, option: str) -> bool:
        # A command is a function of cli.py (click names it); an option is its quoted flag.
        if not option:
            pattern, where = f"def {command.replace('-', '_')}(", "pim_gitops/cli.py"
        else:
            pattern, where = f'"{option}"', "pim_gitops"
        return git("grep", "-q", "-F", pattern, commit, "--", where).returncode == 0

    missing = sorted(call for call in calls if not defined(*call))
    assert not missing, f"{commit[:12]} lacks {missing}"
