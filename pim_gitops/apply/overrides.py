"""What lifts each guard: the ``--allow-…`` flag and its name in ``PIM_GITOPS_ALLOW``, and
the removal cap (``--max-removals`` / ``PIM_GITOPS_MAX_REMOVALS``). One table, so a refusal,
the plan that shows it and the error for a misspelt name all say the same.

Every guard's message starts with the guard's name (``break-glass: …``); ``guard_of`` reads
it back, and a name not in ``GUARD_ALLOWS`` is lifted by nothing (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from pim_gitops.access import DEFAULT_HORIZON

#: The names ``PIM_GITOPS_ALLOW`` takes (the ``--allow-`` flags without ``--allow-``).
ALLOW_NAMES = ("break-glass-change", "no-pra-eligible", "other-tenant", "self-lockout")
#: Each guard (as its messages start) and the allow name that lifts it.
GUARD_ALLOWS: Mapping[str, str] = {
    "break-glass": "break-glass-change",
    "undeclared-break-glass": "break-glass-change",
    "last-pra-path": "no-pra-eligible",
    "self-lockout": "self-lockout",
    "other-tenant": "other-tenant",
}
#: The guard lifted by a higher cap rather than by an allow name.
MAX_REMOVALS = "max-removals"
ALLOW_ENV = "PIM_GITOPS_ALLOW"
MAX_REMOVALS_ENV = "PIM_GITOPS_MAX_REMOVALS"


#: ``--max-removals`` when neither the flag nor ``PIM_GITOPS_MAX_REMOVALS`` is given.
DEFAULT_MAX_REMOVALS = 10


@dataclass(frozen=True)
class Guards:
    """The operator's limits and overrides (``--max-removals``, ``--allow-…``,
    ``--guard-horizon``, or ``PIM_GITOPS_ALLOW`` / ``PIM_GITOPS_MAX_REMOVALS``), and where
    each override came from (shown as "allowed by …")."""

    max_removals: int = DEFAULT_MAX_REMOVALS
    allow_break_glass_change: bool = False
    allow_no_pra_eligible: bool = False
    allow_other_tenant: bool = False
    allow_self_lockout: bool = False
    horizon: timedelta = DEFAULT_HORIZON
    #: Allow name → what set it (``--allow-self-lockout``, ``PIM_GITOPS_ALLOW``).
    allowed_by: tuple[tuple[str, str], ...] = ()
    #: What set ``max_removals`` (``--max-removals 20``…), empty for the default.
    max_removals_by: str = ""

    def allows(self, name: str) -> bool:
        """Whether the allow name ``name`` (``break-glass-change``…) is lifted."""
        return bool(getattr(self, "allow_" + name.replace("-", "_"), False))

    def source(self, name: str) -> str:
        """What lifted ``name``: as recorded, else its flag."""
        return dict(self.allowed_by).get(name) or allow_flag(name)

    def strict(self) -> Guards:
        """These limits with no guard lifted and the cap no higher than the default: what
        the plan shows, each refusal then marked with the override that lifts it."""
        return Guards(
            max_removals=min(self.max_removals, DEFAULT_MAX_REMOVALS), horizon=self.horizon
        )


def allow_flag(name: str) -> str:
    return f"--allow-{name}"


def allow_hint(name: str) -> str:
    """How an operator lifts the guard ``name`` lifts (an allow name)."""
    return f"allowed only with {allow_flag(name)} / {ALLOW_ENV}={name}"


def removals_hint(count: int) -> str:
    """How an operator lets a plan with ``count`` reductions of access through."""
    return f"allowed only with --max-removals {count} / {MAX_REMOVALS_ENV}={count}"


def guard_of(problem: str) -> str:
    """The guard a problem message is from (the words before its first colon)."""
    return problem.split(":", 1)[0].strip()


def parse_allow(value: str) -> tuple[str, ...]:
    """``PIM_GITOPS_ALLOW``'s comma-separated names, sorted; ``ValueError`` naming the valid
    ones for a name that is none of them."""
    names = sorted({part.strip() for part in value.split(",") if part.strip()})
    unknown = [n for n in names if n not in ALLOW_NAMES]
    if unknown:
        raise ValueError(
            f"{ALLOW_ENV} names unknown guard{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(n) for n in unknown)}; the valid names are: " + ", ".join(ALLOW_NAMES)
        )
    return tuple(names)


__all__ = [
    "ALLOW_ENV",
    "ALLOW_NAMES",
    "DEFAULT_MAX_REMOVALS",
    "GUARD_ALLOWS",
    "MAX_REMOVALS",
    "MAX_REMOVALS_ENV",
    "Guards",
    "allow_flag",
    "allow_hint",
    "guard_of",
    "parse_allow",
    "removals_hint",
]
