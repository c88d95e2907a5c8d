"""What real Microsoft Graph does that a lenient emulator hid (issue 17), taught to the
emulator and proved against the client: strict ``$select`` per type, batched principal
look-ups for every command, deleted principals that linger in schedules, 404 on remove."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.graph.reader import lookup_references
from pim_gitops.graph.session import open_graph
from pim_gitops.targets import is_group
from pim_gitops.tenantgen import group, service_principal, user
from tests.conftest import Live

NOW = "2026-11-24T09:00:00Z"
NEW_USERS = ("nora.new@contoso.com", "omar.new@contoso.com", "pia.o'new@contoso.com")
NEW_GROUP = "Newcomers Tier1"
NEW_APP = "0f1e2d3c-4b5a-4968-8776-655443322110"


def add_unassigned(live: Live) -> list[dict[str, Any]]:
    """Five principals who hold nothing: three users, a group and a service principal."""
    objects = [
        *(user(upn, upn.split("@")[0]) for upn in NEW_USERS),
        group(NEW_GROUP),
        service_principal(NEW_APP, "Newcomer automation"),
    ]
    for obj in objects:
        live.emulator.store.objects[obj["id"]] = obj
    return objects


def name_them(policies: Path) -> None:
    """The helpdesk role (additive) gets the five as eligible assignees."""
    path = policies / "roles" / "helpdesk-administrator.yaml"
    refs = [*(f"user:{upn}" for upn in NEW_USERS), f"group:{NEW_GROUP}", f"sp:{NEW_APP}"]
    extra = "".join(
        f'    - principal: "{ref}"\n      duration: P365D\n'
        "      renew: true\n      justification: Newcomer\n"
        for ref in refs
    )
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def run(live: Live, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--now", NOW, "--graph-url", live.url, *args])


# --- item 1: strict $select per type -----------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "field", "kind"),
    [
        ("users", "appId", "user"),
        ("groups", "userPrincipalName", "group"),
        ("servicePrincipals", "isAssignableToRole", "servicePrincipal"),
    ],
)
def test_typed_collections_refuse_a_property_of_another_type(
    live: Live, collection: str, field: str, kind: str
) -> None:
    response = live.http.get(collection, params={"$select": f"id,displayName,{field}"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"] == (
        "Parsing OData Select and Expand failed: Could not find a property named "
        f"'{field}' on type 'microsoft.graph.{kind}'."
    )
    one = live.http.get(collection, params={"$top": "1"}).json()["value"][0]
    single = live.http.get(f"{collection}/{one['id']}", params={"$select": field})
    assert single.status_code == 400


def test_own_properties_are_selected(live: Live) -> None:
    rows = live.http.get(
        "users", params={"$select": "id,userPrincipalName,onPremisesSyncEnabled", "$top": "3"}
    ).json()["value"]
    assert rows and all(
        set(r) <= {"@odata.type", "id", "userPrincipalName", "onPremisesSyncEnabled"} for r in rows
    )


def test_in_filter_takes_at_most_fifteen_values(live: Live) -> None:
    add_unassigned(live)
    names = ", ".join("'" + u.replace("'", "''") + "'" for u in NEW_USERS)
    found = live.http.get("users", params={"$filter": f"userPrincipalName in ({names})"}).json()[
        "value"
    ]
    assert sorted(u["userPrincipalName"] for u in found) == sorted(NEW_USERS)
    sixteen = ", ".join(f"'u{n}@contoso.com'" for n in range(16))
    refused = live.http.get("users", params={"$filter": f"userPrincipalName in ({sixteen})"})
    assert refused.status_code == 400
    fifteen = ", ".join(f"'u{n}@contoso.com'" for n in range(15))
    allowed = live.http.get("users", params={"$filter": f"userPrincipalName in ({fifteen})"})
    assert allowed.status_code == 200
    # `in` is for directory objects; the schedule collections keep to `eq`.
    schedules = live.http.get(
        "roleManagement/directory/roleEligibilitySchedules",
        params={"$filter": "principalId in ('x')"},
    )
    assert schedules.status_code == 400


def lookup(live: Live, refs: list[str]) -> tuple[list[dict[str, Any]], int]:
    async def go() -> tuple[list[dict[str, Any]], int]:
        async with open_graph(live.url) as transport:
            found = await lookup_references(transport, refs)
            return found, transport.requests

    return asyncio.run(go())


def test_lookup_of_principals_who_hold_nothing_selects_per_type(live: Live) -> None:
    objects = add_unassigned(live)
    refs = [*(f"user:{u}" for u in NEW_USERS), f"group:{NEW_GROUP}", f"sp:{NEW_APP}"]
    found, requests = lookup(live, [*refs, "user:nobody@contoso.com"])
    assert sorted(o["id"] for o in found) == sorted(o["id"] for o in objects)
    assert {o["@odata.type"] for o in found} == {
        "#microsoft.graph.user",
        "#microsoft.graph.group",
        "#microsoft.graph.servicePrincipal",
    }
    assert requests == 1  # three typed queries in one $batch


@pytest.mark.parametrize("n", [1, 15, 16, 300, 301, 1000])
def test_lookup_cost_stays_near_n_over_20(live: Live, n: int) -> None:
    upns = [f"bulk{i:04d}@contoso.com" for i in range(n)]
    for upn in upns:
        obj = user(upn, upn)
        live.emulator.store.objects[obj["id"]] = obj
    found, requests = lookup(live, [f"user:{u}" for u in upns])
    assert len(found) == n
    assert requests == math.ceil(math.ceil(n / 15) / 20) <= math.ceil(n / 20)
    assert live.stats()["inner_requests"] == math.ceil(n / 15)


# --- item 2: one resolver for every command ----------------------------------------------------


def test_every_live_command_resolves_principals_who_hold_nothing(
    live: Live, policy_copy: Path
) -> None:
    add_unassigned(live)
    name_them(policy_copy)
    lint = run(live, "lint", str(policy_copy), "--live", "--format", "json")
    assert "was not found in the tenant" not in lint.output
    report = run(live, "report", str(policy_copy), "--live")
    assert report.exit_code == 0, report.output
    assert "was not found in the tenant" not in report.output
    plan = run(live, "plan", str(policy_copy), "--format", "json")
    assert plan.exit_code == 0, plan.output
    assert plan.output.count('"action": "create"') >= 5


def test_plan_base_looks_up_the_base_principals_too(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    """The base names the five; the head does not: the base plan must resolve them."""
    import shutil

    add_unassigned(live)
    base = tmp_path / "base"
    shutil.copytree(policy_copy, base)
    name_them(base)
    plan = run(live, "plan", str(policy_copy), "--base", str(base), "--format", "json")
    assert plan.exit_code == 0, plan.output
    assert "was not found" not in plan.output


# --- item 7: deleted principals linger in schedules ---------------------------------------------

NOAH = "14e5e033-d228-5a8c-b181-a575d3e57fe9"  # eligible for Application Administrator
APP_ADMIN = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3"


def plan_json(live: Live, policies: str = "policies") -> dict[str, Any]:
    import json

    result = run(live, "plan", policies, "--format", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output[result.output.index("{") :]))


def test_emulator_deleted_principal_keeps_its_schedules(live: Live) -> None:
    assert live.http.delete(f"users/{NOAH}").status_code == 204
    assert live.http.get(f"users/{NOAH}").status_code == 404
    found = live.http.post("directoryObjects/getByIds", json={"ids": [NOAH]}).json()["value"]
    assert found == []
    schedules = live.http.get(
        "roleManagement/directory/roleEligibilitySchedules",
        params={"$filter": f"principalId eq '{NOAH}'"},
    ).json()["value"]
    assert [s["roleDefinitionId"] for s in schedules] == [APP_ADMIN]
    refused = live.http.post(
        "roleManagement/directory/roleEligibilityScheduleRequests",
        json={
            "action": "adminRemove",
            "principalId": NOAH,
            "roleDefinitionId": APP_ADMIN,
            "directoryScopeId": "/",
            "justification": "test",
        },
    )
    assert refused.status_code == 400
    assert live.http.delete(f"users/{NOAH}").status_code == 404


def test_deleted_principal_is_shown_and_never_removed(live: Live) -> None:
    before = plan_json(live)
    removals = [c for c in before["changes"] if c["action"] == "delete"]
    assert NOAH in {c.get("principal", {}).get("id") for c in removals}
    live.http.delete(f"users/{NOAH}")
    after = plan_json(live)
    assert NOAH not in {c.get("principal", {}).get("id") for c in after["changes"]}
    assert after["summary"]["remove"] == before["summary"]["remove"] - 1
    notes = [w for w in after["warnings"] if f"deleted principal {NOAH}" in w]
    assert notes == [
        f"Application Administrator: eligible assignment of deleted principal {NOAH}: the "
        "directory no longer returns it, PIM keeps its schedule for up to 7 days; nothing planned"
    ]


def test_export_then_plan_is_empty_with_a_deleted_principal(live: Live, tmp_path: Path) -> None:
    live.http.delete(f"users/{NOAH}")
    out = tmp_path / "exported"
    exported = run(live, "export", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert NOAH not in "".join(p.read_text() for p in out.rglob("*.yaml"))
    plan = plan_json(live, str(out))
    assert plan["summary"] == {"add": 0, "change": 0, "remove": 0}
    assert any(f"deleted principal {NOAH}" in w for w in plan["warnings"])


# --- item 11: a removal answered 404 means already gone ----------------------------------------


def test_remove_of_a_schedule_already_gone_is_adopted_whatever_the_code(live: Live) -> None:
    from pim_gitops.action import Action
    from pim_gitops.apply.settle import settle
    from pim_gitops.plan import ScheduleRequest
    from pim_gitops.tenantgen import SAMPLE_NOW
    from pim_gitops.workflow import load_desired, read_and_plan
    from tests.conftest import POLICIES

    async def go() -> list[tuple[bool, Action | None]]:
        async with open_graph(live.url) as transport:
            _, _, plan = await read_and_plan(
                transport, load_desired(str(POLICIES), SAMPLE_NOW), SAMPLE_NOW
            )
            op = next(
                o
                for o in plan.operations
                if isinstance(o, ScheduleRequest)
                and o.action is Action.DELETE
                and o.principal.id == NOAH
            )
            still_there = await settle(transport, op, "ResourceNotFound")
            gone = live.http.post(
                "roleManagement/directory/roleEligibilityScheduleRequests",
                json={
                    "action": "adminRemove",
                    "principalId": NOAH,
                    "roleDefinitionId": APP_ADMIN,
                    "directoryScopeId": "/",
                    "justification": "removed in the portal",
                },
            )
            assert gone.status_code == 201, gone.text
            return [still_there, await settle(transport, op, "ResourceNotFound")]

    still_there, gone = asyncio.run(go())
    assert still_there == (False, None)  # the schedule is still there: a real failure
    assert gone == (True, None)  # already gone: adopted, not failed


# --- item 8: one odd policy is a per-role error, not a failed read ---------------------------

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"  # managed (policies/roles/)


def _unmanaged_role(live: Live) -> str:
    names = set(plan_json(live)["unmanaged_roles"])
    return sorted(
        rid for rid, r in live.emulator.store.role_definitions.items() if r["displayName"] in names
    )[0]


def _approver_by_id(rules: list[dict[str, Any]]) -> None:
    rule = next(r for r in rules if r["id"] == "Approval_EndUser_Assignment")
    rule["setting"]["isApprovalRequired"] = True
    stage = rule["setting"]["approvalStages"][0]
    stage["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.groupMembers", "id": NOAH, "isBackup": False}
    ]


def _unknown_type(rules: list[dict[str, Any]]) -> None:
    rule = next(r for r in rules if r["id"] == "Expiration_Admin_Eligibility")
    rule["@odata.type"] = "#microsoft.graph.unifiedRoleManagementPolicyFutureRule"


def _missing_rule(rules: list[dict[str, Any]]) -> None:
    rules[:] = [r for r in rules if r["id"] != "Enablement_EndUser_Assignment"]


ODD = {"unknown-type": _unknown_type, "missing": _missing_rule}


def test_a_group_approver_given_by_id_is_read_as_that_group(live: Live) -> None:
    """The documented group-policy payloads carry ``{id, isBackup, description}`` approvers:
    read as the group, not an error (and exported and planned back to zero changes)."""
    from pim_gitops.normalize import normalize_leaves

    policy = live.emulator.store.policy_for_role(GLOBAL_ADMIN)
    assert policy is not None
    _approver_by_id(policy["rules"])
    leaves = normalize_leaves(policy["rules"], "policy")
    assert leaves["activation.approval.approvers"] == (f"group:{NOAH}",)


@pytest.mark.parametrize("odd", sorted(ODD))
@pytest.mark.parametrize("managed", [True, False])
def test_an_odd_policy_is_an_error_of_its_role_only(live: Live, odd: str, managed: bool) -> None:
    import json

    role_id = GLOBAL_ADMIN if managed else _unmanaged_role(live)
    policy = live.emulator.store.policy_for_role(role_id)
    assert policy is not None
    ODD[odd](policy["rules"])
    snapshot_out = run(live, "plan", "policies", "--format", "json")
    if managed:
        assert snapshot_out.exit_code == 1
        assert "Global Administrator: cannot read its PIM policy" in snapshot_out.output
        assert snapshot_out.output.count("cannot read its PIM policy") == 1
    else:
        assert snapshot_out.exit_code == 0, snapshot_out.output
        plan = json.loads(snapshot_out.output[snapshot_out.output.index("{") :])
        assert plan["summary"]["add"] > 0  # the other roles planned as usual
    state = read_state(live)
    # Group targets whose PIM for Groups the emulator refuses are errors of their own.
    assert {k for k in state.policy_errors if not is_group(k)} == {role_id}
    assert len(state.policies) == len(live.emulator.store.policies) - 1


def read_state(live: Live) -> Any:
    from pim_gitops.graph.reader import fetch_snapshot
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.tenantgen import SAMPLE_NOW

    async def go() -> Any:
        async with open_graph(live.url) as transport:
            return normalize_tenant(await fetch_snapshot(transport, now=SAMPLE_NOW), SAMPLE_NOW)

    return asyncio.run(go())


# --- item 4: grandfathered assignments ---------------------------------------------------------

GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"


def grandfather(live: Live) -> str:
    """A permanent eligible Global Reader assignment (for a new user), made while the policy
    allowed it; then the policy is tightened (permanence off, P180D), as in real tenants."""
    (nora, *_) = add_unassigned(live)
    made = live.http.post(
        "roleManagement/directory/roleEligibilityScheduleRequests",
        json={
            "action": "adminAssign",
            "principalId": nora["id"],
            "roleDefinitionId": GLOBAL_READER,
            "directoryScopeId": "/",
            "justification": "before the policy was tightened",
            "scheduleInfo": {"expiration": {"type": "noExpiration"}},
        },
    )
    assert made.status_code == 201, made.text
    policy = live.emulator.store.policy_for_role(GLOBAL_READER)
    assert policy is not None
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_Admin_Eligibility")
    rule.update(isExpirationRequired=True, maximumDuration="P180D")
    return str(nora["userPrincipalName"])


def test_export_then_plan_is_empty_with_a_grandfathered_assignment(
    live: Live, tmp_path: Path
) -> None:
    upn = grandfather(live)
    out = tmp_path / "exported"
    assert run(live, "export", "--out", str(out)).exit_code == 0
    validate = run(live, "validate", str(out))
    assert validate.exit_code == 0, validate.output
    assert "allowed only if the tenant already holds it as declared" in validate.output
    plan = plan_json(live, str(out))
    assert plan["summary"] == {"add": 0, "change": 0, "remove": 0}
    (note,) = [w for w in plan["warnings"] if "grandfathered" in w and upn in w]
    assert f"eligible assignment of user:{upn} is permanent" in note
    assert "Graph keeps it, but any update will be refused" in note


def test_creating_or_updating_an_over_policy_assignment_stays_an_error(
    live: Live, tmp_path: Path
) -> None:
    upn = grandfather(live)
    out = tmp_path / "exported"
    assert run(live, "export", "--out", str(out)).exit_code == 0
    role_file = next(p for p in (out / "roles").glob("*.yaml") if "Global Reader" in p.read_text())
    text = role_file.read_text(encoding="utf-8")
    other = NEW_USERS[1]
    assert other != upn
    role_file.write_text(text.replace(upn, other), encoding="utf-8")  # a new permanent one
    created = run(live, "plan", str(out))
    assert created.exit_code == 1
    assert f"eligible assignment of user:{other} is permanent" in created.output
    assert "Graph refuses to create it" in created.output


def test_long_names_split_into_more_lookups_within_the_url_limit(live: Live) -> None:
    from pim_gitops.graph.reader import in_chunks, lookup_items

    names = [f"Group {n:02d} " + "x" * 230 for n in range(15)]
    for name in names:
        obj = group(name)
        live.emulator.store.objects[obj["id"]] = obj
    items = lookup_items([f"group:{n}" for n in names])
    assert len(items) > 1 and all(len(i.url) < 2048 for i in items)
    assert sum(len(c) for c in in_chunks(names)) == 15
    assert in_chunks(["a"] * 16) == [["a"] * 15, ["a"]]
    found, requests = lookup(live, [f"group:{n}" for n in names])
    assert sorted(o["displayName"] for o in found) == names and requests == 1


# --- item 3: replication lag ---------------------------------------------------------------


class FakeTime:
    """Monotonic seconds that only the injected sleep advances: the emulator counts its
    replication lag on it, and apply waits on it, so a 3 s lag takes no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def lagging(live: Live) -> Any:
    """``live`` with writes visible after 3 s and new principals unknown to PIM for 3 s."""
    import time

    fake = FakeTime()
    live.emulator.lag_clock = fake
    live.faults(replication_lag_s=3, principal_lag_s=3)
    yield fake
    live.emulator.lag_clock = time.monotonic


def _eligible(principal: str, role: str = GLOBAL_READER) -> dict[str, Any]:
    return {
        "action": "adminAssign",
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "justification": "replication test",
        "scheduleInfo": {"expiration": {"type": "noExpiration"}},
    }


def _schedules_of(live: Live, principal: str) -> list[dict[str, Any]]:
    rows = live.http.get(
        "roleManagement/directory/roleEligibilitySchedules",
        params={"$filter": f"principalId eq '{principal}'"},
    ).json()["value"]
    return list(rows)


def test_emulator_new_principal_is_unknown_to_pim_for_a_while(live: Live, lagging: Any) -> None:
    nora = user(NEW_USERS[0], "Nora")
    live.emulator.add_principal(nora)
    assert live.http.get(f"users/{nora['id']}").status_code == 200  # the directory knows her
    requests = "roleManagement/directory/roleEligibilityScheduleRequests"
    early = live.http.post(requests, json=_eligible(nora["id"]))
    assert early.status_code == 404
    assert early.json()["error"]["code"] == "SubjectNotFound"
    lagging.now += 2.999
    assert live.http.post(requests, json=_eligible(nora["id"])).status_code == 404
    lagging.now += 0.001
    assert live.http.post(requests, json=_eligible(nora["id"])).status_code == 201


def test_emulator_writes_show_after_the_lag_and_the_primary_sees_them_at_once(
    live: Live, lagging: Any
) -> None:
    requests = "roleManagement/directory/roleEligibilityScheduleRequests"
    made = live.http.post(requests, json=_eligible(NOAH))
    assert made.status_code == 201, made.text
    assert [s["roleDefinitionId"] for s in _schedules_of(live, NOAH)] == [APP_ADMIN]
    again = live.http.post(requests, json=_eligible(NOAH))  # the write checks the primary
    assert again.json()["error"]["code"] == "RoleAssignmentExists"
    lagging.now += 2.5
    assert len(_schedules_of(live, NOAH)) == 1
    lagging.now += 0.5
    assert sorted(s["roleDefinitionId"] for s in _schedules_of(live, NOAH)) == sorted(
        [APP_ADMIN, GLOBAL_READER]
    )


def _apply_lagging(live: Live, policies: Path, fake: FakeTime) -> Any:
    from pim_gitops.apply import SilentListener, apply_plan
    from pim_gitops.apply.guards import Guards
    from pim_gitops.tenantgen import SAMPLE_NOW
    from pim_gitops.workflow import load_desired, read_and_plan

    async def go() -> Any:
        async with open_graph(live.url, sleep=fake.sleep) as transport:
            desired = load_desired(str(policies), SAMPLE_NOW)
            snapshot, state, plan = await read_and_plan(transport, desired, SAMPLE_NOW)
            assert plan.operations
            return await apply_plan(
                transport,
                plan,
                SAMPLE_NOW,
                Guards(),
                SilentListener(),
                current=(snapshot, state),
            )

    return asyncio.run(go())


def test_apply_under_replication_lag_converges_and_plans_nothing_after(
    live: Live, lagging: FakeTime, policy_copy: Path
) -> None:
    for obj in add_unassigned(live):
        live.emulator.add_principal(obj)  # made just now: PIM does not know them for 3 s
    name_them(policy_copy)
    result = _apply_lagging(live, policy_copy, lagging)
    failed = [
        (r.operation.label, r.code, r.message) for r in result.results if r.status != "succeeded"
    ]
    assert failed == [] and result.remaining == [] and result.ok
    assert 3 <= sum(lagging.slept) <= 120  # it waited, and within the settle budget
    assert any("waited" in note and "replicate" in note for note in result.notes)
    again = run(live, "plan", str(policy_copy))
    assert again.exit_code == 0, again.output
    assert "No changes." in again.output


def test_replication_beyond_the_settle_budget_is_a_clear_bounded_failure(
    live: Live, lagging: FakeTime, policy_copy: Path
) -> None:
    live.faults(principal_lag_s=100_000)
    for obj in add_unassigned(live):
        live.emulator.add_principal(obj)
    name_them(policy_copy)
    result = _apply_lagging(live, policy_copy, lagging)
    pending = [r for r in result.results if r.code == "ReplicationPending"]
    assert len(pending) == 5 and not result.ok
    assert "run apply again later" in pending[0].message
    assert sum(lagging.slept) <= 120


# --- item 6: at most one PATCH per policy per phase ------------------------------------------


def _three_rules_off(live: Live) -> str:
    """Global Administrator's policy read with three notification rules off the file (the
    file wants level All, and both secops and ciso on the activation alert): one phase."""
    policy = live.emulator.store.policy_for_role(GLOBAL_ADMIN)
    assert policy is not None
    for rule in policy["rules"]:
        if rule["id"] in (
            "Notification_Requestor_Admin_Assignment",
            "Notification_Approver_Admin_Assignment",
        ):
            rule["notificationLevel"] = "Critical"
    return str(policy["id"])


def _dry_run_requests(live: Live) -> list[tuple[str, str, Any]]:
    import json
    import re

    out = run(live, "apply", "policies", "--dry-run").output
    found = re.findall(r"^(PATCH|POST) /v1\.0(\S+)  # [^\n]*\n(.*?)\n\n", out, re.M | re.S)
    return [(method, url, json.loads(body)) for method, url, body in found]


def test_a_policy_gets_one_patch_with_its_changed_rules_whole(live: Live) -> None:
    policy_id = _three_rules_off(live)
    requests = _dry_run_requests(live)
    mine = [(m, u, b) for m, u, b in requests if policy_id.split("_", 1)[1] in u]
    whole = [(m, u, b) for m, u, b in mine if u == f"/policies/roleManagementPolicies/{policy_id}"]
    assert [m for m, _, _ in whole] == ["PATCH"]
    # Its one rule change of another phase (a tightened expiry) is a request of its own.
    assert [u.rsplit("/", 1)[1] for _, u, _ in mine if "/rules/" in u] == [
        "Expiration_Admin_Eligibility"
    ]
    mine = whole
    rules = mine[0][2]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(ids)) and len(ids) > 3  # each changed rule once, in one request
    assert {
        "Notification_Admin_EndUser_Assignment",
        "Notification_Approver_Admin_Assignment",
        "Notification_Requestor_Admin_Assignment",
    } <= set(ids)
    assert all({"@odata.type", "id", "target"} <= set(r) for r in rules)  # each rule whole
    whole_urls = [u for m, u, _ in requests if m == "PATCH" and "/rules/" not in u]
    applied = run(live, "apply", "policies", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    by_route = live.stats()["by_route"]
    assert by_route["PATCH policies/roleManagementPolicies/{id}"] == len(whole_urls)
    assert "No changes." in run(live, "plan", "policies").output


# --- item 9: an activation in progress ----------------------------------------------------------


def test_an_activation_in_progress_waits_instead_of_looping(live: Live) -> None:
    """Graph answers the create of a standing active assignment ``RoleAssignmentExists``
    while the principal's activation of the role runs, with no Assigned schedule to adopt."""
    plan = plan_json(live)
    create = next(
        c for c in plan["changes"] if c["action"] == "create" and '.active["' in c["address"]
    )
    principal = create["principal"]["id"]
    role = next(
        rid
        for rid, r in live.emulator.store.role_definitions.items()
        if f'role["{r["displayName"]}"]' in create["address"]
    )
    live.emulator.store.assignment["activation-1"] = {
        "id": "activation-1",
        "principalId": principal,
        "roleDefinitionId": role,
        "directoryScopeId": "/",
        "memberType": "Direct",
        "assignmentType": "Activated",
        "status": "Provisioned",
        "scheduleInfo": {
            "startDateTime": "2026-11-24T08:30:00Z",
            "expiration": {"type": "afterDateTime", "endDateTime": "2026-11-24T10:30:00Z"},
        },
    }
    applied = run(live, "apply", "policies", "--auto-approve")
    assert applied.exit_code == 1
    assert "waits for the activation to end" in applied.output
    assert "Unsettled" not in applied.output
    assert "1 failed" in applied.output
