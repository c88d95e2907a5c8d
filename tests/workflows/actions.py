"""Stubs for the `uses:` steps of the workflows: checkout copies the prepared repository,
setup-python does nothing (the test's interpreter is on PATH), upload/download-artifact copy
into and out of the run's artifact directory, upload-sarif records the file (and fails, as
GitHub does, when code scanning is not available)."""

from __future__ import annotations

import glob
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class StepFailed(Exception):
    """A stubbed action failed (its message is the step's log)."""


@dataclass
class Services:
    """What the stubs act on, shared by every job of a run."""

    repo: Path
    artifacts: Path
    code_scanning: bool = True
    sarif_uploads: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)


def checkout(services: Services, workspace: Path, _with: Mapping[str, Any]) -> str:
    for item in services.repo.iterdir():
        target = workspace / item.name
        if item.is_dir():
            shutil.copytree(item, target, symlinks=True)
        else:
            shutil.copy2(item, target)
    return f"checked out {services.repo}"


def setup_python(_services: Services, _workspace: Path, _with: Mapping[str, Any]) -> str:
    return "python from the test's environment"


def upload_artifact(services: Services, workspace: Path, with_: Mapping[str, Any]) -> str:
    name = str(with_.get("name") or "artifact")
    target = services.artifacts / name
    if target.exists() and not with_.get("overwrite"):
        raise StepFailed(f"an artifact named {name!r} already exists")
    target.mkdir(parents=True)
    patterns = [p.strip() for p in str(with_.get("path", "")).splitlines() if p.strip()]
    files = sorted({Path(f) for p in patterns for f in glob.glob(p, root_dir=workspace)})
    if not files:
        if with_.get("if-no-files-found", "warn") == "error":
            raise StepFailed(f"no files found for {patterns}")
        return f"no files found for {patterns}"
    for file in files:
        (target / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(workspace / file, target / file)
    services.uploads.append({"name": name, "files": [str(f) for f in files]})
    return f"uploaded {name}: {', '.join(map(str, files))}"


def download_artifact(services: Services, workspace: Path, with_: Mapping[str, Any]) -> str:
    name = str(with_.get("name"))
    source = services.artifacts / name
    if not source.is_dir():
        raise StepFailed(f"unable to download artifact {name!r}: not found")
    shutil.copytree(source, workspace / str(with_.get("path", ".")), dirs_exist_ok=True)
    return f"downloaded {name}"


def upload_sarif(services: Services, workspace: Path, with_: Mapping[str, Any]) -> str:
    if not services.code_scanning:
        raise StepFailed("Code scanning is not enabled for this repository.")
    path = workspace / str(with_.get("sarif_file"))
    if not path.is_file():
        raise StepFailed(f"Path does not exist: {path.name}")
    services.sarif_uploads.append({"category": with_.get("category"), "text": path.read_text()})
    return f"uploaded {path.name}"


Action = Callable[[Services, Path, Mapping[str, Any]], str]

ACTIONS: dict[str, Action] = {
    "actions/checkout": checkout,
    "actions/setup-python": setup_python,
    "actions/upload-artifact": upload_artifact,
    "actions/download-artifact": download_artifact,
    "github/codeql-action/upload-sarif": upload_sarif,
}


def action_for(uses: str) -> Action:
    name = uses.partition("@")[0]
    if name not in ACTIONS:
        raise StepFailed(f"the local runner has no stub for {uses!r}")
    return ACTIONS[name]
