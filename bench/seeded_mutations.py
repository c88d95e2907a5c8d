"""The 26 seeded mutations (docs/quality.md), each against the named test that must kill it.

mutmut cannot reach some of them (constants at module level and rule options' defaults are
not mutated: mutmut 3 mutates only inside functions), so each is applied here by
hand to a copy of the tree, the named test is run, and the mutation counts as killed when
that test fails. Usage: ``python bench/seeded_mutations.py [words of one mutation]`` (all
of them take about three minutes); prints a
Markdown table and exits 1 when a mutation survives its test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Seeded:
    what: str
    file: str
    old: str
    new: str
    test: str
    #: Why no test can kill it (the mutant behaves as the original on every input).
    equivalent: str = ""


T = "tests/"
SEEDED = (
    Seeded(
        "diff: instant tolerance 60 s → 1 h",
        "pim_gitops/diff.py",
        "TOLERANCE = timedelta(seconds=60)",
        "TOLERANCE = timedelta(seconds=3600)",
        T + "test_diff.py::test_a_declared_end_a_minute_off_the_live_end_plans_nothing",
    ),
    Seeded(
        "diff: `<=` → `<` in the instant comparison",
        "pim_gitops/diff.py",
        "return abs(a - b) <= TOLERANCE",
        "return abs(a - b) < TOLERANCE",
        T + "test_diff.py::test_instants_within_the_tolerance_of_a_minute_are_the_same",
    ),
    Seeded(
        "diff: tightening warning `>=` → `>`",
        "pim_gitops/diff.py",
        "and rules.max_duration >= before.max_duration",
        "and rules.max_duration > before.max_duration",
        T + "test_diff.py::test_a_maximum_at_least_as_long_as_the_live_one_does_not_warn",
    ),
    Seeded(
        "apply: the last-eligible-PRA guard removed",
        "pim_gitops/apply/guards.py",
        "verdict += last_pra_path_removed(tenant, after, window, facts.apply_identity)",
        "pass",
        T + "test_guards.py::test_a_plan_breaking_every_guard_reports_each_once",
    ),
    Seeded(
        "apply: `--max-removals` `>` → `>=`",
        "pim_gitops/apply/guards.py",
        "if len(found) > max_removals:",
        "if len(found) >= max_removals:",
        T + "test_guards.py::test_removals_up_to_the_maximum_pass",
    ),
    Seeded(
        "apply: adopt-after-read-back disabled",
        "pim_gitops/apply/evaluate.py",
        "            if adopted:\n",
        "            if False:\n",
        T + "apply/test_evaluate.py::"
        "test_a_create_with_a_lost_answer_already_in_place_is_adopted_not_resent",
    ),
    Seeded(
        "apply: read-back of rule patches always in effect",
        "pim_gitops/apply/verify.py",
        "        return not changed_paths(want, settings_leaves(policy.settings))",
        "        return True",
        T + "test_verify.py::"
        "test_nothing_applied_means_every_operation_is_reported_with_the_raw_difference",
    ),
    Seeded(
        "lint: ASG002 minimum 2 → 3",
        "pim_gitops/lint/rules/ga_count.py",
        "SCUBA_GA_RANGE = (2, 8)",
        "SCUBA_GA_RANGE = (3, 8)",
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: ASG006 P365D → P400D",
        "pim_gitops/lint/rules/lifecycle.py",
        'ELIGIBLE_MAX_DEFAULT = "P365D"',
        'ELIGIBLE_MAX_DEFAULT = "P400D"',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: APR003 90 → 120 days",
        "pim_gitops/lint/rules/approval.py",
        'integer("days", 90,',
        'integer("days", 120,',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: ACT002 tier 0 one hour → 90 minutes",
        "pim_gitops/lint/rules/activation.py",
        'duration("tier0", "PT1H",',
        'duration("tier0", "PT90M",',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: GEN001 `!=` → `<` (a third break-glass account not flagged)",
        "pim_gitops/lint/rules/breakglass.py",
        "if len(declared) != expected:",
        "if len(declared) < expected:",
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: an expired waiver `<` → `<=`",
        "pim_gitops/lint/waivers.py",
        "if waiver.expires < now.date():",
        "if waiver.expires <= now.date():",
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: APR004 two approvers → one",
        "pim_gitops/lint/rules/approvers.py",
        'integer("min", 2,',
        'integer("min", 1,',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: ASG010 CIS maximum 4 → 5 Global Administrators",
        "pim_gitops/lint/rules/ga_count.py",
        "CIS_GA_RANGE = (2, 4)",
        "CIS_GA_RANGE = (2, 5)",
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: ASG011 a guest's month P30D → P31D",
        "pim_gitops/lint/rules/guests.py",
        'OUTSIDER_MAX = "P30D"',
        'OUTSIDER_MAX = "P31D"',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "lint: GEN007 a waiver's year P365D → P366D",
        "pim_gitops/lint/rules/baselined.py",
        'duration("max", "P365D",',
        'duration("max", "P366D",',
        T + "lint/test_fixtures.py",
    ),
    Seeded(
        "normalize: `isDefaultRecipientsEnabled` default True → False",
        "pim_gitops/policy_rules/notifications.py",
        'rule.flag("isDefaultRecipientsEnabled", True)',
        'rule.flag("isDefaultRecipientsEnabled", False)',
        T + "test_normalize_defaults.py::"
        "test_a_notification_rule_without_level_or_default_flag_notifies_everything_by_default",
    ),
    Seeded(
        "normalize: `notificationLevel` default All → Critical",
        "pim_gitops/policy_rules/notifications.py",
        'rule.text("notificationLevel", optional=True) or "All"',
        'rule.text("notificationLevel", optional=True) or "Critical"',
        T + "test_normalize_defaults.py::"
        "test_a_notification_rule_without_level_or_default_flag_notifies_everything_by_default",
    ),
    Seeded(
        "normalize: the expiry comparison `<=` → `<`",
        "pim_gitops/normalize.py",
        "if end is not None and end <= now:",
        "if end is not None and end < now:",
        T + "test_normalize_defaults.py::"
        "test_a_schedule_ending_now_has_expired_and_one_ending_a_second_later_has_not",
    ),
    Seeded(
        "compile: the whole-minutes check dropped",
        "pim_gitops/compile/checks.py",
        "    if act.max_duration % 60:",
        "    if False:",
        T + "test_compile_limits.py::"
        "test_an_activation_maximum_that_is_not_whole_minutes_is_refused",
    ),
    Seeded(
        "compile: the zero `max_duration` check dropped",
        "pim_gitops/compile/checks.py",
        "        if rules.max_duration == 0:",
        "        if False:",
        T + "test_strict_inputs.py",
        equivalent="unreachable: the loader's duration type refuses a zero duration "
        "(`values.parse_positive_duration`, tests/test_strict_inputs.py) before compile runs",
    ),
    Seeded(
        "transport: backoff `2**n` → `2*n`",
        "pim_gitops/graph/retry.py",
        "self.base_s * (2 ** min(attempt, 62))",
        "self.base_s * (2 * min(attempt, 62))",
        T + "test_retry_backoff.py::test_the_backoff_ceiling_doubles_per_attempt_up_to_the_cap",
    ),
    Seeded(
        "transport: the batch waits for the shortest Retry-After",
        "pim_gitops/graph/retry.py",
        "return max(usable) if usable else None",
        "return min(usable) if usable else None",
        T + "test_retry.py::test_the_longest_retry_after_wins",
    ),
    Seeded(
        "plan: the expiration phase `>=` → `>`",
        "pim_gitops/policy_rules/directory.py",
        'seconds(after[f"{name}.max_duration"]) >= seconds(',
        'seconds(after[f"{name}.max_duration"]) > seconds(',
        T + "test_policy_rules.py::test_expiration_phase_boundaries",
    ),
    Seeded(
        "plan: the admin-requirement phase `<=` → `<`",
        "pim_gitops/policy_rules/directory.py",
        "return Phase.RELAX if now <= was else Phase.TIGHTEN",
        "return Phase.RELAX if now < was else Phase.TIGHTEN",
        T + "test_policy_rules.py::test_admin_requirement_phase",
    ),
)


def run_one(copy: Path, item: Seeded) -> tuple[bool, str]:
    """(killed, the first failing test) with ``item`` applied to the copy, then reverted."""
    path = copy / item.file
    original = path.read_text(encoding="utf-8")
    if original.count(item.old) != 1:
        return False, f"seed not found once in {item.file}"
    path.write_text(original.replace(item.old, item.new), encoding="utf-8")
    try:
        env = os.environ | {
            "PIM_GITOPS_SHARED": str(ROOT.parent / "shared"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-x",
                "-p",
                "no:cacheprovider",
                *item.test.split(),
            ],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        path.write_text(original, encoding="utf-8")
    failed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAILED ")]
    return done.returncode == 1, (failed[0] if failed else "")


def main(only: str = "") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tree"
        ignore = shutil.ignore_patterns(".venv", "mutants", ".git", "__pycache__", ".*_cache")
        shutil.copytree(ROOT, copy, ignore=ignore)
        print("| seeded mutation | killed by | result |\n|---|---|---|")
        survived = 0
        for item in (s for s in SEEDED if only in s.what):
            if item.equivalent:
                print(f"| {item.what} | – | equivalent: {item.equivalent} |")
                continue
            killed, failing = run_one(copy, item)
            survived += not killed
            print(
                f"| {item.what} | `{failing or item.test}` | {'killed' if killed else 'SURVIVED'} |"
            )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:])))
