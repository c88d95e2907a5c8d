"""Review of issue 21: a group whose PIM schedules were not read (a 403 on the group's
schedules) still lists its direct members, but a direct member may be an *active PIM
membership* that ends within the horizon. The break-glass guard already refuses to count
such a member (``known=True``); the last-PRA and self-lockout guards counted it as a
permanent path, so a plan removing the only *known* path passed (fail open)."""

from __future__ import annotations

from pim_gitops.action import Action
from pim_gitops.apply.guards import self_lockout
from pim_gitops.apply.planned import planned_state
from tests.test_guards_groups import (
    APPLIER,
    PRA,
    TIER0,
    WINDOW,
    op,
    plan,
    pra_check,
    role,
    tenant,
)


def test_last_pra_does_not_lean_on_a_standing_member_of_an_unread_group() -> None:
    before = tenant(
        role(PRA, TIER0), role(PRA, "carol", "eligible"), members={TIER0: ("bob",)}, read=()
    )
    problems = pra_check(before, op(Action.DELETE, PRA, "carol"))
    assert len(problems) == 1 and problems[0].startswith("last-pra-path: ")
    # the same group read, bob a standing member: a real permanent path, nothing refused
    read = tenant(role(PRA, TIER0), role(PRA, "carol", "eligible"), members={TIER0: ("bob",)})
    assert pra_check(read, op(Action.DELETE, PRA, "carol")) == []
    # an unread group the plan leaves alone, and nothing else reduced: no refusal
    assert pra_check(before, op(Action.CREATE, PRA, "alice")) == []


def test_self_lockout_does_not_lean_on_a_membership_of_an_unread_group() -> None:
    before = tenant(
        role(PRA, TIER0), role(PRA, APPLIER, "active"), members={TIER0: (APPLIER,)}, read=()
    )
    after = planned_state(plan(op(Action.DELETE, PRA, APPLIER, "active")), before)
    found = self_lockout(before, after, APPLIER, WINDOW)
    assert len(found.problems) == 1 and found.problems[0].startswith("self-lockout:")
    # an identity whose only writing role comes through the unread group: as before, judged
    # on what the read shows (no plan of its own is refused for it)
    only = tenant(role(PRA, TIER0), members={TIER0: (APPLIER,)}, read=())
    assert self_lockout(only, only, APPLIER, WINDOW).problems == ()
