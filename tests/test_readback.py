"""Read-back agrees with the next plan when Graph spells things its own way.

For every rule type of a directory-role policy: start from a tenant that matches the example
policies, change that one rule's setting in a copy of the policy directory, apply it through
the CLI against the respelling emulator (``PT480M`` for ``PT8H``, rules reordered, recipients
re-cased, approvers reordered, ``claimValue`` ``""`` for ``null``), then plan again. Whenever the
next plan is empty, apply must have exited 0 with nothing failed and nothing "not in effect".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from tests.conftest import POLICIES, Live

NOW = "2026-11-24T09:00:00Z"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
CA_ADMINISTRATOR = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
READER_FILE = "global-reader.yaml"
READER_REQUIRE = (
    "  require: [mfa, justification]                # read-only: no change ticket needed\n"
)


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", NOW, "--graph-url", url, *args])


def json_output(result: Result) -> dict[str, Any]:
    return dict(json.loads(result.output[result.output.index("{") :]))


@pytest.fixture(scope="module")
def converged() -> dict[str, Any]:
    """The sample tenant after applying the example policies (no respelling)."""
    emulator = Emulator(read_snapshot(SAMPLE_TENANT), clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        result = run(url, "apply", str(POLICIES), "--auto-approve")
        assert result.exit_code == 0, result.output
        return emulator.store.snapshot(NOW)


@pytest.fixture
def tenant(respelling: Live, converged: dict[str, Any]) -> Iterator[Live]:
    """The respelling emulator holding a tenant that matches the example policies."""
    respelling.emulator.store.load(converged)
    yield respelling


def rules_of(live: Live, role_id: str) -> dict[str, Any]:
    policy = live.emulator.store.policy_for_role(role_id) or {}
    return {r["id"]: r for r in policy.get("rules", [])}


# Each case: the rule it changes, the role file, the text replaced and its replacement
# (an empty "old" appends the new text to the file).
READER_CASES: dict[str, tuple[str, str]] = {
    "Expiration_EndUser_Assignment": (READER_REQUIRE, READER_REQUIRE + "  max_duration: PT3H\n"),
    "Enablement_EndUser_Assignment": (READER_REQUIRE, "  require: [ticket, justification, mfa]\n"),
    "Approval_EndUser_Assignment": (
        READER_REQUIRE,
        READER_REQUIRE + "  approval:\n    required: true\n    approvers:\n"
        "      - group:PIM Tier0 Approvers\n      - user:alice.admin@contoso.com\n"
        "      - user:heidi.audit@contoso.com\n",
    ),
    "Expiration_Admin_Eligibility": ("", "eligible_assignment:\n  max_duration: P730D\n"),
    "Expiration_Admin_Assignment": ("", "active_assignment:\n  max_duration: P30D\n"),
    "Enablement_Admin_Eligibility": ("", "eligible_assignment:\n  require: [justification, mfa]\n"),
    "Enablement_Admin_Assignment": ("", "active_assignment:\n  require: [justification, mfa]\n"),
}
EVENTS = {"Admin_Eligibility": "eligible_assigned", "Admin_Assignment": "active_assigned"}
EVENTS["EndUser_Assignment"] = "activated"
for _who in ("Admin", "Requestor", "Approver"):
    for _level, _event in EVENTS.items():
        READER_CASES[f"Notification_{_who}_{_level}"] = (
            "",
            f"notifications:\n  {_event}:\n    {_who.lower()}:\n"
            "      default_recipients: false\n      critical_only: true\n"
            "      recipients: [Audit@Contoso.com, ciso@contoso.com, SecOps@contoso.com]\n",
        )

CASES: dict[str, tuple[str, str, str, str]] = {
    rule_id: (GLOBAL_READER, READER_FILE, old, new) for rule_id, (old, new) in READER_CASES.items()
}
CASES["AuthenticationContext_EndUser_Assignment"] = (
    CA_ADMINISTRATOR,
    "conditional-access-administrator.yaml",
    "  authentication_context: c1\n",
    "  authentication_context: null\n",
)


#: Rules whose read-back compares a duration string (written ``PT3H``, read ``PT180M``).
def edit(directory: Path, file: str, old: str, new: str) -> None:
    path = directory / "roles" / file
    text = path.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, (file, old)
        text = text.replace(old, new)
    else:
        text += new
    path.write_text(text, encoding="utf-8")


def case_params() -> list[Any]:
    return [pytest.param(rule_id) for rule_id in sorted(CASES)]


def test_cases_cover_every_rule_of_a_directory_role_policy(converged: dict[str, Any]) -> None:
    (policy, *_) = converged["roleManagementPolicies"]
    assert sorted(CASES) == sorted(r["id"] for r in policy["rules"])
    assert len(CASES) == 17


@pytest.mark.parametrize("rule_id", case_params())
def test_apply_reports_in_effect_whenever_the_next_plan_is_empty(
    tenant: Live, policy_copy: Path, rule_id: str
) -> None:
    role_id, file, old, new = CASES[rule_id]
    edit(policy_copy, file, old, new)
    before = rules_of(tenant, role_id)
    applied = run(tenant.url, "apply", str(policy_copy), "--auto-approve", "--format", "json")
    after = rules_of(tenant, role_id)
    # The edit reached Graph, and only the rule under test changed.
    assert sorted(k for k in after if after[k] != before[k]) == [rule_id], applied.output
    replan = run(tenant.url, "plan", str(policy_copy), "--detailed-exitcode")
    assert replan.exit_code == 0 and "No changes." in replan.output, replan.output
    summary = json_output(applied)
    assert summary["failed"] == 0, applied.output
    assert summary["remaining_changes"] == 0, applied.output
    assert applied.exit_code == 0, applied.output


def test_dry_run_prints_the_requests_and_writes_nothing(tenant: Live, policy_copy: Path) -> None:
    edit(policy_copy, READER_FILE, *READER_CASES["Expiration_EndUser_Assignment"])
    before = tenant.snapshot()
    attempts = tenant.stats()["write_attempts"]
    result = run(tenant.url, "apply", str(policy_copy), "--auto-approve", "--dry-run")
    assert tenant.stats()["write_attempts"] == attempts
    assert tenant.stats()["writes"] == 0
    assert tenant.snapshot()["roleManagementPolicies"] == before["roleManagementPolicies"]
    assert result.exit_code in (0, 2), result.output
    assert "PATCH" in result.output and "Expiration_EndUser_Assignment" in result.output
    assert "PT3H" in result.output  # the body it would send


def test_plan_reads_respelled_rules_as_the_same_changes(live: Live) -> None:
    plain = run(live.url, "plan", str(POLICIES))
    live.faults(respell=True)
    respelled = run(live.url, "plan", str(POLICIES))
    assert plain.exit_code == respelled.exit_code == 0, respelled.output
    assert "Plan: " in plain.output and "activation.max_duration" in plain.output
    assert respelled.output == plain.output
