"""Issue 21's must-holds end to end: the real client over HTTP against the emulator, through
the CLI a user runs (export, plan, lint, report), on tenants built for each case.

* Global Administrator held by a role-assignable group whose members are eligible through
  PIM for Groups: export → plan = 0; lint raises no MS.AAD.7.4 finding for the group and
  counts its eligible members for 7.1; the report names them under "can become Global
  Administrator".
* An AU-scoped eligible assignment is created, updated and removed like a tenant-wide one
  (with the unit in ``managed_scopes``); an undeclared one in a file without it is kept.
* Removing the last usable eligible member of the group that is the only Privileged Role
  Administrator holder is refused by the last-PRA guard.

(The member activation PT8H → PT1H case is ``tests/test_apply_groups_emulator.py``.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.tenantgen import (
    APPLY_APP_ID,
    SAMPLE_NOW,
    TenantBuilder,
    group,
    oid,
    service_principal,
    user,
)
from pim_gitops.wire import format_instant

NOW = format_instant(SAMPLE_NOW)
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"
Run = Callable[..., Result]


def base_tenant() -> TenantBuilder:
    """Two break-glass Global Administrators, and Privileged Role Administrator held only by
    the role-assignable group ``PRA Admins``, whose one member is eligible through PIM."""
    t = TenantBuilder(oid("tenant", "groups-e2e"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    t.add_role(PRIVILEGED_ROLE_ADMINISTRATOR, "Privileged Role Administrator")
    t.add_role(USER_ADMINISTRATOR, "User Administrator")
    for i in (1, 2):
        t.grant(
            "active",
            GLOBAL_ADMINISTRATOR,
            t.add(user(f"bg{i}@contoso.onmicrosoft.com", f"bg{i}@contoso.onmicrosoft.com")),
        )
    # The identity apply signs in as (the emulator's default caller), which writes PIM
    # through its own Privileged Role Administrator assignment (it does not count for the
    # last-PRA guard).
    apply_sp = t.add(service_principal(APPLY_APP_ID, "pim-gitops apply"))
    t.grant("active", PRIVILEGED_ROLE_ADMINISTRATOR, apply_sp)
    pra = t.add(group("PRA Admins"))
    t.grant("eligible", PRIVILEGED_ROLE_ADMINISTRATOR, pra)
    t.grant_group(
        "eligible", pra, t.add(user("carol@contoso.com", "carol@contoso.com")), days_left=200
    )
    return t


def with_ga_group(t: TenantBuilder, members: int) -> list[str]:
    """``Tier0 GA Admins`` holds Global Administrator permanently active; ``members`` users
    are eligible for its membership (PIM for Groups)."""
    tier0 = t.add(group("Tier0 GA Admins"))
    t.grant("active", GLOBAL_ADMINISTRATOR, tier0)
    names = [f"op{i}@contoso.com" for i in range(members)]
    for name in names:
        t.grant_group("eligible", tier0, t.add(user(name, name)), days_left=200)
    return names


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Callable[[TenantBuilder], Run]]:
    stack: list[Any] = []

    def serve(t: TenantBuilder) -> Run:
        emulator = Emulator(t.snapshot(), clock=lambda: SAMPLE_NOW)
        context = running(emulator)
        url = context.__enter__()
        stack.append(context)

        def run(*args: str) -> Result:
            return CliRunner().invoke(cli, ["--now", NOW, "--graph-url", url, *args])

        return run

    yield serve
    for context in reversed(stack):
        context.__exit__(None, None, None)


def exported(run: Run, repo: Path) -> Path:
    result = run("export", "--out", str(repo))
    assert result.exit_code == 0, result.output
    assert run("plan", str(repo), "--detailed-exitcode").exit_code == 0
    return repo


def findings(run: Run, repo: Path) -> list[dict[str, Any]]:
    result = run("lint", str(repo), "--live", "--view", "posture", "--format", "json")
    found: list[dict[str, Any]] = json.loads(result.stdout)["findings"]
    return found


# --- Global Administrator through a PIM-for-Groups group -------------------------------------


def test_a_ga_group_with_eligible_members_exports_to_an_empty_plan_and_is_no_74_finding(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    t = base_tenant()
    with_ga_group(t, members=2)
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    assert (repo / "groups" / "tier0-ga-admins.yaml").exists()
    found = findings(run, repo)
    permanent = [f for f in found if f["rule"] == "ASG001"]
    assert not [f for f in permanent if "Tier0 GA Admins" in f["message"]], permanent
    # Two break-glass accounts and two eligible members: within SCuBA 7.1's two to eight.
    assert [f for f in found if f["rule"] == "ASG002"] == []


def test_eligible_members_of_a_ga_group_count_for_71(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    """Two break-glass accounts and seven eligible members are nine users who can become
    Global Administrator: one more than SCuBA 7.1's eight. Six members (eight users) pass."""
    over, at = base_tenant(), base_tenant()
    with_ga_group(over, members=7)
    with_ga_group(at, members=6)
    run_over, run_at = world(over), world(at)
    too_many = findings(run_over, exported(run_over, tmp_path / "over"))
    (count,) = [f for f in too_many if f["rule"] == "ASG002"]
    assert "9" in count["message"], count
    assert [
        f for f in findings(run_at, exported(run_at, tmp_path / "at")) if f["rule"] == "ASG002"
    ] == []


def test_the_report_lists_the_eligible_members_under_can_become_ga(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    t = base_tenant()
    names = with_ga_group(t, members=2)
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    result = run("report", str(repo), "--live")
    assert result.exit_code == 0, result.output
    section = result.output.split("## Who can become Global Administrator, and how", 1)[1]
    section = section.split("\n## ", 1)[0]
    for name in names:
        assert f"user:{name}" in section
    assert "Tier0 GA Admins" in section


# --- administrative-unit scope ------------------------------------------------------------


def test_an_au_scoped_eligibility_is_created_updated_and_removed(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    t = base_tenant()
    t.add_unit("Paris")
    t.add(user("kim@contoso.com", "kim@contoso.com"))
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    role = repo / "roles" / "user-administrator.yaml"
    head = f"role: {USER_ADMINISTRATOR}\nmanaged_scopes: ['/', 'administrative_unit:Paris']\n"

    def declare(days: int | None) -> Result:
        if days is None:
            role.write_text(head)
        else:
            end = format_instant(SAMPLE_NOW + timedelta(days=days))
            role.write_text(
                head + "assignments:\n  eligible:\n    - principal: user:kim@contoso.com\n"
                f"      scope: administrative_unit:Paris\n      expires: {end}\n"
            )
        return run("plan", str(repo))

    key = 'role["User Administrator"].eligible["user:kim@contoso.com"@"administrative_unit:Paris"]'
    for days, action in ((30, "create"), (60, "update"), (None, "delete")):
        planned = run("plan", str(repo), "--format", "json") if declare(days) else None
        assert planned is not None and planned.exit_code == 0, planned.output if planned else ""
        changes = json.loads(planned.stdout)["changes"]
        assert [(c["action"], c["address"]) for c in changes] == [(action, key)]
        applied = run("apply", str(repo), "--auto-approve")
        assert applied.exit_code == 0, applied.output
        assert run("plan", str(repo), "--detailed-exitcode").exit_code == 0


def test_an_undeclared_au_scoped_assignment_is_kept_by_a_file_without_managed_scopes(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    t = base_tenant()
    paris = t.add_unit("Paris")
    kim = t.add(user("kim@contoso.com", "kim@contoso.com"))
    t.grant(
        "eligible", USER_ADMINISTRATOR, kim, days_left=30, scope=f"/administrativeUnits/{paris}"
    )
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    (repo / "roles" / "user-administrator.yaml").write_text(f"role: {USER_ADMINISTRATOR}\n")
    planned = run("plan", str(repo), "--format", "json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert plan["changes"] == []
    assert [(s["principal_id"], s["scope"]) for s in plan["unmanaged_scoped"]] == [
        (kim, f"/administrativeUnits/{paris}")
    ]


# --- the last-PRA guard through a group ---------------------------------------------------


def test_removing_the_last_eligible_member_of_the_only_pra_group_is_refused(
    world: Callable[[TenantBuilder], Run], tmp_path: Path
) -> None:
    run = world(base_tenant())
    repo = exported(run, tmp_path / "repo")
    with (repo / "pim.yaml").open("a") as pim:  # the apply identity's own role does not count
        pim.write(f"apply_identity: sp:{APPLY_APP_ID}\n")
    assert run("plan", str(repo), "--detailed-exitcode").exit_code == 0
    path = repo / "groups" / "pra-admins.yaml"
    path.write_text("group: PRA Admins\nmember:\n  assignments: {}\n")
    planned = run("plan", str(repo), "--detailed-exitcode")
    assert planned.exit_code == 3, planned.output
    assert "apply will refuse: last-pra-path" in planned.output
    words = " ".join(planned.output.split())  # unwrapped
    assert "user:carol@contoso.com (eligible member of group:PRA Admins" in words
    applied = run("apply", str(repo), "--auto-approve")
    assert applied.exit_code != 0 and "nothing was written" in applied.output, applied.output
    assert run("plan", str(repo), "--allow-no-pra-eligible", "--detailed-exitcode").exit_code == 2
