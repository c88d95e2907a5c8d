"""The ``alerts:`` section an export writes into ``pim.yaml`` when the tenant's PIM alerts
were read (``TenantState.alerts``): every known alert with ``enabled`` and each parameter the
tenant has a value for, and ``graph_beta: [alerts]`` that reading and writing them needs.
Compiling it gives back the live settings: export → plan = 0."""

from __future__ import annotations

from typing import Any

from pim_gitops.alerts import ALERTS_BY_NAME, AlertSetting
from pim_gitops.state import TenantState


def entry(setting: AlertSetting) -> dict[str, Any]:
    """One alert as ``pim.yaml`` writes it (counts and percentages as numbers)."""
    kind = ALERTS_BY_NAME[setting.name]
    out: dict[str, Any] = {"enabled": setting.enabled}
    for param in kind.parameters:
        value = setting.value(param.key)
        if isinstance(value, str):
            out[param.key] = value if param.kind == "duration" else int(value)
    return out


def export_alerts(tenant: TenantState) -> dict[str, Any]:
    """``{"graph_beta": ["alerts"], "alerts": {…}}``, or ``{}`` when alerts were not read."""
    if tenant.alerts is None or not tenant.alerts.configs:
        return {}
    alerts = {name: entry(c.setting) for name, c in sorted(tenant.alerts.configs.items())}
    return {"graph_beta": ["alerts"], "alerts": alerts}
