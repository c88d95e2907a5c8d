"""The guard for a policy that declares no ``break_glass:`` (``undeclared-break-glass``).

The break-glass guard protects the accounts ``pim.yaml`` names; with none named it would
protect nothing, and a role file edited to drop the emergency accounts would remove them. So
until ``break_glass:`` is declared, the tool fails closed: every principal holding Global
Administrator as a usable permanent active assignment (directory-wide, started, the principal
usable: ``pim_gitops.access``) is treated as a possible emergency account. A plan is refused
when, with ``break_glass:`` undeclared,

* it reduces the Global Administrator access of such a holder (removes it, makes it expire,
  moves its start later: what ``reductions.py`` counts), or
* it leaves Global Administrator with no usable permanent active holder at all, now or at the
  guard horizon, where there was one before.

With ``break_glass:`` declared, the declared list is itself an edit of the pull request: a
change that drops an account from the list and takes its Global Administrator away in the
same commit would pass the break-glass guard (the account is no longer declared). So the
break-glass guard also refuses (``declared_floor``) a plan that ends any usable permanent
active Global Administrator assignment while fewer declared accounts than two (or than the
permanent holders there were, when fewer) would keep one: a rotation that declares and
assigns the new account before the old one goes still passes.

Like every guard, it refuses only what the plan worsens: a tenant with no permanent Global
Administrator today gets a warning when the plan touches the role, and is not refused.
``--allow-break-glass-change`` overrides it; declaring ``break_glass:`` replaces it with the
break-glass guard over exactly the declared accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

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
from pim_gitops.apply.overrides import allow_hint
from pim_gitops.roles import GLOBAL_ADMINISTRATOR
from pim_gitops.state import Assignment, TenantState
from pim_gitops.targets import is_group
from pim_gitops.wire import format_instant

GUARD = "undeclared-break-glass"
ADVICE = (
    "declare your emergency access accounts under break_glass: in pim.yaml (apply then "
    f"guards exactly those) ({allow_hint('break-glass-change')})"
)
#: The access guards' two findings: what refuses the plan, what it only warns about.
Findings = tuple[tuple[str, ...], tuple[str, ...]]


def _end(
    rows: Iterable[Assignment], tenant: TenantState, who: str, now: datetime
) -> datetime | None:
    """Until when ``who``'s active Global Administrator access at ``/`` is usable."""
    found = holders(rows, GLOBAL_ADMINISTRATOR, ("active",), principal_id=who)
    return lasts_until(found, tenant, now)


def _when(rows: Iterable[Assignment], tenant: TenantState, who: str, now: datetime) -> str:
    end = _end(rows, tenant, who, now)
    if end is None:
        problem = principal_problem(tenant, who)
        return f"no usable access ({problem})" if problem else "no usable access"
    return "permanent" if end == FOREVER else f"usable until {format_instant(end)}"


def permanent_holders(rows: Iterable[Assignment], tenant: TenantState, now: datetime) -> list[str]:
    """The principals with a usable permanent active Global Administrator assignment at
    ``/`` (started at ``now``, the principal usable), sorted."""
    by_principal = holders_by_principal(rows, GLOBAL_ADMINISTRATOR, ("active",))
    return sorted(
        pid for pid, own in by_principal.items() if lasts_until(own, tenant, now) == FOREVER
    )


def _keeps(later: TenantState, after: Sequence[Assignment], who: str, now: datetime) -> bool:
    """``who`` keeps a usable permanent active Global Administrator after the plan: its own,
    or through a group whose PIM schedules were read (``break_glass_lost``'s paths)."""
    state = replace(later, assignments=tuple(a for a in after if not is_group(a.role_id)))
    ga = GLOBAL_ADMINISTRATOR
    end = reach_until(state, ga, now, kinds=("active",), principal_id=who, known=True)
    return end == FOREVER


def undeclared_break_glass(
    tenant: TenantState,
    later: TenantState,
    after: Sequence[Assignment],
    break_glass: Sequence[str],
    window: Window,
) -> Findings:
    """The guard of the module docstring: ``tenant`` before, ``after`` the assignments once
    the plan is done (judged by ``later``'s principals: the first read's for a plan, the
    read-back's after a run)."""
    if break_glass:
        return (), ()
    before = permanent_holders(tenant.assignments, tenant, window.now)
    remaining = permanent_holders(after, later, window.now)
    reduced = [pid for pid in before if pid not in remaining]
    problems: list[str] = []
    if reduced:
        listed = "; ".join(
            f"{principal_ref(tenant, pid)} (today: permanent; after the plan: "
            f"{_when(after, later, pid, window.now)})"
            for pid in reduced
        )
        problems.append(
            f"{GUARD}: pim.yaml declares no break_glass:, so every permanent active Global "
            f"Administrator is guarded as a possible emergency access account; the plan "
            f"reduces the access of {listed}; {ADVICE}"
        )
    if before and not remaining:
        today = ", ".join(principal_ref(tenant, p) for p in before)
        problems.append(
            f"{GUARD}: pim.yaml declares no break_glass:, and the plan leaves Global "
            "Administrator with no usable permanent active holder, now or at "
            f"{format_instant(window.until)} (today: {today}); "
            f"{ADVICE}"
        )
    return tuple(problems), _warnings(tenant, after, before)


#: How many declared break-glass accounts must keep a permanent Global Administrator when a
#: plan ends someone's (CIS 1.1.2 and Microsoft's guidance: two emergency access accounts).
FLOOR = 2


def declared_floor(
    tenant: TenantState,
    later: TenantState,
    after: Sequence[Assignment],
    break_glass: Sequence[str],
    window: Window,
) -> tuple[str, ...]:
    """The ``break-glass`` refusal of the module docstring for a declared list."""
    if not break_glass:
        return ()
    before = permanent_holders(tenant.assignments, tenant, window.now)
    remaining = permanent_holders(after, later, window.now)
    ended = [pid for pid in before if pid not in remaining and pid not in break_glass]
    kept = sorted(pid for pid in set(break_glass) if _keeps(later, after, pid, window.now))
    floor = min(FLOOR, len(before))
    if not ended or len(kept) >= floor:
        return ()
    names = ", ".join(principal_ref(tenant, pid) for pid in ended)
    declared = ", ".join(principal_ref(tenant, pid) for pid in kept) or "none"
    return (
        f"break-glass: the plan ends the permanent active Global Administrator assignment "
        f"of {names}, an account pim.yaml does not declare under break_glass:, while only "
        f"{len(kept)} declared break-glass account{'s' if len(kept) != 1 else ''} would keep "
        f"one ({declared}; at least {floor} must): declare and assign the replacement "
        f"account before removing the old one ({allow_hint('break-glass-change')})",
    )


def _warnings(
    tenant: TenantState, after: Sequence[Assignment], before: list[str]
) -> tuple[str, ...]:
    """With no permanent holder today, a plan that changes Global Administrator's
    assignments is told so (not refused: no permanent holder is lost). It "does not worsen
    it" only when every principal holding Global Administrator still holds it after."""
    was, will = (
        holders(tenant.assignments, GLOBAL_ADMINISTRATOR),
        holders(after, GLOBAL_ADMINISTRATOR),
    )
    if before or set(was) == set(will):
        return ()
    lost = sorted({a.principal_id for a in was} - {a.principal_id for a in will})
    head = (
        f"{GUARD}: pim.yaml declares no break_glass: and Global Administrator has no usable "
        "permanent active holder; already so before this plan, "
    )
    if not lost:
        return (head + "which does not worsen it",)
    removed = ", ".join(principal_ref(tenant, pid) for pid in lost)
    return (head + f"and the plan removes Global Administrator from {removed}",)


__all__ = ["FLOOR", "declared_floor", "permanent_holders", "undeclared_break_glass"]
