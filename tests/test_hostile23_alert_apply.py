"""Hostile cases of applying PIM alert writes from a saved plan file (issue 23): a plan whose
schedule and policy writes show in the tenant but whose alert write does not is not "already
in effect"; the file chooses which of the repository's alert writes are made, never their
values (apply sends what the repository's own plan computes)."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from pim_gitops.apply.trust import in_effect_and_trusted, trusted_plan
from pim_gitops.apply.verify import already_in_effect
from pim_gitops.compile import DesiredState
from pim_gitops.compile.types import CompiledAlerts
from pim_gitops.errors import Location
from pim_gitops.plan import Plan, build_plan
from pim_gitops.state import TenantState
from tests import groups_world as w
from tests.test_alerts_plan import ga, live, want

SECONDS = 3 * 3600
HASH = "sha256:repository"
MUST_HOLD = want(accounts="3", percent="30")


def _with_alert(base: DesiredState) -> DesiredState:
    alerts = CompiledAlerts(
        MappingProxyType({MUST_HOLD.name: MUST_HOLD}),
        MappingProxyType({MUST_HOLD.name: Location("policies/pim.yaml", 3, 3)}),
    )
    return replace(base, alerts=alerts, graph_beta=frozenset({"alerts"}))


def _world() -> tuple[DesiredState, TenantState, TenantState]:
    """The repository (member activation 3 h, the must-hold alert), the tenant before, and
    the tenant after a run whose policy write landed and whose alert PATCH failed."""
    before = replace(w.tenant(), alerts=live(ga()).alerts)
    member = w.with_activation(before.group_policies[w.MEMBER].settings, SECONDS)
    desired = _with_alert(w.desired(w.group_file(w.section(member))))
    landed = dict(before.group_policies)
    landed[w.MEMBER] = replace(landed[w.MEMBER], settings=member)
    return desired, before, replace(before, group_policies=MappingProxyType(landed))


def _plan(desired: DesiredState, tenant: TenantState) -> Plan:
    """The plan, stamped with the repository's hash as ``workflow.plan_against`` does."""
    return build_plan(desired, tenant, w.NOW).model_copy(update={"desired_hash": HASH})


def test_a_plan_whose_alert_write_failed_is_not_already_in_effect() -> None:
    desired, before, after = _world()
    saved = _plan(desired, before)
    assert saved.operations and saved.alert_writes
    assert already_in_effect(saved, after)  # the policy write landed
    replan = _plan(desired, after)
    assert replan.alert_writes  # the repository still asks for the alert
    assert not in_effect_and_trusted(saved, HASH, replan, after)


def test_a_plan_with_every_write_in_effect_is_in_effect() -> None:
    desired, before, after = _world()
    saved = _plan(desired, before)
    ga_done = live(ga(accounts=3, percent=30)).alerts
    assert ga_done is not None
    done = replace(after, alerts=ga_done)
    assert in_effect_and_trusted(saved, HASH, _plan(desired, done), done)


def test_the_file_chooses_the_alert_writes_not_their_values() -> None:
    desired, before, _ = _world()
    replan = _plan(desired, before)
    (mine,) = replan.alert_writes
    forged = mine.model_copy(update={"body": {**mine.body, "isEnabled": False}})
    edited = replan.model_copy(update={"alert_writes": (forged,)})
    (sent,) = trusted_plan(edited, replan).alert_writes
    assert sent.body == mine.body  # the repository's values
    dropped = replan.model_copy(update={"alert_writes": ()})
    assert trusted_plan(dropped, replan).alert_writes == ()  # not chosen: not made
