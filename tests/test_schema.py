from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.lint import run_lint
from pim_gitops.lint.engine import PRESETS
from pim_gitops.lint.render import render_json
from pim_gitops.lint.report import LintReport, Preset, lint_report
from pim_gitops.normalize import normalize_tenant
from pim_gitops.schemas import all_schemas, render_schema
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW, oid
from pim_gitops.workflow import load_desired

from .conftest import POLICIES, ROOT, Live


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_checked_in_schema_is_current(name: str) -> None:
    path = ROOT / "schemas" / name
    assert path.is_file(), f"{path} missing: run `make schemas`"
    assert path.read_text() == render_schema(all_schemas()[name]), (
        f"{path} is stale: run `make schemas`"
    )


def _policy_files() -> list[Path]:
    return [POLICIES / "pim.yaml", *sorted((POLICIES / "roles").glob("*.yaml"))]


@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: p.name)
def test_example_files_validate_against_their_schema(path: Path) -> None:
    header = path.read_text().splitlines()[0]
    assert header.startswith("# yaml-language-server: $schema=")
    schema_path = (path.parent / header.split("$schema=", 1)[1]).resolve()
    schema = json.loads(schema_path.read_text())
    data = yaml.safe_load(path.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=None).validate(
        json.loads(json.dumps(data, default=str))
    )


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads((ROOT / "schemas" / "policy-role.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    assert not validator.is_valid({"role": "x", "activaton": {}})
    assert not validator.is_valid({"role": "x", "activation": {"max_duration": "P1W"}})
    assert not validator.is_valid({"role": "x", "activation": {"require": ["sms"]}})
    assert validator.is_valid({"role": "x", "activation": {"max_duration": "PT1H30M"}})


# --- every JSON document the CLI writes validates against its checked-in schema -----------

CLI_NOW = ["--now", "2026-11-24T09:00:00Z"]


def test_every_schema_on_disk_is_generated() -> None:
    on_disk = {path.name for path in (ROOT / "schemas").glob("*.json")}
    assert on_disk == set(all_schemas())


def checked_in(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def cli_json(args: list[str], exit_code: int = 0) -> Any:
    result = CliRunner().invoke(cli, [*CLI_NOW, *args])
    assert result.exit_code == exit_code, result.output
    return json.loads(result.stdout)


def valid(name: str, document: Any) -> Any:
    errors = [e.message for e in checked_in(name).iter_errors(document)]
    assert errors == []
    return document


def test_plan_json_validates() -> None:
    args = ["plan", str(POLICIES), "--snapshot", str(SAMPLE_TENANT), "--format", "json"]
    data = valid("plan.schema.json", cli_json(args))
    assert data["operations"] and all(c.get("origin") is None for c in data["changes"])


def test_plan_json_with_base_validates(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    path.write_text(
        path.read_text().replace("activation:\n", "activation:\n  max_duration: PT2H\n")
    )
    args = ["plan", str(policy_copy), "--snapshot", str(SAMPLE_TENANT), "--base", str(POLICIES)]
    data = valid("plan.schema.json", cli_json([*args, "--format", "json"]))
    assert {c["origin"] for c in data["changes"]} == {"drift", "pull-request"}


def test_drift_json_validates_as_a_plan() -> None:
    args = ["drift", str(POLICIES), "--snapshot", str(SAMPLE_TENANT), "--format", "json"]
    valid("plan.schema.json", cli_json(args, exit_code=2))


def test_saved_plan_file_validates(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    args = ["plan", str(POLICIES), "--snapshot", str(SAMPLE_TENANT), "--out", str(out)]
    assert CliRunner().invoke(cli, [*CLI_NOW, *args]).exit_code == 0
    valid("plan.schema.json", json.loads(out.read_text(encoding="utf-8")))


def test_apply_json_validates(live: Live) -> None:
    args = ["--graph-url", live.url, "apply", str(POLICIES), "--auto-approve", "--format", "json"]
    data = valid("apply-result.schema.json", cli_json(args))
    assert data["succeeded"] == len(data["results"]) > 0


def test_apply_json_with_nothing_to_do_is_an_empty_result(live: Live, tmp_path: Path) -> None:
    graph = ["--graph-url", live.url]
    apply_dir = [*graph, "apply", str(POLICIES), "--auto-approve", "--format", "json"]
    cli_json(apply_dir)
    empty = {
        "access_lost": [],
        "alerts": [],
        "failed": 0,
        "not_in_effect": [],
        "remaining_changes": 0,
        "results": [],
        "reviews": [],
        "skipped": 0,
        "succeeded": 0,
    }
    assert valid("apply-result.schema.json", cli_json(apply_dir)) == empty
    out = tmp_path / "plan.json"
    made = CliRunner().invoke(cli, [*CLI_NOW, *graph, "plan", str(POLICIES), "--out", str(out)])
    assert made.exit_code == 0, made.output
    saved = cli_json([*graph, "apply", str(out), "--format", "json"])
    assert valid("apply-result.schema.json", saved) == empty


def test_apply_json_with_failures_validates(live: Live) -> None:
    helpdesk = oid("group", "Helpdesk Operators")
    live.emulator.store.objects[helpdesk]["isAssignableToRole"] = False
    args = ["--graph-url", live.url, "apply", str(POLICIES), "--auto-approve", "--format", "json"]
    data = valid("apply-result.schema.json", cli_json(args, exit_code=1))
    failed = [r for r in data["results"] if r["status"] == "failed"]
    assert data["failed"] == len(failed) == 2
    assert all(r["code"] == "GroupNotRoleAssignable" and r["request_id"] for r in failed)


@pytest.mark.parametrize("snapshot", [None, SAMPLE_TENANT], ids=["policy-only", "with-tenant"])
def test_lint_json_validates(snapshot: Path | None) -> None:
    args = ["lint", str(POLICIES), "--format", "json"]
    if snapshot is not None:
        args += ["--snapshot", str(snapshot)]
    data = valid("lint-result.schema.json", cli_json(args, exit_code=0 if snapshot is None else 1))
    assert data["findings"]
    assert bool(data["skipped"]) is (snapshot is None)


def test_lint_json_with_a_waiver_validates(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    waiver = "waivers:\n  - {rule: ACT001, reason: read-only role, expires: 2027-01-01}\n"
    path.write_text(path.read_text() + waiver)
    data = valid(
        "lint-result.schema.json", cli_json(["lint", str(policy_copy), "--format", "json"])
    )
    assert [f["waived"] for f in data["findings"] if f["role"] == "Global Reader"] == [
        "read-only role"
    ]
    assert data["summary"]["waived"] == 1


def test_the_lint_schema_is_strict() -> None:
    data = cli_json(["lint", str(POLICIES), "--format", "json"])
    validator = checked_in("lint-result.schema.json")
    finding = data["findings"][0]
    assert not validator.is_valid({**data, "extra": 1})
    assert not validator.is_valid({**data, "preset": "lenient"})
    assert not validator.is_valid({**data, "findings": [{**finding, "severity": "fatal"}]})
    assert not validator.is_valid({**data, "findings": [{**finding, "rule": "act1"}]})
    assert not validator.is_valid(
        {**data, "findings": [{k: v for k, v in finding.items() if k != "line"}]}
    )


def test_lint_report_presets_are_the_engines() -> None:
    assert get_args(Preset) == PRESETS


def test_lint_json_is_the_report_model() -> None:
    desired = load_desired(str(POLICIES), SAMPLE_NOW).state
    result = run_lint(
        desired, normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW), SAMPLE_NOW
    )
    report = LintReport.model_validate_json(render_json(result))
    assert report == lint_report(result)
    assert len(report.findings) == len(result.findings)
    assert report.summary.model_dump() == result.summary()


def test_snapshot_file_validates(live: Live, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    result = CliRunner().invoke(
        cli, [*CLI_NOW, "--graph-url", live.url, "snapshot", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = valid("tenant-snapshot.schema.json", json.loads(out.read_text(encoding="utf-8")))
    assert data["roleManagementPolicies"]
    valid("tenant-snapshot.schema.json", json.loads(SAMPLE_TENANT.read_text(encoding="utf-8")))


def test_the_plan_and_apply_schemas_are_strict() -> None:
    args = ["plan", str(POLICIES), "--snapshot", str(SAMPLE_TENANT), "--format", "json"]
    data = cli_json(args)
    plan = checked_in("plan.schema.json")
    op = data["operations"][0]
    assert not plan.is_valid({**data, "extra": 1})
    assert not plan.is_valid({**data, "operations": [{**op, "op": "delete_policy"}]})
    assert not plan.is_valid({**data, "changes": [{**data["changes"][0], "origin": "elsewhere"}]})
    result = {"succeeded": 0, "failed": 0, "skipped": 0, "remaining_changes": 0, "results": []}
    apply = checked_in("apply-result.schema.json")
    assert apply.is_valid(result)
    assert not apply.is_valid({k: v for k, v in result.items() if k != "failed"})
    row = {"operation": "x", "addresses": [], "status": "done", "message": ""}
    assert not apply.is_valid({**result, "results": [{**row, "code": None, "request_id": None}]})
