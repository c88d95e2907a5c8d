"""The PIM alert reader (issue 23) on Graph beta, against a small fake Graph under the real
transport (tests/test_network.py's ``Fake``): the configurations and the alerts with the
documented scope filter and ``$expand=alertDefinition``, pages followed on beta, one
incident list per active alert only, and a refused read recorded as "not read"."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from pim_gitops.graph.alert_reader import alert_principal_ids, read_alerts
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot_extras import ALERT_CONFIGURATIONS, ALERT_READ_ERROR, ALERTS
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid
from tests.test_alerts_wire import DOCUMENTED_GA_CONFIG, active_alert, config
from tests.test_network import Fake, transport_for

ROOT = "/beta/identityGovernance/roleManagementAlerts"
INCIDENT = {"id": "inc-1", "assigneeId": "U-1", "assigneeDisplayName": "Ada"}


def graph(status: int = 200) -> Any:
    """Answers the alert routes; the configurations come in two pages (a beta nextLink)."""

    def answer(n: int, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if status != 200:
            return httpx.Response(status, json={"error": {"code": "Forbidden", "message": "no"}})
        if path == f"{ROOT}/alertConfigurations" and "$skiptoken" not in str(request.url):
            link = (
                f"{request.url.scheme}://{request.url.host}:{request.url.port}{path}?$skiptoken=2"
            )
            return httpx.Response(
                200, json={"value": [DOCUMENTED_GA_CONFIG], "@odata.nextLink": link}
            )
        if path == f"{ROOT}/alertConfigurations":
            return httpx.Response(200, json={"value": [config("stale_sign_in", duration="P30D")]})
        if path == f"{ROOT}/alerts":
            quiet = active_alert("stale_sign_in", []) | {"isActive": False}
            loud = active_alert("too_many_global_admins", [])
            for row in (quiet, loud):
                row.pop("alertIncidents")
            return httpx.Response(200, json={"value": [quiet, loud]})
        if path.endswith("/alertIncidents"):
            return httpx.Response(200, json={"value": [INCIDENT]})
        return httpx.Response(404, json={"error": {"code": "NotFound", "message": path}})

    return answer


def run(status: int = 200) -> tuple[dict[str, Any], Fake]:
    fake = Fake(graph(status))
    transport: GraphTransport = transport_for(fake)

    async def go() -> dict[str, Any]:
        try:
            return await read_alerts(transport)
        finally:
            await transport.close()

    return asyncio.run(go()), fake


def test_reads_configurations_alerts_and_incidents_of_active_alerts_only() -> None:
    data, fake = run()
    assert [c["id"] for c in data[ALERT_CONFIGURATIONS]] == [
        DOCUMENTED_GA_CONFIG["id"],
        config("stale_sign_in")["id"],
    ]
    first = fake.seen[0]
    assert first.url.path == f"{ROOT}/alertConfigurations"
    assert first.url.params["$filter"] == "scopeId eq '/' and scopeType eq 'DirectoryRole'"
    assert first.url.params["$expand"] == "alertDefinition"
    incident_reads = [r for r in fake.seen if r.url.path.endswith("/alertIncidents")]
    assert len(incident_reads) == 1 and len(fake.seen) == 4  # 2 pages, alerts, 1 incident list
    by_id = {a["id"]: a for a in data[ALERTS]}
    assert by_id[DOCUMENTED_GA_CONFIG["id"]]["alertIncidents"] == [INCIDENT]
    assert "alertIncidents" not in by_id[config("stale_sign_in")["id"]]
    assert alert_principal_ids(data) == {"u-1"}


def test_the_read_normalizes_into_tenant_state() -> None:
    data, _ = run()
    snapshot = TenantBuilder(oid("tenant", "alerts"), SAMPLE_NOW).snapshot() | data
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert state.alerts is not None and state.alert_read_error is None
    assert sorted(state.alerts.configs) == ["stale_sign_in", "too_many_global_admins"]
    assert [a.name for a in state.alerts.open] == ["too_many_global_admins"]


def test_a_refused_read_is_not_read_with_the_permission_named() -> None:
    data, fake = run(403)
    assert list(data) == [ALERT_READ_ERROR] and len(fake.seen) == 1
    assert "RoleManagementAlert.Read.Directory" in data[ALERT_READ_ERROR]
    snapshot = TenantBuilder(oid("tenant", "alerts"), SAMPLE_NOW).snapshot() | data
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert state.alerts is None and "403" in (state.alert_read_error or "")


def test_read_extras_reads_alerts_only_when_graph_beta_lists_them() -> None:
    from datetime import UTC, datetime

    from pim_gitops.graph.extra_reader import read_extras
    from pim_gitops.graph.extras import ExtraReads

    async def go(extras: ExtraReads) -> tuple[dict[str, Any], int]:
        fake = Fake(graph())
        transport = transport_for(fake)
        try:
            return await read_extras(transport, extras, datetime(2026, 2, 1, tzinfo=UTC)), len(
                fake.seen
            )
        finally:
            await transport.close()

    assert asyncio.run(go(ExtraReads())) == ({}, 0)
    data, requests = asyncio.run(go(ExtraReads(beta=frozenset({"alerts"}))))
    assert ALERT_CONFIGURATIONS in data and requests == 4


def test_snapshot_with_a_policy_reads_the_alerts_only_when_graph_beta_allows(
    live: Any, tmp_path: Any
) -> None:
    """``snapshot --policy DIR`` passes the policy's extra reads: with ``graph_beta:
    [alerts]`` the snapshot holds the alerts (or why they could not be read, where the
    endpoint serves no beta), without it neither key."""
    import json
    import re
    import shutil

    from click.testing import CliRunner

    from pim_gitops.cli import cli
    from tests.conftest import POLICIES

    shutil.copytree(POLICIES, tmp_path / "p")
    tenant_file = tmp_path / "p" / "pim.yaml"
    # The sample's pim.yaml allows Graph beta and declares alerts: without both first.
    kept = re.sub(r"(?m)^graph_beta:.*\n|^alerts:\n(?:  .*\n)*", "", tenant_file.read_text())
    assert not re.search(r"(?m)^(graph_beta|alerts):", kept)
    tenant_file.write_text(kept, encoding="utf-8")
    keys = {ALERT_CONFIGURATIONS, ALERT_READ_ERROR}
    for beta in (False, True):
        if beta:
            with tenant_file.open("a", encoding="utf-8") as f:
                f.write("graph_beta: [alerts]\n")
        out = tmp_path / "s.json"
        args = ["--graph-url", live.url, "snapshot", "--out", str(out), "--policy"]
        result = CliRunner().invoke(cli, [*args, str(tmp_path / "p")])
        assert result.exit_code == 0, result.output
        assert bool(keys & set(json.loads(out.read_text()))) is beta
