"""The guards: small pure functions over the access the tenant has before a plan and would
have after it (``pim_gitops.access``), now and over a horizon. A guard refuses a plan that
creates or worsens a violation, and only warns about one the plan leaves as it is.

Checked at plan time (``Plan.refusals``), before the first write against a fresh read, and
before every step that reduces access, against a fresh read that shows what the earlier
steps really did (``run.py``). ``docs/reliability.md`` lists every guard and its flag.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pim_gitops.access import (
    FOREVER,
    Window,
    acting_as,
    holders,
    holders_by_principal,
    lasts_until,
    only_through,
    principal_problem,
)
from pim_gitops.apply.overrides import GUARD_ALLOWS, Guards, allow_hint, removals_hint
from pim_gitops.apply.reductions import assignments_after, reduction, reductions
from pim_gitops.apply.tenant_guard import other_tenant as other_tenant
from pim_gitops.apply.tenant_guard import tenant_names as tenant_names
from pim_gitops.apply.undeclared import declared_floor, undeclared_break_glass
from pim_gitops.errors import GuardrailError
from pim_gitops.plan import GuardFacts, Operation, Plan
from pim_gitops.roles import GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR
from pim_gitops.state import Assignment, Kind, TenantState
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
        if _key(self.after) < _key(self.before):
            return Verdict(problems=(f"{text} ({allow_hint(GUARD_ALLOWS[self.guard])})",))
        return Verdict(warnings=(f"{text}; already so before this plan, which does not worsen it",))


def _key(value: datetime | None) -> tuple[int, datetime]:
    return (0, FOREVER) if value is None else (1, value)


def _when(value: datetime | None) -> str:
    if value is None:
        return "no usable access"
    return "permanent" if value == FOREVER else f"usable until {format_instant(value)}"


def _ref(tenant: TenantState, principal_id: str) -> str:
    principal = tenant.principals.get(principal_id)
    return principal.reference if principal else principal_id


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


def _lasts(
    assignments: Iterable[Assignment],
    tenant: TenantState,
    role_id: str,
    kinds: tuple[Kind, ...],
    now: datetime,
    principal_id: str | None = None,
) -> datetime | None:
    found = holders(assignments, role_id, kinds, principal_id=principal_id)
    return lasts_until(found, tenant, now)


#: After: planned assignments (first read's principals), or the tenant as read back (its own).
Side = list[Assignment] | TenantState
Ends = datetime | None


def _side(tenant: TenantState, after: Side) -> tuple[TenantState, list[Assignment]]:
    return (after, list(after.assignments)) if isinstance(after, TenantState) else (tenant, after)


def break_glass_lost(
    tenant: TenantState, side: Side, break_glass: Iterable[str], window: Window
) -> Verdict:
    """Every declared break-glass account keeps a usable permanent active Global
    Administrator assignment."""
    verdict = Verdict()
    later, after = _side(tenant, side)
    for account in sorted(set(break_glass)):

        def lasts(rows: Iterable[Assignment], at: TenantState, who: str = account) -> Ends:
            return _lasts(rows, at, GLOBAL_ADMINISTRATOR, ("active",), window.now, who)

        problem = principal_problem(later, account)
        verdict += _Floor(
            "break-glass",
            f"break-glass account {_ref(tenant, account)} must keep a usable permanent "
            "active Global Administrator assignment",
            lasts(tenant.assignments, tenant),
            lasts(after, later),
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
        _ref(tenant, pid)
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
            out.append(f"{_ref(tenant, a.principal_id)} is {problem}")
    return sorted(set(out))


def last_pra_path_removed(
    tenant: TenantState, side: Side, window: Window, apply_identity: str | None
) -> Verdict:
    """At least one usable eligible or active Privileged Role Administrator holder besides
    the apply identity remains past the horizon."""
    kinds: tuple[Kind, ...] = ("eligible", "active")
    role = PRIVILEGED_ROLE_ADMINISTRATOR
    later, after = _side(tenant, side)

    def lasts(rows: list[Assignment], at: TenantState) -> Ends:
        mine = only_through(at, apply_identity) if apply_identity else set()
        others = [a for a in rows if a.principal_id not in mine]
        return _lasts(others, at, role, kinds, window.now)

    reduced = _reduced(tenant, side, role, window, apply_identity)
    details = [f"reduced by this plan: {', '.join(reduced)}"] if reduced else []
    details += _unusable(later, after, role)
    return _Floor(
        "last-pra-path",
        "someone other than the apply identity must be able to use Privileged Role "
        f"Administrator past {format_instant(window.until)}",
        lasts(list(tenant.assignments), tenant),
        lasts(after, later),
        window.until,
        details=tuple(details),
    ).verdict()


def writing_access(
    tenant: TenantState, side: Side, identity: str, window: Window
) -> tuple[Ends, Ends]:
    """Until when ``identity`` holds an active writing role (itself or through a group)
    before the plan and after it."""
    later, after = _side(tenant, side)

    def lasts(rows: Iterable[Assignment], at: TenantState) -> Ends:
        ends = [
            _lasts(rows, at, role_id, ("active",), window.now, principal)
            for role_id in ROLE_NAMES
            for principal in sorted(acting_as(at, identity))
        ]
        known = [end for end in ends if end is not None]
        return max(known) if known else None

    return lasts(tenant.assignments, tenant), lasts(after, later)


def lockout_floor(
    tenant: TenantState, identity: str, ends: tuple[Ends, Ends], window: Window, known: bool
) -> _Floor:
    """The self-lockout floor of ``identity``: the apply identity (``known``), or one the
    plan cannot rule out being it (``apply.lockout``)."""
    names = " or ".join(ROLE_NAMES.values())
    who = "the apply identity " if known else ""
    return _Floor(
        "self-lockout",
        f"{who}{_ref(tenant, identity)} must keep an active {names} "
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
    return access_change_verdict(tenant, assignments_after(ops, tenant), guards, facts, now)


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
