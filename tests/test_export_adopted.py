"""Issue 19 item 5, the export part: every exported assignment carries ``adopted: <date>``
(the export's UTC date), the marker never changes the plan, and ``pim.yaml`` declares the
proposed ``break_glass:`` under a comment to confirm."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from pim_gitops.compile import DeclaredAssignment
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PolicyErrors
from pim_gitops.export import export_repo, write_export
from pim_gitops.export_guards import CONFIRM
from pim_gitops.model import AssignmentSpec
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import TenantState
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.validation import validate_directory
from pim_gitops.workflow import load_desired, plan_against


def _sample() -> TenantState:
    return normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)


def _entries(files: dict[str, str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for path, text in sorted(files.items()):
        if path.startswith("roles/"):
            held = yaml.safe_load(text).get("assignments") or {}
            found += [entry for kind in ("eligible", "active") for entry in held.get(kind, [])]
    return found


def _declared(directory: Path) -> list[DeclaredAssignment]:
    desired = load_desired(str(directory), SAMPLE_NOW).state
    return [a for role in desired.roles for a in role.assignments]


def test_every_exported_assignment_is_marked_adopted_on_the_export_date() -> None:
    state = _sample()
    entries = _entries(export_repo(state, now=SAMPLE_NOW))
    kinds = {a.kind for a in state.assignments}
    assert kinds == {"eligible", "active"} and len(entries) >= len(kinds)
    assert [e["principal"] for e in entries if e.get("adopted") != date(2026, 11, 24)] == []
    later = _entries(export_repo(state, now=SAMPLE_NOW + timedelta(days=3)))
    assert {e["adopted"] for e in later} == {date(2026, 11, 27)}


def test_the_adopted_date_is_the_utc_date_of_now() -> None:
    # 23:30 at UTC-2 is already the next day in UTC
    evening = datetime(2026, 11, 24, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert {e["adopted"] for e in _entries(export_repo(_sample(), now=evening))} == {
        date(2026, 11, 25)
    }


def test_export_validates_compiles_adopted_and_plans_no_change(tmp_path: Path) -> None:
    state = _sample()
    write_export(export_repo(state, now=SAMPLE_NOW), tmp_path, force=True)
    validated = validate_directory(tmp_path, SAMPLE_NOW)
    # Every assignment is exported: tenant-wide, AU-scoped and PIM-for-Groups ones.
    assert validated.assignment_count == len(state.assignments) + len(state.group_assignments)
    assert {a.adopted for a in _declared(tmp_path)} == {date(2026, 11, 24)}
    assert plan_against(load_desired(str(tmp_path), SAMPLE_NOW), state, SAMPLE_NOW).empty


def _rewrite_adopted(directory: Path, replacement: str) -> int:
    """Every ``adopted:`` line of the role and group files rewritten (``""``: removed); how
    many."""
    count = 0
    for path in sorted([*directory.glob("roles/*.yaml"), *directory.glob("groups/*.yaml")]):
        text, n = re.subn(r"(?m)^( +)adopted: .*\n", replacement, path.read_text("utf-8"))
        path.write_text(text, encoding="utf-8")
        count += n
    return count


@pytest.mark.parametrize("replacement", ["", r"\1adopted: 2020-01-01\n"])
def test_adopted_differences_make_no_plan_change(tmp_path: Path, replacement: str) -> None:
    state = _sample()
    write_export(export_repo(state, now=SAMPLE_NOW), tmp_path, force=True)
    adopted = load_desired(str(tmp_path), SAMPLE_NOW)
    exported = [*state.assignments, *state.group_assignments]
    assert _rewrite_adopted(tmp_path, replacement) == len(exported)
    changed = load_desired(str(tmp_path), SAMPLE_NOW)
    assert {a.adopted for a in _declared(tmp_path)} == (
        {None} if not replacement else {date(2020, 1, 1)}
    )
    plan = plan_against(changed, state, SAMPLE_NOW)
    assert plan.empty, [c.address for c in plan.changes][:5]
    # a plan made before the edit is still the plan of the edited repository
    assert changed.hash == adopted.hash


def test_adopted_is_a_calendar_date() -> None:
    base = {"principal": "user:a@contoso.com", "permanent": True}
    assert AssignmentSpec.model_validate({**base, "adopted": "2026-11-24"}).adopted == date(
        2026, 11, 24
    )
    assert AssignmentSpec.model_validate(base).adopted is None
    for bad in ("2026-02-30", "2026-11-24T09:00:00Z", 20261124):
        with pytest.raises(ValueError, match="adopted"):
            AssignmentSpec.model_validate({**base, "adopted": bad})


def test_a_misspelled_adopted_in_a_file_is_an_error(tmp_path: Path) -> None:
    write_export(export_repo(_sample(), now=SAMPLE_NOW), tmp_path, force=True)
    assert _rewrite_adopted(tmp_path, r"\1adopted: 2026-13-01\n") > 0
    with pytest.raises(PolicyErrors, match="adopted"):
        validate_directory(tmp_path, SAMPLE_NOW)


def test_the_exported_break_glass_is_declared_and_loads(tmp_path: Path) -> None:
    files = export_repo(_sample(), now=SAMPLE_NOW)
    text = files["pim.yaml"]
    head = text.split("\nbreak_glass:\n", 1)[0]
    assert CONFIRM in head.splitlines()
    write_export(files, tmp_path, force=True)
    desired = load_desired(str(tmp_path), SAMPLE_NOW).state
    assert desired.break_glass == (
        "user:bg1@contoso.onmicrosoft.com",
        "user:bg2@contoso.onmicrosoft.com",
    )
