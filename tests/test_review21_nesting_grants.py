"""Review of issue 21: Graph refuses a group as an *active* member of a role-assignable group
(ED concept-pim-for-groups, "Privileged Identity Management and group nesting") and as an
active owner (owners are users or service principals, DC group-post-owners). The plan
created such a grant and apply failed on it mid-run; it is now an error at the grant's line.
An eligible group member stays allowed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pim_gitops.tenantgen import TenantBuilder, group
from tests.test_groups_end_to_end import (  # noqa: F401  (the fixture)
    Run,
    base_tenant,
    exported,
    world,
)

GRANT = "  assignments:\n    {kind}:\n      - principal: group:{who}\n        expires: 2027-06-01\n"


def plan_with(run: Run, repo: Path, section: str, kind: str, who: str = "Ops") -> tuple[int, str]:
    path = repo / "groups" / "pra-admins.yaml"
    path.write_text(
        f"group: PRA Admins\n{section}:\n  assignments_mode: additive\n"
        + GRANT.format(kind=kind, who=who)
    )
    result = run("plan", str(repo), "--detailed-exitcode")
    return result.exit_code, " ".join(result.output.split())


def test_a_group_as_active_member_or_owner_is_an_error_eligible_is_not(
    world: Callable[[TenantBuilder], Run],  # noqa: F811
    tmp_path: Path,
) -> None:
    t = base_tenant()
    t.add(group("Ops", role_assignable=False))
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    code, out = plan_with(run, repo, "member", "active")
    assert code == 1 and "group:Ops: a group cannot be an active member of a role-assignable" in out
    code, out = plan_with(run, repo, "owner", "active")
    assert code == 1 and "a group cannot be an active owner of a group" in out
    code, out = plan_with(run, repo, "member", "eligible", "PRA Admins")
    assert code == 1 and "a group cannot be a member or owner of itself" in out
    code, out = plan_with(run, repo, "member", "eligible")
    assert code == 2, out
