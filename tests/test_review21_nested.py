"""Review of issue 21: a group can be an *eligible* member of a role-assignable group, and a
user who is an active member of that group can then activate its membership ("Privileged
Identity Management and group nesting", ED concept-pim-for-groups: "If a user is an active
member of Group A, and Group A is an eligible member of Group B, the user can activate their
membership in Group B"). The plan creates such a grant without a word, and the effective
access listed the group as one principal, hiding every user who can become Global
Administrator through it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx

from bench.graph_fake import FakeGraph
from pim_gitops.access_paths import path_until, paths, reach_until, who_can_use
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Assignment, Principal, TenantState
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, group, oid, user
from tests.test_guards_groups import BG_GROUP, GA, NOW, PRA, TIER0, member, role, tenant

HELPDESK = "9a1c0000-0000-0000-0000-0000000000c1"


def nested(
    *rows: Assignment,
    members: dict[str, tuple[str, ...]] | None = None,
    read: tuple[str, ...] = (TIER0, BG_GROUP),
) -> TenantState:
    """The groups fixture, plus Helpdesk Operators: a group that is not role-assignable."""
    state = tenant(*rows, members=members, read=read)
    group = Principal(HELPDESK, "group", display_name="Helpdesk Operators")
    return replace(state, principals={**state.principals, HELPDESK: group})


def test_the_active_members_of_an_eligible_member_group_can_become_ga() -> None:
    state = nested(
        role(GA, TIER0, "eligible"),
        member(TIER0, HELPDESK),
        members={HELPDESK: ("alice",)},
    )
    reach = who_can_use(state, GA)
    names = [r.name for r in reach]
    assert names == ["user:alice@contoso.com"]
    assert reach[0].ways == (
        "standing member of group:Helpdesk Operators, which is an eligible member of "
        "group:Tier0 Admins (PIM for Groups, permanent), which holds it eligible, permanent",
    )
    (path,) = paths(state, GA)
    assert path.kind == "eligible" and path_until(state, path, NOW) is not None


def test_an_eligible_member_of_the_nested_group_is_no_way() -> None:
    """Only an active member of group A can activate A's eligible membership of B."""
    state = nested(
        role(GA, TIER0, "eligible"),
        member(TIER0, HELPDESK),
        member(HELPDESK, "bob"),
        members={HELPDESK: ()},
        read=(TIER0, BG_GROUP, HELPDESK),
    )
    assert [r.name for r in who_can_use(state, GA)] == []


def test_the_nested_path_counts_for_the_last_pra_floor_only_while_both_last() -> None:
    soon = NOW + timedelta(hours=2)
    state = nested(
        role(PRA, TIER0, "eligible"),
        member(TIER0, HELPDESK, end=soon),
        members={HELPDESK: ("alice",)},
        read=(TIER0, BG_GROUP, HELPDESK),
    )
    assert reach_until(state, PRA, NOW) == soon
    # the nested group's members not read: the group itself is shown, no user is guessed
    unread = nested(role(PRA, TIER0, "eligible"), member(TIER0, HELPDESK))
    assert [p.principal_id for p in paths(unread, PRA)] == [HELPDESK]
    assert reach_until(unread, PRA, NOW) is None
    assert group_target(TIER0, "member") in {a.role_id for a in state.group_assignments}


def nested_tenant() -> dict[str, Any]:
    """Tier0 (role-assignable, holds GA) has the plain group Ops as an eligible member; Ops
    holds no role and has one member, who can therefore become GA."""
    t = TenantBuilder(oid("tenant", "nested"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    tier0 = t.add(group("Tier0"))
    t.grant("eligible", GLOBAL_ADMINISTRATOR, tier0)
    ops = t.add(group("Ops", role_assignable=False))
    t.grant_group("eligible", tier0, ops)
    t.members[ops] = [t.add(user("dana@c.com", "Dana"))]
    return t.snapshot()


def test_the_reader_reads_the_members_of_a_nested_group() -> None:
    source = nested_tenant()
    fake = FakeGraph(source)

    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            return await fetch_snapshot(t, now=SAMPLE_NOW)

    data = asyncio.run(go())
    state = normalize_tenant(data, SAMPLE_NOW)
    ga = state.role_by_template(GLOBAL_ADMINISTRATOR)
    assert ga is not None
    assert [r.name for r in who_can_use(state, ga.id)] == ["user:dana@c.com"]
