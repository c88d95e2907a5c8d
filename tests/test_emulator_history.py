"""Request history in the emulator: seeded completed requests are listed with what an
auditor needs, ``$filter`` only where Graph documents it (``status``, not ``createdDateTime``),
and beta approvals with their steps by the requests' ``approvalId``."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pim_gitops.emulator.app import Emulator
from pim_gitops.snapshot import FORMAT
from tests.test_emulator_groups_conformance import missing

DATA = Path(__file__).parent / "data" / "history"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REQUESTS = "roleManagement/directory/roleAssignmentScheduleRequests"
APPROVALS = "roleManagement/directory/roleAssignmentApprovals"
APPROVAL_ID = "a3a7c1e2-5b4d-4f6e-8a9b-1c2d3e4f5a6b"
STAGE = {
    "id": APPROVAL_ID,
    "assignedToMe": False,
    "displayName": None,
    "justification": "CHG1234 is approved",
    "reviewResult": "Approve",
    "status": "Completed",
    "reviewedDateTime": "2026-03-01T10:05:00Z",
    "reviewedBy": {"id": "11111111-1111-4111-8111-111111111111", "displayName": "Ada"},
}


def documented() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (DATA / "list-role-assignment-schedule-requests.json").read_text(encoding="utf-8")
    )
    return data


def activation() -> dict[str, Any]:
    row = copy.deepcopy(documented()["response"]["body"]["value"][0])
    return row | {
        "id": "req-activation",
        "action": "selfActivate",
        "status": "Provisioned",
        "approvalId": APPROVAL_ID,
        "createdDateTime": "2026-03-01T10:00:00Z",
        "justification": "Rotate keys",
        "ticketInfo": {"ticketNumber": "CHG1234", "ticketSystem": "ServiceNow"},
    }


def seed() -> dict[str, Any]:
    old = documented()["response"]["body"]["value"][0]
    return {
        "format": FORMAT,
        "tenantId": "2f3b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "roleAssignmentScheduleRequestHistory": [old, activation()],
        "roleAssignmentApprovals": [{"id": APPROVAL_ID, "steps": [STAGE]}],
    }


#: A signed-in auditor: approvals are not served to application permissions.
AUDITOR = {"oid": "00000000-0000-4000-8000-00000000a0d1", "scp": "RoleManagement.Read.Directory"}


def call(
    emulator: Emulator,
    path: str,
    params: dict[str, str] | None = None,
    version: str = "v1.0",
    claims: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    base = f"http://graph.test/{version}"
    reply, _ = emulator.execute("GET", path, params or {}, None, base, claims, version=version)
    return reply.status, reply.body


def test_seeded_history_is_listed_with_what_an_auditor_needs() -> None:
    emulator = Emulator(seed(), clock=lambda: NOW)
    status, page = call(emulator, REQUESTS)
    assert status == 200
    rows = {r["id"]: r for r in page["value"]}
    assert set(rows) == {"95c690fb-3eb3-4942-a03f-4524aed6f31e", "req-activation"}
    shown = rows["req-activation"]
    assert shown["ticketInfo"]["ticketNumber"] == "CHG1234"
    assert (shown["approvalId"], shown["justification"]) == (APPROVAL_ID, "Rotate keys")
    assert missing(documented()["response"]["body"]["value"][0], shown) == []


def test_status_is_filterable_created_date_time_is_not() -> None:
    emulator = Emulator(seed(), clock=lambda: NOW)
    status, page = call(emulator, REQUESTS, {"$filter": "status eq 'Provisioned'"})
    assert status == 200
    assert len(page["value"]) == 2
    status, page = call(emulator, REQUESTS, {"$filter": "status eq 'PendingApproval'"})
    assert (status, page["value"]) == (200, [])
    status, body = call(emulator, REQUESTS, {"$filter": "createdDateTime ge 2026-02-01T00:00:00Z"})
    assert status == 400, body


def test_an_approval_is_served_under_beta_only() -> None:
    emulator = Emulator(seed(), clock=lambda: NOW)
    status, body = call(emulator, f"{APPROVALS}/{APPROVAL_ID}", version="beta", claims=AUDITOR)
    assert status == 200
    assert body["steps"][0]["reviewResult"] == "Approve"
    assert body["steps"][0]["reviewedBy"]["displayName"] == "Ada"
    path = f"{APPROVALS}/{APPROVAL_ID}/steps"
    status, page = call(emulator, path, version="beta", claims=AUDITOR)
    assert (status, [s["status"] for s in page["value"]]) == (200, ["Completed"])
    status, body = call(emulator, f"{APPROVALS}/{APPROVAL_ID}", claims=AUDITOR)
    assert status == 400
    assert "Resource not found for the segment" in body["error"]["message"]
    assert call(emulator, f"{APPROVALS}/nope", version="beta", claims=AUDITOR)[0] == 404


def test_an_approval_is_not_served_to_an_application() -> None:
    emulator = Emulator(seed(), clock=lambda: NOW)
    status, body = call(emulator, f"{APPROVALS}/{APPROVAL_ID}", version="beta")
    assert (status, body["error"]["code"]) == (403, "Authorization_RequestDenied")


def test_approvals_round_trip_through_the_snapshot() -> None:
    emulator = Emulator(seed(), clock=lambda: NOW)
    snapshot = emulator.store.snapshot("2026-03-02T09:00:00Z")
    assert snapshot["roleAssignmentApprovals"] == [{"id": APPROVAL_ID, "steps": [STAGE]}]
    assert "roleAssignmentApprovals" not in Emulator({"format": FORMAT}).store.snapshot("x")


def test_every_payload_names_its_source() -> None:
    for folder in ("history", "alerts", "custom-extensions"):
        files = sorted((DATA.parent / folder).glob("*.json"))
        assert files, folder
        for path in files:
            source = json.loads(path.read_text(encoding="utf-8"))["_source"]
            assert source.startswith("https://github.com/"), path


def canceled(request_id: str, created: str) -> dict[str, Any]:
    return activation() | {
        "id": request_id,
        "status": "Canceled",
        "createdDateTime": created,
        "completedDateTime": None,
        "approvalId": None,
    }


def test_a_cancelled_request_is_deleted_after_30_days() -> None:
    data = seed()
    data["roleAssignmentScheduleRequestHistory"] += [
        canceled("gone", "2026-01-31T09:00:00Z"),  # exactly 30 days before NOW
        canceled("kept", "2026-01-31T09:00:01Z"),
        activation() | {"id": "old-provisioned", "createdDateTime": "2025-01-01T00:00:00Z"},
    ]
    status, page = call(Emulator(data, clock=lambda: NOW), REQUESTS)
    assert status == 200
    ids = {r["id"] for r in page["value"]}
    assert "gone" not in ids
    assert {"kept", "old-provisioned", "req-activation"} <= ids


def test_the_30_days_count_from_the_cancel() -> None:
    from pim_gitops.demo import SAMPLE_TENANT
    from pim_gitops.snapshot import read_snapshot

    clock = [NOW]
    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: clock[0])
    eligible = sorted(emulator.store.eligibility.values(), key=lambda s: str(s["id"]))[0]
    body = {
        "action": "adminAssign",
        "principalId": eligible["principalId"],
        "roleDefinitionId": eligible["roleDefinitionId"],
        "directoryScopeId": "/",
        "justification": "later",
        "scheduleInfo": {
            "startDateTime": "2026-04-01T00:00:00Z",
            "expiration": {"type": "afterDuration", "duration": "PT8H"},
        },
    }
    base = "http://graph.test/v1.0"
    reply, _ = emulator.execute("POST", REQUESTS, {}, body, base)
    assert (reply.status, reply.body["status"]) == (201, "Granted"), reply.body
    request_id = reply.body["id"]
    clock[0] = NOW + timedelta(days=5)
    reply, _ = emulator.execute("POST", f"{REQUESTS}/{request_id}/cancel", {}, None, base)
    assert reply.status == 204

    def listed() -> set[str]:
        return {r["id"] for r in call(emulator, REQUESTS, {"$top": "999"})[1]["value"]}

    clock[0] = NOW + timedelta(days=34, hours=23)
    assert request_id in listed()
    clock[0] = NOW + timedelta(days=35)
    assert request_id not in listed()
