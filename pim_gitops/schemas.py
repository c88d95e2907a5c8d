"""JSON Schemas of the files pim-gitops reads, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pim_gitops.model import RoleFile, TenantFile
from pim_gitops.model_groups import GroupFile
from pim_gitops.model_reviews import ReviewFile

SCHEMA_BASE = "https://pim-gitops.dev/schemas"


def _policy_schema(
    model: type[TenantFile] | type[RoleFile] | type[GroupFile] | type[ReviewFile],
    name: str,
    title: str,
) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}/{name}",
        "title": title,
        **schema,
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    from pim_gitops.snapshot import snapshot_schema

    return {
        "policy-tenant.schema.json": _policy_schema(
            TenantFile, "policy-tenant.schema.json", "pim-gitops tenant file (pim.yaml)"
        ),
        "policy-role.schema.json": _policy_schema(
            RoleFile, "policy-role.schema.json", "pim-gitops role file (roles/*.yaml)"
        ),
        "policy-group.schema.json": _policy_schema(
            GroupFile, "policy-group.schema.json", "pim-gitops group file (groups/*.yaml)"
        ),
        "policy-review.schema.json": _policy_schema(
            ReviewFile, "policy-review.schema.json", "pim-gitops review file (reviews/*.yaml)"
        ),
        "tenant-snapshot.schema.json": snapshot_schema(),
        "plan.schema.json": plan_schema(),
        "apply-result.schema.json": apply_result_schema(),
        "lint-result.schema.json": lint_result_schema(),
        "validate-result.schema.json": validate_result_schema(),
    }


def _output_schema(model: type[BaseModel], name: str, title: str) -> dict[str, Any]:
    """The schema of a JSON document the CLI writes (the model's serialized form)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}/{name}",
        "title": title,
        **model.model_json_schema(mode="serialization"),
    }


def plan_schema() -> dict[str, Any]:
    """The saved plan / ``plan --format json`` document, generated from ``plan.Plan``."""
    from pim_gitops.plan import Plan

    return _output_schema(Plan, "plan.schema.json", "pim-gitops plan")


def apply_result_schema() -> dict[str, Any]:
    """``apply --format json``, generated from ``apply.ApplyReport``."""
    from pim_gitops.apply import ApplyReport

    return _output_schema(ApplyReport, "apply-result.schema.json", "pim-gitops apply result")


def lint_result_schema() -> dict[str, Any]:
    """``lint --format json``, generated from ``lint.report.LintReport``."""
    from pim_gitops.lint.report import LintReport

    return _output_schema(LintReport, "lint-result.schema.json", "pim-gitops lint result")


def validate_result_schema() -> dict[str, Any]:
    """``validate --format json``, generated from ``render.validate_report.ValidateReport``."""
    from pim_gitops.render.validate_report import ValidateReport

    return _output_schema(
        ValidateReport, "validate-result.schema.json", "pim-gitops validate result"
    )


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(all_schemas().items()):
        path = out / name
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written
