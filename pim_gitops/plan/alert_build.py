"""The alert diff (``diff_alerts``) as plan parts: changes, and one PATCH per alert with the
live configuration's fingerprint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pim_gitops.alert_wire import patch_body
from pim_gitops.alerts import ALERTS_BY_NAME
from pim_gitops.diff_alerts import AlertDiff, AlertStep
from pim_gitops.plan.alert_model import AlertPlanChange, AlertWrite
from pim_gitops.plan.model import fingerprint

#: What changes without a write, or is Graph's expansion of the definition: not fingerprinted.
VOLATILE = frozenset({"alertDefinition"})


def stable(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in VOLATILE and not k.startswith("@odata.")}


def alert_fingerprint(live: Mapping[str, Any]) -> str:
    return fingerprint(stable(live))


def alert_write(step: AlertStep) -> AlertWrite:
    live = dict(step.live.raw)
    return AlertWrite(
        alert=step.name,
        configuration_id=step.live.id,
        addresses=step.addresses,
        body=patch_body(ALERTS_BY_NAME[step.name], step.desired),
        live=live,
        fingerprint=alert_fingerprint(live),
    )


def alert_parts(
    result: AlertDiff,
) -> tuple[tuple[AlertPlanChange, ...], tuple[AlertWrite, ...]]:
    changes = tuple(
        AlertPlanChange(
            address=c.address, alert=c.name, path=c.path, before=c.before, after=c.after
        )
        for c in result.changes
    )
    return changes, tuple(alert_write(s) for s in result.steps)
