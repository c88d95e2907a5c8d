"""``pim.yaml``'s ``alerts:``: one entry per PIM alert to manage (``alerts.ALERT_KINDS``
names them), ``enabled`` and the alert's own parameters. A parameter not written is left as
the tenant has it; an alert not written is not managed. Which parameter belongs to which
alert, and their ranges, are checked by ``compile/alerts.py`` at their ``file:line:col``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Whole = Annotated[int, Field(strict=True)]


class AlertEntry(BaseModel):
    """One alert's declared configuration (``alerts.too_many_global_admins``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Whether PIM scans for this alert.")
    accounts: Whole | None = Field(
        None, description="too_many_global_admins: Global Administrators at which it fires."
    )
    percent: Whole | None = Field(
        None, description="too_many_global_admins: share (0-100) of all role assignments."
    )
    duration: str | None = Field(
        None, description="stale_sign_in, redundant_assignment: ISO 8601 duration (P30D)."
    )
    renewals: Whole | None = Field(
        None, description="sequential_activation_renewals: activations within `within`."
    )
    within: str | None = Field(
        None, description="sequential_activation_renewals: the window (ISO 8601, PT1H)."
    )


#: ``TenantFile.alerts``: alert name → entry.
AlertsSection = dict[str, AlertEntry]
