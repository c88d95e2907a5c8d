"""Applying PIM alert writes (``apply/alerts.py``) against a small stateful fake of Graph
beta's alert configurations under the real transport (tests/test_network.py's ``Fake``):
GET one configuration, PATCH it (204, as concepts/how-to-pim-alerts.md "Update an alert
configuration" answers). The issue's must-hold: "too many global administrators" set to 3
accounts and 30 %: apply changes the configuration, and the next plan is empty."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import httpx

from pim_gitops.apply.alerts import AlertResult, alert_items, apply_alerts
from pim_gitops.apply.result import ApplyResult
from pim_gitops.apply.settle import SettleWait
from pim_gitops.graph.transport import GraphTransport
from pim_gitops.plan.alert_model import AlertWrite
from tests.test_alerts_plan import declared, ga, live, plan_of, want
from tests.test_network import Fake, transport_for
from tests.test_retry import FakeClock

BASE = "/beta/identityGovernance/roleManagementAlerts/alertConfigurations"


class Store:
    """Configurations by id; ``lag`` GETs after a PATCH still answer the old values."""

    def __init__(self, *configs: dict[str, Any], lag: int = 0, refuse: int | None = None):
        self.items = {c["id"]: copy.deepcopy(c) for c in configs}
        self.old: dict[str, Any] = {}
        self.lag = lag
        self.refuse = refuse
        self.writes: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, n: int, request: httpx.Request) -> httpx.Response:
        one = request.url.path.removeprefix(BASE + "/")
        if one not in self.items:
            return httpx.Response(404, json={"error": {"code": "NotFound", "message": one}})
        if request.method == "GET":
            if self.lag and one in self.old:
                self.lag -= 1
                return httpx.Response(200, json=self.old[one])
            return httpx.Response(200, json=self.items[one])
        assert request.method == "PATCH"
        body = json.loads(request.content)
        self.writes.append((request.url.path, body))
        if self.refuse:
            return httpx.Response(
                self.refuse, json={"error": {"code": "BadRequest", "message": "no"}}
            )
        self.old[one] = copy.deepcopy(self.items[one])
        self.items[one] |= {k: v for k, v in body.items() if not k.startswith("@odata.")}
        return httpx.Response(204)


def run(store: Store, writes: tuple[AlertWrite, ...]) -> tuple[list[AlertResult], float]:
    clock = FakeClock()
    transport: GraphTransport = transport_for(Fake(store), clock=clock)
    wait = SettleWait(transport.sleep)

    async def go() -> list[AlertResult]:
        try:
            return await apply_alerts(transport, writes, wait)
        finally:
            await transport.close()

    return asyncio.run(go()), wait.spent


MUST_HOLD = declared(want(accounts="3", percent="30"))


def test_the_must_hold_apply_changes_the_configuration_and_the_next_plan_is_empty() -> None:
    before = ga(accounts=2, percent=4)
    plan = plan_of(MUST_HOLD, live(before))
    store = Store(before)
    (result,), _ = run(store, plan.alert_writes)
    assert result.status == "succeeded", result.message
    ((path, body),) = store.writes
    assert path == f"{BASE}/{before['id']}"
    assert body["@odata.type"].endswith("tooManyGlobalAdminsAssignedToTenantAlertConfiguration")
    after = store.items[before["id"]]
    assert (
        after["globalAdminCountThreshold"],
        after["percentageOfGlobalAdminsOutOfRolesThreshold"],
    ) == (3, 30)
    assert plan_of(MUST_HOLD, live(after)).empty


def test_a_second_apply_of_the_same_plan_sends_nothing() -> None:
    before = ga()
    plan = plan_of(MUST_HOLD, live(before))
    store = Store(before)
    run(store, plan.alert_writes)
    (again,), _ = run(store, plan.alert_writes)
    assert again.status == "succeeded" and "nothing sent" in again.message
    assert len(store.writes) == 1


def test_a_configuration_changed_since_the_plan_is_not_written() -> None:
    before = ga()
    plan = plan_of(MUST_HOLD, live(before))
    store = Store(ga(accounts=5))  # someone changed it in the portal meanwhile
    (result,), _ = run(store, plan.alert_writes)
    assert result.status == "skipped" and "changed since the plan" in result.message
    assert store.writes == []


def test_read_back_waits_for_replication() -> None:
    before = ga()
    plan = plan_of(MUST_HOLD, live(before))
    store = Store(before, lag=2)
    (result,), spent = run(store, plan.alert_writes)
    assert result.status == "succeeded" and spent > 0


def test_a_refused_patch_fails_the_run_with_graphs_code() -> None:
    before = ga()
    plan = plan_of(MUST_HOLD, live(before))
    (result,), _ = run(Store(before, refuse=400), plan.alert_writes)
    assert (result.status, result.code) == ("failed", "BadRequest")
    outcome = ApplyResult(alerts=[result])
    assert not outcome.ok and "PIM alerts: 0 succeeded, 1 failed" in outcome.summary_line()
    assert outcome.report().alerts[0].status == "failed"


def test_dry_run_lists_the_patch_on_beta() -> None:
    plan = plan_of(MUST_HOLD, live(ga()))
    (item,) = alert_items(plan.alert_writes, 3)
    assert (item.key, item.method, item.body) == ("3", "PATCH", plan.alert_writes[0].body)
    assert item.url == f"{BASE}/{ga()['id']}"
