"""The plan's PIM-alert parts: the changes (``alert["<name>"].<key>``) and the configuration
writes apply makes, one PATCH per alert that differs
(``PATCH /beta/identityGovernance/roleManagementAlerts/alertConfigurations/{id}``, with the
configuration type's ``@odata.type``: unifiedrolemanagementalertconfiguration-update.md).
Kept apart from ``Plan.changes`` and ``Plan.operations``: an alert setting grants or removes
no access."""

from __future__ import annotations

from typing import Any, Literal

from pim_gitops.plan.frozen import Frozen

#: ``{id}`` below it; on Graph beta (``graph.beta.beta_url``).
CONFIGURATIONS = "/identityGovernance/roleManagementAlerts/alertConfigurations"

AlertValue = str | bool | None


class AlertPlanChange(Frozen):
    kind: Literal["alert"] = "alert"
    address: str
    alert: str
    #: ``enabled`` or the parameter's ``pim.yaml`` key.
    path: str
    before: AlertValue
    after: AlertValue


class AlertWrite(Frozen):
    """One configuration PATCH. ``body``: what is sent; ``live``: the configuration as read
    when the plan was made (its fingerprint guards against a stale write)."""

    op: Literal["alert"] = "alert"
    alert: str
    configuration_id: str
    addresses: tuple[str, ...]
    body: dict[str, Any]
    live: dict[str, Any]
    fingerprint: str

    @property
    def label(self) -> str:
        return f"PIM alert {self.alert}: PATCH configuration (Graph beta)"

    @property
    def path(self) -> str:
        return f"{CONFIGURATIONS}/{self.configuration_id}"
