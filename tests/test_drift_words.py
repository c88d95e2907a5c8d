"""Drift worded as what changed in the tenant: a plan's ``before`` is the tenant, ``after`` the
repository, so a tenant at 8 hours where the repository says 2 was *raised* there."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import Plan
from pim_gitops.render.drift import (
    assignment_change_words,
    duration_words,
    render_drift,
    setting_change_words,
    value_words,
)
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid, user
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, write


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


def drifted(root: Path, sizes: dict[str, int]) -> Plan:
    """A plan of custom roles (name → how many eligible holders) the repository declares
    authoritative with no assignment: every holder is drift."""
    tenant = TenantBuilder(oid("tenant", "drift"), SAMPLE_NOW)
    users = [tenant.add(user(f"u{i:04}@contoso.com", f"U {i}")) for i in range(max(sizes.values()))]
    write(root / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    for index, (name, count) in enumerate(sizes.items()):
        role_id = oid("custom-role", name)
        tenant.add_role(role_id, name, builtin=False)
        for holder in users[:count]:
            tenant.grant("eligible", role_id, holder)
        write(
            root / "roles" / f"r{index:03}.yaml", f"role: {name}\nassignments_mode: authoritative\n"
        )
    state = normalize_tenant(tenant.snapshot(), SAMPLE_NOW)
    return plan_against(load_desired(str(root), SAMPLE_NOW), state, SAMPLE_NOW)


def test_the_drift_issue_body_cuts_each_role_to_its_share_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    """GitHub refuses an issue body over 65,536 characters: a role with much drift is cut
    with a count; the small roles beside it keep every difference."""
    plan = drifted(tmp_path, {"Big Role": 3_000, "Small A": 2, "Small B": 3})
    whole = render_drift(plan, {}, limit=10**9)
    assert "not shown" not in whole and whole.count("\n- `eligible ") == 3_005
    for limit in (65_536, 20_000, 3_000):
        text = render_drift(plan, {}, limit=limit)
        assert len(text) <= limit, (limit, len(text))
        small = text.split("#### Small A", 1)[1]
        assert small.count("\n- `eligible ") == 5  # Small A and Small B whole
        big = text.split("#### Big Role", 1)[1].split("#### ", 1)[0]
        cut = re.search(
            r"- _(\d+) more differences not shown; `pim-gitops drift --format text`", big
        )
        assert cut is not None, big[-300:]
        assert big.count("\n- `eligible ") + int(cut.group(1)) == 3_000
        assert text.endswith(
            "Drift: 0 missing from the tenant, 0 changed there, 3005 only in the tenant.\n"
        )
    # A body that fits exactly is not cut.
    assert render_drift(plan, {}, limit=len(whole) + 400) == whole
    assert render_drift(plan, {}, limit=len(whole) + 399) != whole


def test_roles_with_no_room_even_for_a_heading_are_counted(tmp_path: Path) -> None:
    plan = drifted(tmp_path, {f"Role {r:03}": 2 for r in range(300)})
    text = render_drift(plan, {}, limit=20_000)
    assert len(text) <= 20_000
    shown = text.count("#### Role ")
    assert 0 < shown < 300, shown
    assert f"_{300 - shown} more roles with drift not shown; `pim-gitops drift" in text


def test_names_from_the_tenant_in_the_drift_issue_are_text(tmp_path: Path) -> None:
    plan = drifted(tmp_path, {"Tier1 <!-- x": 1})
    modified = {oid("custom-role", "Tier1 <!-- x"): ("2026-10-15T09:00:00Z", "admin </details>")}
    text = render_drift(plan, modified)
    assert "<!--" not in text and "</details>" not in text
    assert "#### Tier1 &lt;!-- x — policy last modified 2026-10-15T09:00:00Z by admin " in text
