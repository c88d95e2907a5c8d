"""apply's guards as pure functions of a plan, the tenant as read now and the overrides:
small plans and tenants built directly, boundaries included. The guards reason about usable
access (``pim_gitops.access``) over a horizon and refuse only what a plan makes worse;
``tests/test_guards_horizon.py`` covers the horizon boundaries and the end-to-end findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pim_gitops import __version__
from pim_gitops.access import Window
from pim_gitops.action import Action
from pim_gitops.apply import Guards, check_guards, guard_problems
from pim_gitops.apply.guards import (
    Verdict,
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
from pim_gitops.state import Assignment, Kind, Principal, TenantState
from pim_gitops.wire import format_instant

GA = GLOBAL_ADMINISTRATOR
PRA = PRIVILEGED_ROLE_ADMINISTRATOR
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
TENANT = "11111111-1111-1111-1111-111111111111"
OTHER = "22222222-2222-2222-2222-222222222222"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
WINDOW = Window(NOW)
UNTIL = format_instant(WINDOW.until)
BG1, BG2, ALICE, BOB, APPLIER = "bg1", "bg2", "alice", "bob", "sp-apply"
USERS = (BG1, BG2, ALICE, BOB, "carol", *(f"user{i}" for i in range(12)))
ORGANIZATION: dict[str, Any] = {
    "id": TENANT,
    "verifiedDomains": [{"name": "Contoso.onmicrosoft.com"}, {"name": "contoso.com"}],
}


def ref(principal: str) -> str:
    """How the tenant (and so every message) names a principal of these tests."""
    return "sp:apply" if principal == APPLIER else f"user:{principal}@contoso.com"


def held(
    role: str, principal: str, kind: Kind = "active", end: datetime | None = None
) -> Assignment:
    return Assignment(role, principal, "/", kind, end, NOW, schedule_id=f"s-{role}-{principal}")


def tenant(
    *assignments: Assignment, tenant_id: str = TENANT, disabled: tuple[str, ...] = ()
) -> TenantState:
    """Every principal of these tests exists and is enabled, unless ``disabled``."""
    principals = {
        pid: Principal(
            pid,
            "user",
            user_principal_name=f"{pid}@contoso.com",
            account_enabled=pid not in disabled,
        )
        for pid in USERS
    }
    principals[APPLIER] = Principal(
        APPLIER, "servicePrincipal", app_id="apply", account_enabled=APPLIER not in disabled
    )
    return TenantState(
        tenant_id=tenant_id, roles={}, policies={}, assignments=assignments, principals=principals
    )


def request(
    action: Action,
    role: str,
    principal: str,
    kind: Kind = "active",
    end: datetime | None = None,
    live_end: datetime | None = None,
) -> ScheduleRequest:
    live = (
        None
        if action is Action.CREATE
        else LiveSchedule(id=f"s-{principal}", start=NOW, end=live_end)
    )
    name = BUILTIN_ROLES[role]
    return ScheduleRequest(
        phase=Phase.REMOVE if action is Action.DELETE else Phase.ASSIGN,
        role=RoleRef(id=role, name=name),
        action=action,
        schedule=kind,
        principal=PrincipalRef(id=principal, ref=ref(principal)),
        addresses=(f'role["{name}"].{kind}["{ref(principal)}"]',),
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


def until(moment: datetime) -> str:
    return f"usable until {format_instant(moment)}"


WORSE = " (allowed only with {flag} / PIM_GITOPS_ALLOW={name})"
AS_BEFORE = "; already so before this plan, which does not worsen it"


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


def removals_message(count: int, cap: int) -> str:
    listed = ", ".join(f"User Administrator {ref(f'user{i}')} (removed)" for i in range(count))
    return (
        f"max-removals: the plan reduces access {count} time{'' if count == 1 else 's'} "
        "(removals, nearer or new ends), "
        f"more than --max-removals {cap}: {listed} "
        f"(allowed only with --max-removals {count} / PIM_GITOPS_MAX_REMOVALS={count})"
    )


def test_removals_up_to_the_maximum_pass() -> None:
    assert too_many_removals(removals(3), 3) == []


def test_one_removal_over_the_maximum_is_refused() -> None:
    assert too_many_removals(removals(4), 3) == [removals_message(4, 3)]


def test_max_removals_zero_refuses_any_removal_and_allows_none() -> None:
    assert too_many_removals(removals(0), 0) == []
    assert too_many_removals(removals(1), 0) == [removals_message(1, 0)]


def test_only_reductions_count_towards_the_maximum() -> None:
    busy = plan(
        request(Action.CREATE, USER_ADMIN, ALICE, "eligible"),
        # an extension (nearer end → later end) reduces nothing
        request(
            Action.UPDATE, USER_ADMIN, BOB, "eligible", end=LATER, live_end=NOW + WINDOW.horizon
        ),
        remove(USER_ADMIN, "carol", "eligible"),
    )
    assert too_many_removals(busy, 1) == []
    # Every reduction counts now, not only removals: permanent → expiring is one (issue 16).
    expiring = request(Action.UPDATE, USER_ADMIN, BOB, "eligible", end=LATER)
    problems = too_many_removals(plan(*busy.operations, expiring), 1)
    assert len(problems) == 1 and "reduces access 2 times" in problems[0]
    assert f"{ref(BOB)} (permanent → expiring)" in problems[0]


# --- break_glass_lost -----------------------------------------------------------------------


def bg_text(account: str, before: str, after: str) -> str:
    return (
        f"break-glass: break-glass account {ref(account)} must keep a usable permanent active "
        f"Global Administrator assignment (today: {before}; after the plan: {after})"
    )


def bg_refused(account: str, before: str, after: str) -> str:
    return bg_text(account, before, after) + WORSE.format(
        flag="--allow-break-glass-change", name="break-glass-change"
    )


def both_break_glass() -> TenantState:
    return tenant(held(GA, BG1), held(GA, BG2))


def bg_check(made: Plan, before: TenantState) -> Verdict:
    return break_glass_lost(
        before, assignments_after(made, before), made.guards.break_glass, WINDOW
    )


def test_losing_one_of_two_break_glass_accounts_is_refused() -> None:
    made = plan(remove(GA, BG2), break_glass=(BG1, BG2))
    assert bg_check(made, both_break_glass()) == Verdict(
        problems=(bg_refused(BG2, "permanent", "no usable access"),)
    )


def test_permanent_to_expiring_counts_as_lost() -> None:
    made = plan(request(Action.UPDATE, GA, BG1, end=LATER), break_glass=(BG1, BG2))
    assert bg_check(made, both_break_glass()) == Verdict(
        problems=(bg_refused(BG1, "permanent", until(LATER)),)
    )


def test_nearer_end_of_an_expiring_break_glass_assignment_counts_as_lost() -> None:
    before = tenant(held(GA, BG1, end=LATER))
    nearer = NOW + timedelta(days=1)
    made = plan(request(Action.UPDATE, GA, BG1, end=nearer, live_end=LATER), break_glass=(BG1,))
    assert bg_check(made, before) == Verdict(
        problems=(bg_refused(BG1, until(LATER), until(nearer)),)
    )


def test_break_glass_removal_passes_when_none_are_declared() -> None:
    made = plan(remove(GA, BG1), remove(GA, BG2))
    assert bg_check(made, both_break_glass()) == Verdict()


def test_break_glass_account_without_active_ga_before_has_nothing_to_lose() -> None:
    before = tenant(held(GA, BG1))  # bg2 is declared but holds no active GA
    # An existing violation is now warned about, not refused: the plan does not worsen it.
    missing = bg_text(BG2, "no usable access", "no usable access") + AS_BEFORE
    assert bg_check(plan(break_glass=(BG1, BG2)), before) == Verdict(warnings=(missing,))
    # Its eligible GA going away is no loss of standing access either.
    eligible = tenant(held(GA, BG1), held(GA, BG2, "eligible"))
    made = plan(remove(GA, BG2, "eligible"), break_glass=(BG1, BG2))
    assert bg_check(made, eligible) == Verdict(warnings=(missing,))


def test_untouched_expiring_break_glass_assignment_is_not_the_plans_doing() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2, end=LATER))
    made = plan(remove(USER_ADMIN, ALICE, "eligible"), break_glass=(BG1, BG2))
    # Break-glass must be permanent, so the expiring one is a violation already: a warning.
    assert bg_check(made, before) == Verdict(
        warnings=(bg_text(BG2, until(LATER), until(LATER)) + AS_BEFORE,)
    )


def test_making_an_expiring_break_glass_assignment_permanent_is_no_loss() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2, end=LATER))
    made = plan(request(Action.UPDATE, GA, BG2, end=None, live_end=LATER), break_glass=(BG1, BG2))
    assert bg_check(made, before) == Verdict()


def test_swapping_one_break_glass_account_for_another_is_refused() -> None:
    before = tenant(held(GA, BG1))
    made = plan(remove(GA, BG1), request(Action.CREATE, GA, BG2), break_glass=(BG1, BG2))
    assert bg_check(made, before) == Verdict(
        problems=(bg_refused(BG1, "permanent", "no usable access"),)
    )


def test_other_accounts_losing_ga_do_not_trip_the_break_glass_guard() -> None:
    before = tenant(held(GA, BG1), held(GA, ALICE))
    assert bg_check(plan(remove(GA, ALICE), break_glass=(BG1,)), before) == Verdict()


# --- last_pra_path_removed ------------------------------------------------------------------


def pra_text(before: str, after: str, reduced: str = "") -> str:
    text = (
        "last-pra-path: someone other than the apply identity must be able to use Privileged "
        f"Role Administrator past {UNTIL} (today: {before}; after the plan: {after})"
    )
    return text + (f"; reduced by this plan: {reduced}" if reduced else "")


def pra_check(made: Plan, before: TenantState) -> Verdict:
    after = assignments_after(made, before)
    return last_pra_path_removed(before, after, WINDOW, made.guards.apply_identity)


def test_removing_the_last_eligible_pra_is_refused() -> None:
    before = tenant(held(PRA, ALICE, "eligible"), held(PRA, APPLIER, "active"))
    made = plan(remove(PRA, ALICE, "eligible"), apply_identity=APPLIER)
    assert pra_check(made, before) == Verdict(
        problems=(
            pra_text("permanent", "no usable access", ref(ALICE))
            + WORSE.format(flag="--allow-no-pra-eligible", name="no-pra-eligible"),
        )
    )
    # Active holders now count as a path too: Bob's active PRA keeps one.
    with_bob = tenant(held(PRA, ALICE, "eligible"), held(PRA, BOB, "active"))
    assert pra_check(made, with_bob) == Verdict()


def test_removing_one_of_two_eligible_pra_passes() -> None:
    before = tenant(held(PRA, ALICE, "eligible"), held(PRA, BOB, "eligible"))
    assert pra_check(plan(remove(PRA, ALICE, "eligible")), before) == Verdict()


def test_replacing_the_last_eligible_pra_passes() -> None:
    before = tenant(held(PRA, ALICE, "eligible"))
    made = plan(remove(PRA, ALICE, "eligible"), request(Action.CREATE, PRA, BOB, "eligible"))
    assert pra_check(made, before) == Verdict()


def test_no_usable_pra_before_is_not_the_plans_doing() -> None:
    # Active holders count now, so removing Bob's active PRA, the only path, is refused.
    assert pra_check(plan(remove(PRA, BOB, "active")), tenant(held(PRA, BOB))).problems
    # The old case's intent: no usable path before (Bob is disabled) warns, never refuses.
    before = tenant(held(PRA, BOB, "active"), disabled=(BOB,))
    assert pra_check(plan(remove(PRA, BOB, "active")), before) == Verdict(
        warnings=(pra_text("no usable access", "no usable access") + AS_BEFORE,)
    )


# --- self_lockout ---------------------------------------------------------------------------


def lockout(before: TenantState, made: Plan) -> Verdict:
    after = assignments_after(made, before)
    return self_lockout(before, after, made.guards.apply_identity, WINDOW)


@pytest.mark.parametrize("role", [GA, PRA], ids=["GA", "PRA"])
def test_removing_the_apply_identitys_active_role_is_lockout(role: str) -> None:
    made = plan(remove(role, APPLIER), apply_identity=APPLIER)
    assert lockout(tenant(held(role, APPLIER)), made) == Verdict(
        problems=(
            "self-lockout: the apply identity sp:apply must keep an active Global "
            "Administrator or Privileged Role Administrator (itself or through a group), which "
            f"lets it write PIM, past {UNTIL} (today: permanent; after the plan: no usable "
            "access) (allowed only with --allow-self-lockout / PIM_GITOPS_ALLOW=self-lockout)",
        )
    )


def test_removing_the_apply_identitys_eligible_assignment_is_not_lockout() -> None:
    made = plan(remove(PRA, APPLIER, "eligible"), apply_identity=APPLIER)
    assert lockout(tenant(held(PRA, APPLIER, "eligible")), made) == Verdict()
    # ... nor when it also holds the active one, which stays
    both = tenant(held(PRA, APPLIER, "eligible"), held(PRA, APPLIER))
    assert lockout(both, made) == Verdict()


def test_removing_another_role_of_the_apply_identity_is_not_lockout() -> None:
    before = tenant(held(USER_ADMIN, APPLIER), held(PRA, APPLIER))
    assert lockout(before, plan(remove(USER_ADMIN, APPLIER), apply_identity=APPLIER)) == Verdict()


def test_removing_someone_elses_active_ga_is_not_lockout() -> None:
    before = tenant(held(GA, ALICE), held(GA, APPLIER))
    assert lockout(before, plan(remove(GA, ALICE), apply_identity=APPLIER)) == Verdict()


def test_no_declared_apply_identity_means_no_lockout_check() -> None:
    assert lockout(tenant(held(GA, APPLIER)), plan(remove(GA, APPLIER))) == Verdict()


# --- other_tenant ---------------------------------------------------------------------------


def test_plan_for_another_tenant_id_is_refused() -> None:
    assert other_tenant(plan(tenant_id=OTHER), tenant(), ORGANIZATION) == [
        f"other-tenant: the plan was made for tenant {OTHER}, but this is {TENANT} "
        "(allowed only with --allow-other-tenant / PIM_GITOPS_ALLOW=other-tenant)"
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
        "other-tenant: the policy declares tenant 'fabrikam.com', but the signed-in tenant is "
        f"['{TENANT}', 'contoso.com', 'contoso.onmicrosoft.com'] "
        "(allowed only with --allow-other-tenant / PIM_GITOPS_ALLOW=other-tenant)"
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


#: Each guard by the name that prefixes its messages, with the flag that lifts it.
ALL_GUARDS = {
    "other-tenant": "--allow-other-tenant",
    "max-removals": "--max-removals",
    "break-glass": "--allow-break-glass-change",
    "last-pra-path": "--allow-no-pra-eligible",
    "self-lockout": "--allow-self-lockout",
}


def guard_of(problem: str) -> str:
    """The flag a problem names: the guard that found it, which also prefixes it."""
    flags = [flag for flag in ALL_GUARDS.values() if flag in problem]
    assert len(flags) == 1, problem
    assert ALL_GUARDS[problem.split(":")[0]] == flags[0], problem
    return flags[0]


def test_a_plan_breaking_every_guard_reports_each_once() -> None:
    made, before = breaking_everything()
    problems = guard_problems(made, before, Guards(max_removals=2), ORGANIZATION, NOW)
    assert sorted(guard_of(p) for p in problems) == sorted(ALL_GUARDS.values())
    # Without organization data (plan time) the other-tenant guard is left to apply.
    at_plan_time = guard_problems(made, before, Guards(max_removals=2), None, NOW)
    assert {guard_of(p) for p in at_plan_time} == set(ALL_GUARDS.values()) - {
        "--allow-other-tenant"
    }


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
    problems = guard_problems(made, before, guards, ORGANIZATION, NOW)
    assert {guard_of(p) for p in problems} == set(ALL_GUARDS.values()) - {lifted}
    assert len(problems) == len(ALL_GUARDS) - 1


def test_default_guards_allow_ten_removals() -> None:
    assert Guards().max_removals == 10
    assert guard_problems(removals(10), tenant(), Guards(), ORGANIZATION, NOW) == []
    assert guard_problems(removals(11), tenant(), Guards(), ORGANIZATION, NOW) == [
        removals_message(11, 10)
    ]


def test_check_guards_raises_with_every_problem_and_passes_a_clean_plan() -> None:
    made, before = breaking_everything()
    with pytest.raises(GuardrailError) as caught:
        check_guards(made, before, Guards(max_removals=2), ORGANIZATION, NOW)
    message = str(caught.value)
    assert message.startswith("refusing to apply; nothing was written:\n  ")
    assert all(flag in message for flag in ALL_GUARDS.values())
    assert message.count("\n  ") == len(ALL_GUARDS)  # one line per problem
    # Two declared accounts keep their access (with one, ending alice's permanent access
    # is what dropping an account from the list would look like: refused, see
    # tests/test_undeclared_break_glass.py).
    clean = plan(remove(GA, ALICE), break_glass=(BG1, BG2))
    holding = tenant(held(GA, ALICE), held(GA, BG1), held(GA, BG2))
    check_guards(clean, holding, Guards(), ORGANIZATION, NOW)


# --- the identity and groups (issue 16 review) ---------------------------------------------

OPS = "ops-group"


def with_group(state: TenantState, members: tuple[str, ...]) -> TenantState:
    """``state`` plus a role-assignable group ``OPS`` with these members, its PIM for
    Groups read (no PIM schedules: its members are standing ones)."""
    principals = dict(state.principals)
    principals[OPS] = Principal(OPS, "group", display_name="Ops PIM", is_assignable_to_role=True)
    return replace(
        state,
        principals=principals,
        group_members={OPS: members},
        pim_groups_read=frozenset({OPS}),
    )


def test_the_identitys_role_held_through_a_group_is_protected() -> None:
    """Signed in as a member of a group that holds PRA: dropping the group's PRA locks the
    identity out, exactly like dropping its own."""
    before = with_group(tenant(held(PRA, OPS)), (APPLIER,))
    made = plan(remove(PRA, OPS), apply_identity=APPLIER)
    verdict = self_lockout(before, assignments_after(made, before), APPLIER, WINDOW)
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith("self-lockout:")


def test_either_writing_role_is_enough_for_the_identity() -> None:
    """Holding both GA and PRA, dropping GA (least privilege) is not a lockout."""
    before = tenant(held(GA, APPLIER), held(PRA, APPLIER))
    made = plan(remove(GA, APPLIER), apply_identity=APPLIER)
    assert self_lockout(before, assignments_after(made, before), APPLIER, WINDOW) == Verdict()
    both = plan(remove(GA, APPLIER), remove(PRA, APPLIER), apply_identity=APPLIER)
    assert self_lockout(before, assignments_after(both, before), APPLIER, WINDOW).problems


def test_a_group_only_the_identity_can_use_is_no_other_pra_path() -> None:
    """A PRA-eligible group whose only enabled member is the apply identity gives no one
    else a way back; with another enabled member it does."""
    alone = with_group(tenant(held(PRA, OPS, "eligible"), held(PRA, ALICE, "eligible")), (APPLIER,))
    made = plan(remove(PRA, ALICE, "eligible"), apply_identity=APPLIER)
    after = assignments_after(made, alone)
    assert last_pra_path_removed(alone, after, WINDOW, APPLIER).problems
    shared = with_group(alone, (APPLIER, BOB))
    assert last_pra_path_removed(shared, after, WINDOW, APPLIER) == Verdict()


def test_a_service_principal_member_makes_a_group_usable() -> None:
    from pim_gitops.access import usable_principal

    state = with_group(tenant(), (APPLIER,))
    assert usable_principal(state, OPS)
    assert not usable_principal(with_group(tenant(disabled=(APPLIER,)), (APPLIER,)), OPS)
