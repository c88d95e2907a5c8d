"""The guard options ``plan`` and ``apply`` share (one definition), and the ``Guards`` they
and the environment make: ``--max-removals`` / ``PIM_GITOPS_MAX_REMOVALS``, ``--allow-…`` /
``PIM_GITOPS_ALLOW`` (comma-separated names), ``--guard-horizon``. A flag wins over the
environment; each override records where it came from, for "allowed by …".

In the workflows the variables come from GitHub ``vars.``, which only repository admins set,
never from a pull request's files (docs/github-setup.md, "Overrides")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pim_gitops.apply.overrides import (
    ALLOW_ENV,
    ALLOW_NAMES,
    DEFAULT_MAX_REMOVALS,
    MAX_REMOVALS_ENV,
    allow_flag,
    parse_allow,
)
from pim_gitops.errors import GuardrailError

if TYPE_CHECKING:
    from pim_gitops.apply import Guards

F = TypeVar("F", bound=Callable[..., Any])
#: The shortest ``--guard-horizon``: an hour, longer than any activation can take to request.
MIN_HORIZON_SECONDS = 3600
#: The keyword arguments the options below add (``make_guards`` takes them out).
GUARD_FLAGS = ("max_removals", "horizon", *(f"allow_{n.replace('-', '_')}" for n in ALLOW_NAMES))

_HELP = {
    "break-glass-change": "Let a plan reduce a break-glass account's access",
    "no-pra-eligible": "Let a plan leave no Privileged Role Administrator path but apply's",
    "other-tenant": "Apply to a tenant other than the plan's or the policy's",
    "self-lockout": "Let a plan take the apply identity's own writing role",
}


def _options() -> list[Callable[[F], F]]:
    return [
        click.option(
            "--max-removals",
            "--max-reductions",
            "max_removals",
            default=None,
            type=click.IntRange(0),
            help="Most reductions of access: removals, nearer ends, permanent → expiring "
            f"(env {MAX_REMOVALS_ENV}; default {DEFAULT_MAX_REMOVALS}).",
        ),
        click.option(
            "--guard-horizon",
            "horizon",
            default="PT24H",
            show_default=True,
            metavar="DURATION",
            help="Access that ends within this long after the run counts as lost (ISO 8601).",
        ),
        *(
            click.option(
                allow_flag(name),
                is_flag=True,
                help=f"{_HELP[name]} (env {ALLOW_ENV}={name}, comma-separated names).",
            )
            for name in ALLOW_NAMES
        ),
    ]


def guard_options(func: F) -> F:
    """Add the guard options to a command (``plan`` and ``apply``)."""
    for option in reversed(_options()):
        func = option(func)
    return func


def _horizon_seconds(horizon: str) -> int:
    from pim_gitops.wire import DurationError, parse_duration

    try:
        seconds = parse_duration(horizon)
    except DurationError as exc:
        raise click.BadParameter(str(exc), param_hint="--guard-horizon") from None
    if seconds < MIN_HORIZON_SECONDS:
        # A horizon of minutes would let an expiry minutes away pass every guard.
        raise click.BadParameter(
            f"{horizon} is shorter than PT1H; access that ends within the hour would not "
            "count as lost (use the --allow-… flag of the guard you mean to lift instead)",
            param_hint="--guard-horizon",
        )
    return seconds


def _max_removals(flag: int | None, environ: Mapping[str, str]) -> tuple[int, str]:
    if flag is not None:
        return flag, f"--max-removals {flag}"
    value = environ.get(MAX_REMOVALS_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_REMOVALS, ""
    if not value.isdigit():
        raise GuardrailError(f"{MAX_REMOVALS_ENV}={value!r} is not a whole number 0 or more")
    return int(value), f"{MAX_REMOVALS_ENV}={int(value)}"


def _allowed(flags: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Allow name → what set it; a flag wins over the variable."""
    try:
        from_env = parse_allow(environ.get(ALLOW_ENV, ""))
    except ValueError as exc:
        raise GuardrailError(str(exc)) from None
    found = {name: ALLOW_ENV for name in from_env}
    for name in ALLOW_NAMES:
        if flags.get(f"allow_{name.replace('-', '_')}"):
            found[name] = allow_flag(name)
    return found


def make_guards(
    flags: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[Guards, dict[str, Any]]:
    """``Guards`` from the guard options in ``flags`` and the environment, and the other
    flags; ``GuardrailError`` for a variable that names no guard or is no number."""
    from datetime import timedelta

    from pim_gitops.apply import Guards

    seconds = _horizon_seconds(str(flags.get("horizon") or "PT24H"))
    cap, cap_by = _max_removals(flags.get("max_removals"), environ)
    allowed = _allowed(flags, environ)
    lifted = {f"allow_{n.replace('-', '_')}": True for n in allowed}
    guards = Guards(
        max_removals=cap,
        horizon=timedelta(seconds=seconds),
        allowed_by=tuple(sorted(allowed.items())),
        max_removals_by=cap_by,
        **lifted,
    )
    return guards, {k: v for k, v in flags.items() if k not in GUARD_FLAGS}


__all__ = ["GUARD_FLAGS", "MIN_HORIZON_SECONDS", "guard_options", "make_guards"]
