"""The guards over access through groups (PIM for Groups, issue 21): a group holding a role
gives it to its usable members, eligible ones included, for as long as their membership
lasts; a plan's group-target operations change those memberships; a group whose PIM
schedules were not read fails closed. Hand-built tenants, as in ``test_guards.py``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pim_gitops import __version__
from pim_gitops.access import Window
from pim_gitops.access_paths import describe, paths, reach_until, unread_groups, who_can_use
from pim_gitops.action import Action
from pim_gitops.apply.guards import (
    break_glass_lost,
    last_pra_path_removed,
    self_lockout,
)
from pim_gitops.apply.lockout import possible_self_lockouts
from pim_gitops.apply.planned import planned_state
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
from pim_gitops.roles import GLOBAL_ADMINISTRATOR as GA
from pim_gitops.roles import PRIVILEGED_ROLE_ADMINISTRATOR as PRA
from pim_gitops.state import Assignment, Kind, Principal, TenantState
from pim_gitops.targets import Access, group_target

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = Window(NOW)
SECOND = timedelta(seconds=1)
TIER0, BG_GROUP = "9a1c0000-0000-0000-0000-00000000000a", "9a1c0000-0000-0000-0000-00000000000b"
USERS = ("alice", "bob", "bg1", "bg2", "carol")
APPLIER = "sp-apply"


def role(
    role_id: str, principal: str, kind: Kind = "active", end: datetime | None = None
) -> Assignment:
    return Assignment(role_id, principal, "/", kind, end, NOW - timedelta(days=1), schedule_id="s")


def member(
    group: str,
    principal: str,
    kind: Kind = "eligible",
    end: datetime | None = None,
    access: Access = "member",
) -> Assignment:
    return Assignment(
        group_target(group, access), principal, "/", kind, end, NOW - timedelta(days=1)
    )


def tenant(
    *rows: Assignment,
    members: dict[str, tuple[str, ...]] | None = None,
    read: tuple[str, ...] = (TIER0, BG_GROUP),
) -> TenantState:
    principals = {
        pid: Principal(pid, "user", user_principal_name=f"{pid}@contoso.com", account_enabled=True)
        for pid in USERS
    }
    principals[APPLIER] = Principal(
        APPLIER, "servicePrincipal", app_id="apply", account_enabled=True
    )
    for gid, name in ((TIER0, "Tier0 Admins"), (BG_GROUP, "Break Glass")):
        principals[gid] = Principal(gid, "group", display_name=name, is_assignable_to_role=True)
    return TenantState(
        tenant_id="t",
        roles={},
        policies={},
        assignments=tuple(r for r in rows if not r.role_id.startswith("group:")),
        principals=principals,
        group_members=members or {},
        group_assignments=tuple(r for r in rows if r.role_id.startswith("group:")),
        pim_groups_read=frozenset(g.lower() for g in read),
    )


def op(
    action: Action,
    target: str,
    principal: str,
    kind: Kind = "eligible",
    end: datetime | None = None,
) -> ScheduleRequest:
    live = None if action is Action.CREATE else LiveSchedule(id="s", start=NOW, end=None)
    name = "Tier0 Admins" if TIER0 in target else ("Break Glass" if BG_GROUP in target else "role")
    return ScheduleRequest(
        phase=Phase.REMOVE if action is Action.DELETE else Phase.ASSIGN,
        role=RoleRef(id=target, name=name),
        action=action,
        schedule=kind,
        principal=PrincipalRef(id=principal, ref=f"user:{principal}@contoso.com"),
        addresses=(f'group["{name}"].member.{kind}["user:{principal}@contoso.com"]',),
        start=None if action is Action.DELETE else NOW,
        end=end,
        justification="test",
        live=live,
        fingerprint=schedule_fingerprint(live),
    )


def plan(*ops: ScheduleRequest) -> Plan:
    return Plan(
        tool_version=__version__,
        tenant_id="t",
        desired_hash="",
        generated_at=NOW,
        summary=Summary(),
        changes=(),
        operations=ops,
        guards=GuardFacts(),
    )


def pra_check(before: TenantState, *ops: ScheduleRequest, identity: str | None = None) -> list[str]:
    after = planned_state(plan(*ops), before)
    return list(last_pra_path_removed(before, after, WINDOW, identity).problems)


# --- the must-hold: the last usable eligible member of the only PRA group --------------------


def test_removing_the_last_eligible_member_of_the_only_pra_group_is_refused() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, "alice"))
    problems = pra_check(before, op(Action.DELETE, group_target(TIER0, "member"), "alice"))
    assert len(problems) == 1
    assert problems[0].startswith("last-pra-path: ")
    assert "reduced by this plan: group:Tier0 Admins" in problems[0]
    assert (
        "ended through a group: user:alice@contoso.com (eligible member of group:Tier0"
        in (problems[0])
    )
    assert "--allow-no-pra-eligible" in problems[0]


def test_removing_one_of_two_eligible_members_is_not_refused() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, "alice"), member(TIER0, "bob"))
    assert pra_check(before, op(Action.DELETE, group_target(TIER0, "member"), "alice")) == []


def test_an_owner_is_no_pra_path_for_the_guard() -> None:
    """An owner can add itself, but must change the group first: the guard counts members."""
    before = tenant(role(PRA, TIER0), member(TIER0, "alice"), member(TIER0, "bob", access="owner"))
    assert pra_check(before, op(Action.DELETE, group_target(TIER0, "member"), "alice"))


def test_a_standing_member_keeps_the_group_usable() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, "alice"), members={TIER0: ("carol",)})
    assert pra_check(before, op(Action.DELETE, group_target(TIER0, "member"), "alice")) == []


def test_an_eligible_membership_ending_at_the_horizon_is_no_path() -> None:
    """The membership bounds the group's role: ending exactly at now + horizon ends within it."""
    at_horizon = member(TIER0, "bob", end=WINDOW.until)
    past = member(TIER0, "bob", end=WINDOW.until + SECOND)
    remove = op(Action.DELETE, group_target(TIER0, "member"), "alice")
    assert pra_check(tenant(role(PRA, TIER0), member(TIER0, "alice"), at_horizon), remove)
    assert not pra_check(tenant(role(PRA, TIER0), member(TIER0, "alice"), past), remove)


def test_removing_the_direct_pra_holder_when_the_group_has_eligible_members_is_fine() -> None:
    before = tenant(role(PRA, "carol", "eligible"), role(PRA, TIER0), member(TIER0, "alice"))
    assert pra_check(before, op(Action.DELETE, PRA, "carol")) == []
    empty = tenant(role(PRA, "carol", "eligible"), role(PRA, TIER0))
    assert pra_check(empty, op(Action.DELETE, PRA, "carol"))


def test_the_apply_identity_as_the_only_member_is_no_other_path() -> None:
    before = tenant(role(PRA, TIER0), role(PRA, "carol", "eligible"), member(TIER0, APPLIER))
    assert pra_check(before, op(Action.DELETE, PRA, "carol"), identity=APPLIER)
    assert not pra_check(before, op(Action.DELETE, PRA, "carol"))


def test_a_group_whose_pim_schedules_were_not_read_fails_closed() -> None:
    """Its eligible members are unknown: dropping its PRA cannot be judged harmless."""
    before = tenant(role(PRA, TIER0), read=())
    problems = pra_check(before, op(Action.DELETE, PRA, TIER0, "active"))
    assert len(problems) == 1 and "were not read" in problems[0]
    # known to have no member: removing it takes nothing, a warning as before
    known = tenant(role(PRA, TIER0))
    assert pra_check(known, op(Action.DELETE, PRA, TIER0, "active")) == []
    # an unread group the plan does not touch changes nothing
    other = tenant(role(PRA, TIER0), role(PRA, "carol"), read=())
    assert pra_check(other, op(Action.CREATE, GA, "bob")) == []


# --- break-glass through a group ----------------------------------------------------------


def bg_problems(before: TenantState, *ops: ScheduleRequest) -> list[str]:
    after = planned_state(plan(*ops), before)
    return list(break_glass_lost(before, after, ("bg1",), WINDOW).problems)


def test_a_standing_member_of_a_permanent_ga_group_is_a_break_glass_path() -> None:
    before = tenant(role(GA, BG_GROUP), members={BG_GROUP: ("bg1",)})
    assert reach_until(before, GA, NOW, kinds=("active",), principal_id="bg1", known=True) == (
        datetime.max.replace(tzinfo=UTC)
    )
    assert bg_problems(before) == []
    removed = bg_problems(
        before, op(Action.DELETE, group_target(BG_GROUP, "member"), "bg1", "active")
    )
    assert len(removed) == 1 and "today: permanent; after the plan: no usable access" in removed[0]


def test_an_eligible_or_expiring_membership_is_no_break_glass_path() -> None:
    eligible = tenant(role(GA, BG_GROUP), member(BG_GROUP, "bg1"))
    assert reach_until(eligible, GA, NOW, kinds=("active",), principal_id="bg1") is None
    later = NOW + timedelta(days=30)
    expiring = tenant(role(GA, BG_GROUP), member(BG_GROUP, "bg1", "active", later))
    assert reach_until(expiring, GA, NOW, kinds=("active",), principal_id="bg1") == later


def test_a_standing_member_of_an_unread_group_is_no_break_glass_path() -> None:
    """Its direct membership may be an active PIM membership that ends (not read)."""
    before = tenant(role(GA, BG_GROUP), members={BG_GROUP: ("bg1",)}, read=())
    assert reach_until(before, GA, NOW, kinds=("active",), principal_id="bg1", known=True) is None
    assert reach_until(before, GA, NOW, kinds=("active",), principal_id="bg1") is not None


# --- self-lockout through a group ---------------------------------------------------------


def test_removing_the_identitys_active_membership_is_a_self_lockout() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, APPLIER, "active"), members={TIER0: (APPLIER,)})
    made = plan(op(Action.DELETE, group_target(TIER0, "member"), APPLIER, "active"))
    after = planned_state(made, before)
    assert after.group_members[TIER0] == ()
    found = self_lockout(before, after, APPLIER, WINDOW)
    assert len(found.problems) == 1 and found.problems[0].startswith("self-lockout:")
    # with no apply_identity declared, the plan judges every service principal that may be it
    assert possible_self_lockouts(before, after, WINDOW).problems


def test_an_eligible_membership_gives_the_identity_no_writing_role() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, APPLIER))
    assert self_lockout(before, before, APPLIER, WINDOW).problems == ()


# --- the planned tenant and the paths -------------------------------------------------------


def test_planned_state_follows_group_target_operations() -> None:
    before = tenant(role(PRA, TIER0), member(TIER0, "alice"), members={TIER0: ("carol",)})
    made = plan(
        op(Action.CREATE, group_target(TIER0, "member"), "bob", "active"),
        op(Action.DELETE, group_target(TIER0, "member"), "alice"),
        op(Action.CREATE, PRA, "carol"),
    )
    after = planned_state(made, before)
    assert [(a.role_id, a.principal_id) for a in after.group_assignments] == [
        (group_target(TIER0, "member"), "bob")
    ]
    assert after.group_members[TIER0] == ("carol", "bob")
    assert sorted(a.principal_id for a in after.assignments) == sorted(["carol", TIER0])


def test_paths_name_every_way_to_the_role() -> None:
    state = tenant(
        role(GA, TIER0),
        role(GA, "carol", "eligible"),
        member(TIER0, "alice"),
        member(TIER0, "bob", access="owner"),
        members={TIER0: ("carol",)},
    )
    found = {(p.principal_id, p.kind, p.via.words if p.via else "own") for p in paths(state, GA)}
    assert found == {
        ("alice", "eligible", "eligible member"),
        ("bob", "eligible", "eligible owner"),
        ("carol", "active", "standing member"),
        ("carol", "eligible", "own"),
    }
    ways = {r.name: r.ways for r in who_can_use(state, GA)}
    assert ways["user:alice@contoso.com"] == (
        "eligible member of group:Tier0 Admins (PIM for Groups, permanent), which holds it "
        "active, permanent",
    )
    assert "an owner can add itself as a member" in ways["user:bob@contoso.com"][0]
    assert "group:Tier0 Admins" not in ways  # a group is listed by its members
    assert unread_groups(state, GA) == []
    assert unread_groups(replace(state, pim_groups_read=frozenset()), GA) == [TIER0]
    carol = next(p for p in paths(state, GA) if p.principal_id == "carol" and p.via is None)
    assert describe(state, carol) == "eligible assignment, permanent"


# --- the plan's context ---------------------------------------------------------------------


def test_the_plan_says_who_gains_or_loses_a_role_through_a_group() -> None:
    from pim_gitops.apply.context import plan_context
    from pim_gitops.apply.overrides import Guards
    from pim_gitops.apply.refusals import judge_plan

    before = replace(
        tenant(role(GA, TIER0), member(TIER0, "alice"), member(TIER0, "bob", access="owner")),
        roles={},
    )
    made = plan(
        op(Action.CREATE, group_target(TIER0, "member"), "carol"),
        op(Action.DELETE, group_target(TIER0, "member"), "alice"),
        op(Action.DELETE, GA, TIER0, "active"),
    )
    lines = plan_context(made, before)
    assert lines[0] == (
        'effective access: group["Tier0 Admins"].member.eligible["user:carol@contoso.com"]: '
        f"user:carol@contoso.com gains a way to {GA} (eligible member of group:Tier0 Admins)"
    )
    assert "user:alice@contoso.com loses a way to" in lines[1]
    assert lines[2].endswith(
        "takes it from the group's members and owners: user:alice@contoso.com (eligible "
        "member), user:bob@contoso.com (eligible owner)"
    )
    # shown with the plan's warnings
    _, verdict = judge_plan(made, before, NOW, Guards())
    assert set(lines) <= set(verdict.warnings)
    # a group holding no role: nothing to say about its membership
    assert (
        plan_context(plan(op(Action.CREATE, group_target(BG_GROUP, "member"), "carol")), before)
        == ()
    )


def test_break_glass_accounts_through_a_group_keep_the_declared_floor() -> None:
    """Ending an undeclared permanent Global Administrator is fine while two declared
    break-glass accounts keep one, here as standing members of a group holding it."""
    from pim_gitops.apply.undeclared import declared_floor

    before = tenant(role(GA, BG_GROUP), role(GA, "alice"), members={BG_GROUP: ("bg1", "bg2")})
    after = planned_state(plan(op(Action.DELETE, GA, "alice", "active")), before)
    assert declared_floor(before, after, after.assignments, ("bg1", "bg2"), WINDOW) == ()
    unread = replace(before, pim_groups_read=frozenset())
    after = planned_state(plan(op(Action.DELETE, GA, "alice", "active")), unread)
    assert declared_floor(unread, after, after.assignments, ("bg1", "bg2"), WINDOW)
