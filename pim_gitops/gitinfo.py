"""What git and the CI environment tell about this run: the audit trace written into the
tenant, and the policy directory as of another git ref (``plan --base``)."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Mapping

from pim_gitops.errors import PlanError


def git_trace(environ: Mapping[str, str] | None = None) -> str | None:
    """The commit and pull request behind this run, for the tenant's audit log
    (from GitHub Actions' ``GITHUB_*`` variables; ``None`` outside a workflow run)."""
    env = os.environ if environ is None else environ
    sha = env.get("GITHUB_SHA")
    if not sha:
        return None
    parts = [f"commit {sha[:12]}"]
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    repo = env.get("GITHUB_REPOSITORY")
    ref = env.get("GITHUB_REF", "")
    if repo and ref.startswith("refs/pull/"):
        parts.append(f"{server}/{repo}/pull/{ref.split('/')[2]}")
    elif repo:
        parts.append(f"{server}/{repo}/commit/{sha}")
    return "pim-gitops " + " ".join(parts)


def base_directory(base: str, directory: str, scratch: str) -> str:
    """``--base``: a directory as is, else a git ref whose copy of ``directory`` is extracted
    into ``scratch`` (``git archive``)."""
    if os.path.isdir(base):
        return base
    top = subprocess.run(
        ["git", "-C", directory, "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if top.returncode != 0:
        raise PlanError(f"--base {base!r} is neither a directory nor usable as a git ref here")
    root = top.stdout.strip()
    relative = os.path.relpath(os.path.abspath(directory), root)
    archive = subprocess.run(
        ["git", "-C", root, "archive", base, relative], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise PlanError(
            f"--base {base!r}: git archive failed: "
            f"{archive.stderr.decode(errors='replace').strip()}"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(scratch, filter="data")
    return os.path.join(scratch, relative)
