"""PIM alert settings in the plan (issue 23): declared settings against the tenant's give
``alert["<name>"].<key>`` changes and one PATCH per alert; what the file does not declare is
not compared; alerts declared but not read are a plan error; the plan renders in text,
markdown, JSON and drift; export writes the live settings back and re-planning them is
empty."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from pim_gitops.alert_wire import normalize_config
from pim_gitops.alerts import AlertConfig, AlertSetting, AlertState
from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.compile.types import CompiledAlerts
from pim_gitops.errors import Location, PlanError
from pim_gitops.export_alerts import export_alerts
from pim_gitops.loader import load_policies
from pim_gitops.plan import Plan, build_plan, plan_document
from pim_gitops.render.drift import render_drift, render_drift_text
from pim_gitops.render.plan import render_markdown
from pim_gitops.render.plan_text import render_text
from pim_gitops.state import TenantState
from pim_gitops.yamlwrite import dump
from tests.groups_world import desired as bare_desired
from tests.test_alerts_wire import config

from .conftest import write

NOW = datetime(2026, 2, 1, tzinfo=UTC)
GA_ALERT = "too_many_global_admins"


def declared(*settings: AlertSetting) -> DesiredState:
    compiled = CompiledAlerts(
        MappingProxyType({s.name: s for s in settings}),
        MappingProxyType({s.name: Location("policies/pim.yaml", 3, 3) for s in settings}),
    )
    base = bare_desired()
    return DesiredState(
        **{**base.__dict__, "alerts": compiled, "graph_beta": frozenset({"alerts"})}
    )


def live(*raws: dict[str, Any], error: str | None = None) -> TenantState:
    configs: dict[str, AlertConfig] = {}
    for raw in raws:
        found = normalize_config(raw)
        assert found is not None
        configs[found.setting.name] = found
    alerts = None if error else AlertState(MappingProxyType(configs))
    return TenantState(
        tenant_id="t",
        roles={},
        policies={},
        assignments=(),
        principals={},
        alerts=alerts,
        alert_read_error=error,
    )


def ga(accounts: int = 2, percent: int = 4, enabled: bool = True) -> dict[str, Any]:
    return config(
        GA_ALERT,
        isEnabled=enabled,
        globalAdminCountThreshold=accounts,
        percentageOfGlobalAdminsOutOfRolesThreshold=percent,
    )


def want(**values: str) -> AlertSetting:
    return AlertSetting(GA_ALERT, True, tuple(sorted(values.items())))


def plan_of(desired: DesiredState, tenant: TenantState) -> Plan:
    return build_plan(desired, tenant, NOW)


def test_the_must_hold_plans_both_thresholds_as_one_patch() -> None:
    plan = plan_of(declared(want(accounts="3", percent="30")), live(ga()))
    assert [(c.address, c.before, c.after) for c in plan.alert_changes] == [
        ('alert["too_many_global_admins"].accounts', "2", "3"),
        ('alert["too_many_global_admins"].percent', "4", "30"),
    ]
    (write_,) = plan.alert_writes
    assert write_.body == {
        "@odata.type": "#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration",
        "isEnabled": True,
        "globalAdminCountThreshold": 3,
        "percentageOfGlobalAdminsOutOfRolesThreshold": 30,
    }
    assert write_.configuration_id == ga()["id"]
    assert not plan.empty and plan.summary.change == 2


def test_a_tenant_that_matches_plans_nothing() -> None:
    plan = plan_of(declared(want(accounts="3", percent="30")), live(ga(3, 30)))
    assert plan.empty and plan.alert_changes == ()


def test_an_undeclared_parameter_is_not_compared_and_enabled_is() -> None:
    plan = plan_of(declared(want(percent="4")), live(ga(accounts=9, enabled=False)))
    assert [c.path for c in plan.alert_changes] == ["enabled"]
    assert "globalAdminCountThreshold" not in plan.alert_writes[0].body


def test_an_alert_not_declared_is_unmanaged_and_never_written() -> None:
    plan = plan_of(
        declared(want(accounts="2")), live(ga(), config("stale_sign_in", isEnabled=False))
    )
    assert plan.empty and plan.unmanaged_alerts == ("stale_sign_in",)


def test_alerts_declared_but_not_read_cannot_be_planned() -> None:
    with pytest.raises(PlanError, match=r"were not read \(403"):
        plan_of(declared(want(accounts="3")), live(error="403 Forbidden"))


def test_a_declared_alert_the_tenant_lacks_is_an_error() -> None:
    with pytest.raises(PlanError, match="no configuration"):
        plan_of(declared(want(accounts="3")), live(config("stale_sign_in")))


def test_no_alerts_section_ignores_the_tenants_alerts() -> None:
    plan = plan_of(bare_desired(), live(ga()))
    assert plan.empty and plan.unmanaged_alerts == ()


def test_plan_renders_in_text_markdown_json_and_drift() -> None:
    plan = plan_of(declared(want(accounts="3", percent="30")), live(ga()))
    text = render_text(plan)
    assert 'alert "too_many_global_admins"' in text and "~ percent: 4 % → 30 %" in text
    assert "Graph beta" in text
    assert "~ accounts: 2 → 3" in render_markdown(plan)
    doc = plan_document(plan)
    assert doc["alert_writes"][0]["body"]["globalAdminCountThreshold"] == 3
    assert Plan.model_validate(doc) == plan  # the plan file round-trips
    assert "#### PIM alerts" in render_drift(plan, {})
    assert "accounts is 2 in the tenant; the repository says 3" in render_drift_text(plan, {})


def test_export_writes_the_live_settings_and_re_planning_them_is_empty(tmp_path: Path) -> None:
    tenant = live(ga(), config("stale_sign_in", duration="P30D"), config("invalid_license"))
    section = export_alerts(tenant)
    assert section["alerts"][GA_ALERT] == {"enabled": True, "accounts": 2, "percent": 4}
    write(tmp_path / "pim.yaml", "tenant: t\n" + dump(section))
    desired = compile_policies(load_policies(tmp_path), NOW)
    assert plan_of(desired, tenant).empty


def test_export_without_alerts_read_writes_no_section() -> None:
    assert export_alerts(live(error="403")) == {}


def test_a_full_export_round_trips_through_plan(tmp_path: Path) -> None:
    """``export_repo`` of a tenant whose alerts were read: pim.yaml gains ``graph_beta:
    [alerts]`` and ``alerts:``, and planning the export against the tenant is empty."""
    from pim_gitops.export import export_repo, write_export
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.snapshot_extras import ALERT_CONFIGURATIONS, ALERTS
    from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid
    from pim_gitops.workflow import load_desired, plan_against

    snapshot = TenantBuilder(oid("tenant", "alerts"), SAMPLE_NOW).snapshot()
    snapshot |= {ALERT_CONFIGURATIONS: [ga(), config("stale_sign_in", duration="P30D")], ALERTS: []}
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    files = export_repo(state, now=SAMPLE_NOW)
    assert "graph_beta:\n  - alerts\n" in files["pim.yaml"]
    write_export(files, tmp_path, force=True)
    desired = load_desired(str(tmp_path), SAMPLE_NOW)
    assert desired.state.alerts is not None and len(desired.state.alerts.settings) == 2
    assert plan_against(desired, state, SAMPLE_NOW).empty


def test_the_desired_hash_covers_the_alerts(tmp_path: Path) -> None:
    from pim_gitops.workflow import load_desired

    hashes = set()
    for accounts in (3, 4):
        text = f"tenant: t\ngraph_beta: [alerts]\nalerts:\n  {GA_ALERT}: {{accounts: {accounts}}}\n"
        write(tmp_path / "pim.yaml", text)
        hashes.add(load_desired(str(tmp_path), NOW).hash)
    assert len(hashes) == 2
