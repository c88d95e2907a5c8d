"""The edges of the PR comment: what git and the CI environment say about the run (base and
head commits, the repository root), and ``plan --lint``'s run over the state the plan read."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from pim_gitops.render.comment import CommentContext

if TYPE_CHECKING:
    from pim_gitops.compile import DesiredState
    from pim_gitops.lint.engine import LintResult
    from pim_gitops.state import TenantState

SHORT = 7


def _git(directory: str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", directory, *args], capture_output=True, text=True, check=False
        )
    except OSError:  # no git on this machine
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _short(directory: str, ref: str) -> str | None:
    return _git(directory, "rev-parse", f"--short={SHORT}", f"{ref}^{{commit}}")


def commits(
    directory: str, base: str | None, environ: Mapping[str, str]
) -> tuple[str | None, str | None]:
    """Base and head, short: the head is ``GITHUB_SHA`` (the commit the workflow checked
    out), else git's ``HEAD``; the base is ``--base`` (a git ref, as its commit; a directory,
    as given), else ``GITHUB_BASE_REF``."""
    sha = environ.get("GITHUB_SHA", "")
    head = sha[:SHORT] if sha else _short(directory, "HEAD")
    if base is not None and not os.path.isdir(base):
        return _short(directory, base) or base, head
    return base or environ.get("GITHUB_BASE_REF") or None, head


def comment_context(
    directory: str,
    base: str | None,
    environ: Mapping[str, str],
    tenant_name: str | None = None,
    *,
    saved: bool = False,
) -> CommentContext:
    """The comment's context: git's view of ``directory`` and the CI environment;
    ``saved``: rendered from a plan file (``show``)."""
    root = _git(directory, "rev-parse", "--show-toplevel") or os.getcwd()
    found_base, head = commits(directory, base, environ)
    return CommentContext(
        tenant_name=tenant_name,
        base=found_base,
        head=head,
        root=root,
        environ=dict(environ),
        cwd=os.getcwd(),
        saved=saved,
    )


def lint_plan_state(
    desired: DesiredState, tenant: TenantState, now: datetime, directory: str
) -> LintResult:
    """``plan --lint``: the policy view over the tenant state the plan was made from (no
    second read), with the repository's baseline of waivers as ``lint`` reads it."""
    from pim_gitops.lint.baseline import baseline_path, read_baseline
    from pim_gitops.lint.engine import run_lint

    path = baseline_path(directory, desired)
    baseline = () if path is None else read_baseline(path, str(path))
    return run_lint(desired, tenant, now, views=("policy",), baseline=baseline)


__all__ = ["comment_context", "commits", "lint_plan_state"]
