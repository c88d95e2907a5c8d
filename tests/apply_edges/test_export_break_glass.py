"""Export proposes ``break_glass:`` commented out: the fail-closed ``undeclared-break-glass``
guard stays on until a person confirms which accounts are the emergency ones."""

from __future__ import annotations

import yaml

from pim_gitops.apply import Guards, guard_problems
from pim_gitops.export_guards import guard_block, proposed_break_glass
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
    text, data = guard_block(before, lambda p: f"user:{p.user_principal_name}", lambda i: "")
    written = yaml.safe_load(text) or {}
    assert "# break_glass:" in text and "user:admin@contoso.onmicrosoft.com" in text
    # fail closed until a human confirms: the export declares nothing, the guard stays on
    assert "break_glass" not in written and data == {}
    exported = guard_problems(
        plan(
            remove(GA, "bga"), remove(GA, "bgb"), break_glass=tuple(written.get("break_glass", ()))
        ),
        before,
        Guards(),
        ORGANIZATION,
        NOW,
    )
    assert exported, "export's unconfirmed guess removed the guard over both accounts"
