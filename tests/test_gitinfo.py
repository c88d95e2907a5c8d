"""gitinfo: the audit trace from GitHub Actions' variables, and ``--base`` from a git ref."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pim_gitops.errors import PlanError
from pim_gitops.gitinfo import base_directory, git_trace

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_trace_of_a_pull_request() -> None:
    env = {"GITHUB_SHA": SHA, "GITHUB_REPOSITORY": "c/p", "GITHUB_REF": "refs/pull/42/merge"}
    assert git_trace(env) == "pim-gitops commit 0123456789ab https://github.com/c/p/pull/42"


def test_trace_of_a_push_names_the_commit_on_its_server() -> None:
    env = {"GITHUB_SHA": SHA, "GITHUB_REPOSITORY": "c/p", "GITHUB_SERVER_URL": "https://ghe.x"}
    assert git_trace(env) == f"pim-gitops commit 0123456789ab https://ghe.x/c/p/commit/{SHA}"


def test_no_trace_outside_a_workflow_run() -> None:
    assert git_trace({}) is None
    assert git_trace({"GITHUB_REPOSITORY": "c/p"}) is None


def test_a_base_directory_is_used_as_is(tmp_path: Path) -> None:
    assert base_directory(str(tmp_path), str(tmp_path), str(tmp_path / "scratch")) == str(tmp_path)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x", *args],
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_base_ref_extracts_the_directory_as_committed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    (repo / "policies" / "pim.yaml").write_text("old\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    (repo / "policies" / "pim.yaml").write_text("new\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    found = base_directory("HEAD", str(repo / "policies"), str(scratch))
    assert Path(found, "pim.yaml").read_text() == "old\n"
    with pytest.raises(PlanError, match="git archive failed"):
        base_directory("no-such-ref", str(repo / "policies"), str(scratch))


def test_a_base_outside_git_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="neither a directory nor usable as a git ref"):
        base_directory("main", str(tmp_path), str(tmp_path))
