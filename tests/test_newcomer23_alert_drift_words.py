"""Drift of an alert switched in the tenant reads as drift of any switch does
(docs/report.md, "Drift, worded from the tenant's side"): "turned off in the tenant", not
"enabled is false in the tenant; the repository says true"."""

from __future__ import annotations

from pim_gitops.render.drift import render_drift_text
from tests.test_alerts_plan import declared, ga, live, plan_of, want


def test_an_alert_turned_off_in_the_tenant() -> None:
    plan = plan_of(declared(want(accounts="3")), live(ga(accounts=5, enabled=False)))
    text = render_drift_text(plan, {})
    assert "enabled: turned off in the tenant; the repository says on" in text, text
    assert "accounts is 5 in the tenant; the repository says 3" in text, text
