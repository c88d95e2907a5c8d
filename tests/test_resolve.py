"""Identity by resolution and fail-closed references (issue 16, findings 1 and 4): what the
plan refuses once policy references are resolved against the tenant, each error at the
``file:line:col`` of every place involved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pim_gitops.cli import cli
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.errors import PlanError
from pim_gitops.normalize import normalize_tenant
from pim_gitops.plan import guard_facts
from pim_gitops.resolve import Resolver
from pim_gitops.snapshot import read_snapshot
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.wire import format_instant
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import Live, write

NOW = SAMPLE_NOW
TIER1_ID = "9074c0ec-8fbf-5559-8e39-044217aafc09"  # the custom role "Contoso Tier1 Support"
JUDY_ID = "6e1d59a3-19c1-54db-a54e-c82c30941f32"  # user:judy.compliance@contoso.com
BG1_ID = "8a029584-de66-58d0-95be-e014362adccf"  # user:bg1@contoso.onmicrosoft.com
HEAD = "the plan cannot be made:\n  "


def _state() -> Any:
    return normalize_tenant(read_snapshot(SAMPLE_TENANT), NOW)


def _plan(directory: Path) -> Any:
    return plan_against(load_desired(str(directory), NOW), _state(), NOW)


def _refused(directory: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        _plan(directory)
    text = str(info.value)
    assert text.startswith(HEAD)
    return text.removeprefix(HEAD).split("\n  ")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


TIER1_BY_ID = f"""\
role: {TIER1_ID}
assignments:
  eligible:
    - principal: user:judy.compliance@contoso.com
      duration: P30D
      renew: true
"""


def test_a_role_managed_by_name_and_by_object_id_is_refused(policy_copy: Path) -> None:
    write(policy_copy / "roles" / "tier1-by-id.yaml", TIER1_BY_ID)
    assert _refused(policy_copy) == [
        f"{policy_copy}/roles/tier1-by-id.yaml:1:1: role '{TIER1_ID}' is Contoso Tier1 Support "
        f"({TIER1_ID}), already managed by {policy_copy}/roles/contoso-tier1-support.yaml:2:1 "
        "(as 'Contoso Tier1 Support')"
    ]


def test_plan_command_refuses_a_role_managed_twice(policy_copy: Path, tmp_path: Path) -> None:
    write(policy_copy / "roles" / "tier1-by-id.yaml", TIER1_BY_ID)
    out = tmp_path / "plan.json"
    args = ["--now", format_instant(NOW), "plan", str(policy_copy)]
    result = CliRunner().invoke(cli, [*args, "--snapshot", str(SAMPLE_TENANT), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{policy_copy}/roles/tier1-by-id.yaml:1:1: role '{TIER1_ID}'" in result.output
    assert f"already managed by {policy_copy}/roles/contoso-tier1-support.yaml:2:1" in (
        result.output
    )
    assert not out.exists()


def test_apply_refuses_a_role_managed_twice_before_any_write(live: Live, policy_copy: Path) -> None:
    write(policy_copy / "roles" / "tier1-by-id.yaml", TIER1_BY_ID)
    before = live.snapshot()
    args = ["--now", format_instant(NOW), "--graph-url", live.url, "apply", str(policy_copy)]
    result = CliRunner().invoke(cli, [*args, "--auto-approve"])
    assert result.exit_code == 1, result.output
    assert "already managed by" in result.output and "tier1-by-id.yaml:1:1" in result.output
    assert live.stats()["writes"] == 0
    assert live.snapshot() == before


def test_one_person_by_upn_and_by_object_id_is_declared_twice(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    _edit(
        path,
        "  active:\n",
        f"    - principal: {JUDY_ID}\n      duration: P30D\n      renew: true\n  active:\n",
    )
    assert _refused(policy_copy) == [
        f"{path}:17:7: Global Reader: {JUDY_ID} and user:judy.compliance@contoso.com "
        f"(at {path}:13:7) are the same principal ({JUDY_ID}), declared twice as eligible "
        "at scope '/'"
    ]


def test_one_person_eligible_and_active_is_not_a_duplicate(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    _edit(
        path,
        "    - principal: user:heidi.audit@contoso.com\n"
        "      start: 2026-11-24T09:00:00Z\n      duration: P14D",
        "",
    )
    _edit(
        path,
        "  active:\n",
        f"  active:\n    - principal: {JUDY_ID}\n      duration: P14D\n      renew: true\n",
    )
    plan = _plan(policy_copy)
    assert any(f'active["{JUDY_ID}"]' in c.address for c in plan.changes)


def test_an_unresolved_break_glass_account_is_an_error_not_dropped(policy_copy: Path) -> None:
    # a Cyrillic "а" in place of the Latin "a": a look-alike that resolves to nobody
    _edit(policy_copy / "pim.yaml", "user:bg2@contoso", "user:bg2@cоntoso")
    assert _refused(policy_copy) == [
        f"{policy_copy}/pim.yaml:56:5: break_glass: principal user:bg2@cоntoso.onmicrosoft.com "
        "was not found in the tenant"
    ]


def test_guard_facts_refuses_an_unresolved_break_glass_account(policy_copy: Path) -> None:
    _edit(policy_copy / "pim.yaml", "user:bg1@", "user:nobody@")
    desired = load_desired(str(policy_copy), NOW).state
    with pytest.raises(PlanError) as info:
        guard_facts(desired, _state())
    assert str(info.value) == (
        f"{HEAD}{policy_copy}/pim.yaml:55:5: break_glass: principal "
        "user:nobody@contoso.onmicrosoft.com was not found in the tenant"
    )


def test_a_break_glass_account_listed_twice_under_two_spellings(policy_copy: Path) -> None:
    _edit(policy_copy / "pim.yaml", "  - user:bg2@contoso.onmicrosoft.com\n", f"  - {BG1_ID}\n")
    assert _refused(policy_copy) == [
        f"{policy_copy}/pim.yaml:56:5: break_glass: {BG1_ID} is {BG1_ID}, already listed at "
        f"{policy_copy}/pim.yaml:55:5"
    ]


def test_guard_facts_resolve_every_break_glass_account(policy_copy: Path) -> None:
    facts = guard_facts(load_desired(str(policy_copy), NOW).state, _state())
    assert facts.break_glass == tuple(sorted([BG1_ID, "cba08e6c-6056-5757-b0ec-e3eee7a947f7"]))
    assert facts.apply_identity is not None


def test_an_unresolved_apply_identity_is_located(policy_copy: Path) -> None:
    other = "sp:00000000-0000-0000-0000-00000000beef"
    _edit(
        policy_copy / "pim.yaml",
        "apply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b",
        (f"apply_identity: {other}"),
    )
    assert _refused(policy_copy) == [
        f"{policy_copy}/pim.yaml:63:17: apply_identity: principal {other} was not found in "
        "the tenant"
    ]


def test_an_unresolved_approver_is_located_where_it_is_written(policy_copy: Path) -> None:
    _edit(policy_copy / "pim.yaml", "[group:PIM Tier0 Approvers]", "[group:PIM Tier0 Aprovers]")
    where = f"{policy_copy}/pim.yaml:48:21"
    assert _refused(policy_copy) == [
        f"{where}: Global Administrator: approver principal group:PIM Tier0 Aprovers was not "
        "found in the tenant",
        f"{where}: Privileged Role Administrator: approver principal group:PIM Tier0 Aprovers "
        "was not found in the tenant",
        # groups/tier0-operators.yaml's member section uses the same template.
        f"{where}: Tier0 Operators: approver principal group:PIM Tier0 Aprovers was not found "
        "in the tenant",
    ]


def test_an_unresolved_assignee_is_located(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    _edit(path, "judy.compliance", "nobody.here")
    assert _refused(policy_copy) == [
        f"{path}:13:7: Global Reader: principal user:nobody.here@contoso.com was not found "
        "in the tenant"
    ]


def test_an_administrative_unit_by_an_unknown_name_fails_closed(policy_copy: Path) -> None:
    path = policy_copy / "roles" / "user-administrator.yaml"
    _edit(
        path,
        "      justification: Helpdesk escalation\n",
        "      justification: Helpdesk escalation\n      scope: administrative_unit:Lyon\n",
    )
    assert _refused(policy_copy) == [
        f"{path}:11:7: User Administrator: scope 'administrative_unit:Lyon': no "
        "administrative unit is named 'Lyon'"
    ]


@pytest.mark.parametrize(
    ("seconds", "refused"), [(299, True), (300, False), (301, False)], ids=["4m59", "5m", "5m01"]
)
def test_a_new_grant_must_end_five_minutes_after_now(
    policy_copy: Path, seconds: int, refused: bool
) -> None:
    path = policy_copy / "roles" / "global-reader.yaml"
    end = format_instant(NOW + timedelta(seconds=seconds))
    new = f"    - principal: user:diego.hansen@contoso.com\n      expires: {end}\n"
    _edit(path, "  active:\n", f"{new}  active:\n")
    if not refused:
        plan = _plan(policy_copy)
        assert [c.action for c in plan.changes if "diego.hansen" in c.address] == ["create"]
        return
    assert _refused(policy_copy) == [
        f"{path}:17:7: Global Reader: new eligible assignment of "
        f"user:diego.hansen@contoso.com would end {end}, 299s after it starts; Graph "
        "refuses schedules shorter than PT5M"
    ]


def test_resolver_refuses_user_prefixed_object_ids() -> None:
    found = Resolver(_state()).principal(f"user:{JUDY_ID}")
    assert found == f"user:{JUDY_ID}: user: takes a UPN; write the object id without a prefix"
