"""Review of issue 21: SCuBA 7.1 counts the users who can become Global Administrator through
a group that is an eligible member of the GA group ("If a user is an active member of Group
A, and Group A is an eligible member of Group B, the user can activate their membership in
Group B": ED concept-pim-for-groups). The count dropped the group (not a user) and with it
every user behind it. Over the emulator, as ``test_groups_end_to_end.py``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pim_gitops.tenantgen import TenantBuilder, group, user
from tests.test_groups_end_to_end import (  # noqa: F401  (the fixture)
    Run,
    base_tenant,
    exported,
    findings,
    with_ga_group,
    world,
)


def test_users_of_an_eligible_member_group_count_for_71(
    world: Callable[[TenantBuilder], Run],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Two break-glass accounts, two eligible members, and Ops (an eligible member group of
    five users): nine users, one more than eight."""
    t = base_tenant()
    with_ga_group(t, members=2)
    tier0 = next(i for i, o in t.objects.items() if o.get("displayName") == "Tier0 GA Admins")
    ops = t.add(group("Ops", role_assignable=False))
    t.grant_group("eligible", tier0, ops, days_left=200)
    t.members[ops] = [t.add(user(f"ops{i}@contoso.com", f"ops{i}")) for i in range(5)]
    run = world(t)
    found = findings(run, exported(run, tmp_path / "repo"))
    (count,) = [f for f in found if f["rule"] == "ASG002"]
    assert "9 users" in count["message"], count
