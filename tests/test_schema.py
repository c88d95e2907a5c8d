from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from pim_gitops.schemas import all_schemas, render_schema

from .conftest import POLICIES, ROOT


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
