"""The workflows as a policy repository runs them: the example caller workflow
(examples/policy-repo/.github/workflows/pim.yml) calling this repository's reusable
workflows, run by the local runner (tests/workflows) against the emulator, with a fake `gh`
that records what GitHub was asked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.tenantgen import SAMPLE_NOW
from tests.conftest import ROOT, Live
from tests.workflows.model import load_workflow
from tests.workflows.runner import Runner, RunResult, Trigger

CALLER = ROOT / "examples" / "policy-repo" / ".github" / "workflows" / "pim.yml"
NOW = SAMPLE_NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
TENANT_ID = "7f3c9a42-1d5e-4b8a-9c6f-2e1d0a9b8c7d"
VARIABLES = {
    "PIM_TENANT_ID": TENANT_ID,
    "PIM_READ_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
    "PIM_WRITE_CLIENT_ID": "22222222-2222-2222-2222-222222222222",
}
GA = Path("policies") / "roles" / "global-administrator.yaml"
MARKER = "<!-- pim-gitops-plan -->"
PR = 7
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}

Edit = Callable[[Path], None]
DRIFT_INPUTS = load_workflow(ROOT / ".github" / "workflows" / "pim-drift.yml")["on"][
    "workflow_call"
]
PINNED = DRIFT_INPUTS["inputs"]["install"]["default"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample tenant exported: a policy directory that plans to no changes."""
    out = tmp_path_factory.mktemp("export") / "policies"
    command = ["export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", NOW, *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # The sample tenant's lint errors (issue 19's planted problems) would fail every PR's
    # lint gate: the test repository ignores those rules and keeps their warnings.
    with (out / "pim.yaml").open("a") as pim:
        pim.write("lint:\n  ignore: [ACT001, APR001, ASG001, ASG004, NTF001]\n")
    return out


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


class PolicyRepo:
    """A git repository of policies: `main` (mirrored as `origin/main`) and a PR branch."""

    def __init__(self, path: Path, exported: Path) -> None:
        self.path = path
        path.mkdir()
        shutil.copytree(exported, path / "policies")
        git(path, "init", "-q", "-b", "main")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "policies exported from the tenant")
        git(path, "update-ref", "refs/remotes/origin/main", "HEAD")
        self.base = git(path, "rev-parse", "HEAD")

    def commit(self, edit: Edit, message: str) -> str:
        edit(self.path)
        git(self.path, "commit", "-q", "-am", message)
        return git(self.path, "rev-parse", "HEAD")

    def branch(self, name: str) -> None:
        git(self.path, "switch", "-q", "-c", name)

    def merge_to_main(self) -> str:
        """The PR merged: `main` at the PR's head (a fast-forward, as a merge leaves it)."""
        head = git(self.path, "rev-parse", "HEAD")
        git(self.path, "switch", "-q", "main")
        git(self.path, "merge", "-q", "--ff-only", head)
        git(self.path, "update-ref", "refs/remotes/origin/main", "HEAD")
        return head


def replace(old: str, new: str, path: Path = GA) -> Edit:
    def edit(repo: Path) -> None:
        file = repo / path
        text = file.read_text()
        assert old in text, (file, old)
        file.write_text(text.replace(old, new, 1))

    return edit


SHORTER_ACTIVATION = replace("max_duration: PT2H", "max_duration: PT1H")
BG2 = (
    "    - principal: user:bg2@contoso.onmicrosoft.com  # Break Glass 2\n"
    "      permanent: true\n"
    "      adopted: {day}\n"
    "      # justification: unknown (Graph does not keep it on schedules)\n"
)


@pytest.fixture
def repo(tmp_path: Path, exported: Path) -> PolicyRepo:
    return PolicyRepo(tmp_path / "repo", exported)


@pytest.fixture
def runner(tmp_path: Path, repo: PolicyRepo, live: Live) -> Runner:
    env = {"PIM_GITOPS_GRAPH_URL": live.url, "PIM_GITOPS_NOW": NOW}
    return Runner(tmp_path / "runs", repo.path, env=env, variables=VARIABLES)


def pull_request(repo: PolicyRepo) -> Trigger:
    head = git(repo.path, "rev-parse", "HEAD")
    event = {"pull_request": {"number": PR, "head": {"sha": head}}}
    return Trigger(
        "pull_request",
        head,
        event,
        ref=f"refs/pull/{PR}/merge",
        base_ref="main",
        head_ref=git(repo.path, "branch", "--show-current"),
    )


def push(repo: PolicyRepo) -> Trigger:
    return Trigger("push", git(repo.path, "rev-parse", "HEAD"))


def schedule(repo: PolicyRepo) -> Trigger:
    return Trigger("schedule", git(repo.path, "rev-parse", "HEAD"), {"schedule": "17 6 * * *"})


def requests(run: RunResult, since: int = 0) -> list[tuple[str, str]]:
    """The GitHub API calls of the fake gh, as (method, endpoint)."""
    calls = run.gh()["calls"][since:]
    return [(c["request"]["method"], c["request"]["endpoint"]) for c in calls if "request" in c]


def gh_commands(run: RunResult, since: int = 0) -> list[list[str]]:
    return [list(c["argv"][:2]) for c in run.gh()["calls"][since:]]


def only_jobs(run: RunResult) -> dict[str, str]:
    """The jobs that ran (caller/called) and their results, skipped ones left out."""
    return {name: job.result for name, job in run.jobs.items() if job.result != "skipped"}


# --- drift -------------------------------------------------------------------------------


def raise_ga_activation(live: Live) -> None:
    """Someone raises Global Administrator's activation in the portal: PT2H → PT8H."""
    http = live.http
    assignments = http.get(
        "/policies/roleManagementPolicyAssignments",
        params={
            "$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq "
            "'62e90394-69f5-4237-9190-012177145e10'"
        },
    ).json()["value"]
    policy = assignments[0]["policyId"]
    rule = "Expiration_EndUser_Assignment"
    path = f"/policies/roleManagementPolicies/{policy}/rules/{rule}"
    body: dict[str, Any] = dict(http.get(path).json())
    body = {k: v for k, v in body.items() if not k.startswith("@odata.context")}
    body["maximumDuration"] = "PT8H"
    response = http.patch(path, json=body)
    assert response.status_code in (200, 204), response.text


def test_the_drift_workflow_opens_its_issue_then_closes_it(
    runner: Runner, repo: PolicyRepo, live: Live
) -> None:
    raise_ga_activation(live)
    drifted = runner.run(CALLER, schedule(repo))
    assert only_jobs(drifted) == {"drift": "success", "drift/drift": "success"}, drifted.job(
        "drift/drift"
    ).log
    # The one install line installed the workflow's pinned default (the fake pip records it).
    assert drifted.pip == [["install", PINNED]]
    state = drifted.gh()
    assert [label["name"] for label in state["labels"]] == ["pim-drift"]
    [issue] = state["issues"]
    assert issue["state"] == "open" and issue["labels"] == ["pim-drift"]
    assert "Global Administrator" in issue["body"]
    assert "Global Administrator" in drifted.job("drift/drift").summary
    # The label is created before the issue that carries it.
    assert gh_commands(drifted) == [
        ["issue", "list"],
        ["label", "create"],
        ["issue", "create"],
    ]

    live.emulator.store.reset()  # the portal change is undone
    matched = runner.run(CALLER, schedule(repo))
    assert only_jobs(matched) == {"drift": "success", "drift/drift": "success"}
    [issue] = matched.gh()["issues"]
    assert issue["state"] == "closed"
    assert issue["comments"] == ["The tenant matches the policy repository again."]
    assert gh_commands(matched, since=3) == [["issue", "list"], ["issue", "close"]]


# --- pull request ------------------------------------------------------------------------


def comments(run: RunResult) -> list[dict[str, Any]]:
    return list(run.gh()["comments"].get(str(PR), []))


def test_the_pr_workflow_posts_one_comment_and_updates_it_in_place(
    runner: Runner, repo: PolicyRepo
) -> None:
    repo.branch("shorter-activation")
    repo.commit(SHORTER_ACTIVATION, "Global Administrator: activation up to an hour")
    first = runner.run(CALLER, pull_request(repo))
    job = first.job("pull-request/plan")
    assert only_jobs(first) == {"pull-request": "success", "pull-request/plan": "success"}, job.log
    assert requests(first) == [
        ("GET", f"repos/contoso/pim-policies/issues/{PR}/comments"),
        ("POST", f"repos/contoso/pim-policies/issues/{PR}/comments"),
    ]
    [comment] = comments(first)
    assert comment["body"].startswith(MARKER)
    assert "PT1H" in comment["body"] and "Global Administrator" in comment["body"]
    assert "https://github.com/contoso/pim-policies/actions/runs/4242" in comment["body"]
    assert "PT1H" in job.summary
    assert first.services.uploads == [
        {"name": "pim-plan", "files": ["plan.json", "plan.md", "plan.txt"]}
    ]
    artifact = first.services.artifacts / "pim-plan"
    assert "PT1H" in (artifact / "plan.txt").read_text()
    # The policy view reaches the PR as annotations, with or without code scanning.
    assert ("warning", "file=policies/roles/billing-administrator.yaml,line=5") in [
        (kind, where.split(",title=")[0]) for kind, where, _ in job.annotations
    ]
    assert [u["category"] for u in first.services.sarif_uploads] == [
        "pim-gitops",
        "pim-gitops-posture",
    ]

    # Another push to the PR, in a repository without code scanning (a private one without
    # GitHub Advanced Security): the SARIF uploads fail without failing the job.
    before = len(first.gh()["calls"])
    repo.commit(replace("PT1H", "PT30M"), "half an hour")
    second = runner.run(CALLER, pull_request(repo), code_scanning=False)
    job = second.job("pull-request/plan")
    assert only_jobs(second)["pull-request/plan"] == "success", job.log
    uploads = [s for s in job.steps if s.name.startswith("github/codeql-action/upload-sarif")]
    assert [(s.outcome, s.conclusion) for s in uploads] == [("failure", "success")] * 2
    assert any(kind == "warning" for kind, _, _ in job.annotations)
    assert requests(second, since=before) == [
        ("GET", f"repos/contoso/pim-policies/issues/{PR}/comments"),
        ("PATCH", f"repos/contoso/pim-policies/issues/comments/{comment['id']}"),
    ]
    [updated] = comments(second)
    assert updated["id"] == comment["id"] and "PT30M" in updated["body"]

    # A push that no longer validates fails the job and replaces the plan shown, which no
    # longer describes the pull request (the same comment, never a second one).
    before = len(second.gh()["calls"])
    repo.commit(replace("PT30M", "PT30M\n  bogus: [", GA), "broken YAML")
    third = runner.run(CALLER, pull_request(repo))
    job = third.job("pull-request/plan")
    assert job.result == "failure" and job.step("plan").outcome == "skipped", job.log
    assert requests(third, since=before) == [
        ("GET", f"repos/contoso/pim-policies/issues/{PR}/comments"),
        ("PATCH", f"repos/contoso/pim-policies/issues/comments/{comment['id']}"),
    ]
    [failed] = comments(third)
    assert failed["body"].startswith(MARKER) and "**No plan for" in failed["body"]
    assert "PT30M" not in failed["body"]


def remove_break_glass(day: str) -> Edit:
    return replace(BG2.format(day=day), "")


def test_a_pr_removing_a_break_glass_account_comments_then_fails(
    runner: Runner, repo: PolicyRepo, exported: Path
) -> None:
    repo.branch("remove-bg2")
    day = adopted_day(exported)
    repo.commit(remove_break_glass(day), "remove Break Glass 2")
    # Someone else's comment that starts with the marker is not the workflow's to edit.
    forged = {"id": 1, "body": MARKER + "\nlooks fine", "user": {"login": "mallory"}}
    runner.gh_state.parent.mkdir(parents=True, exist_ok=True)
    runner.gh_state.write_text(json.dumps({"comments": {str(PR): [forged]}}))
    run = runner.run(CALLER, pull_request(repo))
    job = run.job("pull-request/plan")
    assert job.result == "failure", job.log
    assert job.step("plan").outcome == "success"
    assert job.step("fail when apply would refuse the change").outcome == "failure"
    assert comments(run)[0] == forged
    [comment] = comments(run)[1:]
    assert comment["body"].startswith(MARKER)
    assert "apply will refuse" in comment["body"]
    assert "bg2@contoso.onmicrosoft.com" in comment["body"]
    assert [m for m, _ in requests(run)] == ["GET", "POST"]


def adopted_day(exported: Path) -> str:
    text = (exported / "roles" / "global-administrator.yaml").read_text()
    return text.split("adopted: ", 1)[1].split("\n", 1)[0]


# --- apply -------------------------------------------------------------------------------


def merged(repo: PolicyRepo, edit: Edit) -> None:
    repo.branch("change")
    repo.commit(edit, "Global Administrator: activation up to an hour")
    repo.merge_to_main()


def test_the_apply_workflow_applies_the_reviewed_plan(
    runner: Runner, repo: PolicyRepo, live: Live
) -> None:
    merged(repo, SHORTER_ACTIVATION)
    run = runner.run(CALLER, push(repo))
    apply = run.job("apply/apply")
    assert only_jobs(run) == {
        "apply": "success",
        "apply/plan": "success",
        "apply/apply": "success",
    }, run.job("apply/plan").log + apply.log
    assert apply.environment == "pim-apply"
    assert "PT1H" in run.job("apply/plan").summary and "PT1H" in apply.summary
    assert live.stats()["writes"] >= 1
    again = runner.run(CALLER, push(repo))  # the tenant matches: nothing to apply
    assert only_jobs(again) == {"apply": "success", "apply/plan": "success"}


def test_a_failing_apply_fails_the_apply_job(runner: Runner, repo: PolicyRepo, live: Live) -> None:
    """`apply | tee apply.json` under `bash -eo pipefail`: the job fails with apply."""
    merged(repo, SHORTER_ACTIVATION)
    live.faults(abort_after_writes=0)  # every write is dropped
    run = runner.run(CALLER, push(repo))
    apply = run.job("apply/apply")
    assert run.job("apply/plan").result == "success", run.job("apply/plan").log
    assert apply.result == "failure", apply.log
    assert apply.step("apply").outcome == "failure"
    assert run.job("apply").result == "failure"
    assert live.stats()["writes"] == 0


def test_a_refused_plan_stops_on_main_until_an_admin_variable_allows_it(
    tmp_path: Path, repo: PolicyRepo, live: Live, exported: Path
) -> None:
    """The override of a Tier-0 guard comes from `vars.PIM_GITOPS_ALLOW` (set by an admin),
    read by both the plan job and the apply job; without it nothing reaches the approvers."""
    repo.branch("remove-bg2")
    repo.commit(remove_break_glass(adopted_day(exported)), "remove Break Glass 2")
    repo.merge_to_main()
    env = {"PIM_GITOPS_GRAPH_URL": live.url, "PIM_GITOPS_NOW": NOW}
    refused = Runner(tmp_path / "refused", repo.path, env=env, variables=VARIABLES)
    run = refused.run(CALLER, push(repo))
    plan = run.job("apply/plan")
    assert only_jobs(run) == {"apply": "failure", "apply/plan": "failure"}, plan.log
    assert "apply will refuse" in plan.summary
    assert ("error", "title=apply will refuse", plan.annotations[-1][2]) == plan.annotations[-1]
    assert live.stats()["writes"] == 0

    variables = {**VARIABLES, "PIM_GITOPS_ALLOW": "break-glass-change"}
    allowed = Runner(tmp_path / "allowed", repo.path, env=env, variables=variables)
    run = allowed.run(CALLER, push(repo))
    assert only_jobs(run) == {
        "apply": "success",
        "apply/plan": "success",
        "apply/apply": "success",
    }, run.job("apply/plan").log + run.job("apply/apply").log
    assert "allowed by PIM_GITOPS_ALLOW" in run.job("apply/plan").summary
    assert live.stats()["writes"] >= 1


# --- snapshot ----------------------------------------------------------------------------


def test_the_snapshot_workflow_keeps_the_tenant_as_an_artifact_and_on_its_branch(
    tmp_path: Path, runner: Runner, repo: PolicyRepo
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=GIT_ENV)
    git(repo.path, "remote", "add", "origin", str(origin))
    monthly = Trigger("schedule", repo.base, {"schedule": "43 2 1 * *"})
    run = runner.run(CALLER, monthly)
    job = run.job("snapshot/snapshot")
    assert only_jobs(run) == {"snapshot": "success", "snapshot/snapshot": "success"}, job.log
    [upload] = run.services.uploads
    assert upload["name"] == "pim-snapshot" and len(upload["files"]) == 1
    [name] = upload["files"]
    kept = git(origin, "ls-tree", "-r", "--name-only", "pim-snapshots")
    assert kept == f"snapshots/{name}"
