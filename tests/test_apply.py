"""apply end to end: the real client over HTTP against the emulator."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bench.run import lower_bound
from pim_gitops.cli import cli
from pim_gitops.emulator.app import Emulator
from pim_gitops.emulator.server import running
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import BUILTIN_ROLES
from pim_gitops.tenantgen import SAMPLE_NOW, oid, synthetic_tenant
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, Live, write

NOW = "2026-11-24T09:00:00Z"


def run(live_url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--now", NOW, "--graph-url", live_url, *args])


def remaining_plan(live: Live, directory: Path | str = POLICIES) -> Any:
    state = normalize_tenant(live.snapshot(), SAMPLE_NOW)
    return plan_against(load_desired(str(directory), SAMPLE_NOW), state, SAMPLE_NOW)


def no_duplicates(snapshot: dict[str, Any]) -> None:
    for name in ("roleEligibilitySchedules", "roleAssignmentSchedules"):
        keys = Counter(
            (s["roleDefinitionId"], s["principalId"], s["directoryScopeId"]) for s in snapshot[name]
        )
        assert max(keys.values()) == 1, name


def unmanaged(snapshot: dict[str, Any], managed: set[str]) -> list[tuple[str, str]]:
    return sorted(
        (s["roleDefinitionId"], s["principalId"])
        for name in ("roleEligibilitySchedules", "roleAssignmentSchedules")
        for s in snapshot[name]
        if s["roleDefinitionId"] not in managed
    )


def managed_roles() -> set[str]:
    desired = load_desired(str(POLICIES), SAMPLE_NOW).state
    return {r.ref.id for r in desired.roles if r.ref.id} | {oid("role", "Contoso Tier1 Support")}


def test_apply_converges_and_plans_nothing_after(live: Live) -> None:
    before = live.snapshot()
    # One write per operation of the plan made from this tenant: a patch per changed policy
    # rule, a schedule request per assignment to create, update or remove.
    writes = len(remaining_plan(live).operations)
    result = run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert (
        f"Apply: {writes} writes (one per policy rule or assignment): {writes} succeeded, "
        "0 failed, 0 skipped; 0 changes not in effect" in result.output
    )
    assert remaining_plan(live).empty
    after = live.snapshot()
    no_duplicates(after)
    assert unmanaged(after, managed_roles()) == unmanaged(before, managed_roles())
    again = run(live.url, "plan", str(POLICIES), "--detailed-exitcode")
    assert again.exit_code == 0 and "No changes." in again.output


def test_apply_converges_under_throttling_and_errors(live: Live) -> None:
    before = live.snapshot()
    live.faults(throttle_rate=0.3, error_rate=0.05, retry_after_max=0.01, seed=7)
    first = run(live.url, "apply", str(POLICIES), "--auto-approve")
    # Under faults a step may fail after its retries (exit 1, reported); nothing crashes.
    assert first.exit_code in (0, 1), first.output
    assert first.exception is None or isinstance(first.exception, SystemExit), first.output
    # Still under the same faults, a second run finishes what the first left (or has nothing
    # left to do) and succeeds.
    second = run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert second.exit_code == 0, second.output
    live.faults(throttle_rate=0, error_rate=0)
    assert remaining_plan(live).empty
    after = live.snapshot()
    no_duplicates(after)
    assert unmanaged(after, managed_roles()) == unmanaged(before, managed_roles())


def test_stale_plan_is_refused_and_nothing_written(live: Live, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    made = run(live.url, "plan", str(POLICIES), "--out", str(plan_file))
    assert made.exit_code == 0, made.output
    # Someone changes Global Administrator's activation rule in the portal meanwhile.
    policy = live.http.get(
        "policies/roleManagementPolicyAssignments",
        params={
            "$filter": "scopeId eq '/' and scopeType eq 'DirectoryRole' and "
            "roleDefinitionId eq '62e90394-69f5-4237-9190-012177145e10'",
            "$expand": "policy($expand=rules)",
        },
    ).json()["value"][0]["policy"]
    rule = next(r for r in policy["rules"] if r["id"] == "Expiration_EndUser_Assignment")
    rule["maximumDuration"] = "PT3H"
    url = f"policies/roleManagementPolicies/{policy['id']}/rules/{rule['id']}"
    assert live.http.patch(url, json=rule).status_code == 204
    writes = live.stats()["writes"]
    result = run(live.url, "apply", str(plan_file))
    assert result.exit_code == 1
    assert "stale" in result.output and "activation.max_duration" in result.output
    assert live.stats()["writes"] == writes


def test_saved_plan_applies(live: Live, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    made = run(live.url, "plan", str(POLICIES), "--out", str(plan_file))
    assert made.exit_code == 0, made.output
    operations = json.loads(plan_file.read_text())["operations"]
    result = run(live.url, "apply", str(plan_file), "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{") :])
    # One write per operation in the saved plan, each succeeding.
    assert operations and summary["succeeded"] == len(operations) and summary["failed"] == 0
    assert remaining_plan(live).empty


def edited(policy_copy: Path, file: str, old: str, new: str) -> Path:
    path = policy_copy / "roles" / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return policy_copy


@pytest.mark.parametrize(
    ("edit", "args", "message"),
    [
        (None, ["--max-removals", "1"], "more than --max-removals 1"),
        (
            (
                "global-administrator.yaml",
                "    - principal: user:bg2@contoso.onmicrosoft.com\n"
                "      permanent: true\n      justification: Emergency access account\n",
                "",
            ),
            [],
            "break-glass: break-glass account user:bg2@contoso.onmicrosoft.com must keep",
        ),
        (
            # The apply identity's permanent active Privileged Role Administrator is swapped
            # for another (existing) service principal's, so the plan removes it.
            (
                "privileged-role-administrator.yaml",
                "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b",
                "sp:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            ),
            [],
            "self-lockout: the apply identity sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b must "
            "keep an active Global Administrator or Privileged Role Administrator",
        ),
    ],
    ids=["max-removals", "break-glass", "self-lockout"],
)
def test_guards_refuse_and_write_nothing(
    live: Live,
    policy_copy: Path,
    edit: tuple[str, str, str] | None,
    args: list[str],
    message: str,
) -> None:
    directory = edited(policy_copy, *edit) if edit else policy_copy
    writes = live.stats()["writes"]
    result = run(live.url, "apply", str(directory), "--auto-approve", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert live.stats()["writes"] == writes


def test_apply_identity_removal_is_guarded(live: Live, policy_copy: Path) -> None:
    path = policy_copy / "roles" / "privileged-role-administrator.yaml"
    text = path.read_text()
    start = text.index("  active:\n    - principal: sp:5b4b2a3c")
    path.write_text(text[:start])  # drop the apply identity's declaration (last entry)
    result = run(live.url, "apply", str(policy_copy), "--auto-approve")
    assert result.exit_code == 1 and "apply identity" in result.output


def test_other_tenant_is_refused(live: Live, policy_copy: Path) -> None:
    pim = policy_copy / "pim.yaml"
    pim.write_text(
        pim.read_text().replace(
            "tenant: contoso.onmicrosoft.com", "tenant: fabrikam.onmicrosoft.com"
        )
    )
    result = run(live.url, "apply", str(policy_copy), "--auto-approve")
    assert result.exit_code == 1 and "fabrikam.onmicrosoft.com" in result.output


def test_mid_run_rejection_is_reported_and_rest_is_consistent(live: Live) -> None:
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False
    result = run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert result.exit_code == 1
    assert "GroupNotRoleAssignable" in result.output and "request-id" in result.output
    assert "2 failed" in result.output  # the group's create and its update
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = True
    left = remaining_plan(live)
    assert [c.address for c in left.changes] == [
        'role["Contoso Tier1 Support"].eligible["group:Helpdesk Operators"]',
        'role["Helpdesk Administrator"].eligible["group:Helpdesk Operators"]',
    ]
    assert run(live.url, "apply", str(POLICIES), "--auto-approve").exit_code == 0
    assert remaining_plan(live).empty


def planned_writes(live: Live) -> int:
    from pim_gitops.apply import planned_requests
    from pim_gitops.normalize import normalize_tenant

    plan = remaining_plan(live)
    from pim_gitops.tenantgen import SAMPLE_NOW

    state = normalize_tenant(live.snapshot(), SAMPLE_NOW)
    return len(planned_requests(plan, state, SAMPLE_NOW))


@pytest.mark.parametrize("where", ["first", "second", "quarter", "half", "four-fifths", "last"])
def test_crash_in_the_middle_then_rerun_converges(live: Live, where: str) -> None:
    # The emulator aborts the connection at write n + 1 (n writes done): at the first write,
    # the second, ..., the last. Apply sends one request per schedule request and one per
    # policy and phase for its rule patches (the requests dry-run lists).
    writes = planned_writes(live)
    n = {
        "first": 0,
        "second": 1,
        "quarter": writes // 4,
        "half": writes // 2,
        "four-fifths": writes * 4 // 5,
        "last": writes - 1,
    }[where]
    live.faults(abort_after_writes=n)
    crashed = run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert crashed.exit_code == 1
    assert crashed.exception is None or isinstance(crashed.exception, SystemExit)
    live.faults(abort_after_writes=None)
    rerun = run(live.url, "apply", str(POLICIES), "--auto-approve")
    assert rerun.exit_code == 0, rerun.output
    assert remaining_plan(live).empty
    no_duplicates(live.snapshot())


@pytest.fixture(scope="module")
def big_tenant() -> Any:
    snapshot = synthetic_tenant(
        roles=130, assignments=2000, principals=1500, now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    emulator = Emulator(snapshot, clock=lambda: SAMPLE_NOW)
    with running(emulator) as url:
        yield emulator, url, snapshot


def test_changing_one_setting_on_130_roles_takes_seven_batches(
    big_tenant: Any, tmp_path: Path
) -> None:
    emulator, url, snapshot = big_tenant
    write(tmp_path / "pim.yaml", "tenant: bench.onmicrosoft.com\n")
    for role in snapshot["roleDefinitions"]:
        name = role["displayName"]
        write(
            tmp_path / "roles" / f"{role['id']}.yaml",
            f"role: {role['id']}\nassignments_mode: additive\n"
            "activation:\n  max_duration: PT2H\n"
            "eligible_assignment: {allow_permanent: true}\n"
            "active_assignment: {allow_permanent: true, require: [justification]}\n",
        )
        assert name
    emulator.stats.reset()
    result = run(url, "apply", str(tmp_path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "130 succeeded" in result.output
    stats = emulator.stats.as_dict()
    assert stats["by_route"]["POST $batch"] <= 7
    assert stats["inner_requests"] == 130
    page = min(emulator.max_top, 999)  # the reader asks for pages of 999 with $top
    principals = len(
        {
            s["principalId"]
            for name in ("roleEligibilitySchedules", "roleAssignmentSchedules", "roleAssignments")
            for s in snapshot[name]
        }
    )
    # One read to plan, one to read back; writes in seven batches; two reads of who apply is
    # signed in as (its directory object and its role assignments, graph/identity.py).
    assert stats["requests"] <= 7 + 2 * lower_bound(snapshot, principals, page) + 2
    assert len(BUILTIN_ROLES) < 130  # custom roles are part of it
    shutil.rmtree(tmp_path / "roles")


@pytest.mark.parametrize(
    "ref", [oid("user", "oscar.sync@contoso.com"), "user:oscar.sync@contoso.com"]
)
def test_principals_holding_no_role_yet_are_looked_up(
    live: Live, policy_copy: Path, ref: str
) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    text = path.read_text().replace(
        "  eligible:\n",
        f"  eligible:\n    - {{principal: {ref}, duration: P30D"
        ", renew: true, justification: audit}\n",
        1,
    )
    path.write_text(text)
    result = run(live.url, "apply", str(policy_copy), "--auto-approve")
    assert result.exit_code == 0, result.output
    rows = [
        s
        for s in live.snapshot()["roleEligibilitySchedules"]
        if s["principalId"] == oid("user", "oscar.sync@contoso.com")
    ]
    assert len(rows) == 1


def test_demo_runs_the_whole_loop() -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line.startswith("$ pim-gitops")]
    assert [s.split()[2] for s in steps] == ["validate", "lint", "plan", "apply", "plan", "lint"]
    assert "No changes. The tenant matches the policy." in result.output
    assert result.output.rstrip().endswith("the tenant now matches the policy repository.")
