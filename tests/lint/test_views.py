"""The two views (policy: the repository; posture: the tenant as it is), the privileged-role
sets, rule selection, findings of a shared line reported once, and the baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.errors import LintConfigError
from pim_gitops.lint.baseline import baseline_yaml, read_baseline
from pim_gitops.lint.engine import Finding, run_lint
from pim_gitops.lint.examples import tenant_snapshot
from pim_gitops.lint.privileged import (
    CIS_PIM_ROLES,
    MICROSOFT_PRIVILEGED,
    SCUBA_HIGHLY_PRIVILEGED,
)
from pim_gitops.lint.selection import Selection
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import builtin_role_by_name
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, lint_repo, write_repo

PIM = "tenant: contoso.onmicrosoft.com\n"
EXCHANGE = "role: Exchange Administrator\n"
TEAMS = "role: Teams Administrator\n"
# A live permanent active Teams Administrator and an eligible Exchange Administrator.
FACTS: dict[str, Any] = {
    "users": {"ann@contoso.com": {}, "ben@contoso.com": {}},
    "assignments": [
        {
            "role": "Teams Administrator",
            "principal": "user:ann@contoso.com",
            "kind": "active",
            "days_left": None,
        },
        {
            "role": "Exchange Administrator",
            "principal": "user:ben@contoso.com",
            "kind": "eligible",
            "days_left": 20,
        },
    ],
}


def codes(findings: tuple[Finding, ...], view: str, rule: str) -> set[str | None]:
    return {f.role for f in findings if f.view == view and f.rule == rule and not f.waived}


def test_without_a_tenant_only_the_policy_view_runs(tmp_path: Path) -> None:
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), None)
    assert result.views == ("policy",)
    assert {f.view for f in result.findings} <= {"policy"}


def test_the_posture_view_needs_a_tenant(tmp_path: Path) -> None:
    with pytest.raises(LintConfigError, match="posture view lints the tenant"):
        lint_repo(write_repo(tmp_path, {"pim.yaml": PIM}), None, ("posture",))


def test_posture_judges_roles_the_repository_does_not_manage(tmp_path: Path) -> None:
    """A live permanent active Teams Administrator: the posture view reports it although no
    file names the role; the policy view does not (the repository does not decide it)."""
    root = write_repo(tmp_path, {"pim.yaml": PIM + "lint: {privileged_roles: cis}\n"})
    result = lint_repo(root, FACTS)
    assert codes(result.findings, "posture", "ASG001") == {"Teams Administrator"}
    assert codes(result.findings, "policy", "ASG001") == set()
    found = next(f for f in result.findings if f.rule == "ASG001" and f.view == "posture")
    assert (found.file, found.line) == (str(root / "pim.yaml"), 0)  # no line says it


def test_a_posture_finding_of_a_managed_role_points_at_its_file(tmp_path: Path) -> None:
    files = {"pim.yaml": PIM + "lint: {privileged_roles: cis}\n", "roles/teams.yaml": TEAMS}
    root = write_repo(tmp_path, files)
    found = [
        f for f in lint_repo(root, FACTS).findings if f.rule == "ASG001" and f.view == "posture"
    ]
    assert [(Path(f.file).name, f.line) for f in found] == [("teams.yaml", 1)]


def test_additive_roles_keep_live_holders_in_the_policy_view(tmp_path: Path) -> None:
    """In ``assignments_mode: additive`` apply leaves undeclared live assignments: they are
    part of what the tenant will be, so the policy view judges them; authoritative removes
    them, so it does not."""
    pim = PIM + "lint: {privileged_roles: cis}\n"
    additive = write_repo(
        tmp_path / "a", {"pim.yaml": pim, "roles/t.yaml": TEAMS + "assignments_mode: additive\n"}
    )
    authoritative = write_repo(tmp_path / "b", {"pim.yaml": pim, "roles/t.yaml": TEAMS})
    assert codes(lint_repo(additive, FACTS).findings, "policy", "ASG001") == {"Teams Administrator"}
    assert codes(lint_repo(authoritative, FACTS).findings, "policy", "ASG001") == set()


def test_privileged_role_sets_by_preset_and_by_name(tmp_path: Path) -> None:
    teams = builtin_role_by_name("Teams Administrator")
    exchange = builtin_role_by_name("Exchange Administrator")
    assert len(SCUBA_HIGHLY_PRIVILEGED) == 8 and len(CIS_PIM_ROLES) == 24
    assert len(MICROSOFT_PRIVILEGED) == 29
    assert teams in CIS_PIM_ROLES and teams not in SCUBA_HIGHLY_PRIVILEGED
    assert exchange not in MICROSOFT_PRIVILEGED  # Microsoft does not label it; strict adds it
    for preset, name in (("default", "cisa"), ("cis", "cis"), ("strict", "microsoft+cisa")):
        root = write_repo(tmp_path / preset, {"pim.yaml": PIM + f"lint: {{preset: {preset}}}\n"})
        assert lint_repo(root, None).privileged_roles == name
    named = PIM + "lint: {privileged_roles: [Teams Administrator]}\n"
    result = lint_repo(write_repo(tmp_path / "named", {"pim.yaml": named}), FACTS)
    assert result.privileged_roles == "custom"
    # Teams Administrator is privileged here; its permanent holder is an error, and carries
    # CIS 5.3.1 (its list has the role) but not MS.AAD.7.4v1 (SCuBA's eight do not).
    found = [f for f in result.findings if f.rule == "ASG001" and f.view == "posture"]
    assert [(f.severity, "MS.AAD.7.4v1" in f.controls) for f in found] == [("error", False)]


def test_an_unknown_privileged_role_name_is_an_error_with_a_tenant(tmp_path: Path) -> None:
    pim = PIM + "lint: {privileged_roles: [Teams Adminstrator]}\n"
    with pytest.raises(LintConfigError, match="Teams Adminstrator"):
        lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), FACTS)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(select=("ASG001",)), {"ASG001"}),
        (Selection(select=("asg00",)), {f"ASG00{i}" for i in range(1, 10)}),
        (Selection(select=("no-permanent-active",)), {"ASG001"}),
        (Selection(select=("ASG",), ignore=("ASG001",)), None),  # every ASG but ASG001
        (Selection(select=("ASG001",), extend_select=("NTF",)), {"ASG001", "NTF001"}),
    ],
)
def test_selection_like_ruff(
    tmp_path: Path, selection: Selection, expected: set[str] | None
) -> None:
    from pim_gitops.lint.registry import catalogue

    rules = catalogue()
    picked = selection.chosen(rules, lambda r: True)
    if expected is None:
        every_asg = {r.code for r in rules if r.code.startswith("ASG")}
        assert picked == every_asg - {"ASG001"} and "ASG002" in picked
    else:
        assert picked == expected


def test_selection_all_and_the_preset(tmp_path: Path) -> None:
    from pim_gitops.lint.registry import catalogue

    rules = catalogue()
    assert Selection(select=("ALL",)).chosen(rules, lambda r: False) == {r.code for r in rules}
    only_preset = Selection().chosen(rules, lambda r: r.code == "ACT001")
    assert only_preset == {"ACT001"}
    assert Selection(ignore=("ACT001",)).chosen(rules, lambda r: r.code == "ACT001") == set()


def test_an_unknown_selector_is_an_error() -> None:
    from pim_gitops.lint.registry import catalogue

    with pytest.raises(LintConfigError, match="'XYZ' names no rule"):
        Selection(ignore=("XYZ",)).chosen(catalogue(), lambda r: True)


def test_the_command_line_selection_replaces_the_file_s(tmp_path: Path) -> None:
    pim = PIM + "lint: {select: [ACT001]}\n"
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": pim})), NOW).state
    from_file = Selection().over(desired.lint)
    assert from_file.select == ("ACT001",)
    assert Selection(select=("NTF",)).over(desired.lint).select == ("NTF",)


DEFAULTS_NO_TICKET = PIM + "defaults:\n  activation:\n    require: [mfa, justification]\n"


def test_a_finding_of_a_shared_defaults_line_is_reported_once(tmp_path: Path) -> None:
    files = {
        "pim.yaml": DEFAULTS_NO_TICKET,
        "roles/a.yaml": "role: Exchange Administrator\n",
        "roles/b.yaml": "role: Teams Administrator\n",
        "roles/c.yaml": "role: Global Reader\nactivation:\n  require: [mfa, justification]\n",
    }
    result = lint_repo(write_repo(tmp_path, files), None)
    tickets = [f for f in result.findings if f.rule == "ACT001" and "ticket" in f.message]
    shared = [f for f in tickets if Path(f.file).name == "pim.yaml"]
    own = [f for f in tickets if Path(f.file).name == "c.yaml"]
    assert len(shared) == 1 and shared[0].role is None
    assert shared[0].roles == ("Exchange Administrator", "Teams Administrator")
    assert shared[0].message == (
        "activation does not require a ticket (2 roles: Exchange Administrator, "
        "Teams Administrator)"
    )
    # The role that says it in its own file is reported there, on its own.
    assert [f.role for f in own] == ["Global Reader"]


def test_one_role_on_a_shared_line_is_not_merged(tmp_path: Path) -> None:
    files = {"pim.yaml": DEFAULTS_NO_TICKET, "roles/a.yaml": "role: Exchange Administrator\n"}
    result = lint_repo(write_repo(tmp_path, files), None)
    found = [f for f in result.findings if f.rule == "ACT001" and "ticket" in f.message]
    assert [(f.role, f.roles) for f in found] == [("Exchange Administrator", ())]


def test_the_baseline_waives_today_s_findings_and_reports_them_unused_once_fixed(
    tmp_path: Path,
) -> None:
    files = {
        "pim.yaml": DEFAULTS_NO_TICKET,
        "roles/a.yaml": "role: Exchange Administrator\n",
        "roles/b.yaml": "role: Teams Administrator\n",
    }
    root = write_repo(tmp_path, files)
    before = lint_repo(root, None)
    assert [f for f in before.findings if f.waived is None]
    text, count, new = baseline_yaml(before.findings, NOW)
    assert count == new > 0
    assert yaml.safe_load(text)["waivers"]
    (root / "baseline.yaml").write_text(text, encoding="utf-8")
    waivers = read_baseline(root / "baseline.yaml", "baseline.yaml")
    # One waiver per role of the finding reported once for both roles.
    assert {(w.waiver.rule, w.waiver.role) for w in waivers} >= {
        ("ACT001", "Exchange Administrator"),
        ("ACT001", "Teams Administrator"),
    }
    desired = load_desired(str(root), NOW).state
    after = run_lint(desired, None, NOW, baseline=waivers)
    # Quiet but for the errors, which no TODO reason accepts, and the reminder to write the
    # reasons.
    open_ = [f for f in after.findings if f.waived is None]
    assert {f.rule for f in open_ if f.severity != "error"} == {"GEN006"}
    assert all(not f.waived for f in after.findings if f.severity == "error")
    # Fix the defaults: the ticket waivers now cover nothing, and GEN005 says so.
    (root / "pim.yaml").write_text(
        PIM + "defaults:\n  activation:\n    require: [mfa, justification, ticket]\n",
        encoding="utf-8",
    )
    fixed = run_lint(load_desired(str(root), NOW).state, None, NOW, baseline=waivers)
    unused = {f.message for f in fixed.findings if f.rule == "GEN005" and f.waived is None}
    assert any("ACT001" in m for m in unused), unused


def test_a_bad_baseline_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("waivers:\n  - {rule: ACT001}\n", encoding="utf-8")
    with pytest.raises(LintConfigError, match=r"b\.yaml:2"):
        read_baseline(tmp_path / "b.yaml", "b.yaml")
    with pytest.raises(LintConfigError, match="cannot read the lint baseline"):
        read_baseline(tmp_path / "missing.yaml", "missing.yaml")


def test_cli_baseline_round_trip_and_views(tmp_path: Path) -> None:
    files = {"pim.yaml": DEFAULTS_NO_TICKET, "roles/a.yaml": "role: Exchange Administrator\n"}
    root = write_repo(tmp_path, files)
    runner = CliRunner()
    args = ["--now", "2026-12-01", "lint", str(root)]
    wrote = runner.invoke(cli, [*args, "--baseline", str(root / "lint-baseline.yaml")])
    assert wrote.exit_code == 0, wrote.output
    (root / "pim.yaml").write_text(
        DEFAULTS_NO_TICKET + "lint: {baseline: lint-baseline.yaml}\n", encoding="utf-8"
    )
    # The TODO waivers quiet the warnings; the errors stay open until someone says why.
    todo = runner.invoke(cli, [*args, "--format", "json"])
    assert todo.exit_code == 1, todo.output
    report = yaml.safe_load(todo.output)
    assert report["summary"]["waived"] >= 1
    assert {f["view"] for f in report["findings"]} == {"policy"}
    assert all(
        f["severity"] == "error"
        for f in report["findings"]
        if not f["waived"]
        if f["rule"] != "GEN006"
    )
    baseline = root / "lint-baseline.yaml"
    text = baseline.read_text(encoding="utf-8")
    baseline.write_text(
        text.replace("TODO: say why this is accepted", "CHG-7 accepts it"), encoding="utf-8"
    )
    quiet = runner.invoke(cli, [*args, "--format", "json"])
    assert quiet.exit_code == 0, quiet.output
    assert yaml.safe_load(quiet.output)["summary"]["error"] == 0
    refused = runner.invoke(cli, [*args, "--view", "posture"])
    assert refused.exit_code != 0 and "posture view lints the tenant" in refused.output


def test_requests_in_flight_are_judged_and_said_so(tmp_path: Path) -> None:
    """A permanent active assignment that is only a request (granted, starting later) is
    the tenant's problem already: reported, saying it is not yet in effect; a request for
    what an assignment already gives is not reported twice."""
    from dataclasses import replace

    state = normalize_tenant(tenant_snapshot(FACTS, NOW), NOW)
    desired = load_desired(
        str(write_repo(tmp_path, {"pim.yaml": PIM + "lint: {privileged_roles: cis}\n"})), NOW
    ).state
    active = [a for a in state.assignments if a.kind == "active"]
    only_asked = tuple(
        replace(a, request=("r1", "Granted")) if a.kind == "active" else a
        for a in state.assignments
    )
    result = run_lint(desired, replace(state, assignments=only_asked), NOW, views=("posture",))
    found = [f for f in result.findings if f.rule == "ASG001"]
    assert [f.message.endswith("(requested, Granted: not yet in effect)") for f in found] == [True]
    both = (*state.assignments, replace(active[0], request=("r2", "Granted")))
    twice = run_lint(desired, replace(state, assignments=both), NOW, views=("posture",))
    assert len([f for f in twice.findings if f.rule == "ASG001"]) == 1
    unlisted = replace(state, unlisted_requests={"roleAssignmentScheduleRequests": "403"})
    gen003 = run_lint(desired, unlisted, NOW, views=("posture",))
    assert [f.message for f in gen003.findings if f.rule == "GEN003"] == [
        "the tenant's roleAssignmentScheduleRequests could not be listed (403): assignments "
        "that start later or await approval are not judged"
    ]


def test_validate_reports_a_selector_that_names_no_rule_at_its_line(tmp_path: Path) -> None:
    pim = PIM + "lint:\n  select: [ACT]\n  ignore: [ASG0001]\n"
    root = write_repo(tmp_path, {"pim.yaml": pim})
    result = CliRunner().invoke(cli, ["--now", "2026-12-01", "validate", str(root)])
    assert result.exit_code != 0
    assert f"{root / 'pim.yaml'}:4:12: lint.ignore: 'ASG0001' names no rule" in result.output
    assert "lint.select" not in result.output  # ACT is a prefix of rules


def test_a_baseline_waiver_covers_its_finding_only(tmp_path: Path) -> None:
    """A new, worse problem of the same rule and role is not hidden by yesterday's
    waiver: after the baseline accepted "no ticket", removing MFA is reported."""
    files = {"pim.yaml": DEFAULTS_NO_TICKET, "roles/a.yaml": "role: Exchange Administrator\n"}
    root = write_repo(tmp_path, files)
    text, _, _ = baseline_yaml(lint_repo(root, None).findings, NOW)
    (root / "b.yaml").write_text(text, encoding="utf-8")
    waivers = read_baseline(root / "b.yaml", "b.yaml")
    (root / "pim.yaml").write_text(
        PIM + "defaults:\n  activation:\n    require: [justification]\n", encoding="utf-8"
    )
    result = run_lint(load_desired(str(root), NOW).state, None, NOW, baseline=waivers)
    open_ = [f.message for f in result.findings if f.rule == "ACT001" and f.waived is None]
    assert any("does not require MFA" in m for m in open_), open_
    assert not any("ticket" in m for m in open_)  # that one is still accepted


def test_baseline_again_keeps_the_reasons_written(tmp_path: Path) -> None:
    files = {"pim.yaml": DEFAULTS_NO_TICKET, "roles/a.yaml": "role: Exchange Administrator\n"}
    root = write_repo(tmp_path, files)
    out = root / "lint-baseline.yaml"
    args = ["--now", "2026-12-01", "lint", str(root), "--baseline", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    first = out.read_text(encoding="utf-8")
    written = first.replace(
        "TODO: say why this is accepted (baseline of 2026-12-01)",
        "CHG-1: accepted until the ticket system moves",
        1,
    )
    out.write_text(written, encoding="utf-8")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "kept as they were" in again.output
    assert out.read_text(encoding="utf-8") == written


def test_a_waiver_is_not_unused_where_its_rule_did_not_look(tmp_path: Path) -> None:
    """--view policy does not run ASG005 (posture only): its waiver is not "unused"; with
    the posture shown and nothing to cover, it is."""
    pim = PIM + (
        "waivers:\n  - {rule: ASG005, role: Global Administrator, reason: migration, "
        "expires: 2027-02-22}\n"
    )
    root = write_repo(tmp_path, {"pim.yaml": pim})
    desired = load_desired(str(root), NOW).state
    tenant = normalize_tenant(tenant_snapshot(FACTS, NOW), NOW)
    policy_only = run_lint(desired, tenant, NOW, views=("policy",))
    assert "GEN005" not in {f.rule for f in policy_only.findings}
    both = run_lint(desired, tenant, NOW)
    assert "GEN005" in {f.rule for f in both.findings}


def test_a_selector_typo_gets_a_hint_and_a_string_is_a_list(tmp_path: Path) -> None:
    from pim_gitops.lint.registry import catalogue

    with pytest.raises(LintConfigError, match="did you mean ASG001"):
        Selection(select=("ASG0001",)).chosen(catalogue(), lambda r: True)
    pim = PIM + "lint: {select: 'ASG001, NTF'}\n"
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": pim})), NOW).state
    assert desired.lint.select == ("ASG001", "NTF")


def test_an_empty_selector_is_an_error_not_every_rule(tmp_path: Path) -> None:
    root = write_repo(tmp_path, {"pim.yaml": PIM + "lint: {ignore: ['']}\n"})
    with pytest.raises(LintConfigError, match="names no rule"):
        lint_repo(root, None)


def test_a_group_under_automation_keeps_its_permanent_assignment_reported(
    tmp_path: Path,
) -> None:
    """SCuBA excuses service accounts, not groups: a group's standing Global Administrator
    is standing access for every member."""
    pim = PIM + "automation:\n  - {principal: 'group:Ops', reason: runbooks}\n"
    facts = {
        "users": {"ann@contoso.com": {}},
        "groups": {"Ops": ["ann@contoso.com"]},
        "assignments": [
            {
                "role": "Global Administrator",
                "principal": "group:Ops",
                "kind": "active",
                "days_left": None,
            }
        ],
    }
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), facts, ("posture",))
    assert [f.principal for f in result.findings if f.rule == "ASG001"] == ["group:Ops"]


def test_an_unreadable_global_administrator_policy_blocks_whatever_the_set(
    tmp_path: Path,
) -> None:
    pim = PIM + "lint: {privileged_roles: [Teams Administrator]}\n"
    facts = {"policies": {"Global Administrator": None}}
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), facts, ("posture",))
    assert [(f.role, f.severity) for f in result.findings if f.rule == "GEN003"] == [
        ("Global Administrator", "error")
    ]


def test_what_was_turned_off_is_said(tmp_path: Path) -> None:
    """ "0 errors" with ASG001 ignored is not "no permanent GA": the result says so."""
    pim = PIM + "lint:\n  ignore: [ASG001]\n  rules:\n    ASG002: {severity: info}\n"
    result = lint_repo(write_repo(tmp_path, {"pim.yaml": pim}), None)
    assert "ASG001" in result.not_run and "ASG002" not in result.not_run
    assert result.severities == (("ASG002", "info"),)
    from pim_gitops.lint.render import render_json, render_text

    text = render_text(result)
    assert "not run (turned off by --select/--ignore or lint settings): ASG001" in text
    assert "severity changed by lint.rules: ASG002 reports as info" in text
    data = yaml.safe_load(render_json(result))
    assert data["not_run"] == ["ASG001"] and data["severities"] == {"ASG002": "info"}


def test_unresolvable_global_administrators_count_toward_too_many_only(tmp_path: Path) -> None:
    """Two users and seven holders the tenant cannot resolve: perhaps nine users, too many
    for MS.AAD.7.1v1; one user and seven unresolved is too few (they may be deleted)."""
    from dataclasses import replace

    from pim_gitops.state import Assignment

    def tenant_with(users: int) -> Any:
        facts = {
            "users": {f"u{i}@contoso.com": {} for i in range(users)},
            "assignments": [
                {
                    "role": "Global Administrator",
                    "principal": f"user:u{i}@contoso.com",
                    "kind": "eligible",
                    "days_left": 20,
                }
                for i in range(users)
            ],
        }
        state = normalize_tenant(tenant_snapshot(facts, NOW), NOW)
        ga = next(r.id for r in state.roles.values() if r.display_name == "Global Administrator")
        ghosts = tuple(
            Assignment(ga, f"00000000-0000-4000-8000-00000000000{i}", "/", "eligible")
            for i in range(7)
        )
        return replace(state, assignments=(*state.assignments, *ghosts))

    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    two = run_lint(desired, tenant_with(2), NOW, views=("posture",))
    [found] = [f for f in two.findings if f.rule == "ASG002"]
    assert found.message.startswith("9 users hold Global Administrator")
    one = run_lint(desired, tenant_with(1), NOW, views=("posture",))
    [low] = [f for f in one.findings if f.rule == "ASG002"]
    assert low.message.startswith("1 user holds Global Administrator")
    three = run_lint(desired, tenant_with(1), NOW, views=("posture",))
    assert three.findings == one.findings


def test_a_ga_group_whose_members_are_unknown_is_not_a_cloud_only_pass(tmp_path: Path) -> None:
    from dataclasses import replace

    facts = {
        "groups": {"GA Team": []},
        "assignments": [
            {
                "role": "Global Administrator",
                "principal": "group:GA Team",
                "kind": "eligible",
                "days_left": 20,
            }
        ],
    }
    state = normalize_tenant(tenant_snapshot(facts, NOW), NOW)
    group = next(p for p in state.principals.values() if p.type == "group")
    unknown = replace(
        state, group_members={k: v for k, v in state.group_members.items() if k != group.id}
    )
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    result = run_lint(desired, unknown, NOW, views=("posture",))
    assert [f.message for f in result.findings if f.rule == "ASG004"] == [
        "group:GA Team holds Global Administrator, and the tenant view does not list its "
        "members: whether they are cloud-only is not known"
    ]
    known = run_lint(desired, state, NOW, views=("posture",))
    assert not [f for f in known.findings if f.rule == "ASG004"]


def test_a_permanent_assignment_on_an_administrative_unit_is_still_permanent(
    tmp_path: Path,
) -> None:
    """MS.AAD.7.4v1 names no scope: a standing User Administrator over an administrative
    unit is a standing assignment of the role, reported with its scope."""
    from dataclasses import replace

    from pim_gitops.state import Assignment

    state = normalize_tenant(tenant_snapshot({"users": {"ann@contoso.com": {}}}, NOW), NOW)
    ua = next(r.id for r in state.roles.values() if r.display_name == "User Administrator")
    ann = next(p.id for p in state.principals.values() if p.type == "user")
    au = Assignment(ua, ann, "/administrativeUnits/1f6c7a52-0000-4000-8000-000000000001", "active")
    tenant = replace(state, unmanaged_scoped=(au,))
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    result = run_lint(desired, tenant, NOW, views=("posture",))
    [found] = [f for f in result.findings if f.rule == "ASG001"]
    assert "MS.AAD.7.4v1" in found.controls
    assert found.message.endswith(
        "(scope /administrativeUnits/1f6c7a52-0000-4000-8000-000000000001)"
    )


def test_the_baseline_never_waives_the_findings_about_waivers(tmp_path: Path) -> None:
    """GEN004-GEN007 judge the waivers themselves: a baseline of them would waive its own
    reminders (a year-long waiver accepting "lasts more than a year")."""
    files = {
        "pim.yaml": PIM,
        "roles/r.yaml": "role: Global Reader\nactivation: {require: [mfa, justification]}\n"
        "waivers:\n  - {rule: ACT001, reason: read-only role, expires: 2999-12-31}\n",
    }
    result = lint_repo(write_repo(tmp_path, files), None)
    assert "GEN007" in {f.rule for f in result.findings}
    text, _, _ = baseline_yaml(result.findings, NOW)
    assert "GEN007" not in text
