"""Declared PIM alert settings (``DesiredState.alerts``) against the tenant's
(``TenantState.alerts``): changes addressed ``alert["<name>"].<key>`` (``enabled`` or a
parameter), and one configuration write (a PATCH) per alert that differs.

What is compared is what the file declares: ``enabled`` always (it defaults to true), a
parameter only when written; an alert not written is not managed and never written. Alerts
declared while the tenant's were not read (refused, or Graph beta not allowed) are an
error: nothing about them can be planned."""

from __future__ import annotations

from dataclasses import dataclass

from pim_gitops.alerts import ALERTS_BY_NAME, AlertConfig, AlertSetting
from pim_gitops.compile.types import DesiredState
from pim_gitops.state import Leaf, TenantState


@dataclass(frozen=True)
class AlertChange:
    address: str
    name: str
    #: ``enabled`` or the parameter's ``pim.yaml`` key (``accounts``).
    path: str
    before: Leaf
    after: Leaf


@dataclass(frozen=True)
class AlertStep:
    """One configuration PATCH: the declared setting over the live configuration."""

    name: str
    addresses: tuple[str, ...]
    desired: AlertSetting
    live: AlertConfig


@dataclass(frozen=True)
class AlertDiff:
    changes: tuple[AlertChange, ...] = ()
    steps: tuple[AlertStep, ...] = ()
    errors: tuple[str, ...] = ()
    #: Alerts the tenant has that ``alerts:`` does not name: left as they are.
    unmanaged: tuple[str, ...] = ()


def address(name: str, path: str = "") -> str:
    return f'alert["{name}"]' + (f".{path}" if path else "")


def compare(want: AlertSetting, have: AlertSetting) -> list[AlertChange]:
    """What differs, ``enabled`` first, then the declared parameters by key."""
    found: list[AlertChange] = []
    if want.enabled != have.enabled:
        found.append(
            AlertChange(
                address(want.name, "enabled"), want.name, "enabled", have.enabled, want.enabled
            )
        )
    for key, value in want.values:
        if value is not None and have.value(key) != value:
            change = AlertChange(address(want.name, key), want.name, key, have.value(key), value)
            found.append(change)
    return found


#: Why alerts were not read when no read was refused: a snapshot taken without them.
UNREAD = (
    "a snapshot holds them only when taken with `pim-gitops snapshot --policy DIR` and "
    "`graph_beta: [alerts]` in DIR's pim.yaml"
)


def not_read(tenant: TenantState) -> str:
    why = f" ({tenant.alert_read_error or UNREAD})"
    return (
        f"PIM alerts are declared in pim.yaml but the tenant's were not read{why}; nothing "
        "about them can be planned"
    )


def diff_alerts(desired: DesiredState, tenant: TenantState) -> AlertDiff:
    declared = desired.alerts
    if declared is None or not declared.settings:
        return AlertDiff()
    if tenant.alerts is None:
        return AlertDiff(errors=(not_read(tenant),))
    changes: list[AlertChange] = []
    steps: list[AlertStep] = []
    errors: list[str] = []
    for name, want in sorted(declared.settings.items()):
        live = tenant.alerts.configs.get(name)
        if live is None:
            title = ALERTS_BY_NAME[name].title
            errors.append(
                f"alert {name!r} ({title}): the tenant has no configuration of it to change "
                f"(declared at {declared.locations.get(name, desired.tenant_file)})"
            )
            continue
        found = compare(want, live.setting)
        if found:
            changes += found
            steps.append(AlertStep(name, tuple(c.address for c in found), want, live))
    unmanaged = tuple(sorted(n for n in tenant.alerts.configs if n not in declared.settings))
    return AlertDiff(tuple(changes), tuple(steps), tuple(errors), unmanaged)
