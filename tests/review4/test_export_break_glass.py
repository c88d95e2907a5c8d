"""Review 4, item 1: export writes ``break_glass:`` as a real declaration (not a commented
proposal). Declaring it switches the fail-closed ``undeclared-break-glass`` guard off, so the
export's guess (``*.onmicrosoft.com`` preferred) decides which permanent Global
Administrators stay guarded, before anyone confirms it."""

from __future__ import annotations

from pim_gitops.apply import Guards, guard_problems
from pim_gitops.export_guards import proposed_break_glass
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
    declared = guard_problems(
        plan(remove(GA, "bga"), remove(GA, "bgb"), break_glass=proposed),
        before,
        Guards(),
        ORGANIZATION,
        NOW,
    )
    # expected (fail closed until a human confirms): still refused
    assert declared, "export's unconfirmed guess removed the guard over both accounts"
