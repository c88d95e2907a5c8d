"""Tenant facts (the ``# tenant`` blocks of rule examples and fixtures) become a snapshot
holding exactly those principals, memberships and assignments (lint/examples.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pim_gitops.lint.examples import EXAMPLE_TENANT_ID, tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.tenantgen import oid
from tests.lint.helpers import NOW

FACTS = {
    "users": {
        "Ann@Contoso.com": {"guest": True, "synced": True, "enabled": False},
        "ben@contoso.com": None,
    },
    "groups": {"Tier0": ["ANN@contoso.com", "ben@contoso.com"]},
    "service_principals": {"app-1": "Deployer"},
    "assignments": [
        {"role": "Global Administrator", "principal": "user:Ann@Contoso.com", "days_left": 10},
        {"role": "Global Administrator", "principal": "group:Tier0", "kind": "active"},
        {
            "role": "Global Administrator",
            "principal": "sp:app-1",
            "kind": "active",
            "outside_pim": True,
        },
    ],
}


def test_facts_become_principals_with_their_traits() -> None:
    state = normalize_tenant(tenant_snapshot(FACTS, NOW), NOW)
    assert state.tenant_id == EXAMPLE_TENANT_ID
    ann = state.principals[oid("user", "ann@contoso.com")]
    assert (ann.display_name, ann.user_type, ann.on_premises_sync_enabled, ann.account_enabled) == (
        "Ann",
        "Guest",
        True,
        False,
    )
    ben = state.principals[oid("user", "ben@contoso.com")]
    assert (ben.display_name, ben.user_type, ben.on_premises_sync_enabled, ben.account_enabled) == (
        "ben",
        "Member",
        None,
        True,
    )
    assert state.group_members[oid("group", "Tier0")] == tuple(
        sorted([oid("user", "ann@contoso.com"), oid("user", "ben@contoso.com")])
    )
    assert state.principals[oid("sp", "app-1")].display_name == "Deployer"


def test_facts_become_assignments_eligible_by_default() -> None:
    state = normalize_tenant(tenant_snapshot(FACTS, NOW), NOW)
    held = {(a.principal_id, a.kind): a for a in state.assignments}
    ann = held[(oid("user", "ann@contoso.com"), "eligible")]
    assert ann.role_id == GLOBAL_ADMINISTRATOR and ann.end == NOW + timedelta(days=10)
    assert held[(oid("group", "Tier0"), "active")].permanent
    assert held[(oid("sp", "app-1"), "active")].outside_pim
    assert not held[(oid("group", "Tier0"), "active")].outside_pim
    assert len(state.roles) > 30  # every built-in role, at Entra's defaults


def test_an_unknown_role_in_the_facts_is_refused() -> None:
    facts = {"assignments": [{"role": "Chief Everything Officer", "principal": "user:a@b.c"}]}
    with pytest.raises(ValueError, match="unknown built-in role 'Chief Everything Officer'"):
        tenant_snapshot(facts, NOW)
