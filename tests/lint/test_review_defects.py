"""Defects an adversarial review of the lint found, each now a regression test: a Tier-0
finding must not disappear or stop blocking through the baseline, waivers, selection,
automation, requests in flight, scopes, unresolved holders or unreadable policies, and the
output says what did not run."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from pim_gitops.lint.baseline import baseline_yaml, read_baseline
from pim_gitops.lint.engine import LintResult, run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, write_repo

PIM = "tenant: contoso.onmicrosoft.com\n"
USER_ADMINISTRATOR = "fe930be7-5e62-47db-91af-98c3a49a38b1"


def _ga_facts(count: int, kind: str = "eligible") -> dict[str, Any]:
    users = {f"u{i}@contoso.com": {} for i in range(count)}
    grants = [
        {
            "role": "Global Administrator",
            "principal": f"user:u{i}@contoso.com",
            "kind": kind,
            "days_left": None if kind == "active" else 20,
        }
        for i in range(count)
    ]
    return {"users": users, "assignments": grants}


def _tenant(facts: dict[str, Any]) -> TenantState:
    return normalize_tenant(tenant_snapshot(facts, NOW), NOW)


def _lint(root: Path, tenant: TenantState, **kw: Any) -> LintResult:
    return run_lint(load_desired(str(root), NOW).state, tenant, NOW, views=("posture",), **kw)


def _unwaived(result: LintResult, rule: str) -> list[Any]:
    return [f for f in result.findings if f.rule == rule and f.waived is None]


def _user_id(tenant: TenantState, upn: str) -> str:
    return next(p.id for p in tenant.principals.values() if p.user_principal_name == upn)


def test_a_baseline_waiver_of_nine_gas_does_not_cover_one_ga(tmp_path: Path) -> None:
    """Waivers match by rule+role(+principal) only: the GA-count waiver written for "9 users
    hold GA (too many)" also waives "1 user holds GA" (lockout) and "50 users"."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    before = _lint(root, _tenant(_ga_facts(9)))
    assert _unwaived(before, "ASG002")
    (root / "b.yaml").write_text(baseline_yaml(before.findings, NOW)[0], encoding="utf-8")
    waivers = read_baseline(root / "b.yaml", "b.yaml")
    after = _lint(root, _tenant(_ga_facts(1)), baseline=waivers)
    assert _unwaived(after, "ASG002"), "a new, different GA-count problem is waived"


def test_an_unedited_baseline_does_not_accept_a_permanent_ga(tmp_path: Path) -> None:
    """`lint --baseline` writes reason "baseline <date>: say why"; read back unedited it
    waives a permanent active GA (MS.AAD.7.4) and lint passes (exit 0)."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    facts = _ga_facts(2)
    facts["users"]["carol@contoso.com"] = {}
    facts["assignments"].append(
        {"role": "Global Administrator", "principal": "user:carol@contoso.com", "kind": "active"}
    )
    before = _lint(root, _tenant(facts))
    assert any(f.rule == "ASG001" for f in before.blocking)
    (root / "b.yaml").write_text(baseline_yaml(before.findings, NOW)[0], encoding="utf-8")
    after = _lint(root, _tenant(facts), baseline=read_baseline(root / "b.yaml", "b.yaml"))
    assert after.blocking, "a placeholder reason accepts every Tier-0 error"


def test_a_waiver_of_a_tier0_error_for_a_thousand_years_is_reported(tmp_path: Path) -> None:
    pim = PIM + (
        "waivers:\n  - {rule: ASG001, role: Global Administrator, reason: forever,"
        " expires: 2999-12-31}\n"
    )
    root = write_repo(tmp_path, {"pim.yaml": pim})
    facts = _ga_facts(2, kind="active")
    result = _lint(root, _tenant(facts))
    assert not _unwaived(result, "ASG001")  # both permanent GAs waived for 973 years ...
    assert [f for f in result.findings if f.rule.startswith("GEN") and "2999" in f.message]


def test_a_future_start_permanent_active_ga_is_reported(tmp_path: Path) -> None:
    """A granted request for a permanent active GA starting in two hours: lint is silent."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    tenant = _tenant(_ga_facts(2))
    ga = tenant.role_by_template(GLOBAL_ADMINISTRATOR)
    assert ga is not None
    scheduled = Assignment(
        ga.id,
        _user_id(tenant, "u1@contoso.com"),
        "/",
        "active",
        start=NOW + timedelta(hours=2),
        request=("req-1", "Provisioned"),
    )
    tenant = replace(tenant, assignments=(*tenant.assignments, scheduled))
    assert _unwaived(_lint(root, tenant), "ASG001")


def test_a_permanent_active_user_administrator_on_an_au_is_reported(tmp_path: Path) -> None:
    """SCuBA 7.4: "Permanent active role assignments SHALL NOT be allowed for highly
    privileged roles" names no scope; an AU-scoped one is dropped (scope == "/")."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    tenant = _tenant(_ga_facts(2))
    ua = tenant.role_by_template(USER_ADMINISTRATOR)
    assert ua is not None
    au = Assignment(ua.id, _user_id(tenant, "u1@contoso.com"), "/administrativeUnits/au1", "active")
    # normalize.py puts schedules at other scopes in unmanaged_scoped; lint never reads it.
    tenant = replace(tenant, unmanaged_scoped=(au,))
    assert _unwaived(_lint(root, tenant), "ASG001")


def test_ga_holders_the_tenant_cannot_resolve_still_count(tmp_path: Path) -> None:
    """Two users and seven object ids not in ``principals`` hold GA: 7.1 says nothing (the
    unknown holders count as zero, not as "unknown")."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    tenant = _tenant(_ga_facts(2))
    ga = tenant.role_by_template(GLOBAL_ADMINISTRATOR)
    assert ga is not None
    ghosts = tuple(
        Assignment(ga.id, f"9d0a2f3e-0000-4000-8000-{i:012d}", "/", "eligible", NOW + timedelta(1))
        for i in range(7)
    )
    tenant = replace(tenant, assignments=(*tenant.assignments, *ghosts))
    assert _unwaived(_lint(root, tenant), "ASG002")


def test_a_custom_privileged_set_keeps_the_scuba_alerts_on_ga(tmp_path: Path) -> None:
    """privileged.py: the baselines' lists "decide the control ids a finding carries
    whatever set is configured"; with privileged_roles: [Exchange Administrator] the GA
    alert findings (7.7, 7.8, SHALL) vanish."""
    default = _lint(write_repo(tmp_path / "a", {"pim.yaml": PIM}), _tenant(_ga_facts(2)))
    assert {"MS.AAD.7.8v1"} <= {c for f in _unwaived(default, "NTF001") for c in f.controls}
    pim = PIM + "lint:\n  privileged_roles: [Exchange Administrator]\n"
    custom = _lint(write_repo(tmp_path / "b", {"pim.yaml": pim}), _tenant(_ga_facts(2)))
    assert {"MS.AAD.7.8v1"} <= {c for f in _unwaived(custom, "NTF001") for c in f.controls}


def test_an_unreadable_ga_policy_blocks_whatever_the_privileged_set(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  privileged_roles: [Exchange Administrator]\n"
    facts = {**_ga_facts(2), "policies": {"Global Administrator": None}}
    result = _lint(write_repo(tmp_path, {"pim.yaml": pim}), _tenant(facts))
    assert any(f.rule == "GEN003" for f in result.blocking)


def _group_ga_facts() -> dict[str, Any]:
    facts = _ga_facts(2)
    facts["users"]["hyb@contoso.com"] = {"synced": True, "immutable_id": "abc=="}
    facts["groups"] = {"GA Group": ["hyb@contoso.com"]}
    facts["assignments"].append(
        {"role": "Global Administrator", "principal": "group:GA Group", "kind": "active"}
    )
    return facts


def test_a_group_declared_as_automation_keeps_its_permanent_ga_reported(tmp_path: Path) -> None:
    """`automation:` is for service accounts (SCuBA 7.4's exception); any principal is
    accepted, so a group's permanent active GA (every member standing GA) goes silent."""
    pim = PIM + "automation:\n  - {principal: group:GA Group, reason: nightly job}\n"
    result = _lint(write_repo(tmp_path, {"pim.yaml": pim}), _tenant(_group_ga_facts()))
    assert _unwaived(result, "ASG001") or [
        f for f in result.blocking if "automation" in f.message and "GA Group" in f.message
    ]


def test_a_ga_group_whose_members_are_unknown_is_not_a_cloud_only_pass(tmp_path: Path) -> None:
    """7.3 with the group's members missing from the tenant view: ASG004 says nothing at all
    (not even "not checked"), where ASG002 says the count is a lower bound."""
    root = write_repo(tmp_path, {"pim.yaml": PIM})
    tenant = _tenant(_group_ga_facts())
    assert _unwaived(_lint(root, tenant), "ASG004")  # members known: the synced member
    group = next(p.id for p in tenant.principals.values() if p.type == "group")
    unknown = replace(
        tenant, group_members={k: v for k, v in tenant.group_members.items() if k != group}
    )
    assert _unwaived(_lint(root, unknown), "ASG004")


def test_rewriting_the_baseline_keeps_the_reasons_and_expiries(tmp_path: Path) -> None:
    """`lint --baseline FILE` on the configured baseline ignores it (commands/policy.py:106)
    and overwrites it: filled-in reasons are lost and every expiry moves 90 days on, so a
    monthly re-run waives Tier-0 errors forever with "say why"."""
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    root = write_repo(tmp_path, {"pim.yaml": PIM + "lint: {baseline: b.yaml}\n"})
    runner = CliRunner()
    args = ["lint", str(root), "--baseline", str(root / "b.yaml")]
    first = runner.invoke(cli, ["--now", "2026-12-01", *args])
    assert first.exit_code == 0, first.output
    text = (root / "b.yaml").read_text(encoding="utf-8")
    assert "expires: 2027-03-01" in text
    (root / "b.yaml").write_text(text.replace("say why", "accepted by the CISO"), "utf-8")
    again = runner.invoke(cli, ["--now", "2027-02-20", *args])
    assert again.exit_code == 0, again.output
    rewritten = (root / "b.yaml").read_text(encoding="utf-8")
    assert "accepted by the CISO" in rewritten
    assert "2027-05-21" not in rewritten  # not renewed for another 90 days


def test_an_empty_ignore_entry_does_not_switch_every_rule_off(tmp_path: Path) -> None:
    """selection.py `matches`: "".startswith-prefix matches every code, so
    `lint: {ignore: [""]}` in pim.yaml runs no rule and lint reports a clean pass."""
    from pim_gitops.errors import LintConfigError

    root = write_repo(tmp_path, {"pim.yaml": PIM + 'lint: {ignore: [""]}\n'})
    facts = _ga_facts(2, kind="active")  # two permanent active GAs: ASG001 errors
    try:
        result = _lint(root, _tenant(facts))
    except LintConfigError:
        return  # refusing the empty selector is a fix too
    assert result.blocking


def test_the_json_report_says_which_rules_did_not_run(tmp_path: Path) -> None:
    """`--ignore ASG001` (or lint.rules.ASG001.enabled: false): the report has no trace of
    it, so "0 errors" cannot be told from "MS.AAD.7.4 was not checked"."""
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    root = write_repo(tmp_path, {"pim.yaml": PIM})
    out = CliRunner().invoke(
        cli, ["--now", "2026-12-01", "lint", str(root), "--ignore", "ASG001", "--format", "json"]
    )
    assert "ASG001" in out.output


def test_scuba_ids_attach_only_to_scuba_s_eight_roles(tmp_path: Path) -> None:
    """MS.AAD.7.7/7.9 are about SCuBA's eight highly privileged roles; a role put in the
    privileged set by `lint.privileged_roles` gets NTF001 findings tagged MS.AAD.7.7v1
    (rules/notifications.py:71) although the control does not cover it."""
    from pim_gitops.lint.privileged import SCUBA_HIGHLY_PRIVILEGED
    from pim_gitops.roles import BUILTIN_ROLES

    pim = PIM + "lint:\n  privileged_roles: [Global Administrator, Teams Administrator]\n"
    result = _lint(write_repo(tmp_path, {"pim.yaml": pim}), _tenant(_ga_facts(2)))
    scuba_names = {BUILTIN_ROLES[t] for t in SCUBA_HIGHLY_PRIVILEGED}
    wrong = [
        (f.rule, f.role, f.controls)
        for f in result.findings
        if f.role not in scuba_names and any(c.startswith("MS.AAD.7.") for c in f.controls)
    ]
    assert wrong == []


def test_tenant_names_cannot_write_waivers_into_the_baseline(tmp_path: Path) -> None:
    """baseline.py writes each message as `# {message}` unescaped: a group display name with
    newlines (tenant data) injects a tenant-wide ASG002 waiver expiring in 2999."""
    import yaml

    evil = "Ops\n  - rule: ASG002\n    reason: accepted forever\n    expires: 2999-12-31\n  #"
    facts = _ga_facts(2)
    facts["groups"] = {evil: []}
    facts["assignments"].append(
        {"role": "Global Administrator", "principal": f"group:{evil}", "kind": "active"}
    )
    result = _lint(write_repo(tmp_path, {"pim.yaml": PIM}), _tenant(facts))
    written = yaml.safe_load(baseline_yaml(result.findings, NOW)[0])["waivers"]
    found = {(f.rule, f.role or "", f.principal or "") for f in result.findings}
    extra = [
        w for w in written if (w["rule"], w.get("role", ""), w.get("principal", "")) not in found
    ]
    assert extra == []
