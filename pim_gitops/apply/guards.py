"""The guards: small pure functions over the access the tenant has before a plan and would
have after it (``pim_gitops.access``), now and over a horizon. A guard refuses a plan that
creates or worsens a violation, and only warns about one the plan leaves as it is.

Checked at plan time (``Plan.refusals``), before the first write against a fresh read, and
before every step that reduces access, against a fresh read that shows what the earlier
steps really did (``run.py``). ``docs/reliability.md`` lists every guard and its flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pim_gitops.access import (
    FOREVER,
    Window,
    holders,
    holders_by_principal,
    lasts_until,
    principal_problem,
    principal_ref,
)
from pim_gitops.access_paths import reach_until
from pim_gitops.apply.group_guards import known_first, lost_paths, unread_changed
from pim_gitops.apply.overrides import GUARD_ALLOWS, Guards, allow_hint, removals_hint
from pim_gitops.apply.planned import planned_state
from pim_gitops.apply.reductions import assignments_after, reduction, reductions
from pim_gitops.apply.review_guard import review_removes_break_glass
from pim_gitops.apply.tenant_guard import other_tenant as other_tenant
from pim_gitops.apply.tenant_guard import tenant_names as tenant_names
from pim_gitops.apply.undeclared import declared_floor, undeclared_break_glass
from pim_gitops.errors import GuardrailError
from pim_gitops.plan import GuardFacts, Operation, Plan
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState
from pim_gitops.targets import is_group
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

#: Why the plan judges a service principal that may be the apply identity
#: (``apply.lockout.possible_self_lockouts``).
MAY_BE_APPLY_IDENTITY = (
    "it may be the identity apply signs in as; declare apply_identity: in pim.yaml"
)
ROLE_NAMES = {
    GLOBAL_ADMINISTRATOR: "Global Administrator",
    PRIVILEGED_ROLE_ADMINISTRATOR: "Privileged Role Administrator",
}


@dataclass(frozen=True)
class Verdict:
    """What the guards found: ``problems`` refuse the plan, ``warnings`` do not."""

    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __add__(self, other: Verdict) -> Verdict:
        return Verdict(self.problems + other.problems, self.warnings + other.warnings)


@dataclass(frozen=True)
class _Floor:
    """One thing that must hold: access of ``subject`` lasting past ``need``."""

    guard: str
    subject: str
    before: datetime | None
    after: datetime | None
    need: datetime
    permanent: bool = False
    details: tuple[str, ...] = field(default=())
    #: Refused when it does not hold after, worse or not: the plan changed access whose
    #: before is unknown (a group whose PIM schedules were not read).
    unknown_before: bool = False

    def holds(self, value: datetime | None) -> bool:
        if value is None:
            return False
        return value == FOREVER if self.permanent else value > self.need

    def verdict(self) -> Verdict:
        if self.holds(self.after):
            return Verdict()
        text = (
            f"{self.guard}: {self.subject} (today: {_when(self.before)}; "
            f"after the plan: {_when(self.after)})"
        )
        text += "".join(f"; {d}" for d in self.details)
        if self.unknown_before or _key(self.after) < _key(self.before):
            return Verdict(problems=(f"{text} ({allow_hint(GUARD_ALLOWS[self.guard])})",))
        return Verdict(warnings=(f"{text}; already so before this plan, which does not worsen it",))


def _key(value: datetime | None) -> tuple[int, datetime]:
    return (0, FOREVER) if value is None else (1, value)


def _when(value: datetime | None) -> str:
    if value is None:
        return "no usable access"
    return "permanent" if value == FOREVER else f"usable until {format_instant(value)}"


# --- the tenant and the size of the plan ---------------------------------------------------


def too_many_removals(plan: Plan, max_removals: int) -> list[str]:
    """``--max-removals`` caps every reduction of access, not only removals."""
    found = reductions(plan.operations)
    if len(found) > max_removals:
        listed = ", ".join(f"{op.role.name} {op.principal.ref} ({how})" for op, how in found)
        return [
            f"max-removals: the plan reduces access {plural(len(found), 'time')} (removals, "
            "nearer or "
            f"new ends), more than --max-removals {max_removals}: {listed} "
            f"({removals_hint(len(found))})"
        ]
    return []


# --- access floors ------------------------------------------------------------------------


#: After: planned assignments (first read's principals), or the tenant as read back (its own).
Side = list[Assignment] | TenantState
Ends = datetime | None


def _side(tenant: TenantState, after: Side) -> tuple[TenantState, list[Assignment]]:
    later = _after_state(tenant, after)
    return later, list(later.assignments)


def _after_state(tenant: TenantState, after: Side) -> TenantState:
    """The tenant after: as read back or planned (``planned.planned_state``), or ``tenant``
    with these role assignments (its memberships as they are)."""
    if isinstance(after, TenantState):
        return after
    return replace(tenant, assignments=tuple(a for a in after if not is_group(a.role_id)))


def break_glass_lost(
    tenant: TenantState, side: Side, break_glass: Iterable[str], window: Window
) -> Verdict:
    """Every declared break-glass account keeps a usable permanent active Global
    Administrator assignment: its own, or a standing or permanent active membership of a
    role-assignable group holding one (only a group whose PIM schedules were read: another's
    standing member may be a PIM member whose schedule ends)."""
    verdict = Verdict()
    later = _after_state(tenant, side)
    for account in sorted(set(break_glass)):

        def lasts(at: TenantState, who: str = account) -> Ends:
            ga = GLOBAL_ADMINISTRATOR
            return reach_until(at, ga, window.now, kinds=("active",), principal_id=who, known=True)

        problem = principal_problem(later, account)
        verdict += _Floor(
            "break-glass",
            f"break-glass account {principal_ref(tenant, account)} must keep a usable permanent "
            "active Global Administrator assignment",
            lasts(tenant),
            lasts(later),
            window.until,
            permanent=True,
            details=(f"the account is {problem}",) if problem else (),
        ).verdict()
    return verdict


def _reduced(
    tenant: TenantState, side: Side, role_id: str, window: Window, skip: str | None
) -> list[str]:
    """The principals of a role whose usable access the plan shortens or ends."""
    later, after = _side(tenant, side)
    before_rows = holders_by_principal(tenant.assignments, role_id)
    after_rows = holders_by_principal(after, role_id)
    return sorted(
        principal_ref(tenant, pid)
        for pid in before_rows
        if pid != skip
        and _key(lasts_until(after_rows.get(pid, []), later, window.now))
        < _key(lasts_until(before_rows[pid], tenant, window.now))
    )


def _unusable(tenant: TenantState, after: list[Assignment], role_id: str) -> list[str]:
    out = []
    for a in holders(after, role_id):
        problem = principal_problem(tenant, a.principal_id)
        if problem:
            out.append(f"{principal_ref(tenant, a.principal_id)} is {problem}")
    return sorted(set(out))


def last_pra_path_removed(
    tenant: TenantState, side: Side, window: Window, apply_identity: str | None
) -> Verdict:
    """At least one principal besides the apply identity can use Privileged Role
    Administrator past the horizon: by a usable eligible or active assignment of its own, or
    as a usable (standing, eligible or active PIM) member of a role-assignable group holding
    it (``access_paths``). A plan that changes the role or the membership of a group holding
    it whose PIM schedules were not read is refused unless the floor holds without it."""
    role = PRIVILEGED_ROLE_ADMINISTRATOR
    later, after = _side(tenant, side)

    def lasts(at: TenantState, known: bool) -> Ends:
        return reach_until(at, role, window.now, others_than=apply_identity, known=known)

    reduced = _reduced(tenant, side, role, window, apply_identity)
    details = [f"reduced by this plan: {', '.join(reduced)}"] if reduced else []
    details += lost_paths(tenant, later, role, window.now, apply_identity)
    unread = unread_changed(tenant, later, role)
    details += unread
    details += _unusable(later, after, role)
    return _Floor(
        "last-pra-path",
        "someone other than the apply identity must be able to use Privileged Role "
        f"Administrator past {format_instant(window.until)}",
        *known_first(tenant, later, lasts),
        window.until,
        details=tuple(details),
        unknown_before=bool(unread),
    ).verdict()


def writing_access(
    tenant: TenantState, side: Side, identity: str, window: Window
) -> tuple[Ends, Ends]:
    """Until when ``identity`` holds an active writing role (itself, or as a standing or
    active member of a group holding it) before the plan and after it."""
    later = _after_state(tenant, side)

    def lasts(at: TenantState, known: bool) -> Ends:
        ends = [
            reach_until(
                at, role_id, window.now, kinds=("active",), principal_id=identity, known=known
            )
            for role_id in ROLE_NAMES
        ]
        found = [end for end in ends if end is not None]
        return max(found) if found else None

    return known_first(tenant, later, lasts)


def lockout_floor(
    tenant: TenantState, identity: str, ends: tuple[Ends, Ends], window: Window, known: bool
) -> _Floor:
    """The self-lockout floor of ``identity``: the apply identity (``known``), or one the
    plan cannot rule out being it (``apply.lockout``)."""
    names = " or ".join(ROLE_NAMES.values())
    who = "the apply identity " if known else ""
    return _Floor(
        "self-lockout",
        f"{who}{principal_ref(tenant, identity)} must keep an active {names} "
        f"(itself or through a group), which lets it write PIM, past "
        f"{format_instant(window.until)}",
        *ends,
        window.until,
        details=() if known else (MAY_BE_APPLY_IDENTITY,),
    )


def self_lockout(
    tenant: TenantState, side: Side, apply_identity: str | None, window: Window
) -> Verdict:
    """The apply identity keeps an active Global Administrator or Privileged Role
    Administrator (either lets it write PIM), held itself or through a group it is in, past
    the horizon. An identity that holds neither (application permissions alone) guards
    nothing."""
    if not apply_identity:
        return Verdict()
    ends = writing_access(tenant, side, apply_identity, window)
    if ends[0] is None:
        return Verdict()
    return lockout_floor(tenant, apply_identity, ends, window, known=True).verdict()


# --- all of them --------------------------------------------------------------------------


def access_verdict(
    ops: Plan | Sequence[Operation],
    tenant: TenantState,
    guards: Guards,
    facts: GuardFacts,
    now: datetime,
) -> Verdict:
    """The access guards (break-glass, last PRA path, self-lockout) of ``ops`` done on
    ``tenant``, unless the operator allowed it."""
    return access_change_verdict(tenant, planned_state(ops, tenant), guards, facts, now)


def access_change_verdict(
    tenant: TenantState,
    side: Sequence[Assignment] | TenantState,
    guards: Guards,
    facts: GuardFacts,
    now: datetime,
) -> Verdict:
    """The access guards between ``tenant`` and the assignments after: planned, or the tenant
    as read back (its principals judge that side: a holder disabled meanwhile is no path)."""
    after = side if isinstance(side, TenantState) else list(side)
    window = Window(now, guards.horizon)
    verdict = Verdict()
    if not guards.allow_break_glass_change:
        lost = break_glass_lost(tenant, after, facts.break_glass, window)
        verdict += lost
        verdict += Verdict(
            *undeclared_break_glass(tenant, *_side(tenant, after), facts.break_glass, window)
        )
        if not lost.problems:  # a declared account lost is refused already, once
            floor = declared_floor(tenant, *_side(tenant, after), facts.break_glass, window)
            verdict += Verdict(floor)
    if not guards.allow_no_pra_eligible:
        verdict += last_pra_path_removed(tenant, after, window, facts.apply_identity)
    if not guards.allow_self_lockout:
        verdict += self_lockout(tenant, after, facts.apply_identity, window)
    return verdict


def guard_verdict(
    plan: Plan,
    tenant: TenantState,
    guards: Guards,
    organization: Mapping[str, Any] | None,
    now: datetime,
    facts: GuardFacts | None = None,
) -> Verdict:
    """Every guard. ``facts`` are the trusted guard inputs (recomputed from the policy
    repository for a plan file; default the plan's own, for a plan made in this process).
    Without ``organization`` (none read) the other-tenant guard is left to apply."""
    trusted = plan.guards if facts is None else facts
    problems: list[str] = []
    if organization is not None and not guards.allow_other_tenant:
        problems += other_tenant(plan, tenant, organization, trusted.tenant)
    problems += too_many_removals(plan, guards.max_removals)
    if not guards.allow_break_glass_change:  # a review that may remove them (review_guard)
        problems += review_removes_break_glass(plan, tenant, trusted)
    return Verdict(tuple(problems)) + access_verdict(plan, tenant, guards, trusted, now)


def guard_problems(
    plan: Plan,
    tenant: TenantState,
    guards: Guards,
    organization: Mapping[str, Any] | None,
    now: datetime,
    facts: GuardFacts | None = None,
) -> list[str]:
    """Every guard the plan breaks, unless the operator allowed it."""
    return list(guard_verdict(plan, tenant, guards, organization, now, facts).problems)


def refusal(problems: Sequence[str], written: str = "nothing was written") -> GuardrailError:
    return GuardrailError(f"refusing to apply; {written}:\n  " + "\n  ".join(problems))


def check_guards(
    plan: Plan,
    tenant: TenantState,
    guards: Guards,
    organization: Mapping[str, Any] | None,
    now: datetime,
    facts: GuardFacts | None = None,
) -> None:
    problems = guard_problems(plan, tenant, guards, organization, now, facts)
    if problems:
        raise refusal(problems)


__all__ = [
    "Guards",
    "Verdict",
    "access_verdict",
    "assignments_after",
    "break_glass_lost",
    "check_guards",
    "guard_problems",
    "guard_verdict",
    "last_pra_path_removed",
    "lockout_floor",
    "other_tenant",
    "reduction",
    "reductions",
    "refusal",
    "self_lockout",
    "tenant_names",
    "too_many_removals",
    "writing_access",
]
