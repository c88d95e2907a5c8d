"""ALR: PIM's security alerts for directory roles (``alerts.py``): alerts open in the tenant
(ALR001, posture view) and alerts turned off (ALR002: the ``alerts:`` of ``pim.yaml`` in
the policy view, the tenant's configurations in the posture view).

Graph serves alerts on its beta endpoint only; the tenant's are read when ``pim.yaml``
lists ``alerts`` under ``graph_beta`` (``TenantState.alerts``; ``None``: not read, and
``alert_read_error`` says why when Graph refused). Microsoft's severities are those of
"Configure security alerts for Microsoft Entra roles in Privileged Identity Management"
(learn.microsoft.com/entra/id-governance/privileged-identity-management/
pim-how-to-configure-security-alerts)."""

from __future__ import annotations

from collections.abc import Iterator

from pim_gitops.alerts import ALERTS_BY_NAME, AlertIncident, OpenAlert
from pim_gitops.errors import LintConfigError, Location
from pim_gitops.lint.engine import Finding, LintContext
from pim_gitops.lint.registry import Severity, names, rule
from pim_gitops.lint.rules.judged import option_location
from pim_gitops.state import TenantState
from pim_gitops.wording import plural

#: Microsoft's severity of each alert (the page of the module docstring).
MICROSOFT_SEVERITY = {
    "redundant_assignment": "Low",
    "no_mfa_on_activation": "Low",
    "invalid_license": "Low",
    "stale_sign_in": "Medium",
    "roles_assigned_outside_pim": "High",
    "too_many_global_admins": "Low",
    "sequential_activation_renewals": "Low",
}
#: Graph's ``severityLevel`` of an open alert → the finding's severity.
FINDING_SEVERITY: dict[str, Severity] = {"high": "error", "medium": "warning"}
#: Incidents an open alert's finding names; the rest are counted.
SHOWN_INCIDENTS = 5
MAY_BE_OFF = "may_be_off"


def alerts_read(ctx: LintContext) -> bool:
    """ALR001 judges: the tenant's alerts were read, or the read was refused (said so)."""
    tenant = ctx.tenant
    return tenant is not None and (tenant.alerts is not None or tenant.alert_read_error is not None)


def incident_words(tenant: TenantState | None, incident: AlertIncident) -> str:
    """``bob@contoso.com in Global Administrator (detail)``: the subject as Graph names it,
    else as a policy file names the principal, else its id."""
    subject = incident.subject_name
    if subject is None and incident.subject_id:
        found = tenant.principals.get(incident.subject_id) if tenant is not None else None
        subject = found.reference if found is not None else incident.subject_id
    text = " in ".join(p for p in (subject, incident.role_name) if p) or incident.id
    return f"{text} ({incident.detail})" if incident.detail else text


def alert_words(ctx: LintContext, alert: OpenAlert) -> str:
    """The open alert in words, with its first incidents."""
    count = max(alert.incident_count, len(alert.incidents))
    text = (
        f'alert["{alert.name}"] is open: {alert.title} ({plural(count, "incident")}, '
        f"severity {alert.severity})"
    )
    shown = sorted(incident_words(ctx.tenant, i) for i in alert.incidents)
    if shown:
        more = len(shown) - SHOWN_INCIDENTS
        text += ": " + "; ".join(shown[:SHOWN_INCIDENTS])
        text += f"; and {more} more" if more > 0 else ""
    return text


# long: the docstring is the rule's documentation; the code is short
def open_alerts(ctx: LintContext) -> Iterator[Finding]:
    """PIM raises no security alert for directory roles

    ## What it checks

    Posture view, when the tenant's PIM alerts were read (`graph_beta: [alerts]` in
    `pim.yaml`): one finding per open alert (`isActive`), naming its incidents (the
    accounts or roles it is about). The severity follows Graph's `severityLevel`: `high`
    is an error, `medium` a warning, `low` and `informational` are info. When Graph refused
    the read (no `RoleManagementAlert.Read.Directory`, no licence) the rule says the alerts
    could not be judged (a warning), never a pass.

    ## Why

    PIM "generates alerts when there's suspicious or unsafe activity in your organization"
    (Microsoft, "Configure security alerts for Microsoft Entra roles"). An open alert is a
    problem PIM itself found: "Roles are being assigned outside of Privileged Identity
    Management" is High, "Requires immediate action because of a policy violation". The
    issue's users asked that open alerts appear next to the policy's findings.

    ## How to fix

    Follow the alert's "How to fix?" on Microsoft's page: remove the accounts from the
    roles they don't need, require MFA, assign through PIM. PIM closes the alert at its
    next scan; dismissing it in the portal hides it until it fires again.

    ## Example

    ```yaml
    # tenant
    alerts:
      open:
        - name: roles_assigned_outside_pim
          severity: high
          incidents: [{subject: user:bob@contoso.com, role: Global Administrator}]
    ```

    ## Use instead

    ```yaml
    # tenant
    alerts:
      open: []
    ```
    """
    assert ctx.tenant is not None
    state = ctx.tenant.alerts
    if state is None:
        yield ctx.finding(
            f"the tenant's PIM alerts could not be read ({ctx.tenant.alert_read_error}): "
            "open alerts are not judged",
            ctx.tenant_location(),
            severity="warning",
        )
        return
    for alert in sorted(state.open, key=lambda a: (a.name, a.id)):
        yield ctx.finding(
            alert_words(ctx, alert),
            ctx.tenant_location(),
            severity=FINDING_SEVERITY.get(alert.severity.casefold(), "info"),
        )


rule(
    applies=alerts_read,
    applies_words=(
        "alerts are judged when the tenant's PIM alerts were read (graph_beta: [alerts]), "
        "or their read was refused"
    ),
    code="ALR001",
    name="open-pim-alert",
    severity="warning",
    views=("posture",),
)(open_alerts)


def has_alert_settings(ctx: LintContext) -> bool:
    """ALR002 judges: the repository's ``alerts:`` (policy view), the tenant's alert
    configurations as read (posture view)."""
    if ctx.view == "policy":
        return ctx.desired.alerts is not None
    return ctx.tenant is not None and ctx.tenant.alerts is not None


def _may_be_off(ctx: LintContext) -> frozenset[str]:
    chosen = ctx.names(MAY_BE_OFF)
    unknown = sorted(n for n in chosen if n not in ALERTS_BY_NAME)
    if unknown:
        raise LintConfigError(
            f"{option_location(ctx, MAY_BE_OFF)}: "
            f"lint.rules.{ctx.rule.code}.options.{MAY_BE_OFF} names no alert: "
            f"{', '.join(unknown)} (alerts: {', '.join(sorted(ALERTS_BY_NAME))})"
        )
    return frozenset(chosen)


def _off(ctx: LintContext) -> Iterator[tuple[str, Location]]:
    """The alerts off in this view, by name, with where that is said."""
    if ctx.view == "policy":
        declared = ctx.desired.alerts
        if declared is None:
            return
        for name, setting in sorted(declared.settings.items()):
            if not setting.enabled:
                yield name, declared.locations.get(name, Location(ctx.desired.tenant_file))
        return
    state = ctx.tenant.alerts if ctx.tenant is not None else None
    for name, config in sorted(state.configs.items() if state is not None else ()):
        if not config.setting.enabled:
            yield name, ctx.tenant_location()


# long: the docstring is the rule's documentation; the code is short
def alert_off(ctx: LintContext) -> Iterator[Finding]:
    """Every PIM security alert for directory roles is on

    ## What it checks

    Each alert the view has a setting for is enabled: in the policy view the alerts
    `pim.yaml` declares (`alerts: {<name>: {enabled: false}}` is reported at its line), in
    the posture view the tenant's alert configurations as read. Turning off "Roles are being
    assigned outside of Privileged Identity Management" (Microsoft: High) is an error, the
    others warnings. The option `may_be_off` lists alerts your organisation turns off on
    purpose (say why in a comment beside it).

    ## Why

    Microsoft's page on PIM's alerts rates each one ("High: Requires immediate action
    because of a policy violation"; "Medium: ... signals a potential policy violation";
    "Low: ... suggests a preferable policy change") and says of assignments outside PIM
    that they "aren't properly monitored and may indicate an active attack". An alert that
    is off raises nothing: the posture view's ALR001 then passes on a problem PIM would have
    found. SCuBA MS.AAD.7.5v1 ("Provisioning users to highly privileged roles SHALL NOT
    occur outside of a PAM system") is what the outside-PIM alert watches; the setting
    itself is not that control, so no control id is cited.

    ## How to fix

    Set `enabled: true` (or remove `enabled: false`; it defaults to true) and tune the
    alert's thresholds instead of turning it off.

    ## Example

    ```yaml
    # tenant
    alerts:
      settings:
        roles_assigned_outside_pim: {enabled: false}
    ```

    ## Use instead

    ```yaml
    # tenant
    alerts:
      settings:
        roles_assigned_outside_pim: {enabled: true}
    ```
    """
    allowed = _may_be_off(ctx)
    for name, where in _off(ctx):
        if name in allowed:
            continue
        kind = ALERTS_BY_NAME.get(name)
        title = kind.title if kind is not None else name
        rated = MICROSOFT_SEVERITY.get(name, "unrated")
        yield ctx.finding(
            f'alert["{name}"] is off: PIM does not raise "{title}" (Microsoft rates it {rated})',
            where,
            severity="error" if rated == "High" else "warning",
        )


rule(
    applies=has_alert_settings,
    applies_words=(
        "alert settings are judged when pim.yaml declares `alerts:` (policy view) or the "
        "tenant's alert configurations were read (posture view)"
    ),
    code="ALR002",
    name="pim-alert-off",
    severity="warning",
    options=(names(MAY_BE_OFF, (), "Alerts (pim.yaml names) that may be off."),),
)(alert_off)
