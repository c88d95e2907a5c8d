"""Policy files → desired state: defaults ⊕ template chain ⊕ role overrides, deep-merged,
checked across files, and turned into the normalized ``RoleSettings`` of ``state.py``.

Anything a policy leaves unsaid takes Entra's own default for a directory role, so a
managed role's settings are fully determined by its files.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pim_gitops.errors import (
    Location,
    PolicyError,
    PolicyErrors,
    PolicySchemaError,
    UnresolvedReferenceError,
)
from pim_gitops.loader import PolicySet, SourceMap, YamlPath
from pim_gitops.model import AssignmentSpec, LintSettings, RoleFile, Template, Waiver
from pim_gitops.roles import BUILTIN_ROLES, builtin_role_by_name
from pim_gitops.state import (
    ENTRA_DEFAULT_MAX,
    ENTRA_DEFAULT_SETTINGS,
    NOTIFICATION_EVENTS,
    NOTIFICATION_RECIPIENTS,
    AssignmentRules,
    Kind,
    NotificationSettings,
    RoleSettings,
    make_activation,
    make_assignment_rules,
    make_notification,
    named_flags,
    notification_key,
)
from pim_gitops.wire import format_duration, is_guid, parse_duration, to_instant

SETTING_KEYS = ("activation", "eligible_assignment", "active_assignment", "notifications")
MAX_ACTIVATION_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A role as a policy file names it, and what is known without a tenant."""

    written: str
    #: Template id (built-ins) or object id (a GUID written in the file).
    id: str | None
    display_name: str | None

    @property
    def label(self) -> str:
        return self.display_name or self.written

    @property
    def key(self) -> str:
        return self.id.lower() if self.id else f"name:{self.written.strip().casefold()}"


def resolve_role_ref(written: str) -> RoleRef:
    text = written.strip()
    if is_guid(text):
        return RoleRef(text, text.lower(), BUILTIN_ROLES.get(text.lower()))
    template_id = builtin_role_by_name(text)
    if template_id:
        return RoleRef(text, template_id, BUILTIN_ROLES[template_id])
    return RoleRef(text, None, text)


@dataclass(frozen=True, slots=True)
class DeclaredAssignment:
    """An assignment as declared: the principal is still a reference (resolved at plan time)."""

    kind: Kind
    principal: str
    scope: str
    start: datetime | None
    end: datetime | None
    duration: int | None
    permanent: bool
    justification: str | None
    ticket_number: str | None
    ticket_system: str | None
    location: Location


@dataclass(frozen=True)
class CompiledRole:
    ref: RoleRef
    file: str
    location: Location
    template_chain: tuple[str, ...]
    settings: RoleSettings
    assignments: tuple[DeclaredAssignment, ...]
    assignments_mode: str
    waivers: tuple[Waiver, ...]
    approvers_reviewed: date | None
    #: Setting path (``activation.max_duration``) → where its value was declared.
    provenance: Mapping[str, Location] = field(default_factory=dict)

    def source_of(self, setting: str) -> Location:
        """Where a setting was declared: the setting itself, else the first declared setting
        below it (``activation.approval`` → ``activation.approval.approvers``); the role
        file when nothing was declared."""
        found = self.provenance.get(setting)
        if found is not None:
            return found
        prefix = setting + "."
        below = sorted(k for k in self.provenance if k.startswith(prefix))
        return self.provenance[below[0]] if below else self.location


@dataclass(frozen=True)
class DesiredState:
    tenant: str
    roles: tuple[CompiledRole, ...]
    break_glass: tuple[str, ...]
    automation: tuple[tuple[str, str], ...]
    apply_identity: str | None
    lint: LintSettings
    waivers: tuple[Waiver, ...]
    tenant_file: str
    #: Non-fatal findings (e.g. an expiry already in the past).
    warnings: tuple[PolicyError, ...] = ()

    @property
    def assignment_count(self) -> int:
        return sum(len(r.assignments) for r in self.roles)


# --- merging ------------------------------------------------------------------------------


@dataclass
class _Layer:
    data: Mapping[str, Any]
    source: SourceMap
    prefix: YamlPath


def _merge(
    target: dict[str, Any],
    overlay: Mapping[str, Any],
    layer: _Layer,
    provenance: dict[str, Location],
    path: tuple[str, ...] = (),
) -> None:
    for key, value in overlay.items():
        here = (*path, key)
        dotted = ".".join(here)
        if isinstance(value, dict):
            if not isinstance(target.get(key), dict):
                target[key] = {}
            _merge(target[key], value, layer, provenance, here)
        else:
            target[key] = _copy(value)
            provenance[dotted] = layer.source.value((*layer.prefix, *here))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _settings_dict(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(exclude_unset=True, include=set(SETTING_KEYS))
    return dumped


def unknown_template_message(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    listed = ", ".join(names) or "none"
    hint = f"did you mean {close[0]!r}?" if close else f"known templates: {listed}"
    return f"unknown template {name!r}; {hint}"


def _template_chain(
    name: str, templates: Mapping[str, Template], where: Location
) -> tuple[list[str], PolicyError | None]:
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        if current in chain:
            cycle = " → ".join([*chain[chain.index(current) :], current])
            return chain, UnresolvedReferenceError(where, f"template cycle: {cycle}")
        if current not in templates:
            message = unknown_template_message(current, templates)
            if chain:
                message += f" (extended by template {chain[-1]!r})"
            return chain, UnresolvedReferenceError(where, message)
        chain.append(current)
        current = templates[current].extends
    return list(reversed(chain)), None


# --- dict → RoleSettings -------------------------------------------------------------------


def _duration(value: str | None, default: int | None) -> int | None:
    return default if value is None else parse_duration(value)


def _rules(merged: Mapping[str, Any], name: str, default: AssignmentRules) -> AssignmentRules:
    spec = merged.get(name) or {}
    allow = spec.get("allow_permanent", default.allow_permanent)
    max_duration = _duration(spec.get("max_duration"), default.max_duration)
    if max_duration is None:
        max_duration = ENTRA_DEFAULT_MAX[name]
    require = spec.get("require")
    return make_assignment_rules(
        allow_permanent=bool(allow),
        max_duration=max_duration,
        require_mfa="mfa" in require if require is not None else default.require_mfa,
        require_justification=(
            "justification" in require if require is not None else default.require_justification
        ),
    )


def _notification(
    merged: Mapping[str, Any], event: str, who: str, default: NotificationSettings
) -> NotificationSettings:
    spec = ((merged.get("notifications") or {}).get(event) or {}).get(who) or {}
    critical = spec.get("critical_only")
    level = default.level if critical is None else ("Critical" if critical else "All")
    return make_notification(
        default_recipients=spec.get("default_recipients", default.default_recipients),
        recipients=list(spec.get("recipients", default.recipients) or ()),
        level=level,
    )


def settings_from_dict(merged: Mapping[str, Any]) -> RoleSettings:
    """Merged policy settings (policy-file words) → normalized settings."""
    base = ENTRA_DEFAULT_SETTINGS
    act = merged.get("activation") or {}
    approval = act.get("approval") or {}
    require = act.get("require")
    approvers = tuple(approval.get("approvers") or ())
    required = approval.get("required")
    if required is None:
        required = bool(approvers) if "approvers" in approval else base.activation.approval_required
    activation = make_activation(
        max_duration=_duration(act.get("max_duration"), base.activation.max_duration) or 0,
        require_mfa="mfa" in require if require is not None else base.activation.require_mfa,
        require_justification=(
            "justification" in require
            if require is not None
            else base.activation.require_justification
        ),
        require_ticket=(
            "ticket" in require if require is not None else base.activation.require_ticket
        ),
        authentication_context=act.get("authentication_context"),
        approval_required=bool(required),
        approvers=approvers,
    )
    defaults = dict(base.notifications)
    notifications = tuple(
        (
            notification_key(event, who),
            _notification(merged, event, who, defaults[notification_key(event, who)]),
        )
        for event in NOTIFICATION_EVENTS
        for who in NOTIFICATION_RECIPIENTS
    )
    return RoleSettings(
        activation=activation,
        eligible_assignment=_rules(merged, "eligible_assignment", base.eligible_assignment),
        active_assignment=_rules(merged, "active_assignment", base.active_assignment),
        notifications=notifications,
    )


def _require_words(mfa: bool, justification: bool, ticket: bool | None = None) -> list[str]:
    return named_flags(("mfa", "justification", "ticket"), mfa, justification, ticket)


def settings_to_dict(settings: RoleSettings) -> dict[str, Any]:
    """Normalized settings → the policy-file words (the inverse of ``settings_from_dict``)."""
    act = settings.activation
    approval: dict[str, Any] = {"required": act.approval_required}
    if act.approval_required:
        approval["approvers"] = list(act.approvers)
    out: dict[str, Any] = {
        "activation": {
            "max_duration": format_duration(act.max_duration),
            "require": _require_words(
                act.require_mfa, act.require_justification, act.require_ticket
            ),
            "authentication_context": act.authentication_context,
            "approval": approval,
        }
    }
    for name in ("eligible_assignment", "active_assignment"):
        rules: AssignmentRules = getattr(settings, name)
        entry: dict[str, Any] = {"allow_permanent": rules.allow_permanent}
        if rules.max_duration is not None:
            entry["max_duration"] = format_duration(rules.max_duration)
        entry["require"] = _require_words(rules.require_mfa, rules.require_justification)
        out[name] = entry
    notifications: dict[str, Any] = {}
    by_key = dict(settings.notifications)
    for event in NOTIFICATION_EVENTS:
        notifications[event] = {}
        for who in NOTIFICATION_RECIPIENTS:
            n = by_key[notification_key(event, who)]
            item: dict[str, Any] = {
                "default_recipients": n.default_recipients,
                "recipients": list(n.recipients),
                "critical_only": n.level == "Critical",
            }
            if n.level not in ("All", "Critical"):
                item["level"] = n.level  # Graph's "None": not writable from policy files
            notifications[event][who] = item
    out["notifications"] = notifications
    return out


# --- checks -----------------------------------------------------------------------------


def _check_settings(role: CompiledRole) -> list[PolicyError]:
    errors: list[PolicyError] = []
    act = role.settings.activation
    if not 0 < act.max_duration <= MAX_ACTIVATION_SECONDS:
        errors.append(
            PolicySchemaError(
                role.source_of("activation.max_duration"),
                f"{role.ref.label}: activation.max_duration {format_duration(act.max_duration)} "
                "is outside what Graph accepts (more than 0, at most PT24H)",
            )
        )
    if act.max_duration % 60:
        errors.append(
            PolicySchemaError(
                role.source_of("activation.max_duration"),
                f"{role.ref.label}: activation.max_duration must be whole minutes",
            )
        )
    if act.require_mfa and act.authentication_context:
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
        if rules.max_duration == 0:
            errors.append(
                PolicySchemaError(
                    role.source_of(f"{name}.max_duration"),
                    f"{role.ref.label}: {name}.max_duration must be longer than zero",
                )
            )
    return errors


def _ticket(spec: AssignmentSpec) -> tuple[str | None, str | None]:
    if spec.ticket is None:
        return None, None
    if isinstance(spec.ticket, str):
        return spec.ticket, None
    return spec.ticket.number, spec.ticket.system


def _declare(spec: AssignmentSpec, kind: Kind, index: int, source: SourceMap) -> DeclaredAssignment:
    number, system = _ticket(spec)
    return DeclaredAssignment(
        kind=kind,
        principal=spec.principal.strip(),
        scope=spec.scope,
        start=to_instant(spec.start) if spec.start is not None else None,
        end=to_instant(spec.expires) if spec.expires is not None else None,
        duration=parse_duration(spec.duration) if spec.duration else None,
        permanent=spec.permanent,
        justification=spec.justification,
        ticket_number=number,
        ticket_system=system,
        location=source.value(("assignments", kind, index)),
    )


def _principal_key(ref: str) -> str:
    kind, _, value = ref.partition(":")
    if value and kind in ("user", "sp"):
        return f"{kind}:{value.lower()}"
    if value and kind == "group":
        return f"group:{value.casefold()}"
    return ref.lower()


def check_assignments(
    role: CompiledRole, now: datetime
) -> tuple[list[PolicyError], list[PolicyError]]:
    """Each declared assignment against its role's compiled policy; returns (errors, warnings)."""
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
                    f"{item.scope!r} (first at line {seen[key].location.line})",
                )
            )
            continue
        seen[key] = item
        rules = (
            role.settings.eligible_assignment
            if item.kind == "eligible"
            else role.settings.active_assignment
        )
        setting = f"{item.kind}_assignment"
        if item.permanent and not rules.allow_permanent:
            errors.append(
                PolicySchemaError(
                    item.location,
                    f"{role.ref.label}: {item.kind} assignment of {item.principal} is permanent, "
                    f"but the role's policy does not allow permanent {item.kind} assignments "
                    f"({setting}.allow_permanent is false, from {role.source_of(setting)})",
                )
            )
        if item.end is not None and item.end <= now:
            warnings.append(
                PolicySchemaError(
                    item.location,
                    f"{role.ref.label}: {item.kind} assignment of {item.principal} expired on "
                    f"{item.end:%Y-%m-%d %H:%M}Z; it will not be created",
                    warning=True,
                )
            )
        if rules.allow_permanent or rules.max_duration is None:
            continue
        length = item.duration
        if item.end is not None:
            begin = max(item.start or now, now)
            length = int((item.end - begin).total_seconds())
        if length is not None and length > rules.max_duration:
            errors.append(
                PolicySchemaError(
                    item.location,
                    f"{role.ref.label}: {item.kind} assignment of {item.principal} lasts "
                    f"{format_duration(length - length % 60)}, longer than the role's maximum "
                    f"{format_duration(rules.max_duration)} ({setting}.max_duration, from "
                    f"{role.source_of(setting + '.max_duration')})",
                )
            )
    return errors, warnings


# --- compile ---------------------------------------------------------------------------


def _compile_role(
    role: RoleFile,
    source: SourceMap,
    policy: PolicySet,
    errors: list[PolicyError],
) -> CompiledRole | None:
    tenant = policy.tenant
    where = source.key(("role",))
    provenance: dict[str, Location] = {}
    merged: dict[str, Any] = {}
    chain: list[str] = []
    if tenant is not None and policy.tenant_source is not None:
        if tenant.defaults is not None:
            defaults_layer = _Layer({}, policy.tenant_source, ("defaults",))
            _merge(merged, _settings_dict(tenant.defaults), defaults_layer, provenance)
        if role.template is not None:
            where_template = source.value(("template",))
            chain, problem = _template_chain(role.template, tenant.templates, where_template)
            if problem is not None:
                errors.append(problem)
                return None
            for name in chain:
                layer = _Layer({}, policy.tenant_source, ("templates", name))
                _merge(merged, _settings_dict(tenant.templates[name]), layer, provenance)
    elif (
        role.template is not None
        and policy.fallback_templates is not None
        and role.template not in policy.fallback_templates
    ):
        errors.append(
            UnresolvedReferenceError(
                source.value(("template",)),
                unknown_template_message(role.template, policy.fallback_templates),
            )
        )
    _merge(merged, _settings_dict(role), _Layer({}, source, ()), provenance)
    assignments = tuple(
        [_declare(s, "eligible", i, source) for i, s in enumerate(role.assignments.eligible)]
        + [_declare(s, "active", i, source) for i, s in enumerate(role.assignments.active)]
    )
    reviewed = ((merged.get("activation") or {}).get("approval") or {}).get("reviewed")
    return CompiledRole(
        ref=resolve_role_ref(role.role),
        file=source.path,
        location=where,
        template_chain=tuple(chain),
        settings=settings_from_dict(merged),
        assignments=assignments,
        assignments_mode=role.assignments_mode,
        waivers=role.waivers,
        approvers_reviewed=reviewed,
        provenance=provenance,
    )


def _check_templates(policy: PolicySet) -> list[PolicyError]:
    errors: list[PolicyError] = []
    if policy.tenant is None or policy.tenant_source is None:
        return errors
    for name, template in sorted(policy.tenant.templates.items()):
        if template.extends is not None:
            where = policy.tenant_source.value(("templates", name, "extends"))
            _, problem = _template_chain(name, policy.tenant.templates, where)
            if problem is not None:
                errors.append(problem)
    return errors


def compile_policies(policy: PolicySet, now: datetime) -> DesiredState:
    """Compile a loaded policy set; raises ``PolicyErrors`` with every problem found."""
    errors: list[PolicyError] = list(policy.errors)
    errors.extend(_check_templates(policy))
    warnings: list[PolicyError] = []
    compiled: list[CompiledRole] = []
    by_key: dict[str, CompiledRole] = {}
    for role_file, source in policy.roles:
        role = _compile_role(role_file, source, policy, errors)
        if role is None:
            continue
        if role.ref.key in by_key:
            first = by_key[role.ref.key]
            errors.append(
                PolicySchemaError(
                    role.location,
                    f"role {role.ref.label!r} is already managed by {first.location}",
                )
            )
            continue
        by_key[role.ref.key] = role
        if policy.tenant is None:
            continue  # inherited settings unknown: their checks would mislead
        errors.extend(_check_settings(role))
        problems, notes = check_assignments(role, now)
        errors.extend(problems)
        warnings.extend(notes)
        compiled.append(role)
    if errors:
        raise PolicyErrors(errors)
    tenant = policy.tenant
    assert tenant is not None and policy.tenant_source is not None  # no errors ⇒ loaded
    return DesiredState(
        tenant=tenant.tenant,
        roles=tuple(sorted(compiled, key=lambda r: (r.ref.label.casefold(), r.file))),
        break_glass=tenant.break_glass,
        automation=tuple((a.principal, a.reason) for a in tenant.automation),
        apply_identity=tenant.apply_identity,
        lint=tenant.lint or LintSettings(),
        waivers=tenant.waivers,
        tenant_file=policy.tenant_source.path,
        warnings=tuple(sorted(warnings, key=lambda w: (w.location, w.message))),
    )


def all_principals(state: DesiredState) -> Iterable[str]:
    """Every principal reference the desired state names (assignments, approvers, break-glass)."""
    seen: set[str] = set()
    for role in state.roles:
        for item in role.assignments:
            seen.add(item.principal)
        seen.update(role.settings.activation.approvers)
    seen.update(state.break_glass)
    seen.update(p for p, _ in state.automation)
    if state.apply_identity:
        seen.add(state.apply_identity)
    return sorted(seen)
