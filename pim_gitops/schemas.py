"""JSON Schemas of the files pim-gitops reads, generated from the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pim_gitops.model import RoleFile, TenantFile

SCHEMA_BASE = "https://pim-gitops.dev/schemas"


def _policy_schema(
    model: type[TenantFile] | type[RoleFile], name: str, title: str
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
        "tenant-snapshot.schema.json": snapshot_schema(),
        "plan.schema.json": plan_schema(),
    }


def plan_schema() -> dict[str, Any]:
    """The saved plan / ``plan --format json`` document (``format_version`` 1)."""
    ref = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    }
    change = {
        "type": "object",
        "required": ["address", "action", "kind", "role", "before", "after"],
        "properties": {
            "address": {
                "type": "string",
                "description": 'e.g. role["Global Administrator"].activation.max_duration',
            },
            "action": {"enum": ["create", "update", "delete"]},
            "kind": {"enum": ["setting", "assignment"]},
            "role": ref,
            "principal": {
                "type": "object",
                "required": ["id", "ref"],
                "properties": {"id": {"type": "string"}, "ref": {"type": ["string", "null"]}},
            },
            "before": {},
            "after": {},
        },
        "additionalProperties": False,
    }
    operation = {
        "type": "object",
        "required": ["phase", "op", "role_id", "role_name", "addresses", "fingerprint"],
        "properties": {
            "phase": {"type": "integer", "minimum": 1, "maximum": 5},
            "op": {"enum": ["patch_rule", "schedule"]},
            "fingerprint": {
                "type": "string",
                "description": "sha256 of the live object the "
                "operation was computed from, or 'absent' for a create",
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}/plan.schema.json",
        "title": "pim-gitops plan",
        "type": "object",
        "required": [
            "format_version",
            "summary",
            "changes",
            "operations",
            "tenant_id",
            "desired_hash",
            "tool_version",
            "generated_at",
        ],
        "properties": {
            "format_version": {"const": 1},
            "summary": {
                "type": "object",
                "required": ["add", "change", "remove"],
                "properties": {
                    k: {"type": "integer", "minimum": 0} for k in ("add", "change", "remove")
                },
                "additionalProperties": False,
            },
            "changes": {"type": "array", "items": change},
            "operations": {"type": "array", "items": operation},
            "warnings": {"type": "array", "items": {"type": "string"}},
            "tenant_id": {"type": "string"},
            "desired_hash": {"type": "string"},
            "tool_version": {"type": "string"},
            "generated_at": {"type": "string", "format": "date-time"},
            "guards": {"type": "object"},
            "unmanaged_roles": {"type": "array", "items": {"type": "string"}},
            "unmanaged_scoped": {"type": "array", "items": {"type": "object"}},
        },
    }


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
