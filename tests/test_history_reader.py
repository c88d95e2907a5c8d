"""The live reader's request history (issue 23): both request collections read whole and
windowed client-side (Graph documents no ``$filter`` on ``createdDateTime``), the approvals of
those with an ``approvalId`` from Graph beta only when ``graph_beta`` lists ``approvals``, a
refused part recorded as a gap, never a failed read.

Graph is ``bench.graph_fake.FakeGraph`` behind the real msgraph pipeline; its request
collections serve the snapshot's ``role…ScheduleRequests`` (the documented payload shapes of
``tests/test_history_wire.py``), and the beta approval route is added here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bench.graph_fake import FakeGraph
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.history_reader import DELEGATED_ONLY, NOT_BETA, created_since
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.history import APPROVALS
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import check_snapshot, dump_snapshot, snapshot_schema
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid, user
from pim_gitops.wire import format_instant
from tests.test_history_wire import activation, documented_approval

BETA_APPROVALS = "/beta/roleManagement/directory/roleAssignmentApprovals/"
ASSIGNMENT_REQUESTS = "roleManagement/directory/roleAssignmentScheduleRequests"
ELIGIBILITY_REQUESTS = "roleManagement/directory/roleEligibilityScheduleRequests"
SINCE = SAMPLE_NOW - timedelta(days=90)
ALICE = oid("user", "alice@contoso.com")
BOB = oid("user", "bob@contoso.com")


@dataclass
class HistoryGraph(FakeGraph):
    """``FakeGraph`` with ``GET /beta/roleManagement/directory/roleAssignmentApprovals/{id}``."""

    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)
    approval_status: int = 200

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        if not path.startswith(BETA_APPROVALS):
            return super().answer(method, path, query, body)
        self.by_path["GET approval"] = self.by_path.get("GET approval", 0) + 1
        found = self.approvals.get(path.removeprefix(BETA_APPROVALS))
        if self.approval_status != 200:
            return self.approval_status, {"error": {"code": "Forbidden", "message": "no"}}
        if found is None:
            return 404, {"error": {"code": "NotFound", "message": "not found"}}
        return 200, found


def _request(request_id: str, days_ago: float, **kw: Any) -> dict[str, Any]:
    raw = activation(request_id, format_instant(SAMPLE_NOW - timedelta(days=days_ago)), **kw)
    raw |= {"principalId": ALICE, "roleDefinitionId": GLOBAL_ADMINISTRATOR}
    raw["createdBy"]["user"]["id"] = ALICE
    return raw


def world() -> HistoryGraph:
    t = TenantBuilder(oid("tenant", "history"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    t.add(user("alice@contoso.com", "Alice"))
    t.add(user("bob@contoso.com", "Bob"))
    data = t.snapshot()
    data["roleAssignmentScheduleRequests"] = [
        _request("r-new", 1, approval_id="ap-1"),
        _request("r-mid", 30),
        _request("r-edge", 90),
        _request("r-old", 91, approval_id="ap-old"),
    ]
    data["roleEligibilityScheduleRequests"] = [_request("e-1", 10) | {"action": "adminAssign"}]
    approval = documented_approval() | {"id": "ap-1"}
    approval["steps"] = [
        approval["steps"][0]
        | {
            "reviewResult": "Approve",
            "reviewedBy": {"id": BOB, "displayName": "Bob"},
            "reviewedDateTime": format_instant(SAMPLE_NOW - timedelta(hours=23)),
        }
    ]
    return HistoryGraph(data, approvals={"ap-1": approval, "ap-old": approval})


def read(fake: FakeGraph, extras: ExtraReads) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with open_graph("http://127.0.0.1:9", http=httpx.MockTransport(fake)) as t:
            return await fetch_snapshot(t, now=SAMPLE_NOW, extras=extras)

    return asyncio.run(go())


def test_the_window_is_applied_client_side_and_both_collections_read() -> None:
    fake = world()
    data = read(fake, ExtraReads(history_since=SINCE))
    ids = [r["id"] for r in data["roleAssignmentScheduleRequestHistory"]]
    assert sorted(ids) == ["r-edge", "r-mid", "r-new"]  # r-old is 91 days old
    assert [r["id"] for r in data["roleEligibilityScheduleRequestHistory"]] == ["e-1"]
    assert data["requestHistorySince"] == format_instant(SINCE)
    # Without graph_beta approvals: no beta call, and the gap says why.
    assert "GET approval" not in fake.by_path
    assert data["requestHistoryGaps"] == {APPROVALS: NOT_BETA}
    assert "roleAssignmentApprovals" not in data
    # Each collection twice: the in-flight read and the history read (the same pages).
    assert fake.by_path[f"GET {ASSIGNMENT_REQUESTS}"] == 2
    # The snapshot holds it in its schema, and normalizes.
    check_snapshot(data, "read")
    history = normalize_tenant(data, SAMPLE_NOW).history
    assert history is not None and not history.approvals_read
    assert [r.id for r in history.requests] == ["r-new", "e-1", "r-mid", "r-edge"]


def test_approvals_are_read_from_beta_when_the_tenant_file_allows_it() -> None:
    fake = world()
    data = read(fake, ExtraReads(beta=frozenset({"approvals"}), history_since=SINCE))
    assert fake.by_path["GET approval"] == 1  # ap-1 only: ap-old's request is outside
    assert [a["id"] for a in data["roleAssignmentApprovals"]] == ["ap-1"]
    assert "requestHistoryGaps" not in data
    history = normalize_tenant(data, SAMPLE_NOW).history
    assert history is not None and history.approvals_read
    newest = history.requests[0]
    assert newest.id == "r-new" and newest.approval is not None
    assert [(s.result, s.reviewer_id) for s in newest.approval] == [("Approve", BOB)]
    # The approver is among the principals read (getByIds), for the report to name.
    assert BOB in {o["id"] for o in data["directoryObjects"]}


def test_a_missing_approval_is_not_found_not_a_gap() -> None:
    fake = world()
    del fake.approvals["ap-1"]
    data = read(fake, ExtraReads(beta=frozenset({"approvals"}), history_since=SINCE))
    assert data["roleAssignmentApprovals"] == [] and "requestHistoryGaps" not in data
    history = normalize_tenant(data, SAMPLE_NOW).history
    assert history is not None and history.requests[0].approval == ()


def test_refused_approvals_are_a_gap_naming_delegated_access() -> None:
    fake = world()
    fake.approval_status = 403
    data = read(fake, ExtraReads(beta=frozenset({"approvals"}), history_since=SINCE))
    assert data["requestHistoryGaps"] == {APPROVALS: "403 Forbidden" + DELEGATED_ONLY}
    assert data["roleAssignmentApprovals"] == []


def test_a_refused_request_list_is_a_gap_and_the_rest_is_read() -> None:
    fake = world()
    fake.overrides[ELIGIBILITY_REQUESTS] = (
        403,
        {"error": {"code": "Forbidden", "message": "Insufficient privileges."}},
    )
    data = read(fake, ExtraReads(history_since=SINCE))
    gaps = data["requestHistoryGaps"]
    assert gaps["roleEligibilityScheduleRequests"].startswith("403; needs RoleEligibility")
    assert data["roleEligibilityScheduleRequestHistory"] == []
    assert len(data["roleAssignmentScheduleRequestHistory"]) == 3


def test_no_window_reads_no_history() -> None:
    fake = world()
    data = read(fake, ExtraReads())
    assert not {k for k in data if "History" in k or k == "roleAssignmentApprovals"}
    assert fake.by_path[f"GET {ASSIGNMENT_REQUESTS}"] == 1  # the in-flight read only
    assert normalize_tenant(data, SAMPLE_NOW).history is None


def test_the_snapshot_schema_describes_the_history_keys() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import json

    data = read(world(), ExtraReads(beta=frozenset({"approvals"}), history_since=SINCE))
    jsonschema.validate(json.loads(dump_snapshot(data)), snapshot_schema())


def test_created_since_keeps_the_boundary_and_unparseable_rows() -> None:
    rows = [
        {"id": "a", "createdDateTime": format_instant(SINCE)},
        {"id": "b", "createdDateTime": format_instant(SINCE - timedelta(seconds=1))},
        {"id": "c", "createdDateTime": "garbled"},
    ]
    assert [r["id"] for r in created_since(rows, SINCE)] == ["a", "c"]
