"""docs/settings-map.md covers every property of every policy rule found in the Graph samples."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from pim_gitops.model import RoleFile
from pim_gitops.policy_rules import POLICY_RULES, PolicyScope, PropertyDoc
from pim_gitops.render.settings_map import main, phase_behaviour, render_settings_map

from .conftest import ROOT, SAMPLES

RULE_TYPE = re.compile(r"#microsoft\.graph\.unifiedRoleManagementPolicy(\w+)Rule$")
ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \| `([^`]+)` \| (`[^`]*`)? \| ([^|]*) \|")
RULE_IDS = {spec.id for specs in POLICY_RULES.values() for spec in specs}
PAGE = ROOT / "docs" / "settings-map.md"


def _table() -> dict[tuple[str, str], tuple[str, str]]:
    rows = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rule, _, prop, path, reason = match.groups()
            rows[(rule, prop)] = ((path or "").strip("`"), reason.strip())
    return rows


def _rule_properties(
    node: Any, found: set[tuple[str, str]], rule: str | None = None, path: str = ""
) -> None:
    if isinstance(node, dict):
        if RULE_TYPE.match(str(node.get("@odata.type", ""))) and "id" in node:
            rule, path = str(node["id"]), ""
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if rule is not None and not isinstance(value, dict):  # containers: their leaves
                found.add((rule, here))
            _rule_properties(value, found, rule, here)
    elif isinstance(node, list):
        for item in node:
            _rule_properties(item, found, rule, path + "[]")


def _sample_properties() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(SAMPLES.glob("*.json")):
        _rule_properties(json.loads(path.read_text()), found)
    return {(rule, prop) for rule, prop in found if rule in RULE_IDS}


def test_every_sample_property_is_mapped_or_marked_unmanaged() -> None:
    table = _table()
    found = _sample_properties()
    assert len(found) > 150, "expected the 17 rules' properties in the shared samples"
    missing = sorted(key for key in found if key not in table)
    assert not missing, f"properties in neither column of docs/settings-map.md: {missing}"
    blank = sorted(key for key in found if not table[key][0] and not table[key][1])
    assert not blank, f"properties with neither a path nor a reason: {blank}"


def test_all_17_rules_and_the_2_custom_extension_rules_are_in_the_table() -> None:
    assert len(RULE_IDS) == 19
    assert {r for r in RULE_IDS if r.startswith("CustomExtension_")} == {
        "CustomExtension_PreApproval_EndUser_Assignment",
        "CustomExtension_PostApproval_EndUser_Assignment",
    }
    assert {rule for rule, _ in _table()} == RULE_IDS


def _model_paths(model: type[Any], prefix: str = "") -> set[str]:
    from pim_gitops.schema_positions import _unwrap

    paths = set()
    for name, info in model.model_fields.items():
        here = f"{prefix}.{name}" if prefix else name
        paths.add(here)
        target = _unwrap(info.annotation)
        if isinstance(target, type) and hasattr(target, "model_fields"):
            paths |= _model_paths(target, here)
    return paths


def test_every_mapped_path_exists_in_the_policy_model() -> None:
    paths = _model_paths(RoleFile)
    for (rule, prop), (path, _) in _table().items():
        if path:
            assert path in paths, f"{rule}.{prop} maps to {path!r}, which the model lacks"


# --- the page is generated from the policy-rule table ----------------------------------------


def test_the_checked_in_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_settings_map(POLICY_RULES), (
        "docs/settings-map.md is out of date: run `make docs`"
    )


def test_every_documented_property_is_a_row_of_the_page() -> None:
    table = _table()
    for spec in POLICY_RULES[PolicyScope.DIRECTORY_ROLE]:
        for doc in spec.docs:
            assert table[(spec.id, doc.prop)] == (doc.path or "", " ".join(doc.reason.split()))


def test_every_rule_documents_each_property_once_with_a_path_or_a_reason() -> None:
    for specs in POLICY_RULES.values():
        for spec in specs:
            props = [doc.prop for doc in spec.docs]
            assert len(props) == len(set(props)), f"{spec.id}: a property documented twice"
            for doc in spec.docs:
                assert bool(doc.path) != bool(doc.reason), f"{spec.id}.{doc.prop}: path xor reason"


def test_every_managed_path_of_a_rule_is_documented() -> None:
    for specs in POLICY_RULES.values():
        for spec in specs:
            documented = {doc.path for doc in spec.docs if doc.path}
            for path in spec.paths:
                assert any(path == d or path.startswith(d + ".") for d in documented), (
                    f"{spec.id}: no Graph property maps to {path}"
                )


def test_every_phase_function_says_when_it_relaxes_or_tightens() -> None:
    for specs in POLICY_RULES.values():
        for spec in specs:
            assert "relax" in phase_behaviour(spec), f"{spec.id}: phase function undocumented"


def test_cells_stay_on_one_line_and_escape_column_separators() -> None:
    spec = POLICY_RULES[PolicyScope.DIRECTORY_ROLE][0]
    odd = replace(spec, docs=(PropertyDoc("x", reason="a | b\n   c"),))
    page = render_settings_map({PolicyScope.DIRECTORY_ROLE: (odd,)})
    assert f"| `{spec.id}` | {spec.kind} | `x` |  | a \\| b c |  |\n" in page


def test_main_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "settings-map.md"
    assert main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_settings_map(POLICY_RULES)


# --- rule ids are data in policy_rules/ only -------------------------------------------------

PACKAGE = ROOT / "pim_gitops"


def _rule_id_pattern() -> re.Pattern[str]:
    """A rule id or the start of one (``Notification_Admin_``, as an f-string builds it)."""
    ids = sorted(RULE_IDS)
    kinds = sorted({rule.split("_")[0] for rule in ids})
    callers = sorted({rule.split("_")[1] for rule in ids})
    return re.compile(rf"\b(?:{'|'.join(kinds)})_(?:{'|'.join(callers)})(?:_|\b)")


def _docstring_nodes(tree: ast.AST) -> set[int]:
    """Bare string statements (docstrings, attribute docs): prose, not data."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def rule_id_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) of each string literal holding a rule id, docstrings aside."""
    tree = ast.parse(source)
    prose = _docstring_nodes(tree)
    pattern = _rule_id_pattern()
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in prose
        and pattern.search(node.value)
    ]


def _client_module(relative: str) -> bool:
    excepted = ("emulator/", "policy_rules/")
    return not relative.startswith(excepted) and relative not in (
        "tenantgen.py",
        "tenantgen_audit.py",
    )


def test_the_rule_id_scanner() -> None:
    assert rule_id_literals('X = "Expiration_EndUser_Assignment"\n') == [
        (1, "Expiration_EndUser_Assignment")
    ]
    assert rule_id_literals('u = f"/rules/Notification_Admin_{level}"\n') == [
        (1, "/rules/Notification_Admin_")
    ]
    assert rule_id_literals('"""Rule ``Approval_EndUser_Assignment``."""\n') == []
    assert rule_id_literals('def f() -> None:\n    """See Expiration_Admin_Eligibility."""\n') == []
    assert rule_id_literals('X = "Expiration"  # Expiration_Admin_Eligibility\n') == []
    assert rule_id_literals('X = "NotificationX_Admin_Eligibility"\n') == []


def test_rule_ids_are_data_only_in_the_policy_rule_table() -> None:
    modules = [
        (path.relative_to(PACKAGE).as_posix(), path) for path in sorted(PACKAGE.rglob("*.py"))
    ]
    client = [(relative, path) for relative, path in modules if _client_module(relative)]
    assert len(client) > 40, "expected the whole client package to be scanned"
    found = [
        f"pim_gitops/{relative}:{line}: {literal!r}"
        for relative, path in client
        for line, literal in rule_id_literals(path.read_text(encoding="utf-8"))
    ]
    assert not found, "policy rule ids outside pim_gitops/policy_rules/:\n" + "\n".join(found)
    table = [path for relative, path in modules if relative.startswith("policy_rules/")]
    assert any(rule_id_literals(path.read_text(encoding="utf-8")) for path in table)
