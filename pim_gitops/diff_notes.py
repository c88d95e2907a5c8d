"""What the differ tells but does not change: deleted principals, grants too short for Graph,
tightened limits that existing assignments exceed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pim_gitops.compile import DeclaredAssignment
from pim_gitops.state import Assignment, AssignmentRules, RoleDefinition, RoleSettings, TenantState
from pim_gitops.values import MIN_SCHEDULE_SECONDS
from pim_gitops.wire import format_duration, format_instant
from pim_gitops.wording import plural


def deleted_principals(
    role: RoleDefinition, live_of_role: list[Assignment], tenant: TenantState
) -> list[str]:
    """Schedules of principals the directory no longer returns: Entra keeps them visible in
    PIM for up to 7 days after the principal is deleted (Microsoft365DSC#5445) and a removal
    request for them is refused; the plan shows them and changes nothing."""
    return [
        f"{role.display_name}: {a.kind} assignment of deleted principal {a.principal_id}: "
        "the directory no longer returns it, PIM keeps its schedule for up to 7 days; "
        "nothing planned"
        for a in sorted(live_of_role, key=lambda a: (a.principal_id, a.kind, a.scope))
        if a.scope == "/" and a.principal_id not in tenant.principals
    ]


def too_short_to_grant(
    item: DeclaredAssignment, role: RoleDefinition, end: datetime | None, now: datetime
) -> str | None:
    """A new grant must last five minutes from now (or from its later start): Graph
    refuses shorter schedules."""
    if end is None:
        return None
    begin = max(item.start or now, now)
    left = int((end - begin).total_seconds())
    if left >= MIN_SCHEDULE_SECONDS:
        return None
    return (
        f"{item.location}: {role.display_name}: new {item.kind} assignment of {item.principal} "
        f"would end {format_instant(end)}, {max(left, 0)}s after it starts; Graph refuses "
        f"schedules shorter than {format_duration(MIN_SCHEDULE_SECONDS)}"
    )


def tightening_warnings(
    role: RoleDefinition, want: RoleSettings, have: RoleSettings, live: Iterable[Assignment]
) -> list[str]:
    warnings = []
    for kind, name in (("eligible", "eligible_assignment"), ("active", "active_assignment")):
        rules: AssignmentRules = getattr(want, name)
        before: AssignmentRules = getattr(have, name)
        if rules.allow_permanent or (
            not before.allow_permanent
            and before.max_duration is not None
            and rules.max_duration is not None
            and rules.max_duration >= before.max_duration
        ):
            continue
        assert rules.max_duration is not None
        limit = timedelta(seconds=rules.max_duration)
        over = [
            a
            for a in live
            if a.role_id == role.id
            and a.kind == kind
            and (a.end is None or (a.start is not None and a.end - a.start > limit))
        ]
        if over:
            held = plural(len(over), f"existing {kind} assignment")
            verb, them, their = (
                ("exceeds", "it", "its") if len(over) == 1 else ("exceed", "them", "their")
            )
            warnings.append(
                f"{role.display_name}: {held} {verb} the new maximum "
                f"{format_duration(rules.max_duration)}; Graph leaves {them}, but {their} "
                "next update or extension will fail"
            )
    return warnings
