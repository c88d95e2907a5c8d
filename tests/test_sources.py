"""``validate --show ROLE``: every setting of one role, its value and where it came from."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from pim_gitops.compile import SETTING_PATHS, DesiredState, compile_policies
from pim_gitops.errors import UnresolvedReferenceError
from pim_gitops.loader import load_policies
from pim_gitops.render.sources import (
    describe_role_sources,
    describe_sources,
    render_role_sources,
    render_sources,
    setting_lines,
)

from .conftest import NOW, ROOT, write
from .test_compile import TENANT

GOLDEN = ROOT / "tests" / "golden" / "show"
GA_ID = "62e90394-69f5-4237-9190-012177145e10"


def _desired(tmp_path: Path, **roles: str) -> DesiredState:
    write(tmp_path / "pim.yaml", TENANT)
    for name, text in roles.items():
        write(tmp_path / "roles" / f"{name}.yaml", text)
    return compile_policies(load_policies(tmp_path), NOW)


def _line(text: str, path: str) -> str:
    (found,) = [line for line in text.splitlines() if line.split()[:1] == [path]]
    return found


GA = (
    "role: Global Administrator\ntemplate: critical\n"
    "activation:\n  approval: {required: false}\n"
    "active_assignment: {allow_permanent: false, max_duration: P15D}\n"
    "assignments:\n  eligible:\n"
    "    - {principal: user:b@contoso.com, duration: P30D, renew: true}\n"
    "    - {principal: user:a@contoso.com, expires: 2027-01-31}\n"
)


def test_each_setting_shows_its_value_and_where_it_came_from(tmp_path: Path) -> None:
    text = render_sources(_desired(tmp_path, ga=GA), "Global Administrator")
    assert text.startswith(f"Global Administrator ({GA_ID})\n")
    assert "  templates: base → critical\n" in text
    line = _line(text, "activation.max_duration")
    assert line.split()[1] == "PT1H"
    assert line.endswith("pim.yaml:15:21 (templates.critical)")
    assert _line(text, "activation.require").endswith("pim.yaml:3:45 (defaults)")
    assert _line(text, "active_assignment.max_duration").split()[1] == "P15D"
    assert _line(text, "active_assignment.max_duration").endswith("ga.yaml:5:59")  # the role
    assert _line(text, "activation.authentication_context").split()[1:] == [
        "null",
        "Entra",
        "default",
    ]
    approvers = _line(text, "activation.approval.approvers")
    assert "[] (approval off)" in approvers and approvers.endswith("(templates.critical)")
    eligible = _line(text, "eligible_assignment.max_duration")
    assert eligible.split()[1] == "P180D" and eligible.endswith("(templates.base)")
    gr = render_sources(_desired(tmp_path / "gr", gr="role: Global Reader\n"), "Global Reader")
    assert _line(gr, "active_assignment.max_duration").split()[1:] == [
        "null",
        "(permanent",
        "allowed)",
        "Entra",
        "default",
    ]


def test_every_setting_path_is_listed_once_sorted(tmp_path: Path) -> None:
    (role,) = _desired(tmp_path, ga=GA).roles
    paths = [line.path for line in setting_lines(role)]
    assert paths == sorted(SETTING_PATHS)
    rows = describe_sources(role)
    assert [r["path"] for r in rows] == paths
    assert {r["source"] for r in rows} >= {"Entra default"}


def test_the_json_form_carries_the_same_rows(tmp_path: Path) -> None:
    (role,) = _desired(tmp_path, ga=GA).roles
    data = json.loads(json.dumps(describe_role_sources(role), sort_keys=True))
    assert data["role_id"] == GA_ID and data["template_chain"] == ["base", "critical"]
    assert data["settings"] == describe_sources(role)
    (row,) = [r for r in data["settings"] if r["path"] == "activation.max_duration"]
    assert row["value"] == "PT1H" and row["source"].endswith("(templates.critical)")


def test_assignments_are_listed_sorted_with_their_lines(tmp_path: Path) -> None:
    text = render_sources(_desired(tmp_path, ga=GA), "Global Administrator")
    tail = text.split("assignments:\n", 1)[1].splitlines()
    assert tail[0].split()[:4] == [
        "eligible",
        "user:a@contoso.com",
        "until",
        "2027-01-31T00:00:00Z",
    ]
    assert tail[0].endswith("ga.yaml:9:7")
    assert tail[1].split()[:4] == ["eligible", "user:b@contoso.com", "for", "P30D"]
    assert tail[1].endswith("ga.yaml:8:7")


def test_a_role_is_found_by_name_in_any_case_or_by_id(tmp_path: Path) -> None:
    desired = _desired(tmp_path, ga=GA, gr="role: Global Reader\n")
    by_name = render_sources(desired, "global administrator")
    assert by_name == render_sources(desired, GA_ID.upper())
    assert by_name == render_role_sources(desired.roles[0])


def test_an_unknown_role_suggests_the_closest(tmp_path: Path) -> None:
    desired = _desired(tmp_path, ga=GA, gr="role: Global Reader\n")
    with pytest.raises(UnresolvedReferenceError) as info:
        render_sources(desired, "Global Admnistrator")
    assert str(info.value) == (
        "--show: no managed role 'Global Admnistrator'; did you mean 'Global Administrator'?"
    )
    with pytest.raises(UnresolvedReferenceError, match="managed roles: Global Administrator, "):
        render_sources(desired, "Exchange")


def test_without_a_role_every_role_is_shown_in_order(tmp_path: Path) -> None:
    desired = _desired(tmp_path, gr="role: Global Reader\n", ga=GA)
    text = render_sources(desired)
    assert text.index("Global Administrator (") < text.index("Global Reader (")
    assert text == "\n".join(render_role_sources(r) for r in desired.roles)


def test_output_does_not_depend_on_file_names_or_order(tmp_path: Path) -> None:
    def shown(directory: Path, **roles: str) -> str:
        text = render_sources(_desired(directory, **roles))
        return re.sub(r"\S+/roles/\w+\.yaml", "ROLE", text.replace(str(directory), "DIR"))

    first = shown(tmp_path / "a", x="role: Global Reader\n", y=GA)
    second = shown(tmp_path / "b", y="role: Global Reader\n", x=GA)
    assert first == second
    assert first == shown(tmp_path / "a", x="role: Global Reader\n", y=GA)


def test_golden_show_of_the_example_global_administrator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regenerate with ``UPDATE_GOLDEN=1 pytest tests/test_sources.py`` and read the diff."""
    monkeypatch.chdir(ROOT)
    desired = compile_policies(load_policies("policies"), NOW)
    text = render_sources(desired, "Global Administrator")
    golden = GOLDEN / "global-administrator.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
