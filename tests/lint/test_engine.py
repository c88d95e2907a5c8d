"""The engine around the rules: waivers matched by rule, role and principal (any case), presets,
overrides and the located ``lint.rules`` errors; and the text the registry generates
(``pim-gitops rules``, SARIF help)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pim_gitops.errors import LintConfigError
from pim_gitops.lint.docs import rule_help, rules_listing
from pim_gitops.lint.engine import run_lint
from pim_gitops.lint.registry import flag, integer
from pim_gitops.workflow import load_desired
from tests.lint.helpers import NOW, lint_repo, write_repo
from tests.lint.test_registry_rules import registered

PIM = "tenant: contoso.onmicrosoft.com\n"
READER = (
    "role: Global Reader\nassignments:\n  eligible:\n"
    "    - {principal: user:ann@contoso.com, duration: P30D, renew: true}\n"
    "    - {principal: user:ben@contoso.com, duration: P30D, renew: true}\n"
)


def asg007(tmp_path: Path, waivers: str, pim: str = PIM) -> dict[str, str | None]:
    """Who ASG007 (no justification) flags, and the waiver reason covering each."""
    files = {"pim.yaml": pim, "roles/reader.yaml": READER + waivers}
    result = lint_repo(write_repo(tmp_path, files), None)
    return {f.principal or "": f.waived for f in result.findings if f.rule == "ASG007"}


def waiver(**fields: str) -> str:
    body = ", ".join(f"{k}: {v}" for k, v in fields.items())
    return f"waivers:\n  - {{rule: ASG007, reason: onboarding, expires: 2027-01-01, {body}}}\n"


def test_a_waiver_naming_a_principal_covers_only_that_principal_in_any_case(
    tmp_path: Path,
) -> None:
    assert asg007(tmp_path, waiver(principal="user:ANN@Contoso.com")) == {
        "user:ann@contoso.com": "onboarding",
        "user:ben@contoso.com": None,
    }


def test_a_waiver_without_a_principal_covers_every_finding_of_its_rule_and_role(
    tmp_path: Path,
) -> None:
    text = "waivers:\n  - {rule: ASG007, reason: onboarding, expires: 2027-01-01}\n"
    assert set(asg007(tmp_path, text).values()) == {"onboarding"}


def test_a_tenant_file_waiver_applies_to_its_named_role_only(tmp_path: Path) -> None:
    pim = PIM + (
        "waivers:\n  - {rule: ASG007, role: global reader, reason: all of them, "
        "expires: 2027-01-01}\n"
    )
    assert set(asg007(tmp_path, "", pim).values()) == {"all of them"}
    other = PIM + (
        "waivers:\n  - {rule: ASG007, role: Security Reader, reason: not these, "
        "expires: 2027-01-01}\n"
    )
    assert set(asg007(tmp_path, "", other).values()) == {None}


def test_a_waiver_expiring_today_still_covers_and_one_from_yesterday_does_not(
    tmp_path: Path,
) -> None:
    today, yesterday = NOW.date().isoformat(), (NOW.date() - timedelta(days=1)).isoformat()
    text = f"waivers:\n  - {{rule: ASG007, reason: onboarding, expires: {today}}}\n"
    assert set(asg007(tmp_path / "a", text).values()) == {"onboarding"}
    text = f"waivers:\n  - {{rule: ASG007, reason: onboarding, expires: {yesterday}}}\n"
    assert set(asg007(tmp_path / "b", text).values()) == {None}


def test_an_unknown_preset_is_refused_listing_the_presets(tmp_path: Path) -> None:
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    with pytest.raises(LintConfigError, match=re.escape("unknown preset 'paranoid'; presets: ")):
        run_lint(desired, None, NOW, preset="paranoid")
    assert run_lint(desired, None, NOW, preset="strict").preset == "strict"


def test_rules_needing_a_tenant_are_skipped_without_one(tmp_path: Path) -> None:
    desired = load_desired(str(write_repo(tmp_path, {"pim.yaml": PIM})), NOW).state
    skipped = run_lint(desired, None, NOW).skipped
    assert {"ASG004", "ASG005", "GEN002"} <= set(skipped)
    assert "ACT001" not in skipped


# --- lint.rules errors ------------------------------------------------------------------------


def config_error(tmp_path: Path, rules: str) -> str:
    files = {"pim.yaml": PIM + "lint:\n  rules:\n" + rules}
    with pytest.raises(LintConfigError) as caught:
        lint_repo(write_repo(tmp_path, files), None)
    return str(caught.value)


def test_every_unknown_option_of_a_rule_is_reported_with_the_options_offered(
    tmp_path: Path,
) -> None:
    message = config_error(tmp_path, "    ASG002: {options: {zzz: 1, yyy: 2}}\n")
    tails = sorted(line.split(": ", 1)[1] for line in message.splitlines())
    assert tails == [
        "lint.rules.ASG002: unknown option 'yyy' (options: max, min)",
        "lint.rules.ASG002: unknown option 'zzz' (options: max, min)",
    ]


# --- generated text ---------------------------------------------------------------------------


def listing_line(code: str) -> str:
    return next(line for line in rules_listing().splitlines() if line.startswith(code))


def test_the_rules_listing_shows_controls_options_and_tenant_need_only_when_present() -> None:
    assert listing_line("ACT003") == (
        "ACT003  mfa-breaks-automation      warning  policy         "
        "Admin-side MFA requirements do not block the CI apply identity"
    )
    assert listing_line("GEN001").endswith(
        "permanently  [CIS 1.1.2]  (needs tenant view in part; count=2)"
    )
    assert listing_line("ASG002").endswith("  [MS.AAD.7.1v1]  (min=2 max=8)")
    assert listing_line("ASG003").endswith("  [MS.AAD.7.2v1]  (needs tenant view)")
    assert listing_line("APR001").endswith("[MS.AAD.7.6v1, CIS 5.3.4, CIS 5.3.5]")


def test_rule_help_text() -> None:
    bare = registered()
    assert rule_help(bare) == (
        "A title\n\nx\n\ny\n\nFix: z\n\nControls: best practice\nOptions: none\n"
        "Needs a tenant view: no"
    )
    full = registered(
        scuba=("MS.AAD.7.4v1",),
        cis=("1.1.1",),
        needs_tenant=True,
        options=(integer("days", None, "By preset."), flag("strict", False, "x")),
    )
    assert rule_help(full).endswith(
        "Controls: MS.AAD.7.4v1, CIS 1.1.1\n"
        "Options: days (default by preset), strict (default false)\n"
        "Needs a tenant view: yes"
    )


def test_how_each_waiver_was_used_is_recorded_in_file_order(tmp_path: Path) -> None:
    from pim_gitops.lint.waivers import apply_waivers

    pim = PIM + (
        "waivers:\n  - {rule: ASG007, role: Global Reader, reason: old, expires: 2020-01-01}\n"
    )
    role = READER + (
        "waivers:\n"
        "  - {rule: ASG007, reason: onboarding, expires: 2027-01-01}\n"
        "  - {rule: ACT002, reason: never needed, expires: 2027-01-01}\n"
    )
    files = {"pim.yaml": pim, "roles/reader.yaml": role}
    desired = load_desired(str(write_repo(tmp_path, files)), NOW).state
    findings = [f for f in lint_repo(tmp_path, None).findings if f.rule == "ASG007"]
    unwaived = [replace(f, waived=None) for f in findings]
    marked, uses = apply_waivers(unwaived, desired, NOW)
    assert {f.waived for f in marked} == {"onboarding"}
    assert [(u.waiver.reason, u.role, u.expired, u.used) for u in uses] == [
        ("old", "Global Reader", True, False),
        ("onboarding", "Global Reader", False, True),
        ("never needed", "Global Reader", False, False),
    ]
    assert [u.where.line for u in uses] == [3, 1, 1]
