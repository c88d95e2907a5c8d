"""Checks of one compiled role that need more than one file: settings Graph would refuse,
assignments the role's own policy forbids, the same principal declared twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pim_gitops.errors import PolicyError, PolicySchemaError
from pim_gitops.loader import SourceMap, YamlPath
from pim_gitops.model import AssignmentSpec, GrantSpec
from pim_gitops.state import AssignmentRules, Kind
from pim_gitops.wire import format_duration, format_instant

from .types import ENTRA_DEFAULT, ROLE_LAYER, CompiledRole, DeclaredAssignment

#: The activation maximum Graph and the admin center accept: 30 minutes to 24 hours
#: (docs/real-tenant.md, "Limits": the slider's lower end is 0.5 h, azure-docs#51581; the
#: upper end 24 h, ED pim-how-to-change-default-settings; no source shows Graph taking more).
MIN_ACTIVATION_SECONDS = 30 * 60
MAX_ACTIVATION_SECONDS = 24 * 3600

#: Which setting paths a check may rely on (all of them, unless the tenant file is broken).
Known = Callable[[str], bool]


def check_everything(path: str) -> bool:
    return True


def role_declared(role: CompiledRole) -> Known:
    """The paths the role file itself declares: final whatever the (unreadable) layers
    below say, so their checks still hold when the tenant file failed to load."""
    return lambda path: role.sources.get(path, ENTRA_DEFAULT).layer == ROLE_LAYER


def activation_out_of_range(role: CompiledRole) -> PolicyError | None:
    """An activation maximum outside PT30M to PT24H: Graph refuses to write it, but a tenant
    may already hold one (set before the range, or by another client), as it may hold
    assignments a tightened policy no longer allows. So it is a validate warning, and a plan
    error only when the plan would write it (``diff``)."""
    seconds = role.settings.activation.max_duration
    if MIN_ACTIVATION_SECONDS <= seconds <= MAX_ACTIVATION_SECONDS:
        return None
    return PolicySchemaError(
        role.source_of("activation.max_duration"),
        f"{role.ref.label}: activation.max_duration {format_duration(seconds)} is outside what "
        "Graph accepts (PT30M to PT24H): a plan that writes it is refused; a tenant that "
        "already holds it keeps it",
        warning=True,
    )


def check_settings(role: CompiledRole, known: Known = check_everything) -> list[PolicyError]:
    """Settings Graph would refuse; with ``known``, only those resting on known paths."""
    errors: list[PolicyError] = []
    act = role.settings.activation
    duration_known = known("activation.max_duration")
    if duration_known and act.max_duration % 60:
        errors.append(
            PolicySchemaError(
                role.source_of("activation.max_duration"),
                f"{role.ref.label}: activation.max_duration must be whole minutes",
            )
        )
    both = known("activation.require") and known("activation.authentication_context")
    if both and act.require_mfa and act.authentication_context:
        errors.append(
            PolicySchemaError(
                role.source_of("activation.authentication_context"),
                f"{role.ref.label}: activation requires both MFA and authentication context "
                f"{act.authentication_context!r}; Graph refuses both (MfaAndAcrsConflict). "
                "Drop `mfa` from activation.require where the context is set "
                f"(MFA comes from {role.source_of('activation.require')}).",
            )
        )
    for name in ("eligible_assignment", "active_assignment"):
        rules: AssignmentRules = getattr(role.settings, name)
        if known(f"{name}.max_duration") and rules.max_duration == 0:
            errors.append(
                PolicySchemaError(
                    role.source_of(f"{name}.max_duration"),
                    f"{role.ref.label}: {name}.max_duration must be longer than zero",
                )
            )
    return errors


def _ticket(spec: GrantSpec) -> tuple[str | None, str | None]:
    if spec.ticket is None:
        return None, None
    if isinstance(spec.ticket, str):
        return spec.ticket, None
    return spec.ticket.number, spec.ticket.system


def declared_end(spec: GrantSpec) -> datetime | None:
    """When a declaration ends, from the repository alone: ``expires``, or ``start`` +
    ``duration`` (a one-off grant); ``None`` when permanent, rolling (``renew: true``), or
    a ``duration`` without ``start`` (an error of ``check_assignments``)."""
    if spec.expires is not None:
        return spec.expires
    if spec.duration is None or spec.renew or spec.start is None:
        return None
    return spec.start + timedelta(seconds=spec.duration)


def declare_assignment(
    spec: GrantSpec, kind: Kind, index: int, source: SourceMap, prefix: YamlPath = ()
) -> DeclaredAssignment:
    """A declaration at ``assignments.<kind>[index]`` below ``prefix`` (a group file's
    section: ``("member",)``); a group's grant has scope ``/`` and is never outside PIM."""
    number, system = _ticket(spec)
    role_only = spec if isinstance(spec, AssignmentSpec) else None
    return DeclaredAssignment(
        kind=kind,
        principal=spec.principal,
        scope=role_only.scope if role_only is not None else "/",
        start=spec.start,
        end=declared_end(spec),
        duration=spec.duration,
        permanent=spec.permanent,
        justification=spec.justification,
        ticket_number=number,
        ticket_system=system,
        location=source.value((*prefix, "assignments", kind, index)),
        outside_pim=role_only is not None and role_only.outside_pim,
        adopted=spec.adopted,
        renew=spec.renew,
    )


def _principal_key(ref: str) -> str:
    kind, _, value = ref.partition(":")
    if value and kind in ("user", "sp"):
        return f"{kind}:{value.lower()}"
    if value and kind == "group":
        return f"group:{value.casefold()}"
    return ref.lower()


def check_assignments(
    role: CompiledRole, now: datetime, known: Known = check_everything
) -> tuple[list[PolicyError], list[PolicyError]]:
    """Each declared assignment against its role's compiled policy; returns (errors, warnings).
    With ``known``, the policy limits are checked only where the paths they use are known."""
    errors: list[PolicyError] = []
    warnings: list[PolicyError] = []
    seen: dict[tuple[str, str, str], DeclaredAssignment] = {}
    for item in role.assignments:
        key = (item.kind, item.scope, _principal_key(item.principal))
        if key in seen:
            errors.append(
                PolicySchemaError(
                    item.location,
                    f"{role.ref.label}: {item.principal} is declared twice as {item.kind} at scope "
                    f"{item.scope!r} (first at {seen[key].location})",
                )
            )
            continue
        seen[key] = item
        if (unanchored := duration_without_start(role, item, now)) is not None:
            errors.append(unanchored)
            continue
        limits = all(known(f"{item.kind}_assignment.{p}") for p in LIMIT_PATHS)
        over = over_policy(role, item, now) if limits else None
        if over is not None:
            warnings.append(PolicySchemaError(item.location, over + GRANDFATHER_HINT, warning=True))
        if item.end is not None and item.end <= now:
            warnings.append(
                PolicySchemaError(item.location, ended_message(role, item), warning=True)
            )
    return errors, warnings


def ended_message(role: CompiledRole, item: DeclaredAssignment) -> str:
    """What validate, plan and lint say of a declaration whose end has passed."""
    assert item.end is not None
    return (
        f"{role.ref.label}: {item.kind} assignment of {item.principal} ended "
        f"{format_instant(item.end)}: remove it from the file (the plan does not create it)"
    )


def duration_without_start(
    role: CompiledRole, item: DeclaredAssignment, now: datetime
) -> PolicyError | None:
    """A one-off ``duration`` needs a ``start``: Graph stops listing a schedule once it has
    ended, so only the repository can say that the grant is over (docs/policy-reference.md,
    "When an assignment ends"). Says exactly what to write."""
    if item.duration is None or item.renew or item.start is not None:
        return None
    length = format_duration(item.duration)
    return PolicySchemaError(
        item.location,
        f"{role.ref.label}: {item.kind} assignment of {item.principal} has `duration: {length}` "
        f"but no `start`, so its end cannot be known once Graph stops listing it. For a "
        f"one-off grant ending at start + {length}, add `start: {format_instant(now)}` (now; "
        f"for a grant the tenant already holds, its start: `pim-gitops stamp-starts --snapshot "
        f"FILE` or `--live` writes it, and now for a grant not held); to grant it again for "
        f"{length} whenever it is missing, add `renew: true`",
    )


#: The settings ``over_policy`` reads, below ``eligible_assignment`` / ``active_assignment``.
LIMIT_PATHS = ("allow_permanent", "max_duration")


def _length(item: DeclaredAssignment, now: datetime) -> int | None:
    """How long an assignment lasts from now (or from its later start), in seconds."""
    if item.end is None:
        return item.duration
    begin = max(item.start or now, now)
    return int((item.end - begin).total_seconds())


def setting_origin(role: CompiledRole, path: str) -> str:
    """Where a setting's value comes from, for a message: the ``file:line:col`` that declares
    it, else the layer below every file (``Entra default``, ``Entra default for groups``)."""
    declared = role.provenance.get(path)
    if declared is not None:
        return str(declared)
    source = role.sources.get(path)
    return str(source) if source is not None else str(role.source_of(path))


def over_policy(role: CompiledRole, item: DeclaredAssignment, now: datetime) -> str | None:
    """Why the role's own (desired) policy forbids this assignment, or None: permanent where
    permanence is not allowed, or longer than the maximum. Graph refuses to create or update
    such an assignment but keeps one that already exists (grandfathered);
    offline this is a warning, and the plan decides (``diff``)."""
    setting = f"{item.kind}_assignment"
    rules: AssignmentRules = getattr(role.settings, setting)
    head = f"{role.ref.label}: {item.kind} assignment of {item.principal}"
    if item.permanent and not rules.allow_permanent:
        where = setting_origin(role, f"{setting}.allow_permanent")
        return (
            f"{head} is permanent, but the role's policy does not allow permanent "
            f"{item.kind} assignments ({setting}.allow_permanent is false, from {where})"
        )
    length = _length(item, now)
    if rules.allow_permanent or rules.max_duration is None or length is None:
        return None
    if length <= rules.max_duration:
        return None
    return (
        f"{head} lasts {format_duration(length - length % 60)}, longer than the role's "
        f"maximum {format_duration(rules.max_duration)} ({setting}.max_duration, from "
        f"{setting_origin(role, setting + '.max_duration')})"
    )


#: What validate adds to an over-policy assignment: only the tenant can say if it exists.
GRANDFATHER_HINT = (
    "; allowed only if the tenant already holds it as declared (plan checks: Graph keeps "
    "an existing one but refuses to create or update it)"
)


def check_compiled(
    role: CompiledRole, now: datetime, tenant_loaded: bool
) -> tuple[list[PolicyError], list[PolicyError]]:
    """A compiled role's (or group section's) errors and warnings. When the tenant file
    failed, inherited settings are unknown, so only what the file declares itself is
    checked (the rest would mislead)."""
    known = check_everything if tenant_loaded else role_declared(role)
    errors = check_settings(role, known)
    warnings: list[PolicyError] = []
    out_of_range = activation_out_of_range(role)
    if out_of_range is not None and known("activation.max_duration"):
        warnings.append(out_of_range)
    problems, notes = check_assignments(role, now, known)
    return errors + problems, warnings + notes
