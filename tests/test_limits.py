"""The limits Graph puts on a policy, encoded where the user sees them.

The activation maximum: 30 minutes to 24 hours (docs/real-tenant.md, "Limits"). Boundaries
at exactly PT30M and PT24H pass; one minute past either end is a located validate warning
(the tenant may already hold it) and a plan error when the plan would write it, and the
emulator refuses the same PATCH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pim_gitops.compile import compile_policies
from pim_gitops.errors import PlanError
from pim_gitops.loader import load_policies
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan.build import build_plan
from tests.conftest import NOW, POLICIES, ROOT, Live, write

TENANT = "tenant: contoso.onmicrosoft.com\n"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
SAMPLE = ROOT / "pim_gitops" / "demo" / "tenant.json"


def _compile(tmp_path: Path, duration: str) -> Any:
    write(tmp_path / "pim.yaml", TENANT)
    write(
        tmp_path / "roles" / "reader.yaml",
        f"role: Global Reader\nactivation:\n  max_duration: {duration}\n",
    )
    return compile_policies(load_policies(tmp_path), NOW)


@pytest.mark.parametrize(("duration", "seconds"), [("PT30M", 1800), ("PT24H", 86400)])
def test_activation_maximum_at_either_end_of_the_range_is_accepted(
    tmp_path: Path, duration: str, seconds: int
) -> None:
    desired = _compile(tmp_path, duration)
    assert desired.roles[0].settings.activation.max_duration == seconds


@pytest.mark.parametrize("duration", ["PT29M", "PT24H1M"])
def test_activation_maximum_one_minute_outside_the_range_is_a_located_warning_offline(
    tmp_path: Path, duration: str
) -> None:
    """Offline, validate cannot know whether the tenant already holds the value."""
    desired = _compile(tmp_path, duration)
    (warning,) = [w for w in desired.warnings if "activation.max_duration" in w.message]
    assert "outside what Graph accepts (PT30M to PT24H)" in warning.message
    where = warning.location
    assert where.path.endswith("reader.yaml") and (where.line, where.col) == (3, 17)


@pytest.mark.parametrize("duration", ["PT29M", "PT24H1M"])
def test_a_plan_that_writes_an_activation_maximum_outside_the_range_is_refused(
    tmp_path: Path, duration: str
) -> None:
    desired = _compile(tmp_path, duration)
    tenant = normalize_tenant(json.loads(SAMPLE.read_text(encoding="utf-8")), NOW)
    with pytest.raises(PlanError) as info:
        build_plan(desired, tenant, NOW)
    assert "reader.yaml:3:17" in str(info.value)
    assert "outside what Graph accepts (PT30M to PT24H)" in str(info.value)


@pytest.mark.parametrize("duration", ["PT30M", "PT24H"])
def test_a_plan_that_writes_an_activation_maximum_at_either_end_is_made(
    tmp_path: Path, duration: str
) -> None:
    desired = _compile(tmp_path, duration)
    tenant = normalize_tenant(json.loads(SAMPLE.read_text(encoding="utf-8")), NOW)
    plan = build_plan(desired, tenant, NOW)
    assert any(c.address.endswith("activation.max_duration") for c in plan.changes)


def _patch_activation(live: Live, duration: str) -> Any:
    policy = live.emulator.store.policy_for_role(GLOBAL_READER)
    assert policy is not None
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    body = {
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": rule["id"],
        "isExpirationRequired": True,
        "maximumDuration": duration,
        "target": rule["target"],
    }
    return live.http.patch(
        f"policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}", json=body
    )


@pytest.mark.parametrize("duration", ["PT30M", "PT24H", "P1D"])
def test_emulator_accepts_the_ends_of_the_activation_range(live: Live, duration: str) -> None:
    response = _patch_activation(live, duration)
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize("duration", ["PT29M", "PT24H1M", "PT1M"])
def test_emulator_refuses_an_activation_maximum_outside_the_range(
    live: Live, duration: str
) -> None:
    response = _patch_activation(live, duration)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "InvalidPolicyRule"
    assert "30 minutes and 24 hours" in response.json()["error"]["message"]


# --- a tenant without Microsoft Entra ID P2 / Governance ------------------------------------

NO_P2_WORDS = "this tenant has no Microsoft Entra ID P2 / Governance licence: PIM"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", "2026-11-24T09:00:00Z", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_emulator_answers_pim_reads_of_an_unlicensed_tenant_like_graph(live: Live) -> None:
    live.faults(no_p2_licence=True)
    refused = live.http.get("roleManagement/directory/roleEligibilitySchedules")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "AadPremiumLicenseRequired"
    assert refused.json()["error"]["message"] == "The tenant needs an AAD Premium 2 license."
    # Not PIM: still answered.
    assert live.http.get("roleManagement/directory/roleDefinitions").status_code == 200


@pytest.mark.parametrize("command", ["plan", "snapshot"])
def test_cli_says_in_words_that_the_tenant_has_no_p2(live: Live, command: str) -> None:
    live.faults(no_p2_licence=True)
    args = ["plan", str(POLICIES)] if command == "plan" else ["snapshot", "--out", os.devnull]
    result = _cli("--graph-url", live.url, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert NO_P2_WORDS in result.stderr
    assert "Graph error code: AadPremiumLicenseRequired" in result.stderr
    stats = live.stats()
    assert stats["writes"] == 0
    # Not mistaken for an endpoint that refuses $top: no PIM read is sent a second time.
    assert all(n == 1 for route, n in stats["by_route"].items() if "Schedule" in route), stats


def test_a_write_refused_for_the_licence_is_said_in_words() -> None:
    from pim_gitops.apply.settle import outcome_message
    from pim_gitops.graph.envelopes import GraphResponse

    body = {"error": {"code": "AadPremiumLicenseRequired", "message": "The tenant needs x."}}
    message = outcome_message(GraphResponse(400, {}, body, None))
    assert message.startswith(NO_P2_WORDS) and message.endswith("(Graph: The tenant needs x.)")
