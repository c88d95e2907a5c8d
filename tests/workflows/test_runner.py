"""The local workflow runner itself: what it must model for the workflow tests to mean
anything (GitHub's default shell has no pipefail, `continue-on-error`, status functions,
outputs between steps and jobs, the fake `gh`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflows.expressions import Status, condition, evaluate, substitute
from tests.workflows.runner import Runner, Trigger

HERE = Path(__file__).resolve().parent


def run_workflow(tmp_path: Path, text: str) -> Runner:
    (tmp_path / "repo").mkdir(exist_ok=True)
    (tmp_path / "wf.yml").write_text(text)
    return Runner(tmp_path / "runs", tmp_path / "repo")


PIPES = """
on: push
jobs:
  default:
    runs-on: ubuntu-latest
    steps:
      - run: false | cat
  bash:
    runs-on: ubuntu-latest
    steps:
      - run: false | cat
        shell: bash
"""


def test_the_default_shell_has_no_pipefail_and_shell_bash_has(tmp_path: Path) -> None:
    runner = run_workflow(tmp_path, PIPES)
    run = runner.run(tmp_path / "wf.yml", Trigger("push", "0" * 40))
    assert run.job("default").result == "success"
    assert run.job("bash").result == "failure"


STATUS = """
on: push
defaults: {run: {shell: bash}}
jobs:
  first:
    runs-on: ubuntu-latest
    outputs:
      word: ${{ steps.say.outputs.word }}
    env: {GREETING: hello}
    steps:
      - id: say
        run: |
          echo "word=$GREETING" >> "$GITHUB_OUTPUT"
          printf 'LINES<<EOF\\none\\ntwo\\nEOF\\n' >> "$GITHUB_ENV"
      - name: allowed to fail
        continue-on-error: true
        run: exit 4
      - name: sees the env file
        run: test "$LINES" = "$(printf 'one\\ntwo')"
      - name: fails
        run: exit 5
      - name: skipped after a failure
        run: echo never
      - name: always
        if: always()
        run: echo "${{ steps.say.outputs.word }} from always" >> "$GITHUB_STEP_SUMMARY"
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  cleanup:
    needs: first
    if: always() && needs.first.outputs.word == 'HELLO'
    runs-on: ubuntu-latest
    steps:
      - run: echo "::warning file=a.yaml,line=2::look"
"""


def test_steps_and_jobs_follow_status_outputs_and_needs(tmp_path: Path) -> None:
    run = run_workflow(tmp_path, STATUS).run(tmp_path / "wf.yml", Trigger("push", "0" * 40))
    first = run.job("first")
    outcomes = [(s.name, s.outcome, s.conclusion) for s in first.steps]
    assert outcomes == [
        ("say", "success", "success"),
        ("allowed to fail", "failure", "success"),
        ("sees the env file", "success", "success"),
        ("fails", "failure", "failure"),
        ("skipped after a failure", "skipped", "skipped"),
        ("always", "success", "success"),
    ]
    assert first.result == "failure" and first.outputs == {"word": "hello"}
    assert first.summary == "hello from always\n"
    assert run.job("second").result == "skipped"
    assert run.job("cleanup").result == "success"
    assert run.job("cleanup").annotations == [("warning", "file=a.yaml,line=2", "look")]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("inputs.policy-dir", "policies"),
        ("inputs.missing", None),
        ("inputs.missing || 'fallback'", "fallback"),
        ("inputs.policy-dir && 'yes'", "yes"),
        ("github.event_name == 'PUSH'", True),
        ("github.event.pull_request.number == 7", True),
        ("!(1 == 2)", True),
        ("format('{0}-{1}', 'a', 3)", "a-3"),
        ("startsWith(github.ref, 'refs/heads/')", True),
    ],
)
def test_expressions(expression: str, expected: object) -> None:
    context = {
        "inputs": {"policy-dir": "policies"},
        "github": {
            "event_name": "push",
            "ref": "refs/heads/main",
            "event": {"pull_request": {"number": 7}},
        },
    }
    assert evaluate(expression, context) == expected


def test_if_conditions_imply_success_unless_they_ask_for_status() -> None:
    failed = Status(failed=True)
    assert condition("true", {}, Status(), "success()") is True
    assert condition("${{ true }}", {}, failed, "success()") is False
    assert condition("failure()", {}, failed, "success()") is True
    assert condition(None, {}, Status(blocked=True), "success()") is False
    assert substitute("x-${{ inputs.a }}-y", {"inputs": {"a": 1}}) == "x-1-y"


def fake_gh(state: Path, *args: str, token: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"FAKE_GH_STATE": str(state), "PATH": "/usr/bin:/bin"}
    if token:
        env["GH_TOKEN"] = "t"
    return subprocess.run(
        [sys.executable, str(HERE / "fake_gh.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_fake_gh_fails_as_github_does(tmp_path: Path) -> None:
    """No token, an unknown label, an unsupported call: each fails and is recorded."""
    state = tmp_path / "gh.json"
    assert fake_gh(state, "issue", "list", token=False).returncode == 1
    created = fake_gh(state, "issue", "create", "--title", "t", "--label", "pim-drift")
    assert created.returncode == 1 and "not found" in created.stderr
    assert fake_gh(state, "label", "create", "pim-drift").returncode == 0
    assert fake_gh(state, "label", "create", "pim-drift").returncode == 1
    assert fake_gh(state, "label", "create", "pim-drift", "--force").returncode == 0
    assert fake_gh(state, "issue", "create", "--title", "t", "--label", "pim-drift").returncode == 0
    listed = fake_gh(
        state, "issue", "list", "--label", "pim-drift", "--json", "number", "--jq", ".[0].number"
    )
    assert listed.stdout.strip().isdigit()
    assert fake_gh(state, "repo", "delete").returncode == 1
    recorded = json.loads(state.read_text())
    assert len(recorded["calls"]) == 8
    assert [c.get("error") is not None for c in recorded["calls"]] == [
        True, True, False, True, False, False, False, True,
    ]  # fmt: skip
