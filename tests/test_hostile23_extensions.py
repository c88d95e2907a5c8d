"""Hostile custom extension rules (issue 23): a live policy whose enabled rule names an
extension the tenant's list no longer has (deleted since) still exports and plans nothing,
and removing that requirement plans one change."""

from __future__ import annotations

from pathlib import Path

import pytest

from pim_gitops.errors import PimGitopsError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.tenantgen import SAMPLE_NOW
from tests.test_extensions import GA_FILE, PRE, exported, ga, plan, rule, snapshot

GONE = "bbbbbbbb-0000-4000-8000-00000000e0ff"  # no extension in the tenant's list has it


def test_a_rule_naming_a_deleted_extension_exports_and_plans_nothing(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, GONE)), SAMPLE_NOW)
    assert ga(tenant).pre_approval_extension == GONE
    repo = exported(tenant, tmp_path)
    assert f"custom_extension: {GONE}\n" in (repo / GA_FILE).read_text()
    assert plan(repo, tenant).empty


def test_removing_a_deleted_extension_plans_one_change(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, GONE)), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    path = repo / GA_FILE
    path.write_text(path.read_text().replace(f"  custom_extension: {GONE}\n", ""))
    (change,) = plan(repo, tenant).changes
    assert (change.before, change.after) == (GONE, None)


def test_moving_to_a_deleted_extension_is_still_an_error(tmp_path: Path) -> None:
    tenant = normalize_tenant(snapshot(rule(PRE, GONE)), SAMPLE_NOW)
    repo = exported(tenant, tmp_path)
    path = repo / GA_FILE
    other = "cccccccc-0000-4000-8000-00000000e0ff"
    path.write_text(path.read_text().replace(GONE, other))
    with pytest.raises(PimGitopsError, match=f"no PIM custom extension is named '{other}'"):
        plan(repo, tenant)
