"""docs/settings-map.md covers every property of every policy rule found in the Graph samples."""

from __future__ import annotations

import json
import re
from typing import Any

from pim_gitops.model import RoleFile

from .conftest import ROOT, SAMPLES

RULE_TYPE = re.compile(r"#microsoft\.graph\.unifiedRoleManagementPolicy(\w+)Rule$")
ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \| `([^`]+)` \| (`[^`]*`)? \| ([^|]*) \|")
RULE_IDS = {
    "Expiration_Admin_Eligibility",
    "Expiration_Admin_Assignment",
    "Expiration_EndUser_Assignment",
    "Enablement_Admin_Eligibility",
    "Enablement_Admin_Assignment",
    "Enablement_EndUser_Assignment",
    "Approval_EndUser_Assignment",
    "AuthenticationContext_EndUser_Assignment",
    *(
        f"Notification_{who}_{level}"
        for who in ("Admin", "Requestor", "Approver")
        for level in ("Admin_Eligibility", "Admin_Assignment", "EndUser_Assignment")
    ),
}


def _table() -> dict[tuple[str, str], tuple[str, str]]:
    rows = {}
    for line in (ROOT / "docs" / "settings-map.md").read_text().splitlines():
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


def test_all_17_rules_are_in_the_table() -> None:
    assert {rule for rule, _ in _table()} == RULE_IDS


def _model_paths(model: type[Any], prefix: str = "") -> set[str]:
    from pim_gitops.loader import _unwrap

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
