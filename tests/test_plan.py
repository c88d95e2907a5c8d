"""The plan engine: exact diffs, no perpetual diffs, ordering, renderers, saved plans."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pim_gitops.action import Action
from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PlanError, PlanFormatError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import FORMAT_VERSION, RulePatch, Summary, dump_plan, parse_plan
from pim_gitops.policy_rules import PolicyScope, rule_for_path
from pim_gitops.render.plan import render_json, render_markdown, render_text
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import NOTIFICATION_KEYS
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES, ROOT, load_sample, write

NOW = SAMPLE_NOW


def sample_state() -> Any:
    return normalize_tenant(read_snapshot(SAMPLE_TENANT), NOW)


def plan_for(directory: Path | str = POLICIES, snapshot: dict[str, Any] | None = None) -> Any:
    state = normalize_tenant(snapshot or read_snapshot(SAMPLE_TENANT), NOW)
    return plan_against(load_desired(str(directory), NOW), state, NOW)


def apply_in_memory(snapshot: dict[str, Any], plan: Any) -> dict[str, Any]:
    """The plan's requests (as apply builds them) answered by the emulator in process: Graph's
    side is the emulator's own reading of the payloads, never the code under test."""
    import asyncio

    import httpx

    from pim_gitops.apply import planned_requests
    from pim_gitops.emulator.app import Emulator
    from pim_gitops.wire import format_instant

    emulator = Emulator(copy.deepcopy(snapshot), clock=lambda: NOW)
    tenant = normalize_tenant(snapshot, NOW)

    async def send() -> None:
        transport = httpx.ASGITransport(app=emulator.app)
        headers = {"Authorization": "Bearer test"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://emulator", headers=headers
        ) as client:
            for item in planned_requests(plan, tenant, NOW):
                answer = await client.request(item.method, "/v1.0" + item.url, json=item.body)
                assert answer.status_code < 300, (item.target, answer.text)

    asyncio.run(send())
    return emulator.store.snapshot(format_instant(NOW))


def test_example_repo_against_the_sample_tenant() -> None:
    plan = plan_for()
    assert plan.summary == Summary(add=12, change=91, remove=4)
    removed = {c.address for c in plan.changes if c.action is Action.DELETE}
    assert 'role["Global Administrator"].active["user:carol.it@contoso.com"]' in removed
    # Additive mode never removes; AU-scoped assignments are never touched.
    assert not any("Helpdesk Administrator" in a for a in removed)
    assert plan.unmanaged_scoped and plan.unmanaged_scoped[0].scope.startswith(
        "/administrativeUnits/"
    )
    assert "Billing Administrator" in plan.unmanaged_roles


def test_applying_the_plan_in_memory_leaves_nothing_to_plan() -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    after = apply_in_memory(snapshot, plan_for(snapshot=snapshot))
    assert plan_for(snapshot=after).empty


def test_operations_are_ordered_relax_create_remove_tighten() -> None:
    phases = [op.phase for op in plan_for().operations]
    assert phases == sorted(phases)
    ops = plan_for().operations
    mfa_off = next(
        op
        for op in ops
        if op.role.name == "Conditional Access Administrator"
        and getattr(op, "rule_id", None) == "Enablement_EndUser_Assignment"
    )
    context_on = next(
        op
        for op in ops
        if op.role.name == "Conditional Access Administrator"
        and getattr(op, "rule_id", None) == "AuthenticationContext_EndUser_Assignment"
    )
    assert mfa_off.phase < context_on.phase
    tighten = next(
        op
        for op in ops
        if getattr(op, "rule_id", None) == "Expiration_Admin_Eligibility"
        and op.role.name == "Global Administrator"
    )
    create = next(op for op in ops if getattr(op, "action", None) is Action.CREATE)
    assert tighten.phase > create.phase


def test_only_changed_rules_are_patched() -> None:
    ops = [
        op
        for op in plan_for().operations
        if isinstance(op, RulePatch) and op.role.name == "Global Reader"
    ]
    assert sorted(op.rule_id for op in ops) == [
        "Expiration_Admin_Assignment",
        "Expiration_Admin_Eligibility",
        "Notification_Admin_EndUser_Assignment",
    ]


def test_unresolvable_principal_is_an_error(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    path.write_text(path.read_text().replace("judy.compliance", "nobody.here"))
    with pytest.raises(PlanError, match=r"user:nobody\.here@contoso\.com was not found"):
        plan_for(policy_copy)


def test_ambiguous_group_is_an_error(policy_copy: Path) -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    twin = next(
        o for o in snapshot["directoryObjects"] if o.get("displayName") == "Helpdesk Operators"
    )
    snapshot["directoryObjects"].append(twin | {"id": "00000000-0000-0000-0000-0000000000aa"})
    with pytest.raises(PlanError, match="ambiguous"):
        plan_for(policy_copy, snapshot)


# --- zero perpetual diffs --------------------------------------------------------------------


def _minutes(rule: dict[str, Any]) -> None:
    from pim_gitops.wire import parse_duration

    rule["maximumDuration"] = f"PT{parse_duration(rule['maximumDuration']) // 60}M"


def _blank_claim(rule: dict[str, Any]) -> None:
    if not rule["isEnabled"]:
        rule["claimValue"] = ""


def _empty_recipient(rule: dict[str, Any]) -> None:
    rule["notificationRecipients"] = [*rule["notificationRecipients"], ""]


def _stale_maximum(rule: dict[str, Any]) -> None:
    if not rule["isExpirationRequired"]:
        rule["maximumDuration"] = "P30D"


def _reordered(rule: dict[str, Any]) -> None:
    rule["enabledRules"] = list(reversed(rule["enabledRules"]))


def _stale_approvers(rule: dict[str, Any]) -> None:
    setting = rule["setting"]
    if not setting["isApprovalRequired"]:
        setting["approvalStages"][0]["primaryApprovers"] = [
            {"@odata.type": "#microsoft.graph.singleUser", "userId": "someone"}
        ]


SPELLINGS = [
    ("Expiration_EndUser_Assignment", _minutes),
    ("AuthenticationContext_EndUser_Assignment", _blank_claim),
    ("Notification_Admin_Admin_Eligibility", _empty_recipient),
    ("Expiration_Admin_Eligibility", _stale_maximum),
    ("Enablement_EndUser_Assignment", _reordered),
    ("Approval_EndUser_Assignment", _stale_approvers),
]


@pytest.mark.parametrize(("rule_id", "spell"), SPELLINGS)
def test_graph_spellings_plan_nothing(rule_id: str, spell: Any) -> None:
    """However Graph spells an equal setting, the plan is empty (graph-pim.md §9)."""
    snapshot = read_snapshot(SAMPLE_TENANT)
    after = apply_in_memory(snapshot, plan_for(snapshot=snapshot))
    for policy in after["roleManagementPolicies"]:
        for rule in policy["rules"]:
            if rule["id"] == rule_id:
                spell(rule)
            rule["target"]["operations"] = ["All"]  # casing differs between GET and PATCH
        policy["rules"].reverse()  # order is not stable either
    assert plan_for(snapshot=after).empty


def test_documented_default_policy_matches_declared_defaults(tmp_path: Path) -> None:
    """A role file that declares Entra's defaults plans nothing against the documented
    never-edited policy payload."""
    write(tmp_path / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    write(
        tmp_path / "roles" / "ga.yaml", "role: Global Administrator\nassignments_mode: additive\n"
    )
    snapshot = read_snapshot(SAMPLE_TENANT)
    documented = load_sample(
        "policies__list-rolemanagementpolicyassignments-expand-policy-rules.response.json"
    )["value"][0]["policy"]["rules"]
    link = next(
        link
        for link in snapshot["roleManagementPolicyAssignments"]
        if link["roleDefinitionId"] == GLOBAL_ADMINISTRATOR
    )
    for policy in snapshot["roleManagementPolicies"]:
        if policy["id"] == link["policyId"]:
            policy["rules"] = documented
    assert plan_for(tmp_path, snapshot).empty


def test_every_setting_path_maps_to_exactly_one_rule() -> None:
    from pim_gitops.policy_rules import rules_of
    from pim_gitops.state import settings_leaves

    settings = sample_state().policies[GLOBAL_ADMINISTRATOR].settings
    leaves = settings_leaves(settings)
    scope = PolicyScope.DIRECTORY_ROLE
    rules = {rule_for_path(scope, path).id for path in leaves}
    assert len(rules) == 17
    carried = [path for spec in rules_of(scope) for path in spec.paths]
    assert sorted(carried) == sorted(leaves)  # every path once, no path twice
    policy = sample_state().policies[GLOBAL_ADMINISTRATOR]
    for spec in rules_of(scope):
        want = {path: leaves[path] for path in spec.paths}
        assert spec.write(policy.raw_rules[spec.id], want)["id"] == spec.id
    assert len(NOTIFICATION_KEYS) == 9


# --- property: apply the plan, plan again, nothing left ---------------------------------------

durations = st.sampled_from(["PT1H", "PT2H", "PT4H", "PT8H", "P1D", "PT24H"])


@given(
    activation=durations,
    require=st.sets(st.sampled_from(["mfa", "justification", "ticket"])),
    permanent=st.booleans(),
    eligible_max=st.sampled_from(["P30D", "P90D", "P180D", "P365D"]),
    recipients=st.lists(st.sampled_from(["a@contoso.com", "B@contoso.com", ""]), max_size=3),
    critical=st.booleans(),
    approval=st.booleans(),
    days=st.integers(min_value=1, max_value=29),
)
def test_plan_applied_in_memory_converges(
    tmp_path_factory: Any,
    activation: str,
    require: set[str],
    permanent: bool,
    eligible_max: str,
    recipients: list[str],
    critical: bool,
    approval: bool,
    days: int,
) -> None:
    root = tmp_path_factory.mktemp("repo")
    write(root / "pim.yaml", "tenant: contoso.onmicrosoft.com\n")
    approvers = "\n    approvers: [group:PIM Tier0 Approvers]" if approval else ""
    listed = ", ".join(r for r in recipients if r)
    role = f"""role: Security Administrator
activation:
  max_duration: {activation}
  require: [{", ".join(sorted(require))}]
  approval:
    required: {str(approval).lower()}{approvers}
eligible_assignment: {{allow_permanent: {str(permanent).lower()}, max_duration: {eligible_max}}}
notifications:
  activated:
    admin: {{recipients: [{listed}], critical_only: {str(critical).lower()}}}
assignments:
  eligible:
    - principal: user:heidi.audit@contoso.com
      duration: P{days}D
    - principal: group:Helpdesk Operators
      {"permanent: true" if permanent else "duration: P20D"}
"""
    write(root / "roles" / "security.yaml", role)
    snapshot = read_snapshot(SAMPLE_TENANT)
    plan = plan_for(root, snapshot)
    assert not plan.empty
    assert plan_for(root, apply_in_memory(snapshot, plan)).empty


# --- renderers and saved plans ------------------------------------------------------------------


def test_text_renderer() -> None:
    text = render_text(plan_for())
    assert text.endswith("Plan: 12 to add, 91 to change, 4 to remove.\n")
    assert '  ~ role["Global Administrator"].activation.max_duration: PT2H → PT1H\n' in text
    assert (
        '  - role["Global Administrator"].active["user:carol.it@contoso.com"]: '
        "(was permanent)\n" in text
    )
    assert (
        '  + role["Security Administrator"].eligible["user:heidi.audit@contoso.com"]: '
        "2027-02-22T09:00:00Z\n" in text
    )
    assert "[green]" in render_text(plan_for(), colour=True)
    assert render_text(plan_for()) == text  # stable


def test_markdown_renderer_and_truncation() -> None:
    md = render_markdown(plan_for())
    assert md.startswith("### pim-gitops plan\n\n| add | change | remove |")
    assert "| 12 | 91 | 4 |" in md
    assert md.count("<details>") == 11
    short = render_markdown(plan_for(), limit=3000)
    assert len(short) <= 3000 and "_Truncated:" in short


def test_json_renderer_matches_schema() -> None:
    import jsonschema

    schema = json.loads((POLICIES.parent / "schemas" / "plan.schema.json").read_text())
    data = json.loads(render_json(plan_for()))
    jsonschema.validate(data, schema)
    assert data["format_version"] == FORMAT_VERSION == 2
    assert data["summary"] == {"add": 12, "change": 91, "remove": 4}
    change = next(c for c in data["changes"] if c["action"] == "create")
    assert {"address", "action", "before", "after", "role", "principal"} <= set(change)


def test_saved_plan_round_trips() -> None:
    plan = plan_for()
    again = parse_plan(json.loads(dump_plan(plan)), "plan.json")
    assert dump_plan(again) == dump_plan(plan)
    with pytest.raises(PlanFormatError, match="format_version 99 is not supported"):
        parse_plan({"format_version": 99}, "x.json")


def test_plan_command_exit_codes(tmp_path: Path) -> None:
    args = [
        "--now",
        "2026-11-24T09:00:00Z",
        "plan",
        str(POLICIES),
        "--snapshot",
        str(SAMPLE_TENANT),
    ]
    result = CliRunner().invoke(
        cli, [*args, "--detailed-exitcode", "--out", str(tmp_path / "p.json")]
    )
    assert result.exit_code == 2, result.output
    assert (tmp_path / "p.json").exists()
    result = CliRunner().invoke(cli, [*args, "--format", "markdown"])
    assert result.exit_code == 0 and "| add | change | remove |" in result.output


def test_base_marks_pull_request_changes_and_drift(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    path.write_text(
        path.read_text().replace("activation:\n", "activation:\n  max_duration: PT2H\n")
    )
    result = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24T09:00:00Z",
            "plan",
            str(policy_copy),
            "--snapshot",
            str(SAMPLE_TENANT),
            "--base",
            str(POLICIES),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    changes = json.loads(result.output)["changes"]
    mine = [c["address"] for c in changes if c["origin"] == "pull-request"]
    assert mine == ['role["Global Reader"].activation.max_duration']
    assert all(c["origin"] == "drift" for c in changes if c["address"] not in mine)


def test_drift_report_and_exit_code(tmp_path: Path) -> None:
    args = ["--now", "2026-11-24T09:00:00Z", "drift", str(POLICIES), "--snapshot"]
    result = CliRunner().invoke(cli, [*args, str(SAMPLE_TENANT)])
    assert result.exit_code == 2
    assert (
        "#### Global Administrator — policy last modified 2026-10-15T09:00:00Z by Portal "
        "admin" in result.output
    )
    snapshot = read_snapshot(SAMPLE_TENANT)
    converged = tmp_path / "converged.json"
    from pim_gitops.snapshot import write_snapshot

    write_snapshot(apply_in_memory(snapshot, plan_for(snapshot=snapshot)), converged)
    clean = CliRunner().invoke(cli, [*args, str(converged)])
    assert clean.exit_code == 0 and "No drift" in clean.output


GOLDEN_PLAN = ROOT / "tests" / "golden" / "plan"


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("plan.txt", lambda p: render_text(p, verbose=True)),
        ("plan.md", render_markdown),
        ("plan.json", render_json),
    ],
)
def test_golden_renderings(name: str, render: Any) -> None:
    """The example repo against the sample tenant touches every kind of change (settings,
    creates, updates, removals, warnings, unmanaged roles and scopes). Regenerate with
    `PIM_GITOPS_GOLDEN=1 pytest tests/test_plan.py -k golden` and review the diff."""
    import os

    text = render(plan_for())
    path = GOLDEN_PLAN / name
    if os.environ.get("PIM_GITOPS_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
