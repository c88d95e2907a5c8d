"""apply's guards as pure functions of a plan, the tenant as read now and the overrides:
small plans and tenants built directly, boundaries included."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pim_gitops import __version__
from pim_gitops.action import Action
from pim_gitops.apply import Guards, check_guards, guard_problems
from pim_gitops.apply.guards import (
    assignments_after,
    break_glass_lost,
    last_pra_path_removed,
    other_tenant,
    self_lockout,
    tenant_names,
    too_many_removals,
)
from pim_gitops.errors import GuardrailError
from pim_gitops.plan import (
    GuardFacts,
    LiveSchedule,
    Plan,
    PrincipalRef,
    RoleRef,
    ScheduleRequest,
    Summary,
    schedule_fingerprint,
)
from pim_gitops.policy_rules import Phase
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, Kind, TenantState

GA = GLOBAL_ADMINISTRATOR
PRA = PRIVILEGED_ROLE_ADMINISTRATOR
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER = "22222222-2222-2222-2222-222222222222"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
BG1, BG2, ALICE, BOB, APPLIER = "bg1", "bg2", "alice", "bob", "sp-apply"
ORGANIZATION: dict[str, Any] = {
    "id": TENANT,
    "verifiedDomains": [{"name": "Contoso.onmicrosoft.com"}, {"name": "contoso.com"}],
}


def held(
    role: str, principal: str, kind: Kind = "active", end: datetime | None = None
) -> Assignment:
    return Assignment(role, principal, "/", kind, end, NOW, schedule_id=f"s-{role}-{principal}")


def tenant(*assignments: Assignment, tenant_id: str = TENANT) -> TenantState:
    return TenantState(
        tenant_id=tenant_id, roles={}, policies={}, assignments=assignments, principals={}
    )


def request(
    action: Action,
    role: str,
    principal: str,
    kind: Kind = "active",
    end: datetime | None = None,
) -> ScheduleRequest:
    live = (
        None if action is Action.CREATE else LiveSchedule(id=f"s-{principal}", start=NOW, end=None)
    )
    name = BUILTIN_ROLES[role]
    return ScheduleRequest(
        phase=Phase.REMOVE if action is Action.DELETE else Phase.ASSIGN,
        role=RoleRef(id=role, name=name),
        action=action,
        schedule=kind,
        principal=PrincipalRef(id=principal, ref=f"user:{principal}@contoso.com"),
        addresses=(f'role["{name}"].{kind}["user:{principal}@contoso.com"]',),
        start=None if action is Action.DELETE else NOW,
        end=end,
        justification="test",
        live=live,
        fingerprint=schedule_fingerprint(live),
    )


def remove(role: str, principal: str, kind: Kind = "active") -> ScheduleRequest:
    return request(Action.DELETE, role, principal, kind)


def plan(
    *operations: ScheduleRequest,
    tenant_id: str = TENANT,
    declared_tenant: str = "",
    break_glass: tuple[str, ...] = (),
    apply_identity: str | None = None,
) -> Plan:
    return Plan(
        tool_version=__version__,
        tenant_id=tenant_id,
        desired_hash="",
        generated_at=NOW,
        summary=Summary(),
        changes=(),
        operations=operations,
        guards=GuardFacts(
            tenant=declared_tenant, break_glass=break_glass, apply_identity=apply_identity
        ),
    )


# --- the tenant after the plan --------------------------------------------------------------


def test_assignments_after_applies_creates_updates_and_removals() -> None:
    before = tenant(held(GA, ALICE), held(GA, BOB), held(PRA, ALICE, "eligible"))
    after = assignments_after(
        plan(
            remove(GA, ALICE),
            request(Action.UPDATE, GA, BOB, end=LATER),
            request(Action.CREATE, PRA, BOB, "eligible"),
            remove(USER_ADMIN, BOB),  # not held: removing it changes nothing
        ),
        before,
    )
    assert sorted((a.role_id, a.principal_id, a.kind, a.end) for a in after) == sorted(
        [(GA, BOB, "active", LATER), (PRA, ALICE, "eligible", None), (PRA, BOB, "eligible", None)]
    )


# --- too_many_removals ----------------------------------------------------------------------


def removals(count: int) -> Plan:
    return plan(*(remove(USER_ADMIN, f"user{i}", "eligible") for i in range(count)))


def test_removals_up_to_the_maximum_pass() -> None:
    assert too_many_removals(removals(3), 3) == []


def test_one_removal_over_the_maximum_is_refused() -> None:
    assert too_many_removals(removals(4), 3) == [
        "the plan removes 4 assignments, more than --max-removals 3"
    ]


def test_max_removals_zero_refuses_any_removal_and_allows_none() -> None:
    assert too_many_removals(removals(0), 0) == []
    assert too_many_removals(removals(1), 0) == [
        "the plan removes 1 assignments, more than --max-removals 0"
    ]


def test_only_removals_count_towards_the_maximum() -> None:
    busy = plan(
        request(Action.CREATE, USER_ADMIN, ALICE, "eligible"),
        request(Action.UPDATE, USER_ADMIN, BOB, "eligible", end=LATER),
        remove(USER_ADMIN, "carol", "eligible"),
    )
    assert too_many_removals(busy, 1) == []


# --- break_glass_lost -----------------------------------------------------------------------

BREAK_GLASS_MESSAGE = (
    "the plan reduces the permanent active Global Administrator assignment of break-glass "
    "account(s) {lost}; {kept} of the {declared} declared would keep one "
    "(--allow-break-glass-change to override)"
)


def both_break_glass() -> TenantState:
    return tenant(held(GA, BG1), held(GA, BG2))


def bg_check(made: Plan, before: TenantState) -> list[str]:
    return break_glass_lost(made, before, assignments_after(made, before))


def test_losing_one_of_two_break_glass_accounts_is_refused() -> None:
    made = plan(remove(GA, BG2), break_glass=(BG1, BG2))
    assert bg_check(made, both_break_glass()) == [
        BREAK_GLASS_MESSAGE.format(lost="user:bg2@contoso.com", kept=1, declared=2)
    ]


def test_permanent_to_expiring_counts_as_lost() -> None:
    made = plan(request(Action.UPDATE, GA, BG1, end=LATER), break_glass=(BG1, BG2))
    assert bg_check(made, both_break_glass()) == [
        BREAK_GLASS_MESSAGE.format(lost="user:bg1@contoso.com", kept=1, declared=2)
    ]


def test_nearer_end_of_an_expiring_break_glass_assignment_counts_as_lost() -> None:
    before = tenant(held(GA, BG1, end=LATER))
    made = plan(request(Action.UPDATE, GA, BG1, end=NOW + timedelta(days=1)), break_glass=(BG1,))
    assert bg_check(made, before) == [
        BREAK_GLASS_MESSAGE.format(lost="user:bg1@contoso.com", kept=0, declared=1)
    ]


def test_break_glass_removal_passes_when_none_are_declared() -> None:
    made = plan(remove(GA, BG1), remove(GA, BG2))
    assert bg_check(made, both_break_glass()) == []


def test_break_glass_account_without_active_ga_before_has_nothing_to_lose() -> None:
    before = tenant(held(GA, BG1))  # bg2 is declared but holds no active GA
    assert bg_check(plan(break_glass=(BG1, BG2)), before) == []
    # Its eligible GA going away is no loss of standing access either.
    eligible = tenant(held(GA, BG1), held(GA, BG2, "eligible"))
    assert bg_check(plan(remove(GA, BG2, "eligible"), break_glass=(BG1, BG2)), eligible) == []


def test_untouched_expiring_break_glass_assignment_is_not_the_plans_doing() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2, end=LATER))
    made = plan(remove(USER_ADMIN, ALICE, "eligible"), break_glass=(BG1, BG2))
    assert bg_check(made, before) == []


def test_making_an_expiring_break_glass_assignment_permanent_is_no_loss() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2, end=LATER))
    made = plan(request(Action.UPDATE, GA, BG2, end=None), break_glass=(BG1, BG2))
    assert bg_check(made, before) == []


def test_swapping_one_break_glass_account_for_another_is_refused() -> None:
    before = tenant(held(GA, BG1))
    made = plan(remove(GA, BG1), request(Action.CREATE, GA, BG2), break_glass=(BG1, BG2))
    assert bg_check(made, before) == [
        BREAK_GLASS_MESSAGE.format(lost="user:bg1@contoso.com", kept=1, declared=2)
    ]


def test_other_accounts_losing_ga_do_not_trip_the_break_glass_guard() -> None:
    before = tenant(held(GA, BG1), held(GA, ALICE))
    assert bg_check(plan(remove(GA, ALICE), break_glass=(BG1,)), before) == []


# --- last_pra_path_removed ------------------------------------------------------------------

PRA_MESSAGE = (
    "the plan removes the last eligible path to Privileged Role Administrator "
    "(--allow-no-pra-eligible to override)"
)


def pra_check(made: Plan, before: TenantState) -> list[str]:
    return last_pra_path_removed(before, assignments_after(made, before))


def test_removing_the_last_eligible_pra_is_refused() -> None:
    before = tenant(held(PRA, ALICE, "eligible"), held(PRA, BOB, "active"))
    assert pra_check(plan(remove(PRA, ALICE, "eligible")), before) == [PRA_MESSAGE]


def test_removing_one_of_two_eligible_pra_passes() -> None:
    before = tenant(held(PRA, ALICE, "eligible"), held(PRA, BOB, "eligible"))
    assert pra_check(plan(remove(PRA, ALICE, "eligible")), before) == []


def test_replacing_the_last_eligible_pra_passes() -> None:
    before = tenant(held(PRA, ALICE, "eligible"))
    made = plan(remove(PRA, ALICE, "eligible"), request(Action.CREATE, PRA, BOB, "eligible"))
    assert pra_check(made, before) == []


def test_no_eligible_pra_before_is_not_the_plans_doing() -> None:
    before = tenant(held(PRA, BOB, "active"))
    assert pra_check(plan(remove(PRA, BOB, "active")), before) == []


# --- self_lockout ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [GA, PRA], ids=["GA", "PRA"])
def test_removing_the_apply_identitys_active_role_is_lockout(role: str) -> None:
    made = plan(remove(role, APPLIER), apply_identity=APPLIER)
    assert self_lockout(made) == [
        f"the plan removes the apply identity's own {BUILTIN_ROLES[role]} assignment, "
        "which lets it write PIM (--allow-self-lockout)"
    ]


def test_removing_the_apply_identitys_eligible_assignment_is_not_lockout() -> None:
    assert self_lockout(plan(remove(PRA, APPLIER, "eligible"), apply_identity=APPLIER)) == []


def test_removing_another_role_of_the_apply_identity_is_not_lockout() -> None:
    assert self_lockout(plan(remove(USER_ADMIN, APPLIER), apply_identity=APPLIER)) == []


def test_removing_someone_elses_active_ga_is_not_lockout() -> None:
    assert self_lockout(plan(remove(GA, ALICE), apply_identity=APPLIER)) == []


def test_no_declared_apply_identity_means_no_lockout_check() -> None:
    assert self_lockout(plan(remove(GA, APPLIER))) == []


# --- other_tenant ---------------------------------------------------------------------------


def test_plan_for_another_tenant_id_is_refused() -> None:
    assert other_tenant(plan(tenant_id=OTHER), tenant(), ORGANIZATION) == [
        f"the plan was made for tenant {OTHER}, but this is {TENANT} "
        "(--allow-other-tenant to override)"
    ]


def test_same_tenant_id_passes() -> None:
    assert other_tenant(plan(), tenant(), ORGANIZATION) == []


def test_a_tenant_id_unknown_on_either_side_is_not_compared() -> None:
    assert other_tenant(plan(tenant_id=""), tenant(), ORGANIZATION) == []
    assert other_tenant(plan(), tenant(tenant_id=""), {}) == []


@pytest.mark.parametrize("declared", ["contoso.onmicrosoft.com", "CONTOSO.COM", TENANT.upper()])
def test_declared_tenant_matches_a_verified_domain_or_the_id_in_any_case(declared: str) -> None:
    assert other_tenant(plan(declared_tenant=declared), tenant(), ORGANIZATION) == []


def test_unknown_declared_tenant_is_refused() -> None:
    problems = other_tenant(plan(declared_tenant="Fabrikam.com"), tenant(), ORGANIZATION)
    assert problems == [
        "the policy declares tenant 'fabrikam.com', but the signed-in tenant is "
        f"['{TENANT}', 'contoso.com', 'contoso.onmicrosoft.com'] (--allow-other-tenant)"
    ]


def test_without_organization_data_only_the_tenant_id_is_known() -> None:
    assert tenant_names(tenant(), {}) == {TENANT}
    assert other_tenant(plan(declared_tenant="contoso.com"), tenant(), {}) != []
    assert other_tenant(plan(declared_tenant=TENANT), tenant(), {}) == []


# --- guard_problems: every override lifts its own guard and only that one -----------------


def breaking_everything() -> tuple[Plan, TenantState]:
    """A plan that breaks every guard once: it was made for another tenant, removes a
    break-glass account's GA, the only eligible PRA and the apply identity's active PRA."""
    before = tenant(held(GA, BG1), held(GA, BG2), held(PRA, ALICE, "eligible"), held(PRA, APPLIER))
    made = plan(
        remove(GA, BG2),
        remove(PRA, ALICE, "eligible"),
        remove(PRA, APPLIER),
        tenant_id=OTHER,
        break_glass=(BG1, BG2),
        apply_identity=APPLIER,
    )
    return made, before


ALL_GUARDS = {
    "--allow-other-tenant",
    "--max-removals",
    "--allow-break-glass-change",
    "--allow-no-pra-eligible",
    "--allow-self-lockout",
}


def guard_of(problem: str) -> str:
    """The flag a problem names: the guard that found it."""
    flags = [flag for flag in ALL_GUARDS if flag in problem]
    assert len(flags) == 1, problem
    return flags[0]


def test_a_plan_breaking_every_guard_reports_each_once() -> None:
    made, before = breaking_everything()
    problems = guard_problems(made, before, Guards(max_removals=2), ORGANIZATION)
    assert sorted(guard_of(p) for p in problems) == sorted(ALL_GUARDS)


@pytest.mark.parametrize(
    ("override", "lifted"),
    [
        ({"allow_other_tenant": True}, "--allow-other-tenant"),
        ({"max_removals": 3}, "--max-removals"),
        ({"allow_break_glass_change": True}, "--allow-break-glass-change"),
        ({"allow_no_pra_eligible": True}, "--allow-no-pra-eligible"),
        ({"allow_self_lockout": True}, "--allow-self-lockout"),
    ],
)
def test_each_override_lifts_only_its_own_guard(override: dict[str, Any], lifted: str) -> None:
    made, before = breaking_everything()
    guards = replace(Guards(max_removals=2), **override)
    problems = guard_problems(made, before, guards, ORGANIZATION)
    assert {guard_of(p) for p in problems} == ALL_GUARDS - {lifted}
    assert len(problems) == len(ALL_GUARDS) - 1


def test_default_guards_allow_ten_removals() -> None:
    assert Guards().max_removals == 10
    assert guard_problems(removals(10), tenant(), Guards(), ORGANIZATION) == []
    assert guard_problems(removals(11), tenant(), Guards(), ORGANIZATION) == [
        "the plan removes 11 assignments, more than --max-removals 10"
    ]


def test_check_guards_raises_with_every_problem_and_passes_a_clean_plan() -> None:
    made, before = breaking_everything()
    with pytest.raises(GuardrailError) as caught:
        check_guards(made, before, Guards(max_removals=2), ORGANIZATION)
    message = str(caught.value)
    assert message.startswith("refusing to apply; nothing was written:\n  ")
    assert all(flag in message for flag in ALL_GUARDS)
    check_guards(plan(remove(GA, ALICE)), tenant(held(GA, ALICE)), Guards(), ORGANIZATION)
