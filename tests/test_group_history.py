"""PIM-for-Groups request history (issue 23): the membership and ownership requests of the
groups whose PIM is read, read per group with the ``$filter`` Graph requires, windowed
client-side, a refusal a gap; normalized to the group's target; in the report under the
managed group's section; judged by the HIS rules against the group's policy."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from bench.graph_fake import FakeGraph
from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.graph.extras import ExtraReads
from pim_gitops.graph.reader import fetch_snapshot
from pim_gitops.graph.session import open_graph
from pim_gitops.history_wire import normalize_history
from pim_gitops.snapshot import check_snapshot, read_snapshot
from pim_gitops.targets import group_target
from pim_gitops.tenantgen import SAMPLE_NOW, oid
from pim_gitops.wire import format_instant
from tests.conftest import POLICIES

GROUP_REQUESTS = "identityGovernance/privilegedAccess/group/assignmentScheduleRequests"
ASSIGNMENTS = "privilegedAccessGroupAssignmentScheduleRequestHistory"
ELIGIBILITIES = "privilegedAccessGroupEligibilityScheduleRequestHistory"
OPERATORS = oid("group", "Tier0 Operators")
ALICE = oid("user", "alice.admin@contoso.com")


def sample() -> dict[str, Any]:
    return read_snapshot(SAMPLE_TENANT)


def read(url: str, since_days: int, **kw: Any) -> dict[str, Any]:
    extras = ExtraReads(history_since=SAMPLE_NOW - timedelta(days=since_days))

    async def go() -> dict[str, Any]:
        async with open_graph(url, **kw) as transport:
            return await fetch_snapshot(transport, now=SAMPLE_NOW, extras=extras)

    return asyncio.run(go())


def served(since_days: int, seed: dict[str, Any] | None = None) -> dict[str, Any]:
    emulator = Emulator(seed or sample(), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        return read(url, since_days)


def test_the_reader_lists_group_requests_over_http_windowed_client_side() -> None:
    data = served(90)
    check_snapshot(data, "emulator")
    rows = data[ASSIGNMENTS]
    assert {(r["groupId"], r["principalId"], r["accessId"]) for r in rows} == {
        (OPERATORS, ALICE, "member")
    }
    assert sorted(r["ticketInfo"]["ticketNumber"] for r in rows) == ["CHG1055", "CHG1061"]
    assert data[ELIGIBILITIES] == []
    # The window is applied here: 3 days keeps the activation of 2 days ago only.
    (recent,) = served(3)[ASSIGNMENTS]
    assert recent["ticketInfo"]["ticketNumber"] == "CHG1061"


def test_who_made_a_group_request_is_read_so_the_report_can_name_them() -> None:
    seed = sample()
    read_ids = {o["id"] for o in served(90)["directoryObjects"]}
    unnamed = next(
        o["id"]
        for o in seed["directoryObjects"]
        if o.get("userPrincipalName") and o["id"] not in read_ids
    )
    made = copy.deepcopy(seed[ASSIGNMENTS][0]) | {
        "id": "r-by-someone",
        "action": "adminAssign",
        "createdBy": {"user": {"id": unnamed}, "application": None},
    }
    seed[ASSIGNMENTS].append(made)
    assert unnamed in {o["id"] for o in served(90, seed)["directoryObjects"]}


def test_no_window_reads_no_group_history() -> None:
    emulator = Emulator(sample(), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:

        async def go() -> dict[str, Any]:
            async with open_graph(url) as transport:
                return await fetch_snapshot(transport, now=SAMPLE_NOW)

        data = asyncio.run(go())
    assert ASSIGNMENTS not in data and ELIGIBILITIES not in data


def test_a_refused_group_request_list_is_a_gap_not_a_failed_read() -> None:
    fake = FakeGraph(sample())
    refused = {"error": {"code": "Forbidden", "message": "Insufficient privileges."}}
    fake.overrides[GROUP_REQUESTS] = (403, refused)
    data = read("http://127.0.0.1:9", 90, http=httpx.MockTransport(fake))
    gap = data["requestHistoryGaps"]["group/assignmentScheduleRequests"]
    assert gap.startswith("403") and "PrivilegedAssignmentSchedule.Read.AzureADGroup" in gap
    assert data[ASSIGNMENTS] == []


def test_the_emulator_requires_a_group_or_principal_filter() -> None:
    emulator = Emulator(sample(), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        token = httpx.get(f"{url}/_emulator/token").json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        bare = httpx.get(f"{url}/v1.0/{GROUP_REQUESTS}", headers=auth)
        assert bare.status_code == 400, bare.text
        by_principal = httpx.get(
            f"{url}/v1.0/{GROUP_REQUESTS}",
            params={"$filter": f"principalId eq '{ALICE}'"},
            headers=auth,
        )
    assert by_principal.status_code == 200
    assert {r["groupId"] for r in by_principal.json()["value"]} == {OPERATORS}


def test_a_group_request_normalizes_to_its_group_target() -> None:
    data = sample()
    owner = copy.deepcopy(data[ASSIGNMENTS][0]) | {"id": "r-owner", "accessId": "owner"}
    data[ASSIGNMENTS].append(owner)
    history = normalize_history(data)
    assert history is not None
    targets = {r.id: r.role_id for r in history.requests if r.role_id.startswith("group:")}
    assert targets["r-owner"] == group_target(OPERATORS, "owner")
    assert set(targets.values()) == {
        group_target(OPERATORS, "owner"),
        group_target(OPERATORS, "member"),
    }


def _report(tmp_path: Path) -> str:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(sample()), encoding="utf-8")
    now = format_instant(SAMPLE_NOW)
    args = ["--now", now, "report", str(POLICIES), "--snapshot", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_report_shows_alices_tier0_operators_activation(tmp_path: Path) -> None:
    text = _report(tmp_path)
    start = text.index('## Activation and approval history: group["Tier0 Operators"].member')
    part = text[start : text.index("\n<a id=", start)]
    (line,) = [x for x in part.splitlines() if "Renew the tenant's break-glass credentials" in x]
    assert "user:alice.admin@contoso.com" in line and "CHG1061" in line
    assert "unknown (approvals not read)" in line
    assert "for roles the repository does not manage" not in text[:start]


def test_his_rules_judge_group_activations_against_the_group_policy(tmp_path: Path) -> None:
    data = sample()
    row = data[ASSIGNMENTS][0]
    row["ticketInfo"] = {"ticketNumber": "see teams", "ticketSystem": None}
    output = _posture(tmp_path, data)
    (flagged,) = [x for x in output.splitlines() if '"see teams"' in x]
    assert "HIS001" in flagged and 'group "Tier0 Operators" member' in flagged
    # The live membership policy does not require approval: nothing to judge.
    assert "PIM-for-Groups requests are not read" not in output
    (member,) = [
        a["policyId"]
        for a in data["roleManagementPolicyAssignments"]
        if a.get("scopeId") == OPERATORS and a.get("roleDefinitionId") == "member"
    ]
    (policy,) = [p for p in data["roleManagementPolicies"] if p["id"] == member]
    approval = next(r for r in policy["rules"] if r["id"] == "Approval_EndUser_Assignment")
    approval["setting"]["isApprovalRequired"] = True
    output = _posture(tmp_path, data)
    unknown = [x for x in output.splitlines() if "PIM-for-Groups requests are not read" in x]
    assert unknown and 'group "Tier0 Operators" member' in unknown[0]


def _posture(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    now = format_instant(SAMPLE_NOW)
    args = ["--now", now, "lint", str(POLICIES), "--snapshot", str(path), "--view", "posture"]
    return CliRunner().invoke(cli, args).output
