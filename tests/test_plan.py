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
from pim_gitops.roles import BUILTIN_ROLES, GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import NOTIFICATION_KEYS
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, oid, user
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
    from pim_gitops.apply.alerts import alert_items
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
            for item in alert_items(plan.alert_writes):  # Graph beta: URLs carry /beta
                answer = await client.request(item.method, item.url, json=item.body)
                assert answer.status_code < 300, (item.target, answer.text)

    asyncio.run(send())
    return emulator.store.snapshot(format_instant(NOW))


def _declared_and_live() -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """(role id, principal id, kind) the example repo declares, and those the sample tenant
    holds at scope '/' on the roles the repo manages authoritatively, read from the raw YAML
    and the raw snapshot, not through the planner."""
    import yaml

    snapshot = read_snapshot(SAMPLE_TENANT)
    role_ids = {r["displayName"]: r["id"] for r in snapshot["roleDefinitions"]}
    spelled = {
        "#microsoft.graph.user": ("user", "userPrincipalName"),
        "#microsoft.graph.group": ("group", "displayName"),
        "#microsoft.graph.servicePrincipal": ("sp", "appId"),
    }
    principals = {}
    for obj in snapshot["directoryObjects"]:
        prefix, key = spelled[obj["@odata.type"]]
        principals[f"{prefix}:{obj[key]}".lower()] = obj["id"]
    declared, authoritative = set(), set()
    for path in sorted((POLICIES / "roles").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        role_id = role_ids.get(doc["role"], doc["role"])
        if doc.get("assignments_mode", "authoritative") == "authoritative":
            authoritative.add(role_id)
        for kind, items in (doc.get("assignments") or {}).items():
            declared |= {(role_id, principals[i["principal"].lower()], kind) for i in items}
    collections = {"eligible": "roleEligibilitySchedules", "active": "roleAssignmentSchedules"}
    live = {
        (s["roleDefinitionId"], s["principalId"], kind)
        for kind, name in collections.items()
        for s in snapshot[name]
        if s["directoryScopeId"] == "/"
    }
    # What the plan weighs: all of an authoritative role's holdings, an additive role's
    # declared ones only.
    return declared, {key for key in live if key[0] in authoritative} | (live & declared)


def test_example_repo_against_the_sample_tenant() -> None:
    plan = plan_for()
    declared, live = _declared_and_live()
    # An add per declared assignment the tenant lacks, a removal per assignment an
    # authoritative role holds undeclared; every other change is an update (settings, ends).
    assert plan.summary.add == len(declared - live)
    assert plan.summary.remove == len(live - declared)
    updates = [c for c in plan.changes if c.action is Action.UPDATE]
    # ... and the PIM alert setting the example changes (3 accounts, 30 %).
    assert [c.address for c in plan.alert_changes] == ['alert["too_many_global_admins"].percent']
    assert plan.summary.change == len(updates) + len(plan.alert_changes) and updates
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
    assert len(rules) == 19  # the 17 rules and the 2 custom extension rules
    carried = [path for spec in rules_of(scope) for path in spec.paths]
    assert sorted(carried) == sorted(leaves)  # every path once, no path twice
    policy = sample_state().policies[GLOBAL_ADMINISTRATOR]
    for spec in rules_of(scope):
        want = {path: leaves[path] for path in spec.paths}
        assert spec.write(policy.raw_rules.get(spec.id, {}), want)["id"] == spec.id
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
    ends = "permanent: true" if permanent else "duration: P20D\n      renew: true"
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
      start: 2026-11-24T09:00:00Z
      duration: P{days}D
    - principal: group:Helpdesk Operators
      {ends}
"""
    write(root / "roles" / "security.yaml", role)
    snapshot = read_snapshot(SAMPLE_TENANT)
    plan = plan_for(root, snapshot)
    assert not plan.empty
    assert plan_for(root, apply_in_memory(snapshot, plan)).empty


# --- renderers: the example repo renders, deterministically -----------------------------------


def test_example_repo_renders_deterministically() -> None:
    """Every renderer runs on the example repo against the sample tenant, and two plans made
    from the same inputs render the same bytes. What each rendering says is pinned by the small
    goldens below, one per feature, not by this plan's (long) output."""
    import jsonschema

    first, second = plan_for(), plan_for()
    renders = [
        lambda p: render_text(p, verbose=True),
        lambda p: render_text(p, colour=True),
        render_markdown,
        render_json,
    ]
    for render in renders:
        assert render(first) == render(second)
    # One collapsible section per role with changes, however many there are, and per alert.
    roles = {c.role.name for c in first.changes}
    alerts = {c.alert for c in first.alert_changes}
    assert render_markdown(first).count("<details>") == len(roles) + len(alerts)
    assert "[green]" in render_text(first, colour=True)
    # Lines that follow from the inputs: the portal set Global Administrator's activation to
    # PT2H, the critical template says PT1H; carol.it holds it outside PIM, undeclared; the
    # Security Administrator file declares heidi.audit for P90D (90 days from SAMPLE_NOW).
    text = render_text(first)

    def section(role: str) -> list[str]:  # the lines nested under the role's heading
        return text.split(f'role "{role}"\n', 1)[1].split("\n\n", 1)[0].splitlines()

    assert "  ~ activation.max_duration: PT2H → PT1H" in section("Global Administrator")
    assert "  - active user carol.it@contoso.com: (was permanent)" in section(
        "Global Administrator"
    )
    assert "  + eligible user heidi.audit@contoso.com: 2027-02-22T09:00:00Z" in section(
        "Security Administrator"
    )
    schema = json.loads((POLICIES.parent / "schemas" / "plan.schema.json").read_text())
    jsonschema.validate(json.loads(render_json(first)), schema)


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


# --- renderers: one small golden per feature ----------------------------------------------------
# Each golden is a tiny policy repo planned against a tiny tenant (tenantgen builders), so the
# file is short enough to review line by line. Regenerate with
# `PIM_GITOPS_GOLDEN=1 pytest tests/test_plan.py -k golden` and review the diff.

GOLDEN = ROOT / "tests" / "golden" / "render"
ROLE_ID = {name: role_id for role_id, name in BUILTIN_ROLES.items()}
TINY_TENANT_ID = "11111111-2222-4333-8444-555555555555"


def tiny_tenant(*roles: str) -> TenantBuilder:
    """``roles`` at Entra's defaults, users ann, ben and cid holding nothing, and Privileged
    Role Administrator with one permanently eligible holder (so the last-PRA-path guard has
    nothing to say; it is an unmanaged role in every plan below)."""
    tenant = TenantBuilder(TINY_TENANT_ID, NOW)
    for name in roles:
        tenant.add_role(ROLE_ID[name], name)
    tenant.add_role(PRIVILEGED_ROLE_ADMINISTRATOR, "Privileged Role Administrator")
    owner = tenant.add(user("pra.owner@contoso.com", "Pra Owner"))
    tenant.grant("eligible", PRIVILEGED_ROLE_ADMINISTRATOR, owner)
    for name in ("ann", "ben", "cid"):
        tenant.add(user(f"{name}@contoso.com", name.capitalize()))
    return tenant


def tiny_plan(root: Path, roles: dict[str, str], tenant: TenantBuilder, pim: str = "") -> Any:
    """Plan the repo ``root/repo`` (``pim.yaml`` plus ``roles``, file name → YAML)."""
    repo = root / "repo"
    write(repo / "pim.yaml", "tenant: contoso.onmicrosoft.com\n" + pim)
    for name, text in roles.items():
        write(repo / "roles" / name, text)
    return plan_against(load_desired(str(repo), NOW), normalize_tenant(tenant.snapshot(), NOW), NOW)


def check_golden(name: str, text: str) -> None:
    import os

    path = GOLDEN / name
    if os.environ.get("PIM_GITOPS_GOLDEN"):
        write(path, text)
    assert text == path.read_text(encoding="utf-8")


def uid(name: str) -> str:
    return oid("user", f"{name}@contoso.com")


READER_ADDITIVE = "role: Global Reader\nassignments_mode: additive\n"


def test_golden_one_setting(tmp_path: Path) -> None:
    roles = {"reader.yaml": READER_ADDITIVE + "activation:\n  max_duration: PT4H\n"}
    plan = tiny_plan(tmp_path, roles, tiny_tenant("Global Reader"))
    # One declared leaf differs from Entra's default (PT8H); additive mode touches no
    # assignment.
    assert plan.summary == Summary(add=0, change=1, remove=0)
    check_golden("one-setting.txt", render_text(plan))
    check_golden("one-setting.md", render_markdown(plan))


def test_golden_assignment_create_update_remove(tmp_path: Path) -> None:
    tenant = tiny_tenant("Security Administrator")
    sec = ROLE_ID["Security Administrator"]
    tenant.grant("eligible", sec, uid("ann"), days_left=30)  # undeclared: removed
    tenant.grant("eligible", sec, uid("ben"), days_left=10)  # declared to end later: updated
    role = """role: Security Administrator
assignments:
  eligible:
    - {principal: user:ben@contoso.com, expires: 2027-01-01T00:00:00Z}
    - {principal: user:cid@contoso.com, duration: P30D, renew: true}
"""
    plan = tiny_plan(tmp_path, {"sec.yaml": role}, tenant)
    # cid is declared and holds nothing, ben's end moves, ann is not declared (authoritative).
    assert plan.summary == Summary(add=1, change=1, remove=1)
    check_golden("assignments.txt", render_text(plan))


def test_golden_tightening_warning(tmp_path: Path) -> None:
    tenant = tiny_tenant("Security Administrator")
    tenant.grant("eligible", ROLE_ID["Security Administrator"], uid("ann"), days_left=100)
    role = (
        "role: Security Administrator\nassignments_mode: additive\n"
        "eligible_assignment: {allow_permanent: false, max_duration: P30D}\n"
    )
    plan = tiny_plan(tmp_path, {"sec.yaml": role}, tenant)
    # ann's eligibility spans 130 days (30 behind, 100 ahead), more than the new P30D.
    assert len(plan.warnings) == 1 and "1 existing eligible assignment exceeds" in plan.warnings[0]
    check_golden("warning.txt", render_text(plan))
    check_golden("warning.md", render_markdown(plan))


def test_golden_unmanaged_roles_and_scopes(tmp_path: Path) -> None:
    tenant = tiny_tenant("Global Reader", "Billing Administrator")
    tenant.grant("eligible", ROLE_ID["Billing Administrator"], uid("ann"), days_left=50)
    paris = f"/administrativeUnits/{oid('au', 'Paris')}"
    tenant.grant("eligible", ROLE_ID["Global Reader"], uid("ben"), days_left=50, scope=paris)
    # Authoritative, declaring nothing: still, the AU-scoped eligibility is listed, not removed.
    plan = tiny_plan(tmp_path, {"reader.yaml": "role: Global Reader\n"}, tenant)
    assert plan.empty
    assert plan.unmanaged_roles == ("Billing Administrator", "Privileged Role Administrator")
    check_golden("unmanaged.txt", render_text(plan, verbose=True))


def test_golden_base_origins(tmp_path: Path) -> None:
    from pim_gitops.plan import mark_origins

    tenant = tiny_tenant("Global Reader")
    # Drift: someone set the activation maximum to PT2H in the portal; base and head both
    # declare Entra's default PT8H. The pull request adds a ticket to the requirements.
    tenant.rule(ROLE_ID["Global Reader"], "Expiration_EndUser_Assignment")["maximumDuration"] = (
        "PT2H"
    )
    head_role = READER_ADDITIVE + "activation:\n  require: [mfa, justification, ticket]\n"
    head = tiny_plan(tmp_path / "head", {"reader.yaml": head_role}, tenant)
    base = tiny_plan(tmp_path / "base", {"reader.yaml": READER_ADDITIVE}, tenant)
    marked = mark_origins(head, base)
    assert [c.origin for c in marked.changes] == ["drift", "pull-request"]
    check_golden("base-origins.txt", render_text(marked))


def test_golden_refusal(tmp_path: Path) -> None:
    tenant = tiny_tenant("Global Administrator")
    bg1 = tenant.add(user("bg1@contoso.onmicrosoft.com", "Break Glass 1"))
    tenant.grant("active", GLOBAL_ADMINISTRATOR, bg1, days_ago=400)
    # Global Administrator is authoritative and declares nobody: the plan removes the declared
    # break-glass account's permanent active assignment, which apply refuses by default.
    pim = "break_glass: [user:bg1@contoso.onmicrosoft.com]\n"
    roles = {"ga.yaml": "role: Global Administrator\nactive_assignment: {allow_permanent: true}\n"}
    plan = tiny_plan(tmp_path, roles, tenant, pim)
    assert plan.summary == Summary(add=0, change=0, remove=1)
    assert [r.guard for r in plan.refusals] == ["break-glass"] and plan.refused == plan.refusals
    assert plan.refusals[0].override == (
        "allowed only with --allow-break-glass-change / PIM_GITOPS_ALLOW=break-glass-change"
    )
    check_golden("refusal.txt", render_text(plan))
    check_golden("refusal.md", render_markdown(plan))


def test_golden_markdown_truncation(tmp_path: Path) -> None:
    names = ("Exchange Administrator", "Global Reader", "Security Administrator")
    roles = {
        f"{index}.yaml": f"role: {name}\nassignments_mode: additive\n"
        "activation:\n  max_duration: PT4H\n"
        for index, name in enumerate(names)
    }
    plan = tiny_plan(tmp_path, roles, tiny_tenant(*names))
    full = render_markdown(plan)
    assert full.count("<details>") == 3 and "_Truncated" not in full
    # 420 characters hold the summary (122 characters), the first role section (about 130)
    # and the room kept for the truncation note (about 130), not a second section (about
    # 120): two are left out.
    short = render_markdown(plan, limit=420)
    assert len(short) <= 420 and short.count("<details>") == 1
    assert "_Truncated: 2 more role sections not shown" in short
    check_golden("truncated.md", short)


def test_golden_json_of_a_two_operation_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the desired hash covers the role file's path: keep it short
    role = (
        READER_ADDITIVE + "activation:\n  max_duration: PT4H\n" + "assignments:\n  eligible:\n"
        "    - {principal: user:cid@contoso.com, duration: P30D, renew: true}\n"
    )
    plan = tiny_plan(Path("."), {"reader.yaml": role}, tiny_tenant("Global Reader"))
    # One rule patch (the activation rule) and one schedule request (cid's eligibility).
    assert [op.op for op in plan.operations] == ["patch_rule", "schedule"]
    text = render_json(plan)
    data = json.loads(text)
    assert data["format_version"] == FORMAT_VERSION == 3
    assert data["summary"] == {"add": 1, "change": 1, "remove": 0}
    create = next(c for c in data["changes"] if c["action"] == "create")
    assert {"address", "action", "before", "after", "role", "principal"} <= set(create)
    check_golden("two-operations.json", text)
