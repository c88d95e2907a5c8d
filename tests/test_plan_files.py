"""Saved plan files: only this tool's version of this format is read, a recorded live object
that no longer matches its fingerprint is refused as tampering, and a plan survives being
written and read back byte for byte."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops import __version__
from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PlanFormatError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import (
    FORMAT_VERSION,
    Plan,
    dump_plan,
    load_plan,
    mark_origins,
    parse_plan,
)
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import POLICIES

CLI_NOW = ["--now", "2026-11-24T09:00:00Z"]


@pytest.fixture(scope="module")
def plan() -> Plan:
    state = normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)
    return plan_against(load_desired(str(POLICIES), SAMPLE_NOW), state, SAMPLE_NOW)


def document(plan: Plan) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(dump_plan(plan))
    return data


def first_op(data: dict[str, Any], kind: str) -> dict[str, Any]:
    op: dict[str, Any] = next(o for o in data["operations"] if o["op"] == kind)
    return op


def refused(data: Any) -> str:
    with pytest.raises(PlanFormatError) as caught:
        parse_plan(data, "plan.json")
    return str(caught.value)


# --- versions ---------------------------------------------------------------------------------


def test_format_version_1_is_refused_with_a_clear_message(plan: Plan) -> None:
    data = {**document(plan), "format_version": 1}
    assert FORMAT_VERSION == 3
    assert refused(data) == (
        "plan.json: plan format_version 1 is not supported by this pim-gitops "
        "(it reads format_version 3); make a new plan with this version"
    )


def test_a_newer_format_version_is_refused(plan: Plan) -> None:
    data = {**document(plan), "format_version": FORMAT_VERSION + 1}
    assert "format_version 4 is not supported" in refused(data)


def test_a_file_without_format_version_is_not_a_plan() -> None:
    assert refused({"operations": []}) == "plan.json: not a pim-gitops plan (no format_version)"
    assert refused([1, 2]) == "plan.json: not a pim-gitops plan (no format_version)"


def test_a_plan_from_another_tool_version_is_refused(plan: Plan) -> None:
    data = {**document(plan), "tool_version": "0.0.9"}
    assert refused(data) == (
        f"plan.json: the plan was made by pim-gitops 0.0.9, this is {__version__}; "
        "plan and apply with the same version"
    )


def test_a_malformed_plan_names_the_field(plan: Plan) -> None:
    data = document(plan)
    del first_op(data, "schedule")["justification"]
    assert refused(data).startswith("plan.json: malformed plan at operations.")
    assert "justification" in refused(data)


# --- tampering --------------------------------------------------------------------------------


def test_an_edited_live_rule_no_longer_matches_its_fingerprint(plan: Plan) -> None:
    data = document(plan)
    op = first_op(data, "patch_rule")
    op["live_rule"]["enabledRules"] = []
    label = f"{op['role']['name']}: update rule {op['rule_id']}"
    assert refused(data) == (
        f"plan.json: the fingerprint of {label} does not match the live object the plan "
        "recorded; the file was edited or is corrupt. Make a new plan."
    )


def test_an_edited_live_schedule_no_longer_matches_its_fingerprint(plan: Plan) -> None:
    data = document(plan)
    op = next(o for o in data["operations"] if o["op"] == "schedule" and o["live"])
    op["live"]["end"] = None
    assert "does not match the live object the plan recorded" in refused(data)


def test_an_edited_fingerprint_is_refused(plan: Plan) -> None:
    data = document(plan)
    first_op(data, "patch_rule")["fingerprint"] = "sha256:" + "0" * 32
    assert "does not match the live object the plan recorded" in refused(data)


def test_the_unedited_document_is_accepted(plan: Plan) -> None:
    data = document(plan)
    assert parse_plan(copy.deepcopy(data), "plan.json") == plan


# --- round trips ------------------------------------------------------------------------------


def test_a_plan_round_trips_byte_for_byte(plan: Plan, tmp_path: Path) -> None:
    text = dump_plan(plan)
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    assert dump_plan(load_plan(path)) == text


def test_a_plan_with_origins_round_trips_byte_for_byte(plan: Plan) -> None:
    marked = mark_origins(plan, plan)
    text = dump_plan(marked)
    assert '"origin": "drift"' in text
    assert dump_plan(parse_plan(json.loads(text), "plan.json")) == text


def test_the_file_plan_out_writes_reads_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    args = [*CLI_NOW, "plan", str(POLICIES), "--snapshot", str(SAMPLE_TENANT), "--out", str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    written = path.read_bytes()
    assert dump_plan(load_plan(path)).encode() == written


def test_apply_refuses_an_old_plan_file_before_touching_graph(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({**document(plan), "format_version": 1}), encoding="utf-8")
    result = CliRunner().invoke(cli, [*CLI_NOW, "apply", str(path)])
    assert result.exit_code == 1
    assert "plan format_version 1 is not supported" in result.output


def test_an_unreadable_file_is_a_plan_format_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PlanFormatError, match="cannot read the plan"):
        load_plan(path)


def test_desired_hash_is_the_same_for_two_checkouts_of_one_policy(tmp_path: Path) -> None:
    """``apply PLAN --policy DIR`` compares hashes made in two checkouts (the plan job's and
    the apply job's): paths must not enter the hash, the policy must."""
    import shutil

    one, two = tmp_path / "a" / "policies", tmp_path / "elsewhere" / "p"
    shutil.copytree(POLICIES, one)
    shutil.copytree(POLICIES, two)
    now = SAMPLE_NOW
    assert load_desired(str(one), now).hash == load_desired(str(two), now).hash
    role = two / "roles" / "global-reader.yaml"
    role.write_text(
        role.read_text().replace("activation:\n", "activation:\n  max_duration: PT2H\n")
    )
    assert load_desired(str(one), now).hash != load_desired(str(two), now).hash


def test_a_removal_moved_to_an_earlier_phase_is_refused(plan: Plan) -> None:
    """Issue 16 review: moving a removal before the creates it relies on brings back
    'removals ran after the creates failed'."""
    data = json.loads(dump_plan(plan))
    removal = next(op for op in data["operations"] if op.get("action") == "delete")
    removal["phase"] = 1
    with pytest.raises(PlanFormatError, match="a delete runs in phase 4"):
        parse_plan(data, "edited.json")
