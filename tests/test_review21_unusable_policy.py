"""Review of issue 21: the guards judge who holds a role and who is in a group, never the
policy that must let them use it. When Privileged Role Administrator is held only by a group
whose members are eligible (PIM for Groups), a change of the group's *member* policy that
makes activation impossible (approval by a disabled account only) leaves nobody able to use
PRA, and the plan does not refuse it. Not fixed: the guards would need a model of "can
activate" per policy (approvers usable, authentication context published); the same gap
holds for a directory role's own policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pim_gitops.tenantgen import APPLY_APP_ID, TenantBuilder, user
from tests.test_groups_end_to_end import (  # noqa: F401  (the fixture)
    Run,
    base_tenant,
    exported,
    world,
)


@pytest.mark.xfail(
    strict=True,
    reason="guards do not judge whether a policy lets the holders activate (review 21)",
)
def test_a_member_policy_only_a_disabled_approver_can_pass_is_refused(
    world: Callable[[TenantBuilder], Run],  # noqa: F811
    tmp_path: Path,
) -> None:
    t = base_tenant()
    t.add(user("leaver@contoso.com", "Leaver", enabled=False))
    run = world(t)
    repo = exported(run, tmp_path / "repo")
    with (repo / "pim.yaml").open("a") as pim:
        pim.write(f"apply_identity: sp:{APPLY_APP_ID}\n")
    path = repo / "groups" / "pra-admins.yaml"
    text = path.read_text().replace(
        "member:\n",
        "member:\n  activation:\n    approval:\n      required: true\n"
        "      approvers: [user:leaver@contoso.com]\n",
        1,
    )
    path.write_text(text)
    planned = run("plan", str(repo), "--detailed-exitcode")
    assert planned.exit_code == 3, planned.output
    assert "apply will refuse: last-pra-path" in planned.output
