"""``pim.yaml``'s ``alerts:`` → ``CompiledAlerts``: each declared alert's setting, and where
it is written.

Checked here, each at its ``file:line:col``: ``alerts:`` without ``alerts`` in
``graph_beta`` (Graph serves alert configurations only on beta), an unknown alert name (with
the closest known one), a parameter the alert does not have, and a value outside the range
Entra takes (``AlertParameter.bounds``: Global Administrators and renewals 2 to 100, a
percentage 0 to 100, stale sign-in 1 to 365 days, redundant assignment 0 to 100 days), or a
duration that does not parse (or, for ``within``, is zero)."""

from __future__ import annotations

import difflib
from types import MappingProxyType

from pim_gitops.alerts import ALERTS_BY_NAME, DAY, AlertKind, AlertParameter, AlertSetting
from pim_gitops.errors import Location, PolicyError, PolicySchemaError
from pim_gitops.loader import PolicySet, SourceMap
from pim_gitops.model_alerts import AlertEntry, AlertsSection
from pim_gitops.state import Leaf
from pim_gitops.wire import DurationError, format_duration, parse_duration

from .types import CompiledAlerts

#: Every parameter key an ``AlertEntry`` can carry (``enabled`` aside).
PARAMETER_KEYS = ("accounts", "percent", "duration", "renewals", "within")


def _unknown(name: str) -> str:
    close = difflib.get_close_matches(name, list(ALERTS_BY_NAME), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown alert {name!r}{hint}; known: {', '.join(sorted(ALERTS_BY_NAME))}"


def _outside(param: AlertParameter, number: int, written: object) -> str | None:
    """What is wrong with ``number`` outside the range Entra takes (``None``: inside)."""
    if param.bounds is None:
        if param.kind == "duration" and number <= 0:
            return f"{param.key}: must be longer than zero, got {written!r}"
        return None
    low, high = param.bounds
    if low <= number <= high:
        return None
    if param.kind == "duration":
        span = f"{low // DAY} to {high // DAY} days"
    elif param.kind == "percent":
        span = f"a percentage, {low} to {high}"
    else:
        span = f"{low} to {high}"
    return f"{param.key}: Entra takes {span}, got {written!r}"


def parameter_value(param: AlertParameter, written: object) -> tuple[Leaf, str | None]:
    """A written parameter as ``AlertSetting`` keeps it, or the problem with it."""
    if param.kind == "duration":
        try:
            seconds = parse_duration(str(written))
        except DurationError as exc:
            return None, f"{param.key}: not an ISO 8601 duration ({exc})"
        return format_duration(seconds), _outside(param, seconds, written)
    assert isinstance(written, int)
    return str(written), _outside(param, written, written)


def compile_alert(
    kind: AlertKind, entry: AlertEntry, source: SourceMap, errors: list[PolicyError]
) -> AlertSetting:
    at: tuple[str, ...] = ("alerts", kind.name)
    by_key = {p.key: p for p in kind.parameters}
    values: dict[str, Leaf] = {}
    for key in PARAMETER_KEYS:
        written = getattr(entry, key)
        if written is None:
            continue
        param = by_key.get(key)
        if param is None:
            has = ", ".join(by_key) or "no parameters"
            message = f"alert {kind.name!r} has no parameter {key!r} (it has {has})"
            errors.append(PolicySchemaError(source.key((*at, key)), message))
            continue
        value, problem = parameter_value(param, written)
        if problem is not None:
            message = f"alert {kind.name!r}: {problem}"
            errors.append(PolicySchemaError(source.value((*at, key)), message))
            continue
        values[key] = value
    return AlertSetting(kind.name, entry.enabled, tuple(sorted(values.items())))


def compile_alerts(
    section: AlertsSection | None,
    graph_beta: tuple[str, ...],
    source: SourceMap,
    errors: list[PolicyError],
) -> CompiledAlerts | None:
    """The declared alerts (``None`` without an ``alerts:`` section); problems into
    ``errors``."""
    if section is None:
        return None
    if "alerts" not in graph_beta:
        message = (
            "alerts: PIM alert settings are read and written through Graph beta only; add "
            "`graph_beta: [alerts]` to this file to allow it"
        )
        errors.append(PolicySchemaError(source.key(("alerts",)), message))
    settings: dict[str, AlertSetting] = {}
    locations: dict[str, Location] = {}
    for name in sorted(section):
        kind = ALERTS_BY_NAME.get(name)
        if kind is None:
            errors.append(PolicySchemaError(source.key(("alerts", name)), _unknown(name)))
            continue
        settings[name] = compile_alert(kind, section[name], source, errors)
        locations[name] = source.key(("alerts", name))
    return CompiledAlerts(MappingProxyType(settings), MappingProxyType(locations))


def compile_tenant_alerts(policy: PolicySet, errors: list[PolicyError]) -> CompiledAlerts | None:
    tenant, source = policy.tenant, policy.tenant_source
    if tenant is None or source is None:
        return None
    return compile_alerts(tenant.alerts, tuple(tenant.graph_beta), source, errors)


def describe_alerts(alerts: CompiledAlerts) -> dict[str, dict[str, object]]:
    """The declared alerts in words (``describe`` output and the plan's ``desired_hash``)."""
    return {
        name: {"enabled": s.enabled, **dict(s.values)}
        for name, s in sorted(alerts.settings.items())
    }
