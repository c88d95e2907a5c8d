"""docs/report.md's "Sections" table names every top-level section the report renders (the
activation and approval history was missing from it)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from tests.conftest import POLICIES

DOC = Path(__file__).resolve().parents[1] / "docs" / "report.md"


def test_every_report_section_is_in_the_docs_table(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    args = ["--now", "2026-11-24T09:00:00Z", "report", str(POLICIES)]
    result = CliRunner().invoke(cli, [*args, "--snapshot", str(SAMPLE_TENANT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    headings = re.findall(r"^## (.+)$", out.read_text(encoding="utf-8"), re.MULTILINE)
    assert "Activation and approval history" in headings
    rows = re.findall(r"^\| ([^|]+?) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert [h for h in headings if h not in rows] == []
