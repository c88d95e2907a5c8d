"""export of PIM for Groups: which groups get a file, and that compiling the export gives
exactly the tenant's normalized group settings and grants (the files side of export → plan
= 0 changes), over whatever ``defaults`` the roles' export wrote."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pim_gitops.compile import DesiredState
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.export import export_repo, write_export
from pim_gitops.group_defaults import ENTRA_GROUP_DEFAULT_SETTINGS
from pim_gitops.normalize import normalize_tenant
from pim_gitops.resolve import Resolver, resolve_settings
from pim_gitops.resolve_groups import managed_sections
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import (
    Assignment,
    Principal,
    RolePolicy,
    RoleSettings,
    TenantState,
    make_activation,
    make_assignment_rules,
    make_notification,
)
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against

TIER0 = "7e526275-97a8-4dc6-932a-4db521cccf96"
OPS = "0b1c2d3e-0000-4000-8000-000000000002"
QUIET = "0b1c2d3e-0000-4000-8000-000000000003"
UNREAD = "0b1c2d3e-0000-4000-8000-000000000004"
END = datetime(2027, 6, 30, 17, 0, tzinfo=UTC)


def _base() -> TenantState:
    return normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)


def _user(tenant: TenantState) -> Principal:
    return sorted(
        (p for p in tenant.principals.values() if p.type == "user" and p.user_principal_name),
        key=lambda p: p.id,
    )[0]


def _tight(approver: str) -> RoleSettings:
    base = ENTRA_GROUP_DEFAULT_SETTINGS
    notifications = tuple(
        (
            key,
            make_notification(
                default_recipients=False, recipients=("soc@contoso.com",), level="Critical"
            ),
        )
        if key == "activated.admin"
        else (key, n)
        for key, n in base.notifications
    )
    return replace(
        base,
        activation=make_activation(
            max_duration=3600,
            require_mfa=True,
            require_justification=True,
            require_ticket=True,
            authentication_context=None,
            approval_required=True,
            approvers=(approver,),
        ),
        eligible_assignment=make_assignment_rules(
            allow_permanent=False,
            max_duration=90 * 86400,
            require_mfa=False,
            require_justification=True,
        ),
        notifications=notifications,
    )


def _policy(group_id: str, access: str, settings: RoleSettings) -> tuple[str, RolePolicy]:
    target = group_target(group_id, access)  # type: ignore[arg-type]
    return target, RolePolicy(f"Group_{group_id}_{access}", target, settings, {})


def _groups(tenant: TenantState, **changes: Any) -> TenantState:
    """The sample tenant with four groups: Tier0 Admins (role-assignable, eligible for Global
    Administrator, a tightened member policy, PIM grants), Ops (grants only, policies at
    Entra's defaults), Quiet (nothing to say) and Unread (a tightened policy; its schedules
    were not read)."""
    alice = _user(tenant)
    ga = next(r for r in tenant.roles.values() if r.template_id == GLOBAL_ADMINISTRATOR)
    groups = {
        TIER0: Principal(TIER0, "group", "Tier0 Admins", is_assignable_to_role=True),
        OPS: Principal(OPS, "group", "Ops #1: on-call", is_assignable_to_role=False),
        QUIET: Principal(QUIET, "group", "Quiet", is_assignable_to_role=True),
        UNREAD: Principal(UNREAD, "group", "Unread", is_assignable_to_role=True),
    }
    default = ENTRA_GROUP_DEFAULT_SETTINGS
    policies = dict(
        [
            _policy(TIER0, "member", _tight(f"user:{alice.id}")),
            _policy(TIER0, "owner", default),
            _policy(OPS, "member", default),
            _policy(QUIET, "member", default),
            _policy(QUIET, "owner", default),
            _policy(UNREAD, "member", _tight(f"user:{alice.id}")),
        ]
    )
    grants = (
        Assignment(group_target(TIER0, "member"), alice.id, "/", "eligible", END, schedule_id="s1"),
        Assignment(group_target(TIER0, "owner"), alice.id, "/", "active", None, schedule_id="s2"),
        Assignment(group_target(OPS, "member"), alice.id, "/", "active", END, schedule_id="s3"),
    )
    holds = Assignment(ga.id, TIER0, "/", "eligible", None, schedule_id="s4")
    fields: dict[str, Any] = {
        "principals": {**tenant.principals, **groups},
        "assignments": (*tenant.assignments, holds),
        "group_policies": policies,
        "group_assignments": grants,
        "pim_groups_read": frozenset({TIER0, OPS, QUIET}),
        **changes,
    }
    return replace(tenant, **fields)


def _exported(tenant: TenantState, tmp_path: Path) -> tuple[dict[str, str], DesiredState]:
    files = export_repo(tenant, now=SAMPLE_NOW)
    write_export(files, tmp_path, force=True)
    return files, load_desired(str(tmp_path), SAMPLE_NOW).state


def _compiled_equals_tenant(tenant: TenantState, desired: DesiredState) -> None:
    """Every exported section compiles to the tenant's normalized settings, and declares
    exactly the tenant's grants of that target (principal, kind, end)."""
    resolver = Resolver(tenant)
    sections, errors = managed_sections(desired, resolver)
    assert errors == []
    for managed in sections:
        settings, problems = resolve_settings(managed.section.settings, resolver, managed.name)
        assert problems == []
        live = tenant.group_policies[managed.target].settings
        assert settings == live, managed.target
        declared = set()
        for item in managed.section.assignments:
            found = resolver.principal(item.principal)
            assert isinstance(found, Principal)
            declared.add((found.id, item.kind, item.end))
        if managed.section.assignments_mode == "authoritative":
            held = {(a.principal_id, a.kind, a.end) for a in tenant.assignments_of(managed.target)}
            assert declared == held, managed.target


def test_the_groups_worth_managing_are_exported(tmp_path: Path) -> None:
    files, desired = _exported(_groups(_base()), tmp_path)
    names = sorted(k for k in files if k.startswith("groups/"))
    assert names == ["groups/ops-1-on-call.yaml", "groups/tier0-admins.yaml", "groups/unread.yaml"]
    assert "schemas/policy-group.schema.json" in files
    by_name = {g.written: g for g in desired.groups}
    assert set(by_name) == {"Tier0 Admins", "Ops #1: on-call", "Unread"}
    assert set(by_name["Ops #1: on-call"].sections) == {"member"}  # no owner policy was read
    assert "# owner: not exported (its policy was not read)" in files["groups/ops-1-on-call.yaml"]
    unread = by_name["Unread"].sections["member"]
    assert unread.assignments_mode == "additive" and unread.assignments == ()
    assert by_name["Tier0 Admins"].sections["member"].assignments_mode == "authoritative"


def test_compiling_the_export_gives_the_tenants_group_settings_and_grants(tmp_path: Path) -> None:
    tenant = _groups(_base())
    _, desired = _exported(tenant, tmp_path)
    _compiled_equals_tenant(tenant, desired)
    assert plan_against(load_desired(str(tmp_path), SAMPLE_NOW), tenant, SAMPLE_NOW).empty


def test_group_file_is_as_a_human_writes_it(tmp_path: Path) -> None:
    files, _ = _exported(_groups(_base()), tmp_path)
    text = files["groups/tier0-admins.yaml"]
    assert text.startswith("# yaml-language-server: $schema=../schemas/policy-group.schema.json\n")
    data = yaml.safe_load(text)
    assert data["group"] == "Tier0 Admins"
    assert text.splitlines()[2] == "# holds: Global Administrator (eligible)"
    assert data["owner"]["assignments"]["active"][0]["permanent"] is True
    assert data["member"]["assignments"]["eligible"][0]["adopted"] == SAMPLE_NOW.date()
    assert "null" not in text
    assert "scope" not in text and "outside_pim" not in text


def test_settings_most_sections_share_go_to_group_defaults(tmp_path: Path) -> None:
    tenant = _groups(_base())
    tight = tenant.group_policies[group_target(UNREAD, "member")].settings
    target, policy = _policy(UNREAD, "owner", tight)
    tenant = replace(tenant, group_policies={**tenant.group_policies, target: policy})
    files, desired = _exported(tenant, tmp_path)
    shared = yaml.safe_load(files["pim.yaml"])["group_defaults"]["activation"]
    assert shared["max_duration"] == "PT1H"  # three tightened sections of five
    unread = yaml.safe_load(files["groups/unread.yaml"])
    assert set(unread) == {"group", "member", "owner"}
    assert unread["member"] == unread["owner"] == {"assignments_mode": "additive"}
    # Tier0's owner policy is Entra's group default: it writes back what group_defaults changed
    owner = yaml.safe_load(files["groups/tier0-admins.yaml"])["owner"]
    assert owner["activation"]["max_duration"] == "PT8H"
    _compiled_equals_tenant(tenant, desired)


def test_a_tie_keeps_group_defaults_empty(tmp_path: Path) -> None:
    files, _ = _exported(_groups(_base()), tmp_path)  # two tightened sections, two default
    assert "group_defaults" not in yaml.safe_load(files["pim.yaml"])
    member = yaml.safe_load(files["groups/unread.yaml"])["member"]
    assert member["activation"]["max_duration"] == "PT1H"


def test_one_section_alone_keeps_its_settings_in_its_file(tmp_path: Path) -> None:
    tenant = _groups(_base())
    policies = {
        k: v for k, v in tenant.group_policies.items() if not k.startswith(f"group:{UNREAD}")
    }
    files, desired = _exported(replace(tenant, group_policies=policies), tmp_path)
    assert "group_defaults" not in yaml.safe_load(files["pim.yaml"])
    _compiled_equals_tenant(replace(tenant, group_policies=policies), desired)


def _every_role(tenant: TenantState, **activation: Any) -> TenantState:
    policies = {
        role_id: replace(
            p, settings=replace(p.settings, activation=replace(p.settings.activation, **activation))
        )
        for role_id, p in tenant.policies.items()
    }
    return replace(tenant, policies=policies)


def test_an_authentication_context_in_defaults_is_put_back_for_groups(tmp_path: Path) -> None:
    tenant = _groups(_every_role(_base(), authentication_context="c1", require_mfa=False))
    files, desired = _exported(tenant, tmp_path)
    pim = yaml.safe_load(files["pim.yaml"])
    assert pim["defaults"]["activation"]["authentication_context"] == "c1"
    assert pim["group_defaults"]["activation"]["authentication_context"] is None
    _compiled_equals_tenant(tenant, desired)


def test_approval_implied_by_the_defaults_approvers_is_stated_off_for_groups(
    tmp_path: Path,
) -> None:
    base = _base()
    approver = f"user:{_user(base).id}"
    tenant = _groups(_every_role(base, approval_required=True, approvers=(approver,)))
    files, desired = _exported(tenant, tmp_path)
    pim = yaml.safe_load(files["pim.yaml"])
    assert "required" not in pim["defaults"]["activation"]["approval"]  # implied there
    assert yaml.safe_load(files["groups/tier0-admins.yaml"])["owner"]["activation"]["approval"] == {
        "required": False
    }
    _compiled_equals_tenant(tenant, desired)


@pytest.mark.parametrize("roles", [["Global Administrator"]])
def test_an_export_of_some_roles_writes_no_groups(roles: list[str]) -> None:
    files = export_repo(_groups(_base()), roles, now=SAMPLE_NOW)
    assert not [k for k in files if k.startswith("groups/")]
    assert "group_defaults" not in files["pim.yaml"]


def test_a_name_that_does_not_read_back_is_written_by_object_id(tmp_path: Path) -> None:
    tenant = _groups(_base())
    twin = Principal("0b1c2d3e-0000-4000-8000-000000000009", "group", "tier0 admins")
    files, desired = _exported(
        replace(tenant, principals={**tenant.principals, twin.id: twin}), tmp_path
    )
    text = files["groups/tier0-admins.yaml"]
    assert f"group: {TIER0}  # Tier0 Admins (by object id" in text
    assert TIER0 in {g.written for g in desired.groups}


def _settings(rng: random.Random, approver: str) -> RoleSettings:
    base = ENTRA_GROUP_DEFAULT_SETTINGS
    approval = rng.random() < 0.5
    level = rng.choice(["All", "Critical", "None"])
    notifications = tuple(
        (key, make_notification(default_recipients=rng.random() < 0.5, recipients=(), level=level))
        if key.startswith("activated.")
        else (key, n)
        for key, n in base.notifications
    )
    context = rng.choice([None, "c1", "c2"])
    return replace(
        base,
        activation=make_activation(
            max_duration=rng.choice([3600, 2 * 3600, 8 * 3600]),
            require_mfa=context is None and rng.random() < 0.5,
            require_justification=rng.random() < 0.5,
            require_ticket=rng.random() < 0.5,
            authentication_context=context,
            approval_required=approval,
            approvers=(approver,) if approval and rng.random() < 0.5 else (),
        ),
        eligible_assignment=make_assignment_rules(
            allow_permanent=rng.random() < 0.5,
            max_duration=rng.choice([30 * 86400, 365 * 86400]),
            require_mfa=rng.random() < 0.5,
            require_justification=False,
        ),
        notifications=notifications,
    )


def _random_tenant(seed: int) -> TenantState:
    """The four groups with random member and owner policies over random role defaults."""
    rng = random.Random(seed)
    base = _base()
    approver = f"user:{_user(base).id}"
    if rng.random() < 0.5:
        base = _every_role(base, authentication_context="c1", require_mfa=False)
    if rng.random() < 0.5:
        base = _every_role(base, approval_required=True, approvers=(approver,))
    tenant = _groups(base)
    policies = {
        target: replace(policy, settings=_settings(rng, approver))
        for target, policy in sorted(tenant.group_policies.items())
    }
    return replace(tenant, group_policies=policies)


@pytest.mark.parametrize("seed", range(16))
def test_any_group_policies_compile_back_from_their_export(seed: int, tmp_path: Path) -> None:
    tenant = _random_tenant(seed)
    _, desired = _exported(tenant, tmp_path)
    _compiled_equals_tenant(tenant, desired)


@pytest.mark.parametrize(
    "name", ["Tier0\nAdmins", " Tier0", "group:Tier0", TIER0.replace("7", "8")]
)
def test_a_name_the_loader_would_not_keep_is_written_by_object_id(
    name: str, tmp_path: Path
) -> None:
    tenant = _groups(_base())
    renamed = replace(tenant.principals[TIER0], display_name=name)
    tenant = replace(tenant, principals={**tenant.principals, TIER0: renamed})
    files, desired = _exported(tenant, tmp_path)
    (path,) = [k for k in files if k.startswith("groups/") and TIER0 in files[k]]
    assert yaml.safe_load(files[path])["group"] == TIER0
    (head,) = [x for x in files[path].splitlines() if x.startswith("group: ")]
    assert head.startswith(f"group: {TIER0}  # ") and head.endswith("read back as this group)")
    _compiled_equals_tenant(tenant, desired)
