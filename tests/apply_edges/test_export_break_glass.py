"""Export declares the ``break_glass:`` it proposes, under a comment to confirm: the
proposed accounts are guarded from then on, and the permanent Global Administrators it
leaves out (no longer guarded by the fail-closed ``undeclared-break-glass`` guard, which is
lifted as a whole once the list is non-empty) are named in that comment."""

from __future__ import annotations

import yaml

from pim_gitops.apply import Guards, guard_problems
from pim_gitops.export_guards import UNGUARDED, guard_block, proposed_break_glass
from pim_gitops.state import Principal, TenantState
from tests.test_guards import GA, NOW, ORGANIZATION, TENANT, held, plan, remove


def _user(pid: str, upn: str) -> Principal:
    return Principal(pid, "user", user_principal_name=upn, user_type="Member", account_enabled=True)


def test_custom_domain_break_glass_accounts_lose_the_guard_once_export_declares() -> None:
    # the tenant's first account is on onmicrosoft.com; the real emergency accounts are not
    people = (
        _user("first", "admin@contoso.onmicrosoft.com"),
        _user("bga", "breakglass-a@contoso.com"),
        _user("bgb", "breakglass-b@contoso.com"),
    )
    before = TenantState(
        TENANT, {}, {}, tuple(held(GA, p.id) for p in people), {p.id: p for p in people}
    )
    proposed = tuple(p.id for p in proposed_break_glass(before))
    assert proposed == ("first",)
    made = plan(remove(GA, "bga"), remove(GA, "bgb"))
    undeclared = guard_problems(made, before, Guards(), ORGANIZATION, NOW)
    assert undeclared, "with break_glass: undeclared, removing both is refused"
    text, data = guard_block(before, lambda p: f"user:{p.user_principal_name}", lambda i: "", NOW)
    written = yaml.safe_load(text)
    assert written["break_glass"] == ["user:admin@contoso.onmicrosoft.com"] and data == written
    by_ref = {f"user:{p.user_principal_name}": p.id for p in people}
    declared = tuple(by_ref[r] for r in written["break_glass"])  # as plan resolves them
    # the comment names the two accounts the list leaves unguarded, for the reader to add
    left_out = [line for line in text.splitlines() if line.startswith(UNGUARDED)]
    assert left_out == [
        UNGUARDED + "user:breakglass-a@contoso.com",
        UNGUARDED + "user:breakglass-b@contoso.com",
    ]
    assert guard_problems(
        plan(remove(GA, "first"), break_glass=declared), before, Guards(), ORGANIZATION, NOW
    ), "the declared account is guarded"
    # Declared as exported, the undeclared guard no longer covers bga and bgb (it is
    # lifted whenever break_glass: is non-empty, apply/undeclared.py), but one declared
    # account is fewer than two: ending their permanent access is refused by the
    # declared floor (the same as dropping accounts from the list in a pull request).
    floor = guard_problems(
        plan(remove(GA, "bga"), remove(GA, "bgb"), break_glass=declared),
        before,
        Guards(),
        ORGANIZATION,
        NOW,
    )
    assert [p.split(":")[0] for p in floor] == ["break-glass"]
    assert "breakglass-a@contoso.com" in floor[0] and "does not declare" in floor[0]
    # the reader adds them, as the comment asks: removing both is refused again
    confirmed = (*declared, "bga", "bgb")
    assert guard_problems(
        plan(remove(GA, "bga"), remove(GA, "bgb"), break_glass=confirmed),
        before,
        Guards(),
        ORGANIZATION,
        NOW,
    )
