"""PIM alert settings in plan and drift output: one heading per alert (``alert
"too_many_global_admins"``), its changes under it (``~ accounts: 2 → 3``). Read from the plan
model (``Plan.alert_changes``), never from Graph payloads."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from pim_gitops.alerts import ALERTS_BY_NAME, is_percent
from pim_gitops.plan import Plan
from pim_gitops.plan.alert_model import AlertPlanChange, AlertValue
from pim_gitops.render.plan_text import grouped_text


def value_words(value: AlertValue) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def shown(change: AlertPlanChange, value: AlertValue) -> str:
    """A value in words, a percentage with its sign (``30 %``)."""
    unit = " %" if is_percent(change.alert, change.path) and value is not None else ""
    return value_words(value) + unit


def alert_line(change: AlertPlanChange) -> str:
    """``~ percent: 4 % → 30 %``."""
    return f"~ {change.path}: {shown(change, change.before)} → {shown(change, change.after)}"


def heading(name: str) -> str:
    kind = ALERTS_BY_NAME.get(name)
    title = f" ({kind.title})" if kind else ""
    return f'alert "{name}"{title}'


def by_alert(plan: Plan) -> list[tuple[str, list[AlertPlanChange]]]:
    return [(name, list(items)) for name, items in groupby(plan.alert_changes, lambda c: c.alert)]


def alert_text(plan: Plan, colour: bool, escape: Any) -> list[str]:
    """The text plan's alert blocks (``escape`` is rich's, for ``colour``)."""
    return grouped_text(by_alert(plan), heading, alert_line, lambda _: "yellow", colour, escape)


def alert_notes(plan: Plan, verbose: bool) -> list[str]:
    """Below the changes: where the writes go, and (verbose) the alerts not managed."""
    lines = []
    if plan.alert_writes:
        lines.append(
            "PIM alert settings are written through Graph beta "
            "(identityGovernance/roleManagementAlerts), as pim.yaml's graph_beta allows."
        )
    if verbose and plan.unmanaged_alerts:
        lines.append(
            f"PIM alerts not managed ({len(plan.unmanaged_alerts)}, left as they are): "
            + ", ".join(plan.unmanaged_alerts)
        )
    return lines


def alert_markdown(plan: Plan, md_text: Any, md_fence: Any) -> list[str]:
    """The markdown plan's alert sections (markdown helpers passed in)."""
    return [
        f"<details><summary><b>PIM {md_text(heading(name))}</b></summary>\n\n"
        f"{md_fence(chr(10).join(alert_line(c) for c in changes), 'diff')}\n</details>\n"
        for name, changes in by_alert(plan)
    ]


def drift_words(change: AlertPlanChange) -> str:
    """``enabled: turned off in the tenant; the repository says on`` (a switch, as drift
    words every switch), ``accounts is 5 in the tenant; the repository says 3``."""
    if change.path == "enabled":
        turned = "on" if change.before else "off"
        said = "on" if change.after else "off"
        return f"enabled: turned {turned} in the tenant; the repository says {said}"
    before, after = shown(change, change.before), shown(change, change.after)
    return f"{change.path} is {before} in the tenant; the repository says {after}"


def drift_alert_lines(plan: Plan) -> list[str]:
    """Drift words: what differs in the tenant, per alert setting."""
    return [f"{heading(c.alert)}: {drift_words(c)}" for c in plan.alert_changes]
