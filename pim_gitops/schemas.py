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
