"""How lists combine is one table (``compile/lists.py``): every list field of the models is in
it, the merge does what it says for each inherited list, the docs page holds the table as
generated, and ``validate --show`` shows one role or says how long every role is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.compile.lists import LIST_FIELDS, REPLACED_LISTS, Combine, list_paths
from pim_gitops.compile.merge import value_at
from pim_gitops.model import RoleFile, Settings, Template, TenantFile
from pim_gitops.model_groups import GroupFile, GroupSection
from pim_gitops.render.merge_table import BEGIN, render_list_table, replace_table
from pim_gitops.validation import validate_directory

from .conftest import NOW, POLICIES, ROOT, write

SETTINGS = frozenset(Settings.model_fields)


def _keys(prefix: str) -> set[str]:
    return {f.key.removeprefix(prefix) for f in LIST_FIELDS if f.key.startswith(prefix)}


def test_every_list_of_the_models_has_its_semantics_in_the_table() -> None:
    assert _keys("settings.") == set(list_paths(Settings))
    inherited = frozenset({"defaults", "group_defaults", "templates"})
    assert _keys("pim.yaml:") == set(list_paths(TenantFile, inherited))
    assert _keys("role:") == set(list_paths(RoleFile, SETTINGS))
    assert _keys("group:") == set(list_paths(GroupSection, SETTINGS))
    assert {p.partition(".")[2] for p in list_paths(GroupFile)} >= _keys("group:")
    assert list_paths(Template, SETTINGS) == ()  # a template's lists are the settings' lists
    keys = [f.key for f in LIST_FIELDS]
    assert len(keys) == len(set(keys))
    places = ("settings.", "pim.yaml:", "role:", "group:")
    assert len(keys) == sum(len(_keys(place)) for place in places)


def test_the_walk_finds_lists_in_unions_nested_models_and_dict_values() -> None:
    paths = list_paths(TenantFile)
    assert "lint.privileged_roles" in paths  # a name or a list
    assert "defaults.notifications.activated.admin.recipients" in paths
    assert "templates.*.activation.approval.approvers" in paths


def test_the_reference_page_holds_the_generated_table() -> None:
    page = (ROOT / "docs" / "policy-reference.md").read_text(encoding="utf-8")
    assert BEGIN in page
    assert replace_table(page, render_list_table()) == page, "run `make docs`"


# --- the merge does what the table says, for every inherited list --------------------------

POOLS = {
    "activation.require": ("mfa", "justification"),
    "eligible_assignment.require": ("mfa", "justification"),
    "active_assignment.require": ("mfa", "justification"),
    "activation.approval.approvers": ("group:PIM Approvers", "group:Tier0 Approvers"),
}


def _pool(path: str) -> tuple[str, str]:
    return POOLS.get(path, ("secops@contoso.com", "helpdesk@contoso.com"))


def _nested(path: str, value: Any) -> dict[str, Any]:
    for name in reversed(path.split(".")):
        value = {name: value}
    return value  # type: ignore[no-any-return]


def _repo(root: Path, path: str, role_list: list[str] | None) -> Path:
    import yaml

    first, second = _pool(path)
    tenant = {
        "tenant": "contoso.onmicrosoft.com",
        "defaults": _nested(path, [first]),
        "templates": {"tier0": _nested(path, [second])},
    }
    role: dict[str, Any] = {"role": "Global Reader", "template": "tier0"}
    if role_list is not None:
        role |= _nested(path, role_list)
    write(root / "pim.yaml", yaml.safe_dump(tenant, sort_keys=False))
    write(root / "roles" / "global-reader.yaml", yaml.safe_dump(role, sort_keys=False))
    return root


@pytest.mark.parametrize("path", sorted(REPLACED_LISTS))
def test_each_layer_replaces_an_inherited_list_whole(tmp_path: Path, path: str) -> None:
    assert {f.combine for f in LIST_FIELDS if f.setting == path} == {Combine.REPLACES}
    first, second = _pool(path)
    (role,) = validate_directory(_repo(tmp_path / "t", path, None), NOW).roles
    assert list(value_at(role.policy, path)) == [second]  # the template's, not both
    assert [(r.by.layer, r.replaced.layer, r.dropped) for r in role.replaced_lists] == [
        ("templates.tier0", "defaults", (first,))
    ]
    (role,) = validate_directory(_repo(tmp_path / "r", path, [first]), NOW).roles
    assert list(value_at(role.policy, path)) == [first]  # the role's, not both
    assert [(r.path, r.by.layer, r.replaced.layer, r.dropped) for r in role.replaced_lists] == [
        (path, "templates.tier0", "defaults", (first,)),
        (path, "role", "templates.tier0", (second,)),
    ]
    assert role.replaced_lists[-1].by.location == role.source_of(path)


@pytest.mark.parametrize("written", [[], None])
def test_an_explicit_empty_list_or_null_is_no_replacement_to_report(
    tmp_path: Path, written: list[str] | None
) -> None:
    path = "notifications.activated.admin.recipients"
    root = _repo(tmp_path, path, ["x@contoso.com"])
    role_file = root / "roles" / "global-reader.yaml"
    text = "[]" if written == [] else "null"
    role_file.write_text(
        role_file.read_text().replace("- x@contoso.com", "").rstrip() + f" {text}\n"
    )
    (role,) = validate_directory(root, NOW).roles
    assert list(value_at(role.policy, path)) == []
    assert [r.by.layer for r in role.replaced_lists] == ["templates.tier0"]


# --- validate --show ---------------------------------------------------------------------


def _show(*args: str) -> Any:
    return CliRunner().invoke(cli, ["--now", "2026-12-01", "validate", str(POLICIES), *args])


def test_show_without_a_role_prints_every_role_and_says_how_long() -> None:
    result = _show("--show")
    assert result.exit_code == 0, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("  file: ")]
    assert len(headers) == 11
    lines = result.stdout.count("\n")
    assert result.stderr == (
        f"11 roles, {lines} lines; `validate --show ROLE` prints one role (its name, template "
        "id or file name)\n"
    )


def test_show_all_says_how_long_on_stderr_and_keeps_stdout_yaml() -> None:
    result = _show("--show-all")
    assert result.exit_code == 0, result.output
    assert "`validate --show ROLE` prints one role" in result.stderr
    assert "prints one role" not in result.stdout


@pytest.mark.parametrize(
    "named",
    [
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
        "global-administrator",
        "global-administrator.yaml",
    ],
)
def test_show_names_one_role_by_name_template_id_or_file(named: str) -> None:
    result = _show("--show", named)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Global Administrator (62e90394-")
    assert result.stdout.count("  file: ") == 1 and result.stderr == ""


def test_show_says_which_inherited_list_a_value_replaced(tmp_path: Path) -> None:
    path = "notifications.activated.admin.recipients"
    root = _repo(tmp_path, path, ["secops@contoso.com"])
    args = ["--now", "2026-12-01", "validate", str(root), "--show", "Global Reader"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.stdout.splitlines() if x.strip().startswith(path)]
    assert line.split()[1] == "[secops@contoso.com]"
    assert line.endswith(
        f"; replaces {root / 'pim.yaml'}:14:11 (templates.tier0), dropping helpdesk@contoso.com"
    )


def test_show_given_a_directory_says_to_put_the_directory_first() -> None:
    args = ["--now", "2026-12-01", "validate", "--show", str(POLICIES)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.rstrip().endswith(
        f"({POLICIES} is a directory: `validate {POLICIES} --show` shows its roles)"
    )
