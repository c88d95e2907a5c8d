"""The tenant facts of an example (``examples.py``) that are not Graph objects of the
snapshot: access reviews, PIM alerts and the request history, built as the tenant side
normalizes them (``TenantState.reviews`` / ``alerts`` / ``history``)::

    alerts:     # TenantState.alerts (no key: not read; a string: why the read was refused)
      settings: {alert name: {enabled: bool, <parameter key>: value}}
      open:
        - {name: alert name, severity: high | medium | low | informational,
           incidents: [{subject: user:UPN, role: display name, detail: str}]}
    history:    # TenantState.history (no key: not read)
      gaps: {collection: reason}       # e.g. {approvals: "approvals not read (graph_beta)"}
      requests:
        - {role: display name, principal: user:UPN, action: selfActivate, days_ago: int,
           status: Provisioned, justification: str, ticket: str,
           approval: [{result: Approve | Deny | NotReviewed, reviewer: user:UPN}]}

A request without ``approval`` needed none (no ``approvalId``); ``approval: []`` has an
approval id whose approval was not found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pim_gitops.alerts import (
    ALERTS_BY_NAME,
    AlertConfig,
    AlertIncident,
    AlertSetting,
    AlertState,
    OpenAlert,
)
from pim_gitops.history import ApprovalStep, RequestHistory, RequestRecord
from pim_gitops.lint.examples import EXAMPLE_TENANT_ID, principal_id, tenant_reviews
from pim_gitops.roles import builtin_role_by_name
from pim_gitops.state import TenantState
from pim_gitops.tenantgen import oid

#: The window an example's history covers.
HISTORY_DAYS = 90


def _kind(name: str) -> Any:
    found = ALERTS_BY_NAME.get(name)
    if found is None:
        raise ValueError(f"unknown alert {name!r}; alerts: {', '.join(sorted(ALERTS_BY_NAME))}")
    return found


def _config(name: str, values: Mapping[str, Any]) -> AlertConfig:
    kind = _kind(name)
    params = tuple(sorted((k, str(v)) for k, v in values.items() if k != "enabled"))
    setting = AlertSetting(name, bool(values.get("enabled", True)), params)
    return AlertConfig(setting, kind.configuration_id(EXAMPLE_TENANT_ID))


def _open_alert(item: Mapping[str, Any], now: datetime) -> OpenAlert:
    kind = _kind(item["name"])
    incidents = tuple(
        AlertIncident(
            f"{kind.definition}-{n}",
            principal_id(i["subject"]) if i.get("subject") else None,
            i.get("subject", "").partition(":")[2] or None,
            i.get("role"),
            i.get("detail", ""),
        )
        for n, i in enumerate(item.get("incidents") or ())
    )
    return OpenAlert(
        kind.name,
        kind.configuration_id(EXAMPLE_TENANT_ID),
        kind.title,
        item.get("severity", "low"),
        int(item.get("incident_count", len(incidents))),
        now,
        incidents,
    )


def tenant_alerts(facts: Mapping[str, Any], now: datetime) -> tuple[AlertState | None, str | None]:
    """The facts' ``alerts:`` as ``(TenantState.alerts, alert_read_error)``."""
    if "alerts" not in facts:
        return None, None
    value = facts["alerts"]
    if isinstance(value, str):
        return None, value
    value = value or {}
    configs = {n: _config(n, v or {}) for n, v in (value.get("settings") or {}).items()}
    found = sorted((_open_alert(a, now) for a in value.get("open") or ()), key=lambda a: a.name)
    return AlertState(configs, tuple(found)), None


def _steps(item: Mapping[str, Any], created: datetime) -> tuple[ApprovalStep, ...] | None:
    if "approval" not in item:
        return None
    return tuple(
        ApprovalStep(
            s.get("result", "Approve"),
            principal_id(s["reviewer"]) if s.get("reviewer") else None,
            s.get("reviewer", "").partition(":")[2] or None,
            created + timedelta(minutes=5),
        )
        for s in item["approval"] or ()
    )


def _request(n: int, item: Mapping[str, Any], now: datetime) -> RequestRecord:
    template = builtin_role_by_name(item["role"])
    if template is None:
        raise ValueError(f"unknown built-in role {item['role']!r}")
    created = now - timedelta(days=int(item.get("days_ago", 1)))
    steps = _steps(item, created)
    return RequestRecord(
        oid("request", str(n)),
        "active",
        item.get("action", "selfActivate"),
        template,
        principal_id(item["principal"]),
        "/",
        created,
        item.get("status", "Provisioned"),
        item.get("justification"),
        item.get("ticket"),
        start=created,
        duration=int(item.get("hours", 2)) * 3600,
        requested_by=principal_id(item["principal"]),
        approval_id=oid("approval", str(n)) if steps is not None else None,
        approval=steps,
    )


def tenant_history(facts: Mapping[str, Any], now: datetime) -> RequestHistory | None:
    """The facts' ``history:`` (``None`` without the key: not read), newest first."""
    if "history" not in facts:
        return None
    value = facts["history"] or {}
    found = [_request(n, item, now) for n, item in enumerate(value.get("requests") or ())]
    found.sort(key=lambda r: (r.created, r.id), reverse=True)
    gaps = tuple(sorted((str(k), str(v)) for k, v in (value.get("gaps") or {}).items()))
    return RequestHistory(now - timedelta(days=HISTORY_DAYS), now, tuple(found), gaps)


def with_tenant_facts(tenant: TenantState, facts: Mapping[str, Any], now: datetime) -> TenantState:
    """``tenant`` with the facts' reviews, alerts and history (each left as it is when the
    facts do not list it)."""
    alerts, alert_error = tenant_alerts(facts, now)
    return replace(
        tenant,
        reviews=tenant_reviews(facts, now) if "reviews" in facts else tenant.reviews,
        alerts=alerts if "alerts" in facts else tenant.alerts,
        alert_read_error=alert_error if "alerts" in facts else tenant.alert_read_error,
        history=tenant_history(facts, now) if "history" in facts else tenant.history,
    )
