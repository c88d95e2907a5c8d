"""Lint: the rule catalogue, positive and negative cases, presets, waivers, outputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.lint.engine import View, catalogue, run_lint
from pim_gitops.lint.render import render_github, render_json, render_sarif, rules_docs
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired
from tests.conftest import POLICIES, ROOT, write

NOW = SAMPLE_NOW
TENANT = (
    "tenant: contoso.onmicrosoft.com\nbreak_glass: [user:bg1@contoso.onmicrosoft.com, "
    "user:bg2@contoso.onmicrosoft.com]\nlint: {preset: cisa}\n"
)
GOOD_GA = """role: Global Administrator
activation:
  max_duration: PT1H
  require: [mfa, justification, ticket]
  approval: {required: true, approvers: [group:PIM Tier0 Approvers], reviewed: 2026-10-01}
eligible_assignment: {allow_permanent: false, max_duration: P90D}
active_assignment: {allow_permanent: true}
notifications:
  eligible_assigned: {admin: {recipients: [secops@contoso.com]}}
  active_assigned: {admin: {recipients: [secops@contoso.com]}}
  activated: {admin: {recipients: [secops@contoso.com]}}
assignments:
  eligible:
    - {principal: user:alice.admin@contoso.com, duration: P30D, renew: true, justification: ops}
  active:
    - {principal: user:bg1@contoso.onmicrosoft.com, permanent: true, justification: bg}
    - {principal: user:bg2@contoso.onmicrosoft.com, permanent: true, justification: bg}
"""


def repo(tmp_path: Path, ga: str = GOOD_GA, tenant: str = TENANT, **roles: str) -> Path:
    write(tmp_path / "pim.yaml", tenant)
    write(tmp_path / "roles" / "ga.yaml", ga)
    for name, text in roles.items():
        write(tmp_path / "roles" / f"{name}.yaml", text)
    return tmp_path


def lint(
    directory: Path | str,
    *,
    snapshot: dict[str, Any] | None = None,
    tenant: bool = True,
    preset: str | None = None,
    now: datetime = NOW,
    views: tuple[View, ...] = ("policy",),
) -> set[tuple[str, str | None, str | None]]:
    desired = load_desired(str(directory), now).state
    state = normalize_tenant(snapshot or read_snapshot(SAMPLE_TENANT), now) if tenant else None
    result = run_lint(desired, state, now, preset=preset, views=views)
    return {(f.rule, f.role, f.principal) for f in result.findings if f.waived is None}


def rules_of(findings: set[tuple[str, str | None, str | None]]) -> set[str]:
    return {f[0] for f in findings}


def test_sample_tenant_findings_are_exactly_the_planted_defects() -> None:
    """Both views of the sample tenant: the manifest says why each finding is there."""
    manifest = json.loads((ROOT / "pim_gitops" / "demo" / "planted-defects.json").read_text())
    expected = {
        (view, i["rule"], role, i["principal"])
        for view in ("policy", "posture")
        for i in manifest[view]
        for role in i["roles"]
    }
    desired = load_desired(str(POLICIES), NOW).state
    result = run_lint(desired, normalize_tenant(read_snapshot(SAMPLE_TENANT), NOW), NOW)
    found = {
        (f.view, f.rule, role, f.principal)
        for f in result.findings
        if f.waived is None
        for role in (f.roles or (f.role,))
    }
    assert found == expected
    assert all(i["why"] for view in ("policy", "posture") for i in manifest[view])


def test_a_clean_repo_has_no_tenant_independent_findings(tmp_path: Path) -> None:
    # Offline, a group's approvers cannot be counted (APR004 says so): name two people.
    ga = GOOD_GA.replace(
        "group:PIM Tier0 Approvers", "user:grace.identity@contoso.com, user:bob.sec@contoso.com"
    )
    assert lint(repo(tmp_path, ga=ga), tenant=False) == set()


def test_break_glass(tmp_path: Path) -> None:
    one = TENANT.replace(", user:bg2@contoso.onmicrosoft.com", "")
    assert ("GEN001", "Global Administrator", None) in lint(
        repo(tmp_path, tenant=one), tenant=False
    )
    not_declared = GOOD_GA.replace(
        "    - {principal: user:bg2@contoso.onmicrosoft.com, permanent: true, justification: bg}\n",
        "",
    )
    found = lint(repo(tmp_path, ga=not_declared), tenant=False)
    assert ("GEN001", "Global Administrator", "user:bg2@contoso.onmicrosoft.com") in found


def test_permanent_active_privileged_vs_other_roles(tmp_path: Path) -> None:
    ga = (
        GOOD_GA + "    - {principal: user:carol.it@contoso.com, permanent: true, "
        "justification: x}\n"
    )
    reader = (
        "role: Global Reader\nactive_assignment: {allow_permanent: true}\nassignments:\n"
        "  active:\n    - {principal: user:heidi.audit@contoso.com, permanent: true, "
        "justification: audit}\n"
    )
    desired = load_desired(str(repo(tmp_path, ga=ga, reader=reader)), NOW).state
    result = run_lint(desired, None, NOW)
    asg = {(f.role, f.severity, f.controls) for f in result.findings if f.rule == "ASG001"}
    assert asg == {
        ("Global Administrator", "error", ("MS.AAD.7.4v1", "CIS 5.3.1")),
        ("Global Reader", "warning", ()),
    }


def test_service_account_declared_under_automation_is_exempt(tmp_path: Path) -> None:
    tenant = TENANT + "automation:\n  - {principal: user:carol.it@contoso.com, reason: sync}\n"
    ga = (
        GOOD_GA + "    - {principal: user:carol.it@contoso.com, permanent: true, "
        "justification: x}\n"
    )
    assert "ASG001" not in rules_of(lint(repo(tmp_path, ga=ga, tenant=tenant), tenant=False))


@pytest.mark.parametrize(
    ("extra", "preset", "fails"),
    [
        (0, "cisa", False),
        (5, "cisa", False),
        (6, "cisa", True),
        (1, "cis", False),
        (2, "cis", True),
    ],
)
def test_global_admin_count(tmp_path: Path, extra: int, preset: str, fails: bool) -> None:
    """ScubaGear 7.1 cases: 2 pass, 9 fail; the CIS preset allows at most 4."""
    users = ["bob.sec", "heidi.audit", "erin.exchange", "frank.sp", "ivan.ops", "judy.compliance"][
        :extra
    ]
    alice = (
        "    - {principal: user:alice.admin@contoso.com, duration: P30D"
        ", renew: true, justification: ops}\n"
    )
    more = "".join(
        f"    - {{principal: user:{u}@contoso.com, duration: P10D"
        ", renew: true, justification: x}\n"
        for u in users
    )
    found = lint(repo(tmp_path, ga=GOOD_GA.replace(alice, alice + more)), preset=preset)
    code = "ASG010" if preset == "cis" else "ASG002"  # CIS 1.1.3's count is its own rule
    assert (code in rules_of(found)) is fails


def test_global_admin_count_expands_groups(tmp_path: Path) -> None:
    ga = GOOD_GA.replace("user:alice.admin@contoso.com", "group:Helpdesk Operators")
    found = lint(repo(tmp_path, ga=ga), preset="cis")  # 7 members + 2 break-glass = 9 > 4
    assert ("ASG010", "Global Administrator", None) in found
    assert "ASG010" not in rules_of(lint(repo(tmp_path, ga=ga), tenant=False, preset="cis"))


def test_finer_grained_roles_score(tmp_path: Path) -> None:
    """ScubaGear 7.2: more Global Administrators than holders of only other privileged roles
    fails; users holding both count as Global Administrators."""
    assert "ASG003" in rules_of(lint(repo(tmp_path, tenant=TENANT), snapshot=_no_others()))
    exchange = "role: Exchange Administrator\nassignments:\n  eligible:\n" + "".join(
        f"    - {{principal: user:{u}@contoso.com, duration: P10D"
        ", renew: true, justification: x}\n"
        for u in ["bob.sec", "heidi.audit", "erin.exchange"]
    )
    assert "ASG003" not in rules_of(lint(repo(tmp_path, exchange=exchange), snapshot=_no_others()))


def _no_others() -> dict[str, Any]:
    """The sample tenant with no holders of privileged roles other than Global Admin."""
    from pim_gitops.roles import GLOBAL_ADMINISTRATOR, HIGHLY_PRIVILEGED

    snapshot = read_snapshot(SAMPLE_TENANT)
    for name in ("roleEligibilitySchedules", "roleAssignmentSchedules"):
        snapshot[name] = [
            s
            for s in snapshot[name]
            if s["roleDefinitionId"] not in HIGHLY_PRIVILEGED - {GLOBAL_ADMINISTRATOR}
        ]
    return snapshot


def test_cloud_only_and_outside_pim_need_a_tenant(tmp_path: Path) -> None:
    desired = load_desired(str(repo(tmp_path)), NOW).state
    result = run_lint(desired, None, NOW)
    assert {"ASG004", "ASG005", "GEN002", "ASG009"} <= set(result.skipped)


def test_synced_break_glass_is_flagged(tmp_path: Path) -> None:
    snapshot = read_snapshot(SAMPLE_TENANT)
    for obj in snapshot["directoryObjects"]:
        if obj.get("userPrincipalName") == "bg1@contoso.onmicrosoft.com":
            obj["onPremisesImmutableId"] = "HelloWorld"  # ScubaGear 7.3 Incorrect_V1
    found = lint(repo(tmp_path), snapshot=snapshot)
    assert ("GEN001", "Global Administrator", "user:bg1@contoso.onmicrosoft.com") in found
    assert ("ASG004", "Global Administrator", "user:bg1@contoso.onmicrosoft.com") in found


def test_unresolved_principal(tmp_path: Path) -> None:
    ga = GOOD_GA.replace("alice.admin", "nobody")
    assert ("GEN002", "Global Administrator", "user:nobody@contoso.com") in lint(
        repo(tmp_path, ga=ga)
    )


def test_unresolved_principal_names_a_custom_role_by_its_display_name(tmp_path: Path) -> None:
    from pim_gitops.tenantgen import CUSTOM_ROLE_ID

    tier1 = f"role: {CUSTOM_ROLE_ID}\nassignments:\n  eligible:\n" + (
        "    - {principal: user:nobody@contoso.com, duration: P30D"
        ", renew: true, justification: ops}\n"
    )
    found = lint(repo(tmp_path, tier1=tier1))
    assert ("GEN002", "Contoso Tier1 Support", "user:nobody@contoso.com") in found


@pytest.mark.parametrize(
    ("preset", "role", "expected"),
    [
        ("cisa", "Global Administrator", {"MS.AAD.7.6v1", "CIS 5.3.4"}),
        ("cis", "Global Administrator", {"MS.AAD.7.6v1", "CIS 5.3.4"}),
        ("cis", "Privileged Role Administrator", {"CIS 5.3.5"}),
        ("cisa", "Privileged Role Administrator", {"CIS 5.3.5"}),
        ("default", "Privileged Role Administrator", {"CIS 5.3.5"}),
        ("cisa", "Exchange Administrator", None),
        ("strict", "Exchange Administrator", set()),
    ],
)
def test_approval_required(
    tmp_path: Path, preset: str, role: str, expected: set[str] | None
) -> None:
    ga = (
        GOOD_GA.replace(
            "required: true, approvers: [group:PIM Tier0 Approvers], reviewed: 2026-10-01",
            "required: false",
        )
        if role == "Global Administrator"
        else GOOD_GA
    )
    other = "" if role == "Global Administrator" else f"role: {role}\n"
    directory = repo(tmp_path, ga=ga, **({"other": other} if other else {}))
    desired = load_desired(str(directory), NOW).state
    result = run_lint(desired, None, NOW, preset=preset)
    found = [f for f in result.findings if f.rule == "APR001" and f.role == role]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and set(found[0].controls) == expected


def test_approvers_problems(tmp_path: Path) -> None:
    no_approvers = GOOD_GA.replace("approvers: [group:PIM Tier0 Approvers], ", "")
    desired = load_desired(str(repo(tmp_path, ga=no_approvers)), NOW).state
    result = run_lint(desired, None, NOW)
    assert [f.severity for f in result.findings if f.rule == "APR002"] == ["warning"]
    self_approval = GOOD_GA.replace("group:PIM Tier0 Approvers", "user:alice.admin@contoso.com")
    found = lint(repo(tmp_path, ga=self_approval))
    assert ("APR002", "Global Administrator", "user:alice.admin@contoso.com") in found
    sp = GOOD_GA.replace("group:PIM Tier0 Approvers", "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b")
    assert ("APR002", "Global Administrator", "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b") in lint(
        repo(tmp_path, ga=sp)
    )


def test_approver_review_age_uses_now(tmp_path: Path) -> None:
    directory = repo(tmp_path)
    assert "APR003" not in rules_of(lint(directory, tenant=False))
    later = datetime(2027, 3, 1, tzinfo=UTC)
    assert "APR003" in rules_of(lint(directory, tenant=False, now=later))


def test_activation_rules(tmp_path: Path) -> None:
    weak = GOOD_GA.replace("require: [mfa, justification, ticket]", "require: [ticket]")
    weak = weak.replace("max_duration: PT1H", "max_duration: PT10H")
    desired = load_desired(str(repo(tmp_path, ga=weak)), NOW).state
    result = run_lint(desired, None, NOW)
    act = {(f.rule, f.severity) for f in result.findings if f.rule.startswith("ACT")}
    assert act == {("ACT001", "error"), ("ACT002", "warning")}
    context = GOOD_GA.replace(
        "require: [mfa, justification, ticket]",
        "require: [justification, ticket]\n  authentication_context: c1",
    )
    assert "ACT001" not in rules_of(lint(repo(tmp_path, ga=context), tenant=False))


def test_admin_mfa_breaks_automation(tmp_path: Path) -> None:
    ga = GOOD_GA.replace(
        "active_assignment: {allow_permanent: true}",
        "active_assignment: {allow_permanent: true, require: [mfa]}",
    )
    assert "ACT003" in rules_of(lint(repo(tmp_path, ga=ga), tenant=False))


def test_alerts(tmp_path: Path) -> None:
    quiet = GOOD_GA.split("notifications:")[0] + "assignments:" + GOOD_GA.split("assignments:")[1]
    desired = load_desired(str(repo(tmp_path, ga=quiet)), NOW).state
    result = run_lint(desired, None, NOW)
    controls = sorted(c for f in result.findings if f.rule == "NTF001" for c in f.controls)
    assert controls == ["MS.AAD.7.7v1", "MS.AAD.7.7v1", "MS.AAD.7.8v1"]
    exchange = "role: Exchange Administrator\n"
    result = run_lint(load_desired(str(repo(tmp_path, exchange=exchange)), NOW).state, None, NOW)
    other = [
        f for f in result.findings if f.rule == "NTF001" and f.role == "Exchange Administrator"
    ]
    assert {(f.severity, f.controls) for f in other} >= {("warning", ("MS.AAD.7.9v1",))}


def test_eligible_expiry_and_stale_and_justification(tmp_path: Path) -> None:
    ga = GOOD_GA.replace(
        "eligible_assignment: {allow_permanent: false, max_duration: P90D}",
        "eligible_assignment: {allow_permanent: true}",
    )
    ga = ga.replace("duration: P30D, renew: true, justification: ops", "expires: 2026-01-01")
    found = lint(repo(tmp_path, ga=ga), tenant=False)
    assert {"ASG006", "ASG007", "ASG008"} <= rules_of(found)


def test_waivers(tmp_path: Path) -> None:
    ga = GOOD_GA.replace("require: [mfa, justification, ticket]", "require: [mfa, justification]")
    waived = ga + "waivers:\n  - {rule: ACT001, reason: phone queue, expires: 2027-01-01}\n"
    desired = load_desired(str(repo(tmp_path, ga=waived)), NOW).state
    result = run_lint(desired, None, NOW)
    act = [f for f in result.findings if f.rule == "ACT001"]
    assert act and all(f.waived == "phone queue" for f in act)
    expired = ga + "waivers:\n  - {rule: ACT001, reason: phone queue, expires: 2026-01-01}\n"
    found = lint(repo(tmp_path, ga=expired), tenant=False)
    assert {"GEN004", "ACT001"} <= rules_of(found)
    unused = GOOD_GA + "waivers:\n  - {rule: APR001, reason: not needed, expires: 2027-01-01}\n"
    assert "GEN005" in rules_of(lint(repo(tmp_path, ga=unused), tenant=False))


def test_overrides_change_severity_and_disable(tmp_path: Path) -> None:
    tenant = TENANT.replace(
        "lint: {preset: cisa}",
        "lint:\n  preset: cisa\n  rules:\n    ACT002: {enabled: false}\n"
        "    ACT001: {severity: info}",
    )
    ga = GOOD_GA.replace("require: [mfa, justification, ticket]", "require: [mfa]")
    ga = ga.replace("max_duration: PT1H", "max_duration: PT10H")
    desired = load_desired(str(repo(tmp_path, ga=ga, tenant=tenant)), NOW).state
    result = run_lint(desired, None, NOW)
    assert "ACT002" not in {f.rule for f in result.findings}
    assert {f.severity for f in result.findings if f.rule == "ACT001"} == {"info"}


def test_outputs() -> None:
    desired = load_desired(str(POLICIES), NOW).state
    result = run_lint(desired, normalize_tenant(read_snapshot(SAMPLE_TENANT), NOW), NOW)
    sarif = json.loads(render_sarif(result))
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == len(result.findings)
    data = json.loads(render_json(result))
    assert set(data["findings"][0]) >= {
        "rule",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "role",
        "principal",
        "controls",
    }
    # a finding about the tenant (no role file) names the tenant file and no line
    annotations = render_github(result).splitlines()
    assert any(a.startswith("::error file=policies/pim.yaml,title=") for a in annotations)
    tenant_file = [a for a in annotations if "file=policies/pim.yaml," in a and "(posture)" in a]
    assert tenant_file and all(",line=" not in a for a in tenant_file)


def test_rule_catalogue_is_complete_and_documented() -> None:
    for rule in catalogue():
        assert (
            rule.code[:3] in ("GEN", "ASG", "ACT", "ALR", "APR", "HIS", "NTF", "REV")
            and len(rule.code) == 6
        )
        assert rule.title and all(text for _, text in rule.doc.sections)
        assert rule.doc.bad and rule.doc.good
        for control in rule.scuba:
            assert control.startswith("MS.AAD.7.") and control.endswith("v1")
    docs = ROOT / "docs" / "rules"
    pages = rules_docs()
    assert sorted(p.name for p in docs.glob("*.md")) == sorted(pages)
    for name, text in pages.items():
        assert (docs / name).read_text() == text, f"docs/rules/{name} is stale: make docs"


def test_lint_command_exit_codes(tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["--now", "2026-11-24", "lint", str(repo(tmp_path))])
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(
        cli,
        [
            "--now",
            "2026-11-24",
            "lint",
            str(POLICIES),
            "--snapshot",
            str(SAMPLE_TENANT),
            "--format",
            "sarif",
        ],
    )
    assert bad.exit_code == 1 and '"version": "2.1.0"' in bad.output
    explained = CliRunner().invoke(cli, ["rules", "APR001"])
    assert "MS.AAD.7.6v1" in explained.output
