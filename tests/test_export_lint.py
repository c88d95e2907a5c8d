"""A repository freshly exported from the sample tenant lints to a checked-in list of findings
(``tests/golden/export-lint.txt``), each a real problem of that tenant: the first day of a
team that adopts pim-gitops, reviewable in a diff. Regenerate with
``UPDATE_GOLDEN=1 pytest tests/test_export_lint.py`` and read every line of the diff."""

from __future__ import annotations

import os
from pathlib import Path

from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.export import export_repo, write_export
from pim_gitops.lint.engine import Finding, run_lint
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired

GOLDEN = Path(__file__).parent / "golden" / "export-lint.txt"


def _line(root: Path, f: Finding) -> str:
    path = Path(f.file).resolve().relative_to(root.resolve()).as_posix()
    where = f"{path}:{f.line}" if f.line else path
    controls = f" [{', '.join(f.controls)}]" if f.controls else ""
    return f"{f.view}: {where}: {f.rule} {f.severity}: {f.message}{controls}"


def test_a_fresh_export_lints_to_the_golden_list(tmp_path: Path) -> None:
    tenant = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    write_export(export_repo(tenant, now=SAMPLE_NOW), tmp_path, force=True)
    desired = load_desired(str(tmp_path), SAMPLE_NOW).state
    result = run_lint(desired, tenant, SAMPLE_NOW)
    text = "".join(_line(tmp_path, f) + "\n" for f in result.findings)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    # The first day is quiet where it should be: an exported assignment is not "without a
    # justification" (Graph never keeps one), and a value the export put in `defaults`
    # is reported once, not once per role.
    assert not [f for f in result.findings if f.rule == "ASG007"]
    shared = [(f.rule, f.file, f.line, f.detail) for f in result.findings if f.roles]
    assert len(shared) == len(set(shared))
    # A setting no file declares (Entra's default in every role) is one finding at the
    # tenant file, where a `defaults` value fixes it, not one per role file.
    unset = [f for f in result.findings if f.detail == "activation does not require a ticket"]
    shared_unset = [(Path(f.file).name, f.line) for f in unset if f.roles]
    assert shared_unset == [("pim.yaml", 1)]
    # A role whose own file sets the list (without a ticket) keeps its finding at that line.
    assert all(f.role and f.line > 1 for f in unset if not f.roles)
