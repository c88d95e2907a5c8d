"""Break glass when the policy declares none (newcomer3, finding 1): export proposes
``break_glass:`` in ``pim.yaml``, and until it is declared apply refuses a plan that reduces
a permanent Global Administrator's access (``apply/undeclared.py``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import yaml

from pim_gitops.action import Action
from pim_gitops.apply import Guards, guard_problems
from pim_gitops.apply.guards import access_change_verdict, guard_verdict
from pim_gitops.demo import SAMPLE_TENANT
from pim_gitops.export import export_repo, write_export
from pim_gitops.export_guards import CONFIRM, UNGUARDED, proposed_break_glass
from pim_gitops.normalize import normalize_tenant
from pim_gitops.snapshot import read_snapshot
from pim_gitops.state import Assignment, Principal, TenantState
from pim_gitops.tenantgen import SAMPLE_NOW
from pim_gitops.workflow import load_desired, plan_against
from tests.conftest import Live
from tests.test_guards import (
    ALICE,
    BG1,
    BG2,
    BOB,
    GA,
    NOW,
    ORGANIZATION,
    PRA,
    held,
    plan,
    ref,
    remove,
    request,
    tenant,
)
from tests.test_outside_pim import drop_entry, export, role_file, uncomment_break_glass
from tests.test_real_graph import run

GUARD = "undeclared-break-glass"
LATER = NOW + timedelta(days=30)


def undeclared(problems: list[str]) -> list[str]:
    return [p for p in problems if p.startswith(f"{GUARD}:")]


# --- the guard, as a pure function -----------------------------------------------------------


def test_removing_one_of_two_permanent_global_admins_is_refused_when_none_is_declared() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2))
    problems = guard_problems(plan(remove(GA, BG2)), before, Guards(), ORGANIZATION, NOW)
    assert problems == undeclared(problems)
    assert len(problems) == 1  # one holder is left: only the reduction, not "none left"
    (problem,) = problems
    assert f"{ref(BG2)} (today: permanent; after the plan: no usable access)" in problem
    assert ref(BG1) not in problem
    assert "break_glass:" in problem and "--allow-break-glass-change" in problem


def test_removing_every_permanent_global_admin_also_says_none_is_left() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2))
    made = plan(remove(GA, BG1), remove(GA, BG2))
    problems = guard_problems(made, before, Guards(), ORGANIZATION, NOW)
    assert len(undeclared(problems)) == 2, problems
    assert ref(BG1) in problems[0] and ref(BG2) in problems[0]
    assert "no usable permanent active holder" in problems[1]


def test_making_a_permanent_global_admin_expire_is_a_reduction() -> None:
    """Shortening counts (``reductions.py``), even to an end far past the horizon."""
    before = tenant(held(GA, BG1), held(GA, BG2))
    shortened = request(Action.UPDATE, GA, BG2, end=LATER + timedelta(days=300))
    problems = guard_problems(plan(shortened), before, Guards(), ORGANIZATION, NOW)
    assert len(undeclared(problems)) == 1, problems
    assert "after the plan: usable until 2027-" in problems[0]


def test_a_replacement_that_has_not_started_leaves_no_usable_holder() -> None:
    before = tenant(held(GA, BG1))
    starts_later = request(Action.CREATE, GA, BG2).model_copy(update={"start": LATER})
    problems = guard_problems(
        plan(remove(GA, BG1), starts_later), before, Guards(), ORGANIZATION, NOW
    )
    assert any("no usable permanent active holder" in p for p in undeclared(problems)), problems


def test_declared_break_glass_replaces_it_with_the_break_glass_guard() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2), held(GA, ALICE))
    # ALICE is no declared account: removing her is allowed once break_glass: is declared
    assert (
        guard_problems(
            plan(remove(GA, ALICE), break_glass=(BG1, BG2)), before, Guards(), ORGANIZATION, NOW
        )
        == []
    )
    problems = guard_problems(
        plan(remove(GA, BG2), break_glass=(BG1, BG2)), before, Guards(), ORGANIZATION, NOW
    )
    assert [p.split(":")[0] for p in problems] == ["break-glass"]


def test_the_flag_allows_it() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2))
    allowed = Guards(allow_break_glass_change=True)
    made = plan(remove(GA, BG1), remove(GA, BG2))
    assert guard_problems(made, before, allowed, ORGANIZATION, NOW) == []


def test_a_plan_that_touches_no_global_admin_is_not_refused() -> None:
    before = tenant(held(GA, BG1), held(PRA, ALICE, "eligible"), held(PRA, BOB, "eligible"))
    verdict = guard_verdict(plan(remove(PRA, ALICE, "eligible")), before, Guards(), None, NOW)
    assert verdict.problems == () and verdict.warnings == ()


def test_only_permanent_active_holders_are_guarded() -> None:
    """An eligible or an expiring active Global Administrator is no emergency account."""
    before = tenant(held(GA, BG1), held(GA, ALICE, "eligible"), held(GA, BOB, "active", LATER))
    made = plan(remove(GA, ALICE, "eligible"), remove(GA, BOB))
    assert guard_problems(made, before, Guards(), ORGANIZATION, NOW) == []


def test_a_disabled_permanent_holder_is_not_counted() -> None:
    before = tenant(held(GA, BG1), held(GA, BG2), disabled=(BG2,))
    assert guard_problems(plan(remove(GA, BG2)), before, Guards(), ORGANIZATION, NOW) == []
    problems = guard_problems(plan(remove(GA, BG1)), before, Guards(), ORGANIZATION, NOW)
    assert len(undeclared(problems)) == 2, problems  # BG1 was the only usable one


def test_a_tenant_with_no_permanent_global_admin_is_warned_not_refused() -> None:
    before = tenant(held(GA, ALICE, "eligible"), held(PRA, ALICE, "eligible"))
    made = plan(request(Action.CREATE, GA, BOB, "eligible", LATER))
    verdict = guard_verdict(made, before, Guards(), None, NOW)
    assert verdict.problems == ()
    assert [w.split(":")[0] for w in verdict.warnings] == [GUARD]


def test_the_read_back_judges_its_own_principals() -> None:
    """After a run (``access_lost``): a holder disabled meanwhile is access lost."""
    before = tenant(held(GA, BG1), held(GA, BG2))
    later = tenant(held(GA, BG1), held(GA, BG2), disabled=(BG2,))
    facts = plan().guards
    verdict = access_change_verdict(before, later, Guards(), facts, NOW)
    assert len(undeclared(list(verdict.problems))) == 1


# --- export proposes break_glass: -----------------------------------------------------------


def _user(pid: str, upn: str, **fields: object) -> Principal:
    base: dict[str, object] = {"user_type": "Member", "account_enabled": True}
    return Principal(pid, "user", user_principal_name=upn, **{**base, **fields})  # type: ignore[arg-type]


def _ga_tenant(*principals: Principal, extra: tuple[Assignment, ...] = ()) -> TenantState:
    rows = tuple(held(GA, p.id) for p in principals) + extra
    return TenantState("t", {}, {}, rows, {p.id: p for p in principals})


def test_export_proposes_cloud_only_enabled_members_preferring_onmicrosoft() -> None:
    state = _ga_tenant(
        _user("a", "bg1@contoso.onmicrosoft.com"),
        _user("b", "carol@contoso.com"),
        _user("c", "synced@contoso.onmicrosoft.com", on_premises_sync_enabled=True),
        _user("d", "fed@contoso.onmicrosoft.com", on_premises_immutable_id="x"),
        _user("e", "guest@contoso.onmicrosoft.com", user_type="Guest"),
        _user("f", "off@contoso.onmicrosoft.com", account_enabled=False),
    )
    assert [p.id for p in proposed_break_glass(state)] == ["a"]
    # with none on *.onmicrosoft.com, every cloud-only enabled member is proposed
    custom = _ga_tenant(_user("b", "carol@contoso.com"), _user("g", "dan@contoso.com"))
    assert [p.id for p in proposed_break_glass(custom)] == ["b", "g"]


def test_export_proposes_only_permanent_active_assignments_in_effect() -> None:
    member = _user("a", "bg1@contoso.onmicrosoft.com")
    state = TenantState("t", {}, {}, (held(GA, "a", "eligible"),), {"a": member})
    assert proposed_break_glass(state) == []
    expiring = replace(state, assignments=(held(GA, "a", "active", LATER),))
    assert proposed_break_glass(expiring) == []
    pending = replace(held(GA, "a"), request=("r", "PendingProvisioning"))
    assert proposed_break_glass(replace(state, assignments=(pending,))) == []
    assert [p.id for p in proposed_break_glass(replace(state, assignments=(held(GA, "a"),)))] == [
        "a"
    ]


def _sample() -> TenantState:
    return normalize_tenant(read_snapshot(SAMPLE_TENANT), SAMPLE_NOW)


def test_the_sample_export_declares_its_break_glass_accounts_under_a_comment_to_confirm() -> None:
    text = export_repo(_sample(), now=SAMPLE_NOW)["pim.yaml"]
    data = yaml.safe_load(text)
    # declared (a first run sees its emergency accounts), under a comment asking to confirm
    assert data["break_glass"] == [
        "user:bg1@contoso.onmicrosoft.com",
        "user:bg2@contoso.onmicrosoft.com",
    ]
    assert (
        "\nbreak_glass:\n  - user:bg1@contoso.onmicrosoft.com  # Break Glass 1\n"
        "  - user:bg2@contoso.onmicrosoft.com  # Break Glass 2\n"
    ) in text
    before = text.split("\nbreak_glass:\n", 1)[0].splitlines()
    assert CONFIRM in before[-8:]
    assert any("Remove an account that is" in line for line in before[-8:])
    # Carol It holds Global Administrator permanently too: declaring the list lifts the
    # fail-closed guard over her, and the comment says so by name
    assert before[-1] == UNGUARDED + "user:carol.it@contoso.com (Carol It)"
    assert "# apply_identity: sp:" in text and "apply_identity" not in data


def test_with_no_candidate_the_export_writes_a_stub_and_still_round_trips(tmp_path: Path) -> None:
    state = _sample()
    state = replace(
        state,
        assignments=tuple(a for a in state.assignments if not (a.role_id == GA and a.end is None)),
    )
    files = export_repo(state, now=SAMPLE_NOW)
    assert "break_glass" not in yaml.safe_load(files["pim.yaml"])
    assert "# break_glass:\n# - user:bg1@contoso.onmicrosoft.com\n" in files["pim.yaml"]
    write_export(files, tmp_path, force=True)
    assert plan_against(load_desired(str(tmp_path), SAMPLE_NOW), state, SAMPLE_NOW).empty


# --- the newcomer's run, end to end over the emulator ----------------------------------------


def _drop_break_glass(pim: Path) -> None:
    kept = [
        line
        for line in pim.read_text(encoding="utf-8").splitlines(keepends=True)
        if line != "break_glass:\n" and not line.lstrip().startswith("- user:bg")
    ]
    pim.write_text("".join(kept), encoding="utf-8")


def test_removing_both_break_glass_accounts_is_refused_with_or_without_the_proposal(
    live: Live, tmp_path: Path
) -> None:
    out = export(live, tmp_path)
    uncomment_break_glass(out)  # a person confirms export's proposal
    assert "\nbreak_glass:\n  - user:bg1@" in (out / "pim.yaml").read_text(encoding="utf-8")
    ga = role_file(out, "Global Administrator")
    for upn in ("bg1@contoso.onmicrosoft.com", "bg2@contoso.onmicrosoft.com"):
        drop_entry(ga, upn)
    proposed = run(live, "apply", str(out), "--auto-approve")
    assert proposed.exit_code == 1, proposed.output
    assert "break-glass:" in proposed.output and "bg1@contoso.onmicrosoft.com" in proposed.output

    _drop_break_glass(out / "pim.yaml")
    planned = run(live, "plan", str(out), "--format", "json")
    refusals = json.loads(planned.output[planned.output.index("{") :])["refusals"]
    # Carol It keeps her permanent (direct) assignment: the reduction, not "none left"
    assert [r["guard"] for r in refusals] == [GUARD], refusals
    message = refusals[0]["message"]
    assert "bg1@" in message and "bg2@" in message and "carol" not in message
    refused = run(live, "apply", str(out), "--auto-approve")
    assert refused.exit_code == 1, refused.output
    assert f"{GUARD}:" in refused.output and "bg2@contoso.onmicrosoft.com" in refused.output
    allowed = run(live, "apply", str(out), "--auto-approve", "--allow-break-glass-change")
    assert allowed.exit_code == 0, allowed.output


# --- declared, the list is an edit of the same pull request ---------------------------------


def _break_glass(problems: list[str]) -> list[str]:
    return [p for p in problems if p.startswith("break-glass:")]


def test_dropping_an_account_from_the_list_and_its_assignment_together_is_refused() -> None:
    """The PR removes bg2 from `break_glass:` and its Global Administrator in one commit:
    the declared list now names bg1 alone, and bg2's access ends."""
    before = tenant(held(GA, BG1), held(GA, BG2))
    made = plan(remove(GA, BG2), break_glass=(BG1,))
    problems = guard_problems(made, before, Guards(), ORGANIZATION, NOW)
    (problem,) = _break_glass(problems)
    assert ref(BG2) in problem and "does not declare" in problem
    assert "only 1 declared break-glass account would keep one" in problem
    assert "--allow-break-glass-change" in problem
    allowed = Guards(allow_break_glass_change=True)
    assert guard_problems(made, before, allowed, ORGANIZATION, NOW) == []


def test_two_declared_accounts_kept_let_another_permanent_admin_go() -> None:
    """At the floor: two declared accounts keep their access, so ending a third permanent
    Global Administrator (a declared third account dropped, or a standing admin) passes."""
    before = tenant(held(GA, BG1), held(GA, BG2), held(GA, ALICE))
    for declared in ((BG1, BG2), (BG1, BG2, "bg3")):
        made = plan(remove(GA, ALICE), break_glass=declared)
        assert guard_problems(made, before, Guards(), ORGANIZATION, NOW) == [], declared


def test_a_rotation_that_assigns_the_new_account_first_passes() -> None:
    """carol replaces bg2: declared and assigned in the plan, bg2 removed."""
    before = tenant(held(GA, BG1), held(GA, BG2))
    new = request(Action.CREATE, GA, "carol", end=None)
    made = plan(new, remove(GA, BG2), break_glass=(BG1, "carol"))
    assert _break_glass(guard_problems(made, before, Guards(), ORGANIZATION, NOW)) == []


def test_with_one_permanent_holder_before_the_floor_is_one() -> None:
    """A tenant whose only permanent Global Administrator is the declared account may end
    no one else's; with bg1 kept, the floor (min(2, holders before)) is met."""
    before = tenant(held(GA, BG1), held(GA, ALICE, end=LATER))
    made = plan(remove(GA, ALICE), break_glass=(BG1,))
    assert _break_glass(guard_problems(made, before, Guards(), ORGANIZATION, NOW)) == []
