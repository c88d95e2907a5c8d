"""APR002/APR004 where the tenant view cannot say (fail closed), and the options of the
approval, activation and notification rules that are errors when misused. The fixtures
(tests/lint/fixtures/APR00*) hold the cases tenant facts can express."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.errors import LintConfigError
from pim_gitops.lint.engine import Finding, run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.state import TenantState
from pim_gitops.tenantgen import oid
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, lint_repo, write_repo

PIM = "tenant: contoso.onmicrosoft.com\n"
GA = """role: Global Administrator
activation:
  approval: {required: true, approvers: [group:PIM Tier0 Approvers]}
"""
FACTS: Mapping[str, Any] = {
    "users": {"grace@contoso.com": {}, "bob@contoso.com": {}},
    "groups": {"PIM Tier0 Approvers": ["grace@contoso.com", "bob@contoso.com"]},
}
GROUP = oid("group", "PIM Tier0 Approvers")


def _tenant(facts: Mapping[str, Any] = FACTS) -> TenantState:
    return normalize_tenant(tenant_snapshot(facts, NOW), NOW)


def _findings(root: Path, tenant: TenantState, code: str) -> list[Finding]:
    desired = load_desired(str(root), NOW).state
    result = run_lint(desired, tenant, NOW, views=("policy",))
    return [f for f in result.findings if f.rule == code]


def _repo(tmp_path: Path, ga: str = GA, pim: str = PIM) -> Path:
    return write_repo(tmp_path, {"pim.yaml": pim, "roles/global-administrator.yaml": ga})


def test_a_group_of_two_enabled_members_passes(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    assert _findings(root, _tenant(), "APR002") == []
    assert _findings(root, _tenant(), "APR004") == []


def test_a_group_whose_members_the_view_does_not_list_counts_nobody(tmp_path: Path) -> None:
    tenant = replace(_tenant(), group_members={})
    root = _repo(tmp_path)
    [problem] = _findings(root, tenant, "APR002")
    assert problem.severity == "error"
    assert "group:PIM Tier0 Approvers has members the tenant view does not list" in problem.message
    [count] = _findings(root, tenant, "APR004")
    assert count.severity == "error"  # a tenant view that cannot say: fail closed
    assert count.message.startswith("Global Administrator: 0 usable approvers, fewer than 2")


def test_nested_groups_and_service_principals_in_a_group_count_nobody(tmp_path: Path) -> None:
    facts = {
        **FACTS,
        "groups": {**FACTS["groups"], "Inner": ["bob@contoso.com"]},
        "service_principals": {"11111111-2222-4333-8444-555555555555": "automation"},
    }
    tenant = _tenant(facts)
    members = (
        oid("user", "grace@contoso.com"),
        oid("group", "Inner"),
        oid("sp", "11111111-2222-4333-8444-555555555555"),
    )
    tenant = replace(tenant, group_members={**tenant.group_members, GROUP: members})
    [count] = _findings(_repo(tmp_path), tenant, "APR004")
    assert "1 usable approver, fewer than 2" in count.message


def test_an_account_whose_state_is_unknown_is_not_counted(tmp_path: Path) -> None:
    tenant = _tenant()
    bob = oid("user", "bob@contoso.com")
    principals = {**tenant.principals, bob: replace(tenant.principals[bob], account_enabled=None)}
    tenant = replace(tenant, principals=principals)
    ga = GA.replace("group:PIM Tier0 Approvers", "user:grace@contoso.com, user:bob@contoso.com")
    root = _repo(tmp_path, ga)
    [problem] = _findings(root, tenant, "APR002")
    assert problem.message.endswith("user:bob@contoso.com is not known to be enabled")
    assert [f.severity for f in _findings(root, tenant, "APR004")] == ["error"]


def test_a_member_whose_state_is_unknown_is_not_counted(tmp_path: Path) -> None:
    tenant = _tenant()
    bob = oid("user", "bob@contoso.com")
    principals = {**tenant.principals, bob: replace(tenant.principals[bob], account_enabled=None)}
    [count] = _findings(_repo(tmp_path), replace(tenant, principals=principals), "APR004")
    assert "1 usable approver, fewer than 2" in count.message


def test_offline_a_group_is_a_warning_that_says_why(tmp_path: Path) -> None:
    result = lint_repo(_repo(tmp_path), None)
    [count] = [f for f in result.findings if f.rule == "APR004"]
    assert count.severity == "warning"
    assert "cannot be counted without a tenant view" in count.message
    assert not [f for f in result.findings if f.rule == "APR002"]


def test_apr004_names_no_cis_control(tmp_path: Path) -> None:
    ga = GA.replace("group:PIM Tier0 Approvers", "user:grace@contoso.com")
    [count] = [f for f in lint_repo(_repo(tmp_path, ga), None).findings if f.rule == "APR004"]
    assert count.controls == ()


def test_apr004_roles_naming_no_role_is_an_error(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  rules:\n    APR004: {options: {roles: [Global Admin]}}\n"
    with pytest.raises(LintConfigError, match=r"pim\.yaml:4:.*names no role: Global Admin"):
        lint_repo(_repo(tmp_path, pim=pim), None)


def test_the_removed_default_recipients_option_is_an_error(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  rules:\n    NTF001: {options: {default_recipients_count: true}}\n"
    with pytest.raises(LintConfigError, match="unknown option 'default_recipients_count'"):
        lint_repo(_repo(tmp_path, pim=pim), None)
