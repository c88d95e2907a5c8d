"""Lint over access through groups (PIM for Groups, issue 21): Global Administrator held by a
role-assignable group whose membership is eligible through PIM for Groups. The tenant view
is built from facts, then given the group's PIM schedules and member policy (what the reader
adds: ``TenantState.group_assignments``, ``pim_groups_read``, ``group_policies``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pim_gitops.lint.engine import Finding, LintResult, View, run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.state import (
    ENTRA_DEFAULT_SETTINGS,
    Assignment,
    Kind,
    RolePolicy,
    RoleSettings,
    TenantState,
    make_notification,
)
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import oid
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo

TIER0 = oid("group", "Tier0 Admins")
MEMBER = group_target(TIER0, "member")
FACTS: dict[str, Any] = {
    "users": {
        "alice@contoso.com": {},
        "bob@contoso.com": {},
        "carol@contoso.com": {},
        "dave@contoso.com": {"immutable_id": "ZGF2ZQ=="},
    },
    "groups": {"Tier0 Admins": []},
    "assignments": [
        {
            "role": "Global Administrator",
            "principal": "group:Tier0 Admins",
            "kind": "active",
            "days_left": None,
        },
    ],
}


def uid(name: str) -> str:
    return oid("user", f"{name}@contoso.com")


def pim(name: str, kind: Kind = "eligible") -> Assignment:
    return Assignment(MEMBER, uid(name), "/", kind, None, NOW, schedule_id=f"s-{name}")


def approving(alerting: bool = True) -> RoleSettings:
    """Approval on; every admin alert names a recipient (or none)."""
    act = replace(ENTRA_DEFAULT_SETTINGS.activation, approval_required=True, approvers=("user:x",))
    note = make_notification(
        default_recipients=True, recipients=("secops@contoso.com",) if alerting else (), level="All"
    )
    notes = tuple(
        (k, note if k.endswith(".admin") else n) for k, n in ENTRA_DEFAULT_SETTINGS.notifications
    )
    return replace(ENTRA_DEFAULT_SETTINGS, activation=act, notifications=notes)


def tenant(
    *rows: Assignment,
    members: tuple[str, ...] = (),
    read: bool = True,
    policy: RoleSettings | None = None,
) -> TenantState:
    state = normalize_tenant(tenant_snapshot(FACTS, NOW), NOW)
    policies = {} if policy is None else {MEMBER: RolePolicy("p-g", MEMBER, policy, {})}
    return replace(
        state,
        group_members={**state.group_members, TIER0: tuple(uid(m) for m in members)},
        group_assignments=rows,
        pim_groups_read=frozenset({TIER0}) if read else frozenset(),
        group_policies=policies,
    )


def lint(tmp_path: Path, state: TenantState, view: View = "posture") -> LintResult:
    root = write_repo(tmp_path, {"pim.yaml": "tenant: contoso.onmicrosoft.com\n"})
    desired = load_desired(str(root), NOW).state
    return run_lint(desired, state, NOW, views=(view,))


def of(result: LintResult, code: str) -> list[Finding]:
    return [f for f in result.findings if f.rule == code]


def test_a_pim_enrolled_ga_group_is_no_74_violation(tmp_path: Path) -> None:
    result = lint(tmp_path, tenant(pim("alice"), pim("bob"), policy=approving()))
    assert of(result, "ASG001") == []
    # the same group with no eligible member is standing access for whoever is in it
    plain = lint(tmp_path, tenant(members=("alice", "bob")))
    assert [f.controls for f in of(plain, "ASG001")] == [("MS.AAD.7.4v1", "CIS 5.3.1")]


def test_an_enrolled_groups_standing_member_is_a_74_violation(tmp_path: Path) -> None:
    result = lint(
        tmp_path, tenant(pim("alice"), pim("bob"), pim("dave", "active"), members=("carol", "dave"))
    )
    found = of(result, "ASG001")
    assert [f.principal for f in found] == ["user:carol@contoso.com", "user:dave@contoso.com"]
    assert "standing member of group:Tier0 Admins" in found[0].message
    assert found[0].controls == ("MS.AAD.7.4v1", "CIS 5.3.1")


def test_eligible_members_count_for_71(tmp_path: Path) -> None:
    """Two eligible members: two Global Administrators (SCuBA's minimum, a pass); one: a
    finding; the group's schedules unread: its members are unknown."""
    assert of(lint(tmp_path, tenant(pim("alice"), pim("bob"))), "ASG002") == []
    one = of(lint(tmp_path, tenant(pim("alice"))), "ASG002")
    assert len(one) == 1 and one[0].message.startswith("1 user holds Global Administrator")
    four = tenant(*(pim(n) for n in ("alice", "bob", "carol", "dave")), members=("alice",))
    assert of(lint(tmp_path, four), "ASG002") == []  # alice counted once
    unread = of(lint(tmp_path, tenant(pim("alice"), pim("bob"), read=False)), "ASG002")
    assert len(unread) == 1 and unread[0].message.startswith("0 users hold")
    assert "not counting the eligible members (PIM for Groups) of group:Tier0 Admins" in (
        unread[0].message
    )
    assert unread[0].severity == "error"  # fail closed: too few is reported


def test_eligible_members_count_in_the_policy_view_too(tmp_path: Path) -> None:
    state = tenant(pim("alice"))
    root = write_repo(
        tmp_path,
        {
            "pim.yaml": "tenant: contoso.onmicrosoft.com\n",
            "roles/global-administrator.yaml": (
                "role: Global Administrator\nactive_assignment: {allow_permanent: true}\n"
                "assignments:\n  active:\n    - {principal: group:Tier0 Admins, permanent: true,"
                " justification: tier0}\n"
            ),
        },
    )
    desired = load_desired(str(root), NOW).state
    result = run_lint(desired, state, NOW, views=("policy",))
    assert [f.message.split(";")[0] for f in of(result, "ASG002")] == [
        "1 user holds Global Administrator (eligible or active)"
    ]
    assert of(result, "ASG001") == []


def test_a_federated_eligible_member_breaks_73(tmp_path: Path) -> None:
    found = of(lint(tmp_path, tenant(pim("alice"), pim("dave"))), "ASG004")
    assert [(f.principal, f.controls) for f in found] == [
        ("user:dave@contoso.com", ("MS.AAD.7.3v1",))
    ]
    assert "(eligible member of group:Tier0 Admins)" in found[0].message


def test_the_groups_member_policy_is_judged_for_76_to_78(tmp_path: Path) -> None:
    loose = lint(tmp_path, tenant(pim("alice"), pim("bob"), policy=ENTRA_DEFAULT_SETTINGS))
    subject = 'group["Tier0 Admins"].member (holds Global Administrator)'
    apr = [f for f in of(loose, "APR001") if f.role == subject]
    assert [f.controls for f in apr] == [("MS.AAD.7.6v1",)]
    ntf = {c for f in of(loose, "NTF001") if f.role == subject for c in f.controls}
    assert ntf == {"MS.AAD.7.7v1", "MS.AAD.7.8v1"}
    strict = lint(tmp_path, tenant(pim("alice"), pim("bob"), policy=approving()))
    assert [f for f in strict.findings if f.role == subject] == []
    quiet = lint(tmp_path, tenant(pim("alice"), pim("bob"), policy=approving(alerting=False)))
    assert {f.rule for f in quiet.findings if f.role == subject} == {"NTF001"}


def test_a_managed_groups_file_is_the_policy_view(tmp_path: Path) -> None:
    """In the policy view a managed group's ``member:`` section says who its members will be
    and its member settings: the tenant has no PIM member yet, the file declares two."""
    from pim_gitops.compile.types import CompiledGroup

    files = {
        "pim.yaml": "tenant: contoso.onmicrosoft.com\n",
        "roles/global-administrator.yaml": (
            "role: Global Administrator\nactive_assignment: {allow_permanent: true}\n"
            "assignments:\n  active:\n    - {principal: group:Tier0 Admins, permanent: true,"
            " justification: tier0}\n"
        ),
        # compiled as a role file only to get a CompiledRole to stand for the member section
        "roles/member.yaml": (
            "role: User Administrator\nassignments:\n  eligible:\n"
            "    - {principal: user:alice@contoso.com, permanent: true, justification: t0}\n"
            "    - {principal: user:bob@contoso.com, permanent: true, justification: t0}\n"
        ),
    }
    desired = load_desired(str(write_repo(tmp_path, files)), NOW).state
    ga, section = desired.roles[0], desired.roles[1]
    assert section.ref.label == "User Administrator"
    group = CompiledGroup("Tier0 Admins", section.file, section.location, {"member": section})
    desired = replace(desired, roles=(ga,), groups=(group,))
    result = run_lint(desired, tenant(), NOW, views=("policy",))
    assert of(result, "ASG002") == []  # alice and bob, as declared
    assert of(result, "ASG001") == []  # enrolled: its membership is eligible
    subject = 'group["Tier0 Admins"].member (holds Global Administrator)'
    apr = [f for f in of(result, "APR001") if f.role == subject]
    assert [(f.file, f.controls) for f in apr] == [(section.file, ("MS.AAD.7.6v1",))]
    # the posture view is the tenant's: no PIM member, no member policy read
    posture = run_lint(desired, tenant(), NOW, views=("posture",))
    assert [f.message.split(";")[0] for f in of(posture, "ASG002")] == [
        "0 users hold Global Administrator (eligible or active)"
    ]
    assert [f for f in posture.findings if f.role == subject] == []
