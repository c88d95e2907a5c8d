"""The live reader's PIM for Groups and administrative units (issue 21, item 2): which groups
it reads, in ``$batch``es of 20 with one item per group per collection, what a refused group
becomes, and that what it reads normalizes to the tenant it read.

Graph is ``bench.graph_fake.FakeGraph`` (canned answers from a tenantgen snapshot) behind the
real msgraph pipeline (``open_graph(..., http=MockTransport)``)."""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from typing import Any

import httpx
import pytest

from bench.graph_fake import FakeGraph
from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.compile.types import CompiledGroup, Location
from pim_gitops.errors import GraphError
from pim_gitops.graph.batch import BATCH_SIZE
from pim_gitops.graph.group_reader import (
    LOWER_BOUND_PER_GROUP,
    complete_managed_groups,
    group_items,
    managed_group_refs,
    read_groups,
)
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.loader import load_policies
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, group, oid, user
from tests.conftest import POLICIES

GROUPS = "identityGovernance/privilegedAccess/group/"


def tenant(groups: int = 3, members: int = 2) -> dict[str, Any]:
    """``groups`` role-assignable groups holding GA, each with ``members`` eligible PIM
    members and one active one; a plain group holding a role; a role-assignable group
    holding none; an administrative unit."""
    t = TenantBuilder(oid("tenant", "groups"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    t.add_role(PRIVILEGED_ROLE_ADMINISTRATOR, "Privileged Role Administrator")
    for g in range(groups):
        gid = t.add(group(f"Tier0 {g}"))
        t.grant("active", GLOBAL_ADMINISTRATOR, gid)
        for m in range(members):
            t.grant_group("eligible", gid, t.add(user(f"e{g}.{m}@c.com", f"E {g} {m}")))
        t.grant_group("active", gid, t.add(user(f"a{g}@c.com", f"A {g}")), days_left=30)
    plain = t.add(group("Plain", role_assignable=False))
    t.grant("eligible", PRIVILEGED_ROLE_ADMINISTRATOR, plain)
    t.members[plain] = [t.add(user("p@c.com", "P"))]
    t.add(group("Idle"))
    t.add_unit("Paris")
    return t.snapshot()


def read(fake: FakeGraph, **kw: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            return await fetch_snapshot(t, now=SAMPLE_NOW, **kw)

    return asyncio.run(go())


def test_what_is_read_normalizes_to_the_tenant_read() -> None:
    source = tenant()
    data = read(FakeGraph(source))
    expected, got = normalize_tenant(source, SAMPLE_NOW), normalize_tenant(data, SAMPLE_NOW)
    assert got.group_policies == expected.group_policies and len(got.group_policies) == 6
    assert got.group_assignments == expected.group_assignments
    assert len(got.group_assignments) == 9
    assert got.pim_groups_read == expected.pim_groups_read
    assert got.administrative_units == expected.administrative_units
    assert [u.display_name for u in (got.administrative_units or {}).values()] == ["Paris"]
    assert got.assignments == expected.assignments and got.policies == expected.policies
    # The PIM members are principals of the snapshot, the active ones direct members too.
    for a in got.group_assignments:
        assert a.principal_id in got.principals
    gid = oid("group", "Tier0 0")
    assert oid("user", "a0@c.com") in got.group_members[gid]


def test_only_role_assignable_groups_holding_a_role_are_read() -> None:
    fake = FakeGraph(tenant())
    data = read(fake)
    read_ids = set(data["privilegedAccessGroupsRead"])
    assert read_ids == {oid("group", f"Tier0 {g}") for g in range(3)}
    assert oid("group", "Plain") not in read_ids  # holds a role, not role-assignable
    assert oid("group", "Idle") not in read_ids  # role-assignable, holds nothing
    # The plain group's members are still read (it holds a role).
    assert data["groupMembers"][oid("group", "Plain")] == [oid("user", "p@c.com")]


def test_a_managed_group_is_read_though_it_holds_no_role() -> None:
    data = read(FakeGraph(tenant()), groups=[oid("group", "Idle").upper()])
    assert oid("group", "Idle") in data["privilegedAccessGroupsRead"]


def test_one_batch_item_per_group_per_collection_in_batches_of_20() -> None:
    """The lower bound: 4 items per group, ``ceil(4 N / 20)`` batches for N groups."""
    groups = 12
    fake = FakeGraph(tenant(groups=groups))
    read(fake)
    group_reads = sum(n for path, n in fake.by_path.items() if GROUPS in path)
    policy_reads = fake.by_path["GET policies/roleManagementPolicies"]
    assert group_reads == 2 * groups and policy_reads == 1 + groups  # + the directory read
    assert LOWER_BOUND_PER_GROUP == 4 and len(group_items("g")) == 4
    batches = fake.by_path["POST $batch"]
    # Group PIM: ceil(48 / 20) = 3; members of 13 role-holding groups: 1.
    assert batches == math.ceil(4 * groups / BATCH_SIZE) + math.ceil((groups + 1) / BATCH_SIZE)


def test_pages_inside_a_batch_are_followed() -> None:
    fake = FakeGraph(tenant(groups=1, members=7), page_size=3)
    data = read(fake)
    assert len(data["privilegedAccessGroupEligibilitySchedules"]) == 7
    assert fake.by_path[f"GET {GROUPS}eligibilitySchedules"] == 3  # 1 in the batch + 2 pages


@pytest.mark.parametrize("status", [400, 403, 404])
def test_a_group_graph_refuses_is_unknown_not_empty(status: int) -> None:
    fake = FakeGraph(tenant(groups=2))
    fake.overrides[f"{GROUPS}assignmentSchedules"] = (
        status,
        {"error": {"code": "Forbidden", "message": "Insufficient privileges."}},
    )
    data = read(fake)
    assert data["privilegedAccessGroupsRead"] == []
    assert set(data["privilegedAccessGroupReadErrors"]) == {
        oid("group", f"Tier0 {g}") for g in range(2)
    }
    state = normalize_tenant(data, SAMPLE_NOW)
    gid = oid("group", "Tier0 0")
    assert state.pim_groups_read == frozenset() and state.group_assignments == ()
    why = state.policy_errors[group_target(gid, "member")]
    assert why.startswith(f"PIM for Groups could not be read: {status} Forbidden")
    assert group_target(gid, "owner") in state.policy_errors


def test_a_server_error_on_a_group_fails_the_read() -> None:
    fake = FakeGraph(tenant(groups=1))
    fake.overrides[f"{GROUPS}eligibilitySchedules"] = (
        500,
        {"error": {"code": "", "message": "An error has occurred."}},
    )
    with pytest.raises(GraphError, match="An error has occurred"):
        read(fake)


def test_members_are_read_again_without_top_where_it_is_refused() -> None:
    class NoTop(FakeGraph):
        def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
            if path.endswith("/members") and "$top" in query:
                return 400, {"error": {"code": "BadRequest", "message": "$top not supported"}}
            return super().answer(method, path, query, body)

    source = tenant(groups=2)
    data = read(NoTop(source))
    assert data["groupMembers"] == read(FakeGraph(source))["groupMembers"]


def test_administrative_units_graph_refuses_are_not_read() -> None:
    fake = FakeGraph(tenant(groups=0))
    fake.overrides["directory/administrativeUnits"] = (
        403,
        {"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges."}},
    )
    data = read(fake)
    assert "administrativeUnits" not in data
    assert normalize_tenant(data, SAMPLE_NOW).administrative_units is None


def test_reading_groups_again_replaces_their_rows() -> None:
    source = tenant(groups=1)

    async def go() -> dict[str, Any]:
        fake = FakeGraph(source)
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            first = await fetch_snapshot(t, now=SAMPLE_NOW)
            again = await read_groups(t, first["privilegedAccessGroupsRead"])
            return again.merged_into(first)

    twice = asyncio.run(go())
    assert len(twice["privilegedAccessGroupEligibilitySchedules"]) == 2
    assert len([p for p in twice["roleManagementPolicies"] if p["scopeType"] == "Group"]) == 2


def desired_managing(*written: str) -> DesiredState:
    base = compile_policies(load_policies(str(POLICIES)), SAMPLE_NOW)
    groups = tuple(
        CompiledGroup(w, f"groups/{i}.yaml", Location(f"groups/{i}.yaml"))
        for i, w in enumerate(written)
    )
    return replace(base, groups=groups)


def test_managed_groups_are_looked_up_and_read_once() -> None:
    """A managed group that holds no role is looked up by name, then read; one already read
    (as a role holder) is not read again."""
    fake = FakeGraph(tenant(groups=1))
    desired = desired_managing("idle", oid("group", "Tier0 0"))
    assert managed_group_refs([desired]) == sorted(["group:idle", oid("group", "Tier0 0")])

    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            data = await fetch_snapshot(t, now=SAMPLE_NOW)
            assert oid("group", "Idle") not in {o["id"] for o in data["directoryObjects"]}
            fake.by_path.clear()
            return await complete_managed_groups(t, data, [desired], SAMPLE_NOW)

    data = asyncio.run(go())
    idle = oid("group", "Idle")
    assert data["privilegedAccessGroupsRead"] == sorted([idle, oid("group", "Tier0 0")])
    assert fake.by_path["GET groups"] == 1  # the lookup by name
    # Idle only: its 4 collections in one batch, its members in another.
    assert fake.by_path[f"GET {GROUPS}eligibilitySchedules"] == 1
    assert fake.by_path["POST $batch"] == 3  # lookup, group PIM, members
    # Read, with no policy yet (Entra creates a group's policies on first use): no error.
    state = normalize_tenant(data, SAMPLE_NOW)
    assert idle in state.pim_groups_read and state.policy_of(group_target(idle, "member")) is None
    assert not any(k.startswith(f"group:{idle}") for k in state.policy_errors)


def test_no_managed_group_no_request() -> None:
    fake = FakeGraph(tenant(groups=1))

    async def go() -> None:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            data = await fetch_snapshot(t, now=SAMPLE_NOW)
            before = fake.requests
            assert await complete_managed_groups(t, data, [desired_managing()], SAMPLE_NOW) is data
            assert fake.requests == before

    asyncio.run(go())


def test_reading_pim_groups_meets_the_stated_lower_bound_within_2x() -> None:
    """``bench/groups.py``'s bound: the directory read's, plus ``ceil(4 N / 20)`` batches for N
    groups and ``ceil(G / 20)`` for the members of G groups."""
    from bench.groups import directory_part, group_lower_bound, group_tenant
    from bench.run import lower_bound

    source = group_tenant(45, 5)
    fake = FakeGraph(source)
    data = read(fake)
    assert len(data["privilegedAccessGroupsRead"]) == 45
    bound = lower_bound(directory_part(source), len(data["directoryObjects"]))
    bound += group_lower_bound(45, len(data["groupMembers"]))
    assert fake.by_path["POST $batch"] == math.ceil(180 / 20) + math.ceil(45 / 20)
    assert fake.requests - 1 <= 2 * bound  # - the emulator-token probe


def test_a_group_policy_approver_is_a_principal_of_the_snapshot() -> None:
    source = tenant(groups=1)
    boss = user("boss@c.com", "Boss")
    source["directoryObjects"].append(boss)
    gid = oid("group", "Tier0 0")
    policy = next(p for p in source["roleManagementPolicies"] if p["scopeId"] == gid)
    rule = next(r for r in policy["rules"] if r["id"] == "Approval_EndUser_Assignment")
    rule["setting"]["isApprovalRequired"] = True
    rule["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.singleUser", "userId": boss["id"]}
    ]
    data = read(FakeGraph(source))
    assert boss["id"] in {o["id"] for o in data["directoryObjects"]}


def test_read_from_the_emulator_normalizes_to_its_seed() -> None:
    """Against the emulator, once it serves PIM for Groups (issue 21, item 6)."""
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.emulator.server import running

    source = tenant()
    with running(Emulator(source, clock=lambda: SAMPLE_NOW)) as url:

        async def go() -> dict[str, Any]:
            async with open_graph(url) as t:
                return await fetch_snapshot(t, now=SAMPLE_NOW)

        data = asyncio.run(go())
    if data.get("privilegedAccessGroupReadErrors"):
        pytest.skip("this emulator does not serve PIM for Groups")
    expected, got = normalize_tenant(source, SAMPLE_NOW), normalize_tenant(data, SAMPLE_NOW)
    assert got.pim_groups_read == expected.pim_groups_read and len(got.pim_groups_read) == 3
    assert got.group_policies == expected.group_policies
    assert got.group_assignments == expected.group_assignments
    assert got.administrative_units == expected.administrative_units
    assert got.assignments == expected.assignments
