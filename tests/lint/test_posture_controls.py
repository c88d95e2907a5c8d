"""The posture view of a tenant that fails a SCuBA MS.AAD.7 control reports that control,
whether or not the repository has a file for the role (issue 19, must hold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.lint.helpers import lint_repo, write_repo

PIM = "tenant: contoso.onmicrosoft.com\nlint: {preset: cisa}\n"
GA = "Global Administrator"
EXCHANGE = "Exchange Administrator"


def _user(name: str, **traits: Any) -> dict[str, Any]:
    return {f"{name}@contoso.com": traits}


def _grant(role: str, who: str, kind: str = "eligible", **more: Any) -> dict[str, Any]:
    return {
        "role": role,
        "principal": f"user:{who}@contoso.com",
        "kind": kind,
        "days_left": 20,
        **more,
    }


def _two_gas() -> list[dict[str, Any]]:
    return [_grant(GA, "ga1"), _grant(GA, "ga2")]


USERS = {**_user("ga1"), **_user("ga2"), **_user("ga3"), **_user("ex1")}

# control → (the role the finding is about, tenant facts that fail exactly that control)
FAILING: dict[str, tuple[str, dict[str, Any]]] = {
    "MS.AAD.7.1v1": (GA, {"users": USERS, "assignments": [_grant(GA, "ga1")]}),
    "MS.AAD.7.2v1": (
        GA,
        {"users": USERS, "assignments": [*_two_gas(), _grant(GA, "ga3"), _grant(EXCHANGE, "ex1")]},
    ),
    "MS.AAD.7.3v1": (
        GA,
        {
            "users": {**USERS, **_user("ga1", synced=True)},
            "assignments": _two_gas(),
        },
    ),
    "MS.AAD.7.4v1": (
        EXCHANGE,
        {
            "users": USERS,
            "assignments": [*_two_gas(), _grant(EXCHANGE, "ex1", "active", days_left=None)],
        },
    ),
    "MS.AAD.7.5v1": (
        GA,
        {
            "users": USERS,
            "assignments": [
                _grant(GA, "ga1", "active", days_left=None, outside_pim=True),
                _grant(GA, "ga2"),
            ],
        },
    ),
    "MS.AAD.7.6v1": (GA, {"users": USERS, "assignments": _two_gas()}),
    "MS.AAD.7.7v1": (EXCHANGE, {"users": USERS, "assignments": _two_gas()}),
    "MS.AAD.7.8v1": (GA, {"users": USERS, "assignments": _two_gas()}),
    "MS.AAD.7.9v1": (EXCHANGE, {"users": USERS, "assignments": _two_gas()}),
}


@pytest.mark.parametrize("managed", [False, True], ids=["no-role-file", "role-file"])
@pytest.mark.parametrize("control", sorted(FAILING))
def test_the_posture_reports_a_failed_scuba_control(
    tmp_path: Path, control: str, managed: bool
) -> None:
    role, facts = FAILING[control]
    files = {"pim.yaml": PIM}
    if managed:
        files["roles/role.yaml"] = f"role: {role}\n"
    result = lint_repo(write_repo(tmp_path, files), facts, ("posture",))
    about = [f for f in result.findings if control in f.controls and role in (f.role, *f.roles)]
    assert about, f"{control} not reported for {role}: {[f.message for f in result.findings]}"
    assert all(f.view == "posture" for f in about)
    where = {Path(f.file).name for f in about}
    assert where == ({"role.yaml"} if managed else {"pim.yaml"})


def test_a_permanent_service_principal_is_told_what_it_can_do_instead(tmp_path: Path) -> None:
    """PIM cannot make a service principal eligible: the advice is an ending assignment or
    ``automation:``, not "use an eligible assignment"."""
    facts = {
        "service_principals": {"5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b": "deploy"},
        "assignments": [
            {
                "role": "Privileged Role Administrator",
                "kind": "active",
                "days_left": None,
                "principal": "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b",
            }
        ],
    }
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), facts, ("posture",))
    [found] = [f for f in result.findings if f.rule == "ASG001"]
    assert found.message.endswith(
        "a service principal cannot be eligible: give it an active assignment that ends, "
        "or declare it under automation: with a reason (or as apply_identity: when apply "
        "signs in as it)"
    )


def test_a_group_enrolled_in_pim_for_groups_may_hold_a_role_permanently(tmp_path: Path) -> None:
    """SCuBA's note: "a group that is enrolled in PIM is allowed to have a perpetual active
    assignment". The repository names the enrolled groups (``pim_groups``); another group,
    or a user of the same name, is not excused."""
    facts = {
        "users": {"ann@contoso.com": {}},
        "groups": {"Tier0 PIM": ["ann@contoso.com"], "Ops": ["ann@contoso.com"]},
        "assignments": [
            {"role": GA, "principal": "group:Tier0 PIM", "kind": "active", "days_left": None},
            {"role": GA, "principal": "group:Ops", "kind": "active", "days_left": None},
        ],
    }
    pim = PIM + "  rules:\n    ASG001: {options: {pim_groups: [Tier0 PIM]}}\n"
    pim = pim.replace("lint: {preset: cisa}\n", "lint:\n  preset: cisa\n")
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), facts, ("posture",))
    assert [f.principal for f in result.findings if f.rule == "ASG001"] == ["group:Ops"]


def test_an_eligible_group_whose_only_member_is_the_only_approver_is_reported(
    tmp_path: Path,
) -> None:
    """Nobody can approve the member's activation: approvers cannot approve themselves,
    and the group is expanded to find that out."""
    ga = (
        "role: Global Administrator\nactivation:\n  approval:\n    required: true\n"
        "    approvers: [user:ann@contoso.com]\n"
        "assignments:\n  eligible:\n    - {principal: group:GA Team, duration: P30D, renew: true}\n"
    )
    facts = {"users": {"ann@contoso.com": {}}, "groups": {"GA Team": ["ann@contoso.com"]}}
    result = lint_repo(
        write_repo(tmp_path, {"pim.yaml": PIM, "roles/ga.yaml": ga}), facts, ("policy",)
    )
    assert [f.message for f in result.findings if f.rule == "APR002"] == [
        "Global Administrator: user:ann@contoso.com is eligible and the only usable approver; "
        "nobody can approve them"
    ]
