"""The monthly snapshot workflow stores the request history (``--since``) and what the
policy directory's tenant file allows (``--policy``) beside the PIM state (issue 23 item 4),
run end to end by the workflow runner against the emulated tenant."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.test_workflow_runs import (  # noqa: F401 (pytest fixtures)
    CALLER,
    GIT_ENV,
    PolicyRepo,
    exported,
    git,
    only_jobs,
    repo,
    runner,
)
from tests.workflows.runner import Runner, Trigger


def test_the_monthly_snapshot_holds_the_request_history(
    tmp_path: Path,
    runner: Runner,  # noqa: F811 (the fixture imported above)
    repo: PolicyRepo,  # noqa: F811
) -> None:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True, env=GIT_ENV)
    git(repo.path, "remote", "add", "origin", str(origin))
    run = runner.run(CALLER, Trigger("schedule", repo.base, {"schedule": "43 2 1 * *"}))
    job = run.job("snapshot/snapshot")
    assert only_jobs(run) == {"snapshot": "success", "snapshot/snapshot": "success"}, job.log
    [upload] = run.services.uploads
    [name] = upload["files"]
    data = json.loads(git(origin, "show", f"pim-snapshots:snapshots/{name}"))
    assert data["requestHistorySince"] < data["capturedAt"]
    assert isinstance(data["roleAssignmentScheduleRequestHistory"], list)
    assert "lookedUpReferences" in data  # --policy: the principals the policies name
