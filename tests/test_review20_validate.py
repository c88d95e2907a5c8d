"""Review of issue 20: `validate --format json` always prints a JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli


def test_validate_json_of_a_file_instead_of_a_directory_prints_json(tmp_path: Path) -> None:
    """A missing directory gets a JSON document ("not a directory"); a path that is a file
    (`validate policies/pim.yaml --format json`, an easy slip) is a click usage error
    (``directory_argument``: ``click.Path(file_okay=False)``) and stdout stays empty."""
    file = tmp_path / "pim.yaml"
    file.write_text("tenant: contoso.onmicrosoft.com\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(file), "--format", "json"])
    document = json.loads(result.stdout)
    assert document["valid"] is False
