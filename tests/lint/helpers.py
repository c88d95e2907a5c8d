"""Lint a policy repository written from files, with a tenant view built from facts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.lint.engine import LintResult, View, run_lint
from pim_gitops.lint.example_extras import with_tenant_facts
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired

NOW = SAMPLE_NOW


def write_repo(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def lint_repo(
    root: Path, facts: Mapping[str, Any] | None, views: tuple[View, ...] | None = None
) -> LintResult:
    desired = load_desired(str(root), NOW).state
    if not desired.reviews and any(root.glob("reviews/*.y*ml")):
        # Until the reviews loader (issue 22, files22) is merged, reviews/*.yaml are ignored.
        pytest.skip("reviews/*.yaml are not loaded by this branch's loader")
    tenant = None if facts is None else normalize_tenant(tenant_snapshot(facts, NOW), NOW)
    if tenant is not None and facts is not None:
        tenant = with_tenant_facts(tenant, facts, NOW)
    return run_lint(desired, tenant, NOW, views=views)


def case_view(case: Path) -> tuple[View, ...]:
    """The view a fixture case lints: ``posture-*`` cases the tenant as it is, the others
    the repository."""
    return ("posture",) if case.name.startswith("posture-") else ("policy",)
