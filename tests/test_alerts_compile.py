"""``pim.yaml``'s ``alerts:`` (issue 23): the model, compiling into ``CompiledAlerts``, and
each error at its ``file:line:col``: Graph beta not allowed, an unknown alert, a parameter
the alert lacks, a percentage outside 0..100, a count outside 2..100 (Entra's range), a bad
duration."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pim_gitops.alerts import AlertSetting
from pim_gitops.compile import DesiredState, compile_policies
from pim_gitops.errors import PolicyErrors
from pim_gitops.loader import load_policies

from .conftest import write

NOW = datetime(2026, 2, 1, tzinfo=UTC)
HEAD = "tenant: t\ngraph_beta: [alerts]\nalerts:\n"
ISSUE = """\
tenant: contoso.onmicrosoft.com
graph_beta: [alerts]
alerts:
  too_many_global_admins: {enabled: true, accounts: 3, percent: 30}
  roles_assigned_outside_pim: {enabled: true}
  stale_sign_in: {enabled: true, duration: P30D}
  sequential_activation_renewals: {enabled: true, renewals: 2, within: PT60M}
"""


def _compile(tmp_path: Path, text: str) -> DesiredState:
    write(tmp_path / "pim.yaml", text)
    return compile_policies(load_policies(tmp_path), NOW)


def _errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(PolicyErrors) as caught:
        _compile(tmp_path, text)
    return [str(e) for e in caught.value.errors]


def test_the_issues_example_compiles_to_settings_by_name(tmp_path: Path) -> None:
    state = _compile(tmp_path, ISSUE)
    assert state.alerts is not None and state.graph_beta == frozenset({"alerts"})
    settings = state.alerts.settings
    assert settings["too_many_global_admins"] == AlertSetting(
        "too_many_global_admins", True, (("accounts", "3"), ("percent", "30"))
    )
    assert settings["roles_assigned_outside_pim"].values == ()
    assert settings["stale_sign_in"].value("duration") == "P30D"
    # PT60M is spelled as format_duration spells it, so it compares with Graph's PT1H.
    assert settings["sequential_activation_renewals"].value("within") == "PT1H"
    assert str(state.alerts.locations["stale_sign_in"]).endswith("pim.yaml:6:3")


def test_enabled_defaults_to_true_and_an_unwritten_parameter_is_not_managed(
    tmp_path: Path,
) -> None:
    text = "tenant: t\ngraph_beta: [alerts]\nalerts:\n  too_many_global_admins: {percent: 30}\n"
    setting = _compile(tmp_path, text).alerts.settings["too_many_global_admins"]  # type: ignore[union-attr]
    assert setting.enabled is True and setting.values == (("percent", "30"),)


def test_no_alerts_section_manages_none(tmp_path: Path) -> None:
    assert _compile(tmp_path, "tenant: t\n").alerts is None


def test_alerts_without_graph_beta_is_an_error_at_the_alerts_key(tmp_path: Path) -> None:
    text = "tenant: t\nalerts:\n  too_many_global_admins: {accounts: 3}\n"
    (error,) = _errors(tmp_path, text)
    assert "pim.yaml:2:1" in error and "graph_beta: [alerts]" in error


def test_an_unknown_alert_names_the_closest_one(tmp_path: Path) -> None:
    text = "tenant: t\ngraph_beta: [alerts]\nalerts:\n  too_many_global_admin: {}\n"
    (error,) = _errors(tmp_path, text)
    assert "pim.yaml:4:3" in error and "did you mean 'too_many_global_admins'" in error


def test_a_parameter_the_alert_does_not_have(tmp_path: Path) -> None:
    text = "tenant: t\ngraph_beta: [alerts]\nalerts:\n  stale_sign_in:\n    accounts: 3\n"
    (error,) = _errors(tmp_path, text)
    assert "pim.yaml:5:5" in error and "has no parameter 'accounts'" in error


@pytest.mark.parametrize(
    ("value", "ok"), [("0", True), ("100", True), ("101", False), ("-1", False)]
)
def test_a_percentage_is_0_to_100(tmp_path: Path, value: str, ok: bool) -> None:
    text = f"{HEAD}  too_many_global_admins:\n    percent: {value}\n"
    if ok:
        assert _compile(tmp_path, text).alerts is not None
    else:
        (error,) = _errors(tmp_path, text)
        assert "pim.yaml:5:14" in error and "0 to 100" in error


@pytest.mark.parametrize(("value", "ok"), [("2", True), ("1", False), ("0", False)])
def test_a_count_is_2_to_100(tmp_path: Path, value: str, ok: bool) -> None:
    text = f"{HEAD}  too_many_global_admins: {{accounts: {value}}}\n"
    if ok:
        assert _compile(tmp_path, text).alerts is not None
    else:
        (error,) = _errors(tmp_path, text)
        assert "2 to 100" in error and "pim.yaml:4:" in error


@pytest.mark.parametrize("value", ["thirty days", "PT0S"])
def test_a_duration_must_parse_and_be_longer_than_zero(tmp_path: Path, value: str) -> None:
    text = f"tenant: t\ngraph_beta: [alerts]\nalerts:\n  stale_sign_in: {{duration: {value}}}\n"
    (error,) = _errors(tmp_path, text)
    assert "stale_sign_in" in error and "duration" in error and "pim.yaml:4:" in error


def test_a_count_written_as_true_is_rejected_by_the_model(tmp_path: Path) -> None:
    text = "tenant: t\ngraph_beta: [alerts]\nalerts:\n  too_many_global_admins: {accounts: true}\n"
    assert any("accounts" in e for e in _errors(tmp_path, text))
