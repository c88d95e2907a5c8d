"""Review of issue 21: a running *activation* of group membership (a
``privilegedAccessGroupAssignmentSchedule`` with ``assignmentType: activated``, DC
privilegedaccessgroupassignmentschedule: "assigned, activated") makes the user a direct
member of the group while it lasts. The normalizer drops the activated schedule (rightly: it
is no grant to manage), but the user then looked like a *standing* member of the group
(permanent), so an eligible member who had activated for an hour counted as a permanent
break-glass path and as a permanent last-PRA path."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from pim_gitops.access import Window
from pim_gitops.access_paths import reach_until
from pim_gitops.apply.guards import break_glass_lost
from pim_gitops.memberships import FOREVER
from pim_gitops.normalize import normalize_tenant
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.tenantgen import SAMPLE_NOW, TenantBuilder, group, group_schedule, oid, user
from pim_gitops.wire import format_instant

HOUR = timedelta(hours=1)


def activated_world() -> tuple[dict[str, Any], str, str]:
    """``BG Group`` holds Global Administrator permanently active; bg1 is its eligible member
    and has activated that membership for one hour (a direct member meanwhile); bg1 also
    holds Global Administrator permanently active of its own."""
    t = TenantBuilder(oid("tenant", "activated"), SAMPLE_NOW)
    t.add_role(GLOBAL_ADMINISTRATOR, "Global Administrator")
    gid = t.add(group("BG Group"))
    t.grant("active", GLOBAL_ADMINISTRATOR, gid)
    bg1 = t.add(user("bg1@contoso.onmicrosoft.com", "bg1"))
    t.grant("active", GLOBAL_ADMINISTRATOR, bg1)
    t.grant_group("eligible", gid, bg1, days_left=200)
    row = group_schedule("active", gid, bg1, "member", start=SAMPLE_NOW, end=SAMPLE_NOW + HOUR)
    row["assignmentType"] = "activated"
    row["createdUsing"] = None
    t.group_active.append(row)
    t.members[gid] = [bg1]
    return t.snapshot(), gid, bg1


def test_an_activated_membership_is_no_standing_membership() -> None:
    snapshot, gid, bg1 = activated_world()
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    ga = state.role_by_template(GLOBAL_ADMINISTRATOR)
    assert ga is not None
    without_own = tuple(a for a in state.assignments if a.principal_id != bg1)
    later = replace(state, assignments=without_own)
    end = reach_until(later, ga.id, SAMPLE_NOW, kinds=("active",), principal_id=bg1, known=True)
    assert end != FOREVER, format_instant(end) if end else None
    verdict = break_glass_lost(state, later, (bg1,), Window(SAMPLE_NOW))
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith("break-glass")
    assert gid in state.group_members


def test_a_direct_member_with_an_assigned_schedule_stays_a_member() -> None:
    """The same user with an ``Assigned`` active membership as well: a member for its own
    sake, whatever the activation."""
    snapshot, gid, bg1 = activated_world()
    assigned = group_schedule("active", gid, bg1, "member", start=SAMPLE_NOW - HOUR, end=None)
    snapshot["privilegedAccessGroupAssignmentSchedules"].append(assigned)
    state = normalize_tenant(snapshot, SAMPLE_NOW)
    assert state.group_members[gid] == (bg1,)
    assert normalize_tenant(activated_world()[0], SAMPLE_NOW).group_members[gid] == ()
