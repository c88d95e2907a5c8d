from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT

from .conftest import POLICIES, ROOT, Live


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", "2026-12-01", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_validate_example_repository() -> None:
    result = _run("validate", "policies")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("policies: valid. Tenant contoso.onmicrosoft.com: 11 roles")


def test_validate_show_prints_resolved_settings() -> None:
    result = CliRunner().invoke(
        cli, ["--now", "2026-12-01", "validate", str(POLICIES), "--show-all"]
    )
    assert result.exit_code == 0, result.output
    assert "role: Global Administrator" in result.output
    assert "max_duration: PT1H" in result.output


def test_validate_json_is_machine_readable() -> None:
    result = _run("validate", "policies", "--format", "json")
    data = json.loads(result.stdout)
    assert data["summary"]["roles"] == 11
    ga = next(r for r in data["roles"] if r["role"] == "Global Administrator")
    assert ga["settings"]["activation"]["approval"]["approvers"] == ["group:PIM Tier0 Approvers"]


def test_broken_copy_names_every_problem(policy_copy: Path) -> None:
    tenant = policy_copy / "pim.yaml"
    tenant.write_text(
        tenant.read_text()
        .replace("  activation:\n    max_duration: PT8H", "  activaton:\n    max_duration: PT8H")
        .replace("max_duration: PT4H", "max_duration: P1W")
    )
    exchange = policy_copy / "roles" / "exchange-administrator.yaml"
    exchange.write_text(exchange.read_text().replace("template: privileged", "template: privilegd"))
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text(reader.read_text() + "role: Global Reader\n")
    result = _run("validate", str(policy_copy))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "4 errors found."
    expected = [
        f"{tenant}:10:3: unknown key 'activaton'; did you mean 'activation'?",
        f"{tenant}:32:21: templates.privileged.activation.max_duration: 'P1W': years, months",
        f"{exchange}:3:11: unknown template 'privilegd'; did you mean 'privileged'?",
        f"{reader}:22:1: duplicate key 'role' (first defined at line 2)",
    ]
    for line, start in zip(lines, expected, strict=False):
        assert line.startswith(start), (line, start)


def test_missing_directory_is_a_clear_error() -> None:
    result = _run("validate", "does-not-exist")
    assert result.returncode == 1
    assert "does-not-exist: not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_1_not_2() -> None:
    result = _run("validate", "--no-such-flag")
    assert result.returncode == 1
    assert "No such option" in result.stderr


def test_help_and_validate_do_not_import_graph_libraries() -> None:
    code = (
        "import sys\n"
        "from pim_gitops.cli import cli\n"
        "for args in (['--help'], ['--now', '2026-12-01', 'validate', 'policies']):\n"
        "    try:\n"
        "        cli.main(args=args, prog_name='pim-gitops', standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('msgraph', 'msgraph_core', 'azure', 'kiota_abstractions', 'kiota_http'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_debug_shows_traceback() -> None:
    result = _run("--debug", "validate", "does-not-exist")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0 and "pim-gitops, version" in result.stdout


def test_piped_plan_is_plain_text_and_data_only_on_stdout() -> None:
    result = _run("plan", "policies", "--snapshot", "pim_gitops/demo/tenant.json")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("to remove.")
    assert result.stderr == ""


def test_apply_directory_from_a_pipe_needs_auto_approve(live: Live) -> None:
    result = _run("--graph-url", live.url, "apply", "policies")
    assert result.returncode == 1
    assert "not a terminal: pass --auto-approve to apply" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.rstrip().endswith("to remove.")  # the plan was shown first
    assert live.stats()["writes"] == 0


def test_commands_exit_with_the_code_their_function_returns() -> None:
    args = ["--now", "2026-11-24T09:00:00Z", "plan", str(POLICIES), "--snapshot"]
    changes = CliRunner().invoke(cli, [*args, str(SAMPLE_TENANT), "--detailed-exitcode"])
    assert changes.exit_code == 2
    plain = CliRunner().invoke(cli, [*args, str(SAMPLE_TENANT)])
    assert plain.exit_code == 0


def test_validate_show_role_names_where_each_value_came_from() -> None:
    args = ["--now", "2026-12-01", "validate", str(POLICIES), "--show", "global administrator"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    duration = next(line for line in lines if line.strip().startswith("activation.max_duration"))
    assert duration.split()[1] == "PT1H" and "(templates.critical)" in duration
    assert "pim.yaml:" in duration
    missing = CliRunner().invoke(cli, [*args[:-1], "Global Admin"])
    assert missing.exit_code == 1 and "did you mean 'Global Administrator'" in missing.output
