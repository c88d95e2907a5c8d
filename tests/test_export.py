"""export: a repository a human would write, and a zero-diff round trip."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.export import ExportError, export_repo, write_export
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, group, user
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import ROOT, Live
from tests.test_conformance import DOCS_NOW, docs_tenant

GOLDEN = ROOT / "tests" / "golden" / "export"


def round_trip(snapshot: dict[str, Any], tmp: Path, now: Any = SAMPLE_NOW) -> Any:
    state = normalize_tenant(snapshot, now)
    write_export(export_repo(state), tmp, force=True)
    return plan_against(load_desired(str(tmp), now), state, now)


def test_golden_export_of_the_sample_tenant(tmp_path: Path) -> None:
    """Reviewed like code: regenerate with `pim-gitops export --snapshot
    pim_gitops/demo/tenant.json --out tests/golden/export --force` and read the diff."""
    files = export_repo(normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW))
    golden = {str(p.relative_to(GOLDEN)): p.read_text() for p in GOLDEN.rglob("*.yaml")}
    assert files == golden


def test_export_twice_is_identical() -> None:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    assert export_repo(state) == export_repo(state)


def test_round_trip_sample_tenant(tmp_path: Path) -> None:
    assert round_trip(read_snapshot(SAMPLE_TENANT), tmp_path).empty


def test_round_trip_documented_payloads(tmp_path: Path) -> None:
    snapshot = docs_tenant()
    # Every documented role needs its policy: give the others the documented one too.
    policy = snapshot["roleManagementPolicies"][0]
    for index, role in enumerate(snapshot["roleDefinitions"]):
        if role["id"] == snapshot["roleManagementPolicyAssignments"][0]["roleDefinitionId"]:
            continue
        copy_ = copy.deepcopy(policy)
        copy_["id"] = policy["id"][:-4] + f"{index:04d}"
        snapshot["roleManagementPolicies"].append(copy_)
        snapshot["roleManagementPolicyAssignments"].append(
            {
                "id": f"{copy_['id']}_{role['id']}",
                "policyId": copy_["id"],
                "scopeId": "/",
                "scopeType": "Directory",
                "roleDefinitionId": role["id"],
            }
        )
    # A live read resolves every holder through getByIds; the docs show only some of them.
    known = {o["id"] for o in snapshot["directoryObjects"]}
    for name in ("roleEligibilitySchedules", "roleAssignmentSchedules"):
        for row in snapshot[name]:
            if row["principalId"] not in known:
                known.add(row["principalId"])
                snapshot["directoryObjects"].append(
                    user(f"{row['principalId'][:8]}@contoso.com", "Documented holder")
                    | {"id": row["principalId"]}
                )
    plan = round_trip(snapshot, tmp_path, DOCS_NOW)
    assert plan.empty, [c.address for c in plan.changes]


def test_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(ExportError, match="--force"):
        write_export({"pim.yaml": "tenant: x\n"}, tmp_path, force=False)


def test_templates_only_for_three_or_more_roles() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW))
    assert "templates:" not in files["pim.yaml"]
    policies = snapshot["roleManagementPolicies"][:3]
    for policy in policies:
        for rule in policy["rules"]:
            if rule["id"] == "Expiration_EndUser_Assignment":
                rule["maximumDuration"] = "PT3H"
    files = export_repo(normalize_tenant(snapshot, SAMPLE_NOW))
    assert "templates:\n  shared-1:" in files["pim.yaml"]
    assert sum("template: shared-1" in text for text in files.values()) == 3


rule_changes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30),
        st.sampled_from(["activation", "permanent", "recipients", "approval", "mfa", "context"]),
    ),
    max_size=12,
)


@settings(max_examples=25)
@given(changes=rule_changes, seed=st.integers(min_value=0, max_value=1000))
def test_round_trip_generated_tenants(tmp_path_factory: Any, changes: list[Any], seed: int) -> None:
    """Shuffled rule order, P1D vs PT24H, empty vs missing recipients, approval off with stale
    approvers, schedules that started in the past, groups and custom roles."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    rng = random.Random(seed)
    approvers = [
        o["id"]
        for o in snapshot["directoryObjects"]
        if o.get("displayName") == "PIM Tier0 Approvers"
    ]
    for index, what in changes:
        policy = snapshot["roleManagementPolicies"][index % len(snapshot["roleManagementPolicies"])]
        rules = {r["id"]: r for r in policy["rules"]}
        if what == "activation":
            rules["Expiration_EndUser_Assignment"]["maximumDuration"] = rng.choice(
                ["P1D", "PT24H", "PT90M", "PT1H30M", "PT4H"]
            )
        elif what == "permanent":
            rules["Expiration_Admin_Eligibility"].update(
                isExpirationRequired=True, maximumDuration="P400D"
            )
        elif what == "recipients":
            rules["Notification_Admin_EndUser_Assignment"]["notificationRecipients"] = rng.choice(
                [[], [""], ["ops@contoso.com"]]
            )
        elif what == "approval":
            setting = rules["Approval_EndUser_Assignment"]["setting"]
            setting["isApprovalRequired"] = rng.random() < 0.5
            setting["approvalStages"][0]["primaryApprovers"] = [
                {"@odata.type": "#microsoft.graph.groupMembers", "groupId": approvers[0]}
            ]
        elif what == "mfa":
            rules["Enablement_EndUser_Assignment"]["enabledRules"] = ["Justification"]
        else:
            rules["Enablement_EndUser_Assignment"]["enabledRules"] = ["Justification"]
            rules["AuthenticationContext_EndUser_Assignment"].update(
                isEnabled=True, claimValue="c2"
            )
        rng.shuffle(policy["rules"])
    plan = round_trip(snapshot, tmp_path_factory.mktemp("export"))
    assert plan.empty, [c.address for c in plan.changes][:5]


def test_export_from_the_live_tenant(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    result = CliRunner().invoke(
        cli, ["--now", "2026-11-24T09:00:00Z", "--graph-url", live.url, "export", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    plan = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "--graph-url",
            live.url,
            "plan",
            str(out),
            "--detailed-exitcode",
        ],
    )
    assert plan.exit_code == 0, plan.output
    lint = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "lint",
            str(out),
            "--snapshot",
            str(SAMPLE_TENANT),
            "--format",
            "json",
        ],
    )
    assert "MS.AAD.7.5v1" in lint.output and "MS.AAD.7.6v1" in lint.output


def test_builder_helpers_are_used_consistently() -> None:
    """Groups and custom roles export by reference / object id."""
    builder = TenantBuilder("t", SAMPLE_NOW)
    custom = builder.add_role("11111111-1111-1111-1111-111111111111", "Custom Ops", False)
    assert custom["rules"]
    g = builder.add(group("Ops Team"))
    u = builder.add(user("x@contoso.com", "X"))
    builder.grant("eligible", "11111111-1111-1111-1111-111111111111", g, days_left=30)
    builder.grant("active", "11111111-1111-1111-1111-111111111111", u, days_left=5)
    files = export_repo(normalize_tenant(builder.snapshot(), SAMPLE_NOW))
    text = files["roles/custom-ops.yaml"]
    assert "role: 11111111-1111-1111-1111-111111111111  # Custom Ops (custom role)" in text
    assert "principal: group:Ops Team" in text and "principal: user:x@contoso.com" in text
