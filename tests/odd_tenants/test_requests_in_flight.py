"""Schedule requests in flight, as a real tenant can show them. ``xfail(strict=True)``
marks a known gap, with its reason."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Live
from tests.odd_tenants.helpers import (
    BG2,
    GA,
    PAST,
    export,
    plan_json,
    request_row,
    save,
    strip_ga,
    take_snapshot,
    with_break_glass,
)


def _bg2_mentioned(planned: dict[str, object]) -> list[str]:
    notes = [*planned["refusals"], *planned["warnings"]]  # type: ignore[misc]
    return [str(n) for n in notes if "bg2" in str(n)]


def test_baseline_break_glass_without_ga_is_reported(live: Live, tmp_path: Path) -> None:
    """Control: bg2 holds no Global Administrator; the plan says so (break-glass floor)."""
    strip_ga(live, BG2)
    out = with_break_glass(export(live, tmp_path))
    snapshot = take_snapshot(live, tmp_path, out)
    planned = plan_json(live, str(out), "--snapshot", str(save(tmp_path, snapshot)))
    assert planned["summary"] == {"add": 0, "change": 0, "remove": 0}
    assert _bg2_mentioned(planned), planned["warnings"]


def test_granted_request_without_schedule_is_not_break_glass_access(
    live: Live, tmp_path: Path
) -> None:
    """Graph answers a future-start adminAssign ``Granted`` and provisions it at its start
    by a background job; until the schedule shows (or if the request stays Granted), no
    role assignment exists. The guards must not count it as standing access."""
    strip_ga(live, BG2)
    out = with_break_glass(export(live, tmp_path))
    snapshot = take_snapshot(live, tmp_path, out)
    snapshot["roleAssignmentScheduleRequests"] = [
        request_row(live, "granted-bg2", GA, BG2, "Granted", PAST)
    ]
    planned = plan_json(live, str(out), "--snapshot", str(save(tmp_path, snapshot)))
    # Today the guard reads "today: permanent" for bg2, who holds no role assignment at all.
    mentioned = _bg2_mentioned(planned)
    assert mentioned and not [n for n in mentioned if "today: permanent" in n], mentioned


def test_declared_ga_is_not_satisfied_by_an_unprovisioned_request(
    live: Live, tmp_path: Path
) -> None:
    strip_ga(live, BG2)
    out = with_break_glass(export(live, tmp_path))
    ga = next(p for p in (out / "roles").glob("*.yaml") if f"# {GA}" in p.read_text())
    text = ga.read_text(encoding="utf-8")
    entry = f"    - principal: user:{BG2}\n      permanent: true\n      justification: bg\n"
    ga.write_text(text.replace("  active:\n", "  active:\n" + entry, 1), encoding="utf-8")
    snapshot = take_snapshot(live, tmp_path, out)
    snapshot["roleAssignmentScheduleRequests"] = [
        request_row(live, "granted-bg2", GA, BG2, "Granted", PAST)
    ]
    planned = plan_json(live, str(out), "--snapshot", str(save(tmp_path, snapshot)))
    # Either a create or a note that the assignment is still in flight: not silence.
    assert planned["summary"]["add"] == 1 or any("granted-bg2" in w for w in planned["warnings"])


FUTURE = "2026-12-15T09:00:00Z"


def test_unreadable_requests_are_said_in_the_plan(live: Live, tmp_path: Path) -> None:
    from pim_gitops.emulator.identity import Caller
    from tests.odd_tenants.helpers import role_id, user_id
    from tests.test_future_start_permissions import NARROW

    out = export(live, tmp_path)
    granted = live.http.post(
        "roleManagement/directory/roleAssignmentScheduleRequests",
        json={
            "action": "adminAssign",
            "principalId": user_id(live, "judy.compliance@contoso.com"),
            "roleDefinitionId": role_id(live, GA),
            "directoryScopeId": "/",
            "justification": "outside the repository",
            "scheduleInfo": {"startDateTime": FUTURE, "expiration": {"type": "noExpiration"}},
        },
    )
    assert granted.json()["status"] == "Granted", granted.text
    live.sign_in(Caller(roles=NARROW))  # the narrow schedule permissions cannot list requests
    planned = plan_json(live, str(out))
    assert planned["summary"] == {"add": 0, "change": 0, "remove": 0}
    # The plan says that requests (future starts) were not readable.
    assert [w for w in planned["warnings"] if "request" in w.lower()], planned["warnings"]


def test_full_permissions_see_and_cancel_the_future_grant(live: Live, tmp_path: Path) -> None:
    """Control (holds): with RoleManagement.ReadWrite.Directory the same grant is planned
    for cancellation in authoritative mode and counted as a removal."""
    from pim_gitops.emulator.identity import APPLY_PERMISSIONS, Caller
    from tests.odd_tenants.helpers import role_id, user_id

    out = export(live, tmp_path)
    live.http.post(
        "roleManagement/directory/roleAssignmentScheduleRequests",
        json={
            "action": "adminAssign",
            "principalId": user_id(live, "judy.compliance@contoso.com"),
            "roleDefinitionId": role_id(live, GA),
            "directoryScopeId": "/",
            "justification": "outside the repository",
            "scheduleInfo": {"startDateTime": FUTURE, "expiration": {"type": "noExpiration"}},
        },
    )
    live.sign_in(Caller(roles=(*APPLY_PERMISSIONS, "RoleManagement.ReadWrite.Directory")))
    planned = plan_json(live, str(out))
    assert planned["summary"] == {"add": 0, "change": 0, "remove": 1}
    from tests.test_real_graph import run

    refused = run(live, "apply", str(out), "--auto-approve", "--max-removals", "0")
    assert refused.exit_code == 1 and "max-removals" in refused.output


LATER = "2027-03-15T09:00:00Z"


def test_advice_for_a_granted_assignment_works_in_additive_mode(live: Live, tmp_path: Path) -> None:
    from tests.test_outside_pim import _assign, drop_entry, role_file

    request = _assign(live, FUTURE).json()  # Helpdesk Administrator, eligible, judy
    out = export(live, tmp_path)
    path = role_file(out, "Helpdesk Administrator")
    text = path.read_text(encoding="utf-8")
    path.write_text(
        "assignments_mode: additive\n" + text if "assignments_mode" not in text else text,
        encoding="utf-8",
    )
    text = path.read_text(encoding="utf-8")
    assert "assignments_mode: additive" in text
    path.write_text(text.replace("2027-03-15", "2027-02-15"), encoding="utf-8")
    from tests.test_real_graph import run

    refused = run(live, "plan", str(out))
    assert refused.exit_code == 1 and "assignments_mode: authoritative" in refused.output
    drop_entry(path, "judy.compliance@contoso.com")  # the advice, step 1
    assert plan_json(live, str(out))["summary"]["remove"] == 0  # additive: no removal
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("assignments_mode: additive", "assignments_mode: authoritative"))
    planned = plan_json(live, str(out))
    cancels = [o for o in planned["operations"] if o.get("live", {}).get("request_id")]
    assert cancels and cancels[0]["live"]["request_id"] == request["id"], planned["summary"]
