"""The report's "PIM alerts": each alert of PIM for directory roles (``alerts.ALERT_KINDS``)
with its setting in the tenant beside the one ``pim.yaml`` declares, then the alerts open in
the tenant with their incidents; and the summary's line on open alerts. Graph serves alerts
on beta only: they are read when ``pim.yaml`` lists ``alerts`` under ``graph_beta``
(``TenantState.alerts``; ``None``: not read, ``alert_read_error`` says why when refused)."""

from __future__ import annotations

from pim_gitops.alerts import ALERT_KINDS, AlertSetting, AlertState, OpenAlert, is_percent
from pim_gitops.compile.types import DesiredState
from pim_gitops.lint.rules.alerts import MICROSOFT_SEVERITY, incident_words
from pim_gitops.render.report_doc import Block, Cell, Para, Section, Table
from pim_gitops.state import TenantState
from pim_gitops.wire import format_instant
from pim_gitops.wording import plural

ANCHOR = "pim-alerts"
TITLE = "PIM alerts"
CONFIG_HEADERS = ("Alert", "Microsoft's severity", "In the tenant", "In the repository")
OPEN_HEADERS = ("Alert", "Severity", "Incidents", "About", "Last scanned")
#: Graph's ``severityLevel`` → the cell's class.
SEVERITY_CLASS = {"high": "fail", "medium": "warn"}
SEVERITY_ORDER = ("high", "medium", "low", "informational", "unknown")
NOT_READ = "The tenant's PIM alerts were not read (pim.yaml's graph_beta: [alerts] reads them)."


def _value(name: str, key: str, value: object) -> str:
    """A parameter as plans show it: a percentage with its sign (``30 %``)."""
    return f"{key} {value}{' %' if is_percent(name, key) else ''}"


def setting_words(setting: AlertSetting | None) -> str:
    """``on (accounts 3, percent 30 %)``, ``off``; ``None``: nothing known or declared."""
    if setting is None:
        return "not managed"
    state = "on" if setting.enabled else "off"
    values = [_value(setting.name, k, v) for k, v in setting.values if v is not None]
    return f"{state} ({', '.join(values)})" if values else state


def _config_rows(tenant: TenantState | None, desired: DesiredState) -> tuple[tuple[Cell, ...], ...]:
    state = tenant.alerts if tenant is not None else None
    declared = desired.alerts.settings if desired.alerts is not None else {}
    rows = []
    for kind in ALERT_KINDS:
        live = state.configs.get(kind.name) if state is not None else None
        if state is None:
            live_cell = Cell("not read", "muted")
        else:
            live_words = setting_words(live.setting) if live else "not found"
            live_cell = Cell(live_words, "warn" if live and not live.setting.enabled else "")
        rows.append(
            (
                Cell(f"{kind.title} ({kind.name})"),
                Cell(MICROSOFT_SEVERITY.get(kind.name, "unrated")),
                live_cell,
                Cell(setting_words(declared.get(kind.name))),
            )
        )
    return tuple(rows)


def _open_row(tenant: TenantState, alert: OpenAlert) -> tuple[Cell, ...]:
    about = sorted(incident_words(tenant, i) for i in alert.incidents)
    scanned = format_instant(alert.last_scanned) if alert.last_scanned else "not known"
    return (
        Cell(f"{alert.title} ({alert.name})"),
        Cell(alert.severity, SEVERITY_CLASS.get(alert.severity.casefold(), "")),
        Cell(str(max(alert.incident_count, len(alert.incidents)))),
        Cell("; ".join(about) or "no incident listed"),
        Cell(scanned),
    )


def _open_blocks(tenant: TenantState, state: AlertState) -> list[Block]:
    if not state.open:
        return [Para("No alert is open in the tenant.", "pass")]
    alerts = sorted(state.open, key=lambda a: (a.name, a.id))
    return [
        Para(f"Open in the tenant: {plural(len(alerts), 'alert')}.", "fail"),
        Table(OPEN_HEADERS, tuple(_open_row(tenant, a) for a in alerts)),
    ]


def _tenant_blocks(tenant: TenantState | None) -> list[Block]:
    if tenant is None:
        return [Para("Open alerts: not known (the tenant was not read).", "muted")]
    if tenant.alerts is None:
        if tenant.alert_read_error:
            why = f"The tenant's PIM alerts could not be read: {tenant.alert_read_error}."
            return [Para(why, "warn")]
        return [Para(NOT_READ, "muted")]
    return _open_blocks(tenant, tenant.alerts)


def alerts_section(desired: DesiredState, tenant: TenantState | None) -> Section:
    """The section (module docstring)."""
    note = Para(
        "PIM's security alerts for directory roles (Graph beta). Each alert's setting in the "
        "tenant beside the one pim.yaml declares (an alert it does not declare is not "
        "managed), then the alerts open now."
    )
    table = Table(CONFIG_HEADERS, _config_rows(tenant, desired))
    return Section(ANCHOR, TITLE, (note, table, *_tenant_blocks(tenant)))


def alerts_summary(tenant: TenantState | None) -> Cell | None:
    """The summary's line: open alerts by severity, or why they are not known; ``None``
    offline (the summary says the tenant was not read)."""
    if tenant is None:
        return None
    if tenant.alerts is None:
        if tenant.alert_read_error:
            return Cell(f"PIM alerts: could not be read ({tenant.alert_read_error}).", "warn")
        return Cell("PIM alerts: not read (graph_beta: [alerts]).", "muted")
    found = tenant.alerts.open
    if not found:
        return Cell("PIM alerts: none open.", "pass")
    levels: dict[str, int] = {}
    for alert in found:
        levels[alert.severity] = levels.get(alert.severity, 0) + 1
    order = {level: n for n, level in enumerate(SEVERITY_ORDER)}
    ranked = sorted(levels.items(), key=lambda kv: (order.get(kv[0].casefold(), 9), kv[0]))
    by = ", ".join(f"{n} {level}" for level, n in ranked)
    status = "fail" if any(a.severity.casefold() == "high" for a in found) else "warn"
    return Cell(f"PIM alerts: {plural(len(found), 'open alert')} ({by}).", status)
