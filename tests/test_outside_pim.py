"""Assignments Graph holds without a PIM schedule (issue 17, items 5 and 10), over the emulator
with the real client: role assignments made outside PIM (with and without a schedule) and
schedules that have not started yet or whose request is still in flight."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import parse_instant
from tests.conftest import Live
from tests.test_real_graph import NOW, run

DIR = "roleManagement/directory"
FUTURE = "2026-12-15T09:00:00Z"
LATER = "2027-03-15T09:00:00Z"
HYBRID = "Hybrid Identity Administrator"
HELPDESK = "Helpdesk Administrator"


def role_id(live: Live, name: str) -> str:
    return next(
        rid for rid, r in live.emulator.store.role_definitions.items() if r["displayName"] == name
    )


def user_id(live: Live, upn: str) -> str:
    return next(
        oid for oid, o in live.emulator.store.objects.items() if o.get("userPrincipalName") == upn
    )


def direct(live: Live, role: str, upn: str, rid: str = "direct-1") -> dict[str, Any]:
    """A role assignment made outside PIM that no schedule API shows."""
    row = {
        "id": rid,
        "principalId": user_id(live, upn),
        "roleDefinitionId": role_id(live, role),
        "directoryScopeId": "/",
        "resourceScope": "/",
    }
    live.emulator.store.role_assignments[rid] = row
    return row


def plan(live: Live, policies: Path) -> dict[str, Any]:
    result = run(live, "plan", str(policies), "--format", "json")
    assert result.exit_code in (0, 2), result.output
    return dict(json.loads(result.output[result.output.index("{") :]))


def export(live: Live, tmp_path: Path) -> Path:
    out = tmp_path / "exported"
    result = run(live, "export", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def role_file(out: Path, name: str) -> Path:
    return next(p for p in (out / "roles").glob("*.yaml") if f"# {name}" in p.read_text())


def drop_entry(path: Path, upn: str) -> None:
    """Remove the assignment entry of ``upn`` (its ``- principal:`` line and what follows)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if f"principal: user:{upn}" in line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    header_only = lines[start - 1].strip() in ("eligible:", "active:") and (
        end == len(lines) or not lines[end].startswith("    - ")
    )
    start -= 1 if header_only else 0
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def add_entry(path: Path, kind: str, upn: str, *fields: str) -> None:
    text = path.read_text(encoding="utf-8")
    entry = f"    - principal: user:{upn}\n" + "".join(f"      {f}\n" for f in fields)
    if f"  {kind}:\n" in text:
        text = text.replace(f"  {kind}:\n", f"  {kind}:\n{entry}", 1)
    else:
        text += ("" if "assignments:\n" in text else "assignments:\n") + f"  {kind}:\n{entry}"
    path.write_text(text, encoding="utf-8")


EMPTY = {"add": 0, "change": 0, "remove": 0}


# --- the emulator -------------------------------------------------------------------------------


def test_emulator_deletes_a_role_assignment(live: Live) -> None:
    row = direct(live, HYBRID, "judy.compliance@contoso.com")
    listed = live.http.get(f"{DIR}/roleAssignments", params={"$filter": "id eq 'direct-1'"})
    assert [r["id"] for r in listed.json()["value"]] == ["direct-1"]
    assert live.http.delete(f"{DIR}/roleAssignments/direct-1").status_code == 204
    rows = live.http.get(
        f"{DIR}/roleAssignments", params={"$filter": f"principalId eq '{row['principalId']}'"}
    ).json()["value"]
    assert "direct-1" not in {r["id"] for r in rows}
    assert live.http.delete(f"{DIR}/roleAssignments/direct-1").status_code == 404


def _assign(live: Live, start: str, **extra: Any) -> Any:
    return live.http.post(
        f"{DIR}/roleEligibilityScheduleRequests",
        json={
            "action": "adminAssign",
            "principalId": user_id(live, "judy.compliance@contoso.com"),
            "roleDefinitionId": role_id(live, HELPDESK),
            "directoryScopeId": "/",
            "justification": "starts later",
            "scheduleInfo": {
                "startDateTime": start,
                "expiration": {"type": "afterDateTime", "endDateTime": LATER},
            },
            **extra,
        },
    )


def test_emulator_future_start_is_granted_without_a_schedule_and_cancelled(live: Live) -> None:
    principal = user_id(live, "judy.compliance@contoso.com")
    granted = _assign(live, FUTURE)
    assert granted.status_code == 201, granted.text
    request = granted.json()
    assert request["status"] == "Granted"
    assert request["scheduleInfo"]["startDateTime"] == FUTURE
    mine = {"$filter": f"principalId eq '{principal}'"}
    schedules = live.http.get(f"{DIR}/roleEligibilitySchedules", params=mine).json()["value"]
    assert role_id(live, HELPDESK) not in {s["roleDefinitionId"] for s in schedules}
    listed = live.http.get(f"{DIR}/roleEligibilityScheduleRequests", params=mine).json()["value"]
    assert [(r["id"], r["status"]) for r in listed] == [(request["id"], "Granted")]
    assert _assign(live, FUTURE).json()["error"]["code"] == "RoleAssignmentExists"
    removed = live.http.post(
        f"{DIR}/roleEligibilityScheduleRequests",
        json={
            "action": "adminRemove",
            "principalId": principal,
            "roleDefinitionId": role_id(live, HELPDESK),
            "directoryScopeId": "/",
        },
    )
    assert removed.status_code == 400  # no schedule to remove yet
    cancel = f"{DIR}/roleEligibilityScheduleRequests/{request['id']}/cancel"
    assert live.http.post(cancel).status_code == 204
    after = live.http.get(f"{DIR}/roleEligibilityScheduleRequests", params=mine).json()["value"]
    assert [r["status"] for r in after] == ["Revoked"]
    assert live.http.post(cancel).status_code == 400  # only a Granted request is cancelable


def test_emulator_provisions_a_granted_request_at_its_start(live: Live) -> None:
    request = _assign(live, FUTURE).json()
    live.emulator.clock = lambda: parse_instant(FUTURE)
    try:
        schedules = live.http.get(
            f"{DIR}/roleEligibilitySchedules", params={"$filter": f"id eq '{request['id']}'"}
        ).json()["value"]
    finally:
        live.emulator.clock = lambda: SAMPLE_NOW
    assert [s["createdUsing"] for s in schedules] == [request["id"]]


# --- item 5: role assignments made outside PIM -----------------------------------------------


def test_export_then_plan_is_empty_with_direct_role_assignments(live: Live, tmp_path: Path) -> None:
    """With a schedule (``createdUsing`` null: Carol, Mallory in the sample) and without one."""
    direct(live, HYBRID, "judy.compliance@contoso.com")
    out = export(live, tmp_path)
    text = role_file(out, HYBRID).read_text(encoding="utf-8")
    for upn in ("judy.compliance@contoso.com", "mallory.hybrid@contoso.com"):
        entry = text[text.index(f"user:{upn}") :].split("    - ")[0]
        assert "permanent: true" in entry and "outside_pim: true" in entry, text
    validate = run(live, "validate", str(out))
    assert validate.exit_code == 0, validate.output
    assert plan(live, out)["summary"] == EMPTY


def test_a_declared_active_assignment_is_satisfied_by_a_direct_one(
    live: Live, tmp_path: Path
) -> None:
    out = export(live, tmp_path)
    add_entry(role_file(out, HYBRID), "active", "judy.compliance@contoso.com", "permanent: true")
    assert plan(live, out)["summary"] == {"add": 1, "change": 0, "remove": 0}
    direct(live, HYBRID, "judy.compliance@contoso.com")
    assert plan(live, out)["summary"] == EMPTY


def test_removing_a_direct_assignment_deletes_it_and_is_counted(live: Live, tmp_path: Path) -> None:
    direct(live, HYBRID, "judy.compliance@contoso.com")
    out = export(live, tmp_path)
    drop_entry(role_file(out, HYBRID), "judy.compliance@contoso.com")
    planned = plan(live, out)
    assert planned["summary"] == {"add": 0, "change": 0, "remove": 1}
    (op,) = [o for o in planned["operations"] if o["op"] == "schedule"]
    assert op["live"]["id"] is None and op["live"]["role_assignment_id"] == "direct-1"
    refused = run(live, "apply", str(out), "--auto-approve", "--max-removals", "0")
    assert refused.exit_code == 1 and "direct-1" in live.emulator.store.role_assignments
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "direct-1" not in live.emulator.store.role_assignments
    assert live.stats()["by_route"].get(f"DELETE {DIR}/roleAssignments/{{id}}") == 1
    assert plan(live, out)["summary"] == EMPTY


def test_removing_a_direct_assignment_with_a_schedule_is_an_admin_remove(
    live: Live, tmp_path: Path
) -> None:
    out = export(live, tmp_path)
    drop_entry(role_file(out, HYBRID), "mallory.hybrid@contoso.com")
    (op,) = [o for o in plan(live, out)["operations"] if o["op"] == "schedule"]
    assert op["action"] == "delete" and op["live"]["id"] is not None
    assert op["live"]["role_assignment_id"] is None


def uncomment_break_glass(out: Path) -> None:
    """What a person does after confirming export's proposal: uncomment ``break_glass:``."""
    path = out / "pim.yaml"
    text = path.read_text(encoding="utf-8").replace("# break_glass:\n", "break_glass:\n")
    path.write_text(text.replace("\n#   - user:", "\n  - user:"), encoding="utf-8")


def test_a_direct_assignment_counts_as_access_for_the_guards(live: Live, tmp_path: Path) -> None:
    """Break glass whose Global Administrator is only a direct role assignment: removing it
    leaves them without access, which apply refuses."""
    gid = role_id(live, "Global Administrator")
    store = live.emulator.store
    for sid, s in list(store.assignment.items()):
        if s["roleDefinitionId"] == gid and s["principalId"] == user_id(
            live, "bg2@contoso.onmicrosoft.com"
        ):
            del store.assignment[sid]
    direct(live, "Global Administrator", "bg2@contoso.onmicrosoft.com", "direct-bg2")
    out = export(live, tmp_path)
    proposed = (out / "pim.yaml").read_text().split("\nbreak_glass:\n", 1)[1].splitlines()[:2]
    assert [p.split("  #")[0] for p in proposed] == [  # export proposes both, bg2 held directly
        "  - user:bg1@contoso.onmicrosoft.com",
        "  - user:bg2@contoso.onmicrosoft.com",
    ]
    uncomment_break_glass(out)  # a person confirms the proposal
    kept = plan(live, out)
    assert kept["summary"] == EMPTY
    assert not [r for r in kept["refusals"] if "bg2" in r["message"]], kept["refusals"]
    drop_entry(role_file(out, "Global Administrator"), "bg2@contoso.onmicrosoft.com")
    planned = plan(live, out)
    assert planned["summary"]["remove"] == 1
    assert [r for r in planned["refusals"] if "bg2" in r["message"]], planned["refusals"]


def test_converting_a_direct_assignment_to_eligible_is_planned(live: Live, tmp_path: Path) -> None:
    direct(live, HYBRID, "judy.compliance@contoso.com")
    out = export(live, tmp_path)
    path = role_file(out, HYBRID)
    drop_entry(path, "judy.compliance@contoso.com")
    add_entry(path, "eligible", "judy.compliance@contoso.com", "expires: 2027-06-01T00:00:00Z")
    planned = plan(live, out)
    assert planned["summary"] == {"add": 1, "change": 0, "remove": 1}
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert plan(live, out)["summary"] == EMPTY


def test_a_direct_assignment_given_an_end_is_a_clear_error(live: Live, tmp_path: Path) -> None:
    direct(live, HYBRID, "judy.compliance@contoso.com")
    out = export(live, tmp_path)
    path = role_file(out, HYBRID)
    drop_entry(path, "judy.compliance@contoso.com")
    add_entry(path, "active", "judy.compliance@contoso.com", "expires: 2027-01-01T00:00:00Z")
    result = run(live, "plan", str(out))
    assert result.exit_code == 1
    assert "made outside PIM and has no PIM schedule to update" in result.output
    assert "declare it eligible" in result.output


def test_outside_pim_with_nothing_in_the_tenant_is_an_error(live: Live, tmp_path: Path) -> None:
    out = export(live, tmp_path)
    add_entry(
        role_file(out, HYBRID),
        "active",
        "judy.compliance@contoso.com",
        "permanent: true",
        "outside_pim: true",
    )
    result = run(live, "plan", str(out))
    assert result.exit_code == 1
    assert "declared as made outside PIM (`outside_pim: true`)" in result.output


# --- item 10: future starts and requests in flight ---------------------------------------------


def test_a_future_start_is_created_once_and_then_planned_as_existing(
    live: Live, tmp_path: Path
) -> None:
    out = export(live, tmp_path)
    path = role_file(out, HELPDESK)
    add_entry(
        path,
        "eligible",
        "judy.compliance@contoso.com",
        f"start: {FUTURE}",
        f"expires: {LATER}",
        "justification: starts later",
    )
    assert plan(live, out)["summary"] == {"add": 1, "change": 0, "remove": 0}
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert plan(live, out)["summary"] == EMPTY  # no perpetual create
    assert run(live, "export", "--out", str(tmp_path / "again")).exit_code == 0
    again = role_file(tmp_path / "again", HELPDESK).read_text(encoding="utf-8")
    assert re.search(r"judy\.compliance@contoso\.com.*\n\s+start: 2026-12-15", again), again
    assert plan(live, tmp_path / "again")["summary"] == EMPTY


def test_removing_a_not_yet_started_assignment_cancels_its_request(
    live: Live, tmp_path: Path
) -> None:
    request = _assign(live, FUTURE).json()
    out = export(live, tmp_path)
    assert plan(live, out)["summary"] == EMPTY
    drop_entry(role_file(out, HELPDESK), "judy.compliance@contoso.com")
    planned = plan(live, out)
    (op,) = [o for o in planned["operations"] if o["op"] == "schedule"]
    assert op["live"]["request_id"] == request["id"] and op["live"]["id"] is None
    applied = run(live, "apply", str(out), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    route = f"POST {DIR}/roleEligibilityScheduleRequests/{{id}}/cancel"
    assert live.stats()["by_route"].get(route) == 1
    key = f"eligibility:{request['id']}"
    assert live.emulator.store.requests[key]["status"] == "Revoked"
    assert plan(live, out)["summary"] == EMPTY


def test_a_request_in_flight_is_neither_created_nor_removed(live: Live, tmp_path: Path) -> None:
    principal = user_id(live, "judy.compliance@contoso.com")
    live.emulator.store.requests["eligibility:in-flight-1"] = {
        "id": "in-flight-1",
        "action": "adminAssign",
        "status": "PendingProvisioning",
        "principalId": principal,
        "roleDefinitionId": role_id(live, HELPDESK),
        "directoryScopeId": "/",
        "scheduleInfo": {"startDateTime": NOW, "expiration": {"type": "noExpiration"}},
    }
    out = export(live, tmp_path)
    assert "judy.compliance" in role_file(out, HELPDESK).read_text(encoding="utf-8")
    assert plan(live, out)["summary"] == EMPTY
    drop_entry(role_file(out, HELPDESK), "judy.compliance@contoso.com")
    planned = plan(live, out)
    assert planned["summary"] == EMPTY
    (note,) = [w for w in planned["warnings"] if "in-flight-1" in w]
    assert "PendingProvisioning" in note and "nothing planned until it settles" in note


def _in_flight_active(live: Live) -> None:
    live.emulator.store.requests["assignment:in-flight-2"] = {
        "id": "in-flight-2",
        "action": "adminAssign",
        "status": "PendingProvisioning",
        "principalId": user_id(live, "judy.compliance@contoso.com"),
        "roleDefinitionId": role_id(live, HELPDESK),
        "directoryScopeId": "/",
        "scheduleInfo": {"startDateTime": NOW, "expiration": {"type": "noExpiration"}},
    }


def test_requests_are_listed_only_with_the_documented_permissions(
    live: Live, tmp_path: Path
) -> None:
    """App-only, Graph lists assignment requests only with RoleManagement.ReadWrite.Directory
    (eligibility requests also with RoleEligibilitySchedule.ReadWrite.Directory): without
    it the read goes on without them instead of failing."""
    from pim_gitops.emulator.identity import APPLY_PERMISSIONS, Caller

    _in_flight_active(live)
    read_only = ("Directory.Read.All", "RoleManagement.Read.Directory")
    narrow = (*read_only, "RoleAssignmentSchedule.ReadWrite.Directory")
    for roles in (read_only, narrow):
        live.sign_in(Caller(roles=(*roles, "RoleManagementPolicy.Read.Directory")))
        out = export(live, tmp_path / str(len(roles)))
        assert "judy.compliance" not in role_file(out, HELPDESK).read_text(encoding="utf-8")
        assert plan(live, out)["summary"] == EMPTY
    live.sign_in(Caller(roles=APPLY_PERMISSIONS))  # the documented ones list both
    out = export(live, tmp_path / "full")
    assert "judy.compliance" in role_file(out, HELPDESK).read_text(encoding="utf-8")
    assert plan(live, out)["summary"] == EMPTY


def test_export_then_plan_is_empty_on_a_tenant_with_every_odd_thing_at_once(
    live: Live, tmp_path: Path
) -> None:
    """Grandfathered permanent assignments, direct role assignments with and without a
    schedule, a deleted principal whose schedule lingers, an activation in progress, a
    future-start request and a ``groupMembers`` approver given by ``id``, all in one tenant:
    export, then plan, is 0 changes."""
    from tests.test_real_graph import GLOBAL_ADMIN, NOAH, grandfather

    grandfather(live)
    direct(live, HYBRID, "judy.compliance@contoso.com")  # Carol and Mallory: with a schedule
    assert _assign(live, FUTURE).json()["status"] == "Granted"
    policy = live.emulator.store.policy_for_role(GLOBAL_ADMIN)
    assert policy is not None
    rule = next(r for r in policy["rules"] if r["id"] == "Approval_EndUser_Assignment")
    rule["setting"]["isApprovalRequired"] = True
    group = next(
        oid
        for oid, o in sorted(live.emulator.store.objects.items())
        if o.get("@odata.type") == "#microsoft.graph.group" and o.get("isAssignableToRole")
    )
    rule["setting"]["approvalStages"][0]["primaryApprovers"] = [
        {"@odata.type": "#microsoft.graph.groupMembers", "id": group, "isBackup": False}
    ]
    live.emulator.store.assignment["activation-odd"] = {
        "id": "activation-odd",
        "principalId": user_id(live, "judy.compliance@contoso.com"),
        "roleDefinitionId": role_id(live, "Security Reader"),
        "directoryScopeId": "/",
        "memberType": "Direct",
        "assignmentType": "Activated",
        "status": "Provisioned",
        "scheduleInfo": {
            "startDateTime": "2026-11-24T08:30:00Z",
            "expiration": {"type": "afterDateTime", "endDateTime": "2026-11-24T10:30:00Z"},
        },
    }
    assert live.http.delete(f"users/{NOAH}").status_code == 204
    out = export(live, tmp_path)
    validate = run(live, "validate", str(out))
    assert validate.exit_code == 0, validate.output
    planned = plan(live, out)
    assert planned["summary"] == EMPTY, planned["changes"]
    warnings = "\n".join(planned["warnings"])
    assert f"deleted principal {NOAH}" in warnings and "grandfathered" in warnings
