"""Drift worded as what changed in the tenant: a plan's ``before`` is the tenant, ``after`` the
repository, so a tenant at 8 hours where the repository says 2 was *raised* there."""

from __future__ import annotations

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.render.drift import (
    assignment_change_words,
    duration_words,
    setting_change_words,
    value_words,
)
from tests.conftest import POLICIES


def test_durations_raised_or_lowered_no_limit_highest() -> None:
    path = "activation.max_duration"
    assert setting_change_words(path, "PT8H", "PT2H") == (
        "raised in the tenant from 2 hours to 8 hours"
    )
    assert setting_change_words(path, "PT1H", "PT2H") == (
        "lowered in the tenant from 2 hours to 1 hour"
    )
    limit = "eligible_assignment.max_duration"
    assert setting_change_words(limit, None, "P90D") == (
        "raised in the tenant from 90 days to no limit"
    )
    assert setting_change_words(limit, "P90D", None) == (
        "lowered in the tenant from no limit to 90 days"
    )
    # One minute apart still reads in the unit that shows the difference.
    assert setting_change_words(path, "PT1H1M", "PT1H") == (
        "raised in the tenant from 1 hour to 61 minutes"
    )


def test_switches_lists_and_text() -> None:
    assert setting_change_words("activation.approval.required", False, True) == (
        "turned off in the tenant"
    )
    assert setting_change_words("eligible_assignment.allow_permanent", True, False) == (
        "turned on in the tenant"
    )
    assert setting_change_words(
        "activation.require", ["mfa", "justification"], ["mfa", "justification", "ticket"]
    ) == ("in the tenant, ticket removed")
    assert setting_change_words(
        "notifications.activated.admin.recipients", ["a@x.com", "b@x.com"], ["c@x.com"]
    ) == ("in the tenant, a@x.com, b@x.com added and c@x.com removed")
    assert setting_change_words("activation.authentication_context", "c2", None) == (
        "set in the tenant to c2"
    )
    assert setting_change_words("activation.authentication_context", None, "c1") == (
        "cleared in the tenant (was c1)"
    )
    assert setting_change_words("activation.authentication_context", "c2", "c1") == (
        "changed in the tenant from c1 to c2"
    )
    assert setting_change_words("notifications.activated.admin.critical_only", True, False) == (
        "changed in the tenant from all to critical only"
    )


def test_values_in_words() -> None:
    assert duration_words(None) == "no limit"
    assert duration_words(86400) == "1 day"
    assert duration_words(3600 * 23) == "23 hours"
    assert value_words("activation.require", []) == "none"
    assert value_words("active_assignment.allow_permanent", True) == "on"
    assert value_words("activation.authentication_context", None) == "not set"


def test_assignments_from_the_tenant_side() -> None:
    assert assignment_change_words({"end": "permanent"}, None) == (
        "held in the tenant (permanent), not in the repository"
    )
    assert assignment_change_words(None, {"end": "2027-01-01T00:00:00Z"}) == (
        "in the repository (ends 2027-01-01T00:00:00Z), not held in the tenant"
    )
    assert assignment_change_words(
        {"end": "2027-01-01T00:00:00Z"}, {"start": "2026-12-01T00:00:00Z", "end": "2027-02-01"}
    ) == (
        "ends 2027-01-01T00:00:00Z in the tenant; the repository says starts "
        "2026-12-01T00:00:00Z, ends 2027-02-01"
    )


def test_drift_command_words_the_tenant_change() -> None:
    """The sample tenant's Global Administrator allows 2 hours where the repository says 1:
    ``drift`` says it was raised in the tenant, by whom and when, and what the repository
    says (it used to read ``PT2H → PT1H``, as if someone had lowered it)."""
    args = ["--now", "2026-11-24T09:00:00Z", "drift", str(POLICIES), "--snapshot"]
    result = CliRunner().invoke(cli, [*args, str(SAMPLE_TENANT)])
    assert result.exit_code == 2, result.output
    assert (
        "- `activation.max_duration`: raised in the tenant from 1 hour to 2 hours; last "
        "modified 2026-10-15T09:00:00Z by Portal admin; the repository says 1 hour"
    ) in result.output
    assert (
        "- `activation.approval.required`: turned off in the tenant; last modified "
        "2026-10-15T09:00:00Z by Portal admin; the repository says on"
    ) in result.output
    assert (
        "- `active user:carol.it@contoso.com`: held in the tenant (permanent), not in the "
        "repository" in result.output
    )
    assert "→" not in result.output


def test_drift_text_uses_the_same_words() -> None:
    args = ["--now", "2026-11-24T09:00:00Z", "drift", str(POLICIES), "--format", "text"]
    result = CliRunner().invoke(cli, [*args, "--snapshot", str(SAMPLE_TENANT)])
    assert result.exit_code == 2, result.output
    assert 'role "Global Administrator" (policy last modified 2026-10-15T09:00:00Z by Portal ' in (
        result.output
    )
    assert "  activation.max_duration: raised in the tenant from 1 hour to 2 hours; " in (
        result.output
    )
    assert "  eligible user:grace.identity@contoso.com: in the repository" in result.output
