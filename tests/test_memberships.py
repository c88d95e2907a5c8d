"""Who is in a role-assignable group and until when (``memberships.py``): standing members,
PIM-for-Groups schedules, and how long a group's role is usable (``access.lasts_until``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pim_gitops.access import lasts_until, principal_problem
from pim_gitops.memberships import FOREVER, group_until, memberships, pim_known
from pim_gitops.roles import PRIVILEGED_ROLE_ADMINISTRATOR as PRA
from pim_gitops.state import Assignment, Kind, Principal, TenantState
from pim_gitops.targets import Access, group_target

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SOON = NOW + timedelta(hours=3)
G = "6F1C0000-0000-0000-0000-0000000000AA"  # Graph may spell ids in upper case


def row(
    who: str,
    kind: Kind = "eligible",
    end: datetime | None = None,
    access: Access = "member",
    start: datetime | None = None,
    request: tuple[str, str] | None = None,
) -> Assignment:
    return Assignment(group_target(G, access), who, "/", kind, end, start or NOW, request=request)


def tenant(*rows: Assignment, direct: tuple[str, ...] = (), assignable: bool = True) -> TenantState:
    principals = {
        u: Principal(u, "user", user_principal_name=f"{u}@x", account_enabled=u != "off")
        for u in ("alice", "bob", "off")
    }
    principals[G] = Principal(G, "group", display_name="T0", is_assignable_to_role=assignable)
    return TenantState(
        tenant_id="t",
        roles={},
        policies={},
        assignments=(Assignment(PRA, G, "/", "active", None, NOW),),
        principals=principals,
        group_members={G: direct},
        group_assignments=rows,
        pim_groups_read=frozenset({G.lower()}),
    )


def test_an_active_pim_member_listed_as_a_direct_member_is_its_schedule() -> None:
    state = tenant(row("alice", "active", SOON), direct=("alice", "bob"))
    found = {(m.principal_id, m.how, m.end) for m in memberships(state, G)}
    assert found == {("alice", "active", SOON), ("bob", "standing", None)}
    assert group_until(state, G, NOW) == FOREVER  # bob stands
    alone = tenant(row("alice", "active", SOON), direct=("alice",))
    assert group_until(alone, G, NOW) == SOON
    assert lasts_until(alone.assignments, alone, NOW) == SOON  # the group's PRA ends with it


def test_an_eligible_member_makes_the_group_usable_until_its_end() -> None:
    state = tenant(row("alice", end=SOON))
    assert principal_problem(state, G) is None
    assert group_until(state, G, NOW) == SOON
    assert group_until(state, G, SOON) is None  # ended exactly then


def test_what_gives_no_membership() -> None:
    later = NOW + timedelta(days=1)
    for state in (
        tenant(row("off")),  # a disabled member
        tenant(row("alice", start=later)),  # not started
        tenant(row("alice", request=("r1", "PendingApproval"))),  # a request, no schedule yet
        tenant(row("alice", access="owner")),  # an owner must add itself first
        tenant(row("alice"), assignable=False),  # a group that cannot hold a role
    ):
        assert group_until(state, G, NOW) is None
        assert lasts_until(state.assignments, state, NOW) is None


def test_pim_known_ignores_the_case_of_the_id() -> None:
    assert pim_known(tenant(), G) and pim_known(tenant(), G.lower())
    assert memberships(tenant(row("alice")), G.lower())[0].group_id == G.lower()
