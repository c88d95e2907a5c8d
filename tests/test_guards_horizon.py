"""The guards over usable access: each at its boundaries (exactly at the horizon, one second
inside, one outside), refusing only created or worsened violations; then the findings of
issue 16 reproduced end to end over the emulator and refused."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from pim_gitops.access import DEFAULT_HORIZON, Window
from pim_gitops.action import Action
from pim_gitops.apply.guards import (
    Guards,
    Verdict,
    assignments_after,
    break_glass_lost,
    guard_problems,
    guard_verdict,
    last_pra_path_removed,
    reductions,
    self_lockout,
    too_many_removals,
)
from pim_gitops.errors import PimGitopsError
from pim_gitops.plan import (
    GuardFacts,
    LiveSchedule,
    Plan,
    PrincipalRef,
    RoleRef,
    ScheduleRequest,
    Summary,
    schedule_fingerprint,
)
from pim_gitops.policy_rules import Phase
from pim_gitops.roles import GLOBAL_ADMINISTRATOR as GA
from pim_gitops.roles import PRIVILEGED_ROLE_ADMINISTRATOR as PRA
from pim_gitops.state import Assignment, Principal, TenantState
from tests.conftest import POLICIES, Live
from tests.reliability.test_reliability import apply_once

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
H = DEFAULT_HORIZON
SECOND = timedelta(seconds=1)
LATER = NOW + timedelta(days=90)
WINDOW = Window(NOW)
NAMES = {GA: "Global Administrator", PRA: "Privileged Role Administrator"}


def principal(pid: str, *, enabled: bool = True) -> Principal:
    if pid.startswith("g-"):
        return Principal(pid, "group", display_name=pid[2:], is_assignable_to_role=enabled)
    if pid.startswith("sp-"):
        return Principal(pid, "servicePrincipal", app_id=pid[3:], account_enabled=enabled)
    return Principal(pid, "user", user_principal_name=f"{pid}@x", account_enabled=enabled)


def tenant(*assignments: Assignment, disabled: tuple[str, ...] = ()) -> TenantState:
    ids = ["bg1", "bg2", "grace", "alice", "bob", "sp-ci", "g-ops", "g-plain", "m1"]
    principals = {p: principal(p, enabled=p not in disabled and p != "g-plain") for p in ids}
    return TenantState(
        tenant_id="t",
        roles={},
        policies={},
        assignments=assignments,
        principals=principals,
        group_members={"g-ops": ("m1",), "g-plain": ("m1",)},
    )


def ga(pid: str, end: datetime | None = None) -> Assignment:
    return Assignment(GA, pid, "/", "active", end)


def pra(pid: str, end: datetime | None = LATER, kind: str = "eligible") -> Assignment:
    return Assignment(PRA, pid, "/", kind, end)  # type: ignore[arg-type]


HEALTHY = (ga("bg1"), ga("bg2"), pra("grace"), pra("alice"), pra("sp-ci", None, "active"))


def request(
    action: Action,
    target: Assignment,
    end: datetime | None = None,
    live: Assignment | None = None,
) -> ScheduleRequest:
    schedule = None if live is None else LiveSchedule(id="s", start=live.start, end=live.end)
    return ScheduleRequest(
        phase=Phase.REMOVE if action is Action.DELETE else Phase.ASSIGN,
        role=RoleRef(id=target.role_id, name=NAMES[target.role_id]),
        action=action,
        schedule=target.kind,
        principal=PrincipalRef(id=target.principal_id, ref=f"user:{target.principal_id}@x"),
        addresses=(f"{target.role_id}.{target.principal_id}",),
        end=end,
        justification="test",
        live=schedule,
        fingerprint=schedule_fingerprint(schedule),
    )


def remove(a: Assignment) -> ScheduleRequest:
    return request(Action.DELETE, a, live=a)


def shorten(a: Assignment, end: datetime | None) -> ScheduleRequest:
    return request(Action.UPDATE, a, end, live=a)


def create(a: Assignment) -> ScheduleRequest:
    return request(Action.CREATE, a, a.end)


def plan(*ops: ScheduleRequest, identity: str | None = "sp-ci") -> Plan:
    return Plan(
        tool_version="x",
        tenant_id="t",
        desired_hash="h",
        generated_at=NOW,
        summary=Summary(),
        changes=(),
        operations=ops,
        guards=GuardFacts(tenant="", break_glass=("bg1", "bg2"), apply_identity=identity),
    )


def verdict(state: TenantState, *ops: ScheduleRequest, guards: Guards | None = None) -> Verdict:
    return guard_verdict(plan(*ops), state, guards or Guards(), {}, NOW)


# --- reductions and --max-removals --------------------------------------------------------


def test_every_reduction_counts() -> None:
    ops = [
        remove(pra("grace")),
        shorten(pra("alice"), LATER - SECOND),
        shorten(ga("bg1"), LATER),  # permanent → expiring
        shorten(pra("bob", NOW + H), LATER),  # extension: not a reduction
        create(pra("bob")),
    ]
    assert [how for _, how in reductions(ops)] == [
        "removed",
        "ends earlier",
        "permanent → expiring",
    ]


@pytest.mark.parametrize(("cap", "refused"), [(1, True), (2, False), (0, True)])
def test_max_removals_caps_reductions_at_its_boundary(cap: int, refused: bool) -> None:
    shortened = plan(shorten(pra("grace"), LATER - SECOND), shorten(pra("alice"), LATER - SECOND))
    problems = too_many_removals(shortened, cap)
    assert bool(problems) is refused
    if refused:
        assert "reduces access 2 times" in problems[0] and f"--max-removals {cap}" in problems[0]
        assert "user:grace@x (ends earlier)" in problems[0]


def test_assignments_after_keeps_the_live_start_on_update() -> None:
    started = Assignment(PRA, "grace", "/", "eligible", LATER, NOW - H)
    after = assignments_after([shorten(started, NOW + H)], tenant(started))
    assert after == [Assignment(PRA, "grace", "/", "eligible", NOW + H, NOW - H)]


def test_reducing_writes_run_in_a_step_of_their_own_after_the_others() -> None:
    from pim_gitops.apply.evaluate import steps

    grow, shrink, gone = create(pra("bob")), shorten(pra("grace"), NOW + H), remove(pra("alice"))
    assert steps(plan(shrink, grow, gone)) == [
        (Phase.ASSIGN, [grow], False),
        (Phase.ASSIGN, [shrink], True),
        (Phase.REMOVE, [gone], True),
    ]


# --- break-glass ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        remove(ga("bg2")),
        shorten(ga("bg2"), NOW + timedelta(minutes=5)),  # finding 3
        shorten(ga("bg2"), NOW + timedelta(days=365)),  # any end: break-glass is permanent
    ],
)
def test_break_glass_refuses_any_loss_of_permanence(op: ScheduleRequest) -> None:
    state = tenant(*HEALTHY)
    found = break_glass_lost(state, assignments_after([op], state), ["bg1", "bg2"], WINDOW)
    assert len(found.problems) == 1 and not found.warnings
    assert "break-glass account user:bg2@x" in found.problems[0]
    assert "--allow-break-glass-change" in found.problems[0]


def test_break_glass_already_broken_is_a_warning_not_a_refusal() -> None:
    state = tenant(*HEALTHY, disabled=("bg2",))
    found = break_glass_lost(state, list(state.assignments), ["bg1", "bg2"], WINDOW)
    assert not found.problems
    assert "user:bg2@x" in found.warnings[0] and "a disabled account" in found.warnings[0]
    # ... yet removing the disabled account's assignment changes nothing that worked
    after = assignments_after([remove(ga("bg2"))], state)
    assert not break_glass_lost(state, after, ["bg1", "bg2"], WINDOW).problems


def test_break_glass_unresolved_id_never_passes_silently() -> None:
    state = tenant(*HEALTHY)
    found = break_glass_lost(state, list(state.assignments), ["bg1", "ghost"], WINDOW)
    assert not found.problems and "ghost" in found.warnings[0]
    assert "not found in the tenant" in found.warnings[0]


# --- last PRA path --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "refused"),
    [(NOW + H, True), (NOW + H - SECOND, True), (NOW + H + SECOND, False)],
)
def test_last_pra_path_at_the_horizon(end: datetime, refused: bool) -> None:
    state = tenant(*HEALTHY)
    after = assignments_after([shorten(pra("grace"), end), shorten(pra("alice"), end)], state)
    found = last_pra_path_removed(state, after, WINDOW, "sp-ci")
    assert bool(found.problems) is refused
    if refused:
        assert "reduced by this plan: user:alice@x, user:grace@x" in found.problems[0]
        assert "--allow-no-pra-eligible" in found.problems[0]


def test_the_apply_identity_does_not_count_as_a_pra_path() -> None:
    state = tenant(*HEALTHY)
    after = assignments_after([remove(pra("grace")), remove(pra("alice"))], state)
    assert last_pra_path_removed(state, after, WINDOW, "sp-ci").problems
    # were the identity not known, its active assignment would count
    assert not last_pra_path_removed(state, after, WINDOW, None).problems


def test_an_active_holder_counts_as_a_pra_path() -> None:
    state = tenant(*HEALTHY)
    ops = [remove(pra("grace")), remove(pra("alice")), create(pra("bob", kind="active"))]
    assert not last_pra_path_removed(state, assignments_after(ops, state), WINDOW, "sp-ci").problems


@pytest.mark.parametrize(
    ("replacement", "why"),
    [
        ("g-plain", "group:plain is a group that is not role-assignable"),  # finding 2
        ("bob", "user:bob@x is a disabled account"),  # finding 5
        ("nobody", "nobody is not found in the tenant"),
    ],
)
def test_moving_pra_to_an_unusable_principal_is_refused(replacement: str, why: str) -> None:
    state = tenant(*HEALTHY, disabled=("bob",))
    ops = [remove(pra("grace")), remove(pra("alice")), create(pra(replacement))]
    found = last_pra_path_removed(state, assignments_after(ops, state), WINDOW, "sp-ci")
    assert len(found.problems) == 1 and why in found.problems[0]


def test_pra_eligibility_that_gives_no_access_today_does_not_count() -> None:
    """Finding 5: a disabled account and a schedule that starts next year are no path."""
    next_year = Assignment(PRA, "bob", "/", "eligible", None, NOW + timedelta(days=365))
    state = tenant(*HEALTHY, next_year, disabled=("grace",))
    after = assignments_after([remove(pra("alice"))], state)
    found = last_pra_path_removed(state, after, WINDOW, "sp-ci")
    assert found.problems and "reduced by this plan: user:alice@x" in found.problems[0]


def test_an_existing_pra_violation_warns_and_accepts_unrelated_changes() -> None:
    """The only PRA eligibility already ends in 20 h: unrelated changes still apply."""
    soon = NOW + timedelta(hours=20)
    state = tenant(ga("bg1"), ga("bg2"), pra("grace", soon), pra("sp-ci", None, "active"))
    unrelated = verdict(state, create(Assignment(GA, "bob", "/", "eligible", LATER)))
    assert not unrelated.problems
    assert any("last-pra-path" in w for w in unrelated.warnings)
    worse = verdict(state, shorten(pra("grace", soon), NOW + timedelta(hours=10)))
    assert worse.problems and "last-pra-path" in worse.problems[0]
    gone = verdict(state, remove(pra("grace", soon)))
    assert gone.problems  # no access at now either: worse than 20 h
    better = verdict(state, shorten(pra("grace", soon), NOW + H + SECOND))
    assert not better.problems and not any("last-pra-path" in w for w in better.warnings)


# --- self-lockout ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "refused"),
    [(NOW + H, True), (NOW + H - SECOND, True), (NOW + H + SECOND, False)],
)
def test_self_lockout_at_the_horizon(end: datetime, refused: bool) -> None:
    state = tenant(*HEALTHY)
    after = assignments_after([shorten(pra("sp-ci", None, "active"), end)], state)
    found = self_lockout(state, after, "sp-ci", WINDOW)
    assert bool(found.problems) is refused
    if refused:
        assert "apply identity sp:ci" in found.problems[0]
        assert "Privileged Role Administrator" in found.problems[0]


def test_self_lockout_guards_nothing_for_an_identity_without_a_role() -> None:
    """Application permissions alone: there is no directory role to protect."""
    state = tenant(*HEALTHY)
    after = assignments_after([remove(pra("sp-ci", None, "active"))], state)
    assert self_lockout(state, after, "sp-other", WINDOW) == Verdict()
    assert self_lockout(state, after, None, WINDOW) == Verdict()
    assert self_lockout(state, list(state.assignments), "sp-ci", WINDOW) == Verdict()


def test_overrides_silence_only_their_own_guard() -> None:
    state = tenant(*HEALTHY)
    ops = (remove(ga("bg1")), remove(pra("sp-ci", None, "active")))
    all_of_them = guard_problems(plan(*ops), state, Guards(), {}, NOW)
    assert [p.split(":")[0] for p in all_of_them] == ["break-glass", "self-lockout"]
    allowed = Guards(allow_break_glass_change=True, allow_self_lockout=True)
    assert guard_problems(plan(*ops), state, allowed, {}, NOW) == []
    assert guard_problems(plan(*ops), state, Guards(max_removals=1), {}, NOW)[0].startswith(
        "max-removals"
    )


def test_a_longer_horizon_refuses_what_a_day_accepts() -> None:
    state = tenant(*HEALTHY)
    ops = (shorten(pra("grace"), NOW + timedelta(days=3)), remove(pra("alice")))
    assert not verdict(state, *ops).problems
    assert verdict(state, *ops, guards=Guards(horizon=timedelta(days=7))).problems


# --- end to end over the emulator: the findings of issue 16 -----------------------------------

E2E_NOW = "2026-11-24T09:00:00Z"
SOON = "2026-11-24T09:10:00Z"
BG = ("user:bg1@contoso.onmicrosoft.com", "user:bg2@contoso.onmicrosoft.com")


def cli_run(url: str, *args: str) -> Any:
    from click.testing import CliRunner

    from pim_gitops.cli import cli

    return CliRunner().invoke(cli, ["--now", E2E_NOW, "--graph-url", url, *args])


def edit(directory: Path, file: str, old: str, new: str, count: int = -1) -> None:
    path = directory / "roles" / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def refused(live: Live, *args: str) -> str:
    """Apply, expecting a refusal before any write; the output."""
    writes = live.stats()["writes"]
    result = cli_run(live.url, "apply", *args)
    assert result.exit_code == 1, result.output
    assert "refusing to apply; nothing was written" in result.output
    assert live.stats()["writes"] == writes
    return str(result.output)


def test_finding_3_break_glass_expiry_is_refused_and_shown_in_the_plan(
    live: Live, policy_copy: Path
) -> None:
    edit(
        policy_copy, "global-administrator.yaml", "      permanent: true", f"      expires: {SOON}"
    )
    shown = cli_run(live.url, "plan", str(policy_copy))
    assert shown.exit_code == 0, shown.output
    assert "apply will refuse: break-glass: break-glass account " + BG[0] in shown.output
    output = refused(live, str(policy_copy), "--auto-approve")
    for account in BG:
        assert f"break-glass: break-glass account {account}" in output


def test_finding_3_pra_expiry_is_refused(live: Live, policy_copy: Path) -> None:
    edit(policy_copy, "privileged-role-administrator.yaml", "duration: P90D", f"expires: {SOON}")
    output = refused(live, str(policy_copy), "--auto-approve")
    assert "last-pra-path:" in output
    assert "reduced by this plan: user:grace.identity@contoso.com" in output


def test_finding_3_own_role_expiry_is_refused(live: Live, policy_copy: Path) -> None:
    edit(
        policy_copy,
        "privileged-role-administrator.yaml",
        "      permanent: true",
        f"      expires: {SOON}",
    )
    output = refused(live, str(policy_copy), "--auto-approve")
    assert "self-lockout: the apply identity sp:5b4b2a3c" in output


def test_finding_3_max_removals_counts_every_nearer_end(live: Live, policy_copy: Path) -> None:
    import re

    for path in (policy_copy / "roles").glob("*.yaml"):
        text = re.sub(
            r"(?<![_\w])(duration: P\w+|permanent: true)",
            "expires: 2026-11-24T10:00:00Z",
            re.sub(r"\n *renew: true[^\n]*", "", path.read_text()),
        )
        path.write_text(text)
    output = refused(live, str(policy_copy), "--auto-approve", "--max-removals", "0")
    assert "max-removals: the plan reduces access" in output
    assert "more than --max-removals 0" in output


def test_finding_2_pra_moved_to_a_group_that_cannot_hold_it(live: Live, policy_copy: Path) -> None:
    path = policy_copy / "roles" / "privileged-role-administrator.yaml"
    text = path.read_text()
    start, end = text.index("  eligible:\n"), text.index("  active:\n")
    group = (
        "  eligible:\n    - {principal: group:All Staff, duration: P30D"
        ", renew: true, justification: x}\n"
    )
    path.write_text(text[:start] + group + text[end:])
    output = refused(live, str(policy_copy), "--auto-approve")
    assert "last-pra-path:" in output
    assert "group:All Staff is a group that is not role-assignable" in output
    assert "user:grace.identity@contoso.com" in output


def test_finding_2_nothing_is_removed_after_the_create_it_relied_on_failed(
    live: Live, policy_copy: Path
) -> None:
    """The group is role-assignable when checked, and stops being so before its create is
    sent: the create fails, and the removals that relied on it are not run."""
    import asyncio

    from pim_gitops.apply import SilentListener, apply_plan
    from pim_gitops.graph.session import open_graph
    from pim_gitops.tenantgen import SAMPLE_NOW
    from pim_gitops.workflow import load_desired, read_and_plan

    path = policy_copy / "roles" / "privileged-role-administrator.yaml"
    text = path.read_text()
    start, end = text.index("  eligible:\n"), text.index("  active:\n")
    group = (
        "  eligible:\n"
        "    - {principal: group:Helpdesk Operators, duration: P30D"
        ", renew: true, justification: x}\n"
    )
    path.write_text(text[:start] + group + text[end:])
    helpdesk = live.emulator.store.objects["f3fa6c1a-ac6e-5593-af29-eb5c8fac9232"]

    class FlipBeforeCreates(SilentListener):
        def phase_started(self, phase: Phase, count: int) -> None:
            if phase is Phase.ASSIGN:
                helpdesk["isAssignableToRole"] = False

    async def go() -> Any:
        async with open_graph(live.url) as transport:
            desired = load_desired(str(policy_copy), SAMPLE_NOW)
            snapshot, state, made = await read_and_plan(transport, desired, SAMPLE_NOW)
            assert not made.refusals
            return await apply_plan(
                transport,
                made,
                SAMPLE_NOW,
                Guards(),
                FlipBeforeCreates(),
                current=(snapshot, state),
            )

    result = asyncio.run(go())
    assert not result.ok
    failed = [r for r in result.results if r.status == "failed"]
    assert any("Helpdesk Operators" in r.operation.label for r in failed)
    skipped = [r for r in result.results if r.status == "skipped"]
    assert skipped and all(r.code == "GuardRefused" for r in skipped)
    assert any("grace.identity" in r.operation.label for r in skipped)
    assert "last-pra-path" in skipped[0].message
    grace = [
        s
        for s in live.snapshot()["roleEligibilitySchedules"]
        if s["roleDefinitionId"] == PRA and s["principalId"] == oid_of(live, "grace.identity")
    ]
    assert len(grace) == 1  # still eligible: nothing was removed after the failed create


def oid_of(live: Live, upn_prefix: str) -> str:
    return next(
        str(o["id"])
        for o in live.snapshot()["directoryObjects"]
        if str(o.get("userPrincipalName", "")).startswith(upn_prefix + "@")
    )


def test_finding_5_a_disabled_holder_is_no_pra_path(live: Live, policy_copy: Path) -> None:
    assert cli_run(live.url, "apply", str(policy_copy), "--auto-approve").exit_code == 0
    live.emulator.store.objects[oid_of(live, "grace.identity")]["accountEnabled"] = False
    edit(
        policy_copy,
        "privileged-role-administrator.yaml",
        "    - principal: user:alice.admin@contoso.com\n"
        "      start: 2026-11-24T09:00:00Z\n      duration: P90D\n"
        "      justification: Tier-0 operations\n",
        "",
    )
    output = refused(live, str(policy_copy), "--auto-approve")
    assert "last-pra-path:" in output and "reduced by this plan: user:alice.admin" in output
    assert "user:grace.identity@contoso.com is a disabled account" in output


def saved_plan(live: Live, directory: Path, out: Path) -> dict[str, Any]:
    made = cli_run(live.url, "plan", str(directory), "--out", str(out))
    assert made.exit_code == 0, made.output
    return dict(json.loads(out.read_text()))


def test_finding_7_edited_guards_and_an_appended_removal_are_refused(
    live: Live, tmp_path: Path
) -> None:
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.plan import live_schedule
    from pim_gitops.tenantgen import SAMPLE_NOW

    data = saved_plan(live, POLICIES, tmp_path / "plan.json")
    data["guards"]["break_glass"] = []
    state = normalize_tenant(live.snapshot(), SAMPLE_NOW)
    for name in ("bg1", "bg2"):
        account = oid_of(live, name)
        target = next(a for a in state.assignments if a.role_id == GA and a.principal_id == account)
        ref = PrincipalRef(id=account, ref=f"user:{name}@contoso.onmicrosoft.com")
        removal = remove(target).model_copy(
            update={"live": live_schedule(target), "scope": target.scope, "principal": ref}
        )
        # the fingerprint is computable from public fields
        removal = removal.model_copy(update={"fingerprint": schedule_fingerprint(removal.live)})
        data["operations"].append(removal.model_dump(mode="json"))
    (tmp_path / "plan.json").write_text(json.dumps(data))
    output = refused(live, str(tmp_path / "plan.json"), "--policy", str(POLICIES))
    assert "untrusted-plan: the plan file asks for writes the policy repository does not" in output
    assert "Global Administrator: adminRemove active user:bg1@contoso.onmicrosoft.com" in output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tenant_id": ""}, "the plan names no tenant"),
        (
            {"guards": {"tenant": "", "break_glass": [], "apply_identity": None}},
            "declares tenant ''",
        ),
        ({"desired_hash": "sha256:0"}, "this plan was made from another version of the policy"),
    ],
)
def test_finding_7_edited_plan_fields_are_refused(
    live: Live, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    data = saved_plan(live, POLICIES, tmp_path / "plan.json")
    data.update(change)
    (tmp_path / "plan.json").write_text(json.dumps(data))
    assert message in refused(live, str(tmp_path / "plan.json"), "--policy", str(POLICIES))


def test_finding_7_a_plan_from_another_version_of_the_policy(
    live: Live, policy_copy: Path, tmp_path: Path
) -> None:
    saved_plan(live, policy_copy, tmp_path / "plan.json")
    assert (
        cli_run(
            live.url,
            "apply",
            str(tmp_path / "plan.json"),
            "--policy",
            str(policy_copy),
            "--dry-run",
        ).exit_code
        == 0
    )
    edit(policy_copy, "privileged-role-administrator.yaml", "duration: P90D", "duration: P80D", 1)
    output = refused(live, str(tmp_path / "plan.json"), "--policy", str(policy_copy))
    assert "this plan was made from another version of the policy" in output


def test_finding_7_an_action_outside_the_enum_is_malformed(live: Live, tmp_path: Path) -> None:
    data = saved_plan(live, POLICIES, tmp_path / "plan.json")
    ops = [op for op in data["operations"] if op["op"] == "schedule" and op["action"] == "delete"]
    ops[0]["action"] = "AdminRemove"
    (tmp_path / "plan.json").write_text(json.dumps(data))
    result = cli_run(live.url, "apply", str(tmp_path / "plan.json"))
    assert result.exit_code == 1 and "malformed plan at operations" in result.output


def test_an_existing_violation_warns_and_unrelated_changes_apply(
    live: Live, policy_copy: Path
) -> None:
    """The only PRA eligibility ends in 20 h: making it so needs the flag; afterwards an
    unrelated change applies, and the plan warns about the violation it leaves as it is."""
    in_20_hours = "expires: 2026-11-25T05:00:00Z"
    edit(policy_copy, "privileged-role-administrator.yaml", "duration: P90D", in_20_hours)
    assert "last-pra-path:" in refused(live, str(policy_copy), "--auto-approve")
    made = cli_run(live.url, "apply", str(policy_copy), "--auto-approve", "--allow-no-pra-eligible")
    assert made.exit_code == 0, made.output
    edit(policy_copy, "global-reader.yaml", "duration: P14D", "duration: P7D")
    unrelated = cli_run(live.url, "apply", str(policy_copy), "--auto-approve")
    assert unrelated.exit_code == 0, unrelated.output
    assert "warning: last-pra-path:" in unrelated.output
    assert "does not worsen it" in unrelated.output
    assert "1 succeeded" in unrelated.output


def test_refusals_are_rendered_in_text_and_markdown() -> None:
    from pim_gitops.plan import Refusal
    from pim_gitops.render.plan import render_markdown, render_text

    lost = Refusal(guard="break-glass", message="break-glass: lost", override="by a flag")
    shown = plan(remove(ga("bg1"))).model_copy(update={"refusals": (lost,)})
    assert "apply will refuse: break-glass: lost (by a flag)" in render_text(shown)
    assert "> [!CAUTION]\n> **apply will refuse:** break-glass: lost" in render_markdown(shown)


# --- a state machine: random policy edits and write failures never break the floors -----------

POOL = (
    "user:grace.identity@contoso.com",
    "user:alice.admin@contoso.com",
    "user:bob.sec@contoso.com",
    "user:leaver.old@contoso.com",  # disabled
    "group:All Staff",  # not role-assignable
    "group:PIM Tier0 Approvers",
)
IDENTITY_REF = "sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b"
ENDS = ("PT10M", "PT20H", "PT24H", "PT25H", "P10D")
FILES = {
    GA: "global-administrator.yaml",
    PRA: "privileged-role-administrator.yaml",
}


def _entry(principal: str, end: str | None) -> str:
    if end is None:
        return f"    - {{principal: '{principal}', permanent: true, justification: x}}\n"
    moment = datetime(2026, 11, 24, 9, tzinfo=UTC) + timedelta(seconds=_seconds(end))
    return (
        f"    - {{principal: '{principal}', expires: {moment:%Y-%m-%dT%H:%M:%SZ}, "
        "justification: x}\n"
    )


def _seconds(duration: str) -> int:
    from pim_gitops.wire import parse_duration

    return parse_duration(duration)


def _floors_hold(live: Live) -> list[str]:
    """The floors over the emulator's state, at now and at now + horizon."""
    from pim_gitops.access import FOREVER, holders, lasts_until
    from pim_gitops.normalize import normalize_tenant
    from pim_gitops.tenantgen import SAMPLE_NOW

    snapshot = live.snapshot()
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    identity = next(
        str(o["id"]) for o in snapshot["directoryObjects"] if o.get("appId") == IDENTITY_REF[3:]
    )
    broken = []
    for name in ("bg1", "bg2"):
        account = oid_of(live, name)
        found = holders(state.assignments, GA, ("active",), principal_id=account)
        if lasts_until(found, state, SAMPLE_NOW) != FOREVER:
            broken.append(f"break-glass {name}")
    others = [a for a in holders(state.assignments, PRA) if a.principal_id != identity]
    until = SAMPLE_NOW + DEFAULT_HORIZON
    pra_until = lasts_until(others, state, SAMPLE_NOW)
    if pra_until is None or pra_until <= until:
        broken.append("PRA path")
    own = holders(state.assignments, PRA, ("active",), principal_id=identity)
    own_until = lasts_until(own, state, SAMPLE_NOW)
    if own_until is None or own_until <= until:
        broken.append("apply identity's PRA")
    return broken


class Edits(RuleBasedStateMachine):
    """Random edits of the Tier-0 files and random write failures, one apply after each."""

    live: Live
    root: Path
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        Edits.runs += 1
        self.live.emulator.store.reset()
        self.live.faults(error_rate=0)
        self.dir = self.root / f"run{Edits.runs}"
        shutil.copytree(POLICIES, self.dir)
        self.headers = {
            role: (POLICIES / "roles" / name).read_text().split("assignments:")[0]
            for role, name in FILES.items()
        }
        assert apply_once(self.live.url, self.dir) is not None
        self.names = dict(FILES)
        self.entries: dict[tuple[str, str], dict[str, str | None]] = {
            (GA, "eligible"): {POOL[1]: "P10D", POOL[0]: "P10D"},
            (GA, "active"): {BG[0]: None, BG[1]: None},
            (PRA, "eligible"): {POOL[0]: "P10D", POOL[1]: "P10D"},
            (PRA, "active"): {IDENTITY_REF: None},
        }

    def write(self) -> None:
        for role, name in self.names.items():
            body = self.headers[role] + "assignments:\n"
            for kind in ("eligible", "active"):
                entries = sorted(self.entries[(role, kind)].items())
                if entries:
                    body += f"  {kind}:\n" + "".join(_entry(p, e) for p, e in entries)
            (self.dir / "roles" / name).write_text(body)

    @rule(
        role=st.sampled_from([GA, PRA]),
        kind=st.sampled_from(["eligible", "active"]),
        principal=st.sampled_from((*POOL, *BG, IDENTITY_REF)),
        end=st.sampled_from((*ENDS, None)),
        failures=st.sampled_from([0.0, 0.0, 0.3]),
    )
    def edit(self, role: str, kind: str, principal: str, end: str | None, failures: float) -> None:
        entries = self.entries[(role, kind)]
        if kind == "eligible" and end is None:
            entries.pop(principal, None)  # eligibility cannot be permanent: a removal
        else:
            entries[principal] = end
        self.apply(failures)

    @rule(role=st.sampled_from([GA, PRA]), old=st.sampled_from(POOL), new=st.sampled_from(POOL))
    def swap(self, role: str, old: str, new: str) -> None:
        entries = self.entries[(role, "eligible")]
        if old in entries:
            entries[new] = entries.pop(old)
        self.apply(0.0)

    @rule()
    def rename(self) -> None:
        path = self.dir / "roles" / self.names[GA]
        self.names[GA] = "tier0-" + self.names[GA]
        path.rename(self.dir / "roles" / self.names[GA])
        self.apply(0.0)

    def apply(self, failures: float) -> None:
        self.write()
        self.live.faults(error_rate=failures, seed=Edits.runs)
        with contextlib.suppress(PimGitopsError):  # refused, or reads failed past the budget
            apply_once(self.live.url, self.dir)
        self.live.faults(error_rate=0)

    @invariant()
    def floors(self) -> None:
        assert _floors_hold(self.live) == []


def test_random_edits_and_write_failures_keep_the_floors(live: Live, tmp_path: Path) -> None:
    """From a tenant that satisfies the guards, random edits of the Tier-0 files (adds,
    removals, expiry changes, principal swaps, a role-file rename) and random write failures:
    after every apply the break-glass GAs, a usable PRA path and the identity's role remain,
    at now and at now + horizon. Bounded to well under a minute."""
    Edits.live, Edits.root = live, tmp_path
    # `make sweep` runs a longer, randomized sweep (PIM_GITOPS_SWEEP=<examples>).
    sweep = int(os.environ.get("PIM_GITOPS_SWEEP") or 0)
    run_state_machine_as_test(
        Edits,
        settings=settings(
            max_examples=sweep or 4,
            stateful_step_count=8 if sweep else 5,
            deadline=None,
            derandomize=not sweep,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


@pytest.mark.parametrize(
    ("key", "ref"),
    [("break_glass", "user:bg9@contoso.onmicrosoft.com"), ("apply_identity", "sp:00000000")],
)
def test_a_guard_input_that_does_not_resolve_is_an_error(
    live: Live, policy_copy: Path, key: str, ref: str
) -> None:
    """Finding 4 (the guard side): an unresolved break-glass or apply-identity reference stops
    the plan; it is never dropped."""
    pim = policy_copy / "pim.yaml"
    text = pim.read_text()
    if key == "break_glass":
        text = text.replace("  - user:bg2@contoso.onmicrosoft.com\n", f"  - {ref}\n")
    else:
        text = text.replace(
            "apply_identity: sp:5b4b2a3c-7d1e-4f60-9a8b-0c1d2e3f4a5b", f"apply_identity: {ref}"
        )
    pim.write_text(text)
    writes = live.stats()["writes"]
    result = cli_run(live.url, "apply", str(policy_copy), "--auto-approve")
    assert result.exit_code == 1
    assert ref in result.output
    assert live.stats()["writes"] == writes


def test_a_plan_file_cannot_change_the_values_of_the_writes_it_keeps(
    live: Live, tmp_path: Path
) -> None:
    """Issue 16 review: the file chooses which of the repository's writes are made, never
    what they send. Turning approval off in a kept approval patch, or shortening a kept
    schedule request to five minutes, is refused and nothing is written."""
    data = saved_plan(live, POLICIES, tmp_path / "plan.json")
    approval = next(
        op for op in data["operations"] if op.get("rule_id") == "Approval_EndUser_Assignment"
    )
    approval["want"] = {
        "activation.approval.required": False,
        "activation.approval.approvers": [],
    }
    request = next(op for op in data["operations"] if op.get("op") == "schedule")
    request["duration"], request["end"] = 300, None
    (tmp_path / "plan.json").write_text(json.dumps(data))
    before = live.stats()["writes"]
    output = refused(live, str(tmp_path / "plan.json"), "--policy", str(POLICIES))
    assert "the plan file's values or phases differ from what the policy repository asks" in output
    assert approval["role"]["name"] in output and request["principal"]["ref"] in output
    assert live.stats()["writes"] == before


@pytest.mark.parametrize(("horizon", "ok"), [("PT0S", False), ("PT59M", False), ("PT1H", True)])
def test_the_guard_horizon_cannot_be_shrunk_to_minutes(live: Live, horizon: str, ok: bool) -> None:
    """Issue 16 review: `--guard-horizon PT0S` would let a five-minute expiry of the last
    PRA path pass; an hour is the shortest horizon."""
    result = cli_run(
        live.url, "apply", str(POLICIES), "--auto-approve", "--dry-run", "--guard-horizon", horizon
    )
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0 and "shorter than PT1H" in result.output
