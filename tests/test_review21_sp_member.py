"""Review of issue 21: a service principal that is a direct member of a group (added outside
PIM, listed by PIM for Groups as a permanent active membership) was exported as an ``sp:``
grant, which a group file refuses, so export → plan failed validation. The section is now
exported additive with a comment naming it (nothing it cannot declare is ever removed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pim_gitops.tenantgen import TenantBuilder, group, service_principal, user
from tests.test_groups_end_to_end import (  # noqa: F401  (the fixture)
    USER_ADMINISTRATOR,
    Run,
    base_tenant,
    exported,
    world,
)


def test_a_service_principal_member_exports_to_an_empty_plan(
    world: Callable[[TenantBuilder], Run],  # noqa: F811
    tmp_path: Path,
) -> None:
    t = base_tenant()
    ops = t.add(group("Ops Admins"))
    sp = t.add(service_principal("0f0f0f0f-1111-2222-3333-444444444444", "ops robot"))
    t.members[ops] = [t.add(user("olga@contoso.com", "Olga")), sp]
    t.grant("eligible", USER_ADMINISTRATOR, ops)
    run = world(t)
    repo = exported(run, tmp_path / "repo")  # plans no change
    text = (repo / "groups" / "ops-admins.yaml").read_text()
    assert "assignments_mode: additive" in text
    assert "sp:0f0f0f0f-1111-2222-3333-444444444444 cannot be declared" in text
    assert "user:olga@contoso.com" in text
