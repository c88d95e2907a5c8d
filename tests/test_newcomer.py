"""A newcomer's first day: export the sample tenant, edit it, validate, lint, plan. Each test
here is one thing that walk found wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PlanError
from pim_gitops.export import export_repo
from pim_gitops.graph.credentials import credential_error
from pim_gitops.normalize import normalize_tenant
from pim_gitops.schemas import all_schemas
from pim_gitops.state import TenantState
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder
from pim_gitops.wording import clauses, plural
from pim_gitops.workflow import load_desired, plan_against

from .conftest import ROOT, write


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pim_gitops", "--now", "2026-12-01", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh export of the bundled sample tenant (read only: copy it to edit)."""
    out = tmp_path_factory.mktemp("export") / "policies"
    result = _run("export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- 1. validate reports every error of the run at once ---------------------------------------


def test_validate_reports_every_error_in_one_run(policy_copy: Path) -> None:
    """A broken tenant file no longer hides what a role file declares wrongly; a second
    duplicate key and a schema error of the same file are reported with the first."""
    tenant = policy_copy / "pim.yaml"
    _edit(tenant, "tenant: contoso.onmicrosoft.com", "tenant: contoso.onmicrosoft.com\nbogus: 1")
    # The sample's lint: already has rules: (HIS001's ticket pattern): add one under it.
    _edit(
        tenant,
        "  preset: cisa\n  rules:\n",
        "  preset: cisa\n  rules:\n    XYZ999: {enabled: false}\n",
    )
    reader = policy_copy / "roles" / "global-reader.yaml"
    reader.write_text(reader.read_text() + "role: x\nrole: y\nrolez: z\n")
    support = policy_copy / "roles" / "contoso-tier1-support.yaml"
    _edit(support, "max_duration: PT8H", "max_duration: PT8H30S")
    result = _run("validate", str(policy_copy))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    body = lines[:-1]
    assert lines[-1] == f"{len(body)} errors found."
    located = [line.split(": ", 1)[0] for line in body]
    assert located == sorted(located, key=lambda w: (w.split(":")[0], *map(int, w.split(":")[1:])))
    text = "\n".join(body)
    assert f"{tenant}:8:1: unknown key 'bogus'" in text
    assert "lint.rules names an unknown rule 'XYZ999'" in text  # the broken file's lint too
    assert f"{support}:6:17: Contoso Tier1 Support: activation.max_duration must be whole" in text
    assert text.count(f"{reader}:") == 3
    assert "duplicate key 'role' (first defined at line 2)" in text
    assert "unknown key 'rolez'" in text


def test_validate_reports_lint_rules_with_the_other_errors(policy_copy: Path) -> None:
    tenant = policy_copy / "pim.yaml"
    # The sample's lint: already has rules: (HIS001's ticket pattern): add one under it.
    _edit(
        tenant,
        "  preset: cisa\n  rules:\n",
        "  preset: cisa\n  rules:\n    XYZ999: {enabled: false}\n",
    )
    exchange = policy_copy / "roles" / "exchange-administrator.yaml"
    _edit(exchange, "template: privileged", "template: privilegd")
    result = _run("validate", str(policy_copy))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "2 errors found."
    assert "lint.rules names an unknown rule 'XYZ999'" in lines[0]
    assert lines[1].startswith(f"{exchange}:3:11: unknown template 'privilegd'")


# --- 4. --snapshot and --live are one choice --------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "report"])
def test_snapshot_and_live_together_is_a_usage_error(command: str) -> None:
    result = _run(command, "policies", "--snapshot", str(SAMPLE_TENANT), "--live")
    assert result.returncode == 1  # a usage error: exit 2 means "changes present"
    assert "Usage:" in result.stderr
    assert "--snapshot and --live cannot be used together" in result.stderr
    assert result.stdout == ""


# --- 2. custom roles by display name ----------------------------------------------------------


def test_export_names_a_custom_role_and_show_finds_it(exported: Path) -> None:
    text = (exported / "roles" / "contoso-tier1-support.yaml").read_text()
    assert "\nrole: Contoso Tier1 Support  # custom role " in text
    shown = _run("validate", str(exported), "--show", "Contoso Tier1 Support")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Contoso Tier1 Support (")


def _two_custom_roles(first: str, second: str) -> TenantState:
    builder = TenantBuilder("t", SAMPLE_NOW)
    builder.add_role(CUSTOM_A, first, builtin=False)
    builder.add_role(CUSTOM_B, second, builtin=False)
    return normalize_tenant(builder.snapshot(), SAMPLE_NOW)


CUSTOM_A = "11111111-1111-1111-1111-111111111111"
CUSTOM_B = "22222222-2222-2222-2222-222222222222"


def test_a_custom_role_name_that_is_not_unique_is_written_by_id() -> None:
    files = export_repo(_two_custom_roles("Ops", "OPS"), now=SAMPLE_NOW)
    roles = sorted(text.splitlines()[1] for path, text in files.items() if "roles/" in path)
    reason = "(custom role, by object id: 2 roles of the tenant have that name)"
    assert roles == [f"role: {CUSTOM_A}  # Ops {reason}", f"role: {CUSTOM_B}  # OPS {reason}"]


def test_a_custom_role_named_like_a_built_in_is_written_by_id() -> None:
    files = export_repo(_two_custom_roles("Global Reader", "Ops"), now=SAMPLE_NOW)
    text = next(t for p, t in files.items() if p.startswith("roles/global-reader"))
    assert f"role: {CUSTOM_A}  # Global Reader (custom role, by object id: a built-in" in text


def test_a_role_name_two_roles_share_is_ambiguous_not_the_first(tmp_path: Path) -> None:
    tenant = _two_custom_roles("Ops", "ops")
    write(tmp_path / "pim.yaml", "tenant: t\n")
    write(tmp_path / "roles" / "ops.yaml", "role: Ops\n")
    desired = load_desired(str(tmp_path), SAMPLE_NOW)
    with pytest.raises(PlanError, match="role 'Ops' is ambiguous: 2 roles have that name"):
        plan_against(desired, tenant, SAMPLE_NOW)


# --- 3. an export is a repository that works: schemas resolve, the hooks run ------------------


def test_exported_schema_headers_resolve_to_the_generated_schemas(exported: Path) -> None:
    schemas = all_schemas()
    files = sorted(exported.rglob("*.yaml"))
    assert len(files) == 34  # pim.yaml, 31 roles, 2 groups
    for path in files:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.partition("$schema=")[2]).resolve()
        assert target.is_file(), (path, target)
        schema = json.loads(target.read_text())
        assert schema == schemas[target.name]
        data = yaml.safe_load(path.read_text())
        jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(data, default=str)))


def test_the_pre_commit_hooks_run_on_a_fresh_export(exported: Path, tmp_path: Path) -> None:
    """Each hook of .pre-commit-hooks.yaml, run as pre-commit runs it (entry + args, from the
    repository root, the export in policies/): validate is clean; lint runs to its findings
    (those of a fresh export are issue 19's) without an internal error."""
    repo = tmp_path / "repo"
    shutil.copytree(exported, repo / "policies")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    outcome = {}
    for hook_id, hook in sorted(hooks.items()):
        command = hook["entry"].split()[1:] + list(hook["args"])
        outcome[hook_id] = result = _run(*command, cwd=repo)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert outcome["pim-gitops-validate"].returncode == 0, outcome["pim-gitops-validate"].stderr
    assert outcome["pim-gitops-lint"].returncode in (0, 1)
    assert (
        outcome["pim-gitops-lint"]
        .stdout.rstrip()
        .endswith("(preset default, privileged roles cisa).")
    )


# --- 5. findings about the tenant are located where they can be acted on ----------------------


def test_a_finding_about_a_managed_role_points_at_its_file(exported: Path) -> None:
    result = _run("lint", str(exported), "--snapshot", str(SAMPLE_TENANT))
    ga = exported / "roles" / "global-administrator.yaml"
    expected = f"  {ga}:2: ASG005 error: user:carol.it@contoso.com was assigned Global Admin"
    assert any(line.startswith(expected) for line in result.stdout.splitlines())
    # Line 1 of pim.yaml carries only what it can fix: a setting no file declares, reported
    # once for the roles with Entra's default (a `defaults` value fixes them all).
    at_tenant_file = [
        line for line in result.stdout.splitlines() if f"{exported / 'pim.yaml'}:1:" in line
    ]
    assert all("no file sets it, so Entra's default applies" in line for line in at_tenant_file)


def test_a_finding_about_an_unmanaged_role_has_no_line(tmp_path: Path) -> None:
    write(tmp_path / "pim.yaml", "tenant: t\n")
    write(tmp_path / "roles" / "reader.yaml", "role: Global Reader\n")
    text = _run("lint", str(tmp_path), "--snapshot", str(SAMPLE_TENANT))
    tenant = tmp_path / "pim.yaml"
    asg005 = [line for line in text.stdout.splitlines() if " ASG005 " in line]
    assert asg005 == [
        f"  {tenant}: ASG005 error: user:carol.it@contoso.com was assigned Global Administrator "
        "outside PIM (a direct, standing role assignment) [MS.AAD.7.5v1]",
        f"  {tenant}: ASG005 error: user:mallory.hybrid@contoso.com was assigned Hybrid Identity "
        "Administrator outside PIM (a direct, standing role assignment) [MS.AAD.7.5v1]",
    ]
    sarif = json.loads(
        _run("lint", str(tmp_path), "--snapshot", str(SAMPLE_TENANT), "--format", "sarif").stdout
    )
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    results = sarif["runs"][0]["results"]
    located = [r["locations"][0]["physicalLocation"] for r in results if r["ruleId"] == "ASG005"]
    assert located == [{"artifactLocation": {"uri": str(tenant)}}] * 2
    github = _run("lint", str(tmp_path), "--snapshot", str(SAMPLE_TENANT), "--format", "github")
    assert f"::error file={tenant},title=ASG005 " in github.stdout


# --- 6. wording: counts in the right number, no ".;" -----------------------------------------


@pytest.mark.parametrize(("count", "expected"), [(0, "0 files"), (1, "1 file"), (2, "2 files")])
def test_plural_agrees_with_the_count(count: int, expected: str) -> None:
    assert plural(count, "file") == expected
    assert plural(1, "policy", "policies") == "1 policy"
    assert plural(3, "policy", "policies") == "3 policies"


def test_clauses_drop_the_full_stop_before_a_semicolon() -> None:
    assert clauses("Service unavailable.", "gave up after 6 attempts") == (
        "Service unavailable; gave up after 6 attempts"
    )
    assert clauses("wait...", "", "then retry") == "wait...; then retry"


def test_a_credential_failure_has_no_full_stop_before_a_semicolon() -> None:
    failure = RuntimeError("The tenant is not reachable.")
    error = credential_error(failure, "EnvironmentCredential", "t")
    assert ".;" not in str(error)
    assert "could not get a token: The tenant is not reachable; check" in str(error)


def test_one_role_and_one_assignment_are_singular(tmp_path: Path) -> None:
    write(tmp_path / "pim.yaml", "tenant: t\n")
    write(
        tmp_path / "roles" / "reader.yaml",
        "role: Global Reader\nassignments:\n  eligible:\n"
        "    - {principal: user:a@contoso.com, expires: 2027-01-01}\n",
    )
    result = _run("validate", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Tenant t: 1 role managed, 1 assignment (1 eligible, 0 active)." in result.stdout
    lint = _run("lint", str(tmp_path))
    assert lint.stdout.rstrip().endswith("(preset default, privileged roles cisa).")
    assert "error(s)" not in lint.stdout and "warning(s)" not in lint.stdout


def test_exporting_one_role_counts_its_files(tmp_path: Path) -> None:
    out = tmp_path / "one"
    result = _run(
        "export", "--snapshot", str(SAMPLE_TENANT), "--out", str(out), "--roles", "Global Reader"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote 4 files to {out}\n"  # pim.yaml, the role, two schemas
